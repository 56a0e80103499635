// The privacy promise for code execution: source, stdin, args, files and
// output carrying a unique canary pass through the coordinator and the node
// (both at --log-level trace) on every path we can reach (plain, streamed,
// compile error, timeout, output flood, a client that hangs up, a malformed
// request), and the canary is found in no file under the test's directory:
// data dir and SQLite files, the node's state dir, HOME, TMPDIR, logs.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { before, test } from 'node:test';
import { useHarness, sseEvents, waitFor } from '../lib/harness.mjs';
import { filesContaining, makeCanary } from '../lib/canary.mjs';

const h = useHarness('exec-privacy');
const { SECRET, CANARY, NEEDLES } = makeCanary();
let coord, node, key;

const hasGcc = (() => {
  try {
    execFileSync('sh', ['-c', 'PATH=/usr/bin:/bin command -v gcc'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

before(h.wrap(async () => {
  coord = await h.startCoordinator({ logLevel: 'trace' });
  key = await coord.adminKey();
  node = await h.startNode({ coordinator: coord, backend: 'none', logLevel: 'trace', args: ['--exec'] });
  await coord.waitForExec(key, 'python3');
}));

const run = (body) => coord.post('/v1/exec', body, key);
const echo = `import sys\n# ${CANARY}\nprint("${CANARY}", sys.argv[1:], sys.stdin.read(), open("data/${CANARY}.txt").read())\nprint("${CANARY}", file=sys.stderr)\n`;
const full = (extra = {}) => ({
  language: 'python3',
  source: echo,
  stdin: `${CANARY} on stdin`,
  args: [CANARY],
  files: [{ path: `data/${CANARY}.txt`, content: CANARY }],
  ...extra,
});

test('a canary through every exec path is never written to disk', h.wrap(async () => {
  // 1. Plain answer.
  const a = await run(full());
  assert.equal(a.status, 200, a.text);
  assert.ok(a.json.stdout.includes(CANARY) && a.json.stderr.includes(CANARY), 'the canary went through');

  // 2. Streamed.
  const res = await coord.fetch('/v1/exec', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(full({ stream: true })),
  });
  let streamed = '';
  for await (const ev of sseEvents(res)) if (ev.json?.type === 'output') streamed += ev.json.data;
  assert.ok(streamed.includes(CANARY));

  // 3. A compile error: the compiler quotes the source back.
  if (hasGcc) {
    const c = await run({ language: 'c', source: `int main(void) { return ${CANARY}; }\n` });
    assert.equal(c.json.compile_error, true);
    assert.ok(c.json.stderr.includes(CANARY));
  }

  // 4. A timeout after printing, and an output flood.
  const t = await run({ language: 'python3', source: `print("${CANARY}", flush=True)\nwhile True: pass`, timeout_ms: 500 });
  assert.equal(t.json.timed_out, true);
  assert.ok(t.json.stdout.includes(CANARY));
  const f = await run({ language: 'python3', source: `import sys\nwhile True: sys.stdout.write("${CANARY}\\n")` });
  assert.equal(f.json.truncated, true);

  // 5. A client that hangs up mid-stream.
  const ctl = new AbortController();
  const slow = await coord.fetch('/v1/exec', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      language: 'python3',
      source: `import time\nwhile True:\n    print("${CANARY}", flush=True)\n    time.sleep(0.05)`,
      stream: true,
    }),
    signal: ctl.signal,
  });
  try {
    for await (const ev of sseEvents(slow)) if (ev.json?.data?.includes(CANARY)) break;
  } catch {
    // aborted
  } finally {
    ctl.abort();
  }
  await waitFor(async () => (await coord.query("SELECT COUNT(*) AS n FROM usage_events WHERE status='cancelled'"))[0].n >= 1, {
    what: 'the hung-up job to be recorded',
  });

  // 6. Malformed requests carrying the canary.
  const bad = await coord.request('POST', '/v1/exec', {
    key,
    rawBody: `{"language":"python3","source":"${CANARY}`,
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(bad.status, 400);
  const wrong = await run({ language: CANARY, source: CANARY });
  assert.equal(wrong.status, 400);
  assert.ok(!wrong.text.includes(SECRET), 'the error does not echo the value');

  await coord.settle();
  const live = filesContaining(h.root, NEEDLES);
  assert.deepEqual(live, [], `the canary was written to disk:\n${live.join('\n')}`);

  const nodeExit = await node.stop();
  const coordExit = await coord.stop();
  assert.ok(!nodeExit.forced && !coordExit.forced, 'a process needed SIGKILL');
  assert.ok(readFileSync(node.stderrPath, 'utf8').split('\n').length > 10, 'the node logged (trace level is on)');
  const rows = await coord.query("SELECT COUNT(*) AS n FROM usage_events WHERE kind='exec'");
  assert.ok(rows[0].n >= 5, 'usage events were written for the jobs');
  const hits = filesContaining(h.root, NEEDLES);
  assert.deepEqual(hits, [], `the canary was written to disk:\n${hits.join('\n')}`);
}));

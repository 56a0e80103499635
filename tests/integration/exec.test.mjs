// Sandboxed code execution through a real coordinator and a real node
// (`potluck node --exec --backend none`): every language, stdin and args,
// compile errors, and the sandbox's walls and limits: time, processes,
// memory, the file system, the network, the node's own files, output size,
// and two jobs that must not see each other. Also the API's refusals and
// the usage events, and `potluck exec` end to end.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { useHarness, expectErrorEnvelope, randomToken, readSse, sseEvents, waitFor } from '../lib/harness.mjs';
import { describeSandbox } from '../lib/sandbox_checks.mjs';

const h = useHarness('exec');
let coord, node, key;

// A language is tested when its toolchain is installed here (the node offers
// exactly those).
function installed(tool) {
  try {
    execFileSync('sh', ['-c', `PATH=/usr/local/bin:/usr/bin:/bin command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const HELLO = {
  python3: { tool: 'python3', source: 'print("hello from python3")' },
  node: { tool: 'node', source: 'console.log("hello from node")' },
  bash: { tool: 'bash', source: 'echo "hello from bash"' },
  c: { tool: 'gcc', source: '#include <stdio.h>\nint main(void){ puts("hello from c"); return 0; }\n' },
  'c++': { tool: 'g++', source: '#include <iostream>\nint main(){ std::cout << "hello from c++" << std::endl; }\n' },
};

before(h.wrap(async () => {
  coord = await h.startCoordinator();
  key = await coord.adminKey();
  // Before any node: a known language nobody offers is 503 with Retry-After.
  const none = await coord.post('/v1/exec', { language: 'bash', source: 'true' }, key);
  expectErrorEnvelope(assert, none, 503);
  assert.ok(Number(none.headers.get('retry-after')) > 0, 'Retry-After is set');

  node = await h.startNode({ coordinator: coord, backend: 'none', maxJobs: 4, args: ['--exec'] });
  await coord.waitForExec(key, 'bash');
}));

const run = (body) => coord.post('/v1/exec', body, key);
const py = (source, extra = {}) => run({ language: 'python3', source, ...extra });

describe('languages', () => {
  for (const [language, { tool, source }] of Object.entries(HELLO)) {
    test(`hello world in ${language}`, { skip: !installed(tool) && `${tool} is not installed` }, h.wrap(async () => {
      const r = await run({ language, source });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.stdout, `hello from ${language}\n`);
      assert.equal(r.json.exit_code, 0);
      assert.equal(r.json.signal, 0);
      assert.equal(r.json.timed_out, false);
      assert.equal(r.json.truncated, false);
      assert.equal(r.json.compile_error, false);
      for (const field of ['duration_ms', 'cpu_ms', 'max_rss_kb']) assert.equal(typeof r.json[field], 'number', field);
      assert.ok(r.json.max_rss_kb > 0, 'the memory high-water mark is measured');
    }));
  }

  test('stdin, args and the exit code reach the program', h.wrap(async () => {
    const r = await py('import sys\nprint(sys.argv[1:])\nprint(sys.stdin.read().upper(), end="")\nsys.exit(7)', {
      stdin: 'some input\n',
      args: ['one', 'two words'],
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.stdout, "['one', 'two words']\nSOME INPUT\n");
    assert.equal(r.json.exit_code, 7);
  }));

  test('extra files are written beside the source', h.wrap(async () => {
    const r = await py('import helper\nprint(helper.greet(), open("data/x.txt").read())', {
      files: [{ path: 'helper.py', content: 'def greet():\n    return "hi"\n' }, { path: 'data/x.txt', content: 'x' }],
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.stdout, 'hi x\n');
  }));

  test('a compile error is reported as such', { skip: !installed('gcc') }, h.wrap(async () => {
    const r = await run({ language: 'c', source: 'int main(void) { return undeclared_thing; }\n' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.compile_error, true);
    assert.notEqual(r.json.exit_code, 0);
    assert.match(r.json.stderr, /undeclared_thing/);
    assert.equal(r.json.stdout, '');
  }));

  test('output streams as SSE events, then the result', h.wrap(async () => {
    const res = await coord.fetch('/v1/exec', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        language: 'python3',
        source: 'import sys\nprint("out", flush=True)\nprint("err", file=sys.stderr, flush=True)\nsys.exit(3)',
        stream: true,
      }),
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /text\/event-stream/);
    const { events, done } = await readSse(res);
    assert.ok(done, 'the stream ends with [DONE]');
    const outputs = events.filter((e) => e.json?.type === 'output');
    assert.equal(outputs.filter((e) => e.json.stream === 'stdout').map((e) => e.json.data).join(''), 'out\n');
    assert.equal(outputs.filter((e) => e.json.stream === 'stderr').map((e) => e.json.data).join(''), 'err\n');
    const result = events.find((e) => e.json?.type === 'result');
    assert.ok(result, 'a result event');
    assert.equal(result.json.exit_code, 3);
    assert.equal(events.indexOf(result), events.length - 2, 'the result is the last event before [DONE]');
  }));
});

describeSandbox(h, () => ({ coord, node, key }));

describe('the API', () => {
  test('malformed requests are 400 with the field named', h.wrap(async () => {
    expectErrorEnvelope(assert, await run({ source: 'x' }), 400);
    const unknown = await run({ language: 'cobol', source: 'x' });
    expectErrorEnvelope(assert, unknown, 400, { code: 'unknown_language' });
    const badTimeout = await run({ language: 'python3', source: 'pass', timeout_ms: -5 });
    assert.match(expectErrorEnvelope(assert, badTimeout, 400).message, /timeout_ms/);
    const badPath = await run({ language: 'python3', source: 'pass', files: [{ path: '../x', content: '' }] });
    assert.match(expectErrorEnvelope(assert, badPath, 400).message, /path/);
    const notJson = await coord.request('POST', '/v1/exec', { key, rawBody: '{"language":', headers: { 'content-type': 'application/json' } });
    expectErrorEnvelope(assert, notJson, 400);
  }));

  test('a key without the exec scope is refused with 403', h.wrap(async () => {
    const made = await coord.post('/api/keys', { name: 'inference only', scopes: 'inference' }, key);
    assert.equal(made.status, 201, made.text);
    const r = await coord.post('/v1/exec', { language: 'python3', source: 'print(1)' }, made.json.key);
    expectErrorEnvelope(assert, r, 403);
    expectErrorEnvelope(assert, await coord.post('/v1/exec', { language: 'python3', source: 'print(1)' }), 401);
  }));

  test('an exec job can be asynchronous: POST /v1/jobs with kind exec, its result read later', h.wrap(async () => {
    const submitted = await coord.post('/v1/jobs', {
      kind: 'exec', keep_result: true,
      payload: { language: 'bash', source: 'read x; echo "got $x"; exit 3', stdin: 'it\n' },
    }, key);
    assert.equal(submitted.status, 202, submitted.text);
    assert.equal(submitted.json.model, 'exec:bash');
    const done = await waitFor(async () => {
      const r = await coord.get(`/v1/jobs/${submitted.json.id}`, key);
      return r.json.state === 'completed' ? r.json : null;
    }, { what: 'the exec job to complete' });
    assert.equal(done.result.stdout, 'got it\n');
    assert.equal(done.result.exit_code, 3);
    // The kind's scope decides, and exec jobs name no model.
    const made = await coord.post('/api/keys', { name: 'inference only', scopes: 'inference' }, key);
    const refused = await coord.post('/v1/jobs', { kind: 'exec', payload: { language: 'bash', source: 'true' } },
      made.json.key);
    expectErrorEnvelope(assert, refused, 403);
    const named = await coord.post('/v1/jobs', { kind: 'exec', model: 'm', payload: { language: 'bash', source: 'true' } }, key);
    expectErrorEnvelope(assert, named, 400);
  }));

  test('each exec job leaves one usage event: language, CPU time, exit status', h.wrap(async () => {
    const last = await coord.settle();
    const r = await py('import sys\nx = sum(range(10**6))\nsys.exit(4)');
    assert.equal(r.status, 200, r.text);
    await coord.settle();
    const rows = await coord.usageEvents(`id > ${last}`);
    assert.equal(rows.length, 1);
    const [e] = rows;
    assert.equal(e.kind, 'exec');
    assert.equal(e.language, 'python3');
    assert.equal(e.status, 'ok');
    assert.equal(e.exit_code, 4);
    assert.equal(typeof e.cpu_ms, 'number');
    assert.ok(e.latency_ms >= 0);
    assert.equal(e.node_id.startsWith('node_'), true);
  }));
});

/** Pids of processes on this machine whose command line contains `marker`. */
function processesWith(marker) {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`).includes(marker)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

describe('stopping', () => {
  test('a consumer who hangs up stops the program on the node', h.wrap(async () => {
    const marker = `hangup-${randomToken(8)}`;
    const ctl = new AbortController();
    const res = await coord.fetch('/v1/exec', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        language: 'python3',
        source: 'import time\nwhile True:\n    print("tick", flush=True)\n    time.sleep(0.05)',
        args: [marker],
        stream: true,
        timeout_ms: 10000,
      }),
      signal: ctl.signal,
    });
    try {
      for await (const ev of sseEvents(res)) if (ev.json?.type === 'output') break;
    } finally {
      ctl.abort();
    }
    await waitFor(() => processesWith(marker).length === 0, { what: 'the program to be killed' });
    await waitFor(async () => (await coord.query("SELECT COUNT(*) AS n FROM usage_events WHERE status='cancelled' AND kind='exec'"))[0].n >= 1, {
      what: 'the cancelled job to be recorded',
    });
  }));

  test('a program that times out leaves no process behind', h.wrap(async () => {
    const marker = `timeout-${randomToken(8)}`;
    const r = await run({
      language: 'bash',
      // Two children in the background (their command lines carry the marker too), then a busy loop.
      source: 'for i in 1 2; do python3 -c "import time; time.sleep(300)" "$1" & done\nwhile true; do :; done',
      args: [marker],
      timeout_ms: 1000,
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.timed_out, true);
    assert.deepEqual(processesWith(marker), [], 'the program and its children are gone when the answer comes');
  }));
});

describe('potluck exec (CLI)', () => {
  test('streams the output and exits with the program\'s exit code', h.wrap(async () => {
    const dir = h.dir('cli-exec');
    const file = path.join(dir, 'prog.py');
    const input = path.join(dir, 'input.txt');
    writeFileSync(file, 'import sys\nprint("args", sys.argv[1:])\nprint(sys.stdin.read().strip())\nprint("oops", file=sys.stderr)\nsys.exit(9)\n');
    writeFileSync(input, 'from stdin\n');
    const r = await h.potluck(['exec', file, '--stdin', input, '--coordinator', coord.url, '--key', key, '--', 'a1']);
    assert.equal(r.code, 9, r.stderr);
    assert.equal(r.stdout, "args ['a1']\nfrom stdin\n");
    assert.match(r.stderr, /oops/);
  }));

  test('guesses the language from the extension or takes --language', h.wrap(async () => {
    const dir = h.dir('cli-exec');
    const sh = path.join(dir, 'x.sh');
    writeFileSync(sh, 'echo from bash\n');
    let r = await h.potluck(['exec', sh, '--coordinator', coord.url, '--key', key]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'from bash\n');
    const noExt = path.join(dir, 'script');
    writeFileSync(noExt, 'print("from python")\n');
    r = await h.potluck(['exec', noExt, '--coordinator', coord.url, '--key', key]);
    assert.equal(r.code, 2);
    r = await h.potluck(['exec', noExt, '--language', 'python3', '--coordinator', coord.url, '--key', key]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'from python\n');
  }));
});

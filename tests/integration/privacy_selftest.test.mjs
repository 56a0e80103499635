// `potluck selftest privacy` against a live stack: canaries through chat,
// streamed chat, completion, an asynchronous job and an exec program (source,
// stdin and output), then a scan of the coordinator's data dir (database and
// WAL), the nodes' state dirs and every log file. It passes on a healthy
// stack, and fails (exit 1, naming the file) when a canary is planted in a
// log: the test can fail.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { useHarness, randomToken } from '../lib/harness.mjs';

const h = useHarness('privacy-selftest');
let coord, key, chatNode, execNode;

before(h.wrap(async () => {
  const upstream = await h.startUpstream({ models: ['fake-model'] });
  coord = await h.startCoordinator({ logLevel: 'trace' });
  key = await coord.adminKey();
  chatNode = await h.startNode({ coordinator: coord, upstream, logLevel: 'trace' });
  execNode = await h.startNode({ coordinator: coord, backend: 'none', logLevel: 'trace', args: ['--exec'] });
  await coord.waitForModel(key, 'fake-model');
  await coord.waitForExec(key, 'bash');
}));

function selftest(extra = []) {
  const logs = [coord, chatNode, execNode].flatMap((p) => {
    const proc = p.proc ?? p;
    return ['--log', proc.stdoutPath, '--log', proc.stderrPath];
  });
  return h.potluck(['selftest', 'privacy', '--coordinator', coord.url, '--key', key, '--data-dir', coord.dataDir,
    '--node-state-dir', chatNode.stateDir, '--node-state-dir', execNode.stateDir, ...logs, ...extra]);
}

test('on a healthy stack every content path is exercised and no content is found', h.wrap(async () => {
  const r = await selftest();
  assert.equal(r.code, 0, r.stdout + r.stderr);
  for (const path of ['chat', 'chat-stream', 'completion', 'job', 'exec'])
    assert.match(r.stdout, new RegExp(`exercised ${path}: (HTTP 200|ended completed)`), r.stdout);
  assert.match(r.stdout, /not run {3}failing-upstream: skipped/);
  const [, files, bytes] = r.stdout.match(/scanned (\d+) files, (\d+) bytes/);
  assert.ok(Number(files) >= 8 && Number(bytes) > 0, r.stdout);
  assert.match(r.stdout, /no content found/);
  // The jobs were metered: metadata is kept, content is not.
  const [row] = await coord.query("SELECT count(*) AS n FROM usage_events WHERE kind = 'exec'");
  assert.ok(row.n >= 1);
}));

test('a canary planted in a log file is found: exit 1, naming the file', h.wrap(async () => {
  const canary = `canary${randomToken(12)}`;
  const planted = path.join(h.dir('planted'), 'operator.log');
  writeFileSync(planted, `2026-12-07 info something logged ${canary}-chat by mistake\n`);
  const r = await selftest(['--canary', canary, '--log', planted]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`FOUND chat canary in ${planted.replace(/[.]/g, '\\.')} at byte \\d+`));
  assert.doesNotMatch(r.stdout, /no content found/);
}));

test('it refuses to run without a reachable coordinator or a valid key (exit 2)', h.wrap(async () => {
  const r = await h.potluck(['selftest', 'privacy', '--coordinator', coord.url, '--key', 'pl_nope_nope',
    '--data-dir', coord.dataDir]);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /cannot read GET \/api\/usage/);
}));

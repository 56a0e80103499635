// A node that claims more CPU time for a program than it could have used
// (issue 14, money): an exec job is billed at most its wall time, as the
// coordinator timed it, times the processes the node said one program may
// run (hello exec.max_processes, bounded by --max-exec-processes); the
// consumer is shown what was billed, and the claim counts as a usage
// mismatch against the node, as an inflated token count does.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { useHarness, waitFor } from '../lib/harness.mjs';
import { connectNode } from '../lib/fake_node.mjs';

const h = useHarness('exec-cpu-claims');
const HOUR_MS = 3_600_000;
let coord, admin, node;

async function nodeEntry() {
  const r = await coord.get('/api/nodes', admin);
  assert.equal(r.status, 200, r.text);
  return r.json.data.find((n) => n.id === node.nodeId);
}

/** POST /v1/exec, answered by the fake node with `result` as the program's end; resolves {answer, wallMs}. */
async function runClaiming(result) {
  const t0 = performance.now();
  const pending = coord.post('/v1/exec', { language: 'python3', source: 'print(1)' }, admin);
  const job = await node.next('job');
  assert.equal(job.kind, 'exec');
  node.send({ type: 'chunk', id: job.id, seq: 0, delta: { stream: 'stdout', data: '1\n' } });
  node.send({ type: 'done', id: job.id, usage: { prompt_tokens: 0, completion_tokens: 0 }, exec: result });
  const answer = await pending;
  return { answer, wallMs: performance.now() - t0 };
}

before(h.wrap(async () => {
  coord = await h.startCoordinator({ name: 'claims' });
  admin = await coord.adminKey();
  node = await connectNode(coord.url, await coord.nodeToken('claiming node'));
  await node.hello({ models: [], extra: { exec: { languages: ['python3'], price: 0, max_processes: 2 } } });
  await waitFor(async () => (await nodeEntry())?.state === 'online', { what: 'the node to be online' });
}));

test('an hour of CPU claimed for a run of milliseconds is billed at wall time x processes and flagged', h.wrap(async () => {
  const last = await coord.settle();
  const { answer, wallMs } = await runClaiming({ exit_code: 0, signal: 0, duration_ms: 5, cpu_ms: HOUR_MS });
  assert.equal(answer.status, 200, answer.text);
  assert.equal(answer.json.stdout, '1\n');
  assert.ok(answer.json.cpu_ms <= (Math.ceil(wallMs) + 1) * 2, `shown ${answer.json.cpu_ms} ms of CPU`);
  await coord.settle();
  const [row] = await coord.usageEvents(`id > ${last}`);
  assert.equal(row.cpu_ms, answer.json.cpu_ms, 'the consumer is shown what was billed');
  assert.equal((await nodeEntry()).usage_mismatches, 1);
  assert.match(coord.proc.stderr(), new RegExp(`node ${node.nodeId} reported more than it could have used`));
}));

test('a claim within what the run allows is billed as reported, and not flagged', h.wrap(async () => {
  const last = await coord.settle();
  const { answer } = await runClaiming({ exit_code: 0, signal: 0, duration_ms: 1, cpu_ms: 0 });
  assert.equal(answer.status, 200, answer.text);
  assert.equal(answer.json.cpu_ms, 0);
  await coord.settle();
  const [row] = await coord.usageEvents(`id > ${last}`);
  assert.equal(row.cpu_ms, 0);
  assert.equal((await nodeEntry()).usage_mismatches, 1, 'still only the first claim');
}));

test('a hello whose max_processes is out of bounds is refused', h.wrap(async () => {
  const liar = await connectNode(coord.url, await coord.nodeToken('boastful node'));
  liar.send({
    type: 'hello', protocol: 'potluck.v1', node_id: 'node_boastful', name: 'boastful', os: 'linux', arch: 'x86_64',
    agent_version: '0.0.0-test', max_jobs: 1, models: [], exec: { languages: ['python3'], max_processes: 1e9 },
  });
  const { reason } = await liar.closed;
  assert.match(reason, /max_processes/);
}));

// The exec sandbox built by the node itself (`--exec-sandbox namespaces`,
// the fallback when bubblewrap is not installed) holds the same walls and
// limits as the default: the same checks as exec.test.mjs, on such a node.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { useHarness } from '../lib/harness.mjs';
import { describeSandbox } from '../lib/sandbox_checks.mjs';

const h = useHarness('exec-ns');
let coord, node, key;

before(h.wrap(async () => {
  coord = await h.startCoordinator();
  key = await coord.adminKey();
  node = await h.startNode({
    coordinator: coord,
    backend: 'none',
    maxJobs: 4,
    args: ['--exec', '--exec-sandbox', 'namespaces', '--exec-languages', 'python3,bash'],
  });
  await coord.waitForExec(key, 'python3');
}));

test('the node uses its own namespaces and offers only the languages asked for', h.wrap(async () => {
  assert.match(node.stderr(), /exec: languages python3,bash, sandbox namespaces/);
  const r = await coord.post('/v1/exec', { language: 'node', source: 'console.log(1)' }, key);
  assert.equal(r.status, 503, r.text);
}));

describeSandbox(h, () => ({ coord, node, key }), 'the sandbox (own namespaces)');

// A node that stops reading (issue 14, coordinator memory): what the
// coordinator queues for one node is bounded by --max-node-outbox-bytes; past
// it the node is dropped, its jobs end with an error for their consumers, and
// the coordinator's memory stays bounded.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { useHarness, waitFor } from '../lib/harness.mjs';
import { connectNode } from '../lib/fake_node.mjs';

const h = useHarness('node-outbox');
const MODEL = 'deaf-model';

const residentMiB = (pid) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

test('a node that stops reading is dropped once its outbox passes the bound; its consumers get an error', h.wrap(async () => {
  const coord = await h.startCoordinator({ logLevel: 'info', args: ['--max-node-outbox-bytes', String(8 << 20)] });
  const admin = await coord.adminKey();
  const node = await connectNode(coord.url, await coord.nodeToken('deaf node'));
  await node.hello({ models: [{ id: MODEL, context: 4096, owned_by: 'fake-node' }], maxJobs: 8 });
  await coord.waitForModel(admin, MODEL);
  // From now on the node reads nothing: the kernel's buffers fill, then the
  // coordinator's queue for it.
  node.ws._socket.pause();

  // Eight jobs of 4 MiB each: 32 MiB for a link that takes none of it.
  const prompt = 'x'.repeat(4 << 20);
  const answers = await Promise.all(Array.from({ length: 8 }, () => coord.post('/v1/chat/completions', {
    model: MODEL, max_tokens: 5, messages: [{ role: 'user', content: prompt }],
  }, admin)));
  for (const r of answers) {
    assert.equal(r.status, 503, r.text.slice(0, 300));
    assert.equal(typeof r.json.error.code, 'string');
  }
  assert.match(coord.proc.stderr() + coord.proc.stdout(), /dropped: it stopped reading \(more than --max-node-outbox-bytes 8388608 queued/);
  await waitFor(async () => (await coord.metrics()).potluck_nodes_online === 0, { what: 'the deaf node to be gone' });
  // A generous ceiling, far below what holding every frame for ever would grow
  // to. AddressSanitizer keeps freed blocks in its quarantine (256 MiB by
  // default) before reusing them, so a sanitizer build is allowed that much more.
  const quarantineMiB = process.env.POTLUCK_SANITIZER_BUILD ? 256 : 0;
  assert.ok(residentMiB(coord.proc.pid) < 512 + quarantineMiB, `coordinator resident ${residentMiB(coord.proc.pid)} MiB`);
  node.terminate();
}));

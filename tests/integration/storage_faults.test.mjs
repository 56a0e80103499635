// Storage trouble (issue 15 part 5): a full disk while serving refuses what
// needs a write with 503 storage_unavailable and Retry-After, keeps free
// cluster jobs working and their usage queued, answers /readyz 503, and
// recovers by itself once space is back. At start, a read-only, damaged or
// emptied database is refused with a clear message and a non-zero exit
// before any migration, and the migration waits for the listen address.
//
// The full disk and the read-only mount need root (mount -t tmpfs); without
// it those tests are skipped with a message (a read-only file by its mode is
// used instead where that works).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, copyFileSync, chmodSync, existsSync, openSync, rmSync, truncateSync, writeSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { useHarness, waitFor, randomToken, freePort, POTLUCK_BIN } from '../lib/harness.mjs';

const h = useHarness('storage-faults');
const MODEL = 'mock-model';
const isRoot = process.getuid?.() === 0;
const mounted = [];

/**
 * Mounts a tmpfs of `size` at a new directory for test `t` (unmounted when
 * it ends, before the harness removes its files); null when not possible.
 */
function tmpfs(t, name, size) {
  if (!isRoot) return null;
  const dir = h.dir(name);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir]);
  } catch {
    return null;
  }
  mounted.push(dir);
  t.after(() => execFileSync('umount', ['-l', dir]));
  return dir;
}

const chat = (content) => ({ model: MODEL, max_tokens: 8, messages: [{ role: 'user', content }] });

async function readyz(coord) {
  const r = await coord.get('/readyz');
  return { status: r.status, body: r.json };
}

/** Fills the file system of `dir` with one file until it refuses more. */
function fill(dir) {
  const file = path.join(dir, 'filler');
  const fd = openSync(file, 'w');
  try {
    for (const size of [1 << 20, 64 << 10, 4 << 10, 512]) {
      const block = Buffer.alloc(size, 0x5a);
      for (;;) {
        try {
          writeSync(fd, block);
        } catch (err) {
          if (err.code !== 'ENOSPC') throw err;
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return file;
}

/** `potluck serve` expected to refuse to start: its exit and what it said. */
function serveRefused(dataDir, port) {
  return h.run(POTLUCK_BIN, ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir], { timeoutMs: 30_000 });
}

async function tableCount(dbPath) {
  const out = execFileSync('sqlite3', ['-readonly', dbPath, 'SELECT COUNT(*) FROM sqlite_schema']);
  return Number(String(out).trim());
}

test('/readyz is not ready until a node is connected; /healthz is alive throughout', h.wrap(async () => {
  const coord = await h.startCoordinator({ name: 'ready' });
  const alive = await coord.get('/healthz');
  assert.equal(alive.status, 200);
  const before = await readyz(coord);
  assert.equal(before.status, 503);
  assert.equal(before.body.status, 'not_ready');
  assert.deepEqual(before.body.reasons, ['no node is connected']);
  assert.equal(before.body.storage, 'writable');
  await h.startNode({ coordinator: coord, backend: 'mock', models: [MODEL], name: 'ready-node' });
  await waitFor(async () => (await readyz(coord)).status === 200, { what: '/readyz to turn ready' });
  const ready = await readyz(coord);
  assert.deepEqual(ready.body, { status: 'ready', storage: 'writable', nodes: 1 });
  await coord.stop();
}));

test('a disk that fills up while serving: writes get 503, free cluster jobs go on, all recovers', h.wrap(async (t) => {
  const dataDir = tmpfs(t, 'full-disk', '24m');
  if (!dataDir) {
    t.skip('needs root to mount a small tmpfs (mount -t tmpfs); not root here');
    return;
  }
  const coord = await h.startCoordinator({ name: 'full', dataDir, args: ['--storage-check-ms', '100'] });
  const admin = await coord.adminKey();
  const payerEmail = `payer-${randomToken(4)}@example.test`;
  const payer = await coord.memberKey(payerEmail);
  assert.equal((await coord.post('/api/admin/grants', { user: payerEmail, amount: '100' }, admin)).status, 201);
  const providerEmail = `provider-${randomToken(4)}@example.test`;
  await coord.memberKey(providerEmail);
  await h.startNode({
    coordinator: coord, backend: 'mock', models: [MODEL], name: 'priced-node',
    token: await coord.nodeToken('priced', providerEmail), args: ['--price', '2:4'],
  });
  const lab = await coord.makeCluster(admin);
  await h.startNode({ coordinator: coord, backend: 'mock', models: [MODEL], name: 'lab-node', token: lab.nodeToken });
  await waitFor(async () => (await readyz(coord)).body?.nodes === 2, { what: 'both nodes connected' });
  const priced = await coord.post('/v1/chat/completions', chat('before'), payer);
  assert.equal(priced.status, 200, priced.text);
  await coord.settle();

  const filler = fill(dataDir);
  // A priced job needs a hold written before dispatch: refused, not 500.
  let refused;
  await waitFor(async () => {
    refused = await coord.post('/v1/chat/completions', chat('disk full'), payer);
    return refused.status !== 200;
  }, { what: 'a priced request to meet the full disk' });
  assert.equal(refused.status, 503, refused.text);
  assert.equal(refused.json.error.code, 'storage_unavailable');
  assert.match(refused.json.error.message, /storage is unavailable/);
  assert.ok(Number(refused.headers.get('retry-after')) > 0, 'Retry-After is set');
  await waitFor(async () => (await readyz(coord)).status === 503, { what: '/readyz to report the storage' });
  const notReady = await readyz(coord);
  assert.equal(notReady.body.storage, 'failing');
  assert.match(notReady.body.reasons.join(' '), /storage writes fail/);
  assert.equal((await coord.get('/healthz')).status, 200, 'alive, only not ready');
  // An account change is a write: refused the same way.
  const newKey = await coord.post('/api/keys', { name: 'during the outage' }, payer);
  assert.equal(newKey.status, 503, newKey.text);
  assert.equal(newKey.json.error.code, 'storage_unavailable');
  assert.ok(Number(newKey.headers.get('retry-after')) > 0);
  // A free job in a private cluster writes nothing before it runs: it goes on.
  const free = [];
  for (let i = 0; i < 3; i++) {
    const r = await coord.post('/v1/chat/completions', { ...chat(`free ${i}`), cluster: lab.id }, admin);
    assert.equal(r.status, 200, r.text);
    free.push(r.json.id);
  }
  await waitFor(() => /usage: writing \d+ events failed/.test(coord.proc.stderr()), { what: 'the usage writer to fail' });

  rmSync(filler);
  await waitFor(async () => (await readyz(coord)).status === 200, { what: '/readyz to recover' });
  const again = await coord.post('/v1/chat/completions', chat('after'), payer);
  assert.equal(again.status, 200, again.text);
  // The queued usage of the free jobs was written on recovery.
  await coord.settle();
  const rows = await coord.usageEvents(`cluster_id = '${lab.id}'`);
  assert.equal(rows.length, 3, 'every free job of the outage has its usage event');
  assert.deepEqual(await coord.openEscrows(), []);
  const log = coord.proc.stderr();
  assert.equal(log.match(/usage: writing \d+ events failed/g).length, 1, 'one line when writing starts failing');
  assert.equal(log.match(/usage: writing works again/g).length, 1, 'one line when it recovers');
  assert.equal(log.match(/storage: writes fail/g).length, 1);
  assert.equal(log.match(/storage: writes work again/g).length, 1);
  assert.equal((await coord.metrics()).potluck_usage_events_spilled_total, 0);
  await coord.stop();
}));

test('a read-only database is refused at start, before any migration; writable again, it serves', h.wrap(async (t) => {
  const dataDir = tmpfs(t, 'read-only', '16m') ?? h.dir('read-only');
  const coord = await h.startCoordinator({ name: 'ro', dataDir });
  const member = await coord.memberKey();
  const port = coord.port;
  await coord.stop();
  const db = path.join(dataDir, 'potluck.db');
  let makeWritable;
  if (mounted.includes(dataDir)) {
    execFileSync('mount', ['-o', 'remount,ro', dataDir]);
    makeWritable = () => execFileSync('mount', ['-o', 'remount,rw', dataDir]);
  } else if (!isRoot) {
    chmodSync(db, 0o400);
    makeWritable = () => chmodSync(db, 0o600);
  } else {
    t.skip('root ignores file modes and no tmpfs could be mounted to make read-only');
    return;
  }
  const refused = await serveRefused(dataDir, port);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /refusing to start: database .*potluck\.db is read-only/);
  assert.match(refused.stderr, /make .* writable/i);
  assert.doesNotMatch(refused.stdout, /listening/, 'never listened, so no load balancer saw it ready');

  makeWritable();
  await servesAgain('ro-back', dataDir, port, member);
}));

// Started again on the same data, it serves the member's data and, once a
// node is there, says it is ready.
async function servesAgain(name, dataDir, port, member) {
  const back = await h.startCoordinator({ name, dataDir, port });
  assert.equal((await back.get('/api/me', member)).status, 200, 'the data is all there');
  await h.startNode({ coordinator: back, backend: 'mock', models: [MODEL], name: `${name}-node` });
  await waitFor(async () => (await readyz(back)).status === 200, { what: `/readyz once ${name} serves` });
  await back.stop();
}

test('a damaged page or an emptied file is refused at start; restored from a backup, it serves', h.wrap(async () => {
  const dataDir = h.dir('damaged');
  const coord = await h.startCoordinator({ name: 'damaged', dataDir });
  const member = await coord.memberKey();
  const port = coord.port;
  await coord.stop();  // a clean stop checkpoints the WAL into potluck.db
  const db = path.join(dataDir, 'potluck.db');
  const backup = path.join(h.dir('backup'), 'potluck.db');
  copyFileSync(db, backup);
  assert.equal(existsSync(`${db}-wal`), false);

  // One page (the third: a table's b-tree, past the header) overwritten.
  const fd = openSync(db, 'r+');
  writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, 2 * 4096);
  closeSync(fd);
  const damaged = await serveRefused(dataDir, port);
  assert.notEqual(damaged.code, 0);
  assert.match(damaged.stderr, /database .*potluck\.db is damaged/);
  assert.match(damaged.stderr, /Restore it from a backup/);

  // Truncated to 0 bytes where a database was: not a new, empty platform.
  truncateSync(db, 0);
  const emptied = await serveRefused(dataDir, port);
  assert.notEqual(emptied.code, 0);
  assert.match(emptied.stderr, /potluck\.db is empty \(0 bytes\) but a database existed/);
  assert.equal(await tableCount(db), 0, 'nothing was migrated into the empty file');

  copyFileSync(backup, db);
  await servesAgain('restored', dataDir, port, member);
}));

test('the database is migrated only once the listen address is bound', h.wrap(async () => {
  const first = await h.startCoordinator({ name: 'first' });
  const fresh = h.dir('second-data');
  const second = await serveRefused(fresh, first.port);
  assert.notEqual(second.code, 0);
  assert.match(second.stderr, /cannot listen on 127\.0\.0\.1:\d+/);
  assert.equal(await tableCount(path.join(fresh, 'potluck.db')), 0, 'no migration ran');
  await first.stop();
}));

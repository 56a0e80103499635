// A user's usage (JSON summary and CSV), data export and account deletion,
// over HTTP and the CLI; and retention folding old usage at start-up while
// the summary still shows the folded days.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { useHarness, expectErrorEnvelope, waitFor } from '../lib/harness.mjs';

const h = useHarness('account-data');
const MODEL = 'fake-model';
const CANARY = 'canary-4f1d2c-never-stored';
const JOBS = 3;
let coord, admin, alice, bob, aliceId;

const sqliteWrite = (db, sql) => promisify(execFile)('sqlite3', [db, sql]);
const cli = (args, key) => h.potluck([...args, '--coordinator', coord.url, '--key', key]);
const chat = (content) => ({ model: MODEL, messages: [{ role: 'user', content }] });
const today = () => new Date().toISOString().slice(0, 10);

before(h.wrap(async () => {
  const upstream = await h.startUpstream({ models: [MODEL] });
  coord = await h.startCoordinator();
  admin = await coord.adminKey('root@example.test');
  alice = await coord.memberKey('alice@example.test', 'alice laptop');
  bob = await coord.memberKey('bob@example.test', 'bob first');
  await h.startNode({ coordinator: coord, upstream });
  await coord.waitForModel(alice, MODEL);
  for (let i = 0; i < JOBS; i++) {
    const r = await coord.post('/v1/chat/completions', chat(`${CANARY} ${i}`), alice);
    assert.equal(r.status, 200, r.text);
  }
  await coord.settle();
  [{ id: aliceId }] = await coord.query("SELECT id FROM users WHERE email = 'alice@example.test'");
  // Credits for alice: one grant transfer (rows sum to zero).
  const granted = await coord.post('/api/admin/grants', { user: aliceId, amount: '7' }, admin);
  assert.equal(granted.status, 201, granted.text);
}));

describe('GET /api/usage and /api/usage.csv', () => {
  test('the summary shows the caller\'s jobs by day and model', h.wrap(async () => {
    const r = await coord.get(`/api/usage?from=${today()}&to=${today()}`, alice);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.user_id, aliceId);
    const row = r.json.data.find((d) => d.model === MODEL);
    assert.ok(row, r.text);
    assert.equal(row.day, today());
    assert.equal(row.jobs, JOBS);
    assert.equal(row.ok_jobs, JOBS);
    assert.ok(row.prompt_tokens > 0);
    assert.equal(r.json.totals.jobs, JOBS);
  }));

  test('the CSV holds one metadata row per job, properly typed and never content', h.wrap(async () => {
    const r = await coord.get('/api/usage.csv', alice);
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type'), /^text\/csv/);
    assert.match(r.headers.get('content-disposition'), /attachment; filename="potluck-usage\.csv"/);
    const lines = r.text.trimEnd().split('\r\n');
    assert.equal(lines[0], 'ts,job_id,user_id,model,kind,tier,cluster_id,node_id,prompt_tokens,completion_tokens,' +
      'ttft_ms,latency_ms,status,error_code,cost,key_id,language,cpu_ms,exit_code,node_name');
    assert.equal(lines.length, 1 + JOBS);
    for (const line of lines.slice(1)) {
      const cells = line.split(',');
      assert.equal(cells.length, 20, line);
      assert.match(cells[0], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(cells[2], aliceId);
      assert.equal(cells[3], MODEL);
      assert.equal(cells[12], 'ok');
    }
    assert.ok(!r.text.includes(CANARY));
  }));

  test('each user sees only their own usage; an admin may see anyone\'s', h.wrap(async () => {
    const mine = await coord.get('/api/usage', bob);
    assert.equal(mine.json.totals.jobs, 0);
    expectErrorEnvelope(assert, await coord.get(`/api/usage?user=${aliceId}`, bob), 403);
    expectErrorEnvelope(assert, await coord.get('/api/usage.csv?all=1', bob), 403);
    const one = await coord.get(`/api/usage?user=${aliceId}`, admin);
    assert.equal(one.json.totals.jobs, JOBS);
    const all = await coord.get('/api/usage.csv?all=1', admin);
    assert.equal(all.text.trimEnd().split('\r\n').length, 1 + JOBS);
  }));

  test('bad ranges are 400', h.wrap(async () => {
    for (const q of ['from=yesterday', 'to=2026-02-30', 'from=2026-02-02&to=2026-02-01', 'from=-1']) {
      expectErrorEnvelope(assert, await coord.get(`/api/usage?${q}`, alice), 400);
      expectErrorEnvelope(assert, await coord.get(`/api/usage.csv?${q}`, alice), 400);
    }
    expectErrorEnvelope(assert, await coord.get('/api/usage'), 401);
  }));

  test('potluck usage prints the summary, or the CSV with --csv', h.wrap(async () => {
    const table = await cli(['usage', '--from', today()], alice);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, new RegExp(`${today()}\\s+${MODEL}\\s+${JOBS}\\s+${JOBS}`));
    const csv = await cli(['usage', '--csv'], alice);
    assert.equal(csv.code, 0, csv.stderr);
    assert.equal(csv.stdout.trimEnd().split('\r\n').length, 1 + JOBS);
    const refused = await cli(['usage', '--all'], alice);
    assert.notEqual(refused.code, 0);
  }));
});

describe('GET /api/me/export', () => {
  test('one JSON document with every section, no secrets, audited', h.wrap(async () => {
    const r = await coord.get('/api/me/export', alice);
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-disposition'), /attachment/);
    const doc = r.json;
    assert.equal(doc.user.id, aliceId);
    assert.equal(doc.user.email, 'alice@example.test');
    assert.equal(doc.keys.length, 1);
    assert.equal(doc.keys[0].name, 'alice laptop');
    assert.ok(!('sha256' in doc.keys[0]));
    assert.equal(doc.usage_events.length, JOBS);
    assert.equal(doc.balance, 7000000);
    assert.equal(doc.ledger.length, 1);
    assert.ok(doc.audit.some((row) => row.action === 'user.created'));
    for (const section of ['memberships', 'clusters_owned', 'invites_created', 'node_tokens', 'nodes', 'usage_daily']) {
      assert.ok(Array.isArray(doc[section]), section);
    }
    assert.ok(!r.text.includes(alice.split('_').pop()), 'the key secret is in the export');
    assert.ok(!r.text.includes('bob@example.test'));
    assert.ok(!r.text.includes(CANARY));
    const audit = await coord.get('/api/audit?limit=1000', admin);
    assert.ok(audit.json.data.some((row) => row.action === 'data.exported' && row.subject_id === aliceId));
  }));

  test('the export and the CSV carry every column kept about a job', h.wrap(async () => {
    // An exec job's row, as the exec relay writes it (language, CPU time, exit status).
    await sqliteWrite(coord.dbPath,
      'INSERT INTO usage_events (ts, job_id, user_id, key_id, model, kind, prompt_tokens, completion_tokens, ' +
      "latency_ms, status, language, cpu_ms, exit_code, tier, cost) VALUES (" +
      `${Date.now()}, 'job_exec_cols', '${aliceId}', 'key_x', 'exec', 'exec', 0, 0, 40, 'ok', 'python', 321, 3, 'fast', 9)`);
    const columns = (await coord.query("SELECT name FROM pragma_table_info('usage_events')")).map((c) => c.name);
    assert.ok(columns.includes('cpu_ms') && columns.includes('exit_code') && columns.includes('language'));
    // The row id is the store's own; the user is the export's subject.
    const expected = columns.filter((c) => c !== 'id' && c !== 'user_id');
    const doc = (await coord.get('/api/me/export', alice)).json;
    const row = doc.usage_events.find((e) => e.job_id === 'job_exec_cols');
    assert.ok(row, 'the exec job is in the export');
    assert.deepEqual(expected.filter((c) => !(c in row)), [], 'columns missing from the export');
    assert.deepEqual([row.language, row.cpu_ms, row.exit_code, row.tier, row.key_id], ['python', 321, 3, 'fast', 'key_x']);
    const csv = (await coord.get('/api/usage.csv', alice)).text.trimEnd().split('\r\n');
    const header = csv[0].split(',');
    assert.deepEqual(expected.filter((c) => !header.includes(c)), [], 'columns missing from the CSV');
    const cells = csv.find((line) => line.includes('job_exec_cols')).split(',');
    const cell = (name) => cells[header.indexOf(name)];
    assert.deepEqual([cell('language'), cell('cpu_ms'), cell('exit_code'), cell('tier')], ['python', '321', '3', 'fast']);
    await sqliteWrite(coord.dbPath, "DELETE FROM usage_events WHERE job_id = 'job_exec_cols'");
  }));

  test('potluck me export -o writes a private file', h.wrap(async () => {
    const file = path.join(h.dir('export'), 'mine.json');
    const r = await cli(['me', 'export', '-o', file], alice);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).user.id, aliceId);
    assert.equal(statSync(file).mode & 0o777, 0o600);
  }));
});

describe('DELETE /api/me', () => {
  test('an owner of a cluster with other members is refused with 409', h.wrap(async () => {
    const carol = await coord.memberKey('carol@example.test');
    const [{ id: carolId }] = await coord.query("SELECT id FROM users WHERE email = 'carol@example.test'");
    const [{ id: bobId }] = await coord.query("SELECT id FROM users WHERE email = 'bob@example.test'");
    await sqliteWrite(coord.dbPath,
      `INSERT INTO clusters (id, name, owner_id, created_at) VALUES ('cl_carol', 'carols-lab', '${carolId}', 1);` +
      "INSERT INTO cluster_members (cluster_id, user_id, role, joined_at) VALUES " +
      `('cl_carol', '${carolId}', 'owner', 1), ('cl_carol', '${bobId}', 'member', 1);`);
    const r = await coord.request('DELETE', '/api/me', { key: carol });
    const e = expectErrorEnvelope(assert, r, 409);
    assert.match(e.message, /carols-lab/);
    assert.equal((await coord.get('/v1/models', carol)).status, 200, 'the key must still work');
  }));

  test('the CLI refuses without --yes', h.wrap(async () => {
    const r = await cli(['me', 'delete'], alice);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /--yes/);
    assert.equal((await coord.get('/v1/models', alice)).status, 200);
  }));

  test("the user's own node is disconnected at once and its record deleted", h.wrap(async () => {
    const dave = await coord.memberKey('dave@example.test');
    const token = await coord.post('/api/node-tokens', { name: 'dave box' }, dave);
    assert.equal(token.status, 201, token.text);
    await h.startNode({ coordinator: coord, token: token.json.token, name: 'dave-node', models: ['dave-model'] });
    await coord.waitForModel(admin, 'dave-model');
    const [{ id: daveId }] = await coord.query("SELECT id FROM users WHERE email = 'dave@example.test'");
    const records = async () => (await coord.query(`SELECT count(*) AS n FROM nodes WHERE owner_id = '${daveId}'`))[0].n;
    assert.equal(await records(), 1);

    const r = await coord.request('DELETE', '/api/me', { key: dave });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.nodes_disconnected, 1, r.text);
    assert.equal(r.json.node_records_deleted, 1, r.text);
    // Gone from routing now, not when the node next reconnects (its token is refused then).
    await coord.waitForModel(admin, 'dave-model', { present: false });
    assert.equal(await records(), 0);
  }));

  test('deletes: keys stop working, personal data erased, usage anonymised, ledger kept', h.wrap(async () => {
    const [ledgerBefore] = await coord.query(`SELECT sum(amount) AS s FROM ledger WHERE account = 'user:${aliceId}'`);
    const [eventsBefore] = await coord.query('SELECT count(*) AS n FROM usage_events');
    // Warm the key's cache entry first: deletion must drop it.
    assert.equal((await coord.get('/v1/models', alice)).status, 200);
    const r = await cli(['me', 'delete', '--yes'], alice);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /deleted account/);

    expectErrorEnvelope(assert, await coord.get('/v1/models', alice), 401);
    expectErrorEnvelope(assert, await coord.post('/v1/chat/completions', chat('after'), alice), 401);
    expectErrorEnvelope(assert, await coord.get('/api/me/export', alice), 401);

    const [user] = await coord.query(`SELECT email, deleted_at FROM users WHERE id = '${aliceId}'`);
    assert.equal(user.email, `deleted-${aliceId}@invalid`);
    assert.ok(user.deleted_at > 0);
    const emails = await coord.query("SELECT count(*) AS n FROM users WHERE email LIKE 'alice@%'");
    assert.equal(emails[0].n, 0);
    const [keys] = await coord.query(`SELECT count(*) AS n FROM api_keys WHERE user_id = '${aliceId}' AND revoked_at IS NULL`);
    assert.equal(keys.n, 0);
    const [usage] = await coord.query(`SELECT count(*) AS n FROM usage_events WHERE user_id = '${aliceId}'`);
    assert.equal(usage.n, 0);
    const [eventsAfter] = await coord.query('SELECT count(*) AS n FROM usage_events');
    assert.equal(eventsAfter.n, eventsBefore.n, 'usage is anonymised, not lost');
    const [ledgerAfter] = await coord.query(`SELECT sum(amount) AS s FROM ledger WHERE account = 'user:${aliceId}'`);
    assert.equal(ledgerAfter.s, ledgerBefore.s);
    const [total] = await coord.query('SELECT sum(amount) AS s FROM ledger');
    assert.equal(total.s, 0);

    const audit = await coord.get('/api/audit?limit=1000', admin);
    assert.ok(audit.json.data.some((row) => row.action === 'account.deleted' && row.subject_id === aliceId));
    const verify = await coord.get('/api/audit/verify', admin);
    assert.equal(verify.json.ok, true, verify.text);
    // Everyone's usage still counts alice's jobs, now without a user.
    const all = await coord.get('/api/usage?all=1', admin);
    assert.ok(all.json.totals.jobs >= JOBS);
  }));
});

describe('usage retention', () => {
  test('at start-up, events past the retention are folded; the summary still shows their day', h.wrap(async () => {
    const dataDir = h.dir('retention-data');
    const first = await h.startCoordinator({ dataDir, name: 'retention' });
    const key = await first.memberKey('old@example.test');
    await first.stop();
    const [{ id: userId }] = await first.query("SELECT id FROM users WHERE email = 'old@example.test'");
    const oldMs = Date.parse('2020-03-04T10:00:00Z');
    const recentMs = Date.now() - 86_400_000;
    const insert = (job, ts, tokens) =>
      "INSERT INTO usage_events (ts, job_id, user_id, model, kind, prompt_tokens, completion_tokens, latency_ms, status, cost) " +
      `VALUES (${ts}, '${job}', '${userId}', 'old-model', 'chat', ${tokens}, 1, 50, 'ok', 10);`;
    await sqliteWrite(first.dbPath, insert('job_old1', oldMs, 5) + insert('job_old2', oldMs + 1000, 6) + insert('job_new', recentMs, 7));

    const again = await h.startCoordinator({ dataDir, name: 'retention', args: ['--usage-retention-days', '30', '--aggregate-retention-days', '36500'] });
    await waitFor(async () => (await again.query('SELECT count(*) AS n FROM usage_events'))[0].n === 1,
      { what: 'old usage events to be folded' });
    const [daily] = await again.query("SELECT day, jobs, prompt_tokens FROM usage_daily WHERE model = 'old-model'");
    assert.deepEqual(daily, { day: '2020-03-04', jobs: 2, prompt_tokens: 11 });

    const summary = await again.get('/api/usage?from=2020-03-01&to=2020-03-31', key);
    assert.equal(summary.status, 200, summary.text);
    assert.deepEqual(summary.json.data.map((d) => [d.day, d.model, d.jobs, d.prompt_tokens]),
      [['2020-03-04', 'old-model', 2, 11]]);
    const csv = await again.get('/api/usage.csv', key);
    assert.equal(csv.text.trimEnd().split('\r\n').length, 2, 'only the recent event is raw');
  }));
});

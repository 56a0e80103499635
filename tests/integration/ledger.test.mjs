// Credits: prices announced by nodes and clamped by the admin, holds before
// dispatch (402 before any node is touched), settlement of the real cost with
// the platform fee, the cross-check of reported usage, tiers and trust, and
// the ledger invariant under concurrent jobs with failures, cancels and
// retries. Ledger facts are read straight from the coordinator's SQLite file.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { before, describe, test } from 'node:test';
import { useHarness, readSse, waitFor, randomToken, sleep, freePort } from '../lib/harness.mjs';

const h = useHarness('ledger');
const CHEAP = 'cheap-model';
const DEAR = 'dear-model';
let up, dead, coord, admin, member, memberEmail, providerEmail, nodeProc;

const chat = (model, content, extra = {}) => ({
  model, max_tokens: 50, messages: [{ role: 'user', content }], ...extra,
});

async function wallet(key) {
  const r = await coord.get('/api/wallet?limit=500', key);
  assert.equal(r.status, 200, r.text);
  return r.json;
}

// `coord` is replaced when the coordinator restarts: look it up at each call.
const ledgerSum = (where) => coord.ledgerSum(where);
const openEscrows = () => coord.openEscrows();

// Accounts whose kept balance (account_balances) is not the sum of their rows.
const keptDrift = () => coord.query(
  `SELECT s.account, s.summed, COALESCE(b.balance, 0) AS kept
     FROM (SELECT account, SUM(amount) AS summed FROM ledger GROUP BY account) s
     LEFT JOIN account_balances b ON b.account = s.account
    WHERE COALESCE(b.balance, 0) != s.summed
   UNION ALL
   SELECT account, 0, balance FROM account_balances b
    WHERE NOT EXISTS (SELECT 1 FROM ledger l WHERE l.account = b.account)`);

// A write to a live coordinator's database, as someone with the file could.
function sqliteWrite(dbPath, sql) {
  return new Promise((resolve, reject) => {
    execFile('sqlite3', ['-cmd', '.timeout 5000', dbPath, sql], { timeout: 15_000 },
      (error, _stdout, stderr) => (error ? reject(new Error(`sqlite3 ${sql}: ${stderr}`)) : resolve()));
  });
}

async function userId(email) {
  const [row] = await coord.query(`SELECT id FROM users WHERE email = '${email}'`);
  return row.id;
}

before(h.wrap(async () => {
  up = await h.startUpstream({ models: [CHEAP, DEAR], name: 'upstream' });
  dead = await h.startUpstream({ models: [CHEAP], name: 'upstream-dead' });
  const port = await freePort();
  coord = await h.startCoordinator({ port });
  admin = await coord.adminKey();
  memberEmail = `member-${randomToken(4)}@example.test`;
  member = await coord.memberKey(memberEmail);
  providerEmail = `provider-${randomToken(4)}@example.test`;
  await coord.memberKey(providerEmail);
  const providerToken = await coord.nodeToken('provider node', providerEmail);
  // 2 credits per million input tokens, 4 per million output; the dear model 100:100.
  nodeProc = await h.startNode({
    coordinator: coord, upstream: up, token: providerToken, name: 'node-priced',
    args: ['--price', '2:4', '--price', `${DEAR}=100:100`],
  });
  await coord.waitForModel(admin, CHEAP);
  await coord.waitForModel(admin, DEAR);
}));

describe('pricing and holds', () => {
  test('the admin sets price bounds and fee; a member may only read them', h.wrap(async () => {
    const shown = await coord.get('/api/pricing', member);
    assert.equal(shown.status, 200, shown.text);
    assert.equal(shown.json.fee_percent, 5);
    const refused = await coord.request('PUT', '/api/pricing', { key: member, body: { fee_percent: 50 } });
    assert.equal(refused.status, 403, refused.text);
    const bad = await coord.request('PUT', '/api/pricing', { key: admin, body: { fee_percent: 101 } });
    assert.equal(bad.status, 400, bad.text);
    const negative = await coord.request('PUT', '/api/pricing', { key: admin, body: { min_price: '-1' } });
    assert.equal(negative.status, 400, negative.text);
    const inverted = await coord.request('PUT', '/api/pricing', { key: admin, body: { min_price: '10', max_price: '5' } });
    assert.equal(inverted.status, 400, inverted.text);
    // Bounds 0..50 credits/M: the dear model's 100 is clamped to 50. Fee 10%.
    const set = await coord.request('PUT', '/api/pricing', { key: admin, body: { max_price: '50', fee_percent: 10 } });
    assert.equal(set.status, 200, set.text);
    assert.equal(set.json.max_price, '50');
    const cli = await h.potluck(['pricing', 'show', '--coordinator', coord.url, '--key', member]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /0 \.\. 50 credits per million tokens; platform fee 10%/);
  }));

  test('without credits a priced request is refused with 402 before any node is touched', h.wrap(async () => {
    await up.resetStats();
    const before = (await coord.usageEvents()).length;
    const r = await coord.post('/v1/chat/completions', chat(CHEAP, 'no money'), member);
    assert.equal(r.status, 402, r.text);
    assert.equal(r.json.error.code, 'insufficient_credits');
    assert.match(r.json.error.message, /not enough credits/);
    assert.equal((await up.stats()).requests, 0, 'the upstream saw the request');
    await sleep(300);
    assert.equal((await coord.usageEvents()).length, before, 'a refused request left a usage event');
  }));

  test('grants: admin only, amounts validated, visible in the wallet and audited', h.wrap(async () => {
    const notAdmin = await coord.post('/api/admin/grants', { user: memberEmail, amount: '5' }, member);
    assert.equal(notAdmin.status, 403, notAdmin.text);
    for (const amount of ['-5', '0', 'abc', '1.1234567', '99999999999999999999', { x: 1 }]) {
      const r = await coord.post('/api/admin/grants', { user: memberEmail, amount }, admin);
      assert.equal(r.status, 400, `${JSON.stringify(amount)}: ${r.text}`);
    }
    const unknown = await coord.post('/api/admin/grants', { user: 'nobody@example.test', amount: '1' }, admin);
    assert.equal(unknown.status, 404, unknown.text);
    const cli = await h.potluck(['admin', 'grant', memberEmail, '10', '--coordinator', coord.url, '--key', admin]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /granted 10 credits/);
    const w = await wallet(member);
    assert.equal(w.balance, '10');
    assert.equal(w.history[0].kind, 'grant');
    const audit = await coord.query("SELECT * FROM audit_log WHERE action = 'credits.granted'");
    assert.equal(audit.length, 1);
    assert.equal(audit[0].subject_id, await userId(memberEmail));
    const walletCli = await h.potluck(['wallet', '--coordinator', coord.url, '--key', member]);
    assert.equal(walletCli.code, 0, walletCli.stderr);
    assert.match(walletCli.stdout, /balance: 10 credits/);
  }));

  test('a job holds its worst case, then pays its real cost: provider paid, platform fee, rest released', h.wrap(async () => {
    const last = await coord.settle();
    const res = await coord.fetch('/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${member}`, 'content-type': 'application/json' },
      body: JSON.stringify(chat(DEAR, 'one two three four', { stream: true, stream_options: { include_usage: true } })),
    });
    assert.equal(res.status, 200);
    const { events } = await readSse(res);
    const usage = events.find((e) => e.json?.usage)?.json.usage;
    assert.ok(usage, 'no usage chunk');
    await coord.settle();
    const [event] = await coord.usageEvents(`id > ${last}`);
    // Clamped to 50 credits/M = 50 micro per token, rounded up per side.
    const expected = 50 * usage.prompt_tokens + 50 * usage.completion_tokens;
    assert.equal(event.cost, expected);
    assert.equal(event.status, 'ok');
    const transfers = await coord.query(`SELECT * FROM ledger WHERE job_id = '${event.job_id}' ORDER BY id`);
    const byKind = Object.fromEntries(transfers.map((t) => [`${t.kind}:${t.account.split(':')[0]}`, t.amount]));
    assert.ok(byKind['hold:escrow'] > expected, 'the hold did not cover the worst case');
    const fee = Math.floor(expected * 10 / 100);
    assert.equal(byKind['payout:user'], expected - fee, JSON.stringify(transfers));
    assert.equal(byKind['fee:platform'], fee, JSON.stringify(transfers));
    assert.equal(await ledgerSum(`job_id = '${event.job_id}'`), 0);
    assert.deepEqual(await openEscrows(), []);
    const providerAccount = `user:${await userId(providerEmail)}`;
    assert.equal(await ledgerSum(`account = '${providerAccount}'`), expected - fee);
  }));

  test('a node that reports more tokens than it relayed is flagged and billed at the bound', h.wrap(async () => {
    const last = await coord.settle();
    const r = await coord.post('/v1/chat/completions', chat(CHEAP, 'count me', { fake_usage_factor: 100000 }), member);
    assert.equal(r.status, 200, r.text);
    await coord.settle();
    const [event] = await coord.usageEvents(`id > ${last}`);
    assert.ok(event.completion_tokens < 1000, `billed ${event.completion_tokens} completion tokens`);
    // The consumer is shown what it pays for, not the node's claim.
    assert.equal(r.json.usage.completion_tokens, event.completion_tokens);
    assert.equal(r.json.usage.prompt_tokens, event.prompt_tokens);
    const [node] = await coord.query('SELECT usage_mismatches, flagged_at FROM nodes');
    assert.equal(node.usage_mismatches, 1);
    assert.ok(node.flagged_at > 0);
  }));
});

describe('charged for what was delivered', () => {
  test('a consumer who leaves before a non-streamed answer is written pays nothing: the job is cancelled', h.wrap(async () => {
    const last = await coord.settle();
    const memberId = await userId(memberEmail);
    const before = await ledgerSum(`account = 'user:${memberId}'`);
    const n = 4;
    const controllers = Array.from({ length: n }, () => new AbortController());
    // Short jobs (a few tokens, 25 ms apart), each left by its consumer while
    // it runs on the node, and one that is waited for.
    const left = controllers.map((controller, i) => coord.fetch('/v1/chat/completions', {
      method: 'POST',
      signal: controller.signal,
      headers: { authorization: `Bearer ${member}`, 'content-type': 'application/json' },
      body: JSON.stringify(chat(CHEAP, `left ${i} one two three`, { fake_delay_ms: 25 })),
    }).then(() => 'answered', () => 'aborted'));
    await waitFor(async () => (await coord.metrics()).potluck_jobs_in_flight === n, { what: `${n} jobs running` });
    for (const c of controllers) c.abort();
    assert.deepEqual(await Promise.all(left), Array(n).fill('aborted'));
    const kept = await coord.post('/v1/chat/completions', chat(CHEAP, 'kept one two three', { fake_delay_ms: 25 }), member);
    assert.equal(kept.status, 200, kept.text);

    await coord.settle();
    const rows = await coord.usageEvents(`id > ${last}`);
    assert.equal(rows.length, n + 1, JSON.stringify(rows));
    const gone = rows.filter((r) => r.status === 'cancelled');
    assert.equal(gone.length, n, JSON.stringify(rows));
    for (const r of gone) {
      assert.equal(r.error_code, 'client_disconnected', JSON.stringify(r));
      assert.equal(r.cost, 0, JSON.stringify(r));
      assert.equal(r.completion_tokens, 0, JSON.stringify(r));
    }
    const [served] = rows.filter((r) => r.status === 'ok');
    assert.ok(served.cost > 0, JSON.stringify(served));
    assert.equal(await ledgerSum(`account = 'user:${memberId}'`), before - served.cost,
      'the member paid for answers nobody received');
    assert.deepEqual(await openEscrows(), []);
  }));
});

describe('tiers and trust', () => {
  test('a tier routes to a node that fits its models, trust and price band', h.wrap(async () => {
    const refused = await coord.request('PUT', '/api/tiers/fast', { key: member, body: { models: [CHEAP] } });
    assert.equal(refused.status, 403, refused.text);
    const bad = await coord.request('PUT', '/api/tiers/fast', { key: admin, body: { models: [] } });
    assert.equal(bad.status, 400, bad.text);
    const set = await h.potluck(['tiers', 'set', 'fast', '--models', `${CHEAP},${DEAR}`, '--min-trust', 'verified',
      '--max-price-in', '10', '--max-price-out', '10', '--coordinator', coord.url, '--key', admin]);
    assert.equal(set.code, 0, set.stderr);
    const listed = await coord.get('/api/tiers', member);
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual(listed.json.data.map((t) => t.name), ['fast']);

    const unknown = await coord.post('/v1/chat/completions', chat('tier:nope', 'x'), member);
    assert.equal(unknown.status, 400, unknown.text);
    assert.equal(unknown.json.error.code, 'unknown_tier');
    // The only node is community-trusted: nothing fits yet.
    const none = await coord.post('/v1/chat/completions', chat('tier:fast', 'x'), member);
    assert.equal(none.status, 503, none.text);
    assert.ok(none.headers.get('retry-after'));

    const [node] = await coord.query('SELECT id FROM nodes');
    const notAdmin = await coord.request('PUT', `/api/nodes/${node.id}/trust`, { key: member, body: { trust: 'verified' } });
    assert.equal(notAdmin.status, 403, notAdmin.text);
    const trust = await h.potluck(['nodes', 'trust', node.id, 'verified', '--coordinator', coord.url, '--key', admin]);
    assert.equal(trust.code, 0, trust.stderr);

    const last = await coord.settle();
    const ok = await coord.post('/v1/chat/completions', chat('tier:fast', 'tiered'), member);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.choices[0].message.content, 'echo: tiered');
    await coord.settle();
    const [event] = await coord.usageEvents(`id > ${last}`);
    assert.equal(event.tier, 'fast');
    // The dear model (clamped to 50) is outside the band of 10: the cheap one ran.
    assert.equal(event.model, CHEAP);
    const audit = await coord.query("SELECT action FROM audit_log WHERE action IN ('tier.set', 'node.trust_set')");
    assert.equal(audit.length, 2);
  }));
});

describe('the ledger invariant', () => {
  test('after concurrent jobs with failures, cancels and retries: sums are zero, one event each, no double charge', h.wrap(async () => {
    // A second public node whose upstream is dead: jobs sent there fail
    // before their first chunk and are retried on the healthy node.
    await h.startNode({ coordinator: coord, upstream: dead, name: 'node-dead', args: ['--price', '2:4', '--models-refresh-s', '3600'] });
    await waitFor(async () => (await coord.metrics()).potluck_nodes_online === 2, { what: 'two nodes' });
    await dead.proc.kill();
    await coord.settle();
    const eventsBefore = (await coord.usageEvents()).length;
    const grantsBefore = -(await ledgerSum("account = 'grants'"));

    const n = 60;
    const kinds = ['ok', 'stream', 'fail_mid', 'upstream_500', 'cancel'];
    const jobs = Array.from({ length: n }, (_, i) => kinds[i % kinds.length]);
    await Promise.all(jobs.map(async (kind, i) => {
      const extra = { stream: kind !== 'ok' && kind !== 'upstream_500' };
      if (kind === 'fail_mid') Object.assign(extra, { fake_fail_after: 2 });
      if (kind === 'upstream_500') Object.assign(extra, { fake_status: 500 });
      if (kind === 'cancel') Object.assign(extra, { fake_delay_ms: 100 });
      const controller = new AbortController();
      const res = await coord.fetch('/v1/chat/completions', {
        method: 'POST',
        signal: controller.signal,
        headers: { authorization: `Bearer ${member}`, 'content-type': 'application/json' },
        body: JSON.stringify(chat(CHEAP, `job ${i} has a few words in it`, extra)),
      });
      if (kind === 'cancel') {
        const reader = res.body.getReader();
        await reader.read();
        controller.abort();
        return;
      }
      await res.text().catch(() => {});
    }));

    await coord.settle();
    const events = await coord.usageEvents();
    assert.equal(events.length - eventsBefore, n, 'not exactly one usage event per job');
    assert.equal(new Set(events.map((e) => e.job_id)).size, events.length);
    assert.equal(await ledgerSum(), 0, 'the ledger does not sum to zero');
    assert.deepEqual(await openEscrows(), [], 'an escrow was left open');
    const double = await coord.query(
      "SELECT job_id, COUNT(*) AS c FROM ledger WHERE kind = 'settle' GROUP BY job_id HAVING c > 1");
    assert.deepEqual(double, [], 'a job was settled twice');
    const holds = await coord.query("SELECT job_id, COUNT(*) AS c FROM ledger WHERE kind = 'hold' AND amount > 0 GROUP BY job_id HAVING c > 1");
    assert.deepEqual(holds, [], 'a retried job was held twice');
    // What the member paid is exactly the cost of their usage events.
    const memberId = await userId(memberEmail);
    const [paid] = await coord.query(`SELECT SUM(cost) AS c FROM usage_events WHERE user_id = '${memberId}'`);
    assert.equal(await ledgerSum(`account = 'user:${memberId}'`), grantsBefore - paid.c);
    const statuses = new Set(events.slice(eventsBefore).map((e) => e.status));
    for (const s of ['ok', 'error', 'cancelled']) assert.ok(statuses.has(s), `no ${s} job in the mix`);
    const m = await coord.metrics();
    assert.ok(m.potluck_job_retries_total > 0, 'no job was retried');
    assert.equal(m.potluck_jobs_in_flight, 0);
    // The kept balances (what a hold reads) moved with every concurrent
    // transfer: each equals its account's row sum, and the offline check says so.
    assert.deepEqual(await keptDrift(), [], 'a kept balance is not the sum of its rows');
    const check = await h.potluck(['admin', 'ledger', 'check', '--data-dir', coord.dataDir]);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /^ledger balanced: \d+ rows, \d+ open accounts, sum of all rows 0$/m);
  }));

  test('holds of jobs cut off by a coordinator crash are released at the next start', h.wrap(async () => {
    await coord.settle();
    const memberId = await userId(memberEmail);
    const balance = await ledgerSum(`account = 'user:${memberId}'`);
    const res = await coord.fetch('/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${member}`, 'content-type': 'application/json' },
      body: JSON.stringify(chat(CHEAP, 'slow words here', { stream: true, fake_delay_ms: 300 })),
    });
    assert.equal(res.status, 200);
    await waitFor(async () => (await openEscrows()).length === 1, { what: 'the hold' });
    await coord.proc.kill();
    res.body.cancel().catch(() => {});
    coord = await h.startCoordinator({ port: coord.port, dataDir: coord.dataDir, name: 'serve-again' });
    assert.deepEqual(await openEscrows(), []);
    assert.equal(await ledgerSum(), 0);
    assert.equal(await ledgerSum(`account = 'user:${memberId}'`), balance, 'the held credits did not come back');
    const [check] = await coord.query('PRAGMA integrity_check');
    assert.equal(check.integrity_check, 'ok');
    assert.deepEqual(await keptDrift(), []);
    assert.deepEqual(await coord.query("SELECT account FROM account_balances WHERE account LIKE 'escrow:%'"), []);
  }));

  test('a kept balance that drifts from its rows is reported by the periodic check and by admin ledger check, not repaired', h.wrap(async () => {
    const checked = await h.startCoordinator({ name: 'serve-checked', args: ['--ledger-check-interval-s', '1'] });
    await checked.adminKey();
    await waitFor(async () => (await checked.metrics()).potluck_ledger_checks_total >= 1, { what: 'the first ledger check' });
    assert.equal((await checked.metrics()).potluck_ledger_drifted_accounts, 0);
    // Someone with the file moves a balance without a transfer.
    await sqliteWrite(checked.dbPath, "INSERT INTO account_balances (account, balance) VALUES ('user:usr_ghost', 7)");
    await waitFor(async () => (await checked.metrics()).potluck_ledger_drifted_accounts === 1,
      { what: 'the periodic check to see the drift' });
    assert.match(checked.proc.stderr(), /ledger drift: user:usr_ghost: kept 7, rows sum to 0/);
    const report = await h.potluck(['admin', 'ledger', 'check', '--data-dir', checked.dataDir]);
    assert.equal(report.code, 2, report.stdout + report.stderr);
    assert.match(report.stdout, /^ledger NOT balanced: .* 1 accounts whose kept balance is not the sum of their rows$/m);
    assert.match(report.stdout, /^ {2}user:usr_ghost: kept 7, rows sum to 0$/m);
    // Reported, not repaired: the row is still there for a person to look at.
    assert.deepEqual(await checked.query("SELECT balance FROM account_balances WHERE account = 'user:usr_ghost'"),
      [{ balance: 7 }]);
  }));
});

describe('earned trust', () => {
  test('a public node with enough clean jobs for enough paying consumers is verified when it next connects', h.wrap(async () => {
    const up2 = await h.startUpstream({ models: ['trust-model'], name: 'upstream-trust' });
    const c = await h.startCoordinator({ name: 'serve-trust', args: ['--verify-after-jobs', '3', '--verify-after-consumers', '2'] });
    const key = await c.adminKey();
    const providerEmail = `provider-${randomToken(4)}@example.test`;
    const providerKey = await c.memberKey(providerEmail);
    const tokenOut = await h.potluck(['admin', 'node-token', '--data-dir', c.dataDir, '--owner-email', providerEmail]);
    assert.equal(tokenOut.code, 0, tokenOut.stderr);
    const token = tokenOut.stdout.trim().split('\n').pop();
    const start = (stateDir) => h.startNode({ coordinator: c, upstream: up2, name: 'earner', token, stateDir, args: ['--price', '1:1'] });
    let node = await start();
    await c.waitForModel(key, 'trust-model');
    const trustOf = async () => (await c.get('/api/nodes', key)).json.data.find((n) => n.state !== 'offline')?.trust;
    const paying = async (email) => {
      const k = email === providerEmail ? providerKey : await c.memberKey(email);
      const granted = await c.post('/api/admin/grants', { user: email, amount: '10' }, key);
      assert.equal(granted.status, 201, granted.text);
      return k;
    };
    const job = async (k, i) => {
      const r = await c.post('/v1/chat/completions', chat('trust-model', `clean ${i}`), k);
      assert.equal(r.status, 200, r.text);
    };
    const reconnect = async () => {
      await node.stop();
      node = await start(node.stateDir);
      await c.waitForModel(key, 'trust-model');
    };
    assert.equal(await trustOf(), 'community');

    // The owner's own keys: enough jobs, but no one else paid.
    const own = await paying(providerEmail);
    for (let i = 0; i < 3; i++) await job(own, i);
    await c.settle();
    assert.equal((await c.query('SELECT jobs_ok FROM nodes'))[0].jobs_ok, 3);
    await reconnect();
    assert.equal(await trustOf(), 'community', 'the owner earned trust with their own keys');

    // Two other consumers who pay: verified at the next connection.
    for (const who of ['alice', 'bob']) await job(await paying(`${who}-${randomToken(4)}@example.test`), who);
    await c.settle();
    await reconnect();
    await waitFor(async () => (await trustOf()) === 'verified', { what: 'the node to come back verified' });
    const cli = await h.potluck(['nodes', 'list', '--coordinator', c.url, '--key', key]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /verified/);
  }));
});

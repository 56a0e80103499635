// Test harness for Potluck's integration and end-to-end tests.
//
// Every test file builds its own world from real processes on loopback ports:
// a fake OpenAI upstream (tests/support/fake-upstream), a coordinator
// (`potluck serve`) and nodes (`potluck node`). A Harness owns one temporary
// directory and every process started through it:
//
//   const h = useHarness('chat');               // at file top level
//   test('...', h.wrap(async (t) => { ... }));  // marks h failed if it throws
//
// Each process runs with its working directory, HOME and TMPDIR inside the
// harness directory and writes stdout and stderr to files there, so a test can
// scan everything the processes wrote (see privacy.test.mjs). The directory is
// removed at the end unless a test failed, in which case its path is printed.
//
// Processes never outlive the test file: they are stopped in `after()`, killed
// on process exit, and (where `setpriv` exists) started with a parent-death
// signal so that even a SIGKILLed test runner leaves no orphans.

import { spawn, execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, readdirSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { fetchTrusting } from './trusted_fetch.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(here, '..', '..');
export const POTLUCK_BIN = process.env.POTLUCK_BIN || path.join(REPO, 'build', 'src', 'potluck');
export const FAKE_UPSTREAM_BIN =
  process.env.FAKE_UPSTREAM_BIN || path.join(REPO, 'build', 'tests', 'support', 'fake-upstream');

// Generous: these bound waits for things that should happen in milliseconds.
export const START_TIMEOUT_MS = 20_000;
export const WAIT_TIMEOUT_MS = 20_000;
export const STOP_TIMEOUT_MS = 15_000;

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const TIMED_OUT = Symbol('timed out');

/** Resolves like `promise`, or to TIMED_OUT after `ms`; the timer never keeps the process alive. */
function withTimeout(promise, ms) {
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function randomToken(bytes = 12) {
  return randomBytes(bytes).toString('hex');
}

// ---------------------------------------------------------------------------
// Orphan protection

const live = new Set(); // every child process not yet known to have exited

function killAllSync() {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}
process.on('exit', killAllSync);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    killAllSync();
    process.exit(128 + (os.constants.signals[sig] ?? 0));
  });
}

// ---------------------------------------------------------------------------
// Sanitizer reports (make test-asan)
//
// A sanitizer build aborts on its first report (ASAN_OPTIONS / UBSAN_OPTIONS
// from scripts/test), but a dead node or a failed CLI call can look like an
// expected failure to a test. So every process's stderr is scanned: one
// report anywhere fails the test file (see Harness.close).

const SANITIZER_REPORT = /==\d+==ERROR: \w+Sanitizer|: runtime error: |SUMMARY: \w+Sanitizer/;

/** The report's first lines, or null when `text` carries none. */
export function sanitizerReport(text) {
  const at = text.search(SANITIZER_REPORT);
  if (at < 0) return null;
  const from = text.lastIndexOf('\n', at) + 1;
  return text.slice(from).split('\n').slice(0, 40).join('\n');
}

const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

// ---------------------------------------------------------------------------
// Waiting

/**
 * Polls `predicate` (sync or async) until it returns a truthy value, which is
 * returned. Exceptions count as "not yet"; the last one is reported on timeout.
 */
export async function waitFor(predicate, { timeoutMs = WAIT_TIMEOUT_MS, intervalMs = 25, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    try {
      const value = await predicate();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError ? ` (last error: ${lastError.message ?? lastError})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await sleep(intervalMs);
  }
}

// ---------------------------------------------------------------------------
// Processes

export class Proc {
  constructor(name, child, dir, stdoutPath, stderrPath) {
    this.name = name;
    this.child = child;
    this.pid = child.pid;
    this.dir = dir;
    this.stdoutPath = stdoutPath;
    this.stderrPath = stderrPath;
    this.exitInfo = null;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        live.delete(child);
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
      child.once('error', (err) => {
        live.delete(child);
        this.exitInfo = { code: null, signal: null, error: err };
        resolve(this.exitInfo);
      });
    });
  }

  get running() {
    return this.exitInfo === null;
  }

  stdout() {
    return readFileSync(this.stdoutPath, 'utf8');
  }

  stderr() {
    return readFileSync(this.stderrPath, 'utf8');
  }

  /** Last lines of stderr, for failure messages. */
  tail(lines = 30) {
    try {
      return this.stderr().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** Waits for a stdout line matching `regex`; returns the match. */
  async waitForStdout(regex, timeoutMs = START_TIMEOUT_MS) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = this.stdout().match(regex);
      if (match) return match;
      if (!this.running) {
        throw new Error(
          `${this.name} exited (${JSON.stringify(this.exitInfo)}) before printing ${regex}\n` +
            `stdout:\n${this.stdout()}\nstderr:\n${this.tail()}`,
        );
      }
      if (Date.now() > deadline) {
        throw new Error(`${this.name} did not print ${regex} within ${timeoutMs} ms\nstderr:\n${this.tail()}`);
      }
      await sleep(20);
    }
  }

  signal(sig) {
    if (this.running) this.child.kill(sig);
  }

  /** SIGTERM, then SIGKILL if it has not exited within `timeoutMs`. */
  async stop({ signal = 'SIGTERM', timeoutMs = STOP_TIMEOUT_MS } = {}) {
    if (!this.running) return this.exitInfo;
    this.child.kill(signal);
    if ((await withTimeout(this.exited, timeoutMs)) === TIMED_OUT) {
      this.child.kill('SIGKILL');
      await this.exited;
      this.exitInfo.forced = true;
    }
    return this.exitInfo;
  }

  /** Waits for an exit already under way (no signal sent); SIGKILL after `timeoutMs`. */
  async waitExit(timeoutMs = STOP_TIMEOUT_MS) {
    if (!this.running) return this.exitInfo;
    if ((await withTimeout(this.exited, timeoutMs)) === TIMED_OUT) {
      this.child.kill('SIGKILL');
      await this.exited;
      this.exitInfo.forced = true;
    }
    return this.exitInfo;
  }

  async kill() {
    if (this.running) this.child.kill('SIGKILL');
    return this.exited;
  }
}

function childEnv(root, extra = {}) {
  const env = {};
  // The potluck binaries read POTLUCK_* variables as flag defaults: keep the
  // developer's environment out of the tests.
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('POTLUCK_')) env[k] = v;
  env.HOME = path.join(root, 'home');
  env.TMPDIR = path.join(root, 'tmp');
  mkdirSync(env.HOME, { recursive: true });
  mkdirSync(env.TMPDIR, { recursive: true });
  return { ...env, ...extra };
}

function requireBinary(bin, what) {
  if (!existsSync(bin)) {
    throw new Error(`${what} not found at ${bin}: build first (cmake -S . -B build -G Ninja && cmake --build build)`);
  }
}

// ---------------------------------------------------------------------------
// Harness

export class Harness {
  constructor(name) {
    this.name = name;
    this.root = mkdtempSync(path.join(os.tmpdir(), `potluck-${name}-`));
    this.procs = [];
    this.failed = false;
    this.names = new Map();
    this.closed = false;
    this.sanitizerReports = []; // from run(); spawned processes are scanned in close()
  }

  /** A directory under the harness root (created). */
  dir(...parts) {
    const p = path.join(this.root, ...parts);
    mkdirSync(p, { recursive: true });
    return p;
  }

  uniqueName(base) {
    const n = (this.names.get(base) ?? 0) + 1;
    this.names.set(base, n);
    return n === 1 ? base : `${base}-${n}`;
  }

  /** Wraps a test body: a throw marks the harness failed (its directory is kept). */
  wrap(fn) {
    return async (...args) => {
      try {
        return await fn(...args);
      } catch (err) {
        this.failed = true;
        throw err;
      }
    };
  }

  /** Starts a long-running process with stdout/stderr captured to files in its own dir. */
  spawn(name, bin, args, { env = {}, cwd, unique = true } = {}) {
    requireBinary(bin, path.basename(bin));
    if (unique) name = this.uniqueName(name);
    const dir = cwd ?? this.dir('procs', name);
    const stdoutPath = path.join(dir, `${name}.stdout.log`);
    const stderrPath = path.join(dir, `${name}.stderr.log`);
    const out = openSync(stdoutPath, 'a');
    const err = openSync(stderrPath, 'a');
    const [cmd, argv] = SETPRIV ? [SETPRIV, ['--pdeathsig', 'KILL', '--', bin, ...args]] : [bin, args];
    let child;
    try {
      child = spawn(cmd, argv, { cwd: dir, env: childEnv(this.root, env), stdio: ['ignore', out, err] });
    } finally {
      closeSync(out);
      closeSync(err);
    }
    live.add(child);
    const proc = new Proc(name, child, dir, stdoutPath, stderrPath);
    proc.argv = [bin, ...args];
    this.procs.push(proc);
    return proc;
  }

  /** Runs a short command to completion; resolves {code, stdout, stderr}. */
  run(bin, args, { env = {}, timeoutMs = 30_000, cwd } = {}) {
    requireBinary(bin, path.basename(bin));
    return new Promise((resolve) => {
      execFile(
        bin,
        args,
        { cwd: cwd ?? this.dir('cli'), env: childEnv(this.root, env), timeout: timeoutMs, maxBuffer: 16 << 20 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
          let err = String(stderr);
          const report = sanitizerReport(err);
          if (report) this.sanitizerReports.push(`${path.basename(bin)} ${args.join(' ')}:\n${report}`);
          if (error && typeof error.code !== 'number') err += `\n[${error.message}]`;
          resolve({ code, stdout: String(stdout), stderr: err, signal: error?.signal ?? null });
        },
      );
    });
  }

  /** `potluck ARGS...` */
  potluck(args, opts) {
    return this.run(POTLUCK_BIN, args, opts);
  }

  async startUpstream({ models = ['fake-model'], name = 'upstream', threads } = {}) {
    const args = ['--listen', '127.0.0.1:0', '--models', models.join(',')];
    if (threads) args.push('--threads', String(threads));
    const proc = this.spawn(name, FAKE_UPSTREAM_BIN, args);
    const m = await proc.waitForStdout(/fake-upstream listening on ([\d.]+):(\d+)/);
    return new Upstream(proc, `http://${m[1]}:${m[2]}`, Number(m[2]));
  }

  /**
   * Starts `potluck serve`. `port` 0 picks an ephemeral port; pass an explicit
   * one (see freePort) to restart on the same address. With `trust` (a CA's
   * PEM) and --tls-cert/--tls-key in `args`, coord.fetch and the requests
   * built on it go over https:// verified against that CA.
   */
  async startCoordinator({
    dataDir,
    port = 0,
    logLevel = 'debug',
    args = [],
    name = 'serve',
    env = {},
    trust,
  } = {}) {
    dataDir ??= this.dir(name === 'serve' ? 'serve-data' : `${name}-data`);
    mkdirSync(dataDir, { recursive: true });
    const proc = this.spawn(
      name,
      POTLUCK_BIN,
      ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--log-level', logLevel, ...args],
      { env },
    );
    const m = await proc.waitForStdout(/potluck serve listening on (https?:\/\/[\d.]+:(\d+))/);
    return new Coordinator(this, proc, m[1], Number(m[2]), dataDir, trust);
  }

  /**
   * Starts `potluck node`. With `upstream` (an Upstream or a URL) the backend
   * is openai; otherwise `backend: 'mock'` with `models`.
   */
  async startNode({
    coordinator,
    token,
    upstream,
    backend,
    models,
    maxJobs,
    name = 'node',
    stateDir,
    logLevel = 'debug',
    args = [],
    env = {},
  }) {
    const coordUrl = typeof coordinator === 'string' ? coordinator : coordinator.url;
    token ??= await coordinator.nodeToken();
    backend ??= upstream ? 'openai' : 'mock';
    const uniq = this.uniqueName(name);
    stateDir ??= this.dir('procs', uniq, 'state');
    const argv = [
      'node',
      '--coordinator',
      coordUrl,
      '--token',
      token,
      '--state-dir',
      stateDir,
      '--backend',
      backend,
      '--name',
      uniq,
      '--log-level',
      logLevel,
      '--reconnect-min-ms',
      '100',
      '--reconnect-max-ms',
      '500',
    ];
    if (upstream) argv.push('--upstream', typeof upstream === 'string' ? upstream : upstream.url);
    if (models) argv.push('--models', models.join(','));
    if (maxJobs) argv.push('--max-jobs', String(maxJobs));
    argv.push(...args);
    const proc = this.spawn(uniq, POTLUCK_BIN, argv, { env, unique: false });
    proc.stateDir = stateDir;
    proc.token = token;
    return proc;
  }

  /** Stops every process (SIGTERM, then SIGKILL) and removes the root unless a test failed. */
  async close() {
    if (this.closed) return;
    this.closed = true;
    const t0 = Date.now();
    await Promise.all(
      this.procs.map(async (p) => {
        const exit = await p.stop().catch(() => p.kill());
        if (process.env.POTLUCK_TEST_DEBUG) {
          process.stderr.write(`# ${p.name} stopped after ${Date.now() - t0} ms: ${JSON.stringify(exit)}\n`);
        }
      }),
    );
    const reports = [...this.sanitizerReports, ...this.procs.flatMap((p) => procSanitizerReport(p))];
    if (reports.length) this.failed = true;
    if (this.failed || process.env.POTLUCK_KEEP_TEST_DIRS) {
      process.stderr.write(`# potluck test files kept in ${this.root}\n`);
    } else {
      rmSync(this.root, { recursive: true, force: true });
    }
    if (reports.length) throw new Error(`sanitizer report:\n${reports.join('\n\n')}`);
  }
}

function procSanitizerReport(proc) {
  let report = null;
  try {
    report = sanitizerReport(proc.stderr());
  } catch {
    // no stderr file: nothing was written
  }
  return report ? [`${proc.name} (${JSON.stringify(proc.exitInfo)}):\n${report}`] : [];
}

/**
 * Runs `fn(harness)` outside node:test (the benchmarks): a throw marks the
 * harness failed (its directory is kept) and is passed on; it is closed either way.
 */
export async function withHarness(name, fn) {
  const h = new Harness(name);
  try {
    return await fn(h);
  } catch (err) {
    h.failed = true;
    throw err;
  } finally {
    await h.close();
  }
}

/** A harness for one test file: closed in after(). */
export function useHarness(name) {
  const h = new Harness(name);
  after(() => h.close());
  return h;
}

// ---------------------------------------------------------------------------
// The processes' faces

export class Upstream {
  constructor(proc, url, port) {
    this.proc = proc;
    this.url = url;
    this.port = port;
  }

  async stats() {
    const res = await fetch(`${this.url}/stats`);
    return res.json();
  }

  async resetStats() {
    await fetch(`${this.url}/stats/reset`, { method: 'POST' });
  }

  stop() {
    return this.proc.stop();
  }
}

export class Coordinator {
  constructor(harness, proc, url, port, dataDir, trust) {
    this.h = harness;
    this.trust = trust;
    this.fetchImpl = trust ? fetchTrusting(trust) : fetch;
    this.proc = proc;
    this.url = url;
    this.port = port;
    this.dataDir = dataDir;
    this.dbPath = path.join(dataDir, 'potluck.db');
  }

  /** A new admin user's API key (via `potluck admin create-user`). */
  async adminKey(email = `admin-${randomToken(4)}@example.test`) {
    return adminKey(this.h, this.dataDir, email);
  }

  /** A member's API key (via `potluck admin create-key`, creating the user). */
  async memberKey(email = `member-${randomToken(4)}@example.test`, name = 'test key') {
    const r = await this.h.potluck(['admin', 'create-key', '--data-dir', this.dataDir, '--email', email, '--name', name]);
    return lastLine(r, 'admin create-key');
  }

  /** A node token; with `ownerEmail` the nodes enrolled with it pay that provider. */
  async nodeToken(name = 'test node', ownerEmail = undefined) {
    return nodeToken(this.h, this.dataDir, name, ownerEmail);
  }

  /**
   * A private cluster owned by `ownerKey` and joined (by invite) by each of
   * `memberKeys`; returns its id and a node token that enrols nodes into it.
   */
  async makeCluster(ownerKey, memberKeys = []) {
    const made = await this.post('/api/clusters', { name: `lab-${randomToken(3)}` }, ownerKey);
    if (made.status !== 201) throw new Error(`POST /api/clusters: ${made.status} ${made.text}`);
    const id = made.json.id;
    for (const key of memberKeys) {
      const invite = await this.post(`/api/clusters/${id}/invites`, {}, ownerKey);
      const joined = await this.post('/api/clusters/join', { code: invite.json.code }, key);
      if (joined.status !== 200) throw new Error(`joining the cluster: ${joined.status} ${joined.text}`);
    }
    const token = await this.post(`/api/clusters/${id}/node-tokens`, { name: 'lab box' }, ownerKey);
    if (token.status !== 201) throw new Error(`POST node-tokens: ${token.status} ${token.text}`);
    return { id, nodeToken: token.json.token };
  }

  /** fetch() on the coordinator; a failure says whether the coordinator is still alive. */
  async fetch(pathname, init = {}) {
    try {
      return await this.fetchImpl(`${this.url}${pathname}`, init);
    } catch (err) {
      if (err.name === 'AbortError') throw err;
      await sleep(50); // let an exit be noticed
      throw this.explain(err);
    }
  }

  explain(err) {
    if (this.proc.running) return err;
    const e = new Error(
      `${err.message}: ${this.proc.name} is not running (exit ${JSON.stringify(this.proc.exitInfo)})\n` +
        `--- ${this.proc.name} stderr (tail) ---\n${this.proc.tail()}`,
    );
    e.cause = err;
    return e;
  }

  /** JSON request; resolves {status, headers, text, json}. */
  async request(method, pathname, { key, body, headers = {}, rawBody } = {}) {
    const h = { ...headers };
    if (key) h.authorization = `Bearer ${key}`;
    let payload = rawBody;
    if (body !== undefined) {
      payload = JSON.stringify(body);
      h['content-type'] ??= 'application/json';
    }
    const res = await this.fetch(pathname, { method, headers: h, body: payload });
    let text;
    try {
      text = await res.text();
    } catch (err) {
      throw this.explain(err);
    }
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  }

  post(pathname, body, key, opts = {}) {
    return this.request('POST', pathname, { ...opts, key, body });
  }

  get(pathname, key, opts = {}) {
    return this.request('GET', pathname, { ...opts, key });
  }

  async models(key) {
    const r = await this.get('/v1/models', key);
    if (r.status !== 200) throw new Error(`GET /v1/models: ${r.status} ${r.text}`);
    return r.json.data.map((m) => m.id);
  }

  /** Waits until GET /v1/models lists (or, with present=false, no longer lists) `model`. */
  waitForModel(key, model, { present = true, timeoutMs = WAIT_TIMEOUT_MS } = {}) {
    return waitFor(async () => (await this.models(key)).includes(model) === present, {
      timeoutMs,
      what: `model ${model} to be ${present ? 'listed' : 'gone'} at ${this.url}`,
    });
  }

  /** Waits until a node runs exec jobs in `language` (a trivial program succeeds). */
  waitForExec(key, language = 'bash', { timeoutMs = WAIT_TIMEOUT_MS } = {}) {
    const trivial = { python3: 'pass', node: '', bash: 'true', c: 'int main(){return 0;}', 'c++': 'int main(){}' };
    return waitFor(async () => {
      const r = await this.post('/v1/exec', { language, source: trivial[language] ?? '' }, key);
      return r.status === 200;
    }, { timeoutMs, what: `a node running ${language} at ${this.url}` });
  }

  async metrics() {
    const res = await this.fetch("/metrics");
    if (res.status !== 200) throw new Error(`GET /metrics: ${res.status}`);
    return parseMetrics(await res.text());
  }

  /** Rows of a SQL query on the coordinator's SQLite db (read only). */
  query(sql) {
    return sqliteQuery(this.dbPath, sql);
  }

  /**
   * Waits until no job is in flight and every finished job's usage event is
   * in the db (usage events are written in batches); returns the last usage
   * event id, a baseline for "the events of what comes next".
   */
  async settle() {
    const statuses = ['ok', 'error', 'cancelled', 'timeout'];
    return waitFor(async () => {
      const m = await this.metrics();
      if (m.potluck_jobs_in_flight !== 0) return null;
      const finished = statuses.reduce((sum, st) => sum + (m[`potluck_jobs_total{status="${st}"}`] ?? 0), 0);
      const [row] = await this.query('SELECT COUNT(*) AS n, COALESCE(MAX(id), 0) AS last FROM usage_events');
      return row.n === finished ? { last: row.last } : null;
    }, { what: 'jobs to finish and their usage events to be written' }).then((r) => r.last);
  }

  usageEvents(where = '1=1') {
    return this.query(`SELECT * FROM usage_events WHERE ${where} ORDER BY id`);
  }

  /** The sum of the ledger rows that match `where` (micro-credits). */
  async ledgerSum(where = '1=1') {
    const [row] = await this.query(`SELECT COALESCE(SUM(amount), 0) AS s FROM ledger WHERE ${where}`);
    return row.s;
  }

  /** Job escrows that still hold credits: none once every job has settled. */
  openEscrows() {
    return this.query(
      "SELECT account, SUM(amount) AS s FROM ledger WHERE account LIKE 'escrow:%' GROUP BY account HAVING s != 0");
  }

  stop(opts) {
    return this.proc.stop(opts);
  }
}

function lastLine(result, what) {
  if (result.code !== 0) throw new Error(`${what} failed (${result.code}): ${result.stderr}`);
  const lines = result.stdout.trim().split('\n');
  return lines[lines.length - 1].trim();
}

export async function adminKey(h, dataDir, email = `admin-${randomToken(4)}@example.test`) {
  const r = await h.potluck(['admin', 'create-user', '--data-dir', dataDir, '--email', email, '--admin']);
  const key = lastLine(r, 'admin create-user');
  if (!key.startsWith('pl_')) throw new Error(`admin create-user printed ${key}`);
  return key;
}

export async function nodeToken(h, dataDir, name = 'test node', ownerEmail = undefined) {
  const owner = ownerEmail ? ['--owner-email', ownerEmail] : [];
  const r = await h.potluck(['admin', 'node-token', '--data-dir', dataDir, '--name', name, ...owner]);
  const token = lastLine(r, 'admin node-token');
  if (!token.startsWith('pln_')) throw new Error(`admin node-token printed ${token}`);
  return token;
}

/** Parses Prometheus text into {"name{labels}": number}. */
export function parseMetrics(text) {
  const out = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = line.match(/^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?)\s+(\S+)/);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

export function sqliteQuery(dbPath, sql) {
  return new Promise((resolve, reject) => {
    execFile('sqlite3', ['-readonly', '-json', dbPath, sql], { timeout: 15_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`sqlite3 ${sql}: ${stderr || error.message}`));
      const text = String(stdout).trim();
      resolve(text ? JSON.parse(text) : []);
    });
  });
}

/** A TCP port that was free a moment ago (for restarting a server on the same port). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------
// Server-Sent Events

/**
 * Yields the events of an SSE fetch Response: {data, json} where json is the
 * parsed data (undefined for "[DONE]" or non-JSON). Only `data:` fields are
 * collected (several data lines of one event are joined with "\n").
 */
export async function* sseEvents(response) {
  const decoder = new TextDecoder();
  let buffer = '';
  let data = [];
  let event; // the event's `event:` field, if it had one
  const emit = () => {
    const text = data.join('\n');
    data = [];
    const name = event;
    event = undefined;
    let json;
    if (text !== '[DONE]') {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    return { data: text, json, event: name };
  };
  for await (const bytes of response.body) {
    buffer += decoder.decode(bytes, { stream: true });
    // A trailing \r may be the first half of a \r\n: keep it for the next read.
    const cut = buffer.endsWith('\r') ? buffer.length - 1 : buffer.length;
    const lines = buffer.slice(0, cut).split(/\r\n|\r|\n/);
    buffer = lines.pop() + buffer.slice(cut);
    for (const line of lines) {
      if (line === '') {
        if (data.length) yield emit();
        continue;
      }
      if (line.startsWith(':')) continue; // comment / keep-alive
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') data.push(value);
      if (field === 'event') event = value;
    }
  }
  buffer += decoder.decode();
  if (data.length) yield emit();
}

/** Reads a whole SSE response: {events, done, text} (done: "[DONE]" was the last event). */
export async function readSse(response) {
  const events = [];
  for await (const ev of sseEvents(response)) events.push(ev);
  const done = events.length > 0 && events[events.length - 1].data === '[DONE]';
  return { events, done };
}

/** Concatenated content of chat chunks (delta.content) or completion chunks (text). */
export function streamText(events) {
  let text = '';
  for (const ev of events) {
    for (const choice of ev.json?.choices ?? []) {
      if (choice.delta && typeof choice.delta.content === 'string') text += choice.delta.content;
      if (typeof choice.text === 'string') text += choice.text;
    }
  }
  return text;
}

// ---------------------------------------------------------------------------
// Raw TCP

/**
 * Sends `request` (string or Buffer) on a fresh TCP connection and reads one
 * HTTP response: resolves {status, headers, body, raw, closed}. Reads until the
 * server closes or a whole response (by Content-Length) has arrived. A reset
 * after the response arrived is not an error. `localAddress` (another loopback
 * address, e.g. 127.0.0.2) makes it a different client address.
 */
export function rawHttp(port, request, { host = '127.0.0.1', timeoutMs = 15_000, localAddress } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection({ host, port, localAddress });
    const chunks = [];
    let finished = false;
    const done = (err) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      sock.destroy();
      const raw = Buffer.concat(chunks).toString('latin1');
      const parsed = parseRawResponse(raw);
      if (parsed) return resolve(parsed);
      reject(err ?? new Error(`no HTTP response (got ${JSON.stringify(raw.slice(0, 200))})`));
    };
    const timer = setTimeout(() => done(new Error(`raw HTTP request timed out after ${timeoutMs} ms`)), timeoutMs);
    sock.on('connect', () => sock.write(request));
    sock.on('data', (d) => {
      chunks.push(d);
      const parsed = parseRawResponse(Buffer.concat(chunks).toString('latin1'));
      if (parsed && parsed.complete) done();
    });
    sock.on('end', () => done());
    sock.on('close', () => done());
    sock.on('error', (err) => done(err)); // EPIPE/ECONNRESET after a response: still resolved
  });
}

/**
 * Opens a connection, sends `head`, then one more header byte-line every
 * `everyMs` forever (a slow-loris client). Resolves when the server answers or
 * closes: {status (null if closed without an answer), raw}. Rejects if the
 * server has done neither within `timeoutMs`.
 */
export function trickle(port, head, { everyMs = 100, timeoutMs = 15_000, host = '127.0.0.1' } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection({ host, port });
    const chunks = [];
    let finished = false;
    let interval;
    const finish = (err) => {
      if (finished) return;
      finished = true;
      clearInterval(interval);
      clearTimeout(timer);
      sock.destroy();
      if (err) return reject(err);
      const raw = Buffer.concat(chunks).toString('latin1');
      const parsed = parseRawResponse(raw);
      resolve({ status: parsed ? parsed.status : null, raw });
    };
    const timer = setTimeout(
      () => finish(new Error(`the server neither answered nor closed a trickling client within ${timeoutMs} ms`)),
      timeoutMs,
    );
    sock.on('connect', () => {
      sock.write(head);
      let i = 0;
      interval = setInterval(() => {
        if (!sock.destroyed && sock.writable) sock.write(`X-Trickle-${i++}: x\r\n`);
      }, everyMs);
    });
    sock.on('data', (d) => {
      chunks.push(d);
      const parsed = parseRawResponse(Buffer.concat(chunks).toString('latin1'));
      if (parsed && parsed.complete) finish();
    });
    sock.on('end', () => finish());
    sock.on('close', () => finish());
    sock.on('error', () => finish());
  });
}

function parseRawResponse(raw) {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = raw.slice(0, end).split('\r\n');
  const m = lines[0].match(/^HTTP\/1\.[01] (\d{3})/);
  if (!m) return null;
  const headers = {};
  for (const line of lines.slice(1)) {
    const c = line.indexOf(':');
    if (c > 0) headers[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
  }
  const body = raw.slice(end + 4);
  const len = headers['content-length'] !== undefined ? Number(headers['content-length']) : undefined;
  const complete = len !== undefined && Buffer.byteLength(body, 'latin1') >= len;
  return { status: Number(m[1]), headers, body: len !== undefined ? body.slice(0, len) : body, raw, complete };
}

// ---------------------------------------------------------------------------
// Files

/** Every regular file under `dir`, recursively (symlinks not followed). */
export function listFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile()) out.push(p);
    }
  };
  if (existsSync(dir) && statSync(dir).isDirectory()) walk(dir);
  return out;
}

// ---------------------------------------------------------------------------
// Assertions on the OpenAI wire format

/** Checks an OpenAI error envelope; returns the inner error. */
export function expectErrorEnvelope(assert, res, status, { type, code } = {}) {
  assert.equal(res.status, status, `expected HTTP ${status}, got ${res.status}: ${res.text}`);
  assert.ok(res.json && typeof res.json === 'object', `error body is not JSON: ${res.text}`);
  const e = res.json.error;
  assert.ok(e && typeof e === 'object', `no "error" object in ${res.text}`);
  assert.equal(typeof e.message, 'string');
  assert.ok(e.message.length > 0, 'error message is empty');
  assert.equal(typeof e.type, 'string');
  assert.ok('param' in e, `"param" missing in ${res.text}`);
  assert.ok('code' in e, `"code" missing in ${res.text}`);
  if (type) assert.equal(e.type, type);
  if (code) assert.equal(e.code, code);
  return e;
}

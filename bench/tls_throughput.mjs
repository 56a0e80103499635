// TLS on the relay (issue 16's benchmark). Figures, not a test: run by
// scripts/bench-tls, which turns the JSON line printed here (one per run)
// into the "TLS" section of docs/benchmarks.md.
//
// Four ways to the same fake upstream, side by side in one run:
//   relay        potluck serve + potluck node, plain HTTP and ws://
//   relay-tls    the same over TLS: clients on https://, the node on wss://
//   nginx        nginx as a one-hop reverse proxy (the yardstick)
//   nginx-tls    nginx terminating TLS in front of the upstream
// At each, potluck-loadgen (keep-alive connections, TLS through Potluck's
// own client TLS) measures requests/s at 1 and TLS_CLIENTS (64) clients and
// chunks/s of one streamed answer of TLS_STREAM_CHUNKS (1000) tokens. The
// 64-client point, which the target is about, is taken TLS_ROUNDS (3) times,
// the four front ends in turn each round, and its median kept: on a shared
// 2-core machine one 5 s sample drifts with whatever else runs, and taking
// the plain and TLS points side by side in every round keeps that drift out
// of their ratio. Then
// `openssl s_time` opens new TLS connections to relay-tls and nginx-tls for
// TLS_HANDSHAKE_S seconds each: full handshakes, then resumed ones (session
// tickets); each connection fetches /healthz so that TLS 1.3 tickets arrive.
//
// Environment: POTLUCK_BIN, FAKE_UPSTREAM_BIN (as for the tests),
// LOADGEN_BIN, NGINX_BIN, TLS_DURATION_S (5), TLS_WARMUP_S (1),
// TLS_CLIENTS (64), TLS_STREAM_CHUNKS (1000), TLS_HANDSHAKE_S (5),
// TLS_CONSUMERS (8: one consumer may have 32 jobs in flight), TLS_ROUNDS (3).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO, freePort, waitFor, withHarness } from '../tests/lib/harness.mjs';
import { TestCa } from '../tests/lib/test_ca.mjs';

const run = promisify(execFile);
const LOADGEN = process.env.LOADGEN_BIN ?? path.join(REPO, process.env.BUILD_DIR ?? 'build', 'bench', 'potluck-loadgen');
const NGINX = process.env.NGINX_BIN ?? '/usr/sbin/nginx';
const DURATION_S = Number(process.env.TLS_DURATION_S ?? 5);
const WARMUP_S = Number(process.env.TLS_WARMUP_S ?? 1);
const CLIENTS = Number(process.env.TLS_CLIENTS ?? 64);
const STREAM_CHUNKS = Number(process.env.TLS_STREAM_CHUNKS ?? 1000);
const HANDSHAKE_S = Number(process.env.TLS_HANDSHAKE_S ?? 5);
const CONSUMERS = Number(process.env.TLS_CONSUMERS ?? 8);
const ROUNDS = Number(process.env.TLS_ROUNDS ?? 3);
const MODEL = 'fake-model';
const PLAIN_BODY = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'Hello there, how are you today?' }], max_tokens: 16 });
const STREAM_BODY = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'Hello' }], stream: true, fake_chunks: STREAM_CHUNKS });
const RELAY_ARGS = ['--max-connections-per-ip', '4096', '--rate-per-key', '0', '--rate-per-ip', '0'];

for (const [what, file] of [['potluck-loadgen', LOADGEN], ['nginx', NGINX]]) {
  if (!existsSync(file)) throw new Error(`bench-tls: ${what} not found at ${file} (make build; scripts/setup installs nginx)`);
}

/** A relay (coordinator and node) over plain HTTP or TLS; resolves {url, auth}. */
async function startRelay(h, upstream, { name, cert, ca }) {
  const tlsArgs = cert ? ['--tls-cert', cert.certFile, '--tls-key', cert.keyFile] : [];
  const coord = await h.startCoordinator({ name, logLevel: 'info', args: [...RELAY_ARGS, ...tlsArgs], trust: ca?.pem });
  const admin = await coord.adminKey();
  await h.startNode({
    coordinator: coord, upstream, name: `${name}-node`, maxJobs: 512, logLevel: 'info',
    args: ca ? ['--ca-file', ca.certFile] : [],
  });
  await coord.waitForModel(admin, MODEL);
  const auth = [];
  for (let i = 0; i < CONSUMERS; i++) auth.push(`Authorization: Bearer ${await coord.memberKey(`consumer${i}@bench.test`)}`);
  return { url: coord.url, auth };
}

/** nginx with a plain and a TLS server in front of `upstream`; resolves {plain, tls} URLs. */
async function startNginx(h, upstream, cert) {
  const dir = h.dir('nginx');
  const [plainPort, tlsPort] = [await freePort(), await freePort()];
  const locations = `
    keepalive_requests 1000000000;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    location / { proxy_pass http://fake_upstream; }
    location /stream/ { proxy_buffering off; proxy_pass http://fake_upstream/; }
    location = /healthz { return 200 "ok\\n"; }`;
  writeFileSync(path.join(dir, 'nginx.conf'), `worker_processes 1;
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream fake_upstream { server 127.0.0.1:${upstream.port}; keepalive 1024; keepalive_requests 1000000000; }
  server { listen 127.0.0.1:${plainPort}; ${locations} }
  server {
    listen 127.0.0.1:${tlsPort} ssl;
    ssl_certificate ${cert.certFile};
    ssl_certificate_key ${cert.keyFile};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:SSL:10m;
    ssl_session_tickets on;
    ${locations}
  }
}
`);
  const proc = h.spawn('nginx', NGINX, ['-p', dir, '-e', `${dir}/error.log`, '-c', `${dir}/nginx.conf`, '-g', 'daemon off;']);
  await waitFor(() => existsSync(path.join(dir, 'nginx.pid')) || !proc.running, { what: 'nginx to start' });
  if (!proc.running) throw new Error(`nginx did not start: ${readFileSync(path.join(dir, 'error.log'), 'utf8')}`);
  return { plain: `http://127.0.0.1:${plainPort}`, tls: `https://127.0.0.1:${tlsPort}` };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** One potluck-loadgen point; resolves its JSON. */
async function point(url, { clients, stream, auth = [], ca }) {
  const args = ['--url', url, '--concurrency', String(clients), '--duration-s', String(DURATION_S),
    '--warmup-s', String(WARMUP_S), '--body', stream ? STREAM_BODY : PLAIN_BODY];
  if (stream) args.push('--stream');
  for (const a of auth) args.push('--client-header', a);
  if (ca) args.push('--ca-file', ca.certFile);
  const { stdout, stderr } = await run(LOADGEN, args, { maxBuffer: 1 << 20 });
  const result = JSON.parse(stdout.trim().split('\n').pop());
  if (result.errors > 0) process.stderr.write(`bench-tls: ${result.errors} errors at ${url} c=${clients}: ${stderr.slice(0, 300)}\n`);
  return result;
}

/** New TLS connections per second to `url` (openssl s_time): `reuse` resumes the first session. */
async function handshakes(url, ca, reuse) {
  const { host } = new URL(url);
  const t0 = performance.now();
  const { stdout } = await run('openssl', ['s_time', '-connect', host, '-CAfile', ca.certFile, '-www', '/healthz',
    reuse ? '-reuse' : '-new', '-time', String(HANDSHAKE_S)], { maxBuffer: 16 << 20 });
  const seconds = (performance.now() - t0) / 1000;
  const m = /(\d+) connections in [\d.]+s/.exec(stdout);
  if (!m) throw new Error(`openssl s_time printed no count: ${stdout.slice(-300)}`);
  // s_time prints 'r' for each connection that resumed a session, '*' for a full handshake.
  const dots = stdout.split('\n').filter((l) => /^[r*]+$/.test(l.trim())).join('');
  return { per_s: Math.round(Number(m[1]) / seconds), resumed: [...dots].filter((c) => c === 'r').length, connections: Number(m[1]) };
}

await withHarness('bench-tls', async (h) => {
  const ca = new TestCa(h.dir('ca'));
  const cert = ca.issue('serve', { names: ['DNS:localhost', 'IP:127.0.0.1'] });
  const upstream = await h.startUpstream({ models: [MODEL] });
  const relay = await startRelay(h, upstream, { name: 'relay' });
  const relayTls = await startRelay(h, upstream, { name: 'relay-tls', cert, ca });
  const nginx = await startNginx(h, upstream, cert);
  const targets = {
    relay: { url: relay.url, auth: relay.auth },
    'relay-tls': { url: relayTls.url, auth: relayTls.auth, ca },
    nginx: { url: nginx.plain },
    'nginx-tls': { url: nginx.tls, ca },
  };
  const figures = {};
  const chatUrl = (t) => `${t.url}/v1/chat/completions`;
  for (const [name, t] of Object.entries(targets)) {
    const streamUrl = name.startsWith('nginx') ? `${t.url}/stream/v1/chat/completions` : chatUrl(t);
    const one = await point(chatUrl(t), { clients: 1, ...t });
    const streamed = await point(streamUrl, { clients: 1, stream: true, ...t });
    figures[name] = { rps_1: one.rps, chunks_per_s: streamed.chunks_per_s, errors: one.errors + streamed.errors, rounds: [] };
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, t] of Object.entries(targets)) {
      const many = await point(chatUrl(t), { clients: CLIENTS, ...t });
      figures[name].rounds.push({ rps: many.rps, p50_ms: many.p50_ms });
      figures[name].errors += many.errors;
    }
  }
  for (const [name, f] of Object.entries(figures)) {
    f.rps_n = median(f.rounds.map((r) => r.rps));
    f.p50_n_ms = median(f.rounds.map((r) => r.p50_ms));
    process.stderr.write(`bench-tls: ${name}: ${JSON.stringify(f)}\n`);
  }
  const hs = {};
  for (const name of ['relay-tls', 'nginx-tls']) {
    hs[name] = { full: await handshakes(targets[name].url, ca, false), resumed: await handshakes(targets[name].url, ca, true) };
    process.stderr.write(`bench-tls: ${name} handshakes: ${JSON.stringify(hs[name])}\n`);
  }
  const nginxVersion = (await run(NGINX, ['-v'])).stderr.trim().replace(/^nginx version: nginx\//, '');
  const opensslVersion = (await run('openssl', ['version'])).stdout.trim();
  console.log(JSON.stringify({ clients: CLIENTS, stream_chunks: STREAM_CHUNKS, duration_s: DURATION_S, handshake_s: HANDSHAKE_S,
    rounds: ROUNDS, nginx: nginxVersion, openssl: opensslVersion, figures, handshakes: hs }));
});

// TLS on every link (issue 16): the coordinator serving HTTPS and wss:// on
// one port; a node over wss:// verifying the chain, the host name or a pinned
// key, and refusing (with the reason in its log, retried, never in plain
// text) when it cannot; the openai SDK and the CLI over https://; the
// certificate re-read on SIGHUP while a stream is open; a client that never
// says hello closed at the handshake timeout; plain HTTP refused off loopback.
// The CA and certificates are made with `openssl` in the test's directory.
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { useHarness, waitFor } from '../lib/harness.mjs';
import { TestCa, spkiFingerprint } from '../lib/test_ca.mjs';

const h = useHarness('tls');
const MODEL = 'mock-small';
let ca, strangerCa, serverCert, nextCert, expiredCert;
let coord, origin, admin, node;

/** One HTTPS request trusting `ca`; resolves {status, headers, text, socket}. */
function httpsRequest(url, { method = 'GET', key, body, trust = ca.pem, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const h2 = { ...headers };
    if (key) h2.authorization = `Bearer ${key}`;
    if (body !== undefined) h2['content-type'] = 'application/json';
    const req = https.request(url, { method, headers: h2, ca: trust, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text, socket: res.socket }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** The serial number of the certificate a new TLS connection to `port` is shown. */
function peerSerial(port) {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: ca.pem }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.destroy();
      resolve(serial);
    });
    socket.on('error', reject);
  });
}

async function modelsOf(url, key) {
  const r = await httpsRequest(`${url}/v1/models`, { key });
  return r.status === 200 ? JSON.parse(r.text).data.map((m) => m.id) : [];
}

function tlsArgs(cert) {
  return ['--tls-cert', cert.certFile, '--tls-key', cert.keyFile];
}

before(h.wrap(async () => {
  ca = new TestCa(h.dir('ca'));
  strangerCa = new TestCa(h.dir('stranger-ca'), 'Some Other CA');
  serverCert = ca.issue('server', { names: ['DNS:localhost'] });
  nextCert = ca.issue('server-next', { names: ['DNS:localhost'] });
  expiredCert = ca.issue('expired', { names: ['DNS:localhost'], expired: true });
  // The coordinator reads its certificate from files it is told; the test
  // replaces their contents to rotate it.
  const live = { certFile: h.dir('live') + '/cert.pem', keyFile: h.dir('live') + '/key.pem' };
  copyFileSync(serverCert.certFile, live.certFile);
  copyFileSync(serverCert.keyFile, live.keyFile);
  coord = await h.startCoordinator({ args: [...tlsArgs(live), '--tls-reload-s', '0'] });
  coord.live = live;
  assert.match(coord.url, /^https:\/\//);
  origin = `https://localhost:${coord.port}`;
  admin = await coord.adminKey();
  node = await h.startNode({
    coordinator: `wss://localhost:${coord.port}`,
    token: await coord.nodeToken(),
    args: ['--ca-file', ca.certFile],
  });
  await waitFor(async () => (await modelsOf(origin, admin)).includes(MODEL), { what: 'the node over wss://' });
}));

describe('serving over TLS', () => {
  test('a node over wss:// with --ca-file serves a completion streamed through the openai SDK over https://', h.wrap(async () => {
    const client = new OpenAI({
      apiKey: admin,
      baseURL: `${origin}/v1`,
      httpAgent: new https.Agent({ ca: ca.pem }),
    });
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'hello over tls' }],
      stream: true,
      mock_tokens: 12,
    });
    let text = '';
    let finish;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(text.trim().split(/\s+/).length, 12);
    assert.equal(finish, 'stop');
  }));

  test('TLS 1.2 and 1.3 only, ALPN http/1.1, and session tickets for resumption', h.wrap(async () => {
    const connect = (options) => new Promise((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port: coord.port, servername: 'localhost', ca: ca.pem, ...options });
      socket.once('secureConnect', () => resolve(socket));
      socket.once('error', reject);
    });
    const sessionOf = (socket) => new Promise((resolve) => socket.once('session', resolve));
    // The client would speak TLS 1.1 (its security level lowered): the
    // server's alert refuses it.
    await assert.rejects(connect({ minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }),
      { code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' });
    const old = await connect({ ALPNProtocols: ['h2', 'http/1.1'], maxVersion: 'TLSv1.2' });
    assert.equal(old.alpnProtocol, 'http/1.1');
    assert.equal(old.getProtocol(), 'TLSv1.2');
    const ticket12 = old.getSession() ?? await sessionOf(old);
    old.destroy();
    const resumed12 = await connect({ session: ticket12, maxVersion: 'TLSv1.2' });
    assert.equal(resumed12.isSessionReused(), true);
    resumed12.destroy();
    const modern = await connect({});
    assert.equal(modern.getProtocol(), 'TLSv1.3');
    const ticket13 = await sessionOf(modern);
    modern.end();
    const resumed13 = await connect({ session: ticket13 });
    assert.equal(resumed13.isSessionReused(), true);
    resumed13.destroy();
    // TLS 1.3 suites: Mozilla's intermediate three, nothing else.
    for (const suite of ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']) {
      const socket = await connect({ minVersion: 'TLSv1.3', ciphers: suite });
      assert.equal(socket.getCipher().standardName, suite);
      socket.destroy();
    }
    await assert.rejects(connect({ minVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_CCM_SHA256' }));
  }));

  test('a finished exchange ends with close_notify, so an OpenSSL client resumes its session next time', h.wrap(async () => {
    // openssl s_time sends one HTTP/1.0 request per connection and reads to
    // the end; with -reuse every connection offers the first one's session.
    // A server that closed the socket without close_notify would leave the
    // client a truncated connection, whose session OpenSSL does not resume.
    const timed = await h.run('/usr/bin/openssl', ['s_time', '-connect', `127.0.0.1:${coord.port}`, '-CAfile', ca.certFile,
      '-www', '/healthz', '-reuse', '-time', '1']);
    assert.equal(timed.code, 0, timed.stderr);
    const marks = timed.stdout.split('\n').filter((l) => /^[r*]+$/.test(l.trim())).join('');
    assert.ok(marks.length > 1, `no connections timed: ${timed.stdout.slice(-300)}`);
    assert.equal(marks.replaceAll('r', ''), '', `connections not resumed: ${marks.length - marks.replaceAll('*', '').length} of ${marks.length}`);
  }));

  test('the session cookie is Secure when the coordinator serves TLS', h.wrap(async () => {
    const r = await httpsRequest(`${origin}/api/session`, { method: 'POST', body: { key: admin } });
    assert.equal(r.status, 200, r.text);
    const cookie = String(r.headers['set-cookie']);
    assert.match(cookie, /potluck_session=/);
    assert.match(cookie, /;\s*Secure/i);
  }));

  test('the CLI talks to an https:// coordinator with --ca-file, and refuses it without', h.wrap(async () => {
    const keys = await h.potluck(['keys', 'list', '--coordinator', origin, '--key', admin, '--ca-file', ca.certFile]);
    assert.equal(keys.code, 0, keys.stderr);
    const chat = await h.potluck(['chat', '--coordinator', origin, '--key', admin, '--ca-file', ca.certFile,
      '--model', MODEL, 'hello']);
    assert.equal(chat.code, 0, chat.stderr);
    assert.ok(chat.stdout.trim().length > 0);
    const untrusted = await h.potluck(['keys', 'list', '--coordinator', origin, '--key', admin]);
    assert.notEqual(untrusted.code, 0);
    assert.match(untrusted.stderr, /unknown issuer/);
  }));
});

describe('a node refuses a coordinator it cannot verify, says why, and retries', () => {
  async function refusedWith(coordinatorUrl, args, why) {
    const n = await h.startNode({ coordinator: coordinatorUrl, token: await coord.nodeToken(), args });
    // Two refusals: the reason is logged, and the node retries (with backoff).
    await waitFor(() => n.stderr().split(why).length > 2, { what: `two "${why}" refusals in the node's log` });
    assert.ok(n.running, 'the node keeps retrying');
    assert.doesNotMatch(n.stderr(), /node connected/);
    await n.stop();
  }

  test('unknown issuer (not signed by a CA it trusts)', h.wrap(async () => {
    await refusedWith(`wss://localhost:${coord.port}`, ['--ca-file', strangerCa.certFile], 'unknown issuer');
  }));

  test('host name mismatch (the certificate names localhost, not 127.0.0.1)', h.wrap(async () => {
    await refusedWith(`wss://127.0.0.1:${coord.port}`, ['--ca-file', ca.certFile], 'host name mismatch');
  }));

  test('wrong pinned fingerprint; the right one connects without any CA', h.wrap(async () => {
    const wrong = spkiFingerprint(nextCert.certFile);
    await refusedWith(`wss://localhost:${coord.port}`, ['--coordinator-fingerprint', wrong], 'fingerprint mismatch');
    const right = spkiFingerprint(serverCert.certFile);
    assert.ok(coord.proc.stderr().includes(right), 'the coordinator logs the key to pin');
    const pinned = await h.startNode({
      coordinator: `https://127.0.0.1:${coord.port}`,
      token: await coord.nodeToken(),
      args: ['--coordinator-fingerprint', right],
    });
    await waitFor(() => pinned.stderr().includes('node connected'), { what: 'the pinned node to connect' });
    await pinned.stop();
  }));

  test('certificate expired', h.wrap(async () => {
    const stale = await h.startCoordinator({ name: 'expired', args: tlsArgs(expiredCert) });
    await refusedWith(`wss://localhost:${stale.port}`, ['--ca-file', ca.certFile], 'certificate expired');
    await stale.stop();
  }));
});

describe('plain HTTP off loopback is refused unless --insecure-http', () => {
  test('serve on a non-loopback address', h.wrap(async () => {
    const r = await h.potluck(['serve', '--listen', '0.0.0.0:0', '--data-dir', h.dir('public-plain')]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /refusing plain HTTP on 0\.0\.0\.0/);
    assert.match(r.stderr, /--insecure-http/);
  }));

  test('node to a non-loopback coordinator', h.wrap(async () => {
    const r = await h.potluck(['node', '--coordinator', 'http://192.0.2.10:8400', '--token', 'pln_x',
      '--state-dir', h.dir('plain-node')]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /refusing plain http:\/\/192\.0\.2\.10/);
    assert.match(r.stderr, /--insecure-http/);
  }));
});

describe('certificate rotation', () => {
  test('SIGHUP: an open stream finishes on the old certificate, a new connection sees the new one', h.wrap(async () => {
    const before = await peerSerial(coord.port);
    assert.equal(before, serverCert.serial);
    const body = JSON.stringify({
      model: MODEL, stream: true, mock_tokens: 40, mock_delay_ms: 250,
      messages: [{ role: 'user', content: 'a long answer' }],
    });
    let rotatedWhileOpen = false;
    let ended = false;
    let firstBytes;
    const started = new Promise((resolve) => (firstBytes = resolve));
    const streamed = new Promise((resolve, reject) => {
      const req = https.request(`${origin}/v1/chat/completions`, {
        method: 'POST', ca: ca.pem, agent: false,
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          text += d;
          firstBytes();
        });
        res.on('end', () => {
          ended = true;
          resolve({ status: res.statusCode, text, serial: res.socket.getPeerCertificate().serialNumber });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
    await started;  // the stream's connection is up, with the first certificate
    copyFileSync(nextCert.certFile, coord.live.certFile);
    copyFileSync(nextCert.keyFile, coord.live.keyFile);
    coord.proc.signal('SIGHUP');
    await waitFor(async () => (await peerSerial(coord.port)) === nextCert.serial, { what: 'the new certificate' });
    rotatedWhileOpen = !ended;
    const done = await streamed;
    assert.equal(done.status, 200);
    assert.match(done.text, /data: \[DONE\]/);
    assert.equal(done.serial, serverCert.serial, 'the open stream kept its connection');
    assert.ok(rotatedWhileOpen, 'the certificate changed while the stream was open');
  }));

  test('a bad new file keeps the current certificate and the error names the file', h.wrap(async () => {
    const current = await peerSerial(coord.port);
    copyFileSync(ca.dir + '/index.txt', coord.live.certFile);  // not a certificate
    coord.proc.signal('SIGHUP');
    await waitFor(() => coord.proc.stderr().includes(`cannot use certificate file ${coord.live.certFile}`),
      { what: 'the reload error naming the file' });
    assert.equal(await peerSerial(coord.port), current);
    const r = await httpsRequest(`${origin}/v1/models`, { key: admin });
    assert.equal(r.status, 200);
  }));
});

describe('the handshake timeout', () => {
  test('a client that never sends a ClientHello is closed at the timeout while others are served', h.wrap(async () => {
    // Headers may take a minute: only the handshake timeout can close it.
    const c = await h.startCoordinator({
      name: 'handshake',
      args: [...tlsArgs(serverCert), '--tls-handshake-timeout-ms', '300', '--header-timeout-ms', '60000'],
    });
    const silent = net.createConnection({ host: '127.0.0.1', port: c.port });
    const closed = new Promise((resolve) => silent.on('close', resolve));
    silent.on('error', () => {});
    const r = await httpsRequest(`https://localhost:${c.port}/healthz`);
    assert.equal(r.status, 200);
    await closed;
    await c.stop();
  }));
});

// fetch() over https:// trusting a test's own CA. Node 20's global fetch
// takes extra CAs only at process start (NODE_EXTRA_CA_CERTS), and a test
// makes its CA at run time; so requests go through https.request with the CA
// and come back as the WHATWG Response fetch would give (the body a stream,
// so server-sent events read the same way). Keep-alive, as fetch does.
import https from 'node:https';
import { Readable } from 'node:stream';

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/** A fetch(url, init) that verifies the server against `ca` (PEM). */
export function fetchTrusting(ca) {
  const agent = new https.Agent({ keepAlive: true, ca });
  return (url, init = {}) =>
    new Promise((resolve, reject) => {
      const method = init.method ?? 'GET';
      const headers = Object.fromEntries(new Headers(init.headers ?? {}));
      const body = init.body ?? undefined;
      if (body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body)) {
        throw new TypeError('fetchTrusting: the body must be a string or a Buffer');
      }
      if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
      const req = https.request(url, { method, headers, agent, signal: init.signal }, (res) => {
        const answer = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          for (const one of Array.isArray(value) ? value : [value]) answer.append(name, one);
        }
        const stream = NULL_BODY_STATUSES.has(res.statusCode) || method === 'HEAD' ? null : Readable.toWeb(res);
        if (!stream) res.resume();
        resolve(new Response(stream, { status: res.statusCode, statusText: res.statusMessage, headers: answer }));
      });
      req.on('error', reject);
      req.end(body);
    });
}

// A node speaking the potluck.v1 protocol by hand over a WebSocket (the `ws`
// package), for tests of the coordinator's node hub: it sends exactly the
// frames a test tells it to and records every frame it receives.
import WebSocket from 'ws';
import { randomToken } from './harness.mjs';

const DEFAULT_TIMEOUT_MS = 20_000;

/**
 * Connects; resolves a FakeNode on upgrade, rejects with err.status on a
 * refused upgrade. `ca`: the PEM to verify a wss:// coordinator against.
 */
export function connectNode(coordUrl, token, { headers = {}, ca } = {}) {
  const url = coordUrl.replace(/^http/, 'ws') + '/v1/nodes/connect';
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: h, handshakeTimeout: DEFAULT_TIMEOUT_MS, ...(ca ? { ca } : {}) });
    ws.once('open', () => resolve(new FakeNode(ws)));
    ws.once('unexpected-response', (_req, res) => {
      const err = new Error(`upgrade refused: HTTP ${res.statusCode}`);
      err.status = res.statusCode;
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => {
        err.body = body;
        ws.terminate();
        reject(err);
      });
    });
    ws.once('error', reject);
  });
}

export class FakeNode {
  constructor(ws) {
    this.ws = ws;
    this.frames = []; // every frame received, parsed
    this.waiters = [];
    this.closeInfo = null;
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
        for (const w of this.waiters.splice(0)) w.reject(new Error(`connection closed (${code} ${reason})`));
      });
    });
    ws.on('error', () => {}); // surfaced through `closed`
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      let frame;
      try {
        frame = JSON.parse(data.toString());
      } catch {
        return;
      }
      this.frames.push(frame);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(frame)) return true;
        w.resolve(frame);
        return false;
      });
    });
  }

  get open() {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(frame) {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /**
   * The first frame received (already or later) that matches `match` (a type
   * name or a predicate) and was not returned by an earlier call.
   */
  next(match, timeoutMs = DEFAULT_TIMEOUT_MS) {
    const pred = typeof match === 'string' ? (f) => f.type === match : match;
    this.taken ??= new Set();
    const found = this.frames.find((f) => !this.taken.has(f) && pred(f));
    if (found) {
      this.taken.add(found);
      return Promise.resolve(found);
    }
    if (this.closeInfo) return Promise.reject(new Error(`connection closed (${this.closeInfo.code} ${this.closeInfo.reason})`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no ${typeof match === 'string' ? match : 'matching'} frame within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = {
        match: (f) => !this.taken.has(f) && pred(f),
        resolve: (f) => {
          clearTimeout(timer);
          this.taken.add(f);
          resolve(f);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Sends hello and waits for welcome. */
  async hello({ nodeId = `node_${randomToken(10)}`, models = [{ id: 'ws-model', context: 4096, owned_by: 'fake-node' }], maxJobs = 8, extra = {} } = {}) {
    this.nodeId = nodeId;
    this.send({
      type: 'hello',
      protocol: 'potluck.v1',
      node_id: nodeId,
      name: 'fake-node',
      os: 'linux',
      arch: 'x86_64',
      agent_version: '0.0.0-test',
      max_jobs: maxJobs,
      models,
      exec: { languages: [] },
      ...extra,
    });
    return this.next('welcome');
  }

  /** Replies to a chat job with the given text pieces, then done. */
  answerChat(job, pieces, { usage = { prompt_tokens: 1, completion_tokens: pieces.length }, finish = 'stop' } = {}) {
    let seq = 0;
    this.send({ type: 'chunk', id: job.id, seq: seq++, delta: { role: 'assistant', content: '' } });
    for (const p of pieces) this.send({ type: 'chunk', id: job.id, seq: seq++, delta: { content: p } });
    this.send({ type: 'chunk', id: job.id, seq: seq++, delta: {}, finish_reason: finish });
    this.send({ type: 'done', id: job.id, usage, timings: { ttft_ms: 1, total_ms: 2 } });
  }

  close() {
    this.ws.close();
    return this.closed;
  }

  terminate() {
    this.ws.terminate();
    return this.closed;
  }
}

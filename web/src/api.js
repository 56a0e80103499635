// The dashboard's only way to the coordinator: same-origin fetch with the
// session cookie, the CSRF token on every state-changing call, and one place
// that turns a 401 into "sign in again".
import { sseData } from './sse.js';

const session = { user: null, csrf: null };
let onSignedOut = () => {};

export class ApiError extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Called with no arguments when the coordinator answers 401. */
export function whenSignedOut(callback) {
  onSignedOut = callback;
}

export function currentUser() {
  return session.user;
}

export function isAdmin() {
  return session.user?.role === 'admin';
}

function remember(body) {
  session.user = body.user;
  session.csrf = body.csrf_token;
}

function forget() {
  session.user = null;
  session.csrf = null;
}

async function errorOf(response) {
  let message = `${response.status} ${response.statusText}`;
  let code = null;
  try {
    const body = await response.json();
    if (body?.error?.message) message = body.error.message;
    code = body?.error?.code ?? null;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(response.status, message, code);
}

async function send(method, path, body, options = {}, retried = false) {
  const { signal, accept = 'application/json' } = options;
  const headers = { accept };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && session.csrf) headers['x-csrf-token'] = session.csrf;
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
    signal,
  });
  if (response.ok) return response;
  const error = await errorOf(response);
  // Another tab signed in again and the token changed: fetch it, try once more.
  if (response.status === 403 && error.code === 'csrf_token_invalid' && !retried) {
    remember(await (await send('GET', '/api/session')).json());
    return send(method, path, body, options, true);
  }
  if (response.status === 401 && path !== '/api/session') {
    forget();
    onSignedOut();
  }
  throw error;
}

async function json(response) {
  return response.status === 204 ? null : response.json();
}

export const api = {
  get: async (path, options) => json(await send('GET', path, undefined, options)),
  post: async (path, body = {}, options) => json(await send('POST', path, body, options)),
  put: async (path, body = {}, options) => json(await send('PUT', path, body, options)),
  del: async (path, options) => json(await send('DELETE', path, undefined, options)),
  text: async (path, options) => (await send('GET', path, undefined, { ...options, accept: 'text/csv' })).text(),

  /** POSTs a streaming request and yields each SSE event parsed as JSON. */
  async *stream(path, body, { signal } = {}) {
    const response = await send('POST', path, { ...body, stream: true }, { signal, accept: 'text/event-stream' });
    for await (const data of sseData(response)) yield JSON.parse(data);
  },
};

/** The session of this browser, if any (a reloaded page keeps its cookie). */
export async function resumeSession() {
  try {
    remember(await api.get('/api/session'));
    return true;
  } catch (err) {
    if (err.status === 401) return false;
    throw err;
  }
}

export async function signIn(key) {
  remember(await api.post('/api/session', { key }));
}

/** Deletes the caller's account (DELETE /api/me); its session ends with it. */
export async function deleteAccount() {
  await api.del('/api/me');
  forget();
}

export async function signOut() {
  try {
    await api.del('/api/session');
  } finally {
    forget();
  }
}

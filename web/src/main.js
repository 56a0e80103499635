// A minimal dashboard shell: sign in with an API key (exchanged for a
// session cookie), a header with sign-out. The full pages replace this.
import './app.css';

const app = document.getElementById('app');
let csrfToken = '';

async function api(method, path, body) {
  const headers = { 'Content-Type': 'application/json' };
  if (method !== 'GET') headers['X-CSRF-Token'] = csrfToken;
  const response = await fetch(path, {
    method, headers, credentials: 'same-origin', body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

function showSignIn(message = '') {
  history.replaceState(null, '', '/signin');
  const key = element('input', { type: 'password', name: 'key', placeholder: 'pl_…', autocomplete: 'off',
                                 'aria-label': 'API key' });
  const error = element('p', { class: 'error', role: 'alert' }, message);
  const form = element('form', {}, element('h1', {}, 'Sign in to Potluck'), key,
                       element('button', { type: 'submit' }, 'Sign in'), error);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const answer = await api('POST', '/api/session', { key: key.value });
    if (answer.status === 200) return showSignedIn(answer.body);
    error.textContent = answer.body?.error?.message ?? `sign-in failed (${answer.status})`;
  });
  app.replaceChildren(element('main', {}, form));
}

function showSignedIn(session) {
  csrfToken = session.csrf_token;
  if (location.pathname === '/signin') history.replaceState(null, '', '/');
  const signOut = element('button', { type: 'button' }, 'Sign out');
  signOut.addEventListener('click', async () => {
    await api('DELETE', '/api/session');
    csrfToken = '';
    showSignIn();
  });
  const who = element('span', { 'data-testid': 'user' }, `${session.user.email} (${session.user.role})`);
  app.replaceChildren(element('header', {}, element('strong', {}, 'Potluck'), who, signOut),
                      element('main', {}, element('h1', {}, 'Overview')));
}

const current = await api('GET', '/api/session');
if (current.status === 200) showSignedIn(current.body);
else showSignIn();

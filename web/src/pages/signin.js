// Sign-in: an API key is exchanged for a session cookie (POST /api/session).
// The key is sent once and not kept by the page.
import { signIn } from '../api.js';
import { actionForm, field } from '../components/form.js';
import { h } from '../dom.js';

const REASONS = {
  expired: 'Your session ended (signed out, expired, or its key was revoked). Sign in again.',
  deleted: 'Your account was deleted. Its keys no longer work.',
};

// Only paths of this dashboard, never another origin ("//evil" or "https:").
function safeNext(next) {
  return next && next.startsWith('/') && !next.startsWith('//') && next !== '/signin' ? next : '/';
}

export default {
  path: '/signin',
  title: 'Sign in',
  render(main, { navigate, params }) {
    const reason = REASONS[params.get('reason')];
    const form = actionForm({
      label: 'Sign in',
      submit: 'Sign in',
      fields: [
        field({
          label: 'API key', name: 'key', type: 'password', autocomplete: 'off', required: true,
          placeholder: 'pl_…', hint: 'Any of your keys; create more on the Keys page after signing in.',
        }),
      ],
      onSubmit: async ({ key }) => {
        await signIn(key.trim());
        navigate(safeNext(params.get('next')), { replace: true });
      },
    });
    main.append(
      h('div', { class: 'signin card' },
        h('h1', { tabindex: -1 }, 'Potluck'),
        h('p', {}, 'Sign in to the dashboard with an API key.'),
        reason ? h('p', { class: 'notice', role: 'status' }, reason) : null,
        form),
    );
    form.querySelector('input').focus();
  },
};

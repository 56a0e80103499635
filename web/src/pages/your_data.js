// Your data: download everything kept about you (GET /api/me/export) and
// your usage as CSV (GET /api/usage.csv), or delete your account
// (DELETE /api/me) after typing your email to confirm. What is kept and why:
// docs/privacy.md.
import { currentUser, deleteAccount } from '../api.js';
import { actionForm, field } from '../components/form.js';
import { pageHeader, section } from '../components/page.js';
import { h } from '../dom.js';

function downloads() {
  return section('Download your data',
    h('p', {}, 'Everything kept about you, as one JSON document: your account, keys and node tokens (never their ',
      'secrets), clusters, node records, usage events and daily totals, ledger rows and the audit rows about you. ',
      'The usage CSV lists each job kept (metadata only: no prompt, answer or program text is ever stored).'),
    h('div', { class: 'form-actions' },
      h('a', { class: 'button', href: '/api/me/export', download: 'potluck-export.json' }, 'Download the export (JSON)'),
      h('a', { class: 'button', href: '/api/usage.csv', download: 'potluck-usage.csv' }, 'Download usage (CSV)')));
}

// The button stays disabled until the email typed matches, so a stray click
// cannot delete an account.
function deletion(navigate) {
  const email = currentUser()?.email ?? '';
  const form = actionForm({
    label: 'Delete your account',
    submit: 'Delete my account',
    fields: [field({
      label: `Type your email (${email}) to confirm`, name: 'confirm', autocomplete: 'off', required: true,
      hint: 'This cannot be undone.',
    })],
    onSubmit: async ({ confirm }) => {
      if (confirm.trim() !== email) throw new Error('The email typed does not match your account.');
      await deleteAccount();
      navigate('/signin?reason=deleted', { replace: true });
    },
  });
  const submit = form.querySelector('button[type="submit"]');
  submit.classList.replace('button-primary', 'button-danger');
  submit.disabled = true;
  form.querySelector('input[name="confirm"]')
    .addEventListener('input', (event) => { submit.disabled = event.target.value.trim() !== email; });
  return section('Delete your account',
    h('p', {}, 'Deleting your account revokes your keys, node tokens and invites, disconnects your nodes and ',
      'deletes their records, deletes the clusters you own alone, removes your memberships, erases your email and ',
      'takes your name off your usage. The ledger rows of your credits stay under an anonymous id (the books must ',
      'still add up) and so do audit rows naming that id (never your email). If you own a cluster with other ',
      'members, hand it over or empty it first.'),
    form);
}

export default {
  path: '/data',
  title: 'Your data',
  render(main, { navigate }) {
    main.append(pageHeader('Your data'), downloads(), deletion(navigate));
  },
};

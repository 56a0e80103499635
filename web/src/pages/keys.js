// Keys: create (the secret is shown once, with a copy button), list, revoke.
import { api } from '../api.js';
import { actionForm, field } from '../components/form.js';
import { pageHeader, section } from '../components/page.js';
import { resourceList, revokedBadge } from '../components/resource_list.js';
import { shownOnce } from '../components/secret.js';
import { h } from '../dom.js';
import { dateTime } from '../format.js';

export default {
  path: '/keys',
  title: 'Keys',
  render(main) {
    const keys = resourceList({
      caption: 'Your API keys',
      load: () => api.get('/api/keys'),
      columns: [
        { label: 'Name', cell: (k) => k.name },
        { label: 'Id', cell: (k) => h('code', {}, k.id) },
        { label: 'Scopes', cell: (k) => k.scopes },
        { label: 'Cluster', cell: (k) => k.cluster ?? '—' },
        { label: 'Created', cell: (k) => dateTime(k.created_at) },
        { label: 'Last used', cell: (k) => dateTime(k.last_used_at) },
        { label: 'State', cell: revokedBadge },
      ],
      revoke: {
        label: (k) => `Revoke ${k.name}`,
        question: (k) => `Revoke the key "${k.name}"? Programs using it are refused from their next request.`,
        path: (k) => `/api/keys/${encodeURIComponent(k.id)}`,
      },
    });

    const create = actionForm({
      label: 'Create a key',
      submit: 'Create key',
      fields: [
        field({ label: 'Name', name: 'name', required: true, maxlength: 64, placeholder: 'ci' }),
        field({ label: 'Scopes', name: 'scopes', placeholder: 'inference exec', hint: 'Space-separated: inference, exec, account (manage keys, node tokens and the account), admin. Empty: the scopes of the key you signed in with.' }),
        field({ label: 'Cluster id', name: 'cluster', placeholder: 'optional', hint: 'Binds the key to one of your clusters.' }),
      ],
      onSubmit: async (values, form) => {
        const body = { name: values.name.trim() };
        if (values.scopes.trim()) body.scopes = values.scopes.trim();
        if (values.cluster.trim()) body.cluster = values.cluster.trim();
        const created = await api.post('/api/keys', body);
        form.reset();
        keys.reload();
        return shownOnce(`New key "${created.name}" (scopes: ${created.scopes})`, created.key);
      },
    });

    main.append(pageHeader('Keys'), section('Create a key', create), section('Your keys', keys.element));
  },
};

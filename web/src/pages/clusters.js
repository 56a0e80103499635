// Clusters: create, join with a code, and for one cluster (?id=): members,
// leave; for its owner also invite codes (expiry, uses), member removal,
// node tokens and deleting the cluster (behind a confirmation).
import { api } from '../api.js';
import { actionForm, confirmButton, field } from '../components/form.js';
import { errorBox, fill } from '../components/notice.js';
import { pageHeader, section } from '../components/page.js';
import { resourceList, revokedBadge } from '../components/resource_list.js';
import { shownOnce } from '../components/secret.js';
import { dataTable } from '../components/table.js';
import { h, replace } from '../dom.js';
import { dateTime } from '../format.js';

const EXPIRY_CHOICES = [
  { value: '3600', label: '1 hour' },
  { value: '86400', label: '1 day' },
  { value: '604800', label: '7 days' },
  { value: '2592000', label: '30 days' },
];

const clusterPath = (id, rest = '') => `/api/clusters/${encodeURIComponent(id)}${rest}`;

function clusterList(data) {
  return dataTable({
    caption: 'Your clusters',
    empty: 'You are not in any cluster. Create one or join with a code.',
    rows: data,
    rowKey: (c) => c.id,
    columns: [
      { label: 'Name', cell: (c) => h('a', { href: `/clusters?id=${encodeURIComponent(c.id)}` }, c.name) },
      { label: 'Id', cell: (c) => h('code', {}, c.id) },
      { label: 'Your role', cell: (c) => c.role },
    ],
  });
}

function membersTable(cluster, onChange, errors) {
  const owner = cluster.role === 'owner';
  const columns = [
    { label: 'User', cell: (m) => h('code', {}, m.user_id) },
    { label: 'Role', cell: (m) => m.role },
    { label: 'Joined', cell: (m) => dateTime(m.joined_at) },
  ];
  if (owner) {
    columns.push({
      label: 'Actions',
      cell: (m) => (m.role === 'owner' ? '' : confirmButton({
        label: `Remove ${m.user_id}`,
        question: `Remove ${m.user_id} from ${cluster.name}?`,
        action: async () => {
          await api.del(clusterPath(cluster.id, `/members/${encodeURIComponent(m.user_id)}`));
          onChange();
        },
        onError: (err) => replace(errors, errorBox(err)),
      })),
    });
  }
  return dataTable({ caption: `Members of ${cluster.name}`, rows: cluster.members, rowKey: (m) => m.user_id, columns });
}

function invitesSection(cluster) {
  const invites = resourceList({
    caption: 'Invite codes',
    empty: 'No invite codes yet.',
    load: () => api.get(clusterPath(cluster.id, '/invites')),
    columns: [
      { label: 'Id', cell: (i) => h('code', {}, i.id) },
      { label: 'Uses', numeric: true, cell: (i) => `${i.uses} / ${i.max_uses}` },
      { label: 'Expires', cell: (i) => dateTime(i.expires_at) },
      { label: 'State', cell: revokedBadge },
    ],
    revoke: {
      label: (i) => `Revoke invite ${i.id}`,
      question: () => 'Revoke this invite code? Nobody can join with it afterwards.',
      path: (i) => clusterPath(cluster.id, `/invites/${encodeURIComponent(i.id)}`),
    },
  });
  const create = actionForm({
    label: 'Create an invite code',
    submit: 'Create invite',
    inline: true,
    fields: [
      field({ label: 'Uses', name: 'max_uses', type: 'number', min: 1, max: 10000, value: '1', required: true }),
      field({ label: 'Expires after', name: 'expires_in_s', options: EXPIRY_CHOICES, value: '604800' }),
    ],
    onSubmit: async (values) => {
      const created = await api.post(clusterPath(cluster.id, '/invites'),
        { max_uses: Number(values.max_uses), expires_in_s: Number(values.expires_in_s) });
      invites.reload();
      return shownOnce(`Invite code (${created.max_uses} uses, expires ${dateTime(created.expires_at)})`, created.code,
        'Give it to the people who should join. It will not be shown again.');
    },
  });
  return section('Invite codes', create, invites.element);
}

// Node tokens under `base`: a cluster's (/api/clusters/ID/node-tokens), whose
// nodes serve only that cluster, or the caller's public-pool ones (/api/node-tokens).
function nodeTokensSection(base, title) {
  const tokens = resourceList({
    caption: title,
    empty: 'No node tokens yet.',
    load: () => api.get(base),
    columns: [
      { label: 'Name', cell: (t) => t.name },
      { label: 'Id', cell: (t) => h('code', {}, t.id) },
      { label: 'Created', cell: (t) => dateTime(t.created_at) },
      { label: 'State', cell: revokedBadge },
    ],
    revoke: {
      label: (t) => `Revoke token ${t.name}`,
      question: (t) => `Revoke the node token "${t.name}"? Its nodes are disconnected.`,
      path: (t) => `${base}/${encodeURIComponent(t.id)}`,
    },
  });
  const create = actionForm({
    label: 'Create a node token',
    submit: 'Create node token',
    inline: true,
    fields: [field({ label: 'Name', name: 'name', required: true, maxlength: 64, placeholder: 'rack1' })],
    onSubmit: async (values, form) => {
      const created = await api.post(base, { name: values.name.trim() });
      form.reset();
      tokens.reload();
      return shownOnce(`Node token "${created.name}"`, created.token,
        'Start a node with potluck node --token <this token>. It will not be shown again.');
    },
  });
  return section(title, create, tokens.element);
}

function clusterDetail(target, id, navigate) {
  const load = () => fill(target, () => api.get(clusterPath(id)), (cluster) => {
    const errors = h('div', { 'aria-live': 'polite' });
    const leaveOrDelete = cluster.role === 'owner' ? confirmButton({
      label: `Delete ${cluster.name}`,
      question: `Delete the cluster ${cluster.name}? Its invites and node tokens are revoked, its nodes disconnected `
        + 'and every member removed. This cannot be undone.',
      action: async () => {
        await api.del(clusterPath(id));
        navigate('/clusters');
      },
      onError: (err) => replace(errors, errorBox(err)),
    }) : confirmButton({
      label: `Leave ${cluster.name}`,
      question: `Leave the cluster ${cluster.name}?`,
      action: async () => {
        await api.post(clusterPath(id, '/leave'));
        navigate('/clusters');
      },
      onError: (err) => replace(errors, errorBox(err)),
    });
    return h('div', { class: 'cluster-detail' },
      section(`Cluster ${cluster.name}`,
        h('p', {}, `Id `, h('code', {}, cluster.id), ` · you are its ${cluster.role} · created ${dateTime(cluster.created_at)}`),
        errors, membersTable(cluster, load, errors), leaveOrDelete),
      cluster.role === 'owner' ? invitesSection(cluster) : null,
      cluster.role === 'owner' ? nodeTokensSection(clusterPath(id, '/node-tokens'), `Node tokens of ${cluster.name}`) : null);
  });
  load();
}

export default {
  path: '/clusters',
  title: 'Clusters',
  render(main, { navigate, params }) {
    const list = h('div');
    const reload = () => fill(list, () => api.get('/api/clusters'), ({ data }) => clusterList(data));
    const create = actionForm({
      label: 'Create a cluster',
      submit: 'Create cluster',
      inline: true,
      fields: [field({ label: 'Name', name: 'name', required: true, maxlength: 64, placeholder: 'my-team' })],
      onSubmit: async ({ name }) => {
        const cluster = await api.post('/api/clusters', { name: name.trim() });
        navigate(`/clusters?id=${encodeURIComponent(cluster.id)}`);
      },
    });
    const join = actionForm({
      label: 'Join a cluster',
      submit: 'Join',
      inline: true,
      fields: [field({ label: 'Invite code', name: 'code', required: true, autocomplete: 'off', placeholder: 'pli_…' })],
      onSubmit: async ({ code }, form) => {
        const joined = await api.post('/api/clusters/join', { code: code.trim() });
        form.reset();
        reload();
        return h('p', { class: 'notice', role: 'status' }, `Joined ${joined.name} as ${joined.role}.`);
      },
    });
    const detail = h('div');
    main.append(pageHeader('Clusters'), section('Your clusters', list), detail,
      section('New cluster', create), section('Join with a code', join),
      nodeTokensSection('/api/node-tokens', 'Your public-pool node tokens'));
    reload();
    const id = params.get('id');
    if (id) clusterDetail(detail, id, navigate);
  },
};

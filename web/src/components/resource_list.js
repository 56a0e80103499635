// A list of revocable things (keys, invites, node tokens): a table loaded
// from the API, with a confirmed "Revoke" button on each live row.
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { confirmButton } from './form.js';
import { errorBox, fill } from './notice.js';
import { badge, dataTable } from './table.js';

export const revokedBadge = (row) => (row.revoked_at ? badge('revoked') : badge(row.state ?? 'active'));

/**
 * load: () => Promise<{data}>; revoke: {label(row), question(row), path(row)}.
 * Returns {element, reload}.
 */
export function resourceList({ caption, load, columns, revoke, empty }) {
  const table = h('div');
  const errors = h('div', { 'aria-live': 'polite' });
  const revokeCell = (row) => {
    if (row.revoked_at) return '';
    return confirmButton({
      label: revoke.label(row),
      question: revoke.question(row),
      action: async () => {
        await api.del(revoke.path(row));
        await reload();
      },
      onError: (err) => replace(errors, errorBox(err)),
    });
  };
  const reload = () => fill(table, load, ({ data }) => dataTable({
    caption,
    empty,
    rows: data,
    rowKey: (row) => row.id,
    columns: [...columns, { label: 'Actions', cell: revokeCell }],
  }));
  reload();
  return { element: h('div', {}, errors, table), reload };
}

// A data table: a caption for screen readers, header cells with scope, and
// an "empty" row that says why there is nothing to show.
import { h } from '../dom.js';

/**
 * columns: [{ label, cell: (row) => string|Node, numeric? }]
 * Wrapped in a scrolling region so a wide table does not widen a phone's page.
 */
export function dataTable({ caption, columns, rows, empty = 'Nothing here yet.', rowKey }) {
  const head = h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.numeric ? 'num' : '' }, c.label)));
  const body = rows.length
    ? rows.map((row) =>
        h(
          'tr',
          { dataset: rowKey ? { key: rowKey(row) } : undefined },
          columns.map((c) => h('td', { class: c.numeric ? 'num' : '', dataset: { label: c.label } }, c.cell(row))),
        ),
      )
    : [h('tr', {}, h('td', { colspan: columns.length, class: 'empty' }, empty))];
  return h(
    'div',
    { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': caption },
    h('table', {}, h('caption', {}, caption), h('thead', {}, head), h('tbody', {}, body)),
  );
}

/** A small badge for states such as online / offline / revoked. */
export function badge(text, tone = text) {
  return h('span', { class: `badge badge-${tone}` }, text);
}

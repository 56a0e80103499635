// Page structure shared by every page: a heading row (title and, for live
// pages, the "updated" stamp) and titled sections.
import { h, uniqueId } from '../dom.js';

export function pageHeader(title, ...aside) {
  return h('div', { class: 'page-header' }, h('h1', { tabindex: -1 }, title), h('div', { class: 'page-aside' }, aside));
}

export function section(title, ...children) {
  const id = uniqueId('section');
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), children);
}

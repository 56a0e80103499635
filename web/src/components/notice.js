// Messages shown in a page: errors (announced to screen readers), empty
// states and "loading".
import { h } from '../dom.js';

export function errorBox(error) {
  const status = error?.status ? ` (${error.status})` : '';
  return h('p', { class: 'notice notice-error', role: 'alert' }, `${error?.message ?? error}${status}`);
}

export function infoBox(text) {
  return h('p', { class: 'notice' }, text);
}

export function loading() {
  return h('p', { class: 'loading', 'aria-live': 'polite' }, 'Loading…');
}

/** Runs `load` and fills `target` with what `render` makes of the result, or the error. */
export async function fill(target, load, render) {
  target.replaceChildren(loading());
  try {
    const value = await load();
    target.replaceChildren(render(value));
  } catch (err) {
    target.replaceChildren(errorBox(err));
  }
}

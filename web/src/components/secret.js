// A secret the coordinator shows once (API key, invite code, node token):
// shown in a read-only field with a copy button and a warning that it will
// not be shown again. It lives only in this element; nothing stores it.
import { h, uniqueId } from '../dom.js';

export function shownOnce(label, secret, note = 'Copy it now: it will not be shown again.') {
  const id = uniqueId('secret');
  const input = h('input', { id, class: 'secret-value', type: 'text', readOnly: true, value: secret, spellcheck: false });
  const status = h('span', { class: 'copy-status', role: 'status' });
  const copy = h(
    'button',
    {
      type: 'button',
      class: 'button',
      onclick: async () => {
        input.select();
        try {
          await navigator.clipboard.writeText(secret);
          status.textContent = 'Copied.';
        } catch {
          status.textContent = 'Select the text and copy it by hand.';
        }
      },
    },
    'Copy',
  );
  return h(
    'div',
    { class: 'secret', role: 'group', 'aria-labelledby': `${id}-label` },
    h('label', { id: `${id}-label`, for: id }, label),
    h('div', { class: 'secret-row' }, input, copy, status),
    h('p', { class: 'hint' }, note),
  );
}

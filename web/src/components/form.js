// Forms: labelled fields and a submit handler that disables the button
// while the call runs and shows the coordinator's error message.
import { h, uniqueId } from '../dom.js';
import { errorBox } from './notice.js';

/** A labelled input (or select/textarea with `options`/`multiline`). */
export function field({ label, name, type = 'text', value, hint, options, multiline, ...attrs }) {
  const id = uniqueId(name);
  const hintId = hint ? `${id}-hint` : undefined;
  let control;
  if (options) {
    control = h('select', { id, name, 'aria-describedby': hintId, ...attrs },
      options.map((o) => h('option', { value: o.value ?? o, selected: (o.value ?? o) === value }, o.label ?? o)));
  } else if (multiline) {
    control = h('textarea', { id, name, 'aria-describedby': hintId, ...attrs }, value ?? '');
  } else {
    control = h('input', { id, name, type, value: value ?? '', 'aria-describedby': hintId, ...attrs });
  }
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    control,
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null);
}

/**
 * A form whose submit calls `onSubmit(values)`; what it resolves to (a Node)
 * is shown under the form, a rejection as an error.
 */
export function actionForm({ label, fields, submit, onSubmit, inline = false }) {
  const result = h('div', { class: 'form-result', 'aria-live': 'polite' });
  const button = h('button', { type: 'submit', class: 'button button-primary' }, submit);
  const form = h('form', { class: inline ? 'form form-inline' : 'form', 'aria-label': label },
    fields, h('div', { class: 'form-actions' }, button), result);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const values = Object.fromEntries(new FormData(form).entries());
    button.disabled = true;
    result.replaceChildren();
    try {
      const shown = await onSubmit(values, form);
      if (shown) result.replaceChildren(shown);
    } catch (err) {
      result.replaceChildren(errorBox(err));
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

/** A button that asks for confirmation, then runs `action`; errors go to `onError`. */
export function confirmButton({ label, question, action, onError, danger = true }) {
  const button = h('button', { type: 'button', class: danger ? 'button button-danger' : 'button' }, label);
  button.addEventListener('click', async () => {
    if (!window.confirm(question)) return;
    button.disabled = true;
    try {
      await action();
    } catch (err) {
      onError(err);
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

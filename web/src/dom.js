// A tiny element builder: h('button', {onclick, class: 'x'}, 'text', child).
// Text is always set as text (never parsed as HTML), so data from the API
// cannot inject markup.

function setAttribute(el, name, value) {
  if (value === undefined || value === null || value === false) return;
  if (name.startsWith('on') && typeof value === 'function') {
    el.addEventListener(name.slice(2), value);
  } else if (name === 'class') {
    el.className = value;
  } else if (name === 'dataset') {
    Object.assign(el.dataset, value);
  } else if (name in el && typeof value !== 'string') {
    el[name] = value;
  } else {
    el.setAttribute(name, value === true ? '' : String(value));
  }
}

function append(el, child) {
  if (child === undefined || child === null || child === false) return;
  if (Array.isArray(child)) {
    for (const c of child) append(el, c);
  } else if (child instanceof Node) {
    el.appendChild(child);
  } else {
    el.appendChild(document.createTextNode(String(child)));
  }
}

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) setAttribute(el, name, value);
  append(el, children);
  return el;
}

/** Replaces a node's children. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let uniqueCounter = 0;
/** An id unique in the document, for label/aria pairs. */
export function uniqueId(prefix) {
  uniqueCounter += 1;
  return `${prefix}-${uniqueCounter}`;
}

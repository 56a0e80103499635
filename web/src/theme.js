// Light and dark: follows the system (prefers-color-scheme) until the user
// picks one with the toggle; the choice is kept in localStorage.
import { h } from './dom.js';

const KEY = 'potluck.theme';
const ORDER = ['system', 'light', 'dark'];

function stored() {
  const value = localStorage.getItem(KEY);
  return ORDER.includes(value) ? value : 'system';
}

function apply(choice) {
  if (choice === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = choice;
}

/** The colours in effect now, for charts drawn on a canvas. */
export function effectiveTheme() {
  const choice = stored();
  if (choice !== 'system') return choice;
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function initTheme() {
  apply(stored());
}

export function themeToggle(onChange = () => {}) {
  const button = h('button', { type: 'button', class: 'button theme-toggle' });
  const show = () => {
    const choice = stored();
    button.textContent = `Theme: ${choice}`;
    button.setAttribute('aria-label', `Colour theme: ${choice}. Change`);
  };
  button.addEventListener('click', () => {
    const next = ORDER[(ORDER.indexOf(stored()) + 1) % ORDER.length];
    localStorage.setItem(KEY, next);
    apply(next);
    show();
    onChange();
  });
  show();
  return button;
}

// The signed-in frame: a header with the user and sign-out, the navigation
// (a menu button on narrow screens) and the <main> each page renders into.
import { currentUser, signOut } from './api.js';
import { h } from './dom.js';
import { themeToggle } from './theme.js';

export function createShell({ pages, onSignOut, onThemeChange }) {
  const links = pages.map((p) => h('li', {}, h('a', { href: p.path, class: 'nav-link' }, p.title)));
  const nav = h('nav', { id: 'site-nav', class: 'site-nav', 'aria-label': 'Dashboard' }, h('ul', {}, links));
  const menu = h('button', {
    type: 'button', class: 'button menu-button', 'aria-expanded': 'false', 'aria-controls': 'site-nav',
  }, 'Menu');
  menu.addEventListener('click', () => {
    const open = menu.getAttribute('aria-expanded') !== 'true';
    menu.setAttribute('aria-expanded', String(open));
    nav.classList.toggle('open', open);
  });
  const who = h('span', { class: 'who' });
  const signOutButton = h('button', { type: 'button', class: 'button' }, 'Sign out');
  signOutButton.addEventListener('click', async () => {
    signOutButton.disabled = true;
    try {
      await signOut();
    } finally {
      signOutButton.disabled = false;
      onSignOut();
    }
  });
  const main = h('main', { id: 'main', tabindex: -1 });
  const root = h('div', { class: 'shell' },
    h('header', { class: 'site-header' },
      h('a', { href: '/', class: 'brand' }, 'Potluck'),
      menu,
      h('div', { class: 'header-tools' }, who, themeToggle(onThemeChange), signOutButton)),
    nav,
    main);

  return {
    root,
    main,
    /** Marks the current page's link and closes the phone menu. */
    show(path) {
      const user = currentUser();
      who.textContent = user ? `${user.email}${user.role === 'admin' ? ' (admin)' : ''}` : '';
      for (const link of nav.querySelectorAll('a')) {
        if (link.getAttribute('href') === path) link.setAttribute('aria-current', 'page');
        else link.removeAttribute('aria-current');
      }
      menu.setAttribute('aria-expanded', 'false');
      nav.classList.remove('open');
    },
  };
}

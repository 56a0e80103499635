// Entry point: resumes the session, builds the frame and routes between
// pages. Each page is a module exporting { path, title, render(main, ctx) };
// render may return a function that stops what the page started (polling,
// a stream) when the user leaves it.
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { resumeSession, currentUser, whenSignedOut } from './api.js';
import { h } from './dom.js';
import { createShell } from './layout.js';
import { createRouter } from './router.js';
import { initTheme } from './theme.js';
import audit from './pages/audit.js';
import clusters from './pages/clusters.js';
import keys from './pages/keys.js';
import models from './pages/models.js';
import nodes from './pages/nodes.js';
import notFound from './pages/not_found.js';
import overview from './pages/overview.js';
import playground from './pages/playground.js';
import signin from './pages/signin.js';
import usage from './pages/usage.js';
import wallet from './pages/wallet.js';
import yourData from './pages/your_data.js';

const pages = [overview, nodes, models, usage, keys, clusters, wallet, audit, playground, yourData];
const app = document.getElementById('app');
let shell = null;
let leavePage = null;
let rendered = false;

function signInPath(reason) {
  const { pathname, search } = window.location;
  const next = pathname === '/signin' ? '/' : pathname + search;
  const params = new URLSearchParams({ next });
  if (reason) params.set('reason', reason);
  return `/signin?${params}`;
}

function render({ route, params }) {
  leavePage?.();
  leavePage = null;
  if (route !== signin && !currentUser()) {
    router.navigate(signInPath(), { replace: true });
    return;
  }
  document.title = `${route.title} · Potluck`;
  let target;
  if (route === signin) {
    shell = null;
    target = h('main', { id: 'main', class: 'signin-main', tabindex: -1 });
    app.replaceChildren(target);
  } else {
    shell ??= createShell({ pages, onSignOut: () => router.navigate('/signin'), onThemeChange: rerender });
    if (!app.contains(shell.root)) app.replaceChildren(shell.root);
    shell.show(route.path);
    target = shell.main;
    target.replaceChildren();
  }
  leavePage = route.render(target, { navigate: router.navigate, params }) ?? null;
  // After a navigation (not the first load) focus moves to the new page's
  // heading, so keyboard and screen-reader users start at its top. The
  // sign-in page focuses its key field itself.
  if (rendered && route !== signin) (target.querySelector('h1') ?? target).focus();
  rendered = true;
}

function rerender() {
  router.navigate(window.location.pathname + window.location.search, { replace: true });
}

const router = createRouter({ routes: [...pages, signin], fallback: notFound, render });

// Several calls in flight may all see the 401: the first one redirects.
whenSignedOut(() => {
  if (window.location.pathname === '/signin') return;
  shell = null;
  router.navigate(signInPath('expired'), { replace: true });
});

initTheme();
resumeSession()
  .then(() => router.start())
  .catch((err) => app.replaceChildren(h('p', { class: 'notice notice-error', role: 'alert' }, `The coordinator did not answer: ${err.message}`)));

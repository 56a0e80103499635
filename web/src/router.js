// Client-side routing on the history API. The coordinator answers every
// dashboard path with index.html, so a reload or a shared link lands on the
// same page.

export function createRouter({ routes, fallback, render }) {
  const byPath = new Map(routes.map((r) => [r.path, r]));

  function current() {
    const route = byPath.get(window.location.pathname) ?? fallback;
    return { route, params: new URLSearchParams(window.location.search) };
  }

  function navigate(href, { replace = false } = {}) {
    const url = new URL(href, window.location.origin);
    const method = replace ? 'replaceState' : 'pushState';
    window.history[method](null, '', url.pathname + url.search);
    render(current());
  }

  // Same-origin links navigate without a reload; downloads, new tabs and
  // modified clicks behave as the browser would.
  document.addEventListener('click', (event) => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = event.target.closest('a[href]');
    if (!link || link.target || link.hasAttribute('download')) return;
    const url = new URL(link.href);
    if (url.origin !== window.location.origin) return;
    if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/v1/')) return;
    if (url.hash && url.pathname === window.location.pathname) return;
    event.preventDefault();
    navigate(url.href);
  });
  window.addEventListener('popstate', () => render(current()));

  return { navigate, start: () => render(current()) };
}

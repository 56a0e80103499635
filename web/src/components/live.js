// Short polling for live pages: runs `refresh` now and every `everyMs`,
// shows when the data was last updated, pauses while the tab is hidden,
// and stops when the page is left.
import { h } from '../dom.js';
import { clockTime } from '../format.js';

export function livePoll(refresh, everyMs = 5000) {
  const stamp = h('span', { class: 'updated', role: 'status', 'aria-live': 'off' }, 'Updating…');
  let timer = null;
  let stopped = false;
  let running = false;

  async function tick() {
    timer = null;
    running = true;
    try {
      await refresh();
      stamp.textContent = `Updated ${clockTime(new Date())}`;
      stamp.classList.remove('stale');
    } catch (err) {
      stamp.textContent = `Update failed: ${err.message}`;
      stamp.classList.add('stale');
    }
    running = false;
    schedule();
  }

  function schedule() {
    if (!stopped && !running && !document.hidden && timer === null) timer = setTimeout(tick, everyMs);
  }

  function visibility() {
    if (document.hidden) {
      clearTimeout(timer);
      timer = null;
    } else if (timer === null && !running) {
      tick();
    }
  }

  document.addEventListener('visibilitychange', visibility);
  tick();
  return {
    stamp,
    stop() {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', visibility);
    },
  };
}

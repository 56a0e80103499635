// Playground: a streamed chat with any online model and a code runner for
// the exec API. What is typed and answered lives only in this page's memory:
// it goes out in the API request and nowhere else (no storage, no logs), and
// is gone when the page is left.
import { h } from '../dom.js';
import { pageHeader } from '../components/page.js';
import { chatPanel } from './playground_chat.js';
import { execPanel } from './playground_exec.js';

export default {
  path: '/playground',
  title: 'Playground',
  render(main) {
    const chat = chatPanel();
    const exec = execPanel();
    main.append(
      pageHeader('Playground'),
      h('p', { class: 'hint' }, 'What you type here stays in this page: it is sent only with the request and is not stored anywhere.'),
      h('p', { class: 'hint provider-notice' },
        'The provider whose node serves a request reads its prompt, or runs its program, in clear while it works on it. ' +
        'A private cluster keeps its jobs on the cluster\'s own machines.'),
      h('div', { class: 'playground' }, chat.element, exec.element),
    );
    return () => {
      chat.stop();
      exec.stop();
    };
  },
};

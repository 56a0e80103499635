// Any other path: say so and link home.
import { h } from '../dom.js';
import { pageHeader } from '../components/page.js';

export default {
  path: null,
  title: 'Not found',
  render(main) {
    main.append(pageHeader('Not found'), h('p', {}, 'There is no such page. ', h('a', { href: '/' }, 'Go to the overview.')));
  },
};

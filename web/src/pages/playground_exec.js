// The playground's code runner: a program, its stdin, and its output as it
// streams back from /v1/exec, with the result (exit code, time, memory).
import { api } from '../api.js';
import { field } from '../components/form.js';
import { errorBox } from '../components/notice.js';
import { section } from '../components/page.js';
import { h, replace } from '../dom.js';
import { integer } from '../format.js';

const LANGUAGES = ['python3', 'node', 'bash', 'c', 'c++'];
const SAMPLE = 'name = input() or "world"\nprint(f"hello, {name}")\n';

function resultLine(r) {
  const parts = [
    r.compile_error ? 'compile error' : `exit code ${r.exit_code}`,
    r.signal ? `signal ${r.signal}` : null,
    `${integer(r.duration_ms)} ms wall`,
    `${integer(r.cpu_ms)} ms CPU`,
    `${integer(r.max_rss_kb)} KiB memory`,
    r.timed_out ? 'timed out' : null,
    r.truncated ? 'output cut' : null,
  ];
  return parts.filter(Boolean).join(' · ');
}

export function execPanel() {
  let controller = null;
  const language = field({ label: 'Language', name: 'language', options: LANGUAGES, value: 'python3' });
  const source = field({ label: 'Program', name: 'source', multiline: true, rows: 8, value: SAMPLE, class: 'mono', spellcheck: false });
  const stdin = field({ label: 'Standard input', name: 'stdin', multiline: true, rows: 2, class: 'mono', spellcheck: false });
  const output = h('pre', { class: 'exec-output', 'aria-live': 'polite', 'aria-label': 'Program output', tabindex: 0 });
  const result = h('p', { class: 'exec-result', role: 'status' });
  const errors = h('div');
  const run = h('button', { type: 'submit', class: 'button button-primary' }, 'Run');
  const stopButton = h('button', { type: 'button', class: 'button', disabled: true }, 'Stop');
  const form = h('form', { class: 'form', 'aria-label': 'Code runner' },
    language, source, stdin, h('div', { class: 'form-actions' }, run, stopButton));

  function print(event) {
    output.append(h('span', { class: `out-${event.stream}` }, event.data));
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (controller) return;
    const values = Object.fromEntries(new FormData(form).entries());
    replace(errors);
    output.replaceChildren();
    result.textContent = 'Running…';
    controller = new AbortController();
    run.disabled = true;
    stopButton.disabled = false;
    try {
      for await (const e of api.stream('/v1/exec', values, { signal: controller.signal })) {
        if (e.type === 'output') print(e);
        else if (e.type === 'result') result.textContent = resultLine(e);
        else if (e.error) throw new Error(e.error.message);
      }
    } catch (err) {
      result.textContent = err.name === 'AbortError' ? 'Stopped.' : '';
      if (err.name !== 'AbortError') replace(errors, errorBox(err));
    } finally {
      controller = null;
      run.disabled = false;
      stopButton.disabled = true;
    }
  });
  stopButton.addEventListener('click', () => controller?.abort());

  return {
    element: section('Code runner', form, h('h3', {}, 'Output'), output, result, errors),
    stop: () => controller?.abort(),
  };
}

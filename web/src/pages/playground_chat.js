// The playground's chat: pick a model, send a message, watch the answer
// stream in (SSE), stop it, clear the conversation.
import { api } from '../api.js';
import { field } from '../components/form.js';
import { errorBox } from '../components/notice.js';
import { section } from '../components/page.js';
import { h, replace } from '../dom.js';

function parseExtra(text) {
  if (!text.trim()) return {};
  let extra;
  try {
    extra = JSON.parse(text);
  } catch (err) {
    throw new Error(`Extra request fields are not valid JSON: ${err.message}`);
  }
  if (typeof extra !== 'object' || Array.isArray(extra) || extra === null) throw new Error('Extra request fields must be a JSON object.');
  return extra;
}

function bubble(role, text = '') {
  const body = h('div', { class: 'message-text' }, text);
  return { element: h('li', { class: `message message-${role}` }, h('span', { class: 'message-role' }, role), body), body };
}

export function chatPanel() {
  const messages = []; // the conversation, in memory only
  let controller = null;

  const modelField = field({ label: 'Model', name: 'model', options: [], required: true });
  const modelSelect = modelField.querySelector('select');
  const input = field({ label: 'Message', name: 'message', multiline: true, rows: 3, required: true, hint: 'Ctrl+Enter sends.' });
  const textarea = input.querySelector('textarea');
  const extra = field({ label: 'Extra request fields (JSON)', name: 'extra', multiline: true, rows: 2, placeholder: '{"temperature": 0.2}', class: 'mono' });
  const log = h('ol', { class: 'conversation', 'aria-live': 'polite', 'aria-label': 'Conversation' });
  const status = h('p', { class: 'chat-status', role: 'status' });
  const send = h('button', { type: 'submit', class: 'button button-primary' }, 'Send');
  const stopButton = h('button', { type: 'button', class: 'button', disabled: true }, 'Stop');
  const clear = h('button', { type: 'button', class: 'button' }, 'Clear');
  const errors = h('div');
  const refresh = h('button', { type: 'button', class: 'button' }, 'Refresh models');
  const form = h('form', { class: 'form', 'aria-label': 'Chat' },
    h('div', { class: 'form-inline' }, modelField, refresh), input, h('details', {}, h('summary', {}, 'Request options'), extra),
    h('div', { class: 'form-actions' }, send, stopButton, clear), status, errors);

  async function loadModels() {
    try {
      const { data } = await api.get('/v1/models');
      const chosen = modelSelect.value;
      replace(modelSelect, data.map((m) => h('option', { value: m.id, selected: m.id === chosen }, m.id)));
      if (!data.length) status.textContent = 'No model is online right now.';
    } catch (err) {
      replace(errors, errorBox(err));
    }
  }

  async function stream(reply, body) {
    let text = '';
    for await (const event of api.stream('/v1/chat/completions', body, { signal: controller.signal })) {
      if (event.error) throw new Error(event.error.message ?? 'the stream ended with an error');
      const delta = event.choices?.[0]?.delta?.content ?? '';
      if (delta) {
        text += delta;
        reply.body.textContent = text;
      }
    }
    return text;
  }

  async function submit(event) {
    event.preventDefault();
    if (controller || !textarea.value.trim()) return;
    replace(errors);
    let body;
    try {
      body = { ...parseExtra(extra.querySelector('textarea').value), model: modelSelect.value };
    } catch (err) {
      replace(errors, errorBox(err));
      return;
    }
    const question = { role: 'user', content: textarea.value };
    log.append(bubble('user', question.content).element);
    textarea.value = '';
    const reply = bubble('assistant');
    reply.element.classList.add('streaming');
    log.append(reply.element);
    controller = new AbortController();
    send.disabled = true;
    stopButton.disabled = false;
    status.textContent = `Streaming from ${body.model}…`;
    try {
      const text = await stream(reply, { ...body, messages: [...messages, question] });
      messages.push(question, { role: 'assistant', content: text });
      status.textContent = 'Done.';
    } catch (err) {
      status.textContent = err.name === 'AbortError' ? 'Stopped.' : '';
      if (err.name !== 'AbortError') replace(errors, errorBox(err));
    } finally {
      reply.element.classList.remove('streaming');
      controller = null;
      send.disabled = false;
      stopButton.disabled = true;
    }
  }

  form.addEventListener('submit', submit);
  textarea.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) form.requestSubmit();
  });
  stopButton.addEventListener('click', () => controller?.abort());
  clear.addEventListener('click', () => {
    controller?.abort();
    messages.length = 0;
    log.replaceChildren();
    status.textContent = '';
  });
  refresh.addEventListener('click', loadModels);
  loadModels();

  return {
    element: section('Chat', log, form),
    stop: () => controller?.abort(),
  };
}

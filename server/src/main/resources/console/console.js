// The Relaygate console. Every string from the gateway (texts, names, errors) goes into the page as text, never as
// HTML; the page's Content-Security-Policy forbids inline script besides.
const TOKEN = 'relaygate.api-token';
const MAX_ROWS = 500;
const SVG = 'http://www.w3.org/2000/svg';

const $ = (id) => document.getElementById(id);
const events = new Map();
let stream = null;
let deadAfter = [];
let healthTimer = null;

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'class') node.className = value;
    else if (key === 'data') Object.assign(node.dataset, value);
    else node[key] = value;
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child ?? ''));
  return node;
}

function token() {
  return sessionStorage.getItem(TOKEN);
}

function showError(message) {
  $('error').textContent = message || '';
}

async function api(path, options = {}) {
  const headers = { ...(options.headers || {}), Authorization: 'Bearer ' + token() };
  const response = await fetch(path, { ...options, headers });
  const body = await response.json().catch(() => ({}));
  if (response.status === 401) {
    signOut('The gateway refused the token. The console signs in with relaygate.api-token; a gateway without one '
        + 'refuses every call: set it (at least 16 characters) and restart.');
    throw new Error('unauthorized');
  }
  if (!response.ok) {
    throw new Error(body.error || ('HTTP ' + response.status));
  }
  return body;
}

// ---- sign-in ----

async function signIn(candidate) {
  sessionStorage.setItem(TOKEN, candidate);
  try {
    await api('/api/v1/channels');
  } catch (e) {
    if (e.message !== 'unauthorized') $('sign-in-error').textContent = 'Cannot reach the gateway: ' + e.message;
    return;
  }
  $('sign-in').hidden = true;
  $('tabs').hidden = false;
  $('sign-in-error').textContent = '';
  show('channels');
  startStream();
}

function signOut(message) {
  sessionStorage.removeItem(TOKEN);
  if (stream) stream.abort();
  stream = null;
  clearInterval(healthTimer);
  for (const view of document.querySelectorAll('.view')) view.hidden = true;
  $('tabs').hidden = true;
  $('sign-in').hidden = false;
  $('sign-in-error').textContent = message || '';
}

function show(view) {
  for (const button of document.querySelectorAll('#tabs button[data-view]')) {
    button.classList.toggle('active', button.dataset.view === view);
  }
  for (const section of document.querySelectorAll('.view')) section.hidden = section.id !== 'view-' + view;
  showError('');
  clearInterval(healthTimer);
  if (view === 'channels') loadChannels().catch((e) => showError(e.message));
  if (view === 'events') renderEvents();
  if (view === 'dead') loadDead(deadAfter.at(-1)).catch((e) => showError(e.message));
  if (view === 'health') {
    loadHealth().catch((e) => showError(e.message));
    healthTimer = setInterval(() => loadHealth().catch((e) => showError(e.message)), 10000);
  }
}

// ---- channels ----

async function loadChannels() {
  const { channels } = await api('/api/v1/channels');
  const rows = channels.map((channel) => {
    const counts = Object.entries(channel.webhooks || {});
    const accepted = (channel.webhooks || {}).accepted || 0;
    const rejected = counts.filter(([outcome]) => outcome !== 'accepted' && outcome !== 'duplicate');
    const actions = el('td');
    if (channel.type === 'slack-relay') {
      actions.append(el('button', { type: 'button', onclick: () => connect(channel.name) }, 'Connect Slack'), ' ',
          el('button', { type: 'button', onclick: () => disconnect(channel.name) }, 'Disconnect'));
    }
    return el('tr', { data: { channel: channel.name } },
        el('td', {}, channel.name), el('td', {}, channel.type), el('td', { class: 'mono' }, channel.path),
        el('td', {}, el('span', { class: 'state ' + (channel.ready ? 'ready' : 'down') }, channel.ready ? 'ready' : 'not ready'),
            channel.ready ? '' : el('div', {}, channel.reason),
            channel.detail ? el('div', { class: 'note' }, channel.detail) : ''),
        el('td', {}, 'accepted ' + accepted,
            ...rejected.map(([outcome, count]) => el('div', { class: 'note' }, outcome + ': ' + count))),
        actions);
  });
  $('channels').replaceChildren(...rows);
  const select = $('filter-channel');
  const chosen = select.value;
  select.replaceChildren(el('option', { value: '' }, 'all'),
      ...channels.map((channel) => el('option', { value: channel.name }, channel.name)));
  select.value = chosen;
}

async function connect(name) {
  try {
    const { url } = await api('/api/v1/channels/' + encodeURIComponent(name) + '/connect',
        { headers: { Accept: 'application/json' } });
    window.open(url, '_blank', 'noopener');
  } catch (e) {
    showError('Connect failed: ' + e.message);
  }
}

async function disconnect(name) {
  if (!confirm('Disconnect Slack from channel ' + name + '? Events stop until it is connected again.')) return;
  try {
    await api('/api/v1/channels/' + encodeURIComponent(name) + '/connection', { method: 'DELETE' });
    await loadChannels();
  } catch (e) {
    showError('Disconnect failed: ' + e.message);
  }
}

// ---- live events ----

// The stream starts with the recent events and may then repeat a change they already hold: the newest seq wins.
function remember(item) {
  const known = events.get(item.key);
  if (known && known.seq >= item.seq) return;
  events.delete(item.key);
  events.set(item.key, item);
  while (events.size > MAX_ROWS) events.delete(events.keys().next().value);
}

function renderEvents() {
  const channel = $('filter-channel').value;
  const state = $('filter-state').value;
  const rows = [...events.values()].reverse()
      .filter((item) => (!channel || item.channel === channel) && (!state || item.state === state))
      .map((item) => el('tr', { data: { key: item.key, state: item.state } },
          el('td', { class: 'mono' }, item.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z')),
          el('td', {}, item.channel), el('td', {}, item.type), el('td', { class: 'mono' }, item.conversation),
          el('td', { class: 'mono' }, item.thread || ''), el('td', {}, item.sender),
          el('td', { class: 'text' }, item.text, item.error ? el('div', { class: 'error' }, item.error) : ''),
          el('td', {}, el('span', { class: 'state ' + item.state }, item.state)),
          el('td', {}, item.attempt || ''), el('td', { class: 'mono' }, item.delivery_id || '')));
  $('events').replaceChildren(...rows);
}

// EventSource cannot send the bearer token: the stream is read with fetch, one "data:" line per change.
async function startStream() {
  if (stream) stream.abort();
  const controller = new AbortController();
  stream = controller;
  while (stream === controller && token()) {
    try {
      const response = await fetch('/api/v1/events/stream',
          { headers: { Authorization: 'Bearer ' + token() }, signal: controller.signal });
      if (!response.ok) throw new Error('HTTP ' + response.status);
      $('live').textContent = 'live';
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trimStart());
          if (data.length) {
            remember(JSON.parse(data.join('\n')));
            renderEvents();
          }
        }
      }
    } catch (e) {
      if (controller.signal.aborted) return;
    }
    $('live').textContent = 'reconnecting';
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

// ---- dead letters ----

async function loadDead(after) {
  const query = after ? '?limit=20&after=' + encodeURIComponent(after) : '?limit=20';
  const page = await api('/api/v1/dead-letters' + query);
  $('dead-total').textContent = page.total + ' in all';
  $('dead-next').disabled = !page.next;
  $('dead-next').dataset.next = page.next || '';
  $('dead-first').disabled = !after;
  const rows = page.dead_letters.map((letter) => el('tr', { data: { id: letter.id } },
      el('td', { class: 'mono' }, letter.id), el('td', {}, letter.event.channel), el('td', {}, letter.event.type),
      el('td', { class: 'mono' }, letter.event.conversation), el('td', { class: 'text' }, letter.event.text),
      el('td', {}, letter.attempts), el('td', { class: 'text error' }, letter.error),
      el('td', { class: 'mono' }, letter.dead_at),
      el('td', {},
          el('button', { type: 'button', onclick: () => showDeadJson(letter.id) }, 'JSON'), ' ',
          el('button', { type: 'button', class: 'replay', onclick: () => replay(letter.id) }, 'Replay'), ' ',
          el('button', { type: 'button', class: 'delete', onclick: () => remove(letter.id) }, 'Delete'))));
  $('dead').replaceChildren(...rows);
}

async function showDeadJson(id) {
  try {
    const letter = await api('/api/v1/dead-letters/' + encodeURIComponent(id));
    $('dead-json').textContent = JSON.stringify(letter, null, 2);
    $('dead-json').hidden = false;
  } catch (e) {
    showError(e.message);
  }
}

async function replay(id) {
  if (!confirm('Replay dead letter ' + id + '? The handler gets it again.')) return;
  await act(() => api('/api/v1/dead-letters/' + encodeURIComponent(id) + '/replay', { method: 'POST' }));
}

async function remove(id) {
  if (!confirm('Delete dead letter ' + id + '? It cannot be replayed afterwards.')) return;
  await act(() => api('/api/v1/dead-letters/' + encodeURIComponent(id), { method: 'DELETE' }));
}

async function act(call) {
  try {
    await call();
    $('dead-json').hidden = true;
    await loadDead(deadAfter.at(-1));
  } catch (e) {
    showError(e.message);
  }
}

// ---- health ----

async function loadHealth() {
  const stats = await api('/api/v1/stats');
  $('health-now').textContent = 'Backlog ' + stats.backlog + ' events; oldest waiting ' + stats.oldest_age + ' s.';
  chart('chart-rate', stats.minutes.map((m) => m.accepted / 60));
  chart('chart-failures', stats.minutes.map((m) => m.failures));
  chart('chart-backlog', stats.minutes.map((m) => m.backlog));
  chart('chart-age', stats.minutes.map((m) => m.oldest_age));
}

function chart(id, values) {
  const svg = $(id);
  const max = Math.max(...values) || 1;
  const points = values.map((v, i) => (i * 300 / Math.max(1, values.length - 1)).toFixed(1) + ','
      + (75 - v / max * 65).toFixed(1)).join(' ');
  const line = document.createElementNS(SVG, 'polyline');
  line.setAttribute('points', points);
  line.setAttribute('vector-effect', 'non-scaling-stroke');
  svg.replaceChildren(line);
  // The scale goes beside the title: text inside a stretched SVG would be stretched too.
  const caption = svg.previousElementSibling;
  caption.dataset.title ??= caption.textContent;
  caption.replaceChildren(caption.dataset.title,
      el('span', { class: 'note' }, ' (up to ' + (Number.isInteger(max) ? max : max.toFixed(3)) + ')'));
}

// ---- wiring ----

document.addEventListener('DOMContentLoaded', () => {
  $('sign-in-form').addEventListener('submit', (e) => {
    e.preventDefault();
    signIn($('token').value.trim());
  });
  $('sign-out').addEventListener('click', () => signOut(''));
  for (const button of document.querySelectorAll('#tabs button[data-view]')) {
    button.addEventListener('click', () => show(button.dataset.view));
  }
  $('filter-channel').addEventListener('change', renderEvents);
  $('filter-state').addEventListener('change', renderEvents);
  $('dead-next').addEventListener('click', () => {
    deadAfter.push($('dead-next').dataset.next);
    loadDead(deadAfter.at(-1)).catch((e) => showError(e.message));
  });
  $('dead-first').addEventListener('click', () => {
    deadAfter = [];
    loadDead(undefined).catch((e) => showError(e.message));
  });
  $('replay-all').addEventListener('click', async () => {
    if (!confirm('Replay every dead letter?')) return;
    await act(() => api('/api/v1/dead-letters/replay', { method: 'POST' }));
  });
  if (token()) signIn(token());
});

// The dashboard: tables and resource pages kept current by the operator's server-sent events (/api/stream). Tables
// are loaded once per stream connection, after the server says its change stream is open, and then changed row by
// row from pushed messages; nothing polls.
import { el, age, resourceHref, portLink, endpointLink, phaseCell, readyText, searchText } from './format.js';

const KINDS = ['services', 'integrations', 'tenants', 'catalog'];
const PAGE_SIZE = 100;
const FEED_LIMIT = 200;
const TOKEN_KEY = 'zpm-dashboard-token';

const state = {
  rows: Object.fromEntries(KINDS.map((kind) => [kind, new Map()])),
  loaded: false,
  events: [],
  config: { actionsEnabled: false, actions: [] },
  filter: '',
  page: 0,
  route: { kind: 'services' },
  detail: null,
  lastAction: null,
};

// ---- live stream ----------------------------------------------------------------------------------------------

function connect() {
  const connection = document.getElementById('connection');
  const source = new EventSource('/api/stream');
  source.addEventListener('hello', async () => {
    connection.textContent = 'live';
    connection.classList.add('live');
    await loadEverything();
  });
  source.addEventListener('resource', (message) => applyResource(JSON.parse(message.data)));
  source.addEventListener('event', (message) => applyEvent(JSON.parse(message.data)));
  source.addEventListener('reset', () => loadEverything());
  source.addEventListener('error', () => {
    connection.textContent = 'reconnecting…';
    connection.classList.remove('live');
  });
}

async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

async function loadEverything() {
  const [lists, events] = await Promise.all([
    Promise.all(KINDS.map((kind) => getJson(`/api/resources/${kind}`))),
    getJson('/api/events'),
  ]);
  KINDS.forEach((kind, index) => {
    state.rows[kind] = new Map(lists[index].map((row) => [row.id, row]));
  });
  state.events = events;
  state.loaded = true;
  renderFeed();
  scheduleRender();
  if (state.route.name) refreshDetail();
}

function applyResource(message) {
  const rows = state.rows[message.kind];
  if (!rows) return;
  if (message.removed) rows.delete(message.id);
  else rows.set(message.row.id, message.row);
  scheduleRender();
  const route = state.route;
  if (route.name && route.kind === message.kind && (message.removed || (message.row.name === route.name && (message.row.tenant || '-') === route.tenant))) {
    refreshDetailSoon();
  }
}

function applyEvent(event) {
  state.events.unshift(event);
  state.events.length = Math.min(state.events.length, FEED_LIMIT);
  renderFeed();
  const route = state.route;
  if (route.name && event.name === route.name) refreshDetailSoon();
}

// ---- rendering ------------------------------------------------------------------------------------------------

let renderPending = false;
function scheduleRender() {
  if (renderPending) return;
  renderPending = true;
  requestAnimationFrame(() => {
    renderPending = false;
    renderCounts();
    if (!state.route.name) renderTableBody();
  });
}

function renderCounts() {
  for (const kind of KINDS) {
    document.querySelector(`[data-count="${kind}"]`).textContent = state.loaded ? `(${state.rows[kind].size})` : '';
  }
}

function renderFeed() {
  const feed = document.getElementById('feed');
  feed.replaceChildren(...state.events.slice(0, FEED_LIMIT).map((event) => el('li', { className: event.type },
    el('time', { datetime: event.time, title: event.time }, age(event.time)), ' ',
    el('span', { className: 'reason' }, event.reason), ' ',
    eventSubject(event),
    el('div', { className: 'muted' }, event.message))));
}

const EVENT_KINDS = { ServiceSpec: 'services', IntegrationSpec: 'integrations', Tenant: 'tenants', IntegrationDefinition: 'catalog' };

/** What an event is about: a link to its resource's page, or plain text for the operator's own events (leases). */
function eventSubject(event) {
  const kind = EVENT_KINDS[event.kind];
  const tenanted = kind === 'services' || kind === 'integrations';
  const text = tenanted ? `${event.tenant}/${event.name}` : event.name;
  return kind ? el('a', { href: resourceHref(kind, tenanted ? event.tenant : '-', event.name) }, text) : el('span', {}, `${event.kind} ${text}`);
}

const COLUMNS = {
  services: ['Tenant', 'Name', 'Phase', 'Ready', 'Host ports', 'Image', 'Age', 'Updated', 'Message'],
  integrations: ['Tenant', 'Name', 'Phase', 'Replicas', 'Host ports', 'Integration id', 'Age', 'Updated', 'Message'],
  tenants: ['Name', 'Phase', 'Integrations', 'Display name', 'Age', 'Updated', 'Message'],
  catalog: ['Name', 'Integration', 'Age'],
};

function renderList(kind) {
  const main = document.getElementById('main');
  const search = el('input', {
    type: 'search', id: 'filter', placeholder: 'Filter by name, tenant, phase, image, port…', value: state.filter,
    'aria-label': `Filter ${kind}`,
    oninput: (event) => { state.filter = event.target.value; state.page = 0; renderTableBody(); },
  });
  const table = el('table', { 'aria-label': kind },
    el('thead', {}, el('tr', {}, COLUMNS[kind].map((column) => el('th', { scope: 'col' }, column)))),
    el('tbody', { id: 'rows' }));
  main.replaceChildren(
    el('h2', { className: 'visually-hidden' }, kind),
    el('div', { className: 'toolbar' }, search, el('span', { id: 'shown', className: 'muted', 'aria-live': 'polite' })),
    table,
    el('div', { className: 'pager' },
      el('button', { id: 'previous', type: 'button', onclick: () => { state.page -= 1; renderTableBody(); } }, 'Previous'),
      el('span', { id: 'page' }),
      el('button', { id: 'next', type: 'button', onclick: () => { state.page += 1; renderTableBody(); } }, 'Next')));
  renderTableBody();
}

function renderTableBody() {
  const kind = state.route.kind;
  const body = document.getElementById('rows');
  if (!body) return;
  const words = state.filter.toLowerCase().split(/\s+/).filter(Boolean);
  const matching = [...state.rows[kind].values()]
    .filter((row) => words.every((word) => searchText(row).includes(word)))
    .sort((a, b) => a.tenant.localeCompare(b.tenant) || a.name.localeCompare(b.name));
  const pages = Math.max(1, Math.ceil(matching.length / PAGE_SIZE));
  state.page = Math.min(Math.max(0, state.page), pages - 1);
  const shown = matching.slice(state.page * PAGE_SIZE, (state.page + 1) * PAGE_SIZE);
  body.replaceChildren(...shown.map((row) => rowElement(kind, row)));
  if (!state.loaded) body.replaceChildren(el('tr', {}, el('td', { colspan: COLUMNS[kind].length }, 'loading…')));
  document.getElementById('shown').textContent = `${matching.length} of ${state.rows[kind].size}`;
  document.getElementById('page').textContent = `page ${state.page + 1} of ${pages}`;
  document.getElementById('previous').disabled = state.page === 0;
  document.getElementById('next').disabled = state.page >= pages - 1;
}

function rowElement(kind, row) {
  const name = el('a', { href: resourceHref(kind, row.tenant, row.name) }, row.name);
  const ports = el('span', {}, (row.hostPorts || []).flatMap((port, index) => index ? [' ', portLink(port)] : [portLink(port)]),
    row.autoHostPorts ? el('span', { className: 'muted', title: 'chosen by the engine: the service page shows them' }, `${row.hostPorts.length ? ' ' : ''}auto`) : null);
  const message = row.deleting ? `deletion requested${row.message ? ': ' + row.message : ''}` : row.message || '';
  const cells = {
    services: [row.tenant, name, phaseCell(row.phase), readyText(row), ports, row.detail, age(row.created), age(row.updated), message],
    integrations: [row.tenant, name, phaseCell(row.phase), readyText(row), ports, row.detail, age(row.created), age(row.updated), message],
    tenants: [name, phaseCell(row.suspended ? `${row.phase} (suspended)` : row.phase), readyText(row), row.detail, age(row.created), age(row.updated), message],
    catalog: [name, row.detail, age(row.created)],
  }[kind];
  const numeric = new Set(['Ready', 'Replicas', 'Integrations', 'Age', 'Updated']);
  return el('tr', { 'data-id': row.id, 'data-name': row.name, 'data-phase': row.phase, className: row.deleting ? 'deleting' : '' },
    cells.map((cell, index) => el('td', { className: numeric.has(COLUMNS[kind][index]) ? 'num' : '' }, cell)));
}

// ---- resource page --------------------------------------------------------------------------------------------

let detailTimer = null;
function refreshDetailSoon() {
  clearTimeout(detailTimer);
  detailTimer = setTimeout(refreshDetail, 250);
}

async function refreshDetail() {
  const { kind, tenant, name } = state.route;
  if (!name) return;
  const response = await fetch(`/api/resources/${kind}/${encodeURIComponent(tenant)}/${encodeURIComponent(name)}`);
  if (state.route.name !== name || state.route.kind !== kind) return;
  if (response.status === 404) {
    state.detail = null;
    document.getElementById('main').replaceChildren(el('div', { className: 'card' },
      el('h2', {}, `${kind} ${tenant === '-' ? '' : tenant + '/'}${name}`), el('p', {}, 'Not found: it was never there or has been deleted.'),
      el('p', {}, el('a', { href: `#/${kind}` }, `Back to ${kind}`))));
    return;
  }
  state.detail = await response.json();
  renderDetail(kind, state.detail);
}

function renderDetail(kind, detail) {
  const row = detail.row;
  const focused = document.activeElement && document.activeElement.id;
  // A live update redraws the page: what the user has typed into the actions card (token, replicas) must survive it.
  const typed = [...document.querySelectorAll('#actions input')].filter((input) => input.id).map((input) => [input.id, input.value]);
  const summary = el('dl', { className: 'summary' },
    entry('Name', row.name),
    kind === 'services' || kind === 'integrations' ? entry('Tenant', row.tenant) : null,
    kind === 'catalog' ? null : entry('Phase', phaseCell(row.phase)),
    row.desired !== null && row.desired !== undefined ? entry(kind === 'tenants' ? 'Integrations' : 'Ready', readyText(row)) : null,
    row.hostPorts && row.hostPorts.length ? entry('Host ports', el('span', {}, row.hostPorts.flatMap((port, index) => index ? [' ', portLink(port)] : [portLink(port)]))) : null,
    row.suspended ? entry('Suspended', 'yes') : null,
    row.deleting ? entry('Deletion', 'requested') : null,
    entry('Message', row.message || '-'),
    entry('Updated', row.updated ? `${age(row.updated)} ago (${row.updated})` : '-'));
  const document_ = detail.document || {};
  const sections = [
    el('div', { className: 'card' }, el('h2', { id: 'resource-title' }, `${kind} ${row.tenant ? row.tenant + '/' : ''}${row.name}`), summary),
    actionsCard(kind, row),
    el('div', { className: 'card' }, el('h3', {}, 'Spec'), el('pre', { className: 'spec', id: 'spec' }, JSON.stringify(document_.spec ?? null, null, 2))),
    el('div', { className: 'card' }, el('h3', {}, 'Conditions'), table(['Type', 'Status', 'Reason', 'Message', 'Last transition'],
      detail.conditions.map((c) => [c.type, c.status ? 'True' : 'False', c.reason, c.message, c.lastTransitionTime ? `${age(c.lastTransitionTime)} ago` : '-']))),
    kind === 'services' ? el('div', { className: 'card' }, el('h3', {}, detail.replicas.some((r) => r.node) ? 'Tasks' : 'Containers'),
      table(['Name', 'Id', 'State', 'Health', 'Node', 'Endpoints', 'Error'], detail.replicas.map((r) => [
        r.name, el('span', { className: 'mono', title: r.id }, r.id.slice(0, 12)), r.state, r.health, r.node || '-',
        detail.endpointsUnknown ? `unknown: ${detail.endpointsUnknown}` : el('span', {}, r.endpoints.flatMap((e, i) => i ? [', ', endpointLink(e)] : [endpointLink(e)])),
        r.error || '']))) : null,
    el('div', { className: 'card' }, el('h3', {}, 'Status'), el('pre', { className: 'spec', id: 'status' }, JSON.stringify(document_.status ?? null, null, 2))),
    el('div', { className: 'card' }, el('h3', {}, 'Events'), table(['Age', 'Type', 'Reason', 'Message'],
      detail.events.map((e) => [age(e.time), e.type, e.reason, e.message]))),
  ];
  const main = document.getElementById('main');
  main.replaceChildren(...sections.filter(Boolean));
  for (const [id, value] of typed) {
    const input = document.getElementById(id);
    if (input) input.value = value;
  }
  if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
}

function entry(term, value) {
  return [el('dt', {}, term), el('dd', {}, value)];
}

function table(headers, rows) {
  if (!rows.length) return el('p', { className: 'muted' }, 'none');
  return el('table', {}, el('thead', {}, el('tr', {}, headers.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, rows.map((cells) => el('tr', {}, cells.map((cell) => el('td', {}, cell))))));
}

// ---- actions (only when zpm run was started with --dashboard-actions) -----------------------------------------

function actionsCard(kind, row) {
  if (!state.config.actionsEnabled || kind === 'catalog') return null;
  const tokenForm = document.getElementById('actions-token').content.cloneNode(true);
  const card = el('div', { className: 'card', id: 'actions' }, el('h3', {}, 'Actions'), tokenForm);
  const tokenInput = card.querySelector('#token');
  tokenInput.value = sessionStorage.getItem(TOKEN_KEY) || '';
  card.querySelector('#token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, tokenInput.value.trim());
    say('token set for this tab', false);
  });
  // The page is redrawn when the change an action made arrives; the outcome stays shown across that redraw.
  const message = el('p', { className: 'message', id: 'action-message', role: 'status', 'aria-live': 'polite' });
  const routeKey = location.hash;
  const show = () => {
    const last = state.lastAction && state.lastAction.routeKey === routeKey ? state.lastAction : { text: '', error: false };
    message.textContent = last.text;
    message.className = last.error ? 'message error' : 'message';
  };
  const say = (text, error) => { state.lastAction = { routeKey, text, error }; show(); };
  show();
  const run = async (action, extra = {}) => {
    sessionStorage.setItem(TOKEN_KEY, tokenInput.value.trim());
    const response = await fetch(`/api/actions/${action}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Zpm-Dashboard-Token': tokenInput.value.trim() },
      body: JSON.stringify({ kind, tenant: row.tenant, name: row.name, ...extra }),
    });
    const body = await response.json().catch(() => ({}));
    say(response.ok ? `${action}: done` : `${action} refused: ${body.error || response.status}`, !response.ok);
  };
  const buttons = el('div', { className: 'actions' });
  if (kind === 'services' || kind === 'integrations') {
    const replicas = el('input', { type: 'number', id: 'replicas', min: 0, max: 1000, value: row.desired ?? 1, 'aria-label': 'Replicas' });
    buttons.append(el('label', { for: 'replicas' }, 'Replicas'), replicas,
      el('button', { type: 'button', id: 'scale', onclick: () => run('scale', { replicas: Number(replicas.value) }) }, 'Scale'));
  }
  if (kind === 'tenants') {
    buttons.append(el('button', { type: 'button', id: row.suspended ? 'resume' : 'suspend', onclick: () => run(row.suspended ? 'resume' : 'suspend') }, row.suspended ? 'Resume' : 'Suspend'));
  }
  // Deleting takes two clicks, so one stray click never removes anything.
  const remove = el('button', { type: 'button', id: 'delete', className: 'danger' }, 'Delete…');
  remove.addEventListener('click', () => {
    if (remove.dataset.armed) { run('delete'); return; }
    remove.dataset.armed = 'yes';
    remove.textContent = `Really delete ${row.name}?`;
  });
  buttons.append(remove);
  card.append(buttons, message);
  return card;
}

// ---- routing --------------------------------------------------------------------------------------------------

function route() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  const kind = KINDS.includes(parts[0]) ? parts[0] : 'services';
  const next = parts.length >= 3 ? { kind, tenant: parts[1], name: parts.slice(2).join('/') } : { kind };
  if (next.kind !== state.route.kind) { state.filter = ''; state.page = 0; }
  state.route = next;
  for (const link of document.querySelectorAll('nav a')) {
    if (link.dataset.kind === kind) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = next.name ? `${next.name} · ${kind} · zpm` : `${kind} · zpm`;
  if (next.name) {
    document.getElementById('main').replaceChildren(el('p', {}, 'loading…'));
    refreshDetail();
  } else {
    renderList(kind);
  }
}

async function start() {
  state.config = await getJson('/api/dashboard');
  window.addEventListener('hashchange', route);
  route();
  connect();
  // Ages move on by themselves; a cheap redraw of at most one page keeps them honest.
  setInterval(() => { if (!state.route.name) renderTableBody(); renderFeed(); }, 10000);
}

start();

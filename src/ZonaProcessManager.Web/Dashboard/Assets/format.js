// Small pure helpers the views share: text, durations, links. No DOM state lives here.

/** Creates an element with attributes and children (strings become text nodes, never HTML). */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'className') element.className = value;
    else if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** "3s", "5m", "2h", "4d": how long ago, as kubectl prints ages. */
export function age(time, now = Date.now()) {
  if (!time) return '-';
  const seconds = Math.max(0, Math.floor((now - new Date(time).getTime()) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

/** The hash route of a resource's page; tenants and catalog entries have no tenant, written "-". */
export function resourceHref(kind, tenant, name) {
  return `#/${kind}/${encodeURIComponent(tenant || '-')}/${encodeURIComponent(name)}`;
}

/** A link to a host port on this machine, where the operator publishes it. */
export function portLink(port) {
  return el('a', { href: `http://127.0.0.1:${port}/`, target: '_blank', rel: 'noopener noreferrer' }, String(port));
}

/**
 * An engine endpoint ("0.0.0.0:32801->8080/tcp") as a link to the host side; a wildcard address is reached on
 * 127.0.0.1 from this machine.
 */
export function endpointLink(endpoint) {
  const match = /^(.*):(\d+)->(.*)$/.exec(endpoint);
  if (!match) return document.createTextNode(endpoint);
  let host = match[1];
  if (host === '' || host === '0.0.0.0' || host === '::' || host === '[::]') host = '127.0.0.1';
  if (host.includes(':') && !host.startsWith('[')) host = `[${host}]`;
  const href = `http://${host}:${match[2]}/`;
  return el('a', { href, target: '_blank', rel: 'noopener noreferrer' }, `${host}:${match[2]} → ${match[3]}`);
}

export function phaseCell(phase) {
  return el('span', { className: `phase phase-${phase}` }, phase);
}

/** "2/3" for ready of desired; "-" when the kind has no such count. */
export function readyText(row) {
  if (row.desired === null || row.desired === undefined) return '-';
  return row.ready === null || row.ready === undefined ? String(row.desired) : `${row.ready}/${row.desired}`;
}

/** The text a filter matches against: everything a row shows. */
export function searchText(row) {
  return [row.tenant, row.name, row.phase, row.detail, row.message, (row.hostPorts || []).join(' '), row.suspended ? 'suspended' : '', row.deleting ? 'deleting' : '']
    .join(' ').toLowerCase();
}

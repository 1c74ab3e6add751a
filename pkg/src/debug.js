// The debug overlay: a read-only panel over any page that uses Attune, opened
// with `?attune_debug=1` or `attune.debug(true)` and loaded with a dynamic
// import() only then. It lives in a shadow root styled by a constructable
// stylesheet (no inline style or script, so a strict CSP does not block it and
// the host page's CSS cannot reach it), builds its DOM with textContent only,
// and never throws into the page.
//
//   open(sdk)  — shows the panel for an SDK instance (anything with inspect(),
//                decide(), optionally explain(), on() and off()); idempotent.
//   close()    — removes it and every listener and timer it added.
//   isOpen()   — whether it is showing.

const HOST_ID = 'attune-debug';
const REFRESH_MS = 1000;

const CSS = `
:host { all: initial; }
.panel { position: fixed; right: 12px; bottom: 12px; z-index: 2147483647; width: 420px;
  max-height: 80vh; overflow: auto; box-sizing: border-box; padding: 10px 12px;
  font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; color: #e8ecf4;
  background: #161b26; border: 1px solid #3a4460; border-radius: 8px;
  box-shadow: 0 8px 30px rgba(0,0,0,.35); }
header { display: flex; justify-content: space-between; align-items: center; margin-bottom: 6px; }
h1 { font-size: 13px; margin: 0; color: #9cc3ff; }
h2 { font-size: 12px; margin: 10px 0 4px; color: #ffd38a; text-transform: uppercase; letter-spacing: .05em; }
button { font: inherit; color: #e8ecf4; background: #2a3350; border: 1px solid #4a5680;
  border-radius: 4px; padding: 1px 8px; cursor: pointer; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 1px 8px; margin: 0; }
dt { color: #8d98b3; } dd { margin: 0; word-break: break-all; }
pre { margin: 2px 0 6px; white-space: pre-wrap; word-break: break-all; color: #c9d3ea; }
.in { color: #7ee0a1; } .out { color: #8d98b3; }
.item { border-top: 1px solid #2a3350; padding: 3px 0; }
details > summary { cursor: pointer; }
`;

let state = null; // {host, root, sdk, timer, listener, sheet}

/** Whether the panel is showing. */
export function isOpen() {
  return state !== null;
}

/** Opens the panel for `sdk` (again: refreshes it). Returns true when showing. */
export function open(sdk) {
  try {
    if (state && state.sdk === sdk) { refresh(); return true; }
    close();
    const host = document.createElement('div');
    host.id = HOST_ID;
    const root = host.attachShadow({ mode: 'open' });
    if ('adoptedStyleSheets' in root && typeof CSSStyleSheet === 'function') {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    }
    (document.body || document.documentElement).appendChild(host);
    const listener = () => refresh();
    state = { host, root, sdk, listener, timer: null };
    for (const name of ['profile', 'delivery']) {
      try { sdk.on(name, listener); } catch (_) { /* older SDK */ }
    }
    state.timer = setInterval(refresh, REFRESH_MS);
    refresh();
    return true;
  } catch (e) {
    warn(e);
    return false;
  }
}

/** Closes the panel; returns false. */
export function close() {
  if (!state) return false;
  const { host, sdk, listener, timer } = state;
  state = null;
  clearInterval(timer);
  for (const name of ['profile', 'delivery']) {
    try { sdk.off(name, listener); } catch (_) { /* gone */ }
  }
  host.remove();
  return false;
}

function warn(e) {
  try { console.warn('[attune] debug overlay:', e); } catch (_) { /* no console */ }
}

function el(tag, text, cls) {
  const n = document.createElement(tag);
  if (text !== undefined && text !== null) n.textContent = String(text);
  if (cls) n.className = cls;
  return n;
}

function json(v) {
  return JSON.stringify(v ?? null, null, 1);
}

function section(panel, name, title) {
  const s = el('section');
  s.dataset.section = name;
  s.appendChild(el('h2', title));
  panel.appendChild(s);
  return s;
}

function pairs(parent, entries) {
  const dl = el('dl');
  for (const [k, v] of entries) {
    const dt = el('dt', k);
    const dd = el('dd', typeof v === 'object' && v !== null ? JSON.stringify(v) : v ?? '—');
    dd.dataset.key = k;
    dl.append(dt, dd);
  }
  parent.appendChild(dl);
}

// Which <details> were open and where the panel was scrolled, kept across refreshes.
let openKeys = new Set();
let scrollTop = 0;

function block(parent, title, value) {
  const d = el('details');
  const key = `${parent.closest('[data-section]')?.dataset.section ?? ''}/${parent.dataset.slot ?? ''}/${title}`;
  d.dataset.key = key;
  d.open = openKeys.has(key);
  d.appendChild(el('summary', title));
  d.appendChild(el('pre', json(value)));
  parent.appendChild(d);
}

function call(fn, ...args) {
  try { return typeof fn === 'function' ? fn(...args) : undefined; } catch (e) { return { error: String(e) }; }
}

function refresh() {
  if (!state) return;
  try {
    const { root, sdk } = state;
    const snap = sdk.inspect();
    if (!snap) return; // engine busy: next tick
    openKeys = new Set([...root.querySelectorAll('details[open]')].map((d) => d.dataset.key));
    scrollTop = root.querySelector('.panel')?.scrollTop ?? 0;
    const panel = el('div', null, 'panel');
    const head = el('header');
    head.appendChild(el('h1', 'Attune debug'));
    const closeBtn = el('button', 'close');
    closeBtn.type = 'button';
    closeBtn.dataset.action = 'close';
    closeBtn.addEventListener('click', () => close());
    head.appendChild(closeBtn);
    panel.appendChild(head);

    const p = snap.profile || {};
    const prof = section(panel, 'profile', 'Profile');
    pairs(prof, [
      ['anonymousId', p.anonymousId], ['userId', p.userId], ['channel', p.channel],
      ['session', p.session && `#${p.session.number}, ${p.session.pageViews} page views`],
      ['firstTouch', p.firstTouch], ['lastTouch', p.lastTouch], ['campaign', p.campaign],
    ]);
    block(prof, 'traits', p.traits);
    block(prof, 'metrics', p.metrics);
    block(prof, 'affinities', p.affinities);
    block(prof, 'exposures', p.exposures);
    block(prof, 'experiments', p.experiments);
    block(prof, 'events', p.events);

    const segs = section(panel, 'segments', 'Segments');
    for (const s of snap.segments || []) {
      const row = el('div', null, 'item');
      row.dataset.segment = s.name;
      row.appendChild(el('span', `${s.member ? '●' : '○'} ${s.name}`, s.member ? 'in' : 'out'));
      row.appendChild(el('pre', Object.entries(s.values || {})
        .map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join('\n')));
      segs.appendChild(row);
    }

    const slots = section(panel, 'slots', 'Slots');
    for (const slot of snap.slots || []) {
      const d = call(sdk.decide && sdk.decide.bind(sdk), slot);
      const row = el('div', null, 'item');
      row.dataset.slot = slot;
      row.appendChild(el('span', `${slot} → ${d && d.variant ? d.variant : '(default)'} · ${d ? d.reason : 'no decision'}`));
      if (typeof sdk.explain === 'function') block(row, 'explain()', call(sdk.explain.bind(sdk), slot));
      slots.appendChild(row);
    }

    const ob = section(panel, 'outbox', 'Outbox');
    const o = snap.outbox || {};
    pairs(ob, [['queued', o.queued], ['inFlight', o.inFlight], ['held', o.held],
      ['sent', o.sent], ['failed', o.failed], ['dropped', o.dropped], ['rejected', o.rejected]]);

    const cs = section(panel, 'consent', 'Consent');
    const c = snap.consent || {};
    pairs(cs, Object.entries(c));

    root.replaceChildren(panel);
    panel.scrollTop = scrollTop;
  } catch (e) {
    warn(e);
  }
}

// What the engine needs to know about the page and the browser, and automatic
// tracking (SPA page views, `[data-attune-track]` clicks). Everything here is
// empty or a no-op outside a browser window (Node, workers).

const hasWindow = typeof window !== 'undefined' && typeof document !== 'undefined';

/** `context.page` for the current document. */
export function pageContext() {
  if (!hasWindow) return { path: '', referrer: '', search: '', title: '', url: '' };
  const l = location;
  return { path: l.pathname, referrer: document.referrer, search: l.search, title: document.title, url: l.href };
}

/**
 * The IANA time zone. `Temporal.Now.timeZoneId()` where the browser has it: the
 * first `Intl.DateTimeFormat` of a page loads the date-formatting data, measured
 * at 17–69 ms in headless Chromium 156 (bench/browser/startup_split.mjs), against
 * ~0 ms for Temporal.
 */
function timeZone() {
  try {
    if (typeof Temporal !== 'undefined' && Temporal.Now) return Temporal.Now.timeZoneId();
  } catch (_) { /* below */ }
  try { return Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (_) { return undefined; }
}

/**
 * What `new Core` takes besides the config: the page, the environment fields
 * of every event's context, the local time zone offset and the privacy signals.
 */
export function environment() {
  const env = { page: pageContext(), context: {}, offset: -new Date().getTimezoneOffset(), gpc: false, dnt: false };
  env.context.timezone = timeZone();
  if (typeof navigator !== 'undefined') {
    env.context.locale = navigator.language;
    env.context.userAgent = navigator.userAgent;
    env.gpc = navigator.globalPrivacyControl === true;
    env.dnt = navigator.doNotTrack === '1';
  }
  if (hasWindow && window.screen) {
    env.context.screen = { width: screen.width, height: screen.height, density: window.devicePixelRatio };
  }
  return env;
}

/**
 * Start-up: opens the page's cookie jar and localStorage while the wasm loads.
 * A page's first `document.cookie` and first `localStorage` call wait for the
 * browser process (1–5 ms each in headless Chromium 156), later ones are
 * answered in the page. Reads only what the engine reads at start anyway;
 * returns how many characters and keys it saw (0 where blocked).
 */
export function warmStorage() {
  let n = 0;
  if (!hasWindow) return n;
  try { n += document.cookie.length; } catch (_) { /* blocked */ }
  try { n += localStorage.length; } catch (_) { /* blocked */ }
  return n;
}

/** `document.cookie`, or '' where cookies are blocked. */
export function readCookie() {
  try { return document.cookie; } catch (_) { return ''; }
}

/** Writes one cookie assignment (best effort). */
export function writeCookie(assignment) {
  try { document.cookie = assignment; } catch (_) { /* blocked */ }
}

// The hooks are installed once per page and follow the SDK started last, so
// a second `init` never doubles the events.
let current = null;

/** Points the page's hooks at `sdk` (page views on navigation, tracked clicks). */
export function autocapture(sdk, pages, clicks) {
  const first = current === null;
  current = { sdk, pages, clicks };
  if (!first) return;
  try {
    for (const name of ['pushState', 'replaceState']) {
      const original = history[name];
      if (typeof original !== 'function') continue;
      history[name] = function () {
        // The page's own call behaves exactly as before, errors included.
        const r = original.apply(this, arguments);
        if (current.pages) current.sdk._navigated();
        return r;
      };
    }
    addEventListener('popstate', () => { if (current.pages) current.sdk._navigated(); });
  } catch (_) { /* no history API */ }
  // Capture phase: a page that stops propagation still gets its clicks counted.
  document.addEventListener('click', (ev) => {
    if (!current.clicks) return;
    try {
      const t = ev.target && ev.target.closest ? ev.target.closest('[data-attune-track]') : null;
      const name = t && t.getAttribute('data-attune-track');
      if (!name || !name.trim()) return;
      current.sdk.track(name, clickProperties(t));
    } catch (e) { try { console.warn('[attune] click tracking failed', e); } catch (_) { /* */ } }
  }, true);
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** `data-attune-sku="A1"` → `{sku: "A1"}`; numbers and booleans are typed. */
function clickProperties(el) {
  const props = {};
  for (const a of el.attributes) {
    if (!a.name.startsWith('data-attune-')) continue;
    const key = a.name.slice(12);
    if (!key || key === 'track' || key === 'slot' || key === 'variant') continue;
    const raw = a.value;
    const n = NUMBER.test(raw) ? Number(raw) : NaN;
    props[key] = raw === 'true' ? true : raw === 'false' ? false : Number.isFinite(n) ? n : raw;
  }
  return props;
}

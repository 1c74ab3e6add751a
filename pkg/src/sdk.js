// The SDK instance `init(config)` resolves to. The engine (wasm) decides; this
// class checks arguments, queues state-changing calls and applies them in one
// boundary crossing per task, and hands the engine's answers to the page parts
// (slots, delivery, listeners). No method lets an exception other than an
// AttuneError for a bad argument reach the caller.

import { answer, attuneError, inputError, toJson, warn } from './core.js';
import { Delivery } from './delivery.js';
import { Slots } from './dom.js';
import { autocapture, pageContext, readCookie, writeCookie } from './page.js';

/** Held calls beyond this many are applied anyway (the caps then drop the oldest). */
const HOLD_MAX = 50000;

const EVENTS = ['error', 'segment:enter', 'segment:exit', 'profile', 'delivery'];

/** A plain object (not null, not an array; a revoked Proxy is neither). */
export function isObj(v) {
  try {
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  } catch (_) {
    return false;
  }
}

/** JSON of an optional object argument (`undefined`/`null`: absent). */
function objJson(v, path) {
  if (v === undefined || v === null) return null;
  if (!isObj(v)) throw inputError(path, 'expected an object');
  return toJson(v, path);
}

function optString(v, path) {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw inputError(path, 'expected a string');
  return v;
}

function idString(v, path) {
  if (typeof v !== 'string') throw inputError(path, 'expected a string');
  if (!v) throw inputError(path, 'expected a non-empty string');
  return v;
}

/**
 * One call as a JSON line for the engine: `{"type":…,"at":…,…}`. Fields whose
 * name starts with `$` are JSON text already; absent ones are left out.
 */
function line(type, fields) {
  let s = '{"type":"' + type + '","at":' + Date.now();
  for (const k in fields) {
    const v = fields[k];
    if (v === null || v === undefined) continue;
    s += k[0] === '$' ? ',"' + k.slice(1) + '":' + v : ',"' + k + '":' + JSON.stringify(v);
  }
  return s + '}';
}

export class Attune {
  /** Internal: use `init(config)`. */
  constructor(core, info, transforms) {
    this._core = core;
    this._info = info;
    this._q = [];
    this._kicked = false;
    this._timed = false;
    this._held = false;
    this._listeners = [];
    this._unheard = [];
    this._url = null;
    this._dead = false;
    this._slots = typeof document !== 'undefined' ? new Slots(this, info) : null;
    this._delivery = new Delivery(this, info, transforms);
  }

  // ---- queue and reports -------------------------------------------------

  /** Queues a call; `later` (track) waits for the end of the outbox's write window (≤ 50 ms), applied and written in one task there. */
  _push(text, later) {
    this._q.push(text);
    // While a burst is held, sends resume the queue (`_resume`).
    if (this._held) return;
    const wait = later ? this._delivery.window() : 0;
    if (wait > 0) {
      if (!this._timed) {
        this._timed = true;
        setTimeout(() => { this._timed = false; this._drain(); }, wait);
      }
    } else if (!this._kicked) {
      this._kicked = true;
      queueMicrotask(() => this._drain());
    }
  }

  /**
   * Applies the queued calls now (before a read, a decision or an immediate
   * call: `extra`, whose result is returned). Event calls beyond the room
   * left in the outbox stay queued here, in order, until sends free room
   * (a burst is delivered whole instead of overflowing the caps); `force`
   * (page exit, immediate calls, more than `HOLD_MAX` held) applies all.
   */
  _drain(extra, force) {
    this._kicked = false;
    if (!this._q.length && !extra) return null;
    const batch = this._q;
    if (extra) batch.push(extra);
    const all = !!(force || extra) || batch.length > HOLD_MAX || !this._delivery.healthy();
    // Only the calls the outbox has room for (and a few) cross over: the
    // engine would stop before the others, and a held burst is resumed often.
    const s = this._delivery.state;
    this._q = all || !s ? [] : batch.splice(s.r + 64);
    let rep;
    try {
      rep = JSON.parse(this._core.apply(batch.join('\n'), all));
    } catch (e) {
      warn(e);
      return null;
    }
    this._held = rep.n < batch.length || this._q.length > 0;
    if (rep.n < batch.length) this._q = batch.slice(rep.n).concat(this._q);
    const results = rep.results || [];
    // Calls that already returned (queued ones) report their errors here.
    const n = extra ? results.length - 1 : results.length;
    for (let i = 0; i < n; i++) if (results[i] && results[i].error) rep.errors.push(results[i].error);
    this._after(rep);
    // The room was larger than the last report said: take more now.
    if (rep.n === batch.length && this._held && rep.delivery?.r > 0 && !this._kicked) this._drain();
    return extra ? results[results.length - 1] : null;
  }

  /** After sends freed room: applies held calls. */
  _resume() {
    if (this._held && !this._kicked) this._drain(null, !this._delivery.healthy());
  }

  /** Applies `text` after the queue, at once, and returns its result (or throws its error). */
  _now(text) {
    const r = this._drain(text);
    if (r && r.error) throw attuneError(r.error);
    return r;
  }

  /** Reads from the engine after applying what is queued. */
  _read(what, arg) {
    this._drain();
    return answer(this._core.read(what, arg === undefined ? '' : arg));
  }

  /** Follows up an engine report: errors, segment changes, listeners, slots, delivery. */
  _after(rep) {
    for (const e of rep.errors || []) this._report(attuneError(e));
    for (const n of rep.notes || []) { try { console.info('[attune] ' + n); } catch (_) { /* */ } }
    for (const s of rep.enter || []) this._emit('segment:enter', s);
    for (const s of rep.exit || []) this._emit('segment:exit', s);
    if (rep.profile && this._listens('profile')) this._emit('profile', this._readNow('profile'));
    if (rep.paint && rep.paint.length && this._slots) this._slots.paint(rep.paint);
    this._delivery.changed(rep.delivery);
  }

  _readNow(what) {
    try { return answer(this._core.read(what, '')); } catch (e) { warn(e); return null; }
  }

  _report(err) {
    if (!this._emit('error', err)) {
      warn(err);
      if (this._unheard.length < 20) this._unheard.push(err);
    }
  }

  _listens(name) {
    return this._listeners.some((l) => l[0] === name);
  }

  _emit(name, arg) {
    const fns = this._listeners.filter((l) => l[0] === name);
    for (const l of fns) {
      // A throwing listener must not break the SDK or the page.
      try { l[1](arg); } catch (e) { warn(e); }
    }
    return fns.length;
  }

  _syncCookie() {
    if (typeof document === 'undefined') return;
    try {
      const a = this._core.cookie(readCookie());
      if (a) writeCookie(a);
    } catch (e) { warn(e); }
  }

  // ---- tracking ----------------------------------------------------------

  /** Records a page view: `page()`, `page(name)`, `page(props)` or `page(name, props)`. */
  page(name, properties) {
    if (isObj(name)) { properties = name; name = undefined; }
    const n = optString(name, 'page.name');
    const props = objJson(properties, 'page.properties');
    const ctx = pageContext();
    this._url = ctx.url;
    if (this._slots) this._slots.newPageView();
    this._now(line('page', { name: n, $properties: props, $page: JSON.stringify(ctx) }));
  }

  /** Records a named action with optional properties. */
  track(event, properties) {
    if (typeof event !== 'string') throw inputError('track.event', 'expected a string');
    if (!event.trim()) throw inputError('track.event', 'expected a non-empty event name');
    // The hot path: one string per call, the event snapshotted as it is now.
    const props = objJson(properties, 'track.properties');
    this._push('{"type":"track","at":' + Date.now() + ',"event":' + JSON.stringify(event) +
      (props === null ? '}' : ',"properties":' + props + '}'), true);
  }

  /** Identifies the visitor: `identify(userId, traits?)` or `identify(traits)`. */
  identify(userId, traits) {
    if (isObj(userId)) { traits = userId; userId = undefined; }
    const id = optString(userId, 'identify.userId');
    if (id === '') throw inputError('identify.userId', 'expected a non-empty string');
    this._push(line('identify', { userId: id, $traits: objJson(traits, 'identify.traits') }));
  }

  /** Associates the visitor with a group: `group(groupId, traits?)`. */
  group(groupId, traits) {
    const id = idString(groupId, 'group.groupId');
    this._push(line('group', { groupId: id, $traits: objJson(traits, 'group.traits') }));
  }

  /** Links ids: `alias(userId, previousId?)`. */
  alias(userId, previousId) {
    const id = idString(userId, 'alias.userId');
    this._push(line('alias', { userId: id, previousId: optString(previousId, 'alias.previousId') }));
  }

  /** Starts a new anonymous identity with an empty profile. */
  reset() {
    this._now(line('reset', {}));
  }

  // ---- privacy -----------------------------------------------------------

  /** Updates consent (`{analytics: true, marketing: false}`) and returns the new state. */
  consent(changes) {
    const c = objJson(changes, 'consent') || '{}';
    this._now(line('consent', { $changes: c }));
    this._syncCookie();
    return this._readNow('consent');
  }

  /** `{necessary, analytics, personalization, marketing, gpc, doNotTrack, mode}`. */
  consentState() {
    return this._read('consent');
  }

  /**
   * Erases everything Attune keeps on this device and starts a fresh identity;
   * with `collector.forgetUrl` asks the collector to delete the old ids too.
   * Resolves once that request was answered (or at once).
   */
  forget() {
    this._drain();
    const rep = JSON.parse(this._core.forget());
    // The shared cookie goes with the rest; the new identity's is written at
    // the next consent change or page load, as nothing else is kept now.
    if (rep.cookie) writeCookie(rep.cookie);
    this._after(rep);
    const req = rep.request;
    if (!req || typeof fetch !== 'function') return Promise.resolve();
    return fetch(req.url, {
      method: 'POST', body: req.body, credentials: 'omit', keepalive: true,
      headers: { 'Content-Type': 'application/json' },
    }).then(() => undefined, (e) => {
      this._report(attuneError({ code: 'remote_failed', path: req.url, message: req.url + ': ' + ((e && e.message) || 'network error') }));
    });
  }

  // ---- reads -------------------------------------------------------------

  /** Names of the segments the visitor is in now. */
  segments() { return this._read('segments'); }

  /** A plain JSON snapshot of the visitor profile. */
  profile() { return this._read('profile'); }

  /** The attribute document the rules read. */
  attributes() { return this._read('attributes'); }

  /** The read-only snapshot the debug overlay shows. */
  inspect() { return this._read('inspect'); }

  // ---- decisions ---------------------------------------------------------

  /** The decision for one slot (`{slot, variant, content, experiment?, reason}`), or null. */
  decide(slot) {
    if (typeof slot !== 'string') throw inputError('decide.slot', 'expected a string');
    return this._read('decide', slot);
  }

  /** The trace of the decision for one slot, or null. */
  explain(slot) {
    if (typeof slot !== 'string') throw inputError('explain.slot', 'expected a string');
    return this._read('explain', slot);
  }

  /** Records an impression of what `slot` shows now; false when it shows its default. */
  viewed(slot) {
    if (typeof slot !== 'string') throw inputError('viewed.slot', 'expected a string');
    return this._now(line('viewed', { slot }));
  }

  /** Records a click on what `slot` shows now. */
  clicked(slot) {
    if (typeof slot !== 'string') throw inputError('clicked.slot', 'expected a string');
    return this._now(line('clicked', { slot }));
  }

  /** An impression or click the page observed on an element showing `variant`. */
  _exposure(slot, variant, click) {
    try {
      this._now(line(click ? 'clicked' : 'viewed', { slot, variant }));
    } catch (e) { warn(e); }
  }

  /** Re-applies every slot's decision to the page (after it added slots). */
  render() {
    this._drain();
    if (this._slots) this._slots.paintAll(this._readNow('paint') || []);
  }

  // ---- delivery and events -----------------------------------------------

  /** Sends everything queued now; resolves to `{sent, pending, failed}`. */
  flush() {
    this._drain();
    return this._delivery.flush();
  }

  /**
   * Adds a listener: `error`, `segment:enter`, `segment:exit`, `profile`,
   * `delivery`. The first `error` listener also gets the errors reported before it.
   */
  on(name, callback) {
    if (typeof name !== 'string') throw inputError('on.event', 'expected a string');
    if (EVENTS.indexOf(name) < 0) throw inputError('on.event', 'unknown event "' + name + '" (' + EVENTS.join(', ') + ')');
    if (typeof callback !== 'function') throw inputError('on.callback', 'expected a function');
    this._listeners.push([name, callback]);
    if (name === 'error') {
      for (const e of this._unheard.splice(0)) { try { callback(e); } catch (x) { warn(x); } }
    }
    return this;
  }

  /** Removes a listener added with `on`. */
  off(name, callback) {
    if (typeof name !== 'string') throw inputError('off.event', 'expected a string');
    this._listeners = this._listeners.filter((l) => !(l[0] === name && l[1] === callback));
    return this;
  }

  // ---- start -------------------------------------------------------------

  /** Internal: the page hooks, the first page view and the profile fetch. */
  _start() {
    const info = this._info;
    this._syncCookie();
    const rep = JSON.parse(this._core.report());
    this._after(rep);
    if (info.pages) {
      const ctx = pageContext();
      this._url = ctx.url;
      try { this._now(line('page', { $page: JSON.stringify(ctx) })); } catch (e) { this._report(e); }
    }
    this._delivery.start();
    if (this._slots) this._slots.start();
    if (typeof document !== 'undefined') autocapture(this, info.pages, info.clicks);
    if (info.seed) this._seed(info.seed);
  }

  /** A navigation the page made (SPA): a page view when the URL changed. */
  _navigated() {
    let url;
    try { url = location.href; } catch (_) { return; }
    if (url === this._url) return;
    try { this.page(); } catch (e) { warn(e); }
  }

  _seed(seed) {
    const fail = (message) => this._report(attuneError({ code: 'remote_failed', path: seed.url, message: seed.url + ': ' + message }));
    if (typeof fetch !== 'function') return;
    let timer;
    const timeout = new Promise((resolve) => { timer = setTimeout(resolve, seed.timeoutMs, 'timeout'); });
    const get = fetch(seed.url, { credentials: 'omit' }).then((r) => {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.text();
    });
    Promise.race([get, timeout]).then((body) => {
      clearTimeout(timer);
      if (body === 'timeout') return fail('no answer within ' + seed.timeoutMs + ' ms');
      try {
        this._now('{"type":"seed","at":' + Date.now() + ',"response":' + body + '}');
      } catch (e) { this._report(e); }
    }, (e) => { clearTimeout(timer); fail((e && e.message) || 'network error'); });
  }
}

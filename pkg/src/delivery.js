// Drives the engine's delivery state machine in the browser. The policy (what
// to send and when, what an answer means, retries, caps) is the engine's; this
// file does the I/O and the timers:
//
// * queued events are written to storage in the same task's microtasks, or —
//   within 50 ms of the previous write — when that window ends, so a burst
//   costs one write per window; only written events are ever sent;
// * one timer is armed for the next due send;
// * a send cycle runs under the cross-tab send lock (Web Locks; a storage
//   lease where they are missing), re-reads the shared outbox and sends batch
//   after batch, one in flight per collector, from the delivery worker
//   (sender.js) when it runs, else with the page's own fetch;
// * `visibilitychange`→hidden sends with fetch(keepalive), `pagehide` beacons
//   everything not in flight; offline pauses, online resumes.

import { attuneError, warn } from './core.js';
import { ProfileSync } from './profile-sync.js';
import { acquire, Kept } from './lock.js';

const PERSIST_COALESCE_MS = 50;
const ANSWER_MS = 20000;
const TIMEOUT_MS = 15000;
const SCHEDULED = 0;
const FORCED = 1;
const EXIT = 2;

const online = () => typeof navigator === 'undefined' || navigator.onLine !== false;
const hidden = () => typeof document !== 'undefined' && document.visibilityState === 'hidden';

let senderUrl = null;

/**
 * Where the delivery worker script is (set by the entry that loaded the
 * engine); `null` sends from the page. A `Worker` object or a URL.
 */
export function setSender(url) {
  senderUrl = url;
}

/** The delivery worker: one message per batch, one answer back. */
class Sender {
  constructor(worker) {
    this.w = worker;
    this.pending = new Map();
    this.next = 1;
    this.dead = false;
    worker.onmessage = (e) => {
      const m = e.data || {};
      const f = this.pending.get(m.id);
      if (f) { this.pending.delete(m.id); f(m); }
    };
    worker.onerror = () => this.stop();
  }

  stop() {
    if (this.dead) return;
    this.dead = true;
    try { this.w.terminate(); } catch (_) { /* gone */ }
    for (const f of this.pending.values()) f(null);
    this.pending.clear();
  }

  /** Resolves to `{status, retryAfter}` / `{status: 0, error}`, or null when the worker failed. */
  post(url, headers, body) {
    if (this.dead) return Promise.resolve(null);
    const id = this.next++;
    return new Promise((resolve) => {
      const watchdog = setTimeout(() => this.stop(), ANSWER_MS);
      this.pending.set(id, (m) => { clearTimeout(watchdog); resolve(m); });
      try {
        this.w.postMessage({ id, url, headers, body });
      } catch (_) {
        this.pending.delete(id);
        clearTimeout(watchdog);
        resolve(null);
      }
    });
  }
}

function headersOf(job, type) {
  const h = { 'Content-Type': type };
  for (const [k, v] of job.headers) h[k] = v;
  return h;
}

function pagePost(url, headers, body, keepalive) {
  const init = { method: 'POST', headers, body, keepalive, credentials: 'omit' };
  if (typeof AbortSignal !== 'undefined' && AbortSignal.timeout) init.signal = AbortSignal.timeout(TIMEOUT_MS);
  try {
    return fetch(url, init).then(
      (r) => ({ status: r.status, retryAfter: r.headers.get('Retry-After') }),
      (e) => ({ status: 0, error: (e && e.message) || 'network error' }));
  } catch (e) {
    return Promise.resolve({ status: 0, error: (e && e.message) || 'network error' });
  }
}

/** Browser-side delivery of one SDK instance. */
export class Delivery {
  constructor(sdk, info, transforms) {
    this.sdk = sdk;
    this.core = sdk._core;
    this.info = info;
    this.transforms = transforms;
    this.me = Math.floor(Math.random() * 4294967296).toString(16);
    this.lockName = 'attune:' + info.prefix + ':send';
    this.leaseKey = info.prefix + ':obm:lease';
    this.kept = new Kept();
    this.profile = new ProfileSync(sdk, info.prefix, this.me);
    this.timer = null;
    this.timerAt = Infinity;
    this.persistTimer = null;
    this.lastPersist = 0;
    this.queued = false;
    this.busyUntil = 0;
    this.running = false;
    this.reported = [0, 0, 0, 0];
    this.state = null;
    this.sender = null;
    this.failing = false;
  }

  /**
   * Whether calls may wait in memory for room in the outbox: only while
   * sends get through. Offline or failing, the outbox's caps decide (they
   * drop the oldest) and nothing waits unpersisted.
   */
  healthy() {
    return online() && !this.failing;
  }

  /** Page lifecycle hooks; the first plan (events of earlier visits are due at once). */
  start() {
    if (typeof document !== 'undefined') {
      document.addEventListener('visibilitychange', () => { if (hidden()) this.pageHidden(); });
      addEventListener('pagehide', () => this.pageExit());
      addEventListener('online', () => { this.core.online(); this.plan(); });
      addEventListener('offline', () => {
        clearTimeout(this.timer); this.timer = null; this.timerAt = Infinity;
        this.sdk._resume();
      });
    }
    // The start's first write (the page view) goes in the next task, after
    // init has resolved: nothing is sent before it is written.
    this.changed(null, true);
  }

  /** Milliseconds left of the write window (≤ 0: a write may go now). */
  window() {
    return PERSIST_COALESCE_MS - (Date.now() - this.lastPersist);
  }

  /** After a change: persist (coalesced; `nextTask`: not before the next task) and plan; reports `delivery` totals. */
  changed(state, nextTask) {
    if (state) this.state = state;
    this.report();
    if (this.queued) return;
    if (state && !state.u && !state.p && state.w === null && state.q === 0) return;
    this.queued = true;
    const wait = this.window();
    const go = () => { this.persistNow(); this.plan(); };
    // (A timer may fire a millisecond early by Date.now().)
    if (wait <= 1 && !nextTask) queueMicrotask(go);
    else this.persistTimer = setTimeout(go, Math.max(0, Math.ceil(wait)));
  }

  /** Writes queued events (and, locked and coalesced, the profile) to storage now. */
  persistNow() {
    this.queued = false;
    clearTimeout(this.persistTimer);
    this.lastPersist = Date.now();
    const rep = this._call(() => this.core.persist());
    if (rep && rep.delivery.p) this.profile.persist();
  }

  _call(f) {
    let rep;
    try { rep = JSON.parse(f()); } catch (e) { warn(e); return null; }
    for (const e of rep.errors || []) this.sdk._report(attuneError(e));
    if (rep.delivery) this.state = rep.delivery;
    return rep;
  }

  /** Emits `delivery` with what changed since the last report. */
  report() {
    const s = this.state;
    if (!s) return;
    const t = s.t;
    const r = this.reported;
    if (t[0] === r[0] && t[1] === r[1] && t[2] === r[2] && t[3] === r[3]) return;
    this.reported = t.slice();
    this.sdk._emit('delivery', { sent: t[0] - r[0], failed: t[1] - r[1], dropped: t[2] - r[2], rejected: t[3] - r[3], pending: s.q });
  }

  /** Arms the timer for the next due send, if any (and if online). */
  plan() {
    if (!online()) return;
    const wake = this.core.wake();
    if (wake >= 0) this.arm(Math.max(wake, this.busyUntil));
  }

  arm(wake) {
    if (this.timer !== null && this.timerAt <= wake) return;
    clearTimeout(this.timer);
    this.timerAt = wake;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Infinity;
      this.cycle(SCHEDULED);
    }, Math.min(Math.max(wake - Date.now(), 0), 2000000000));
  }

  /** One send cycle under the cross-tab lock; resolves to [sent, failed]. */
  async cycle(mode) {
    if (this.running) return [0, 0];
    this.running = true;
    let counts = [0, 0];
    try {
      this.persistNow();
      let held = this.kept.take();
      if (!held) held = await acquire(this.lockName, mode === FORCED, this.leaseKey, this.me);
      if (held) {
        this.busyUntil = 0;
        counts = await this.sendAll(mode);
        // Kept for the next cycle while events wait on a healthy collector (a
        // burst), released after an idle second; at once with nothing left,
        // after a failure (backoff: other tabs may try) or when hidden.
        const more = counts[1] === 0 && this.state && this.state.q > 0;
        if (!more || mode === EXIT || hidden()) held.release();
        else this.kept.keep(held);
      } else {
        // Another tab is sending; it sends our stored events too.
        this.busyUntil = Date.now() + this.info.flushInterval;
        this.arm(this.busyUntil);
      }
    } catch (e) {
      warn(e);
    } finally {
      this.running = false;
    }
    // Acknowledgement marks of partly sent chunks are written coalesced.
    if (this.state && this.state.u) this.changed(null);
    this.report();
    this.plan();
    return counts;
  }

  async sendAll(mode) {
    this._call(() => this.core.reload());
    let sent = 0;
    let failed = 0;
    const skip = [];
    for (let i = 0; i < 10000 && online(); i++) {
      let job;
      try {
        // `{…}` + "\n" + the body, or `null`.
        const t = this.core.job(mode, skip.join(','));
        const nl = t.indexOf('\n');
        job = JSON.parse(nl < 0 ? t : t.slice(0, nl));
        if (job && nl >= 0) job.body = t.slice(nl + 1);
      } catch (e) { warn(e); break; }
      if (!job) break;
      const outcome = await this.send(job);
      const rep = this._call(() => this.core.done(job.id, outcome.status || 0, outcome.retryAfter || '', outcome.error || ''));
      if (!rep) break;
      sent += rep.done[0];
      if (rep.done[1] > 0) this.failing = true;
      else if (rep.done[0] > 0) this.failing = false;
      // Room freed (or sends fail: the caps decide): held calls go to the outbox now.
      if (rep.done[0] > 0 || this.failing) this.sdk._resume();
      if (rep.done[1] > 0) { failed += rep.done[1]; skip.push(job.c); }
    }
    return [sent, failed];
  }

  /** The body of `job`: the engine's, or what the collector's `transform` returns. */
  body(job) {
    const f = this.transforms[job.c];
    if (!f) return job.body;
    const fail = (m) => { throw attuneError({ code: 'invalid_input', path: 'collector.transform', message: 'collector.transform: ' + m }); };
    let out;
    try { out = f(JSON.parse(job.events)); } catch (e) { fail('threw: ' + ((e && e.message) || String(e))); }
    if (typeof out === 'string') return out;
    let text;
    try { text = JSON.stringify(out); } catch (_) { /* below */ }
    if (typeof text !== 'string') fail('must return a string or a JSON-compatible value');
    return text;
  }

  async send(job) {
    let body;
    try { body = this.body(job); } catch (e) { this.sdk._report(e); return { status: 0, error: 'transform failed' }; }
    const headers = headersOf(job, 'application/json');
    if (job.mode !== EXIT && this.info.worker && senderUrl) {
      if (!this.sender || this.sender.dead) {
        if (this.sender) senderUrl = null; // it failed once: the page sends from now on
        else {
          try {
            this.sender = new Sender(typeof senderUrl === 'string' || senderUrl instanceof URL ? new Worker(senderUrl) : senderUrl());
          } catch (_) { senderUrl = null; }
        }
      }
      if (this.sender && !this.sender.dead) {
        // A worker resolves a relative URL against its own script, and a blob: script
        // (the CDN case) has no base at all: resolve it against the page first.
        let url = job.url;
        try { url = new URL(job.url, globalThis.location?.href).href; } catch (_) { /* as given */ }
        const answer = await this.sender.post(url, headers, body);
        if (answer) return answer;
      }
    }
    return pagePost(job.url, headers, body, job.mode === EXIT);
  }

  /** `flush()`: sends everything now, after any send already running. */
  async flush() {
    for (let i = 0; i < 1500 && this.running; i++) await new Promise((r) => setTimeout(r, 10));
    const [sent, failed] = await this.cycle(FORCED);
    return { sent, pending: this.state ? this.state.q : 0, failed };
  }

  /** `visibilitychange` → hidden: persist, then send with fetch(keepalive). */
  pageHidden() {
    this.sdk._drain(null, true);
    this.profile.persistNow();
    this.persistNow();
    this.cycle(EXIT);
  }

  /** `pagehide`: persist, then beacon everything not in flight (it stays in the outbox). */
  pageExit() {
    this.kept.release();
    this.sdk._drain(null, true);
    this.profile.persistNow();
    this.persistNow();
    let jobs;
    try { jobs = JSON.parse(this.core.exitJobs()); } catch (e) { warn(e); return; }
    for (const job of jobs) {
      let body;
      try { body = this.body(job); } catch (_) { continue; }
      // A beacon cannot carry headers: the write key travels in the body then.
      if (!job.headers.length && typeof navigator !== 'undefined' && navigator.sendBeacon) {
        let ok = false;
        try { ok = navigator.sendBeacon(job.url, body); } catch (_) { /* below */ }
        if (!ok) break;
      } else {
        pagePost(job.url, headersOf(job, 'text/plain;charset=UTF-8'), body, true);
      }
    }
  }
}

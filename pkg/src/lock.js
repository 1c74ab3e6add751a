// Cross-tab locks: one sender at a time, one profile writer at a time. With
// the Web Locks API the browser arbitrates and releases a dead tab's lock;
// where it is missing a storage lease (`{"o": tab, "u": until}`) is the
// best-effort fallback.

const LEASE_MS = 30000;
const KEEP_IDLE_MS = 1000;
const KEEP_MAX_MS = 10000;

function locks() {
  const l = typeof navigator !== 'undefined' && navigator.locks;
  return l && typeof l.request === 'function' ? l : null;
}

function webLock(l, name, wait) {
  return new Promise((granted) => {
    let release;
    const hold = new Promise((r) => { release = r; });
    l.request(name, { ifAvailable: !wait }, (lock) => {
      granted(lock ? { release, since: Date.now() } : null);
      return lock ? hold : undefined;
    }).catch(() => granted(null));
  });
}

function readLease(s, key) {
  try { return JSON.parse(s.getItem(key) || 'null'); } catch (_) { return null; }
}

function lease(key, me) {
  let s;
  try { s = localStorage; } catch (_) { s = null; }
  // No shared storage: no other tab shares the outbox either.
  if (!s) return { release() {}, since: Date.now() };
  try {
    const now = Date.now();
    const cur = readLease(s, key);
    if (cur && cur.o !== me && cur.u > now) return null;
    s.setItem(key, JSON.stringify({ o: me, u: now + LEASE_MS }));
    const after = readLease(s, key);
    if (!after || after.o !== me) return null;
    return {
      since: now,
      release() {
        const c = readLease(s, key);
        if (c && c.o === me) { try { s.removeItem(key); } catch (_) { /* */ } }
      },
    };
  } catch (_) {
    return null;
  }
}

/**
 * Takes the lock `name` (waiting for another tab with `wait`; without, null
 * when it is taken). Resolves to `{release()}` or null.
 */
export function acquire(name, wait, leaseKey, me) {
  const l = locks();
  return l ? webLock(l, name, wait) : Promise.resolve(lease(leaseKey, me));
}

/** Holds the Web Lock `name` as a marker other tabs see through `heldNames` (null without Web Locks). */
export function marker(name) {
  const l = locks();
  return l ? webLock(l, name, false) : Promise.resolve(null);
}

/** The names of the locks held in this origin, as the browser (not this tab's caches) knows them. */
export async function heldNames() {
  const l = locks();
  if (!l || typeof l.query !== 'function') return [];
  try {
    const snap = await l.query();
    return (snap.held || []).map((x) => x.name);
  } catch (_) {
    return [];
  }
}

/**
 * The send lock kept between the cycles of a burst (taking one costs more
 * main-thread time than a small batch): reused for at most 10 s after it was
 * taken, released after an idle second.
 */
export class Kept {
  constructor() {
    this.held = null;
    this.timer = null;
  }

  /** The kept lock, if it may still be reused (taken less than 10 s ago). */
  take() {
    const h = this.held;
    this.held = null;
    clearTimeout(this.timer);
    if (h && Date.now() - h.since < KEEP_MAX_MS) return h;
    if (h) h.release();
    return null;
  }

  /** Keeps `held` for the next cycle; released after an idle second. */
  keep(held) {
    this.held = held;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.release(), KEEP_IDLE_MS);
  }

  /** Releases the kept lock now (idle, hidden, page exit). */
  release() {
    clearTimeout(this.timer);
    const h = this.held;
    this.held = null;
    if (h) h.release();
  }
}

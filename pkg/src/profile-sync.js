// Writing the profile from several tabs without losing updates.
//
// Each write is a read-merge-write of the one stored record (the engine
// merges) under the cross-tab lock `<prefix>:profile-lock`. The lock alone is
// not enough in Chromium: each tab reads localStorage from its own cache,
// which another tab's write reaches asynchronously. So every write leaves a
// marker the browser itself keeps: the writer holds the Web Lock
// `<prefix>:profile-rev:<rev>` until its next write or until the tab closes,
// and a tab about to merge first asks the browser which markers are held and
// waits, at most 1 s, until its cache shows a record at least that recent.
//
// Writes are coalesced to one per 500 ms (taking the lock, asking for the held
// locks and holding a marker cost more than the write); `hidden` and
// `pagehide` write at once, without the lock.

import { attuneError, warn } from './core.js';
import { acquire, heldNames, marker } from './lock.js';

const COALESCE_MS = 500;
const CATCH_UP_MS = 1000;
const POLL_MS = 4;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class ProfileSync {
  constructor(sdk, prefix, me) {
    this.sdk = sdk;
    this.core = sdk._core;
    this.me = me;
    this.lock = prefix + ':profile-lock';
    this.leaseKey = prefix + ':profile-lease';
    this.markerPrefix = prefix + ':profile-rev:';
    this.last = 0;
    this.timer = null;
    this.running = false;
    this.marker = null;
  }

  /** A locked write, at most one per 500 ms; a change meanwhile queues another. */
  persist() {
    const wait = COALESCE_MS - (Date.now() - this.last);
    if (wait > 0) {
      if (this.timer === null) {
        this.timer = setTimeout(() => {
          this.timer = null;
          if (this.core.profileDirty()) this.persist();
        }, Math.ceil(wait));
      }
      return;
    }
    if (this.running) return;
    this.running = true;
    this.last = Date.now();
    this.write().catch(warn).then(() => {
      this.running = false;
      if (this.core.profileDirty()) this.sdk._delivery.changed(null);
    });
  }

  async write() {
    const held = await acquire(this.lock, true, this.leaseKey, this.me);
    try {
      // Our own last write is in our cache: only another tab's newer marker
      // is worth waiting for.
      let newest = 0;
      for (const n of await heldNames()) {
        if (n.startsWith(this.markerPrefix)) newest = Math.max(newest, Number(n.slice(this.markerPrefix.length)) || 0);
      }
      if (newest > this.core.profileRev()) {
        for (let waited = 0; waited < CATCH_UP_MS && this.core.storedRev() < newest; waited += POLL_MS) await sleep(POLL_MS);
      }
      const rev = this.writeNow();
      if (rev >= 0) {
        // The new marker is held before the old one and the lock go.
        const m = await marker(this.markerPrefix + rev);
        if (this.marker) this.marker.release();
        this.marker = m;
      }
    } finally {
      if (held) held.release();
    }
  }

  /** Writes now, without the lock (page exit); returns the new rev or -1. */
  writeNow() {
    let rep;
    try { rep = JSON.parse(this.core.persistProfile()); } catch (e) { warn(e); return -1; }
    for (const e of rep.errors || []) this.sdk._report(attuneError(e));
    return rep.rev;
  }

  /** At `hidden` / `pagehide`: no time for the lock. */
  persistNow() {
    if (this.core.profileDirty()) this.writeNow();
  }
}

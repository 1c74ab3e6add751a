// Attune's engine worker (a module worker): the engine runs here, off the
// page's main thread, on IndexedDB. The page stamps each state-changing call as
// an op and posts one task's ops per message; the engine applies them, commits
// outbox and profile to IndexedDB, then sends. One tab's worker sends at a time
// (Web Lock `attune:{storagePrefix}:worker-send`; without Web Locks each sends);
// nothing is sent while navigator.onLine is false, and `online` retries at once.
// See docs/delivery.md, "Step 3" and after.
//   in:  { init: { config, stream, profile, env, rescues } }  once, first
//            stream: 32 hex digits; profile: the record the page loaded (or null);
//            rescues: [{ stream, ops }] unconfirmed calls of closed pages;
//            env (optional): { gpc, dnt, environment (core Context JSON),
//              localOffset (minutes), page (PageContext JSON), anonymousId
//              (string|null), consent ({ category: bool } or null) } as the
//              page's engine has them; a malformed field fails start with an
//              error at `env.{field}`
//        { ops: [{ seq, at, type, ... }, ...] }    the calls of one message
//        { flush: id }     commit all applied, send all now (interval and backoff
//                          ignored, waiting for another worker's send lock) until
//                          nothing is left or each collector failed once
//        { forget: id }    erase the visitor: every key under the storage prefix
//                          in IndexedDB, committed; the request to forgetUrl
//        { hidden: true }  the page was hidden: commit, send what waits now
//                          (fetch keepalive, beacon-sized bodies)
//   out: { ready: true, profile }                  `profile`: the profile record the engine
//            started from (IndexedDB's, or the page's copy when that was newer)
//        { rescued: stream }                       a rescue is wholly committed (its key may go;
//                                                  a burst's rescue waits for room, then comes later)
//        { confirmed, applied, totals: [sent, failed, dropped, rejected], pending, profile?, segments? }
//            a report, at most every REPORT_MS (and right before a flushed or
//            forgotten answer): `confirmed` is the last op committed to IndexedDB
//            (the page may forget calls up to it), `applied` the last op applied,
//            `totals` counts since start, `pending` events in the outbox and calls
//            held until it has room (a burst beyond its caps waits in the worker);
//            `profile`, the profile record for the page's replica, only when it
//            changed since the last report that carried it, with `segments`,
//            the membership it gives (the page adopts it at once only when that
//            differs from its own, else at its next read)
//        { flushed: id, sent, pending, failed }   sent/failed during the flush
//        { forgotten: id, error? }                 erased (error: the commit failed)
//        { error: { name, code, path, message } }
//   Messages posted before `ready` wait for it; after an `error` instead of
//   `ready` (start failed) nothing more is answered.
import initWasm, { AttuneWorker } from '../web/attune_wasm.js';

const REPORT_MS = 1000;
// The wasm is fetched and compiled as soon as the worker runs, while the page
// is still building its replica (the `init` message comes after that).
const wasmReady = initWasm({ module_or_path: new URL('../web/attune_wasm_bg.wasm', import.meta.url) });
wasmReady.catch(() => {}); // reported by start(), which awaits it
let engine = null;
let failed = false;
const early = [];
let lastReport = 0;
let lastProfile = null;
let reportTimer = 0;

const plain = (e) => ({
  name: (e && e.name) || 'Error',
  code: e && e.code,
  path: e && e.path,
  message: String((e && e.message) || e),
});

self.onmessage = (m) => {
  const d = m.data || {};
  if (d.init) start(d.init);
  else if (engine) handle(d);
  else if (!failed) early.push(d);
};

async function start({ config, stream, profile, env, rescues }) {
  try {
    await wasmReady;
    engine = await AttuneWorker.start(config, stream, profile || undefined, env);
    engine.onChange(scheduleReport);
  } catch (e) {
    failed = true;
    early.length = 0;
    self.postMessage({ error: plain(e) });
    return;
  }
  self.postMessage({ ready: true, profile: engine.profile() });
  for (const d of early.splice(0)) handle(d);
  for (const r of rescues || []) {
    try {
      // false: part of it waits for room in the outbox (a burst); its stream
      // comes from takeRescued() once the rest is committed.
      if (await engine.rescue(r.stream, JSON.stringify(r.ops))) self.postMessage({ rescued: r.stream });
    } catch (e) {
      self.postMessage({ error: plain(e) });
    }
  }
}

function handle(d) {
  if (d.ops) apply(d.ops);
  else if (d.flush != null) {
    engine.flush().then((r) => {
      report();
      self.postMessage({ flushed: d.flush, sent: r.sent, pending: r.pending, failed: r.failed });
    });
  } else if (d.forget != null) {
    engine.forget().then(
      () => { report(); self.postMessage({ forgotten: d.forget }); },
      (e) => { report(); self.postMessage({ forgotten: d.forget, error: plain(e) }); },
    );
  } else if (d.hidden) engine.hidden();
}

function apply(ops) {
  let text;
  try {
    text = JSON.stringify(ops);
  } catch (e) {
    // A value JSON cannot hold (a BigInt): drop only the ops that have one.
    text = `[${ops.flatMap((op) => {
      try { return [JSON.stringify(op)]; } catch (err) { self.postMessage({ error: plain(err) }); return []; }
    }).join(',')}]`;
  }
  try {
    engine.apply(text);
  } catch (e) {
    self.postMessage({ error: plain(e) });
  }
}

// Every message is a task on the page's main thread: reports are coalesced.
function scheduleReport() {
  if (reportTimer) return;
  reportTimer = setTimeout(report, Math.max(0, REPORT_MS - (Date.now() - lastReport)));
}

function report() {
  if (reportTimer) clearTimeout(reportTimer);
  reportTimer = 0;
  lastReport = Date.now();
  for (const e of engine.takeErrors()) self.postMessage({ error: plain(e) });
  for (const stream of engine.takeRescued()) self.postMessage({ rescued: stream });
  const out = {
    confirmed: engine.confirmed(),
    applied: engine.applied(),
    totals: Array.from(engine.totals()),
    pending: engine.pending(),
  };
  const profile = engine.profile();
  if (profile !== lastProfile) {
    lastProfile = profile;
    out.profile = profile;
    out.segments = engine.segments();
  }
  self.postMessage(out);
}

// Attune's engine worker (a module worker; experimental, not yet started by
// init()): the engine runs here, off the page's main thread. The page stamps
// each state-changing call as an op and posts one task's ops per message; the
// engine applies them, commits outbox and profile to IndexedDB, then sends.
// See docs/delivery.md, "Toward ≤ 5 µs per call".
//   in:  { init: { config, stream, profile, rescues } }  once, first (stream: 32 hex
//            digits; rescues: [{ stream, ops }] unconfirmed calls of closed pages)
//        { ops: [{ seq, at, type, ... }, ...] }    the calls of one message
//   out: { ready: true }
//        { rescued: stream }                       a rescue is committed (its key may go)
//        { confirmed, totals: [sent, failed, dropped], profile? }
//            at most every REPORT_MS: `confirmed` is the last op committed to
//            IndexedDB (the page may forget calls up to it); `profile`, at most
//            once a second, is the profile record for the page's localStorage
//        { error: { name, code, path, message } }
import initWasm, { AttuneWorker } from '../web/attune_wasm.js';

const REPORT_MS = 1000;
const PROFILE_MS = 1000;
let engine = null;
const early = [];
let lastReport = 0;
let lastProfile = 0;
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
  else if (d.ops) engine ? apply(d.ops) : early.push(d.ops);
};

async function start({ config, stream, profile, rescues }) {
  try {
    await initWasm({ module_or_path: new URL('../web/attune_wasm_bg.wasm', import.meta.url) });
    engine = await AttuneWorker.start(config, stream, profile || undefined);
    engine.onChange(scheduleReport);
  } catch (e) {
    self.postMessage({ error: plain(e) });
    return;
  }
  self.postMessage({ ready: true });
  for (const ops of early.splice(0)) apply(ops);
  for (const r of rescues || []) {
    try {
      await engine.rescue(r.stream, JSON.stringify(r.ops));
      self.postMessage({ rescued: r.stream });
    } catch (e) {
      self.postMessage({ error: plain(e) });
    }
  }
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
  reportTimer = 0;
  lastReport = Date.now();
  for (const e of engine.takeErrors()) self.postMessage({ error: plain(e) });
  const out = { confirmed: engine.confirmed(), totals: Array.from(engine.totals()) };
  if (lastReport - lastProfile >= PROFILE_MS) {
    lastProfile = lastReport;
    out.profile = engine.profile();
  }
  self.postMessage(out);
}

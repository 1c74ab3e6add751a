// The page side of the worker design (experimental; init() does not use it yet):
// track() stamps the call as an op and queues it; one postMessage per POST_MS
// carries the queued ops to engine-worker.js, where the engine applies, commits
// (IndexedDB) and sends them. Calls stay here until the worker confirms they are
// committed; at pagehide the rest are written to localStorage under a key of this
// page's stream, and the next page hands them to its worker as a rescue (which
// skips what the dead page's worker had committed). The worker's profile record is
// kept in localStorage for synchronous reads at the next load.
// Events on window: `attune:error` (detail: an Error with name, code, path) and
// `attune:rescued` (detail: the stream of a closed page whose calls were rescued).
// See docs/delivery.md, "Toward ≤ 5 µs per call".
const PROFILE_KEY = 'attune:profile';
const RESCUE_PREFIX = 'attune:rescue:';
const POST_MS = 250;

function attuneError(path, message) {
  return Object.assign(new Error(`${path}: ${message}`), { name: 'AttuneError', code: 'invalid_input', path });
}

function report(op, err) {
  const e = attuneError(`track.properties`, `not JSON-compatible, call dropped (${err && err.message})`);
  e.event = op.event;
  dispatchEvent(new CustomEvent('attune:error', { detail: e }));
}

/** The JSON array of `ops`, leaving out (and reporting) any JSON cannot hold (a cycle, a BigInt). */
function jsonOps(ops) {
  const parts = [];
  for (const op of ops) {
    try { parts.push(JSON.stringify(op)); } catch (err) { report(op, err); }
  }
  return `[${parts.join(',')}]`;
}

function readRescues() {
  const out = [];
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (!key || !key.startsWith(RESCUE_PREFIX)) continue;
      try {
        const r = JSON.parse(localStorage.getItem(key));
        if (r && typeof r.stream === 'string' && Array.isArray(r.ops)) out.push(r);
      } catch (e) {
        localStorage.removeItem(key); // unreadable: nothing to rescue
      }
    }
  } catch (e) { /* storage blocked */ }
  return out;
}

/**
 * Starts the engine worker and resolves to `{ track(event, properties), totals() }`.
 * `workerUrl` defaults to engine-worker.js beside this file.
 */
export function start(config, workerUrl = new URL('./engine-worker.js', import.meta.url)) {
  const words = crypto.getRandomValues(new Uint32Array(4));
  const stream = Array.from(words, (w) => w.toString(16).padStart(8, '0')).join('');
  const worker = new Worker(workerUrl, { type: 'module' });
  let seq = 0;
  let queue = [];
  const unconfirmed = [];
  let timer = 0;
  let lastPost = 0;
  let totals = [0, 0, 0];
  // Calls are posted as objects (structured clone is the cheapest snapshot of many
  // small ones); properties are copied one level deep in the call, so a caller
  // reusing its object does not change what was tracked.
  const post = () => {
    timer = 0;
    lastPost = Date.now();
    const ops = queue;
    queue = [];
    try {
      worker.postMessage({ ops });
    } catch (e) {
      // A value structured clone refuses (a function, a DOM node): post what JSON
      // keeps of them (function-valued keys left out), as the SDK reads properties.
      worker.postMessage({ ops: JSON.parse(jsonOps(ops)) });
    }
    unconfirmed.push({ last: seq, ops });
  };
  addEventListener('pagehide', () => {
    const rest = unconfirmed.flatMap((u) => u.ops).concat(queue);
    if (!rest.length) return;
    try {
      localStorage.setItem(RESCUE_PREFIX + stream, `{"stream":"${stream}","ops":${jsonOps(rest)}}`);
    } catch (e) { /* full or blocked: the worker may still have committed them */ }
  });
  const sdk = {
    track(event, properties) {
      if (typeof event !== 'string' || !event.trim()) throw attuneError('track.event', 'expected a non-empty string');
      if (properties !== undefined && properties !== null && (typeof properties !== 'object' || Array.isArray(properties))) {
        throw attuneError('track.properties', 'expected an object');
      }
      const op = { seq: ++seq, at: Date.now(), type: 'track', event };
      if (properties) op.properties = Object.assign({}, properties);
      queue.push(op);
      // One message per POST_MS at most: in a burst, many tasks' calls share it.
      if (!timer) timer = setTimeout(post, Math.max(0, POST_MS - (Date.now() - lastPost)));
    },
    totals: () => totals,
  };
  return new Promise((resolve, reject) => {
    worker.onmessage = (m) => {
      const d = m.data || {};
      if (d.ready) resolve(sdk);
      if (d.rescued) {
        try { localStorage.removeItem(RESCUE_PREFIX + d.rescued); } catch (e) { /* blocked */ }
        dispatchEvent(new CustomEvent('attune:rescued', { detail: d.rescued }));
      }
      if (d.confirmed != null) {
        while (unconfirmed.length && unconfirmed[0].last <= d.confirmed) unconfirmed.shift();
      }
      if (d.totals) totals = d.totals;
      if (d.profile) {
        try { localStorage.setItem(PROFILE_KEY, d.profile); } catch (e) { /* full or blocked */ }
      }
      if (d.error) {
        const err = Object.assign(new Error(d.error.message), d.error);
        reject(err); // before ready: start fails; after: only reported
        dispatchEvent(new CustomEvent('attune:error', { detail: err }));
      }
    };
    let profile = null;
    try { profile = localStorage.getItem(PROFILE_KEY); } catch (e) { /* blocked */ }
    worker.postMessage({ init: { config, stream, profile, rescues: readRescues() } });
  });
}

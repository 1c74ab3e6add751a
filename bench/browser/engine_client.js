// The page side of the worker design, as small as the measurement needs (not the
// SDK's API yet): track() stamps the call as an op and queues it; one postMessage
// per task carries the task's ops to pkg/src/engine-worker.js, where the engine
// applies, persists (IndexedDB) and sends them. Calls stay here until the worker
// confirms they are committed; at pagehide the rest go to localStorage for the
// next load. The profile record the worker reports is kept in localStorage for
// synchronous reads at the next page load. Used by `attune@engineworker=1`.
const PROFILE_KEY = 'attune:profile';
const RESCUE_KEY = 'attune:rescue';
const POST_MS = 250;

export function start(config) {
  const words = crypto.getRandomValues(new Uint32Array(4));
  const stream = Array.from(words, (w) => w.toString(16).padStart(8, '0')).join('');
  const worker = new Worker(new URL('./src/engine-worker.js', import.meta.url), { type: 'module' });
  let seq = 0;
  let queue = [];
  const unconfirmed = [];
  let timer = 0;
  let lastPost = 0;
  const post = () => {
    timer = 0;
    lastPost = Date.now();
    worker.postMessage({ ops: queue });
    unconfirmed.push(queue);
    queue = [];
  };
  addEventListener('pagehide', () => {
    const rest = unconfirmed.flat().concat(queue);
    if (rest.length) {
      try { localStorage.setItem(RESCUE_KEY, JSON.stringify({ stream, ops: rest })); } catch (e) { /* full or blocked */ }
    }
  });
  return new Promise((resolve, reject) => {
    worker.onmessage = (m) => {
      const d = m.data || {};
      if (d.ready) {
        resolve({
          track(event, properties) {
            queue.push({ seq: ++seq, at: Date.now(), type: 'track', event, properties });
            // One message per POST_MS at most: in a burst, many tasks' calls share it.
            if (!timer) timer = setTimeout(post, Math.max(0, POST_MS - (Date.now() - lastPost)));
          },
          totals: () => d.totals,
        });
      }
      if (d.confirmed != null) {
        while (unconfirmed.length && unconfirmed[0][unconfirmed[0].length - 1].seq <= d.confirmed) unconfirmed.shift();
      }
      if (d.profile) {
        try { localStorage.setItem(PROFILE_KEY, d.profile); } catch (e) { /* full or blocked */ }
      }
      if (d.error) reject(Object.assign(new Error(d.error.message), d.error));
    };
    worker.postMessage({ init: { config, stream, profile: localStorage.getItem(PROFILE_KEY) } });
  });
}

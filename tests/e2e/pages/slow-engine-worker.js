// A stand-in engine worker for tests/e2e/worker_mode.test.mjs: the package's real
// engine worker, started 1.5 s late (a slow device), so that `init` resolves and
// calls are made before the worker is ready. Messages that come meanwhile are
// handed to the real worker once it runs; the BroadcastChannel `attune-test-worker`
// says when that was (Date.now()).
const early = [];
self.onmessage = (m) => early.push(m);
setTimeout(async () => {
  await import('/pkg/src/engine-worker.js');
  new BroadcastChannel('attune-test-worker').postMessage({ importedAt: Date.now() });
  for (const m of early.splice(0)) self.onmessage(m);
}, 1500);

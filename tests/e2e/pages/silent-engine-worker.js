// A stand-in engine worker for tests/e2e/worker_mode.test.mjs: it starts (answers
// `ready`) and then confirms nothing, like a worker that hangs or died after start.
self.onmessage = (m) => {
  if (m.data && m.data.init) self.postMessage({ ready: true });
};

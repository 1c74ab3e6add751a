// A stand-in engine worker for tests/e2e/worker_mode.test.mjs: it starts (answers
// `ready`) and then throws on the first calls it gets, like a worker that crashed.
self.onmessage = (m) => {
  if (m.data && m.data.init) self.postMessage({ ready: true });
  else if (m.data && m.data.ops) throw new Error('stand-in crash');
};

// A stand-in engine worker for tests/e2e/worker_mode.test.mjs: it loads but never
// answers `init` (a worker stuck at start), so the page falls back after 5 s.
self.onmessage = () => {};

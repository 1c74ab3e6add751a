// End-to-end chaos test of event delivery in real Chromium in worker mode
// (`delivery.engine: "worker"`: the engine stores and sends from the package's engine
// worker; tests/e2e/chaos_run.mjs).
import { test } from 'node:test';
import { chaos } from './chaos_run.mjs';

test('worker mode: every event is delivered exactly once after dedupe under reloads, tab closes, offline spells and a failing collector', { timeout: 420_000 }, () => chaos('worker'));

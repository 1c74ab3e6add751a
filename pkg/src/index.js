// Browser ESM entry of the `attune` package (built to `pkg/attune.mjs`, next to
// `attune_bg.wasm` and `sender.js`). Importing it fetches nothing and cannot
// fail: the wasm is fetched and compiled, once per page, when `init(config)`
// (or `load()`) is first called, and a failure rejects that call with an
// AttuneError naming the URL and the likely cause. Both files are referenced
// as `new URL('./…', import.meta.url)`, the form bundlers follow (vite,
// webpack); with one that does not (esbuild, rollup), copy them next to the
// bundle or pass `init({ wasm })` (see the README).

import { attuneError } from './core.js';
import { setSender } from './delivery.js';
import { warmStorage } from './page.js';
import { pure } from './pure.js';
import { start, wasmOption } from './start.js';
import { checkSource, loadedEngine, loadEngine } from './wasm.js';

// Batches are sent from the package's delivery worker, off the main thread.
setSender(() => new Worker(new URL('./sender.js', import.meta.url)));

let fns = null;
function engineFns() {
  const m = loadedEngine();
  if (!m) {
    throw attuneError({
      code: 'not_loaded', path: 'wasm',
      message: 'wasm: the engine is not loaded yet: await init(config) or load() first',
    });
  }
  if (!fns) fns = pure(m);
  return fns;
}

function wasmUrl() {
  return new URL('./attune_bg.wasm', import.meta.url);
}

/**
 * Fetches and compiles the engine, once per page, from `wasm` (a URL, a
 * Response, the bytes or a WebAssembly.Module; default: `attune_bg.wasm`
 * next to this module). Resolves when the pure functions can be called.
 */
export async function load(wasm) {
  checkSource(wasm);
  await loadEngine(wasm === undefined ? wasmUrl() : wasm, import.meta.url);
}

/** Starts Attune with `config`; resolves to the SDK instance. */
export async function init(config) {
  const source = wasmOption(config);
  checkSource(source);
  const loading = loadEngine(source === undefined ? wasmUrl() : source, import.meta.url);
  warmStorage(); // start-up: while the wasm loads
  const m = await loading;
  return start(m, config);
}

/** GrowthBook-compatible condition evaluation (after `init` or `load`). */
export function evalCondition(condition, attributes, savedGroups) {
  return engineFns().evalCondition(condition, attributes, savedGroups);
}

/** GrowthBook's hash (after `init` or `load`). */
export function hash(seed, value, version) {
  return engineFns().hash(seed, value, version);
}

/** Conditions compiled once, evaluated together (after `init` or `load`). */
export class ConditionSet {
  constructor(conditions, savedGroups) {
    return new (engineFns().ConditionSet)(conditions, savedGroups);
  }
}

// The overlay's URL apart from its import: bundlers emit the file for the
// `new URL`, and the import stays the browser's own (build.sh marks it so for
// webpack and vite).
const debugUrl = () => new URL('./debug.js', import.meta.url).href;

/** Opens (or with `on === false` closes) the debug overlay; its code loads only now. */
export async function debug(sdk, on = true) {
  const overlay = await import(debugUrl());
  return on === false ? overlay.close() : overlay.open(sdk);
}

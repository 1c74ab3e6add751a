// Browser ESM entry of the `attune` package (built to `pkg/attune.mjs`, next to
// `attune_bg.wasm` and `sender.js`). The wasm module is fetched and compiled
// once per page, while this module loads; `init(config)` resolves to an SDK.
// A failed fetch does not break the importing module: `init` rejects and the
// pure functions throw, with the reason.

import initWasm, * as wasm from '../web/attune_wasm.js';
import { attuneError, makeHost } from './core.js';
import { setSender } from './delivery.js';
import { warmStorage } from './page.js';
import { pure } from './pure.js';
import { start } from './start.js';

let failure = null;
try {
  const loading = initWasm({ module_or_path: new URL('attune_bg.wasm', import.meta.url) });
  warmStorage(); // start-up: while the wasm loads
  await loading;
  wasm.install(makeHost());
} catch (e) {
  failure = attuneError({ code: 'wasm_unavailable', path: 'attune_bg.wasm', message: 'attune_bg.wasm: ' + ((e && e.message) || e) });
}
// Batches are sent from the package's delivery worker, off the main thread.
setSender(() => new Worker(new URL('sender.js', import.meta.url)));

const fns = failure ? null : pure(wasm);
const unavailable = () => { throw failure; };

/** Starts Attune with `config`; resolves to the SDK instance. */
export async function init(config) {
  if (failure) throw failure;
  return start(wasm, config);
}

/** GrowthBook-compatible condition evaluation (no `init` needed). */
export const evalCondition = fns ? fns.evalCondition : unavailable;
/** GrowthBook's hash. */
export const hash = fns ? fns.hash : unavailable;
/** Conditions compiled once, evaluated together. */
export const ConditionSet = fns ? fns.ConditionSet : unavailable;

/** Opens (or with `on === false` closes) the debug overlay; its code loads only now. */
export async function debug(sdk, on = true) {
  const overlay = await import(new URL('debug.js', import.meta.url).href);
  return on === false ? overlay.close() : overlay.open(sdk);
}

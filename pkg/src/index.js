// Browser ESM entry of the `attune` package: instantiates the wasm once, then
// re-exports the engine's API. `init(config)` resolves to an SDK instance.
import initWasm, { init as startEngine, setSenderUrl, setEngineWorkerUrl } from '../web/attune_wasm.js';
import { withWorkerTrack, withDefaultEngine } from './worker-track.js';

await initWasm({ module_or_path: new URL('../web/attune_wasm_bg.wasm', import.meta.url) });
// Batches are sent from this package's worker (sender.js), off the main thread.
setSenderUrl(new URL('./sender.js', import.meta.url).href);
// In worker mode (this entry's default with a collector) the engine persists and
// sends from this package's engine worker (a module worker importing ../web/attune_wasm.js).
setEngineWorkerUrl(new URL('./engine-worker.js', import.meta.url).href);

export { evalCondition, hash, Attune, ConditionSet } from '../web/attune_wasm.js';

/**
 * Starts Attune with `config` and resolves to the SDK instance. With a
 * collector and no `delivery.engine`, this entry runs in worker mode (the engine
 * that persists and sends runs in engine-worker.js, track() in plain JS);
 * `delivery: { engine: 'page' }` keeps everything on the page.
 */
export async function init(config) {
  return withWorkerTrack(await startEngine(withDefaultEngine(config)));
}

/**
 * Opens (or with `on === false` closes) the debug overlay for an SDK instance.
 * The overlay's module is imported only when this is called.
 */
export async function debug(sdk, on = true) {
  const overlay = await import('./debug.js');
  return on === false ? overlay.close() : overlay.open(sdk);
}

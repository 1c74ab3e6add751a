// Node (>= 18) entry of the `attune` package: the same engine, built for Node.
// There is no DOM or localStorage here, so the profile lives in memory and
// `fetch` delivers events; useful for server-side rendering and tests.
import wasm from '../node/attune_wasm.js';
import { makeHost } from './core.js';
import { pure } from './pure.js';
import { start } from './start.js';

wasm.install(makeHost());

/** Starts Attune with `config`; resolves to the SDK instance. */
export async function init(config) {
  return start(wasm, config);
}

/** Resolves at once: the Node entry's engine is loaded with the module (the browser entry's `load`). */
export async function load() {}

export const { evalCondition, hash, ConditionSet } = pure(wasm);

/**
 * The debug overlay needs a page to show on: in Node (server-side rendering,
 * tests) it does nothing and resolves to false, so code shared with the
 * browser can import and call it unchanged.
 */
export async function debug(sdk, on) {
  return false;
}

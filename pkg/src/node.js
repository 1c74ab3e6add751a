// Node (>= 18) entry of the `attune` package: the same engine, built for Node.
// There is no DOM or localStorage here, so the profile lives in memory and
// `fetch` delivers events; useful for server-side rendering and tests.
import wasm from '../node/attune_wasm.js';

export const { init, evalCondition, hash, Attune, ConditionSet } = wasm;

/**
 * Attune — client-side personalization in Rust compiled to WebAssembly.
 *
 * `init(config)` starts the engine for this visitor and resolves to an {@link Attune}
 * instance. Every error thrown or rejected is an {@link AttuneError}. The same
 * declarations cover the browser entry (`attune.mjs`) and the Node entry; the script
 * tag's `window.attune` is declared in `attune/global`.
 */

import type { AttuneConfig, Condition, Json, WasmSource } from './config.js';
import type { Attune } from './sdk.js';

export * from './config.js';
export * from './results.js';
export * from './sdk.js';

/**
 * Starts Attune for this visitor. Rejects with an {@link AttuneError} on an invalid config
 * (and, with `strict: true`, on any config problem, an unknown key among them); otherwise
 * problems that only disable one item or key are reported through `on('error')` and the console.
 */
export declare function init(config: AttuneConfig): Promise<Attune>;

/**
 * Loads the engine for the pure functions (`evalCondition`, `hash`, `ConditionSet`) without
 * starting an SDK; `init` loads it too. In the browser they throw an {@link AttuneError}
 * `not_loaded` until one of the two has resolved; a wasm that cannot be fetched or compiled
 * rejects with `wasm_unavailable`. Loading twice is harmless. In Node it resolves at once.
 */
export declare function load(wasm?: WasmSource): Promise<void>;

/**
 * Opens (or with `on === false` closes) the debug overlay for `sdk`; its code (`debug.js`)
 * is loaded only on the first call. Resolves to whether the overlay is open. In Node, where
 * there is no page to show it on, it does nothing and resolves to `false`.
 */
export declare function debug(sdk: Attune, on?: boolean): Promise<boolean>;

/**
 * Evaluates a GrowthBook-compatible condition against attributes (no SDK needed; in the
 * browser after `init` or `load` has resolved).
 * Conditions compiled by earlier calls are kept (up to 1,024 and 1 MiB of JSON text, found
 * by their JSON text; all are dropped when full), and so are the last attributes, so
 * repeated calls neither recompile nor reparse; an object changed between calls is read
 * anew. To test many conditions against the same attributes, {@link ConditionSet} is faster.
 * A malformed condition never throws (it evaluates as GrowthBook would).
 */
export declare function evalCondition(condition: Condition, attributes: Record<string, Json>, savedGroups?: Record<string, Json[]>): boolean;

/** Many conditions compiled once and evaluated together (what segments do internally). */
export declare class ConditionSet {
  /** Compiles `conditions`; throws an {@link AttuneError} for a malformed one. */
  constructor(conditions: Condition[], savedGroups?: Record<string, Json[]>);
  /** Number of conditions. */
  readonly length: number;
  /** How many conditions hold for `attributes`. */
  countMatching(attributes: Record<string, Json>): number;
  /** One 0/1 per condition, in order. */
  evaluate(attributes: Record<string, Json>): Uint8Array;
  /** Frees the compiled set (its memory in the engine). */
  free(): void;
}

/** GrowthBook's deterministic hash (FNV-1a 32-bit over UTF-16): a number in `[0, 1)` for versions 1 and 2, else `null`. */
export declare function hash(seed: string, value: string, version: number): number | null;

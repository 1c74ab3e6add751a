// The pure exports (no `init` needed): GrowthBook-compatible condition
// evaluation, GrowthBook's hash, and compiled condition sets.

import { answer, inputError, toJson } from './core.js';

/** `Array.isArray` that answers false for a revoked Proxy instead of throwing. */
function isArray(v) {
  try {
    return Array.isArray(v);
  } catch (_) {
    return false;
  }
}

/** The pure functions over the instantiated engine module `wasm`. */
export function pure(wasm) {
  // The engine keeps the conditions compiled by earlier calls (up to 1,024 and
  // 1 MiB of text: all are dropped when it is full) and the last attributes
  // parsed. They are found by JSON text, so a condition or attributes object
  // changed between calls is compiled or parsed anew: nothing stale is ever
  // evaluated. Only this map calls `compileCondition`, so it and the engine's
  // slots move in step (call `pure` once per engine module).
  const slots = new Map(); // condition text → slot
  let lastAttributes, lastGroups;

  /**
   * Evaluates a condition against attributes, as GrowthBook's `evalCondition`;
   * never throws. Input that is not JSON the engine reads (a cycle, a BigInt,
   * nesting deeper than 128 levels, a lone surrogate) evaluates to false
   * (docs/rules.md).
   */
  function evalCondition(condition, attributes, savedGroups) {
    let c, a, g;
    try {
      c = toJson(condition, 'condition');
      a = toJson(attributes, 'attributes');
      g = savedGroups === undefined ? 'null' : toJson(savedGroups, 'savedGroups');
    } catch (_) {
      return false;
    }
    let slot = slots.get(c);
    if (slot === undefined) {
      slot = wasm.compileCondition(c);
      if (slot === 0) slots.clear(); // the engine started again from slot 0
      slots.set(c, slot);
    }
    if (a !== lastAttributes || g !== lastGroups) {
      wasm.setAttributes(a, g);
      lastAttributes = a;
      lastGroups = g;
    }
    return wasm.evalSlot(slot);
  }

  /** GrowthBook's hash: a number in [0, 1) for versions 1 and 2, else null. */
  function hash(seed, value, version) {
    if (typeof seed !== 'string') throw inputError('hash.seed', 'expected a string');
    if (typeof value !== 'string') throw inputError('hash.value', 'expected a string');
    const n = wasm.hash(seed, value, typeof version === 'number' ? version : NaN);
    return n < 0 ? null : n;
  }

  /** Many conditions compiled once (as segments are), evaluated together. */
  class ConditionSet {
    constructor(conditions, savedGroups) {
      if (!isArray(conditions)) throw inputError('conditions', 'expected an array');
      this._set = answerSet(wasm.ConditionSet.create(toJson(conditions, 'conditions'),
        savedGroups === undefined ? 'null' : toJson(savedGroups, 'savedGroups')));
    }

    /** How many conditions there are. */
    get length() { return this._set.length(); }

    /** How many conditions `attributes` match. */
    countMatching(attributes) { return this._set.countMatching(toJson(attributes, 'attributes')); }

    /** One 0/1 per condition, in order. */
    evaluate(attributes) { return this._set.evaluate(toJson(attributes, 'attributes')); }

    /** Frees the compiled set. */
    free() { this._set.free(); }
  }

  function answerSet(r) {
    if (typeof r === 'string') answer(r);
    return r;
  }

  return { evalCondition, hash, ConditionSet };
}

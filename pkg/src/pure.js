// The pure exports (no `init` needed): GrowthBook-compatible condition
// evaluation, GrowthBook's hash, and compiled condition sets.

import { answer, inputError, toJson } from './core.js';

/** The pure functions over the instantiated engine module `wasm`. */
export function pure(wasm) {
  /** Evaluates a condition against attributes, as GrowthBook's `evalCondition` (never throws for a malformed condition). */
  function evalCondition(condition, attributes, savedGroups) {
    return wasm.evalCondition(toJson(condition, 'condition'), toJson(attributes, 'attributes'),
      savedGroups === undefined ? 'null' : toJson(savedGroups, 'savedGroups'));
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
      if (!Array.isArray(conditions)) throw inputError('conditions', 'expected an array');
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

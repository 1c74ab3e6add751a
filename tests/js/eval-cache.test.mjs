// The one-off evalCondition keeps compiled conditions and the last attributes
// in the engine (pkg/src/pure.js, src/web/rules_api.rs): these tests check that
// a changed object never gets a stale answer, also once the cache was emptied.
// (The engine's own bounds are in eval-cache-engine.test.mjs: calling the
// engine directly here would put it out of step with the package's map.)
import assert from 'node:assert/strict';
import { test } from 'node:test';

const { evalCondition } = await import('../../pkg/src/node.js');

test('a condition object changed between calls is evaluated as it is now', () => {
  const condition = { age: { $gte: 18 } };
  const attributes = { age: 21 };
  assert.equal(evalCondition(condition, attributes), true);
  condition.age.$gte = 30;
  assert.equal(evalCondition(condition, attributes), false);
  condition.age = { $lt: 30 };
  assert.equal(evalCondition(condition, attributes), true);
});

test('an attributes object changed between calls is evaluated as it is now', () => {
  const attributes = { tags: ['a'], plan: 'free' };
  const condition = { tags: { $elemMatch: { $eq: 'b' } } };
  assert.equal(evalCondition(condition, attributes), false);
  attributes.tags.push('b');
  assert.equal(evalCondition(condition, attributes), true);
  assert.equal(evalCondition({ plan: 'free' }, attributes), true);
  attributes.plan = 'pro';
  assert.equal(evalCondition({ plan: 'free' }, attributes), false);
  // Saved groups are part of what is compared too.
  const groups = { g: ['x'] };
  assert.equal(evalCondition({ id: { $inGroup: 'g' } }, { id: 'y' }, groups), false);
  groups.g.push('y');
  assert.equal(evalCondition({ id: { $inGroup: 'g' } }, { id: 'y' }, groups), true);
});

test('past 1,024 distinct conditions the cache is emptied and refilled, with right answers', () => {
  const first = { n: { $gt: 5 } };
  assert.equal(evalCondition(first, { n: 6 }), true);
  for (let i = 0; i < 2500; i++) assert.equal(evalCondition({ n: i }, { n: 6 }), i === 6);
  assert.equal(evalCondition(first, { n: 6 }), true);
  assert.equal(evalCondition({ n: 2 }, { n: 6 }), false);
  assert.equal(evalCondition({ n: 6 }, { n: 6 }), true);
});

test('large conditions (past 1 MiB of text in all) are kept and dropped with right answers', () => {
  const ids = (k) => ({ id: { $in: Array.from({ length: 20_000 }, (_, i) => k + '-' + i) } });
  const big = Array.from({ length: 8 }, (_, k) => ids('k' + k));
  assert.ok(JSON.stringify(big[0]).length > 200_000);
  for (let round = 0; round < 2; round++) {
    for (let k = 0; k < big.length; k++) {
      assert.equal(evalCondition(big[k], { id: 'k' + k + '-19999' }), true);
      assert.equal(evalCondition(big[k], { id: 'k' + ((k + 1) % 8) + '-1' }), false);
    }
  }
});

test('a bad condition evaluates to false or as GrowthBook, never throws, never stale', () => {
  const cyclic = {};
  cyclic.self = cyclic;
  assert.equal(evalCondition(cyclic, {}), false, 'unreadable: false (docs/rules.md)');
  // A malformed condition evaluates as GrowthBook's does (it holds here), without throwing.
  assert.equal(evalCondition({ $and: 5 }, {}), true);
});

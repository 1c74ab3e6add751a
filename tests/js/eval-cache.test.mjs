// The one-off evalCondition keeps compiled conditions and the last attributes
// in the engine (pkg/src/pure.js, src/web/rules_api.rs): these tests check that
// a changed object never gets a stale answer and that the cache stays bounded.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';

const { evalCondition } = await import('../../pkg/src/node.js');
const engine = createRequire(import.meta.url)('../../pkg/node/attune_wasm.js');

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

test('many distinct conditions reuse a bounded number of engine slots, with right answers', () => {
  const seen = new Set();
  for (let i = 0; i < 3000; i++) seen.add(engine.compileCondition(JSON.stringify({ n: i })));
  assert.equal(seen.size, 1024);
  assert.ok([...seen].every((s) => s >= 0 && s < 1024));
  // Through the package: a condition whose slot was reused is compiled again.
  const first = { n: { $gt: 5 } };
  assert.equal(evalCondition(first, { n: 6 }), true);
  for (let i = 0; i < 2500; i++) assert.equal(evalCondition({ n: i }, { n: 6 }), i === 6);
  assert.equal(evalCondition(first, { n: 6 }), true);
  assert.equal(evalCondition({ n: 2 }, { n: 6 }), false);
  assert.equal(evalCondition({ n: 6 }, { n: 6 }), true);
});

test('a large condition is evaluated without being kept, and a bad one still throws a typed error', () => {
  const big = { id: { $in: Array.from({ length: 2000 }, (_, i) => 'user-' + i) } };
  assert.equal(evalCondition(big, { id: 'user-1999' }), true);
  assert.equal(evalCondition(big, { id: 'nobody' }), false);
  const cyclic = {};
  cyclic.self = cyclic;
  assert.throws(() => evalCondition(cyclic, {}), (e) => e instanceof Error && /condition/.test(e.message));
  // A malformed condition evaluates as GrowthBook's does (it holds here), without throwing.
  assert.equal(evalCondition({ $and: 5 }, {}), true);
});

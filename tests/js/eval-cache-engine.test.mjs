// The engine's side of the one-off evalCondition cache (src/web/rules_api.rs),
// called directly: the slots it hands out are bounded in number and in text.
// (Its own process: the package's map in eval-cache.test.mjs never sees these.)
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';

const engine = createRequire(import.meta.url)('../../pkg/node/attune_wasm.js');

test('many distinct conditions take at most 1,024 slots, then the cache starts again at 0', () => {
  const slots = [];
  for (let i = 0; i < 3000; i++) slots.push(engine.compileCondition(JSON.stringify({ n: i })));
  assert.equal(new Set(slots).size, 1024);
  assert.ok(slots.every((s, i) => s === i % 1024));
  // The last round (2048..2999) filled slots 0..951; the rest were dropped with it.
  engine.setAttributes('{"n":2999}', 'null');
  assert.equal(engine.evalSlot(951), true);
  assert.equal(engine.evalSlot(950), false);
  engine.setAttributes('{"n":2000}', 'null');
  assert.equal(engine.evalSlot(976), false);
  assert.equal(engine.evalSlot(5000), false);
});

test('the cache holds at most 1 MiB of condition text', () => {
  const ids = (k) => ({ id: { $in: Array.from({ length: 22_000 }, (_, i) => k + '-' + i) } });
  const text = JSON.stringify(ids('k0'));
  assert.ok(text.length > 220_000 && text.length < 260_000, `${text.length}`);
  // Four such texts fit in 1 MiB, a fifth empties the cache.
  const slots = [];
  for (let k = 0; k < 10; k++) slots.push(engine.compileCondition(JSON.stringify(ids('k' + k))));
  const after = slots.slice(slots.indexOf(0));
  assert.deepEqual(after.slice(0, 6), [0, 1, 2, 3, 0, 1], `slots ${slots}`);
});

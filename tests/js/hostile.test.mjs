// Hostile input to the pure evalCondition and to init (issue 24, items 3 and
// 4): the Node entry shares pkg/src/pure.js and pkg/src/start.js with the
// browser entries (tests/e2e/hostile_config.test.mjs runs the init cases in
// Chromium on both of those).
import assert from 'node:assert/strict';
import { test } from 'node:test';

const { evalCondition, init } = await import('../../pkg/src/node.js');

const nest = (n, leaf) => { let v = leaf; for (let i = 0; i < n; i++) v = { a: v }; return v; };

test('evalCondition never throws: unreadable input is false, and the next call is right', () => {
  const cyclic = { age: 30 }; cyclic.self = cyclic;
  const cycCond = { $and: [] }; cycCond.$and.push(cycCond);
  const lone = 'x\uD800';
  const cases = [
    ['cyclic attributes', { age: 30 }, cyclic],
    ['cyclic condition', cycCond, { age: 30 }],
    ['BigInt attribute', { age: 30 }, { age: 30n }],
    ['BigInt in the condition', { age: 30n }, { age: 30 }],
    ['attributes 130 deep', {}, nest(130, 1)],
    ['condition 130 deep', { x: { $exists: false }, y: nest(130, 1) }, {}],
    ['attributes 10,000 deep', {}, nest(10_000, 1)],
    ['a throwing getter', {}, { get a() { throw new Error('x'); } }],
    ['a Proxy whose ownKeys throws', {}, new Proxy({}, { ownKeys() { throw new Error('k'); } })],
  ];
  for (const [what, c, a, g] of cases) {
    let got;
    assert.doesNotThrow(() => { got = evalCondition(c, a, g); }, what);
    assert.equal(got, false, what);
    // The engine's cache is not left holding the unreadable input.
    assert.equal(evalCondition({ age: { $gte: 18 } }, { age: 21 }), true, `after ${what}`);
    assert.equal(evalCondition({}, {}), true, `after ${what}`);
  }
  // A lone surrogate reads as U+FFFD (src/core/json): a defined answer, never a throw.
  assert.equal(evalCondition({ name: lone }, { name: lone }), true);
  assert.equal(evalCondition({ name: 'x\uFFFD' }, { name: lone }), true);
  assert.equal(evalCondition({ name: { $exists: false } }, { name: lone }), false);
  // Within the limits the same shapes evaluate as usual.
  assert.equal(evalCondition({}, nest(120, 1)), true);
  assert.equal(evalCondition({ name: 'x\uD83D\uDE00' }, { name: 'x\uD83D\uDE00' }), true);
});

async function rejection(config) {
  try {
    await init(config);
  } catch (e) {
    return { name: e.name, code: e.code, path: e.path, message: e.message };
  }
  return null;
}

test('init rejects a hostile or unsendable config with an AttuneError at its path', async () => {
  const revocable = Proxy.revocable({}, {}); revocable.revoke();
  const cyc = { placements: [] }; cyc.placements.push(cyc);
  let deep = { 'traits.x': 1 };
  for (let i = 0; i < 130; i++) deep = { $and: [deep] };
  const cases = [
    [{ get a() { throw new Error('x'); } }, 'a'],
    [{ collector: { get url() { throw new Error('u'); } } }, 'collector.url'],
    [new Proxy({}, { ownKeys() { throw new Error('k'); } }), 'config'],
    [new Proxy({ a: 1 }, { get() { throw new Error('g'); } }), 'config'],
    [revocable.proxy, 'config'],
    [{ get wasm() { throw new Error('w'); } }, 'wasm'],
    [cyc, 'placements[0]'],
    [{ flushInterval: 10n }, 'flushInterval'],
    [{ collector: { url: 'javascript:alert(1)' } }, 'collector.url'],
    [{ collector: { url: 'ftp://example.com/x' } }, 'collector.url'],
    [{ collector: { url: 'http://[::1' } }, 'collector.url'],
    [{ collector: { url: '/v1/batch', forgetUrl: 'data:,x' } }, 'collector.forgetUrl'],
    [{ collector: { url: '/v1/batch', headers: { 'a b': 'x' } } }, 'collector.headers.a b'],
    [{ collector: { url: '/v1/batch', headers: { 'X-A': 'a\nb' } } }, 'collector.headers.X-A'],
    [{ collector: { url: '/v1/batch', headers: { 'X-A': 'caf\u0113' } } }, 'collector.headers.X-A'],
    [{ collectors: [{ url: '/ok' }, { url: 'javascript:x' }] }, 'collectors[1].url'],
  ];
  for (const [config, path] of cases) {
    const e = await rejection(config);
    assert.ok(e, `rejected: ${path}`);
    assert.equal(e.name, 'AttuneError', `${path}: ${e.message}`);
    assert.equal(e.code, 'invalid_config', `${path}: ${e.message}`);
    assert.equal(e.path, path, e.message);
    assert.ok(e.message.startsWith(`${path}: `), e.message);
  }
  const d = await rejection({ placements: [{ slot: 'hero', variants: [{ id: 'v', when: deep, content: { text: 'x' } }] }] });
  assert.equal(d?.code, 'invalid_config');
  assert.match(d.path, /^placements\[0\]\.variants\[0\]\.when\.\$and\[0\]/, d.message);
  assert.match(d.message, /nested deeper than 128 levels/);
  // Good URLs and headers still start.
  for (const url of ['/v1/batch', 'https://c.example/v1/batch', 'http://127.0.0.1:9/b', '//c.example/b', 'v1/batch']) {
    const sdk = await init({ autocapture: false, collector: { url, headers: { 'X-Key': 'v a l', Authorization: 'Bearer x' } } });
    assert.equal(typeof sdk.track, 'function', url);
  }
});

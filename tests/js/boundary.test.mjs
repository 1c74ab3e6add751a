// The typed boundary (issue 24, item 1), in Node: every SDK method and pure
// function called with hostile arguments either works or throws an AttuneError
// with a code and a path — never a RuntimeError from wasm, a bare TypeError from
// the glue or anything else — nothing pollutes Object.prototype, and afterwards
// the SDK still delivers a normal event to a real collector on 127.0.0.1.
// The calls are drawn from a seeded generator, bounded in count and time.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test } from 'node:test';

const attune = await import('../../pkg/src/node.js');

/** A deterministic generator (LCG), so a failure names a reproducible seed. */
function rng(seed) {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296; };
}

function hostileValues() {
  const cyclic = { a: 1 }; cyclic.self = cyclic;
  let deep = {}; for (let i = 0; i < 10_000; i++) deep = { d: deep };
  const getter = { get a() { throw new Error('getter'); } };
  const proxy = new Proxy({}, { ownKeys() { throw new Error('ownKeys'); }, get() { throw new Error('get'); } });
  const revocable = Proxy.revocable({}, {}); revocable.revoke();
  return [
    undefined, null, NaN, Infinity, -Infinity, 0, -0, 2 ** 53 + 1, true, '', 'x\uD800', '\uDC00x',
    'a'.repeat(1 << 20), Symbol('s'), 10n, () => 1, [], [1, [2, [3]]], {}, cyclic, deep, getter, proxy,
    revocable.proxy, new Uint8Array(4), new Date(0), /re/, new Map([[1, 2]]),
    JSON.parse('{"__proto__": {"polluted": true}}'), { constructor: { prototype: { polluted: true } } },
    Object.create(null),
  ];
}

const METHODS = ['page', 'track', 'identify', 'group', 'alias', 'decide', 'explain', 'viewed', 'clicked',
  'consent', 'on', 'off'];

function startCollector() {
  const events = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      try {
        const batch = JSON.parse(body).batch;
        if (Array.isArray(batch)) events.push(...batch);
      } catch (_) { /* not a batch */ }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}/v1/batch`, events, close: () => new Promise((r) => server.close(r)),
  })));
}

function check(what, fn) {
  let out;
  try {
    out = fn();
  } catch (e) {
    assert.equal(e && e.name, 'AttuneError', `${what}: threw ${e && e.name}: ${e && e.message}`);
    assert.equal(typeof e.code, 'string', `${what}: a code`);
    assert.equal(typeof e.path, 'string', `${what}: a path`);
    return null;
  }
  return out;
}

test('hostile arguments to every method give an AttuneError or work; the SDK keeps delivering', async () => {
  const collector = await startCollector();
  try {
    await storm(collector);
  } finally {
    await collector.close();
  }
});

async function storm(collector) {
  const sdk = await attune.init({ collector: { url: collector.url }, storagePrefix: 'boundary' });
  const values = hostileValues();
  const rand = rng(2412);
  const pick = () => values[Math.floor(rand() * values.length)];
  const pending = [];
  const t0 = Date.now();
  let calls = 0;
  for (; calls < 3000 && Date.now() - t0 < 20_000; calls++) {
    const m = METHODS[calls % METHODS.length];
    const args = [pick(), pick(), pick()].slice(0, 1 + Math.floor(rand() * 3));
    const out = check(`${m}(#${calls})`, () => sdk[m](...args));
    if (out && typeof out.then === 'function') {
      pending.push(out.then(() => {}, (e) => assert.equal(e && e.name, 'AttuneError', `${m}: rejected with ${e}`)));
    }
  }
  for (const v of values) {
    check('evalCondition', () => attune.evalCondition(v, v));
    check('hash', () => attune.hash(v, v, v));
    check('ConditionSet', () => new attune.ConditionSet(v));
  }
  await Promise.all(pending);
  assert.equal(({}).polluted, undefined, 'Object.prototype untouched');
  assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);

  // A normal event after all that still reaches the collector.
  sdk.track('After The Storm', { n: 1 });
  const deadline = Date.now() + 15_000;
  while (!collector.events.some((e) => e.event === 'After The Storm') && Date.now() < deadline) {
    await sdk.flush();
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(collector.events.some((e) => e.event === 'After The Storm'), `delivered after ${calls} hostile calls`);
  assert.ok(calls >= 500, `at least 500 hostile calls made (${calls})`);
}

// The typed boundary in real Chromium, on both browser entries (issue 24,
// items 1 and 5 in part): a seeded storm of hostile arguments over every SDK
// method and pure function. Each call must work or throw (or reject with) an
// AttuneError with a code and a path — no wasm RuntimeError, no bare TypeError
// from the glue — nothing may reach the page uncaught, Object.prototype stays
// clean, and a normal event tracked afterwards reaches the collector.
// tests/js/boundary.test.mjs runs the same storm in Node.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, test } from 'node:test';

import { launchBrowser, startCollector, waitFor } from './helpers.mjs';

let collector;
let browser;
before(async () => { collector = await startCollector({ www: 'tests/e2e/pages' }); });
beforeEach(async () => { browser = await launchBrowser(); });
afterEach(async () => { await browser?.close(); });
after(async () => { await collector?.close(); });

const PAGES = {
  esm: '<!doctype html><meta charset="utf-8"><script type="module">import * as a from "/pkg/attune.mjs";'
    + ' window.__start = (c) => a.init(c).then((sdk) => ({ sdk, pure: a }));</script>',
  tag: '<!doctype html><meta charset="utf-8"><script src="/pkg/attune.js"></script>'
    + '<script>window.__start = (c) => attune.init(c).then((sdk) => ({ sdk, pure: attune }));</script>',
};

/** Runs in the page: the storm, bounded in calls and time; returns what broke the rules. */
async function storm({ url, calls: maxCalls }) {
  const { sdk, pure } = await window.__start({ collector: { url }, autocapture: false });
  let s = 2412;
  const rand = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296; };
  const cyclic = { a: 1 }; cyclic.self = cyclic;
  let deep = {}; for (let i = 0; i < 10000; i++) deep = { d: deep };
  const revocable = Proxy.revocable({}, {}); revocable.revoke();
  const values = [undefined, null, NaN, Infinity, -Infinity, -0, 2 ** 53 + 1, true, '', 'x\uD800', '\uDC00x',
    'a'.repeat(1 << 20), Symbol('s'), 10n, () => 1, [], [1, [2]], {}, cyclic, deep,
    { get a() { throw new Error('getter'); } },
    new Proxy({}, { ownKeys() { throw new Error('ownKeys'); }, get() { throw new Error('get'); } }),
    revocable.proxy, new Uint8Array(4), new Date(0), document.body, window.location,
    JSON.parse('{"__proto__": {"polluted": true}}'), Object.create(null)];
  const methods = ['page', 'track', 'identify', 'group', 'alias', 'decide', 'explain', 'viewed', 'clicked',
    'consent', 'on', 'off'];
  const pick = () => values[Math.floor(rand() * values.length)];
  const bad = [];
  const judge = (what, e) => {
    if (!e || e.name !== 'AttuneError' || typeof e.code !== 'string' || typeof e.path !== 'string') {
      bad.push(what + ': ' + (e && e.name) + ': ' + String(e && e.message).slice(0, 120));
    }
  };
  const pending = [];
  const t0 = performance.now();
  let calls = 0;
  for (; calls < maxCalls && performance.now() - t0 < 20000; calls++) {
    const m = methods[calls % methods.length];
    const args = [pick(), pick(), pick()].slice(0, 1 + Math.floor(rand() * 3));
    try {
      const out = sdk[m](...args);
      if (out && typeof out.then === 'function') pending.push(out.then(() => {}, (e) => judge(m, e)));
    } catch (e) { judge(m + '#' + calls, e); }
  }
  // The script tag's window.attune carries evalCondition only; the ESM entry all three.
  const fns = [['evalCondition', (v) => pure.evalCondition(v, v)]];
  if (typeof pure.hash === 'function') fns.push(['hash', (v) => pure.hash(v, v, v)], ['ConditionSet', (v) => new pure.ConditionSet(v)]);
  for (const v of values) {
    for (const [name, fn] of fns) {
      try { fn(v); } catch (e) { judge(name, e); }
    }
  }
  await Promise.all(pending);
  const polluted = ({}).polluted !== undefined;
  sdk.track('After The Storm', { n: 1 });
  await sdk.flush();
  return { bad: bad.slice(0, 20), badCount: bad.length, calls, polluted };
}

for (const [entry, html] of Object.entries(PAGES)) {
  test(`${entry}: hostile arguments give AttuneErrors only, nothing uncaught, and the next event is delivered`, { timeout: 90_000 }, async () => {
    await collector.fetchJson('/v1/reset', { method: 'POST' });
    const page = await browser.newPage();
    await page.route(`${collector.origin}/boundary.html`, (r) => r.fulfill({ contentType: 'text/html', body: html }));
    await page.goto(`${collector.origin}/boundary.html`);
    await page.waitForFunction(() => typeof window.__start === 'function', null, { timeout: 10_000 });
    const got = await page.evaluate(storm, { url: `${collector.origin}/v1/batch`, calls: 1500 });
    assert.deepEqual(got.bad, [], `${got.badCount} calls broke the boundary`);
    assert.ok(got.calls >= 500, `at least 500 hostile calls (${got.calls})`);
    assert.equal(got.polluted, false, 'Object.prototype untouched');
    await waitFor('the event after the storm at the collector', async () => (await collector.fetchJson('/v1/events'))
      .some((e) => e.event === 'After The Storm'), { timeoutMs: 15_000 });
    // Rejected calls are reported with console.warn; nothing uncaught, no console error.
    assert.deepEqual(page.problems.filter((p) => !p.includes('favicon.ico')), []);
  });
}

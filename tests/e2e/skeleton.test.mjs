// The skeleton path, end to end, against the real collector: it serves
// tests/e2e/pages/skeleton.html (a page with the snippet) and pkg/ (the built SDK).
//   1st visit: the hero keeps its default; the snippet's queued calls are replayed.
//   2nd visit: the visitor is `returning`, the hero says "Welcome back!".
//   After flush(): the collector has both page views, Segment-shaped, one anonymousId.
// attune.js is async, so it may run before or after the page's own scripts; each
// order has its own test (forced by delaying one response), both must give the same page.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { launchBrowser, startCollector, UUID_V4, waitFor } from './helpers.mjs';

let collector;
let browser;

before(async () => {
  collector = await startCollector({ www: 'tests/e2e/pages' });
});

beforeEach(async () => {
  await collector.fetchJson('/v1/reset', { method: 'POST' });
  browser = await launchBrowser(); // fresh profile: a new visitor
});

afterEach(async () => {
  await browser?.close();
});

after(async () => {
  await collector?.close();
});

// Holds back every response whose URL ends with `suffix` by `ms` (routing also
// turns the HTTP cache off, so each visit really fetches it).
const delay = (page, suffix, ms) => page.route((url) => url.pathname.endsWith(suffix), async (route) => {
  await sleep(ms);
  await route.continue();
});

// Resolves once the loader has replaced the snippet's queue object and `init`
// has resolved: through the loader's ready-callback API (`onReady(cb)`, or
// `ready(cb)` should `ready` become that function), bounded in time.
const sdkReady = async (page) => {
  await page.waitForFunction(() => window.attune && window.attune.__attune === true, null, { timeout: 15_000 });
  await page.evaluate(() => new Promise((resolve, reject) => {
    const a = window.attune;
    const register = typeof a.onReady === 'function' ? a.onReady : a.ready;
    if (typeof register !== 'function') reject(new Error('window.attune has no onReady/ready(cb)'));
    setTimeout(() => reject(new Error('attune not ready within 15 s')), 15_000);
    register.call(a, () => resolve());
  }));
};
const hero = (page) => page.locator('[data-attune-slot="hero"]').textContent();
// Problems a page reported, minus the browser's own favicon probe.
const problems = (page) => page.problems.filter((p) => !p.includes('favicon.ico'));

test('skeleton: snippet queue, returning-visitor hero, events at the collector', { timeout: 120_000 }, async () => {
  const page = await browser.newPage();
  // The contract's order: the page's calls are queued before attune.js arrives.
  await delay(page, '/pkg/attune.js', 300);
  const wasmResponses = [];
  page.on('response', (r) => { if (r.url().endsWith('.wasm')) wasmResponses.push(r); });

  // --- first visit -------------------------------------------------------------
  const first = await page.goto(`${collector.origin}/skeleton.html`, { waitUntil: 'load' });
  assert.equal(first.status(), 200, 'demo page is served');
  // Before the SDK arrives, `attune` is the snippet's queue (it must exist synchronously).
  await sdkReady(page);
  assert.equal(await hero(page), 'Hello, new visitor', 'first visit keeps the default hero');
  // The queued `ready(cb)` was replayed: skeleton.js's callback wrote the segments out.
  await waitFor('the queued ready() callback', async () => (await page.locator('#segments').textContent()) === '[]');

  const wasm = wasmResponses.find((r) => r.url().endsWith('/pkg/attune_bg.wasm'));
  assert.ok(wasm, `attune.js fetched /pkg/attune_bg.wasm (saw: ${wasmResponses.map((r) => r.url())})`);
  assert.equal(wasm.status(), 200);
  assert.match(wasm.headers()['content-type'] ?? '', /^application\/wasm/, 'wasm served for streaming compile');

  // --- second visit: same browser profile --------------------------------------
  await page.reload({ waitUntil: 'load' });
  await sdkReady(page);
  await waitFor('the hero to say "Welcome back!"', async () => (await hero(page)) === 'Welcome back!');
  const segments = await page.evaluate(() => window.attune.segments());
  assert.ok(segments.includes('returning'), `returning segment (got ${JSON.stringify(segments)})`);

  // --- delivery ----------------------------------------------------------------
  const flushed = await page.evaluate(() => window.attune.flush());
  assert.equal(flushed?.pending, 0, `flush() left nothing pending (${JSON.stringify(flushed)})`);

  const events = await waitFor('two page events at the collector', async () => {
    const all = await collector.fetchJson('/v1/events');
    return all.filter((e) => e.type === 'page').length >= 2 ? all : null;
  });
  const pages = events.filter((e) => e.type === 'page');
  assert.ok(pages.length >= 2, `>= 2 page events (got ${pages.length})`);
  for (const e of pages) {
    assert.match(e.messageId ?? '', UUID_V4, `messageId is a UUID v4: ${e.messageId}`);
    assert.equal(e.context?.library?.name, 'attune', 'context.library.name');
  }
  assert.equal(new Set(events.map((e) => e.messageId)).size, events.length, 'no event stored twice');
  const anonymousIds = new Set(events.map((e) => e.anonymousId));
  assert.equal(anonymousIds.size, 1, `one anonymousId across visits (got ${[...anonymousIds]})`);
  assert.ok([...anonymousIds][0], 'anonymousId is set');
  // The queued track() from skeleton.js was replayed on both visits.
  const opened = events.filter((e) => e.type === 'track' && e.event === 'Demo Opened');
  assert.equal(opened.length, 2, `two "Demo Opened" track events (got ${opened.length})`);

  assert.deepEqual(problems(page), [], 'no page errors or console errors');
});

test('same page when attune.js arrives before the page has queued its calls', { timeout: 120_000 }, async () => {
  const page = await browser.newPage();
  // A returning visitor has attune.js cached: it runs while the parser still waits
  // for demo.js, so demo.js then talks to the loaded SDK directly, and init may
  // resolve before <body> (and the slot) has been parsed.
  await delay(page, '/skeleton.js', 500);
  for (const visit of [1, 2]) {
    if (visit === 1) await page.goto(`${collector.origin}/skeleton.html`, { waitUntil: 'load' });
    else await page.reload({ waitUntil: 'load' });
    await sdkReady(page);
    const want = visit === 1 ? 'Hello, new visitor' : 'Welcome back!';
    await waitFor(() => `visit ${visit}: hero "${want}" (page problems: ${JSON.stringify(problems(page))})`, async () => (await hero(page)) === want);
    await waitFor(() => `visit ${visit}: skeleton.js's ready() callback (page problems: ${JSON.stringify(problems(page))})`, async () => {
      const text = await page.locator('#segments').textContent();
      return text === (visit === 1 ? '[]' : '["returning"]');
    }, { timeoutMs: 5_000 });
  }
  await page.evaluate(() => window.attune.flush());
  const events = await collector.fetchJson('/v1/events');
  assert.equal(events.filter((e) => e.type === 'page').length, 2, 'two page events');
  assert.equal(events.filter((e) => e.event === 'Demo Opened').length, 2, 'two "Demo Opened" events');
  assert.deepEqual(problems(page), [], 'no page errors or console errors');
});

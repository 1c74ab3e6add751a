// The skeleton path, end to end, against the real demo server: the collector
// serves www/ (the demo page with the snippet) and pkg/ (the built SDK).
//   1st visit: the hero keeps its default; the snippet's queued calls are replayed.
//   2nd visit: the visitor is `returning`, the hero says "Welcome back!".
//   After flush(): the collector has both page views, Segment-shaped, one anonymousId.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launchBrowser, startCollector, UUID_V4, waitFor } from './helpers.mjs';

let collector;
let browser;

before(async () => {
  collector = await startCollector();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await collector?.close();
});

// The loader replaces the snippet's queue object and sets `ready` once init resolved.
const sdkReady = (page) => page.waitForFunction(
  () => window.attune && window.attune.__attune === true && window.attune.ready === true,
  null,
  { timeout: 15_000 },
);
const hero = (page) => page.locator('[data-attune-slot="hero"]').textContent();
// Problems a page reported, minus the browser's own favicon probe.
const problems = (page) => page.problems.filter((p) => !p.includes('favicon.ico'));

test('skeleton: snippet queue, returning-visitor hero, events at the collector', { timeout: 120_000 }, async () => {
  const page = await browser.newPage();
  const wasmResponses = [];
  page.on('response', (r) => { if (r.url().endsWith('.wasm')) wasmResponses.push(r); });

  // --- first visit -------------------------------------------------------------
  const first = await page.goto(`${collector.origin}/`, { waitUntil: 'load' });
  assert.equal(first.status(), 200, 'demo page is served');
  // Before the SDK arrives, `attune` is the snippet's queue (it must exist synchronously).
  await sdkReady(page);
  assert.equal(await hero(page), 'Hello, new visitor', 'first visit keeps the default hero');
  // The queued `ready(cb)` was replayed: demo.js's callback wrote the segments out.
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
  // The queued track() from demo.js was replayed on both visits.
  const opened = events.filter((e) => e.type === 'track' && e.event === 'Demo Opened');
  assert.equal(opened.length, 2, `two "Demo Opened" track events (got ${opened.length})`);

  assert.deepEqual(problems(page), [], 'no page errors or console errors');
});

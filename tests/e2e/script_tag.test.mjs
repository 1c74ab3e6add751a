// The classic-script bundle (/pkg/attune.js) with a collector in real Chromium:
// one engine, on the page, whatever `delivery.engine` says; batches go out from
// the delivery worker (pkg/sender.js), a same-origin blob importing it when
// attune.js is served from another origin (a CDN). A 300-call burst arrives
// whole, each call once, and nothing is kept in IndexedDB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { idbKeys, launch, startCollector } from './delivery_harness.mjs';

async function eventsUntil(collector, ok, tries = 60) {
  let events = [];
  for (let k = 0; k < tries; k++) {
    events = await collector.call('/v1/events');
    if (ok(events)) break;
    await sleep(250);
  }
  return events;
}

async function scriptTagBurst({ cdn, engine }) {
  const collector = await startCollector();
  const browser = await launch();
  const errors = [];
  try {
    const page = await browser.context.newPage();
    const workers = [];
    page.on('worker', (w) => workers.push(w.url()));
    page.on('pageerror', (e) => errors.push(String(e)));
    const pageOrigin = cdn ? `http://localhost:${new URL(collector.origin).port}` : collector.origin;
    const query = new URLSearchParams();
    if (cdn) query.set('cdn', collector.origin);
    if (engine) query.set('engine', engine);
    await page.goto(`${pageOrigin}/script-tag.html${query.size ? `?${query}` : ''}`);
    await page.waitForFunction(() => window.ready || window.initError, null, { timeout: 15_000 });
    assert.equal(await page.evaluate(() => window.initError), undefined);
    assert.equal(await page.evaluate(() => document.querySelector('script[src$="attune.js"]').src),
      `${collector.origin}/pkg/attune.js`);
    await page.evaluate(() => { for (let i = 0; i < 300; i++) window.sdk.track('Script Burst', { i }); });
    // Reads right after the calls see them: the engine is on the page.
    assert.equal(await page.evaluate(() => window.sdk.profile().events['Script Burst'].count), 300);
    const report = await page.evaluate(() => window.sdk.flush());
    assert.equal(report.pending, 0, JSON.stringify(report));
    const events = await eventsUntil(collector, (l) => l.filter((e) => e.event === 'Script Burst').length >= 300);
    const seen = events.filter((e) => e.event === 'Script Burst').map((e) => e.properties.i).sort((a, b) => a - b);
    assert.deepEqual(seen, Array.from({ length: 300 }, (_, i) => i), 'each once');
    // The only worker is the delivery worker.
    const sender = cdn ? (u) => u.startsWith(`blob:${pageOrigin}/`) : (u) => u === `${collector.origin}/pkg/sender.js`;
    assert.ok(workers.length >= 1 && workers.every(sender), `workers: ${workers}`);
    assert.deepEqual(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('attune:ob:'))), [],
      'the outbox is empty once delivered');
    assert.deepEqual(await idbKeys(page), [], 'nothing in IndexedDB');
    assert.deepEqual(await page.evaluate(() => window.__errors), []);
    assert.deepEqual(errors, [], 'nothing escaped to the page');
  } finally {
    await browser.close();
    await collector.close();
  }
}

for (const engine of [null, 'page', 'worker']) {
  test(`the script-tag bundle with a collector runs its engine on the page and sends each call once (${engine ? `delivery.engine "${engine}"` : 'no delivery.engine'})`, { timeout: 60_000 }, async () => {
    await scriptTagBurst({ cdn: false, engine });
  });
}

test('the script-tag bundle served from another origin (a CDN) starts its delivery worker from a same-origin blob', { timeout: 60_000 }, async () => {
  await scriptTagBurst({ cdn: true, engine: null });
});

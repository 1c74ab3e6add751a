// Delivery through the JS API in real Chromium: several collectors with a
// transform, flush() reports, on('delivery'), 4xx rejection, page-exit beacons,
// offline pause and drop counts. Same prerequisites as delivery_chaos.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startCollector, launch } from './delivery_harness.mjs';

async function page(context, origin, config, opts = {}) {
  const p = await context.newPage();
  await p.goto(`${origin}/delivery_api.html`);
  await p.waitForFunction(() => window.ready);
  await p.evaluate(([c, o]) => window.start(c, o), [config, opts]);
  return p;
}

async function waitFor(what, fn, ms = 10_000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const quiet = { flushInterval: 60_000, retryBaseMs: 200 };

test('delivery API in Chromium', { timeout: 120_000 }, async (t) => {
  const collector = await startCollector();
  const browser = await launch();
  const events = () => collector.call('/v1/events?event=Api%20Event');
  t.after(async () => { await browser.close(); await collector.close(); });

  await t.test('two collectors, a transform, flush() and on("delivery")', async () => {
    await collector.call('/v1/reset', {});
    const p = await page(browser.context, collector.origin, {
      collector: { url: '/v1/batch', writeKey: 'k1' },
      collectors: [{ id: 'second', url: '/v1/batch', format: 'json' }],
      autocapture: false, delivery: quiet,
    }, { transform: true });
    await p.evaluate(() => { for (let i = 0; i < 5; i++) window.sdk.track('Api Event', { i }); });
    const report = await p.evaluate(() => window.sdk.flush());
    assert.deepEqual(report, { sent: 10, pending: 0, failed: 0 });
    const ids = (await events()).map((e) => e.messageId);
    assert.equal(ids.filter((m) => m.endsWith(':t')).length, 5, 'second collector got the transformed body');
    assert.equal(ids.length, 10);
    const sent = await p.evaluate(() => window.deliveries.reduce((n, d) => n + d.sent, 0));
    assert.equal(sent, 10);
    const keys = await p.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('attune:ob:')));
    assert.deepEqual(keys, [], 'acknowledged events left storage');
    const stats = await collector.call('/v1/stats');
    assert.ok(stats.authorizedBatches >= 1, 'the first collector sent Basic auth');
    await p.close();
  });

  await t.test('batches go out from the delivery worker; without a working one, from the page', async () => {
    const pageBatches = (p) => p.evaluate(() => window.pageBatches);
    const config = { collector: { url: '/v1/batch' }, autocapture: false, delivery: quiet };
    for (const [sender, fromPage] of [['/pkg/sender.js', false], ['/pkg/missing-sender.js', true], [null, true]]) {
      await collector.call('/v1/reset', {});
      const p = await page(browser.context, collector.origin, config, { sender });
      await p.evaluate(() => { for (let i = 0; i < 4; i++) window.sdk.track('Api Event', { i }); });
      assert.deepEqual(await p.evaluate(() => window.sdk.flush()), { sent: 4, pending: 0, failed: 0 }, String(sender));
      assert.equal((await events()).length, 4, `delivered with sender ${sender}`);
      assert.equal((await pageBatches(p)) > 0, fromPage, `sent from the page: ${fromPage} (sender ${sender})`);
      await p.close();
    }
    // A 429's Retry-After reaches the SDK through the worker too: with a 2 s
    // Retry-After (where a 300 ms interval and 200 ms backoff would retry at
    // once) nothing is retried for 1.2 s.
    await collector.call('/v1/reset', {});
    await collector.call('/v1/chaos', { rate429: 1, retryAfter: 2 });
    const eager = { ...config, delivery: { flushInterval: 300, retryBaseMs: 200 } };
    const p = await page(browser.context, collector.origin, eager, { sender: '/pkg/sender.js' });
    await p.evaluate(() => window.sdk.track('Api Event', {}));
    const first = await p.evaluate(() => window.sdk.flush());
    assert.equal(first.sent, 0);
    assert.equal(first.pending, 1);
    await sleep(1200);
    const failures = await p.evaluate(() => window.deliveries.reduce((n, d) => n + d.failed, 0));
    assert.equal(failures, 1, 'one throttled attempt, then waiting for Retry-After');
    await collector.call('/v1/chaos', {});
    await waitFor('the retry after Retry-After', async () => (await events()).length === 1);
    assert.equal(await pageBatches(p), 0, 'every attempt came from the worker');
    await p.close();
  });

  await t.test('a worker that never answers is given up after 20 s and the page sends', async () => {
    await collector.call('/v1/reset', {});
    const config = { collector: { url: '/v1/batch' }, autocapture: false, delivery: quiet };
    const p = await page(browser.context, collector.origin, config, { sender: '/silent-sender.js' });
    await p.evaluate(() => window.sdk.track('Api Event', {}));
    const started = Date.now();
    const report = await p.evaluate(() => window.sdk.flush());
    const took = Date.now() - started;
    assert.deepEqual(report, { sent: 1, pending: 0, failed: 0 });
    assert.ok(took >= 19_000 && took < 30_000, `gave up after ${took} ms`);
    assert.equal(await p.evaluate(() => window.pageBatches), 1, 'sent from the page in the end');
    assert.equal((await events()).length, 1);
    await p.close();
  });

  await t.test('a 4xx drops the batch and calls on("error")', async () => {
    await collector.call('/v1/reset', {});
    await collector.call('/v1/chaos', { failRate: 1, status: 400 });
    const p = await page(browser.context, collector.origin, { collector: { url: '/v1/batch' }, autocapture: false, delivery: quiet });
    await p.evaluate(() => window.sdk.track('Api Event', {}));
    const report = await p.evaluate(() => window.sdk.flush());
    assert.deepEqual(report, { sent: 0, pending: 0, failed: 0 });
    const codes = await p.evaluate(() => window.errors.map((e) => e.code));
    assert.deepEqual(codes, ['collector_rejected']);
    await collector.call('/v1/chaos', {});
    await p.close();
  });

  await t.test('pagehide beacons queued events as text/plain and keeps them until acknowledged', async () => {
    await collector.call('/v1/reset', {});
    const config = { collector: { url: '/v1/batch', writeKey: 'bk' }, autocapture: false, delivery: quiet };
    const p = await page(browser.context, collector.origin, config);
    await p.evaluate(() => { for (let i = 0; i < 3; i++) window.sdk.track('Api Event', { i }); });
    await sleep(100);
    assert.equal((await events()).length, 0, 'nothing sent before the interval');
    await p.close();
    await waitFor('the beacon', async () => (await events()).length === 3);
    const stats = await collector.call('/v1/stats');
    assert.ok(stats.plainTextBatches >= 1, JSON.stringify(stats));
    assert.equal(stats.lastWriteKey, 'bk', 'write key in the beacon body');
    // The next visit re-sends them (same messageIds: duplicates, not new events).
    const again = await page(browser.context, collector.origin, config);
    const report = await again.evaluate(() => window.sdk.flush());
    assert.equal(report.pending, 0);
    const after = await collector.call('/v1/stats');
    assert.equal(after.unique, 3);
    assert.ok(after.duplicates >= 3);
    await again.close();
  });

  await t.test('offline pauses sending, online resumes; drops are reported', async () => {
    await collector.call('/v1/reset', {});
    const p = await page(browser.context, collector.origin, {
      collector: { url: '/v1/batch' }, autocapture: false,
      delivery: { maxEvents: 5, batchSize: 2, flushInterval: 100, retryBaseMs: 100 },
    });
    await browser.context.setOffline(true);
    await p.evaluate(() => { for (let i = 0; i < 8; i++) window.sdk.track('Api Event', { i }); });
    await sleep(500);
    await browser.context.setOffline(false);
    await waitFor('delivery after online', async () => (await events()).length === 5);
    const list = await events();
    assert.deepEqual(list.map((e) => e.properties.i), [3, 4, 5, 6, 7], 'the oldest were dropped');
    assert.equal(list[0].context.attune.dropped, 3);
    const dropped = await p.evaluate(() => window.deliveries.reduce((n, d) => n + d.dropped, 0));
    assert.equal(dropped, 3);
    await p.close();
  });
});

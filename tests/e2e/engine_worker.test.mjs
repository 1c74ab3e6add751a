// End-to-end test of the worker design (pkg/src/engine-client.js + engine-worker.js)
// in real Chromium against the dev collector failing a third of the batches: page
// loads that track a burst and are reloaded or closed at once (before the worker
// confirmed anything: the page rescues its calls at pagehide and the next page's
// worker applies what was not committed), or after a pause. At the end every
// tracked id is stored exactly once after dedupe by messageId: nothing lost, and a
// rescued call carries the messageId the dead page's worker would have given it.
// Bounded: ENGINE_WORKER_LOADS (default 40) loads, 150 s in all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT, launch, openReady, startCollector } from './delivery_harness.mjs';

const LOADS = Number(process.env.ENGINE_WORKER_LOADS || 40);
const PER_LOAD = 25;

function openPage(context, origin, errors) {
  return openReady(context, `${origin}/engine-worker.html`, errors);
}

test('the engine worker loses nothing across reloads, tab closes and a failing collector', { timeout: 180_000 }, async () => {
  if (!existsSync(join(ROOT, 'pkg/web/attune_wasm_bg.wasm'))) throw new Error('pkg/web is not built (see docs/delivery.md)');
  const t0 = Date.now();
  const collector = await startCollector();
  const browser = await launch();
  const errors = [];
  const figures = { loads: 0, reloads: 0, closes: 0, paused: 0, rescued: 0 };
  let next = 0;
  try {
    await collector.call('/v1/chaos', { failRate: 0.33, status: 503, rate429: 0.05, retryAfter: 1, dropRate: 0.03, seed: 7 });
    let page = await openPage(browser.context, collector.origin, errors);
    for (let i = 0; i < LOADS && Date.now() - t0 < 100_000; i++) {
      figures.loads++;
      const from = next;
      next += PER_LOAD;
      await page.evaluate(([from, n]) => {
        for (let k = 0; k < n; k++) window.sdk.track('Worker Event', { tid: from + k });
      }, [from, PER_LOAD]);
      const action = i % 3;
      if (action === 0) {
        figures.reloads++;
        await page.reload();
        await page.waitForFunction(() => window.ready || window.initError);
      } else if (action === 1) {
        figures.closes++;
        await page.close({ runBeforeUnload: true });
        page = await openPage(browser.context, collector.origin, errors);
      } else {
        figures.paused++;
        await sleep(400);
      }
      if (action !== 2) {
        await sleep(50); // a new page's rescue is reported shortly after it starts
        figures.rescued += await page.evaluate(() => window.__rescued).catch(() => 0);
      }
      errors.push(...await page.evaluate(() => window.__errors.splice(0)).catch(() => []));
    }
    // The last page's worker sends the rest (its own, the rescued, the earlier workers' outbox).
    await collector.call('/v1/chaos', { failRate: 0, rate429: 0, dropRate: 0 });
    let seen = new Map();
    for (let k = 0; k < 120; k++) {
      const list = await collector.call('/v1/events?event=Worker%20Event');
      seen = new Map();
      for (const e of list) seen.set(e.properties.tid, (seen.get(e.properties.tid) || 0) + 1);
      if (seen.size >= next) break;
      await sleep(500);
    }
    const stats = await collector.call('/v1/stats');
    const missing = [];
    for (let t = 0; t < next; t++) if (!seen.has(t)) missing.push(t);
    const twice = [...seen].filter(([, n]) => n > 1);
    console.log(`engine worker: ${figures.loads} loads (${figures.reloads} reloads, ${figures.closes} tab closes, ` +
      `${figures.paused} paused, ${figures.rescued} rescues applied), ${next} events tracked, ${stats.unique} unique stored, ${stats.received} received, ` +
      `${stats.duplicates} duplicates, chaos ${JSON.stringify(stats.chaos)}, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    assert.ok(figures.loads >= 20, `loads: ${figures.loads}`);
    assert.ok(figures.rescued > 0, 'pages closed before their worker confirmed were rescued');
    assert.deepEqual(missing, [], `${missing.length} events never arrived`);
    assert.deepEqual(twice, [], 'an event was stored under two messageIds');
    assert.equal(seen.size, next, 'no event the test did not track');
    assert.deepEqual(errors, [], 'no page errors');
  } finally {
    await browser.close();
    await collector.close();
  }
});

test('bad calls throw or are reported, and the calls around them still arrive', { timeout: 60_000 }, async () => {
  const collector = await startCollector();
  const browser = await launch();
  const errors = [];
  try {
    const page = await openPage(browser.context, collector.origin, errors);
    const thrown = await page.evaluate(() => ['', 5].map((bad, i) => {
      try { window.sdk.track(i === 0 ? bad : 'X', i === 0 ? undefined : bad); return null; } catch (e) { return { name: e.name, code: e.code, path: e.path }; }
    }));
    assert.deepEqual(thrown, [
      { name: 'AttuneError', code: 'invalid_input', path: 'track.event' },
      { name: 'AttuneError', code: 'invalid_input', path: 'track.properties' },
    ]);
    await page.evaluate(() => {
      window.sdk.track('Fn', { a: 1, f() {} });  // structured clone refuses a function
      window.sdk.track('Big', { b: 1n });        // JSON refuses a BigInt (in the worker)
      window.sdk.track('After', { c: 2 });
    });
    let names = [];
    for (let k = 0; k < 40 && !names.includes('After'); k++) {
      await sleep(250);
      names = (await collector.call('/v1/events')).map((e) => e.event);
    }
    const events = await collector.call('/v1/events');
    assert.deepEqual(events.filter((e) => e.type === 'track').map((e) => [e.event, e.properties]),
      [['Fn', { a: 1 }], ['After', { c: 2 }]]);
    const reported = await page.evaluate(() => window.__errors);
    assert.equal(reported.length, 1, `one error reported: ${reported}`);
    assert.match(reported[0], /BigInt/i);
    assert.deepEqual(errors, [], 'nothing escaped to the page');
  } finally {
    await browser.close();
    await collector.close();
  }
});

// Nothing lost in a renderer crash (issue 19): a page tracks 10 events, 50 ms
// later its renderer is crashed (CDP `Page.crash`), and a fresh page of the same
// origin and browser profile must deliver all 10 to the real collector, each
// under one messageId (the collector deduplicates by messageId, so an event
// re-sent under a new id would be stored twice). Three rounds for each entry
// (ESM /pkg/attune.mjs, script tag /pkg/attune.js) and each `delivery.engine`
// setting (none, "page", "worker": the key is accepted and means nothing now).
//
// The crashing page batches only every 60 s, so what reaches the collector
// before the crash is at most an early batch; the rest must come from what the
// page persisted in its 50 ms. The fresh page sends with the usual 300 ms interval.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT, launch, openReady, startCollector } from './delivery_harness.mjs';

const ROUNDS = Number(process.env.ATTUNE_CRASH_ROUNDS || 3);
const EVENTS = 10;
const BEFORE_CRASH_MS = 50;
const DELIVERY_MS = 15_000; // the fresh page's bound to deliver them
const ENTRIES = { esm: 'delivery.html', script: 'delivery-tag.html' };
const ENGINES = [null, 'page', 'worker'];

async function storedByTid(collector) {
  const list = await collector.call('/v1/events?event=Chaos%20Event');
  const byTid = new Map();
  for (const e of list) {
    const tid = e.properties && e.properties.tid;
    byTid.set(tid, [...(byTid.get(tid) || []), e.messageId]);
  }
  return byTid;
}

for (const [entry, file] of Object.entries(ENTRIES)) {
  test(`a renderer crash ${BEFORE_CRASH_MS} ms after ${EVENTS} track() calls loses nothing (${entry} entry, every delivery.engine setting)`, { timeout: 200_000 }, async () => {
    for (const f of ['pkg/attune.mjs', 'pkg/attune.js', 'pkg/attune_bg.wasm']) {
      assert.ok(existsSync(join(ROOT, f)), `${f} is built (make build)`);
    }
    const collector = await startCollector();
    const browser = await launch();
    const errors = [];
    const results = [];
    try {
      for (const engine of ENGINES) {
        for (let round = 0; round < ROUNDS; round++) {
          const id = `${entry}-${engine || 'none'}-${round}`;
          const query = `${engine ? `&engine=${engine}` : ''}`;
          const slow = encodeURIComponent(JSON.stringify({ flushInterval: 60_000, retryBaseMs: 300, retryMaxMs: 3000 }));
          const page = await openReady(browser.context, `${collector.origin}/${file}?page=${id}${query}&delivery=${slow}`, errors, `${id}: `);
          const tids = Array.from({ length: EVENTS }, (_, i) => `${id}-${i}`);
          assert.equal(await page.evaluate((n) => window.trackSome(n), EVENTS), EVENTS);
          await sleep(BEFORE_CRASH_MS);
          const cdp = await browser.context.newCDPSession(page);
          const crashed = page.waitForEvent('crash', { timeout: 10_000 });
          cdp.send('Page.crash').catch(() => { /* the renderer is gone before it answers */ });
          await crashed;
          const before = [...(await storedByTid(collector)).keys()].filter((t) => tids.includes(t)).length;
          await page.close().catch(() => {});

          // The next visit: a fresh page, same origin, same profile.
          const next = await openReady(browser.context, `${collector.origin}/${file}?page=${id}-next${query}`, errors, `${id}-next: `);
          const started = Date.now();
          let byTid = new Map();
          while (Date.now() - started < DELIVERY_MS) {
            byTid = await storedByTid(collector);
            if (tids.every((t) => byTid.has(t))) break;
            await sleep(200);
          }
          const got = tids.filter((t) => byTid.has(t)).length;
          const twice = tids.filter((t) => (byTid.get(t) || []).length > 1);
          results.push({ id, got, before, after: Date.now() - started, twice });
          await next.close();
        }
      }
      console.log(`# crash (${entry}): ${results.map((r) => `${r.id} ${r.got}/${EVENTS} (${r.before} before the crash, ${r.after} ms after reopening)`).join('; ')}`);
      const lost = results.filter((r) => r.got !== EVENTS);
      assert.deepEqual(lost.map((r) => `${r.id}: ${r.got}/${EVENTS}`), [], 'every event of every round reached the collector');
      assert.deepEqual(results.filter((r) => r.twice.length).map((r) => `${r.id}: ${r.twice}`), [],
        'each event under one messageId');
      assert.deepEqual(errors, [], 'no page errors');
    } finally {
      await browser.close();
      await collector.close();
    }
  });
}

// The chaos test of event delivery, run by delivery_chaos.test.mjs (kept in a file of its
// own so that it stays within the per-file time limit of the e2e stage).
//
// Hundreds of page loads in one browser profile (shared localStorage) with random
// reloads, tabs closed right after tracking (mid-flush), offline spells
// (context.setOffline) and a collector that fails a third of the batches, throttles
// some with 429 + Retry-After and drops some connections. At the end every tracked
// test id must be stored by the collector exactly once after dedupe by messageId,
// i.e. nothing is lost and a re-sent event always carries its original messageId.
//
// Needs: the built package (pkg/attune.mjs, make build), the collector
// (cargo build -p attune-collector), playwright-core and /usr/bin/chromium.
// Knobs: DELIVERY_CHAOS_LOADS (default 220), DELIVERY_CHAOS_SEED (default 1).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT, launch, openReady, startCollector } from './delivery_harness.mjs';

const LOADS = Number(process.env.DELIVERY_CHAOS_LOADS || 220);
const SEED = Number(process.env.DELIVERY_CHAOS_SEED || 1);
const BUDGET_MS = 170_000; // loads stop here; the drain fits in the e2e per-file limit (240 s)

/** Small deterministic PRNG (mulberry32) so a failing run can be replayed by seed. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Pages alternate between sending from the package's delivery worker and from the page.
let opened = 0;

function openPage(context, origin, id, errors) {
  return openReady(context, `${origin}/delivery.html?page=${id}&worker=${opened++ % 2}`, errors, `${id}: `);
}

/** Runs the chaos test (one engine per page, on the page). */
export async function chaos() {
  if (!existsSync(join(ROOT, 'pkg/attune.mjs'))) throw new Error('pkg/attune.mjs is not built (make build)');
  const t0 = Date.now();
  const random = rng(SEED);
  const collector = await startCollector();
  const browser = await launch();
  const errors = [];
  const figures = { loads: 0, reloads: 0, closes: 0, offlineSpells: 0, tracked: 0 };
  try {
    await collector.call('/v1/chaos', { failRate: 0.33, status: 503, rate429: 0.05, retryAfter: 1, dropRate: 0.03, seed: SEED });
    const tabs = [];
    let nextId = 0;
    while (figures.loads < LOADS && Date.now() - t0 < BUDGET_MS) {
      // Keep one to three tabs open; they share the outbox and the send lock.
      if (tabs.length === 0 || (tabs.length < 3 && random() < 0.3)) {
        tabs.push(await openPage(browser.context, collector.origin, `p${nextId++}`, errors));
        figures.loads++;
      }
      const i = Math.floor(random() * tabs.length);
      const page = tabs[i];
      await page.evaluate((n) => window.trackSome(n), 1 + Math.floor(random() * 12));
      const roll = random();
      if (roll < 0.3) {
        // Reload: pagehide beacons, the next load re-sends what was not acknowledged.
        await sleep(random() * 400);
        await page.reload();
        await page.waitForFunction(() => window.ready || window.initError);
        await page.evaluate((n) => window.trackSome(n), 1 + Math.floor(random() * 5));
        figures.loads++;
        figures.reloads++;
      } else if (roll < 0.55) {
        // Close the tab right away: its batch may be in flight.
        await sleep(random() * 150);
        await page.close();
        tabs.splice(i, 1);
        figures.closes++;
      } else if (roll < 0.62) {
        figures.offlineSpells++;
        await browser.context.setOffline(true);
        await page.evaluate((n) => window.trackSome(n), 1 + Math.floor(random() * 8));
        await sleep(200 + random() * 800);
        await browser.context.setOffline(false);
      } else {
        await sleep(random() * 300);
      }
    }
    // Drain: chaos off, one tab flushes until the shared outbox is empty.
    await collector.call('/v1/chaos', {});
    await browser.context.setOffline(false);
    for (const p of tabs.splice(0)) await p.close();
    const last = await openPage(browser.context, collector.origin, 'drain', errors);
    let report;
    for (let k = 0; k < 60; k++) {
      report = await last.evaluate(() => window.sdk.flush());
      if (report.pending === 0) break;
      await sleep(500);
    }
    assert.equal(report.pending, 0, `outbox drained: ${JSON.stringify(report)}`);
    const tids = await last.evaluate(() => Object.keys(localStorage)
      .filter((k) => k.startsWith('test:tids:'))
      .flatMap((k) => JSON.parse(localStorage.getItem(k))));
    const leftovers = await last.evaluate(() => Object.keys(localStorage)
      .filter((k) => k.startsWith('attune:ob:') || k.startsWith('attune:rescue:')));
    figures.tracked = tids.length;

    const events = await collector.call('/v1/events?event=Chaos%20Event');
    const list = Array.isArray(events) ? events : events.events;
    const seen = new Map();
    for (const e of list) {
      const tid = e.properties && e.properties.tid;
      seen.set(tid, (seen.get(tid) || 0) + 1);
    }
    const missing = tids.filter((t) => !seen.has(t));
    const twice = [...seen].filter(([, n]) => n > 1);
    const stats = await collector.call('/v1/stats');
    const seconds = (Date.now() - t0) / 1000;
    const dupRate = stats.unique ? stats.duplicates / stats.unique : 0;
    console.log(`delivery chaos: ${figures.loads} page loads (${figures.reloads} reloads, ${figures.closes} tab closes, ` +
      `${figures.offlineSpells} offline spells), ${tids.length} events tracked, ${stats.unique} unique stored, ` +
      `${stats.received} received, ${stats.duplicates} duplicates (${(100 * dupRate).toFixed(1)}% of unique), ` +
      `${stats.batches} batches, chaos ${JSON.stringify(stats.chaos)}, ${seconds.toFixed(0)} s`);
    assert.ok(figures.loads >= Math.min(200, LOADS), `page loads: ${figures.loads}`);
    assert.deepEqual(missing, [], `${missing.length} events never arrived`);
    assert.deepEqual(twice, [], 'an event was stored under two messageIds');
    assert.equal(seen.size, tids.length, 'no event the test did not track');
    assert.deepEqual(leftovers, [], 'outbox keys left in storage');
    assert.deepEqual(errors, [], 'no page errors');
  } finally {
    await browser.close();
    await collector.close();
  }
}

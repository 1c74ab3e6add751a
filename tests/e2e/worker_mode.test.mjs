// End-to-end test of worker mode (`delivery: { engine: 'worker' }`) through the
// package's ESM entry in real Chromium against the dev collector: the page's
// replica answers reads and decisions at once after track(), the worker stores
// and sends every event once, flush()/on('delivery')/on('error') report the
// worker's work, a reload keeps the profile, and forget() empties both the
// page's storage and the worker's IndexedDB database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT, idbKeys, launch, openReady, startCollector } from './delivery_harness.mjs';

async function eventsUntil(collector, ok, tries = 60) {
  let events = [];
  for (let k = 0; k < tries; k++) {
    events = await collector.call('/v1/events');
    if (ok(events)) break;
    await sleep(250);
  }
  return events;
}

test('worker mode: reads see calls at once, the worker delivers each event once, forget() empties both sides', { timeout: 120_000 }, async () => {
  if (!existsSync(join(ROOT, 'pkg/web/attune_wasm_bg.wasm'))) throw new Error('pkg/web is not built (make build)');
  const collector = await startCollector();
  const browser = await launch();
  const errors = [];
  try {
    let page = await openReady(browser.context, `${collector.origin}/worker-mode.html`, errors);
    const now = await page.evaluate(() => {
      for (let i = 0; i < 3; i++) window.sdk.track('Product Viewed', { sku: `A${i}` });
      const hero = window.sdk.decide('hero');
      return { segments: window.sdk.segments(), variant: hero && hero.variant };
    });
    assert.deepEqual(now, { segments: ['browser'], variant: 'browsing' }, 'the replica caught up before the read');
    await page.evaluate(() => window.sdk.identify('u-1', { plan: 'pro' }));
    const report = await page.evaluate(() => window.sdk.flush());
    assert.equal(report.pending, 0, `flush: ${JSON.stringify(report)}`);
    const events = await eventsUntil(collector, (l) => l.some((e) => e.type === 'identify'));
    const tracks = events.filter((e) => e.event === 'Product Viewed');
    assert.deepEqual(tracks.map((e) => e.properties.sku), ['A0', 'A1', 'A2']);
    const identify = events.find((e) => e.type === 'identify');
    assert.equal(identify && identify.userId, 'u-1');
    const ids = events.map((e) => e.messageId);
    assert.equal(new Set(ids).size, ids.length, 'each event once');
    assert.ok(tracks.every((e) => e.anonymousId === identify.anonymousId), 'one visitor');
    // Nothing of the outbox on the page: the worker's IndexedDB holds it.
    const pageKeys = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('attune:ob:')));
    assert.deepEqual(pageKeys, []);
    assert.ok((await idbKeys(page)).length > 0, 'the worker committed to IndexedDB');
    // on('delivery') reports the worker's sends (reports come at most once a second).
    await page.waitForFunction(() => window.__delivery.some((d) => d.sent > 0), null, { timeout: 5_000 });

    // A reload keeps the visitor: the replica starts from the stored profile.
    await page.reload();
    await page.waitForFunction(() => window.ready || window.initError);
    const after = await page.evaluate(() => ({ segments: window.sdk.segments(), profile: window.sdk.profile() }));
    assert.deepEqual({ segments: after.segments, userId: after.profile.userId }, { segments: ['browser'], userId: 'u-1' },
      JSON.stringify(after.profile));

    await page.evaluate(() => window.sdk.forget());
    await sleep(1_500); // the worker's next report
    assert.deepEqual(await idbKeys(page), [], 'the worker kept nothing');
    const left = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('attune')));
    assert.deepEqual(left, [], 'the page kept nothing');
    const forgets = await collector.call('/v1/forget');
    assert.ok(JSON.stringify(forgets).includes(identify.anonymousId), 'the deletion request reached the collector');
    assert.deepEqual(await page.evaluate(() => window.__errors), []);
    assert.deepEqual(errors, [], 'nothing escaped to the page');
  } finally {
    await browser.close();
    await collector.close();
  }
});

test('worker mode: bad calls throw AttuneErrors with paths; unclonable values are reported and the rest arrives', { timeout: 60_000 }, async () => {
  const collector = await startCollector();
  const browser = await launch();
  const errors = [];
  try {
    const page = await openReady(browser.context, `${collector.origin}/worker-mode.html`, errors);
    const thrown = await page.evaluate(() => ['', 5].map((bad, i) => {
      try { window.sdk.track(i === 0 ? bad : 'X', i === 0 ? undefined : bad); return null; } catch (e) { return { name: e.name, code: e.code, path: e.path }; }
    }));
    assert.deepEqual(thrown, [
      { name: 'AttuneError', code: 'invalid_input', path: 'track.event' },
      { name: 'AttuneError', code: 'invalid_input', path: 'track.properties' },
    ]);
    await page.evaluate(() => {
      window.sdk.track('Fn', { a: 1, f() {} }); // structured clone refuses a function
      window.sdk.track('After', { c: 2 });
    });
    const events = await eventsUntil(collector, (l) => l.some((e) => e.event === 'After'));
    assert.deepEqual(events.filter((e) => e.type === 'track').map((e) => [e.event, e.properties]),
      [['Fn', { a: 1 }], ['After', { c: 2 }]]);
    assert.deepEqual(errors, [], 'nothing escaped to the page');
  } finally {
    await browser.close();
    await collector.close();
  }
});

test('worker mode: calls of a tab closed before its worker confirmed them are rescued by the next page, once', { timeout: 90_000 }, async () => {
  const collector = await startCollector();
  const browser = await launch();
  const errors = [];
  try {
    const rounds = 5;
    for (let r = 0; r < rounds; r++) {
      const page = await openReady(browser.context, `${collector.origin}/worker-mode.html`, errors);
      await page.evaluate((r) => { for (let k = 0; k < 20; k++) window.sdk.track('Rescue Event', { tid: r * 20 + k }); }, r);
      await page.close({ runBeforeUnload: true }); // before the 250 ms post: the exit beacon and the rescue have them
    }
    // A page without the SDK sees the rescues the closed tabs wrote.
    const plain = await browser.context.newPage();
    await plain.goto(`${collector.origin}/esm.html`);
    const written = await plain.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('attune:rescue:')).length);
    assert.ok(written >= 1, `rescue keys written at pagehide: ${written}`);
    const next = await openReady(browser.context, `${collector.origin}/worker-mode.html`, errors);
    let seen = new Map();
    for (let k = 0; k < 60; k++) {
      const list = await collector.call('/v1/events?event=Rescue%20Event');
      seen = new Map();
      for (const e of list) seen.set(e.properties.tid, (seen.get(e.properties.tid) || 0) + 1);
      if (seen.size >= rounds * 20) break;
      await sleep(250);
    }
    assert.equal(seen.size, rounds * 20, 'every call arrived');
    // Each closed tab's exit beacon sent its calls too, with the ids the rescue gives them.
    await next.waitForFunction(() => !Object.keys(localStorage).some((k) => k.startsWith('attune:rescue:')), null, { timeout: 15_000 });
    await next.evaluate(() => window.sdk.flush());
    const list = await collector.call('/v1/events?event=Rescue%20Event');
    const counts = new Map();
    for (const e of list) counts.set(e.properties.tid, (counts.get(e.properties.tid) || 0) + 1);
    assert.equal(counts.size, rounds * 20);
    assert.deepEqual([...counts].filter(([, n]) => n > 1), [], 'each once after the rescues were sent too');
    assert.deepEqual(errors, [], 'nothing escaped to the page');
  } finally {
    await browser.close();
    await collector.close();
  }
});

test('worker mode sends what an earlier page-mode visit left in its localStorage outbox', { timeout: 60_000 }, async () => {
  const collector = await startCollector();
  const browser = await launch();
  const errors = [];
  try {
    await collector.call('/v1/chaos', { failRate: 1, status: 503 });
    const old = await openReady(browser.context, `${collector.origin}/worker-mode.html?engine=page`, errors);
    await old.evaluate(() => window.sdk.track('Left Behind', { n: 1 }));
    await old.waitForFunction(() => Object.keys(localStorage).some((k) => k.startsWith('attune:ob:')));
    await old.close(); // its exit beacon fails too
    await collector.call('/v1/chaos', {});
    const page = await openReady(browser.context, `${collector.origin}/worker-mode.html`, errors);
    const events = await eventsUntil(collector, (l) => l.some((e) => e.event === 'Left Behind'));
    assert.equal(events.filter((e) => e.event === 'Left Behind').length, 1);
    await page.waitForFunction(() => !Object.keys(localStorage).some((k) => k.startsWith('attune:ob:')), null, { timeout: 10_000 });
    assert.deepEqual(errors, [], 'nothing escaped to the page');
  } finally {
    await browser.close();
    await collector.close();
  }
});

test('worker mode falls back to the page at once when the engine worker cannot load', { timeout: 60_000 }, async () => {
  const collector = await startCollector();
  const browser = await launch();
  const errors = [];
  try {
    const t0 = Date.now();
    const page = await openReady(browser.context, `${collector.origin}/delivery.html?page=f&engine=worker&engineUrl=/missing-worker.js`, errors);
    const waited = Date.now() - t0;
    assert.ok(waited < 3_000, `init did not wait for the 5 s timeout (${waited} ms)`);
    await page.evaluate(() => window.trackSome(3));
    const events = await eventsUntil(collector, (l) => l.filter((e) => e.event === 'Chaos Event').length >= 3);
    assert.equal(events.filter((e) => e.event === 'Chaos Event').length, 3, 'the page path delivered');
    assert.deepEqual(errors, [], 'nothing escaped to the page');
  } finally {
    await browser.close();
    await collector.close();
  }
});

test('worker mode keeps at most 10,000 unconfirmed calls when the worker confirms nothing, the newest, and says so', { timeout: 60_000 }, async () => {
  const collector = await startCollector();
  const browser = await launch();
  const errors = [];
  try {
    const page = await openReady(browser.context, `${collector.origin}/delivery.html?page=s&engine=worker&engineUrl=/silent-engine-worker.js`, errors);
    for (let round = 0; round < 3; round++) {
      await page.evaluate((round) => { for (let i = 0; i < 4_500; i++) window.sdk.track('Silent', { n: round * 4_500 + i }); }, round);
      await sleep(400); // one post per 250 ms
    }
    const reported = await page.evaluate(() => window.__errors);
    assert.ok(reported.some((e) => /delivery\.engine: the engine worker confirmed nothing/.test(e)), `reported: ${reported}`);
    const plain = await browser.context.newPage();
    await page.close({ runBeforeUnload: true });
    await plain.goto(`${collector.origin}/esm.html`);
    let rescued = [];
    for (let k = 0; k < 20 && !rescued.length; k++) { // another tab's storage write shows up shortly
      rescued = await plain.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('attune:rescue:'))
        .flatMap((k) => JSON.parse(localStorage.getItem(k)).ops.map((o) => o.properties.n)));
      if (!rescued.length) await sleep(100);
    }
    assert.ok(rescued.length > 0 && rescued.length <= 10_000, `kept ${rescued.length}`);
    assert.equal(Math.max(...rescued), 13_499, 'the newest are kept');
    assert.equal(Math.min(...rescued), 4_500, 'the oldest message went');
    assert.deepEqual(errors, [], 'nothing escaped to the page');
  } finally {
    await browser.close();
    await collector.close();
  }
});

test('worker mode reports an engine worker that fails after start and keeps its calls for the rescue', { timeout: 60_000 }, async () => {
  const collector = await startCollector();
  const browser = await launch();
  const errors = [];
  try {
    const page = await openReady(browser.context, `${collector.origin}/delivery.html?page=c&engine=worker&engineUrl=/crashing-engine-worker.js`, errors);
    await page.evaluate(() => { for (let i = 0; i < 5; i++) window.sdk.track('Crash', { n: i }); });
    await page.waitForFunction(() => window.__errors.length > 0, null, { timeout: 5_000 });
    const reported = await page.evaluate(() => window.__errors);
    assert.match(reported[0], /^remote_failed delivery\.engine: .*the engine worker failed: .*stand-in crash/);
    const kept = await page.evaluate(() => { dispatchEvent(new PageTransitionEvent('pagehide'));
      return Object.keys(localStorage).filter((k) => k.startsWith('attune:rescue:'))
        .flatMap((k) => JSON.parse(localStorage.getItem(k)).ops.map((o) => o.properties.n)); });
    assert.deepEqual(kept, [0, 1, 2, 3, 4], 'the calls wait for the next page');
    assert.deepEqual(errors, [], 'nothing escaped to the page');
  } finally {
    await browser.close();
    await collector.close();
  }
});

test('worker mode delivers a burst beyond the outbox caps whole: the worker holds what does not fit (the page path drops it)', { timeout: 120_000 }, async () => {
  const collector = await startCollector();
  const browser = await launch();
  const errors = [];
  const N = 3000;
  const burst = async (engine, tries) => {
    const page = await openReady(browser.context, `${collector.origin}/worker-mode.html?engine=${engine}&maxEvents=200`, errors);
    // One synchronous loop: nothing can be sent while it runs.
    await page.evaluate(({ n, engine }) => {
      for (let i = 0; i < n; i++) window.sdk.track('Burst', { engine, i });
    }, { n: N, engine });
    const report = await page.evaluate(() => window.sdk.flush());
    const got = await eventsUntil(collector, (l) => l.filter((e) => e.event === 'Burst' && e.properties.engine === engine).length >= N, tries);
    const mine = got.filter((e) => e.event === 'Burst' && e.properties.engine === engine);
    const errs = await page.evaluate(() => window.__errors);
    const delivery = await page.evaluate(() => window.__delivery);
    await page.close();
    return { report, mine, errs, dropped: delivery.reduce((s, d) => s + (d.dropped || 0), 0) };
  };
  try {
    const worker = await burst('worker', 120);
    const seen = worker.mine.map((e) => e.properties.i).sort((a, b) => a - b);
    assert.equal(seen.length, N, `delivered ${seen.length} of ${N}`);
    assert.deepEqual(seen, Array.from({ length: N }, (_, i) => i), 'every call once');
    assert.equal(worker.report.pending, 0, `flush: ${JSON.stringify(worker.report)}`);
    assert.equal(worker.dropped, 0, 'nothing dropped by the caps');
    assert.deepEqual(worker.errs, []);
    // Worker mode sends up to 500 events per request (the page path 100): the
    // holding releases 180 at a time here (nine tenths of maxEvents 200).
    const { batches } = await collector.call('/v1/stats');
    assert.ok(batches < N / 100, `${batches} requests for ${N} events`);

    // The same burst on the page path overflows the cap (the oldest are
    // dropped and counted): what the holding avoids.
    const page = await burst('page', 8);
    assert.ok(page.mine.length < N / 2, `page path delivered ${page.mine.length}`);
    assert.ok(page.dropped > 0 || page.mine.length <= 200, 'the page path reports its drops');
    assert.deepEqual(errors, [], 'nothing escaped to the page');
  } finally {
    await browser.close();
    await collector.close();
  }
});

test('worker mode: a burst cut short by closing the tab is delivered whole by the next page (its rescue waits for room)', { timeout: 120_000 }, async () => {
  const collector = await startCollector();
  const browser = await launch();
  const errors = [];
  const N = 2000;
  try {
    // The collector is down while the first page runs: its worker commits what
    // fits (nine tenths of maxEvents 200) and holds the rest, unconfirmed.
    await collector.call('/v1/chaos', { failRate: 1, status: 503 });
    const page = await openReady(browser.context, `${collector.origin}/worker-mode.html?maxEvents=200`, errors);
    await page.evaluate((n) => { for (let i = 0; i < n; i++) window.sdk.track('Cut Short', { i }); }, N);
    await page.waitForFunction(() => window.sdk.flush().then((r) => r.pending > 0), null, { timeout: 10_000 });
    await page.close({ runBeforeUnload: true }); // pagehide: the rescue key; the exit beacon fails (503)
    await collector.call('/v1/chaos', {});
    const next = await openReady(browser.context, `${collector.origin}/worker-mode.html?maxEvents=200`, errors);
    const events = await eventsUntil(collector, (l) => l.filter((e) => e.event === 'Cut Short').length >= N, 240);
    const seen = events.filter((e) => e.event === 'Cut Short').map((e) => e.properties.i).sort((a, b) => a - b);
    assert.equal(seen.length, N, `delivered ${seen.length} of ${N}`);
    assert.deepEqual(seen, Array.from({ length: N }, (_, i) => i), 'every call once');
    // Announced once wholly committed: then the page removes the rescue's key.
    await next.waitForFunction(() => !Object.keys(localStorage).some((k) => k.startsWith('attune:rescue:')), null, { timeout: 20_000 });
    const dropped = (await next.evaluate(() => window.__delivery)).reduce((s, d) => s + (d.dropped || 0), 0);
    assert.equal(dropped, 0, 'nothing dropped by the caps');
    assert.deepEqual(errors, [], 'nothing escaped to the page');
  } finally {
    await browser.close();
    await collector.close();
  }
});

test('worker mode: init does not wait for the engine worker; calls before it is ready are delivered once and the replica restarts from its record', { timeout: 90_000 }, async () => {
  const collector = await startCollector();
  const browser = await launch();
  const errors = [];
  try {
    // A first visit leaves the visitor in the `browser` segment, in IndexedDB.
    let page = await openReady(browser.context, `${collector.origin}/worker-mode.html`, errors);
    await page.evaluate(() => { for (let i = 0; i < 3; i++) window.sdk.track('Product Viewed', { sku: `A${i}` }); });
    assert.equal((await page.evaluate(() => window.sdk.flush())).pending, 0);
    await page.close({ runBeforeUnload: true });
    // The page's own copy of the profile is lost: only the worker's record knows.
    page = await browser.context.newPage();
    await page.goto(`${collector.origin}/v1/stats`); // same origin, no SDK
    await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('attune')).forEach((k) => localStorage.removeItem(k)));
    await page.addInitScript(() => {
      window.__imported = null;
      new BroadcastChannel('attune-test-worker').onmessage = (m) => { window.__imported = m.data.importedAt; };
    });
    await page.goto(`${collector.origin}/worker-mode.html?engineUrl=/slow-engine-worker.js`);
    await page.waitForFunction(() => window.ready || window.initError);
    const early = await page.evaluate(() => {
      const at = Date.now();
      window.sdk.track('Early Call', { n: 1 });
      window.sdk.track('Early Call', { n: 2 });
      return { at, segments: window.sdk.segments(), imported: window.__imported };
    });
    assert.equal(early.imported, null, 'init resolved before the engine worker ran');
    assert.deepEqual(early.segments, [], 'the replica started from what the page had');
    // Once ready, the replica restarts from the worker's record with this page's calls on it.
    await page.waitForFunction(() => window.__segments.includes('browser'), null, { timeout: 15_000 });
    assert.deepEqual(await page.evaluate(() => window.sdk.segments()), ['browser']);
    assert.ok((await page.evaluate(() => window.__imported)) >= early.at);
    assert.equal((await page.evaluate(() => window.sdk.flush())).pending, 0);
    const events = await eventsUntil(collector, (l) => l.filter((e) => e.event === 'Early Call').length >= 2);
    assert.deepEqual(events.filter((e) => e.event === 'Early Call').map((e) => e.properties.n).sort(), [1, 2], 'each once');
    const profile = await page.evaluate(() => window.sdk.profile());
    assert.equal(profile.events['Product Viewed'].count, 3, JSON.stringify(profile.events));
    assert.equal(profile.events['Early Call'].count, 2, 'replayed once on the worker\'s record');
    assert.deepEqual(await page.evaluate(() => window.__errors), []);
    assert.deepEqual(errors, [], 'nothing escaped to the page');
  } finally {
    await browser.close();
    await collector.close();
  }
});

test('worker mode: an engine worker that never gets ready hands over to the page after 5 s, with the calls made meanwhile', { timeout: 60_000 }, async () => {
  const collector = await startCollector();
  const browser = await launch();
  const errors = [];
  try {
    const page = await openReady(browser.context, `${collector.origin}/delivery.html?page=n&engine=worker&engineUrl=/never-ready-engine-worker.js`, errors);
    await page.evaluate(() => { window.__flushed = null; window.trackSome(3); window.sdk.flush().then((r) => { window.__flushed = r; }); });
    // flush() was asked of the worker: answered when the page takes over.
    await page.waitForFunction(() => window.__flushed, null, { timeout: 10_000 });
    await page.evaluate(() => window.trackSome(2)); // now on the page
    const events = await eventsUntil(collector, (l) => l.filter((e) => e.event === 'Chaos Event').length >= 5);
    const tids = events.filter((e) => e.event === 'Chaos Event').map((e) => e.properties.tid).sort();
    assert.deepEqual(tids, ['n-0', 'n-1', 'n-2', 'n-3', 'n-4'], 'every call once');
    assert.deepEqual(errors, [], 'nothing escaped to the page');
  } finally {
    await browser.close();
    await collector.close();
  }
});

test('worker mode: at pagehide the page beacons the calls its worker had not confirmed, with the ids the rescue gives them', { timeout: 60_000 }, async () => {
  const collector = await startCollector();
  const browser = await launch();
  const errors = [];
  try {
    // A worker that starts and then neither commits nor sends anything.
    const page = await openReady(browser.context, `${collector.origin}/delivery.html?page=x&engine=worker&engineUrl=/silent-engine-worker.js`, errors);
    await page.evaluate(() => window.trackSome(3));
    await sleep(400); // posted to the worker, never confirmed
    await page.close({ runBeforeUnload: true });
    const beaconed = await eventsUntil(collector, (l) => l.filter((e) => e.event === 'Chaos Event').length >= 3, 40);
    assert.deepEqual(beaconed.filter((e) => e.event === 'Chaos Event').map((e) => e.properties.tid).sort(), ['x-0', 'x-1', 'x-2'],
      'the exit beacon delivered them without a next page');
    // The next page's worker applies the rescue and sends them again: the
    // same messageIds, so the collector keeps each once.
    const next = await openReady(browser.context, `${collector.origin}/delivery.html?page=y&engine=worker`, errors);
    await next.evaluate(() => window.sdk.flush());
    let stats = {};
    for (let k = 0; k < 40 && !(stats.duplicates >= 3); k++) {
      stats = await collector.call('/v1/stats');
      if (!(stats.duplicates >= 3)) await sleep(250);
    }
    assert.ok(stats.duplicates >= 3, `the rescue's copies were recognised as duplicates: ${JSON.stringify(stats)}`);
    const events = await collector.call('/v1/events');
    assert.equal(events.filter((e) => e.event === 'Chaos Event').length, 3, 'each call stored once');
    assert.deepEqual(errors, [], 'nothing escaped to the page');
  } finally {
    await browser.close();
    await collector.close();
  }
});

// The script-tag bundle with a collector and no `delivery.engine` (worker mode by
// default), served from the page's origin or, as from a CDN, from another one:
// then the engine worker is a same-origin blob importing attune-worker.js.
async function scriptTagBurst({ cdn }) {
  const collector = await startCollector();
  const browser = await launch();
  const errors = [];
  try {
    const page = await browser.context.newPage();
    const workers = [];
    page.on('worker', (w) => workers.push(w.url()));
    page.on('pageerror', (e) => errors.push(String(e)));
    const pageOrigin = cdn ? `http://localhost:${new URL(collector.origin).port}` : collector.origin;
    await page.goto(`${pageOrigin}/script-worker.html${cdn ? `?cdn=${collector.origin}` : ''}`);
    await page.waitForFunction(() => window.ready || window.initError, null, { timeout: 15_000 });
    assert.equal(await page.evaluate(() => window.initError), undefined);
    assert.equal(await page.evaluate(() => document.querySelector('script[src$="attune.js"]').src),
      `${collector.origin}/pkg/attune.js`);
    await page.evaluate(() => { for (let i = 0; i < 300; i++) window.sdk.track('Script Burst', { i }); });
    const report = await page.evaluate(() => window.sdk.flush());
    assert.equal(report.pending, 0, JSON.stringify(report));
    const events = await eventsUntil(collector, (l) => l.filter((e) => e.event === 'Script Burst').length >= 300);
    const seen = events.filter((e) => e.event === 'Script Burst').map((e) => e.properties.i).sort((a, b) => a - b);
    assert.deepEqual(seen, Array.from({ length: 300 }, (_, i) => i), 'each once');
    if (cdn) {
      assert.ok(workers.some((u) => u.startsWith(`blob:${pageOrigin}/`)), `workers: ${workers}`);
    } else {
      assert.ok(workers.includes(`${collector.origin}/pkg/attune-worker.js`), `workers: ${workers}`);
    }
    assert.deepEqual(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('attune:ob:'))), [],
      'nothing of the outbox on the page');
    assert.ok((await idbKeys(page)).length > 0, 'the worker committed to IndexedDB');
    assert.deepEqual(await page.evaluate(() => window.__errors), []);
    assert.deepEqual(errors, [], 'nothing escaped to the page');
  } finally {
    await browser.close();
    await collector.close();
  }
}

test('the script-tag bundle runs in worker mode by default with a collector: attune-worker.js stores and sends every call once', { timeout: 60_000 }, async () => {
  await scriptTagBurst({ cdn: false });
});

test('the script-tag bundle served from another origin (a CDN) starts its engine worker from a same-origin blob', { timeout: 60_000 }, async () => {
  await scriptTagBurst({ cdn: true });
});

// Two tabs of one site tracking at the same time share one stored profile;
// neither may lose the other's updates.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser, startCollector, waitFor, ready } from './helpers.mjs';

let collector;
before(async () => { collector = await startCollector({ www: 'tests/e2e/pages' }); });
after(async () => { await collector?.close(); });

test('two tabs each tracking 500 events end with a count of 1,000', { timeout: 90_000 }, async () => {
  const browser = await launchBrowser();
  try {
    const [a, b] = [await browser.newPage(), await browser.newPage()];
    await a.goto(`${collector.origin}/tabs.html`);
    await b.goto(`${collector.origin}/tabs.html`);
    await Promise.all([ready(a), ready(b)]);
    // Interleaved bursts: 50 rounds of 10 events per tab, yielding in between so
    // both tabs' coalesced writes overlap.
    const burst = (page) => page.evaluate(async () => {
      for (let round = 0; round < 50; round++) {
        for (let i = 0; i < 10; i++) window.attune.track('Click', { round, i });
        await new Promise((r) => setTimeout(r, Math.random() * 20));
      }
    });
    await Promise.all([burst(a), burst(b)]);
    const stored = (page) => page.evaluate(() => JSON.parse(localStorage.getItem('attune:profile') || '{}').events?.Click?.count ?? 0);
    let last = 0;
    await waitFor(() => `stored count is 1000 (now ${last})`, async () => (last = await stored(a)) === 1000, { timeoutMs: 10_000 });
    // A third tab (a reload) reads the merged profile.
    const c = await browser.newPage();
    await c.goto(`${collector.origin}/tabs.html`);
    await ready(c);
    assert.equal(await c.evaluate(() => window.attune.profile().events.Click.count), 1000);
    assert.deepEqual([...a.problems, ...b.problems, ...c.problems], []);
  } finally {
    await browser.close();
  }
});

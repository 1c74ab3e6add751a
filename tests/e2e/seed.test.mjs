// Server-seeded profile data in real Chromium against the collector's
// profile endpoint: another channel's knowledge reaches the page; a dead
// endpoint costs nothing but an error report.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser, startCollector, waitFor, ready } from './helpers.mjs';

let collector;
before(async () => { collector = await startCollector({ www: 'tests/e2e/pages' }); });
after(async () => { await collector?.close(); });

test('a store purchase known to the CRM changes the offer on the next visit', { timeout: 60_000 }, async () => {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    await page.goto(`${collector.origin}/seed.html`);
    await ready(page);
    const anonymousId = await page.evaluate(() => window.attune.profile().anonymousId);
    assert.equal(await page.textContent('[data-attune-slot="offer"]'), 'default offer');
    await collector.fetchJson('/v1/profile', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ anonymousId, traits: { storePurchase: 'boots' }, segments: ['vip'] }),
    });
    await page.reload();
    await ready(page);
    await waitFor('seeded offer', async () => (await page.textContent('[data-attune-slot="offer"]')) === 'Socks for your new boots');
    const attrs = await page.evaluate(() => window.attune.attributes());
    assert.equal(attrs.traits.storePurchase, 'boots');
    assert.deepEqual(attrs.audiences, { vip: true });
    assert.deepEqual(await page.evaluate(() => window.__entered), ['store_vip']);
    assert.deepEqual(await page.evaluate(() => window.__errors), []);
    assert.deepEqual(page.problems, []);
  } finally {
    await browser.close();
  }
});

test('a dead profile endpoint is reported, and the page works', { timeout: 60_000 }, async () => {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    await page.goto(`${collector.origin}/seed.html?dead`);
    await ready(page);
    await waitFor('remote_failed reported', () => page.evaluate(() => window.__errors.some((e) => e.code === 'remote_failed')));
    assert.deepEqual(await page.evaluate(() => window.attune.segments()), []);
    assert.ok(page.problems.every((p) => p.includes('127.0.0.1:9')), JSON.stringify(page.problems));
  } finally {
    await browser.close();
  }
});

// The debug overlay (pkg/src/debug.js) on the demo shop, under a strict CSP:
// it is not even downloaded unless asked; `?attune_debug=1` and
// `attune.debug(true)` open it; it shows the profile, segments with their
// reasons, every slot's decision, the outbox and consent; it refreshes on
// events; its close button and `attune.debug(false)` remove it; the page sees
// no error and no CSP violation. The ESM entry's debug(sdk) does the same.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, test } from 'node:test';

import { launchBrowser, startCollector, waitFor } from './helpers.mjs';
import { problems, sdkReady } from './journey_harness.mjs';

const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'";

let collector;
let browser;

before(async () => { collector = await startCollector({ extraArgs: ['--csp', CSP] }); });
beforeEach(async () => { browser = await launchBrowser(); });
afterEach(async () => { await browser?.close(); });
after(async () => { await collector?.close(); });

const panel = (page) => page.locator('#attune-debug .panel');
const section = (page, name) => page.locator(`#attune-debug [data-section="${name}"]`);
const value = (page, key) => page.locator(`#attune-debug dd[data-key="${key}"]`).first().textContent();

test('debug overlay: opens with ?attune_debug=1, shows every section, refreshes, closes', { timeout: 90_000 }, async () => {
  const page = await browser.newPage();
  const scripts = [];
  page.on('request', (r) => scripts.push(new URL(r.url()).pathname));
  const csp = [];
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) csp.push(m.text()); });

  await page.goto(`${collector.origin}/`);
  await sdkReady(page);
  assert.ok(!scripts.includes('/pkg/debug.js'), 'the overlay costs nothing when off');
  assert.equal(await page.locator('#attune-debug').count(), 0);

  await page.goto(`${collector.origin}/product.html?sku=trail-runner&attune_debug=1`);
  await sdkReady(page);
  await panel(page).waitFor({ state: 'visible' });
  for (const name of ['profile', 'segments', 'slots', 'outbox', 'consent']) {
    assert.equal(await section(page, name).count(), 1, `section ${name}`);
  }
  const aid = await page.evaluate(() => window.attune.attributes().anonymousId);
  assert.equal(await value(page, 'anonymousId'), aid, 'the identity');
  assert.equal(await value(page, 'channel'), 'direct');
  assert.equal(await value(page, 'analytics'), 'true', 'the consent state');
  assert.match(await section(page, 'slots').textContent(), /hero → \(default\)/, 'every slot with its decision');
  assert.match(await section(page, 'segments').textContent(), /○ cart_abandoner[^○●]*metrics\.cart_items = 0/, 'a segment not matched, and why');

  // Refreshes on events: adding to the cart makes the visitor a cart abandoner.
  await page.click('#add');
  await waitFor('the overlay to show the new segment', async () =>
    /● cart_abandoner[^○●]*metrics\.cart_items = 1/.test(await section(page, 'segments').textContent()));
  assert.match(await section(page, 'outbox').textContent(), /queued\d+inFlight\d+/, 'the outbox counts');
  // explain() traces are there once the decision engine provides explain().
  const hasExplain = await page.evaluate(() => { try { window.attune.explain('hero'); return true; } catch { return false; } });
  if (hasExplain) assert.ok(await page.locator('#attune-debug [data-slot="hero"] details').count() === 1, 'explain() of a slot');

  // The page's own styles cannot reach into it, and its styles stay inside.
  // (Read from a connected node: a refresh may replace the panel between the
  // locator's lookup and the read, and a detached node has no computed style.)
  const position = async () => page.locator('#attune-debug .panel')
    .evaluate((n) => (n.isConnected ? getComputedStyle(n).position : null));
  let font = null;
  for (let i = 0; i < 20 && font === null; i++) font = await position();
  assert.equal(font, 'fixed', 'the constructable stylesheet applies under CSP');

  await page.locator('#attune-debug button[data-action="close"]').click();
  assert.equal(await page.locator('#attune-debug').count(), 0, 'closed by its button');

  assert.equal(await page.evaluate(() => window.attune.debug(true)), true, 'attune.debug(true) opens it');
  await panel(page).waitFor({ state: 'visible' });
  assert.equal(await page.evaluate(() => window.attune.debug(false)), false);
  assert.equal(await page.locator('#attune-debug').count(), 0, 'attune.debug(false) closes it');
  assert.deepEqual(csp, [], 'no CSP violation');
  assert.deepEqual(problems(page), []);
});

test('debug overlay through the ESM entry: debug(sdk) opens it, debug(sdk, false) closes it', { timeout: 60_000 }, async () => {
  const pages = await startCollector({ www: 'tests/e2e/pages' });
  try {
    const page = await browser.newPage();
    await page.goto(`${pages.origin}/esm.html`);
    await page.waitForFunction(() => window.__attuneModule, null, { timeout: 15_000 });
    const opened = await page.evaluate(async () => {
      const m = window.__attuneModule;
      window.__sdk = await m.init({ autocapture: false, segments: { any: { 'events.Ping.count': { $gte: 1 } } } });
      return m.debug(window.__sdk);
    });
    assert.equal(opened, true);
    await panel(page).waitFor({ state: 'visible' });
    await page.evaluate(() => window.__sdk.track('Ping'));
    await waitFor('the ESM overlay to refresh', async () => /● any/.test(await section(page, 'segments').textContent()));
    assert.equal(await page.evaluate(() => window.__attuneModule.debug(window.__sdk, false)), false);
    assert.equal(await page.locator('#attune-debug').count(), 0);
    assert.deepEqual(problems(page), []);
  } finally {
    await pages.close();
  }
});

// Tracking and the visitor profile in real Chromium: single-page-app
// navigation, click autocapture, arrivals through UTM links, and storage that
// is blocked or full.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import { idbKeys, launchBrowser, startCollector, waitFor, ready } from './helpers.mjs';

let collector;
let browser;
before(async () => { collector = await startCollector({ www: 'tests/e2e/pages' }); });
beforeEach(async () => {
  await collector.fetchJson('/v1/reset', { method: 'POST' });
  browser = await launchBrowser();
});
afterEach(async () => { await browser?.close(); });
after(async () => { await collector?.close(); });

const flushed = async (page) => { await page.evaluate(() => window.attune.flush()); return collector.fetchJson('/v1/events'); };

test('SPA navigation records page views; tracked clicks carry data-attune-* properties', { timeout: 60_000 }, async () => {
  const page = await browser.newPage();
  await page.goto(`${collector.origin}/spa.html`);
  await ready(page);
  await page.evaluate(() => { history.pushState({}, '', '/products/a1?ref=nav'); });
  await page.evaluate(() => { history.replaceState({}, '', '/products/a1?ref=nav'); }); // same URL: no new view
  await page.evaluate(() => { history.pushState({}, '', '/cart'); });
  await page.goBack();
  await waitFor('popstate page view', () => page.evaluate(() => window.attune.profile().events['Page Viewed'].count === 4));
  await page.click('#inner');
  await page.click('#plain');
  const events = await flushed(page);
  const paths = events.filter((e) => e.type === 'page').map((e) => e.context.page.path);
  assert.deepEqual(paths, ['/spa.html', '/products/a1', '/cart', '/products/a1']);
  const clicks = events.filter((e) => e.type === 'track');
  assert.equal(clicks.length, 1, 'only the marked element is tracked');
  assert.equal(clicks[0].event, 'Product Added');
  assert.deepEqual(clicks[0].properties, { sku: 'A1', price: 19.5, gift: false });
  assert.deepEqual(await page.evaluate(() => window.attune.segments()), ['browsed_3']);
  const counts = await page.evaluate(() => window.__profileCounts);
  assert.deepEqual(counts.slice(0, 3), [2, 3, 4], 'on("profile") reports every change with a snapshot');
  assert.deepEqual(page.problems, []);
});

test('an e-mail arrival sets context.campaign, the channel and the slot', { timeout: 60_000 }, async () => {
  const page = await browser.newPage();
  await page.goto(`${collector.origin}/spa.html?utm_source=crm&utm_medium=email&utm_campaign=cart_reminder&gclid=G1`);
  await ready(page);
  await waitFor('hero painted', async () => (await page.textContent('[data-attune-slot="hero"]')) === 'Welcome from your e-mail');
  const attrs = await page.evaluate(() => window.attune.attributes());
  assert.equal(attrs.channel, 'email');
  assert.equal(attrs.lastTouch.campaign, 'cart_reminder');
  assert.equal(attrs.session.number, 1);
  const [e] = await flushed(page);
  assert.deepEqual(e.context.campaign, { source: 'crm', medium: 'email', name: 'cart_reminder', gclid: 'G1' });
  assert.ok(e.context.userAgent && e.context.locale && e.context.timezone && e.context.screen, 'environment context');
});

// spa.html (`query` picks the engine) with `initScript` run first: three page views
// (the load and two pushState), which make the visitor `browsed_3`; then a flush.
// Resolves to the page, its events all delivered and nothing escaped to it.
async function threePageViews(initScript, query = '') {
  await browser.context.addInitScript(initScript);
  const page = await browser.newPage();
  await page.goto(`${collector.origin}/spa.html${query}`);
  await ready(page);
  await page.evaluate(() => { history.pushState({}, '', '/a'); history.pushState({}, '', '/b'); });
  assert.deepEqual(await page.evaluate(() => window.attune.segments()), ['browsed_3']);
  const events = await flushed(page);
  assert.equal(events.filter((e) => e.type === 'page').length, 3, 'events still delivered');
  assert.deepEqual(page.problems, []);
  return page;
}

test('blocked localStorage (SecurityError): works in memory, reports once, never throws to the page', { timeout: 60_000 }, async () => {
  await threePageViews(() => {
    Object.defineProperty(window, 'localStorage', { get() { throw new DOMException('The operation is insecure.', 'SecurityError'); } });
  });
});

// The origin's localStorage quota filled before the SDK runs.
const fillLocalStorage = () => {
  try {
    const chunk = 'x'.repeat(1 << 20);
    for (let i = 0; i < 64; i++) localStorage.setItem('filler' + i, chunk);
  } catch (_) { /* full */ }
  try {
    const small = 'y'.repeat(1024);
    for (let i = 0; i < 10000; i++) localStorage.setItem('f' + i, small);
  } catch (_) { /* full */ }
};

// One engine per page whatever `delivery.engine` says: no key, and the old "page"
// and "worker" values, behave the same.
for (const query of ['', '?engine=page', '?engine=worker']) {
  test(`a full localStorage quota falls back to memory and reports storage_unavailable (${query || 'no delivery.engine'})`, { timeout: 60_000 }, async () => {
    const page = await threePageViews(fillLocalStorage, query);
    const errors = await page.evaluate(() => window.__errors);
    assert.ok(errors.some((e) => e.code === 'storage_unavailable' && e.name === 'AttuneError'), JSON.stringify(errors));
    assert.deepEqual(await idbKeys(page), [], 'nothing in IndexedDB: the engine runs on the page');
  });
}

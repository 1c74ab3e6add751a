// Privacy and consent in real Chromium, with storage enumerated and payloads
// checked at the real collector.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
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

// Everything Attune could have left: localStorage/sessionStorage keys, cookies and
// any record in an IndexedDB database named `attune` (the engine stores nothing
// there: one engine per page, on localStorage; the check keeps it that way).
const traces = async (page) => ({
  ...await page.evaluate(() => ({
    local: Object.keys(localStorage).filter((k) => k.startsWith('attune')),
    session: Object.keys(sessionStorage).filter((k) => k.startsWith('attune')),
    cookies: document.cookie.split(';').map((c) => c.trim()).filter((c) => c.startsWith('attune')),
  })),
  idb: await idbKeys(page),
});

test('opt-in: nothing stored or sent before consent; grant persists and sends; revoke wipes', { timeout: 60_000 }, async () => {
  const page = await browser.newPage();
  await page.goto(`${collector.origin}/consent.html`);
  await ready(page);
  await page.reload();
  await ready(page);
  await sleep(300);
  assert.deepEqual(await traces(page), { local: [], session: [], cookies: [], idb: [] }, 'nothing written before consent');
  assert.deepEqual(await collector.fetchJson('/v1/events'), [], 'nothing sent before consent');
  assert.equal(await page.textContent('[data-attune-slot="hero"]'), 'default', 'page context only');

  await page.evaluate(() => window.attune.consent({ analytics: true, personalization: true }));
  await page.evaluate(() => window.attune.flush());
  const stored = await traces(page);
  assert.ok(stored.local.includes('attune:profile') && stored.local.includes('attune:consent'), JSON.stringify(stored));
  const events = await collector.fetchJson('/v1/events');
  const names = events.map((e) => e.event || e.type);
  assert.deepEqual(names.filter((n) => n === 'page'), ['page'], 'the current page view, held in memory, is sent');
  assert.ok(names.includes('Consent Updated'));
  assert.ok(!names.includes('Segment Entered'), 'marketing not granted: no segment events');
  const form = events.find((e) => e.event === 'Contact Form Sent');
  assert.deepEqual(form.properties, { email: '[redacted]', phone: '[redacted]', topic: 'returns' }, 'PII masked at the collector');

  await page.evaluate(() => window.attune.consent({ analytics: false, personalization: false }));
  const revoked = await traces(page);
  assert.deepEqual({ local: revoked.local, idb: revoked.idb }, { local: ['attune:consent'], idb: [] },
    'revoke wipes everything but the choice');
  await page.evaluate(() => window.attune.track('After Revoke'));
  await page.evaluate(() => window.attune.flush());
  assert.ok(!(await collector.fetchJson('/v1/events')).some((e) => e.event === 'After Revoke'));
  assert.deepEqual(page.problems, []);
});

test('Global Privacy Control opts out of marketing; forget() leaves nothing behind', { timeout: 60_000 }, async () => {
  await browser.context.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true, configurable: true });
  });
  const page = await browser.newPage();
  await page.goto(`${collector.origin}/consent.html`);
  await ready(page);
  const state = await page.evaluate(() => window.attune.consent({ analytics: true, personalization: true, marketing: true }));
  assert.equal(state.gpc, true);
  assert.equal(state.marketing, false, 'an explicit grant does not override GPC');
  await page.reload();
  await ready(page);
  await waitFor('returning hero', async () => (await page.textContent('[data-attune-slot="hero"]')) === 'Welcome back!');
  await page.evaluate(() => window.attune.flush());
  const events = await collector.fetchJson('/v1/events');
  assert.ok(events.length >= 3);
  assert.ok(!events.some((e) => e.event === 'Segment Entered'), 'no marketing events under GPC');
  const oldId = events[0].anonymousId;

  await page.evaluate(() => window.attune.forget());
  assert.deepEqual(await traces(page), { local: [], session: [], cookies: [], idb: [] }, 'forget() leaves nothing');
  const forgets = await collector.fetchJson('/v1/forget');
  assert.ok(JSON.stringify(forgets).includes(oldId), 'the deletion request reached the collector');
  const fresh = await page.evaluate(() => window.attune.profile().anonymousId);
  assert.notEqual(fresh, oldId, 'a fresh anonymous identity');
  assert.deepEqual(page.problems, []);
});

test('the optional anonymous-id cookie carries the identity; forget() removes it', { timeout: 60_000 }, async () => {
  const page = await browser.newPage();
  await page.goto(`${collector.origin}/cookie.html`);
  await ready(page);
  const id = await page.evaluate(() => window.attune.profile().anonymousId);
  assert.deepEqual((await traces(page)).cookies, [`attune_aid=${id}`]);
  const [cookie] = await browser.context.cookies();
  assert.equal(cookie.sameSite, 'Lax');
  assert.ok(cookie.expires * 1000 - Date.now() > 29 * 86_400_000, 'lifetime as configured');
  // Another subdomain (no localStorage of its own) shares the cookie: same identity.
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await ready(page);
  assert.equal(await page.evaluate(() => window.attune.profile().anonymousId), id);
  await page.evaluate(() => window.attune.forget());
  assert.deepEqual(await traces(page), { local: [], session: [], cookies: [], idb: [] });
});

test('without configuration Attune sets no cookie', { timeout: 60_000 }, async () => {
  const page = await browser.newPage();
  await page.goto(`${collector.origin}/consent.html`);
  await ready(page);
  await page.evaluate(() => window.attune.consent({ analytics: true, personalization: true, marketing: true }));
  assert.deepEqual(await browser.context.cookies(), []);
});

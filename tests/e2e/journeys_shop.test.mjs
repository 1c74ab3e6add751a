// Demo journeys 1 and 2 in Chromium against the real collector serving www/:
//   1. abandoned cart: product → cart → leave; the e-mail link brings back a hero
//      listing the cart, a social ad shows the same product and, as the second
//      return, the discount; the purchase ends every cart nudge for good; the
//      events page's A/B results count the exposure and the conversion.
//   2. store to web: an in-store purchase posted to the collector's profile
//      endpoint (the channels panel) reaches the SDK as a server-side trait; the
//      shop recommends what goes with it and stops advertising it.
// Each step's decisions must equal tests/vectors/journeys/<journey>.expected.json.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { waitFor } from './helpers.mjs';
import { channelLink, expected, journeyServers, problems, sdkReady, slotText, step } from './journey_harness.mjs';

const env = journeyServers();

const exposed = (page, slot, variant) => waitFor(`an exposure of ${slot}/${variant}`, () => page.evaluate(
  ([s, v]) => ((window.attune.attributes().exposures || {})[s] || {})[v]?.views >= 1, [slot, variant]));

test('journey 1: abandoned cart, e-mail and social returns, purchase ends the nudges', { timeout: 120_000 }, async () => {
  const j = expected('cart');
  const page = await env.browser.newPage();
  const o = env.collector.origin;

  await page.goto(`${o}/product.html?sku=trail-runner`);
  await sdkReady(page);
  await step(page, j, 'browse');
  await page.click('#add');
  await step(page, j, 'added');
  await page.goto('about:blank'); // the visitor leaves

  await page.goto(channelLink(o, 'email', 'e1'));
  await sdkReady(page);
  await step(page, j, 'email-return');
  await waitFor('the hero to list the cart', async () => /Your cart is waiting: Trail Runner 2/.test(await slotText(page, 'hero')));
  assert.equal((await slotText(page, 'offer')).trim(), '', 'no discount on the first return');
  await exposed(page, 'hero', 'cart-reminder');
  const banner = await page.evaluate(() => window.attune.decide('banner'));
  assert.ok(['control', 'free-shipping'].includes(banner?.variant), `banner is in the A/B test (${JSON.stringify(banner)})`);
  await exposed(page, 'banner', banner.variant);

  await page.goto(channelLink(o, 'social', 'f1'));
  await sdkReady(page);
  await step(page, j, 'social-return');
  await waitFor('the hero to show the same product', async () => /Still thinking about the Trail Runner 2\?/.test(await slotText(page, 'hero')));
  assert.match(await slotText(page, 'offer'), /10% off your Trail Runner 2/, 'discount on the second return');
  await exposed(page, 'offer', 'cart-discount');

  await page.goto(`${o}/cart.html`);
  await sdkReady(page);
  await page.click('#checkout');
  await step(page, j, 'purchased');

  await page.goto(channelLink(o, 'email', 'e2'));
  await sdkReady(page);
  await step(page, j, 'after-purchase');
  assert.match(await slotText(page, 'hero'), /Gear for every trail/, 'the default hero after the purchase');
  assert.equal((await slotText(page, 'offer')).trim(), '', 'no discount after the purchase');
  await page.goto(channelLink(o, 'social', 'f2'));
  await sdkReady(page);
  await step(page, j, 'later-social');
  assert.doesNotMatch(await slotText(page, 'hero'), /Trail Runner/, 'no cart nudge from an ad either');
  await page.evaluate(() => window.attune.flush());

  // What reached the collector: exposures, the purchase, and the A/B results.
  const events = await waitFor('exposures and the order at the collector', async () => {
    const all = await env.collector.fetchJson('/v1/events');
    const viewed = all.filter((e) => e.event === 'Experience Viewed').map((e) => `${e.properties.slot}/${e.properties.variant}`);
    const ok = ['hero/cart-reminder', 'offer/cart-discount', `banner/${banner.variant}`].every((v) => viewed.includes(v))
      && all.some((e) => e.event === 'Order Completed');
    return ok ? all : null;
  });
  const abExposure = events.find((e) => e.event === 'Experience Viewed' && e.properties.slot === 'banner');
  assert.equal(abExposure.properties.experiment, 'shipping-test', 'the exposure names the experiment');
  await page.goto(`${o}/events.html`);
  const row = await waitFor('the A/B results row', async () => {
    const rows = await page.locator('#results tr').allTextContents();
    return rows.find((r) => r.startsWith(`shipping-test${banner.variant}`));
  });
  assert.equal(row, `shipping-test${banner.variant}11100 %`, 'one exposed visitor, one conversion');
  assert.ok(await page.locator('#rows td', { hasText: 'Experience Viewed' }).count() >= 3, 'the events page lists exposures');
  assert.deepEqual(problems(page), []);
});

test('journey 2: an in-store purchase reaches the web as a server-side trait', { timeout: 120_000 }, async () => {
  const j = expected('store');
  const page = await env.browser.newPage();
  const o = env.collector.origin;

  await page.goto(`${o}/`);
  await sdkReady(page);
  await step(page, j, 'before-store');
  assert.match(await slotText(page, 'featured'), /Alpine Boots/, 'the boots are advertised before');

  await page.goto(`${o}/channels.html`);
  await sdkReady(page);
  const aid = await page.evaluate(() => window.attune.attributes().anonymousId);
  await page.click('#store-purchase');
  await waitFor('the store purchase to be recorded', async () => /Recorded/.test(await page.locator('#store-out').textContent()));
  const server = await env.collector.fetchJson(`/v1/profile?anonymousId=${encodeURIComponent(aid)}`);
  assert.deepEqual(server.traits.storePurchases, ['alpine-boots'], 'the collector holds the trait');

  await page.goto(`${o}/`);
  await sdkReady(page);
  await step(page, j, 'after-store');
  for (const slot of ['hero', 'featured', 'recommend']) {
    assert.doesNotMatch(await slotText(page, slot), /Alpine Boots/, `${slot} does not advertise what was bought`);
  }
  assert.match(await slotText(page, 'featured'), /Rain Jacket/);
  assert.match(await slotText(page, 'recommend'), /Waterproof Spray and Merino Socks/);
  await page.goto(`${o}/product.html?sku=trail-runner`);
  await sdkReady(page);
  await waitFor('the recommendation on a product page', async () => /Waterproof Spray/.test(await slotText(page, 'recommend')));
  assert.deepEqual(problems(page), []);
});

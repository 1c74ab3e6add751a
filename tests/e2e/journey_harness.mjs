// Shared steps of the demo journey tests (journeys_*.test.mjs): the SDK ready on
// a page, the decisions of a journey's slots, and the check of one step against
// the decisions checked in at tests/vectors/journeys/<journey>.expected.json
// (which `attune simulate` is checked against too, in cli/tests/journeys.rs).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, afterEach, before, beforeEach } from 'node:test';
import { join } from 'node:path';

import { launchBrowser, ROOT, startCollector, waitFor } from './helpers.mjs';

/** The expected decisions of a journey: `{journey, slots, steps: {step: {slot: variant|null}}}`. */
export function expected(name) {
  return JSON.parse(readFileSync(join(ROOT, 'tests/vectors/journeys', `${name}.expected.json`), 'utf8'));
}

/** Resolves once attune.js replaced the snippet's queue and `init` resolved (bounded). */
export async function sdkReady(page) {
  await page.waitForFunction(() => window.attune && window.attune.__attune === true, null, { timeout: 15_000 });
  await page.evaluate(() => new Promise((resolve, reject) => {
    setTimeout(() => reject(new Error('attune not ready within 15 s')), 15_000);
    window.attune.ready(() => resolve());
  }));
}

/** `{slot: variant id or null}` for each slot, from `attune.decide()` in the page. */
export function decisions(page, slots) {
  return page.evaluate((s) => Object.fromEntries(s.map((slot) => {
    const d = window.attune.decide(slot);
    return [slot, d && d.variant ? d.variant : null];
  })), slots);
}

/**
 * Waits (bounded) until the page's decisions for the journey's slots equal the
 * expected ones of `step`, and returns them. Decisions can change a moment after
 * load (the server-side profile arrives asynchronously), hence the wait.
 */
export async function step(page, journey, name) {
  const want = journey.steps[name];
  assert.ok(want, `${journey.journey}: no expected decisions for step "${name}"`);
  let got;
  try {
    await waitFor(`step "${name}"`, async () => {
      got = await decisions(page, journey.slots);
      return JSON.stringify(got) === JSON.stringify(want);
    }, { timeoutMs: 5_000 });
  } catch {
    assert.deepEqual(got, want, `${journey.journey}, step "${name}": browser decisions`);
  }
  return got;
}

/**
 * Problems a page reported (errors, failed requests), minus the favicon probe and
 * requests aborted by a navigation: a journey leaves pages while events are in
 * flight (they stay in the outbox and are sent again, at least once), while the
 * server-side profile is being fetched (the next page fetches it) or while the
 * delivery worker's script loads (the next page starts its own).
 */
export const problems = (page) => page.problems.filter((p) => !p.includes('favicon.ico')
  && !/^requestfailed: \S+(\/v1\/(batch|profile)\S*|\/sender\.js) net::ERR_ABORTED$/.test(p));

/** A channel link as the channels panel makes it (fresh click id). */
export function channelLink(origin, kind, id) {
  const q = {
    email: `utm_source=crm&utm_medium=email&utm_campaign=cart_reminder&ecid=${id}`,
    social: `utm_source=facebook&utm_medium=paid_social&utm_campaign=cart_retarget&fbclid=${id}`,
  }[kind];
  return `${origin}/?${q}`;
}

/** Text of a slot. */
export const slotText = (page, slot) => page.locator(`[data-attune-slot="${slot}"]`).first().textContent();

/**
 * Registers the hooks of a journey test file: one collector serving www/ for the
 * file, emptied before each test, and a fresh browser (a new visitor) per test.
 * Returns `{collector, browser}`, filled in as the hooks run.
 */
export function journeyServers() {
  const env = { collector: null, browser: null };
  before(async () => { env.collector = await startCollector(); });
  beforeEach(async () => {
    await env.collector.fetchJson('/v1/reset', { method: 'POST' });
    env.browser = await launchBrowser();
  });
  afterEach(async () => { await env.browser?.close(); });
  after(async () => { await env.collector?.close(); });
  return env;
}

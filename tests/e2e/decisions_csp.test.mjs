// Decisions under a strict Content-Security-Policy, served by the real
// collector's --csp flag: no inline script, no eval. Hiding comes from the
// snippet file's class on <html> plus either its inline <style> (allowed when
// only script-src is restricted) or the pkg/src/attune.css file (when
// default-src/style-src forbid inline styles too). The page must paint, count
// an impression, deliver events and report no CSP violation.
import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, test } from 'node:test';

import { launchBrowser, startCollector, waitFor } from './helpers.mjs';

const POLICIES = {
  'decisions.html': "script-src 'self' 'wasm-unsafe-eval'",
  'decisions-strict.html': "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'none'",
};

let browser;
const collectors = [];
beforeEach(async () => { browser = await launchBrowser(); });
afterEach(async () => { await browser?.close(); });
after(async () => { await Promise.all(collectors.map((c) => c.close())); });

for (const [file, policy] of Object.entries(POLICIES)) {
  test(`CSP "${policy}": ${file} paints, hides only slots, counts and delivers`, { timeout: 60_000 }, async () => {
    const collector = await startCollector({ www: 'tests/e2e/pages', extraArgs: ['--csp', policy] });
    collectors.push(collector);
    const page = await browser.newPage();
    const config = {
      collector: { url: `${collector.origin}/v1/batch` },
      flushInterval: 200,
      exposure: { minMs: 500 },
      placements: [{ slot: 'hero', variants: [{ id: 'csp', content: { html: '<strong>Strict</strong> <a href="/x">link</a>', classes: { add: ['promo'] } } }] }],
    };
    await page.addInitScript((c) => { window.__attuneConfig = c; }, config);
    const res = await page.goto(`${collector.origin}/${file}`);
    assert.equal(res.headers()['content-security-policy'], policy, 'the policy is served');
    await page.waitForFunction(() => window.attune && window.attune.isReady === true, null, { timeout: 15_000 });
    await waitFor('hero painted', () => page.evaluate(() => document.querySelector('[data-attune-slot="hero"]').innerHTML === '<strong>Strict</strong> <a href="/x">link</a>'));
    await page.waitForFunction(() => window.__probe.timeoutAt !== null, null, { timeout: 5_000 });
    const probe = await page.evaluate(() => window.__probe);
    assert.ok(probe.hidingOn !== null && probe.hidingOff !== null, 'slots were hidden, then shown');
    // Never past the snippet's timeout, measured against a timer of the same
    // length (not a wall-clock budget: a loaded machine runs timers late).
    assert.ok(probe.hidingOff <= probe.timeoutAt, `hidden ${probe.hidingOff - probe.hidingOn} ms, the timeout fired after ${probe.timeoutAt - probe.hidingOn} ms`);
    const hiddenRule = await page.evaluate(() => {
      document.documentElement.classList.add('attune-loading');
      const el = document.createElement('div');
      el.setAttribute('data-attune-slot', 'nothing-placed');
      document.body.appendChild(el);
      const v = getComputedStyle(el).visibility;
      document.documentElement.classList.remove('attune-loading');
      return v;
    });
    assert.equal(hiddenRule, 'hidden', 'the hiding rule applies under this policy');
    await waitFor('impression recorded', () => page.evaluate(() => window.attune.profile().exposures?.hero?.csp?.views === 1));
    await page.evaluate(() => window.attune.flush());
    const events = await waitFor('Experience Viewed at the collector', async () => {
      const ev = await collector.fetchJson('/v1/events');
      return ev.some((e) => e.event === 'Experience Viewed') ? ev : null;
    });
    assert.ok(events.length >= 2);
    assert.deepEqual(probe.csp.concat(await page.evaluate(() => window.__probe.csp)), [], 'no CSP violation');
    assert.deepEqual(page.problems.filter((p) => !p.includes('favicon.ico')), []);
  });
}

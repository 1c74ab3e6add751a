// Decisions in real Chromium against the real collector: every content kind
// from tests/vectors/decisions.json painted and restored, the XSS corpus of
// tests/vectors/xss.json executing nothing, impressions (visible >= 1 s, once
// per page view; off-screen not counted) and clicks reaching the collector,
// late slots (MutationObserver), SPA navigation, and bounded hiding.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { launchBrowser, ROOT, startCollector, waitFor, ready } from './helpers.mjs';

const vectors = JSON.parse(readFileSync(join(ROOT, 'tests/vectors/decisions.json'), 'utf8'));
const xss = JSON.parse(readFileSync(join(ROOT, 'tests/vectors/xss.json'), 'utf8')).payloads;

let collector;
let browser;
before(async () => { collector = await startCollector({ www: 'tests/e2e/pages' }); });
beforeEach(async () => {
  await collector.fetchJson('/v1/reset', { method: 'POST' });
  browser = await launchBrowser();
});
afterEach(async () => { await browser?.close(); });
after(async () => { await collector?.close(); });

const events = async (page) => { await page.evaluate(() => window.attune.flush()); return collector.fetchJson('/v1/events'); };
const problems = (page) => page.problems.filter((p) => !p.includes('favicon.ico'));

// Opens the decision test page with `config` (and optional `cases`) injected first.
async function open(config, { cases = null, path = '/decisions.html', dialogs = [] } = {}) {
  const page = await browser.newPage();
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  await page.addInitScript(([c, k]) => { window.__attuneConfig = c; window.__cases = k; }, [config, cases]);
  await page.goto(`${collector.origin}${path}`);
  await ready(page);
  return page;
}

const collectorCfg = () => ({ url: `${collector.origin}/v1/batch` });

test('every content kind is painted from the vectors and the default restores the original', { timeout: 60_000 }, async () => {
  const cases = vectors.content.map((c, i) => ({ ...c, slot: `c${i}` }));
  const placements = cases.map((c) => ({
    slot: c.slot,
    variants: [{ id: 'v', when: { 'traits.off': { $ne: true } }, content: c.content }],
  }));
  const page = await browser.newPage();
  await page.addInitScript(([c, k]) => { window.__attuneConfig = c; window.__cases = k; }, [{ placements }, cases]);
  await page.goto(`${collector.origin}/decisions.html`);
  await ready(page);
  const originals = await page.evaluate(() => window.__originals);
  assert.equal(originals.length, cases.length);
  await page.evaluate((k) => {
    const traits = Object.assign({}, ...k.map((c) => c.traits || {}));
    window.attune.identify(traits);
  }, cases);
  for (const c of cases) {
    const got = await page.evaluate((s) => {
      const el = document.querySelector(`[data-attune-slot="${s}"]`);
      const attrs = {};
      for (const a of el.attributes) attrs[a.name] = a.value;
      return { html: el.innerHTML, attrs, variant: el.getAttribute('data-attune-variant') };
    }, c.slot);
    assert.equal(got.variant, 'v', `${c.name}: painted`);
    // Template values come from traits set after the first paint: this is a repaint.
    assert.equal(got.html, c.html, c.name);
    for (const [k, v] of Object.entries(c.attrs ?? {})) {
      if (v === null) assert.ok(!(k in got.attrs), `${c.name}: no ${k}`);
      else assert.equal(got.attrs[k], v, `${c.name}: ${k}`);
    }
  }
  // A later decision of "default" restores every slot exactly.
  await page.evaluate(() => window.attune.identify({ off: true }));
  const restored = await page.evaluate((k) => k.map((c) => {
    const el = document.querySelector(`[data-attune-slot="${c.slot}"]`).cloneNode(true);
    el.removeAttribute('data-attune-done');
    return el.outerHTML;
  }), cases);
  assert.deepEqual(restored, originals);
  assert.deepEqual(await page.evaluate(() => window.__errors), []);
  assert.deepEqual(problems(page), []);
});

test(`XSS corpus (${xss.length} payloads through html, traits and UTM parameters) executes nothing`, { timeout: 90_000 }, async () => {
  const html = xss.filter((p) => p.kind === 'html');
  const cases = html.map((p, i) => ({ slot: `x${i}`, original: 'safe' }));
  const placements = html.map((p, i) => ({ slot: `x${i}`, variants: [{ id: 'v', content: { html: p.payload } }] }));
  const dialogs = [];
  const page = await open({ placements }, { cases, dialogs });
  await waitFor('html payload slots painted', () => page.evaluate((n) => document.querySelectorAll('[data-attune-variant]').length >= n, html.length));
  // Traits and UTM parameters through templates into text, markup and attributes.
  const templated = {
    placements: [
      { slot: 'hero', variants: [{ id: 't', content: { html: '<b>{{traits.x}}</b> <i>{{campaign.name}}</i> {{page.query.next}}', attributes: { title: '{{traits.x}}' } } }] },
      { slot: 'below', variants: [{ id: 'u', content: { text: '{{traits.x}} {{campaign.name}}', attributes: { href: '{{page.query.next}}' } } }] },
    ],
  };
  for (const p of xss.filter((x) => x.kind !== 'html')) {
    const q = encodeURIComponent(p.payload);
    const tp = await open(templated, { path: `/decisions.html?utm_campaign=${q}&next=${q}`, dialogs });
    await tp.evaluate((x) => window.attune.identify({ x }), p.payload);
    await tp.mouse.move(10, 10);
    await tp.click('[data-attune-slot="hero"]');
    assert.equal(await tp.evaluate(() => window.__pwnedCalls), 0, `${p.id} executed`);
    await tp.close();
  }
  // Give event-driven payloads (onerror, onload, ontoggle, onfocus, animations) time to fire.
  await page.mouse.move(50, 50);
  await page.mouse.move(300, 300);
  await sleep(1500);
  assert.equal(await page.evaluate(() => window.__pwnedCalls), 0, 'window.__pwned() was never called');
  assert.deepEqual(dialogs, [], 'no dialog opened');
  const hostile = await page.evaluate(() => [...document.querySelectorAll('#cases *')].filter((el) =>
    [...el.attributes].some((a) => a.name.startsWith('on') || a.name === 'style' || /^\s*(javascript|data|vbscript):/i.test(a.value))
    || ['SCRIPT', 'IFRAME', 'OBJECT', 'EMBED', 'svg', 'math', 'STYLE', 'BASE', 'META', 'LINK', 'FORM'].includes(el.tagName)).map((el) => el.outerHTML));
  assert.deepEqual(hostile, [], 'no dangerous element or attribute in the painted slots');
});

test('impressions: visible >= 1 s counted once per page view, off-screen not counted; clicks reach the collector', { timeout: 60_000 }, async () => {
  const config = {
    collector: collectorCfg(),
    flushInterval: 200,
    placements: [
      { slot: 'hero', experiment: { key: 'hero-test', weights: [0.5, 0.5] }, variants: [{ id: 'a', content: { text: 'A' } }, { id: 'b', content: { text: 'B' } }] },
      { slot: 'below', variants: [{ id: 'low', content: { text: 'Low' } }] },
    ],
  };
  const page = await open(config);
  const decision = await page.evaluate(() => window.attune.decide('hero'));
  assert.equal(decision.experiment.key, 'hero-test');
  assert.ok(['a', 'b'].includes(decision.variant));
  await sleep(600);
  assert.equal(await page.evaluate(() => window.attune.profile().exposures?.hero), undefined, 'not counted before 1 s');
  await waitFor('hero impression', () => page.evaluate(() => window.attune.profile().exposures?.hero?.[window.attune.decide('hero').variant]?.views === 1));
  await sleep(1500);
  const profile = await page.evaluate(() => window.attune.profile());
  assert.equal(profile.exposures.hero._all.views, 1, 'once per page view');
  assert.equal(profile.exposures.below, undefined, 'the off-screen slot is not counted');
  await page.click('[data-attune-slot="hero"]');
  const all = await waitFor('viewed and clicked at the collector', async () => {
    const ev = await events(page);
    return ev.some((e) => e.event === 'Experience Clicked') ? ev : null;
  });
  const viewed = all.filter((e) => e.event === 'Experience Viewed');
  assert.equal(viewed.length, 1);
  assert.deepEqual(viewed[0].properties, { slot: 'hero', variant: decision.variant, experiment: 'hero-test', experimentVariant: decision.variant });
  const clicked = all.filter((e) => e.event === 'Experience Clicked');
  assert.deepEqual(clicked[0].properties, { slot: 'hero', variant: decision.variant, experiment: 'hero-test' });
  // Scrolled into view for less than a second: still not counted; a full second: counted.
  await page.evaluate(() => document.querySelector('[data-attune-slot="below"]').scrollIntoView());
  await sleep(300);
  await page.evaluate(() => window.scrollTo(0, 0));
  await sleep(1200);
  assert.equal(await page.evaluate(() => window.attune.profile().exposures.below), undefined, 'a glimpse is not an impression');
  const explained = await page.evaluate(() => window.attune.explain('hero'));
  assert.equal(explained.experiment.assignment.variant, decision.variant);
  assert.deepEqual(problems(page), []);
});

test('late slots (MutationObserver) are painted before the first frame; SPA navigation re-decides; only changed slots repaint', { timeout: 60_000 }, async () => {
  const config = {
    placements: [
      { slot: 'hero', variants: [{ id: 'on-b', when: { 'page.path': '/spa-b' }, content: { text: 'On B' } }] },
      { slot: 'late', variants: [{ id: 'late-v', content: { html: '<em>late</em>' } }] },
      { slot: 'below', variants: [{ id: 'buyer', when: { 'events.Order Completed.count': { $gte: 1 } }, content: { text: 'Thanks' } }] },
    ],
  };
  const page = await open(config);
  const late = await page.evaluate(async () => {
    const el = document.createElement('div');
    el.setAttribute('data-attune-slot', 'late');
    el.textContent = 'late default';
    document.body.appendChild(el);
    // Mutation observers run before the next animation frame, which runs before paint.
    return new Promise((resolve) => requestAnimationFrame(() => resolve(el.innerHTML)));
  });
  assert.equal(late, '<em>late</em>', 'a slot added later is painted before it is first drawn');
  assert.equal(await page.textContent('[data-attune-slot="hero"]'), 'default hero');
  const before = await page.evaluate(() => window.__probe.mutations.hero || 0);
  await page.evaluate(() => window.attune.track('Order Completed'));
  assert.equal(await page.textContent('[data-attune-slot="below"]'), 'Thanks', 're-decided after the event');
  assert.equal(await page.evaluate(() => window.__probe.mutations.hero || 0), before, 'an unchanged slot is not repainted');
  await page.evaluate(() => history.pushState({}, '', '/spa-b'));
  await waitFor('hero re-decided on SPA navigation', async () => (await page.textContent('[data-attune-slot="hero"]')) === 'On B');
  await page.evaluate(() => history.pushState({}, '', '/spa-c'));
  await waitFor('hero restored', async () => (await page.textContent('[data-attune-slot="hero"]')) === 'default hero');
  assert.deepEqual(problems(page), []);
});

test('bounded hiding: only slots are hidden, never past the timeout even when the SDK is slow', { timeout: 60_000 }, async () => {
  const config = { placements: [{ slot: 'hero', variants: [{ id: 'v', content: { text: 'Personal' } }] }] };
  // Fast path: the SDK decides within the timeout.
  const fast = await open(config);
  await fast.waitForFunction(() => window.__probe.timeoutAt !== null, null, { timeout: 5_000 });
  const f = await fast.evaluate(() => ({ on: window.__probe.hidingOn, off: window.__probe.hidingOff, done: window.__probe.done.hero, timeoutAt: window.__probe.timeoutAt }));
  assert.ok(f.on !== null, 'the snippet hid the slots');
  console.log(`# hero decided ${(f.done - f.on).toFixed(1)} ms after hiding began; hiding ended after ${(f.off - f.on).toFixed(1)} ms`);
  // Not a speed budget: the hiding must end by the time a timer as long as the
  // snippet's, started after it, fires (however late the machine runs timers).
  assert.ok(f.off !== null && f.off <= f.timeoutAt, `hidden ${f.off - f.on} ms, the timeout fired after ${f.timeoutAt - f.on} ms`);
  assert.equal(await fast.evaluate(() => getComputedStyle(document.body).visibility), 'visible', 'the page itself is never hidden');
  await fast.close();
  // Slow path: attune.js held back 1.5 s; the default must show at the timeout.
  const slow = await browser.newPage();
  await slow.route((u) => u.pathname.endsWith('/pkg/attune.js'), async (route) => { await sleep(1500); await route.continue(); });
  await slow.addInitScript((c) => { window.__attuneConfig = c; }, config);
  await slow.goto(`${collector.origin}/decisions.html`, { waitUntil: 'domcontentloaded' });
  await slow.waitForFunction(() => window.__probe.hidingOff !== null && window.__probe.timeoutAt !== null, null, { timeout: 5_000 });
  const s = await slow.evaluate(() => ({
    on: window.__probe.hidingOn, off: window.__probe.hidingOff, timeoutAt: window.__probe.timeoutAt,
    vis: getComputedStyle(document.querySelector('[data-attune-slot="hero"]')).visibility,
    text: document.querySelector('[data-attune-slot="hero"]').textContent,
  }));
  console.log(`# slow SDK: slot hidden for ${(s.off - s.on).toFixed(1)} ms (timeout 300)`);
  assert.ok(s.off - s.on >= 250 && s.off <= s.timeoutAt, `hidden ${s.off - s.on} ms (300 ms timeout, which fired after ${s.timeoutAt - s.on} ms)`);
  assert.equal(s.vis, 'visible');
  assert.equal(s.text, 'default hero', 'the default shows while the SDK is late');
  await ready(slow);
  await waitFor('painted once the SDK arrived', async () => (await slow.textContent('[data-attune-slot="hero"]')) === 'Personal');
});

test('a returning visitor\'s first paint shows the cached decision before the engine has started', { timeout: 60_000 }, async () => {
  const config = { placements: [{ slot: 'hero', variants: [{ id: 'cached', when: { 'traits.off': { $ne: true } }, content: { html: '<b>Cached</b> hero' } }] }] };
  const first = await open(config);
  await waitFor('painted and cached', () => first.evaluate(() => !!localStorage.getItem('attune:decisions')));
  await first.close();
  const page = await browser.newPage();
  // The wasm module arrives 1.5 s late: only the loader's cache can paint before that.
  await page.route((u) => u.pathname.endsWith('/pkg/attune_bg.wasm'), async (route) => { await sleep(1500); await route.continue(); });
  await page.addInitScript((c) => { window.__attuneConfig = c; }, config);
  await page.goto(`${collector.origin}/decisions.html`, { waitUntil: 'domcontentloaded' });
  const early = await waitFor('early paint', () => page.evaluate(() => {
    const el = document.querySelector('[data-attune-slot="hero"]');
    const p = window.__probe;
    return el.innerHTML === '<b>Cached</b> hero' ? { ready: window.attune.isReady === true, at: p.done.hero - p.hidingOn, beforeTimeout: p.timeoutAt === null || p.done.hero < p.timeoutAt } : null;
  }), { intervalMs: 20 });
  assert.equal(early.ready, false, 'painted from the cache before init resolved');
  console.log(`# cached decision painted ${early.at.toFixed(1)} ms after hiding began (engine not started yet)`);
  assert.ok(early.beforeTimeout, 'painted before the hiding timeout fired');
  await ready(page);
  assert.equal(await page.innerHTML('[data-attune-slot="hero"]'), '<b>Cached</b> hero');
  // The engine took over: "default" restores the original markup, not the cached paint.
  await page.evaluate(() => window.attune.identify({ off: true }));
  assert.equal(await page.innerHTML('[data-attune-slot="hero"]'), 'default hero');
  assert.deepEqual(problems(page), []);
});

test('a slot just seen stays as seen until the next page view; its click counts for what was shown', { timeout: 60_000 }, async () => {
  const config = {
    collector: collectorCfg(),
    flushInterval: 200,
    exposure: { minMs: 300 },
    placements: [{ slot: 'hero', variants: [
      { id: 'a', caps: { session: 1 }, content: { text: 'A' } },
      { id: 'b', content: { text: 'B' } },
    ] }],
  };
  const page = await open(config);
  assert.equal(await page.textContent('[data-attune-slot="hero"]'), 'A');
  await waitFor('impression of a', () => page.evaluate(() => window.attune.profile().exposures?.hero?.a?.views === 1));
  assert.equal((await page.evaluate(() => window.attune.decide('hero'))).variant, 'b', 'the cap moved the decision on');
  assert.equal(await page.textContent('[data-attune-slot="hero"]'), 'A', 'but the visitor keeps what they saw');
  await page.click('[data-attune-slot="hero"]');
  const ev = await waitFor('click at the collector', async () => {
    const all = await events(page);
    return all.some((e) => e.event === 'Experience Clicked') ? all : null;
  });
  assert.equal(ev.find((e) => e.event === 'Experience Clicked').properties.variant, 'a', 'the click is on what was shown');
  await page.evaluate(() => history.pushState({}, '', '/next'));
  await waitFor('next page view shows b', async () => (await page.textContent('[data-attune-slot="hero"]')) === 'B');
  assert.deepEqual(problems(page), []);
});

test('a slot on screen that turns from its default to a variant counts an impression of the variant', { timeout: 60_000 }, async () => {
  const config = {
    collector: collectorCfg(),
    flushInterval: 200,
    exposure: { minMs: 300 },
    placements: [{ slot: 'hero', variants: [
      { id: 'qualified', when: { 'events.Qualify.count': { $gte: 1 } }, content: { text: 'Qualified' } },
    ] }],
  };
  const page = await open(config);
  await sleep(600);
  assert.equal((await page.evaluate(() => window.attune.decide('hero'))).variant, null, 'the default first');
  assert.equal(await page.evaluate(() => window.attune.profile().exposures?.hero), undefined, 'the default is no impression');
  await page.evaluate(() => window.attune.track('Qualify'));
  await waitFor('the variant painted', async () => (await page.textContent('[data-attune-slot="hero"]')) === 'Qualified');
  await waitFor('impression of the variant shown in view', () => page.evaluate(() => window.attune.profile().exposures?.hero?.qualified?.views === 1));
  const viewed = await waitFor('at the collector', async () => {
    const all = await events(page);
    return all.find((e) => e.event === 'Experience Viewed') ?? null;
  });
  assert.equal(viewed.properties.variant, 'qualified');
  assert.deepEqual(problems(page), []);
});

test('variants that only set classes or attributes keep the slot\'s own elements and their listeners', { timeout: 60_000 }, async () => {
  const config = {
    exposure: { minMs: 60_000 },
    placements: [{ slot: 'hero', variants: [
      { id: 'twice', when: { 'events.Qualify.count': { $gte: 2 } }, content: { classes: { add: ['twice'] }, attributes: { title: 'twice' } } },
      { id: 'once', when: { 'events.Qualify.count': 1 }, content: { classes: { add: ['once'] } } },
    ] }],
  };
  const page = await open(config);
  await page.evaluate(() => {
    const b = document.createElement('button');
    b.id = 'inner';
    b.textContent = 'inner';
    window.__clicks = 0;
    b.addEventListener('click', () => { window.__clicks += 1; });
    document.querySelector('[data-attune-slot="hero"]').appendChild(b);
  });
  await page.evaluate(() => window.attune.track('Qualify'));
  await waitFor('once painted', () => page.evaluate(() => document.querySelector('[data-attune-slot="hero"]').classList.contains('once')));
  await page.evaluate(() => window.attune.track('Qualify'));
  await waitFor('twice painted', () => page.evaluate(() => document.querySelector('[data-attune-slot="hero"]').getAttribute('title') === 'twice'));
  const hero = await page.evaluate(() => {
    const el = document.querySelector('[data-attune-slot="hero"]');
    return { once: el.classList.contains('once'), twice: el.classList.contains('twice') };
  });
  assert.deepEqual(hero, { once: false, twice: true }, 'the previous variant\'s class is undone');
  await page.click('#inner');
  assert.equal(await page.evaluate(() => window.__clicks), 1, 'the page\'s listener inside the slot survived both paints');
  assert.deepEqual(problems(page), []);
});

test('the holdout keeps the default markup and its impression reaches the collector', { timeout: 60_000 }, async () => {
  const config = {
    collector: collectorCfg(),
    flushInterval: 200,
    placements: [{ slot: 'hero', experiment: { key: 'held', holdout: 0.999999 }, variants: [{ id: 'a', content: { text: 'A' } }, { id: 'b', content: { text: 'B' } }] }],
  };
  const page = await open(config);
  assert.equal(await page.textContent('[data-attune-slot="hero"]'), 'default hero');
  assert.equal(await page.getAttribute('[data-attune-slot="hero"]', 'data-attune-holdout'), 'held');
  const ev = await waitFor('holdout impression at the collector', async () => {
    const all = await events(page);
    return all.find((e) => e.event === 'Experience Viewed') ?? null;
  });
  assert.deepEqual(ev.properties, { slot: 'hero', variant: null, experiment: 'held', experimentVariant: null, holdout: true });
  assert.deepEqual(problems(page), []);
});

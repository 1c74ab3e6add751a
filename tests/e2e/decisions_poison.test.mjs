// A poisoned decisions cache (issue 24, item 4): values placed under
// `attune:decisions` in localStorage before the page loads, as one XSS could
// leave them, must not become a persistent XSS through the script tag's early
// paint (pkg/src/loader.js, dom.js, allow.js). The wasm is held back so the
// early paint is all that runs at first; the test checks that it ran (its one
// harmless node shows), that nothing in the payloads executed or landed, that
// an undeclared slot and a cached selector paint nothing, and that the
// engine's own decision then paints.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { launchBrowser, ready, startCollector, waitFor } from './helpers.mjs';

let collector;
let browser;
before(async () => { collector = await startCollector({ www: 'tests/e2e/pages' }); });
beforeEach(async () => { browser = await launchBrowser(); });
afterEach(async () => { await browser?.close(); });
after(async () => { await collector?.close(); });

const run = (n) => `window.__ran=(window.__ran||[]).concat(${n})`;
const poison = [
  { slot: 'hero', variant: 'x', content: { nodes: [
    { tag: 'script', children: [run(1)] },
    { tag: 'a', attrs: [['href', `java\tscript:${run(2)}`], ['id', 'tab']], children: ['tab'] },
    { tag: 'a', attrs: [['href', `java\nscript:${run(3)}`], ['id', 'nl']], children: ['newline'] },
    { tag: 'a', attrs: [['href', `\u0001 JAVASCRIPT:${run(4)}`], ['id', 'ctl']], children: ['control'] },
    { tag: 'iframe', attrs: [['src', `java\tscript:${run(5)}`]] },
    { tag: 'form', attrs: [['action', `javascript:${run(6)}`]], children: [{ tag: 'button', children: ['go'] }] },
    { tag: 'img', attrs: [['src', 'data:,x'], ['onerror', run(7)]] },
    { tag: 'object', attrs: [['data', `javascript:${run(8)}`]] },
    { tag: 'embed', attrs: [['src', `javascript:${run(9)}`]] },
    { tag: 'base', attrs: [['href', 'https://evil.example/']] },
    { tag: 'meta', attrs: [['http-equiv', 'refresh'], ['content', `0;url=javascript:${run(10)}`]] },
    { tag: 'svg', children: [{ tag: 'script', children: [run(11)] }] },
    { tag: 'div', attrs: [['style', 'color:red'], ['onmouseover', run(12)], ['id', 'clobber']], children: [
      { tag: 'b', children: ['Poison ok'] },
    ] },
  ], attributes: { href: `java\tscript:${run(13)}`, onclick: run(14), style: 'x', srcdoc: '<script></script>' } } },
  // A selector pointing at <body>, on a declared slot and on one the config does not declare.
  { slot: 'below', selector: 'body', variant: 'x', content: { text: 'cached below' } },
  { slot: 'ghost', selector: 'body', variant: 'x', content: { text: 'PWNED ghost' } },
  { slot: 'hero', selector: 'html', variant: 'x', content: { text: 'PWNED html' } },
];

test('a poisoned decisions cache paints nothing unsafe and the real decision still paints', { timeout: 60_000 }, async () => {
  const config = { placements: [
    { slot: 'hero', variants: [{ id: 'real', content: { html: '<b>Real</b> hero' } }] },
    { slot: 'below', variants: [{ id: 'b', when: { 'traits.never': true }, content: { text: 'B' } }] },
  ] };
  const page = await browser.newPage();
  const dialogs = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  await page.route((u) => u.pathname.endsWith('/pkg/attune_bg.wasm'), async (route) => { await sleep(1500); await route.continue(); });
  await page.addInitScript(([c, p]) => {
    window.__attuneConfig = c;
    if (!sessionStorage.getItem('poisoned')) {
      localStorage.setItem('attune:decisions', JSON.stringify(p));
      sessionStorage.setItem('poisoned', '1');
    }
  }, [config, poison]);
  await page.goto(`${collector.origin}/decisions.html`, { waitUntil: 'domcontentloaded' });
  await waitFor('early paint', () => page.evaluate(() => document.querySelector('[data-attune-slot="hero"]').textContent.includes('Poison ok')), { intervalMs: 20 });
  const early = await page.evaluate(() => {
    const hero = document.querySelector('[data-attune-slot="hero"]');
    const dangerous = [];
    for (const el of [hero, ...hero.querySelectorAll('*')]) {
      if (/^(script|iframe|form|button|object|embed|base|meta|svg)$/i.test(el.tagName)) dangerous.push(el.tagName);
      for (const n of el.getAttributeNames()) {
        if (/^on|^style$|^srcdoc$|^id$/.test(n) || /script:|^data:/i.test(el.getAttribute(n).replace(/[\s\u0000-\u001f]/g, ''))) dangerous.push(`${el.tagName}[${n}]`);
      }
    }
    return {
      ready: window.attune.isReady === true,
      dangerous,
      links: [...hero.querySelectorAll('a')].map((a) => a.getAttribute('href')),
      bodyIntact: !!document.querySelector('[data-attune-slot="below"]') && !document.body.hasAttribute('data-attune-done')
        && !document.documentElement.hasAttribute('data-attune-done'),
      below: document.querySelector('[data-attune-slot="below"]').textContent,
      pwned: document.body.textContent.includes('PWNED'),
    };
  });
  assert.equal(early.ready, false, 'checked during the early paint');
  assert.deepEqual(early.dangerous, []);
  assert.deepEqual(early.links, [null, null, null], 'the three links stay, without their hrefs');
  assert.ok(early.bodyIntact, 'a cached selector did not paint <body> or <html>');
  assert.equal(early.pwned, false, 'no cached selector was followed');
  assert.equal(early.below, 'cached below', 'a declared slot paints at its own selector');
  // Clicking what was painted runs nothing.
  assert.equal(await page.evaluate(() => {
    const links = document.querySelectorAll('[data-attune-slot="hero"] a');
    for (const a of links) a.click();
    return links.length;
  }), 3);
  await ready(page);
  await waitFor('the real decision', async () => (await page.innerHTML('[data-attune-slot="hero"]')) === '<b>Real</b> hero');
  assert.equal(await page.evaluate(() => window.__ran === undefined ? null : window.__ran), null, 'no payload ran');
  assert.deepEqual(dialogs, []);
  assert.equal(await page.evaluate(() => document.body.textContent.includes('PWNED')), false);
  assert.deepEqual(page.problems.filter((p) => !p.includes('favicon.ico')), []);
});

// Hostile config objects in real Chromium, on both browser entries (issue 24,
// item 3): throwing getters, Proxies whose traps throw, a revoked Proxy,
// cycles, BigInts, and collector URLs or headers fetch() would refuse. Every
// init must reject with an AttuneError (invalid_config, the path) within the
// bound, nothing may reach the page uncaught, and a good init afterwards
// still starts the SDK.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, test } from 'node:test';

import { launchBrowser, startCollector } from './helpers.mjs';

let collector;
let browser;
before(async () => { collector = await startCollector({ www: 'tests/e2e/pages' }); });
beforeEach(async () => { browser = await launchBrowser(); });
afterEach(async () => { await browser?.close(); });
after(async () => { await collector?.close(); });

const PAGES = {
  esm: '<!doctype html><meta charset="utf-8"><script type="module">import * as a from "/pkg/attune.mjs"; window.__init = a.init;</script>',
  tag: '<!doctype html><meta charset="utf-8"><script src="/pkg/attune.js"></script><script>window.__init = (c) => attune.init(c);</script>',
};

const EXPECTED = ['a', 'collector.url', 'config', 'config', 'wasm', 'placements[0]', 'flushInterval',
  'collector.url', 'collector.url', 'collector.url', 'collector.headers.a b', 'collector.headers.X-A', 'collectors[1].url'];

for (const [entry, html] of Object.entries(PAGES)) {
  test(`${entry}: a hostile config rejects with an AttuneError at its path, nothing uncaught`, { timeout: 60_000 }, async () => {
    const page = await browser.newPage();
    await page.route(`${collector.origin}/hostile.html`, (r) => r.fulfill({ contentType: 'text/html', body: html }));
    await page.goto(`${collector.origin}/hostile.html`);
    await page.waitForFunction(() => typeof window.__init === 'function', null, { timeout: 10_000 });
    const got = await page.evaluate(async () => {
      const revocable = Proxy.revocable({}, {}); revocable.revoke();
      const cyc = { placements: [] }; cyc.placements.push(cyc);
      const configs = [
        { get a() { throw new Error('x'); } },
        { collector: { get url() { throw new Error('u'); } } },
        new Proxy({}, { ownKeys() { throw new Error('k'); } }),
        revocable.proxy,
        { get wasm() { throw new Error('w'); } },
        cyc,
        { flushInterval: 10n },
        { collector: { url: 'javascript:alert(1)' } },
        { collector: { url: 'ftp://example.com/x' } },
        { collector: { url: 'http://[::1' } },
        { collector: { url: '/v1/batch', headers: { 'a b': 'x' } } },
        { collector: { url: '/v1/batch', headers: { 'X-A': 'a\nb' } } },
        { collectors: [{ url: '/ok' }, { url: 'javascript:x' }] },
      ];
      const out = [];
      for (const c of configs) {
        let p;
        try { p = window.__init(c); } catch (e) { out.push({ sync: String(e) }); continue; }
        const bound = new Promise((r) => setTimeout(r, 5000, { pending: true }));
        out.push(await Promise.race([
          Promise.resolve(p).then(() => ({ resolved: true }), (e) => ({ name: e.name, code: e.code, path: e.path, message: e.message })),
          bound,
        ]));
      }
      const ok = await window.__init({ autocapture: false }).then((sdk) => typeof sdk.track === 'function', (e) => String(e));
      return { out, ok };
    });
    assert.equal(got.out.length, EXPECTED.length);
    got.out.forEach((r, i) => {
      assert.deepEqual({ name: r.name, code: r.code, path: r.path }, { name: 'AttuneError', code: 'invalid_config', path: EXPECTED[i] },
        `case ${i}: ${JSON.stringify(r)}`);
    });
    assert.equal(got.ok, true, 'a good init after the hostile ones starts');
    // console.warn of the rejections is expected; nothing uncaught, no console error.
    assert.deepEqual(page.problems.filter((p) => !p.includes('favicon.ico')), []);
  });
}

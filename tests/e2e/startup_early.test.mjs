// Start-up shortcuts (issue 19, item 3) keep init honest: whichever way the wasm
// arrives, init resolves only with an engine that decides, paints, tracks and
// delivers.
//   - the snippet starts compiling attune_bg.wasm itself (`attune.wasm`) and
//     attune.js instantiates that module: one fetch;
//   - when the snippet's compile fails (here: compileStreaming rejects), attune.js
//     fetches the wasm itself and init still works;
//   - a plain <script src=attune.js> (no snippet) works as before;
//   - the ESM entry reads storage early (warmStorage) and still starts.
// In each, one task after init resolved the start's page view is written to the
// outbox (the first write waits for the next task, never longer), the slot is
// painted, and a tracked event reaches the collector.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { launchBrowser, ROOT, startCollector, waitFor } from './helpers.mjs';

const WWW = 'target/startup-early-www';
const config = {
  placements: [{ slot: 'hero', variants: [{ id: 'everyone', when: {}, content: { html: 'Hello <b>all</b>' } }] }],
};
const SLOT = '<div data-attune-slot="hero">default hero</div>';
// What each page reports once init resolved: the decision, the slot and the
// outbox one task later.
const CHECK = `function (sdk) {
  window.__sdk = sdk;
  var d = sdk.decide('hero');
  setTimeout(function () {
    var ob = Object.keys(localStorage).filter(function (k) { return k.indexOf('attune:ob:') === 0; })
      .map(function (k) { return localStorage.getItem(k); }).join('\\n');
    window.__result = { variant: d && d.variant, slot: document.querySelector('[data-attune-slot]').innerHTML, pageViewStored: ob.indexOf('"page"') >= 0 };
  }, 0);
}`;

function pages(origin) {
  const snippet = readFileSync(join(ROOT, 'pkg/snippet.min.js'), 'utf8');
  const cfg = JSON.stringify({ ...config, collector: { url: `${origin}/v1/batch` } });
  const head = (title) => `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>`;
  return {
    snippet: `${head('snippet')}<script>${snippet}</script>`
      + `<script>attune.init(${cfg}); attune.ready(${CHECK});</script></head><body>${SLOT}</body></html>`,
    // The snippet's own compile fails: attune.js must fall back to its own fetch.
    'snippet-fallback': `${head('snippet, early compile fails')}`
      + '<script>WebAssembly.compileStreaming = function () { return Promise.reject(new Error("blocked for the test")); };</script>'
      + `<script>${snippet}</script>`
      + `<script>attune.init(${cfg}); attune.ready(${CHECK});</script></head><body>${SLOT}</body></html>`,
    plain: `${head('plain script tag')}<script src="/pkg/attune.js"></script>`
      + `<script>attune.init(${cfg}).then(${CHECK});</script></head><body>${SLOT}</body></html>`,
    esm: `${head('ESM')}<script type="module">import { init } from '/pkg/attune.mjs';`
      + `init(${cfg}).then(${CHECK});</script></head><body>${SLOT}</body></html>`,
  };
}

let collector;
before(async () => {
  rmSync(join(ROOT, WWW), { recursive: true, force: true });
  mkdirSync(join(ROOT, WWW), { recursive: true });
  collector = await startCollector({ www: WWW });
  for (const [name, html] of Object.entries(pages(collector.origin))) writeFileSync(join(ROOT, WWW, `${name}.html`), html);
});
after(async () => {
  await collector?.close();
  rmSync(join(ROOT, WWW), { recursive: true, force: true });
});

for (const [name, wasmFetches] of [['snippet', 1], ['snippet-fallback', 2], ['plain', 1], ['esm', 1]]) {
  test(`${name}: init resolves with decisions, paint, tracking and delivery working`, { timeout: 60_000 }, async () => {
    await collector.fetchJson('/v1/reset', { method: 'POST' });
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      const wasm = [];
      page.on('request', (r) => { if (r.url().endsWith('/attune_bg.wasm')) wasm.push(r.url()); });
      await page.goto(`${collector.origin}/${name}.html`);
      await page.waitForFunction(() => window.__result, null, { timeout: 15_000 });
      const result = await page.evaluate(() => window.__result);
      assert.equal(result.variant, 'everyone', `decided: ${JSON.stringify(result)}`);
      assert.equal(result.slot, 'Hello <b>all</b>', 'the slot is painted');
      assert.ok(result.pageViewStored, 'one task after init resolved, the page view is in the outbox');
      assert.equal(wasm.length, wasmFetches, `attune_bg.wasm fetched ${wasm.length} times`);
      await page.evaluate(() => { window.__sdk.track('Early Start', { n: 1 }); return window.__sdk.flush(); });
      await waitFor('the tracked event at the collector', async () => (await collector.fetchJson('/v1/events'))
        .some((e) => e.event === 'Early Start'), { timeoutMs: 15_000 });
      assert.deepEqual(page.problems, [], 'no page errors');
    } finally {
      await browser.close();
    }
  });
}

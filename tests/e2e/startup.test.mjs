// What a page loads at start (issue 19, items 1, 2 and 6): a first visit (fresh
// browser profile, empty HTTP cache) to a page with the demo config
// (www/attune.config.json) and the real collector, once through the script tag
// (the README's snippet inline, loading /pkg/attune.js) and once through the ESM
// entry (`import { init } from '/pkg/attune.mjs'`). Every request the page and its
// workers make is recorded from navigation until init has resolved, the first
// events reached the collector and the network has been quiet for a moment. Then:
//   - attune_bg.wasm was fetched exactly once and compiled once (CDP
//     Debugger.scriptParsed with scriptLanguage "WebAssembly" on the page; the only
//     worker is the delivery worker, sender.js, which fetches no wasm);
//   - the set of files fetched from /pkg/ equals the entry's list in
//     scripts/size-budget.json (a new file fetched at start fails), and the sum of
//     their gzip -9 sizes (of the files as served, from pkg/ on disk), plus the
//     entry's inline files (the snippet in the script page), is within its maxGzip;
//   - pkg/debug.js (the overlay, loaded on demand) was not fetched.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';

import { launchBrowser, ROOT, startCollector, waitFor } from './helpers.mjs';

const WWW = 'target/startup-www';
const BUDGET = join(ROOT, 'scripts/size-budget.json');
const QUIET_MS = 500; // no new request for this long after the first events were sent

const config = JSON.parse(readFileSync(join(ROOT, 'www/attune.config.json'), 'utf8'));
const slots = config.placements.map((p) => p.slot).filter(Boolean)
  .map((s) => `<div data-attune-slot="${s}">default ${s}</div>`).join('\n');

function pages() {
  const snippet = readFileSync(join(ROOT, 'pkg/snippet.min.js'), 'utf8');
  return {
    script: '<!doctype html><html><head><meta charset="utf-8"><title>startup: script tag</title>'
      + `<script>${snippet}</script>`
      + `<script>attune.init(${JSON.stringify(config)});`
      + 'attune.ready(function () { window.__ready = true; });</script>'
      + `</head><body>${slots}</body></html>`,
    esm: '<!doctype html><html><head><meta charset="utf-8"><title>startup: ESM</title>'
      + '<script type="module">import { init } from \'/pkg/attune.mjs\';'
      + `window.__sdk = await init(${JSON.stringify(config)}); window.__ready = true;</script>`
      + `</head><body>${slots}</body></html>`,
  };
}

/** `pkg/…` path of a budget entry's file name ("attune.js", "pkg/attune.js", "/pkg/attune.js"). */
const pkgPath = (f) => `pkg/${String(f).replace(/^\.?\//, '').replace(/^pkg\//, '')}`;
const gzipOf = (file) => gzipSync(readFileSync(join(ROOT, file)), { level: 9 }).length;

let collector;
before(async () => {
  rmSync(join(ROOT, WWW), { recursive: true, force: true });
  mkdirSync(join(ROOT, WWW), { recursive: true });
  if (existsSync(join(ROOT, 'pkg/snippet.min.js'))) {
    for (const [name, html] of Object.entries(pages())) writeFileSync(join(ROOT, WWW, `${name}.html`), html);
  }
  collector = await startCollector({ www: WWW });
});
after(async () => {
  await collector?.close();
  rmSync(join(ROOT, WWW), { recursive: true, force: true });
});

/** Loads `/${entry}.html` in a fresh browser; resolves to what it fetched and compiled at start. */
async function startOf(entry) {
  await collector.fetchJson('/v1/reset', { method: 'POST' });
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    const requests = []; // { url, status, failed }
    // Context-level events include the requests of the page's dedicated workers
    // (checked: a worker's own fetch of the wasm shows up here).
    const byRequest = new Map();
    browser.context.on('request', (r) => {
      const rec = { url: r.url(), status: null, failed: null };
      requests.push(rec);
      byRequest.set(r, rec);
    });
    browser.context.on('requestfinished', async (r) => {
      const rec = byRequest.get(r);
      if (rec) rec.status = (await r.response().catch(() => null))?.status() ?? null;
    });
    browser.context.on('requestfailed', (r) => { const rec = byRequest.get(r); if (rec) rec.failed = r.failure()?.errorText; });
    const workers = [];
    page.on('worker', (w) => workers.push(w.url()));
    const cdp = await browser.context.newCDPSession(page);
    const wasmScripts = [];
    cdp.on('Debugger.scriptParsed', (e) => { if (e.scriptLanguage === 'WebAssembly') wasmScripts.push(e.url || e.scriptId); });
    await cdp.send('Debugger.enable');

    const t0 = Date.now();
    await page.goto(`${collector.origin}/${entry}.html`);
    await page.waitForFunction(() => window.__ready === true, null, { timeout: 15_000 });
    await waitFor('the first events at the collector', async () => (await collector.fetchJson('/v1/events')).length > 0,
      { timeoutMs: 15_000 });
    // Until the network is quiet: anything started at start (a worker, a chunk) is counted.
    for (let seen = -1, k = 0; seen !== requests.length && k < 40; k++) { seen = requests.length; await sleep(QUIET_MS); }
    const ms = Date.now() - t0;
    const problems = page.problems.filter((p) => !p.includes('favicon.ico'));
    await cdp.detach().catch(() => {});
    return { requests: requests.slice(), workers, wasmScripts, ms, problems };
  } finally {
    await browser.close();
  }
}

for (const entry of ['script', 'esm']) {
  test(`${entry === 'script' ? 'script tag' : 'ESM entry'}: one wasm fetch and compile, the files fetched at start are the budget's and within it`, { timeout: 60_000 }, async (t) => {
    const built = entry === 'script' ? ['pkg/attune.js', 'pkg/snippet.min.js'] : ['pkg/attune.mjs'];
    for (const f of [...built, 'pkg/attune_bg.wasm', 'pkg/sender.js', 'pkg/debug.js']) {
      assert.ok(existsSync(join(ROOT, f)), `${f} is built (make build)`);
    }
    const start = await startOf(entry);
    const fromPkg = start.requests.filter((r) => new URL(r.url).origin === collector.origin && new URL(r.url).pathname.startsWith('/pkg/'));
    const lines = start.requests.map((r) => `  ${r.status ?? r.failed ?? 'pending'} ${r.url.replace(collector.origin, '')}`);
    console.log(`# ${entry}: ${start.requests.length} requests until ready + first events sent + quiet (${start.ms} ms):\n${lines.join('\n')}`);
    console.log(`# ${entry}: workers ${JSON.stringify(start.workers.map((u) => u.replace(collector.origin, '')))}, wasm compiled ${start.wasmScripts.length}x`);
    assert.deepEqual(start.problems, [], 'no page errors');

    const wasm = fromPkg.filter((r) => new URL(r.url).pathname === '/pkg/attune_bg.wasm');
    assert.equal(wasm.length, 1, `attune_bg.wasm fetched once at start (fetched ${wasm.length} times)`);
    assert.equal(start.wasmScripts.length, 1, `one WebAssembly compile on the page (${start.wasmScripts})`);
    const otherWorkers = start.workers.filter((u) => u !== `${collector.origin}/pkg/sender.js`);
    assert.deepEqual(otherWorkers, [], 'the only worker is the delivery worker (it compiles no wasm)');
    const paths = [...new Set(fromPkg.map((r) => `pkg${decodeURIComponent(new URL(r.url).pathname).slice('/pkg'.length)}`))].sort();
    assert.ok(!paths.includes('pkg/debug.js'), 'the debug overlay is not fetched at start');
    for (const r of fromPkg) assert.equal(r.status, 200, `${r.url}: ${r.status ?? r.failed}`);

    const sizes = Object.fromEntries(paths.map((p) => [p, gzipOf(p)]));
    const total = Object.values(sizes).reduce((a, b) => a + b, 0);
    console.log(`# ${entry}: loaded at start from /pkg/ (gzip -9): ${Object.entries(sizes).map(([p, n]) => `${p} ${n}`).join(', ')}; total ${total}`);

    if (!existsSync(BUDGET)) {
      t.skip('scripts/size-budget.json does not exist yet: sizes printed, budget not checked');
      return;
    }
    const budget = JSON.parse(readFileSync(BUDGET, 'utf8')).entries?.[entry];
    assert.ok(budget && Array.isArray(budget.files) && Number.isFinite(budget.maxGzip),
      `scripts/size-budget.json has entries.${entry} with files and maxGzip`);
    assert.deepEqual(paths, [...new Set(budget.files.map(pkgPath))].sort(),
      `the files fetched at start are those of entries.${entry}.files in scripts/size-budget.json`);
    // What the page carries inline (the script entry's snippet) counts too.
    const inline = [...new Set((budget.inline ?? []).map(pkgPath))];
    const inlineGzip = inline.reduce((n, f) => n + gzipOf(f), 0);
    console.log(`# ${entry}: + inline ${inline.join(', ') || 'nothing'} ${inlineGzip}; ${total + inlineGzip} of ${budget.maxGzip} gzip -9`);
    assert.ok(total + inlineGzip <= budget.maxGzip,
      `${total + inlineGzip} bytes gzip -9 loaded at start (${total} fetched + ${inlineGzip} inline), budget ${budget.maxGzip}`);
  });
}

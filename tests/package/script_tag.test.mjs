// Issue 20: the script tag from the packed package, served by a CDN — a second
// collector on another 127.0.0.1 port serving the unpacked tarball under /pkg/
// — into a page whose CSP is `script-src <CDN> 'wasm-unsafe-eval'` (so the
// snippet and the page's own script are files on the CDN too). The SDK starts,
// its event reaches the page's collector, and nothing goes wrong on the page
// when the page either says `delivery.worker: false` or allows `worker-src blob:`
// (a cross-origin attune.js can start its delivery worker only from a blob:);
// with neither, the browser logs the blocked worker once and the page sends.
// Then the failures a site meets: the CSP without 'wasm-unsafe-eval', and a CDN
// without attune_bg.wasm (404). Each rejects the promise the snippet's init()
// returned with an AttuneError (code wasm_unavailable, path wasm) naming the
// wasm's URL and the likely cause; the page's own script runs on, and nothing
// is uncaught (no pageerror, no console error but the browser's own report of
// the blocked compile or the 404).
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';

import { launchBrowser, startCollector, waitFor } from '../e2e/helpers.mjs';
import { packPackage, ROOT } from './harness.mjs';

let fixture;
let browser;
let work;

// The page's own script (served by the CDN): starts Attune, goes on, and
// records how init settled.
const PAGE_JS = `
var config = { collector: { url: '/v1/batch' }, autocapture: false };
if (/[?&]worker=0/.test(location.search)) config.delivery = { worker: false };
var started = attune.init(config);
window.__returned = typeof started.then;
started.then(function (sdk) {
  sdk.track('CDN Event', { via: 'script tag' });
  return sdk.flush().then(function (f) { window.__result = { ok: true, flush: f }; });
}, function (e) {
  window.__result = { error: { name: e.name, code: e.code, path: e.path, message: e.message } };
});
window.__afterInit = true;
`;

before(async () => {
  work = join(ROOT, 'target/package-fixture/script-tag');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  fixture = packPackage(work, 'attune');
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A package directory for the CDN: the unpacked tarball, less `without` files. */
function cdnPackage(name, without = []) {
  const dir = join(work, name, 'pkg');
  cpSync(fixture.pkgDir, dir, { recursive: true });
  for (const f of without) rmSync(join(dir, f));
  return dir;
}

/** Serves the page from one collector and the package from another (the CDN); resolves to what happened. */
async function runCdn(name, { csp, without = [], query = '' }) {
  const pkg = cdnPackage(name, without);
  const cdnWww = join(work, name, 'cdn');
  const pageWww = join(work, name, 'page');
  mkdirSync(cdnWww, { recursive: true });
  mkdirSync(pageWww, { recursive: true });
  const cdn = await startCollector({ www: relative(ROOT, cdnWww), pkg: relative(ROOT, pkg) });
  let site;
  try {
    const snippet = readFileSync(join(pkg, 'snippet.min.js'), 'utf8');
    const pointed = snippet.replace("'/pkg/attune.js'", `'${cdn.origin}/pkg/attune.js'`);
    assert.notEqual(pointed, snippet, "the snippet's src is the README's '/pkg/attune.js'");
    writeFileSync(join(cdnWww, 'snippet.js'), pointed);
    writeFileSync(join(cdnWww, 'page.js'), PAGE_JS);
    writeFileSync(join(pageWww, 'index.html'), '<!doctype html><html><head><meta charset="utf-8"><title>cdn</title>'
      + `<script src="${cdn.origin}/snippet.js"></script><script src="${cdn.origin}/page.js"></script>`
      + `</head><body><p>page</p><script src="${cdn.origin}/page.js" data-second></script></body></html>`);
    site = await startCollector({ www: relative(ROOT, pageWww), extraArgs: ['--csp', csp(cdn.origin)] });
    const page = await browser.newPage();
    try {
      const workers = [];
      page.on('worker', (w) => workers.push(w.url()));
      await page.goto(`${site.origin}/index.html${query}`);
      await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 20_000 });
      const state = await page.evaluate(() => ({ result: window.__result, returned: window.__returned, afterInit: window.__afterInit }));
      let events = [];
      if (state.result.ok) {
        events = await waitFor('the event at the page\'s collector', async () => {
          const l = await site.fetchJson('/v1/events?event=CDN%20Event');
          return l.length ? l : null;
        }, { timeoutMs: 10_000 }).catch(() => []);
      }
      const problems = page.problems.filter((p) => !p.includes('/favicon.ico'));
      return { ...state, events, workers, problems, cdn: cdn.origin, site: site.origin };
    } finally {
      await page.close().catch(() => {});
    }
  } finally {
    await site?.close();
    await cdn.close();
  }
}

/** Asserts a CDN run started, delivered its event and left nothing on the page but `allowed` problems. */
function assertStarted(r, allowed = []) {
  assert.equal(r.returned, 'function', "the snippet's init returns a promise");
  assert.equal(r.afterInit, true);
  assert.deepEqual(r.result.error, undefined, JSON.stringify(r.result));
  assert.equal(r.result.flush.pending, 0, JSON.stringify(r.result.flush));
  assert.ok(r.events.some((e) => e.properties?.via === 'script tag'), 'the event reached the collector');
  assert.deepEqual(r.problems.filter((p) => !allowed.some((re) => re.test(p))), [], 'no console error, failed request or HTTP error');
}

const STRICT = (cdn) => `script-src ${cdn} 'wasm-unsafe-eval'`;
// What Chromium logs when the SDK tries its blob: delivery worker under STRICT.
const BLOB_BLOCKED = /^console\.error: Creating a worker from 'blob:.*violates the following Content Security Policy directive/;

test("the script tag from a CDN under CSP script-src <CDN> 'wasm-unsafe-eval' with delivery.worker false: init resolves, the event arrives, nothing goes wrong", { timeout: 60_000 }, async () => {
  const r = await runCdn('strict', { csp: STRICT, query: '?worker=0' });
  assertStarted(r);
  assert.deepEqual(r.workers, [], 'no worker: batches go from the page');
});

test("the same with worker-src blob: added: the delivery worker runs from a same-origin blob, nothing goes wrong", { timeout: 60_000 }, async () => {
  const r = await runCdn('blob', { csp: (cdn) => `${STRICT(cdn)}; worker-src blob:` });
  assertStarted(r);
  assert.equal(r.workers.length, 1, `one worker: ${r.workers}`);
  assert.ok(r.workers[0].startsWith(`blob:${r.site}/`), `a same-origin blob, not data: (${r.workers[0]})`);
});

test("the same without either (the default config): the blocked worker is the browser's one console line, the page sends", { timeout: 60_000 }, async () => {
  const r = await runCdn('default', { csp: STRICT });
  assertStarted(r, [BLOB_BLOCKED]);
  assert.equal(r.problems.length, 1, `exactly the blocked blob worker: ${r.problems}`);
  assert.deepEqual(r.workers, []);
});

test("the CSP without 'wasm-unsafe-eval': init() rejects with an AttuneError naming the wasm and the CSP; the page runs on", { timeout: 60_000 }, async () => {
  const r = await runCdn('nowasmeval', { csp: (cdn) => `script-src ${cdn}`, query: '?worker=0' });
  assert.equal(r.returned, 'function', "the snippet's init returns a promise");
  assert.equal(r.afterInit, true, "the page's own script ran past init()");
  const e = r.result.error;
  assert.ok(e, `init rejected: ${JSON.stringify(r.result)}`);
  assert.equal(e.name, 'AttuneError');
  assert.equal(e.code, 'wasm_unavailable');
  assert.equal(e.path, 'wasm');
  assert.ok(e.message.includes(`${r.cdn}/pkg/attune_bg.wasm`), `names the URL: ${e.message}`);
  assert.match(e.message, /'wasm-unsafe-eval'/, 'names the cause');
  // The browser's own report of the blocked compile is the only thing on the console.
  const other = r.problems.filter((p) => !/^console\.error: .*(Content Security Policy|wasm-unsafe-eval)/.test(p));
  assert.deepEqual(other, [], 'nothing uncaught, no other error');
});

test('a CDN without attune_bg.wasm (404): init() rejects with an AttuneError naming the URL and the 404; the page runs on', { timeout: 60_000 }, async () => {
  const r = await runCdn('missing', { csp: STRICT, without: ['attune_bg.wasm'], query: '?worker=0' });
  assert.equal(r.afterInit, true, "the page's own script ran past init()");
  const e = r.result.error;
  assert.ok(e, `init rejected: ${JSON.stringify(r.result)}`);
  assert.equal(e.name, 'AttuneError');
  assert.equal(e.code, 'wasm_unavailable');
  assert.equal(e.path, 'wasm');
  assert.ok(e.message.includes(`${r.cdn}/pkg/attune_bg.wasm`), `names the URL: ${e.message}`);
  assert.match(e.message, /HTTP 404/, 'names the cause');
  const wasm404 = `HTTP 404: ${r.cdn}/pkg/attune_bg.wasm`;
  assert.ok(r.problems.includes(wasm404), `the 404 happened: ${r.problems}`);
  assert.deepEqual(r.problems.filter((p) => p !== wasm404), [], 'nothing uncaught, no other error');
});

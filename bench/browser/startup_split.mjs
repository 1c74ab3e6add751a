// Where Attune's start-up time goes, in headless Chromium (issue 19, item 3): fresh
// loads of a page with the script tag or the ESM entry, a collector and the demo
// config, each split into
//   fetch    – attune.js / attune.mjs and attune_bg.wasm as the resource timing reports them,
//   js       – from attune.js / attune.mjs fetched to the wasm fetch starting (parse and run),
//   compile  – WebAssembly.instantiateStreaming (streaming compile + instantiate),
//   storage  – time in localStorage and document.cookie calls until init resolved
//              (the first localStorage call opens the page's storage area),
//   wasm     – time spent inside each wasm export until init resolved (Core.new, apply, …);
//              `Core.new` less its storage calls is the config compile and profile read,
//   paint    – the browser's first paint,
//   init     – from the page's first script to init resolved.
// The wasm exports are timed by wrapping the instance's exports before the bindings
// see them, so the figures include nothing the SDK itself does not do.
//
//   node bench/browser/startup_split.mjs [--runs 12] [--eager] [--pkg DIR]      (after `make build`)
// Pages: `script` (<script src=attune.js>, as the peer benchmark includes it),
// `snippet` (the README's inline snippet, which starts the wasm compile itself)
// and `esm` (import { init } from attune.mjs).
// `--eager` runs Chromium with V8's lazy wasm compilation off: the difference in
// time inside wasm is what compiling functions on their first call costs.
// `--pkg DIR` (relative to the repo) serves another build's files as /pkg/ (a
// before/after comparison).
// Prints medians and writes target/bench-startup.json.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser, ROOT, startCollector } from '../../tests/e2e/helpers.mjs';

const i = process.argv.indexOf('--runs');
const RUNS = i > 0 ? Number(process.argv[i + 1]) : 12;
const extraArgs = process.argv.includes('--eager') ? ['--js-flags=--no-wasm-lazy-compilation'] : [];
const p = process.argv.indexOf('--pkg');
const PKG = p > 0 ? process.argv[p + 1] : 'pkg';

const www = join(ROOT, 'target', 'bench-startup');
mkdirSync(www, { recursive: true });
copyFileSync(join(ROOT, 'www/attune.config.json'), join(www, 'demo.config.json'));
const config = JSON.parse(readFileSync(join(ROOT, 'www/attune.config.json'), 'utf8'));

// Runs before any SDK code: times instantiateStreaming, every export call and
// every storage call (and which export, if any, made it).
const PROBE = `<script>
(function () {
  var P = window.__split = { t0: performance.now(), compile: 0, calls: {}, storage: { n: 0, ms: 0, first: null, firstMs: 0, cookieMs: 0 }, cur: null };
  var wrap = function (r) {
    var inst = r.instance || r, ex = inst.exports, out = {};
    Object.keys(ex).forEach(function (k) {
      var f = ex[k];
      out[k] = typeof f !== 'function' ? f : function () {
        var a = performance.now(), outer = P.cur;
        P.cur = k;
        try { return f.apply(this, arguments); } finally {
          P.cur = outer;
          var c = P.calls[k] || (P.calls[k] = { n: 0, ms: 0, storageMs: 0, first: a - P.t0 }); c.n++; c.ms += performance.now() - a; c.last = performance.now() - P.t0;
        }
      };
    });
    var fake = Object.create(WebAssembly.Instance.prototype);
    Object.defineProperty(fake, 'exports', { value: out });
    return r.instance ? { instance: fake, module: r.module } : fake;
  };
  var timed = function (f, cookie) {
    return function () {
      var a = performance.now();
      try { return f.apply(this, arguments); } finally {
        var d = performance.now() - a, S = P.storage;
        if (P.ready === undefined) {
          S.n++; S.ms += d; if (cookie) S.cookieMs += d;
          if (!cookie && S.first === null) { S.first = a - P.t0; S.firstMs = d; }
          if (P.cur) { var c = P.calls[P.cur] || (P.calls[P.cur] = { n: 0, ms: 0, storageMs: 0, first: a - P.t0 }); c.storageMs += d; }
        }
      }
    };
  };
  ['getItem', 'setItem', 'removeItem', 'key'].forEach(function (m) { Storage.prototype[m] = timed(Storage.prototype[m]); });
  var len = Object.getOwnPropertyDescriptor(Storage.prototype, 'length');
  Object.defineProperty(Storage.prototype, 'length', { configurable: true, get: timed(len.get) });
  var ck = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
  Object.defineProperty(Document.prototype, 'cookie', { configurable: true, get: timed(ck.get, true), set: timed(ck.set, true) });
  var s = WebAssembly.instantiateStreaming;
  WebAssembly.instantiateStreaming = function (src, imports) {
    var a = performance.now();
    return s.call(WebAssembly, src, imports).then(function (r) { P.compile += performance.now() - a; P.compiled = performance.now() - P.t0; return wrap(r); });
  };
  var n = WebAssembly.instantiate;
  WebAssembly.instantiate = function (src, imports) {
    var a = performance.now();
    return n.call(WebAssembly, src, imports).then(function (r) { P.compile += performance.now() - a; P.compiled = performance.now() - P.t0; return wrap(r); });
  };
})();
</script>`;

// Some content, so the page has a first paint.
const BODY = '<p>Product page</p>';
const cfg = (origin) => JSON.stringify({ ...config, collector: { url: `${origin}/v1/batch` } });
const pages = {
  script: (origin) => `<!doctype html><meta charset="utf-8">${PROBE}
<script src="/pkg/attune.js"></script>
<script>attune.init(${cfg(origin)}).then(function () { __split.ready = performance.now(); }, function (e) { __split.error = String(e); });</script>${BODY}`,
  snippet: (origin) => `<!doctype html><meta charset="utf-8">${PROBE}
<script>${readFileSync(join(ROOT, PKG, 'snippet.min.js'), 'utf8')}</script>
<script>attune.init(${cfg(origin)}); attune.ready(function () { __split.ready = performance.now(); });</script>${BODY}`,
  esm: (origin) => `<!doctype html><meta charset="utf-8">${PROBE}
<script type="module">
import { init } from '/pkg/attune.mjs';
init(${cfg(origin)}).then(function () { __split.ready = performance.now(); }, function (e) { __split.error = String(e); });
</script>${BODY}`,
};

const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};

const collector = await startCollector({ www: 'target/bench-startup', pkg: PKG });
const results = {};
try {
  for (const [name, html] of Object.entries(pages)) {
    writeFileSync(join(www, `${name}.html`), html(collector.origin));
    const runs = [];
    for (let r = 0; r < RUNS; r++) {
      const browser = await launchBrowser({ extraArgs }); // a fresh profile: nothing cached
      try {
        const page = await browser.context.newPage();
        await page.goto(`${collector.origin}/${name}.html`);
        await page.waitForFunction(() => window.__split.ready || window.__split.error, null, { timeout: 20_000 });
        runs.push(await page.evaluate(() => {
          const P = window.__split;
          const res = (suffix) => performance.getEntriesByType('resource').find((e) => e.name.endsWith(suffix));
          const js = res('/pkg/attune.js') || res('/pkg/attune.mjs');
          const wasm = res('/attune_bg.wasm');
          const paint = performance.getEntriesByType('paint').find((e) => e.name === 'first-paint');
          return {
            error: P.error,
            init: P.ready - P.t0,
            jsFetch: js ? js.responseEnd - js.startTime : NaN,
            jsRun: js && wasm ? wasm.startTime - js.responseEnd : NaN,
            wasmFetch: wasm ? wasm.responseEnd - wasm.startTime : NaN,
            wasmStart: wasm ? wasm.startTime - P.t0 : NaN,
            compile: P.compile,
            compiled: P.compiled,
            storage: P.storage,
            paint: paint ? paint.startTime - P.t0 : NaN,
            calls: P.calls,
          };
        }));
      } finally {
        await browser.close();
      }
    }
    const errors = runs.filter((r) => r.error).map((r) => r.error);
    const exports = [...new Set(runs.flatMap((r) => Object.keys(r.calls)))];
    const wasmMs = Object.fromEntries(exports.map((k) => [k, median(runs.map((r) => r.calls[k]?.ms ?? 0))]));
    const coreNew = (r) => r.calls.core_new || { ms: NaN, storageMs: 0 };
    results[name] = {
      runs: runs.length,
      errors,
      initMs: median(runs.map((r) => r.init)),
      jsFetchMs: median(runs.map((r) => r.jsFetch)),
      jsRunMs: median(runs.map((r) => r.jsRun)),
      wasmFetchStartMs: median(runs.map((r) => r.wasmStart)),
      wasmFetchMs: median(runs.map((r) => r.wasmFetch)),
      compileMs: median(runs.map((r) => r.compile)),
      compiledAtMs: median(runs.map((r) => r.compiled)),
      storageMs: median(runs.map((r) => r.storage.ms)),
      storageCalls: median(runs.map((r) => r.storage.n)),
      cookieMs: median(runs.map((r) => r.storage.cookieMs)),
      storageFirstAtMs: median(runs.map((r) => r.storage.first ?? NaN)),
      storageFirstMs: median(runs.map((r) => r.storage.firstMs)),
      configCompileMs: median(runs.map((r) => coreNew(r).ms - coreNew(r).storageMs)),
      firstPaintMs: median(runs.map((r) => r.paint)),
      timeline: Object.fromEntries(exports.map((k) => [k, [median(runs.map((r) => r.calls[k]?.first)), median(runs.map((r) => r.calls[k]?.last))]])),
      inWasmMs: median(runs.map((r) => Object.values(r.calls).reduce((n, c) => n + c.ms, 0))),
      wasmMs,
    };
  }
} finally {
  await collector.close();
}

const f = (x) => (Number.isFinite(x) ? x.toFixed(2) : '-');
console.log(`medians of ${RUNS} fresh loads (ms) of ${PKG}${extraArgs.length ? ' with ' + extraArgs.join(' ') : ''}`);
console.log('entry      init   js fetched  js run  wasm fetch (starts at)  compile+inst (done at)  in wasm  storage  first paint');
for (const [name, r] of Object.entries(results)) {
  console.log(`${name.padEnd(7)} ${f(r.initMs).padStart(7)} ${f(r.jsFetchMs).padStart(11)} ${f(r.jsRunMs).padStart(7)} ${f(r.wasmFetchMs).padStart(11)} (${f(r.wasmFetchStartMs)}) ${f(r.compileMs).padStart(13)} (${f(r.compiledAtMs)}) ${f(r.inWasmMs).padStart(8)} ${f(r.storageMs).padStart(8)} ${f(r.firstPaintMs).padStart(12)}`);
  console.log(`  storage: ${f(r.storageCalls)} calls, ${f(r.storageMs)} ms (cookie ${f(r.cookieMs)}); first localStorage call at ${f(r.storageFirstAtMs)} took ${f(r.storageFirstMs)}; Core.new less its storage calls (config compile, profile read): ${f(r.configCompileMs)}`);
  const top = Object.entries(r.wasmMs).sort((a, b) => b[1] - a[1]).slice(0, 5);
  console.log(`  first..last call: ${Object.entries(r.timeline).sort((a, b) => a[1][0] - b[1][0]).map(([k, [a, b]]) => `${k} ${f(a)}..${f(b)}`).join(', ')}`);
  console.log(`  in wasm: ${top.map(([k, ms]) => `${k} ${f(ms)}`).join(', ')}${r.errors.length ? `  ERRORS: ${r.errors.join('; ')}` : ''}`);
}
mkdirSync(join(ROOT, 'target'), { recursive: true });
writeFileSync(join(ROOT, 'target/bench-startup.json'), JSON.stringify({ date: new Date().toISOString(), pkg: PKG, extraArgs, results }, null, 1));

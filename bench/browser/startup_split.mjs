// Where Attune's start-up time goes, in headless Chromium (issue 19, item 3): fresh
// loads of a page with the script tag or the ESM entry, a collector and the demo
// config, each split into
//   fetch    – attune.js / attune.mjs and attune_bg.wasm as the resource timing reports them,
//   compile  – WebAssembly.instantiateStreaming (streaming compile + instantiate),
//   wasm     – time spent inside each wasm export until init resolved (Core.new, apply, …),
//   init     – from the page's first script to init resolved.
// The wasm exports are timed by wrapping the instance's exports before the bindings
// see them, so the figures include nothing the SDK itself does not do.
//
//   node bench/browser/startup_split.mjs [--runs 12]      (after `make build`)
// Prints medians and writes target/bench-startup.json.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser, ROOT, startCollector } from '../../tests/e2e/helpers.mjs';

const i = process.argv.indexOf('--runs');
const RUNS = i > 0 ? Number(process.argv[i + 1]) : 12;

const www = join(ROOT, 'target', 'bench-startup');
mkdirSync(www, { recursive: true });
copyFileSync(join(ROOT, 'www/attune.config.json'), join(www, 'demo.config.json'));
const config = JSON.parse(readFileSync(join(ROOT, 'www/attune.config.json'), 'utf8'));

// Runs before any SDK code: times instantiateStreaming and every export call.
const PROBE = `<script>
(function () {
  var P = window.__split = { t0: performance.now(), compile: 0, calls: {} };
  var wrap = function (r) {
    var inst = r.instance || r, ex = inst.exports, out = {};
    Object.keys(ex).forEach(function (k) {
      var f = ex[k];
      out[k] = typeof f !== 'function' ? f : function () {
        var a = performance.now();
        try { return f.apply(this, arguments); } finally {
          var c = P.calls[k] || (P.calls[k] = { n: 0, ms: 0, first: a - P.t0 }); c.n++; c.ms += performance.now() - a; c.last = performance.now() - P.t0;
        }
      };
    });
    var fake = Object.create(WebAssembly.Instance.prototype);
    Object.defineProperty(fake, 'exports', { value: out });
    return r.instance ? { instance: fake, module: r.module } : fake;
  };
  var s = WebAssembly.instantiateStreaming;
  WebAssembly.instantiateStreaming = function (src, imports) {
    var a = performance.now();
    return s.call(WebAssembly, src, imports).then(function (r) { P.compile += performance.now() - a; P.compiled = performance.now() - P.t0; return wrap(r); });
  };
  var n = WebAssembly.instantiate;
  WebAssembly.instantiate = function (src, imports) {
    var a = performance.now();
    return n.call(WebAssembly, src, imports).then(function (r) { P.compile += performance.now() - a; return wrap(r); });
  };
})();
</script>`;

const cfg = (origin) => JSON.stringify({ ...config, collector: { url: `${origin}/v1/batch` } });
const pages = {
  script: (origin) => `<!doctype html><meta charset="utf-8">${PROBE}
<script src="/pkg/attune.js"></script>
<script>attune.init(${cfg(origin)}).then(function () { __split.ready = performance.now(); }, function (e) { __split.error = String(e); });</script>`,
  esm: (origin) => `<!doctype html><meta charset="utf-8">${PROBE}
<script type="module">
import { init } from '/pkg/attune.mjs';
init(${cfg(origin)}).then(function () { __split.ready = performance.now(); }, function (e) { __split.error = String(e); });
</script>`,
};

const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};

const collector = await startCollector({ www: 'target/bench-startup' });
const results = {};
try {
  for (const [name, html] of Object.entries(pages)) {
    writeFileSync(join(www, `${name}.html`), html(collector.origin));
    const runs = [];
    for (let r = 0; r < RUNS; r++) {
      const browser = await launchBrowser(); // a fresh profile: nothing cached
      try {
        const page = await browser.context.newPage();
        await page.goto(`${collector.origin}/${name}.html`);
        await page.waitForFunction(() => window.__split.ready || window.__split.error, null, { timeout: 20_000 });
        runs.push(await page.evaluate(() => {
          const P = window.__split;
          const res = (suffix) => performance.getEntriesByType('resource').find((e) => e.name.endsWith(suffix));
          const js = res('/pkg/attune.js') || res('/pkg/attune.mjs');
          const wasm = res('/attune_bg.wasm');
          return {
            error: P.error,
            init: P.ready - P.t0,
            jsFetch: js ? js.responseEnd - js.startTime : NaN,
            wasmFetch: wasm ? wasm.responseEnd - wasm.startTime : NaN,
            wasmStart: wasm ? wasm.startTime - P.t0 : NaN,
            compile: P.compile,
            compiled: P.compiled,
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
    results[name] = {
      runs: runs.length,
      errors,
      initMs: median(runs.map((r) => r.init)),
      jsFetchMs: median(runs.map((r) => r.jsFetch)),
      wasmFetchStartMs: median(runs.map((r) => r.wasmStart)),
      wasmFetchMs: median(runs.map((r) => r.wasmFetch)),
      compileMs: median(runs.map((r) => r.compile)),
      compiledAtMs: median(runs.map((r) => r.compiled)),
      timeline: Object.fromEntries(exports.map((k) => [k, [median(runs.map((r) => r.calls[k]?.first)), median(runs.map((r) => r.calls[k]?.last))]])),
      inWasmMs: median(runs.map((r) => Object.values(r.calls).reduce((n, c) => n + c.ms, 0))),
      wasmMs,
    };
  }
} finally {
  await collector.close();
}

const f = (x) => (Number.isFinite(x) ? x.toFixed(2) : '-');
console.log(`medians of ${RUNS} fresh loads (ms)   init   js fetch   wasm fetch (starts at)   compile+inst   in wasm`);
for (const [name, r] of Object.entries(results)) {
  console.log(`${name.padEnd(34)} ${f(r.initMs).padStart(6)} ${f(r.jsFetchMs).padStart(10)} ${f(r.wasmFetchMs).padStart(12)} (${f(r.wasmFetchStartMs)}) ${f(r.compileMs).padStart(13)} ${f(r.inWasmMs).padStart(9)}`);
  const top = Object.entries(r.wasmMs).sort((a, b) => b[1] - a[1]).slice(0, 5);
  console.log(`  compiled at ${f(r.compiledAtMs)}; first..last call: ${Object.entries(r.timeline).sort((a, b) => a[1][0] - b[1][0]).map(([k, [a, b]]) => `${k} ${f(a)}..${f(b)}`).join(', ')}`);
  console.log(`  in wasm: ${top.map(([k, ms]) => `${k} ${f(ms)}`).join(', ')}${r.errors.length ? `  ERRORS: ${r.errors.join('; ')}` : ''}`);
}
mkdirSync(join(ROOT, 'target'), { recursive: true });
writeFileSync(join(ROOT, 'target/bench-startup.json'), JSON.stringify({ date: new Date().toISOString(), results }, null, 1));

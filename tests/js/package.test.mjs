// The built npm package (pkg/) as its users get it: every file its package.json
// promises exists and the sources the Node entry imports ship, `import 'attune'`
// in Node resolves through the exports map to the Node entry and loads the
// engine, the browser ESM bundle is self-contained, the script-tag bundle and
// the snippet have the shape pages rely on, and the size report the build
// wrote checks every entry against scripts/size-budget.json. Run after `make build`.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import vm from 'node:vm';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const PKG = join(ROOT, 'pkg');
const manifest = JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8'));
const budget = JSON.parse(readFileSync(join(ROOT, 'scripts/size-budget.json'), 'utf8'));

// Every string target of the "exports" map, however deeply nested by conditions.
const exportTargets = (node) => (typeof node === 'string'
  ? [node]
  : Object.values(node ?? {}).flatMap(exportTargets));

/** Whether the package's "files" list ships `file` (a path in pkg/). */
const shipped = (file) => (manifest.files ?? []).some((f) => {
  const entry = f.replace(/^\.\//, '');
  return entry.endsWith('/') ? file.startsWith(entry) : file === entry;
});

/** Relative static imports of a source module (not `import(…)`). */
const staticImports = (file) => [...readFileSync(file, 'utf8')
  .matchAll(/^\s*(?:import|export)\s[^'"]*?\bfrom\s*['"](\.{1,2}\/[^'"]+)['"]/gm)].map((m) => m[1]);

/** The names an ESM file exports (`export function f`, `export const {a, b}`, `export{x as y}`). */
const exportNames = (code) => {
  const names = new Set();
  for (const m of code.matchAll(/\bexport\s+(?:async\s+)?(?:function\*?|class|const|let|var)\s+([\w$]+)/g)) names.add(m[1]);
  for (const m of code.matchAll(/\bexport\s+(?:const|let|var)\s*\{([^}]*)\}/g)) {
    for (const p of m[1].split(',')) if (p.trim()) names.add(p.split(':').pop().trim());
  }
  for (const m of code.matchAll(/\bexport\s*\{([^}]*)\}/g)) {
    for (const p of m[1].split(',')) if (p.trim()) names.add(p.trim().split(/\s+as\s+/).pop().trim());
  }
  return [...names].sort();
};

test('every file pkg/package.json exports or lists exists after the build, and no worker-mode file is left', () => {
  const targets = [...new Set([...exportTargets(manifest.exports), manifest.types].filter(Boolean))];
  assert.ok(targets.length >= 4, `exports map has entries (${targets})`);
  for (const t of targets) assert.ok(existsSync(join(PKG, t)), `exports target ${t} exists`);
  for (const f of manifest.files ?? []) assert.ok(existsSync(join(PKG, f)), `"files" entry ${f} exists`);
  const dot = manifest.exports['.'];
  assert.equal(dot.types, './types/index.d.ts');
  assert.equal(dot.node, './src/node.js');
  assert.equal(dot.default, './attune.mjs');
  assert.equal(Object.keys(dot)[0], 'types', '"types" comes first (TypeScript takes the first match)');
  for (const f of ['attune.mjs', 'attune.js', 'attune_bg.wasm', 'sender.js', 'debug.js', 'snippet.min.js',
    'node/attune_wasm.js', 'node/attune_wasm_bg.wasm']) {
    assert.ok(statSync(join(PKG, f)).size > 0, `${f} is built and not empty`);
    assert.ok(shipped(f), `${f} is in "files"`);
  }
  // pkg is "type": "module"; the nodejs glue is CommonJS and needs its own marker.
  assert.equal(JSON.parse(readFileSync(join(PKG, 'node/package.json'), 'utf8')).type, 'commonjs');
  assert.ok(shipped('node/package.json'));
  // One engine per page: no engine worker is built, exported or shipped.
  const text = JSON.stringify(manifest);
  assert.doesNotMatch(text, /engine-worker|attune-worker|worker-track/);
  assert.ok(!existsSync(join(PKG, 'attune-worker.js')), 'pkg/attune-worker.js is not built any more');
  assert.ok(!shipped('web/attune_wasm.js'), 'pkg/web (the bundles\' input) is not shipped');
});

test('"files" ships every module the Node entry imports, transitively', () => {
  const seen = new Set();
  const visit = (file) => {
    const rel = relative(PKG, file);
    if (seen.has(rel)) return;
    seen.add(rel);
    assert.ok(existsSync(file), `${rel} exists`);
    assert.ok(shipped(rel), `${rel} (imported by the Node entry) is in "files"`);
    if (/\.m?js$/.test(file) && !rel.startsWith('node/')) {
      for (const spec of staticImports(file)) visit(resolve(dirname(file), spec));
    }
  };
  visit(join(PKG, 'src/node.js'));
  assert.ok(seen.has('node/attune_wasm.js'), [...seen].join(', '));
  // The nodejs glue reads its wasm from its own folder.
  assert.match(readFileSync(join(PKG, 'node/attune_wasm.js'), 'utf8'), /attune_wasm_bg\.wasm/);
});

test("import 'attune' in Node resolves through the exports map to the Node entry and runs the engine", () => {
  const dir = mkdtempSync(join(tmpdir(), 'attune-pkg-'));
  try {
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(PKG, join(dir, 'node_modules/attune'), 'dir');
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
    writeFileSync(join(dir, 'main.mjs'), `
      import * as attune from 'attune';
      import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      const sdk = await attune.init({ autocapture: false, segments: { buyer: { 'events.Order Completed.count': { $gte: 1 } } } });
      sdk.track('Order Completed', { total: 10 });
      console.log(JSON.stringify({
        exports: Object.keys(attune).sort(),
        evalCondition: attune.evalCondition({ age: { $gte: 18 } }, { age: 21 }),
        hash: attune.hash('', 'a', 1),
        segments: sdk.segments(),
        resolved: import.meta.resolve ? import.meta.resolve('attune') : null,
        version: require('attune/package.json').version,
      }));
      if (typeof sdk.free === 'function') sdk.free();
    `);
    const out = JSON.parse(execFileSync(process.execPath, ['main.mjs'], { cwd: dir, encoding: 'utf8', timeout: 30_000 }));
    for (const name of ['ConditionSet', 'evalCondition', 'hash', 'init']) assert.ok(out.exports.includes(name), `exports ${name}: ${out.exports}`);
    assert.equal(out.evalCondition, true);
    assert.equal(typeof out.hash, 'number');
    assert.deepEqual(out.segments, ['buyer']);
    if (out.resolved) assert.match(out.resolved, /\/src\/node\.js$/);
    assert.equal(out.version, manifest.version);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Frees an SDK instance where the API has `free()`. */
const done = (sdk) => { if (typeof sdk.free === 'function') sdk.free(); };

test('the Node entry loads the engine: evalCondition', async () => {
  const { evalCondition } = await import('../../pkg/src/node.js');
  assert.equal(evalCondition({ age: { $gte: 18 } }, { age: 21 }), true);
  assert.equal(evalCondition({ age: { $gte: 18 } }, { age: 17 }), false);
  assert.equal(evalCondition({ country: { $in: ['DE', 'FR'] } }, { country: 'FR' }), true);
});

test('the Node entry runs the skeleton: a returning visitor gets the welcome-back variant', async () => {
  const { init } = await import('../../pkg/src/node.js');
  const sdk = await init({
    autocapture: false,
    segments: { returning: { 'events.Page Viewed.count': { $gte: 2 } } },
    placements: [{
      slot: 'hero',
      variants: [{ id: 'welcome-back', when: { 'segments.returning': true }, content: { text: 'Welcome back!' } }],
    }],
  });
  try {
    assert.deepEqual(sdk.segments(), []);
    assert.equal(sdk.decide('hero')?.variant ?? null, null, 'new visitor keeps the default');
    sdk.page();
    sdk.page();
    assert.deepEqual(sdk.segments(), ['returning']);
    const d = sdk.decide('hero');
    assert.equal(d.variant, 'welcome-back');
    assert.deepEqual(d.content, { text: 'Welcome back!' });
  } finally {
    done(sdk);
  }
});

test('an invalid config rejects with an AttuneError carrying code and path', async () => {
  const { init } = await import('../../pkg/src/node.js');
  await assert.rejects(init({ collector: { url: 42 } }), (e) => {
    assert.equal(e.name, 'AttuneError');
    assert.equal(typeof e.code, 'string');
    assert.equal(e.path, 'collector.url');
    return true;
  });
});

test("the SDK instance has every method index.d.ts declares on Attune", async () => {
  const { init } = await import('../../pkg/src/node.js');
  const sdk = await init({ autocapture: false });
  try {
    const dts = readFileSync(join(PKG, 'types/sdk.d.ts'), 'utf8');
    const at = dts.indexOf('export interface Attune {');
    assert.ok(at >= 0, 'sdk.d.ts declares the Attune interface');
    const body = dts.slice(at);
    const cls = body.slice(0, body.indexOf('\n}\n'));
    const methods = [...new Set([...cls.matchAll(/^  (\w+)\(/gm)].map((m) => m[1]))];
    assert.ok(methods.length >= 20, methods.join(', '));
    const missing = methods.filter((m) => typeof sdk[m] !== 'function');
    assert.deepEqual(missing, [], `declared in index.d.ts, missing on the SDK: ${missing}`);
  } finally {
    done(sdk);
  }
});

test('the browser ESM entry attune.mjs is one self-contained module with the public exports', () => {
  const code = readFileSync(join(PKG, 'attune.mjs'), 'utf8');
  assert.match(code, /^\/\*! attune /, 'starts with the license banner');
  // Bundled: no static import of another file (its only fetches are the wasm, sender.js and, on demand, debug.js).
  assert.doesNotMatch(code, /(?:^|[;\n}])\s*import\s*(?:[\w$*{][^;'"]*?\bfrom\s*)?["']/, 'no static import');
  assert.match(code, /attune_bg\.wasm/);
  assert.match(code, /sender\.js/);
  assert.match(code, /debug\.js/);
  const names = exportNames(code);
  for (const name of ['ConditionSet', 'debug', 'evalCondition', 'hash', 'init']) assert.ok(names.includes(name), `exports ${name}: ${names}`);
  // The Node entry exports the same API, less the browser-only debug overlay.
  const nodeNames = exportNames(readFileSync(join(PKG, 'src/node.js'), 'utf8'));
  for (const name of nodeNames) assert.ok(names.includes(name), `the ESM entry also exports ${name}`);
  // Every function the type declarations promise is exported by the ESM entry.
  const declared = [...readFileSync(join(PKG, 'types/index.d.ts'), 'utf8')
    .matchAll(/^export declare (?:function|class) (\w+)/gm)].map((m) => m[1]);
  for (const name of declared) assert.ok(names.includes(name), `index.d.ts declares ${name}, attune.mjs exports it`);
});

test('importing the browser ESM entry loads nothing; init() and load() fetch the wasm and reject with an AttuneError saying why', async () => {
  // A fresh module instance per query string (the engine loads once per instance).
  const entry = (k) => import(`${pathToFileURL(join(PKG, 'attune.mjs')).href}?instance=${k}`);
  const bytes = readFileSync(join(PKG, 'attune_bg.wasm'));
  const a = await entry('a');
  assert.ok(Object.keys(a).includes('load'), 'exports load');
  assert.throws(() => a.evalCondition({ x: 1 }, { x: 1 }), (e) => e.name === 'AttuneError' && e.code === 'not_loaded' && e.path === 'wasm');
  // In Node the default URL (file:, beside attune.mjs) cannot be fetched: init rejects, naming it.
  await assert.rejects(a.init({}), (e) => e.name === 'AttuneError' && e.code === 'wasm_unavailable' && e.path === 'wasm'
    && e.message.includes(pathToFileURL(join(PKG, 'attune_bg.wasm')).href));
  await assert.rejects(a.init({ wasm: 42 }), (e) => e.code === 'invalid_config' && e.path === 'wasm');
  await assert.rejects(a.load(new Uint8Array([0, 1, 2, 3])), (e) => e.code === 'wasm_unavailable' && /magic/.test(e.message));
  // After failures, the next load may succeed: the bytes.
  await a.load(bytes);
  assert.equal(a.evalCondition({ age: { $gte: 18 } }, { age: 21 }), true);
  assert.equal(new a.ConditionSet([{ x: 1 }, { x: 2 }]).countMatching({ x: 1 }), 1);
  // A compiled module.
  const b = await entry('b');
  await b.load(new WebAssembly.Module(bytes));
  assert.equal(b.hash('seed', 'value', 2), a.hash('seed', 'value', 2));
});

test('the delivery worker and the debug overlay are built', () => {
  const sender = readFileSync(join(PKG, 'sender.js'), 'utf8');
  assert.match(sender, /onmessage/);
  assert.match(sender, /postMessage/);
  const overlay = readFileSync(join(PKG, 'debug.js'), 'utf8');
  const names = exportNames(overlay);
  for (const name of ['close', 'open']) assert.ok(names.includes(name), `debug.js exports ${name}: ${names}`);
});

test('attune.js is one classic script that defines only window.attune', async () => {
  const code = readFileSync(join(PKG, 'attune.js'), 'utf8');
  assert.match(code, /^\/\*! attune /, 'starts with the license banner');
  assert.doesNotMatch(code, /^\s*(import|export)\s/m, 'no ESM syntax in the classic bundle');
  assert.doesNotMatch(code, /import\.meta/, 'no import.meta in a classic script');
  // Run it as a classic script in a bare context standing in for a page. The wasm
  // fetch fails here (no fetch()); the loader must swallow that and warn.
  const warnings = [];
  const window = {};
  const context = vm.createContext({
    window,
    document: { currentScript: { src: 'https://site.example/pkg/attune.js' }, baseURI: 'https://site.example/' },
    location: { href: 'https://site.example/', search: '', origin: 'https://site.example' },
    URL,
    TextDecoder,
    TextEncoder,
    console: { warn: (...a) => warnings.push(a.join(' ')), log() {}, error() {}, info() {} },
  });
  const globalsBefore = Object.keys(context).sort();
  vm.runInContext(code, context, { filename: 'attune.js' });
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(Object.keys(context).sort(), globalsBefore, 'no new globals (the glue stays private)');
  assert.equal(window.attune?.__attune, true, 'window.attune is the loader');
  assert.equal(typeof window.attune.init, 'function');
  assert.equal(window.attune.isReady, false, 'not ready without the wasm');
  assert.equal(typeof window.attune.ready, 'function', 'ready(cb) is callable on the loaded facade');
  for (const name of ['track', 'page', 'identify', 'consent', 'forget', 'flush', 'decide', 'debug', 'evalCondition']) {
    assert.equal(typeof window.attune[name], 'function', `attune.${name}`);
  }
  assert.ok(warnings.length >= 1, 'the failed wasm load is reported with console.warn');
});

test('snippet.min.js parses, stays within 1,100 B, hides slots for a bounded time and queues calls before the SDK loads', async () => {
  const code = readFileSync(join(PKG, 'snippet.min.js'), 'utf8');
  assert.ok(Buffer.byteLength(code) <= 1100, `${Buffer.byteLength(code)} bytes`);
  const appended = [];
  const classes = new Set();
  const timers = [];
  const script = { attrs: { 'data-attune-timeout': '250' } };
  script.getAttribute = (n) => script.attrs[n] ?? null;
  script.hasAttribute = (n) => n in script.attrs;
  const document = {
    createElement: (tag) => ({ tag }),
    head: { appendChild: (el) => (appended.push(el), el) },
    documentElement: { classList: { add: (c) => classes.add(c), remove: (c) => classes.delete(c) } },
    currentScript: script,
  };
  const window = {};
  vm.runInNewContext(code, { window, document, setTimeout: (f, ms) => timers.push([f, ms]) });
  assert.equal(typeof window.attune, 'object', 'window.attune is defined synchronously');
  assert.ok(classes.has('attune-loading'), 'slots are hidden while undecided');
  assert.equal(timers.length, 1);
  assert.equal(timers[0][1], 250, 'the timeout comes from data-attune-timeout');
  timers[0][0]();
  assert.ok(!classes.has('attune-loading'), 'and always ends');
  const style = appended.find((el) => el.tag === 'style');
  assert.match(style?.textContent ?? '', /\.attune-loading \[data-attune-slot\]:not\(\[data-attune-done\]\)\{visibility:hidden\}/);
  const started = window.attune.init({ a: 1 });
  assert.equal(typeof started.then, 'function', 'init returns a promise');
  window.attune.page();
  window.attune.viewed('hero');
  assert.deepEqual(JSON.parse(JSON.stringify(window.attune.q)), [['init', [{ a: 1 }]], ['page', []], ['viewed', ['hero']]]);
  const scripts = appended.filter((el) => el.tag === 'script');
  // attune.js failing to load rejects that promise with an AttuneError naming the script.
  scripts[0].src = 'https://cdn.example/pkg/attune.js';
  scripts[0].onerror();
  await assert.rejects(started, (e) => e.name === 'AttuneError' && e.code === 'script_unavailable'
    && e.path === scripts[0].src && e.message.includes(scripts[0].src));
  assert.equal(scripts.length, 1, 'one script element appended');
  assert.equal(scripts[0].async, true, 'loaded async');
  assert.match(scripts[0].src, /attune\.js$/);
  // With data-attune-css (a CSP without inline styles), no <style> and a default timeout of 300 ms.
  const bare = { ...document, head: { appendChild: (el) => (appended.push(el), el) }, currentScript: { getAttribute: () => null, hasAttribute: (n) => n === 'data-attune-css' } };
  appended.length = 0;
  timers.length = 0;
  vm.runInNewContext(code, { window: {}, document: bare, setTimeout: (f, ms) => timers.push([f, ms]) });
  assert.equal(timers[0][1], 300);
  assert.deepEqual(appended.map((el) => el.tag), ['script']);
});

test('scripts/size-budget.json names what each entry loads at start, and every such file ships', () => {
  assert.deepEqual(Object.keys(budget.entries).sort(), ['esm', 'script']);
  assert.deepEqual(budget.entries.script.files.slice().sort(), ['pkg/attune.js', 'pkg/attune_bg.wasm', 'pkg/sender.js']);
  assert.deepEqual(budget.entries.script.inline, ['pkg/snippet.min.js'], 'the inline snippet counts towards the script tag');
  assert.deepEqual(budget.entries.esm.files.slice().sort(), ['pkg/attune.mjs', 'pkg/attune_bg.wasm', 'pkg/sender.js']);
  for (const [name, e] of Object.entries(budget.entries)) {
    // Never looser than what an entry weighed before issue 19 (433,877 B gzip, the
    // ESM entry); the mark is 100,000, and the next test keeps the budget
    // within 3,000 B of what the build measures, so it falls as the sizes do.
    assert.ok(Number.isInteger(e.maxGzip) && e.maxGzip > 0 && e.maxGzip < 433_877, `${name}: maxGzip ${e.maxGzip}`);
  }
  assert.deepEqual(budget.onDemand, ['pkg/debug.js']);
  for (const f of [...Object.values(budget.entries).flatMap((e) => [...e.files, ...(e.inline ?? [])]), ...budget.onDemand]) {
    assert.ok(shipped(f.replace(/^pkg\//, '')), `${f} is in the package's "files"`);
  }
});

test('target/sizes.json: the build checked every entry against its budget', () => {
  const sizes = JSON.parse(readFileSync(join(ROOT, 'target/sizes.json'), 'utf8'));
  assert.deepEqual(sizes.problems, []);
  assert.equal(sizes.ok, true);
  for (const [name, e] of Object.entries(budget.entries)) {
    const t = sizes.entries[name];
    assert.ok(t, `entry ${name} is reported`);
    assert.deepEqual(t.files, e.files, `${name}: the budget's files`);
    assert.equal(t.maxGzip, e.maxGzip);
    assert.ok(t.raw > t.gzip && t.gzip > t.brotli && t.brotli > 0, `${name}: ${JSON.stringify(t)}`);
    assert.ok(t.gzip <= e.maxGzip, `${name}: ${t.gzip} B gzip ≤ ${e.maxGzip}`);
    assert.ok(e.maxGzip - t.gzip <= 3_000, `${name}: budget ${e.maxGzip} tightened to within 3,000 B of the ${t.gzip} B built`);
    const all = [...e.files, ...(e.inline ?? [])];
    assert.equal(t.gzip, all.reduce((n, f) => n + sizes.files[f].gzip, 0), `${name}: total of ${all}`);
    // The report is of the files in pkg/ now (not of an older build).
    for (const f of all) assert.equal(sizes.files[f].raw, statSync(join(ROOT, f)).size, `${f}: size as built`);
  }
  for (const f of budget.onDemand) assert.ok(sizes.onDemand[f]?.gzip > 0, `${f} reported on demand`);
});

test('scripts/sizes.mjs fails on an entry over its budget and on a missing file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'attune-sizes-'));
  try {
    const run = (b) => {
      const file = join(dir, 'budget.json');
      writeFileSync(file, JSON.stringify(b));
      try {
        execFileSync(process.execPath, [join(ROOT, 'scripts/sizes.mjs'), join(dir, 'out.json'), '--budget', file],
          { encoding: 'utf8', stdio: 'pipe' });
        return { code: 0, report: JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) };
      } catch (e) {
        return { code: e.status, stderr: String(e.stderr), report: JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) };
      }
    };
    const ok = run({ entries: { s: { files: ['pkg/snippet.min.js'], maxGzip: 100_000 } }, onDemand: [] });
    assert.equal(ok.code, 0);
    assert.equal(ok.report.entries.s.ok, true);
    const over = run({ entries: { s: { files: ['pkg/snippet.min.js'], maxGzip: 10 } }, onDemand: [] });
    assert.equal(over.code, 1);
    assert.match(over.stderr, /entry s: \d+ B gzip loaded at start, over its budget of 10 B/);
    const missing = run({ entries: { s: { files: ['pkg/no-such-file.js'], maxGzip: 100_000 } }, onDemand: [] });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /pkg\/no-such-file\.js is missing/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

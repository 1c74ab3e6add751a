// The built npm package (pkg/) as its users get it: every file its package.json
// promises exists, the Node entry loads the engine, and the script-tag bundle
// and snippet have the shape pages rely on. Run after `make build`.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import vm from 'node:vm';

const PKG = resolve(new URL('../../pkg', import.meta.url).pathname);
const manifest = JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8'));

// Every string target of the "exports" map, however deeply nested by conditions.
const exportTargets = (node) => (typeof node === 'string'
  ? [node]
  : Object.values(node ?? {}).flatMap(exportTargets));

test('every file pkg/package.json exports or lists exists after the build', () => {
  const targets = [...new Set([...exportTargets(manifest.exports), manifest.types].filter(Boolean))];
  assert.ok(targets.length >= 4, `exports map has entries (${targets})`);
  for (const t of targets) assert.ok(existsSync(join(PKG, t)), `exports target ${t} exists`);
  for (const f of manifest.files ?? []) assert.ok(existsSync(join(PKG, f)), `"files" entry ${f} exists`);
  for (const f of ['web/attune_wasm.js', 'web/attune_wasm_bg.wasm', 'node/attune_wasm.js',
    'node/attune_wasm_bg.wasm', 'attune.js', 'attune_bg.wasm', 'snippet.min.js']) {
    assert.ok(statSync(join(PKG, f)).size > 0, `${f} is built and not empty`);
  }
  // pkg is "type": "module"; the nodejs glue is CommonJS and needs its own marker.
  assert.equal(JSON.parse(readFileSync(join(PKG, 'node/package.json'), 'utf8')).type, 'commonjs');
});

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
    sdk.free();
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

test('attune.js is one classic script that defines only window.attune', async () => {
  const code = readFileSync(join(PKG, 'attune.js'), 'utf8');
  assert.match(code, /^\/\*! attune /, 'starts with the license banner');
  assert.doesNotMatch(code, /^\s*(import|export)\s/m, 'no ESM syntax in the classic bundle');
  // Run it as a classic script in a bare context standing in for a page. The wasm
  // fetch fails here (no fetch()); the loader must swallow that and warn.
  const warnings = [];
  const window = {};
  const context = vm.createContext({
    window,
    document: { currentScript: { src: 'https://site.example/pkg/attune.js' }, baseURI: 'https://site.example/' },
    location: { href: 'https://site.example/' },
    URL,
    TextDecoder,
    TextEncoder,
    console: { warn: (...a) => warnings.push(a.join(' ')), log() {}, error() {} },
  });
  const globalsBefore = Object.keys(context).sort();
  vm.runInContext(code, context, { filename: 'attune.js' });
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(Object.keys(context).sort(), globalsBefore, 'no new globals (wasm_bindgen stays private)');
  assert.equal(window.attune?.__attune, true, 'window.attune is the loader');
  assert.equal(typeof window.attune.init, 'function');
  assert.equal(window.attune.isReady, false, 'not ready without the wasm');
  assert.equal(typeof window.attune.ready, 'function', 'ready(cb) is callable on the loaded facade');
  assert.ok(warnings.length >= 1, 'the failed wasm load is reported with console.warn');
});

test('snippet.min.js parses, stays under 1 KB, hides slots for a bounded time and queues calls before the SDK loads', () => {
  const code = readFileSync(join(PKG, 'snippet.min.js'), 'utf8');
  assert.ok(Buffer.byteLength(code) <= 1024, `${Buffer.byteLength(code)} bytes`);
  const appended = [];
  const classes = new Set();
  const timers = [];
  const script = { attrs: { 'data-attune-timeout': '250' } };
  script.getAttribute = (n) => script.attrs[n] ?? null;
  script.hasAttribute = (n) => n in script.attrs;
  const document = {
    createElement: (tag) => ({ tag }),
    head: { appendChild: (el) => appended.push(el) },
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
  window.attune.init({ a: 1 });
  window.attune.page();
  window.attune.viewed('hero');
  assert.deepEqual(JSON.parse(JSON.stringify(window.attune.q)), [['init', [{ a: 1 }]], ['page', []], ['viewed', ['hero']]]);
  const scripts = appended.filter((el) => el.tag === 'script');
  assert.equal(scripts.length, 1, 'one script element appended');
  assert.equal(scripts[0].async, true, 'loaded async');
  assert.match(scripts[0].src, /attune\.js$/);
  // With data-attune-css (a CSP without inline styles), no <style> and a default timeout of 300 ms.
  const bare = { ...document, head: { appendChild: (el) => appended.push(el) }, currentScript: { getAttribute: () => null, hasAttribute: (n) => n === 'data-attune-css' } };
  appended.length = 0;
  timers.length = 0;
  vm.runInNewContext(code, { window: {}, document: bare, setTimeout: (f, ms) => timers.push([f, ms]) });
  assert.equal(timers[0][1], 300);
  assert.deepEqual(appended.map((el) => el.tag), ['script']);
});

test('target/sizes.json records the size table', () => {
  const sizes = JSON.parse(readFileSync(resolve(PKG, '../target/sizes.json'), 'utf8'));
  for (const group of ['script-tag', 'esm']) {
    const t = sizes.totals[group];
    assert.ok(t.raw > t.gzip && t.gzip > t.brotli && t.brotli > 0, `${group}: ${JSON.stringify(t)}`);
  }
});

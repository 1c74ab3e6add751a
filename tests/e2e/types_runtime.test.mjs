// The TypeScript declarations against what Chromium really gets (the Node side is
// tests/js/types.test.mjs): the browser ESM entry's exports and a real init() result,
// and the script tag's window.attune at each stage (the snippet's queue, attune.js's
// facade before init, after ready), compared with the declared members by tsc; and an
// unknown config key in the browser: console, on('error') and strict for both entries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, startCollector } from './delivery_harness.mjs';
import { consumer, keyCheckSource, publicMembers } from '../js/type-keys.mjs';

/** Compiles the key checks against the package's declarations; fails with tsc's words. */
function assertKeys(checks) {
  const c = consumer();
  try {
    c.write('keys.ts', keyCheckSource(checks, [
      "import type { Attune } from 'attune';",
      "import type { AttuneReady, AttuneTag } from 'attune/global';",
    ]));
    const r = c.tsc('bundler', ['keys.ts']);
    assert.equal(r.code, 0, r.out);
  } finally {
    c.close();
  }
}

test('the browser entry and the script tag have exactly the members their declarations name', { timeout: 120_000 }, async () => {
  const collector = await startCollector();
  const browser = await launch();
  try {
    const page = await browser.context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${collector.origin}/types.html`);
    await page.waitForFunction(() => window.ready || window.initError, null, { timeout: 20_000 });
    assert.equal(await page.evaluate(() => window.initError), undefined);
    const stages = await page.evaluate(() => window.stages);
    assert.equal(stages.resolvedIsGlobal, true, 'the script tag\'s init resolves to window.attune');
    assert.equal(stages.readyArg, true, 'ready() passes window.attune');
    // The snippet's queue, its early wasm compile (read by attune.js) and the loaded mark are internal.
    const internal = (names) => names.filter((n) => n !== 'q' && n !== 'wasm' && n !== '__attune');
    assert.ok(stages.snippet.includes('q') && !stages.loaded.includes('q'), JSON.stringify(stages));
    const esm = await page.evaluate(`(async () => {
      const m = await import('/pkg/attune.mjs');
      const sdk = await m.init({ autocapture: false, storagePrefix: 'types' });
      return { exports: Object.keys(m).sort(), sdk: (${publicMembers})(sdk) };
    })()`);
    assert.ok(esm.sdk.length >= 21 && esm.exports.includes('debug'), JSON.stringify(esm));
    assertKeys([
      { name: 'esm', type: "typeof import('attune')", keys: esm.exports, exact: true },
      { name: 'sdk', type: 'Attune', keys: esm.sdk, exact: true },
      // Before attune.js: the snippet's queue; optional members (isReady, the reads) may be missing.
      { name: 'snippet', type: 'AttuneTag', keys: internal(stages.snippet), exact: false },
      { name: 'loaded', type: 'AttuneTag', keys: internal(stages.loaded), exact: false },
      { name: 'ready', type: 'AttuneReady', keys: internal(stages.ready), exact: true },
    ]);
    // After attune.js every optional member of AttuneTag is there too.
    assertKeys([{ name: 'loaded', type: 'AttuneTag', keys: internal(stages.loaded), exact: true }]);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await collector.close();
  }
});

test('an unknown config key in the browser: a console warning and on("error") for both entries, a rejected init with strict', { timeout: 120_000 }, async () => {
  const collector = await startCollector();
  const browser = await launch();
  try {
    const page = await browser.context.newPage();
    const console = [];
    page.on('console', (m) => console.push(`${m.type()}: ${m.text()}`));
    const typo = { autocapture: false, colector: { url: '/v1/batch' } };
    await page.goto(`${collector.origin}/types.html?config=${encodeURIComponent(JSON.stringify(typo))}`);
    await page.waitForFunction(() => window.ready || window.initError, null, { timeout: 20_000 });
    const heard = await page.evaluate(() => new Promise((resolve) => {
      const got = [];
      window.attune.on('error', (e) => got.push({ name: e.name, code: e.code, path: e.path, message: e.message }));
      setTimeout(() => resolve(got), 0);
    }));
    const expected = { name: 'AttuneError', code: 'invalid_config', path: 'colector', message: 'colector: unknown key (did you mean `collector`?)' };
    assert.deepEqual(heard, [expected], 'the script tag: the first error listener gets it');
    assert.ok(console.some((l) => l.startsWith('warning: [attune]') && l.includes('did you mean `collector`?')), console.join('\n'));
    const esm = await page.evaluate(async () => {
      const m = await import('/pkg/attune.mjs');
      const sdk = await m.init({ autocapture: false, storagePrefix: 'esm', collector: { url: '/v1/batch', bogus: 1 } });
      const got = [];
      sdk.on('error', (e) => got.push({ code: e.code, path: e.path, message: e.message }));
      let strict = null;
      try {
        await m.init({ autocapture: false, storagePrefix: 'strict', strict: true, delivery: { maxBatchEvent: 5 } });
      } catch (e) {
        strict = { name: e.name, code: e.code, path: e.path, message: e.message };
      }
      return { got, strict };
    });
    assert.equal(esm.got.length, 1, JSON.stringify(esm));
    assert.equal(esm.got[0].path, 'collector.bogus');
    assert.match(esm.got[0].message, /^collector\.bogus: unknown key \(expected one of: url id /);
    assert.deepEqual(esm.strict, { name: 'AttuneError', code: 'invalid_config', path: 'delivery.maxBatchEvent',
      message: 'delivery.maxBatchEvent: unknown key (did you mean `maxBatchEvents`?)' });
    // The script tag with strict: init rejects with the same error.
    const tag = await browser.context.newPage();
    const strict = { strict: true, autocapture: false, colector: { url: '/v1/batch' } };
    await tag.goto(`${collector.origin}/types.html?config=${encodeURIComponent(JSON.stringify(strict))}`);
    await tag.waitForFunction(() => window.ready || window.initError, null, { timeout: 20_000 });
    assert.deepEqual(await tag.evaluate(() => window.initError), expected);
    assert.equal(await tag.evaluate(() => window.ready), undefined);
  } finally {
    await browser.close();
    await collector.close();
  }
});

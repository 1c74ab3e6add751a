// The conformance suite through the browser ESM build in real Chromium: the
// engine's regexes there are ECMAScript RegExps, as in GrowthBook's JS SDK.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { launchBrowser, startCollector } from './helpers.mjs';
import { runConformance } from '../js/conformance.js';

const CASES = JSON.parse(readFileSync(new URL('../../../shared/conformance/growthbook/cases.json', import.meta.url), 'utf8'));
let collector;
let browser;

before(async () => {
  collector = await startCollector({ www: 'tests/e2e/pages' });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await collector?.close();
});

test('Chromium ESM build: all evalCondition and hash cases of GrowthBook 0.8.0', { timeout: 60_000 }, async () => {
  const page = await browser.newPage();
  await page.goto(`${collector.origin}/esm.html`);
  await page.waitForFunction(() => window.__attuneModule !== undefined);
  const failures = await page.evaluate(
    ([src, cases]) => {
      // The runner is shipped as source so the page runs the very same code.
      const run = new Function(`${src}; return runConformance;`)();
      return run(window.__attuneModule, cases);
    },
    [readFileSync(new URL('../js/conformance.js', import.meta.url), 'utf8').replace('export function', 'function'), CASES],
  );
  assert.deepEqual(failures, [], failures.join('\n'));
  assert.deepEqual(page.problems, []);
});

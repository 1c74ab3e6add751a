// Rule evaluation in headless Chromium, in one run: GrowthBook's JS evaluator
// (`growthbook.evalCondition`, @growthbook/growthbook as pinned in package.json)
// beside Attune's compiled conditions (`ConditionSet`: one `RuleSet`, as segments use) and
// Attune's per-call `evalCondition`, on the 1,000 conditions of the shared peer
// harness (../shared/bench/lib/gbdata.mjs), through the built ESM entry (/pkg/attune.mjs).
//
//   node bench/browser/eval.mjs [--runs 50] [--pages 3]     (after `make build`)
// Prints a table and writes target/bench-eval.json.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser, ROOT, startCollector } from '../../tests/e2e/helpers.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const RUNS = arg('runs', 50);
const PAGES = arg('pages', 3);

const www = join(ROOT, 'target', 'bench-www');
mkdirSync(www, { recursive: true });
copyFileSync(join(ROOT, 'bench/browser/eval.html'), join(www, 'eval.html'));
copyFileSync(join(ROOT, '../shared/bench/lib/gbdata.mjs'), join(www, 'gbdata.mjs'));
copyFileSync(join(ROOT, 'node_modules/@growthbook/growthbook/dist/bundles/index.min.js'), join(www, 'growthbook.min.js'));

const collector = await startCollector({ www: 'target/bench-www' });
const browser = await launchBrowser();
const reps = [];
try {
  for (let p = 0; p < PAGES; p++) {
    const page = await browser.newPage();
    await page.goto(`${collector.origin}/eval.html`);
    await page.waitForFunction(() => window.__ready === true, null, { timeout: 30_000 });
    reps.push(await page.evaluate((runs) => window.__runEval(runs), RUNS));
    await page.close();
  }
} finally {
  await browser.close();
  await collector.close();
}
const med = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const row = (k) => ({ msPer1000: med(reps.map((r) => r[k].median)), matched: reps[0][k].result });
const out = {
  date: new Date().toISOString(), conditions: reps[0].n, runsPerPage: RUNS, pages: PAGES,
  growthbook: row('growthbook'), attuneCompiled: row('attuneCompiled'), attunePerCall: row('attunePerCall'),
  attuneCompileMs: med(reps.map((r) => r.compileMs)), mismatches: reps[0].mismatches,
};
out.ratioCompiled = out.growthbook.msPer1000 / out.attuneCompiled.msPer1000;
out.ratioPerCall = out.growthbook.msPer1000 / out.attunePerCall.msPer1000;
mkdirSync(join(ROOT, 'target'), { recursive: true });
writeFileSync(join(ROOT, 'target/bench-eval.json'), JSON.stringify(out, null, 2));
const f = (x) => x.toFixed(3);
console.log(`rule evaluation, ${out.conditions} conditions, median of ${PAGES} pages × ${RUNS} runs (Chromium)`);
console.log(`  GrowthBook evalCondition        ${f(out.growthbook.msPer1000)} ms / 1000  (${f(out.growthbook.msPer1000)} µs/condition), matched ${out.growthbook.matched}`);
console.log(`  Attune ConditionSet (compiled)  ${f(out.attuneCompiled.msPer1000)} ms / 1000  → ${out.ratioCompiled.toFixed(1)}× GrowthBook, matched ${out.attuneCompiled.matched}`);
console.log(`  Attune evalCondition per call   ${f(out.attunePerCall.msPer1000)} ms / 1000  → ${out.ratioPerCall.toFixed(2)}× GrowthBook`);
console.log(`  compile 1000 once: ${f(out.attuneCompileMs)} ms; results differing from GrowthBook: ${out.mismatches}`);
if (out.mismatches !== 0) process.exitCode = 1;

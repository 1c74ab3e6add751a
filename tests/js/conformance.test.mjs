// The conformance suite through the built Node package (see conformance.js).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { runConformance } from './conformance.js';

export const CASES_PATH = new URL('../../../shared/conformance/growthbook/cases.json', import.meta.url);

test('Node build: all evalCondition and hash cases of GrowthBook 0.8.0', async () => {
  const cases = JSON.parse(readFileSync(CASES_PATH, 'utf8'));
  assert.equal(cases.evalCondition.length, 248);
  const api = await import('../../pkg/src/node.js');
  const failures = runConformance(api, cases);
  assert.deepEqual(failures, [], failures.join('\n'));
});

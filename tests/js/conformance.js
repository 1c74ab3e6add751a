// GrowthBook's cross-SDK cases (../shared/conformance/growthbook/cases.json) as
// one function that runs them against any `{ evalCondition, hash }`, so the same
// spec checks the Node build here and the browser build in Chromium.

/** Runs every evalCondition and hash case; returns the list of failures. */
export function runConformance(api, cases) {
  const failures = [];
  for (const [name, condition, attributes, expected, savedGroups] of cases.evalCondition) {
    let got;
    try {
      got = api.evalCondition(condition, attributes, savedGroups);
    } catch (e) {
      got = `threw ${e}`;
    }
    if (got !== expected) failures.push(`evalCondition ${name}: expected ${expected}, got ${got}`);
  }
  for (const [seed, value, version, expected] of cases.hash) {
    const got = api.hash(seed, value, version);
    if (got !== expected) failures.push(`hash(${seed}, ${value}, ${version}): expected ${expected}, got ${got}`);
  }
  return failures;
}

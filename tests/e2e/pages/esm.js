// Loads the package's browser ESM entry (the built bundle, pkg/attune.mjs) and exposes it to the test.
import * as attune from '/pkg/attune.mjs';

window.__attuneModule = attune;

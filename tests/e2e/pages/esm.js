// Loads the package's browser ESM entry and exposes it to the test.
import * as attune from '/pkg/src/index.js';

window.__attuneModule = attune;

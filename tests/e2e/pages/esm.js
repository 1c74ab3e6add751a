// Loads the package's browser ESM entry (the built bundle, pkg/attune.mjs) and exposes it to the test
// once its engine is loaded (importing fetches nothing; `load()` fetches and compiles the wasm).
import * as attune from '/pkg/attune.mjs';

await attune.load();
window.__attuneModule = attune;

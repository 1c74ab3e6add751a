// Starting an SDK: the config's collector transforms (functions, which JSON
// cannot carry) and the JS-side `wasm` option are taken out, the rest crosses to the engine as JSON text with
// the page's environment, and the SDK instance starts on the new engine.

import { attuneError } from './core.js';
import { environment } from './page.js';
import { Attune, isObj } from './sdk.js';

/** Collector `transform` functions, taken out of a copy of the config (config order). */
function takeTransforms(config) {
  const fns = [];
  const strip = (c) => {
    if (!isObj(c) || !('transform' in c)) { fns.push(null); return c; }
    const { transform, ...rest } = c;
    fns.push(typeof transform === 'function' ? transform : null);
    return typeof transform === 'function' ? rest : c;
  };
  const out = Object.assign({}, config);
  delete out.wasm; // which wasm a browser entry loads (src/wasm.js): never the engine's concern
  if (isObj(out.collector)) out.collector = strip(out.collector);
  if (Array.isArray(out.collectors)) out.collectors = out.collectors.map(strip);
  return [out, fns];
}

/**
 * Starts an SDK on the instantiated engine module `wasm` (its `Core` class).
 * Throws an AttuneError for a bad config.
 */
export function start(wasm, config) {
  if (!isObj(config)) throw attuneError({ code: 'invalid_config', path: 'config', message: 'config: expected an object' });
  let clean, transforms, text;
  try {
    [clean, transforms] = takeTransforms(config);
  } catch (e) {
    throw attuneError({ code: 'invalid_config', path: 'config', message: 'config: unreadable (' + ((e && e.message) || e) + ')' });
  }
  try {
    text = JSON.stringify(clean);
  } catch (e) {
    throw attuneError({ code: 'invalid_config', path: 'config', message: 'config: not JSON-compatible (' + ((e && e.message) || e) + ')' });
  }
  let core;
  try {
    core = new wasm.Core(text, JSON.stringify(environment()), JSON.stringify(transforms.map(Boolean)));
  } catch (e) {
    throw typeof e === 'string' ? attuneError(JSON.parse(e).error) : e;
  }
  const sdk = new Attune(core, JSON.parse(core.info()), transforms);
  sdk._start();
  return sdk;
}

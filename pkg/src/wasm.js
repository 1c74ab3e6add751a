// Loading the engine's wasm in the browser, once per page, for both browser
// entries. Nothing happens at import: the fetch starts when `init()` (or
// `load()`, or the script tag) first asks, so a page whose wasm cannot load
// keeps running and learns why from a rejected promise. The source is the
// package's `attune_bg.wasm` next to the entry unless the caller passes
// `init({ wasm })`: a URL (string or `URL`), a `Response` (or a promise of
// one), the bytes (`ArrayBuffer`, a typed array) or a compiled
// `WebAssembly.Module`.

import initWasm, * as glue from '../web/attune_wasm.js';
import { attuneError, makeHost } from './core.js';

let loading = null;
let loaded = null;

const isUrl = (w) => typeof w === 'string' || (typeof URL !== 'undefined' && w instanceof URL);
const isBytes = (w) => w instanceof ArrayBuffer || ArrayBuffer.isView(w);
const isModule = (w) => typeof WebAssembly !== 'undefined' && w instanceof WebAssembly.Module;
const isResponse = (w) => typeof Response !== 'undefined' && w instanceof Response;
const isThenable = (w) => !!w && typeof w.then === 'function';

/** An AttuneError `invalid_config` at `wasm` unless `w` is a wasm source `load` takes. */
export function checkSource(w) {
  if (w === undefined || isUrl(w) || isBytes(w) || isModule(w) || isResponse(w) || isThenable(w)) return;
  throw attuneError({ code: 'invalid_config', path: 'wasm', message: 'wasm: expected a URL, a Response, bytes or a WebAssembly.Module' });
}

const msg = (e) => String((e && e.message) || e);

function failed(url, cause, e) {
  const err = attuneError({ code: 'wasm_unavailable', path: 'wasm', message: 'wasm: ' + (url || 'init({ wasm })') + ': ' + cause });
  err.cause = e;
  return err;
}

/** The likely reason a fetch failed (`e`) or answered `status`. */
function fetchCause(url, status, e) {
  if (status) return 'HTTP ' + status + (status === 404 ? ' (serve attune_bg.wasm beside the bundle, or pass init({ wasm }))' : '');
  let cross = false;
  try { cross = new URL(url).origin !== globalThis.location.origin; } catch (_) { /* no page */ }
  return msg(e) + (cross ? ' (from another origin it needs CORS headers, on a 404 too' : ' (offline') + ', or CSP connect-src)';
}

/** The likely reason a compile or instantiate failed. */
function compileCause(e) {
  const text = msg(e);
  return /unsafe-eval|Content.Security/i.test(text) ? "CSP blocks WebAssembly: add 'wasm-unsafe-eval' to script-src (" + text + ')' : text;
}

async function instantiate(source, base) {
  let url = null;
  let input = source;
  try {
    if (isUrl(source)) {
      url = new URL(source, base).href;
      input = fetch(url, { credentials: 'same-origin' });
    }
    input = await input;
  } catch (e) {
    throw failed(url, url ? fetchCause(url, 0, e) : 'rejected (' + msg(e) + ')', e);
  }
  if (isResponse(input)) {
    url = input.url || url;
    if (!input.ok) throw failed(url, fetchCause(url, input.status));
  }
  try {
    await initWasm({ module_or_path: input });
  } catch (e) {
    throw failed(url, compileCause(e), e);
  }
  glue.install(makeHost());
  loaded = glue;
  return glue;
}

/**
 * Resolves to the instantiated engine module (its `Core` class and the pure
 * functions), loading it on the first call from `source` (see above), a URL
 * resolved against `base` (the entry's own URL). Concurrent and later calls
 * share that load; after a failure the next call tries again.
 */
export function loadEngine(source, base) {
  if (!loading) {
    loading = instantiate(source, base);
    loading.catch(() => { loading = null; });
  }
  return loading;
}

/** The engine module once loaded, else null. */
export function loadedEngine() {
  return loaded;
}

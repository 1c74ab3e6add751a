// Starting an SDK: the config's collector transforms (functions, which JSON
// cannot carry) and the JS-side `wasm` option are taken out, the rest crosses to the engine as JSON text with
// the page's environment, and the SDK instance starts on the new engine.

import { attuneError } from './core.js';
import { environment } from './page.js';
import { Attune, isObj } from './sdk.js';

/** Collector `transform` functions, taken out of the config's copy (config order). */
function takeTransforms(config) {
  const fns = [];
  const strip = (c) => {
    if (!isObj(c) || !('transform' in c)) { fns.push(null); return c; }
    const { transform, ...rest } = c;
    fns.push(typeof transform === 'function' ? transform : null);
    return typeof transform === 'function' ? rest : c;
  };
  const out = config; // readConfig's copy, without `wasm` (which wasm a browser entry loads is never the engine's concern)
  if (isObj(out.collector)) out.collector = strip(out.collector);
  if (Array.isArray(out.collectors)) out.collectors = out.collectors.map(strip);
  return [out, fns];
}

const bad = (path, message) => attuneError({ code: 'invalid_config', path, message: path + ': ' + message });
const join = (path, k) => (path === 'config' ? k : path + '.' + k);
const why = (e) => { try { return String((e && e.message) || e); } catch (_) { return 'unknown error'; } };

/**
 * A plain copy of the host's config, every value read exactly once inside a
 * try: a throwing getter, a Proxy whose traps throw, a cycle, a BigInt or
 * nesting deeper than the engine's JSON (128 levels) becomes an
 * invalid_config AttuneError at the path where it happened. Functions are
 * kept (collector transforms; JSON drops any other); the top-level `wasm`
 * option is left out (the entry reads it).
 */
function readConfig(v, path, depth, seen) {
  if (typeof v === 'bigint') throw bad(path, 'a BigInt is not JSON-compatible');
  if (v === null || typeof v !== 'object') return v;
  if (depth > 128) throw bad(path, 'nested deeper than 128 levels');
  if (seen.has(v)) throw bad(path, 'a cycle');
  let keys, list;
  try {
    if (typeof v.toJSON === 'function') return readConfig(v.toJSON(), path, depth, seen);
    list = Array.isArray(v);
    keys = list ? v.length : Object.keys(v);
  } catch (e) {
    if (e && e.name === 'AttuneError') throw e;
    throw bad(path, 'unreadable (' + why(e) + ')');
  }
  seen.add(v);
  const out = list ? [] : {};
  const n = list ? keys : keys.length;
  for (let i = 0; i < n; i++) {
    const k = list ? i : keys[i];
    const at = list ? path + '[' + i + ']' : join(path, k);
    let x;
    try { x = v[k]; } catch (e) { throw bad(at, 'unreadable (' + why(e) + ')'); }
    if (depth === 1 && k === 'wasm') continue;
    // A key `__proto__` stays an own key (as in JSON), not the copy's prototype.
    Object.defineProperty(out, k, { value: readConfig(x, at, depth + 1, seen), enumerable: true, writable: true, configurable: true });
  }
  seen.delete(v);
  return out;
}

// An HTTP header name (a token) and a value fetch() accepts (bytes, no NUL, CR or LF).
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// eslint-disable-next-line no-control-regex
const BAD_VALUE = /[\u0000\r\n]|[^\u0000-\u00ff]/;

/**
 * What fetch() would refuse on every send, refused once here instead of
 * being retried forever: a collector URL that does not parse or whose scheme
 * is not http(s) (relative URLs are), and header names or values fetch()
 * cannot send.
 */
function checkCollector(c, path) {
  if (!isObj(c)) return;
  for (const key of ['url', 'forgetUrl']) {
    if (typeof c[key] !== 'string' || !c[key]) continue;
    let u = null;
    try { u = new URL(c[key], 'http://relative.invalid/'); } catch (_) { /* reported below */ }
    if (!u) throw bad(join(path, key), 'not a valid URL');
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw bad(join(path, key), 'expected an http(s) or relative URL, got "' + u.protocol + '"');
  }
  if (!isObj(c.headers)) return;
  for (const name of Object.keys(c.headers)) {
    const value = c.headers[name];
    if (!TOKEN.test(name)) throw bad(join(path, 'headers') + '.' + name, 'not a valid HTTP header name');
    if (typeof value === 'string' && BAD_VALUE.test(value)) throw bad(join(path, 'headers') + '.' + name, 'not a valid HTTP header value (a line break, NUL or non-Latin-1 character)');
  }
}

/**
 * Starts an SDK on the instantiated engine module `wasm` (its `Core` class).
 * Throws an AttuneError for a bad config.
 */
export function start(wasm, config) {
  let obj = false;
  try { obj = isObj(config); } catch (_) { /* a revoked Proxy */ }
  if (!obj) throw bad('config', 'expected an object');
  const plain = readConfig(config, 'config', 1, new Set());
  checkCollector(plain.collector, 'collector');
  if (Array.isArray(plain.collectors)) plain.collectors.forEach((c, i) => checkCollector(c, 'collectors[' + i + ']'));
  const [clean, transforms] = takeTransforms(plain);
  let text;
  try {
    text = JSON.stringify(clean);
  } catch (e) {
    throw attuneError({ code: 'invalid_config', path: 'config', message: 'config: not JSON-compatible (' + why(e) + ')' });
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

/** The config's `wasm` option, or undefined (also when reading it throws: start() then reports it). */
export function wasmOption(config) {
  try { return config !== null && typeof config === 'object' ? config.wasm : undefined; } catch (_) { return undefined; }
}

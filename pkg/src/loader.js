// Classic-script entry (built to `pkg/attune.js`, an IIFE beside
// `attune_bg.wasm`): the page gains one global, `window.attune`. It replays
// the snippet's queue in order, paints a returning visitor's cached decisions
// before the wasm module is even compiled, and once `init` has resolved every
// method is the SDK's own. The wasm (`attune_bg.wasm` beside attune.js, or the
// queued init's `wasm` option) is fetched as soon as this script runs; when it
// cannot load, `init()` rejects with an AttuneError saying why (src/wasm.js).

import { attuneError, warn } from './core.js';
import { setSender } from './delivery.js';
import { TAGS, nodeAttr, slotAttr } from './allow.js';
import { applyContent, restore, selectorOf, strictChecks } from './dom.js';
import { warmStorage } from './page.js';
import { pure } from './pure.js';
import { start, wasmOption } from './start.js';
import { checkSource, loadedEngine, loadEngine } from './wasm.js';

const METHODS = ['page', 'track', 'identify', 'group', 'alias', 'reset', 'consent', 'forget',
  'flush', 'on', 'off', 'render', 'segments', 'decide', 'explain', 'profile', 'attributes',
  'consentState', 'inspect', 'viewed', 'clicked'];

/**
 * Start-up: what the wasm is instantiated from. The snippet (snippet.js) may
 * have started compiling it already (`stub.wasm`, a promise of a
 * WebAssembly.Module for `url`); if that failed, its own fetch of `url`.
 */
function wasmSource(stub, url) {
  const early = stub && stub.wasm;
  if (!early || typeof early.then !== 'function') return url;
  const own = () => fetch(url, { credentials: 'same-origin' });
  return Promise.resolve(early).then((m) => (m instanceof WebAssembly.Module ? m : own()), own);
}

(function () {
  const stub = window.attune;
  if (stub && stub.__attune) return; // loaded twice: keep the first
  const queued = stub && Array.isArray(stub.q) ? stub.q.slice() : [];
  const script = document.currentScript;
  const base = (script && script.src) || document.baseURI;
  const here = (name) => new URL(name, base);
  let sdk = null;
  let initing = null;
  let deferred = []; // calls made after load but before init resolved
  const readyCallbacks = [];

  const queuedInit = queued.filter((i) => i[0] === 'init')[0];
  const queuedConfig = queuedInit && queuedInit[1] && queuedInit[1][0];
  /** Loads the engine once from `source` (a bad one rejects). */
  function load(source) {
    try {
      checkSource(source);
    } catch (e) {
      return Promise.reject(e);
    }
    if (source !== undefined) return loadEngine(source, base);
    // The default source is made once (it may be the snippet's compile, or a
    // fetch already started): later calls share the load in flight.
    if (!defaultSource) defaultSource = wasmSource(stub, here('attune_bg.wasm'));
    const p = loadEngine(defaultSource, base);
    p.catch(() => { defaultSource = here('attune_bg.wasm'); }); // a retry fetches anew
    return p;
  }
  let defaultSource = null;
  const configWasm = wasmOption; // never throws: start() reports a config it cannot read
  // Start-up: the wasm fetch starts before anything else here (storage reads,
  // the early paint), so they overlap it; init() (queued or later) shares it
  // and reports a failure.
  load(configWasm(queuedConfig)).catch((e) => { if (!initing) warn(e); });
  warmStorage();

  // A worker must come from the page's origin: when attune.js is served from
  // another one (a CDN), the delivery worker is a same-origin blob importing
  // it. A worker that cannot start (CSP) leaves sending to the page.
  setSender(() => {
    const url = here('sender.js');
    if (url.origin === location.origin) return new Worker(url);
    const boot = 'importScripts(' + JSON.stringify(url.href) + ');';
    return new Worker(URL.createObjectURL(new Blob([boot], { type: 'text/javascript' })));
  });

  // First paint for a returning visitor: the engine caches the decisions that
  // show a variant (`<prefix>:decisions`, personalization consent permitting).
  // They are painted from that cache before the wasm module is compiled, and
  // put back exactly as they were right before the engine's own first paint
  // (same task: no frame in between).
  strictChecks({ tag: (t) => TAGS.indexOf(t) >= 0, node: nodeAttr, slot: slotAttr });
  const early = []; // [element, original clone]
  let earlyObserver = null;
  // The cache is the visitor's storage, which one XSS could have written: a
  // cached entry paints only a slot the queued config declares, at that
  // placement's own selector (never a cached one), and its content passes the
  // sanitiser's allowlists again (dom.js, allow.js).
  function cachedDecisions() {
    try {
      const cfg = queuedConfig;
      const prefix = (cfg && typeof cfg.storagePrefix === 'string' && cfg.storagePrefix) || 'attune';
      const list = JSON.parse(localStorage.getItem(prefix + ':decisions') || '[]');
      const slots = new Map();
      for (const p of Array.isArray(cfg && cfg.placements) ? cfg.placements : []) {
        if (p && typeof p.slot === 'string' && p.slot && !slots.has(p.slot)) {
          slots.set(p.slot, selectorOf({ slot: p.slot, selector: typeof p.selector === 'string' ? p.selector : '' }));
        }
      }
      const out = [];
      for (const d of Array.isArray(list) ? list : []) {
        if (d && typeof d.slot === 'string' && slots.has(d.slot) && d.content && typeof d.content === 'object') {
          out.push({ selector: slots.get(d.slot), content: d.content });
        }
      }
      return out;
    } catch (_) { return []; }
  }
  function paintEarly(list) {
    for (const d of list) {
      let els;
      try { els = document.querySelectorAll(d.selector); } catch (_) { continue; }
      for (const el of els) {
        if (el.hasAttribute('data-attune-done') || early.some((e) => e[0] === el)) continue;
        early.push([el, el.cloneNode(true)]);
        try { applyContent(el, d.content); } catch (_) { /* stale cache: the engine repaints */ }
        el.setAttribute('data-attune-done', '');
      }
    }
  }
  function restoreEarly() {
    if (earlyObserver) earlyObserver.disconnect();
    for (const [el, orig] of early.splice(0)) restore(el, orig, true, false);
  }
  const list = cachedDecisions();
  if (list.length) {
    paintEarly(list);
    try {
      earlyObserver = new MutationObserver(() => paintEarly(list));
      earlyObserver.observe(document.documentElement, { childList: true, subtree: true });
    } catch (_) { /* slots parsed later keep their hiding */ }
  }

  const call = (name, args) => {
    const fn = sdk[name];
    if (typeof fn !== 'function') throw new TypeError('attune.' + name + ' is not available in this build');
    return fn.apply(sdk, args);
  };
  const callSafely = (name, args) => {
    try { return Promise.resolve(call(name, args)); } catch (e) { warn(e); return Promise.reject(e); }
  };

  let fns = null;
  const api = {
    __attune: true,
    isReady: false,
    init(config) {
      if (initing) return initing;
      initing = load(configWasm(config)).then((wasm) => {
        restoreEarly();
        sdk = start(wasm, config);
        // From now on each method is the SDK's own, called directly.
        for (const name of METHODS) {
          const fn = sdk[name];
          if (typeof fn === 'function') api[name] = function () { return fn.apply(sdk, arguments); };
        }
        api.isReady = true;
        const pending = deferred;
        deferred = [];
        for (const d of pending) callSafely(d[0], d[1]).then(d[2], d[3]);
        for (const cb of readyCallbacks.splice(0)) { try { cb(api); } catch (e) { warn(e); } }
        return api;
      });
      // Handled here (no unhandled rejection when the page ignores it); a later
      // init() may try again.
      initing.catch((e) => { initing = null; warn(e); });
      return initing;
    },
    /** `ready(cb)` runs cb(attune) once init has resolved (at once if it has). */
    ready(cb) {
      if (typeof cb !== 'function') return api;
      if (sdk) { try { cb(api); } catch (e) { warn(e); } } else readyCallbacks.push(cb);
      return api;
    },
    evalCondition(condition, attributes, savedGroups) {
      if (!fns) {
        const wasm = loadedEngine();
        if (!wasm) throw attuneError({ code: 'not_loaded', path: 'wasm', message: 'wasm: the engine is not loaded yet: call it from attune.ready(cb)' });
        fns = pure(wasm);
      }
      return fns.evalCondition(condition, attributes, savedGroups);
    },
  };
  api.onReady = api.ready;
  for (const name of METHODS) {
    api[name] = function () {
      const args = [].slice.call(arguments);
      if (sdk) return call(name, args);
      return new Promise((resolve, reject) => { deferred.push([name, args, resolve, reject]); });
    };
  }
  // `debug(true)` opens the overlay (debug.js next to attune.js, imported only
  // when asked), `debug(false)` closes it; resolves to whether it is open.
  let debugModule = null;
  api.debug = function (on) {
    try {
      if (on === false) return debugModule ? debugModule.then((m) => m.close()) : Promise.resolve(false);
      if (!debugModule) debugModule = import(here('debug.js').href);
      return debugModule.then((m) => new Promise((resolve) => { api.ready(() => resolve(m.open(sdk))); }))
        .catch((e) => { warn(e); return false; });
    } catch (e) { warn(e); return Promise.resolve(false); }
  };
  window.attune = api;
  try {
    if (/[?&]attune_debug=(1|true)(&|$)/.test(location.search)) api.debug(true);
  } catch (e) { warn(e); }
  // Replay the snippet's queue in order: `init` first starts the engine, the
  // other calls wait for it.
  for (const item of queued) {
    const name = item[0];
    const args = item[1] || [];
    try {
      if (name === 'ready') api.ready(args[0]);
      else if (name === 'init') api.init(args[0]).then(item.r, item.j).catch(() => {});
      else api[name].apply(api, args).catch(() => {});
    } catch (e) { warn(e); }
  }
})();

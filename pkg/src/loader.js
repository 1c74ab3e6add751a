// Classic-script facade of Attune. The build appends this file to the
// wasm-bindgen `no-modules` glue and wraps both in one function, so the page
// gains exactly one global: `window.attune`. It replays the snippet's queue,
// and once `init` has resolved every method is the SDK's own.
var METHODS = ['page', 'track', 'identify', 'group', 'alias', 'reset', 'consent', 'forget',
  'flush', 'on', 'off', 'render', 'segments', 'decide', 'explain', 'profile', 'attributes',
  'consentState', 'inspect', 'viewed', 'clicked'];
var win = window;
var stub = win.attune;
if (stub && stub.__attune) return; // loaded twice: keep the first
var queued = stub && Array.isArray(stub.q) ? stub.q.slice() : [];
var script = document.currentScript;
var wasmUrl = new URL('attune_bg.wasm', (script && script.src) || document.baseURI);
var loaded = null; // promise of the instantiated wasm module
var sdk = null; // the SDK instance once init resolved
var initing = null;
var deferred = []; // calls made after load but before init resolved
var readyCallbacks = [];

function warn(err) {
  try { console.warn('[attune]', err); } catch (_) { /* no console */ }
}
function load() {
  if (!loaded) loaded = wasm_bindgen({ module_or_path: wasmUrl });
  return loaded;
}
function call(name, args) {
  var fn = sdk[name];
  if (typeof fn !== 'function') throw new TypeError('attune.' + name + ' is not available in this build');
  return fn.apply(sdk, args);
}
// The URL to start the classic worker script `name` (next to attune.js) from.
// A worker must come from the page's origin: when attune.js is served from
// another one (a CDN), the worker is a same-origin blob that imports the script
// and tells it where it came from (`self.attuneBase`, for attune_bg.wasm). A
// worker that still cannot start (CSP without blob:) leaves the work on the page.
function workerUrl(name) {
  var url = new URL(name, (script && script.src) || document.baseURI);
  if (url.origin === location.origin) return url.href;
  var boot = 'self.attuneBase=' + JSON.stringify(url.href) + ';importScripts(self.attuneBase);';
  return URL.createObjectURL(new Blob([boot], { type: 'text/javascript' }));
}
function callSafely(name, args) {
  try { return Promise.resolve(call(name, args)); } catch (e) { warn(e); return Promise.reject(e); }
}

// First paint for a returning visitor: the SDK caches the decisions that show
// a variant (`<storagePrefix>:decisions`, personalization consent permitting).
// Before the wasm module is even compiled, they are painted from that cache,
// node by node (the cached markup is the sanitiser's tree; attributes are
// re-checked here anyway), and marked done so they are not hidden. Right before
// the engine starts, every early-painted slot is put back exactly as it was, in
// the same task as the engine's own first paint, so nothing flashes.
var early = []; // [element, original clone]
var earlyObserver = null;
function cachedDecisions() {
  try {
    var init = queued.filter(function (i) { return i[0] === 'init'; })[0];
    var prefix = (init && init[1] && init[1][0] && init[1][0].storagePrefix) || 'attune';
    var list = JSON.parse(win.localStorage.getItem(prefix + ':decisions') || '[]');
    return Array.isArray(list) ? list : [];
  } catch (_) { return []; }
}
function safeAttr(name, value) {
  return !/^on/i.test(name) && name !== 'style' && name !== 'srcdoc'
    && !(/^(href|src|action|formaction|xlink:href)$/i.test(name) && /^[\s\u0000-\u001f]*(javascript|data|vbscript):/i.test(value));
}
function buildNode(n) {
  if (typeof n === 'string') return document.createTextNode(n);
  var el = document.createElement(n.tag);
  (n.attrs || []).forEach(function (a) { if (safeAttr(a[0], a[1])) el.setAttribute(a[0], a[1]); });
  (n.children || []).forEach(function (c) { el.appendChild(buildNode(c)); });
  return el;
}
function paintEarly(list) {
  list.forEach(function (d) {
    var sel = d.selector || '[data-attune-slot="' + String(d.slot).replace(/["\\]/g, '\\$&') + '"]';
    var els;
    try { els = document.querySelectorAll(sel); } catch (_) { return; }
    Array.prototype.forEach.call(els, function (el) {
      if (el.hasAttribute('data-attune-done') || early.some(function (e) { return e[0] === el; })) return;
      var c = d.content || {};
      early.push([el, el.cloneNode(true)]);
      if (typeof c.text === 'string') el.textContent = c.text;
      if (Array.isArray(c.nodes)) {
        while (el.firstChild) el.removeChild(el.firstChild);
        c.nodes.forEach(function (n) { el.appendChild(buildNode(n)); });
      }
      Object.keys(c.attributes || {}).forEach(function (k) {
        if (safeAttr(k, c.attributes[k]) && k !== 'class' && k !== 'hidden') el.setAttribute(k, c.attributes[k]);
      });
      if (c.classes) {
        (c.classes.add || []).forEach(function (x) { el.classList.add(x); });
        (c.classes.remove || []).forEach(function (x) { el.classList.remove(x); });
      }
      if (c.hide) el.setAttribute('hidden', '');
      if (c.show) el.removeAttribute('hidden');
      el.setAttribute('data-attune-done', '');
    });
  });
}
function restoreEarly() {
  if (earlyObserver) earlyObserver.disconnect();
  early.splice(0).forEach(function (pair) {
    var el = pair[0];
    var orig = pair[1];
    while (el.firstChild) el.removeChild(el.firstChild);
    Array.prototype.forEach.call(orig.childNodes, function (n) { el.appendChild(n.cloneNode(true)); });
    Array.prototype.slice.call(el.attributes).forEach(function (a) {
      if (!orig.hasAttribute(a.name)) el.removeAttribute(a.name);
    });
    Array.prototype.forEach.call(orig.attributes, function (a) { el.setAttribute(a.name, a.value); });
  });
}
(function () {
  var list = cachedDecisions();
  if (!list.length) return;
  paintEarly(list);
  try {
    earlyObserver = new MutationObserver(function () { paintEarly(list); });
    earlyObserver.observe(document.documentElement, { childList: true, subtree: true });
  } catch (_) { /* no MutationObserver: slots parsed later keep their hiding */ }
})();

var api = {
  __attune: true,
  version: '',
  init: function (config) {
    if (initing) return initing;
    initing = load()
      .then(function () {
        restoreEarly();
        // Batches are sent from sender.js (next to attune.js) when workers work here.
        try { wasm_bindgen.setSenderUrl(workerUrl('sender.js')); } catch (e) { warn(e); }
        // Worker mode (the default with a collector; `delivery: { engine: 'page' }`
        // opts out): the engine runs in attune-worker.js, a classic worker on
        // the same attune_bg.wasm.
        try { wasm_bindgen.setEngineWorkerUrl(workerUrl('attune-worker.js'), true); } catch (e) { warn(e); }
        return wasm_bindgen.init(withDefaultEngine(config));
      })
      .then(function (instance) {
        // Worker mode: track() in plain JS (withWorkerTrack, from worker-track.js).
        sdk = withWorkerTrack(instance);
        // From now on each method is the SDK's own, called directly (no
        // argument copy per call: track() in a burst is the hot path).
        METHODS.forEach(function (name) {
          var fn = sdk[name];
          if (typeof fn === 'function') api[name] = function () { return fn.apply(sdk, arguments); };
        });
        api.isReady = true;
        var pending = deferred;
        deferred = [];
        pending.forEach(function (d) { callSafely(d[0], d[1]).then(d[2], d[3]); });
        readyCallbacks.splice(0).forEach(function (cb) {
          try { cb(api); } catch (e) { warn(e); }
        });
        return api;
      });
    initing.catch(warn);
    return initing;
  },
  // `ready(cb)` runs cb(attune) once init has resolved (at once if it has).
  ready: function (cb) {
    if (typeof cb !== 'function') return api;
    if (sdk) { try { cb(api); } catch (e) { warn(e); } } else readyCallbacks.push(cb);
    return api;
  },
  evalCondition: function (condition, attributes, savedGroups) {
    return wasm_bindgen.evalCondition(condition, attributes, savedGroups);
  },
  isReady: false,
};
api.onReady = api.ready;
METHODS.forEach(function (name) {
  api[name] = function () {
    var args = [].slice.call(arguments);
    if (sdk) return call(name, args);
    return new Promise(function (resolve, reject) { deferred.push([name, args, resolve, reject]); });
  };
});
// `debug(true)` opens the overlay (debug.js next to attune.js, imported only
// when asked), `debug(false)` closes it; resolves to whether it is open.
var debugModule = null;
api.debug = function (on) {
  try {
    if (on === false) {
      return debugModule ? debugModule.then(function (m) { return m.close(); }) : Promise.resolve(false);
    }
    if (!debugModule) {
      var url = new URL('debug.js', (script && script.src) || document.baseURI).href;
      debugModule = import(url);
    }
    return debugModule.then(function (m) {
      return new Promise(function (resolve) { api.ready(function () { resolve(m.open(sdk)); }); });
    }).catch(function (e) { warn(e); return false; });
  } catch (e) { warn(e); return Promise.resolve(false); }
};
win.attune = api;
load().catch(warn);
try {
  if (/[?&]attune_debug=(1|true)(&|$)/.test(location.search)) api.debug(true);
} catch (e) { warn(e); }
// Replay the snippet's queue in order: `init` first starts the engine, the
// other calls wait for it; `ready(cb)` from the snippet maps to `onReady`.
queued.forEach(function (item) {
  var name = item[0];
  var args = item[1] || [];
  try {
    if (name === 'ready') api.ready(args[0]);
    else if (name === 'init') api.init(args[0]).catch(function () {});
    else api[name].apply(api, args).catch(function () {});
  } catch (e) { warn(e); }
});

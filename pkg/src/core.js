// The boundary to the wasm engine. The engine (Rust, `src/web/api.rs`) takes and
// returns JSON text; this module gives it the host it runs on (storage,
// randomness, the clock, regular expressions, number and case conversions)
// and turns its error records into real `Error`s.

/** An `Error` named `AttuneError` with the engine's `code` and `path`. */
export function attuneError(rec) {
  const e = new Error(rec.message);
  e.name = 'AttuneError';
  e.code = rec.code;
  e.path = rec.path;
  return e;
}

/** An `invalid_input` AttuneError for the argument at `path`. */
export function inputError(path, message) {
  return attuneError({ code: 'invalid_input', path, message: path + ': ' + message });
}

/** Logs to the console without ever throwing. */
export function warn(...args) {
  try { console.warn('[attune]', ...args); } catch (_) { /* no console */ }
}

/** `JSON.stringify(value)` for an argument, as an AttuneError at `path` when it cannot be. */
export function toJson(value, path) {
  let text;
  try {
    text = JSON.stringify(value);
  } catch (e) {
    throw inputError(path, 'not JSON-compatible (' + ((e && e.message) || 'a cycle or a BigInt?') + ')');
  }
  return text === undefined ? 'null' : text;
}

/** The `localStorage` of this page, or null where it is missing or blocked. */
function pageStorage() {
  try {
    const s = globalThis.localStorage;
    return s && typeof s.getItem === 'function' ? s : null;
  } catch (_) {
    return null;
  }
}

function errText(e) {
  return (e && e.name ? e.name + ': ' : '') + ((e && e.message) || String(e));
}

/**
 * The host object the engine calls (`Host` in `src/web/host.rs`). Storage
 * methods never throw: `set`/`remove` return an error text, `get`/`keys`
 * leave theirs for `err()`; the engine then falls back to memory.
 */
export function makeHost() {
  const ls = pageStorage();
  const regexes = [];
  const regexIds = new Map();
  let last = null;
  const crypto = globalThis.crypto;
  return {
    now: () => Date.now(),
    store: () => !!ls,
    get(key) {
      if (!ls) { last = 'localStorage is unavailable'; return null; }
      try { return ls.getItem(key); } catch (e) { last = errText(e); return null; }
    },
    set(key, value) {
      if (!ls) return 'localStorage is unavailable';
      try { ls.setItem(key, value); return null; } catch (e) { return errText(e); }
    },
    remove(key) {
      if (!ls) return 'localStorage is unavailable';
      try { ls.removeItem(key); return null; } catch (e) { return errText(e); }
    },
    keys() {
      if (!ls) { last = 'localStorage is unavailable'; return null; }
      try {
        const out = [];
        for (let i = 0; i < ls.length; i++) out.push(ls.key(i));
        return JSON.stringify(out);
      } catch (e) { last = errText(e); return null; }
    },
    err() { const e = last; last = null; return e; },
    random(n) {
      const b = new Uint8Array(n);
      if (crypto && crypto.getRandomValues) crypto.getRandomValues(b);
      else for (let i = 0; i < n; i++) b[i] = Math.random() * 256;
      return b;
    },
    regex(pattern, flags) {
      const key = flags + '/' + pattern;
      let id = regexIds.get(key);
      if (id === undefined) {
        try { regexes.push(new RegExp(pattern, flags)); id = regexes.length - 1; } catch (_) { id = -1; }
        regexIds.set(key, id);
      }
      return id;
    },
    test(id, text) {
      const r = regexes[id];
      return !!r && r.test(text);
    },
    fmt: (x) => String(x),
    num: (s) => Number(s),
    exp2: (x) => 2 ** x,
    lower: (s) => s.toLowerCase(),
    upper: (s) => s.toUpperCase(),
  };
}

/** Parses the engine's answer; throws an AttuneError if it is an error record. */
export function answer(text) {
  const v = JSON.parse(text);
  if (v && v.error) throw attuneError(v.error);
  return v;
}

//! The host the engine runs on, as the JavaScript side gives it once at start
//! ([`install`]): the clock, random bytes, `localStorage`, ECMAScript regular
//! expressions and the number, `2 ** x` and case conversions the core leaves
//! to the host (so the module carries no float-printing, `exp2` or Unicode
//! case tables).
//! `pkg/src/core.js` (`makeHost`) builds the object; none of its methods throws.

use crate::core::json::num;
use crate::core::platform::{Clock, MemoryStorage, Random, Storage};
use crate::core::rules::{literal_regex, CompiledRegex, RegexEngine};
use crate::core::text;
use crate::core::AttuneError;
use std::cell::{Cell, RefCell};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// The host object (`makeHost()` in `pkg/src/core.js`).
    pub type Host;
    #[wasm_bindgen(method)]
    fn now(this: &Host) -> f64;
    #[wasm_bindgen(method)]
    fn store(this: &Host) -> bool;
    #[wasm_bindgen(method)]
    fn get(this: &Host, key: &str) -> Option<String>;
    #[wasm_bindgen(method)]
    fn set(this: &Host, key: &str, value: &str) -> Option<String>;
    #[wasm_bindgen(method)]
    fn remove(this: &Host, key: &str) -> Option<String>;
    #[wasm_bindgen(method)]
    fn keys(this: &Host) -> Option<String>;
    #[wasm_bindgen(method)]
    fn err(this: &Host) -> Option<String>;
    #[wasm_bindgen(method)]
    fn random(this: &Host, n: u32) -> Vec<u8>;
    #[wasm_bindgen(method)]
    fn regex(this: &Host, pattern: &str, flags: &str) -> i32;
    #[wasm_bindgen(method)]
    fn test(this: &Host, id: i32, text: &str) -> bool;
    #[wasm_bindgen(method)]
    fn fmt(this: &Host, x: f64) -> String;
    #[wasm_bindgen(method)]
    fn num(this: &Host, s: &str) -> f64;
    #[wasm_bindgen(method)]
    fn exp2(this: &Host, x: f64) -> f64;
    #[wasm_bindgen(method)]
    fn lower(this: &Host, s: &str) -> String;
    #[wasm_bindgen(method)]
    fn upper(this: &Host, s: &str) -> String;
}

thread_local! {
    /// The installed host, leaked: it lives as long as the module (installed
    /// once per instance; a second install leaks the first, one JS reference).
    static HOST: Cell<Option<&'static Host>> = const { Cell::new(None) };
    /// The time of the call being applied ([`CallClock`]).
    static AT: Cell<Option<f64>> = const { Cell::new(None) };
}

/// Installs the host (once, before anything else is called).
#[wasm_bindgen]
pub fn install(host: Host) {
    let host: &'static Host = Box::leak(Box::new(host));
    HOST.with(|h| h.set(Some(host)));
    num::set_hooks(num::Hooks {
        format: |x| with(|h| h.fmt(x)).unwrap_or_default(),
        parse: |s| with(|h| h.num(s)).unwrap_or(f64::NAN),
        exp2: |x| with(|h| h.exp2(x)).unwrap_or(f64::NAN),
    });
    text::set_case_hooks(text::CaseHooks {
        lower: |s| with(|h| h.lower(s)).unwrap_or_else(|| s.to_ascii_lowercase()),
        upper: |s| with(|h| h.upper(s)).unwrap_or_else(|| s.to_ascii_uppercase()),
    });
}

/// The host, if one is installed (one non-generic read for every host call).
fn host() -> Option<&'static Host> {
    HOST.with(Cell::get)
}

/// Runs `f` with the host, if one is installed.
fn with<T>(f: impl FnOnce(&Host) -> T) -> Option<T> {
    host().map(f)
}

/// Runs `f` with the clock reading `at` (the time the call was made, not the
/// time its queue was applied).
pub fn at<T>(at: Option<f64>, f: impl FnOnce() -> T) -> T {
    let before = AT.with(|a| a.replace(at));
    let out = f();
    AT.with(|a| a.set(before));
    out
}

/// `Date.now()`, or the time of the call being applied.
pub struct CallClock;

impl Clock for CallClock {
    fn now_ms(&self) -> f64 {
        AT.with(Cell::get)
            .or_else(|| with(Host::now))
            .unwrap_or(0.0)
    }
}

/// Size of [`HostRandom`]'s pool (256 message ids per call into JS).
const POOL: usize = 4096;

/// `crypto.getRandomValues`, drawn a pool at a time.
pub struct HostRandom {
    pool: RefCell<(Vec<u8>, usize)>,
}

impl HostRandom {
    /// An empty pool (filled on first use).
    pub fn new() -> Self {
        Self {
            pool: RefCell::new((Vec::new(), 0)),
        }
    }
}

impl Default for HostRandom {
    fn default() -> Self {
        Self::new()
    }
}

fn draw(n: usize) -> Vec<u8> {
    with(|h| h.random(n as u32)).unwrap_or_default()
}

impl Random for HostRandom {
    fn fill(&self, buf: &mut [u8]) {
        let Ok(mut pool) = self.pool.try_borrow_mut() else {
            return;
        };
        if buf.len() > POOL {
            let bytes = draw(buf.len());
            for (b, r) in buf.iter_mut().zip(bytes) {
                *b = r;
            }
            return;
        }
        if pool.0.len() < pool.1 + buf.len() {
            *pool = (draw(POOL), 0);
        }
        let start = pool.1;
        if let Some(src) = pool.0.get_mut(start..start + buf.len()) {
            buf.copy_from_slice(src);
            // Each byte is handed out once.
            src.fill(0);
        }
        pool.1 = start + buf.len();
    }
}

/// `localStorage` through the host; memory where the page has none (Node).
pub struct HostStorage {
    memory: Option<MemoryStorage>,
}

impl HostStorage {
    /// Opens the page's storage.
    pub fn open() -> Self {
        let has = with(Host::store).unwrap_or(false);
        Self {
            memory: (!has).then(MemoryStorage::new),
        }
    }
}

fn failed(key: &str, message: Option<String>) -> AttuneError {
    AttuneError::from(crate::core::ErrorKind::Storage {
        path: key.into(),
        message: message.unwrap_or_else(|| "storage error".into()),
    })
}

fn last_error() -> Option<String> {
    with(Host::err).flatten()
}

impl Storage for HostStorage {
    fn get(&self, key: &str) -> crate::core::Result<Option<String>> {
        if let Some(m) = &self.memory {
            return m.get(key);
        }
        let value = with(|h| h.get(key)).flatten();
        match (value, last_error()) {
            (_, Some(e)) => Err(failed(key, Some(e))),
            (v, None) => Ok(v),
        }
    }
    fn set(&self, key: &str, value: &str) -> crate::core::Result<()> {
        if let Some(m) = &self.memory {
            return m.set(key, value);
        }
        match with(|h| h.set(key, value)) {
            Some(Some(e)) => Err(failed(key, Some(e))),
            Some(None) => Ok(()),
            None => Err(failed(key, None)),
        }
    }
    fn remove(&self, key: &str) -> crate::core::Result<()> {
        if let Some(m) = &self.memory {
            return m.remove(key);
        }
        match with(|h| h.remove(key)) {
            Some(Some(e)) => Err(failed(key, Some(e))),
            Some(None) => Ok(()),
            None => Err(failed(key, None)),
        }
    }
    fn keys(&self) -> crate::core::Result<Vec<String>> {
        if let Some(m) = &self.memory {
            return m.keys();
        }
        let text = with(Host::keys).flatten();
        let Some(text) = text else {
            return Err(failed("*", last_error()));
        };
        let mut out = Vec::new();
        if let Ok(crate::core::json::Value::Array(list)) = crate::core::json::Value::parse(&text) {
            for k in list {
                if let crate::core::json::Value::String(s) = k {
                    out.push(s);
                }
            }
        }
        Ok(out)
    }
}

/// ECMAScript `RegExp` through the host, so `$regex` behaves as in GrowthBook's JS SDK.
pub struct HostRegex;

struct Compiled(i32);

impl CompiledRegex for Compiled {
    fn is_match(&self, s: &str) -> bool {
        with(|h| h.test(self.0, s)).unwrap_or(false)
    }
}

impl RegexEngine for HostRegex {
    fn compile(&self, pattern: &str, case_insensitive: bool) -> Option<Box<dyn CompiledRegex>> {
        if let Some(literal) = literal_regex(pattern, case_insensitive) {
            return Some(literal);
        }
        let flags = if case_insensitive { "i" } else { "" };
        let id = with(|h| h.regex(pattern, flags)).unwrap_or(-1);
        (id >= 0).then(|| Box::new(Compiled(id)) as Box<dyn CompiledRegex>)
    }

    fn shared(&self) -> Option<std::rc::Rc<dyn RegexEngine>> {
        Some(std::rc::Rc::new(HostRegex))
    }
}

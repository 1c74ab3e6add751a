//! Host capabilities for the core: the JS clock, `crypto.getRandomValues`,
//! `localStorage` (or memory where it is missing or blocked) and ECMAScript
//! regular expressions.

use crate::core::platform::{Clock, MemoryStorage, Random, Storage};
use crate::core::rules::{literal_regex, CompiledRegex, RegexEngine};
use crate::core::AttuneError;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_name = RegExp)]
    fn new_regexp(pattern: &str, flags: &str) -> Result<js_sys::RegExp, JsValue>;
}

/// `Date.now()`.
pub struct JsClock;

impl Clock for JsClock {
    fn now_ms(&self) -> f64 {
        js_sys::Date::now()
    }
}

/// `crypto.getRandomValues`, or `Math.random` where no Web Crypto exists.
pub struct JsRandom {
    crypto: Option<web_sys::Crypto>,
    /// Bytes drawn from `crypto.getRandomValues` ahead of use: one call per
    /// [`POOL`] bytes instead of one per id (a call costs more than the id).
    pool: std::cell::RefCell<([u8; POOL], usize)>,
}

/// Size of [`JsRandom`]'s pool of random bytes (256 message ids).
const POOL: usize = 4096;

impl JsRandom {
    /// Finds `globalThis.crypto`.
    pub fn new() -> Self {
        let c = js_sys::Reflect::get(&js_sys::global(), &"crypto".into()).ok();
        let crypto = c
            .filter(|c| c.is_object())
            .map(|c| c.unchecked_into::<web_sys::Crypto>());
        Self {
            crypto,
            pool: std::cell::RefCell::new(([0; POOL], POOL)),
        }
    }

    /// Fills `buf` straight from the browser.
    fn fill_direct(&self, buf: &mut [u8]) {
        if let Some(c) = &self.crypto {
            if c.get_random_values_with_u8_array(buf).is_ok() {
                return;
            }
        }
        for b in buf.iter_mut() {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
}

impl Random for JsRandom {
    fn fill(&self, buf: &mut [u8]) {
        let Ok(mut pool) = self.pool.try_borrow_mut() else {
            return self.fill_direct(buf);
        };
        if buf.len() > POOL {
            drop(pool);
            return self.fill_direct(buf);
        }
        if POOL - pool.1 < buf.len() {
            self.fill_direct(&mut pool.0);
            pool.1 = 0;
        }
        let start = pool.1;
        if let Some(src) = pool.0.get(start..start + buf.len()) {
            buf.copy_from_slice(src);
        }
        // Each byte is handed out once.
        if let Some(used) = pool.0.get_mut(start..start + buf.len()) {
            used.fill(0);
        }
        pool.1 = start + buf.len();
    }
}

/// `window.localStorage`; every failure surfaces as an error the core falls back from.
pub struct LocalStorage {
    inner: Option<web_sys::Storage>,
    memory: MemoryStorage,
}

impl LocalStorage {
    /// Opens `localStorage` if the page may use it (not in Node, not when blocked).
    pub fn open() -> Self {
        let inner = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
        Self {
            inner,
            memory: MemoryStorage::new(),
        }
    }

    fn fail(key: &str, err: JsValue) -> AttuneError {
        let message = err
            .dyn_ref::<web_sys::DomException>()
            .map(|d| format!("{}: {}", d.name(), d.message()))
            .or_else(|| err.as_string())
            .unwrap_or_else(|| "storage error".into());
        AttuneError::Storage {
            path: key.into(),
            message,
        }
    }
}

impl Storage for LocalStorage {
    fn get(&self, key: &str) -> crate::core::Result<Option<String>> {
        match &self.inner {
            Some(s) => s.get_item(key).map_err(|e| Self::fail(key, e)),
            None => self.memory.get(key),
        }
    }
    fn set(&self, key: &str, value: &str) -> crate::core::Result<()> {
        match &self.inner {
            Some(s) => s.set_item(key, value).map_err(|e| Self::fail(key, e)),
            None => self.memory.set(key, value),
        }
    }
    fn remove(&self, key: &str) -> crate::core::Result<()> {
        match &self.inner {
            Some(s) => s.remove_item(key).map_err(|e| Self::fail(key, e)),
            None => self.memory.remove(key),
        }
    }
    fn keys(&self) -> crate::core::Result<Vec<String>> {
        let Some(s) = &self.inner else {
            return self.memory.keys();
        };
        let n = s.length().map_err(|e| Self::fail("*", e))?;
        Ok((0..n).filter_map(|i| s.key(i).ok().flatten()).collect())
    }
}

/// ECMAScript `RegExp`, so `$regex` behaves in the browser exactly as in GrowthBook's JS SDK.
pub struct JsRegexEngine;

struct JsRegex(js_sys::RegExp);

impl CompiledRegex for JsRegex {
    fn is_match(&self, s: &str) -> bool {
        self.0.set_last_index(0);
        self.0.test(s)
    }
}

impl RegexEngine for JsRegexEngine {
    fn compile(&self, pattern: &str, case_insensitive: bool) -> Option<Box<dyn CompiledRegex>> {
        if let Some(literal) = literal_regex(pattern, case_insensitive) {
            return Some(literal);
        }
        let flags = if case_insensitive { "i" } else { "" };
        new_regexp(pattern, flags)
            .ok()
            .map(|r| Box::new(JsRegex(r)) as Box<dyn CompiledRegex>)
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    /// Ids drawn through the pool are all different, across refills, and
    /// requests larger than the pool are served too.
    #[wasm_bindgen_test]
    fn pooled_random_bytes_never_repeat() {
        let r = JsRandom::new();
        let mut seen = std::collections::HashSet::new();
        // More ids than one pool holds: refills are crossed twice.
        for _ in 0..(POOL / 16) * 2 + 50 {
            let mut id = [0u8; 16];
            r.fill(&mut id);
            assert!(seen.insert(id), "a 16-byte id repeated");
        }
        let mut odd = [0u8; 7];
        r.fill(&mut odd);
        let mut big = vec![0u8; POOL + 1000];
        r.fill(&mut big);
        assert!(
            big.iter().filter(|b| **b == 0).count() < 100,
            "large fill is random"
        );
    }
}

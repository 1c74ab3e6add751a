//! The three things the core needs from its host — time, randomness and storage —
//! as small traits, plus in-memory implementations used by native tests, the CLI
//! and as the fallback when browser storage is blocked or full.

use crate::core::error::{AttuneError, Result};
use std::cell::{Cell, RefCell};

/// Wall-clock time in milliseconds since the Unix epoch.
pub trait Clock {
    /// Current time, ms since 1970-01-01T00:00:00Z.
    fn now_ms(&self) -> f64;
}

/// A source of random bytes (the browser's `crypto.getRandomValues` in production).
pub trait Random {
    /// Fills `buf` with random bytes.
    fn fill(&self, buf: &mut [u8]);
}

/// A string key-value store (the browser's `localStorage` in production).
///
/// Every method may fail: storage can be blocked (`SecurityError`), full
/// (`QuotaExceededError`) or cleared by the user at any moment.
pub trait Storage {
    /// Reads `key`; `Ok(None)` when absent.
    fn get(&self, key: &str) -> Result<Option<String>>;
    /// Writes `key`.
    fn set(&self, key: &str, value: &str) -> Result<()>;
    /// Removes `key` (absent keys are fine).
    fn remove(&self, key: &str) -> Result<()>;
    /// Lists every key currently stored (used by `forget()` and tests).
    fn keys(&self) -> Result<Vec<String>>;
}

/// A clock that only moves when told to: the core's tests and the CLI's
/// deterministic replays run on it.
#[derive(Debug, Default)]
pub struct FakeClock {
    now: Cell<f64>,
}

impl FakeClock {
    /// A clock standing at `now_ms`.
    pub fn new(now_ms: f64) -> Self {
        Self {
            now: Cell::new(now_ms),
        }
    }
    /// Moves the clock forward by `ms`.
    pub fn advance(&self, ms: f64) {
        self.now.set(self.now.get() + ms);
    }
    /// Sets the clock to `now_ms`.
    pub fn set(&self, now_ms: f64) {
        self.now.set(now_ms);
    }
}

impl Clock for FakeClock {
    fn now_ms(&self) -> f64 {
        self.now.get()
    }
}

/// A deterministic random source (SplitMix64) for tests and replays.
#[derive(Debug)]
pub struct SeededRandom {
    state: Cell<u64>,
}

impl SeededRandom {
    /// A generator starting from `seed`; equal seeds give equal streams.
    pub fn new(seed: u64) -> Self {
        Self {
            state: Cell::new(seed),
        }
    }

    fn next_u64(&self) -> u64 {
        let s = self.state.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
        self.state.set(s);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl Random for SeededRandom {
    fn fill(&self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

/// Storage kept in memory. Optionally fails every write, to play a full or
/// blocked `localStorage` in tests.
#[derive(Debug, Default)]
pub struct MemoryStorage {
    /// Entries sorted by key (keys are listed in that order).
    map: RefCell<Vec<(String, String)>>,
    fail_writes: Cell<bool>,
    quota: Cell<Option<usize>>,
}

impl MemoryStorage {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
    /// Makes every later write fail (as a blocked storage would) or succeed again.
    pub fn set_failing(&self, failing: bool) {
        self.fail_writes.set(failing);
    }
    /// Caps the total bytes (keys + values) like a browser quota; `None` lifts it.
    pub fn set_quota(&self, bytes: Option<usize>) {
        self.quota.set(bytes);
    }
    /// Total bytes stored (keys + values), as a quota would count them.
    pub fn used_bytes(&self) -> usize {
        self.map
            .borrow()
            .iter()
            .map(|(k, v)| k.len() + v.len())
            .sum()
    }
}

impl MemoryStorage {
    fn find(&self, key: &str) -> std::result::Result<usize, usize> {
        self.map
            .borrow()
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
    }
}

impl Storage for MemoryStorage {
    fn get(&self, key: &str) -> Result<Option<String>> {
        Ok(match self.find(key) {
            Ok(i) => self.map.borrow().get(i).map(|(_, v)| v.clone()),
            Err(_) => None,
        })
    }
    fn set(&self, key: &str, value: &str) -> Result<()> {
        if self.fail_writes.get() {
            return Err(AttuneError::from(crate::core::ErrorKind::Storage {
                path: key.into(),
                message: "writes are blocked".into(),
            }));
        }
        if let Some(quota) = self.quota.get() {
            let current = match self.find(key) {
                Ok(i) => self
                    .map
                    .borrow()
                    .get(i)
                    .map_or(0, |(_, v)| key.len() + v.len()),
                Err(_) => 0,
            };
            if self.used_bytes() - current + key.len() + value.len() > quota {
                return Err(AttuneError::from(crate::core::ErrorKind::Storage {
                    path: key.into(),
                    message: "quota exceeded".into(),
                }));
            }
        }
        match self.find(key) {
            Ok(i) => {
                if let Some(entry) = self.map.borrow_mut().get_mut(i) {
                    entry.1 = value.to_string();
                }
            }
            Err(i) => self
                .map
                .borrow_mut()
                .insert(i, (key.to_string(), value.to_string())),
        }
        Ok(())
    }
    fn remove(&self, key: &str) -> Result<()> {
        if let Ok(i) = self.find(key) {
            self.map.borrow_mut().remove(i);
        }
        Ok(())
    }
    fn keys(&self) -> Result<Vec<String>> {
        Ok(self.map.borrow().iter().map(|(k, _)| k.clone()).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fake_clock_moves_only_when_told() {
        let c = FakeClock::new(1000.0);
        assert_eq!(c.now_ms(), 1000.0);
        c.advance(500.0);
        assert_eq!(c.now_ms(), 1500.0);
    }

    #[test]
    fn seeded_random_is_deterministic_and_not_constant() {
        let (a, b) = (SeededRandom::new(7), SeededRandom::new(7));
        let (mut x, mut y) = ([0u8; 20], [0u8; 20]);
        a.fill(&mut x);
        b.fill(&mut y);
        assert_eq!(x, y);
        let mut z = [0u8; 20];
        a.fill(&mut z);
        assert_ne!(x, z);
    }

    #[test]
    fn memory_storage_quota_and_failure() {
        let s = MemoryStorage::new();
        s.set_quota(Some(10));
        assert!(s.set("k", "123456789").is_ok());
        assert!(s.set("k", "1234567890").is_err());
        assert_eq!(s.get("k").ok().flatten().as_deref(), Some("123456789"));
        s.set_quota(None);
        s.set_failing(true);
        assert_eq!(
            s.set("j", "x").map_err(|e| e.code()),
            Err("storage_unavailable")
        );
    }
}

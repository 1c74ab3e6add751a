//! Storage that never fails the caller: when the host store is blocked or full,
//! it falls back to memory for the rest of the page's life and reports once.

use crate::core::error::{AttuneError, Result};
use crate::core::platform::{MemoryStorage, Storage};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// Wraps a host [`Storage`] with an in-memory fallback.
pub struct ResilientStorage {
    primary: Rc<dyn Storage>,
    memory: MemoryStorage,
    degraded: Cell<bool>,
    pending_error: RefCell<Option<AttuneError>>,
}

impl ResilientStorage {
    /// Wraps `primary`.
    pub fn new(primary: Rc<dyn Storage>) -> Self {
        Self {
            primary,
            memory: MemoryStorage::new(),
            degraded: Cell::new(false),
            pending_error: RefCell::new(None),
        }
    }

    /// True once the host store failed and memory took over.
    pub fn is_degraded(&self) -> bool {
        self.degraded.get()
    }

    /// The failure that caused the fallback, handed out once for reporting.
    pub fn take_error(&self) -> Option<AttuneError> {
        self.pending_error.borrow_mut().take()
    }

    fn degrade(&self, err: AttuneError) {
        if !self.degraded.replace(true) {
            *self.pending_error.borrow_mut() = Some(err);
        }
    }
}

impl Storage for ResilientStorage {
    fn get(&self, key: &str) -> Result<Option<String>> {
        if self.degraded.get() {
            if let Ok(Some(v)) = self.memory.get(key) {
                return Ok(Some(v));
            }
        }
        match self.primary.get(key) {
            Ok(v) => Ok(v),
            Err(e) => {
                self.degrade(e);
                self.memory.get(key)
            }
        }
    }

    fn set(&self, key: &str, value: &str) -> Result<()> {
        if !self.degraded.get() {
            match self.primary.set(key, value) {
                Ok(()) => return Ok(()),
                Err(e) => self.degrade(e),
            }
        }
        self.memory.set(key, value)
    }

    fn remove(&self, key: &str) -> Result<()> {
        let _ = self.memory.remove(key);
        if let Err(e) = self.primary.remove(key) {
            self.degrade(e);
        }
        Ok(())
    }

    fn keys(&self) -> Result<Vec<String>> {
        let mut keys = self.primary.keys().unwrap_or_default();
        for k in self.memory.keys().unwrap_or_default() {
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn falls_back_to_memory_and_reports_once() {
        let host = Rc::new(MemoryStorage::new());
        let s = ResilientStorage::new(host.clone());
        assert!(s.set("a", "1").is_ok());
        assert_eq!(host.get("a").ok().flatten().as_deref(), Some("1"));
        host.set_failing(true);
        assert!(s.set("a", "2").is_ok(), "never fails the caller");
        assert!(s.is_degraded());
        assert_eq!(s.get("a").ok().flatten().as_deref(), Some("2"));
        assert_eq!(
            s.take_error().map(|e| e.code()),
            Some("storage_unavailable")
        );
        assert!(s.set("b", "3").is_ok());
        assert!(s.take_error().is_none(), "reported once");
    }
}

//! Key-value storage in IndexedDB behind the core's synchronous [`Storage`]
//! trait: the storage a worker can use (workers have no `localStorage`).
//!
//! [`IdbStore::open`] loads the whole store into memory; reads and writes then
//! work on that mirror, and writes are remembered until [`IdbStore::commit`]
//! writes them all in one read-write transaction and resolves once it is
//! durable (IndexedDB's `complete`). A host keeps the outbox rule — persisted
//! before sent — by sending only what a finished commit covered.
//! [`IdbStore::refresh`] reads the store again (what other tabs' workers
//! committed meanwhile) under this store's uncommitted changes.
//!
//! The calls go through the global scope's `indexedDB`, so the same code runs
//! on a page and in a worker. Measured on the page (docs/delivery.md): an
//! IndexedDB transaction costs the main thread more than a `localStorage`
//! write, so the page itself keeps `localStorage`.

use crate::core::error::AttuneError;
use crate::core::platform::Storage;
use js_sys::{Array, Promise};
use std::cell::RefCell;
use std::collections::BTreeMap;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbFactory, IdbOpenDbRequest, IdbRequest, IdbTransaction};

/// The object store every Attune database holds.
const STORE: &str = "kv";

type Changes = BTreeMap<String, Option<String>>;

/// One IndexedDB database of string keys and values, mirrored in memory.
pub struct IdbStore {
    db: IdbDatabase,
    name: String,
    map: RefCell<BTreeMap<String, String>>,
    /// Changes not committed yet (`None`: removed).
    dirty: RefCell<Changes>,
    /// Changes a running commit is writing.
    in_flight: RefCell<Changes>,
}

impl IdbStore {
    /// Opens (creating if needed) the database `name` and loads it.
    pub async fn open(name: &str) -> Result<IdbStore, AttuneError> {
        let fail = |e: JsValue| storage_error(name, &e);
        let factory = factory().ok_or_else(|| AttuneError::Storage {
            path: name.to_string(),
            message: "IndexedDB is not available".into(),
        })?;
        let req: IdbOpenDbRequest = factory.open_with_u32(name, 1).map_err(fail)?;
        let upgrade = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
            let db = js_sys::Reflect::get(&e, &"target".into())
                .and_then(|t| js_sys::Reflect::get(&t, &"result".into()))
                .ok()
                .and_then(|r| r.dyn_into::<IdbDatabase>().ok());
            if let Some(db) = db {
                if !db.object_store_names().contains(STORE) {
                    let _ = db.create_object_store(STORE);
                }
            }
        });
        req.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
        let opened = settled(&req).await;
        req.set_onupgradeneeded(None);
        drop(upgrade);
        opened.map_err(fail)?;
        let db: IdbDatabase = req.result().map_err(fail)?.dyn_into().map_err(fail)?;
        let store = IdbStore {
            db,
            name: name.to_string(),
            map: RefCell::new(BTreeMap::new()),
            dirty: RefCell::new(BTreeMap::new()),
            in_flight: RefCell::new(BTreeMap::new()),
        };
        store.refresh().await?;
        Ok(store)
    }

    /// Reads the committed contents again; this store's own uncommitted and
    /// committing changes stay on top.
    pub async fn refresh(&self) -> Result<(), AttuneError> {
        let fail = |e: JsValue| storage_error(&self.name, &e);
        let tx = self.db.transaction_with_str(STORE).map_err(fail)?;
        let store = tx.object_store(STORE).map_err(fail)?;
        let keys = store.get_all_keys().map_err(fail)?;
        let values = store.get_all().map_err(fail)?;
        done(&tx).await.map_err(fail)?;
        let keys: Array = keys.result().map_err(fail)?.unchecked_into();
        let values: Array = values.result().map_err(fail)?.unchecked_into();
        let mut map = BTreeMap::new();
        for (k, v) in keys.iter().zip(values.iter()) {
            if let (Some(k), Some(v)) = (k.as_string(), v.as_string()) {
                map.insert(k, v);
            }
        }
        for changes in [&self.in_flight, &self.dirty] {
            if let Ok(c) = changes.try_borrow() {
                overlay(&mut map, &c);
            }
        }
        if let Ok(mut m) = self.map.try_borrow_mut() {
            *m = map;
        }
        Ok(())
    }

    /// Writes every uncommitted change in one transaction; resolves when it is
    /// durable. On failure the changes stay uncommitted (a later commit
    /// retries them) unless newer ones replaced them meanwhile.
    pub async fn commit(&self) -> Result<(), AttuneError> {
        let changes = match self.dirty.try_borrow_mut() {
            Ok(mut d) => std::mem::take(&mut *d),
            Err(_) => return Ok(()),
        };
        if changes.is_empty() {
            return Ok(());
        }
        if let Ok(mut f) = self.in_flight.try_borrow_mut() {
            overlay_changes(&mut f, &changes);
        }
        let result = self.write(&changes).await;
        if let Ok(mut f) = self.in_flight.try_borrow_mut() {
            f.clear();
        }
        if result.is_err() {
            if let Ok(mut d) = self.dirty.try_borrow_mut() {
                for (k, v) in changes {
                    d.entry(k).or_insert(v);
                }
            }
        }
        result
    }

    async fn write(&self, changes: &Changes) -> Result<(), AttuneError> {
        let fail = |e: JsValue| storage_error(&self.name, &e);
        let tx = self
            .db
            .transaction_with_str_and_mode(STORE, web_sys::IdbTransactionMode::Readwrite)
            .map_err(fail)?;
        let store = tx.object_store(STORE).map_err(fail)?;
        for (k, v) in changes {
            let key = JsValue::from_str(k);
            match v {
                Some(v) => store.put_with_key(&JsValue::from_str(v), &key).map(drop),
                None => store.delete(&key).map(drop),
            }
            .map_err(fail)?;
        }
        done(&tx).await.map_err(fail)
    }

    /// How many changes wait for a commit.
    pub fn uncommitted(&self) -> usize {
        self.dirty.try_borrow().map_or(0, |d| d.len())
    }

    /// Closes the connection (the mirror stays readable).
    pub fn close(&self) {
        self.db.close();
    }

    /// Deletes the database `name` (for `forget()`); resolves when it is gone
    /// (open connections must be closed first, or this waits for them).
    pub async fn delete(name: &str) -> Result<(), AttuneError> {
        let fail = |e: JsValue| storage_error(name, &e);
        let factory = factory().ok_or_else(|| AttuneError::Storage {
            path: name.to_string(),
            message: "IndexedDB is not available".into(),
        })?;
        let req = factory.delete_database(name).map_err(fail)?;
        settled(&req).await.map_err(fail)
    }
}

impl Storage for IdbStore {
    fn get(&self, key: &str) -> crate::core::Result<Option<String>> {
        Ok(self.map.try_borrow().ok().and_then(|m| m.get(key).cloned()))
    }

    fn set(&self, key: &str, value: &str) -> crate::core::Result<()> {
        let (Ok(mut m), Ok(mut d)) = (self.map.try_borrow_mut(), self.dirty.try_borrow_mut())
        else {
            return Err(busy(&self.name));
        };
        m.insert(key.to_string(), value.to_string());
        d.insert(key.to_string(), Some(value.to_string()));
        Ok(())
    }

    fn remove(&self, key: &str) -> crate::core::Result<()> {
        let (Ok(mut m), Ok(mut d)) = (self.map.try_borrow_mut(), self.dirty.try_borrow_mut())
        else {
            return Err(busy(&self.name));
        };
        m.remove(key);
        d.insert(key.to_string(), None);
        Ok(())
    }

    fn keys(&self) -> crate::core::Result<Vec<String>> {
        Ok(self
            .map
            .try_borrow()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default())
    }
}

fn overlay(map: &mut BTreeMap<String, String>, changes: &Changes) {
    for (k, v) in changes {
        match v {
            Some(v) => map.insert(k.clone(), v.clone()),
            None => map.remove(k),
        };
    }
}

fn overlay_changes(into: &mut Changes, changes: &Changes) {
    for (k, v) in changes {
        into.insert(k.clone(), v.clone());
    }
}

/// The global scope's `indexedDB` (a window's or a worker's).
fn factory() -> Option<IdbFactory> {
    js_sys::Reflect::get(&js_sys::global(), &"indexedDB".into())
        .ok()
        .and_then(|f| f.dyn_into::<IdbFactory>().ok())
}

/// Resolves on the request's `success`, rejects on its `error`.
async fn settled(req: &IdbRequest) -> Result<(), JsValue> {
    let promise = Promise::new(&mut |resolve, reject| {
        req.set_onsuccess(Some(&resolve));
        req.set_onerror(Some(&reject));
    });
    let r = JsFuture::from(promise).await;
    req.set_onsuccess(None);
    req.set_onerror(None);
    r.map(drop).map_err(|_| {
        req.error()
            .ok()
            .flatten()
            .map_or(JsValue::NULL, JsValue::from)
    })
}

/// Resolves on the transaction's `complete`, rejects on `error` or `abort`.
async fn done(tx: &IdbTransaction) -> Result<(), JsValue> {
    let promise = Promise::new(&mut |resolve, reject| {
        tx.set_oncomplete(Some(&resolve));
        tx.set_onerror(Some(&reject));
        tx.set_onabort(Some(&reject));
    });
    JsFuture::from(promise)
        .await
        .map(drop)
        .map_err(|_| tx.error().map_or(JsValue::NULL, JsValue::from))
}

fn storage_error(name: &str, e: &JsValue) -> AttuneError {
    let message = js_sys::Reflect::get(e, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "IndexedDB request failed".into());
    AttuneError::Storage {
        path: name.to_string(),
        message,
    }
}

fn busy(name: &str) -> AttuneError {
    AttuneError::Storage {
        path: name.to_string(),
        message: "store busy (re-entered)".into(),
    }
}

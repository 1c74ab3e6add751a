//! Writing the profile from several tabs without losing updates.
//!
//! Each write is a read-merge-write of the one stored record under the
//! cross-tab `profile-lock` Web Lock (a storage lease where Web Locks are
//! missing). The lock alone is not enough in Chromium: every tab reads
//! `localStorage` from its own cache, which another tab's write reaches
//! asynchronously, so a tab that takes the lock right after another tab wrote
//! can still read the record from before that write and overwrite it.
//!
//! So every write leaves a marker the browser itself keeps: the writer holds a
//! Web Lock named `<prefix>:profile-rev:<rev>` (the record's write counter)
//! until its next write or until the tab closes. A tab about to merge first
//! asks the browser which markers are held (`navigator.locks.query()`), and
//! waits, bounded, until its cache shows a record at least that recent.

use crate::core::profile_merge::newest_marked;
use crate::web::api::Sdk;
use crate::web::lock;
use gloo_timers::callback::Timeout;
use gloo_timers::future::TimeoutFuture;
use std::rc::Rc;

/// How long a tab waits for its storage cache to show another tab's write.
const CATCH_UP_MS: u32 = 1_000;
/// How often it looks meanwhile.
const POLL_MS: u32 = 4;

/// Waits (bounded) until this tab reads a stored record written at `rev` or later.
async fn catch_up(sdk: &Rc<Sdk>, rev: u64) {
    if rev == 0 {
        return;
    }
    let mut waited = 0;
    while waited < CATCH_UP_MS {
        let seen = sdk
            .engine
            .try_borrow()
            .ok()
            .and_then(|e| e.stored_profile_rev())
            .unwrap_or(0);
        if seen >= rev {
            return;
        }
        TimeoutFuture::new(POLL_MS).await;
        waited += POLL_MS;
    }
}

/// Locked profile writes are coalesced more than the outbox's: a write takes a
/// Web Lock, asks the browser for the held locks and holds a new marker, which
/// cost more main-thread time than the write itself. An event is safe once it
/// is in the outbox; the profile is rebuilt from nothing it could lose except
/// on a crash inside this window (`pagehide` and `hidden` write at once).
const PROFILE_COALESCE_MS: f64 = 500.0;

/// Writes the profile under the cross-tab lock (once at a time per tab, at
/// most once per [`PROFILE_COALESCE_MS`]); if it changed again meanwhile,
/// queues another write.
pub fn persist_locked(sdk: &Rc<Sdk>) {
    let d = &sdk.delivery;
    let wait = PROFILE_COALESCE_MS - (js_sys::Date::now() - d.last_profile_write.get());
    if wait > 0.0 {
        if let Ok(mut slot) = d.profile_timer.try_borrow_mut() {
            if slot.is_none() {
                let weak = Rc::downgrade(sdk);
                *slot = Some(Timeout::new(wait.ceil() as u32, move || {
                    if let Some(sdk) = weak.upgrade() {
                        if let Ok(mut slot) = sdk.delivery.profile_timer.try_borrow_mut() {
                            *slot = None;
                        }
                        let dirty = sdk.engine.try_borrow().map_or(true, |e| e.profile_dirty());
                        if dirty {
                            persist_locked(&sdk);
                        }
                    }
                }));
            }
        }
        return;
    }
    if d.profile_persist_running.replace(true) {
        return;
    }
    d.last_profile_write.set(js_sys::Date::now());
    let sdk = sdk.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let prefix = match sdk.engine.try_borrow() {
            Ok(e) => e.config().storage_prefix.clone(),
            Err(_) => String::new(),
        };
        let (name, lease) = (
            format!("{prefix}:profile-lock"),
            format!("{prefix}:profile-lease"),
        );
        let marker_prefix = format!("{prefix}:profile-rev:");
        let held = lock::acquire(&name, true, &lease, &sdk.delivery.me).await;
        // Our own last write (the usual case with one tab) is in our cache:
        // only a newer marker, another tab's, is worth reading storage for.
        let newest = newest_marked(&lock::held_names().await, &marker_prefix);
        let own = sdk.engine.try_borrow().map_or(0, |e| e.profile().rev);
        if newest > own {
            catch_up(&sdk, newest).await;
        }
        let (written, errors) = match sdk.engine.try_borrow_mut() {
            Ok(mut e) => (e.persist_profile(), e.take_errors()),
            Err(_) => (None, Vec::new()),
        };
        if let Some(rev) = written {
            // The new marker is held before the old one and the lock go.
            let marker = lock::marker(&format!("{marker_prefix}{rev}")).await;
            if let Ok(mut slot) = sdk.delivery.rev_marker.try_borrow_mut() {
                *slot = marker;
            }
        }
        drop(held);
        sdk.delivery.profile_persist_running.set(false);
        sdk.report(errors);
        let dirty = sdk
            .engine
            .try_borrow()
            .map(|e| e.profile_dirty())
            .unwrap_or(true);
        if dirty {
            crate::web::delivery::queued(&sdk);
        }
    });
}

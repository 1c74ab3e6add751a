//! "One sender across tabs": a tab sends only while it holds the send lock.
//! With the Web Locks API (`navigator.locks.request`) the browser arbitrates
//! and releases the lock when the tab dies; elsewhere a storage lease
//! (`core::lease`) is the best-effort fallback.

use crate::core::lease;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// How long a storage lease lasts; a send cycle is bounded by the request timeout below it.
const LEASE_MS: f64 = 30_000.0;

/// A held send lock; dropping it releases the lock.
pub struct Held {
    release: Option<js_sys::Function>,
    lease: Option<(String, String)>,
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(f) = self.release.take() {
            let _ = f.call0(&JsValue::NULL);
        }
        if let Some((key, me)) = self.lease.take() {
            if let Some(s) = local_storage() {
                let current = s.get_item(&key).ok().flatten();
                if lease::holds(current.as_deref(), &me, js_sys::Date::now()) {
                    let _ = s.remove_item(&key);
                }
            }
        }
    }
}

/// Takes the lock `name`. With `wait` it waits for another tab to finish;
/// without, it gives up at once when the lock is taken (`None`). `me` names
/// this tab in a storage lease (`lease_key`) where Web Locks are missing.
pub async fn acquire(name: &str, wait: bool, lease_key: &str, me: &str) -> Option<Held> {
    match web_locks() {
        Some(locks) => with_web_locks(&locks, name, wait).await,
        None => with_lease(lease_key, me),
    }
}

/// Takes the Web Lock `name` (waiting for it with `wait`; without, `None`
/// when it is taken), with no storage-lease fallback: where Web Locks are
/// missing it returns an unlocked [`Held`] at once, so the caller goes ahead
/// alone. For the engine worker's send lock (a worker has no
/// `localStorage`); `navigator.locks` is read from the global scope, so this
/// works on a page and in a worker.
pub async fn acquire_web(name: &str, wait: bool) -> Option<Held> {
    match web_locks() {
        Some(locks) => with_web_locks(&locks, name, wait).await,
        None => Some(Held {
            release: None,
            lease: None,
        }),
    }
}

/// Takes the lock `name` where Web Locks exist, without waiting and without
/// a storage fallback: a marker other tabs can see through [`held_names`].
pub async fn marker(name: &str) -> Option<Held> {
    let locks = web_locks()?;
    with_web_locks(&locks, name, false).await
}

/// The names of every lock held in this origin right now, as the browser
/// (not this tab's caches) knows them; empty without Web Locks.
pub async fn held_names() -> Vec<String> {
    let Some(locks) = web_locks() else {
        return Vec::new();
    };
    let Some(query) = js_sys::Reflect::get(&locks, &"query".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
    else {
        return Vec::new();
    };
    let Some(promise) = query
        .call0(&locks)
        .ok()
        .and_then(|p| p.dyn_into::<js_sys::Promise>().ok())
    else {
        return Vec::new();
    };
    let Ok(snapshot) = JsFuture::from(promise).await else {
        return Vec::new();
    };
    let held = js_sys::Reflect::get(&snapshot, &"held".into()).unwrap_or(JsValue::UNDEFINED);
    js_sys::Array::from(&held)
        .iter()
        .filter_map(|lock| {
            js_sys::Reflect::get(&lock, &"name".into())
                .ok()?
                .as_string()
        })
        .collect()
}

fn web_locks() -> Option<JsValue> {
    let nav = js_sys::Reflect::get(&js_sys::global(), &"navigator".into()).ok()?;
    let locks = js_sys::Reflect::get(&nav, &"locks".into()).ok()?;
    let request = js_sys::Reflect::get(&locks, &"request".into()).ok()?;
    request.is_function().then_some(locks)
}

/// A promise and the function that resolves it.
fn deferred() -> Option<(js_sys::Promise, js_sys::Function)> {
    let mut resolve = None;
    let promise = js_sys::Promise::new(&mut |res, _rej| resolve = Some(res));
    resolve.map(|r| (promise, r))
}

async fn with_web_locks(locks: &JsValue, name: &str, wait: bool) -> Option<Held> {
    let (granted, grant) = deferred()?;
    let (hold, release) = deferred()?;
    let callback = Closure::once_into_js(move |lock: JsValue| -> JsValue {
        let got = !lock.is_null() && !lock.is_undefined();
        let _ = grant.call1(&JsValue::NULL, &JsValue::from_bool(got));
        if got {
            hold.into()
        } else {
            JsValue::UNDEFINED
        }
    });
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"ifAvailable".into(), &JsValue::from_bool(!wait));
    let request: js_sys::Function = js_sys::Reflect::get(locks, &"request".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let args = js_sys::Array::of3(&name.into(), &options, &callback);
    let pending = request.apply(locks, &args).ok()?;
    // The request's own promise settles when the lock is released; swallow its errors.
    crate::web::transport::swallow(&pending);
    let got = JsFuture::from(granted)
        .await
        .ok()?
        .as_bool()
        .unwrap_or(false);
    if !got {
        let _ = release.call0(&JsValue::NULL);
        return None;
    }
    Some(Held {
        release: Some(release),
        lease: None,
    })
}

fn with_lease(key: &str, me: &str) -> Option<Held> {
    let Some(s) = local_storage() else {
        // No shared storage: no other tab can share the outbox either.
        return Some(Held {
            release: None,
            lease: None,
        });
    };
    let now = js_sys::Date::now();
    let current = s.get_item(key).ok().flatten();
    if !lease::may_take(current.as_deref(), me, now) {
        return None;
    }
    s.set_item(key, &lease::record(me, now, LEASE_MS)).ok()?;
    let after = s.get_item(key).ok().flatten();
    lease::holds(after.as_deref(), me, now).then(|| Held {
        release: None,
        lease: Some((key.to_string(), me.to_string())),
    })
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// How long a send lock is kept after a send cycle that left events waiting,
/// for the next cycle of a burst to reuse: acquiring one costs more
/// main-thread time than a small batch. Other tabs meanwhile find it taken
/// and look again later; this tab sends what they stored (the outbox is
/// shared).
const KEEP_IDLE_MS: f64 = 1_000.0;
/// A kept lock is reused only this long after it was taken, so a storage
/// lease (no Web Locks) never outlives its [`LEASE_MS`].
const KEEP_MAX_MS: f64 = 10_000.0;

/// The send lock kept between the send cycles of a burst.
#[derive(Default)]
pub struct Kept {
    held: std::cell::RefCell<Option<(Held, f64)>>,
    timer: std::cell::RefCell<Option<gloo_timers::callback::Timeout>>,
}

impl Kept {
    /// The kept lock and when it was taken, if it may still be reused at `now`.
    pub fn take(&self, now: f64) -> Option<(Held, f64)> {
        let kept = self.held.try_borrow_mut().ok()?.take()?;
        (now - kept.1 < KEEP_MAX_MS).then_some(kept)
    }

    /// Keeps `held` (taken at `since`) for the next cycle; `release` runs
    /// after [`KEEP_IDLE_MS`] without one and must call [`Kept::release`].
    pub fn keep(&self, held: Held, since: f64, release: impl FnOnce() + 'static) {
        let (Ok(mut slot), Ok(mut timer)) =
            (self.held.try_borrow_mut(), self.timer.try_borrow_mut())
        else {
            return; // dropping `held` releases it
        };
        *slot = Some((held, since));
        // Replacing the timer cancels the previous one.
        *timer = Some(gloo_timers::callback::Timeout::new(
            KEEP_IDLE_MS as u32,
            release,
        ));
    }

    /// Releases the kept lock now (idle, hidden, page exit).
    pub fn release(&self) {
        if let Ok(mut slot) = self.held.try_borrow_mut() {
            slot.take();
        }
        if let Ok(mut timer) = self.timer.try_borrow_mut() {
            timer.take();
        }
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn unlocked() -> Held {
        Held {
            release: None,
            lease: None,
        }
    }

    /// A kept lock is handed back once, only while young enough, and not
    /// after a release.
    #[wasm_bindgen_test]
    fn kept_lock_is_reused_once_and_only_while_young() {
        let kept = Kept::default();
        assert!(kept.take(0.0).is_none(), "nothing kept yet");
        kept.keep(unlocked(), 1_000.0, || {});
        let since = kept.take(1_500.0).map(|(_, since)| since);
        assert_eq!(
            since,
            Some(1_000.0),
            "reused within the window, with the time it was first taken"
        );
        assert!(kept.take(1_600.0).is_none(), "taken once");
        kept.keep(unlocked(), 1_000.0, || {});
        assert!(
            kept.take(1_000.0 + KEEP_MAX_MS).is_none(),
            "too old to reuse"
        );
        kept.keep(unlocked(), 1_000.0, || {});
        kept.release();
        assert!(kept.take(1_100.0).is_none(), "released");
    }
}

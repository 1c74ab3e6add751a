//! Sending batches from a dedicated Worker, off the page's main thread.
//!
//! In Chromium a `fetch()` with a batch body costs the calling thread about a
//! millisecond (request set-up and body encoding); over a burst that was the
//! largest single part of Attune's main-thread time. The package ships a
//! tiny worker (`sender.js`, next to the wasm) that runs the `fetch` and
//! answers with the status and `Retry-After`; the page only posts the body
//! string to it. The JS entries tell the engine where that file is
//! ([`set_sender_url`]); the config can turn it off (`delivery.worker: false`).
//!
//! Same origin as the page's scripts, so a CSP of `default-src 'self'` allows
//! it. Whenever the worker is missing, fails to load or dies, requests fall
//! back to the page's own `fetch` (the caller gets `None` and sends itself);
//! page-exit sends never use it (a worker may be gone by then).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::core::delivery_policy::{parse_retry_after, Outcome};
use gloo_timers::callback::Timeout;

/// Longest wait for the worker's answer: its own `fetch` gives up after 15 s,
/// so a silent worker is taken for dead after this and the page sends itself.
const ANSWER_MS: u32 = 20_000;

thread_local! {
    static URL: RefCell<Option<String>> = const { RefCell::new(None) };
    static SENDER: RefCell<Option<std::rc::Rc<Sender>>> = const { RefCell::new(None) };
}

/// Where the JS entry found `sender.js` (called by the package's own entry
/// points; `null` or an empty string turns the worker off for this page).
#[wasm_bindgen(js_name = setSenderUrl)]
pub fn set_sender_url(url: JsValue) {
    let url = url.as_string().filter(|u| !u.is_empty());
    if URL.with(|u| *u.borrow() == url) {
        return; // the running worker (if any) stays
    }
    URL.with(|u| *u.borrow_mut() = url);
    SENDER.with(|s| {
        if let Some(old) = s.borrow_mut().take() {
            old.stop();
        }
    });
}

/// The page's worker and the requests waiting for its answers.
struct Sender {
    worker: web_sys::Worker,
    pending: RefCell<HashMap<u32, js_sys::Function>>,
    next: Cell<u32>,
    dead: Cell<bool>,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(JsValue)>,
}

impl Sender {
    /// Starts the worker at `url`; `None` where workers are unavailable.
    fn start(url: &str) -> Option<std::rc::Rc<Sender>> {
        let worker = web_sys::Worker::new(url).ok()?;
        let sender = std::rc::Rc::new_cyclic(|weak: &std::rc::Weak<Sender>| {
            let w = weak.clone();
            let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
                move |e: web_sys::MessageEvent| {
                    if let Some(s) = w.upgrade() {
                        s.answer(&e.data());
                    }
                },
            );
            let w = weak.clone();
            let on_error = Closure::<dyn FnMut(JsValue)>::new(move |_e: JsValue| {
                if let Some(s) = w.upgrade() {
                    s.stop();
                }
            });
            worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            Sender {
                worker,
                pending: RefCell::default(),
                next: Cell::new(1),
                dead: Cell::new(false),
                _on_message: on_message,
                _on_error: on_error,
            }
        });
        Some(sender)
    }

    /// Resolves the request an answer belongs to.
    fn answer(&self, data: &JsValue) {
        let id = js_sys::Reflect::get(data, &"id".into())
            .ok()
            .and_then(|v| v.as_f64())
            .map_or(0, |v| v as u32);
        let resolve = self
            .pending
            .try_borrow_mut()
            .ok()
            .and_then(|mut p| p.remove(&id));
        if let Some(f) = resolve {
            let _ = f.call1(&JsValue::UNDEFINED, data);
        }
    }

    /// Stops the worker; waiting requests fall back to the page's `fetch`.
    fn stop(&self) {
        if self.dead.replace(true) {
            return;
        }
        self.worker.terminate();
        let waiting: Vec<js_sys::Function> = self
            .pending
            .try_borrow_mut()
            .map(|mut p| p.drain().map(|(_, f)| f).collect())
            .unwrap_or_default();
        for f in waiting {
            let _ = f.call1(&JsValue::UNDEFINED, &JsValue::NULL);
        }
        SENDER.with(|s| {
            if let Ok(mut slot) = s.try_borrow_mut() {
                if slot.as_ref().is_some_and(|cur| std::ptr::eq(&**cur, self)) {
                    *slot = None;
                }
            }
        });
    }
}

/// The running sender, started on first use when a URL is known.
fn sender() -> Option<std::rc::Rc<Sender>> {
    let url = URL.with(|u| u.borrow().clone())?;
    SENDER.with(|s| {
        let mut slot = s.try_borrow_mut().ok()?;
        if slot.is_none() {
            *slot = Sender::start(&url);
        }
        slot.clone()
    })
}

/// POSTs `body` to `url` from the worker and waits for the status; `None`
/// when there is no working worker (send from the page instead).
pub async fn post(url: &str, headers: &[(String, String)], body: &str) -> Option<Outcome> {
    let sender = sender()?;
    if sender.dead.get() {
        return None;
    }
    let id = sender.next.get();
    sender.next.set(id.wrapping_add(1).max(1));
    let mut slot = Some(&sender);
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        if let Some(s) = slot.take() {
            if let Ok(mut p) = s.pending.try_borrow_mut() {
                p.insert(id, resolve);
            }
        }
    });
    let hdrs = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&hdrs, &"Content-Type".into(), &"application/json".into());
    for (k, v) in headers {
        let _ = js_sys::Reflect::set(&hdrs, &k.into(), &v.into());
    }
    let msg = js_sys::Object::new();
    for (k, v) in [
        ("id", JsValue::from(id)),
        ("url", JsValue::from_str(url)),
        ("headers", hdrs.into()),
        ("body", JsValue::from_str(body)),
    ] {
        let _ = js_sys::Reflect::set(&msg, &k.into(), &v);
    }
    if sender.worker.post_message(&msg).is_err() {
        if let Ok(mut p) = sender.pending.try_borrow_mut() {
            p.remove(&id);
        }
        return None;
    }
    let weak = std::rc::Rc::downgrade(&sender);
    drop(sender);
    // Dropped (cancelled) once the answer is in.
    let _watchdog = Timeout::new(ANSWER_MS, move || {
        if let Some(s) = weak.upgrade() {
            s.stop();
        }
    });
    let answer = JsFuture::from(promise).await.ok()?;
    if answer.is_null() || answer.is_undefined() {
        return None;
    }
    let field = |k: &str| js_sys::Reflect::get(&answer, &k.into()).ok();
    let status = field("status").and_then(|v| v.as_f64()).unwrap_or(0.0) as u16;
    if status == 0 {
        let message = field("error")
            .and_then(|v| v.as_string())
            .unwrap_or_else(|| "network error".into());
        return Some(Outcome::Network(message));
    }
    let retry_after_ms = field("retryAfter")
        .and_then(|v| v.as_string())
        .and_then(|s| parse_retry_after(&s));
    Some(Outcome::Status {
        code: status,
        retry_after_ms,
    })
}

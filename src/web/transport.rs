//! Sending a batch with the global `fetch` (browser and Node ≥ 18 alike).
//! Every request is bounded in time and never throws: the result is a core
//! [`Outcome`] the delivery policy classifies.

use crate::core::delivery_policy::{parse_retry_after, Outcome};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Longest wait for a collector's answer.
const TIMEOUT_MS: u32 = 15_000;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_name = fetch)]
    fn global_fetch(url: &str, init: &JsValue) -> Result<js_sys::Promise, JsValue>;
}

fn request_init(
    headers: &[(String, String)],
    body: &str,
    keepalive: bool,
    content_type: &str,
) -> js_sys::Object {
    let init = js_sys::Object::new();
    let hdrs = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&hdrs, &"Content-Type".into(), &content_type.into());
    for (k, v) in headers {
        let _ = js_sys::Reflect::set(&hdrs, &k.into(), &v.into());
    }
    for (k, v) in [
        ("method", JsValue::from_str("POST")),
        ("body", JsValue::from_str(body)),
        ("headers", hdrs.into()),
        ("keepalive", JsValue::from_bool(keepalive)),
        ("credentials", JsValue::from_str("omit")),
    ] {
        let _ = js_sys::Reflect::set(&init, &k.into(), &v);
    }
    if let Some(signal) = timeout_signal() {
        let _ = js_sys::Reflect::set(&init, &"signal".into(), &signal);
    }
    init
}

/// `AbortSignal.timeout(TIMEOUT_MS)` where the runtime has it.
fn timeout_signal() -> Option<JsValue> {
    let ctor = js_sys::Reflect::get(&js_sys::global(), &"AbortSignal".into()).ok()?;
    let f: js_sys::Function = js_sys::Reflect::get(&ctor, &"timeout".into())
        .ok()?
        .dyn_into()
        .ok()?;
    f.call1(&ctor, &JsValue::from(TIMEOUT_MS)).ok()
}

/// POSTs `body` to `url` with `headers` and waits for the status.
pub async fn post(url: &str, headers: &[(String, String)], body: &str, keepalive: bool) -> Outcome {
    let init = request_init(headers, body, keepalive, "application/json");
    let promise = match global_fetch(url, &init) {
        Ok(p) => p,
        Err(e) => return Outcome::Network(describe(&e)),
    };
    match JsFuture::from(promise).await {
        Ok(resp) => {
            let resp: web_sys::Response = resp.unchecked_into();
            let retry_after_ms = resp
                .headers()
                .get("Retry-After")
                .ok()
                .flatten()
                .and_then(|s| parse_retry_after(&s));
            Outcome::Status {
                code: resp.status(),
                retry_after_ms,
            }
        }
        Err(e) => Outcome::Network(describe(&e)),
    }
}

/// Starts a `fetch(keepalive)` POST and does not wait for it (page exit).
pub fn fire_and_forget(url: &str, headers: &[(String, String)], body: &str) -> bool {
    let init = request_init(headers, body, true, "text/plain;charset=UTF-8");
    match global_fetch(url, &init) {
        Ok(p) => {
            swallow(&p);
            true
        }
        Err(_) => false,
    }
}

/// Attaches a no-op rejection handler to a promise nobody awaits.
pub fn swallow(promise: &JsValue) {
    let noop = Closure::once_into_js(|_: JsValue| {});
    if let Ok(f) = js_sys::Reflect::get(promise, &"catch".into()) {
        if let Some(f) = f.dyn_ref::<js_sys::Function>() {
            let _ = f.call1(promise, &noop);
        }
    }
}

fn describe(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_else(|| "network error".into())
}

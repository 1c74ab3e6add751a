//! Sending a batch with the global `fetch` (browser and Node ≥ 18 alike).

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_name = fetch)]
    fn global_fetch(url: &str, init: &JsValue) -> Result<js_sys::Promise, JsValue>;
}

/// What became of one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The collector answered with this status; `retry_after` seconds if it said so.
    Status {
        /// HTTP status.
        code: u16,
        /// `Retry-After`, in seconds.
        retry_after: Option<f64>,
    },
    /// The request never got an answer (offline, refused, CORS, aborted).
    Network(String),
}

/// POSTs `body` to `url` with `headers`. Never throws.
pub async fn post(url: &str, headers: &[(String, String)], body: &str, keepalive: bool) -> Outcome {
    let init = js_sys::Object::new();
    let hdrs = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&hdrs, &"Content-Type".into(), &"application/json".into());
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
    let promise = match global_fetch(url, &init) {
        Ok(p) => p,
        Err(e) => return Outcome::Network(describe(&e)),
    };
    match JsFuture::from(promise).await {
        Ok(resp) => {
            let resp: web_sys::Response = resp.unchecked_into();
            let retry_after = resp
                .headers()
                .get("Retry-After")
                .ok()
                .flatten()
                .and_then(|s| s.trim().parse::<f64>().ok());
            Outcome::Status {
                code: resp.status(),
                retry_after,
            }
        }
        Err(e) => Outcome::Network(describe(&e)),
    }
}

fn describe(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_else(|| "network error".into())
}

//! Fetches server-seeded profile data (`profile.url`) after `init`, bounded by
//! a timeout; the page is never blocked and a failure is only reported.

use crate::core::AttuneError;
use crate::web::api::{Attune, Sdk};
use crate::web::convert::to_json;
use futures_util_select::race;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_name = fetch)]
    fn fetch_url(url: &str, init: &JsValue) -> Result<js_sys::Promise, JsValue>;
}

/// Starts the fetch if the config asks for it.
pub fn start(sdk: &Rc<Sdk>) {
    let request = match sdk.engine.try_borrow().map(|e| e.seed_request()) {
        Ok(Ok(Some(r))) => r,
        Ok(Err(e)) => return sdk.report(vec![e]),
        _ => return,
    };
    let sdk = sdk.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let (url, timeout_ms) = request;
        match fetch_json(&url, timeout_ms).await {
            Ok(json) => {
                let (before, applied) = match sdk.engine.try_borrow_mut() {
                    Ok(mut e) => {
                        let before = e.segments().to_vec();
                        let call = crate::core::op::Call::Seed { response: json };
                        (before, sdk.apply(&mut e, call).err())
                    }
                    Err(_) => (Vec::new(), None),
                };
                if let Some(err) = applied {
                    sdk.report(vec![err]);
                }
                Attune::from_sdk(sdk.clone()).refresh_page(&before);
            }
            Err(message) => sdk.report(vec![AttuneError::Remote { path: url, message }]),
        }
    });
}

async fn fetch_json(url: &str, timeout_ms: f64) -> Result<serde_json::Value, String> {
    let init = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&init, &"credentials".into(), &"omit".into());
    let promise = fetch_url(url, &init).map_err(|_| "fetch is unavailable".to_string())?;
    let response = race(JsFuture::from(promise), timeout_ms)
        .await
        .ok_or_else(|| format!("no answer within {timeout_ms} ms"))?;
    let response: web_sys::Response = response
        .map_err(|_| "network error".to_string())?
        .unchecked_into();
    if !response.ok() {
        return Err(format!("HTTP {}", response.status()));
    }
    let body = response.json().map_err(|_| "unreadable body".to_string())?;
    let body = race(JsFuture::from(body), timeout_ms)
        .await
        .ok_or("body timed out")?
        .map_err(|_| "invalid JSON".to_string())?;
    to_json(&body, "profile.response").map_err(|e| e.to_string())
}

/// A tiny select between a future and a timer, without extra dependencies.
mod futures_util_select {
    use gloo_timers::future::TimeoutFuture;
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    struct Race<F> {
        fut: Pin<Box<F>>,
        timer: TimeoutFuture,
    }

    impl<F: Future> Future for Race<F> {
        type Output = Option<F::Output>;
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
            if let Poll::Ready(v) = self.fut.as_mut().poll(cx) {
                return Poll::Ready(Some(v));
            }
            match Pin::new(&mut self.timer).poll(cx) {
                Poll::Ready(()) => Poll::Ready(None),
                Poll::Pending => Poll::Pending,
            }
        }
    }

    /// `Some(output)` if `fut` finishes within `ms`, else `None`.
    pub async fn race<F: Future>(fut: F, ms: f64) -> Option<F::Output> {
        Race {
            fut: Box::pin(fut),
            timer: TimeoutFuture::new(ms.clamp(0.0, f64::from(u32::MAX)) as u32),
        }
        .await
    }
}

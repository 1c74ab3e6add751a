//! Drives the core's outbox: schedules flushes and performs them with `fetch`.
//! The policy (what to send, when an event may leave the outbox) is the core's.

use crate::core::auth::basic_auth;
use crate::core::AttuneError;
use crate::web::api::Sdk;
use crate::web::transport::{post, Outcome};
use gloo_timers::callback::Timeout;
use gloo_timers::future::TimeoutFuture;
use std::rc::Rc;

/// Sends now if the batch size is reached, else makes sure a timer will.
pub fn schedule(sdk: &Rc<Sdk>) {
    let Ok(engine) = sdk.engine.try_borrow() else {
        return;
    };
    if engine.collector().is_none() || engine.queued() == 0 {
        return;
    }
    let (queued, flush_at, interval) = (
        engine.queued(),
        engine.config().flush_at,
        engine.config().flush_interval_ms,
    );
    drop(engine);
    if queued >= flush_at {
        let sdk = sdk.clone();
        wasm_bindgen_futures::spawn_local(async move {
            flush(&sdk).await;
        });
        return;
    }
    let Ok(mut timer) = sdk.timer.try_borrow_mut() else {
        return;
    };
    if timer.is_none() {
        let weak = Rc::downgrade(sdk);
        *timer = Some(Timeout::new(interval as u32, move || {
            if let Some(sdk) = weak.upgrade() {
                if let Ok(mut t) = sdk.timer.try_borrow_mut() {
                    *t = None;
                }
                wasm_bindgen_futures::spawn_local(async move {
                    flush(&sdk).await;
                });
            }
        }));
    }
}

/// Sends queued batches until the outbox is empty or a send fails.
/// Returns `(sent, pending)` event counts. Concurrent callers wait for the
/// flush in progress and then try again.
pub async fn flush(sdk: &Rc<Sdk>) -> (usize, usize) {
    for _ in 0..500 {
        if !sdk.flushing.get() {
            break;
        }
        TimeoutFuture::new(10).await;
    }
    sdk.flushing.set(true);
    let mut sent = 0;
    let mut failed = false;
    while !failed {
        let next = match sdk.engine.try_borrow_mut() {
            Ok(mut e) => e.next_batch().zip(e.collector().cloned()),
            Err(_) => None,
        };
        let Some((batch, collector)) = next else {
            break;
        };
        let mut headers = collector.headers.clone();
        if let Some(key) = &collector.write_key {
            headers.push(("Authorization".into(), basic_auth(key)));
        }
        let outcome = post(&collector.url, &headers, &batch.body, false).await;
        let Ok(mut engine) = sdk.engine.try_borrow_mut() else {
            break;
        };
        match outcome {
            Outcome::Status {
                code: 200..=299, ..
            } => {
                sent += batch.ids.len();
                engine.batch_sent(&batch);
            }
            Outcome::Status { code, .. }
                if (400..500).contains(&code) && code != 408 && code != 429 =>
            {
                engine.batch_sent(&batch);
                drop(engine);
                sdk.report(vec![AttuneError::Rejected {
                    path: collector.url.clone(),
                    status: code,
                }]);
            }
            _ => {
                engine.batch_failed(&batch);
                failed = true;
            }
        }
    }
    sdk.flushing.set(false);
    let pending = sdk.engine.try_borrow().map(|e| e.queued()).unwrap_or(0);
    if failed {
        schedule(sdk);
    }
    (sent, pending)
}

//! Drives the core's delivery state machine in the browser. The policy (what
//! to send, when, what an answer means) is the core's; this file only does I/O
//! and timers:
//!
//! * events queued by `track()` & co. are persisted **once per microtask**
//!   (never per call), and only persisted events are ever sent;
//! * one timer is armed for the next due send (count, bytes, interval, backoff);
//! * a send cycle runs under the cross-tab send lock ([`lock`]), re-reads the
//!   shared outbox, and sends batch after batch, one in flight per collector;
//! * page exit, offline and online are handled from [`lifecycle`].
//!
//! No `RefCell` borrow is held across an `.await` or a call into page code.

use crate::core::auth::basic_auth;
use crate::core::config::CollectorConfig;
use crate::core::delivery::{Job, Mode, Totals};
use crate::core::delivery_policy::Outcome;
use crate::core::AttuneError;
use crate::web::api::Sdk;
use crate::web::convert::to_js;
use crate::web::sender;
use crate::web::{beacon, lifecycle, lock, profile_sync, transport};
use gloo_timers::callback::Timeout;
use gloo_timers::future::TimeoutFuture;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Persistence is coalesced: after a write, the next one waits this long, so a
/// burst costs at most one `localStorage` write per window while an isolated
/// event is written in the same task's microtasks. `pagehide`, `hidden` and
/// every send cycle write at once.
const PERSIST_COALESCE_MS: f64 = 50.0;

/// Browser-side delivery state of one SDK instance.
pub struct Driver {
    timer: RefCell<Option<Timeout>>,
    persist_timer: RefCell<Option<Timeout>>,
    last_persist: Cell<f64>,
    timer_at: Cell<f64>,
    /// Another tab held the send lock: no scheduled attempt before this time.
    busy_until: Cell<f64>,
    persist_queued: Cell<bool>,
    /// A locked profile write is under way.
    pub(crate) profile_persist_running: Cell<bool>,
    /// When the last locked profile write started (ms since the epoch).
    pub(crate) last_profile_write: Cell<f64>,
    /// The deferred profile write, while one waits for its window.
    pub(crate) profile_timer: RefCell<Option<Timeout>>,
    /// The Web Lock naming this tab's last profile write (see `profile_sync`).
    pub(crate) rev_marker: RefCell<Option<lock::Held>>,
    running: Cell<bool>,
    transforms: Vec<Option<js_sys::Function>>,
    lock_name: String,
    lease_key: String,
    /// The send lock, kept between the cycles of a burst.
    kept: lock::Kept,
    pub(crate) me: String,
    reported: Cell<Totals>,
    hooks: RefCell<Option<lifecycle::Hooks>>,
}

impl Driver {
    /// A driver for the outbox under `storage_prefix`, with each collector's
    /// optional `transform(batch) → body` function (config order).
    pub fn new(storage_prefix: &str, transforms: Vec<Option<js_sys::Function>>) -> Self {
        let me = format!("{:x}", (js_sys::Math::random() * 4_294_967_296.0) as u64);
        Driver {
            timer: RefCell::new(None),
            persist_timer: RefCell::new(None),
            last_persist: Cell::new(0.0),
            timer_at: Cell::new(f64::MAX),
            busy_until: Cell::new(0.0),
            persist_queued: Cell::new(false),
            profile_persist_running: Cell::new(false),
            last_profile_write: Cell::new(0.0),
            profile_timer: RefCell::new(None),
            rev_marker: RefCell::new(None),
            running: Cell::new(false),
            transforms,
            lock_name: format!("attune:{storage_prefix}:send"),
            lease_key: format!("{storage_prefix}:obm:lease"),
            kept: lock::Kept::default(),
            me,
            reported: Cell::new(Totals::default()),
            hooks: RefCell::new(None),
        }
    }
}

/// What `flush()` resolves to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct FlushReport {
    /// Events acknowledged during this flush (over all collectors).
    pub sent: u64,
    /// Events still in the outbox afterwards.
    pub pending: usize,
    /// Events whose send failed during this flush (kept for a retry).
    pub failed: u64,
}

/// Removes the `transform` functions from `collector` and `collectors[…]` of
/// a JS config, returning the cleaned config (safe to convert to JSON) and
/// the functions in collector order.
pub fn take_transforms(config: &JsValue) -> (JsValue, Vec<Option<js_sys::Function>>) {
    let mut found = Vec::new();
    if !config.is_object() {
        return (config.clone(), found);
    }
    let root = shallow_copy(config);
    let collector = get(&root, "collector");
    if collector.is_object() {
        let (clean, f) = without_transform(&collector);
        let _ = js_sys::Reflect::set(&root, &"collector".into(), &clean);
        found.push(f);
    }
    let list = get(&root, "collectors");
    if js_sys::Array::is_array(&list) {
        let copy = js_sys::Array::new();
        for item in js_sys::Array::from(&list).iter() {
            if item.is_object() {
                let (clean, f) = without_transform(&item);
                copy.push(&clean);
                found.push(f);
            } else {
                copy.push(&item);
            }
        }
        let _ = js_sys::Reflect::set(&root, &"collectors".into(), &copy);
    }
    (root, found)
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(obj, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

fn shallow_copy(obj: &JsValue) -> JsValue {
    js_sys::Object::assign(&js_sys::Object::new(), obj.unchecked_ref()).into()
}

fn without_transform(obj: &JsValue) -> (JsValue, Option<js_sys::Function>) {
    let f = get(obj, "transform").dyn_into::<js_sys::Function>().ok();
    let copy = shallow_copy(obj);
    let obj: &js_sys::Object = copy.unchecked_ref();
    let _ = js_sys::Reflect::delete_property(obj, &"transform".into());
    (copy, f)
}

/// Installs the page lifecycle listeners and plans the first send (events
/// left by earlier visits are due at once).
pub fn start(sdk: &Rc<Sdk>) {
    let hooks = lifecycle::install(sdk);
    if let Ok(mut h) = sdk.delivery.hooks.try_borrow_mut() {
        *h = Some(hooks);
    }
    queued(sdk);
}

/// An event was queued (or marks changed): persist and plan once, in this
/// task's microtasks, or — within [`PERSIST_COALESCE_MS`] of the last write —
/// when that window ends; however many events arrive meanwhile.
pub fn queued(sdk: &Rc<Sdk>) {
    let d = &sdk.delivery;
    if d.persist_queued.replace(true) {
        return;
    }
    let wait = PERSIST_COALESCE_MS - (js_sys::Date::now() - d.last_persist.get());
    if wait <= 0.0 {
        let sdk = sdk.clone();
        wasm_bindgen_futures::spawn_local(async move {
            persist_now(&sdk);
            plan(&sdk);
        });
        return;
    }
    let weak = Rc::downgrade(sdk);
    let timeout = Timeout::new(wait.ceil() as u32, move || {
        if let Some(sdk) = weak.upgrade() {
            persist_now(&sdk);
            plan(&sdk);
        }
    });
    // Replacing an earlier (already fired) timeout is harmless.
    match d.persist_timer.try_borrow_mut() {
        Ok(mut slot) => *slot = Some(timeout),
        Err(_) => {
            let _ = timeout.forget();
        }
    }
}

/// Writes queued events to storage now.
fn persist_now(sdk: &Rc<Sdk>) {
    sdk.delivery.persist_queued.set(false);
    sdk.delivery.last_persist.set(js_sys::Date::now());
    let errors = match sdk.engine.try_borrow_mut() {
        Ok(mut e) => {
            // Worker mode: the worker's record is the visitor's; the page's
            // copy is written at `hidden` / `pagehide` only (no locked write
            // per change, see `page_hidden`).
            if e.profile_dirty() && sdk.lane().is_none() {
                profile_sync::persist_locked(sdk);
            }
            let mut errors = e.take_errors();
            let (delivery, env) = e.delivery();
            if delivery.has_unpersisted() {
                errors.extend(delivery.persist(&env));
            }
            errors
        }
        Err(_) => {
            // Re-entered from a callback: try again on the next microtask.
            queued(sdk);
            return;
        }
    };
    sdk.report(errors);
    report_totals(sdk);
}

/// Arms the timer for the next due send, if any (and if online).
fn plan(sdk: &Rc<Sdk>) {
    if !lifecycle::is_online() {
        return;
    }
    let (wake, now) = match sdk.engine.try_borrow_mut() {
        Ok(mut e) => {
            let gate = e.delivery_gate();
            let (delivery, env) = e.delivery();
            (delivery.next_wake(env.now, gate), env.now)
        }
        Err(_) => return,
    };
    if let Some(wake) = wake {
        arm(sdk, wake.max(sdk.delivery.busy_until.get()), now);
    }
}

/// Makes sure a send cycle starts at `wake` (ms since the epoch) at the latest.
fn arm(sdk: &Rc<Sdk>, wake: f64, now: f64) {
    let d = &sdk.delivery;
    let Ok(mut timer) = d.timer.try_borrow_mut() else {
        return;
    };
    if timer.is_some() && d.timer_at.get() <= wake {
        return;
    }
    let delay = (wake - now).clamp(0.0, 2_000_000_000.0) as u32;
    d.timer_at.set(wake);
    let weak = Rc::downgrade(sdk);
    *timer = Some(Timeout::new(delay, move || {
        let Some(sdk) = weak.upgrade() else { return };
        if let Ok(mut t) = sdk.delivery.timer.try_borrow_mut() {
            *t = None;
        }
        sdk.delivery.timer_at.set(f64::MAX);
        wasm_bindgen_futures::spawn_local(async move {
            cycle(&sdk, Mode::Scheduled).await;
        });
    }));
}

/// One send cycle under the cross-tab lock. Returns `(sent, failed)` event
/// counts. A cycle already running in this tab makes this one a no-op.
async fn cycle(sdk: &Rc<Sdk>, mode: Mode) -> (u64, u64) {
    let d = &sdk.delivery;
    if d.running.replace(true) {
        return (0, 0);
    }
    persist_now(sdk);
    let held = match d.kept.take(js_sys::Date::now()) {
        Some(kept) => Some(kept),
        None => lock::acquire(&d.lock_name, mode == Mode::Forced, &d.lease_key, &d.me)
            .await
            .map(|held| (held, js_sys::Date::now())),
    };
    let mut counts = (0, 0);
    match held {
        Some((held, since)) => {
            d.busy_until.set(0.0);
            counts = send_all(sdk, mode).await;
            // Kept for the next cycle while events wait on a healthy collector
            // (a burst), released after an idle second; at once with nothing
            // left, after a failure (backoff: other tabs may try) or when hidden.
            let more = counts.1 == 0 && sdk.engine.try_borrow().is_ok_and(|e| e.queued() > 0);
            if !more || mode == Mode::Exit || lifecycle::is_hidden() {
                drop(held);
            } else {
                let weak = Rc::downgrade(sdk);
                d.kept.keep(held, since, move || {
                    if let Some(sdk) = weak.upgrade() {
                        sdk.delivery.kept.release();
                    }
                });
            }
        }
        None => {
            // Another tab is sending; it sends our persisted events too. Look again later.
            retry_later(sdk);
        }
    }
    d.running.set(false);
    // Acknowledgement marks of partly sent chunks are written coalesced.
    let marks = sdk
        .engine
        .try_borrow_mut()
        .map(|mut e| e.delivery().0.has_unpersisted())
        .unwrap_or(false);
    if marks {
        queued(sdk);
    }
    report_totals(sdk);
    plan(sdk);
    counts
}

fn retry_later(sdk: &Rc<Sdk>) {
    let interval = match sdk.engine.try_borrow() {
        Ok(e) => e.config().delivery.flush_interval_ms,
        Err(_) => 2000.0,
    };
    let now = js_sys::Date::now();
    sdk.delivery.busy_until.set(now + interval);
    arm(sdk, now + interval, now);
}

async fn send_all(sdk: &Rc<Sdk>, mode: Mode) -> (u64, u64) {
    let errors = match sdk.engine.try_borrow_mut() {
        Ok(mut e) => {
            let (delivery, env) = e.delivery();
            let mut errs = delivery.reload(&env);
            errs.extend(delivery.persist(&env));
            errs
        }
        Err(_) => return (0, 0),
    };
    sdk.report(errors);
    let (mut sent, mut failed) = (0, 0);
    let mut failed_lanes: Vec<usize> = Vec::new();
    for _ in 0..10_000 {
        if !lifecycle::is_online() {
            break;
        }
        let next = match sdk.engine.try_borrow_mut() {
            Ok(mut e) => {
                let (delivery, env) = e.delivery();
                delivery
                    .next_job_skipping(&env, mode, &failed_lanes)
                    .and_then(|job| {
                        let c = delivery.collectors().get(job.collector).cloned()?;
                        Some((job, c))
                    })
            }
            Err(_) => None,
        };
        let Some((job, collector)) = next else { break };
        let outcome = send(sdk, &job, &collector).await;
        let errors = match sdk.engine.try_borrow_mut() {
            Ok(mut e) => {
                let (delivery, env) = e.delivery();
                let (errs, done) = delivery.complete_counted(&env, &job, &outcome);
                sent += done.sent;
                if done.failed > 0 {
                    failed += done.failed;
                    failed_lanes.push(job.collector);
                }
                errs
            }
            Err(_) => Vec::new(),
        };
        sdk.report(errors);
    }
    (sent, failed)
}

pub(crate) fn headers_of(c: &CollectorConfig) -> Vec<(String, String)> {
    let mut headers = c.headers.clone();
    if let Some(key) = &c.write_key {
        headers.push(("Authorization".into(), basic_auth(key)));
    }
    headers
}

/// The body of `job`: the core's, or what the collector's `transform` returns.
fn body_of(sdk: &Sdk, job: &Job) -> Result<String, AttuneError> {
    let Some(f) = sdk
        .delivery
        .transforms
        .get(job.collector)
        .and_then(Option::as_ref)
    else {
        return Ok(job.body.clone());
    };
    let fail = |m: String| AttuneError::input("collector.transform", m);
    let events = js_sys::JSON::parse(&job.events).map_err(|_| fail("batch is not JSON".into()))?;
    let out = f.call1(&JsValue::NULL, &events).map_err(|e| {
        fail(format!(
            "threw: {}",
            js_sys::JSON::stringify(&e)
                .map(String::from)
                .unwrap_or_default()
        ))
    })?;
    if let Some(s) = out.as_string() {
        return Ok(s);
    }
    js_sys::JSON::stringify(&out)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| fail("must return a string or a JSON-compatible value".into()))
}

async fn send(sdk: &Rc<Sdk>, job: &Job, c: &CollectorConfig) -> Outcome {
    let body = match body_of(sdk, job) {
        Ok(b) => b,
        Err(e) => {
            sdk.report(vec![e]);
            return Outcome::Network("transform failed".into());
        }
    };
    let headers = headers_of(c);
    let exit = job.mode == Mode::Exit;
    let worker = !exit
        && sdk
            .engine
            .try_borrow()
            .map(|e| e.config().delivery.worker)
            .unwrap_or(false);
    if worker {
        if let Some(outcome) = sender::post(&c.url, &headers, &body).await {
            return outcome;
        }
    }
    transport::post(&c.url, &headers, &body, exit).await
}

/// `flush()`: sends everything now (ignoring interval and backoff), waiting
/// for another tab's or this tab's running send first.
pub async fn flush(sdk: &Rc<Sdk>) -> FlushReport {
    for _ in 0..1500 {
        if !sdk.delivery.running.get() {
            break;
        }
        TimeoutFuture::new(10).await;
    }
    let (sent, failed) = cycle(sdk, Mode::Forced).await;
    let pending = sdk.engine.try_borrow().map(|e| e.queued()).unwrap_or(0);
    FlushReport {
        sent,
        pending,
        failed,
    }
}

/// `visibilitychange` → hidden: persist, then send with `fetch(keepalive)` in
/// bodies ≤ 64 KB, acknowledged as usual if the page lives on.
pub fn page_hidden(sdk: &Rc<Sdk>) {
    // No time for the lock at exit: write the profile now, best effort.
    if let Ok(mut e) = sdk.engine.try_borrow_mut() {
        e.persist_profile();
    }
    persist_now(sdk);
    let sdk = sdk.clone();
    wasm_bindgen_futures::spawn_local(async move {
        cycle(&sdk, Mode::Exit).await;
    });
}

/// `pagehide`: persist, then beacon everything not already in flight.
/// Nothing leaves the outbox: what is not acknowledged later is re-sent.
pub fn page_exit(sdk: &Rc<Sdk>) {
    // A hidden or closing tab leaves sending to the others.
    sdk.delivery.kept.release();
    // No time for the lock at exit: write the profile now, best effort.
    if let Ok(mut e) = sdk.engine.try_borrow_mut() {
        e.persist_profile();
    }
    persist_now(sdk);
    let jobs = match sdk.engine.try_borrow_mut() {
        Ok(mut e) => {
            let (delivery, env) = e.delivery();
            let jobs = delivery.exit_jobs(&env);
            let collectors = delivery.collectors().to_vec();
            jobs.into_iter()
                .filter_map(|j| collectors.get(j.collector).cloned().map(|c| (j, c)))
                .collect::<Vec<_>>()
        }
        Err(_) => return,
    };
    for (job, c) in jobs {
        let Ok(body) = body_of(sdk, &job) else {
            continue;
        };
        // A beacon cannot carry headers; the write key travels in the body then.
        let headers = if c.headers.is_empty() {
            Vec::new()
        } else {
            headers_of(&c)
        };
        if !beacon::send(&c.url, &headers, &body) {
            break;
        }
    }
}

/// Back online: retry at once.
pub fn online(sdk: &Rc<Sdk>) {
    if let Ok(mut e) = sdk.engine.try_borrow_mut() {
        e.delivery().0.reset_backoff();
    }
    plan(sdk);
}

/// Gone offline: stop the timer; `online` resumes.
pub fn offline(sdk: &Rc<Sdk>) {
    if let Ok(mut t) = sdk.delivery.timer.try_borrow_mut() {
        *t = None;
    }
    sdk.delivery.timer_at.set(f64::MAX);
}

/// Emits `delivery` with what changed since the last report:
/// `{sent, failed, dropped, rejected, pending}`.
fn report_totals(sdk: &Rc<Sdk>) {
    let (now, pending) = match sdk.engine.try_borrow_mut() {
        Ok(mut e) => (e.delivery().0.totals(), e.queued()),
        Err(_) => return,
    };
    let last = sdk.delivery.reported.replace(now);
    if now == last {
        return;
    }
    let delta = serde_json::json!({
        "sent": now.sent - last.sent,
        "failed": now.failed - last.failed,
        "dropped": now.dropped - last.dropped,
        "rejected": now.rejected - last.rejected,
        "pending": pending,
    });
    sdk.emit("delivery", &to_js(&delta));
}

//! The worker host's pump: commit what was applied, send under the send
//! lock, commit the acknowledgements, arm the timer for the next due send;
//! and the explicit cycles (`flush`, `hidden`, `forget`) that run in its
//! place. One cycle runs at a time (`Host::pumping`); no `RefCell` borrow is
//! held across an `.await`.
//!
//! **One sender across tabs.** Each tab's worker reads the others' outbox
//! chunks, so only the holder of the Web Lock `attune:{storagePrefix}:worker-send`
//! sends. A scheduled cycle asks for it with `ifAvailable`; when another
//! worker holds it, this one leaves sending to it and looks again one
//! batching interval later. `flush` waits for it. Without Web Locks every
//! worker sends (duplicates are deduplicated by `messageId`).
//!
//! **Other tabs' commits** are read (a refresh of the whole database) at most
//! once a second, and only while another worker of the same storage prefix
//! holds its presence lock (`attune:{prefix}:worker:{stream}`, held by each
//! worker for its life): a worker alone has nothing new to read.
//!
//! **A burst beyond the caps** waits in `hold`: each cycle applies what
//! the outbox has room for, and a sending cycle goes on (commit, send) while
//! acknowledgements make room for more, so the burst leaves under one lock.
//!
//! **Offline.** While the global `navigator.onLine` is false nothing is sent
//! (events are still committed); the global `online` event pumps at once.
//! Since a worker does not always get that event (Chromium's network
//! emulation changes `onLine` in workers without firing it), a timer also
//! re-reads `onLine` every [`OFFLINE_RECHECK_MS`] while events wait. Back
//! online, the backoff is reset.

use super::{changed, hold, report, Host};
use crate::core::delivery::Mode;
use crate::core::error::AttuneError;
use crate::web::delivery::{headers_of, FlushReport};
use crate::web::{lock, transport};
use gloo_timers::callback::Timeout;
use gloo_timers::future::TimeoutFuture;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// Least time between two reads of what other tabs' workers committed.
const REFRESH_MS: f64 = 1000.0;

/// While offline with events waiting: how often `navigator.onLine` is re-read.
const OFFLINE_RECHECK_MS: f64 = 2000.0;

/// How many 10 ms waits for a running cycle before an explicit one runs anyway.
const ENTER_TRIES: u32 = 3000;

/// Whether this worker holds its presence lock and no other worker of the
/// same storage prefix holds one (without Web Locks: never alone).
async fn alone(host: &Host) -> bool {
    if host.presence.try_borrow().map_or(true, |p| p.is_none()) {
        return false;
    }
    let held = lock::held_names().await;
    let mine = format!("{}{}", host.presence_prefix, host.stream);
    !held
        .iter()
        .any(|n| n.starts_with(&host.presence_prefix) && *n != mine)
}

/// Runs the pump in this turn's microtasks (once, however many ops came).
pub(super) fn pump_soon(host: &Rc<Host>) {
    if host.pumping.get() {
        host.again.set(true);
        return;
    }
    host.pumping.set(true);
    let host = host.clone();
    wasm_bindgen_futures::spawn_local(async move { pump(&host).await });
}

/// Cycles while ops arrived meanwhile; then waits for the next due time.
async fn pump(host: &Rc<Host>) {
    loop {
        host.again.set(false);
        cycle(host, Mode::Scheduled, false).await;
        if !host.again.get() {
            break;
        }
    }
    leave(host);
}

/// Waits (bounded) until no cycle runs, then marks one running.
async fn enter(host: &Rc<Host>) {
    for _ in 0..ENTER_TRIES {
        if !host.pumping.get() {
            break;
        }
        TimeoutFuture::new(10).await;
    }
    host.pumping.set(true);
}

/// Ends a cycle: pumps again if ops came meanwhile, else plans the next wake.
fn leave(host: &Rc<Host>) {
    host.pumping.set(false);
    if host.again.replace(false) {
        pump_soon(host);
    } else {
        plan(host);
    }
}

/// Writes the marks, profile and new outbox events into the store's mirror
/// and commits them in one transaction; then reports the op covered.
pub(super) async fn commit_applied(host: &Host) {
    // Rescues wholly applied before this stage are durable once it commits.
    let drained = hold::drained_rescues(host);
    let applied = super::stage(host);
    match host.store.commit().await {
        Ok(()) => {
            host.confirmed.set(host.confirmed.get().max(applied));
            if let Ok(mut r) = host.rescued.try_borrow_mut() {
                r.extend(drained);
            }
        }
        // Not announced: a next page rescues them again (their marks skip
        // whatever did commit).
        Err(e) => report(host, vec![e]),
    }
    changed(host);
}

/// One cycle: refresh (at most once a second when scheduled), commit, then,
/// online and with something to send, send under the send lock (`locked`:
/// the caller holds it) and commit the acknowledgements before releasing
/// it. Returns the events sent and failed.
async fn cycle(host: &Rc<Host>, mode: Mode, locked: bool) -> (u64, u64) {
    let now = js_sys::Date::now();
    if mode != Mode::Scheduled || now - host.last_refresh.get() >= REFRESH_MS {
        host.last_refresh.set(now);
        // Alone (no other tab's worker holds a presence lock), there is
        // nothing new to read: a refresh reads the whole database.
        if mode != Mode::Scheduled || !alone(host).await {
            if let Err(e) = host.store.refresh().await {
                report(host, vec![e]);
            }
        }
    }
    hold::release(host);
    commit_applied(host).await;
    if !is_online() {
        host.offline.set(true);
        return (0, 0);
    }
    if host.offline.replace(false) {
        if let Ok(mut e) = host.engine.try_borrow_mut() {
            e.delivery().0.reset_backoff();
        }
    }
    if !wants_send(host, mode) {
        return (0, 0);
    }
    let held = if locked {
        None
    } else {
        match lock::acquire_web(&host.lock_name, false).await {
            Some(held) => Some(held),
            None => {
                // Another tab's worker sends, what we committed included.
                host.busy_until.set(js_sys::Date::now() + host.interval_ms);
                return (0, 0);
            }
        }
    };
    host.busy_until.set(0.0);
    let mut counts = send_all(host, mode).await;
    // Held calls (a burst beyond the caps): apply what the acknowledged
    // (or refused) events made room for, commit, send; until none is held,
    // none fits or a send failed.
    // Page exit is left to the page's rescue.
    while mode != Mode::Exit && counts.1 == 0 && hold::held(host) > 0 {
        if hold::release(host) == 0 {
            break;
        }
        commit_applied(host).await;
        let more = send_all(host, mode).await;
        counts = (counts.0 + more.0, counts.1 + more.1);
    }
    if let Err(e) = host.store.commit().await {
        report(host, vec![e]);
    }
    drop(held);
    changed(host);
    counts
}

/// Scheduled: a batch is due now. Otherwise: anything waits.
fn wants_send(host: &Host, mode: Mode) -> bool {
    let Ok(mut e) = host.engine.try_borrow_mut() else {
        return false;
    };
    if mode != Mode::Scheduled {
        return e.queued() > 0;
    }
    let gate = e.delivery_gate();
    let (delivery, env) = e.delivery();
    delivery
        .next_wake(env.now, gate)
        .is_some_and(|t| t <= env.now)
}

/// Sends batch after batch in `mode` until none is left or each collector
/// with waiting events failed once (the backoff decides when to retry).
async fn send_all(host: &Rc<Host>, mode: Mode) -> (u64, u64) {
    let (mut sent, mut failed) = (0, 0);
    let mut failed_lanes: Vec<usize> = Vec::new();
    for _ in 0..10_000 {
        if !is_online() {
            break;
        }
        let next = host.engine.try_borrow_mut().ok().and_then(|mut e| {
            let (delivery, env) = e.delivery();
            let job = delivery.next_job_skipping(&env, mode, &failed_lanes)?;
            let c = delivery.collectors().get(job.collector).cloned()?;
            Some((job, c))
        });
        let Some((job, collector)) = next else { break };
        // Hidden: bodies within the beacon budget, kept alive past the page.
        let keepalive = mode == Mode::Exit;
        let outcome = transport::post(
            &collector.url,
            &headers_of(&collector),
            &job.body,
            keepalive,
        )
        .await;
        let errs = match host.engine.try_borrow_mut() {
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
        report(host, errs);
    }
    (sent, failed)
}

/// Arms one timer for the next due send (batching interval or backoff, not
/// before another worker's send may be over); offline, for the next re-read
/// of `navigator.onLine`, which pumps only once online.
fn plan(host: &Rc<Host>) {
    let wake = host.engine.try_borrow_mut().ok().and_then(|mut e| {
        let gate = e.delivery_gate();
        let (delivery, env) = e.delivery();
        delivery.next_wake(env.now, gate)
    });
    let now = js_sys::Date::now();
    // Held calls are looked at again one interval later at the latest.
    let wake = if hold::held(host) > 0 {
        Some(wake.map_or(now + host.interval_ms, |w| w.min(now + host.interval_ms)))
    } else {
        wake
    };
    let Some(mut wake) = wake else { return };
    if !is_online() {
        wake = wake.max(now + OFFLINE_RECHECK_MS);
    }
    let wake = wake.max(host.busy_until.get());
    let delay = (wake - now).clamp(0.0, 2_000_000_000.0) as u32;
    let weak = Rc::downgrade(host);
    let timer = Timeout::new(delay, move || {
        let Some(host) = weak.upgrade() else { return };
        if is_online() {
            pump_soon(&host);
        } else {
            plan(&host);
        }
    });
    if let Ok(mut slot) = host.timer.try_borrow_mut() {
        *slot = Some(timer);
    }
}

/// `flush`: waits for the send lock, commits everything applied, sends
/// everything (ignoring interval and backoff) until nothing is left or each
/// collector failed once, and commits the acknowledgements.
pub(super) async fn flush(host: &Rc<Host>) -> FlushReport {
    // Without Web Locks (or if the request fails) it sends anyway.
    let held = if is_online() {
        lock::acquire_web(&host.lock_name, true).await
    } else {
        None
    };
    enter(host).await;
    let (sent, failed) = cycle(host, Mode::Forced, true).await;
    let pending = host.engine.try_borrow().map(|e| e.queued()).unwrap_or(0) + hold::held(host);
    drop(held);
    leave(host);
    FlushReport {
        sent,
        pending,
        failed,
    }
}

/// The page was hidden: commits, then sends what waits now (if no other
/// worker is sending) in page-exit bodies with `fetch(keepalive)`.
pub(super) async fn hidden(host: &Rc<Host>) {
    enter(host).await;
    cycle(host, Mode::Exit, false).await;
    leave(host);
}

/// `forget`: the engine erases the visitor (every key under the storage
/// prefix, marks included) and the deletions are committed; then the
/// deletion request goes to `collector.forgetUrl`, if configured.
pub(super) async fn forget(host: &Rc<Host>) -> Result<(), AttuneError> {
    enter(host).await;
    // Other tabs' latest chunks are erased too.
    if let Err(e) = host.store.refresh().await {
        report(host, vec![e]);
    }
    hold::discard(host);
    let request = host.engine.try_borrow_mut().map(|mut e| e.forget());
    // This stream's mark is gone with the rest; not written again until new ops.
    host.marked.set(host.applied.get());
    let committed = host.store.commit().await;
    changed(host);
    leave(host);
    let Ok(request) = request else {
        return Err(AttuneError::input("forget", "busy (re-entered)"));
    };
    if let Some(url) = &request.url {
        let body = serde_json::to_string(&request).unwrap_or_default();
        let _ = transport::post(url, &[], &body, true).await;
    }
    committed
}

/// False only when the global scope's `navigator.onLine` is `false`.
fn is_online() -> bool {
    js_sys::Reflect::get(&js_sys::global(), &"navigator".into())
        .ok()
        .and_then(|n| js_sys::Reflect::get(&n, &"onLine".into()).ok())
        .and_then(|v| v.as_bool())
        .unwrap_or(true)
}

/// The global `online` listener (kept by the host, removed when it drops).
pub(super) type Listener = Closure<dyn FnMut(JsValue)>;

/// Listens for the global `online` event: resets the backoff and pumps.
pub(super) fn listen_online(host: &Rc<Host>) -> Option<Listener> {
    let weak = Rc::downgrade(host);
    let closure = Listener::new(move |_e: JsValue| {
        if let Some(host) = weak.upgrade() {
            host.offline.set(false);
            if let Ok(mut e) = host.engine.try_borrow_mut() {
                e.delivery().0.reset_backoff();
            }
            pump_soon(&host);
        }
    });
    call_listener("addEventListener", &closure).then_some(closure)
}

/// `addEventListener` / `removeEventListener` of `online` on the global scope.
pub(super) fn call_listener(method: &str, closure: &Listener) -> bool {
    let global = js_sys::global();
    js_sys::Reflect::get(&global, &method.into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .is_some_and(|f| f.call2(&global, &"online".into(), closure.as_ref()).is_ok())
}

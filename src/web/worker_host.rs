//! The engine in a worker: the host side of the worker design
//! (docs/delivery.md, "Toward ≤ 5 µs per call").
//!
//! The page stamps each state-changing call as an op (`core::op`) and posts
//! one task's ops in one message; [`AttuneWorker::apply`] applies them with a
//! [`Replayer`] on the stream the page named, so this engine and a replica on
//! the page agree byte for byte. Everything that costs — folding, serializing,
//! the outbox, the profile record, sending and acknowledging — runs here, off
//! the page's main thread. Storage is an [`IdbStore`]: the outbox and profile
//! are committed to IndexedDB before anything is sent, and
//! [`AttuneWorker::confirmed`] tells the page up to which op that holds (the
//! page keeps later calls for its `pagehide` rescue).
//!
//! Not yet here (the next steps): one sender across tabs (Web Locks),
//! `online`/`offline`, consent and `forget()` from the page, page-exit sends.

use crate::core::delivery::Mode;
use crate::core::delivery_policy::Outcome;
use crate::core::engine::{Engine, Platform};
use crate::core::error::AttuneError;
use crate::core::op::{Op, Replayer};
use crate::core::platform::Storage;
use crate::web::convert::{js_error, to_json};
use crate::web::delivery::headers_of;
use crate::web::host::{JsClock, JsRegexEngine};
use crate::web::idb::IdbStore;
use crate::web::transport;
use gloo_timers::callback::Timeout;
use serde::Deserialize;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// The engine of one page, running in that page's worker.
#[wasm_bindgen]
pub struct AttuneWorker {
    host: Rc<Host>,
}

struct Host {
    engine: RefCell<Engine>,
    replayer: Replayer,
    /// The page's stream, as it names it.
    stream: String,
    /// `{storagePrefix}:applied:` — per stream, the last op applied, written
    /// in the same transaction as the outbox and profile it produced.
    mark_prefix: String,
    store: Rc<IdbStore>,
    /// Last op applied, and last op whose effects a finished commit covers.
    applied: Cell<u64>,
    confirmed: Cell<u64>,
    pumping: Cell<bool>,
    again: Cell<bool>,
    last_refresh: Cell<f64>,
    timer: RefCell<Option<Timeout>>,
    errors: RefCell<Vec<AttuneError>>,
    on_change: RefCell<Option<js_sys::Function>>,
}

#[wasm_bindgen]
impl AttuneWorker {
    /// Opens the IndexedDB database `{storagePrefix}` and starts the engine:
    /// `stream` is the page's 32-hex-digit stream seed, `profile` (optional) the
    /// profile record the page loaded, adopted when it is newer than the one
    /// in IndexedDB.
    pub async fn start(
        config: JsValue,
        stream: String,
        profile: Option<String>,
    ) -> Result<AttuneWorker, JsValue> {
        let config = to_json(&config, "config").map_err(|e| js_error(&e))?;
        let seed = Replayer::parse_stream(&stream).ok_or_else(|| {
            js_error(&AttuneError::input(
                "stream",
                "expected 32 hexadecimal digits",
            ))
        })?;
        let prefix = config
            .get("storagePrefix")
            .and_then(|p| p.as_str())
            .unwrap_or("attune")
            .to_string();
        let store = Rc::new(IdbStore::open(&prefix).await.map_err(|e| js_error(&e))?);
        let replayer = Replayer::new(seed, Rc::new(JsClock));
        let mark_prefix = format!("{prefix}:applied:");
        forget_old_marks(&store, &mark_prefix, js_sys::Date::now());
        let platform = Platform {
            clock: replayer.clock(),
            random: replayer.random(),
            storage: store.clone(),
            regex: Box::new(JsRegexEngine),
        };
        let mut engine = Engine::new(&config, platform).map_err(|e| js_error(&e))?;
        // The page's copy lags the worker's own record (it is reported once a
        // second): adopt it only when it is newer, e.g. written by the in-page SDK.
        if let Some(p) = profile.filter(|p| !p.is_empty()) {
            let theirs = crate::core::profile::Profile::from_json(&p).map_err(|message| {
                js_error(&AttuneError::Corrupt {
                    path: "profile".into(),
                    message,
                })
            })?;
            if theirs.updated_at > engine.profile().updated_at {
                engine.adopt_profile(&p).map_err(|e| js_error(&e))?;
            }
        }
        let host = Rc::new(Host {
            engine: RefCell::new(engine),
            replayer,
            stream: stream.to_ascii_lowercase(),
            mark_prefix,
            store,
            applied: Cell::new(0),
            confirmed: Cell::new(0),
            pumping: Cell::new(false),
            again: Cell::new(false),
            last_refresh: Cell::new(js_sys::Date::now()),
            timer: RefCell::new(None),
            errors: RefCell::new(Vec::new()),
            on_change: RefCell::new(None),
        });
        pump_soon(&host);
        Ok(AttuneWorker { host })
    }

    /// Applies one message's ops (a JSON array of `core::op::Op`) as one
    /// task: the page's replica groups them the same way. A malformed op is
    /// skipped and reported by [`AttuneWorker::take_errors`] (path `ops[i]`);
    /// a message that is not a JSON array throws.
    pub fn apply(&self, ops: &str) -> Result<(), JsValue> {
        let (ops, mut errs) = parse_ops(ops, "ops")?;
        if let Some(last) = ops.iter().map(|o| o.seq).max() {
            let results = {
                let mut e = self.host.engine.try_borrow_mut().map_err(|_| busy())?;
                self.host.replayer.apply_task(&mut e, &ops)
            };
            errs.extend(results.into_iter().filter_map(Result::err));
            self.host.applied.set(self.host.applied.get().max(last));
            pump_soon(&self.host);
        }
        report(&self.host, errs);
        Ok(())
    }

    /// Applies calls an earlier page of this visitor made but did not see
    /// confirmed before it closed (its `pagehide` rescue): `stream` is that
    /// page's stream, `ops` its unconfirmed ops. Ops that page's worker had
    /// committed already (per its stream's mark) are skipped, so a rescue
    /// repeated or overlapping a commit counts nothing twice; the others get
    /// the ids they would have had. Resolves once they are committed.
    pub async fn rescue(&self, stream: String, ops: String) -> Result<(), JsValue> {
        let seed = Replayer::parse_stream(&stream).ok_or_else(|| {
            js_error(&AttuneError::input(
                "rescue.stream",
                "expected 32 hexadecimal digits",
            ))
        })?;
        let key = format!("{}{}", self.host.mark_prefix, stream.to_ascii_lowercase());
        let done = mark_of(&self.host.store, &key);
        let (ops, errs) = parse_ops(&ops, "rescue.ops")?;
        let ops: Vec<Op> = ops.into_iter().filter(|o| o.seq > done).collect();
        report(&self.host, errs);
        let Some(last) = ops.iter().map(|o| o.seq).max() else {
            return Ok(());
        };
        let replayer = Replayer::new(seed, Rc::new(JsClock));
        let results = {
            let mut e = self.host.engine.try_borrow_mut().map_err(|_| busy())?;
            replayer.apply_task(&mut e, &ops)
        };
        report(
            &self.host,
            results.into_iter().filter_map(Result::err).collect(),
        );
        put_mark(&self.host.store, &key, last);
        let applied = stage(&self.host);
        self.host.store.commit().await.map_err(|e| js_error(&e))?;
        self.host
            .confirmed
            .set(self.host.confirmed.get().max(applied));
        pump_soon(&self.host);
        Ok(())
    }

    /// The last op whose effects are committed to IndexedDB.
    pub fn confirmed(&self) -> f64 {
        self.host.confirmed.get() as f64
    }

    /// The profile record (`Profile` JSON) as of the last applied op.
    pub fn profile(&self) -> String {
        self.host
            .engine
            .try_borrow()
            .map(|e| e.profile().to_json())
            .unwrap_or_default()
    }

    /// Events acknowledged, failed (to be retried) and dropped so far.
    pub fn totals(&self) -> Vec<f64> {
        self.host.engine.try_borrow_mut().map_or_else(
            |_| Vec::new(),
            |mut e| {
                let t = e.delivery().0.totals();
                vec![t.sent as f64, t.failed as f64, t.dropped as f64]
            },
        )
    }

    /// Errors since the last call, as JS `Error`s.
    #[wasm_bindgen(js_name = takeErrors)]
    pub fn take_errors(&self) -> Vec<JsValue> {
        let mut out: Vec<AttuneError> = self
            .host
            .errors
            .try_borrow_mut()
            .map(|mut e| std::mem::take(&mut *e))
            .unwrap_or_default();
        if let Ok(mut e) = self.host.engine.try_borrow_mut() {
            out.extend(e.take_errors());
        }
        out.iter().map(js_error).collect()
    }

    /// Called (no arguments) after each commit and each acknowledged batch.
    #[wasm_bindgen(js_name = onChange)]
    pub fn on_change(&self, f: Option<js_sys::Function>) {
        if let Ok(mut slot) = self.host.on_change.try_borrow_mut() {
            *slot = f;
        }
    }
}

fn busy() -> JsValue {
    js_error(&AttuneError::input("worker", "busy (re-entered)"))
}

/// Least time between two reads of what other tabs' workers committed.
const REFRESH_MS: f64 = 1000.0;

/// Runs the pump in this turn's microtasks (once, however many ops came).
fn pump_soon(host: &Rc<Host>) {
    if host.pumping.get() {
        host.again.set(true);
        return;
    }
    host.pumping.set(true);
    let host = host.clone();
    wasm_bindgen_futures::spawn_local(async move { pump(&host).await });
}

/// Persist, commit, send what is due, commit the acknowledgements; again while
/// ops arrived meanwhile; then wait for the next due time.
async fn pump(host: &Rc<Host>) {
    loop {
        host.again.set(false);
        // What other tabs' workers committed (their outbox chunks, the
        // profile), at most once a second.
        let now = js_sys::Date::now();
        if now - host.last_refresh.get() >= REFRESH_MS {
            host.last_refresh.set(now);
            if let Err(e) = host.store.refresh().await {
                report(host, vec![e]);
            }
        }
        let applied = stage(host);
        match host.store.commit().await {
            Ok(()) => host.confirmed.set(host.confirmed.get().max(applied)),
            Err(e) => report(host, vec![e]),
        }
        changed(host);
        send_due(host).await;
        if let Err(e) = host.store.commit().await {
            report(host, vec![e]);
        }
        changed(host);
        if !host.again.get() {
            break;
        }
    }
    host.pumping.set(false);
    plan(host);
}

/// Writes this page's stream mark, the profile and the new outbox events
/// into the store's mirror; the next commit makes them durable together.
/// Returns the last op covered.
fn stage(host: &Host) -> u64 {
    let applied = host.applied.get();
    if applied > 0 {
        let key = format!("{}{}", host.mark_prefix, host.stream);
        put_mark(&host.store, &key, applied);
    }
    let errs = match host.engine.try_borrow_mut() {
        Ok(mut e) => {
            e.persist_profile();
            let (delivery, env) = e.delivery();
            let mut errs = delivery.reload(&env);
            errs.extend(delivery.persist(&env));
            errs
        }
        Err(_) => Vec::new(),
    };
    report(host, errs);
    applied
}

/// Reads a message's ops; a malformed op is skipped with an error at
/// `{path}[i]`, a message that is not a JSON array is an error.
fn parse_ops(text: &str, path: &str) -> Result<(Vec<Op>, Vec<AttuneError>), JsValue> {
    let items: Vec<serde_json::Value> = serde_json::from_str(text).map_err(|e| {
        js_error(&AttuneError::input(
            path,
            format!("expected a JSON array: {e}"),
        ))
    })?;
    let mut errs = Vec::new();
    let ops = items
        .iter()
        .enumerate()
        .filter_map(|(i, v)| {
            Op::deserialize(v)
                .map_err(|e| errs.push(AttuneError::input(format!("{path}[{i}]"), e.to_string())))
                .ok()
        })
        .collect();
    Ok((ops, errs))
}

/// How long a stream's mark is kept: as long as an unsent event (7 days).
const MARK_MAX_AGE_MS: f64 = 7.0 * 24.0 * 3_600_000.0;

/// The last op of a stream committed here (0: none).
fn mark_of(store: &IdbStore, key: &str) -> u64 {
    store
        .get(key)
        .ok()
        .flatten()
        .and_then(|v| serde_json::from_str::<serde_json::Value>(&v).ok())
        .and_then(|v| v.get("seq").and_then(serde_json::Value::as_u64))
        .unwrap_or(0)
}

fn put_mark(store: &IdbStore, key: &str, seq: u64) {
    let value = format!(r#"{{"seq":{seq},"at":{}}}"#, js_sys::Date::now());
    let _ = store.set(key, &value);
}

/// Drops the marks of streams older than [`MARK_MAX_AGE_MS`].
fn forget_old_marks(store: &IdbStore, prefix: &str, now: f64) {
    for key in store.keys().unwrap_or_default() {
        if !key.starts_with(prefix) {
            continue;
        }
        let at = store
            .get(&key)
            .ok()
            .flatten()
            .and_then(|v| serde_json::from_str::<serde_json::Value>(&v).ok())
            .and_then(|v| v.get("at").and_then(serde_json::Value::as_f64))
            .unwrap_or(0.0);
        if now - at > MARK_MAX_AGE_MS {
            let _ = store.remove(&key);
        }
    }
}

/// Sends every due batch, one at a time, until none is due or one fails.
async fn send_due(host: &Rc<Host>) {
    for _ in 0..10_000 {
        let next = host.engine.try_borrow_mut().ok().and_then(|mut e| {
            let (delivery, env) = e.delivery();
            let job = delivery.next_job(&env, Mode::Scheduled)?;
            let c = delivery.collectors().get(job.collector).cloned()?;
            Some((job, c))
        });
        let Some((job, collector)) = next else { return };
        let outcome =
            transport::post(&collector.url, &headers_of(&collector), &job.body, false).await;
        let ok = matches!(outcome, Outcome::Status { code, .. } if (200..300).contains(&code));
        let errs = match host.engine.try_borrow_mut() {
            Ok(mut e) => {
                let (delivery, env) = e.delivery();
                delivery.complete(&env, &job, &outcome)
            }
            Err(_) => Vec::new(),
        };
        report(host, errs);
        if !ok {
            return; // the backoff decides when to try again
        }
    }
}

/// Arms one timer for the next due send (batching interval or backoff).
fn plan(host: &Rc<Host>) {
    let wake = host.engine.try_borrow_mut().ok().and_then(|mut e| {
        let gate = e.delivery_gate();
        let (delivery, env) = e.delivery();
        delivery.next_wake(env.now, gate)
    });
    let Some(wake) = wake else { return };
    let delay = (wake - js_sys::Date::now()).clamp(0.0, 2_000_000_000.0) as u32;
    let weak = Rc::downgrade(host);
    let timer = Timeout::new(delay, move || {
        if let Some(host) = weak.upgrade() {
            pump_soon(&host);
        }
    });
    if let Ok(mut slot) = host.timer.try_borrow_mut() {
        *slot = Some(timer);
    }
}

fn report(host: &Host, errs: Vec<AttuneError>) {
    if let Ok(mut e) = host.errors.try_borrow_mut() {
        e.extend(errs);
    }
}

fn changed(host: &Host) {
    let f = host.on_change.try_borrow().ok().and_then(|f| f.clone());
    if let Some(f) = f {
        let _ = f.call0(&JsValue::NULL);
    }
}

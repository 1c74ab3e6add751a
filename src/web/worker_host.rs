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
//! page keeps later calls for its `pagehide` rescue). The page's environment
//! (privacy signals, context, page, anonymous id, consent) comes with
//! [`AttuneWorker::start`] (`env`); sending is one worker at a time across
//! tabs, and waits while offline (`pump`).
//!
//! Page-exit beacons of calls not confirmed yet are the page's
//! (`web::lane::exit_beacon`), with the ids this engine gives them.

mod env;
mod hold;
mod pump;

use crate::core::engine::{Engine, Platform};
use crate::core::error::AttuneError;
use crate::core::op::{Op, Replayer};
use crate::core::platform::Storage;
use crate::web::convert::{js_error, to_js, to_json};
use crate::web::host::{JsClock, JsRegexEngine};
use crate::web::idb::IdbStore;
use env::PageEnv;
use gloo_timers::callback::Timeout;
use pump::pump_soon;
use serde::Deserialize;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
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
    /// Ops received and not applied yet: the outbox had no room (`hold`).
    held: RefCell<VecDeque<Op>>,
    /// Closed pages' rescues not wholly applied yet (`hold`), oldest first.
    rescues: RefCell<VecDeque<hold::Rescue>>,
    /// Streams whose rescue a finished commit covers, not announced yet.
    rescued: RefCell<Vec<String>>,
    /// Last op applied, and last op whose effects a finished commit covers.
    applied: Cell<u64>,
    confirmed: Cell<u64>,
    /// Last op written into this stream's mark.
    marked: Cell<u64>,
    /// A cycle (the pump, a flush, hidden, forget) is running.
    pumping: Cell<bool>,
    again: Cell<bool>,
    last_refresh: Cell<f64>,
    timer: RefCell<Option<Timeout>>,
    /// `attune:{storagePrefix}:worker-send`: only its holder sends.
    lock_name: String,
    /// Another worker held the send lock: no scheduled send before this time.
    busy_until: Cell<f64>,
    /// The batching interval (ms): how long a busy lock defers a send.
    interval_ms: f64,
    online: RefCell<Option<pump::Listener>>,
    /// `attune:{storagePrefix}:worker:{stream}`, held for this worker's life:
    /// other tabs' workers see it ([`pump`] reads what others committed only
    /// while another such lock is held).
    presence: RefCell<Option<crate::web::lock::Held>>,
    /// The prefix of every worker's presence lock.
    presence_prefix: String,
    /// The last cycle found `navigator.onLine` false.
    offline: Cell<bool>,
    errors: RefCell<Vec<AttuneError>>,
    on_change: RefCell<Option<js_sys::Function>>,
}

impl Drop for Host {
    fn drop(&mut self) {
        if let Some(listener) = self.online.get_mut().take() {
            pump::call_listener("removeEventListener", &listener);
        }
    }
}

#[wasm_bindgen]
impl AttuneWorker {
    /// Opens the IndexedDB database `{storagePrefix}` and starts the engine:
    /// `stream` is the page's 32-hex-digit stream seed, `profile` (optional) the
    /// profile record the page loaded, adopted when it is newer than the one
    /// in IndexedDB. `env` (optional) is what the page's engine read from the
    /// browser — `{gpc, dnt, environment, localOffset, page, anonymousId,
    /// consent}` — applied as the page's `init` applies it; the consent
    /// choices (category → bool) are applied where this engine's state
    /// differs. A malformed field throws an `AttuneError` at `env.{field}`.
    pub async fn start(
        config: JsValue,
        stream: String,
        profile: Option<String>,
        env: JsValue,
    ) -> Result<AttuneWorker, JsValue> {
        let mut config = to_json(&config, "config").map_err(|e| js_error(&e))?;
        worker_defaults(&mut config);
        let env = to_json(&env, "env")
            .and_then(|v| PageEnv::parse(&v))
            .map_err(|e| js_error(&e))?;
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
        env.apply_context(&mut engine);
        // The page's copy lags the worker's own record (it is written when a
        // page is hidden or left): adopt it only when it is newer, e.g. written
        // by the in-page SDK. A page that had no copy (a fresh record: another
        // tab is still open, or only localStorage was cleared) does not replace
        // what IndexedDB knows of the visitor, identity included; the page's
        // replica restarts from this record when it gets `ready`.
        let mut keep_own = false;
        if let Some(p) = profile.filter(|p| !p.is_empty()) {
            let theirs = crate::core::profile::Profile::from_json(&p).map_err(|message| {
                js_error(&AttuneError::Corrupt {
                    path: "profile".into(),
                    message,
                })
            })?;
            let mine = engine.profile();
            // `rev` counts a record's writes: 0 is one never stored. With
            // none in IndexedDB (a first visit) the page's copy is the
            // visitor's record, created when the page started.
            keep_own = theirs.rev == 0 && mine.rev > 0;
            if !keep_own && (mine.rev == 0 || theirs.updated_at > mine.updated_at) {
                engine.adopt_profile(&p).map_err(|e| js_error(&e))?;
            }
        }
        env.apply_identity(&mut engine, keep_own)
            .map_err(|e| js_error(&e))?;
        let interval_ms = engine.config().delivery.flush_interval_ms;
        let host = Rc::new(Host {
            engine: RefCell::new(engine),
            replayer,
            stream: stream.to_ascii_lowercase(),
            mark_prefix,
            store,
            held: RefCell::new(VecDeque::new()),
            rescues: RefCell::new(VecDeque::new()),
            rescued: RefCell::new(Vec::new()),
            applied: Cell::new(0),
            confirmed: Cell::new(0),
            marked: Cell::new(0),
            pumping: Cell::new(false),
            again: Cell::new(false),
            last_refresh: Cell::new(js_sys::Date::now()),
            timer: RefCell::new(None),
            lock_name: format!("attune:{prefix}:worker-send"),
            busy_until: Cell::new(0.0),
            interval_ms,
            online: RefCell::new(None),
            presence: RefCell::new(None),
            presence_prefix: format!("attune:{prefix}:worker:"),
            offline: Cell::new(false),
            errors: RefCell::new(Vec::new()),
            on_change: RefCell::new(None),
        });
        if let Ok(mut slot) = host.online.try_borrow_mut() {
            *slot = pump::listen_online(&host);
        }
        let presence =
            crate::web::lock::marker(&format!("{}{}", host.presence_prefix, host.stream)).await;
        if let Ok(mut slot) = host.presence.try_borrow_mut() {
            *slot = presence;
        }
        pump_soon(&host);
        Ok(AttuneWorker { host })
    }

    /// Applies one message's ops (a JSON array of `core::op::Op`) as one
    /// task (the page's replica groups them the same way), as far as the
    /// outbox has room; the rest wait, in order, until acknowledgements make
    /// room (`hold`). A malformed op is skipped and reported by
    /// [`AttuneWorker::take_errors`] (path `ops[i]`); a message that is not
    /// a JSON array throws.
    pub fn apply(&self, ops: &str) -> Result<(), JsValue> {
        let (ops, errs) = parse_ops(ops, "ops")?;
        report(&self.host, errs);
        if !ops.is_empty() {
            hold::receive(&self.host, ops);
            pump_soon(&self.host);
        }
        Ok(())
    }

    /// Applies calls an earlier page of this visitor made but did not see
    /// confirmed before it closed (its `pagehide` rescue): `stream` is that
    /// page's stream, `ops` its unconfirmed ops. Ops that page's worker had
    /// committed already (per its stream's mark) are skipped, so a rescue
    /// repeated or overlapping a commit counts nothing twice; the others get
    /// the ids they would have had. They are applied ahead of this page's
    /// calls as far as the outbox has room (`hold`), the mark moving with
    /// them. Resolves to `true` once all are committed (the rescue's key may
    /// go), `false` while some wait for room: [`AttuneWorker::take_rescued`]
    /// names the stream once the rest is committed.
    pub async fn rescue(&self, stream: String, ops: String) -> Result<bool, JsValue> {
        let seed = Replayer::parse_stream(&stream).ok_or_else(|| {
            js_error(&AttuneError::input(
                "rescue.stream",
                "expected 32 hexadecimal digits",
            ))
        })?;
        let stream = stream.to_ascii_lowercase();
        let mark = format!("{}{}", self.host.mark_prefix, stream);
        let done = mark_of(&self.host.store, &mark);
        let (ops, errs) = parse_ops(&ops, "rescue.ops")?;
        report(&self.host, errs);
        let ops: VecDeque<Op> = ops.into_iter().filter(|o| o.seq > done).collect();
        if ops.is_empty() || hold::rescuing(&self.host, &stream) {
            // Nothing new, or the same rescue already waits here.
            return Ok(ops.is_empty());
        }
        // The engine draws from the host's replayer: the rescue must start
        // that one's entropy and clock per op, on the dead page's stream.
        let replayer = self.host.replayer.on_stream(seed);
        hold::receive_rescue(
            &self.host,
            hold::Rescue {
                stream: stream.clone(),
                mark,
                replayer,
                ops,
            },
        );
        pump::commit_applied(&self.host).await;
        pump_soon(&self.host);
        let announced = self.host.rescued.try_borrow_mut().is_ok_and(|mut r| {
            let before = r.len();
            r.retain(|s| *s != stream);
            r.len() < before
        });
        Ok(announced)
    }

    /// Streams whose rescue, left waiting for room by
    /// [`AttuneWorker::rescue`], is now wholly committed (their keys may go).
    #[wasm_bindgen(js_name = takeRescued)]
    pub fn take_rescued(&self) -> Vec<String> {
        self.host
            .rescued
            .try_borrow_mut()
            .map(|mut r| std::mem::take(&mut *r))
            .unwrap_or_default()
    }

    /// Commits everything applied so far, then sends everything waiting
    /// (ignoring the batching interval and backoff; waiting for another
    /// worker's send lock) until nothing is left or each collector failed
    /// once. Resolves to `{sent, pending, failed}`: events acknowledged and
    /// failed during the flush, events still in the outbox.
    pub fn flush(&self) -> js_sys::Promise {
        let host = self.host.clone();
        wasm_bindgen_futures::future_to_promise(async move { Ok(to_js(&pump::flush(&host).await)) })
    }

    /// Erases the visitor: every key under the storage prefix in IndexedDB
    /// (outbox, profile, consent, stream marks) is removed and committed,
    /// and a fresh anonymous identity starts; with `collector.forgetUrl` the
    /// deletion request is sent there. Resolves when committed and sent;
    /// rejects with the `AttuneError` of a failed commit.
    pub fn forget(&self) -> js_sys::Promise {
        let host = self.host.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            pump::forget(&host).await.map_err(|e| js_error(&e))?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// The page was hidden: commits, then sends what waits now (ignoring the
    /// interval) with `fetch(keepalive)` in bodies within the beacon budget,
    /// unless another worker holds the send lock. Resolves when done.
    pub fn hidden(&self) -> js_sys::Promise {
        let host = self.host.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            pump::hidden(&host).await;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// The last op whose effects are committed to IndexedDB.
    pub fn confirmed(&self) -> f64 {
        self.host.confirmed.get() as f64
    }

    /// The last op of the page's stream applied to the engine (0: none yet).
    pub fn applied(&self) -> f64 {
        self.host.applied.get() as f64
    }

    /// Events in the outbox (this tab's and, once read, other tabs'), until
    /// every collector acknowledged or rejected them, plus the calls held
    /// until the outbox has room for them.
    pub fn pending(&self) -> f64 {
        let queued = self.host.engine.try_borrow().map_or(0, |e| e.queued());
        (queued + hold::held(&self.host)) as f64
    }

    /// Calls received and waiting for room in the outbox (`hold`).
    pub fn held(&self) -> f64 {
        hold::held(&self.host) as f64
    }

    /// The profile record (`Profile` JSON) as of the last applied op.
    pub fn profile(&self) -> String {
        self.host
            .engine
            .try_borrow()
            .map(|e| e.profile().to_json())
            .unwrap_or_default()
    }

    /// The segments the visitor is in now (sent with each profile report, so
    /// the page adopts a record at once only when membership changed).
    pub fn segments(&self) -> Vec<String> {
        self.host
            .engine
            .try_borrow()
            .map(|e| e.segments().to_vec())
            .unwrap_or_default()
    }

    /// `[sent, failed, dropped, rejected]`: events acknowledged, failed (to
    /// be retried), dropped unsent and refused by a collector (4xx) since start.
    pub fn totals(&self) -> Vec<f64> {
        self.host.engine.try_borrow_mut().map_or_else(
            |_| Vec::new(),
            |mut e| {
                let t = e.delivery().0.totals();
                [t.sent, t.failed, t.dropped, t.rejected]
                    .iter()
                    .map(|n| *n as f64)
                    .collect()
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

/// Events per request in worker mode unless the config says otherwise:
/// [`WORKER_BATCH_EVENTS`] (still within `delivery.batchBytes`).
fn worker_defaults(config: &mut serde_json::Value) {
    let Some(obj) = config.as_object_mut() else {
        return;
    };
    let delivery = obj
        .entry("delivery")
        .or_insert_with(|| serde_json::Value::Object(Default::default()));
    if let Some(d) = delivery.as_object_mut() {
        d.entry("maxBatchEvents")
            .or_insert_with(|| WORKER_BATCH_EVENTS.into());
    }
}

/// Default `delivery.maxBatchEvents` in worker mode (the page's is 100):
/// every request costs the page's main thread too (≈ 40 µs here, even sent
/// from a worker), so a burst leaves in fewer, larger requests
/// (docs/delivery.md, "Worker mode").
pub const WORKER_BATCH_EVENTS: u32 = 500;

/// Writes this page's stream mark, the profile and the new outbox events
/// into the store's mirror; the next commit makes them durable together.
/// Returns the last op covered.
fn stage(host: &Host) -> u64 {
    let applied = host.applied.get();
    // Written when it moved (not again after `forget` until new ops), and
    // only once consent lets the device keep anything of the calls: before
    // an opt-in grant nothing is stored (and no rescue is written either).
    let may_keep = host.engine.try_borrow().is_ok_and(|e| e.may_keep_calls());
    if applied > host.marked.get() && may_keep {
        let key = format!("{}{}", host.mark_prefix, host.stream);
        put_mark(&host.store, &key, applied);
        host.marked.set(applied);
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

//! Worker mode, the page's half (`delivery.engine: "worker"`): the engine that
//! persists and sends runs in the package's engine worker
//! (`engine-worker.js`, [`crate::web::worker_host`]); the page keeps a
//! replica of it for synchronous reads, decisions and painting.
//!
//! Every state-changing call becomes an op (`core::op`) of this page's
//! stream. `track()` only stamps the call into a JS array (no conversion into
//! Rust, no engine work); other calls are applied to the replica at once and
//! queued behind it. One `postMessage` per [`POST_MS`] carries the queue to
//! the worker. The replica applies queued `track`s only when something reads
//! or changes it ([`Lane::catch_up`]), and otherwise follows the worker's
//! profile record, reported at most once a second ([`Lane::adopt`]). Both
//! engines run on [`Replayer`]s of one stream, so the ids they draw agree.
//!
//! Ops stay on the page until the worker reports them committed to
//! IndexedDB; at `pagehide` the rest are written to `localStorage` under
//! `{prefix}:rescue:{stream}` and the next page's worker applies them.

use crate::core::op::Replayer;
use crate::core::AttuneError;
use crate::web::api::Sdk;
use gloo_timers::callback::Timeout;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

mod exit_beacon;
mod replica;
mod rescue;
mod startup;

use rescue::json_copies;

/// Longest time a call waits on the page before it is posted to the worker:
/// in a burst, the calls of many tasks share one message.
const POST_MS: f64 = 250.0;

/// Most posted calls kept while the worker has not confirmed them.
const MAX_UNCONFIRMED: u32 = 10_000;

/// How long the worker has to answer `ready` before the page takes over.
pub const READY_MS: u32 = 5_000;

thread_local! {
    static URL: RefCell<Option<(String, bool)>> = const { RefCell::new(None) };
}

/// Where the package's entry found its engine worker (`null` or `""`: none,
/// worker mode falls back to the page); `classic` true for a classic worker
/// script (the script-tag bundle's `attune-worker.js`), else a module worker
/// (the ESM entry's `engine-worker.js`).
#[wasm_bindgen(js_name = setEngineWorkerUrl)]
pub fn set_engine_worker_url(url: JsValue, classic: JsValue) {
    let url = url.as_string().filter(|u| !u.is_empty());
    URL.with(|u| *u.borrow_mut() = url.map(|u| (u, classic.is_truthy())));
}

/// The engine worker's URL and whether it is a classic script, when the
/// entry set one and this browser has workers and IndexedDB.
pub fn worker_url() -> Option<(String, bool)> {
    let global = js_sys::global();
    let has = |name: &str| {
        js_sys::Reflect::get(&global, &name.into()).is_ok_and(|v| !v.is_undefined() && !v.is_null())
    };
    if !has("Worker") || !has("indexedDB") {
        return None;
    }
    URL.with(|u| u.borrow().clone())
}

/// Where the engine worker is (see [`Lane::starting`], [`Lane::failed`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Phase {
    Starting,
    Ready,
    Failed,
}

/// The worker's `onmessage` handler, kept alive while set.
type OnMessage = Closure<dyn FnMut(web_sys::MessageEvent)>;

/// The worker's `onerror` handler (its script failed to load), kept alive while set.
type OnError = Closure<dyn FnMut(JsValue)>;

/// The page's side of worker mode.
pub struct Lane {
    worker: web_sys::Worker,
    replayer: Replayer,
    stream: String,
    rescue_prefix: String,
    /// What the page's `track()` shares with this side, so that the package's
    /// entry can queue calls in plain JS (`__workerQueue()`): `{ q, seq, kick }`,
    /// the ops not posted yet (JS objects `{seq, at, type, …}`), the last seq
    /// given out, and the function that plans the next post.
    handle: js_sys::Object,
    _kick: Closure<dyn Fn()>,
    /// Posted ops the worker has not confirmed: (last seq, ops).
    posted: RefCell<VecDeque<(u64, js_sys::Array)>>,
    /// Last op applied to the page's replica.
    replica: Cell<u64>,
    timer: RefCell<Option<Timeout>>,
    last_post: Cell<f64>,
    /// Cumulative `[sent, failed, dropped, rejected]` last reported.
    totals: Cell<[f64; 4]>,
    waiting: RefCell<HashMap<u32, js_sys::Function>>,
    next_id: Cell<u32>,
    /// The worker's latest profile record and the op it is as of, kept for
    /// the next read when it did not change segment membership.
    stash: RefCell<Option<(String, u64)>>,
    /// `forget()` asked and not answered yet: reports still describe the
    /// visitor being forgotten, and are not adopted.
    forgetting: Cell<bool>,
    /// `experiments` assignments the worker was told about.
    assignments: Cell<usize>,
    on_message: RefCell<Option<OnMessage>>,
    on_error: RefCell<Option<OnError>>,
    /// Problems found on the page side, for the SDK's `error` listeners.
    errors: RefCell<Vec<AttuneError>>,
    /// Where the worker is: starting (no `ready` yet), ready, or failed (the
    /// engine runs on the page: [`Lane::failed`]).
    state: Cell<Phase>,
    /// The replica's profile record when `init` posted it: a fallback
    /// before `ready` replays the stream's ops on it with the page storing.
    initial: RefCell<String>,
    /// Fails over when no `ready` came within [`READY_MS`].
    ready_timer: RefCell<Option<Timeout>>,
    /// The config `init` got (as JSON), for the page-exit beacon's engine.
    config: RefCell<Option<serde_json::Value>>,
    /// The SDK this lane serves (set by [`Lane::listen`]).
    sdk: RefCell<Weak<Sdk>>,
    /// `"seq"`, `"at"`, `"type"`, `"event"`, `"properties"`, `"track"` as JS
    /// strings, made once: each string made from Rust is a `TextDecoder` call.
    keys: [JsValue; 6],
    me: Weak<Lane>,
}

impl Drop for Lane {
    /// A `Worker` outlives its last JS reference: stop it with the lane (an
    /// `init` that failed after spawning it, for one).
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

impl Lane {
    /// Spawns the engine worker at `url` (the `init` message follows in
    /// [`Lane::begin`], once the replica exists). `None` if it cannot start.
    pub fn spawn(
        (url, classic): (&str, bool),
        prefix: &str,
        replayer: Replayer,
        stream: String,
    ) -> Option<Rc<Lane>> {
        let opts = web_sys::WorkerOptions::new();
        opts.set_type(if classic {
            web_sys::WorkerType::Classic
        } else {
            web_sys::WorkerType::Module
        });
        let worker = web_sys::Worker::new_with_options(url, &opts).ok()?;
        Some(Rc::new_cyclic(|me: &Weak<Lane>| {
            let shared = handle(me.clone());
            Lane {
                worker,
                replayer,
                stream,
                rescue_prefix: format!("{prefix}:rescue:"),
                handle: shared.0,
                _kick: shared.1,
                posted: RefCell::new(VecDeque::new()),
                replica: Cell::new(0),
                timer: RefCell::new(None),
                last_post: Cell::new(0.0),
                totals: Cell::new([0.0; 4]),
                waiting: RefCell::new(HashMap::new()),
                next_id: Cell::new(1),
                assignments: Cell::new(0),
                forgetting: Cell::new(false),
                stash: RefCell::new(None),
                on_message: RefCell::new(None),
                on_error: RefCell::new(None),
                errors: RefCell::new(Vec::new()),
                state: Cell::new(Phase::Starting),
                initial: RefCell::new(String::new()),
                ready_timer: RefCell::new(None),
                config: RefCell::new(None),
                sdk: RefCell::new(Weak::new()),
                keys: ["seq", "at", "type", "event", "properties", "track"].map(JsValue::from_str),
                me: me.clone(),
            }
        }))
    }

    /// The object the package's entry queues `track()` calls into (see
    /// `handle`); its `kick` lives as long as this lane.
    pub fn handle(&self) -> &js_sys::Object {
        &self.handle
    }

    fn seq(&self) -> u64 {
        field(&self.handle, "seq").as_f64().unwrap_or(0.0) as u64
    }

    fn set_seq(&self, seq: u64) {
        set(&self.handle, "seq", &JsValue::from_f64(seq as f64));
    }

    fn queue(&self) -> js_sys::Array {
        field(&self.handle, "q")
            .dyn_into::<js_sys::Array>()
            .unwrap_or_else(|_| js_sys::Array::new())
    }

    /// The stream's replayer (the replica engine is built on its clock and randomness).
    pub fn replayer(&self) -> &Replayer {
        &self.replayer
    }

    /// Routes the worker's later messages to `sdk`.
    pub fn listen(&self, sdk: Weak<Sdk>) {
        if let Ok(mut slot) = self.sdk.try_borrow_mut() {
            *slot = sdk.clone();
        }
        let on =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |m: web_sys::MessageEvent| {
                if let Some(sdk) = sdk.upgrade() {
                    crate::web::lane_report::received(&sdk, &m.data());
                }
            });
        self.worker.set_onmessage(Some(on.as_ref().unchecked_ref()));
        if let Ok(mut slot) = self.on_message.try_borrow_mut() {
            *slot = Some(on);
        }
        // An error the worker did not catch: reported (with its message);
        // unconfirmed calls stay here for the next page's rescue.
        let me = self.me.clone();
        let failed = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
            // Handled here: it must not reach the page as an uncaught error.
            if let Some(ev) = e.dyn_ref::<web_sys::Event>() {
                ev.prevent_default();
            }
            let message = field(&e, "message")
                .as_string()
                .unwrap_or_else(|| "unknown error".into());
            // Before `ready` (its script failed to load or run: a 404, a CSP
            // without `worker-src` for it, a syntax error): the page takes over.
            if let Some(lane) = me.upgrade().filter(|l| l.starting()) {
                let sdk = lane.sdk.try_borrow().ok().and_then(|w| w.upgrade());
                if let Some(sdk) = sdk {
                    crate::web::lane_report::fail_over(
                        &sdk,
                        "the engine worker's script failed to load",
                    );
                }
                return;
            }
            if let Some(lane) = me.upgrade() {
                lane.report_now(vec![AttuneError::Remote {
                    path: "delivery.engine".into(),
                    message: format!("the engine worker failed: {message}"),
                }]);
            }
        });
        self.worker
            .set_onerror(Some(failed.as_ref().unchecked_ref()));
        if let Ok(mut slot) = self.on_error.try_borrow_mut() {
            *slot = Some(failed);
        }
    }

    /// `track(event, properties)`: checks and stamps the call and queues it;
    /// the properties are copied one level deep (a caller reusing its object
    /// does not change what was tracked).
    pub fn track(&self, event: &JsValue, props: &JsValue) -> Result<(), AttuneError> {
        // No string crosses into Rust: every crossing here is a plain JS call.
        let named = event
            .dyn_ref::<js_sys::JsString>()
            .is_some_and(|s| s.trim().length() > 0);
        if !named {
            return Err(AttuneError::input(
                "track.event",
                "expected a non-empty string",
            ));
        }
        let copy = if props.is_undefined() || props.is_null() {
            None
        } else if props.is_object() && !js_sys::Array::is_array(props) {
            Some(js_sys::Object::assign(
                &js_sys::Object::new(),
                props.unchecked_ref(),
            ))
        } else {
            return Err(AttuneError::input("track.properties", "expected an object"));
        };
        let seq = self.seq() + 1;
        self.set_seq(seq);
        let op = js_sys::Object::new();
        let [k_seq, k_at, k_type, k_event, k_props, v_track] = &self.keys;
        let put = |k: &JsValue, v: &JsValue| {
            let _ = js_sys::Reflect::set(&op, k, v);
        };
        put(k_seq, &JsValue::from_f64(seq as f64));
        put(k_at, &JsValue::from_f64(js_sys::Date::now()));
        put(k_type, v_track);
        put(k_event, event);
        if let Some(copy) = copy {
            put(k_props, &copy);
        }
        self.enqueue(&op);
        Ok(())
    }

    /// The worker committed every op up to `seq`: the page forgets them.
    pub fn confirmed(&self, seq: u64) {
        if let Ok(mut posted) = self.posted.try_borrow_mut() {
            while posted.front().is_some_and(|(last, _)| *last <= seq) {
                posted.pop_front();
            }
        }
    }

    /// Posts the queue now (one message).
    pub fn post(&self) {
        if let Ok(mut t) = self.timer.try_borrow_mut() {
            *t = None;
        }
        self.last_post.set(js_sys::Date::now());
        let ops = self.queue();
        if ops.length() == 0 {
            return;
        }
        set(&self.handle, "q", &js_sys::Array::new());
        let last = self.seq();
        let message = js_sys::Object::new();
        set(&message, "ops", &ops);
        if self.worker.post_message(&message).is_err() {
            // A value structured clone refuses (a function, a DOM node): post
            // what JSON keeps of each op; an op JSON refuses is dropped.
            let (kept, errors) = json_copies(&ops);
            set(&message, "ops", &kept);
            let _ = self.worker.post_message(&message);
            if let Ok(mut p) = self.posted.try_borrow_mut() {
                p.push_back((last, kept));
            }
            self.report(errors);
            self.bound();
            return;
        }
        if let Ok(mut p) = self.posted.try_borrow_mut() {
            p.push_back((last, ops));
        }
        self.bound();
    }

    /// Posts a control message (`{name: id}`) after the queue; the promise
    /// resolves with the worker's answer (`{answer: id, …}`).
    pub fn ask(&self, name: &str) -> js_sys::Promise {
        self.post();
        let id = self.next_id.get();
        self.next_id.set(id.wrapping_add(1).max(1));
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            if let Ok(mut w) = self.waiting.try_borrow_mut() {
                w.insert(id, resolve);
            }
        });
        let message = js_sys::Object::new();
        set(&message, name, &JsValue::from(id));
        if self.worker.post_message(&message).is_err() {
            self.answer(id, &JsValue::NULL);
        }
        promise
    }

    /// Resolves the question `id` with `value`.
    pub fn answer(&self, id: u32, value: &JsValue) {
        let f = self
            .waiting
            .try_borrow_mut()
            .ok()
            .and_then(|mut w| w.remove(&id));
        if let Some(f) = f {
            let _ = f.call1(&JsValue::NULL, value);
        }
    }

    /// `visibilitychange` → hidden: post what waits and let the worker send now.
    pub fn hidden(&self) {
        self.post();
        let message = js_sys::Object::new();
        set(&message, "hidden", &JsValue::TRUE);
        let _ = self.worker.post_message(&message);
    }

    /// The worker answered `forget`: its later reports describe the new visitor.
    pub fn forgotten(&self) {
        self.forgetting.set(false);
    }

    /// Stores the worker's cumulative totals; returns the previous ones.
    pub fn swap_totals(&self, now: [f64; 4]) -> [f64; 4] {
        self.totals.replace(now)
    }

    /// Reports `errors` to the SDK's `error` listeners now (outside any
    /// engine borrow), or keeps them when the SDK is gone.
    fn report_now(&self, errors: Vec<AttuneError>) {
        match self.sdk.try_borrow().ok().and_then(|w| w.upgrade()) {
            Some(sdk) => sdk.report(errors),
            None => self.report(errors),
        }
    }

    /// Keeps `errors` for [`Lane::take_errors`].
    pub fn report(&self, errors: Vec<AttuneError>) {
        if let Ok(mut e) = self.errors.try_borrow_mut() {
            e.extend(errors);
        }
    }

    /// The page-side problems since the last call.
    pub fn take_errors(&self) -> Vec<AttuneError> {
        self.errors
            .try_borrow_mut()
            .map(|mut e| std::mem::take(&mut *e))
            .unwrap_or_default()
    }

    fn enqueue(&self, op: &JsValue) {
        if self.queue().push(op) == 1 {
            self.plan();
        }
    }

    /// Arms the post timer unless it is armed (the queue's first op calls this).
    fn plan(&self) {
        if self.timer.try_borrow().is_ok_and(|t| t.is_none()) {
            let wait = (POST_MS - (js_sys::Date::now() - self.last_post.get())).clamp(0.0, POST_MS);
            let me = self.me.clone();
            let timer = Timeout::new(wait as u32, move || {
                if let Some(lane) = me.upgrade() {
                    lane.post();
                }
            });
            if let Ok(mut t) = self.timer.try_borrow_mut() {
                *t = Some(timer);
            }
        }
    }
}

/// The shared `{ q, seq, kick }` object and `kick`'s closure.
fn handle(me: Weak<Lane>) -> (js_sys::Object, Closure<dyn Fn()>) {
    let obj = js_sys::Object::new();
    set(&obj, "q", &js_sys::Array::new());
    set(&obj, "seq", &JsValue::from_f64(0.0));
    let kick = Closure::<dyn Fn()>::new(move || {
        if let Some(lane) = me.upgrade() {
            lane.plan();
        }
    });
    set(&obj, "kick", kick.as_ref());
    (obj, kick)
}

/// `obj[key]`, or `undefined`.
pub fn field(obj: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn set(obj: &js_sys::Object, key: &str, value: &JsValue) {
    let _ = js_sys::Reflect::set(obj, &JsValue::from_str(key), value);
}

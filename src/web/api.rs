//! The JavaScript API: the [`Attune`] instance `init(config)` resolves to
//! (`web::init`), plus the pure
//! exports `evalCondition` and `hash`. Every method returns or throws a real JS
//! `Error` on bad input and never lets a Rust panic reach the page.

use crate::core::engine::Engine;
use crate::core::op::Call;
use crate::core::rules::{Condition, RegexEngine};
use crate::core::AttuneError;
use crate::web::convert::{js_error, to_js, to_json, to_map, to_opt_string};
use crate::web::host::JsRegexEngine;
use crate::web::lane::Lane;
use crate::web::{delivery, page, slots};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// Shared state behind an [`Attune`] instance.
pub struct Sdk {
    /// The core engine.
    pub engine: RefCell<Engine>,
    /// Delivery timers, lock and page-exit state.
    pub delivery: delivery::Driver,
    /// `on(name, callback)` registrations, in order.
    pub(crate) listeners: RefCell<Vec<(String, js_sys::Function)>>,
    /// Errors reported while no `error` listener existed (bounded), handed to
    /// the first one that subscribes: init-time problems are not lost.
    pub(crate) unheard_errors: RefCell<Vec<JsValue>>,
    /// The (slot, signature) pairs last painted.
    pub(crate) painted: RefCell<Vec<(String, String)>>,
    /// Slots seen or clicked in this page view, with the decision made right
    /// after: while it stays the same they keep showing what was seen (a cap
    /// or a click retires a variant from the next page view, not under the
    /// visitor's eyes).
    pub(crate) pinned: RefCell<Vec<(String, String)>>,
    /// Segment membership before the first `track`/`identify`/`group`/`alias`
    /// of the current task whose follow-up (repaint, segment events, delivery
    /// scheduling) waits for the task's microtasks.
    pub(crate) pending_change: RefCell<Option<Vec<String>>>,
    /// Worker mode (`delivery.engine: "worker"`): the engine worker's link;
    /// `engine` is then the page's replica. Use [`Sdk::lane`].
    pub(crate) lane: Option<Rc<Lane>>,
}

impl Sdk {
    /// The engine worker's link while worker mode holds (`None` on the page
    /// path and after the worker failed to start: the engine runs here).
    pub(crate) fn lane(&self) -> Option<&Rc<Lane>> {
        self.lane.as_ref().filter(|l| !l.failed())
    }

    /// Reports errors to `on("error")` listeners, or to the console when there are none.
    pub fn report(&self, errors: Vec<AttuneError>) {
        for err in errors {
            self.report_js(js_error(&err));
        }
    }

    /// [`Sdk::report`] for an error that is a JS `Error` already.
    pub(crate) fn report_js(&self, js: JsValue) {
        if self.emit("error", &js) == 0 {
            web_sys::console::warn_2(&"[attune]".into(), &js);
            if let Ok(mut q) = self.unheard_errors.try_borrow_mut() {
                if q.len() < 20 {
                    q.push(js);
                }
            }
        }
    }

    /// Applies a state-changing call: to the replica and the worker's queue
    /// in worker mode, to the engine otherwise.
    pub(crate) fn apply(&self, e: &mut Engine, call: Call) -> crate::core::Result<bool> {
        match self.lane() {
            Some(lane) => lane.record(e, call),
            None => call.apply(e),
        }
    }

    /// In worker mode, brings the replica up to date before a read and tells
    /// the worker about experiment assignments its decisions made.
    /// Returns the segment membership before, when it applied anything.
    pub(crate) fn catch_up(&self, e: &mut Engine) -> Option<Vec<String>> {
        let lane = self.lane()?;
        if !lane.behind() {
            return None;
        }
        let before = e.segments().to_vec();
        let errors = lane.catch_up(e);
        lane.report(errors);
        Some(before)
    }

    /// In worker mode, passes on experiment assignments the replica's
    /// decisions recorded (they live in the profile).
    pub(crate) fn note_assignments(&self, e: &mut Engine) {
        if let Some(lane) = self.lane() {
            lane.note_assignments(e);
        }
    }

    /// Whether a listener of `name` is registered.
    pub(crate) fn listens(&self, name: &str) -> bool {
        self.listeners
            .try_borrow()
            .is_ok_and(|l| l.iter().any(|(n, _)| n == name))
    }

    /// Calls every listener of `name` with `arg`; returns how many there were.
    pub(crate) fn emit(&self, name: &str, arg: &JsValue) -> usize {
        let fns: Vec<js_sys::Function> = match self.listeners.try_borrow() {
            Ok(l) => l
                .iter()
                .filter(|(n, _)| n == name)
                .map(|(_, f)| f.clone())
                .collect(),
            Err(_) => return 0,
        };
        for f in &fns {
            // A throwing listener must not break the SDK or the page.
            let _ = f.call1(&JsValue::NULL, arg);
        }
        fns.len()
    }
}

/// Adopts the anonymous id of the shared cookie (another subdomain set it) and
/// refreshes it; deletes it when consent no longer allows it.
pub(crate) fn sync_cookie(engine: &mut Engine) -> crate::core::Result<()> {
    match engine.cookie()? {
        Some(c) => {
            if let Some(id) = crate::core::cookie::read(&crate::web::cookie::read_all()) {
                engine.adopt_anonymous_id(&id);
            }
            crate::web::cookie::write(&c.set_string(&engine.profile().anonymous_id));
        }
        None => {
            if let Some(c) = engine.cookie_settings() {
                if crate::core::cookie::read(&crate::web::cookie::read_all()).is_some() {
                    crate::web::cookie::write(&c.delete_string());
                }
            }
        }
    }
    Ok(())
}

pub(crate) fn busy() -> JsValue {
    js_error(&AttuneError::input(
        "attune",
        "called re-entrantly from one of its own callbacks",
    ))
}

/// One running SDK instance.
#[wasm_bindgen]
pub struct Attune {
    pub(crate) sdk: Rc<Sdk>,
}

#[wasm_bindgen]
impl Attune {
    /// Records a page view: `page()`, `page(name)`, `page(props)` or `page(name, props)`.
    pub fn page(&self, name: JsValue, props: JsValue) -> Result<(), JsValue> {
        let (name, props) = if name.is_object() {
            (JsValue::UNDEFINED, name)
        } else {
            (name, props)
        };
        let name = to_opt_string(&name, "page.name").map_err(|e| js_error(&e))?;
        let props = to_map(&props, "page.properties").map_err(|e| js_error(&e))?;
        // A new page view: slots may be counted again and show fresh decisions.
        slots::new_page_view();
        if let Ok(mut p) = self.sdk.pinned.try_borrow_mut() {
            p.clear();
        }
        let call = Call::Page {
            name,
            properties: props,
            page: Some(page::read_page()),
        };
        self.change(|e| self.sdk.apply(e, call).map(|_| ()))
    }

    /// Records a named action with optional properties.
    pub fn track(&self, event: JsValue, props: JsValue) -> Result<(), JsValue> {
        if let Some(lane) = self.sdk.lane() {
            // Worker mode: stamped and queued, nothing else on the page.
            return lane.track(&event, &props).map_err(|e| js_error(&e));
        }
        let event = event
            .as_string()
            .ok_or_else(|| js_error(&AttuneError::input("track.event", "expected a string")))?;
        let props = to_map(&props, "track.properties").map_err(|e| js_error(&e))?;
        self.change_soon(|e| e.track(&event, props))
    }

    /// Worker mode's queue, shared with the package's entry so that `track()`
    /// runs as plain JS (`pkg/src/worker-track.js`): `{ q, seq, kick, dead }`
    /// (`dead`: the worker failed to start, calls go to the SDK's own
    /// `track`); `undefined` when the engine runs on the page. Internal.
    #[wasm_bindgen(js_name = __workerQueue)]
    pub fn worker_queue(&self) -> JsValue {
        self.sdk
            .lane()
            .map_or(JsValue::UNDEFINED, |l| l.handle().clone().into())
    }

    /// Identifies the visitor: `identify(userId, traits?)` or `identify(traits)`.
    pub fn identify(&self, user_id: JsValue, traits: JsValue) -> Result<(), JsValue> {
        let (user_id, traits) = if user_id.is_object() {
            (JsValue::UNDEFINED, user_id)
        } else {
            (user_id, traits)
        };
        let user_id = to_opt_string(&user_id, "identify.userId").map_err(|e| js_error(&e))?;
        let traits = to_map(&traits, "identify.traits").map_err(|e| js_error(&e))?;
        let call = Call::Identify {
            user_id,
            traits,
            page: None,
        };
        self.change_soon(|e| self.sdk.apply(e, call).map(|_| ()))
    }

    /// Associates the visitor with a group: `group(groupId, traits?)`.
    pub fn group(&self, group_id: JsValue, traits: JsValue) -> Result<(), JsValue> {
        let id = group_id
            .as_string()
            .ok_or_else(|| js_error(&AttuneError::input("group.groupId", "expected a string")))?;
        let traits = to_map(&traits, "group.traits").map_err(|e| js_error(&e))?;
        let call = Call::Group {
            group_id: id,
            traits,
        };
        self.change_soon(|e| self.sdk.apply(e, call).map(|_| ()))
    }

    /// Links ids: `alias(userId, previousId?)`.
    pub fn alias(&self, user_id: JsValue, previous_id: JsValue) -> Result<(), JsValue> {
        let id = user_id
            .as_string()
            .ok_or_else(|| js_error(&AttuneError::input("alias.userId", "expected a string")))?;
        let prev = to_opt_string(&previous_id, "alias.previousId").map_err(|e| js_error(&e))?;
        let call = Call::Alias {
            user_id: id,
            previous_id: prev,
        };
        self.change_soon(|e| self.sdk.apply(e, call).map(|_| ()))
    }

    /// Starts a new anonymous identity with an empty profile.
    pub fn reset(&self) -> Result<(), JsValue> {
        self.change(|e| self.sdk.apply(e, Call::Reset).map(|_| ()))
    }

    /// Updates consent: `consent({analytics: true, marketing: false})`.
    /// Granting persists what was held in memory; revoking wipes that
    /// category's stored data and queued events at once.
    pub fn consent(&self, changes: JsValue) -> Result<JsValue, JsValue> {
        let changes = to_map(&changes, "consent")
            .map_err(|e| js_error(&e))?
            .unwrap_or_default();
        let mut state = JsValue::NULL;
        self.change(|e| {
            self.sdk.apply(e, Call::Consent { changes })?;
            sync_cookie(e)?;
            state = to_js(&e.consent_state());
            for note in e.take_notes() {
                web_sys::console::info_1(&format!("[attune] {note}").into());
            }
            Ok(())
        })?;
        delivery::queued(&self.sdk);
        Ok(state)
    }

    /// The consent state (`{necessary, analytics, personalization, marketing, gpc, doNotTrack, mode}`).
    #[wasm_bindgen(js_name = consentState)]
    pub fn consent_state(&self) -> Result<JsValue, JsValue> {
        let e = self.sdk.engine.try_borrow().map_err(|_| busy())?;
        Ok(to_js(&e.consent_state()))
    }

    /// Erases everything Attune keeps on this device and starts a fresh
    /// anonymous identity; with `collector.forgetUrl`, asks the collector to
    /// delete the old ids too. Resolves when that request was answered (or at once).
    pub fn forget(&self) -> Result<js_sys::Promise, JsValue> {
        let mut request = None;
        self.change(|e| {
            if let Some(c) = e.cookie_settings() {
                crate::web::cookie::write(&c.delete_string());
            }
            request = Some(e.forget());
            Ok(())
        })?;
        if let Some(lane) = self.sdk.lane() {
            // The worker forgets its database and asks the collector.
            lane.clear();
            return Ok(lane.ask("forget"));
        }
        let Some(request) = request else {
            return Ok(js_sys::Promise::resolve(&JsValue::UNDEFINED));
        };
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            if let Some(url) = &request.url {
                let body = serde_json::to_string(&request).unwrap_or_default();
                let outcome = crate::web::transport::post(url, &[], &body, true).await;
                return Ok(JsValue::from_str(&format!("{outcome:?}")));
            }
            Ok(JsValue::UNDEFINED)
        }))
    }

    /// Names of the segments the visitor is in now.
    pub fn segments(&self) -> Result<JsValue, JsValue> {
        self.settled();
        let e = self.sdk.engine.try_borrow().map_err(|_| busy())?;
        Ok(to_js(e.segments()))
    }

    /// A plain JSON snapshot of the visitor profile.
    pub fn profile(&self) -> Result<JsValue, JsValue> {
        self.settled();
        let e = self.sdk.engine.try_borrow().map_err(|_| busy())?;
        Ok(to_js(e.profile()))
    }

    /// The attribute document the rules read (for debugging rules).
    pub fn attributes(&self) -> Result<JsValue, JsValue> {
        self.settled();
        let e = self.sdk.engine.try_borrow().map_err(|_| busy())?;
        Ok(to_js(e.attributes()))
    }

    /// Sends everything queued now; resolves to `{sent, pending, failed}`
    /// (`pending` is 0 once every collector acknowledged everything).
    pub fn flush(&self) -> js_sys::Promise {
        self.settled();
        if let Some(lane) = self.sdk.lane() {
            return lane.ask("flush");
        }
        let sdk = self.sdk.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let report = delivery::flush(&sdk).await;
            Ok(to_js(&report))
        })
    }

    /// Adds a listener: `error`, `segment:enter`, `segment:exit`, `profile`
    /// (a snapshot after every change), `delivery`
    /// (`{sent, failed, dropped, rejected, pending}` since the last report).
    /// The first `error` listener also receives the errors reported before it existed.
    pub fn on(&self, name: &str, callback: js_sys::Function) -> Result<(), JsValue> {
        let mut l = self.sdk.listeners.try_borrow_mut().map_err(|_| busy())?;
        l.push((name.to_string(), callback.clone()));
        drop(l);
        if name == "error" {
            let unheard = self
                .sdk
                .unheard_errors
                .try_borrow_mut()
                .map(|mut q| std::mem::take(&mut *q))
                .unwrap_or_default();
            for err in unheard {
                let _ = callback.call1(&JsValue::NULL, &err);
            }
        }
        Ok(())
    }

    /// Removes a listener added with `on`.
    pub fn off(&self, name: &str, callback: &js_sys::Function) -> Result<(), JsValue> {
        let mut l = self.sdk.listeners.try_borrow_mut().map_err(|_| busy())?;
        l.retain(|(n, f)| !(n == name && f == callback));
        Ok(())
    }
}

impl Attune {
    /// A handle on an existing instance (used by the page hooks).
    pub(crate) fn from_sdk(sdk: Rc<Sdk>) -> Attune {
        Attune { sdk }
    }

    /// The shared state (for the API methods defined in other files).
    pub(crate) fn sdk(&self) -> &Rc<Sdk> {
        &self.sdk
    }

    /// Repaints and notifies after data arrived from outside; `before` is the
    /// segment membership before it arrived.
    pub(crate) fn refresh_page(&self, before: &[String]) {
        self.after_change(before, None);
    }

    /// The URL of the last recorded page.
    pub(crate) fn current_url(&self) -> Option<String> {
        self.sdk
            .engine
            .try_borrow()
            .ok()
            .map(|e| e.page_context().url.clone())
    }

    /// Runs one engine call, then reports errors, fires segment changes,
    /// repaints and schedules delivery — with the engine released first.
    fn change(
        &self,
        f: impl FnOnce(&mut Engine) -> crate::core::Result<()>,
    ) -> Result<(), JsValue> {
        let before = self.run(false, true, f)?;
        // A deferred follow-up of this task is folded into this one.
        let earlier = self
            .sdk
            .pending_change
            .try_borrow_mut()
            .ok()
            .and_then(|mut p| p.take());
        self.after_change(&earlier.unwrap_or(before), None);
        Ok(())
    }

    /// [`Attune::change`] for event calls: the engine call runs now (the
    /// profile, segments and outbox see the event at once), the follow-up runs
    /// once in this task's microtasks for all of the task's event calls, so a
    /// burst of `track()`s decides and repaints once.
    fn change_soon(
        &self,
        f: impl FnOnce(&mut Engine) -> crate::core::Result<()>,
    ) -> Result<(), JsValue> {
        // Only the task's first event call needs the membership before it.
        let follow_up_pending = self
            .sdk
            .pending_change
            .try_borrow()
            .is_ok_and(|p| p.is_some());
        let before = self.run(true, !follow_up_pending, f)?;
        self.follow_up(before);
        Ok(())
    }

    /// Runs [`Attune::after_change`] once in this task's microtasks, with the
    /// membership before the task's first change (`before`, unless an
    /// earlier change of the task gave it already).
    pub(crate) fn follow_up(&self, before: Vec<String>) {
        let first = match self.sdk.pending_change.try_borrow_mut() {
            Ok(mut p) if p.is_none() => {
                *p = Some(before);
                true
            }
            Ok(_) => false,
            Err(_) => {
                self.after_change(&before, None);
                return;
            }
        };
        if first {
            let sdk = self.sdk.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let before = sdk
                    .pending_change
                    .try_borrow_mut()
                    .ok()
                    .and_then(|mut p| p.take());
                if let Some(before) = before {
                    Attune::from_sdk(sdk).after_change(&before, None);
                }
            });
        }
    }

    /// Runs `f` on the engine, returning the segment membership before it
    /// (empty unless `want_before`). With `defer`, an event call leaves its
    /// segment pass to the task's follow-up ([`Engine::defer_refresh`]);
    /// otherwise earlier deferred calls are settled first.
    fn run(
        &self,
        defer: bool,
        want_before: bool,
        f: impl FnOnce(&mut Engine) -> crate::core::Result<()>,
    ) -> Result<Vec<String>, JsValue> {
        let mut e = self.sdk.engine.try_borrow_mut().map_err(|_| busy())?;
        if defer {
            e.defer_refresh();
        } else {
            e.settle();
        }
        let before = if want_before {
            e.segments().to_vec()
        } else {
            Vec::new()
        };
        f(&mut e).map_err(|err| js_error(&err))?;
        Ok(before)
    }

    /// Settles deferred event calls before a read (a no-op when none wait).
    pub(crate) fn settled(&self) {
        let caught_up = match self.sdk.engine.try_borrow_mut() {
            Ok(mut e) => {
                let before = self.sdk.catch_up(&mut e);
                e.settle();
                before
            }
            Err(_) => None,
        };
        // Worker mode: the replica just saw queued track()s; listeners and
        // slots follow as after the calls themselves.
        if let Some(before) = caught_up {
            self.follow_up(before);
        }
    }

    pub(crate) fn after_change(&self, before: &[String], exposed: Option<&str>) {
        let (errors, now, decisions) = match self.sdk.engine.try_borrow_mut() {
            Ok(mut e) => {
                e.settle();
                let decisions = e.decisions();
                self.sdk.note_assignments(&mut e);
                let mut errors = e.take_errors();
                if let Some(lane) = self.sdk.lane() {
                    errors.extend(lane.take_errors());
                }
                (errors, e.segments().to_vec(), decisions)
            }
            Err(_) => return,
        };
        self.sdk.report(errors);
        for s in now.iter().filter(|s| !before.contains(s)) {
            self.sdk.emit("segment:enter", &JsValue::from_str(s));
        }
        for s in before.iter().filter(|s| !now.contains(s)) {
            self.sdk.emit("segment:exit", &JsValue::from_str(s));
        }
        // The snapshot costs a conversion: only build it for listeners.
        if self.sdk.listens("profile") {
            let snapshot = self
                .sdk
                .engine
                .try_borrow()
                .map(|e| to_js(e.profile()))
                .ok();
            if let Some(p) = snapshot {
                self.sdk.emit("profile", &p);
            }
        }
        // Repaint only the slots whose decision changed (a DOM query per slot
        // on every track() would dominate the call).
        self.repaint_changed(&decisions, exposed);
        delivery::queued(&self.sdk);
    }
}

/// Evaluates a GrowthBook-compatible condition against attributes (pure; no `init` needed).
#[wasm_bindgen(js_name = evalCondition)]
pub fn eval_condition(
    condition: JsValue,
    attributes: JsValue,
    saved_groups: JsValue,
) -> Result<bool, JsValue> {
    let cond = to_json(&condition, "condition").map_err(|e| js_error(&e))?;
    let attrs = to_json(&attributes, "attributes").map_err(|e| js_error(&e))?;
    let groups = to_json(&saved_groups, "savedGroups").map_err(|e| js_error(&e))?;
    let regex: &dyn RegexEngine = &JsRegexEngine;
    // Like GrowthBook's evalCondition, malformed conditions never throw: they
    // evaluate as GrowthBook's JS SDK would.
    Ok(Condition::lenient(&cond, regex).eval(&attrs, groups.as_object()))
}

/// GrowthBook's hash: a number in `[0, 1)` for versions 1 and 2, else `null`.
#[wasm_bindgen(js_name = hash)]
pub fn hash_value(seed: &str, value: &str, version: f64) -> JsValue {
    crate::core::rules::hash(seed, value, version as i64).map_or(JsValue::NULL, JsValue::from_f64)
}

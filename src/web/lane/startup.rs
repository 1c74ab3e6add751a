//! Worker mode's start (see `web::lane`): the `init` message, the worker's
//! `ready` (the replica restarts from its record) and the hand-over to the
//! page when the worker fails before it.

use super::{set, Lane, Phase, READY_MS};
use crate::core::engine::Engine;
use crate::core::AttuneError;
use gloo_timers::callback::Timeout;
use wasm_bindgen::prelude::*;

impl Lane {
    /// Posts the worker its `init` message (config, stream, the replica's
    /// profile record, the page's environment and earlier pages' rescues)
    /// and returns at once: `init` does not wait for the worker. Its `ready`
    /// (handled by `lane_report`) carries the worker's profile record, the
    /// authoritative one, which the replica then restarts from, replaying
    /// this page's calls on it. Without `ready` within [`READY_MS`], or on an
    /// error first, the engine falls back to the page (`lane_report::fail_over`).
    /// `Err` when the message cannot be posted.
    pub fn start(&self, config: &serde_json::Value, engine: &Engine) -> Result<(), JsValue> {
        let rescues = self.read_rescues();
        let (gpc, dnt) = crate::web::page::privacy_signals();
        let consent = engine.consent_state();
        let consent: serde_json::Map<String, serde_json::Value> =
            ["analytics", "personalization", "marketing"]
                .iter()
                .filter_map(|k| consent.get(*k).map(|v| (k.to_string(), v.clone())))
                .collect();
        let env = serde_json::json!({
            "gpc": gpc,
            "dnt": dnt,
            "environment": crate::web::page::read_environment(),
            "localOffset": -js_sys::Date::new_0().get_timezone_offset(),
            "page": engine.page_context(),
            "anonymousId": engine.profile().anonymous_id,
            "consent": consent,
        });
        let profile = engine.profile().to_json();
        let init = serde_json::json!({
            "init": {
                "config": absolute_urls(config),
                "stream": self.stream,
                "profile": profile,
                "env": env,
                "rescues": rescues,
            }
        });
        if let Ok(mut slot) = self.initial.try_borrow_mut() {
            *slot = profile;
        }
        if let Ok(mut slot) = self.config.try_borrow_mut() {
            *slot = Some(config.clone());
        }
        let message = js_sys::JSON::parse(&init.to_string())
            .map_err(|_| JsValue::from_str("init message"))?;
        self.worker.post_message(&message)?;
        let me = self.me.clone();
        let timer = Timeout::new(READY_MS, move || {
            let Some(lane) = me.upgrade() else { return };
            let sdk = lane.sdk.try_borrow().ok().and_then(|w| w.upgrade());
            if let Some(sdk) = sdk {
                crate::web::lane_report::fail_over(&sdk, "the engine worker did not start");
            }
        });
        if let Ok(mut slot) = self.ready_timer.try_borrow_mut() {
            *slot = Some(timer);
        }
        Ok(())
    }

    /// Whether the worker has not answered `ready` yet.
    pub fn starting(&self) -> bool {
        self.state.get() == Phase::Starting
    }

    /// Whether the worker failed to start and the engine runs on the page.
    pub fn failed(&self) -> bool {
        self.state.get() == Phase::Failed
    }

    /// The worker answered `ready`: the replica restarts from `profile` (the
    /// worker's record, before any op of this page) and replays this page's
    /// calls on it; none is confirmed yet, so all are at hand.
    pub fn restart(&self, engine: &mut Engine, profile: Option<&str>) -> Vec<AttuneError> {
        self.state.set(Phase::Ready);
        if let Ok(mut t) = self.ready_timer.try_borrow_mut() {
            *t = None;
        }
        // `forget()` came first: the record describes the visitor forgotten.
        let Some(profile) = profile.filter(|p| !p.is_empty() && !self.forgetting.get()) else {
            return Vec::new();
        };
        if let Err(e) = engine.adopt_profile(profile) {
            return vec![e];
        }
        engine.keep_adopted_profile();
        self.replica.set(0);
        let errors = self.catch_up(engine);
        self.assignments.set(engine.profile().experiments.len());
        errors
    }

    /// The worker is ready (its record could not be taken now).
    pub fn mark_ready(&self) {
        self.state.set(Phase::Ready);
        if let Ok(mut t) = self.ready_timer.try_borrow_mut() {
            *t = None;
        }
    }

    /// Resolves every question the worker was asked with `value` (it will not answer).
    pub fn answer_all(&self, value: &JsValue) {
        let all: Vec<js_sys::Function> = self
            .waiting
            .try_borrow_mut()
            .map(|mut w| w.drain().map(|(_, f)| f).collect())
            .unwrap_or_default();
        for f in all {
            let _ = f.call1(&JsValue::NULL, value);
        }
    }

    /// The worker failed before `ready`: the page's engine takes over. It
    /// restarts from the profile it had at `init`, stores and sends again,
    /// and replays every call of this page (now producing events); the
    /// worker is stopped and the page's `track()` goes to the engine.
    pub fn fail_over(&self, engine: &mut Engine) -> Vec<AttuneError> {
        self.state.set(Phase::Failed);
        if let Ok(mut t) = self.ready_timer.try_borrow_mut() {
            *t = None;
        }
        self.worker.terminate();
        set(&self.handle, "dead", &JsValue::TRUE);
        let initial = self
            .initial
            .try_borrow()
            .map(|p| p.clone())
            .unwrap_or_default();
        let mut errors = Vec::new();
        if !initial.is_empty() {
            if let Err(e) = engine.adopt_profile(&initial) {
                errors.push(e);
            }
        }
        engine.set_delivery_gate(crate::core::delivery_policy::Gate::OPEN);
        self.replica.set(0);
        errors.extend(self.catch_up(engine));
        // Applied and stored by the page now: nothing is left to post or rescue.
        set(&self.handle, "q", &js_sys::Array::new());
        if let Ok(mut p) = self.posted.try_borrow_mut() {
            p.clear();
        }
        errors
    }
}

/// `config` with its collector URLs made absolute against the page's base
/// URL, as the page path's requests resolve them: the worker would resolve a
/// relative one against its own script's URL (`/pkg/…`), or fail to from a
/// blob (the script-tag bundle served from another origin).
fn absolute_urls(config: &serde_json::Value) -> serde_json::Value {
    let mut config = config.clone();
    let base = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.base_uri().ok().flatten());
    let Some(base) = base else {
        return config;
    };
    let fix = |v: &mut serde_json::Value| {
        if let Some(url) = v
            .as_str()
            .and_then(|s| web_sys::Url::new_with_base(s, &base).ok())
        {
            *v = serde_json::Value::String(url.href());
        }
    };
    for at in ["/collector/url", "/collector/forgetUrl", "/forgetUrl"] {
        if let Some(v) = config.pointer_mut(at) {
            fix(v);
        }
    }
    if let Some(serde_json::Value::Array(list)) = config.get_mut("collectors") {
        for item in list {
            for key in ["url", "forgetUrl"] {
                if let Some(v) = item.get_mut(key) {
                    fix(v);
                }
            }
        }
    }
    config
}

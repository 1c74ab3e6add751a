//! The engine's privacy side: consent gates every storage write, every send
//! and every profile read; outgoing events are minimised; `forget()` erases.

use super::Engine;
use crate::core::consent::{Category, ConsentConfig, ConsentState, Transition, CATEGORIES};
use crate::core::delivery_policy::Gate;
use crate::core::error::{AttuneError, Result};
use crate::core::event::{Event, EventType};
use crate::core::ids::uuid_v4;
use crate::core::outbox::Record;
use crate::core::platform::Storage;
use crate::core::profile::Profile;
use serde::Serialize;
use serde_json::{Map, Value};

/// Most events held in memory while consent is undecided.
pub const MAX_HELD: usize = 500;

/// Event names shared with other channels as marketing data.
const MARKETING_EVENTS: [&str; 4] = [
    "Experience Viewed",
    "Experience Clicked",
    "Segment Entered",
    "Segment Exited",
];

/// What `forget()` asks the collector to delete.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ForgetRequest {
    /// Where to send it (`collector.forgetUrl`), if configured.
    #[serde(skip)]
    pub url: Option<String>,
    /// The forgotten anonymous id.
    pub anonymous_id: String,
    /// The forgotten user id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Earlier ids linked by `alias`.
    pub previous_ids: Vec<String>,
    /// When, ISO-8601.
    pub timestamp: String,
}

/// The consent category of an event with this name (`None`: not a track).
pub(super) fn category_of_name(name: Option<&str>) -> Category {
    match name {
        Some(n) if MARKETING_EVENTS.contains(&n) => Category::Marketing,
        _ => Category::Analytics,
    }
}

/// The consent category of a serialized event.
fn category_of(json: &str) -> Category {
    let name = serde_json::from_str::<Value>(json)
        .ok()
        .and_then(|v| v.get("event").and_then(Value::as_str).map(String::from));
    category_of_name(name.as_deref())
}

impl Engine {
    fn consent_key(&self) -> String {
        format!("{}:consent", self.config.storage_prefix)
    }

    /// Reads the persisted consent choices (called at start).
    pub(super) fn restore_consent(&mut self) {
        if let Ok(Some(text)) = self.storage.get(&self.consent_key()) {
            if let Ok(v) = serde_json::from_str::<Value>(&text) {
                self.consent.restore(&v);
            }
        }
        self.update_gate();
    }

    /// Applies the browser's privacy signals: Global Privacy Control and Do Not Track.
    pub fn set_privacy_signals(&mut self, gpc: bool, dnt: bool) {
        let record = self.consent.to_record();
        let cfg = ConsentConfig::parse(self.config.raw.get("consent")).unwrap_or_default();
        self.consent = ConsentState::new(cfg, gpc, dnt);
        self.consent.restore(&record);
        self.notes.extend(self.consent.signal_notes());
        self.update_gate();
        self.refresh();
    }

    /// The anonymous-id cookie settings, when configured and consent allows
    /// identity storage (analytics or personalization).
    pub fn cookie(&self) -> Result<Option<crate::core::cookie::CookieConfig>> {
        let cfg = crate::core::cookie::CookieConfig::parse(self.config.raw.get("identity"))?;
        let allowed = self.consent.allows(Category::Analytics)
            || self.consent.allows(Category::Personalization);
        Ok(cfg.filter(|_| allowed))
    }

    /// The cookie settings regardless of consent (to delete the cookie).
    pub fn cookie_settings(&self) -> Option<crate::core::cookie::CookieConfig> {
        crate::core::cookie::CookieConfig::parse(self.config.raw.get("identity"))
            .ok()
            .flatten()
    }

    /// Adopts the anonymous id another subdomain set in the shared cookie.
    pub fn adopt_anonymous_id(&mut self, id: &str) {
        if crate::core::ids::is_uuid_v4(id) && self.profile.anonymous_id != id {
            self.profile.anonymous_id = id.to_string();
            self.save_profile();
            self.refresh();
        }
    }

    /// Whether consent lets the device keep anything of the visitor's calls
    /// (events or profile: some category beyond the necessary one is
    /// allowed). Worker mode writes its `pagehide` rescue of unconfirmed calls
    /// only then; before an opt-in grant they are held in memory and lost
    /// with the page, as on the page path.
    pub fn may_keep_calls(&self) -> bool {
        CATEGORIES
            .iter()
            .any(|c| *c != Category::Necessary && self.consent.allows(*c))
    }

    /// The consent state as rules read it.
    pub fn consent_state(&self) -> Value {
        self.consent.to_attributes()
    }

    /// Log lines about privacy decisions (signals honoured or ignored, refused grants).
    pub fn take_notes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }

    /// Takes another engine's consent choices (its [`Engine::consent_state`],
    /// or a map of categories) where this one's differ: the engine worker
    /// follows its page, the page's exit beacon its replica. Keys that are
    /// not categories are ignored.
    pub fn match_consent(&mut self, other: &Map<String, Value>) -> Result<()> {
        let mine = self.consent_state();
        let changes: Map<String, Value> = other
            .iter()
            .filter(|(k, v)| Category::from_name(k).is_some() && mine.get(k.as_str()) != Some(*v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !changes.is_empty() {
            self.consent(&changes)?;
        }
        Ok(())
    }

    /// Updates consent (`{"analytics": true, …}`). Granting persists what was
    /// held in memory; revoking wipes that category's stored data at once.
    pub fn consent(&mut self, changes: &Map<String, Value>) -> Result<Transition> {
        self.settle();
        let t = self.consent.update(changes)?;
        for (c, why) in &t.refused {
            self.notes
                .push(format!("consent for {} not applied: {why}", c.name()));
        }
        // The choice itself is strictly necessary storage.
        let record = self.consent.to_record().to_string();
        if let Err(e) = self.storage.set(&self.consent_key(), &record) {
            self.errors.push(e);
        }
        self.update_gate();
        for c in &t.revoked {
            self.wipe(*c);
        }
        if t.granted.contains(&Category::Personalization) {
            self.save_profile();
            self.persist_profile();
        }
        self.release_held();
        if self.consent.allows(Category::Analytics)
            && (!t.granted.is_empty() || !t.revoked.is_empty())
        {
            let mut props = Map::new();
            for c in CATEGORIES {
                props.insert(c.name().into(), Value::Bool(self.consent.allows(c)));
            }
            let mut e = self.new_event(EventType::Track);
            e.event = Some("Consent Updated".into());
            e.properties = Some(props);
            if let Ok(json) = self.outgoing_json(&e, "consent") {
                let now = self.clock.now_ms();
                self.store(&mut e, json, now);
            }
        }
        self.refresh();
        Ok(t)
    }

    /// Erases everything Attune keeps on this device (every storage key under
    /// its prefix, queued and held events, the profile, the consent choice) and
    /// starts a fresh anonymous identity. Returns the deletion request for the
    /// collector.
    pub fn forget(&mut self) -> ForgetRequest {
        self.settle();
        let now = self.clock.now_ms();
        let request = ForgetRequest {
            url: self.forget_url(),
            anonymous_id: self.profile.anonymous_id.clone(),
            user_id: self.profile.user_id.clone(),
            previous_ids: self.profile.aliases.clone(),
            timestamp: crate::core::time::iso8601(now),
        };
        let (delivery, env) = self.delivery();
        let _ = delivery.retain(&env, |_| false);
        self.held.clear();
        let prefix = format!("{}:", self.config.storage_prefix);
        for key in self.storage.keys().unwrap_or_default() {
            if key.starts_with(&prefix) {
                let _ = self.storage.remove(&key);
            }
        }
        self.reset_choices();
        self.decision_cache.clear();
        self.profile = Profile::new(uuid_v4(self.random.as_ref()), now);
        self.profile_base = self.profile.clone();
        self.profile_dirty = false;
        self.update_gate();
        self.refresh();
        request
    }

    /// Forgets the explicit choices, keeping the browser's signals.
    fn reset_choices(&mut self) {
        let signals = self.consent.to_attributes();
        let gpc = signals.get("gpc").and_then(Value::as_bool).unwrap_or(false);
        let dnt = signals
            .get("doNotTrack")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let cfg = ConsentConfig::parse(self.config.raw.get("consent")).unwrap_or_default();
        self.consent = ConsentState::new(cfg, gpc, dnt);
    }

    fn forget_url(&self) -> Option<String> {
        let raw = &self.config.raw;
        raw.get("collector")
            .and_then(|c| c.get("forgetUrl"))
            .or_else(|| raw.get("forgetUrl"))
            .and_then(Value::as_str)
            .map(String::from)
    }

    /// Queues a serialized event if its category may be stored; holds it while
    /// consent is undecided (opt-in); drops it when consent was refused.
    /// `category` is that of the event in `record` ([`category_of_name`]).
    pub(super) fn queue(&mut self, record: Record, category: Category) {
        debug_assert_eq!(category, category_of(&record.json));
        let allowed = |e: &Engine, c: Category| {
            e.gate.store && e.consent.allows(Category::Analytics) && e.consent.allows(c)
        };
        if allowed(self, category) {
            self.delivery.push(record);
        } else if self.consent.is_opt_in()
            && (!self.consent.decided(Category::Analytics) || !self.consent.decided(category))
        {
            if self.held.len() >= MAX_HELD {
                self.held.remove(0);
            }
            self.held.push((category, record));
        }
    }

    /// After a consent change: held events whose categories are now allowed
    /// go to the outbox (unless the host stores events elsewhere: worker
    /// mode's replica, whose worker releases its own), refused ones are
    /// dropped, undecided ones stay held.
    fn release_held(&mut self) {
        let held = std::mem::take(&mut self.held);
        for (category, record) in held {
            let ok = self.consent.allows(Category::Analytics) && self.consent.allows(category);
            let undecided = self.consent.is_opt_in()
                && (!self.consent.decided(Category::Analytics) || !self.consent.decided(category));
            if ok {
                if self.gate.store {
                    self.delivery.push(record);
                }
            } else if undecided {
                self.held.push((category, record));
            }
        }
    }

    fn wipe(&mut self, c: Category) {
        match c {
            Category::Personalization => {
                self.profile_dirty = false;
                self.decision_cache.clear();
                for name in ["profile", "decisions"] {
                    let key = format!("{}:{name}", self.config.storage_prefix);
                    if let Err(e) = self.storage.remove(&key) {
                        self.errors.push(e);
                    }
                }
            }
            Category::Analytics => {
                let (delivery, env) = self.delivery();
                if let Err(e) = delivery.retain(&env, |_| false) {
                    self.errors.push(e);
                }
                self.held.clear();
            }
            Category::Marketing => {
                let (delivery, env) = self.delivery();
                if let Err(e) =
                    delivery.retain(&env, |r| category_of(&r.json) != Category::Marketing)
                {
                    self.errors.push(e);
                }
                self.held.retain(|(cat, _)| *cat != Category::Marketing);
            }
            Category::Necessary => {}
        }
    }

    /// Consent's gate (analytics allows storing and sending) within the host's.
    pub(super) fn update_gate(&mut self) {
        let analytics = self.consent.allows(Category::Analytics);
        self.gate = Gate {
            store: analytics && self.host_gate.store,
            send: analytics && self.host_gate.send,
        };
    }

    /// The event as it leaves the device: traits only with marketing consent,
    /// then the allow/deny lists, PII masking and user-id hashing.
    pub(super) fn outgoing_json(&self, event: &Event, call: &str) -> Result<String> {
        let traits_stay = event.traits.is_none() || self.consent.allows(Category::Marketing);
        if traits_stay
            && self.minimize.leaves_unchanged(
                &[event.properties.as_ref(), event.traits.as_ref()],
                event.user_id.is_some(),
            )
        {
            return self
                .shared
                .event_json(event)
                .map_err(|e| AttuneError::input(call, e.to_string()));
        }
        let mut v =
            serde_json::to_value(event).map_err(|e| AttuneError::input(call, e.to_string()))?;
        if !self.consent.allows(Category::Marketing) {
            if let Some(o) = v.as_object_mut() {
                o.remove("traits");
            }
        }
        self.minimize.apply(&mut v);
        serde_json::to_string(&v).map_err(|e| AttuneError::input(call, e.to_string()))
    }
}

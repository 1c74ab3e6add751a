//! The engine's privacy side: consent gates every storage write, every send
//! and every profile read; outgoing events are minimised; `forget()` erases.

use super::Engine;
use crate::cat;
use crate::core::consent::{Category, ConsentConfig, ConsentState, Transition, CATEGORIES};
use crate::core::delivery_policy::Gate;
use crate::core::error::Result;
use crate::core::event::{Event, EventType};
use crate::core::ids::uuid_v4;
use crate::core::json::{Map, Value};
use crate::core::outbox::Record;
use crate::core::platform::Storage;
use crate::core::profile::Profile;

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
#[derive(Debug, Clone, PartialEq)]
pub struct ForgetRequest {
    /// Where to send it (`collector.forgetUrl`), if configured.
    pub url: Option<String>,
    /// The forgotten anonymous id.
    pub anonymous_id: String,
    /// The forgotten user id.
    pub user_id: Option<String>,
    /// Earlier ids linked by `alias`.
    pub previous_ids: Vec<String>,
    /// When, ISO-8601.
    pub timestamp: String,
}

impl ForgetRequest {
    /// The request body: `{anonymousId, userId?, previousIds, timestamp}`
    /// (`userId` left out when unknown; `url` is not part of it).
    pub fn to_value(&self) -> Value {
        let mut m = Map::with_capacity(4);
        m.insert("anonymousId", Value::from(&self.anonymous_id));
        if let Some(u) = &self.user_id {
            m.insert("userId", Value::from(u));
        }
        let mut ids = Vec::with_capacity(self.previous_ids.len());
        for id in &self.previous_ids {
            ids.push(Value::from(id));
        }
        m.insert("previousIds", Value::Array(ids));
        m.insert("timestamp", Value::from(&self.timestamp));
        Value::Object(m)
    }
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
    let v = Value::parse(json).unwrap_or_default();
    category_of_name(v.get("event").and_then(Value::as_str))
}

impl Engine {
    fn consent_key(&self) -> String {
        cat!(self.config.storage_prefix, ":consent")
    }

    /// Reads the persisted consent choices (called at start).
    pub(super) fn restore_consent(&mut self) {
        if let Ok(Some(text)) = self.storage.get(&self.consent_key()) {
            if let Ok(v) = Value::parse(&text) {
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
        self.notes.append(&mut self.consent.signal_notes());
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

    /// The consent state as rules read it.
    pub fn consent_state(&self) -> Value {
        self.consent.to_attributes()
    }

    /// Log lines about privacy decisions (signals honoured or ignored, refused grants).
    pub fn take_notes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }

    /// Updates consent (`{"analytics": true, …}`). Granting persists what was
    /// held in memory; revoking wipes that category's stored data at once.
    pub fn consent(&mut self, changes: &Map) -> Result<Transition> {
        self.settle();
        let t = self.consent.update(changes)?;
        for (c, why) in &t.refused {
            self.notes
                .push(cat!("consent for ", c.name(), " not applied: ", why));
        }
        // The choice itself is strictly necessary storage.
        let record = self.consent.to_record().to_json();
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
                props.insert(c.name(), Value::Bool(self.consent.allows(c)));
            }
            let mut e = self.new_event(EventType::Track);
            e.event = Some("Consent Updated".into());
            e.properties = Some(props);
            let json = self.outgoing_json(&e);
            let now = self.clock.now_ms();
            self.store(&mut e, json, now);
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
        let _ = delivery.retain(&env, &|_| false);
        self.held.clear();
        let prefix = cat!(self.config.storage_prefix, ":");
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
    /// go to the outbox, refused ones are dropped, undecided ones stay held.
    fn release_held(&mut self) {
        let held = std::mem::take(&mut self.held);
        for (category, record) in held {
            let ok = self.consent.allows(Category::Analytics) && self.consent.allows(category);
            let undecided = self.consent.is_opt_in()
                && (!self.consent.decided(Category::Analytics) || !self.consent.decided(category));
            if ok {
                self.delivery.push(record);
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
                    let key = cat!(self.config.storage_prefix, ':', name);
                    if let Err(e) = self.storage.remove(&key) {
                        self.errors.push(e);
                    }
                }
            }
            Category::Analytics => {
                let (delivery, env) = self.delivery();
                if let Err(e) = delivery.retain(&env, &|_| false) {
                    self.errors.push(e);
                }
                self.held.clear();
            }
            Category::Marketing => {
                let (delivery, env) = self.delivery();
                if let Err(e) =
                    delivery.retain(&env, &|r| category_of(&r.json) != Category::Marketing)
                {
                    self.errors.push(e);
                }
                self.held.retain(|(cat, _)| *cat != Category::Marketing);
            }
            Category::Necessary => {}
        }
    }

    /// Consent's gate: analytics allows storing and sending.
    pub(super) fn update_gate(&mut self) {
        let analytics = self.consent.allows(Category::Analytics);
        self.gate = Gate {
            store: analytics,
            send: analytics,
        };
    }

    /// The event as it leaves the device: traits only with marketing consent,
    /// then the allow/deny lists, PII masking and user-id hashing.
    pub(super) fn outgoing_json(&self, event: &Event) -> String {
        let traits_stay = event.traits.is_none() || self.consent.allows(Category::Marketing);
        if traits_stay
            && self.minimize.leaves_unchanged(
                &[event.properties.as_ref(), event.traits.as_ref()],
                event.user_id.is_some(),
            )
        {
            return self.shared.event_json(event);
        }
        let mut v = event.to_value();
        if !self.consent.allows(Category::Marketing) {
            if let Some(o) = v.as_object_mut() {
                o.remove("traits");
            }
        }
        self.minimize.apply(&mut v);
        v.to_json()
    }
}

//! The on-device visitor profile: identity, traits and per-event statistics.
//! It is what the rules read, persisted as one versioned JSON record.

use crate::core::affinity::AffinityState;
use crate::core::attribution::Touch;
use crate::core::event::{Event, EventType};
use crate::core::metrics::MetricState;
use crate::core::session::Session;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Version of the persisted record; older records are migrated on load.
///
/// Version 0 is the prototype's record, which had no `version` key:
/// `anonId`, `userId`, `traits`, per-event `counts`, `firstSeen` and `lastSeen`
/// maps (event name → count or epoch ms) and `created` / `updated`
/// (`tests/vectors/profile-v0.json`). [`Profile::from_json`] upgrades it.
pub const PROFILE_VERSION: u32 = 1;
/// Most distinct event names kept; the least recently seen is evicted beyond it.
pub const MAX_EVENT_NAMES: usize = 200;
/// Most previous ids kept from `alias` calls.
pub const MAX_ALIASES: usize = 10;

/// Count, first and last time of one event name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct EventStats {
    /// How many times it happened.
    pub count: u64,
    /// First time, epoch ms.
    pub first: f64,
    /// Last time, epoch ms.
    pub last: f64,
}

/// The visitor profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// Record version ([`PROFILE_VERSION`]).
    pub version: u32,
    /// Write counter: every stored write of the record increments it, so a
    /// tab can tell that what it read is older than another tab's last write
    /// (Chromium serves each tab `localStorage` from a cache that other tabs'
    /// writes reach asynchronously, even under a Web Lock).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rev: u64,
    /// Anonymous id, generated once.
    pub anonymous_id: String,
    /// User id, once identified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Merged traits (later wins, `null` deletes).
    #[serde(default)]
    pub traits: Map<String, Value>,
    /// Per event name statistics (`Page Viewed` for pages).
    #[serde(default)]
    pub events: BTreeMap<String, EventStats>,
    /// The current session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<Session>,
    /// The visitor's first arrival.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_touch: Option<Touch>,
    /// The arrival that started the current (or last) session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_touch: Option<Touch>,
    /// What other channels know (from `profile.url`), if fetched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<crate::core::seed::ServerProfile>,
    /// Segment membership as last evaluated (to report entries and exits once).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub segments: Vec<String>,
    /// Previous ids linked by `alias` (most recent last, bounded).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// State of the config's computed metrics, by metric id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metrics: BTreeMap<String, MetricState>,
    /// State of the config's affinities, by affinity id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub affinities: BTreeMap<String, AffinityState>,
    /// Impressions and clicks per slot and variant (the exposure ledger).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub exposures: crate::core::exposures::Ledger,
    /// Sticky experiment assignments, by experiment key.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub experiments: BTreeMap<String, crate::core::experiment::Sticky>,
    /// When the profile was created, epoch ms.
    pub created_at: f64,
    /// Last change, epoch ms.
    pub updated_at: f64,
}

impl Profile {
    /// A fresh profile for `anonymous_id`.
    pub fn new(anonymous_id: String, now: f64) -> Self {
        Self {
            version: PROFILE_VERSION,
            rev: 0,
            anonymous_id,
            user_id: None,
            traits: Map::new(),
            events: BTreeMap::new(),
            session: None,
            first_touch: None,
            last_touch: None,
            aliases: Vec::new(),
            segments: Vec::new(),
            server: None,
            metrics: BTreeMap::new(),
            affinities: BTreeMap::new(),
            exposures: BTreeMap::new(),
            experiments: BTreeMap::new(),
            created_at: now,
            updated_at: now,
        }
    }

    /// Parses a stored record, upgrading a version 0 record; `Err` carries the
    /// parse error text.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let mut value: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if value.get("version").is_none() {
            value = upgrade_v0(value)?;
        }
        let profile: Profile = serde_json::from_value(value).map_err(|e| e.to_string())?;
        if profile.version > PROFILE_VERSION {
            return Err(format!(
                "record version {} is newer than {PROFILE_VERSION}",
                profile.version
            ));
        }
        Ok(profile)
    }

    /// Serializes the record for storage.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Folds one event into the profile.
    pub fn record(&mut self, event: &Event, now: f64) {
        if event.kind == EventType::Alias {
            if let Some(prev) = &event.previous_id {
                if !self.aliases.contains(prev) {
                    self.aliases.push(prev.clone());
                    if self.aliases.len() > MAX_ALIASES {
                        self.aliases.remove(0);
                    }
                }
            }
            if let Some(uid) = &event.user_id {
                self.user_id = Some(uid.clone());
            }
        }
        if event.kind == EventType::Identify {
            if let Some(uid) = &event.user_id {
                self.user_id = Some(uid.clone());
            }
            if let Some(traits) = &event.traits {
                merge_traits(&mut self.traits, traits);
            }
        }
        let name = event.profile_name();
        if !name.is_empty() {
            if !self.events.contains_key(name) && self.events.len() >= MAX_EVENT_NAMES {
                self.evict_oldest_event();
            }
            let stats = self.events.entry(name.to_string()).or_insert(EventStats {
                count: 0,
                first: now,
                last: now,
            });
            stats.count += 1;
            stats.last = now;
        }
        self.updated_at = now;
    }

    fn evict_oldest_event(&mut self) {
        let oldest = self
            .events
            .iter()
            .min_by(|a, b| a.1.last.total_cmp(&b.1.last))
            .map(|(k, _)| k.clone());
        if let Some(k) = oldest {
            self.events.remove(&k);
        }
    }
}

/// Rewrites a version 0 record (see [`PROFILE_VERSION`]) as a version 1 one.
/// Event names beyond [`MAX_EVENT_NAMES`] keep the most recently seen.
fn upgrade_v0(v0: Value) -> Result<Value, String> {
    let Value::Object(old) = v0 else {
        return Err("expected an object".into());
    };
    let anon = old
        .get("anonId")
        .and_then(Value::as_str)
        .ok_or("version 0 record without anonId")?;
    let ms = |map: &str, name: &str| {
        old.get(map)
            .and_then(|m| m.get(name))
            .and_then(Value::as_f64)
    };
    let created = old.get("created").and_then(Value::as_f64).unwrap_or(0.0);
    let mut events: Vec<(String, EventStats)> = old
        .get("counts")
        .and_then(Value::as_object)
        .map(|counts| {
            counts
                .iter()
                .map(|(name, n)| {
                    let first = ms("firstSeen", name).unwrap_or(created);
                    let stats = EventStats {
                        count: n.as_u64().unwrap_or(0),
                        first,
                        last: ms("lastSeen", name).unwrap_or(first),
                    };
                    (name.clone(), stats)
                })
                .collect()
        })
        .unwrap_or_default();
    events.sort_by(|a, b| b.1.last.total_cmp(&a.1.last));
    events.truncate(MAX_EVENT_NAMES);
    let mut p = Profile::new(anon.to_string(), created);
    p.user_id = old.get("userId").and_then(Value::as_str).map(String::from);
    p.traits = old
        .get("traits")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    p.events = events.into_iter().collect();
    p.updated_at = old
        .get("updated")
        .and_then(Value::as_f64)
        .unwrap_or(created);
    serde_json::to_value(&p).map_err(|e| e.to_string())
}

/// Merges `incoming` into `traits`: later values win, `null` deletes the key.
pub fn merge_traits(traits: &mut Map<String, Value>, incoming: &Map<String, Value>) {
    for (k, v) in incoming {
        if v.is_null() {
            traits.remove(k);
        } else {
            traits.insert(k.clone(), v.clone());
        }
    }
}

/// Serde helper: a zero write counter is left out of the record.
fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(kind: EventType, name: Option<&str>) -> Event {
        Event {
            kind,
            message_id: "m".into(),
            anonymous_id: "a".into(),
            user_id: None,
            timestamp: String::new(),
            event: name.map(String::from),
            name: None,
            properties: None,
            traits: None,
            group_id: None,
            previous_id: None,
            context: Default::default(),
        }
    }

    #[test]
    fn counts_pages_and_tracks_with_first_and_last() {
        let mut p = Profile::new("a".into(), 0.0);
        p.record(&ev(EventType::Page, None), 10.0);
        p.record(&ev(EventType::Page, None), 20.0);
        p.record(&ev(EventType::Track, Some("Added")), 30.0);
        let pv = p.events["Page Viewed"];
        assert_eq!((pv.count, pv.first, pv.last), (2, 10.0, 20.0));
        assert_eq!(p.events["Added"].count, 1);
        let back = Profile::from_json(&p.to_json());
        assert_eq!(back, Ok(p));
    }

    #[test]
    fn identify_merges_traits_and_null_deletes() {
        let mut p = Profile::new("a".into(), 0.0);
        let mut e = ev(EventType::Identify, None);
        e.user_id = Some("u1".into());
        e.traits = serde_json::from_str(r#"{"plan":"gold","name":"Ann"}"#).ok();
        p.record(&e, 1.0);
        e.traits = serde_json::from_str(r#"{"plan":"silver","name":null}"#).ok();
        p.record(&e, 2.0);
        assert_eq!(p.user_id.as_deref(), Some("u1"));
        assert_eq!(
            Value::Object(p.traits.clone()),
            serde_json::json!({"plan":"silver"})
        );
    }

    #[test]
    fn event_names_are_bounded() {
        let mut p = Profile::new("a".into(), 0.0);
        for i in 0..(MAX_EVENT_NAMES + 50) {
            let name = format!("E{i}");
            p.record(&ev(EventType::Track, Some(&name)), i as f64);
        }
        assert_eq!(p.events.len(), MAX_EVENT_NAMES);
        assert!(!p.events.contains_key("E0"));
        assert!(p.events.contains_key(&format!("E{}", MAX_EVENT_NAMES + 49)));
    }

    #[test]
    fn upgrades_a_version_0_record() {
        let text = include_str!("../../tests/vectors/profile-v0.json");
        let p = Profile::from_json(text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.version, PROFILE_VERSION);
        assert_eq!(p.anonymous_id, "5b8e2c1a-3f4d-4e6a-9b7c-0d1e2f3a4b5c");
        assert_eq!(p.user_id.as_deref(), Some("user-42"));
        assert_eq!(p.traits["plan"], "pro");
        let pv = p.events["Page Viewed"];
        assert_eq!(
            (pv.count, pv.first, pv.last),
            (7, 1_790_000_000_000.0, 1_790_086_400_000.0)
        );
        assert_eq!(p.events["Product Viewed"].count, 3);
        assert_eq!(
            (p.created_at, p.updated_at),
            (1_790_000_000_000.0, 1_790_086_400_000.0)
        );
        assert!(p.metrics.is_empty() && p.session.is_none());
        // Saved again, it is a current record and reads back the same.
        assert!(p.to_json().contains("\"version\":1"));
        assert_eq!(Profile::from_json(&p.to_json()), Ok(p));
        assert!(Profile::from_json(r#"{"counts":{}}"#).is_err());
    }

    #[test]
    fn rejects_garbage_and_future_versions() {
        assert!(Profile::from_json("{not json").is_err());
        let mut p = Profile::new("a".into(), 0.0);
        p.version = PROFILE_VERSION + 1;
        assert!(Profile::from_json(&p.to_json()).is_err());
    }
}

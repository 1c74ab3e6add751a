//! The on-device visitor profile: identity, traits and per-event statistics.
//! It is what the rules read, persisted as one versioned JSON record.

use crate::cat;
use crate::core::affinity::AffinityState;
use crate::core::attribution::Touch;
use crate::core::event::{Event, EventType};
use crate::core::experiment::Sticky;
use crate::core::json::{Map, Value};
use crate::core::keymap::KeyMap;
use crate::core::metrics::MetricState;
use crate::core::seed::ServerProfile;
use crate::core::session::Session;

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
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct EventStats {
    /// How many times it happened.
    pub count: u64,
    /// First time, epoch ms.
    pub first: f64,
    /// Last time, epoch ms.
    pub last: f64,
}

impl EventStats {
    /// The stored form: `{count, first, last}`.
    pub fn to_value(&self) -> Value {
        let mut m = Map::with_capacity(3);
        m.insert("count", Value::from(self.count));
        m.insert("first", Value::from(self.first));
        m.insert("last", Value::from(self.last));
        Value::Object(m)
    }

    /// Reads the stored form (all three keys required).
    pub fn from_value(v: &Value) -> Result<Self, String> {
        let m = record(v)?;
        Ok(EventStats {
            count: need_u64(m, "count")?,
            first: need_f64(m, "first")?,
            last: need_f64(m, "last")?,
        })
    }
}

/// The visitor profile. Stored as one JSON object with camelCase keys;
/// `rev`, `userId`, `session`, `firstTouch`, `lastTouch`, `server` and the
/// empty lists and maps from `segments` on are left out when unset.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Record version ([`PROFILE_VERSION`]).
    pub version: u32,
    /// Write counter: every stored write of the record increments it, so a
    /// tab can tell that what it read is older than another tab's last write
    /// (Chromium serves each tab `localStorage` from a cache that other tabs'
    /// writes reach asynchronously, even under a Web Lock).
    pub rev: u64,
    /// Anonymous id, generated once.
    pub anonymous_id: String,
    /// User id, once identified.
    pub user_id: Option<String>,
    /// Merged traits (later wins, `null` deletes).
    pub traits: Map,
    /// Per event name statistics (`Page Viewed` for pages).
    pub events: KeyMap<EventStats>,
    /// The current session.
    pub session: Option<Session>,
    /// The visitor's first arrival.
    pub first_touch: Option<Touch>,
    /// The arrival that started the current (or last) session.
    pub last_touch: Option<Touch>,
    /// What other channels know (from `profile.url`), if fetched.
    pub server: Option<ServerProfile>,
    /// Segment membership as last evaluated (to report entries and exits once).
    pub segments: Vec<String>,
    /// Previous ids linked by `alias` (most recent last, bounded).
    pub aliases: Vec<String>,
    /// State of the config's computed metrics, by metric id.
    pub metrics: KeyMap<MetricState>,
    /// State of the config's affinities, by affinity id.
    pub affinities: KeyMap<AffinityState>,
    /// Impressions and clicks per slot and variant (the exposure ledger).
    pub exposures: crate::core::exposures::Ledger,
    /// Sticky experiment assignments, by experiment key.
    pub experiments: KeyMap<Sticky>,
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
            events: KeyMap::new(),
            session: None,
            first_touch: None,
            last_touch: None,
            aliases: Vec::new(),
            segments: Vec::new(),
            server: None,
            metrics: KeyMap::new(),
            affinities: KeyMap::new(),
            exposures: KeyMap::new(),
            experiments: KeyMap::new(),
            created_at: now,
            updated_at: now,
        }
    }

    /// Parses a stored record, upgrading a version 0 record; `Err` carries the
    /// parse error text.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let value = Value::parse(text).map_err(|e| e.text())?;
        let profile = if value.get("version").is_none() {
            upgrade_v0(&value)?
        } else {
            Profile::from_value(&value)?
        };
        if profile.version > PROFILE_VERSION {
            return Err(cat!(
                "record version ",
                profile.version,
                " is newer than ",
                PROFILE_VERSION
            ));
        }
        Ok(profile)
    }

    /// Serializes the record for storage.
    pub fn to_json(&self) -> String {
        self.to_value().to_json()
    }

    /// The stored record as a JSON object (see [`Profile`] for what is left out).
    pub fn to_value(&self) -> Value {
        let mut m = Map::with_capacity(18);
        m.insert("version", Value::from(self.version));
        if self.rev != 0 {
            m.insert("rev", Value::from(self.rev));
        }
        m.insert("anonymousId", Value::from(self.anonymous_id.as_str()));
        if let Some(uid) = &self.user_id {
            m.insert("userId", Value::from(uid.as_str()));
        }
        m.insert("traits", Value::Object(self.traits.clone()));
        let mut events = Map::with_capacity(self.events.len());
        for (name, stats) in &self.events {
            events.insert(name.as_str(), stats.to_value());
        }
        m.insert("events", Value::Object(events));
        if let Some(s) = &self.session {
            m.insert("session", s.to_value());
        }
        if let Some(t) = &self.first_touch {
            m.insert("firstTouch", t.to_value());
        }
        if let Some(t) = &self.last_touch {
            m.insert("lastTouch", t.to_value());
        }
        if let Some(sp) = &self.server {
            m.insert("server", sp.to_value());
        }
        if !self.segments.is_empty() {
            m.insert("segments", strings_value(&self.segments));
        }
        if !self.aliases.is_empty() {
            m.insert("aliases", strings_value(&self.aliases));
        }
        if !self.metrics.is_empty() {
            let mut o = Map::with_capacity(self.metrics.len());
            for (id, st) in &self.metrics {
                o.insert(id.as_str(), st.to_value());
            }
            m.insert("metrics", Value::Object(o));
        }
        if !self.affinities.is_empty() {
            let mut o = Map::with_capacity(self.affinities.len());
            for (id, st) in &self.affinities {
                o.insert(id.as_str(), st.to_value());
            }
            m.insert("affinities", Value::Object(o));
        }
        if !self.exposures.is_empty() {
            m.insert(
                "exposures",
                crate::core::exposures::to_value(&self.exposures),
            );
        }
        if !self.experiments.is_empty() {
            let mut o = Map::with_capacity(self.experiments.len());
            for (key, sticky) in &self.experiments {
                o.insert(key.as_str(), sticky.to_value());
            }
            m.insert("experiments", Value::Object(o));
        }
        m.insert("createdAt", Value::from(self.created_at));
        m.insert("updatedAt", Value::from(self.updated_at));
        Value::Object(m)
    }

    /// Reads a current (version 1) record. `version`, `anonymousId`,
    /// `createdAt` and `updatedAt` are required, every other key may be
    /// missing (`null` too for the optional ones); unknown keys are ignored.
    /// `Err` names the first key that is wrong.
    pub fn from_value(v: &Value) -> Result<Self, String> {
        let m = record(v)?;
        let version = u32::try_from(need_u64(m, "version")?)
            .map_err(|_| "version: out of range".to_string())?;
        let mut p = Profile::new(need_str(m, "anonymousId")?.to_string(), 0.0);
        p.version = version;
        p.rev = field_u64(m, "rev")?.unwrap_or(0);
        p.user_id = field_opt_str(m, "userId")?;
        if let Some(t) = field_object(m, "traits")? {
            p.traits = t.clone();
        }
        if let Some(events) = field_object(m, "events")? {
            for (name, s) in events {
                let stats = EventStats::from_value(s).map_err(|e| inside("events", name, e))?;
                p.events.insert(name.clone(), stats);
            }
        }
        p.session = match m.get("session") {
            None | Some(Value::Null) => None,
            Some(s) => Some(Session::from_value(s).map_err(|e| cat!("session.", e))?),
        };
        p.first_touch = match m.get("firstTouch") {
            None | Some(Value::Null) => None,
            Some(t) => Some(Touch::from_value(t).map_err(|e| cat!("firstTouch.", e))?),
        };
        p.last_touch = match m.get("lastTouch") {
            None | Some(Value::Null) => None,
            Some(t) => Some(Touch::from_value(t).map_err(|e| cat!("lastTouch.", e))?),
        };
        p.server = match m.get("server") {
            None | Some(Value::Null) => None,
            Some(s) => Some(ServerProfile::from_value(s).map_err(|e| cat!("server.", e))?),
        };
        p.segments = field_strings(m, "segments")?;
        p.aliases = field_strings(m, "aliases")?;
        if let Some(metrics) = field_object(m, "metrics")? {
            for (id, s) in metrics {
                let st = MetricState::from_value(s).map_err(|e| inside("metrics", id, e))?;
                p.metrics.insert(id.clone(), st);
            }
        }
        if let Some(affinities) = field_object(m, "affinities")? {
            for (id, s) in affinities {
                let st = AffinityState::from_value(s).map_err(|e| inside("affinities", id, e))?;
                p.affinities.insert(id.clone(), st);
            }
        }
        if let Some(ledger) = m.get("exposures") {
            p.exposures =
                crate::core::exposures::from_value(ledger).map_err(|e| cat!("exposures.", e))?;
        }
        if let Some(experiments) = field_object(m, "experiments")? {
            for (key, s) in experiments {
                let sticky = Sticky::from_value(s).map_err(|e| inside("experiments", key, e))?;
                p.experiments.insert(key.clone(), sticky);
            }
        }
        p.created_at = need_f64(m, "createdAt")?;
        p.updated_at = need_f64(m, "updatedAt")?;
        Ok(p)
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
fn upgrade_v0(v0: &Value) -> Result<Profile, String> {
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
    let mut events: Vec<(String, EventStats)> = Vec::new();
    if let Some(counts) = old.get("counts").and_then(Value::as_object) {
        for (name, n) in counts {
            let first = ms("firstSeen", name).unwrap_or(created);
            let stats = EventStats {
                count: n.as_u64().unwrap_or(0),
                first,
                last: ms("lastSeen", name).unwrap_or(first),
            };
            events.push((name.clone(), stats));
        }
    }
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
    Ok(p)
}

/// Merges `incoming` into `traits`: later values win, `null` deletes the key.
pub fn merge_traits(traits: &mut Map, incoming: &Map) {
    for (k, v) in incoming {
        if v.is_null() {
            traits.remove(k);
        } else {
            traits.insert(k.clone(), v.clone());
        }
    }
}

fn strings_value(list: &[String]) -> Value {
    let mut out = Vec::with_capacity(list.len());
    for s in list {
        out.push(Value::from(s.as_str()));
    }
    Value::Array(out)
}

/// `"<map>.<key>.<error>"` for an error inside one entry of a stored map.
fn inside(map: &str, key: &str, error: String) -> String {
    cat!(map, ".", key, ".", error)
}

/// `x` as a JSON number, `null` when it is not finite (as `serde_json`
/// turned a NaN or an infinity into `null`).
pub(crate) fn finite(x: f64) -> Value {
    if x.is_finite() {
        Value::Number(x)
    } else {
        Value::Null
    }
}

// Reading stored records (the profile and the parts other modules keep in
// it). An error is `"<key>: <what is wrong>"`; callers prefix the parents.

/// The object a stored record must be.
pub(crate) fn record(v: &Value) -> Result<&Map, String> {
    v.as_object()
        .ok_or_else(|| "expected an object".to_string())
}

/// The error for a required key that is absent.
pub(crate) fn missing(key: &str) -> String {
    cat!(key, ": missing")
}

/// A number under `key`; `None` when absent.
pub(crate) fn field_f64(m: &Map, key: &str) -> Result<Option<f64>, String> {
    match m.get(key) {
        None => Ok(None),
        Some(Value::Number(n)) => Ok(Some(*n)),
        Some(_) => Err(cat!(key, ": expected a number")),
    }
}

/// A required number under `key`.
pub(crate) fn need_f64(m: &Map, key: &str) -> Result<f64, String> {
    field_f64(m, key)?.ok_or_else(|| missing(key))
}

/// A whole number ≥ 0 under `key`; `None` when absent.
pub(crate) fn field_u64(m: &Map, key: &str) -> Result<Option<u64>, String> {
    match m.get(key) {
        None => Ok(None),
        Some(v) => match v.as_u64() {
            Some(n) => Ok(Some(n)),
            None => Err(cat!(key, ": expected a whole number")),
        },
    }
}

/// A required whole number ≥ 0 under `key`.
pub(crate) fn need_u64(m: &Map, key: &str) -> Result<u64, String> {
    field_u64(m, key)?.ok_or_else(|| missing(key))
}

/// A string under `key`; `None` when absent.
pub(crate) fn field_str<'a>(m: &'a Map, key: &str) -> Result<Option<&'a str>, String> {
    match m.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(cat!(key, ": expected a string")),
    }
}

/// A required string under `key`.
pub(crate) fn need_str<'a>(m: &'a Map, key: &str) -> Result<&'a str, String> {
    field_str(m, key)?.ok_or_else(|| missing(key))
}

/// An optional string under `key` (absent or `null`: `None`).
pub(crate) fn field_opt_str(m: &Map, key: &str) -> Result<Option<String>, String> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(cat!(key, ": expected a string")),
    }
}

/// An object under `key`; `None` when absent.
pub(crate) fn field_object<'a>(m: &'a Map, key: &str) -> Result<Option<&'a Map>, String> {
    match m.get(key) {
        None => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o)),
        Some(_) => Err(cat!(key, ": expected an object")),
    }
}

/// An array under `key`; `None` when absent.
pub(crate) fn field_array<'a>(m: &'a Map, key: &str) -> Result<Option<&'a [Value]>, String> {
    match m.get(key) {
        None => Ok(None),
        Some(Value::Array(a)) => Ok(Some(a)),
        Some(_) => Err(cat!(key, ": expected an array")),
    }
}

/// A list of strings under `key` (absent: empty).
pub(crate) fn field_strings(m: &Map, key: &str) -> Result<Vec<String>, String> {
    let Some(items) = field_array(m, key)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Value::String(s) => out.push(s.clone()),
            _ => return Err(cat!(key, ": expected strings")),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(v: serde_json::Value) -> Value {
        Value::parse(&v.to_string()).expect("json")
    }

    /// A record with every field set, as the previous release (serde) wrote it.
    const SERDE_RECORD: &str = r#"{"version":1,"rev":12,"anonymousId":"anon-1","userId":"u-\"1\"","traits":{"k":[1,null,true],"n":1.5,"o":{"a":"é\u0001","z":1},"plan":"pro"},"events":{"Added":{"count":1,"first":0.25,"last":3.0},"Page Viewed":{"count":7,"first":1790000000000.0,"last":1790000000123.5}},"session":{"id":"s1","number":3,"start":10.0,"lastActivity":20.5,"pageViews":2,"events":5,"campaign":"email/news/cart"},"firstTouch":{"channel":"search","source":"www.google.com","landing":"https://x/","at":1.0},"lastTouch":{"channel":"email","source":"news","campaign":"cart","landing":"https://x/?a","at":2.5},"server":{"traits":{"vip":true},"segments":["a"],"exposures":[{"at":3,"channel":"email"}],"fetched_at":99.5},"segments":["seg1","seg0"],"aliases":["old"],"metrics":{"m0":{"f":0,"h":0},"m1":{"f":4000000000,"s":"s1","h":497222,"n":[1,0,2],"x":[1.5,0.0,3.0],"v":["a",null,2],"d":{"1.5":-2,"x":5}}},"affinities":{"cat":{"f":7,"v":{"shoes":[1.5,2.0]}},"empty":{"f":0,"v":{}}},"exposures":{"hero":{"_all":{"views":0,"clicks":0,"sessionViews":0,"firstSeen":0.0,"lastSeen":0.0,"lastClicked":null},"a":{"views":2,"clicks":1,"session":"s1","sessionViews":2,"firstSeen":1.0,"lastSeen":2.5,"lastClicked":3.0,"recent":[1.0,2.5]}}},"experiments":{"e1":{"variant":"b","hashAttribute":"id","hashValue":"anon-1","at":5.0},"e2":{"variant":null,"hashAttribute":"id","hashValue":"anon-1","at":6.0}},"createdAt":1790000000000.0,"updatedAt":1790000000124.0}"#;

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
        let pv = p.events.at("Page Viewed");
        assert_eq!((pv.count, pv.first, pv.last), (2, 10.0, 20.0));
        assert_eq!(p.events.at("Added").count, 1);
        let back = Profile::from_json(&p.to_json());
        assert_eq!(back, Ok(p));
    }

    #[test]
    fn identify_merges_traits_and_null_deletes() {
        let mut p = Profile::new("a".into(), 0.0);
        let mut e = ev(EventType::Identify, None);
        e.user_id = Some("u1".into());
        e.traits = j(serde_json::json!({"plan":"gold","name":"Ann"}))
            .as_object()
            .cloned();
        p.record(&e, 1.0);
        e.traits = j(serde_json::json!({"plan":"silver","name":null}))
            .as_object()
            .cloned();
        p.record(&e, 2.0);
        assert_eq!(p.user_id.as_deref(), Some("u1"));
        assert_eq!(
            Value::Object(p.traits.clone()),
            j(serde_json::json!({"plan":"silver"}))
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
        let pv = p.events.at("Page Viewed");
        assert_eq!(
            (pv.count, pv.first, pv.last),
            (7, 1_790_000_000_000.0, 1_790_086_400_000.0)
        );
        assert_eq!(p.events.at("Product Viewed").count, 3);
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

    #[test]
    fn reads_and_writes_the_previous_releases_record() {
        let p = Profile::from_json(SERDE_RECORD).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.rev, 12);
        assert_eq!(p.user_id.as_deref(), Some("u-\"1\""));
        assert_eq!(p.events.at("Page Viewed").last, 1_790_000_000_123.5);
        let s = p.session.clone().unwrap_or_else(|| panic!("session"));
        assert_eq!(s.campaign.as_deref(), Some("email/news/cart"));
        assert_eq!(
            p.metrics.at("m1").distinct,
            vec![("1.5".into(), -2), ("x".into(), 5)]
        );
        assert_eq!(
            p.exposures
                .at("hero")
                .at(crate::core::exposures::ALL)
                .last_clicked,
            None
        );
        assert_eq!(p.experiments.at("e2").variant, None);
        assert_eq!(p.server.as_ref().map(|s| s.fetched_at), Some(99.5));
        // The same document (key order aside: objects are written sorted now,
        // and whole floats as JavaScript writes them, `1` for `1.0`).
        let old = Value::parse(SERDE_RECORD).unwrap_or_else(|e| panic!("{}", e.text()));
        assert_eq!(p.to_value(), old);
        assert_eq!(Value::parse(&p.to_json()).ok(), Some(old));
        assert_eq!(Profile::from_json(&p.to_json()), Ok(p));
        let fresh = Profile::new("a".into(), 0.0);
        assert_eq!(
            fresh.to_json(),
            r#"{"anonymousId":"a","createdAt":0,"events":{},"traits":{},"updatedAt":0,"version":1}"#
        );
    }

    #[test]
    fn unknown_keys_are_ignored_and_wrong_types_refused() {
        let base = r#"{"version":1,"anonymousId":"a","createdAt":0,"updatedAt":0"#;
        let read = |extra: &str| Profile::from_json(&format!("{base}{extra}}}"));
        assert_eq!(
            read(r#","future":{"x":1}"#),
            Ok(Profile::new("a".into(), 0.0))
        );
        assert_eq!(
            read(r#","session":null,"userId":null"#),
            Ok(Profile::new("a".into(), 0.0))
        );
        assert_eq!(
            read(r#","events":{"E":{"count":1,"first":0}}"#),
            Err("events.E.last: missing".into())
        );
        assert_eq!(
            read(r#","traits":[]"#),
            Err("traits: expected an object".into())
        );
        assert_eq!(
            read(r#","rev":-1"#),
            Err("rev: expected a whole number".into())
        );
        assert!(Profile::from_json(r#"{"version":1,"anonymousId":"a","createdAt":0}"#).is_err());
    }
}

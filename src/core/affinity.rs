//! Affinities declared in the config (`affinities: [...]`): how much the
//! visitor leans towards each value of one event property (a category, a
//! brand), as a score that decays exponentially with a half-life.
//!
//! Every matching event adds 1 to its value's score. A score `s` stored at
//! time `t0` reads as `s · 2^(-(t - t0) / halfLife)` at time `t`; it is decayed
//! lazily, when the value is updated or read. At most [`MAX_VALUES`] values are
//! kept per affinity: a new value beyond that evicts the one with the lowest
//! decayed score. The attribute document shows `affinities.<id>` as
//! `{"top": [values by score, at most TOP], "scores": {value: score}}`.

use crate::cat;
use crate::core::error::{index_path, join_path, AttuneError};
use crate::core::json::{Map, Value};
use crate::core::keymap::KeyMap;
use crate::core::metrics::{parse_hours, value_key};
use crate::core::profile::{field_object, finite, record};
use crate::core::rules::{fnv1a32, Condition, RegexEngine};

/// Most values kept per affinity.
pub const MAX_VALUES: usize = 20;
/// Length of the `top` list.
pub const TOP: usize = 5;
/// Most affinities a config may declare; later ones are reported and ignored.
pub const MAX_AFFINITIES: usize = 8;

/// Per-affinity state stored in the profile, as `{"f": fingerprint, "v":
/// {value: [score, at]}}` (`v` written even when empty).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AffinityState {
    /// Fingerprint of the definition this state was built with.
    pub fingerprint: u32,
    /// Value → (score, epoch ms the score was last brought up to date),
    /// sorted by value.
    pub values: Vec<(String, (f64, f64))>,
}

impl AffinityState {
    /// The stored form.
    pub fn to_value(&self) -> Value {
        let mut v = Map::with_capacity(self.values.len());
        for (k, (score, at)) in &self.values {
            v.insert(
                k.as_str(),
                Value::Array(vec![Value::from(*score), Value::from(*at)]),
            );
        }
        let mut m = Map::with_capacity(2);
        m.insert("f", Value::from(self.fingerprint));
        m.insert("v", Value::Object(v));
        Value::Object(m)
    }

    /// Reads the stored form; both keys may be missing.
    pub fn from_value(v: &Value) -> Result<Self, String> {
        let m = record(v)?;
        let mut st = AffinityState::default();
        if let Some(f) = m.get("f") {
            st.fingerprint = f
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| "f: expected a whole number".to_string())?;
        }
        if let Some(values) = field_object(m, "v")? {
            st.values.reserve(values.len());
            for (k, pair) in values {
                let (score, at) = match pair.as_array().map(Vec::as_slice) {
                    Some([Value::Number(s), Value::Number(t)]) => (*s, *t),
                    _ => return Err(cat!("v.", k, ": expected [score, time]")),
                };
                // The object's keys are sorted already.
                st.values.push((k.clone(), (score, at)));
            }
        }
        Ok(st)
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.values.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }

    /// The `(score, at)` of `key`, if kept.
    pub fn get(&self, key: &str) -> Option<(f64, f64)> {
        self.find(key).ok().map(|i| self.values[i].1)
    }
}

/// One compiled affinity.
#[derive(Debug)]
struct AffinityDef {
    id: String,
    event: String,
    property: String,
    half_life_ms: f64,
    filter: Option<Condition>,
    fingerprint: u32,
}

/// Every valid affinity of the config, compiled once at `init`.
#[derive(Debug, Default)]
pub struct Affinities {
    defs: Vec<AffinityDef>,
}

impl Affinities {
    /// Compiles the `affinities` array of `raw` (the whole config). An invalid
    /// entry is reported in `warnings` and left out.
    pub fn compile(raw: &Value, regex: &dyn RegexEngine, warnings: &mut Vec<AttuneError>) -> Self {
        let list = match raw.get("affinities") {
            None | Some(Value::Null) => return Self::default(),
            Some(Value::Array(a)) => a,
            Some(_) => {
                warnings.push(AttuneError::config("affinities", "expected an array"));
                return Self::default();
            }
        };
        let mut defs: Vec<AffinityDef> = Vec::new();
        for (i, item) in list.iter().enumerate() {
            let path = index_path("affinities", i);
            if i >= MAX_AFFINITIES {
                warnings.push(AttuneError::config(
                    path,
                    cat!("at most ", MAX_AFFINITIES, " affinities"),
                ));
                continue;
            }
            match parse_def(item, &path, regex) {
                Ok(d) if defs.iter().any(|x| x.id == d.id) => warnings.push(
                    AttuneError::config_at(&path, "id", cat!("duplicate id \"", d.id, "\"")),
                ),
                Ok(d) => defs.push(d),
                Err(e) => warnings.push(e),
            }
        }
        Self { defs }
    }

    /// True when no affinity is active.
    pub fn is_empty(&self) -> bool {
        self.defs.is_empty()
    }

    /// Drops stored state of affinities the config no longer declares.
    pub fn prune(&self, states: &mut KeyMap<AffinityState>) {
        states.retain(|id, _| self.defs.iter().any(|d| d.id == id));
    }

    /// Folds one event (`name`, its `properties`) into `states` at `now`.
    pub fn update(
        &self,
        states: &mut KeyMap<AffinityState>,
        name: &str,
        properties: &Value,
        now: f64,
    ) {
        for def in self.defs.iter().filter(|d| d.event == name) {
            if def
                .filter
                .as_ref()
                .is_some_and(|c| !c.eval(properties, None))
            {
                continue;
            }
            let Some(key) = properties.get(&def.property).and_then(value_key) else {
                continue;
            };
            let st = states.entry(def.id.clone()).or_default();
            if st.fingerprint != def.fingerprint {
                *st = AffinityState {
                    fingerprint: def.fingerprint,
                    values: Vec::new(),
                };
            }
            let hl = def.half_life_ms;
            let i = match st.find(&key) {
                Ok(i) => i,
                Err(mut at) => {
                    if st.values.len() >= MAX_VALUES {
                        // The weakest goes (the first in key order on a tie).
                        let mut weakest = 0;
                        let mut low = f64::NAN;
                        for (j, (_, v)) in st.values.iter().enumerate() {
                            let d = decay(*v, now, hl);
                            if j == 0 || d.total_cmp(&low).is_lt() {
                                weakest = j;
                                low = d;
                            }
                        }
                        st.values.remove(weakest);
                        if weakest < at {
                            at -= 1;
                        }
                    }
                    st.values.insert(at, (key, (0.0, now)));
                    at
                }
            };
            let entry = &mut st.values[i].1;
            *entry = (decay(*entry, now, hl) + 1.0, now.max(entry.1));
        }
    }

    /// The `affinities` object of the attribute document at `now`.
    pub fn values(&self, states: &KeyMap<AffinityState>, now: f64) -> Map {
        let mut out = Map::with_capacity(self.defs.len());
        for d in &self.defs {
            let st = states.get(&d.id).filter(|s| s.fingerprint == d.fingerprint);
            let mut scored: Vec<(&String, f64)> = Vec::new();
            if let Some(s) = st {
                scored.reserve(s.values.len());
                for (k, v) in &s.values {
                    scored.push((k, decay(*v, now, d.half_life_ms)));
                }
            }
            scored.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
            let mut top = Vec::with_capacity(TOP.min(scored.len()));
            let mut scores = Map::with_capacity(scored.len());
            for (k, s) in &scored {
                if top.len() < TOP {
                    top.push(Value::from(k.as_str()));
                }
                scores.insert(k.as_str(), finite((s * 1000.0).round() / 1000.0));
            }
            let mut doc = Map::with_capacity(2);
            doc.insert("top", Value::Array(top));
            doc.insert("scores", Value::Object(scores));
            out.insert(d.id.as_str(), Value::Object(doc));
        }
        out
    }
}

/// `(score, at)` decayed to `now`; a time before `at` does not grow the score.
fn decay((score, at): (f64, f64), now: f64, half_life_ms: f64) -> f64 {
    let dt = (now - at).max(0.0);
    score * crate::core::json::num::exp2(-dt / half_life_ms)
}

fn parse_def(
    item: &Value,
    path: &str,
    regex: &dyn RegexEngine,
) -> Result<AffinityDef, AttuneError> {
    let obj = item
        .as_object()
        .ok_or_else(|| AttuneError::config(path, "expected an object"))?;
    crate::core::config_keys::check(obj, "affinities[]", path)?;
    let text = |key: &str| -> Result<&str, AttuneError> {
        match obj.get(key) {
            None | Some(Value::Null) => Err(AttuneError::config_at(path, key, "required")),
            Some(Value::String(s)) if !s.is_empty() => Ok(s),
            Some(_) => Err(AttuneError::config_at(
                path,
                key,
                "expected a non-empty string",
            )),
        }
    };
    let id = text("id")?;
    if id.as_bytes().contains(&b'.') {
        return Err(AttuneError::config_at(path, "id", "must not contain \".\""));
    }
    let event = text("event")?;
    let property = text("property")?;
    let hours = text("halfLife").and_then(|s| {
        parse_hours(s).ok_or_else(|| {
            AttuneError::config_at(path, "halfLife", "expected \"<N>d\" or \"<N>h\"")
        })
    })?;
    let filter = match obj.get("where") {
        None | Some(Value::Null) => None,
        Some(w) => Some(Condition::compile(w, &join_path(path, "where"), regex)?),
    };
    Ok(AffinityDef {
        id: id.to_string(),
        event: event.to_string(),
        property: property.to_string(),
        half_life_ms: f64::from(hours) * 3_600_000.0,
        filter,
        fingerprint: fnv1a32(&[&item.to_json()]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rules::NoRegex;

    /// `serde_json::json!` as a core [`Value`].
    macro_rules! json {
        ($($t:tt)+) => {
            Value::parse(&serde_json::json!($($t)+).to_string()).expect("json")
        };
    }

    const DAY: f64 = 86_400_000.0;

    fn compile(v: Value) -> (Affinities, Vec<String>) {
        let mut w = Vec::new();
        let mut config = Map::new();
        config.insert("affinities", v);
        let a = Affinities::compile(&Value::Object(config), &NoRegex, &mut w);
        (a, w.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn scores_decay_with_the_half_life_and_rank_the_top() {
        let (a, w) = compile(json!([
            {"id": "category", "event": "Product Viewed", "property": "category", "halfLife": "7d"}
        ]));
        assert!(w.is_empty(), "{w:?}");
        let mut st = KeyMap::new();
        let view = |c: &str| json!({ "category": c });
        a.update(&mut st, "Product Viewed", &view("shoes"), 0.0);
        a.update(&mut st, "Product Viewed", &view("shoes"), 0.0);
        a.update(&mut st, "Product Viewed", &view("hats"), 7.0 * DAY);
        a.update(&mut st, "Other", &view("bags"), 7.0 * DAY);
        let v = a.values(&st, 7.0 * DAY);
        assert_eq!(
            v["category"],
            json!({"top": ["hats", "shoes"], "scores": {"hats": 1.0, "shoes": 1.0}})
        );
        let v = a.values(&st, 14.0 * DAY);
        assert_eq!(v["category"]["scores"], json!({"hats": 0.5, "shoes": 0.5}));
        a.update(&mut st, "Product Viewed", &view("shoes"), 14.0 * DAY);
        assert_eq!(a.values(&st, 14.0 * DAY)["category"]["top"][0], "shoes");
    }

    #[test]
    fn values_are_bounded_by_evicting_the_weakest() {
        let (a, _) = compile(json!([
            {"id": "brand", "event": "E", "property": "b", "halfLife": "1h"}
        ]));
        let mut st = KeyMap::new();
        a.update(&mut st, "E", &json!({"b": "keep"}), 0.0);
        a.update(&mut st, "E", &json!({"b": "keep"}), 0.0);
        for i in 0..(MAX_VALUES * 3) {
            a.update(&mut st, "E", &json!({ "b": i }), 1.0);
        }
        let values = &st.at("brand").values;
        assert_eq!(values.len(), MAX_VALUES);
        assert!(st.at("brand").get("keep").is_some());
        let doc = a.values(&st, 1.0);
        assert_eq!(doc["brand"]["top"].as_array().map(Vec::len), Some(TOP));
        assert_eq!(doc["brand"]["top"][0], "keep");
    }

    #[test]
    fn invalid_entries_are_reported_with_paths() {
        let (a, w) = compile(json!([
            {"id": "ok", "event": "E", "property": "p", "halfLife": "12h"},
            {"id": "x", "event": "E", "property": "p", "halfLife": "soon"},
            {"id": "y", "event": "E", "halfLife": "1d"},
            {"id": "ok", "event": "E", "property": "p", "halfLife": "1d"},
            {"id": "z", "event": "E", "property": "p", "halfLife": "1d", "where": {"a": {"$nope": 1}}}
        ]));
        assert!(!a.is_empty());
        assert_eq!(
            w[0],
            "affinities[1].halfLife: expected \"<N>d\" or \"<N>h\""
        );
        assert_eq!(w[1], "affinities[2].property: required");
        assert_eq!(w[2], "affinities[3].id: duplicate id \"ok\"");
        assert!(w[3].starts_with("affinities[4].where"), "{w:?}");
    }
}

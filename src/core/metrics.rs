//! Computed metrics declared in the config (`metrics: [...]`): one number per
//! metric, folded from the events that match it and exposed to the rules as
//! `metrics.<id>`.
//!
//! A metric counts or aggregates one event's property over a window:
//! the current session, all time, or the last N hours / days. Hour windows are
//! exact to the hour: the state keeps one partial aggregate per UTC hour
//! (hour index = `floor(epoch_ms / 3_600_000)`) in a ring, and a window of
//! N hours read at hour H covers the hours `H-N+1 ..= H`: the current, partial
//! hour plus the previous N-1 full hours. An event at 10:59 in a `1h` window is
//! gone at 11:00; in a `2h` window it is gone at 12:00.
//!
//! Updates are O(1) amortised (each hour's bucket is pushed and dropped once;
//! `distinct` touches at most [`MAX_DISTINCT`] entries); a read scans at most
//! the window's buckets. The state lives in the profile ([`MetricState`]).

use crate::cat;
use crate::core::error::{index_path, join_path, AttuneError};
use crate::core::json::{num, Map, Value};
use crate::core::keymap::KeyMap;
use crate::core::profile::{field_array, field_object, field_opt_str, finite, record};
use crate::core::rules::{fnv1a32, Condition, RegexEngine};

/// Most distinct values a `distinct` metric tracks; its value saturates there.
pub const MAX_DISTINCT: usize = 50;
/// Longest hour window, in hours (30 days).
pub const MAX_WINDOW_HOURS: u32 = 720;
/// Most metrics a config may declare; later ones are reported and ignored.
pub const MAX_METRICS: usize = 32;
/// Most hourly buckets all metrics together may keep (60 days' worth): a
/// metric whose window would go over is reported and disabled. `last` and
/// `distinct` keep no buckets.
pub const MAX_TOTAL_BUCKETS: u32 = 1440;
/// Longest stored string value (`first`, `last`, `distinct`), in bytes.
pub const MAX_VALUE_BYTES: usize = 64;

const HOUR_MS: f64 = 3_600_000.0;

/// How the matching events are folded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    /// Number of matching events.
    Count,
    /// Sum of a numeric property.
    Sum,
    /// Smallest value of a numeric property.
    Min,
    /// Largest value of a numeric property.
    Max,
    /// Mean of a numeric property.
    Avg,
    /// The property's value on the earliest matching event in the window.
    First,
    /// The property's value on the latest matching event.
    Last,
    /// Number of distinct values of the property (at most [`MAX_DISTINCT`]).
    Distinct,
}

impl Aggregate {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "count" => Self::Count,
            "sum" => Self::Sum,
            "min" => Self::Min,
            "max" => Self::Max,
            "avg" => Self::Avg,
            "first" => Self::First,
            "last" => Self::Last,
            "distinct" => Self::Distinct,
            _ => return None,
        })
    }

    fn numeric(self) -> bool {
        matches!(self, Self::Sum | Self::Min | Self::Max | Self::Avg)
    }
}

/// Which events a metric sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// Every event since the profile was created.
    All,
    /// Events of the current session; reset when the session id changes.
    Session,
    /// The current hour and the previous N-1 (`"7d"` = 168 hours).
    Hours(u32),
}

/// Parses `"<N>d"` or `"<N>h"` (N a positive integer) into hours.
pub fn parse_hours(s: &str) -> Option<u32> {
    let (digits, per) = match s.as_bytes().last()? {
        b'd' => (&s[..s.len() - 1], 24),
        b'h' => (&s[..s.len() - 1], 1),
        _ => return None,
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    num::parse_int(digits)
        .and_then(|n| u32::try_from(n).ok())
        .and_then(|n| n.checked_mul(per))
        .filter(|&h| h > 0)
}

/// A scalar property value as a bounded string key (`None` for null,
/// arrays and objects): a string as it is, a number or boolean by its JSON
/// text (`2`, `0.5`, `true`).
pub fn value_key(v: &Value) -> Option<String> {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Number(_) | Value::Bool(_) => v.to_json(),
        _ => return None,
    };
    Some(truncate(s))
}

fn truncate(mut s: String) -> String {
    if s.len() > MAX_VALUE_BYTES {
        let mut end = MAX_VALUE_BYTES;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

/// One compiled metric.
#[derive(Debug)]
pub struct MetricDef {
    /// Its id (`metrics.<id>` in the attribute document).
    pub id: String,
    /// Event name it reads (`Page Viewed` for page views).
    pub event: String,
    /// Property it aggregates (required except for `count`).
    pub property: Option<String>,
    /// Aggregate.
    pub aggregate: Aggregate,
    /// Window.
    pub window: Window,
    filter: Option<Condition>,
    fingerprint: u32,
}

/// Per-metric state stored in the profile. Field names are short because the
/// profile is persisted on every event: `{f, s?, h, n?, x?, v?, d?}`, the
/// lists and `d` left out when empty.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricState {
    /// Fingerprint of the definition this state was built with; a changed
    /// definition starts from empty (`f`).
    pub fingerprint: u32,
    /// Session the state belongs to (`session` windows; `s`).
    pub session: Option<String>,
    /// Hour index of the first bucket (`h`).
    pub start: i64,
    /// Matching events per bucket (`n`).
    pub counts: Vec<u64>,
    /// Sum, minimum or maximum per bucket (numeric aggregates; `x`).
    pub numbers: Vec<f64>,
    /// First or last value per bucket (`first`, `last`; `v`).
    pub values: Vec<Value>,
    /// Distinct value → hour index it was last seen (`distinct`; `d`),
    /// sorted by value.
    pub distinct: Vec<(String, i64)>,
}

impl MetricState {
    /// The stored form.
    pub fn to_value(&self) -> Value {
        let mut m = Map::with_capacity(7);
        m.insert("f", Value::from(self.fingerprint));
        if let Some(s) = &self.session {
            m.insert("s", Value::from(s.as_str()));
        }
        m.insert("h", Value::from(self.start));
        if !self.counts.is_empty() {
            let mut a = Vec::with_capacity(self.counts.len());
            for &n in &self.counts {
                a.push(Value::from(n));
            }
            m.insert("n", Value::Array(a));
        }
        if !self.numbers.is_empty() {
            let mut a = Vec::with_capacity(self.numbers.len());
            for &x in &self.numbers {
                a.push(Value::from(x));
            }
            m.insert("x", Value::Array(a));
        }
        if !self.values.is_empty() {
            let mut a = Vec::with_capacity(self.values.len());
            for v in &self.values {
                a.push(v.clone());
            }
            m.insert("v", Value::Array(a));
        }
        if !self.distinct.is_empty() {
            let mut d = Map::with_capacity(self.distinct.len());
            for (k, h) in &self.distinct {
                d.insert(k.as_str(), Value::from(*h));
            }
            m.insert("d", Value::Object(d));
        }
        Value::Object(m)
    }

    /// Reads the stored form; every key may be missing.
    pub fn from_value(v: &Value) -> Result<Self, String> {
        let m = record(v)?;
        let mut st = MetricState {
            session: field_opt_str(m, "s")?,
            ..MetricState::default()
        };
        if let Some(f) = m.get("f") {
            st.fingerprint = f
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| "f: expected a whole number".to_string())?;
        }
        if let Some(h) = m.get("h") {
            st.start = h
                .as_i64()
                .ok_or_else(|| "h: expected a whole number".to_string())?;
        }
        for n in field_array(m, "n")?.unwrap_or_default() {
            let n = n
                .as_u64()
                .ok_or_else(|| "n: expected whole numbers".to_string())?;
            st.counts.push(n);
        }
        for x in field_array(m, "x")?.unwrap_or_default() {
            let x = x
                .as_f64()
                .ok_or_else(|| "x: expected numbers".to_string())?;
            st.numbers.push(x);
        }
        for v in field_array(m, "v")?.unwrap_or_default() {
            st.values.push(v.clone());
        }
        if let Some(d) = field_object(m, "d")? {
            st.distinct.reserve(d.len());
            for (k, h) in d {
                let h = h
                    .as_i64()
                    .ok_or_else(|| cat!("d.", k, ": expected a whole number"))?;
                // The object's keys are sorted already.
                st.distinct.push((k.clone(), h));
            }
        }
        Ok(st)
    }
}

/// Every valid metric of the config, compiled once at `init`.
#[derive(Debug, Default)]
pub struct Metrics {
    defs: Vec<MetricDef>,
}

impl Metrics {
    /// Compiles the `metrics` array of `raw` (the whole config). An invalid
    /// metric is reported in `warnings` and left out; the rest work.
    pub fn compile(raw: &Value, regex: &dyn RegexEngine, warnings: &mut Vec<AttuneError>) -> Self {
        let list = match raw.get("metrics") {
            None | Some(Value::Null) => return Self::default(),
            Some(Value::Array(a)) => a,
            Some(_) => {
                warnings.push(AttuneError::config("metrics", "expected an array"));
                return Self::default();
            }
        };
        let mut defs: Vec<MetricDef> = Vec::new();
        let mut buckets = 0;
        for (i, item) in list.iter().enumerate() {
            let path = index_path("metrics", i);
            if i >= MAX_METRICS {
                warnings.push(AttuneError::config(
                    path,
                    cat!("at most ", MAX_METRICS, " metrics"),
                ));
                continue;
            }
            match parse_def(item, &path, regex) {
                Ok(d) if defs.iter().any(|x| x.id == d.id) => warnings.push(
                    AttuneError::config_at(&path, "id", cat!("duplicate id \"", d.id, "\"")),
                ),
                Ok(d) if buckets + d.ring_hours().unwrap_or(0) > MAX_TOTAL_BUCKETS => warnings
                    .push(AttuneError::config_at(
                        &path,
                        "window",
                        cat!(
                            "the metrics' hour windows would keep more than ",
                            MAX_TOTAL_BUCKETS,
                            " hourly buckets"
                        ),
                    )),
                Ok(d) => {
                    buckets += d.ring_hours().unwrap_or(0);
                    defs.push(d);
                }
                Err(e) => warnings.push(e),
            }
        }
        Self { defs }
    }

    /// Ids of the active metrics.
    pub fn ids(&self) -> Vec<String> {
        let mut ids = Vec::with_capacity(self.defs.len());
        for d in &self.defs {
            ids.push(d.id.clone());
        }
        ids
    }

    /// True when no metric is active.
    pub fn is_empty(&self) -> bool {
        self.defs.is_empty()
    }

    /// Drops stored state of metrics the config no longer declares.
    pub fn prune(&self, states: &mut KeyMap<MetricState>) {
        states.retain(|id, _| self.defs.iter().any(|d| d.id == id));
    }

    /// Folds one event (`name`, its `properties`) into `states` at `now`
    /// (epoch ms), in session `session`.
    pub fn update(
        &self,
        states: &mut KeyMap<MetricState>,
        name: &str,
        properties: &Value,
        session: Option<&str>,
        now: f64,
    ) {
        let hour = (now / HOUR_MS).floor() as i64;
        for def in self.defs.iter().filter(|d| d.event == name) {
            if def
                .filter
                .as_ref()
                .is_some_and(|c| !c.eval(properties, None))
            {
                continue;
            }
            let value = def.property.as_ref().and_then(|p| properties.get(p));
            let state = states.entry(def.id.clone()).or_default();
            def.fold(state, value, session, hour);
        }
    }

    /// The `metrics` object of the attribute document at `now`.
    pub fn values(&self, states: &KeyMap<MetricState>, session: Option<&str>, now: f64) -> Map {
        let hour = (now / HOUR_MS).floor() as i64;
        let mut out = Map::with_capacity(self.defs.len());
        for d in &self.defs {
            out.insert(d.id.as_str(), d.read(states.get(&d.id), session, hour));
        }
        out
    }
}

fn parse_def(item: &Value, path: &str, regex: &dyn RegexEngine) -> Result<MetricDef, AttuneError> {
    let obj = item
        .as_object()
        .ok_or_else(|| AttuneError::config(path, "expected an object"))?;
    crate::core::config_keys::check(obj, "metrics[]", path)?;
    let text = |key: &str| -> Result<Option<&str>, AttuneError> {
        match obj.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if !s.is_empty() => Ok(Some(s)),
            Some(_) => Err(AttuneError::config_at(
                path,
                key,
                "expected a non-empty string",
            )),
        }
    };
    let id = text("id")?.ok_or_else(|| AttuneError::config_at(path, "id", "required"))?;
    if id.as_bytes().contains(&b'.') {
        return Err(AttuneError::config_at(path, "id", "must not contain \".\""));
    }
    let event = text("event")?.ok_or_else(|| AttuneError::config_at(path, "event", "required"))?;
    let agg_name = text("aggregate")?.unwrap_or("count");
    let aggregate = Aggregate::parse(agg_name).ok_or_else(|| {
        AttuneError::config_at(path, "aggregate",
            "expected \"count\", \"sum\", \"min\", \"max\", \"avg\", \"first\", \"last\" or \"distinct\"",
        )
    })?;
    let property = text("property")?.map(String::from);
    if property.is_none() && aggregate != Aggregate::Count {
        return Err(AttuneError::config_at(
            path,
            "property",
            cat!("required for \"", agg_name, "\""),
        ));
    }
    let window = match obj.get("window") {
        None | Some(Value::Null) => Window::All,
        Some(Value::String(s)) if s == "all" => Window::All,
        Some(Value::String(s)) if s == "session" => Window::Session,
        Some(v) => match v.as_str().and_then(parse_hours) {
            Some(h) if h <= MAX_WINDOW_HOURS => Window::Hours(h),
            Some(_) => {
                return Err(AttuneError::config_at(
                    path,
                    "window",
                    cat!(
                        "at most ",
                        MAX_WINDOW_HOURS / 24,
                        "d (",
                        MAX_WINDOW_HOURS,
                        "h)"
                    ),
                ))
            }
            None => {
                return Err(AttuneError::config_at(
                    path,
                    "window",
                    "expected \"session\", \"all\", \"<N>d\" or \"<N>h\"",
                ))
            }
        },
    };
    let filter = match obj.get("where") {
        None | Some(Value::Null) => None,
        Some(w) => Some(Condition::compile(w, &join_path(path, "where"), regex)?),
    };
    Ok(MetricDef {
        id: id.to_string(),
        event: event.to_string(),
        property,
        aggregate,
        window,
        filter,
        fingerprint: fnv1a32(&[&item.to_json()]),
    })
}

impl MetricDef {
    /// Hours kept in the ring: the window for hour windows, else one bucket.
    /// `last` needs only the latest value whatever the window.
    fn ring_hours(&self) -> Option<u32> {
        match self.window {
            Window::Hours(h)
                if !matches!(self.aggregate, Aggregate::Last | Aggregate::Distinct) =>
            {
                Some(h)
            }
            _ => None,
        }
    }

    fn fold(&self, st: &mut MetricState, value: Option<&Value>, session: Option<&str>, hour: i64) {
        let stale_session = self.window == Window::Session && st.session.as_deref() != session;
        if st.fingerprint != self.fingerprint || stale_session {
            *st = MetricState {
                fingerprint: self.fingerprint,
                session: session
                    .filter(|_| self.window == Window::Session)
                    .map(String::from),
                ..MetricState::default()
            };
        }
        let agg = self.aggregate;
        let number = value.and_then(Value::as_f64);
        let scalar = value.filter(|v| value_key(v).is_some());
        if agg.numeric() && number.is_none()
            || matches!(agg, Aggregate::First | Aggregate::Last) && scalar.is_none()
        {
            return;
        }
        if agg == Aggregate::Distinct {
            if let Some(key) = value.and_then(value_key) {
                fold_distinct(&mut st.distinct, key, hour, self.window);
            }
            return;
        }
        let i = slot(st, hour, self.ring_hours(), agg);
        let n = st.counts[i];
        let x = number.unwrap_or(0.0);
        match agg {
            Aggregate::Sum | Aggregate::Avg => {
                let sum = st.numbers[i] + x;
                if !sum.is_finite() {
                    return; // a non-finite number would not survive JSON
                }
                st.numbers[i] = sum;
            }
            Aggregate::Min if n == 0 || x < st.numbers[i] => st.numbers[i] = x,
            Aggregate::Max if n == 0 || x > st.numbers[i] => st.numbers[i] = x,
            Aggregate::First if n == 0 => st.values[i] = scalar.cloned().map_or(Value::Null, bound),
            Aggregate::Last => st.values[i] = scalar.cloned().map_or(Value::Null, bound),
            _ => {}
        }
        st.counts[i] = n + 1;
    }

    fn read(&self, st: Option<&MetricState>, session: Option<&str>, hour: i64) -> Value {
        let st = st.filter(|s| {
            s.fingerprint == self.fingerprint
                && (self.window != Window::Session || s.session.as_deref() == session)
        });
        let oldest = match self.window {
            Window::Hours(h) => hour - i64::from(h) + 1,
            _ => i64::MIN,
        };
        let Some(st) = st else {
            return empty(self.aggregate);
        };
        if self.aggregate == Aggregate::Distinct {
            let mut n = 0usize;
            for (_, h) in &st.distinct {
                n += usize::from(*h >= oldest);
            }
            return Value::from(n);
        }
        // One pass over the live hours (in the window, with events): the
        // count, the number aggregates (`-0.0` starts the sum, as `Iterator::sum`
        // does) and the first and last live hour.
        let (mut n, mut sum, mut min, mut max) = (0u64, -0.0f64, f64::INFINITY, f64::NEG_INFINITY);
        let (mut first, mut last) = (None, None);
        for (i, &count) in st.counts.iter().enumerate() {
            if st.start + i as i64 >= oldest && count > 0 {
                n += count;
                if let Some(&x) = st.numbers.get(i) {
                    sum += x;
                    min = min.min(x);
                    max = max.max(x);
                }
                first = first.or(Some(i));
                last = Some(i);
            }
        }
        if n == 0 {
            return empty(self.aggregate);
        }
        let value_at = |i: Option<usize>| {
            i.and_then(|i| st.values.get(i))
                .cloned()
                .unwrap_or(Value::Null)
        };
        match self.aggregate {
            Aggregate::Count => Value::from(n),
            Aggregate::Sum => finite(sum),
            Aggregate::Avg => finite(sum / n as f64),
            Aggregate::Min => finite(min),
            Aggregate::Max => finite(max),
            Aggregate::First => value_at(first),
            Aggregate::Last => value_at(last),
            Aggregate::Distinct => Value::Null,
        }
    }
}

/// What an empty metric reads as: 0 for counts, null for value aggregates.
fn empty(agg: Aggregate) -> Value {
    match agg {
        Aggregate::Count | Aggregate::Distinct => Value::from(0),
        _ => Value::Null,
    }
}

fn bound(v: Value) -> Value {
    match v {
        Value::String(s) => Value::String(truncate(s)),
        other => other,
    }
}

/// Index of the bucket for `hour`, moving the ring forward (and dropping
/// expired buckets) as needed. `window` is `None` for single-bucket states.
fn slot(st: &mut MetricState, hour: i64, window: Option<u32>, agg: Aggregate) -> usize {
    let push = |st: &mut MetricState| {
        st.counts.push(0);
        if agg.numeric() {
            st.numbers.push(0.0);
        }
        if matches!(agg, Aggregate::First | Aggregate::Last) {
            st.values.push(Value::Null);
        }
    };
    let clear = |st: &mut MetricState| {
        st.counts.clear();
        st.numbers.clear();
        st.values.clear();
    };
    let Some(n) = window.map(i64::from) else {
        if st.counts.is_empty() {
            push(st);
        }
        st.start = hour;
        return 0;
    };
    let last = st.start + st.counts.len() as i64 - 1;
    if st.counts.is_empty() || hour - last >= n {
        clear(st);
        st.start = hour;
        push(st);
        return 0;
    }
    for _ in last..hour {
        push(st);
    }
    // Expired buckets leave from the front (the value lists are as long as
    // the counts, or empty when the aggregate keeps none).
    let excess = usize::try_from(st.counts.len() as i64 - n).unwrap_or(0);
    if excess > 0 {
        st.counts.drain(..excess);
        st.numbers.drain(..excess.min(st.numbers.len()));
        st.values.drain(..excess.min(st.values.len()));
        st.start += excess as i64;
    }
    // A clock that went back lands in its own hour if kept, else the oldest.
    usize::try_from(hour - st.start).unwrap_or(0)
}

fn fold_distinct(d: &mut Vec<(String, i64)>, key: String, hour: i64, window: Window) {
    if let Window::Hours(n) = window {
        let oldest = hour - i64::from(n) + 1;
        d.retain(|(_, h)| *h >= oldest);
    }
    let at = match d.binary_search_by(|(k, _)| k.as_str().cmp(&key)) {
        Ok(i) => {
            d[i].1 = d[i].1.max(hour);
            return;
        }
        Err(i) => i,
    };
    if d.len() >= MAX_DISTINCT {
        // Keep the most recently seen values: the count stays exact below
        // the cap and saturates at it. Ties: the first value in key order.
        let mut oldest = 0;
        for (i, (_, h)) in d.iter().enumerate() {
            if *h < d[oldest].1 {
                oldest = i;
            }
        }
        d.remove(oldest);
        let at = if oldest < at { at - 1 } else { at };
        d.insert(at, (key, hour));
        return;
    }
    d.insert(at, (key, hour));
}

#[cfg(test)]
#[path = "metrics_tests.rs"]
mod tests;

//! The SDK configuration, read from JSON with an error path for every problem.
//!
//! Structural errors (the config is not an object, the collector URL is not a
//! string, …) are fatal and make `init` fail. Problems local to one segment or
//! placement only disable that item and are returned as warnings.

use crate::core::delivery_config::DeliveryConfig;
use crate::core::error::{index_path, join_path, AttuneError, Result};
use crate::core::json::{Map, Value};
use crate::core::text::cat;

/// Wire format of batches sent to a collector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CollectorFormat {
    /// `{"batch":[...],"sentAt":"..."}` (Segment, RudderStack, Jitsu, …).
    Segment,
    /// A bare JSON array of events.
    Json,
}

/// Where and how events are delivered.
#[derive(Debug, Clone, PartialEq)]
pub struct CollectorConfig {
    /// Stable name of this collector's acknowledgement marks in the outbox
    /// (`id` in the config, else the URL).
    pub id: String,
    /// Batch endpoint URL.
    pub url: String,
    /// Extra request headers.
    pub headers: Vec<(String, String)>,
    /// Segment-style write key, sent as HTTP Basic auth (`key:`).
    pub write_key: Option<String>,
    /// Body format.
    pub format: CollectorFormat,
}

/// One named segment: a condition over the attribute document.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentConfig {
    /// Segment name.
    pub name: String,
    /// Its condition (GrowthBook syntax), still raw JSON.
    pub when: Value,
}

/// One variant of a placement.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantConfig {
    /// Variant id.
    pub id: String,
    /// Eligibility condition; `None` means always eligible.
    pub when: Option<Value>,
    /// What to put in the slot.
    pub content: Value,
    /// The variant object as written (caps, stopAfter, … are compiled by `placement`).
    pub raw: Map,
}

/// A page slot and the variants that may fill it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlacementConfig {
    /// Slot id (`data-attune-slot="…"`).
    pub slot: String,
    /// Optional CSS selector used instead of the slot attribute.
    pub selector: Option<String>,
    /// Variants in priority order (a malformed variant is left out and reported).
    pub variants: Vec<VariantConfig>,
    /// JSON path of this placement in the config (`placements[2]`).
    pub path: String,
    /// The placement object as written (caps, experiment, … are compiled by `placement`).
    pub raw: Map,
}

/// The whole configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Delivery target; `None` keeps events on the device only.
    pub collector: Option<CollectorConfig>,
    /// Segments in declaration order.
    pub segments: Vec<SegmentConfig>,
    /// Placements in declaration order.
    pub placements: Vec<PlacementConfig>,
    /// Prefix of every storage key Attune writes.
    pub storage_prefix: String,
    /// Send when this many events are queued.
    pub flush_at: usize,
    /// Send queued events at least this often, ms.
    pub flush_interval_ms: f64,
    /// Record a page view automatically at start and on SPA navigation.
    pub autocapture_pages: bool,
    /// Track clicks on `[data-attune-track]` elements.
    pub autocapture_clicks: bool,
    /// Inactivity after which a session ends, ms (`session.timeoutMinutes`, default 30).
    pub session_timeout_ms: f64,
    /// Query parameter carrying an e-mail campaign id (`campaign.emailParam`, default `ecid`).
    pub email_campaign_param: String,
    /// Track `Segment Entered` / `Segment Exited` events when membership changes.
    pub segment_events: bool,
    /// `strict: true`: any config problem (an unknown key, a disabled segment,
    /// placement, metric, …) fails `init` instead of being reported.
    pub strict: bool,
    /// The whole config as given, for sections other modules read themselves.
    pub raw: Value,
    /// Outbox caps, batching, retries and every collector (`collector` and `collectors`).
    pub delivery: DeliveryConfig,
}

impl Config {
    /// Parses `json`. Returns the config and the non-fatal warnings (items that
    /// were disabled), or the first fatal error.
    pub fn parse(json: &Value) -> Result<(Config, Vec<AttuneError>)> {
        let root = json
            .as_object()
            .ok_or_else(|| AttuneError::config("config", "expected an object"))?;
        let mut warnings = Vec::new();
        crate::core::config_keys::unknown_keys(json, &mut warnings);
        let collector = match root.get("collector") {
            None | Some(Value::Null) => None,
            Some(v) => Some(parse_collector(v, "collector")?),
        };
        let segments = parse_segments(root.get("segments"), &mut warnings)?;
        let placements = parse_placements(root.get("placements"), &mut warnings)?;
        let storage_prefix = opt_str(root, "storagePrefix", "")?
            .unwrap_or("attune")
            .to_string();
        let flush_at = opt_num(root, "flushAt", "")?.map_or(20, |n| n.clamp(1.0, 1000.0) as usize);
        let flush_interval_ms =
            opt_num(root, "flushInterval", "")?.map_or(2000.0, |n| n.clamp(10.0, 600_000.0));
        let auto = match root.get("autocapture") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Bool(b)) => bool_map(*b),
            Some(Value::Object(m)) => m.clone(),
            Some(_) => {
                return Err(AttuneError::config(
                    "autocapture",
                    "expected a boolean or an object",
                ))
            }
        };
        let autocapture_pages = opt_bool(&auto, "pageViews", "autocapture")?.unwrap_or(true);
        let autocapture_clicks = opt_bool(&auto, "clicks", "autocapture")?.unwrap_or(true);
        let session = section(root, "session")?;
        let session_timeout_ms = opt_num(&session, "timeoutMinutes", "session")?
            .map_or(30.0 * 60_000.0, |m| m.max(1.0) * 60_000.0);
        let campaign = section(root, "campaign")?;
        let email_campaign_param = opt_str(&campaign, "emailParam", "campaign")?
            .unwrap_or("ecid")
            .to_string();
        let delivery =
            DeliveryConfig::parse(root, collector.as_ref(), flush_at, flush_interval_ms)?;
        let config = Config {
            collector,
            segments,
            placements,
            storage_prefix,
            flush_at,
            flush_interval_ms,
            autocapture_pages,
            autocapture_clicks,
            session_timeout_ms,
            email_campaign_param,
            segment_events: opt_bool(root, "segmentEvents", "")?.unwrap_or(false),
            strict: opt_bool(root, "strict", "")?.unwrap_or(false),
            raw: json.clone(),
            delivery,
        };
        Ok((config, warnings))
    }
}

/// An optional object section (`{}` when absent).
fn section(root: &Map, key: &str) -> Result<Map> {
    match root.get(key) {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m.clone()),
        Some(_) => Err(AttuneError::config(key, "expected an object")),
    }
}

fn bool_map(b: bool) -> Map {
    let mut m = Map::new();
    m.insert("pageViews", Value::Bool(b));
    m.insert("clicks", Value::Bool(b));
    m
}

/// Parses one collector object found at `path` (`collector`, `collectors[2]`).
pub(crate) fn parse_collector(v: &Value, path: &str) -> Result<CollectorConfig> {
    let obj = v
        .as_object()
        .ok_or_else(|| AttuneError::config(path, "expected an object"))?;
    let url = opt_str(obj, "url", path)?
        .ok_or_else(|| AttuneError::config_at(path, "url", "required"))?
        .to_string();
    if url.is_empty() {
        return Err(AttuneError::config_at(path, "url", "must not be empty"));
    }
    let hpath = join_path(path, "headers");
    let mut headers = Vec::new();
    if let Some(h) = obj.get("headers").filter(|h| !h.is_null()) {
        let map = h
            .as_object()
            .ok_or_else(|| AttuneError::config(&hpath, "expected an object"))?;
        for (k, v) in map {
            let value = v
                .as_str()
                .ok_or_else(|| AttuneError::config_at(&hpath, k, "expected a string"))?;
            headers.push((k.clone(), value.to_string()));
        }
    }
    // A `transform` function is taken out by the JS layer before the config
    // crosses as JSON: anything left is not a function.
    if obj.get("transform").is_some_and(|t| !t.is_null()) {
        return Err(AttuneError::config_at(
            path,
            "transform",
            "expected a function",
        ));
    }
    let write_key = opt_str(obj, "writeKey", path)?.map(String::from);
    let format = match opt_str(obj, "format", path)? {
        None | Some("segment") => CollectorFormat::Segment,
        Some("json") => CollectorFormat::Json,
        Some(other) => {
            return Err(AttuneError::config_at(
                path,
                "format",
                cat!("expected \"segment\" or \"json\", got \"", other, "\""),
            ))
        }
    };
    let id = opt_str(obj, "id", path)?.unwrap_or(&url).to_string();
    Ok(CollectorConfig {
        id,
        url,
        headers,
        write_key,
        format,
    })
}

fn parse_segments(
    v: Option<&Value>,
    warnings: &mut Vec<AttuneError>,
) -> Result<Vec<SegmentConfig>> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(Vec::new());
    };
    let map = v
        .as_object()
        .ok_or_else(|| AttuneError::config("segments", "expected an object of name → condition"))?;
    let mut out = Vec::new();
    for (name, def) in map {
        let path = join_path("segments", name);
        // Either the bare condition, or `{ "when": condition, … }`.
        let when = match def {
            Value::Object(o) if o.contains_key("when") => {
                o.get("when").cloned().unwrap_or(Value::Null)
            }
            Value::Object(_) => def.clone(),
            _ => {
                warnings.push(AttuneError::config(path, "expected a condition object"));
                continue;
            }
        };
        out.push(SegmentConfig {
            name: name.clone(),
            when,
        });
    }
    Ok(out)
}

fn parse_placements(
    v: Option<&Value>,
    warnings: &mut Vec<AttuneError>,
) -> Result<Vec<PlacementConfig>> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(Vec::new());
    };
    let list = v
        .as_array()
        .ok_or_else(|| AttuneError::config("placements", "expected an array"))?;
    let mut out = Vec::new();
    for (i, p) in list.iter().enumerate() {
        let path = index_path("placements", i);
        match parse_placement(p, &path, warnings) {
            Ok(pl) => out.push(pl),
            Err(e) => warnings.push(e),
        }
    }
    Ok(out)
}

fn parse_placement(
    v: &Value,
    path: &str,
    warnings: &mut Vec<AttuneError>,
) -> Result<PlacementConfig> {
    let obj = v
        .as_object()
        .ok_or_else(|| AttuneError::config(path, "expected an object"))?;
    let slot = opt_str(obj, "slot", path)?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| AttuneError::config_at(path, "slot", "required"))?;
    let selector = opt_str(obj, "selector", path)?.map(String::from);
    let vpath = join_path(path, "variants");
    let list = obj
        .get("variants")
        .and_then(Value::as_array)
        .ok_or_else(|| AttuneError::config(&vpath, "expected an array"))?;
    let mut variants: Vec<VariantConfig> = Vec::new();
    for (i, v) in list.iter().enumerate() {
        match parse_variant(v, &index_path(&vpath, i)) {
            Ok(vc) if variants.iter().any(|o| o.id == vc.id) => warnings.push(AttuneError::config(
                join_path(&index_path(&vpath, i), "id"),
                cat!("duplicate variant id \"", vc.id, "\""),
            )),
            Ok(vc) => variants.push(vc),
            Err(e) => warnings.push(e),
        }
    }
    Ok(PlacementConfig {
        slot: slot.to_string(),
        selector,
        variants,
        path: path.to_string(),
        raw: obj.clone(),
    })
}

fn parse_variant(v: &Value, p: &str) -> Result<VariantConfig> {
    let o = v
        .as_object()
        .ok_or_else(|| AttuneError::config(p, "expected an object"))?;
    let id = opt_str(o, "id", p)?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| AttuneError::config_at(p, "id", "required"))?;
    if id.starts_with('_') {
        return Err(AttuneError::config_at(
            p,
            "id",
            "ids starting with _ are reserved",
        ));
    }
    let when = o.get("when").filter(|w| !w.is_null()).cloned();
    let content = o.get("content").cloned().unwrap_or(Value::Null);
    Ok(VariantConfig {
        id: id.to_string(),
        when,
        content,
        raw: o.clone(),
    })
}

pub(crate) fn opt_str<'a>(obj: &'a Map, key: &str, parent: &str) -> Result<Option<&'a str>> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(AttuneError::config_at(parent, key, "expected a string")),
    }
}

pub(crate) fn opt_num(obj: &Map, key: &str, parent: &str) -> Result<Option<f64>> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(Some(*n)),
        Some(_) => Err(AttuneError::config_at(parent, key, "expected a number")),
    }
}

pub(crate) fn opt_bool(obj: &Map, key: &str, parent: &str) -> Result<Option<bool>> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(AttuneError::config_at(parent, key, "expected a boolean")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `serde_json::json!` as a core [`Value`].
    macro_rules! json {
        ($($t:tt)+) => {
            Value::parse(&serde_json::json!($($t)+).to_string()).expect("json")
        };
    }

    #[test]
    fn parses_a_full_config_with_defaults() {
        let (c, w) = Config::parse(&json!({
            "collector": {"url": "http://127.0.0.1/v1/batch", "writeKey": "k", "headers": {"X-A": "1"}},
            "segments": {"returning": {"events.Page Viewed.count": {"$gte": 2}}},
            "placements": [{"slot": "hero", "variants": [{"id": "a", "when": {"segments.returning": true}, "content": {"text": "Hi"}}]}]
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(w.is_empty());
        let col = c.collector.unwrap_or_else(|| panic!("collector"));
        assert_eq!(col.format, CollectorFormat::Segment);
        assert_eq!(col.headers, vec![("X-A".to_string(), "1".to_string())]);
        assert_eq!(c.segments[0].name, "returning");
        assert_eq!(c.placements[0].variants[0].id, "a");
        assert_eq!(
            (c.flush_at, c.flush_interval_ms, c.storage_prefix.as_str()),
            (20, 2000.0, "attune")
        );
        assert!(c.autocapture_pages && c.autocapture_clicks);
    }

    #[test]
    fn fatal_errors_name_the_path() {
        let err = |v: Value| Config::parse(&v).err().map(|e| e.to_string());
        assert_eq!(err(json!([])), Some("config: expected an object".into()));
        assert_eq!(
            err(json!({"collector": {"url": 3}})),
            Some("collector.url: expected a string".into())
        );
        assert_eq!(
            err(json!({"collector": {}})),
            Some("collector.url: required".into())
        );
        assert_eq!(
            err(json!({"collector": {"url": "x", "format": "xml"}})),
            Some("collector.format: expected \"segment\" or \"json\", got \"xml\"".into())
        );
        assert_eq!(
            err(json!({"collectors": [{"url": "x", "transform": "f"}]})),
            Some("collectors[0].transform: expected a function".into())
        );
        assert_eq!(
            err(json!({"flushAt": "3"})),
            Some("flushAt: expected a number".into())
        );
    }

    #[test]
    fn a_bad_placement_only_disables_itself() {
        let (c, w) = Config::parse(&json!({"placements": [
            {"slot": "a", "variants": [{"id": "x", "content": {"text": "t"}}]},
            {"slot": "b", "variants": [{"content": {}}]}
        ]}))
        .unwrap_or_else(|e| panic!("{e}"));
        // Only the broken variant is left out; its placement stays (with none).
        assert_eq!(c.placements.len(), 2);
        assert!(c.placements[1].variants.is_empty());
        assert_eq!(w[0].to_string(), "placements[1].variants[0].id: required");
        let (c, w) = Config::parse(&json!({"placements": [
            {"variants": []},
            {"slot": "b", "variants": [{"id": "x"}, {"id": "x"}]}
        ]}))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.placements.len(), 1);
        assert_eq!(w[0].to_string(), "placements[0].slot: required");
        assert_eq!(
            w[1].to_string(),
            "placements[1].variants[1].id: duplicate variant id \"x\""
        );
    }
}

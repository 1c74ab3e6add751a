//! The `delivery` section of the config and the list of collectors.
//!
//! ```json
//! { "collector": {"url": "/v1/batch"},
//!   "collectors": [{"url": "https://other.example/v1/batch", "format": "json"}],
//!   "delivery": {"maxEvents": 1000, "maxBytes": 1000000, "maxAgeMs": 604800000,
//!                "batchSize": 20, "maxBatchEvents": 100, "batchBytes": 500000, "flushInterval": 2000,
//!                "beaconBytes": 65536, "retryBaseMs": 1000, "retryMaxMs": 60000,
//!                "maxRetryAfterMs": 600000} }
//! ```
//!
//! Every number is clamped to a sane range rather than refused; a value of the
//! wrong type is a fatal config error naming its path.

use crate::cat;
use crate::core::config::{opt_num, parse_collector, CollectorConfig};
use crate::core::error::{index_path, AttuneError, Result};
use crate::core::json::{Map, Value};

/// Default cap on events kept in the outbox.
pub const DEFAULT_MAX_EVENTS: usize = 1000;
/// Default cap on outbox bytes (keys and values, as a storage quota counts them).
pub const DEFAULT_MAX_BYTES: usize = 1_000_000;
/// Default maximum age of a queued event: 7 days.
pub const DEFAULT_MAX_AGE_MS: f64 = 7.0 * 24.0 * 3600.0 * 1000.0;
/// Default largest request body.
pub const DEFAULT_BATCH_BYTES: usize = 500_000;
/// Default largest page-exit (beacon / keepalive) body: the browser's 64 KiB budget.
pub const DEFAULT_BEACON_BYTES: usize = 64 * 1024;

/// Outbox bounds, batching and retry settings, and the collectors.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryConfig {
    /// Every collector, `collector` first, then `collectors[…]`; ids are unique.
    pub collectors: Vec<CollectorConfig>,
    /// Most events kept; the oldest are dropped beyond it.
    pub max_events: usize,
    /// Most bytes kept in storage; the oldest are dropped beyond it.
    pub max_bytes: usize,
    /// Events older than this (ms) are dropped unsent.
    pub max_age_ms: f64,
    /// Send as soon as this many events wait for a collector.
    pub batch_size: usize,
    /// Most events in one request (at least `batch_size`): a burst goes out in
    /// fewer, larger requests.
    pub max_batch_events: usize,
    /// Largest request body, and send as soon as this many bytes wait.
    pub batch_bytes: usize,
    /// Send an event at the latest this long (ms) after it was queued.
    pub flush_interval_ms: f64,
    /// Largest body sent at page exit (`sendBeacon` / `fetch(keepalive)`).
    pub beacon_bytes: usize,
    /// First retry delay (ms); doubles each attempt.
    pub retry_base_ms: f64,
    /// Largest retry delay (ms) without `Retry-After`.
    pub retry_max_ms: f64,
    /// Largest `Retry-After` honoured (ms).
    pub max_retry_after_ms: f64,
    /// Send from the package's worker (`sender.js`) when the page has one,
    /// keeping `fetch` off the main thread (`delivery.worker`, default true).
    pub worker: bool,
    /// `delivery.engine: "worker"` was given. Accepted for configs written for
    /// the earlier worker mode and validated ("page" or "worker"); it changes
    /// nothing: the one engine always runs on the page.
    pub engine_in_worker: bool,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            collectors: Vec::new(),
            max_events: DEFAULT_MAX_EVENTS,
            max_bytes: DEFAULT_MAX_BYTES,
            max_age_ms: DEFAULT_MAX_AGE_MS,
            batch_size: 20,
            max_batch_events: 100,
            batch_bytes: DEFAULT_BATCH_BYTES,
            flush_interval_ms: 2000.0,
            beacon_bytes: DEFAULT_BEACON_BYTES,
            retry_base_ms: 1000.0,
            worker: true,
            engine_in_worker: false,
            retry_max_ms: 60_000.0,
            max_retry_after_ms: 600_000.0,
        }
    }
}

impl DeliveryConfig {
    /// Reads `delivery` and `collectors` from the config root. `collector` was
    /// already parsed; the top-level `flushAt` / `flushInterval` are the
    /// defaults of `delivery.batchSize` / `delivery.flushInterval`.
    pub fn parse(
        root: &Map,
        collector: Option<&CollectorConfig>,
        flush_at: usize,
        flush_interval_ms: f64,
    ) -> Result<Self> {
        let mut cfg = DeliveryConfig {
            collectors: match collector {
                Some(c) => vec![c.clone()],
                None => Vec::new(),
            },
            batch_size: flush_at,
            flush_interval_ms,
            ..DeliveryConfig::default()
        };
        match root.get("collectors") {
            None | Some(Value::Null) => {}
            Some(Value::Array(list)) => {
                for (i, v) in list.iter().enumerate() {
                    let mut c = parse_collector(v, &index_path("collectors", i))?;
                    if cfg.collectors.iter().any(|o| o.id == c.id) {
                        c.id = cat!(c.id, '#', i + 1);
                    }
                    cfg.collectors.push(c);
                }
            }
            Some(_) => return Err(AttuneError::config("collectors", "expected an array")),
        }
        cfg.max_batch_events = cfg.max_batch_events.max(cfg.batch_size);
        let d = match root.get("delivery") {
            None | Some(Value::Null) => return Ok(cfg),
            Some(Value::Object(m)) => m,
            Some(_) => return Err(AttuneError::config("delivery", "expected an object")),
        };
        let num = |key: &str, lo: f64, hi: f64| -> Result<Option<f64>> {
            Ok(opt_num(d, key, "delivery")?.map(|n| n.clamp(lo, hi)))
        };
        let as_usize = |n: f64| n as usize;
        if let Some(n) = num("maxEvents", 1.0, 100_000.0)? {
            cfg.max_events = as_usize(n);
        }
        if let Some(n) = num("maxBytes", 10_000.0, 4_000_000.0)? {
            cfg.max_bytes = as_usize(n);
        }
        if let Some(n) = num("maxAgeMs", 1000.0, 365.0 * 86_400_000.0)? {
            cfg.max_age_ms = n;
        }
        if let Some(n) = num("batchSize", 1.0, 1000.0)? {
            cfg.batch_size = as_usize(n);
        }
        if let Some(n) = num("maxBatchEvents", 1.0, 1000.0)? {
            cfg.max_batch_events = as_usize(n);
        }
        if let Some(n) = num("batchBytes", 1024.0, 5_000_000.0)? {
            cfg.batch_bytes = as_usize(n);
        }
        if let Some(n) = num("flushInterval", 10.0, 600_000.0)? {
            cfg.flush_interval_ms = n;
        }
        if let Some(n) = num("beaconBytes", 1024.0, 65_536.0)? {
            cfg.beacon_bytes = as_usize(n);
        }
        if let Some(n) = num("retryBaseMs", 10.0, 600_000.0)? {
            cfg.retry_base_ms = n;
        }
        if let Some(n) = num("retryMaxMs", 10.0, 3_600_000.0)? {
            cfg.retry_max_ms = n;
        }
        if let Some(n) = num("maxRetryAfterMs", 0.0, 86_400_000.0)? {
            cfg.max_retry_after_ms = n;
        }
        match d.get("worker") {
            None | Some(Value::Null) => {}
            Some(Value::Bool(b)) => cfg.worker = *b,
            Some(_) => return Err(AttuneError::config("delivery.worker", "expected a boolean")),
        }
        match d.get("engine").map(|v| v.as_str()) {
            None | Some(Some("page")) => {}
            Some(Some("worker")) => cfg.engine_in_worker = true,
            Some(_) => {
                return Err(AttuneError::config(
                    "delivery.engine",
                    "expected \"page\" or \"worker\"",
                ))
            }
        }
        cfg.retry_max_ms = cfg.retry_max_ms.max(cfg.retry_base_ms);
        cfg.max_batch_events = cfg.max_batch_events.max(cfg.batch_size);
        Ok(cfg)
    }
}

#[cfg(test)]
mod tests {
    use crate::core::config::{CollectorFormat, Config};
    use crate::core::json::Value;

    /// `serde_json::json!` as a core [`Value`].
    macro_rules! json {
        ($($t:tt)+) => {
            Value::parse(&serde_json::json!($($t)+).to_string()).expect("json")
        };
    }

    #[test]
    fn defaults_and_collectors_list() {
        let (c, _) = Config::parse(&json!({
            "collector": {"url": "/a"},
            "collectors": [{"url": "/b", "format": "json"}, {"url": "/a"}],
            "flushAt": 5
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let d = c.delivery;
        let ids: Vec<_> = d.collectors.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["/a", "/b", "/a#2"]);
        assert_eq!(d.collectors[1].format, CollectorFormat::Json);
        assert_eq!(
            (d.max_events, d.max_bytes, d.batch_size),
            (1000, 1_000_000, 5)
        );
        assert_eq!(d.max_age_ms, 604_800_000.0);
        assert_eq!((d.batch_bytes, d.beacon_bytes), (500_000, 65_536));
        assert!(d.worker, "the delivery worker is on by default");
        assert!(
            !d.engine_in_worker,
            "the engine runs on the page by default"
        );
    }

    #[test]
    fn the_delivery_worker_can_be_turned_off_and_is_type_checked() {
        let (c, _) =
            Config::parse(&json!({"collector": {"url": "/a"}, "delivery": {"worker": false}}))
                .unwrap_or_else(|e| panic!("{e}"));
        assert!(!c.delivery.worker);
        let err = Config::parse(&json!({"collector": {"url": "/a"}, "delivery": {"worker": "no"}}))
            .err()
            .map(|e| (e.path().to_string(), e.to_string()));
        let (path, message) = err.unwrap_or_default();
        assert_eq!(path, "delivery.worker");
        assert!(message.contains("expected a boolean"), "{message}");
    }

    #[test]
    fn the_engine_site_is_page_or_worker() {
        let site = |v: &str| {
            Config::parse(&json!({"delivery": {"engine": v}}))
                .map(|(c, _)| c.delivery.engine_in_worker)
        };
        assert_eq!(site("worker").ok(), Some(true));
        assert_eq!(site("page").ok(), Some(false));
        let err = site("tab").err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("delivery.engine: expected \"page\" or \"worker\"")
        );
    }

    #[test]
    fn delivery_keys_are_read_and_clamped_and_errors_name_paths() {
        let (c, _) = Config::parse(&json!({
            "delivery": {"maxEvents": 50, "maxBytes": 1, "batchSize": 7, "flushInterval": 500}
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let d = c.delivery;
        assert_eq!((d.max_events, d.max_bytes, d.batch_size), (50, 10_000, 7));
        assert_eq!(d.flush_interval_ms, 500.0);
        let err = |v| Config::parse(&v).err().map(|e| e.to_string());
        assert_eq!(
            err(json!({"delivery": {"maxEvents": "x"}})),
            Some("delivery.maxEvents: expected a number".into())
        );
        assert_eq!(
            err(json!({"collectors": [{"url": 1}]})),
            Some("collectors[0].url: expected a string".into())
        );
        assert_eq!(
            err(json!({"collectors": {}})),
            Some("collectors: expected an array".into())
        );
    }
}

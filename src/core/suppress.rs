//! Suppression after a response: `stopAfter: {"events": [...], "clicked": true}`
//! retires a variant for good once any named event is in the profile, or once
//! the variant was clicked.

use crate::core::error::{join_path, AttuneError, Result};
use crate::core::exposures::ExposureStats;
use crate::core::json::{Map, Value};

/// When a variant stops.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StopAfter {
    /// Event names (`Order Completed`, `Offer Dismissed`, …).
    pub events: Vec<String>,
    /// Stop once the variant was clicked.
    pub clicked: bool,
}

impl StopAfter {
    /// Reads `stopAfter` of a variant object at `parent`.
    pub fn parse(obj: &Map, parent: &str) -> Result<StopAfter> {
        let path = join_path(parent, "stopAfter");
        let m = match obj.get("stopAfter") {
            None | Some(Value::Null) => return Ok(StopAfter::default()),
            Some(Value::Object(m)) => m,
            Some(_) => return Err(AttuneError::config(path, "expected an object")),
        };
        let events = match m.get("events") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => Value::all_strings(a)
                .ok_or_else(|| AttuneError::config_at(&path, "events", "expected event names"))?,
            Some(_) => {
                return Err(AttuneError::config_at(
                    &path,
                    "events",
                    "expected an array of event names",
                ))
            }
        };
        let clicked = crate::core::config::opt_bool(m, "clicked", &path)?.unwrap_or(false);
        Ok(StopAfter { events, clicked })
    }

    /// Why the variant is suppressed (`event:Order Completed`, `clicked`), if it is.
    /// `doc` is the attribute document (its `events` map), `stats` the variant's ledger entry.
    pub fn check(&self, doc: &Value, stats: Option<&ExposureStats>) -> Option<String> {
        if self.clicked && stats.is_some_and(|s| s.clicks > 0) {
            return Some("clicked".into());
        }
        let events = doc.get("events")?;
        self.events
            .iter()
            .find(|e| events.get(e.as_str()).is_some_and(Value::is_object))
            .map(|e| crate::cat!("event:", e))
    }
}

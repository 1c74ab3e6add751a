//! Batching: when a collector is due, which events go in one request, and the
//! request body.
//!
//! A collector is due as soon as `batch_size` events or `batch_bytes` bytes
//! wait for it, or when its oldest waiting event has waited `flush_interval`
//! — whichever comes first. A batch takes events oldest first up to
//! `batch_size` events and `max_body` bytes (always at least one event: a single
//! event is at most 32 KB, below every body limit).

use crate::core::config::CollectorFormat;
use crate::core::json::{write_str, Value};
use crate::core::outbox::Record;

/// Bytes of a body around its events (`{"batch":[…],"sentAt":"…","writeKey":"…"}`).
const BODY_OVERHEAD: usize = 96;

/// What waits for one collector.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Waiting {
    /// Number of events.
    pub count: usize,
    /// Their JSON bytes.
    pub bytes: usize,
    /// Queue time of the oldest, ms since the epoch.
    pub oldest: f64,
}

impl Waiting {
    /// Sums up `records`.
    pub fn of<'a>(records: impl Iterator<Item = &'a Record>) -> Self {
        records.fold(
            Waiting {
                oldest: f64::MAX,
                ..Waiting::default()
            },
            |w, r| Waiting {
                count: w.count + 1,
                bytes: w.bytes + r.json.len() + 1,
                oldest: w.oldest.min(r.created),
            },
        )
    }
}

/// When a collector with `waiting` events becomes due (ms since the epoch), or
/// `None` when nothing waits.
pub fn due_at(
    waiting: &Waiting,
    now: f64,
    batch_size: usize,
    batch_bytes: usize,
    interval_ms: f64,
) -> Option<f64> {
    if waiting.count == 0 {
        return None;
    }
    if waiting.count >= batch_size || waiting.bytes + BODY_OVERHEAD >= batch_bytes {
        return Some(now);
    }
    Some(waiting.oldest + interval_ms)
}

/// Picks the events of the next batch: oldest first, at most `max_events`
/// events and `max_body` bytes of body, but always at least one.
pub fn select<'a>(
    records: impl Iterator<Item = &'a Record>,
    max_events: usize,
    max_body: usize,
) -> Vec<&'a Record> {
    let mut out = Vec::new();
    let mut bytes = BODY_OVERHEAD;
    for r in records {
        if out.len() >= max_events.max(1) {
            break;
        }
        let size = r.json.len() + 1;
        if !out.is_empty() && bytes + size > max_body {
            break;
        }
        bytes += size;
        out.push(r);
    }
    out
}

/// The JSON array of the events, the first carrying `context.attune.dropped`
/// when events were dropped since the last acknowledged report.
pub fn events_array(records: &[&Record], dropped: u64) -> String {
    let mut s = String::with_capacity(records.iter().map(|r| r.json.len() + 1).sum::<usize>() + 2);
    s.push('[');
    for (i, r) in records.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        if i == 0 && dropped > 0 {
            s.push_str(&with_dropped(&r.json, dropped));
        } else {
            s.push_str(&r.json);
        }
    }
    s.push(']');
    s
}

/// The request body for `format`. `write_key` goes into the body only where no
/// header can carry it (beacons).
pub fn body(
    events: &str,
    format: CollectorFormat,
    sent_at: &str,
    write_key: Option<&str>,
) -> String {
    match format {
        CollectorFormat::Json => events.to_string(),
        CollectorFormat::Segment => {
            let mut s = String::with_capacity(events.len() + BODY_OVERHEAD);
            s.push_str("{\"batch\":");
            s.push_str(events);
            s.push_str(",\"sentAt\":");
            write_str(sent_at, &mut s);
            if let Some(k) = write_key {
                s.push_str(",\"writeKey\":");
                write_str(k, &mut s);
            }
            s.push('}');
            s
        }
    }
}

fn with_dropped(event_json: &str, dropped: u64) -> String {
    let Ok(mut v) = Value::parse(event_json) else {
        return event_json.to_string();
    };
    if let Some(obj) = v.as_object_mut() {
        let ctx = obj.entry_or_insert_with("context", Value::object);
        if let Some(ctx) = ctx.as_object_mut() {
            let a = ctx.entry_or_insert_with("attune", Value::object);
            if let Some(a) = a.as_object_mut() {
                a.insert("dropped", Value::from(dropped));
            }
        }
    }
    v.to_json()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(i: usize, t: f64, pad: usize) -> Record {
        Record::new(
            format!("m{i}"),
            t,
            format!("{{\"messageId\":\"m{i}\",\"p\":\"{}\"}}", "x".repeat(pad)),
        )
    }

    #[test]
    fn due_by_count_bytes_or_interval() {
        let recs: Vec<Record> = (0..5).map(|i| rec(i, 1000.0 + i as f64, 10)).collect();
        let w = Waiting::of(recs.iter());
        assert_eq!((w.count, w.oldest), (5, 1000.0));
        // Interval: due 2 s after the oldest was queued.
        assert_eq!(due_at(&w, 1500.0, 20, 500_000, 2000.0), Some(3000.0));
        // Count reached: due now.
        assert_eq!(due_at(&w, 1500.0, 5, 500_000, 2000.0), Some(1500.0));
        // Bytes reached: due now.
        assert_eq!(due_at(&w, 1500.0, 20, 200, 2000.0), Some(1500.0));
        // Old events from an earlier visit: due at once (in the past).
        assert!(due_at(&w, 99_000.0, 20, 500_000, 2000.0).is_some_and(|t| t <= 99_000.0));
        assert_eq!(due_at(&Waiting::of([].iter()), 0.0, 20, 1, 1.0), None);
    }

    #[test]
    fn select_respects_count_and_bytes_but_takes_one() {
        let recs: Vec<Record> = (0..30).map(|i| rec(i, 0.0, 100)).collect();
        assert_eq!(select(recs.iter(), 20, 500_000).len(), 20);
        let per = recs[0].json.len() + 1;
        let n = select(recs.iter(), 20, BODY_OVERHEAD + 3 * per).len();
        assert_eq!(n, 3);
        assert_eq!(select(recs.iter(), 20, 10).len(), 1, "always one");
        assert!(select([].iter(), 20, 10).is_empty());
    }

    #[test]
    fn bodies_in_both_formats_with_dropped_count() {
        let recs: Vec<Record> = (0..2).map(|i| rec(i, 0.0, 1)).collect();
        let refs: Vec<&Record> = recs.iter().collect();
        let ev = events_array(&refs, 0);
        assert_eq!(ev, format!("[{},{}]", recs[0].json, recs[1].json));
        assert_eq!(body(&ev, CollectorFormat::Json, "T", None), ev);
        let seg =
            Value::parse(&body(&ev, CollectorFormat::Segment, "T", Some("k"))).unwrap_or_default();
        assert_eq!(seg["sentAt"], "T");
        assert_eq!(seg["writeKey"], "k");
        assert_eq!(seg["batch"][1]["messageId"], "m1");
        let with = Value::parse(&events_array(&refs, 7)).unwrap_or_default();
        assert_eq!(with[0]["context"]["attune"]["dropped"], 7.0);
        assert_eq!(
            with_dropped(r#"{"messageId":"m","context":{"x":1}}"#, 2),
            r#"{"context":{"attune":{"dropped":2},"x":1},"messageId":"m"}"#
        );
        assert_eq!(with_dropped("not json", 2), "not json");
        assert_eq!(with[0]["messageId"], "m0", "same messageId");
        assert!(with[1].get("context").is_none());
    }
}

//! The outbox: events are persisted here before they are sent, and leave only
//! when a collector acknowledges them. The outbox is sans-IO — it hands out
//! batches and is told the outcome; the web layer does the sending.

use crate::core::config::CollectorFormat;
use crate::core::error::{AttuneError, Result};
use crate::core::platform::Storage;
use serde_json::Value;
use std::collections::VecDeque;

/// Most events kept; the oldest are dropped beyond it.
pub const MAX_EVENTS: usize = 1000;

/// One queued event: its id and its serialized JSON.
#[derive(Debug, Clone, PartialEq)]
struct Queued {
    id: String,
    json: String,
}

/// A batch handed out for sending.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// Message ids in the batch, to acknowledge later.
    pub ids: Vec<String>,
    /// The request body.
    pub body: String,
}

/// Persisted, bounded queue of events awaiting acknowledgement.
#[derive(Debug, Default)]
pub struct Outbox {
    key: String,
    items: VecDeque<Queued>,
    in_flight: usize,
    dropped: u64,
}

impl Outbox {
    /// Loads the outbox stored under `key`. A corrupt record is discarded and reported.
    pub fn load(storage: &dyn Storage, key: &str) -> (Self, Option<AttuneError>) {
        let mut outbox = Outbox {
            key: key.to_string(),
            ..Outbox::default()
        };
        let stored = match storage.get(key) {
            Ok(s) => s,
            Err(e) => return (outbox, Some(e)),
        };
        let Some(text) = stored else {
            return (outbox, None);
        };
        match serde_json::from_str::<Vec<Value>>(&text) {
            Ok(events) => {
                for e in events {
                    if let Some(id) = e.get("messageId").and_then(Value::as_str) {
                        let id = id.to_string();
                        outbox.items.push_back(Queued {
                            id,
                            json: e.to_string(),
                        });
                    }
                }
                (outbox, None)
            }
            Err(err) => (
                outbox,
                Some(AttuneError::Corrupt {
                    path: key.into(),
                    message: err.to_string(),
                }),
            ),
        }
    }

    /// Queues one serialized event and persists the queue before returning.
    pub fn push(&mut self, storage: &dyn Storage, id: String, json: String) -> Result<()> {
        self.items.push_back(Queued { id, json });
        while self.items.len() > MAX_EVENTS {
            self.items.pop_front();
            self.dropped += 1;
            self.in_flight = self.in_flight.saturating_sub(1);
        }
        self.persist(storage)
    }

    /// Hands out the next batch of up to `max` events, unless one is already in flight.
    pub fn next_batch(
        &mut self,
        max: usize,
        format: CollectorFormat,
        sent_at: &str,
    ) -> Option<Batch> {
        if self.in_flight > 0 || self.items.is_empty() {
            return None;
        }
        let n = self.items.len().min(max.max(1));
        let mut ids = Vec::with_capacity(n);
        let mut events = String::from("[");
        for (i, q) in self.items.iter().take(n).enumerate() {
            if i > 0 {
                events.push(',');
            }
            events.push_str(&q.json);
            ids.push(q.id.clone());
        }
        events.push(']');
        self.in_flight = n;
        let body = match format {
            CollectorFormat::Json => events,
            CollectorFormat::Segment => format!("{{\"batch\":{events},\"sentAt\":\"{sent_at}\"}}"),
        };
        Some(Batch { ids, body })
    }

    /// The collector acknowledged `batch`: its events leave the outbox.
    pub fn ack(&mut self, storage: &dyn Storage, batch: &Batch) -> Result<()> {
        self.items.retain(|q| !batch.ids.contains(&q.id));
        self.in_flight = 0;
        self.persist(storage)
    }

    /// Sending `batch` failed; its events stay queued for a retry.
    pub fn fail(&mut self) {
        self.in_flight = 0;
    }

    /// Number of queued events.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Events dropped because the outbox was full.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    fn persist(&self, storage: &dyn Storage) -> Result<()> {
        if self.items.is_empty() {
            return storage.remove(&self.key);
        }
        let mut text = String::from("[");
        for (i, q) in self.items.iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            text.push_str(&q.json);
        }
        text.push(']');
        storage.set(&self.key, &text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::platform::MemoryStorage;

    fn ev(id: &str) -> String {
        format!("{{\"messageId\":\"{id}\",\"type\":\"track\"}}")
    }

    #[test]
    fn persists_before_sending_and_removes_only_on_ack() {
        let s = MemoryStorage::new();
        let mut o = Outbox::load(&s, "q").0;
        for id in ["a", "b", "c"] {
            assert!(o.push(&s, id.into(), ev(id)).is_ok());
        }
        let b = o
            .next_batch(2, CollectorFormat::Segment, "T")
            .unwrap_or_else(|| panic!("batch"));
        assert_eq!(b.ids, vec!["a", "b"]);
        assert!(b.body.starts_with("{\"batch\":[{\"messageId\":\"a\""));
        assert!(b.body.ends_with("],\"sentAt\":\"T\"}"));
        assert!(
            o.next_batch(2, CollectorFormat::Segment, "T").is_none(),
            "one batch in flight"
        );
        // A reload before the ack still has all three.
        assert_eq!(Outbox::load(&s, "q").0.len(), 3);
        assert!(o.ack(&s, &b).is_ok());
        let reloaded = Outbox::load(&s, "q").0;
        assert_eq!(reloaded.len(), 1);
        let b2 = o
            .next_batch(5, CollectorFormat::Json, "T")
            .unwrap_or_else(|| panic!("batch"));
        assert_eq!(b2.body, format!("[{}]", ev("c")));
        o.fail();
        assert_eq!(
            o.next_batch(5, CollectorFormat::Json, "T").map(|b| b.ids),
            Some(vec!["c".to_string()])
        );
    }

    #[test]
    fn drops_oldest_beyond_cap_and_survives_corruption() {
        let s = MemoryStorage::new();
        let mut o = Outbox::load(&s, "q").0;
        for i in 0..(MAX_EVENTS + 5) {
            let id = format!("e{i}");
            let _ = o.push(&s, id.clone(), ev(&id));
        }
        assert_eq!((o.len(), o.dropped()), (MAX_EVENTS, 5));
        let _ = s.set("q", "{broken");
        let (o2, err) = Outbox::load(&s, "q");
        assert!(o2.is_empty());
        assert_eq!(err.map(|e| e.code()), Some("storage_corrupt"));
    }
}

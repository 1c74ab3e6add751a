//! The event store: unique events by `messageId`, kept in memory and appended to
//! a JSON-lines file that is reloaded on start so deduplication survives restarts.

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

/// Counters reported by `/v1/stats` (besides the chaos counts).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Events received in accepted batches, duplicates included.
    pub received: u64,
    /// Events dropped as duplicates of an already stored `messageId`.
    pub duplicates: u64,
    /// Accepted batches.
    pub batches: u64,
    /// Batches rejected as malformed or too large.
    pub rejected: u64,
    /// Accepted batches sent with a `text/plain` content type (`sendBeacon`).
    pub plain_text_batches: u64,
    /// Accepted batches that carried an `Authorization` header.
    pub authorized_batches: u64,
    /// `Authorization` header of the last accepted batch (`None` if it had none).
    pub last_authorization: Option<String>,
    /// Write key decoded from a Basic `Authorization` of the last accepted batch.
    pub last_write_key: Option<String>,
    /// `Content-Type` of the last accepted batch.
    pub last_content_type: Option<String>,
}

/// Result of storing one batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ingested {
    /// Events stored for the first time.
    pub accepted: usize,
    /// Events whose `messageId` was already stored.
    pub duplicates: usize,
}

/// Unique events plus the counters, backed by a JSON-lines file.
#[derive(Debug)]
pub struct EventStore {
    path: PathBuf,
    file: File,
    events: Vec<Value>,
    seen: HashSet<String>,
    loaded: usize,
    skipped_lines: usize,
    stats: Stats,
}

impl EventStore {
    /// Opens (creating parent directories) the store at `path`; loads existing
    /// lines unless `fresh`, in which case the file is truncated. Lines that are
    /// not JSON objects with a string `messageId` are skipped.
    pub fn open(path: &Path, fresh: bool) -> io::Result<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent)?;
        }
        if fresh {
            File::create(path)?;
        }
        let mut store = Self {
            path: path.to_path_buf(),
            file: open_append(path)?,
            events: Vec::new(),
            seen: HashSet::new(),
            loaded: 0,
            skipped_lines: 0,
            stats: Stats::default(),
        };
        let contents = fs::read(path)?;
        for line in contents.split(|b| *b == b'\n') {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let parsed = serde_json::from_slice::<Value>(line)
                .ok()
                .and_then(|value| {
                    let id = message_id(&value)?.to_string();
                    Some((id, value))
                });
            match parsed {
                Some((id, value)) => {
                    if store.seen.insert(id) {
                        store.events.push(value);
                        store.loaded += 1;
                    }
                }
                None => store.skipped_lines += 1,
            }
        }
        Ok(store)
    }

    /// Where the events are persisted.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stored unique events in arrival order.
    pub fn events(&self) -> &[Value] {
        &self.events
    }

    /// Events loaded from the file on start.
    pub fn loaded(&self) -> usize {
        self.loaded
    }

    /// Unparseable lines skipped on start.
    pub fn skipped_lines(&self) -> usize {
        self.skipped_lines
    }

    /// Current counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Counters, for the router to record request details.
    pub fn stats_mut(&mut self) -> &mut Stats {
        &mut self.stats
    }

    /// Stores a validated batch: each event whose `messageId` is new gets
    /// `receivedAt` and is appended to the file; others count as duplicates.
    /// Events without a string `messageId` are ignored (the router validates
    /// first). On a write error nothing is changed.
    pub fn ingest(&mut self, events: Vec<Value>, received_at: &str) -> io::Result<Ingested> {
        let total = events.len();
        let mut fresh_ids = HashSet::new();
        let mut fresh = Vec::new();
        let mut lines = String::new();
        for mut event in events {
            let Some(id) = message_id(&event).map(str::to_string) else {
                continue;
            };
            if self.seen.contains(&id) || !fresh_ids.insert(id) {
                continue;
            }
            if let Value::Object(map) = &mut event {
                map.insert("receivedAt".into(), Value::String(received_at.into()));
            }
            lines.push_str(&serde_json::to_string(&event).map_err(io::Error::other)?);
            lines.push('\n');
            fresh.push(event);
        }
        if !lines.is_empty() {
            self.file.write_all(lines.as_bytes())?;
            self.file.flush()?;
        }
        let accepted = fresh.len();
        self.seen.extend(fresh_ids);
        self.events.extend(fresh);
        self.stats.received += total as u64;
        self.stats.duplicates += (total - accepted) as u64;
        self.stats.batches += 1;
        Ok(Ingested {
            accepted,
            duplicates: total - accepted,
        })
    }

    /// Forgets every event and counter and truncates the file.
    pub fn reset(&mut self) -> io::Result<()> {
        self.file.set_len(0)?;
        self.events.clear();
        self.seen.clear();
        self.loaded = 0;
        self.skipped_lines = 0;
        self.stats = Stats::default();
        Ok(())
    }

    /// Removes the events of `anonymous_id` or `user_id` from memory and file and
    /// returns how many went. Their `messageId`s stay known, so late retries of
    /// forgotten events are still treated as duplicates while the server runs.
    pub fn forget(
        &mut self,
        anonymous_id: Option<&str>,
        user_id: Option<&str>,
    ) -> io::Result<usize> {
        let matches = |event: &Value| {
            let field = |name: &str| event.get(name).and_then(Value::as_str);
            anonymous_id.is_some_and(|a| field("anonymousId") == Some(a))
                || user_id.is_some_and(|u| field("userId") == Some(u))
        };
        let kept: Vec<Value> = self
            .events
            .iter()
            .filter(|e| !matches(e))
            .cloned()
            .collect();
        let removed = self.events.len() - kept.len();
        if removed > 0 {
            self.rewrite(&kept)?;
            self.events = kept;
        }
        Ok(removed)
    }

    /// Replaces the file with `events` (write to a temporary file, then rename).
    fn rewrite(&mut self, events: &[Value]) -> io::Result<()> {
        let mut tmp_name = self.path.as_os_str().to_owned();
        tmp_name.push(".tmp");
        let tmp = PathBuf::from(tmp_name);
        let mut text = String::new();
        for event in events {
            text.push_str(&serde_json::to_string(event).map_err(io::Error::other)?);
            text.push('\n');
        }
        fs::write(&tmp, text)?;
        fs::rename(&tmp, &self.path)?;
        self.file = open_append(&self.path)?;
        Ok(())
    }

    /// The counters as JSON (without chaos counts, which the router adds).
    pub fn stats_json(&self) -> Value {
        let s = &self.stats;
        json!({
            "received": s.received,
            "unique": self.events.len(),
            "duplicates": s.duplicates,
            "batches": s.batches,
            "rejected": s.rejected,
            "plainTextBatches": s.plain_text_batches,
            "authorizedBatches": s.authorized_batches,
            "lastAuthorization": s.last_authorization,
            "lastWriteKey": s.last_write_key,
            "lastContentType": s.last_content_type,
            "loaded": self.loaded,
            "skippedLines": self.skipped_lines,
        })
    }
}

fn open_append(path: &Path) -> io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

/// The `messageId` of an event object, if it is a string.
pub fn message_id(event: &Value) -> Option<&str> {
    event.get("messageId").and_then(Value::as_str)
}

/// Keeps events matching every given `(field, value)` filter (string fields).
pub fn filter_events<'a>(events: &'a [Value], filters: &[(&str, String)]) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| {
            filters
                .iter()
                .all(|(field, want)| e.get(*field).and_then(Value::as_str) == Some(want.as_str()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_path(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("attune-store-unit-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir.join("nested").join("events.jsonl")
    }

    fn ev(id: &str, anon: &str) -> Value {
        json!({"messageId": id, "type": "track", "event": "E", "anonymousId": anon})
    }

    #[test]
    fn dedupes_within_and_across_batches_and_reloads() {
        let path = temp_path("reload");
        let mut store = EventStore::open(&path, false).unwrap();
        let r = store
            .ingest(vec![ev("a", "x"), ev("b", "x"), ev("a", "x")], "t")
            .unwrap();
        assert_eq!((r.accepted, r.duplicates), (2, 1));
        let r = store.ingest(vec![ev("b", "x"), ev("c", "y")], "t").unwrap();
        assert_eq!((r.accepted, r.duplicates), (1, 1));
        assert_eq!(store.events().len(), 3);
        assert_eq!(store.events()[0]["receivedAt"], "t");
        drop(store);

        fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"garbage\n\xff\xfe\n{\"no\":\"id\"}\n")
            .unwrap();
        let mut store = EventStore::open(&path, false).unwrap();
        assert_eq!(store.loaded(), 3);
        assert_eq!(store.skipped_lines(), 3);
        let r = store.ingest(vec![ev("c", "y")], "t").unwrap();
        assert_eq!((r.accepted, r.duplicates), (0, 1));

        assert_eq!(store.forget(Some("x"), None).unwrap(), 2);
        drop(store);
        let mut store = EventStore::open(&path, false).unwrap();
        assert_eq!(store.events().len(), 1);
        store.reset().unwrap();
        drop(store);
        assert_eq!(fs::read(&path).unwrap().len(), 0);
        let store = EventStore::open(&path, true).unwrap();
        assert!(store.events().is_empty());
        let _ = fs::remove_dir_all(path.parent().unwrap().parent().unwrap());
    }

    #[test]
    fn filters() {
        let events = vec![ev("a", "x"), ev("b", "y")];
        assert_eq!(
            filter_events(&events, &[("anonymousId", "y".into())]).len(),
            1
        );
        assert_eq!(filter_events(&events, &[("type", "track".into())]).len(), 2);
        assert_eq!(filter_events(&events, &[("type", "page".into())]).len(), 0);
    }
}

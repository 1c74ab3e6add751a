//! The persisted outbox: events wait here, in storage, until every collector
//! acknowledged them.
//!
//! Layout (chosen so that tabs sharing one `localStorage` never overwrite each
//! other and no write re-serializes the whole queue):
//!
//! * The outbox is a set of **immutable chunk records**, one storage key each:
//!   `{prefix}:ob:{writer}.{seq}` → `{"r":[{"m":id,"t":queued_ms,"d":[collector ids done],"e":event}, …]}`.
//!   `writer` is random per page instance, so keys never collide across tabs.
//! * New events are buffered in memory (`pending`) and written as new chunks by
//!   [`Outbox::persist`] — once per microtask in the browser. Only persisted
//!   events are ever handed out for sending.
//! * A chunk is never modified in place: acknowledging or evicting some of its
//!   events writes the remainder under a **new key** and removes the old one.
//!   A key's content is therefore fixed for its whole life, and
//!   [`Outbox::reload`] only parses keys it has not seen yet.
//! * Races between tabs can at worst resurrect a chunk (its events are then
//!   sent again with the same `messageId`) or over-count a drop; they cannot
//!   lose an event that was not meant to be dropped.

use crate::cat;
use crate::core::error::{AttuneError, Result};
use crate::core::json::{num, write_str, Value};
use crate::core::keymap::KeySet;
use crate::core::platform::Storage;

/// Most events written into one chunk.
pub const CHUNK_EVENTS: usize = 50;
/// Most event bytes written into one chunk.
pub const CHUNK_BYTES: usize = 64 * 1024;
/// Bytes a record adds around its event JSON and ids (`{"m":…,"t":…,"d":[],"e":…}`).
const RECORD_OVERHEAD: usize = 48;

/// One queued event.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The event's `messageId`.
    pub id: String,
    /// When it was queued, ms since the epoch (its age counts from here).
    pub created: f64,
    /// Ids of the collectors that acknowledged (or rejected) it.
    pub done: Vec<String>,
    /// Ids of the collectors it is for: those of the page that queued it
    /// (empty: any, as in records stored before destinations were kept). Tabs
    /// of one origin with different collectors share the outbox; each sends a
    /// record only to its destinations and leaves the rest to the others.
    pub to: Vec<String>,
    /// The serialized event.
    pub json: String,
}

impl Record {
    /// A fresh record, not yet delivered anywhere.
    pub fn new(id: String, created: f64, json: String) -> Self {
        Record {
            id,
            created,
            done: Vec::new(),
            to: Vec::new(),
            json,
        }
    }

    /// True when `collector` is one of its destinations.
    pub fn is_for(&self, collector: &str) -> bool {
        self.to.is_empty() || self.to.iter().any(|c| c == collector)
    }

    /// True once `collector` acknowledged or rejected it.
    pub fn is_done_for(&self, collector: &str) -> bool {
        self.done.iter().any(|d| d == collector)
    }

    /// True once every destination is done with it (every collector in `all`,
    /// this page's, for a record without destinations).
    pub fn is_complete(&self, all: &[String]) -> bool {
        let dests = if self.to.is_empty() { all } else { &self.to };
        dests.iter().all(|c| self.is_done_for(c))
    }

    /// Bytes it takes in a chunk (close estimate).
    pub fn size(&self) -> usize {
        RECORD_OVERHEAD
            + self.json.len()
            + self.id.len()
            + self.done.iter().map(|d| d.len() + 3).sum::<usize>()
    }
}

/// Caps of the outbox.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Most events kept.
    pub max_events: usize,
    /// Most bytes kept (keys + values).
    pub max_bytes: usize,
    /// Oldest event kept, ms.
    pub max_age_ms: f64,
}

#[derive(Debug, Clone, PartialEq)]
struct Chunk {
    key: String,
    bytes: usize,
    records: Vec<Record>,
    /// Marks changed in memory, not yet rewritten (done at the next persist).
    dirty: bool,
}

/// The persisted, bounded outbox of one page instance.
#[derive(Debug)]
pub struct Outbox {
    prefix: String,
    writer: String,
    seq: u64,
    chunks: Vec<Chunk>,
    pending: Vec<Record>,
    pending_bytes: usize,
    limits: Limits,
}

impl Outbox {
    /// An empty outbox writing under `{storage_prefix}:ob:` as `writer`.
    /// Call [`Outbox::reload`] to see what storage already holds.
    pub fn new(storage_prefix: &str, writer: &str, limits: Limits) -> Self {
        Outbox {
            prefix: cat!(storage_prefix, ":ob:"),
            writer: writer.to_string(),
            seq: 0,
            chunks: Vec::new(),
            pending: Vec::new(),
            pending_bytes: 0,
            limits,
        }
    }

    /// The storage key prefix of every chunk.
    pub fn key_prefix(&self) -> &str {
        &self.prefix
    }

    /// Queues an event in memory; it is written by the next [`Outbox::persist`].
    pub fn push(&mut self, record: Record) {
        self.pending_bytes += record.size();
        self.pending.push(record);
    }

    /// True while some events or marks are not written yet.
    pub fn has_unpersisted(&self) -> bool {
        !self.pending.is_empty() || self.chunks.iter().any(|c| c.dirty)
    }

    /// Events kept (written or not).
    pub fn len(&self) -> usize {
        self.persisted_len() + self.pending.len()
    }

    /// True when nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Events written to storage.
    pub fn persisted_len(&self) -> usize {
        self.chunks.iter().map(|c| c.records.len()).sum()
    }

    /// Bytes kept (storage bytes of the chunks plus the estimate of the unwritten).
    pub fn bytes(&self) -> usize {
        self.chunks.iter().map(|c| c.bytes).sum::<usize>() + self.pending_bytes
    }

    /// The persisted events, oldest first. Only these may be sent.
    pub fn records(&self) -> impl Iterator<Item = &Record> {
        self.chunks.iter().flat_map(|c| c.records.iter())
    }

    /// Writes the unwritten events as new chunks, after dropping expired events
    /// and the oldest beyond the caps. Returns how many events were dropped.
    pub fn persist(&mut self, storage: &dyn Storage, now: f64) -> Result<u64> {
        let dropped = self.enforce(storage, now);
        let mut dirty = Vec::new();
        for (i, c) in self.chunks.iter().enumerate() {
            if c.dirty {
                dirty.push(i);
            }
        }
        let mut result = self.rewrite(storage, &dirty).map(|()| dropped);
        let pending = std::mem::take(&mut self.pending);
        self.pending_bytes = 0;
        let mut rest = pending.into_iter().peekable();
        while rest.peek().is_some() {
            let mut part = Vec::new();
            let mut bytes = 0;
            while let Some(r) = rest.next_if(|r| {
                part.is_empty()
                    || (part.len() < CHUNK_EVENTS
                        && bytes + r.size() <= CHUNK_BYTES
                        && part.first().is_some_and(|f: &Record| f.to == r.to))
            }) {
                bytes += r.size();
                part.push(r);
            }
            match self.write_chunk(storage, part) {
                Ok(()) => {}
                Err((e, part)) => {
                    // Keep them queued in memory: they are retried next time, never sent unwritten.
                    for r in part {
                        self.push(r);
                    }
                    for r in rest.by_ref() {
                        self.push(r);
                    }
                    result = Err(e);
                }
            }
        }
        result
    }

    /// Drops every event `keep` rejects, in memory and in storage at once
    /// (consent revoked, `forget()`); returns how many were dropped.
    pub fn retain(
        &mut self,
        storage: &dyn Storage,
        keep: &dyn Fn(&Record) -> bool,
    ) -> Result<usize> {
        let before = self.len();
        self.pending.retain(|r| keep(r));
        self.pending_bytes = total_size(&self.pending);
        let mut touched = Vec::new();
        for (i, c) in self.chunks.iter_mut().enumerate() {
            let n = c.records.len();
            c.records.retain(|r| keep(r));
            if c.records.len() != n {
                c.dirty = true;
                touched.push(i);
            }
        }
        self.rewrite(storage, &touched)?;
        Ok(before - self.len())
    }

    /// Re-reads which chunks storage holds: chunks removed by another tab are
    /// forgotten, new ones (from other tabs or earlier visits) are parsed.
    /// A corrupt chunk is removed and reported.
    pub fn reload(&mut self, storage: &dyn Storage) -> Vec<AttuneError> {
        let keys = match storage.keys() {
            Ok(k) => k,
            Err(e) => return vec![e],
        };
        let mut present = KeySet::new();
        for k in &keys {
            if k.starts_with(&self.prefix) {
                present.add(k.as_str());
            }
        }
        self.chunks.retain(|c| present.contains_key(&c.key));
        let mut known = KeySet::new();
        for c in &self.chunks {
            known.add(c.key.as_str());
        }
        let mut errors = Vec::new();
        let mut added = false;
        for key in present.keys().filter(|k| !known.contains_key(k)) {
            match storage.get(key) {
                Ok(Some(text)) => match parse_chunk(&text) {
                    Ok(records) => {
                        self.chunks.push(Chunk {
                            key: key.to_string(),
                            bytes: key.len() + text.len(),
                            records,
                            dirty: false,
                        });
                        added = true;
                    }
                    Err(message) => {
                        let _ = storage.remove(key);
                        errors.push(AttuneError::from(crate::core::ErrorKind::Corrupt {
                            path: key.to_string(),
                            message,
                        }));
                    }
                },
                Ok(None) => {}
                Err(e) => errors.push(e),
            }
        }
        if added {
            self.chunks.sort_unstable_by(|a, b| {
                let (ta, tb) = (first_created(a), first_created(b));
                ta.total_cmp(&tb).then_with(|| a.key.cmp(&b.key))
            });
        }
        errors
    }

    /// Marks `ids` as done for `collector`; events done for every collector in
    /// `all` leave the outbox. A chunk left empty is removed from storage at
    /// once; a chunk only partly done is rewritten by the next
    /// [`Outbox::persist`] (until then a reload elsewhere would re-send those
    /// events: a duplicate, never a loss), which keeps acknowledgements cheap.
    pub fn mark_done(
        &mut self,
        storage: &dyn Storage,
        collector: &str,
        ids: &KeySet,
        all: &[String],
    ) -> Result<()> {
        let mut touched = Vec::new();
        for (i, chunk) in self.chunks.iter_mut().enumerate() {
            let mut hit = false;
            for r in chunk.records.iter_mut() {
                if ids.contains_key(&r.id) && !r.is_done_for(collector) {
                    r.done.push(collector.to_string());
                    hit = true;
                }
            }
            if hit {
                chunk.records.retain(|r| !r.is_complete(all));
                if chunk.records.is_empty() {
                    touched.push(i);
                } else {
                    chunk.dirty = true;
                }
            }
        }
        self.rewrite(storage, &touched)
    }

    /// Removes events already complete for `all` (e.g. after a collector was
    /// removed from the config).
    pub fn prune_complete(&mut self, storage: &dyn Storage, all: &[String]) -> Result<()> {
        let mut touched = Vec::new();
        for (i, chunk) in self.chunks.iter_mut().enumerate() {
            let before = chunk.records.len();
            chunk.records.retain(|r| !r.is_complete(all));
            if chunk.records.len() != before {
                touched.push(i);
            }
        }
        self.rewrite(storage, &touched)
    }

    /// Drops expired events, then the oldest beyond the count and byte caps
    /// (written ones first, then unwritten). Returns how many were dropped.
    pub fn enforce(&mut self, storage: &dyn Storage, now: f64) -> u64 {
        let oldest_kept = now - self.limits.max_age_ms;
        let mut touched = Vec::new();
        let mut dropped = 0u64;
        for (i, chunk) in self.chunks.iter_mut().enumerate() {
            let before = chunk.records.len();
            chunk.records.retain(|r| r.created >= oldest_kept);
            if chunk.records.len() != before {
                dropped += (before - chunk.records.len()) as u64;
                touched.push(i);
            }
        }
        let before = self.pending.len();
        self.pending.retain(|r| r.created >= oldest_kept);
        dropped += (before - self.pending.len()) as u64;
        self.pending_bytes = total_size(&self.pending);
        // How many of the oldest to drop so that count and bytes fit.
        let mut count = self.len();
        let mut bytes = self.bytes();
        let mut drop_in_chunk = vec![0usize; self.chunks.len()];
        let mut drop_pending = 0usize;
        'outer: for (i, chunk) in self.chunks.iter().enumerate() {
            for r in &chunk.records {
                if count <= self.limits.max_events && bytes <= self.limits.max_bytes {
                    break 'outer;
                }
                count -= 1;
                bytes = bytes.saturating_sub(r.size());
                drop_in_chunk[i] += 1;
            }
            if drop_in_chunk[i] == chunk.records.len() {
                // The whole chunk goes, key included.
                bytes = bytes.saturating_sub(chunk.key.len() + 8);
            }
        }
        for r in &self.pending {
            if count <= self.limits.max_events && bytes <= self.limits.max_bytes {
                break;
            }
            count -= 1;
            bytes = bytes.saturating_sub(r.size());
            drop_pending += 1;
        }
        for (i, n) in drop_in_chunk.into_iter().enumerate() {
            if n > 0 {
                if let Some(chunk) = self.chunks.get_mut(i) {
                    chunk.records.drain(..n.min(chunk.records.len()));
                }
                dropped += n as u64;
                touched.push(i);
            }
        }
        if drop_pending > 0 {
            self.pending.drain(..drop_pending);
            self.pending_bytes = total_size(&self.pending);
            dropped += drop_pending as u64;
        }
        touched.sort_unstable();
        touched.dedup();
        // Storage errors here only mean the next reload brings a chunk back.
        let _ = self.rewrite(storage, &touched);
        dropped
    }

    fn next_key(&mut self) -> String {
        self.seq += 1;
        cat!(self.prefix, self.writer, ".", self.seq)
    }

    fn write_chunk(
        &mut self,
        storage: &dyn Storage,
        records: Vec<Record>,
    ) -> std::result::Result<(), (AttuneError, Vec<Record>)> {
        let key = self.next_key();
        let text = encode(&records);
        match storage.set(&key, &text) {
            Ok(()) => {
                self.chunks.push(Chunk {
                    bytes: key.len() + text.len(),
                    key,
                    records,
                    dirty: false,
                });
                Ok(())
            }
            Err(e) => Err((e, records)),
        }
    }

    /// Writes each touched chunk under a new key (or removes it when empty),
    /// then removes the old key.
    fn rewrite(&mut self, storage: &dyn Storage, touched: &[usize]) -> Result<()> {
        let mut result = Ok(());
        for &i in touched {
            let Some(chunk) = self.chunks.get(i) else {
                continue;
            };
            let old = chunk.key.clone();
            if !chunk.records.is_empty() {
                let key = self.next_key();
                let Some(chunk) = self.chunks.get_mut(i) else {
                    continue;
                };
                let text = encode(&chunk.records);
                if let Err(e) = storage.set(&key, &text) {
                    result = Err(e);
                    continue;
                }
                chunk.bytes = key.len() + text.len();
                chunk.key = key;
                chunk.dirty = false;
            }
            if let Err(e) = storage.remove(&old) {
                result = Err(e);
            }
        }
        self.chunks.retain(|c| !c.records.is_empty());
        result
    }
}

fn first_created(c: &Chunk) -> f64 {
    c.records.first().map_or(f64::MAX, |r| r.created)
}

/// Reads a stored chunk: `{"c": [collector ids], "r": [{m, t, d, e}]}`. The
/// event `e` is kept as the text the core's writer makes of it, which is the
/// text it was stored as (keys sorted, numbers as JavaScript writes them).
fn parse_chunk(text: &str) -> std::result::Result<Vec<Record>, String> {
    let chunk = Value::parse(text).map_err(|e| e.text())?;
    let strings = |v: Option<&Value>| -> Vec<String> {
        v.and_then(Value::as_array)
            .map(|a| Value::strings_in(a, usize::MAX))
            .unwrap_or_default()
    };
    let to = strings(chunk.get("c"));
    let records = chunk
        .get("r")
        .and_then(Value::as_array)
        .ok_or("a chunk needs a record list `r`")?;
    let mut out = Vec::with_capacity(records.len());
    for r in records {
        let (Some(id), Some(created), Some(event)) = (
            r.get("m").and_then(Value::as_str),
            r.get("t").and_then(Value::as_f64),
            r.get("e"),
        ) else {
            return Err("a record needs `m`, `t` and `e`".to_string());
        };
        out.push(Record {
            id: id.to_string(),
            created,
            done: strings(r.get("d")),
            to: to.clone(),
            json: event.to_json(),
        });
    }
    Ok(out)
}

/// What `records` take in a chunk ([`Record::size`] summed).
fn total_size(records: &[Record]) -> usize {
    let mut n = 0;
    for r in records {
        n += r.size();
    }
    n
}

/// A chunk holds records of one destination list (the writer's collectors);
/// [`Outbox::persist`] starts a new chunk when it changes.
fn encode(records: &[Record]) -> String {
    let mut s = String::with_capacity(total_size(records) + 8);
    if let Some(first) = records.first().filter(|r| !r.to.is_empty()) {
        s.push_str("{\"c\":");
        push_strings(&mut s, &first.to);
        s.push_str(",\"r\":[");
    } else {
        s.push_str("{\"r\":[");
    }
    for (i, r) in records.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str("{\"m\":");
        write_str(&r.id, &mut s);
        s.push_str(",\"t\":");
        let t = if r.created.is_finite() {
            r.created.round()
        } else {
            0.0
        };
        num::push_f64(&mut s, t);
        s.push_str(",\"d\":");
        push_strings(&mut s, &r.done);
        s.push_str(",\"e\":");
        s.push_str(&r.json);
        s.push('}');
    }
    s.push_str("]}");
    s
}

/// Appends `items` as a JSON array of strings.
fn push_strings(s: &mut String, items: &[String]) {
    s.push('[');
    for (j, item) in items.iter().enumerate() {
        if j > 0 {
            s.push(',');
        }
        write_str(item, s);
    }
    s.push(']');
}

#[cfg(test)]
#[path = "outbox_tests.rs"]
mod tests;

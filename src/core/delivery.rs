//! Delivery as a sans-IO state machine: the engine owns one, the web layer
//! asks it what to send ([`Delivery::next_job`]), performs the request and
//! reports the [`Outcome`] ([`Delivery::complete`]). Every decision is a
//! function of the stored outbox, the time and the outcome, so it is tested
//! natively with a fake clock and a fake transport.
//!
//! Each collector has its own lane: its own acknowledgement marks on the
//! shared outbox records (events are stored once), its own backoff, and at
//! most one batch in flight.

use crate::cat;
use crate::core::backoff::Backoff;
use crate::core::batcher::{self, Waiting};
use crate::core::config::CollectorConfig;
use crate::core::delivery_config::DeliveryConfig;
use crate::core::delivery_policy::{classify, Gate, Outcome, Verdict};
use crate::core::error::AttuneError;
use crate::core::json::{Map, Value};
use crate::core::keymap::KeySet;
use crate::core::outbox::{Limits, Outbox, Record};
use crate::core::platform::{Random, Storage};
use crate::core::time::iso8601;

/// What a delivery step needs from the host, borrowed for one call.
pub struct Env<'a> {
    /// Where the outbox lives.
    pub storage: &'a dyn Storage,
    /// Jitter source.
    pub random: &'a dyn Random,
    /// Current time, ms since the epoch.
    pub now: f64,
    /// What consent allows.
    pub gate: Gate,
}

/// Why a batch is being sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The timer fired: only collectors that are due (batching and backoff).
    Scheduled,
    /// `flush()`: every collector with waiting events, ignoring interval and backoff.
    Forced,
    /// The page is being hidden: like `Forced`, with bodies small enough for
    /// `fetch(keepalive)` / `sendBeacon`.
    Exit,
}

/// One request to make.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// Index of the collector in [`Delivery::collectors`].
    pub collector: usize,
    /// `messageId`s in the batch.
    pub ids: Vec<String>,
    /// The events as a JSON array (what a `transform` function receives).
    pub events: String,
    /// The request body in the collector's format.
    pub body: String,
    /// Dropped-event count reported in this batch.
    pub dropped: u64,
    /// Why it is sent.
    pub mode: Mode,
}

/// Event counts since the page loaded (each collector counts separately).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Events acknowledged.
    pub sent: u64,
    /// Events in attempts that failed and will be retried.
    pub failed: u64,
    /// Events dropped unsent (outbox full or too old).
    pub dropped: u64,
    /// Events refused for good by a collector (4xx).
    pub rejected: u64,
}

#[derive(Debug, Default)]
struct Lane {
    attempts: u32,
    next_at: f64,
    in_flight: KeySet,
}

/// The delivery state of one page instance.
#[derive(Debug)]
pub struct Delivery {
    outbox: Outbox,
    cfg: DeliveryConfig,
    ids: Vec<String>,
    lanes: Vec<Lane>,
    drops_key: String,
    /// Unreported drop counts as last read or written (re-read at each reload).
    drops: Map,
    totals: Totals,
}

/// What one outcome did to the counts ([`Delivery::complete_counted`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Completed {
    /// Events acknowledged.
    pub sent: u64,
    /// Events whose send failed (kept for a retry).
    pub failed: u64,
}

impl Delivery {
    /// Delivery for `cfg`, with its outbox under `{storage_prefix}:ob:`.
    /// `writer` names this page instance's chunks (random per page).
    pub fn new(cfg: DeliveryConfig, storage_prefix: &str, writer: &str) -> Self {
        let limits = Limits {
            max_events: cfg.max_events,
            max_bytes: cfg.max_bytes,
            max_age_ms: cfg.max_age_ms,
        };
        let mut ids = Vec::with_capacity(cfg.collectors.len());
        let mut lanes = Vec::with_capacity(cfg.collectors.len());
        for c in &cfg.collectors {
            ids.push(c.id.clone());
            lanes.push(Lane::default());
        }
        Delivery {
            outbox: Outbox::new(storage_prefix, writer, limits),
            ids,
            lanes,
            drops_key: cat!(storage_prefix, ":obm:dropped"),
            drops: Map::new(),
            cfg,
            totals: Totals::default(),
        }
    }

    /// The collectors, in config order.
    pub fn collectors(&self) -> &[CollectorConfig] {
        &self.cfg.collectors
    }

    /// The settings.
    pub fn config(&self) -> &DeliveryConfig {
        &self.cfg
    }

    /// The outbox (read-only).
    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    /// Queues an event (in memory until the next [`Delivery::persist`]) for
    /// this page's collectors.
    pub fn push(&mut self, mut record: Record) {
        if record.to.is_empty() {
            record.to = self.ids.clone();
        }
        self.outbox.push(record);
    }

    /// True while some queued events are not written to storage yet.
    pub fn has_unpersisted(&self) -> bool {
        self.outbox.has_unpersisted()
    }

    /// Writes queued events to storage, dropping the oldest beyond the caps.
    pub fn persist(&mut self, env: &Env) -> Vec<AttuneError> {
        match self.outbox.persist(env.storage, env.now) {
            Ok(dropped) => {
                self.add_drops(env.storage, dropped);
                Vec::new()
            }
            Err(e) => vec![e],
        }
    }

    /// Re-reads the outbox from storage (other tabs, earlier visits), then
    /// drops what is too old or over the caps and what every collector is done with.
    pub fn reload(&mut self, env: &Env) -> Vec<AttuneError> {
        let mut errors = self.outbox.reload(env.storage);
        self.drops = self.drops(env.storage);
        let dropped = self.outbox.enforce(env.storage, env.now);
        self.add_drops(env.storage, dropped);
        if let Err(e) = self.outbox.prune_complete(env.storage, &self.ids) {
            errors.push(e);
        }
        errors
    }

    /// Drops queued events `keep` rejects, here and in storage (other tabs'
    /// chunks included, after a reload). Returns how many were dropped.
    pub fn retain(
        &mut self,
        env: &Env,
        keep: &dyn Fn(&Record) -> bool,
    ) -> Result<usize, AttuneError> {
        let _ = self.outbox.reload(env.storage);
        self.outbox.retain(env.storage, keep)
    }

    /// Events kept for some collector (written or not).
    pub fn queued(&self) -> usize {
        self.outbox.len()
    }

    /// How many more events fit before the outbox reaches nine tenths of
    /// either cap (count or bytes; an event is taken to be as large as the
    /// average kept one, 1 KB while none is kept). A producer that can wait
    /// (the JS layer, holding a burst's calls while sends get through) adds no more than this,
    /// so a burst is delivered instead of overflowing the caps; the tenth
    /// left is for the events a call brings along (segment changes).
    pub fn room(&self) -> usize {
        let (count, bytes) = (self.outbox.len(), self.outbox.bytes());
        let by_count = (self.cfg.max_events * 9 / 10).saturating_sub(count);
        let each = bytes.checked_div(count).map_or(1024, |b| b.max(1));
        let by_bytes = (self.cfg.max_bytes * 9 / 10).saturating_sub(bytes) / each;
        by_count.min(by_bytes)
    }

    /// Events currently in flight, over all collectors.
    pub fn in_flight(&self) -> usize {
        self.lanes.iter().map(|l| l.in_flight.len()).sum()
    }

    /// Counts since the page loaded.
    pub fn totals(&self) -> Totals {
        self.totals
    }

    /// What waits for collector `i` (written, not done, not in flight).
    pub fn waiting(&self, i: usize) -> Waiting {
        Waiting::of(self.eligible(i).into_iter())
    }

    /// When the next scheduled send is due (ms since the epoch), if anything waits.
    pub fn next_wake(&self, now: f64, gate: Gate) -> Option<f64> {
        if !gate.send {
            return None;
        }
        (0..self.lanes.len())
            .filter_map(|i| self.due_at(i, now))
            .min_by(f64::total_cmp)
    }

    /// Forgets every backoff (the browser came back online).
    pub fn reset_backoff(&mut self) {
        for lane in &mut self.lanes {
            lane.attempts = 0;
            lane.next_at = 0.0;
        }
    }

    /// The next request to make in `mode`, if any. Its events are in flight
    /// until [`Delivery::complete`]. Only persisted events are ever handed out.
    pub fn next_job(&mut self, env: &Env, mode: Mode) -> Option<Job> {
        self.next_job_skipping(env, mode, &[])
    }

    /// [`Delivery::next_job`], leaving out the collectors in `skip` (those that
    /// already failed during one `flush()`).
    pub fn next_job_skipping(&mut self, env: &Env, mode: Mode, skip: &[usize]) -> Option<Job> {
        if !env.gate.send {
            return None;
        }
        let i = (0..self.lanes.len())
            .filter(|i| !skip.contains(i))
            .find(|&i| match mode {
                Mode::Scheduled => self.due_at(i, env.now).is_some_and(|t| t <= env.now),
                Mode::Forced | Mode::Exit => {
                    self.lanes[i].in_flight.is_empty() && !self.eligible(i).is_empty()
                }
            })?;
        let job = self.build(env, i, mode, &KeySet::new());
        if let Some(lane) = self.lanes.get_mut(i) {
            for id in &job.ids {
                lane.in_flight.add(id.as_str());
            }
        }
        Some(job)
    }

    /// Every waiting event as page-exit bodies (≤ `beaconBytes` each), for a
    /// fire-and-forget `sendBeacon`. Nothing is marked: the events stay in the
    /// outbox until a later acknowledged send, so a lost beacon costs nothing.
    pub fn exit_jobs(&mut self, env: &Env) -> Vec<Job> {
        let mut jobs = Vec::new();
        if !env.gate.send {
            return jobs;
        }
        for i in 0..self.lanes.len() {
            let mut taken = KeySet::new();
            for _ in 0..1000 {
                let job = self.build(env, i, Mode::Exit, &taken);
                if job.ids.is_empty() {
                    break;
                }
                for id in &job.ids {
                    taken.add(id.as_str());
                }
                jobs.push(job);
            }
        }
        jobs
    }

    /// [`Delivery::complete`], also telling how many events this outcome
    /// acknowledged (`sent`) or left failed for a retry (`failed`).
    pub fn complete_counted(
        &mut self,
        env: &Env,
        job: &Job,
        outcome: &Outcome,
    ) -> (Vec<AttuneError>, Completed) {
        let before = self.totals();
        let errors = self.complete(env, job, outcome);
        let after = self.totals();
        let counted = Completed {
            sent: after.sent - before.sent,
            failed: after.failed - before.failed,
        };
        (errors, counted)
    }

    /// Applies the outcome of `job`: acknowledged or rejected events are done
    /// for its collector (and leave storage once every collector is done);
    /// failures back off. Returns errors to report (a rejection, storage trouble).
    pub fn complete(&mut self, env: &Env, job: &Job, outcome: &Outcome) -> Vec<AttuneError> {
        let mut errors = Vec::new();
        let Some(id) = self.ids.get(job.collector).cloned() else {
            return errors;
        };
        let n = job.ids.len() as u64;
        let backoff = Backoff {
            base_ms: self.cfg.retry_base_ms,
            max_ms: self.cfg.retry_max_ms,
            max_retry_after_ms: self.cfg.max_retry_after_ms,
        };
        if let Some(lane) = self.lanes.get_mut(job.collector) {
            for m in &job.ids {
                lane.in_flight.remove(m);
            }
            match classify(outcome) {
                Verdict::Ack | Verdict::Reject { .. } => {
                    lane.attempts = 0;
                    lane.next_at = 0.0;
                }
                Verdict::Retry { retry_after_ms } => {
                    lane.attempts = lane.attempts.saturating_add(1);
                    lane.next_at =
                        env.now + backoff.delay(lane.attempts, retry_after_ms, env.random);
                }
            }
        }
        match classify(outcome) {
            Verdict::Ack | Verdict::Reject { .. } => {
                let mut ids = KeySet::new();
                for m in &job.ids {
                    ids.add(m.as_str());
                }
                if let Err(e) = self.outbox.mark_done(env.storage, &id, &ids, &self.ids) {
                    errors.push(e);
                }
                if job.dropped > 0 {
                    self.sub_drops(env.storage, &id, job.dropped);
                }
                if let Verdict::Reject { status } = classify(outcome) {
                    self.totals.rejected += n;
                    let url = self
                        .cfg
                        .collectors
                        .get(job.collector)
                        .map(|c| c.url.clone());
                    errors.push(AttuneError::from(crate::core::ErrorKind::Rejected {
                        path: url.unwrap_or(id),
                        status,
                    }));
                } else {
                    self.totals.sent += n;
                }
            }
            Verdict::Retry { .. } => self.totals.failed += n,
        }
        errors
    }

    /// The records for collector `i` not done and not in flight, oldest first.
    fn eligible(&self, i: usize) -> Vec<&Record> {
        let id = self.ids.get(i).map(String::as_str).unwrap_or("");
        let lane = self.lanes.get(i);
        let mut out = Vec::new();
        for r in self.outbox.records() {
            if r.is_for(id)
                && !r.is_done_for(id)
                && !lane.is_some_and(|l| l.in_flight.contains_key(&r.id))
            {
                out.push(r);
            }
        }
        out
    }

    fn due_at(&self, i: usize, now: f64) -> Option<f64> {
        let lane = self.lanes.get(i)?;
        if !lane.in_flight.is_empty() {
            return None;
        }
        let waiting = self.waiting(i);
        // After a failed attempt the events were due (or forced by flush()):
        // the retry follows the backoff, not the batching interval.
        if lane.attempts > 0 && waiting.count > 0 {
            return Some(lane.next_at);
        }
        let t = batcher::due_at(
            &waiting,
            now,
            self.cfg.batch_size,
            self.cfg.batch_bytes,
            self.cfg.flush_interval_ms,
        )?;
        Some(t.max(lane.next_at))
    }

    fn build(&self, env: &Env, i: usize, mode: Mode, skip: &KeySet) -> Job {
        let max_body = match mode {
            Mode::Exit => self.cfg.beacon_bytes,
            _ => self.cfg.batch_bytes,
        };
        let mut seen = KeySet::new();
        let candidates = self
            .eligible(i)
            .into_iter()
            .filter(|r| !skip.contains_key(&r.id) && seen.add(r.id.as_str()));
        let chosen = batcher::select(candidates, self.cfg.max_batch_events.max(1), max_body);
        let id = self.ids.get(i).map(String::as_str).unwrap_or("");
        let dropped = if chosen.is_empty() {
            0
        } else {
            self.drops.get(id).and_then(Value::as_u64).unwrap_or(0)
        };
        let events = batcher::events_array(&chosen, dropped);
        let collector = self.cfg.collectors.get(i);
        let write_key = match mode {
            Mode::Exit => collector.and_then(|c| c.write_key.as_deref()),
            _ => None,
        };
        let format = collector.map_or(crate::core::config::CollectorFormat::Segment, |c| c.format);
        let body = batcher::body(&events, format, &iso8601(env.now), write_key);
        let mut ids = Vec::with_capacity(chosen.len());
        for r in &chosen {
            ids.push(r.id.clone());
        }
        Job {
            collector: i,
            ids,
            events,
            body,
            dropped,
            mode,
        }
    }

    /// The counts in storage (every tab adds to them, so re-read before a change).
    fn drops(&self, storage: &dyn Storage) -> Map {
        storage
            .get(&self.drops_key)
            .ok()
            .flatten()
            .and_then(|t| match Value::parse(&t) {
                Ok(Value::Object(m)) => Some(m),
                _ => None,
            })
            .unwrap_or_default()
    }

    fn add_drops(&mut self, storage: &dyn Storage, n: u64) {
        if n == 0 {
            return;
        }
        self.totals.dropped += n;
        let mut map = self.drops(storage);
        for id in &self.ids {
            let now = map.get(id).and_then(Value::as_u64).unwrap_or(0);
            map.insert(id.clone(), Value::from(now.saturating_add(n)));
        }
        let _ = storage.set(&self.drops_key, &Value::Object(map.clone()).to_json());
        self.drops = map;
    }

    fn sub_drops(&mut self, storage: &dyn Storage, id: &str, n: u64) {
        let mut map = self.drops(storage);
        let left = map
            .get(id)
            .and_then(Value::as_u64)
            .unwrap_or(0)
            .saturating_sub(n);
        if left == 0 {
            map.remove(id);
        } else {
            map.insert(id, Value::from(left));
        }
        let _ = if map.is_empty() {
            storage.remove(&self.drops_key)
        } else {
            storage.set(&self.drops_key, &Value::Object(map.clone()).to_json())
        };
        self.drops = map;
    }
}

#[cfg(test)]
#[path = "delivery_tests.rs"]
mod tests;

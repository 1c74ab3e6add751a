//! The page's replica in worker mode: calls applied to it in stream order,
//! the queued `track()`s it catches up on before a read, and the worker's
//! profile records it adopts (see `web::lane`).

use super::{field, Lane};
use crate::core::engine::Engine;
use crate::core::op::{Call, Op};
use crate::core::AttuneError;
use wasm_bindgen::prelude::*;

impl Lane {
    /// Applies `call` to the replica (after the queued calls it has not seen)
    /// and queues it for the worker.
    pub fn record(&self, engine: &mut Engine, call: Call) -> crate::core::Result<bool> {
        let errors = self.catch_up(engine);
        self.report(errors);
        let seq = self.seq() + 1;
        self.set_seq(seq);
        let op = Op {
            seq,
            at: js_sys::Date::now(),
            call,
        };
        let result = self.replayer.apply(engine, &op);
        self.replica.set(seq);
        let text = serde_json::to_string(&op).unwrap_or_default();
        if let Ok(js) = js_sys::JSON::parse(&text) {
            self.enqueue(&js);
        }
        result
    }

    /// Records a `decide` op when the replica's decisions assigned the
    /// visitor to another experiment (sticky bucketing lives in the profile).
    pub fn note_assignments(&self, engine: &mut Engine) {
        let n = engine.profile().experiments.len();
        if n != self.assignments.replace(n) && n > 0 {
            let _ = self.record(engine, Call::Decide { slot: None });
            self.assignments.set(engine.profile().experiments.len());
        }
    }

    /// Whether ops wait that the replica has not applied.
    pub fn behind(&self) -> bool {
        self.replica.get() < self.seq() || self.stash.try_borrow().is_ok_and(|s| s.is_some())
    }

    /// Keeps the worker's record for the next read (see `stash`).
    pub fn keep(&self, profile: String, applied: u64) {
        if let Ok(mut s) = self.stash.try_borrow_mut() {
            *s = Some((profile, applied));
        }
    }

    /// Applies to the replica every queued or posted op it has not applied,
    /// as one task. Returns the errors of malformed ops (none expected).
    pub fn catch_up(&self, engine: &mut Engine) -> Vec<AttuneError> {
        let mut errors = Vec::new();
        let kept = self.stash.try_borrow_mut().ok().and_then(|mut s| s.take());
        if let Some((profile, applied)) = kept {
            if let Err(e) = self.adopt(engine, &profile, applied) {
                errors.push(e);
            }
        }
        let from = self.replica.get();
        let seq = self.seq();
        if from >= seq {
            return errors;
        }
        let mut ops = Vec::new();
        let mut take = |list: &js_sys::Array| {
            for item in list.iter() {
                let seq = field(&item, "seq").as_f64().unwrap_or(0.0) as u64;
                if seq <= from {
                    continue;
                }
                match parse_op(&item) {
                    Ok(op) => ops.push(op),
                    Err(e) => errors.push(e),
                }
            }
        };
        if let Ok(posted) = self.posted.try_borrow() {
            for (_, list) in posted.iter() {
                take(list);
            }
        }
        take(&self.queue());
        self.replayer.apply_task(engine, &ops);
        self.replica.set(seq);
        errors
    }

    /// Takes the worker's profile record as of op `applied` of this stream,
    /// unless the replica is ahead of it. Returns whether it adopted.
    pub fn adopt(
        &self,
        engine: &mut Engine,
        profile: &str,
        applied: u64,
    ) -> crate::core::Result<bool> {
        if self.replica.get() > applied || self.forgetting.get() {
            return Ok(false);
        }
        if let Ok(mut s) = self.stash.try_borrow_mut() {
            *s = None;
        }
        engine.adopt_profile(profile)?;
        // The page's copy serves the next page's first paint.
        engine.keep_adopted_profile();
        self.replica.set(applied);
        self.assignments.set(engine.profile().experiments.len());
        Ok(true)
    }
}

/// An op of the shared queue (a JS object) as the core reads it.
pub(super) fn parse_op(item: &JsValue) -> Result<Op, AttuneError> {
    let text = js_sys::JSON::stringify(item)
        .map(String::from)
        .map_err(|_| AttuneError::input("ops", "not JSON-compatible"))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| AttuneError::input("ops", e.to_string()))?;
    serde::Deserialize::deserialize(&value)
        .map_err(|e: serde_json::Error| AttuneError::input("ops", e.to_string()))
}

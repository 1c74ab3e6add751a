//! What follows every change, as one JSON answer: `{results, errors, notes,
//! enter, exit, profile, paint, delivery, …}`, and which slots to repaint.
//!
//! Repainting is planned here, so the page's script only touches the DOM of
//! slots whose decision changed: a slot just seen or clicked stays pinned to
//! what the visitor saw until the next page view (a cap or a click retires a
//! variant from the next view, not under the visitor's eyes).

use crate::core::decide::Decision;
use crate::core::engine::Engine;
use crate::core::json::{Map, Value};
use crate::core::AttuneError;
use crate::web::api::Core;

/// The error records of `errors`.
pub fn error_values(errors: &[AttuneError]) -> Vec<Value> {
    let mut out = Vec::with_capacity(errors.len());
    for e in errors {
        out.push(error_value(e));
    }
    out
}

/// `[decision, …]` as the page reads them.
pub fn decisions_value(decisions: &[Decision]) -> Value {
    let mut out = Vec::with_capacity(decisions.len());
    for d in decisions {
        out.push(d.to_value());
    }
    Value::Array(out)
}

/// The items of `list` that `other` lacks, in order.
fn missing_from(list: &[String], other: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for s in list {
        if !other.contains(s) {
            out.push(s.clone());
        }
    }
    out
}

/// `{code, path, message}` of an error.
pub fn error_value(e: &AttuneError) -> Value {
    let mut m = Map::new();
    m.insert("code", Value::from(e.code()));
    m.insert("path", Value::from(e.path()));
    m.insert("message", Value::from(e.message()));
    Value::Object(m)
}

/// The report of one change being built.
pub struct Report {
    before: Vec<String>,
    results: Vec<Value>,
    /// Slots just seen or clicked (pinned to what they show).
    pub exposed: Vec<String>,
    /// How many lines of a batch were taken.
    pub taken: Option<usize>,
    extra: Map,
    changed: bool,
}

impl Report {
    /// Starts a report, remembering the segment membership before the change.
    pub fn new(engine: &Engine) -> Report {
        Report {
            before: engine.segments().to_vec(),
            results: Vec::new(),
            exposed: Vec::new(),
            taken: None,
            extra: Map::new(),
            changed: false,
        }
    }

    /// Records the result of one call.
    pub fn result(&mut self, r: Result<Value, AttuneError>) {
        self.changed = true;
        self.results.push(match r {
            Ok(v) => v,
            Err(e) => {
                let mut m = Map::new();
                m.insert("error", error_value(&e));
                Value::Object(m)
            }
        });
    }

    /// Adds a field to the report.
    pub fn extra(&mut self, key: &str, value: Value) {
        self.changed = true;
        self.extra.insert(key, value);
    }

    /// Settles the engine and writes the report.
    pub fn finish(&mut self, core: &mut Core) -> String {
        let engine = &mut core.engine;
        engine.settle();
        let decisions = engine.decisions();
        let mut m = std::mem::take(&mut self.extra);
        if !self.results.is_empty() {
            m.insert("results", Value::Array(std::mem::take(&mut self.results)));
        }
        if let Some(n) = self.taken {
            m.insert("n", Value::from(n as f64));
        }
        let errors = error_values(&engine.take_errors());
        m.insert("errors", Value::Array(errors));
        let notes = engine.take_notes();
        if !notes.is_empty() {
            m.insert("notes", Value::strings(&notes));
        }
        let now = engine.segments();
        let enter = missing_from(now, &self.before);
        let exit = missing_from(&self.before, now);
        m.insert("enter", Value::strings(&enter));
        m.insert("exit", Value::strings(&exit));
        m.insert("profile", Value::from(self.changed));
        let paint = core.paint.changed(&decisions, &self.exposed);
        if paint.recache {
            core.engine.cache_decisions(&decisions);
        }
        m.insert("paint", Value::Array(paint.list));
        m.insert("delivery", delivery_state(&mut core.engine));
        Value::Object(m).to_json()
    }
}

/// `{u: unpersisted events, p: profile unwritten, w: next wake or null,
/// q: queued, r: room left, t: [sent, failed, dropped, rejected]}`.
pub fn delivery_state(engine: &mut Engine) -> Value {
    let dirty = engine.profile_dirty();
    let queued = engine.queued();
    let (d, env) = engine.delivery();
    let mut m = Map::new();
    m.insert("u", Value::from(d.has_unpersisted()));
    m.insert("p", Value::from(dirty));
    let wake = d
        .next_wake(env.now, env.gate)
        .map_or(Value::Null, Value::from);
    m.insert("w", wake);
    m.insert("q", Value::from(queued as f64));
    m.insert("r", Value::from(d.room() as f64));
    let t = d.totals();
    let totals = [t.sent, t.failed, t.dropped, t.rejected];
    m.insert(
        "t",
        Value::Array(vec![
            Value::from(totals[0] as f64),
            Value::from(totals[1] as f64),
            Value::from(totals[2] as f64),
            Value::from(totals[3] as f64),
        ]),
    );
    Value::Object(m)
}

/// What a slot shows: the variant and its content.
fn signature(d: &Decision) -> String {
    let mut s = d.variant.clone().unwrap_or_default();
    s.push('|');
    match &d.content {
        Some(c) => s.push_str(&c.to_value().to_json()),
        None => s.push_str("null"),
    }
    s
}

/// The slots to repaint and whether the decision cache must follow.
pub struct Planned {
    /// Decisions to paint.
    pub list: Vec<Value>,
    /// The early-paint cache needs writing.
    pub recache: bool,
}

/// The paint state of the page's slots.
#[derive(Default)]
pub struct Paint {
    painted: Vec<(String, String)>,
    pinned: Vec<(String, String)>,
}

impl Paint {
    /// A new page view: nothing is pinned.
    pub fn new_page_view(&mut self) {
        self.pinned.clear();
    }

    /// `render()`: every decision is painted again (pins start over).
    pub fn all(&mut self, decisions: &[Decision]) -> Value {
        self.pinned.clear();
        self.painted.clear();
        for d in decisions {
            self.painted.push((d.slot.clone(), signature(d)));
        }
        decisions_value(decisions)
    }

    /// The decisions that changed since they were painted, except slots in
    /// `exposed` (just seen or clicked) and slots still pinned.
    pub fn changed(&mut self, decisions: &[Decision], exposed: &[String]) -> Planned {
        let mut list = Vec::new();
        // A slot just exposed keeps showing what was seen, but the decision
        // made right after it is what the next page view's early paint must
        // show: the cache follows it.
        let mut recache = false;
        for d in decisions {
            let sig = signature(d);
            if exposed.contains(&d.slot) {
                self.pinned.retain(|(s, _)| *s != d.slot);
                self.pinned.push((d.slot.clone(), sig));
                recache = true;
                continue;
            }
            if self.pinned.iter().any(|(s, p)| *s == d.slot && *p == sig) {
                continue;
            }
            self.pinned.retain(|(s, _)| *s != d.slot);
            match self.painted.iter_mut().find(|(s, _)| *s == d.slot) {
                Some((_, p)) if *p == sig => continue,
                Some((_, p)) => *p = sig,
                None => self.painted.push((d.slot.clone(), sig)),
            }
            list.push(d.to_value());
        }
        let recache = recache || !list.is_empty();
        Planned { list, recache }
    }
}

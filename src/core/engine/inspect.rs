//! [`Engine::inspect`]: one read-only JSON snapshot of what the engine knows,
//! for the debug overlay (`attune.inspect()`). It reads, never writes.

use super::Engine;
use crate::core::inspect::segment_reasons;
use crate::core::json::{Map, Value};

/// The attribute document's keys the snapshot's `profile` shows.
const PROFILE_KEYS: [&str; 15] = [
    "anonymousId",
    "userId",
    "channel",
    "campaign",
    "firstTouch",
    "lastTouch",
    "session",
    "isNewVisitor",
    "traits",
    "audiences",
    "events",
    "metrics",
    "affinities",
    "exposures",
    "experiments",
];

impl Engine {
    /// A snapshot: `{profile, segments, outbox, consent, slots}`.
    ///
    /// - `profile`: identity, channel and touches, session, traits, metrics,
    ///   affinities, exposures and experiments, as the rules read them;
    /// - `segments`: every configured segment with membership and the values
    ///   its condition read (see [`crate::core::inspect::segment_reasons`]);
    /// - `outbox`: events `queued` (kept for some collector), `inFlight`,
    ///   `held` (waiting for a consent choice) and this page's `sent`,
    ///   `failed`, `dropped`, `rejected` totals;
    /// - `consent`: the consent state;
    /// - `slots`: the slot id of every placement, in config order.
    pub fn inspect(&self) -> Value {
        let doc = &self.doc;
        let mut profile = Map::with_capacity(PROFILE_KEYS.len());
        for k in PROFILE_KEYS {
            profile.insert(k, doc.get(k).cloned().unwrap_or(Value::Null));
        }
        let totals = self.delivery.totals();
        let mut outbox = Map::with_capacity(7);
        outbox.insert("queued", Value::from(self.delivery.queued()));
        outbox.insert("inFlight", Value::from(self.delivery.in_flight()));
        outbox.insert("held", Value::from(self.held.len()));
        outbox.insert("sent", Value::from(totals.sent));
        outbox.insert("failed", Value::from(totals.failed));
        outbox.insert("dropped", Value::from(totals.dropped));
        outbox.insert("rejected", Value::from(totals.rejected));
        let mut slots = Vec::with_capacity(self.config.placements.len());
        for p in &self.config.placements {
            slots.push(Value::from(&p.slot));
        }
        let mut m = Map::with_capacity(5);
        m.insert("profile", Value::Object(profile));
        m.insert(
            "segments",
            segment_reasons(&self.config.segments, doc, &self.members),
        );
        m.insert("outbox", Value::Object(outbox));
        m.insert("consent", self.consent_state());
        m.insert("slots", Value::Array(slots));
        Value::Object(m)
    }
}

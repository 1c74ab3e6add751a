//! [`Engine::inspect`]: one read-only JSON snapshot of what the engine knows,
//! for the debug overlay (`attune.inspect()`). It reads, never writes.

use super::Engine;
use crate::core::inspect::segment_reasons;
use serde_json::{json, Value};

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
        let pick = |k: &str| doc.get(k).cloned().unwrap_or(Value::Null);
        let totals = self.delivery.totals();
        json!({
            "profile": {
                "anonymousId": pick("anonymousId"),
                "userId": pick("userId"),
                "channel": pick("channel"),
                "campaign": pick("campaign"),
                "firstTouch": pick("firstTouch"),
                "lastTouch": pick("lastTouch"),
                "session": pick("session"),
                "isNewVisitor": pick("isNewVisitor"),
                "traits": pick("traits"),
                "audiences": pick("audiences"),
                "events": pick("events"),
                "metrics": pick("metrics"),
                "affinities": pick("affinities"),
                "exposures": pick("exposures"),
                "experiments": pick("experiments"),
            },
            "segments": segment_reasons(&self.config.segments, doc, &self.members),
            "outbox": {
                "queued": self.delivery.queued(),
                "inFlight": self.delivery.in_flight(),
                "held": self.held.len(),
                "sent": totals.sent,
                "failed": totals.failed,
                "dropped": totals.dropped,
                "rejected": totals.rejected,
            },
            "consent": self.consent_state(),
            "slots": self.config.placements.iter().map(|p| p.slot.as_str()).collect::<Vec<_>>(),
        })
    }
}

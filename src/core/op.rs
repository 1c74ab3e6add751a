//! Engine calls as data, and replaying them so that two engines agree.
//!
//! A [`Call`] is one state-changing SDK call in the JSON-lines form the CLI's
//! `simulate` and the journey vectors use (`{"type":"track","event":…}`,
//! other keys ignored). An [`Op`] stamps a call with its time and its place in
//! a stream. [`Replayer`] applies ops to an engine built on its
//! clock and random source: the engine reads the op's time, and every id it
//! draws during the op (`messageId`s, session ids, membership events) comes
//! from the stream's 128-bit seed and the op's sequence number. So engines that
//! start from the same profile and apply the same ops reach the same profile,
//! segments and outgoing events, byte for byte — the ground for running the
//! engine off the page's main thread while the page keeps a replica for its
//! synchronous reads (docs/delivery.md, "Toward ≤ 5 µs").

use crate::core::engine::Engine;
use crate::core::error::{AttuneError, Result};
use crate::core::event::PageContext;
use crate::core::platform::{Clock, Random};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::cell::Cell;
use std::rc::Rc;

/// One state-changing call. `page`, when present, sets the page context first
/// (as a navigation would) for any call type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Call {
    /// `page(name?, properties?)`.
    #[serde(rename_all = "camelCase")]
    Page {
        /// The page's name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// Extra properties.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        properties: Option<Map<String, Value>>,
        /// The new page context.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        page: Option<PageContext>,
    },
    /// `track(event, properties?)`.
    #[serde(rename_all = "camelCase")]
    Track {
        /// The event name.
        event: String,
        /// Its properties.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        properties: Option<Map<String, Value>>,
        /// A page context to set first.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        page: Option<PageContext>,
    },
    /// `identify(userId?, traits?)`.
    #[serde(rename_all = "camelCase")]
    Identify {
        /// The user id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user_id: Option<String>,
        /// Traits to merge.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        traits: Option<Map<String, Value>>,
        /// A page context to set first.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        page: Option<PageContext>,
    },
    /// `group(groupId, traits?)`.
    #[serde(rename_all = "camelCase")]
    Group {
        /// The group id.
        group_id: String,
        /// Group traits.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        traits: Option<Map<String, Value>>,
    },
    /// `alias(userId, previousId?)`.
    #[serde(rename_all = "camelCase")]
    Alias {
        /// The new id.
        user_id: String,
        /// The id it replaces (default: the current one).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        previous_id: Option<String>,
    },
    /// An impression of what `slot` shows: `variant`, or its current decision.
    Viewed {
        /// The slot.
        slot: String,
        /// The variant the page really shows (a slot stays pinned to what the
        /// visitor saw); absent: the current decision's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        variant: Option<String>,
    },
    /// A click on what `slot` shows: `variant`, or its current decision.
    Clicked {
        /// The slot.
        slot: String,
        /// As for [`Call::Viewed`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        variant: Option<String>,
    },
    /// Deciding what `slot` shows (every slot without one). Not a pure read:
    /// a first decision records the visitor's experiment assignment (sticky
    /// bucketing), so a replica that decides must pass the decision on.
    Decide {
        /// The slot.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        slot: Option<String>,
    },
    /// `consent(changes)`.
    Consent {
        /// Category → granted.
        changes: Map<String, Value>,
    },
    /// A server profile (the collector's profile endpoint answer) to apply.
    Seed {
        /// The answer.
        #[serde(default)]
        response: Value,
    },
    /// `reset()`: a new anonymous visitor.
    Reset,
}

impl Call {
    /// Parses one call (unknown keys are ignored). Errors name `path`.
    pub fn parse(value: &Value, path: &str) -> Result<Call> {
        Call::deserialize(value).map_err(|e| AttuneError::input(path, e.to_string()))
    }

    /// Applies the call to `engine`. Returns `false` only for an impression or
    /// click that recorded nothing (the slot showed its default markup).
    pub fn apply(&self, engine: &mut Engine) -> Result<bool> {
        match self {
            Call::Page {
                name,
                properties,
                page,
            } => {
                set_page(engine, page);
                engine.page(name.clone(), properties.clone())?;
            }
            Call::Track {
                event,
                properties,
                page,
            } => {
                set_page(engine, page);
                engine.track(event, properties.clone())?;
            }
            Call::Identify {
                user_id,
                traits,
                page,
            } => {
                set_page(engine, page);
                engine.identify(user_id.clone(), traits.clone())?;
            }
            Call::Group { group_id, traits } => engine.group(group_id, traits.clone())?,
            Call::Alias {
                user_id,
                previous_id,
            } => engine.alias(user_id, previous_id.clone())?,
            Call::Viewed { slot, variant } => {
                return engine.exposure(slot, variant.as_deref(), false)
            }
            Call::Clicked { slot, variant } => {
                return engine.exposure(slot, variant.as_deref(), true)
            }
            Call::Decide { slot: Some(slot) } => {
                engine.decide(slot);
            }
            Call::Decide { slot: None } => {
                engine.decisions();
            }
            Call::Consent { changes } => {
                engine.consent(changes)?;
            }
            Call::Seed { response } => engine.apply_seed(response)?,
            Call::Reset => engine.reset(),
        }
        Ok(true)
    }
}

fn set_page(engine: &mut Engine, page: &Option<PageContext>) {
    if let Some(p) = page {
        engine.set_page(p.clone());
    }
}

/// A call stamped with its time and sequence number in its stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Op {
    /// Position in the stream (each op of a stream has its own).
    pub seq: u64,
    /// When the call was made, ms since the epoch.
    pub at: f64,
    /// The call.
    #[serde(flatten)]
    pub call: Call,
}

/// The clock of a replayed engine: the current op's time while an op is
/// applied (state changes are stamped with it), the host's clock otherwise
/// (reads, delivery timing), which never changes the replicated state.
pub struct OpClock {
    op_time: Cell<Option<f64>>,
    outside: Rc<dyn Clock>,
}

impl Clock for OpClock {
    fn now_ms(&self) -> f64 {
        self.op_time.get().unwrap_or_else(|| self.outside.now_ms())
    }
}

/// The random source of a replayed engine: a splitmix64 pair seeded from the
/// stream's seed and the current op's sequence number (128 bits of state, so
/// ids of different streams do not collide in practice).
#[derive(Debug, Default)]
pub struct OpRandom {
    state: Cell<(u64, u64)>,
}

impl OpRandom {
    fn start(&self, stream: (u64, u64), seq: u64) {
        let s = mix(seq);
        self.state.set((stream.0 ^ s, stream.1 ^ mix(s)));
    }

    fn next(&self) -> u64 {
        let (a, b) = self.state.get();
        let (a, b) = (
            a.wrapping_add(0x9E37_79B9_7F4A_7C15),
            b.wrapping_add(0xD1B5_4A32_D192_ED03),
        );
        self.state.set((a, b));
        mix(a) ^ mix(b).rotate_left(32)
    }
}

impl Random for OpRandom {
    fn fill(&self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let bytes = self.next().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

/// splitmix64's output function.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Applies ops of one stream to an engine built on [`Replayer::clock`] and
/// [`Replayer::random`].
pub struct Replayer {
    clock: Rc<OpClock>,
    random: Rc<OpRandom>,
    stream: (u64, u64),
}

impl Replayer {
    /// A replayer for the stream seeded with `stream` (random per page view
    /// in the browser); outside ops its clock reads `outside`.
    pub fn new(stream: (u64, u64), outside: Rc<dyn Clock>) -> Self {
        let r = Replayer {
            clock: Rc::new(OpClock {
                op_time: Cell::new(None),
                outside,
            }),
            random: Rc::new(OpRandom::default()),
            stream,
        };
        // Draws before the first op (the engine's construction) use seq 0's
        // sibling, never an op's entropy.
        r.random.start((stream.0, !stream.1), 0);
        r
    }

    /// Reads a stream seed written as 32 hexadecimal digits (as the page
    /// sends it); `None` for anything else.
    pub fn parse_stream(hex: &str) -> Option<(u64, u64)> {
        if hex.len() != 32 || !hex.is_ascii() {
            return None;
        }
        let hi = u64::from_str_radix(&hex[..16], 16).ok()?;
        let lo = u64::from_str_radix(&hex[16..], 16).ok()?;
        Some((hi, lo))
    }

    /// A replayer of another stream on this one's clock and randomness, for
    /// an engine built on this one: ops of another page (a rescue) applied
    /// with it get that page's times and ids.
    pub fn on_stream(&self, stream: (u64, u64)) -> Replayer {
        Replayer {
            clock: self.clock.clone(),
            random: self.random.clone(),
            stream,
        }
    }

    /// The `messageId` of the event an op records first (a `track`'s event,
    /// an `identify`'s): the first draw of op `seq`'s entropy, the same in
    /// every engine that applies the op on this stream, whatever its state.
    /// A copy of a call's event built elsewhere (the page's exit beacon in
    /// worker mode) is deduplicated with the worker's only when its id is this.
    pub fn first_message_id(&self, seq: u64) -> String {
        let r = OpRandom::default();
        r.start(self.stream, seq);
        crate::core::ids::uuid_v4(&r)
    }

    /// The clock to build the engine with.
    pub fn clock(&self) -> Rc<dyn Clock> {
        self.clock.clone()
    }

    /// The random source to build the engine with.
    pub fn random(&self) -> Rc<dyn Random> {
        self.random.clone()
    }

    /// Applies `op` at its time, with its entropy (see [`Call::apply`]),
    /// and settles the segment pass.
    pub fn apply(&self, engine: &mut Engine, op: &Op) -> Result<bool> {
        self.apply_task(engine, std::slice::from_ref(op))
            .pop()
            .unwrap_or(Ok(true))
    }

    /// Applies the ops of one task (the calls one task of the page made):
    /// their segment pass runs once, after the last, at its time, as in the
    /// browser ([`Engine::defer_refresh`]). Which ops share a task changes
    /// what the pass sees (a segment entered and left within one task yields
    /// no membership events), so replicas must group ops alike: the page
    /// sends one task's calls in one message. Returns each op's result.
    pub fn apply_task(&self, engine: &mut Engine, ops: &[Op]) -> Vec<Result<bool>> {
        let out = ops
            .iter()
            .map(|op| {
                engine.defer_refresh();
                self.apply_deferred(engine, op)
            })
            .collect();
        // The pass runs at the last op's time and continues its entropy:
        // deterministic as well.
        if let Some(last) = ops.last() {
            self.clock.op_time.set(Some(last.at));
        }
        engine.settle();
        self.clock.op_time.set(None);
        out
    }

    fn apply_deferred(&self, engine: &mut Engine, op: &Op) -> Result<bool> {
        self.clock.op_time.set(Some(op.at));
        self.random.start(self.stream, op.seq);
        let r = op.call.apply(engine);
        self.clock.op_time.set(None);
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_parse_from_the_simulate_form_and_round_trip() {
        let lines = [
            r#"{"type":"track","event":"Added","properties":{"sku":"A1"},"step":"x"}"#,
            r#"{"type":"page","name":"Home","page":{"path":"/","url":"https://a.example/"}}"#,
            r#"{"type":"identify","userId":"u1","traits":{"plan":"gold"}}"#,
            r#"{"type":"group","groupId":"g1"}"#,
            r#"{"type":"alias","userId":"u2","previousId":"u1"}"#,
            r#"{"type":"viewed","slot":"hero"}"#,
            r#"{"type":"clicked","slot":"hero"}"#,
            r#"{"type":"consent","changes":{"marketing":true}}"#,
            r#"{"type":"decide","slot":"hero"}"#,
            r#"{"type":"decide"}"#,
            r#"{"type":"seed","response":{"traits":{"a":1}}}"#,
            r#"{"type":"reset"}"#,
        ];
        for line in lines {
            let v: Value = serde_json::from_str(line).unwrap();
            let call = Call::parse(&v, "call").unwrap();
            let back = serde_json::to_value(&call).unwrap();
            assert_eq!(Call::parse(&back, "call").unwrap(), call, "{line}");
        }
        let v: Value = serde_json::from_str(r#"{"type":"track"}"#).unwrap();
        let err = Call::parse(&v, "ops[3]").unwrap_err();
        assert_eq!(err.path(), "ops[3]");
        assert!(err.to_string().contains("event"), "{err}");
        let v: Value = serde_json::from_str(r#"{"type":"fly"}"#).unwrap();
        assert!(Call::parse(&v, "ops[0]").is_err());
    }

    #[test]
    fn op_entropy_depends_on_stream_and_seq_only() {
        let draw = |stream, seq| {
            let r = OpRandom::default();
            r.start(stream, seq);
            let mut b = [0u8; 20];
            r.fill(&mut b);
            b
        };
        assert_eq!(draw((1, 2), 7), draw((1, 2), 7));
        assert_ne!(draw((1, 2), 7), draw((1, 2), 8));
        assert_ne!(draw((1, 2), 7), draw((1, 3), 7));
        assert_ne!(draw((1, 2), 7), draw((2, 2), 7));
        // Successive draws within one op differ.
        let b = draw((5, 6), 1);
        assert_ne!(b[..8], b[8..16]);
    }

    #[test]
    fn stream_seeds_parse_from_32_hex_digits_only() {
        assert_eq!(
            Replayer::parse_stream("0123456789abcdefFEDCBA9876543210"),
            Some((0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210))
        );
        for bad in [
            "",
            "0123",
            "0123456789abcdef0123456789abcdeg",
            "é123456789abcdef0123456789abcde",
        ] {
            assert_eq!(Replayer::parse_stream(bad), None, "{bad}");
        }
    }

    #[test]
    fn ops_carry_seq_and_time_beside_the_call() {
        let op = Op {
            seq: 3,
            at: 1_700_000_000_000.0,
            call: Call::Track {
                event: "Viewed".into(),
                properties: None,
                page: None,
            },
        };
        let v = serde_json::to_value(&op).unwrap();
        assert_eq!(v["seq"], 3);
        assert_eq!(v["type"], "track");
        assert_eq!(v["event"], "Viewed");
        let back: Op = serde_json::from_value(v).unwrap();
        assert_eq!(back, op);
    }
}

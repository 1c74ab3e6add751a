//! Decisions: which variant fills each page slot. Variants are walked in
//! priority order and the first eligible one wins: its condition holds, it is
//! under its caps and not suppressed. The first participating variant of an
//! experiment reached stands for the whole experiment (see [`experiment`]).
//! No variant, a placement cap reached or the holdout: the slot keeps its
//! original markup.
//!
//! [`experiment`]: crate::core::experiment

use crate::core::content::Rendered;
use crate::core::experiment::{ExperimentInfo, Outcome, Sticky};
use crate::core::exposures::{Ledger, ALL};
use crate::core::json::{Map, Value};
use crate::core::keymap::KeyMap;
use crate::core::placement::{Placement, Variant};
use crate::core::text::cat;

pub use crate::core::placement::Placements;

/// The outcome for one slot (`decide(slot)`).
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Slot id.
    pub slot: String,
    /// CSS selector of the slot, when configured instead of the slot attribute.
    pub selector: Option<String>,
    /// The chosen variant, or `None` to keep the default markup.
    pub variant: Option<String>,
    /// The chosen variant's content, rendered (`None`: keep the default markup).
    pub content: Option<Rendered>,
    /// The experiment, when one was run for this slot.
    pub experiment: Option<ExperimentInfo>,
    /// Why: `matched`, `experiment`, `holdout`, `capped` (placement cap) or `default`.
    pub reason: String,
}

impl Decision {
    /// `{slot, selector?, variant, content, experiment?, reason}`, as JS and
    /// the decisions cache read it: `variant` and `content` are `null` for
    /// the default markup (`content` is [`Rendered::to_value`]), `selector`
    /// and `experiment` ([`ExperimentInfo::to_value`]) are left out when
    /// absent.
    pub fn to_value(&self) -> Value {
        let mut m = Map::with_capacity(6);
        m.insert("slot", Value::from(self.slot.as_str()));
        if let Some(s) = &self.selector {
            m.insert("selector", Value::from(s.as_str()));
        }
        m.insert("variant", Value::from(self.variant.clone()));
        m.insert(
            "content",
            self.content
                .as_ref()
                .map_or(Value::Null, Rendered::to_value),
        );
        if let Some(e) = &self.experiment {
            m.insert("experiment", e.to_value());
        }
        m.insert("reason", Value::from(self.reason.as_str()));
        Value::Object(m)
    }
}

/// What a decision reads besides the placement.
pub struct Inputs<'a> {
    /// The attribute document.
    pub doc: &'a Value,
    /// The exposure ledger.
    pub ledger: &'a Ledger,
    /// Current session id.
    pub session: Option<&'a str>,
    /// Now, epoch ms.
    pub now: f64,
    /// Stored experiment assignments.
    pub sticky: &'a KeyMap<Sticky>,
}

/// A decision plus a new sticky assignment to store (experiment key, assignment).
pub type Decided = (Decision, Option<(String, Sticky)>);

/// Why `v` may not show now, if it may not: `condition`, `capped:<window>` or
/// `suppressed:<by>`.
pub fn blocked(v: &Variant, slot: &str, inputs: &Inputs<'_>) -> Option<String> {
    if v.when.as_ref().is_some_and(|c| !c.eval(inputs.doc, None)) {
        return Some("condition".into());
    }
    let stats = inputs.ledger.get(slot).and_then(|m| m.get(&v.id));
    if let Some(w) = v.caps.check(stats, inputs.session, inputs.now).capped {
        return Some(cat!("capped:", w));
    }
    v.stop_after
        .check(inputs.doc, stats)
        .map(|by| cat!("suppressed:", by))
}

/// Decides one placement.
pub fn decide(p: &Placement, inputs: &Inputs<'_>) -> Decided {
    let mut d = Decision {
        slot: p.slot.clone(),
        selector: p.selector.clone(),
        variant: None,
        content: None,
        experiment: None,
        reason: "default".into(),
    };
    let all = inputs.ledger.get(&p.slot).and_then(|m| m.get(ALL));
    if p.caps
        .check(all, inputs.session, inputs.now)
        .capped
        .is_some()
    {
        d.reason = "capped".into();
        return (d, None);
    }
    let mut store = None;
    let mut experiment_seen = false;
    for (i, v) in p.variants.iter().enumerate() {
        if let Some(exp) = p.experiment.as_ref().filter(|e| e.arms.contains(&i)) {
            if experiment_seen {
                continue;
            }
            experiment_seen = true;
            let stored = inputs.sticky.get(&exp.key);
            let sticky_for = |info: &ExperimentInfo| Sticky {
                variant: info.variant.clone(),
                hash_attribute: info.hash_attribute.clone(),
                hash_value: info.hash_value.clone(),
                at: inputs.now,
            };
            match exp.assign(inputs.doc, &p.ids, stored) {
                Outcome::Skipped(_, info) => d.experiment = info,
                Outcome::Holdout(info) => {
                    if !info.sticky {
                        store = Some((exp.key.clone(), sticky_for(&info)));
                    }
                    d.experiment = Some(info);
                    d.reason = "holdout".into();
                    return (d, store);
                }
                Outcome::Assigned(j, info) => {
                    if !info.sticky {
                        store = Some((exp.key.clone(), sticky_for(&info)));
                    }
                    let arm = p.variants.get(j);
                    d.experiment = Some(info);
                    if let Some(arm) = arm.filter(|a| blocked(a, &p.slot, inputs).is_none()) {
                        choose(&mut d, arm, inputs.doc, "experiment");
                        return (d, store);
                    }
                }
            }
            continue;
        }
        if blocked(v, &p.slot, inputs).is_none() {
            choose(&mut d, v, inputs.doc, "matched");
            return (d, store);
        }
    }
    (d, store)
}

fn choose(d: &mut Decision, v: &Variant, doc: &Value, reason: &str) {
    d.variant = Some(v.id.clone());
    d.content = v.content.as_ref().map(|c| c.render(doc));
    d.reason = reason.into();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_serialize_as_before() {
        let mut d = Decision {
            slot: "hero".into(),
            selector: None,
            variant: None,
            content: None,
            experiment: None,
            reason: "default".into(),
        };
        assert_eq!(
            d.to_value().to_json(),
            r#"{"content":null,"reason":"default","slot":"hero","variant":null}"#
        );
        d.selector = Some("#hero".into());
        d.variant = Some("a".into());
        d.content = Some(Rendered {
            text: Some("Hi".into()),
            ..Rendered::default()
        });
        d.experiment = Some(ExperimentInfo {
            key: "exp".into(),
            variant: Some("a".into()),
            in_experiment: true,
            holdout: false,
            hash_attribute: "id".into(),
            hash_value: "x".into(),
            bucket: Some(0.25),
            sticky: false,
        });
        d.reason = "experiment".into();
        assert_eq!(
            d.to_value().to_json(),
            concat!(
                r#"{"content":{"text":"Hi"},"experiment":{"bucket":0.25,"hashAttribute":"id","#,
                r#""hashValue":"x","holdout":false,"inExperiment":true,"key":"exp","sticky":false,"#,
                r##""variant":"a"},"reason":"experiment","selector":"#hero","slot":"hero","variant":"a"}"##
            )
        );
    }
}

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
use crate::core::placement::{Placement, Variant};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

pub use crate::core::placement::Placements;

/// The outcome for one slot (`decide(slot)`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// Slot id.
    pub slot: String,
    /// CSS selector of the slot, when configured instead of the slot attribute.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    /// The chosen variant, or `None` to keep the default markup.
    pub variant: Option<String>,
    /// The chosen variant's content, rendered (`None`: keep the default markup).
    pub content: Option<Rendered>,
    /// The experiment, when one was run for this slot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub experiment: Option<ExperimentInfo>,
    /// Why: `matched`, `experiment`, `holdout`, `capped` (placement cap) or `default`.
    pub reason: String,
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
    pub sticky: &'a BTreeMap<String, Sticky>,
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
        return Some(format!("capped:{w}"));
    }
    v.stop_after
        .check(inputs.doc, stats)
        .map(|by| format!("suppressed:{by}"))
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

//! `explain(slot)`: the trace of a decision — every variant, whether its
//! condition matched (and which sub-condition failed), its caps and
//! suppression state, and the experiment's bucket.

use crate::core::caps::CapState;
use crate::core::decide::{decide, Inputs};
use crate::core::experiment::{ExperimentInfo, Outcome};
use crate::core::exposures::ALL;
use crate::core::placement::Placement;
use crate::core::rules::{Condition, RegexEngine};
use serde::Serialize;
use serde_json::{Map, Value};

/// The whole trace.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// Slot id.
    pub slot: String,
    /// The chosen variant (`null`: default markup).
    pub chosen: Option<String>,
    /// The decision's reason.
    pub reason: String,
    /// The placement's caps over all its variants.
    pub caps: CapState,
    /// The experiment's outcome, if the placement has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub experiment: Option<ExperimentTrace>,
    /// Every variant in priority order.
    pub variants: Vec<VariantTrace>,
}

/// The experiment's part of the trace.
#[derive(Debug, Clone, Serialize)]
pub struct ExperimentTrace {
    /// Experiment key.
    pub key: String,
    /// `assigned`, `holdout`, or why it was skipped (`condition`, `coverage`, …).
    pub outcome: String,
    /// Assignment details when the visitor was hashed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignment: Option<ExperimentInfo>,
}

/// One variant's state.
#[derive(Debug, Clone, Serialize)]
pub struct VariantTrace {
    /// Variant id.
    pub id: String,
    /// Whether it could show now (condition, caps and suppression all allow it).
    pub eligible: bool,
    /// The condition: `{matched, failing}` (the path of the first failing sub-condition).
    pub when: Value,
    /// Its caps.
    pub caps: CapState,
    /// `{by: "event:Order Completed" | "clicked" | null}`.
    pub suppressed: Value,
    /// Whether it is an arm of the experiment.
    pub participating: bool,
}

/// Explains the decision for `p`.
pub fn explain(p: &Placement, inputs: &Inputs<'_>, regex: &dyn RegexEngine) -> Explanation {
    let (decision, _) = decide(p, inputs);
    let entries = inputs.ledger.get(&p.slot);
    let experiment = p.experiment.as_ref().map(|e| {
        let (outcome, assignment) = match e.assign(inputs.doc, &p.ids, inputs.sticky.get(&e.key)) {
            Outcome::Skipped(why, info) => (why.to_string(), info),
            Outcome::Holdout(info) => ("holdout".to_string(), Some(info)),
            Outcome::Assigned(_, info) => ("assigned".to_string(), Some(info)),
        };
        ExperimentTrace {
            key: e.key.clone(),
            outcome,
            assignment,
        }
    });
    let variants = p
        .variants
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let stats = entries.and_then(|m| m.get(&v.id));
            let matched = v.when.as_ref().is_none_or(|c| c.eval(inputs.doc, None));
            let failing = match (&v.when_json, matched) {
                (Some(json), false) => failing_path(json, inputs.doc, regex, ""),
                _ => None,
            };
            let caps = v.caps.check(stats, inputs.session, inputs.now);
            let by = v.stop_after.check(inputs.doc, stats);
            VariantTrace {
                id: v.id.clone(),
                eligible: matched && caps.capped.is_none() && by.is_none(),
                when: serde_json::json!({"matched": matched, "failing": failing}),
                caps,
                suppressed: serde_json::json!({ "by": by }),
                participating: p.experiment.as_ref().is_some_and(|e| e.arms.contains(&i)),
            }
        })
        .collect();
    Explanation {
        slot: p.slot.clone(),
        chosen: decision.variant,
        reason: decision.reason,
        caps: p
            .caps
            .check(entries.and_then(|m| m.get(ALL)), inputs.session, inputs.now),
        experiment,
        variants,
    }
}

/// The path of the first failing clause of `cond` for `doc`: a field path
/// (`segments.returning`), an operator (`$or`) or an indexed `$and` branch
/// (`$and[1].visits`).
pub fn failing_path(
    cond: &Value,
    doc: &Value,
    regex: &dyn RegexEngine,
    prefix: &str,
) -> Option<String> {
    let obj = cond.as_object()?;
    let join = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    };
    for (k, v) in obj {
        if k == "$and" {
            if let Some(items) = v.as_array() {
                for (i, item) in items.iter().enumerate() {
                    let p = format!("{}[{i}]", join(k));
                    if !holds(item, doc, regex) {
                        return failing_path(item, doc, regex, &p).or(Some(p));
                    }
                }
                continue;
            }
        }
        let mut one = Map::new();
        one.insert(k.clone(), v.clone());
        if !holds(&Value::Object(one), doc, regex) {
            return Some(join(k));
        }
    }
    None
}

fn holds(cond: &Value, doc: &Value, regex: &dyn RegexEngine) -> bool {
    Condition::lenient(cond, regex).eval(doc, None)
}

//! `explain(slot)`: the trace of a decision — every variant, whether its
//! condition matched (and which sub-condition failed), its caps and
//! suppression state, and the experiment's bucket.

use crate::core::caps::CapState;
use crate::core::decide::{decide, Inputs};
use crate::core::error::{index_path, join_path};
use crate::core::experiment::{ExperimentInfo, Outcome};
use crate::core::exposures::ALL;
use crate::core::json::{Map, Value};
use crate::core::placement::Placement;
use crate::core::rules::{Condition, RegexEngine};

/// The whole trace.
#[derive(Debug, Clone)]
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
    pub experiment: Option<ExperimentTrace>,
    /// Every variant in priority order.
    pub variants: Vec<VariantTrace>,
}

/// The experiment's part of the trace.
#[derive(Debug, Clone)]
pub struct ExperimentTrace {
    /// Experiment key.
    pub key: String,
    /// `assigned`, `holdout`, or why it was skipped (`condition`, `coverage`, …).
    pub outcome: String,
    /// Assignment details when the visitor was hashed.
    pub assignment: Option<ExperimentInfo>,
}

/// One variant's state.
#[derive(Debug, Clone)]
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

impl Explanation {
    /// `{slot, chosen, reason, caps, experiment?, variants}`: `chosen` is
    /// `null` for the default markup, `caps` is [`CapState::to_value`],
    /// `experiment` ([`ExperimentTrace::to_value`]) is left out when the
    /// placement has none, `variants` lists [`VariantTrace::to_value`].
    pub fn to_value(&self) -> Value {
        let mut m = Map::with_capacity(6);
        m.insert("slot", Value::from(self.slot.as_str()));
        m.insert("chosen", Value::from(self.chosen.clone()));
        m.insert("reason", Value::from(self.reason.as_str()));
        m.insert("caps", self.caps.to_value());
        if let Some(e) = &self.experiment {
            m.insert("experiment", e.to_value());
        }
        let mut variants = Vec::with_capacity(self.variants.len());
        for v in &self.variants {
            variants.push(v.to_value());
        }
        m.insert("variants", Value::Array(variants));
        Value::Object(m)
    }
}

impl ExperimentTrace {
    /// `{key, outcome, assignment?}` (`assignment` is
    /// [`ExperimentInfo::to_value`], left out when the visitor was not hashed).
    pub fn to_value(&self) -> Value {
        let mut m = Map::with_capacity(3);
        m.insert("key", Value::from(self.key.as_str()));
        m.insert("outcome", Value::from(self.outcome.as_str()));
        if let Some(a) = &self.assignment {
            m.insert("assignment", a.to_value());
        }
        Value::Object(m)
    }
}

impl VariantTrace {
    /// `{id, eligible, when, caps, suppressed, participating}`.
    pub fn to_value(&self) -> Value {
        let mut m = Map::with_capacity(6);
        m.insert("id", Value::from(self.id.as_str()));
        m.insert("eligible", Value::Bool(self.eligible));
        m.insert("when", self.when.clone());
        m.insert("caps", self.caps.to_value());
        m.insert("suppressed", self.suppressed.clone());
        m.insert("participating", Value::Bool(self.participating));
        Value::Object(m)
    }
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
    let mut variants = Vec::with_capacity(p.variants.len());
    for (i, v) in p.variants.iter().enumerate() {
        variants.push({
            let stats = entries.and_then(|m| m.get(&v.id));
            let matched = v.when.as_ref().is_none_or(|c| c.eval(inputs.doc, None));
            let failing = match (&v.when_json, matched) {
                (Some(json), false) => failing_path(json, inputs.doc, regex, ""),
                _ => None,
            };
            let caps = v.caps.check(stats, inputs.session, inputs.now);
            let by = v.stop_after.check(inputs.doc, stats);
            let eligible = matched && caps.capped.is_none() && by.is_none();
            let mut when = Map::with_capacity(2);
            when.insert("matched", Value::Bool(matched));
            when.insert("failing", Value::from(failing));
            let mut suppressed = Map::with_capacity(1);
            suppressed.insert("by", Value::from(by));
            VariantTrace {
                id: v.id.clone(),
                eligible,
                when: Value::Object(when),
                caps,
                suppressed: Value::Object(suppressed),
                participating: p.experiment.as_ref().is_some_and(|e| e.arms.contains(&i)),
            }
        });
    }
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
    let join = |k: &str| join_path(prefix, k);
    for (k, v) in obj {
        if k == "$and" {
            if let Some(items) = v.as_array() {
                for (i, item) in items.iter().enumerate() {
                    let p = index_path(&join(k), i);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rules::NoRegex;

    fn j(text: &str) -> Value {
        Value::parse(text).expect("json")
    }

    #[test]
    fn failing_paths_name_the_clause_and_the_and_branch() {
        let doc = j(r#"{"segments":{"returning":true},"traits":{"plan":"silver"},"visits":3}"#);
        let failing = |cond: &str| failing_path(&j(cond), &doc, &NoRegex, "");
        assert_eq!(
            failing(r#"{"$and":[{"segments.returning":true},{"traits.plan":"gold"}]}"#).as_deref(),
            Some("$and[1].traits.plan")
        );
        assert_eq!(
            failing(r#"{"visits":{"$gt":2},"traits.plan":"gold"}"#).as_deref(),
            Some("traits.plan")
        );
        assert_eq!(
            failing(r#"{"$or":[{"visits":0},{"traits.plan":"gold"}]}"#).as_deref(),
            Some("$or")
        );
        assert_eq!(failing(r#"{"visits":3}"#), None);
    }
}

//! The pure exports: GrowthBook-compatible `evalCondition`, GrowthBook's
//! `hash`, and `ConditionSet` (many conditions compiled once, evaluated
//! together against one attribute object, as the engine does for segments).
//! Arguments arrive as JSON text (`pkg/src/pure.js` converts them).

use crate::core::json::Value;
use crate::core::rules::{CompileMode, Condition, RuleSet};
use crate::core::text::cat;
use crate::core::AttuneError;
use crate::web::api::error_text;
use crate::web::host::HostRegex;
use wasm_bindgen::prelude::*;

/// Parses an argument; malformed JSON reads as `null` (the JS side sends
/// `JSON.stringify` output, so this only happens for hand-made text).
fn arg(text: &str) -> Value {
    Value::parse(text).unwrap_or(Value::Null)
}

/// Evaluates a condition against attributes, as GrowthBook's `evalCondition`
/// (a malformed condition evaluates as GrowthBook's JS SDK would; never throws).
#[wasm_bindgen(js_name = evalCondition)]
pub fn eval_condition(condition: &str, attributes: &str, saved_groups: &str) -> bool {
    let groups = arg(saved_groups);
    Condition::lenient(&arg(condition), &HostRegex).eval(&arg(attributes), groups.as_object())
}

/// GrowthBook's hash: a number in `[0, 1)` for versions 1 and 2, else -1.
#[wasm_bindgen(js_name = hash)]
pub fn hash_value(seed: &str, value: &str, version: f64) -> f64 {
    if !version.is_finite() {
        return -1.0;
    }
    crate::core::rules::hash(seed, value, version as i64).unwrap_or(-1.0)
}

/// A compiled list of GrowthBook-compatible conditions.
#[wasm_bindgen]
pub struct ConditionSet {
    rules: RuleSet,
    saved_groups: Value,
}

#[wasm_bindgen]
impl ConditionSet {
    /// Compiles an array of conditions (leniently, as `evalCondition` reads
    /// them); the error record's text when `conditions` is not an array.
    pub fn create(conditions: &str, saved_groups: &str) -> Result<ConditionSet, String> {
        let Value::Array(list) = arg(conditions) else {
            return Err(error_text(&AttuneError::input(
                "conditions",
                "expected an array",
            )));
        };
        let mut rules = RuleSet::new(CompileMode::Lenient);
        for (i, c) in list.iter().enumerate() {
            // Lenient compilation does not fail; the error names the index if it did.
            rules
                .push(c, &cat!("conditions[", i, "]"), &HostRegex)
                .map_err(|e| error_text(&e))?;
        }
        Ok(ConditionSet {
            rules,
            saved_groups: arg(saved_groups),
        })
    }

    /// Number of conditions.
    pub fn length(&self) -> usize {
        self.rules.len()
    }

    /// How many conditions hold for `attributes`.
    #[wasm_bindgen(js_name = countMatching)]
    pub fn count_matching(&self, attributes: &str) -> u32 {
        let count = self
            .rules
            .count_matching(&arg(attributes), self.saved_groups.as_object());
        u32::try_from(count).unwrap_or(u32::MAX)
    }

    /// One 0/1 per condition, in order.
    pub fn evaluate(&self, attributes: &str) -> Vec<u8> {
        let groups = self.saved_groups.as_object();
        let mut out = Vec::with_capacity(self.rules.len());
        self.rules
            .eval_each(&arg(attributes), groups, |_, on| out.push(u8::from(on)));
        out
    }
}

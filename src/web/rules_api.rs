//! `ConditionSet`: many conditions compiled once and evaluated together against
//! one attribute object — what the engine does for segments, exposed for apps
//! that evaluate their own rule sets and for the browser benchmark.

use crate::core::rules::{CompileMode, RuleSet};
use crate::web::convert::{js_error, to_json};
use crate::web::host::JsRegexEngine;
use serde_json::Value;
use wasm_bindgen::prelude::*;

/// A compiled list of GrowthBook-compatible conditions.
#[wasm_bindgen]
pub struct ConditionSet {
    /// The conditions in one arena, equal tests shared between them.
    rules: RuleSet,
    saved_groups: Value,
}

#[wasm_bindgen]
impl ConditionSet {
    /// Compiles an array of conditions (leniently, as `evalCondition` does).
    #[wasm_bindgen(constructor)]
    pub fn new(conditions: JsValue, saved_groups: JsValue) -> Result<ConditionSet, JsValue> {
        let list = to_json(&conditions, "conditions").map_err(|e| js_error(&e))?;
        let list = match list {
            Value::Array(a) => a,
            _ => {
                return Err(js_error(&crate::core::AttuneError::input(
                    "conditions",
                    "expected an array",
                )))
            }
        };
        let saved_groups = to_json(&saved_groups, "savedGroups").map_err(|e| js_error(&e))?;
        let mut rules = RuleSet::new(CompileMode::Lenient);
        for (i, c) in list.iter().enumerate() {
            // Lenient compilation does not fail; the error names the index if it did.
            rules
                .push(c, &format!("conditions[{i}]"), &JsRegexEngine)
                .map_err(|e| js_error(&e))?;
        }
        Ok(ConditionSet {
            rules,
            saved_groups,
        })
    }

    /// Number of conditions.
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> usize {
        self.rules.len()
    }

    /// How many conditions hold for `attributes` (converted once per call).
    #[wasm_bindgen(js_name = countMatching)]
    pub fn count_matching(&self, attributes: JsValue) -> Result<u32, JsValue> {
        let attrs = to_json(&attributes, "attributes").map_err(|e| js_error(&e))?;
        let count = self
            .rules
            .count_matching(&attrs, self.saved_groups.as_object());
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }

    /// One boolean per condition, in order.
    pub fn evaluate(&self, attributes: JsValue) -> Result<Vec<u8>, JsValue> {
        let attrs = to_json(&attributes, "attributes").map_err(|e| js_error(&e))?;
        let groups = self.saved_groups.as_object();
        let mut out = Vec::with_capacity(self.rules.len());
        self.rules
            .eval_each(&attrs, groups, |_, on| out.push(u8::from(on)));
        Ok(out)
    }
}

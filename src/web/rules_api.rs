//! `ConditionSet`: many conditions compiled once and evaluated together against
//! one attribute object — what the engine does for segments, exposed for apps
//! that evaluate their own rule sets and for the browser benchmark.

use crate::core::rules::{CompileMode, Condition, PathMemo, PathTable};
use crate::web::convert::{js_error, to_json};
use crate::web::host::JsRegexEngine;
use serde_json::Value;
use wasm_bindgen::prelude::*;

/// A compiled list of GrowthBook-compatible conditions.
#[wasm_bindgen]
pub struct ConditionSet {
    conditions: Vec<Condition>,
    saved_groups: Value,
    /// The conditions' dot paths, so one pass resolves each path once.
    paths: PathTable,
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
        let paths = PathTable::new();
        let conditions = list
            .iter()
            .map(|c| {
                Condition::compile_in(c, "", &JsRegexEngine, CompileMode::Lenient, Some(&paths))
                    .unwrap_or_else(|_| Condition::lenient(c, &JsRegexEngine))
            })
            .collect();
        Ok(ConditionSet {
            conditions,
            saved_groups,
            paths,
        })
    }

    /// Number of conditions.
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> usize {
        self.conditions.len()
    }

    /// How many conditions hold for `attributes` (converted once per call).
    #[wasm_bindgen(js_name = countMatching)]
    pub fn count_matching(&self, attributes: JsValue) -> Result<u32, JsValue> {
        let attrs = to_json(&attributes, "attributes").map_err(|e| js_error(&e))?;
        let groups = self.saved_groups.as_object();
        let memo = PathMemo::new(&self.paths, &attrs);
        Ok(self
            .conditions
            .iter()
            .filter(|c| c.eval_memo(&memo, groups))
            .count() as u32)
    }

    /// One boolean per condition, in order.
    pub fn evaluate(&self, attributes: JsValue) -> Result<Vec<u8>, JsValue> {
        let attrs = to_json(&attributes, "attributes").map_err(|e| js_error(&e))?;
        let groups = self.saved_groups.as_object();
        let memo = PathMemo::new(&self.paths, &attrs);
        Ok(self
            .conditions
            .iter()
            .map(|c| u8::from(c.eval_memo(&memo, groups)))
            .collect())
    }
}

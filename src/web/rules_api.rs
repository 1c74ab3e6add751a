//! The pure exports: GrowthBook-compatible condition evaluation (the
//! one-off cache behind the JS `evalCondition`), GrowthBook's `hash`, and
//! `ConditionSet` (many conditions compiled once, evaluated together against
//! one attribute object, as the engine does for segments).
//! Arguments arrive as JSON text (`pkg/src/pure.js` converts them).
//!
//! For repeated one-off calls the JS side keeps compiled conditions here, up
//! to [`SLOTS`] of them and [`TEXT_BYTES`] of their text (all dropped at once
//! when a new one would pass either; the JS side maps each condition's JSON
//! text to its slot), and the last attributes parsed, so a call with a
//! condition and attributes seen before neither parses nor compiles.

use crate::core::json::Value;
use crate::core::rules::{CompileMode, Condition, RuleSet};
use crate::core::text::cat;
use crate::core::AttuneError;
use crate::web::api::error_text;
use crate::web::host::HostRegex;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

/// How many compiled conditions the one-off cache keeps.
pub const SLOTS: usize = 1024;

/// How much condition JSON text (in bytes) the one-off cache holds compiled;
/// a single larger condition is kept alone.
pub const TEXT_BYTES: usize = 1 << 20;

/// The one-off cache: compiled conditions by slot, the length of their text,
/// and the attributes and saved groups of the last call (`None` when that
/// text was not JSON the engine reads: nested deeper than 128 levels, a lone
/// surrogate; every condition is then `false`).
struct Cache {
    slots: Vec<Condition>,
    bytes: usize,
    attributes: Option<Value>,
    saved_groups: Option<Value>,
}

thread_local! {
    static CACHE: RefCell<Cache> = const {
        RefCell::new(Cache {
            slots: Vec::new(),
            bytes: 0,
            attributes: None,
            saved_groups: None,
        })
    };
}

/// Parses an argument; malformed JSON reads as `null` (the JS side sends
/// `JSON.stringify` output, so this only happens for hand-made text).
fn arg(text: &str) -> Value {
    Value::parse(text).unwrap_or(Value::Null)
}

/// Compiles a condition (leniently: as GrowthBook's `evalCondition` reads it,
/// never failing) into the next slot of the cache, emptied first when all
/// [`SLOTS`] are taken or the texts would pass [`TEXT_BYTES`] (slot 0 tells
/// the JS side to forget its map too); returns the slot.
#[wasm_bindgen(js_name = compileCondition)]
pub fn compile_condition(condition: &str) -> u32 {
    let compiled = Condition::lenient(&arg(condition), &HostRegex);
    CACHE.with(|cache| {
        let Ok(mut c) = cache.try_borrow_mut() else {
            return u32::MAX;
        };
        c.bytes += condition.len();
        if c.slots.len() >= SLOTS || c.bytes > TEXT_BYTES {
            c.slots.clear();
            c.bytes = condition.len();
        }
        c.slots.push(compiled);
        let slot = c.slots.len() - 1;
        u32::try_from(slot).unwrap_or(u32::MAX)
    })
}

/// Sets the attributes and saved groups that [`eval_slot`] evaluates against.
#[wasm_bindgen(js_name = setAttributes)]
pub fn set_attributes(attributes: &str, saved_groups: &str) {
    CACHE.with(|cache| {
        if let Ok(mut c) = cache.try_borrow_mut() {
            c.attributes = Value::parse(attributes).ok();
            c.saved_groups = Value::parse(saved_groups).ok();
        }
    });
}

/// Evaluates the condition compiled in `slot` against the attributes last
/// set; `false` for a slot that holds none and for unreadable attributes or
/// saved groups (a condition whose text is unreadable compiled as `null`,
/// which is `false` too: GrowthBook throws on it).
#[wasm_bindgen(js_name = evalSlot)]
pub fn eval_slot(slot: u32) -> bool {
    CACHE.with(|cache| {
        let Ok(c) = cache.try_borrow() else {
            return false;
        };
        let (Some(attributes), Some(groups)) = (&c.attributes, &c.saved_groups) else {
            return false;
        };
        usize::try_from(slot)
            .ok()
            .and_then(|i| c.slots.get(i))
            .is_some_and(|cond| cond.eval(attributes, groups.as_object()))
    })
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

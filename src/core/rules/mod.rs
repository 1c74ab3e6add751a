//! The rule engine: GrowthBook-compatible conditions, hashing and bucketing.
//!
//! * [`Condition`] — the Mongo-style condition language of GrowthBook
//!   (`$and`, `$in`, `$elemMatch`, `$vgt`, `$inGroup`, `$savedGroup`, …),
//!   compiled once and evaluated many times with the exact semantics of
//!   GrowthBook's JS SDK 1.8.0 (the version `shared/bench` pins),
//!   including its loose comparisons (`"8"` is `$gt` 5, a missing attribute
//!   equals `null`, `0` and `"null"`). [`CompileMode::Strict`] validates
//!   configuration; [`CompileMode::Lenient`] accepts whatever GrowthBook does.
//! * [`RegexEngine`] — `$regex` is delegated to a pluggable engine: the
//!   browser's `RegExp` in the wasm build, `regex-lite` ([`NativeRegex`])
//!   natively; see the `regex` module for the syntax differences.
//! * [`hash`], [`get_bucket_ranges`], [`choose_variation`], [`in_namespace`],
//!   [`get_equal_weights`] — GrowthBook's deterministic bucketing.
//!
//! Everything is checked against GrowthBook's cross-SDK suite
//! (`tests/growthbook_conformance.rs`) and against random conditions answered
//! by GrowthBook 1.8.0 itself (`tests/growthbook_fuzz.rs`). Versions before
//! 1.8.0 differ in two places: `$elemMatch` skipped every falsy element (now
//! only `null`), and `$inGroup` read only bare arrays.
//!
//! Known, deliberate differences from GrowthBook's JavaScript, all on inputs
//! no real configuration produces:
//! * object deep equality ignores key order (the core's JSON keeps keys
//!   sorted; `JSON.stringify` is order-sensitive);
//! * inherited JavaScript members (`constructor`, `toString`, …) do not
//!   resolve as attribute paths or saved-group ids;
//! * where GrowthBook's evaluator throws (e.g. `{"$not": null}`), the
//!   condition is `false`;
//! * `$regex` with a non-string pattern is `false`; GrowthBook's answer
//!   depends on whether its global regex cache already holds that pattern's
//!   string form.

mod at;
mod bucket;
mod condition;
mod groups;
mod hash;
mod js;
mod literal;
mod operators;
mod path;
mod path_table;
mod regex;
mod rule_set;
mod set;
#[cfg(not(target_arch = "wasm32"))]
mod str_number;
mod value;
mod version;

#[cfg(test)]
mod strict_tests;

pub use bucket::{choose_variation, get_bucket_ranges, get_equal_weights, in_namespace};
pub use condition::{CompileMode, Condition};
pub use hash::{fnv1a32, hash};
pub use literal::literal_regex;
#[cfg(feature = "native-regex")]
pub use regex::NativeRegex;
pub use regex::{CompiledRegex, NoRegex, RegexEngine};
pub use rule_set::RuleSet;

/// `json!` for the unit tests: serde_json's macro, read back as the core's
/// [`Value`](crate::core::json::Value).
#[cfg(test)]
macro_rules! test_json {
    ($($t:tt)+) => {
        $crate::core::json::Value::parse(&::serde_json::json!($($t)+).to_string())
            .unwrap_or_else(|e| panic!("test json: {}", e.text()))
    };
}
#[cfg(test)]
pub(crate) use test_json;

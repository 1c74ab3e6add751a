//! The rule engine: GrowthBook-compatible conditions, hashing and bucketing.
//!
//! Conditions are compiled once ([`Condition::compile`]) and evaluated many
//! times ([`Condition::eval`]); `../shared/conformance/growthbook/cases.json`
//! is the oracle (`tests/growthbook_conformance.rs`).

mod bucket;
mod condition;
mod hash;
pub mod js;
mod literal;
mod regex;
mod version;

pub use bucket::{choose_variation, get_bucket_ranges, get_equal_weights, in_namespace};
pub use condition::{CompileMode, Condition};
pub use hash::{fnv1a32, hash};
#[cfg(feature = "native-regex")]
pub use regex::NativeRegex;
pub use regex::{CompiledRegex, NoRegex, RegexEngine};
pub use version::padded_str as padded_version;

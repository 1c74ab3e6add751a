//! The rule engine: GrowthBook-compatible conditions, hashing and bucketing.

mod condition;

#[cfg(feature = "native-regex")]
pub use condition::NativeRegex;
pub use condition::{CompileMode, CompiledRegex, Condition, NoRegex, RegexEngine};

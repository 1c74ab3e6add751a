//! The rule engine: GrowthBook-compatible conditions, hashing and bucketing.

mod condition;

pub use condition::{CompileMode, CompiledRegex, Condition, NoRegex, RegexEngine};

//! The core's own JSON: one dynamic [`Value`] type, a [`Map`] kept sorted by
//! key, a parser and a writer.
//!
//! It replaces `serde`/`serde_json` inside the SDK: one small, non-generic
//! implementation instead of a derive-generated (de)serializer per struct, so
//! the wasm module stays small. The behaviour follows the browser's own JSON:
//!
//! * numbers are `f64` and are written as JavaScript's `JSON.stringify` writes
//!   them (`1`, `0.1`, `1e+21`; `NaN` and infinities as `null`), see [`num`];
//! * strings are written with JavaScript's escapes (control characters, `"`
//!   and `\` only); a lone surrogate escape (`"\ud800"`, what `JSON.stringify`
//!   makes of a string cut inside an emoji) is read as U+FFFD rather than
//!   refused;
//! * object keys are kept in byte order (as a `BTreeMap<String, _>` would), so
//!   the same document always serializes to the same text; a repeated key
//!   keeps its last value;
//! * nesting deeper than [`MAX_DEPTH`] is refused, not recursed into.

mod map;
pub mod num;
mod parse;
mod value;
mod write;

pub use map::Map;
pub use parse::ParseError;
pub use value::Value;
pub use write::{write_str, write_value};

/// The deepest nesting [`Value::parse`] accepts (arrays and objects).
pub const MAX_DEPTH: usize = 128;

#[cfg(test)]
mod tests;

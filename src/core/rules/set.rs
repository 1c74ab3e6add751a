//! Pre-built operand sets for `$in`, `$nin`, `$ini`, `$nini`, and the value
//! types of `$type`.

use crate::core::json::Value;

use super::js::{fold_case, short_key};

/// Sets up to this size are scanned linearly (cheaper than a binary search
/// of string comparisons).
const SMALL_SET: usize = 16;

/// The primitive members of an `$in`-style operand, ready for lookup.
///
/// GrowthBook tests membership with `Array.prototype.includes` (SameValueZero),
/// so objects and arrays in the operand can never match and are dropped.
/// With `fold` (`$ini`, `$nini`) strings are lower-cased on both sides; other
/// values compare unchanged.
#[derive(Debug, Clone, Default)]
pub(crate) struct ValueSet {
    /// Sorted, deduplicated (and lower-cased when folding).
    strings: Box<[Box<str>]>,
    /// `(length, short_key)` of each string, for the linear scan of small sets.
    keys: Box<[(usize, u64)]>,
    numbers: Box<[f64]>,
    has_false: bool,
    has_true: bool,
    has_null: bool,
}

impl ValueSet {
    /// Builds the set from an operand array.
    pub(crate) fn new(items: &[Value], fold: bool) -> Self {
        let mut strings: Vec<Box<str>> = Vec::new();
        let mut numbers = Vec::new();
        let mut set = Self::default();
        for item in items {
            match item {
                Value::String(s) if fold => strings.push(fold_case(s).into()),
                Value::String(s) => strings.push(s.as_str().into()),
                Value::Number(n) => numbers.push(*n),
                Value::Bool(false) => set.has_false = true,
                Value::Bool(true) => set.has_true = true,
                Value::Null => set.has_null = true,
                Value::Array(_) | Value::Object(_) => {}
            }
        }
        strings.sort_unstable();
        strings.dedup();
        let mut keys = Vec::with_capacity(strings.len());
        for s in &strings {
            keys.push((s.len(), short_key(s.as_bytes())));
        }
        set.keys = keys.into();
        set.strings = strings.into();
        set.numbers = numbers.into();
        set
    }

    /// Whether one attribute value is a member.
    fn contains(&self, v: &Value, fold: bool) -> bool {
        match v {
            Value::String(s) if fold => self.has_str(&fold_case(s)),
            Value::String(s) => self.has_str(s),
            Value::Number(n) => self.numbers.contains(n),
            Value::Bool(false) => self.has_false,
            Value::Bool(true) => self.has_true,
            Value::Null => self.has_null,
            Value::Array(_) | Value::Object(_) => false,
        }
    }

    /// Whether the (already folded, when folding) string is a member.
    #[inline(always)]
    fn has_str(&self, key: &str) -> bool {
        if self.strings.len() > SMALL_SET {
            return self
                .strings
                .binary_search_by(|probe| (**probe).cmp(key))
                .is_ok();
        }
        let bytes = key.as_bytes();
        let probe = (bytes.len(), short_key(bytes));
        for (i, k) in self.keys.iter().enumerate() {
            if *k == probe
                && (bytes.len() <= 8 || self.strings.get(i).is_some_and(|s| s.as_bytes() == bytes))
            {
                return true;
            }
        }
        false
    }

    /// GrowthBook's `isIn`: an array attribute matches when any element is a
    /// member (intersection), anything else when it is a member itself.
    pub(crate) fn matches(&self, actual: &Value, fold: bool) -> bool {
        match actual {
            Value::Array(items) => items.iter().any(|el| self.contains(el, fold)),
            other => self.contains(other, fold),
        }
    }
}

/// The type names `$type` understands (GrowthBook's `getType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JsType {
    Null,
    Array,
    String,
    Number,
    Boolean,
    Object,
}

impl JsType {
    /// Parses a `$type` operand.
    pub(crate) fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "null" => Self::Null,
            "array" => Self::Array,
            "string" => Self::String,
            "number" => Self::Number,
            "boolean" => Self::Boolean,
            "object" => Self::Object,
            _ => return None,
        })
    }

    /// The type of a value (a missing attribute is `null`).
    pub(crate) fn of(v: &Value) -> Self {
        match v {
            Value::Null => Self::Null,
            Value::Array(_) => Self::Array,
            Value::String(_) => Self::String,
            Value::Number(_) => Self::Number,
            Value::Bool(_) => Self::Boolean,
            Value::Object(_) => Self::Object,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rules::test_json as json;

    #[test]
    fn membership() {
        let items = json!(["b", "A", 1.0, null, [1], {"a": 1}]);
        let set = ValueSet::new(items.as_array().map_or(&[][..], Vec::as_slice), false);
        assert!(set.matches(&json!("b"), false));
        assert!(!set.matches(&json!("a"), false));
        assert!(set.matches(&json!(1), false));
        assert!(set.matches(&json!(null), false));
        // An array attribute intersects; arrays inside it never match.
        assert!(set.matches(&json!([1]), false));
        assert!(!set.matches(&json!([[1]]), false));
        assert!(set.matches(&json!(["x", "A"]), false));
        let folded = ValueSet::new(items.as_array().map_or(&[][..], Vec::as_slice), true);
        assert!(folded.matches(&json!("a"), true));
        assert!(folded.matches(&json!("B"), true));
    }
}

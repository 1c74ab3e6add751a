//! Dot paths into the attribute document (`father.age`, `tags.0`, `tags.length`).
//!
//! GrowthBook walks `path.split(".")`, stepping into a value only while it is a
//! non-null object that has the key (`key in object`); anything else yields
//! `null`, so a missing attribute and a `null` one are indistinguishable.
//! Arrays are objects in JavaScript: canonical indices (`0`, `12`, never `01`)
//! and `length` resolve on them. Inherited prototype members (`constructor`,
//! `toString`, …) are the one thing not reproduced: they are treated as missing.

use std::borrow::Cow;

use crate::core::json::{num, Value};

static NULL: Value = Value::Null;

/// One pre-split segment of a dot path.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Segment {
    key: Box<str>,
    /// The key as an array index, if it is a canonical one.
    index: Option<usize>,
}

/// A compiled dot path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Path {
    segments: Box<[Segment]>,
    /// The path's number in a [`PathTable`](super::path_table::PathTable), or [`Path::NO_ID`].
    id: u32,
    /// That table's serial number (0: none).
    table: u32,
    /// The number of the whole test on this path (path and operand) in that
    /// table, or [`Path::NO_ID`]: identical tests share one result per pass.
    leaf: u32,
}

/// A canonical array index: `ToString(ToUint32(key)) === key` and below 2³²−1.
fn array_index(key: &str) -> Option<usize> {
    let b = key.as_bytes();
    if b.is_empty() || (b.len() > 1 && b[0] == b'0') || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    // More than 18 digits is far above 2³² anyway.
    let n = num::parse_int(key)?;
    if n < i64::from(u32::MAX) {
        usize::try_from(n).ok()
    } else {
        None
    }
}

impl Path {
    /// The id of a path compiled without a table (never shared).
    pub(crate) const NO_ID: u32 = u32::MAX;

    /// The path's number in the table it was compiled against.
    pub(crate) fn id(&self) -> u32 {
        self.id
    }

    /// The number of the test this path belongs to (see [`Path::set_leaf`]).
    pub(crate) fn leaf(&self) -> u32 {
        self.leaf
    }

    /// Marks this path as read by the table's shared test number `leaf`.
    pub(crate) fn set_leaf(&mut self, leaf: u32) {
        self.leaf = leaf;
    }

    /// The serial number of the table that numbered this path (0: none).
    pub(crate) fn table(&self) -> u32 {
        self.table
    }

    /// [`Path::parse`], numbered in `table` so a rule set can share its value.
    pub(crate) fn numbered(path: &str, table: Option<&super::path_table::PathTable>) -> Self {
        let mut p = Self::parse(path);
        if let Some(t) = table {
            p.id = t.id(path);
            p.table = t.serial();
        }
        p
    }

    /// Splits `path` on dots once, at compile time.
    pub(crate) fn parse(path: &str) -> Self {
        let mut segments = Vec::new();
        for key in path.split('.') {
            segments.push(Segment {
                key: key.into(),
                index: array_index(key),
            });
        }
        let segments = segments.into();
        Self {
            segments,
            id: Self::NO_ID,
            table: 0,
            leaf: Self::NO_ID,
        }
    }

    /// The value at this path in `root`, or `null`. Only `length` of an array
    /// produces a value that is not inside `root` (without allocating).
    pub(crate) fn resolve<'a>(&self, root: &'a Value) -> Cow<'a, Value> {
        walk(root, self.segments.iter().map(|s| (&*s.key, s.index)))
    }
}

/// Resolves a dot path known only at evaluation time (a saved group's
/// `attributeKey`), without allocating.
pub(crate) fn resolve_str<'a>(root: &'a Value, path: &str) -> Cow<'a, Value> {
    walk(root, path.split('.').map(|key| (key, array_index(key))))
}

/// GrowthBook's `getPath` over pre-split `(key, canonical index)` segments.
fn walk<'a, 'k>(
    root: &'a Value,
    segments: impl Iterator<Item = (&'k str, Option<usize>)>,
) -> Cow<'a, Value> {
    let mut segments = segments.peekable();
    let mut current = root;
    while let Some((key, index)) = segments.next() {
        let next = match current {
            Value::Object(map) => map.get(key),
            Value::Array(items) => match index {
                Some(idx) => items.get(idx),
                None if key == "length" => {
                    // A number has no keys, so `length` only counts at the end.
                    return if segments.peek().is_none() {
                        Cow::Owned(Value::from(items.len()))
                    } else {
                        Cow::Borrowed(&NULL)
                    };
                }
                None => None,
            },
            _ => None,
        };
        match next {
            Some(v) => current = v,
            None => return Cow::Borrowed(&NULL),
        }
    }
    Cow::Borrowed(current)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rules::test_json as json;

    #[test]
    fn resolves_like_growthbook() {
        let doc = json!({"a": {"b": [10, {"c": 3}]}, "s": "str", "n": null, "": {"": 1}});
        let at = |p: &str| Path::parse(p).resolve(&doc).into_owned();
        assert_eq!(at("a.b.0"), json!(10));
        assert_eq!(at("a.b.1.c"), json!(3));
        assert_eq!(at("a.b.length"), json!(2));
        assert_eq!(at("a.b.length.x"), json!(null));
        assert_eq!(at("a.b.01"), json!(null));
        assert_eq!(at("a.b.2"), json!(null));
        assert_eq!(at("s.length"), json!(null));
        assert_eq!(at("n.x"), json!(null));
        assert_eq!(at("missing"), json!(null));
        assert_eq!(at("."), json!(1));
        assert_eq!(resolve_str(&doc, "a.b.length").into_owned(), json!(2));
        assert_eq!(resolve_str(&doc, "a.b.1.c").into_owned(), json!(3));
    }
}

//! GrowthBook's version comparison (`$veq`, `$vgt`, …).
//!
//! GrowthBook turns both sides into a "padded version string" and compares the
//! strings: a leading `v` and any `+build` suffix are removed, the rest is split
//! on `-` and `.`, a `~` part is appended when there are exactly three parts (so
//! `1.0.0` sorts after `1.0.0-beta`), purely numeric parts are left-padded with
//! spaces to five characters, and the parts are joined with `-`.
//!
//! Here the padded form of the attribute is streamed as UTF-16 code units and
//! compared with the operand's pre-computed form, so nothing is allocated.

use std::cmp::Ordering;

use crate::core::json::Value;

use super::js::{is_line_terminator, number_to_string, NumBuf};

/// The pre-computed padded version string of an operand, as UTF-16 code units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PaddedVersion(Box<[u16]>);

impl PaddedVersion {
    /// Pads the operand of a version operator.
    pub(crate) fn of(v: &Value) -> Self {
        let mut buf = NumBuf::new();
        let mut units = Vec::new();
        padded_units(version_input(v, &mut buf), &mut |u| {
            units.push(u);
            true
        });
        Self(units.into())
    }

    /// Compares `actual`'s padded form with this one.
    pub(crate) fn compare(&self, actual: &Value) -> Ordering {
        let mut buf = NumBuf::new();
        let (mut i, mut order) = (0, Ordering::Equal);
        padded_units(
            version_input(actual, &mut buf),
            &mut |u| match self.0.get(i) {
                None => {
                    order = Ordering::Greater;
                    false
                }
                Some(want) => {
                    i += 1;
                    order = u.cmp(want);
                    order == Ordering::Equal
                }
            },
        );
        if order == Ordering::Equal && i < self.0.len() {
            order = Ordering::Less;
        }
        order
    }
}

/// GrowthBook's input rule: numbers are stringified, non-empty strings are
/// kept, and everything else becomes `"0"`.
fn version_input<'a>(v: &'a Value, buf: &'a mut NumBuf) -> &'a str {
    match v {
        Value::Number(n) => {
            *buf = number_to_string(*n);
            buf.as_str()
        }
        Value::String(s) if !s.is_empty() => s,
        _ => "0",
    }
}

/// Removes what `/(^v|\+.*$)/g` would: a leading `v`, and everything from the
/// first `+` that has no line terminator after it.
fn strip(s: &str) -> &str {
    let s = s.strip_prefix('v').unwrap_or(s);
    let line_start = s
        .char_indices()
        .rev()
        .find(|(_, c)| is_line_terminator(*c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    match s[line_start..].find('+') {
        Some(p) => &s[..line_start + p],
        None => s,
    }
}

/// Hands `emit` the padded version string of `input`, one UTF-16 code unit
/// at a time, until it returns `false`.
fn padded_units(input: &str, emit: &mut dyn FnMut(u16) -> bool) {
    let core = strip(input);
    let three = core.split(['-', '.']).count() == 3;
    let mut first = true;
    let mut part_units = |part: &str| -> bool {
        let numeric = !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        let pad = if numeric {
            5usize.saturating_sub(part.len())
        } else {
            0
        };
        if !std::mem::take(&mut first) && !emit(u16::from(b'-')) {
            return false;
        }
        for _ in 0..pad {
            if !emit(u16::from(b' ')) {
                return false;
            }
        }
        part.encode_utf16().all(&mut *emit)
    };
    for part in core.split(['-', '.']) {
        if !part_units(part) {
            return;
        }
    }
    if three {
        part_units("~");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rules::test_json as json;

    fn padded(s: &str) -> String {
        let mut units = Vec::new();
        padded_units(s, &mut |u| {
            units.push(u);
            true
        });
        String::from_utf16_lossy(&units)
    }

    #[test]
    fn pads_like_growthbook() {
        assert_eq!(padded("v1.2.3-rc.1+build123"), "    1-    2-    3-rc-    1");
        assert_eq!(padded("1.2.3"), "    1-    2-    3-~");
        assert_eq!(padded("123456.0.0"), "123456-    0-    0-~");
        assert_eq!(padded(""), "");
        assert_eq!(padded("1+a\n+b"), "1+a\n");
        assert_eq!(
            PaddedVersion::of(&json!(null)),
            PaddedVersion::of(&json!("0"))
        );
        assert_eq!(
            PaddedVersion::of(&json!(2)).compare(&json!("2")),
            Ordering::Equal
        );
    }
}

//! The slice of JavaScript value semantics that GrowthBook's evaluator leans on:
//! `ToString`, `ToNumber`, truthiness, `===`, the relational operators and
//! `JSON.stringify` equality, applied to the core's JSON values.
//!
//! Everything here avoids the heap for the common cases (strings, whole
//! numbers, and numeric strings in JSON's own notation); only arrays converted
//! to strings, fractional numbers converted to strings and numeric strings in
//! forms JSON does not have (`.5`, `+1`, `007`) allocate.

use std::borrow::Cow;
use std::cmp::Ordering;

use crate::core::json::{num, Value};
use crate::core::text::lower;

/// A small stack buffer for the text of a number; big enough for any
/// JavaScript number rendering and any `u64`.
pub(crate) struct NumBuf {
    buf: [u8; 40],
    len: usize,
}

impl NumBuf {
    /// An empty buffer.
    pub(crate) fn new() -> Self {
        Self {
            buf: [0; 40],
            len: 0,
        }
    }

    /// The text written so far.
    pub(crate) fn as_str(&self) -> &str {
        // Only whole `&str`s are ever copied in, so this is always valid UTF-8.
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }

    /// Appends `s` (dropped if it does not fit, which no number text does).
    fn push_str(&mut self, s: &str) {
        let end = self.len + s.len();
        if end <= self.buf.len() {
            self.buf[self.len..end].copy_from_slice(s.as_bytes());
            self.len = end;
        }
    }

    /// Appends the decimal digits of `n`, without allocating.
    pub(crate) fn push_u64(&mut self, mut n: u64) {
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        // ASCII digits are valid UTF-8.
        self.push_str(std::str::from_utf8(&digits[i..]).unwrap_or(""));
    }
}

/// 2^53: below it every whole `f64` is exactly an integer.
const EXACT_INT: f64 = 9_007_199_254_740_992.0;

/// Renders `x` the way JavaScript's `Number.prototype.toString()` does
/// (`1e21` → `"1e+21"`, `1.5e-7` → `"1.5e-7"`, `-0` → `"0"`): the text of
/// [`num::push_f64`], written on the stack for whole numbers.
pub(crate) fn number_to_string(x: f64) -> NumBuf {
    let mut out = NumBuf::new();
    if x.fract() == 0.0 && x.abs() < EXACT_INT {
        // Exactly what `num::push_f64` writes for these (and -0 is "0").
        if x < 0.0 {
            out.push_str("-");
        }
        out.push_u64(x.abs() as u64);
    } else {
        out.push_str(&num::f64_text(x));
    }
    out
}

/// Whether `c` ends a line for ECMAScript regular expressions (`.` and `$`).
pub(crate) fn is_line_terminator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

/// JavaScript's `Number(string)`: in the browser the host's own `Number`,
/// natively [`super::str_number`]'s reading of it.
pub(crate) fn string_to_number(s: &str) -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        num::host_number(s)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        super::str_number::string_to_number(s)
    }
}

/// JavaScript's `ToNumber` (as in `value * 1`).
pub(crate) fn to_number(v: &Value) -> f64 {
    match v {
        Value::Null => 0.0,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Number(n) => *n,
        Value::String(s) => string_to_number(s),
        // An array becomes `a.join(",")` first: two or more elements always
        // contain a comma (never numeric); one element converts on its own.
        Value::Array(a) => match a.as_slice() {
            [] => 0.0,
            [one] => match one {
                Value::Null => 0.0,
                Value::Bool(_) | Value::Object(_) => f64::NAN,
                other => to_number(other),
            },
            _ => f64::NAN,
        },
        Value::Object(_) => f64::NAN,
    }
}

/// JavaScript truthiness.
pub(crate) fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(x) => *x != 0.0 && !x.is_nan(),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// Appends JavaScript's `String(v)` to `out`.
fn push_js_string(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => num::push_f64(out, *n),
        Value::String(s) => out.push_str(s),
        // `Array.prototype.join(",")`: `null` elements become empty strings.
        Value::Array(a) => {
            for (i, el) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if !el.is_null() {
                    push_js_string(out, el);
                }
            }
        }
        Value::Object(_) => out.push_str("[object Object]"),
    }
}

/// JavaScript's `String(v)`, borrowing when `v` already is a string.
pub(crate) fn js_string(v: &Value) -> Cow<'_, str> {
    match v {
        Value::String(s) => Cow::Borrowed(s),
        other => {
            let mut s = String::new();
            push_js_string(&mut s, other);
            Cow::Owned(s)
        }
    }
}

/// Removes `String(v)` from the front of `rest`; `false` when `rest` does
/// not start with it. Compares without building the text (numbers other
/// than whole ones excepted).
fn strip_js_string(v: &Value, rest: &mut &str) -> bool {
    let text = match v {
        Value::Null => "null",
        Value::Bool(true) => "true",
        Value::Bool(false) => "false",
        Value::Number(n) => return strip_prefix(rest, number_to_string(*n).as_str()),
        Value::String(s) => s,
        Value::Array(a) => {
            for (i, el) in a.iter().enumerate() {
                if i > 0 && !strip_prefix(rest, ",") {
                    return false;
                }
                if !el.is_null() && !strip_js_string(el, rest) {
                    return false;
                }
            }
            return true;
        }
        Value::Object(_) => "[object Object]",
    };
    strip_prefix(rest, text)
}

fn strip_prefix(rest: &mut &str, prefix: &str) -> bool {
    match rest.strip_prefix(prefix) {
        Some(r) => {
            *rest = r;
            true
        }
        None => false,
    }
}

/// `value + "" === expected`, without allocating.
pub(crate) fn loose_str_eq(v: &Value, expected: &str) -> bool {
    if let Value::String(s) = v {
        return str_eq(s, expected);
    }
    let mut rest = expected;
    strip_js_string(v, &mut rest) && rest.is_empty()
}

/// The first 8 bytes of `s` packed into an integer (zero-padded): with the
/// length, equal keys mean equal strings up to 8 bytes long.
#[inline(always)]
pub(crate) fn short_key(s: &[u8]) -> u64 {
    let mut key = 0u64;
    let mut i = 0;
    while i < s.len() && i < 8 {
        key |= u64::from(s[i]) << (8 * i);
        i += 1;
    }
    key
}

/// String equality that settles short strings (attribute values are mostly
/// country codes, plans, tags) without a `memcmp` call.
#[inline(always)]
pub(crate) fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    if a.len() <= 8 {
        return short_key(a) == short_key(b);
    }
    a == b
}

/// `String.prototype.toLowerCase`, borrowing when nothing changes.
pub(crate) fn fold_case(s: &str) -> Cow<'_, str> {
    if s.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(lower(s))
    }
}

/// JavaScript's `===` between two JSON values: objects and arrays are never
/// strictly equal to anything (they would be different references).
pub(crate) fn strict_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        _ => false,
    }
}

/// `JSON.stringify(a) === JSON.stringify(b)`, except that object keys are
/// compared as a set (the core's [`Map`](crate::core::json::Map) does not
/// keep insertion order).
pub(crate) fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => strict_eq(a, b),
    }
}

/// Compares strings by UTF-16 code units, as JavaScript does.
pub(crate) fn utf16_cmp(a: &str, b: &str) -> Ordering {
    // Byte order equals UTF-16 order unless characters at or above U+E000 meet
    // supplementary characters; only then is the slower comparison needed.
    let high = |s: &str| s.bytes().any(|x| x >= 0xEE);
    if high(a) && high(b) {
        a.encode_utf16().cmp(b.encode_utf16())
    } else {
        a.cmp(b)
    }
}

/// The result of JavaScript's `ToPrimitive` for the relational operators:
/// either a string or something that will be compared as a number.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Prim<'a> {
    /// A number (also `null` → 0 and booleans → 0/1).
    Num(f64),
    /// A string (also arrays, joined, and objects, `"[object Object]"`).
    Str(Cow<'a, str>),
}

impl<'a> Prim<'a> {
    /// `ToPrimitive(v, number)`.
    pub(crate) fn of(v: &'a Value) -> Self {
        match v {
            Value::String(s) => Prim::Str(Cow::Borrowed(s)),
            Value::Array(_) | Value::Object(_) => Prim::Str(js_string(v)),
            other => Prim::Num(to_number(other)),
        }
    }

    fn number(&self) -> f64 {
        match self {
            Prim::Num(x) => *x,
            Prim::Str(s) => string_to_number(s),
        }
    }

    /// Turns a borrowed primitive into an owned one.
    pub(crate) fn into_owned(self) -> Prim<'static> {
        match self {
            Prim::Num(x) => Prim::Num(x),
            Prim::Str(s) => Prim::Str(Cow::Owned(s.into_owned())),
        }
    }
}

/// JavaScript's abstract `x < y`: `None` is *undefined* (a NaN was involved),
/// which makes every relational operator false.
pub(crate) fn js_less(x: &Prim<'_>, y: &Prim<'_>) -> Option<bool> {
    if let (Prim::Str(a), Prim::Str(b)) = (x, y) {
        return Some(utf16_cmp(a, b) == Ordering::Less);
    }
    let (a, b) = (x.number(), y.number());
    if a.is_nan() || b.is_nan() {
        None
    } else {
        Some(a < b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rules::test_json as json;

    #[test]
    fn numbers_print_like_javascript() {
        let cases = [
            (0.0, "0"),
            (-0.0, "0"),
            (1.0, "1"),
            (-1.5, "-1.5"),
            (0.1, "0.1"),
            (123456.0, "123456"),
            (1e21, "1e+21"),
            (1.5e21, "1.5e+21"),
            (1e20, "100000000000000000000"),
            (1.5e-7, "1.5e-7"),
            (1e-6, "0.000001"),
            (0.000123, "0.000123"),
            (5e-324, "5e-324"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (4294967295.0, "4294967295"),
        ];
        for (x, s) in cases {
            assert_eq!(number_to_string(x).as_str(), s, "{x}");
        }
    }

    #[test]
    fn strings_convert_like_javascript() {
        let nan = |s: &str| string_to_number(s).is_nan();
        assert_eq!(string_to_number(""), 0.0);
        assert_eq!(string_to_number("  \n"), 0.0);
        assert_eq!(string_to_number(" 8 "), 8.0);
        assert_eq!(string_to_number("1."), 1.0);
        assert_eq!(string_to_number(".5e1"), 5.0);
        assert_eq!(string_to_number("0x1A"), 26.0);
        assert_eq!(string_to_number("0b101"), 5.0);
        assert_eq!(string_to_number("-Infinity"), f64::NEG_INFINITY);
        assert!(nan("inf") && nan("1,2") && nan("-0x1") && nan(".") && nan("1e") && nan("0x"));
        assert_eq!(to_number(&json!([" 7 "])), 7.0);
        assert_eq!(to_number(&json!([])), 0.0);
        assert_eq!(to_number(&json!(null)), 0.0);
        assert!(to_number(&json!([1, 2])).is_nan());
        assert!(to_number(&json!({})).is_nan());
    }

    #[test]
    fn loose_string_equality() {
        assert!(loose_str_eq(&json!(null), "null"));
        assert!(loose_str_eq(&json!(1.5), "1.5"));
        assert!(loose_str_eq(&json!([1, [2, null], "a"]), "1,2,,a"));
        assert!(loose_str_eq(&json!({"a": 1}), "[object Object]"));
        assert!(!loose_str_eq(&json!(true), "tru"));
        assert!(!loose_str_eq(&json!(12), "1"));
    }

    #[test]
    fn relational_comparison() {
        let lt = |a: Value, b: Value| js_less(&Prim::of(&a), &Prim::of(&b));
        assert_eq!(lt(json!("10"), json!("9")), Some(true));
        assert_eq!(lt(json!(8), json!("10")), Some(true));
        assert_eq!(lt(json!(null), json!(1)), Some(true));
        assert_eq!(lt(json!("a"), json!(1)), None);
        assert_eq!(lt(json!([2]), json!(3)), Some(true));
        assert_eq!(utf16_cmp("\u{ffff}", "\u{10000}"), Ordering::Greater);
    }
}

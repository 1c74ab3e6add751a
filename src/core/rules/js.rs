//! The slice of JavaScript value semantics that GrowthBook's evaluator leans on:
//! `ToString`, `ToNumber`, truthiness, `===`, the relational operators and
//! `JSON.stringify` equality, applied to `serde_json` values.
//!
//! Everything here avoids the heap for the common cases (strings and numbers);
//! only arrays converted to strings allocate.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt::{self, Write};

use serde_json::Value;

/// A small stack buffer that implements [`fmt::Write`]; big enough for any
/// JavaScript number rendering and any `u32`.
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
}

impl Write for NumBuf {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        if end > self.buf.len() {
            return Err(fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Renders `x` the way JavaScript's `Number.prototype.toString()` does
/// (`1e21` → `"1e+21"`, `1.5e-7` → `"1.5e-7"`, `-0` → `"0"`).
pub(crate) fn number_to_string(x: f64) -> NumBuf {
    let mut out = NumBuf::new();
    // The buffer is large enough for every f64, so this cannot fail.
    let _ = write_number(&mut out, x);
    out
}

/// Writes `x` as JavaScript would stringify it.
pub(crate) fn write_number<W: Write>(w: &mut W, x: f64) -> fmt::Result {
    if x.is_nan() {
        return w.write_str("NaN");
    }
    if x == 0.0 {
        return w.write_str("0");
    }
    if x.is_infinite() {
        return w.write_str(if x > 0.0 { "Infinity" } else { "-Infinity" });
    }
    if x < 0.0 {
        w.write_char('-')?;
    }
    // Rust's `{:e}` prints the shortest round-tripping digits, as JS does.
    let mut sci = NumBuf::new();
    write!(sci, "{:e}", x.abs())?;
    let s = sci.as_str();
    let (mantissa, exp) = s.split_once('e').unwrap_or((s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (lead, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let k = 1 + frac.len() as i32; // number of significant digits
    let n = exp + 1; // position of the decimal point
    if k <= n && n <= 21 {
        w.write_str(lead)?;
        w.write_str(frac)?;
        for _ in 0..(n - k) {
            w.write_char('0')?;
        }
    } else if 0 < n && n <= 21 {
        let split = (n - 1) as usize;
        w.write_str(lead)?;
        w.write_str(&frac[..split])?;
        w.write_char('.')?;
        w.write_str(&frac[split..])?;
    } else if -6 < n && n <= 0 {
        w.write_str("0.")?;
        for _ in 0..(-n) {
            w.write_char('0')?;
        }
        w.write_str(lead)?;
        w.write_str(frac)?;
    } else {
        w.write_str(lead)?;
        if !frac.is_empty() {
            w.write_char('.')?;
            w.write_str(frac)?;
        }
        let e = n - 1;
        write!(w, "e{}{}", if e < 0 { '-' } else { '+' }, e.abs())?;
    }
    Ok(())
}

/// JavaScript's white space and line terminators (what `String.prototype.trim` removes).
fn is_js_space(c: char) -> bool {
    matches!(
        c,
        '\u{9}'..='\u{d}'
            | ' '
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
            | '\u{feff}'
    )
}

/// Whether `c` ends a line for ECMAScript regular expressions (`.` and `$`).
pub(crate) fn is_line_terminator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

/// JavaScript's `Number(string)`.
pub(crate) fn string_to_number(s: &str) -> f64 {
    let t = s.trim_matches(is_js_space);
    if t.is_empty() {
        return 0.0;
    }
    let b = t.as_bytes();
    if b.len() > 2 && b[0] == b'0' {
        let radix = match b[1] {
            b'x' | b'X' => 16,
            b'o' | b'O' => 8,
            b'b' | b'B' => 2,
            _ => 0,
        };
        if radix != 0 {
            return parse_radix(&t[2..], radix);
        }
    }
    let (sign, body) = match b[0] {
        b'+' => (1.0, &t[1..]),
        b'-' => (-1.0, &t[1..]),
        _ => (1.0, t),
    };
    if body == "Infinity" {
        return sign * f64::INFINITY;
    }
    if !is_decimal_literal(body) {
        return f64::NAN;
    }
    t.parse::<f64>().unwrap_or(f64::NAN)
}

/// `digits [. digits] [e [+-] digits]` or `. digits [...]`, as JS accepts.
fn is_decimal_literal(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let mut i = digits(0);
    let mut mantissa = i;
    if b.get(i) == Some(&b'.') {
        let f = digits(i + 1);
        mantissa += f;
        i += 1 + f;
    }
    if mantissa == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let e = digits(i);
        if e == 0 {
            return false;
        }
        i += e;
    }
    i == b.len()
}

fn parse_radix(s: &str, radix: u32) -> f64 {
    let mut v = 0.0f64;
    for c in s.chars() {
        match c.to_digit(radix) {
            Some(d) => v = v * f64::from(radix) + f64::from(d),
            None => return f64::NAN,
        }
    }
    v
}

/// A JSON number as the JS double it would parse to.
#[inline(always)]
pub(crate) fn num(n: &serde_json::Number) -> f64 {
    n.as_f64().unwrap_or(f64::NAN)
}

/// JavaScript's `ToNumber` (as in `value * 1`).
pub(crate) fn to_number(v: &Value) -> f64 {
    match v {
        Value::Null => 0.0,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Number(n) => num(n),
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
        Value::Number(n) => {
            let x = num(n);
            x != 0.0 && !x.is_nan()
        }
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// Writes JavaScript's `String(v)`.
pub(crate) fn write_js_string<W: Write>(w: &mut W, v: &Value) -> fmt::Result {
    match v {
        Value::Null => w.write_str("null"),
        Value::Bool(b) => w.write_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(w, num(n)),
        Value::String(s) => w.write_str(s),
        Value::Array(a) => write_join(w, a),
        Value::Object(_) => w.write_str("[object Object]"),
    }
}

/// `Array.prototype.join(",")`: `null` elements become empty strings.
fn write_join<W: Write>(w: &mut W, a: &[Value]) -> fmt::Result {
    for (i, el) in a.iter().enumerate() {
        if i > 0 {
            w.write_char(',')?;
        }
        if !el.is_null() {
            write_js_string(w, el)?;
        }
    }
    Ok(())
}

/// JavaScript's `String(v)`, borrowing when `v` already is a string.
pub(crate) fn js_string(v: &Value) -> Cow<'_, str> {
    match v {
        Value::String(s) => Cow::Borrowed(s),
        other => {
            let mut s = String::new();
            let _ = write_js_string(&mut s, other);
            Cow::Owned(s)
        }
    }
}

/// Compares written text against an expected string without building it.
struct EqWriter<'a> {
    rest: &'a str,
}

impl Write for EqWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        match self.rest.strip_prefix(s) {
            Some(rest) => {
                self.rest = rest;
                Ok(())
            }
            None => Err(fmt::Error),
        }
    }
}

/// `value + "" === expected`, without allocating.
pub(crate) fn loose_str_eq(v: &Value, expected: &str) -> bool {
    if let Value::String(s) = v {
        return str_eq(s, expected);
    }
    let mut w = EqWriter { rest: expected };
    write_js_string(&mut w, v).is_ok() && w.rest.is_empty()
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
        Cow::Owned(s.to_lowercase())
    }
}

/// JavaScript's `===` between two JSON values: objects and arrays are never
/// strictly equal to anything (they would be different references).
pub(crate) fn strict_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => num(x) == num(y),
        (Value::String(x), Value::String(y)) => x == y,
        _ => false,
    }
}

/// `JSON.stringify(a) === JSON.stringify(b)`, except that object keys are
/// compared as a set (serde_json does not keep insertion order).
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
    use serde_json::json;

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

//! JavaScript value semantics over JSON, as GrowthBook's evaluator relies on
//! them: `String(v)`, `Number(v)`, strict equality, relational comparison.
//! Ordinary cases (numbers, strings) never allocate.

use serde_json::Value;
use std::cmp::Ordering;

/// `typeof`-like name used by `$type`: `null`, `array`, `string`, `number`, `boolean`, `object`.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Array(_) => "array",
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "boolean",
        Value::Object(_) => "object",
    }
}

/// JavaScript truthiness.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan()),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// `String(v)`.
pub fn to_js_string(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => number_to_string(n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => s.clone(),
        Value::Array(a) => a
            .iter()
            .map(|x| {
                if x.is_null() {
                    String::new()
                } else {
                    to_js_string(x)
                }
            })
            .collect::<Vec<_>>()
            .join(","),
        Value::Object(_) => "[object Object]".into(),
    }
}

/// `String(n)` for a number, with JavaScript's switch to exponent notation.
pub fn number_to_string(n: f64) -> String {
    if n.is_nan() {
        return "NaN".into();
    }
    if n.is_infinite() {
        return if n > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    if n == 0.0 {
        return "0".into();
    }
    let a = n.abs();
    if (1e-6..1e21).contains(&a) {
        return format!("{n}");
    }
    let s = format!("{n:e}");
    match s.split_once('e') {
        Some((m, e)) if !e.starts_with('-') => format!("{m}e+{e}"),
        _ => s,
    }
}

/// `Number(s)` for a string: trimmed decimal, hex/octal/binary literals,
/// `Infinity`; empty is 0; anything else NaN.
pub fn string_to_number(s: &str) -> f64 {
    let t = s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if t.is_empty() {
        return 0.0;
    }
    let radix = |p: &str, r: u32| {
        u64::from_str_radix(p, r)
            .map(|v| v as f64)
            .unwrap_or(f64::NAN)
    };
    match t.get(..2) {
        Some("0x" | "0X") => return radix(&t[2..], 16),
        Some("0o" | "0O") => return radix(&t[2..], 8),
        Some("0b" | "0B") => return radix(&t[2..], 2),
        _ => {}
    }
    match t {
        "Infinity" | "+Infinity" => return f64::INFINITY,
        "-Infinity" => return f64::NEG_INFINITY,
        _ => {}
    }
    if !t
        .bytes()
        .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return f64::NAN;
    }
    t.parse::<f64>().unwrap_or(f64::NAN)
}

/// `Number(v)` (`+v`).
pub fn to_number(v: &Value) -> f64 {
    match v {
        Value::Null => 0.0,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
        Value::String(s) => string_to_number(s),
        Value::Array(_) => string_to_number(&to_js_string(v)),
        Value::Object(_) => f64::NAN,
    }
}

/// `a === b` (and SameValueZero for `includes`): objects and arrays are never
/// equal to a different object, numbers compare by value.
pub fn strict_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => false,
    }
}

/// `JSON.stringify(a) === JSON.stringify(b)` for values that came from JSON
/// (object keys compared as sets, numbers by value).
pub fn json_eq(a: &Value, b: &Value) -> bool {
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

/// JavaScript's relational comparison (`<`, `>` …): two strings compare by
/// UTF-16 code units, anything else as numbers; `None` when unordered (NaN).
pub fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    let prim = |v: &Value| matches!(v, Value::Array(_) | Value::Object(_));
    if let (Value::String(x), Value::String(y)) = (a, b) {
        return Some(x.encode_utf16().cmp(y.encode_utf16()));
    }
    if prim(a) || prim(b) {
        let (pa, pb) = (primitive(a), primitive(b));
        return compare(&pa, &pb);
    }
    to_number(a).partial_cmp(&to_number(b))
}

fn primitive(v: &Value) -> Value {
    match v {
        Value::Array(_) | Value::Object(_) => Value::String(to_js_string(v)),
        other => other.clone(),
    }
}

/// Lowercases like `String.prototype.toLowerCase` for comparisons.
pub fn lower(s: &str) -> String {
    s.to_lowercase()
}

/// Case-insensitive string equality without allocating.
pub fn eq_ignore_case(a: &str, b_lower: &str) -> bool {
    a.chars().flat_map(char::to_lowercase).eq(b_lower.chars())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_and_numbers_follow_javascript() {
        assert_eq!(number_to_string(1.0), "1");
        assert_eq!(number_to_string(1.5), "1.5");
        assert_eq!(number_to_string(1e21), "1e+21");
        assert_eq!(number_to_string(1.5e-7), "1.5e-7");
        assert_eq!(number_to_string(0.000001), "0.000001");
        assert_eq!(number_to_string(-0.0), "0");
        assert_eq!(to_js_string(&json!([1, null, "a", [2, 3]])), "1,,a,2,3");
        assert_eq!(to_js_string(&json!({"a": 1})), "[object Object]");
        assert_eq!(string_to_number(" 12 "), 12.0);
        assert_eq!(string_to_number(""), 0.0);
        assert_eq!(string_to_number("0x1f"), 31.0);
        assert!(string_to_number("inf").is_nan());
        assert!(string_to_number("12px").is_nan());
        assert_eq!(to_number(&json!([5])), 5.0);
        assert_eq!(to_number(&json!(true)), 1.0);
    }

    #[test]
    fn comparison_mixes_types_like_javascript() {
        assert_eq!(compare(&json!("8"), &json!(5)), Some(Ordering::Greater));
        assert_eq!(
            compare(&json!("10"), &json!("9")),
            Some(Ordering::Less),
            "string order"
        );
        assert_eq!(compare(&json!(null), &json!(-1)), Some(Ordering::Greater));
        assert_eq!(compare(&json!("x"), &json!(1)), None);
        assert!(json_eq(&json!({"a": [1, 2.0]}), &json!({"a": [1, 2]})));
        assert!(!strict_eq(&json!([1]), &json!([1])));
        assert!(eq_ignore_case("ÜBER", "über"));
    }
}

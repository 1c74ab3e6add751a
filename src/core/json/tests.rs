use super::num::{f64_text, parse_index, parse_number};
use super::*;

fn p(s: &str) -> Value {
    Value::parse(s).unwrap_or_else(|e| panic!("{s}: {}", e.text()))
}

#[test]
fn round_trips_documents_with_sorted_keys() {
    let v = p(r#" {"b": [1, 2.5, -0.125, true, null], "a": {"z": "x\"y\\", "y": {}}, "c": []} "#);
    assert_eq!(
        v.to_json(),
        r#"{"a":{"y":{},"z":"x\"y\\"},"b":[1,2.5,-0.125,true,null],"c":[]}"#
    );
    assert_eq!(p(&v.to_json()), v);
    assert_eq!(v["b"][1], 2.5);
    assert_eq!(v["a"]["z"], "x\"y\\");
    assert!(v["nope"]["deeper"].is_null());
    assert_eq!(v.path("b.4"), Some(&Value::Null));
    assert_eq!(v.path("b.1").and_then(Value::as_f64), Some(2.5));
    assert_eq!(v.path("b.01"), None);
}

#[test]
fn a_repeated_key_keeps_the_last_value() {
    assert_eq!(p(r#"{"a":1,"b":2,"a":3}"#).to_json(), r#"{"a":3,"b":2}"#);
}

#[test]
fn numbers_are_written_as_javascript_writes_them() {
    // Expected texts: what `String(x)` gives in V8.
    let cases: &[(f64, &str)] = &[
        (0.0, "0"),
        (-0.0, "0"),
        (1.0, "1"),
        (-17.0, "-17"),
        (0.1, "0.1"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1.5e-7, "1.5e-7"),
        (0.000001, "0.000001"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (2f64.powi(60), "1152921504606847000"),
        (123456.789, "123456.789"),
        (-2.5e-10, "-2.5e-10"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (5e-324, "5e-324"),
        (9007199254740993.0, "9007199254740992"),
        (1790000000000.0, "1790000000000"),
    ];
    for &(x, want) in cases {
        assert_eq!(f64_text(x), want, "{x:e}");
    }
    assert_eq!(Value::Number(f64::NAN).to_json(), "null");
    assert_eq!(Value::Number(f64::INFINITY).to_json(), "null");
}

#[test]
fn numbers_are_read_exactly() {
    let cases = [
        "0",
        "-0",
        "1",
        "0.1",
        "0.30000000000000004",
        "1.5e-7",
        "1E+21",
        "123456.789",
        "5e-324",
        "1.7976931348623157e308",
        "9007199254740993",
        "2.2250738585072014e-308",
        "1e-400",
        "123456789012345678901234567890",
        "0.1e1",
        "-12.5e-3",
    ];
    for t in cases {
        let want: f64 = t.parse().unwrap_or(f64::NAN);
        assert_eq!(parse_number(t).to_bits(), want.to_bits(), "{t}");
    }
    assert!(Value::parse("1e400").is_err(), "out of range");
}

#[test]
fn strings_use_javascript_escapes() {
    let v = Value::String("a\u{1}\n\t\u{7f}é😀</".into());
    assert_eq!(v.to_json(), "\"a\\u0001\\n\\t\u{7f}é😀</\"");
    assert_eq!(
        p("\"\\ud83d\\ude00\\u00e9\\/\""),
        Value::String("😀é/".into())
    );
}

#[test]
fn lone_surrogates_become_replacement_characters() {
    assert_eq!(p(r#""x\ud800""#), Value::String("x\u{FFFD}".into()));
    assert_eq!(p(r#""\udc00y""#), Value::String("\u{FFFD}y".into()));
    assert_eq!(p(r#""\ud800\u0041""#), Value::String("\u{FFFD}A".into()));
}

#[test]
fn malformed_and_hostile_texts_are_refused() {
    for bad in [
        "",
        "{",
        "[1,]",
        "{\"a\"}",
        "01",
        "1.",
        "-",
        "tru",
        "\"a",
        "\"\u{1}\"",
        "[1] x",
        "{a:1}",
        "\"\\x\"",
        "\"\\u12\"",
        "NaN",
    ] {
        assert!(Value::parse(bad).is_err(), "{bad:?} accepted");
    }
    let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
    let e = Value::parse(&deep).err().map(|e| e.message);
    assert_eq!(e, Some("nested too deeply"));
    let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
    assert!(Value::parse(&ok).is_ok());
}

#[test]
fn agrees_with_serde_json_on_a_corpus() {
    let corpus = include_str!("../../../tests/vectors/decisions.json");
    let ours = p(corpus);
    let theirs: serde_json::Value = serde_json::from_str(corpus).unwrap_or_default();
    // serde_json sorts keys too (no preserve_order); integers print alike.
    assert_eq!(p(&theirs.to_string()), ours);
}

#[test]
fn map_keeps_keys_sorted_and_unique() {
    let mut m = Map::new();
    m.insert("b", Value::from(1));
    m.insert("a", Value::from(2));
    assert_eq!(m.replace("b", Value::from(3)), Some(Value::from(1)));
    *m.entry_or_insert_with("c", Value::object) = Value::from("x");
    assert_eq!(
        m.keys().map(String::as_str).collect::<Vec<_>>(),
        ["a", "b", "c"]
    );
    assert_eq!(m.remove("a"), Some(Value::from(2)));
    m.retain(|k, _| k != "c");
    assert_eq!(Value::Object(m).to_json(), r#"{"b":3}"#);
    assert_eq!(parse_index("12"), Some(12));
    assert_eq!(parse_index("-1"), None);
}

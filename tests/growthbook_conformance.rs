//! GrowthBook's cross-SDK suite (spec 0.8.0, MIT) as the oracle for the rule
//! engine: every evalCondition, hash, getBucketRange, chooseVariation,
//! inNamespace and getEqualWeights case.

use attune::core::rules::{
    choose_variation, get_bucket_ranges, get_equal_weights, hash, in_namespace, CompileMode,
    Condition, NativeRegex,
};
use serde_json::Value;

fn cases() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/conformance/growthbook/cases.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn section(name: &str) -> Vec<Value> {
    cases()[name]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("no section {name}"))
}

fn floor8(x: f64) -> f64 {
    (x * 1e8).floor() / 1e8
}

#[test]
fn eval_condition_all_cases() {
    let cases = section("evalCondition");
    assert_eq!(cases.len(), 248);
    let mut failed = Vec::new();
    for c in &cases {
        let (name, cond, attrs, expected) = (&c[0], &c[1], &c[2], c[3].as_bool());
        let groups = c.get(4).and_then(Value::as_object);
        let got = Condition::lenient(cond, &NativeRegex).eval(attrs, groups);
        if Some(got) != expected {
            failed.push(format!("{name}: expected {expected:?}, got {got}"));
        }
    }
    println!(
        "evalCondition: {} passed, {} failed",
        cases.len() - failed.len(),
        failed.len()
    );
    assert!(failed.is_empty(), "{failed:#?}");
}

#[test]
fn strict_mode_agrees_or_rejects_only_malformed_conditions() {
    let mut rejected = Vec::new();
    for c in section("evalCondition") {
        let (name, cond, attrs, expected) =
            (c[0].as_str().unwrap_or(""), &c[1], &c[2], c[3].as_bool());
        match Condition::compile_with(cond, "when", &NativeRegex, CompileMode::Strict) {
            Ok(compiled) => assert_eq!(
                Some(compiled.eval(attrs, c.get(4).and_then(Value::as_object))),
                expected,
                "{name}"
            ),
            Err(e) => {
                assert_eq!(e.code(), "invalid_config");
                rejected.push(format!("{name} → {e}"));
            }
        }
    }
    println!(
        "strict mode rejected {}:\n{}",
        rejected.len(),
        rejected.join("\n")
    );
    // Exactly the deliberately malformed cases: non-array operands of the
    // membership operators and a misspelt operator.
    assert_eq!(
        rejected,
        [
            "$in - not array → when.num.$in: expected an array",
            "$nin - not array → when.num.$nin: expected an array",
            "$ini - not array → when.num.$ini: expected an array",
            "$nini - not array → when.num.$nini: expected an array",
            "unknown operator - pass → when.name.$regx: unknown operator",
        ]
    );
}

#[test]
fn hash_all_cases() {
    let cases = section("hash");
    for c in &cases {
        let (seed, value, version) = (
            c[0].as_str().unwrap_or(""),
            c[1].as_str().unwrap_or(""),
            c[2].as_i64().unwrap_or(-1),
        );
        let got = hash(seed, value, version);
        assert_eq!(got, c[3].as_f64(), "hash({seed:?}, {value:?}, {version})");
    }
    println!("hash: {} passed, 0 failed", cases.len());
}

#[test]
fn get_bucket_range_all_cases() {
    let cases = section("getBucketRange");
    for c in &cases {
        let args = &c[1];
        let n = args[0].as_i64().unwrap_or(0);
        let coverage = args[1].as_f64().unwrap_or(f64::NAN);
        let weights: Option<Vec<f64>> = args[2]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_f64).collect());
        let got: Vec<(f64, f64)> = get_bucket_ranges(n, coverage, weights.as_deref())
            .into_iter()
            .map(|(a, b)| (floor8(a), floor8(b)))
            .collect();
        let want: Vec<(f64, f64)> = c[2]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|r| {
                        (
                            floor8(r[0].as_f64().unwrap_or(0.0)),
                            floor8(r[1].as_f64().unwrap_or(0.0)),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(got, want, "{}", c[0]);
    }
    println!("getBucketRange: {} passed, 0 failed", cases.len());
}

#[test]
fn choose_variation_all_cases() {
    let cases = section("chooseVariation");
    for c in &cases {
        let ranges: Vec<(f64, f64)> = c[2]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|r| (r[0].as_f64().unwrap_or(0.0), r[1].as_f64().unwrap_or(0.0)))
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(
            i64::from(choose_variation(c[1].as_f64().unwrap_or(f64::NAN), &ranges)),
            c[3].as_i64().unwrap_or(-2),
            "{}",
            c[0]
        );
    }
    println!("chooseVariation: {} passed, 0 failed", cases.len());
}

#[test]
fn in_namespace_all_cases() {
    let cases = section("inNamespace");
    for c in &cases {
        let ns = &c[2];
        let got = in_namespace(
            c[1].as_str().unwrap_or(""),
            (
                ns[0].as_str().unwrap_or(""),
                ns[1].as_f64().unwrap_or(0.0),
                ns[2].as_f64().unwrap_or(0.0),
            ),
        );
        assert_eq!(Some(got), c[3].as_bool(), "{}", c[0]);
    }
    println!("inNamespace: {} passed, 0 failed", cases.len());
}

#[test]
fn get_equal_weights_all_cases() {
    let cases = section("getEqualWeights");
    for c in &cases {
        let got: Vec<f64> = get_equal_weights(c[0].as_i64().unwrap_or(0))
            .into_iter()
            .map(floor8)
            .collect();
        let want: Vec<f64> = c[1]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_f64).map(floor8).collect())
            .unwrap_or_default();
        assert_eq!(got, want, "getEqualWeights({})", c[0]);
    }
    println!("getEqualWeights: {} passed, 0 failed", cases.len());
}

//! GrowthBook's cross-SDK conformance suite (`shared/conformance/growthbook/cases.json`,
//! spec 0.8.0), run against the pure core: every `evalCondition`, `hash`,
//! `getBucketRange`, `chooseVariation`, `inNamespace` and `getEqualWeights` case.
//!
//! Run `cargo test --test growthbook_conformance -- --nocapture` to see the counts.

use attune::core::json::Value;
use attune::core::rules::{
    choose_variation, get_bucket_ranges, get_equal_weights, hash, in_namespace,
};

const CASES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/conformance/growthbook/cases.json"
);

fn section(name: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(CASES).unwrap_or_else(|e| panic!("{CASES}: {e}"));
    let all = Value::parse(&text).unwrap_or_else(|e| panic!("cases.json: {}", e.text()));
    all[name].as_array().cloned().expect("section is an array")
}

/// GrowthBook's SDK tests compare floats after `Math.floor(x * 1e8) / 1e8`.
fn round8(x: f64) -> f64 {
    (x * 1e8).floor() / 1e8
}

fn f64s(v: &Value) -> Vec<f64> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default()
}

/// Fails with every mismatch listed, after printing the count line.
fn report(section: &str, total: usize, failures: &[String]) {
    println!(
        "growthbook conformance: {section}: {}/{total} passed",
        total - failures.len()
    );
    assert!(
        failures.is_empty(),
        "{section} failures:\n{}",
        failures.join("\n")
    );
}

/// The `evalCondition` cases need a real regex engine (several expect a match).
#[cfg(feature = "native-regex")]
mod conditions {
    use super::*;
    use attune::core::json::Map;
    use attune::core::rules::{CompileMode, Condition, NativeRegex, RuleSet};

    /// The conformance conditions that strict mode rejects, on purpose: each
    /// is malformed configuration that GrowthBook silently answers `false` to.
    /// (Keyed by name; all of these names are unique in the suite.)
    const STRICT_REJECTS: &[(&str, &str)] = &[
        // `$in`-style operators need an array; GrowthBook returns false for `1`.
        ("$in - not array", "num.$in"),
        ("$nin - not array", "num.$nin"),
        ("$ini - not array", "num.$ini"),
        ("$nini - not array", "num.$nini"),
        // A typo'd operator (`$regx`) is exactly what validation must catch.
        ("unknown operator - pass", "name.$regx"),
        // `/???***[)` is not a valid pattern in any engine; GrowthBook catches
        // the exception and answers false.
        ("$regex invalid - pass", "name.$regex"),
        ("$regex invalid - fail", "name.$regex"),
    ];

    fn parts(case: &Value) -> (String, &Value, &Value, bool, Option<&Map>) {
        let name = case[0].as_str().unwrap_or_default().to_string();
        let groups = case.at(4).and_then(Value::as_object);
        (
            name,
            &case[1],
            &case[2],
            case[3].as_bool().expect("bool"),
            groups,
        )
    }

    #[test]
    fn eval_condition_lenient() {
        let cases = section("evalCondition");
        assert_eq!(cases.len(), 248);
        let mut failures = Vec::new();
        for (i, case) in cases.iter().enumerate() {
            let (name, cond, attrs, expected, groups) = parts(case);
            let got = Condition::lenient(cond, &NativeRegex).eval(attrs, groups);
            if got != expected {
                failures.push(format!("#{i} {name}: expected {expected}, got {got}"));
            }
        }
        report("evalCondition (lenient)", cases.len(), &failures);
    }

    /// All 248 conditions compiled into one `RuleSet` (shared arena, shared
    /// tests); each answers its own case's document as GrowthBook does.
    #[test]
    fn eval_condition_through_one_rule_set() {
        let cases = section("evalCondition");
        let mut set = RuleSet::new(CompileMode::Lenient);
        for case in &cases {
            set.push(&case[1], "", &NativeRegex)
                .expect("lenient compiles");
        }
        let mut failures = Vec::new();
        for (i, case) in cases.iter().enumerate() {
            let (name, _, attrs, expected, groups) = parts(case);
            let answers = set.eval_all(attrs, groups);
            if answers[i] != expected {
                failures.push(format!(
                    "#{i} {name}: expected {expected}, got {}",
                    answers[i]
                ));
            }
        }
        report("evalCondition (one rule set)", cases.len(), &failures);
    }

    #[test]
    fn eval_condition_strict() {
        let cases = section("evalCondition");
        let mut failures = Vec::new();
        let (mut same, mut rejected) = (0, 0);
        for (i, case) in cases.iter().enumerate() {
            let (name, cond, attrs, expected, groups) = parts(case);
            let reject = STRICT_REJECTS.iter().find(|(n, _)| *n == name);
            let compiled =
                Condition::compile_with_mode(cond, "", &NativeRegex, CompileMode::Strict);
            match (compiled, reject) {
                (Ok(c), None) if c.eval(attrs, groups) == expected => same += 1,
                (Ok(_), None) => failures.push(format!("#{i} {name}: strict result differs")),
                (Ok(_), Some(_)) => failures.push(format!("#{i} {name}: strict accepted it")),
                (Err(e), Some((_, path))) if e.path() == *path && e.code() == "invalid_config" => {
                    rejected += 1
                }
                (Err(e), _) => failures.push(format!("#{i} {name}: unexpected error {e}")),
            }
        }
        println!(
            "growthbook conformance: evalCondition (strict): {same} same result, {rejected} rejected as malformed"
        );
        assert_eq!(rejected, STRICT_REJECTS.len());
        report("evalCondition (strict)", cases.len(), &failures);
    }
}

#[test]
fn hash_cases() {
    let cases = section("hash");
    let mut failures = Vec::new();
    for case in &cases {
        let (seed, value) = (
            case[0].as_str().unwrap_or(""),
            case[1].as_str().unwrap_or(""),
        );
        let version = case[2].as_i64().expect("version");
        let got = hash(seed, value, version);
        if got != case[3].as_f64() {
            failures.push(format!("{}: got {got:?}", case.to_json()));
        }
    }
    report("hash", cases.len(), &failures);
}

#[test]
fn get_bucket_range_cases() {
    let cases = section("getBucketRange");
    let mut failures = Vec::new();
    for case in &cases {
        let args = &case[1];
        let n = i32::try_from(args[0].as_i64().expect("n")).expect("small n");
        let coverage = args[1].as_f64().expect("coverage");
        let weights = args[2].as_array().map(|_| f64s(&args[2]));
        let got: Vec<(f64, f64)> = get_bucket_ranges(n, coverage, weights.as_deref())
            .into_iter()
            .map(|(a, b)| (round8(a), round8(b)))
            .collect();
        let expected: Vec<(f64, f64)> = case[2]
            .as_array()
            .expect("ranges")
            .iter()
            .map(|r| {
                (
                    round8(r[0].as_f64().unwrap_or(f64::NAN)),
                    round8(r[1].as_f64().unwrap_or(f64::NAN)),
                )
            })
            .collect();
        if got != expected {
            failures.push(format!("{}: got {got:?}", case[0].to_json()));
        }
    }
    report("getBucketRange", cases.len(), &failures);
}

#[test]
fn choose_variation_cases() {
    let cases = section("chooseVariation");
    let mut failures = Vec::new();
    for case in &cases {
        let ranges: Vec<(f64, f64)> = case[2]
            .as_array()
            .expect("ranges")
            .iter()
            .map(|r| {
                (
                    r[0].as_f64().unwrap_or(f64::NAN),
                    r[1].as_f64().unwrap_or(f64::NAN),
                )
            })
            .collect();
        let got = choose_variation(case[1].as_f64().expect("n"), &ranges);
        if Some(i64::from(got)) != case[3].as_i64() {
            failures.push(format!("{}: got {got}", case[0].to_json()));
        }
    }
    report("chooseVariation", cases.len(), &failures);
}

#[test]
fn in_namespace_cases() {
    let cases = section("inNamespace");
    let mut failures = Vec::new();
    for case in &cases {
        let ns = &case[2];
        let namespace = (
            ns[0].as_str().expect("name"),
            ns[1].as_f64().expect("start"),
            ns[2].as_f64().expect("end"),
        );
        let got = in_namespace(case[1].as_str().expect("id"), namespace);
        if Some(got) != case[3].as_bool() {
            failures.push(format!("{}: got {got}", case[0].to_json()));
        }
    }
    report("inNamespace", cases.len(), &failures);
}

#[test]
fn get_equal_weights_cases() {
    let cases = section("getEqualWeights");
    let mut failures = Vec::new();
    for case in &cases {
        let n = i32::try_from(case[0].as_i64().expect("n")).expect("small n");
        let got: Vec<f64> = get_equal_weights(n).into_iter().map(round8).collect();
        let expected: Vec<f64> = f64s(&case[1]).into_iter().map(round8).collect();
        if got != expected {
            failures.push(format!("{n}: got {got:?}"));
        }
    }
    report("getEqualWeights", cases.len(), &failures);
}

//! Differential cases: random conditions and attributes answered by GrowthBook's
//! own JS SDK 1.8.0 (see `tests/fixtures/growthbook_fuzz.mjs` for how they are
//! made). Where GrowthBook throws, Attune answers `false`. Strict mode must give
//! the same answer whenever it accepts the condition.

#![cfg(feature = "native-regex")]

use attune::core::json::Value;
use attune::core::rules::{CompileMode, Condition, NativeRegex, RuleSet};

/// The corpus: `{"groups": saved groups, "cases": [[condition, attributes, answer]]}`.
fn corpus() -> Value {
    Value::parse(include_str!("fixtures/growthbook_fuzz.json"))
        .unwrap_or_else(|e| panic!("fixture: {}", e.text()))
}

#[test]
fn random_conditions_match_growthbook() {
    let data = corpus();
    let groups = data["groups"].as_object();
    let cases = data["cases"].as_array().expect("cases");
    let mut failures = Vec::new();
    let mut strict_accepted = 0;
    for (i, case) in cases.iter().enumerate() {
        let (cond, attrs) = (&case[0], &case[1]);
        let expected = case[2].as_bool().unwrap_or(false); // "throw" → false
        let got = Condition::lenient(cond, &NativeRegex).eval(attrs, groups);
        if got != expected {
            failures.push(format!(
                "#{i}: expected {}, got {got}\n  {}\n  {}",
                case[2].to_json(),
                cond.to_json(),
                attrs.to_json()
            ));
        }
        if let Ok(strict) =
            Condition::compile_with_mode(cond, "", &NativeRegex, CompileMode::Strict)
        {
            strict_accepted += 1;
            if strict.eval(attrs, groups) != got {
                failures.push(format!(
                    "#{i}: strict and lenient differ\n  {}",
                    cond.to_json()
                ));
            }
        }
    }
    println!(
        "growthbook fuzz: {}/{} match GrowthBook 1.8.0; strict accepted {strict_accepted}",
        cases.len() - failures.len(),
        cases.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every corpus condition compiled into one [`RuleSet`] (a shared arena with
/// deduplicated tests) answers, on many documents, exactly as each condition
/// evaluated alone — GrowthBook's answer for that document.
#[test]
fn one_rule_set_answers_like_separate_evaluation() {
    let data = corpus();
    let groups = data["groups"].as_object();
    let cases = data["cases"].as_array().expect("cases");
    let mut set = RuleSet::new(CompileMode::Lenient);
    let alone: Vec<Condition> = cases
        .iter()
        .map(|case| {
            set.push(&case[0], "", &NativeRegex)
                .expect("lenient compiles");
            Condition::lenient(&case[0], &NativeRegex)
        })
        .collect();
    assert!(set.distinct_tests() < cases.len() * 3, "tests are shared");
    let mut compared = 0;
    for case in cases.iter().step_by(20) {
        let attrs = &case[1];
        set.eval_each(attrs, groups, |i, got| {
            assert_eq!(
                got,
                alone[i].eval(attrs, groups),
                "condition #{i} on {}",
                attrs.to_json()
            );
            compared += 1;
        });
    }
    // Each condition against its own case's document: GrowthBook's answer.
    for (i, case) in cases.iter().enumerate() {
        let expected = case[2].as_bool().unwrap_or(false);
        let mut got = None;
        set.eval_each(&case[1], groups, |j, on| {
            if j == i {
                got = Some(on);
            }
        });
        assert_eq!(got, Some(expected), "#{i}: {}", case[0].to_json());
    }
    assert!(compared >= 40_000, "compared {compared}");
}

//! Experiments through Attune's own experiment code path (`Experiment::parse`
//! and `assign`, as placements use them): every hashing and bucketing case of
//! GrowthBook's cross-SDK suite (`hash`, `getBucketRange`, `chooseVariation`,
//! and the `run` cases that only use what placements support), and the split
//! of 100,000 ids.

use attune::core::experiment::{Experiment, Outcome};
use attune::core::json::{Map, Value as Doc};
use attune::core::rules::NativeRegex;
use serde_json::{json, Value};

/// A serde_json value (how this test builds its inputs) as the core's JSON value.
fn doc(v: &Value) -> Doc {
    Doc::parse(&v.to_string()).unwrap_or_else(|e| panic!("{}", e.text()))
}

/// The attribute document `{"anonymousId": "visitor-<i>"}`.
fn visitor(i: usize) -> Doc {
    let mut m = Map::new();
    m.insert("anonymousId", Doc::from(format!("visitor-{i}")));
    Doc::Object(m)
}

fn section(name: &str) -> Vec<Value> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/conformance/growthbook/cases.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let all: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    all[name].as_array().cloned().unwrap_or_default()
}

fn ids(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("v{i}")).collect()
}

fn parse(exp: Value, arms: usize) -> Result<Experiment, String> {
    let mut placement = Map::new();
    placement.insert("experiment", doc(&exp));
    Experiment::parse(
        &placement,
        "placements[0]",
        "hero",
        &ids(arms),
        &NativeRegex,
    )
    .map_err(|e| e.to_string())?
    .ok_or_else(|| "no experiment".to_string())
}

fn round(x: f64) -> f64 {
    (x * 1e8).round() / 1e8
}

#[test]
fn growthbook_hash_cases_through_assign() {
    let cases = section("hash");
    assert_eq!(cases.len(), 15);
    for c in &cases {
        let (seed, value, version) = (
            c[0].as_str().unwrap_or(""),
            c[1].as_str().unwrap_or(""),
            &c[2],
        );
        let exp = parse(
            json!({"seed": seed, "hashVersion": version, "hashAttribute": "id"}),
            2,
        );
        match (exp, c[3].as_f64()) {
            (Ok(e), Some(want)) => match e.assign(&doc(&json!({"id": value})), &ids(2), None) {
                Outcome::Assigned(_, info) => assert_eq!(info.bucket.map(round), Some(want), "{c}"),
                other => panic!("{c}: {other:?}"),
            },
            // GrowthBook's hash is null for unknown versions; a placement refuses them.
            (Err(msg), None) => {
                assert_eq!(msg, "placements[0].experiment.hashVersion: expected 1 or 2")
            }
            (r, want) => panic!("{c}: got {:?}, want {want:?}", r.map(|_| ())),
        }
    }
}

/// Weights and coverage that make `getBucketRanges` return `ranges`.
fn weights_for(ranges: &[(f64, f64)]) -> (Vec<f64>, f64) {
    let starts: Vec<f64> = ranges.iter().map(|r| r.0).collect();
    let weights: Vec<f64> = (0..starts.len())
        .map(|i| starts.get(i + 1).copied().unwrap_or(1.0) - starts[i])
        .collect();
    let coverage = ranges
        .iter()
        .zip(&weights)
        .find(|(_, w)| **w > 0.0)
        .map_or(1.0, |(r, w)| (r.1 - r.0) / w);
    (weights, coverage)
}

fn pairs(v: &Value) -> Vec<(f64, f64)> {
    v.as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            (
                r[0].as_f64().unwrap_or(f64::NAN),
                r[1].as_f64().unwrap_or(f64::NAN),
            )
        })
        .collect()
}

#[test]
fn growthbook_bucket_range_cases_through_the_experiment() {
    let cases = section("getBucketRange");
    assert_eq!(cases.len(), 13);
    let mut refused = 0;
    for c in &cases {
        let args = &c[1];
        let n = args[0].as_u64().unwrap_or(0) as usize;
        let mut exp = json!({"coverage": args[1]});
        if !args[2].is_null() {
            exp["weights"] = args[2].clone();
        }
        let want = pairs(&c[2]);
        match parse(exp, n) {
            Ok(e) => {
                let got: Vec<(f64, f64)> = e
                    .ranges()
                    .iter()
                    .map(|r| (round(r.0), round(r.1)))
                    .collect();
                assert_eq!(got, want, "{}", c[0]);
            }
            // Where GrowthBook silently falls back (weights not summing to 1, of
            // the wrong length; coverage outside [0, 1]), a placement reports the
            // path instead and is disabled.
            Err(msg) => {
                refused += 1;
                assert!(
                    msg.contains("experiment.weights") || msg.contains("experiment.coverage"),
                    "{}: {msg}",
                    c[0]
                );
            }
        }
    }
    assert_eq!(
        refused, 5,
        "negative/above-1 coverage and three bad weight lists are refused"
    );
}

#[test]
fn growthbook_choose_variation_cases_through_the_experiment() {
    let cases = section("chooseVariation");
    assert_eq!(cases.len(), 13);
    for c in &cases {
        let ranges = pairs(&c[2]);
        let (weights, coverage) = weights_for(&ranges);
        let e = parse(
            json!({"weights": weights, "coverage": coverage}),
            ranges.len(),
        )
        .unwrap_or_else(|m| panic!("{}: {m}", c[0]));
        assert_eq!(e.ranges(), ranges, "{}", c[0]);
        let want = c[3].as_i64().unwrap_or(-2);
        let got = e
            .choose(c[1].as_f64().unwrap_or(f64::NAN))
            .map_or(-1, |i| i as i64);
        assert_eq!(got, want, "{}", c[0]);
    }
}

#[test]
fn growthbook_run_cases_that_placements_support() {
    let supported = [
        "key",
        "variations",
        "weights",
        "coverage",
        "seed",
        "hashAttribute",
        "hashVersion",
        "condition",
    ];
    let mut ran = 0;
    for c in section("run") {
        let (name, ctx, exp) = (&c[0], &c[1], &c[2]);
        let plain_ctx = ctx
            .as_object()
            .is_some_and(|o| o.keys().all(|k| k == "attributes"));
        let plain_exp = exp
            .as_object()
            .is_some_and(|o| o.keys().all(|k| supported.contains(&k.as_str())));
        if !plain_ctx || !plain_exp {
            continue;
        }
        let variations = exp["variations"].as_array().cloned().unwrap_or_default();
        let mut cfg = json!({
            "key": exp["key"], "hashAttribute": exp.get("hashAttribute").cloned().unwrap_or(json!("id")),
            "hashVersion": exp.get("hashVersion").cloned().unwrap_or(json!(1)),
        });
        for k in ["weights", "coverage", "seed"] {
            if let Some(v) = exp.get(k) {
                cfg[k] = v.clone();
            }
        }
        if let Some(cond) = exp.get("condition") {
            cfg["when"] = cond.clone();
        }
        let e = parse(cfg, variations.len()).unwrap_or_else(|m| panic!("{name}: {m}"));
        let attrs = ctx.get("attributes").cloned().unwrap_or(json!({}));
        let (in_experiment, value) = match e.assign(&doc(&attrs), &ids(variations.len()), None) {
            Outcome::Assigned(i, _) => (true, variations[i].clone()),
            _ => (false, variations.first().cloned().unwrap_or(Value::Null)),
        };
        assert_eq!(
            in_experiment,
            c[4].as_bool().unwrap_or(false),
            "{name}: inExperiment"
        );
        assert_eq!(value, c[3], "{name}: value");
        ran += 1;
    }
    assert_eq!(ran, 50, "run cases exercised");
}

/// 100,000 ids split 50/30/20 (hash v2, the default). Each share must be
/// within 0.5 percentage points of its weight: the standard deviation of a
/// share is sqrt(p(1-p)/n) ≤ 0.00158 at n = 100,000, so 0.5 pp is more than
/// 3 standard deviations for every arm — a fair hash passes, while a bias
/// of 1 pp (what an off-by-one range or a biased hash gives) fails. The hash
/// is deterministic, so the test cannot flake.
#[test]
fn one_hundred_thousand_ids_split_by_the_weights() {
    let n = 100_000;
    let e = parse(json!({"key": "dist", "weights": [0.5, 0.3, 0.2]}), 3)
        .unwrap_or_else(|m| panic!("{m}"));
    let mut counts = [0usize; 3];
    for i in 0..n {
        if let Outcome::Assigned(a, _) = e.assign(&visitor(i), &ids(3), None) {
            counts[a] += 1;
        }
    }
    assert_eq!(
        counts.iter().sum::<usize>(),
        n,
        "coverage 1: everyone is assigned"
    );
    for (c, w) in counts.iter().zip([0.5, 0.3, 0.2]) {
        let share = *c as f64 / n as f64;
        assert!(
            (share - w).abs() < 0.005,
            "share {share} vs weight {w} ({counts:?})"
        );
    }
    // Holdout 10 % and coverage 50 %: 10 % default, then half of the rest bucketed.
    let e = parse(json!({"key": "dist2", "holdout": 0.1, "coverage": 0.5}), 2)
        .unwrap_or_else(|m| panic!("{m}"));
    let (mut held, mut assigned) = (0usize, 0usize);
    for i in 0..n {
        match e.assign(&visitor(i), &ids(2), None) {
            Outcome::Holdout(_) => held += 1,
            Outcome::Assigned(..) => assigned += 1,
            Outcome::Skipped(..) => {}
        }
    }
    let (h, a) = (held as f64 / n as f64, assigned as f64 / n as f64);
    assert!((h - 0.1).abs() < 0.005, "holdout share {h}");
    assert!((a - 0.45).abs() < 0.005, "assigned share {a}");
}

//! Native benchmark of the condition engine: 1,000 GrowthBook conditions of
//! mixed operators against one attribute document.
//!
//! The conditions are generated exactly as `shared/bench/lib/gbdata.mjs`
//! generates them for the browser benchmark (same LCG, same seed 42, same four
//! rule shapes), so these figures line up with the browser `eval` phase.
//!
//! Run: `cargo bench --bench rules` (bench profile = release settings).

use std::hint::black_box;
use std::time::{Duration, Instant};

use attune::core::json::Value;
use attune::core::rules::{CompileMode, Condition, NativeRegex, RuleSet};

/// serde_json's `json!`, read back as the core's `Value` (outside the timed regions).
macro_rules! json {
    ($($t:tt)+) => {
        Value::parse(&serde_json::json!($($t)+).to_string()).unwrap_or_else(|e| panic!("{}", e.text()))
    };
}

const COUNTRIES: &[&str] = &[
    "US", "CA", "GB", "DE", "FR", "ES", "IT", "NL", "SE", "BR", "MX", "JP", "AU", "IN",
];
const TAGS: &[&str] = &["vip", "beta", "new", "churn-risk", "b2b", "student"];
const PLANS: &[&str] = &["free", "pro", "team", "enterprise"];
const PATHS: &[&str] = &["^/products/", "^/cart", "^/checkout", "^/blog/", "/shoes$"];

/// gbdata.mjs's `rng`: a 32-bit LCG returning values in `[0, 1)`.
struct Rng(u32);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        f64::from(self.0) / 4_294_967_296.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() * n as f64).floor() as usize
    }
    fn pick(&mut self, items: &[&'static str]) -> &'static str {
        items[self.below(items.len())]
    }
}

/// gbdata.mjs's `makeRules(n, seed)`, GrowthBook form only.
fn make_rules(n: usize, seed: u32) -> Vec<Value> {
    let mut r = Rng(seed);
    (0..n)
        .map(|i| match i % 4 {
            0 => {
                let c = [r.pick(COUNTRIES), r.pick(COUNTRIES)];
                let k = r.below(10);
                let tag = r.pick(TAGS);
                json!({"$and": [
                    {"country": {"$in": c}},
                    {"visits": {"$gt": k}},
                    {"tags": {"$elemMatch": {"$eq": tag}}}
                ]})
            }
            1 => {
                let plan = r.pick(PLANS);
                let k = r.below(10);
                json!({"$or": [
                    {"plan": plan},
                    {"$and": [{"visits": {"$gte": k}}, {"device": {"$in": ["mobile", "tablet"]}}]}
                ]})
            }
            2 => {
                let re = r.pick(PATHS);
                let nin = [r.pick(COUNTRIES), r.pick(COUNTRIES), r.pick(COUNTRIES)];
                let lo = 16 + r.below(20);
                let hi = lo + 10 + r.below(30);
                json!({"url": {"$regex": re}, "country": {"$nin": nin}, "age": {"$gte": lo, "$lt": hi}})
            }
            _ => {
                let tag = r.pick(TAGS);
                let k = r.below(10);
                json!({"tags": {"$all": ["vip", tag]}, "visits": {"$lte": k + 2}, "plan": {"$exists": true}})
            }
        })
        .collect()
}

/// Best (least disturbed) of `rounds` timings of `passes` evaluations of `conds`.
fn time_eval(conds: &[Condition], user: &Value, passes: u32, rounds: u32) -> (Duration, usize) {
    let mut best = Duration::MAX;
    let mut matched = 0;
    for _ in 0..rounds {
        let start = Instant::now();
        for _ in 0..passes {
            matched = conds
                .iter()
                .filter(|c| c.eval(black_box(user), None))
                .count();
            black_box(matched);
        }
        best = best.min(start.elapsed() / passes);
    }
    (best, matched)
}

fn main() {
    let user = json!({"id": "u-123", "country": "US", "visits": 5, "tags": ["vip", "beta"],
        "plan": "pro", "device": "desktop", "url": "/products/shoes", "age": 34});
    let rules = make_rules(1000, 42);

    // Compile (strict mode: the config path), best of 5. The previous round's
    // conditions are dropped outside the timed region.
    let mut compile = Duration::MAX;
    let mut conds = Vec::new();
    for _ in 0..5 {
        drop(std::mem::take(&mut conds));
        let start = Instant::now();
        conds = rules
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let path = format!("rules[{i}]");
                Condition::compile_with_mode(r, &path, &NativeRegex, CompileMode::Strict)
            })
            .collect::<Result<Vec<_>, _>>()
            .expect("generated conditions are valid");
        compile = compile.min(start.elapsed());
    }

    // Warm up, then time.
    let _ = time_eval(&conds, &user, 200, 1);
    let (per_pass, matched) = time_eval(&conds, &user, 500, 7);
    let ns_per_cond = per_pass.as_nanos() as f64 / conds.len() as f64;

    println!(
        "attune rules bench: {} conditions (gbdata.mjs, seed 42), {matched} match USER",
        conds.len()
    );
    println!(
        "  eval:    {ns_per_cond:.1} ns/condition, {:.1} µs per 1,000 (target ≤ 500 µs)",
        per_pass.as_nanos() as f64 / 1000.0 * 1000.0 / conds.len() as f64
    );
    println!(
        "  compile: {:.0} ns/condition, {:.1} µs per 1,000 (strict, incl. regex compilation)",
        compile.as_nanos() as f64 / conds.len() as f64,
        compile.as_nanos() as f64 / 1000.0 * 1000.0 / conds.len() as f64
    );
    // The same set as one RuleSet (what `ConditionSet` and segments use).
    let mut set = RuleSet::new(CompileMode::Strict);
    for r in &rules {
        set.push(r, "", &NativeRegex)
            .expect("generated conditions are valid");
    }
    let time_set = |passes: u32, rounds: u32| {
        let mut best = Duration::MAX;
        let mut n = 0;
        for _ in 0..rounds {
            let start = Instant::now();
            for _ in 0..passes {
                n = set.count_matching(black_box(&user), None);
                black_box(n);
            }
            best = best.min(start.elapsed() / passes);
        }
        (best, n)
    };
    let _ = time_set(200, 1);
    let (t, n) = time_set(500, 7);
    assert_eq!(n, matched, "the rule set answers as the conditions do");
    println!(
        "  eval as one RuleSet ({} distinct tests): {:.1} ns/condition, {:.1} µs per 1,000",
        set.distinct_tests(),
        t.as_nanos() as f64 / rules.len() as f64,
        t.as_nanos() as f64 / 1000.0 * 1000.0 / rules.len() as f64
    );
    // Per rule shape (every 4th condition), to show where the time goes.
    let shapes = [
        "$and/$in/$gt/$elemMatch",
        "$or/eq/$and/$gte/$in",
        "$regex/$nin/$gte+$lt",
        "$all/$lte/$exists",
    ];
    for (shape, name) in shapes.iter().enumerate() {
        let subset: Vec<Condition> = conds.iter().skip(shape).step_by(4).cloned().collect();
        let (t, _) = time_eval(&subset, &user, 1000, 5);
        println!(
            "  shape {shape} ({name}): {:.1} ns/condition",
            t.as_nanos() as f64 / subset.len() as f64
        );
    }
}

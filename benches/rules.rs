//! Rule evaluation speed, natively: 1,000 GrowthBook conditions of mixed
//! operators (the same generator as `../shared/bench/lib/gbdata.mjs`, so the
//! browser run compares like with like) evaluated against one attribute document.
//!
//! `cargo bench --bench rules` prints ns per condition and µs per 1,000.

use attune::core::rules::{Condition, NativeRegex};
use serde_json::{json, Value};
use std::hint::black_box;
use std::time::Instant;

/// The harness's LCG: `s = (s * 1664525 + 1013904223) >>> 0; s / 2^32`.
struct Lcg(u32);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        f64::from(self.0) / 4_294_967_296.0
    }
    fn pick<'a>(&mut self, a: &[&'a str]) -> &'a str {
        a[(self.next() * a.len() as f64).floor() as usize]
    }
    fn int(&mut self, n: f64) -> i64 {
        (self.next() * n).floor() as i64
    }
}

const COUNTRIES: [&str; 14] = [
    "US", "CA", "GB", "DE", "FR", "ES", "IT", "NL", "SE", "BR", "MX", "JP", "AU", "IN",
];
const TAGS: [&str; 6] = ["vip", "beta", "new", "churn-risk", "b2b", "student"];
const PLANS: [&str; 4] = ["free", "pro", "team", "enterprise"];
const PATHS: [&str; 5] = ["^/products/", "^/cart", "^/checkout", "^/blog/", "/shoes$"];

fn make_rules(n: usize, seed: u32) -> Vec<Value> {
    let mut r = Lcg(seed);
    (0..n)
        .map(|i| match i % 4 {
            0 => {
                let c = [r.pick(&COUNTRIES), r.pick(&COUNTRIES)];
                let (k, tag) = (r.int(10.0), r.pick(&TAGS));
                json!({"$and": [{"country": {"$in": c}}, {"visits": {"$gt": k}}, {"tags": {"$elemMatch": {"$eq": tag}}}]})
            }
            1 => {
                let (plan, k) = (r.pick(&PLANS), r.int(10.0));
                json!({"$or": [{"plan": plan}, {"$and": [{"visits": {"$gte": k}}, {"device": {"$in": ["mobile", "tablet"]}}]}]})
            }
            2 => {
                let re = r.pick(&PATHS);
                let nin = [r.pick(&COUNTRIES), r.pick(&COUNTRIES), r.pick(&COUNTRIES)];
                let lo = 16 + r.int(20.0);
                let hi = lo + 10 + r.int(30.0);
                json!({"url": {"$regex": re}, "country": {"$nin": nin}, "age": {"$gte": lo, "$lt": hi}})
            }
            _ => {
                let (tag, k) = (r.pick(&TAGS), r.int(10.0));
                json!({"tags": {"$all": ["vip", tag]}, "visits": {"$lte": k + 2}, "plan": {"$exists": true}})
            }
        })
        .collect()
}

fn main() {
    let user = json!({"id": "u-123", "country": "US", "visits": 5, "tags": ["vip", "beta"], "plan": "pro", "device": "desktop", "url": "/products/shoes", "age": 34});
    let rules = make_rules(1000, 42);
    let t = Instant::now();
    let compiled: Vec<Condition> = rules
        .iter()
        .map(|r| Condition::lenient(r, &NativeRegex))
        .collect();
    let compile_us = t.elapsed().as_secs_f64() * 1e6;
    let matched = compiled.iter().filter(|c| c.eval(&user, None)).count();

    let runs = 2000;
    let mut best = f64::INFINITY;
    let mut total = 0.0;
    for _ in 0..runs {
        let t = Instant::now();
        let mut on = 0;
        for c in &compiled {
            if black_box(c).eval(black_box(&user), None) {
                on += 1;
            }
        }
        black_box(on);
        let us = t.elapsed().as_secs_f64() * 1e6;
        best = best.min(us);
        total += us;
    }
    let mean = total / f64::from(runs);
    println!("rules: 1000 conditions, {matched} match; compile {compile_us:.0} µs once");
    println!("rules: evaluate 1000 = {mean:.1} µs mean, {best:.1} µs best over {runs} runs; {:.1} ns/condition (mean)", mean * 1000.0 / 1000.0);
}

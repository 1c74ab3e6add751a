//! Cost of deciding natively: `Engine::decisions()` over 10 placements (each
//! with 5 variants: conditions on segments/traits/exposures, caps, stopAfter,
//! templated text/html content, and one experiment with a holdout), for a
//! visitor with some history and exposures. Also `decide("p0")` alone.
//!
//! `cargo bench --bench decide` prints µs per call.

use attune::core::engine::{Engine, Platform};
use attune::core::json::Value;
use attune::core::platform::{FakeClock, MemoryStorage, SeededRandom};
use attune::core::rules::NoRegex;
use serde_json::json;
use std::hint::black_box;
use std::rc::Rc;
use std::time::Instant;

/// A `serde_json` value as a core [`Value`].
fn core(v: serde_json::Value) -> Value {
    Value::parse(&v.to_string()).unwrap_or_default()
}

fn config() -> Value {
    let placements: Vec<serde_json::Value> = (0..10)
        .map(|i| {
            json!({
                "slot": format!("p{i}"),
                "caps": {"session": 50},
                "experiment": if i % 3 == 0 { json!({"variants": ["a", "b"], "holdout": 0.05}) } else { serde_json::Value::Null },
                "variants": [
                    {"id": "vip", "when": {"segments.vip": true, "traits.plan": "gold"}, "content": {"text": "Hi {{traits.firstName | default: \"there\"}}"}},
                    {"id": "step2", "when": {"exposures.p0.a.views": {"$gte": 1}}, "content": {"html": "<strong>{{traits.firstName}}</strong> <a href=\"/x?c={{channel}}\">go</a>"}},
                    {"id": "a", "caps": {"day": 5}, "stopAfter": {"events": ["Order Completed"]}, "content": {"html": "<em>A</em> for {{traits.firstName}}"}},
                    {"id": "b", "content": {"text": "B", "classes": {"add": ["promo"]}}},
                    {"id": "fallback", "content": {"attributes": {"href": "/cart?from={{channel}}"}}}
                ]
            })
        })
        .collect();
    core(json!({
        "segments": {"vip": {"events.Order Completed.count": {"$gte": 3}}, "returning": {"events.Page Viewed.count": {"$gte": 2}}},
        "placements": placements
    }))
}

fn main() {
    let clock = Rc::new(FakeClock::new(1_790_000_000_000.0));
    let platform = Platform {
        clock: clock.clone(),
        random: Rc::new(SeededRandom::new(9)),
        storage: Rc::new(MemoryStorage::new()),
        regex: Box::new(NoRegex),
    };
    let Ok(mut e) = Engine::new(&config(), platform) else {
        eprintln!("config failed");
        return;
    };
    let _ = e.identify(
        Some("u1".into()),
        core(json!({"firstName": "Ann", "plan": "silver"}))
            .as_object()
            .cloned(),
    );
    for i in 0..20 {
        clock.advance(30_000.0);
        let _ = e.page(None, None);
        let _ = e.track("Product Viewed", None);
        let _ = e.viewed(&format!("p{}", i % 10));
    }
    let n = 20_000;
    let t = Instant::now();
    for _ in 0..n {
        black_box(e.decisions());
    }
    let all = t.elapsed().as_secs_f64() * 1e6 / f64::from(n);
    let t = Instant::now();
    for _ in 0..n {
        black_box(e.decide("p0"));
    }
    let one = t.elapsed().as_secs_f64() * 1e6 / f64::from(n);
    println!("decisions() over 10 placements x 5 variants: {all:.2} µs/call");
    println!("decide(\"p0\") (experiment + holdout, templated html): {one:.2} µs/call");
    static_banner();
}

/// A hero banner of fixed markup (no placeholders): what most placements are.
fn static_banner() {
    let html = "<div class=\"hero\"><h2>Spring sale</h2><p>Up to <strong>30 %</strong> off \
        running shoes, this week only.</p><a href=\"/sale?utm_source=site\">Shop the sale</a>\
        <img src=\"/img/spring.jpg\" alt=\"Runners on a trail\"></div>";
    let config = core(
        json!({"placements": [{"slot": "hero", "variants": [{"id": "sale", "content": {"html": html}}]}]}),
    );
    let platform = Platform {
        clock: Rc::new(FakeClock::new(1_790_000_000_000.0)),
        random: Rc::new(SeededRandom::new(9)),
        storage: Rc::new(MemoryStorage::new()),
        regex: Box::new(NoRegex),
    };
    let Ok(mut e) = Engine::new(&config, platform) else {
        eprintln!("config failed");
        return;
    };
    let n = 20_000;
    let t = Instant::now();
    for _ in 0..n {
        black_box(e.decide("hero"));
    }
    let us = t.elapsed().as_secs_f64() * 1e6 / f64::from(n);
    println!(
        "decide(\"hero\") (static html banner, {} bytes): {us:.2} µs/call",
        html.len()
    );
}

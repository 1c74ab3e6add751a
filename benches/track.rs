//! Per-event engine cost, natively: `Engine::track` with a collector, a few
//! segments and a placement (what one `attune.track()` costs before the web
//! layer's boundary crossing and DOM work).
//!
//! `cargo bench --bench track` prints µs per event.

use attune::core::engine::{Engine, Platform};
use attune::core::json::Value;
use attune::core::platform::{FakeClock, MemoryStorage, SeededRandom};
use attune::core::rules::NativeRegex;
use std::rc::Rc;
use std::time::Instant;

/// `serde_json::json!` as a core [`Value`].
macro_rules! json {
    ($($t:tt)+) => {
        Value::parse(&serde_json::json!($($t)+).to_string()).expect("json")
    };
}

fn main() {
    let config = json!({
        "collector": {"url": "http://127.0.0.1/v1/batch"}, "_": 0,
        "segments": {
            "returning": {"events.Page Viewed.count": {"$gte": 2}},
            "shopper": {"events.Product Viewed.count": {"$gte": 3}, "device.type": {"$in": ["desktop", "mobile"]}},
            "email": {"channel": "email"}
        },
        "placements": [{"slot": "hero", "variants": [
            {"id": "a", "when": {"segments.shopper": true}, "content": {"text": "A"}},
            {"id": "b", "when": {"segments.returning": true}, "content": {"text": "B"}}
        ]}]
    });
    let clock = Rc::new(FakeClock::new(1.8e12));
    let platform = Platform {
        clock: clock.clone(),
        random: Rc::new(SeededRandom::new(1)),
        storage: Rc::new(MemoryStorage::new()),
        regex: Box::new(NativeRegex),
    };
    let mut engine = Engine::new(&config, platform).unwrap_or_else(|e| panic!("{e}"));
    for i in 0..30 {
        let _ = engine.track(&format!("Event {i}"), None);
    }
    let n: u32 = std::env::var("N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let props = json!({"sku": "A1", "price": 10, "category": "shoes"})
        .as_object()
        .cloned();
    let t = Instant::now();
    for i in 0..n {
        clock.advance(10.0);
        let _ = engine.track("Product Viewed", props.clone());
        if i % 100 == 0 {
            let (d, env) = engine.delivery();
            let _ = d.persist(&env);
            engine.persist_profile();
        }
    }
    let us = t.elapsed().as_secs_f64() * 1e6 / f64::from(n);
    println!("track: {us:.2} µs per event natively (3 segments, 1 placement, 30 other event names, collector queue)");

    // As the browser runs a burst: the calls of one task (10 here) defer their
    // segment pass to one settle.
    let t = Instant::now();
    for i in 0..n {
        if i % 10 == 0 {
            engine.defer_refresh();
        }
        clock.advance(10.0);
        let _ = engine.track("Product Viewed", props.clone());
        if i % 10 == 9 {
            engine.settle();
        }
        if i % 100 == 0 {
            let (d, env) = engine.delivery();
            let _ = d.persist(&env);
            engine.persist_profile();
        }
    }
    engine.settle();
    let us = t.elapsed().as_secs_f64() * 1e6 / f64::from(n);
    println!("track, 10 calls per settle: {us:.2} µs per event natively");
}

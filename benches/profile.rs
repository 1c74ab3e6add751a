//! Per-event cost of the engine natively: `Engine::track` with in-memory
//! storage and a fake clock (30 s between events, a new session every 500),
//! with ten metrics and two affinities, and without them for comparison.
//! Each event folds into the profile, saves it and rebuilds the attribute
//! document, as in the browser.
//!
//! `cargo bench --bench profile` prints ns per event and the profile size.

use attune::core::engine::{Engine, Platform};
use attune::core::json::{Map, Value};
use attune::core::platform::{FakeClock, MemoryStorage, SeededRandom};
use attune::core::rules::NoRegex;
use std::hint::black_box;
use std::rc::Rc;
use std::time::Instant;

const EVENTS: u32 = 30_000;

/// `serde_json::json!` as a core [`Value`].
macro_rules! json {
    ($($t:tt)+) => {
        Value::parse(&serde_json::json!($($t)+).to_string()).unwrap_or_default()
    };
}

fn config(computed: bool) -> Value {
    if !computed {
        return json!({});
    }
    json!({
        "metrics": [
            {"id": "views_7d", "event": "Product Viewed", "window": "7d"},
            {"id": "shoe_views_7d", "event": "Product Viewed", "where": {"category": "c1"}, "window": "7d"},
            {"id": "spend", "event": "Order Completed", "aggregate": "sum", "property": "total"},
            {"id": "max_price_24h", "event": "Product Viewed", "aggregate": "max", "property": "price", "window": "24h"},
            {"id": "avg_price_session", "event": "Product Viewed", "aggregate": "avg", "property": "price", "window": "session"},
            {"id": "first_category", "event": "Product Viewed", "aggregate": "first", "property": "category"},
            {"id": "last_category_7d", "event": "Product Viewed", "aggregate": "last", "property": "category", "window": "7d"},
            {"id": "categories_7d", "event": "Product Viewed", "aggregate": "distinct", "property": "category", "window": "7d"},
            {"id": "skus", "event": "Product Viewed", "aggregate": "distinct", "property": "sku"},
            {"id": "searches_48h", "event": "Searched", "window": "48h"}
        ],
        "affinities": [
            {"id": "category", "event": "Product Viewed", "property": "category", "halfLife": "7d"},
            {"id": "brand", "event": "Product Viewed", "property": "brand", "halfLife": "3d"}
        ],
        "segments": {"shoe_fan": {"metrics.shoe_views_7d": {"$gte": 3}}}
    })
}

/// The events, prepared up front so only the engine is timed.
fn events(n: u32) -> Vec<(String, Map)> {
    let mut s: u32 = 1;
    let mut rnd = |m: u32| {
        s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (s >> 8) % m
    };
    (0..n)
        .map(|i| {
            let (name, p) = match i % 10 {
                0..=6 => (
                    "Product Viewed".to_string(),
                    json!({"category": format!("c{}", rnd(100)), "brand": format!("brand-{}", rnd(500)),
                           "sku": format!("SKU-{:05}", rnd(10_000)), "price": f64::from(rnd(300)) + 0.99}),
                ),
                7 => ("Searched".into(), json!({"query": format!("q{}", rnd(1000))})),
                8 => ("Order Completed".into(), json!({"total": f64::from(rnd(500))})),
                _ => (format!("Custom Event {}", rnd(2_000)), json!({})),
            };
            (name, p.as_object().cloned().unwrap_or_default())
        })
        .collect()
}

fn run(computed: bool) -> (f64, usize) {
    let clock = Rc::new(FakeClock::new(1_795_000_000_000.0));
    let platform = Platform {
        clock: clock.clone(),
        random: Rc::new(SeededRandom::new(7)),
        storage: Rc::new(MemoryStorage::new()),
        regex: Box::new(NoRegex),
    };
    let Ok(mut engine) = Engine::new(&config(computed), platform) else {
        return (f64::NAN, 0);
    };
    let stream = events(EVENTS);
    let start = Instant::now();
    for (i, (name, props)) in stream.into_iter().enumerate() {
        clock.advance(if i % 500 == 499 {
            2_700_000.0
        } else {
            30_000.0
        });
        let _ = black_box(engine.track(&name, Some(props)));
    }
    let ns = start.elapsed().as_nanos() as f64 / f64::from(EVENTS);
    (ns, engine.profile().to_json().len())
}

fn main() {
    for computed in [false, true] {
        let (ns, size) = run(computed);
        let label = if computed {
            "10 metrics + 2 affinities"
        } else {
            "no metrics, no affinities"
        };
        println!(
            "track, {label}: {:.0} ns/event ({:.1} µs) over {EVENTS} events; profile {size} bytes",
            ns,
            ns / 1000.0
        );
    }
}

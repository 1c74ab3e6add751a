//! The persisted profile stays small however long the visitor stays: 100,000
//! events over five weeks, with far more event names than the cap, ten metrics
//! (hour windows and `distinct` among them) and two affinities with many values.
//!
//! The 100,000 events are folded the way `Engine::record` folds them (session,
//! profile, metrics, affinities) without re-serializing the profile after each
//! one, which would take minutes in a debug build; `benches/profile.rs` runs the
//! same stream through `Engine::track` and prints the size too. A shorter run
//! goes through the engine itself.

use attune::core::affinity::Affinities;
use attune::core::engine::{Engine, Platform};
use attune::core::event::{Event, EventType};
use attune::core::json::{Map, Value};
use attune::core::metrics::Metrics;
use attune::core::platform::{Clock, FakeClock, MemoryStorage, SeededRandom};
use attune::core::profile::Profile;
use attune::core::rules::NoRegex;
use attune::core::session::{self, DEFAULT_TIMEOUT_MS};
use std::rc::Rc;

/// `serde_json::json!` as a core [`Value`].
macro_rules! json {
    ($($t:tt)+) => {
        Value::parse(&serde_json::json!($($t)+).to_string()).expect("json")
    };
}

const LIMIT: usize = 32 * 1024;

fn config() -> Value {
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
        "segments": {
            "shoe_fan": {"metrics.shoe_views_7d": {"$gte": 3}},
            "browser": {"metrics.categories_7d": {"$gte": 5}}
        }
    })
}

fn engine(storage: Rc<MemoryStorage>, clock: Rc<FakeClock>) -> Engine {
    let platform = Platform {
        clock,
        random: Rc::new(SeededRandom::new(7)),
        storage,
        regex: Box::new(NoRegex),
    };
    Engine::new(&config(), platform).unwrap_or_else(|e| panic!("init failed: {e}"))
}

/// One step of the synthetic stream: event `i` as (name, properties).
/// 30 s apart with a 45-minute pause every 500 events (about five weeks for
/// 100,000): six product views in ten (100 categories, 500 brands, 10,000
/// SKUs), searches, orders, 2,000 custom event names and page views.
struct Stream(u32);

impl Stream {
    fn rnd(&mut self, n: u32) -> u32 {
        self.0 = self.0.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (self.0 >> 8) % n
    }

    fn gap(i: u32) -> f64 {
        if i % 500 == 499 {
            2_700_000.0
        } else {
            30_000.0
        }
    }

    fn event(&mut self, i: u32) -> (String, Map) {
        let (name, p) = match i % 10 {
            0..=5 => {
                let (c, b, s, p) = (
                    self.rnd(100),
                    self.rnd(500),
                    self.rnd(10_000),
                    self.rnd(300),
                );
                let p = json!({"category": format!("c{c}"), "brand": format!("brand-{b}"),
                               "sku": format!("SKU-{s:05}"), "price": f64::from(p) + 0.99});
                ("Product Viewed".to_string(), p)
            }
            6 => (
                "Searched".into(),
                json!({"query": format!("q{}", self.rnd(1000))}),
            ),
            7 => (
                "Order Completed".into(),
                json!({"total": f64::from(self.rnd(500))}),
            ),
            8 => (format!("Custom Event {}", self.rnd(2_000)), json!({})),
            _ => ("Page Viewed".into(), json!({"path": "/"})),
        };
        (name, p.as_object().cloned().unwrap_or_default())
    }
}

fn bare_event(kind: EventType, name: &str, properties: Map) -> Event {
    Event {
        kind,
        message_id: String::new(),
        anonymous_id: "a".into(),
        user_id: None,
        timestamp: String::new(),
        event: Some(name.to_string()),
        name: None,
        properties: Some(properties),
        traits: None,
        group_id: None,
        previous_id: None,
        context: Default::default(),
    }
}

#[test]
fn profile_stays_under_32_kib_after_100000_events() {
    let mut warnings = Vec::new();
    let metrics = Metrics::compile(&config(), &NoRegex, &mut warnings);
    let affinities = Affinities::compile(&config(), &NoRegex, &mut warnings);
    assert!(warnings.is_empty(), "{warnings:?}");
    let clock = FakeClock::new(1_795_000_000_000.0);
    let mut profile = Profile::new("a".into(), clock.now_ms());
    let mut identify = bare_event(EventType::Identify, "", Map::new());
    identify.user_id = Some("user-1".into());
    identify.traits = json!({"plan": "pro", "company": "Example Ltd", "country": "DE"})
        .as_object()
        .cloned();
    profile.record(&identify, clock.now_ms());
    let mut stream = Stream(1);
    let mut sessions = 0;
    for i in 0..100_000u32 {
        clock.advance(Stream::gap(i));
        let now = clock.now_ms();
        let (name, props) = stream.event(i);
        let kind = if name == "Page Viewed" {
            EventType::Page
        } else {
            EventType::Track
        };
        let ev = bare_event(kind, &name, props);
        let started = session::advance(
            &mut profile.session,
            now,
            DEFAULT_TIMEOUT_MS,
            None,
            kind == EventType::Page,
            || format!("s{i}"),
        );
        sessions += usize::from(started);
        profile.record(&ev, now);
        let props = Value::Object(ev.properties.clone().unwrap_or_default());
        let sid = profile.session.as_ref().map(|s| s.id.clone());
        let name = ev.profile_name();
        metrics.update(&mut profile.metrics, name, &props, sid.as_deref(), now);
        affinities.update(&mut profile.affinities, name, &props, now);
        if i % 20_000 == 0 {
            let mut alias = bare_event(EventType::Alias, "", Map::new());
            alias.previous_id = Some(format!("id-{i}"));
            alias.user_id = Some(format!("user-{i}"));
            profile.record(&alias, now);
        }
    }
    assert_eq!(sessions, 201);
    let size = profile.to_json().len();
    println!("profile after 100,000 events: {size} bytes");
    assert!(size <= LIMIT, "profile is {size} bytes, over {LIMIT}");
    let now = clock.now_ms();
    let sid = profile.session.as_ref().map(|s| s.id.as_str());
    let m = metrics.values(&profile.metrics, sid, now);
    assert_eq!(m["categories_7d"], json!(50));
    assert_eq!(m["skus"], json!(50));
    assert!(m["views_7d"].as_u64().is_some_and(|n| n > 10_000), "{m:?}");
    let views = profile.metrics.get("views_7d").map(|m| m.counts.len());
    assert_eq!(views, Some(168));
    assert!(m["spend"].as_f64().is_some_and(|n| n > 1e6), "{m:?}");
    let a = affinities.values(&profile.affinities, now);
    assert_eq!(a["category"]["top"].as_array().map(Vec::len), Some(5));
    assert_eq!(a["brand"]["scores"].as_object().map(Map::len), Some(20));
    // Compare what the rules see (the record keeps the same numbers).
    let back = Profile::from_json(&profile.to_json()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(metrics.values(&back.metrics, sid, now), m);
    assert_eq!(affinities.values(&back.affinities, now), a);
}

#[test]
fn the_engine_exposes_metrics_and_affinities_and_reloads_them() {
    let storage = Rc::new(MemoryStorage::new());
    let clock = Rc::new(FakeClock::new(1_795_000_000_000.0));
    let mut e = engine(storage.clone(), clock.clone());
    assert!(e.take_errors().is_empty());
    let mut stream = Stream(1);
    // 999 events: the 1,000th would open a new session (a 45-minute pause).
    for i in 0..999u32 {
        clock.advance(Stream::gap(i));
        let (name, props) = stream.event(i);
        let r = if name == "Page Viewed" {
            e.page(None, Some(props))
        } else {
            e.track(&name, Some(props))
        };
        assert!(r.is_ok(), "event {i}: {r:?}");
    }
    let m = &e.attributes()["metrics"];
    assert_eq!(m["views_7d"], json!(600), "{}", m.to_json());
    assert_eq!(m["categories_7d"], json!(50), "{}", m.to_json());
    assert!(
        m["shoe_views_7d"].as_u64().is_some_and(|n| n >= 3),
        "{}",
        m.to_json()
    );
    assert!(m["avg_price_session"].is_number(), "{}", m.to_json());
    assert_eq!(
        e.attributes()["affinities"]["category"]["top"]
            .as_array()
            .map(Vec::len),
        Some(5)
    );
    assert!(
        e.segments().iter().any(|s| s == "shoe_fan"),
        "{:?}",
        e.segments()
    );
    let attrs = e.attributes().clone();
    e.persist_profile(); // as the host does once per short window and at page exit
    let again = engine(storage, clock);
    assert_eq!(again.attributes()["metrics"], attrs["metrics"]);
    assert_eq!(again.attributes()["affinities"], attrs["affinities"]);
}

#[test]
fn a_segment_on_an_unknown_metric_is_reported() {
    let mut cfg = config();
    if let Some(segments) = cfg.get_mut("segments").and_then(Value::as_object_mut) {
        segments.insert("typo", json!({"metrics.shoe_view_7d": {"$gte": 1}}));
    }
    let platform = Platform {
        clock: Rc::new(FakeClock::new(0.0)),
        random: Rc::new(SeededRandom::new(1)),
        storage: Rc::new(MemoryStorage::new()),
        regex: Box::new(NoRegex),
    };
    let mut e = Engine::new(&cfg, platform).unwrap_or_else(|err| panic!("{err}"));
    let errors: Vec<String> = e.take_errors().iter().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        ["segments.typo.when: unknown metric \"shoe_view_7d\""]
    );
}

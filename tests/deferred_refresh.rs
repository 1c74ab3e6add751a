//! Deferred segment passes (`Engine::defer_refresh` / `settle`): the web layer
//! defers them for the event calls of one task and settles once, so a burst of
//! `track()`s pays for one pass. Natively, with a fake clock: the deferred
//! engine ends where the eager one does, and every read or decision settles.

use attune::core::delivery::Mode;
use attune::core::engine::{Engine, Platform};
use attune::core::json::Value;
use attune::core::platform::{FakeClock, MemoryStorage, SeededRandom};
use attune::core::rules::NoRegex;
use std::rc::Rc;

/// `serde_json::json!` as a core [`Value`].
macro_rules! json {
    ($($t:tt)+) => {
        Value::parse(&serde_json::json!($($t)+).to_string()).expect("json")
    };
}

fn engine() -> Engine {
    let config = json!({
        "collector": {"url": "http://127.0.0.1:1/v1/batch"},
        "segmentEvents": true,
        "segments": {
            "engaged": {"events.Product Viewed.count": {"$gte": 3}},
            "once": {"events.Product Viewed.count": 1}
        },
        "placements": [{"slot": "hero", "variants": [
            {"id": "offer", "when": {"segments.engaged": true}, "content": {"text": "Offer"}}
        ]}]
    });
    let platform = Platform {
        clock: Rc::new(FakeClock::new(1_795_000_000_000.0)),
        random: Rc::new(SeededRandom::new(7)),
        storage: Rc::new(MemoryStorage::new()),
        regex: Box::new(NoRegex),
    };
    Engine::new(&config, platform).unwrap_or_else(|e| panic!("init failed: {e}"))
}

/// `event[:segment]` of every queued event, in outbox order.
fn queued_names(e: &mut Engine) -> Vec<String> {
    let (delivery, env) = e.delivery();
    let _ = delivery.persist(&env);
    let body = delivery
        .next_job(&env, Mode::Forced)
        .map(|j| j.body)
        .unwrap_or_default();
    let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    v["batch"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| {
                    let name = x["event"].as_str().unwrap_or("");
                    match x["properties"]["segment"].as_str() {
                        Some(s) => format!("{name}:{s}"),
                        None => name.to_string(),
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_deferred_burst_ends_where_the_eager_one_does() {
    let mut eager = engine();
    let mut deferred = engine();
    deferred.defer_refresh();
    for _ in 0..5 {
        assert!(eager.track("Product Viewed", None).is_ok());
        assert!(deferred.track("Product Viewed", None).is_ok());
    }
    assert!(deferred.unsettled());
    assert!(deferred.segments().is_empty(), "no pass before settle");
    deferred.settle();
    assert!(!deferred.unsettled());
    assert_eq!(deferred.segments(), eager.segments());
    assert_eq!(deferred.segments(), ["engaged".to_string()]);
    // The same counts, except for the membership events the one pass did not see.
    let pv = |e: &Engine| e.profile().events.get("Product Viewed").cloned();
    assert_eq!(pv(&deferred), pv(&eager));
    assert_eq!(
        deferred.attributes()["events"]["Product Viewed"],
        eager.attributes()["events"]["Product Viewed"]
    );
    assert_eq!(
        deferred
            .profile()
            .events
            .get("Segment Entered")
            .map(|e| e.count),
        Some(1)
    );
    assert_eq!(
        eager
            .profile()
            .events
            .get("Segment Entered")
            .map(|e| e.count),
        Some(2)
    );

    let pv = "Product Viewed".to_string();
    let eager_names = queued_names(&mut eager);
    assert_eq!(
        eager_names,
        [
            pv.clone(),
            "Segment Entered:once".into(),
            pv.clone(),
            "Segment Exited:once".into(),
            pv.clone(),
            "Segment Entered:engaged".into(),
            pv.clone(),
            pv.clone(),
        ]
    );
    // One pass at the end: `once` was entered and left inside the burst, so
    // only the lasting change is reported, after the events that caused it.
    let deferred_names = queued_names(&mut deferred);
    assert_eq!(
        deferred_names,
        [
            pv.clone(),
            pv.clone(),
            pv.clone(),
            pv.clone(),
            pv,
            "Segment Entered:engaged".into()
        ]
    );
}

#[test]
fn deciding_settles_deferred_calls_first() {
    let mut e = engine();
    e.defer_refresh();
    for _ in 0..3 {
        assert!(e.track("Product Viewed", None).is_ok());
    }
    let d = e
        .decide("hero")
        .unwrap_or_else(|| panic!("hero is configured"));
    assert_eq!(d.variant.as_deref(), Some("offer"));
    assert!(!e.unsettled());
    // Settled means eager again: the next call runs its pass at once.
    assert!(e.track("Product Viewed", None).is_ok());
    assert!(!e.unsettled());
}

#[test]
fn settling_without_deferred_calls_changes_nothing() {
    let mut e = engine();
    assert!(e.track("Product Viewed", None).is_ok());
    let before = (e.segments().to_vec(), e.attributes().clone());
    e.defer_refresh();
    e.settle();
    assert_eq!((e.segments().to_vec(), e.attributes().clone()), before);
    assert_eq!(
        queued_names(&mut e),
        ["Product Viewed", "Segment Entered:once"]
    );
}

#[test]
fn the_one_pass_matches_the_eager_document_for_few_and_many_names() {
    // Few names take the incremental path, more than eight the full rebuild.
    for names in [2, 12] {
        let mut eager = engine();
        let mut deferred = engine();
        deferred.defer_refresh();
        for i in 0..24 {
            let name = format!("Event {}", i % names);
            assert!(eager.track(&name, None).is_ok());
            assert!(deferred.track(&name, None).is_ok());
        }
        deferred.settle();
        let events = |e: &Engine| {
            let mut v = e.attributes()["events"].clone();
            if let Some(m) = v.as_object_mut() {
                m.retain(|k, _| k.starts_with("Event "));
            }
            v
        };
        assert_eq!(events(&deferred), events(&eager), "{names} names");
        assert_eq!(events(&deferred).as_object().map(|m| m.len()), Some(names));
        assert_eq!(
            deferred.attributes()["session"],
            eager.attributes()["session"]
        );
    }
}

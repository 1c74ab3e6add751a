//! `Engine::inspect`, the debug overlay's snapshot, natively: it names the
//! visitor, lists every segment with membership and the values its rule read,
//! counts the outbox, carries consent and the slots, and changes nothing.

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
    let platform = Platform {
        clock: Rc::new(FakeClock::new(1_795_000_000_000.0)),
        random: Rc::new(SeededRandom::new(7)),
        storage: Rc::new(MemoryStorage::new()),
        regex: Box::new(NoRegex),
    };
    let config = json!({
        "collector": {"url": "http://127.0.0.1:1/v1/batch"},
        "flushAt": 100,
        "segments": {
            "returning": {"events.Page Viewed.count": {"$gte": 2}},
            "gold": {"$or": [{"traits.plan": "gold"}, {"traits.vip": true}]}
        },
        "placements": [{"slot": "hero", "variants": [{"id": "a", "content": {"text": "A"}}]},
                       {"slot": "footer", "variants": []}]
    });
    Engine::new(&config, platform).unwrap_or_else(|e| panic!("init failed: {e}"))
}

fn segment<'a>(snap: &'a Value, name: &str) -> &'a Value {
    snap["segments"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["name"] == name))
        .unwrap_or_else(|| panic!("segment {name} in {}", snap.to_json()))
}

#[test]
fn snapshot_explains_segments_and_counts_the_outbox() {
    let mut e = engine();
    assert!(e.page(None, None).is_ok());
    let first = e.inspect();
    assert_eq!(
        first["profile"]["anonymousId"],
        e.profile().anonymous_id.as_str()
    );
    assert_eq!(segment(&first, "returning")["member"], false);
    assert_eq!(
        segment(&first, "returning")["values"]["events.Page Viewed.count"],
        json!(1)
    );
    assert_eq!(first["outbox"]["queued"], json!(1), "{}", first.to_json());
    assert_eq!(first["slots"], json!(["hero", "footer"]));
    assert_eq!(first["consent"]["analytics"], true);

    assert!(e.page(None, None).is_ok());
    assert!(e
        .identify(None, json!({"plan": "gold"}).as_object().cloned())
        .is_ok());
    let second = e.inspect();
    assert_eq!(segment(&second, "returning")["member"], true);
    let gold = segment(&second, "gold");
    assert_eq!(gold["member"], true);
    assert_eq!(
        gold["values"],
        json!({"traits.plan": "gold", "traits.vip": null})
    );
    assert_eq!(second["outbox"]["queued"], json!(3));
    assert_eq!(second["profile"]["traits"]["plan"], "gold");
    assert_eq!(e.inspect(), second, "reading changes nothing");
}

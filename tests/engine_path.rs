//! The skeleton path through the pure core, natively with a fake clock:
//! config → page views → profile → segment → decision → outbox batch.

use attune::core::delivery::Mode;
use attune::core::delivery_policy::Outcome;
use attune::core::engine::{Engine, Platform};
use attune::core::ids::is_uuid_v4;
use attune::core::json::{Map, Value};
use attune::core::platform::{FakeClock, MemoryStorage, SeededRandom, Storage};
use attune::core::rules::NoRegex;
use std::rc::Rc;

/// `serde_json::json!` as a core [`Value`].
macro_rules! json {
    ($($t:tt)+) => {
        Value::parse(&serde_json::json!($($t)+).to_string()).expect("json")
    };
}

fn config() -> Value {
    json!({
        "collector": {"url": "http://127.0.0.1:1/v1/batch"},
        "flushAt": 10,
        "segments": {"returning": {"events.Page Viewed.count": {"$gte": 2}}},
        "placements": [{"slot": "hero", "variants": [
            {"id": "welcome-back", "when": {"segments.returning": true}, "content": {"text": "Welcome back!"}}
        ]}]
    })
}

fn engine(storage: Rc<MemoryStorage>, clock: Rc<FakeClock>, seed: u64) -> Engine {
    let platform = Platform {
        clock,
        random: Rc::new(SeededRandom::new(seed)),
        storage,
        regex: Box::new(NoRegex),
    };
    Engine::new(&config(), platform).unwrap_or_else(|e| panic!("init failed: {e}"))
}

#[test]
fn second_page_view_enters_the_segment_and_changes_the_slot() {
    let storage = Rc::new(MemoryStorage::new());
    let clock = Rc::new(FakeClock::new(1_795_000_000_000.0));
    let mut first = engine(storage.clone(), clock.clone(), 1);
    assert!(first.page(None, None).is_ok());
    assert!(first.segments().is_empty());
    let d = first
        .decide("hero")
        .unwrap_or_else(|| panic!("hero is configured"));
    assert_eq!((d.variant, d.reason.as_str()), (None, "default"));

    // The web layer persists queued events once per microtask; do it by hand.
    let (delivery, env) = first.delivery();
    assert!(delivery.persist(&env).is_empty());

    // A reload: a new engine on the same storage keeps the identity and counts.
    clock.advance(60_000.0);
    first.persist_profile(); // the host does this once per short window and at page exit
    let mut second = engine(storage.clone(), clock.clone(), 2);
    assert_eq!(second.profile().anonymous_id, first.profile().anonymous_id);
    assert!(second.page(None, None).is_ok());
    assert_eq!(second.segments(), ["returning".to_string()]);
    let d = second
        .decide("hero")
        .unwrap_or_else(|| panic!("hero is configured"));
    assert_eq!(d.variant.as_deref(), Some("welcome-back"));
    assert_eq!(
        d.content.as_ref().map(|c| c.to_value()),
        Some(json!({"text": "Welcome back!"}))
    );
    assert!(second.decide("nope").is_none());

    // Both page views are in the persisted outbox, with valid ids and Segment fields.
    let (delivery, env) = second.delivery();
    assert!(delivery.persist(&env).is_empty());
    let job = delivery
        .next_job(&env, Mode::Forced)
        .unwrap_or_else(|| panic!("events are queued"));
    let body = Value::parse(&job.body).unwrap_or_else(|e| panic!("{}", e.text()));
    let events = body["batch"].as_array().cloned().unwrap_or_default();
    assert_eq!(events.len(), 2);
    for e in &events {
        assert_eq!(e["type"], "page");
        assert!(
            is_uuid_v4(e["messageId"].as_str().unwrap_or("")),
            "{}",
            e.to_json()
        );
        assert_eq!(e["context"]["library"]["name"], "attune");
        assert!(e["timestamp"]
            .as_str()
            .is_some_and(|t| t.starts_with("2026-11-18T")));
    }
    assert!(body["sentAt"].is_string());
    let ok = Outcome::Status {
        code: 200,
        retry_after_ms: None,
    };
    assert!(delivery.complete(&env, &job, &ok).is_empty());
    let anon = second.profile().anonymous_id.clone();
    assert!(events.iter().all(|e| e["anonymousId"] == json!(anon)));
    assert_eq!(second.queued(), 0);
    assert!(
        storage
            .keys()
            .unwrap_or_default()
            .iter()
            .all(|k| !k.starts_with("attune:ob:")),
        "acknowledged events leave storage"
    );
}

#[test]
fn bad_input_is_a_typed_error_and_oversized_events_are_not_queued() {
    let storage = Rc::new(MemoryStorage::new());
    let mut e = engine(storage, Rc::new(FakeClock::new(0.0)), 3);
    let err = e
        .track("  ", None)
        .err()
        .map(|e| (e.code(), e.path().to_string()));
    assert_eq!(err, Some(("invalid_input", "track.event".to_string())));
    let mut props = Map::new();
    props.insert("blob", Value::String("x".repeat(40_000)));
    let err = e.track("Big", Some(props)).err().map(|e| e.code());
    assert_eq!(err, Some("event_too_large"));
    assert_eq!(e.queued(), 0);
    assert!(!e.profile().events.contains_key("Big"));
}

#[test]
fn blocked_storage_falls_back_to_memory_and_is_reported() {
    let storage = Rc::new(MemoryStorage::new());
    storage.set_failing(true);
    let mut e = engine(storage.clone(), Rc::new(FakeClock::new(0.0)), 4);
    assert!(e.page(None, None).is_ok());
    assert!(e.page(None, None).is_ok());
    assert_eq!(
        e.segments(),
        ["returning".to_string()],
        "the profile still works in memory"
    );
    e.persist_profile();
    let codes: Vec<_> = e.take_errors().iter().map(|x| x.code()).collect();
    assert_eq!(codes, vec!["storage_unavailable"]);
    assert!(storage.keys().unwrap_or_default().is_empty());
}

#[test]
fn corrupt_profile_is_replaced_and_reported() {
    let storage = Rc::new(MemoryStorage::new());
    let _ = storage.set("attune:profile", "{not json");
    let mut e = engine(storage, Rc::new(FakeClock::new(0.0)), 5);
    let errs = e.take_errors();
    assert_eq!(
        errs.iter()
            .map(|x| (x.code(), x.path()))
            .collect::<Vec<_>>(),
        vec![("storage_corrupt", "attune:profile")]
    );
    assert!(e.profile().events.is_empty());
}

fn engine_with(config: Value, storage: Rc<MemoryStorage>, clock: Rc<FakeClock>) -> Engine {
    let platform = Platform {
        clock,
        random: Rc::new(SeededRandom::new(9)),
        storage,
        regex: Box::new(NoRegex),
    };
    Engine::new(&config, platform).unwrap_or_else(|e| panic!("init failed: {e}"))
}

fn page_at(url: &str, referrer: &str) -> attune::core::event::PageContext {
    let (path_and_query, search) = match url.split_once('?') {
        Some((a, q)) => (a.to_string(), format!("?{q}")),
        None => (url.to_string(), String::new()),
    };
    attune::core::event::PageContext {
        path: path_and_query
            .splitn(4, '/')
            .nth(3)
            .map(|p| format!("/{p}"))
            .unwrap_or_else(|| "/".into()),
        referrer: referrer.into(),
        search,
        title: String::new(),
        url: url.into(),
    }
}

#[test]
fn sessions_touches_and_channels_follow_arrivals() {
    let storage = Rc::new(MemoryStorage::new());
    let clock = Rc::new(FakeClock::new(1_795_000_000_000.0));
    let cfg = json!({"segments": {"from_email": {"channel": "email"}, "cart_mail": {"lastTouch.campaign": "cart_reminder"}}});
    let mut e = engine_with(cfg.clone(), storage.clone(), clock.clone());
    e.set_page(page_at("https://shop.example/", "https://www.google.com/"));
    assert!(e.page(None, None).is_ok());
    let attrs = e.attributes().clone();
    assert_eq!(attrs["channel"], "search");
    assert_eq!(attrs["session"]["number"], json!(1));
    assert_eq!(attrs["isNewVisitor"], true);
    assert_eq!(attrs["firstTouch"]["source"], "www.google.com");

    // An internal navigation a minute later: same session, no new touch.
    clock.advance(60_000.0);
    e.set_page(page_at("https://shop.example/p/1", "https://shop.example/"));
    assert!(e.page(None, None).is_ok());
    assert_eq!(e.attributes()["session"]["pageViews"], json!(2));

    // The abandoned-cart e-mail, a day later, in a new page load.
    clock.advance(86_400_000.0);
    e.persist_profile();
    let mut e = engine_with(cfg, storage, clock.clone());
    e.set_page(page_at(
        "https://shop.example/cart?utm_source=crm&utm_medium=email&utm_campaign=cart_reminder",
        "",
    ));
    assert!(e.page(None, None).is_ok());
    let a = e.attributes();
    assert_eq!(
        (
            a["channel"].clone(),
            a["session"]["number"].clone(),
            a["isNewVisitor"].clone()
        ),
        (json!("email"), json!(2), json!(false))
    );
    assert_eq!(a["firstTouch"]["channel"], "search", "first touch is kept");
    assert_eq!(
        a["campaign"],
        json!({"source": "crm", "medium": "email", "name": "cart_reminder"})
    );
    assert_eq!(
        e.segments(),
        ["cart_mail".to_string(), "from_email".to_string()]
    );
    assert!(e.track("Cart Viewed", None).is_ok());
    assert!(
        next_body(&mut e).is_none(),
        "no collector configured: nothing queued"
    );
}

#[test]
fn group_alias_and_reset() {
    let storage = Rc::new(MemoryStorage::new());
    let mut e = engine_with(
        json!({"collector": {"url": "http://x/"}}),
        storage,
        Rc::new(FakeClock::new(0.0)),
    );
    let anon = e.profile().anonymous_id.clone();
    assert!(e.identify(Some("u1".into()), None).is_ok());
    assert!(e.alias("u2", None).is_ok());
    assert_eq!(e.profile().aliases, vec!["u1".to_string()]);
    assert_eq!(e.profile().user_id.as_deref(), Some("u2"));
    assert!(e.group("acme", Some(Map::new())).is_ok());
    assert_eq!(
        e.group("", None)
            .err()
            .map(|x| x.path().to_string())
            .as_deref(),
        Some("group.groupId")
    );
    e.reset();
    assert_ne!(e.profile().anonymous_id, anon);
    assert!(e.profile().user_id.is_none() && e.profile().events.is_empty());
    let body = next_body(&mut e).unwrap_or_default();
    assert!(
        body.contains("\"type\":\"alias\"")
            && body.contains("\"previousId\":\"u1\"")
            && body.contains("\"groupId\":\"acme\""),
        "{body}"
    );
}

#[test]
fn segment_changes_can_be_tracked_for_other_channels() {
    let cfg = json!({"collector": {"url": "http://x/"}, "segmentEvents": true,
        "segments": {"engaged": {"events.Page Viewed.count": {"$gte": 2}}, "fresh": {"events.Page Viewed.count": {"$lt": 2}}}});
    let mut e = engine_with(
        cfg,
        Rc::new(MemoryStorage::new()),
        Rc::new(FakeClock::new(0.0)),
    );
    assert!(e.page(None, None).is_ok());
    assert!(e.page(None, None).is_ok());
    let body = next_body(&mut e).unwrap_or_default();
    let v = Value::parse(&body).unwrap_or_default();
    let names: Vec<String> = v["batch"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| {
                    x["event"].as_str().map(|n| {
                        format!("{n}:{}", x["properties"]["segment"].as_str().unwrap_or(""))
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        names,
        vec![
            "Segment Entered:fresh",
            "Segment Entered:engaged",
            "Segment Exited:fresh"
        ]
    );
}

/// Persists the outbox and takes the next request body, as the web layer would.
fn next_body(e: &mut Engine) -> Option<String> {
    let (delivery, env) = e.delivery();
    let _ = delivery.persist(&env);
    delivery.next_job(&env, Mode::Forced).map(|j| j.body)
}

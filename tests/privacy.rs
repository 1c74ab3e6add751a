//! Consent and data rights through the engine, natively: what is stored and
//! what is queued in every state, with storage enumerated.

use attune::core::delivery::Mode;
use attune::core::engine::{Engine, Platform};
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

fn engine(cfg: Value, storage: Rc<MemoryStorage>) -> Engine {
    let platform = Platform {
        clock: Rc::new(FakeClock::new(1e12)),
        random: Rc::new(SeededRandom::new(3)),
        storage,
        regex: Box::new(NoRegex),
    };
    Engine::new(&cfg, platform).unwrap_or_else(|e| panic!("{e}"))
}

fn changes(v: Value) -> Map {
    v.as_object().cloned().unwrap_or_default()
}

/// Persists the outbox and returns every queued event.
fn queued(e: &mut Engine) -> Vec<Value> {
    let (delivery, env) = e.delivery();
    let _ = delivery.persist(&env);
    let mut out = Vec::new();
    let mut guard = 0;
    while let Some(job) = delivery.next_job(&env, Mode::Forced) {
        let body = Value::parse(&job.body).unwrap_or(Value::Null);
        out.extend(body["batch"].as_array().cloned().unwrap_or_default());
        let ok = attune::core::delivery_policy::Outcome::Status {
            code: 200,
            retry_after_ms: None,
        };
        let _ = delivery.complete(&env, &job, &ok);
        guard += 1;
        if guard > 50 {
            break;
        }
    }
    out
}

fn names(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            e["event"].as_str().map_or_else(
                || e["type"].as_str().unwrap_or("").to_string(),
                String::from,
            )
        })
        .collect()
}

const OPT_IN: &str = r#"{"consent": {"mode": "opt-in"}, "collector": {"url": "http://c/"},
  "segments": {"returning": {"events.Page Viewed.count": {"$gte": 2}}}}"#;

#[test]
fn opt_in_writes_nothing_until_granted_then_persists_and_queues_held_events() {
    let storage = Rc::new(MemoryStorage::new());
    let cfg: Value = Value::parse(OPT_IN).unwrap_or(Value::Null);
    let mut e = engine(cfg, storage.clone());
    assert!(e.page(None, None).is_ok());
    assert!(e.page(None, None).is_ok());
    assert!(e.track("Added", None).is_ok());
    assert!(queued(&mut e).is_empty(), "nothing queued before consent");
    assert_eq!(
        storage.keys().unwrap_or_default(),
        Vec::<String>::new(),
        "nothing written before consent"
    );
    assert!(e.segments().is_empty(), "decisions use page context only");
    assert_eq!(e.attributes()["consent"]["analytics"], false);

    assert!(e
        .consent(&changes(
            json!({"analytics": true, "personalization": true})
        ))
        .is_ok());
    let keys = storage.keys().unwrap_or_default();
    assert!(
        keys.contains(&"attune:consent".to_string())
            && keys.contains(&"attune:profile".to_string()),
        "{keys:?}"
    );
    assert_eq!(
        e.segments(),
        ["returning".to_string()],
        "the held profile now counts"
    );
    assert_eq!(
        names(&queued(&mut e)),
        vec!["page", "page", "Added", "Consent Updated"]
    );
}

#[test]
fn revoking_wipes_stored_data_and_queued_events_at_once() {
    let storage = Rc::new(MemoryStorage::new());
    let mut e = engine(json!({"collector": {"url": "http://c/"}}), storage.clone());
    assert!(e.track("A", None).is_ok());
    {
        let (d, env) = e.delivery();
        let _ = d.persist(&env);
    }
    assert!(storage
        .keys()
        .unwrap_or_default()
        .iter()
        .any(|k| k.starts_with("attune:ob:")));
    assert!(e
        .consent(&changes(
            json!({"analytics": false, "personalization": false})
        ))
        .is_ok());
    let keys = storage.keys().unwrap_or_default();
    assert_eq!(
        keys,
        vec!["attune:consent".to_string()],
        "only the choice itself remains"
    );
    assert!(e.track("B", None).is_ok());
    assert!(
        queued(&mut e).is_empty(),
        "refused: neither stored nor sent"
    );
    assert_eq!(e.consent_state()["analytics"], false);
}

#[test]
fn gpc_opts_out_of_marketing_exposures_and_traits() {
    let storage = Rc::new(MemoryStorage::new());
    let mut e = engine(
        json!({"collector": {"url": "http://c/"}, "segmentEvents": true, "segments": {"any": {"events.Page Viewed.count": {"$gte": 1}}}}),
        storage,
    );
    e.set_privacy_signals(true, false);
    assert_eq!(
        e.take_notes(),
        vec!["Global Privacy Control is set; denying marketing".to_string()]
    );
    assert!(e.page(None, None).is_ok());
    assert!(e
        .identify(Some("u1".into()), Some(changes(json!({"plan": "gold"}))))
        .is_ok());
    let events = queued(&mut e);
    assert_eq!(
        names(&events),
        vec!["page", "identify"],
        "no Segment Entered (marketing)"
    );
    assert!(
        events[1].get("traits").is_none(),
        "traits stay on the device"
    );
    assert_eq!(
        e.profile().traits["plan"],
        "gold",
        "but the profile keeps them locally"
    );
}

#[test]
fn pii_is_masked_in_outgoing_events_and_user_ids_hashed() {
    let storage = Rc::new(MemoryStorage::new());
    let mut e = engine(
        json!({"collector": {"url": "http://c/"}, "privacy": {"hashUserId": true, "deny": ["card"]}}),
        storage,
    );
    let props = changes(json!({"email": "ann@example.com", "card": "4111", "sku": "A1"}));
    assert!(e.identify(Some("ann".into()), None).is_ok());
    assert!(e.track("Checkout", Some(props)).is_ok());
    let events = queued(&mut e);
    assert_eq!(
        events[1]["properties"],
        json!({"email": "[redacted]", "sku": "A1"})
    );
    assert_eq!(events[1]["userId"].as_str().map(str::len), Some(64));
    assert_eq!(
        e.profile().user_id.as_deref(),
        Some("ann"),
        "hashing applies to what leaves the device"
    );
}

#[test]
fn forget_leaves_nothing_behind_and_starts_a_new_identity() {
    let storage = Rc::new(MemoryStorage::new());
    let _ = storage.set("host:own-key", "kept");
    let mut e = engine(
        json!({"collector": {"url": "http://c/", "forgetUrl": "http://c/forget"}}),
        storage.clone(),
    );
    assert!(e.identify(Some("u1".into()), None).is_ok());
    assert!(e.consent(&changes(json!({"marketing": true}))).is_ok());
    {
        let (d, env) = e.delivery();
        let _ = d.persist(&env);
    }
    let old = e.profile().anonymous_id.clone();
    let req = e.forget();
    assert_eq!(
        (
            req.anonymous_id.as_str(),
            req.user_id.as_deref(),
            req.url.as_deref()
        ),
        (old.as_str(), Some("u1"), Some("http://c/forget"))
    );
    assert_eq!(
        storage.keys().unwrap_or_default(),
        vec!["host:own-key".to_string()],
        "only the host's own key is left"
    );
    assert_ne!(e.profile().anonymous_id, old);
    assert!(e.profile().user_id.is_none());
    assert!(queued(&mut e).is_empty());
}

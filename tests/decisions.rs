//! Decision vectors (`tests/vectors/decisions.json`) replayed natively through
//! the engine on a fake clock: priority, caps per session/day/week/lifetime,
//! placement caps, suppression, exposure-gated steps, experiments and sticky
//! assignment; plus explain() and content rendering of the `content` cases.

use attune::core::engine::{Engine, Platform};
use attune::core::json::{Map, Value};
use attune::core::platform::{FakeClock, MemoryStorage, SeededRandom, Storage};
use attune::core::rules::NativeRegex;
use std::rc::Rc;

/// `serde_json::json!` as a core [`Value`].
macro_rules! json {
    ($($t:tt)+) => {
        Value::parse(&serde_json::json!($($t)+).to_string()).expect("json")
    };
}

fn vectors() -> Value {
    let text = include_str!("vectors/decisions.json");
    Value::parse(text).unwrap_or_else(|e| panic!("decisions.json: {}", e.text()))
}

fn engine(config: &Value, storage: &Rc<MemoryStorage>, clock: &Rc<FakeClock>) -> Engine {
    let platform = Platform {
        clock: clock.clone(),
        random: Rc::new(SeededRandom::new(7)),
        storage: storage.clone(),
        regex: Box::new(NativeRegex),
    };
    let mut e = Engine::new(config, platform).unwrap_or_else(|e| panic!("init: {e}"));
    let errors = e.take_errors();
    assert!(errors.is_empty(), "config errors: {errors:?}");
    e
}

#[test]
fn walk_vectors() {
    let v = vectors();
    let cases = v["walk"].as_array().cloned().unwrap_or_default();
    assert!(cases.len() >= 15, "walk cases");
    let mut checked = 0;
    for case in &cases {
        let name = case["name"].as_str().unwrap_or("?");
        let storage = Rc::new(MemoryStorage::new());
        let clock = Rc::new(FakeClock::new(1_790_000_000_000.0));
        let mut e = engine(&case["config"], &storage, &clock);
        for (i, step) in case["steps"].as_array().into_iter().flatten().enumerate() {
            let at = format!("{name}, step {i}");
            if let Some(h) = step["advanceHours"].as_f64() {
                clock.advance(h * 3_600_000.0);
            }
            if let Some(cfg) = step.get("reconfigure") {
                e.persist_profile();
                e = engine(cfg, &storage, &clock);
            }
            if let Some(action) = step["do"].as_str() {
                clock.advance(1000.0);
                let slot = step["slot"].as_str().unwrap_or_default();
                let r = match action {
                    "page" => e.page(None, None),
                    "track" => e.track(step["event"].as_str().unwrap_or("?"), None),
                    "identify" => e.identify(None, step["traits"].as_object().cloned()),
                    "viewed" => e
                        .viewed(slot)
                        .map(|shown| assert!(shown, "{at}: nothing shown to view")),
                    "clicked" => e.clicked(slot).map(|_| ()),
                    other => panic!("{at}: unknown step {other}"),
                };
                r.unwrap_or_else(|err| panic!("{at}: {err}"));
            }
            for (slot, want) in step["expect"].as_object().into_iter().flatten() {
                let d = e
                    .decide(slot)
                    .unwrap_or_else(|| panic!("{at}: no slot {slot}"));
                assert_eq!(
                    d.variant.as_deref(),
                    want.as_str(),
                    "{at}: {slot} ({})",
                    d.reason
                );
                checked += 1;
            }
            for (slot, want) in step["reasons"].as_object().into_iter().flatten() {
                let d = e
                    .decide(slot)
                    .unwrap_or_else(|| panic!("{at}: no slot {slot}"));
                assert_eq!(
                    Some(d.reason.as_str()),
                    want.as_str(),
                    "{at}: reason of {slot}"
                );
            }
        }
    }
    assert!(checked >= 30, "expectations checked: {checked}");
}

#[test]
fn content_vectors_render_as_the_dom_expects() {
    let v = vectors();
    for case in v["content"].as_array().into_iter().flatten() {
        let name = case["name"].as_str().unwrap_or("?");
        let config = Value::parse(&format!(
            r#"{{"placements": [{{"slot": "s", "variants": [{{"id": "v", "content": {}}}]}}]}}"#,
            case["content"].to_json()
        ))
        .expect("json");
        let storage = Rc::new(MemoryStorage::new());
        let clock = Rc::new(FakeClock::new(1_790_000_000_000.0));
        let mut e = engine(&config, &storage, &clock);
        if let Some(t) = case["traits"].as_object() {
            e.identify(None, Some(t.clone()))
                .unwrap_or_else(|err| panic!("{err}"));
        }
        e.page(None, None).unwrap_or_else(|err| panic!("{err}"));
        let d = e.decide("s").unwrap_or_else(|| panic!("{name}: slot"));
        let out = d.content.as_ref().map_or(Value::Null, |c| c.to_value());
        if let Some(html) = out["html"].as_str() {
            assert_eq!(Some(html), case["html"].as_str(), "{name}");
        }
        if let Some(text) = out["text"].as_str() {
            // textContent: what the DOM serialises is the escaped text.
            let escaped = text
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            assert_eq!(Some(escaped.as_str()), case["html"].as_str(), "{name}");
        }
        for (k, want) in case["attrs"].as_object().into_iter().flatten() {
            if let Some(got) = out["attributes"].get(k) {
                assert_eq!(got, want, "{name}: {k}");
            }
        }
    }
}

#[test]
fn explain_names_the_failing_sub_condition_caps_and_suppression() {
    let config = json!({
        "segments": {"returning": {"events.Page Viewed.count": {"$gte": 2}}},
        "placements": [{"slot": "hero", "caps": {"day": 3}, "variants": [
            {"id": "vip", "when": {"$and": [{"segments.returning": true}, {"traits.plan": "gold"}]}, "content": {"text": "VIP"}},
            {"id": "offer", "caps": {"session": 1}, "stopAfter": {"events": ["Order Completed"]}, "content": {"text": "Offer"}},
            {"id": "plain", "content": {"text": "Plain"}}
        ]}]
    });
    let storage = Rc::new(MemoryStorage::new());
    let clock = Rc::new(FakeClock::new(1_790_000_000_000.0));
    let mut e = engine(&config, &storage, &clock);
    e.page(None, None).unwrap_or_else(|err| panic!("{err}"));
    e.page(None, None).unwrap_or_else(|err| panic!("{err}"));
    e.track("Order Completed", None)
        .unwrap_or_else(|err| panic!("{err}"));
    let x = e.explain("hero").map(|x| x.to_value()).unwrap_or_default();
    assert_eq!(x["chosen"], "plain");
    assert_eq!(
        x["variants"][0]["when"],
        json!({"matched": false, "failing": "$and[1].traits.plan"})
    );
    assert_eq!(
        x["variants"][1]["suppressed"]["by"],
        "event:Order Completed"
    );
    assert_eq!(x["variants"][1]["eligible"], false);
    assert_eq!(x["variants"][2]["eligible"], true);
    e.viewed("hero").unwrap_or_else(|err| panic!("{err}"));
    let x = e.explain("hero").map(|x| x.to_value()).unwrap_or_default();
    assert_eq!(x["caps"]["counts"], json!([1, 1, 1, 1]));
    assert_eq!(x["caps"]["limits"], json!({"day": 3}));
    assert!(e.explain("nope").is_none());
}

#[test]
fn bad_placements_and_variants_disable_only_themselves() {
    let config = json!({"placements": [
        {"slot": "a", "experiment": {"weights": [0.7, 0.7]}, "variants": [{"id": "x"}, {"id": "y"}]},
        {"slot": "b", "variants": [
            {"id": "bad", "when": {"n": {"$gt": {}}}, "content": {"text": "?"}},
            {"id": "js", "content": {"attributes": {"href": "javascript:alert(1)"}}},
            {"id": "ok", "content": {"text": "fine"}}
        ]}
    ]});
    let platform = Platform {
        clock: Rc::new(FakeClock::new(0.0)),
        random: Rc::new(SeededRandom::new(1)),
        storage: Rc::new(MemoryStorage::new()),
        regex: Box::new(NativeRegex),
    };
    let mut e = Engine::new(&config, platform).unwrap_or_else(|err| panic!("{err}"));
    let errors: Vec<String> = e.take_errors().iter().map(ToString::to_string).collect();
    assert_eq!(
        errors[0],
        "placements[0].experiment.weights: expected 2 numbers summing to 1"
    );
    assert!(
        errors[1].starts_with("placements[1].variants[0].when.n.$gt"),
        "{errors:?}"
    );
    assert_eq!(errors[2], "placements[1].variants[1].content.attributes.href: URL scheme not allowed (http, https, mailto, tel or relative)");
    assert!(e.decide("a").is_none());
    assert_eq!(e.decide("b").and_then(|d| d.variant).as_deref(), Some("ok"));
}

#[test]
fn exposures_are_tracked_as_events_with_experiment_ids() {
    let config = json!({"collector": {"url": "http://127.0.0.1:1/v1/batch"}, "placements": [{"slot": "hero",
        "experiment": {"key": "exp1", "weights": [0, 1]},
        "variants": [{"id": "a", "content": {"text": "A"}}, {"id": "b", "content": {"text": "B"}}]}]});
    let storage = Rc::new(MemoryStorage::new());
    let clock = Rc::new(FakeClock::new(1_790_000_000_000.0));
    let mut e = engine(&config, &storage, &clock);
    e.page(None, None).unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(e.viewed("hero"), Ok(true));
    assert_eq!(e.clicked("hero"), Ok(true));
    assert!(e.viewed("nope").is_err());
    let doc = e.attributes().clone();
    assert_eq!(doc["exposures"]["hero"]["b"]["views"], json!(1));
    assert_eq!(doc["exposures"]["hero"]["_all"]["clicks"], json!(1));
    assert_eq!(
        doc["experiments"]["exp1"],
        json!({"variant": "b", "inExperiment": true})
    );
    assert_eq!(doc["events"]["Experience Viewed"]["count"], json!(1));
    let (delivery, env) = e.delivery();
    let _ = delivery.persist(&env);
    let stored: Vec<String> = storage.keys().unwrap_or_default();
    let outbox: String = stored
        .iter()
        .filter_map(|k| storage.get(k).ok().flatten())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        outbox.contains("\"event\":\"Experience Viewed\""),
        "viewed event queued"
    );
    assert!(outbox.contains("\"experimentVariant\":\"b\""));
    assert!(outbox.contains("\"event\":\"Experience Clicked\""));
}

#[test]
fn the_decision_cache_follows_personalization_consent() {
    let config = json!({"placements": [
        {"slot": "hero", "variants": [{"id": "v", "content": {"html": "<b>Hi</b>"}}]},
        {"slot": "none", "variants": [{"id": "n", "when": {"traits.x": 1}, "content": {"text": "x"}}]}
    ]});
    let storage = Rc::new(MemoryStorage::new());
    let clock = Rc::new(FakeClock::new(1_790_000_000_000.0));
    let mut e = engine(&config, &storage, &clock);
    let decisions = e.decisions();
    e.cache_decisions(&decisions);
    let cached: Value = storage
        .get("attune:decisions")
        .ok()
        .flatten()
        .and_then(|t| Value::parse(&t).ok())
        .unwrap_or(Value::Null);
    assert_eq!(
        cached[0]["slot"], "hero",
        "only slots showing a variant are cached"
    );
    assert_eq!(cached[0]["content"]["nodes"][0]["tag"], "b");
    assert_eq!(cached.as_array().map(Vec::len), Some(1));
    e.cache_decisions(&[]);
    assert_eq!(
        storage.get("attune:decisions").ok().flatten(),
        None,
        "nothing showing a variant: no key (forget() leaves none)"
    );
    e.cache_decisions(&decisions);
    assert!(storage.get("attune:decisions").ok().flatten().is_some());
    let revoke = json!({"personalization": false});
    e.consent(revoke.as_object().unwrap_or(&Map::new()))
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(
        storage.get("attune:decisions").ok().flatten(),
        None,
        "revoking consent removes it"
    );
    e.cache_decisions(&decisions);
    assert_eq!(
        storage.get("attune:decisions").ok().flatten(),
        None,
        "and nothing is written without it"
    );
}

#[test]
fn exposures_of_what_the_page_shows_are_recorded_on_that_variant() {
    let config = json!({"placements": [{"slot": "hero", "variants": [
        {"id": "a", "caps": {"session": 1}, "content": {"text": "A"}},
        {"id": "b", "content": {"text": "B"}}
    ]}]});
    let storage = Rc::new(MemoryStorage::new());
    let clock = Rc::new(FakeClock::new(1_790_000_000_000.0));
    let mut e = engine(&config, &storage, &clock);
    e.page(None, None).unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(
        e.decide("hero").and_then(|d| d.variant).as_deref(),
        Some("a")
    );
    assert_eq!(e.exposure("hero", Some("a"), false), Ok(true));
    // The cap moved the decision on to "b", but the page still shows "a" (pinned).
    assert_eq!(
        e.decide("hero").and_then(|d| d.variant).as_deref(),
        Some("b")
    );
    assert_eq!(e.exposure("hero", Some("a"), true), Ok(true));
    let doc = e.attributes().clone();
    assert_eq!(doc["exposures"]["hero"]["a"]["clicks"], json!(1));
    assert!(doc["exposures"]["hero"].get("b").is_none());
    assert_eq!(
        e.exposure("hero", Some("zzz"), true)
            .map_err(|err| err.to_string()),
        Err("clicked.variant: no variant \"zzz\" in slot \"hero\"".to_string())
    );
}

#[test]
fn a_holdout_impression_is_tracked_for_the_experiment_without_a_variant() {
    let config = json!({"collector": {"url": "http://127.0.0.1:1/v1/batch"}, "placements": [{"slot": "hero",
        "experiment": {"key": "h", "holdout": 0.999_999},
        "variants": [{"id": "a", "content": {"text": "A"}}, {"id": "b", "content": {"text": "B"}}]}]});
    let storage = Rc::new(MemoryStorage::new());
    let clock = Rc::new(FakeClock::new(1_790_000_000_000.0));
    let mut e = engine(&config, &storage, &clock);
    e.page(None, None).unwrap_or_else(|err| panic!("{err}"));
    let d = e.decide("hero").unwrap_or_else(|| panic!("hero"));
    assert_eq!((d.variant, d.reason.as_str()), (None, "holdout"));
    assert_eq!(e.viewed("hero"), Ok(true));
    assert_eq!(
        e.clicked("hero"),
        Ok(false),
        "nothing to click in the default markup"
    );
    let doc = e.attributes().clone();
    assert_eq!(doc["events"]["Experience Viewed"]["count"], json!(1));
    assert_eq!(
        doc["exposures"],
        json!({}),
        "no variant was shown: no ledger entry"
    );
    assert_eq!(
        doc["experiments"]["h"],
        json!({"variant": null, "inExperiment": false})
    );
    let (delivery, env) = e.delivery();
    let _ = delivery.persist(&env);
    let outbox: String = storage
        .keys()
        .unwrap_or_default()
        .iter()
        .filter_map(|k| storage.get(k).ok().flatten())
        .collect();
    assert!(
        outbox.contains(r#""holdout":true"#),
        "the holdout flag reaches the event"
    );
}

/// `stopAfter.events` matches event names only; a response to one offer among
/// several (a property of the event) is expressed with a metric filtered by
/// that property and a `when` on it, as docs/decisions.md shows.
#[test]
fn a_response_to_one_offer_suppresses_only_that_offer_through_a_filtered_metric() {
    let config = json!({
        "metrics": [{"id": "savings_dismissed", "event": "Offer Dismissed",
            "where": {"offer": "savings"}, "aggregate": "count", "window": "all"}],
        "placements": [{"slot": "offer", "variants": [
            {"id": "savings", "when": {"metrics.savings_dismissed": {"$lt": 1}}, "content": {"text": "Open a savings pot"}},
            {"id": "travel", "content": {"text": "Travel insurance"}}
        ]}]
    });
    let storage = Rc::new(MemoryStorage::new());
    let clock = Rc::new(FakeClock::new(1_790_000_000_000.0));
    let mut e = engine(&config, &storage, &clock);
    e.page(None, None).unwrap_or_else(|err| panic!("{err}"));
    let variant = |e: &mut Engine| e.decide("offer").and_then(|d| d.variant);
    assert_eq!(variant(&mut e).as_deref(), Some("savings"));
    let props = |offer: &str| json!({"offer": offer}).as_object().cloned();
    e.track("Offer Dismissed", props("travel"))
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(
        variant(&mut e).as_deref(),
        Some("savings"),
        "another offer's dismissal"
    );
    e.track("Offer Dismissed", props("savings"))
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(
        variant(&mut e).as_deref(),
        Some("travel"),
        "this offer's dismissal"
    );
    clock.advance(30.0 * 86_400_000.0);
    e.page(None, None).unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(
        variant(&mut e).as_deref(),
        Some("travel"),
        "for good (window: all)"
    );
}

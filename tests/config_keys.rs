//! The config key check through `Engine::new`, as `init` and `attune check`
//! run it: unknown keys are reported (with their path and the nearest known
//! key) and ignored, `strict: true` makes them fail the start, and a config
//! using every key of the table (`tests/vectors/full-config.json`) starts
//! strictly without a word.

use attune::core::engine::{Engine, Platform};
use attune::core::json::Value;
use attune::core::platform::{FakeClock, MemoryStorage, SeededRandom};
use attune::core::rules::NoRegex;
use attune::core::AttuneError;
use std::rc::Rc;

/// `serde_json::json!` as a core [`Value`].
macro_rules! json {
    ($($t:tt)+) => {
        Value::parse(&serde_json::json!($($t)+).to_string()).expect("json")
    };
}

fn start(config: &Value) -> Result<Engine, AttuneError> {
    let platform = Platform {
        clock: Rc::new(FakeClock::new(1_795_000_000_000.0)),
        random: Rc::new(SeededRandom::new(3)),
        storage: Rc::new(MemoryStorage::new()),
        regex: Box::new(NoRegex),
    };
    Engine::new(config, platform)
}

fn problems(config: &Value) -> Vec<String> {
    let mut engine = start(config).unwrap_or_else(|e| panic!("init failed: {e}"));
    engine
        .take_errors()
        .iter()
        .map(|e| format!("{e} [{}]", e.code()))
        .collect()
}

#[test]
fn unknown_keys_are_reported_and_ignored() {
    let p = problems(&json!({"colector": {"url": "/v1/batch"}, "autocapture": false}));
    assert_eq!(
        p,
        ["colector: unknown key (did you mean `collector`?) [invalid_config]"]
    );
    let p = problems(&json!({"collector": {"url": "/v1/batch", "bogus": 1}}));
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].starts_with("collector.bogus: unknown key (expected one of: url id "),
        "{p:?}"
    );
    // The collector still works: the key is only ignored.
    let engine = start(&json!({"collector": {"url": "/v1/batch", "bogus": 1}})).expect("init");
    assert_eq!(engine.config().delivery.collectors.len(), 1);
}

#[test]
fn a_key_checked_by_its_parser_is_reported_once() {
    let p =
        problems(&json!({"placements": [{"slot": "s", "caps": {"sesion": 1}, "variants": []}]}));
    assert_eq!(
        p,
        ["placements[0].caps.sesion: unknown key (did you mean `session`?) [invalid_config]"]
    );
}

#[test]
fn strict_fails_the_start_on_any_config_problem() {
    let err = |v: Value| {
        start(&v)
            .err()
            .map(|e| (e.code(), e.path().to_string(), e.to_string()))
    };
    assert_eq!(
        err(json!({"strict": true, "colector": {"url": "/v1/batch"}})),
        Some((
            "invalid_config",
            "colector".into(),
            "colector: unknown key (did you mean `collector`?)".into()
        ))
    );
    let (_, path, text) = err(
        json!({"strict": true, "collector": {"url": "/a", "bogus": 1},
        "segments": {"x": 3}}),
    )
    .expect("strict fails");
    assert_eq!(path, "collector.bogus");
    assert!(text.starts_with("collector.bogus: unknown key"), "{text}");
    assert!(err(json!({"strict": true, "collector": {"url": "/a"}})).is_none());
    assert_eq!(
        err(json!({"strict": "yes"})).map(|e| e.2),
        Some("strict: expected a boolean".into())
    );
}

#[test]
fn a_config_with_every_key_starts_strictly_without_a_word() {
    let text = std::fs::read_to_string("tests/vectors/full-config.json").expect("fixture");
    let v = Value::parse(&text).expect("json");
    assert_eq!(v.get("strict").and_then(Value::as_bool), Some(true));
    assert_eq!(problems(&v), Vec::<String>::new());
}

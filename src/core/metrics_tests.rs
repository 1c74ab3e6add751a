use super::*;
use crate::core::rules::NoRegex;

/// `serde_json::json!` as a core [`Value`].
macro_rules! json {
    ($($t:tt)+) => {
        Value::parse(&serde_json::json!($($t)+).to_string()).expect("json")
    };
}

const H: f64 = HOUR_MS;

fn compile(v: Value) -> (Metrics, Vec<String>) {
    let mut w = Vec::new();
    let mut config = Map::new();
    config.insert("metrics", v);
    let m = Metrics::compile(&Value::Object(config), &NoRegex, &mut w);
    (m, w.iter().map(ToString::to_string).collect())
}

fn one(def: Value) -> Metrics {
    let (m, w) = compile(Value::Array(vec![def]));
    assert!(w.is_empty(), "{w:?}");
    m
}

#[test]
fn count_with_where_over_all_time() {
    let m = one(json!({"id": "shoes", "event": "Product Viewed", "where": {"category": "shoes"}}));
    let mut st = KeyMap::new();
    assert_eq!(m.values(&st, None, 0.0)["shoes"], json!(0));
    for c in ["shoes", "hats", "shoes"] {
        m.update(
            &mut st,
            "Product Viewed",
            &json!({ "category": c }),
            None,
            0.0,
        );
    }
    m.update(&mut st, "Other", &json!({"category": "shoes"}), None, 0.0);
    assert_eq!(m.values(&st, None, 1e12)["shoes"], json!(2));
}

#[test]
fn value_aggregates() {
    let (m, w) = compile(json!([
        {"id": "sum", "event": "Buy", "aggregate": "sum", "property": "price"},
        {"id": "min", "event": "Buy", "aggregate": "min", "property": "price"},
        {"id": "max", "event": "Buy", "aggregate": "max", "property": "price"},
        {"id": "avg", "event": "Buy", "aggregate": "avg", "property": "price"},
        {"id": "first", "event": "Buy", "aggregate": "first", "property": "sku"},
        {"id": "last", "event": "Buy", "aggregate": "last", "property": "sku"},
        {"id": "skus", "event": "Buy", "aggregate": "distinct", "property": "sku"}
    ]));
    assert!(w.is_empty(), "{w:?}");
    let mut st = KeyMap::new();
    let empty = m.values(&st, None, 0.0);
    assert_eq!(empty["sum"], Value::Null);
    assert_eq!(empty["skus"], json!(0));
    for (price, sku) in [
        (serde_json::json!(10), "a"),
        (serde_json::json!(30), "b"),
        (serde_json::json!("n/a"), "a"),
        (serde_json::json!(20), "c"),
    ] {
        m.update(
            &mut st,
            "Buy",
            &json!({"price": price, "sku": sku}),
            None,
            5.0 * H,
        );
    }
    let v = m.values(&st, None, 6.0 * H);
    assert_eq!(v["sum"], json!(60.0));
    assert_eq!(v["min"], json!(10.0));
    assert_eq!(v["max"], json!(30.0));
    assert_eq!(v["avg"], json!(20.0));
    assert_eq!(v["first"], json!("a"));
    assert_eq!(v["last"], json!("c"));
    assert_eq!(v["skus"], json!(3));
}

#[test]
fn hour_window_covers_the_current_hour_and_the_previous_n_minus_one() {
    let (m, _) = compile(json!([
        {"id": "c", "event": "E", "window": "2h"},
        {"id": "mx", "event": "E", "aggregate": "max", "property": "x", "window": "2h"},
        {"id": "f", "event": "E", "aggregate": "first", "property": "x", "window": "2h"},
        {"id": "l", "event": "E", "aggregate": "last", "property": "x", "window": "2h"},
        {"id": "d", "event": "E", "aggregate": "distinct", "property": "x", "window": "2h"}
    ]));
    let mut st = KeyMap::new();
    let at = |h: f64, min: f64| h * H + min * 60_000.0;
    m.update(&mut st, "E", &json!({"x": 9}), None, at(10.0, 59.0));
    m.update(&mut st, "E", &json!({"x": 1}), None, at(11.0, 0.0));
    let v = m.values(&st, None, at(11.0, 59.0));
    assert_eq!((v["c"].clone(), v["mx"].clone()), (json!(2), json!(9.0)));
    assert_eq!(
        (v["f"].clone(), v["l"].clone(), v["d"].clone()),
        (json!(9), json!(1), json!(2))
    );
    // At 12:00 the 10:59 event has left the window; the 11:00 one is still in.
    let v = m.values(&st, None, at(12.0, 0.0));
    assert_eq!((v["c"].clone(), v["mx"].clone()), (json!(1), json!(1.0)));
    assert_eq!(
        (v["f"].clone(), v["l"].clone(), v["d"].clone()),
        (json!(1), json!(1), json!(1))
    );
    let v = m.values(&st, None, at(13.0, 0.0));
    assert_eq!((v["c"].clone(), v["mx"].clone()), (json!(0), Value::Null));
    assert_eq!(
        (v["f"].clone(), v["l"].clone(), v["d"].clone()),
        (Value::Null, Value::Null, json!(0))
    );
    // The ring never holds more than the window's buckets.
    for h in 20..40 {
        m.update(&mut st, "E", &json!({"x": h}), None, at(f64::from(h), 30.0));
    }
    assert_eq!(st.at("c").counts.len(), 2);
    assert_eq!(st.at("c").start, 38);
    assert_eq!(m.values(&st, None, at(39.0, 0.0))["c"], json!(2));
    // A gap longer than the window restarts the ring.
    m.update(&mut st, "E", &json!({"x": 1}), None, at(100.0, 0.0));
    assert_eq!((st.at("c").counts.len(), st.at("c").start), (1, 100));
}

#[test]
fn session_window_resets_with_the_session() {
    let m = one(
        json!({"id": "s", "event": "E", "aggregate": "sum", "property": "x", "window": "session"}),
    );
    let mut st = KeyMap::new();
    m.update(&mut st, "E", &json!({"x": 2}), Some("s1"), 0.0);
    m.update(&mut st, "E", &json!({"x": 3}), Some("s1"), 1.0);
    assert_eq!(m.values(&st, Some("s1"), 2.0)["s"], json!(5.0));
    assert_eq!(m.values(&st, Some("s2"), 2.0)["s"], Value::Null);
    m.update(&mut st, "E", &json!({"x": 4}), Some("s2"), 3.0);
    assert_eq!(m.values(&st, Some("s2"), 3.0)["s"], json!(4.0));
}

#[test]
fn distinct_is_bounded_and_saturates() {
    let m = one(
        json!({"id": "d", "event": "E", "aggregate": "distinct", "property": "x", "window": "7d"}),
    );
    let mut st = KeyMap::new();
    for i in 0..(MAX_DISTINCT * 4) {
        m.update(
            &mut st,
            "E",
            &json!({ "x": format!("v{i}") }),
            None,
            i as f64 * H,
        );
    }
    assert_eq!(st.at("d").distinct.len(), MAX_DISTINCT);
    assert_eq!(m.values(&st, None, 199.0 * H)["d"], json!(MAX_DISTINCT));
    // 168 hours after the last one only the last value is still in the window.
    assert_eq!(m.values(&st, None, (199.0 + 167.0) * H)["d"], json!(1));
}

#[test]
fn changed_definitions_start_empty_and_unknown_states_are_pruned() {
    let m = one(json!({"id": "c", "event": "E"}));
    let mut st = KeyMap::new();
    m.update(&mut st, "E", &json!({}), None, 0.0);
    st.insert("gone", MetricState::default());
    m.prune(&mut st);
    assert_eq!(st.keys().collect::<Vec<_>>(), ["c"]);
    let m2 = one(json!({"id": "c", "event": "E", "window": "1h"}));
    assert_eq!(m2.values(&st, None, 0.0)["c"], json!(0));
    m2.update(&mut st, "E", &json!({}), None, 0.0);
    assert_eq!(m2.values(&st, None, 0.0)["c"], json!(1));
}

#[test]
fn invalid_metrics_are_reported_and_disabled() {
    let (m, w) = compile(json!([
        {"id": "ok", "event": "E"},
        {"id": "a", "event": "E", "aggregate": "sum"},
        {"id": "b", "event": "E", "aggregate": "median", "property": "x"},
        {"id": "c", "event": "E", "window": "7w"},
        {"id": "d", "event": "E", "window": "31d"},
        {"id": "e", "event": "E", "where": {"x": {"$bogus": 1}}},
        {"id": "ok", "event": "E"},
        {"event": "E"},
        {"id": "f", "event": "E", "windows": "1d"},
        "nope"
    ]));
    assert_eq!(m.ids(), ["ok"]);
    let expected = [
        "metrics[1].property: required for \"sum\"",
        "metrics[2].aggregate: expected \"count\", \"sum\", \"min\", \"max\", \"avg\", \"first\", \"last\" or \"distinct\"",
        "metrics[3].window: expected \"session\", \"all\", \"<N>d\" or \"<N>h\"",
        "metrics[4].window: at most 30d (720h)",
    ];
    assert_eq!(&w[..4], &expected);
    assert!(w[4].starts_with("metrics[5].where.x"), "{w:?}");
    assert_eq!(w[5], "metrics[6].id: duplicate id \"ok\"");
    assert_eq!(w[6], "metrics[7].id: required");
    assert_eq!(
        w[7],
        "metrics[8].windows: unknown key (did you mean `window`?)"
    );
    assert_eq!(w[8], "metrics[9]: expected an object");
    let (m, w) = compile(json!([
        {"id": "a", "event": "E", "window": "30d"},
        {"id": "b", "event": "E", "aggregate": "distinct", "property": "x", "window": "30d"},
        {"id": "c", "event": "E", "window": "30d"},
        {"id": "d", "event": "E", "window": "1h"}
    ]));
    assert_eq!(m.ids(), ["a", "b", "c"]);
    assert_eq!(
        w,
        ["metrics[3].window: the metrics' hour windows would keep more than 1440 hourly buckets"]
    );
    assert_eq!(parse_hours("0d"), None);
    assert_eq!(parse_hours("3d"), Some(72));
    assert_eq!(parse_hours("-1h"), None);
}

#[test]
fn state_survives_json() {
    let m =
        one(json!({"id": "a", "event": "E", "aggregate": "avg", "property": "x", "window": "3h"}));
    let mut st = KeyMap::new();
    m.update(&mut st, "E", &json!({"x": 1.5}), None, 0.0);
    m.update(&mut st, "E", &json!({"x": 2.5}), None, 2.0 * H);
    let mut doc = Map::new();
    for (id, state) in &st {
        doc.insert(id.as_str(), state.to_value());
    }
    let text = Value::Object(doc).to_json();
    let parsed = Value::parse(&text).unwrap_or_else(|e| panic!("{}: {text}", e.text()));
    let mut back: KeyMap<MetricState> = KeyMap::new();
    for (id, state) in parsed.as_object().into_iter().flatten() {
        let state = MetricState::from_value(state).unwrap_or_else(|e| panic!("{e}: {text}"));
        back.insert(id.clone(), state);
    }
    assert_eq!(back, st);
    assert_eq!(m.values(&back, None, 2.0 * H)["a"], json!(2.0));
}

#[test]
fn stored_state_keeps_its_short_keys() {
    let st = MetricState {
        fingerprint: 7,
        session: Some("s1".into()),
        start: 12,
        counts: [1, 2].into_iter().collect(),
        numbers: [0.5, 3.0].into_iter().collect(),
        values: [json!("a"), Value::Null].into_iter().collect(),
        distinct: vec![("1.5".into(), 11), ("b".into(), 12)],
    };
    let text = st.to_value().to_json();
    assert_eq!(
        text,
        r#"{"d":{"1.5":11,"b":12},"f":7,"h":12,"n":[1,2],"s":"s1","v":["a",null],"x":[0.5,3]}"#
    );
    let back = Value::parse(&text).map_err(|e| e.text());
    assert_eq!(back.and_then(|v| MetricState::from_value(&v)), Ok(st));
    assert_eq!(
        MetricState::default().to_value().to_json(),
        r#"{"f":0,"h":0}"#
    );
    assert!(MetricState::from_value(&json!({"n": [1, -1]})).is_err());
    assert!(MetricState::from_value(&json!({"f": 5_000_000_000u64})).is_err());
}

#[test]
fn scalar_keys_are_strings_and_json_text() {
    assert_eq!(value_key(&json!("x")).as_deref(), Some("x"));
    assert_eq!(value_key(&json!(2)).as_deref(), Some("2"));
    assert_eq!(value_key(&json!(2.0)).as_deref(), Some("2"));
    assert_eq!(value_key(&json!(0.5)).as_deref(), Some("0.5"));
    assert_eq!(value_key(&json!(true)).as_deref(), Some("true"));
    assert_eq!(value_key(&json!(null)), None);
    assert_eq!(value_key(&json!([1])), None);
    let long = "é".repeat(40);
    assert_eq!(value_key(&json!(long)).map(|k| k.len()), Some(64));
}

use super::*;

/// `serde_json::json!` as a core [`Value`].
macro_rules! json {
    ($($t:tt)+) => {
        Value::parse(&serde_json::json!($($t)+).to_string()).expect("json")
    };
}

fn unknown_in(v: Value) -> Vec<String> {
    let mut out = Vec::new();
    unknown_keys(&v, &mut out);
    out.iter().map(|e| e.to_string()).collect()
}

#[test]
fn a_misspelled_top_level_key_names_the_nearest_one() {
    assert_eq!(
        unknown_in(json!({"colector": {"url": "/v1/batch"}})),
        ["colector: unknown key (did you mean `collector`?)"]
    );
    assert_eq!(
        unknown_in(json!({"flushat": 3, "Segments": {}})),
        [
            "Segments: unknown key (did you mean `segments`?)",
            "flushat: unknown key (did you mean `flushAt`?)"
        ]
    );
}

#[test]
fn an_unknown_nested_key_lists_the_known_ones_when_none_is_near() {
    assert_eq!(
        unknown_in(json!({"collector": {"url": "/v1/batch", "bogus": 1}})),
        ["collector.bogus: unknown key (expected one of: url id headers writeKey format transform forgetUrl)"]
    );
    assert_eq!(
        unknown_in(json!({"session": {"timeout": 30}, "delivery": {"maxBatchEvent": 5}})),
        [
            "delivery.maxBatchEvent: unknown key (did you mean `maxBatchEvents`?)",
            "session.timeout: unknown key (expected one of: timeoutMinutes)"
        ]
    );
    // forgetUrl belongs to the primary collector only.
    assert_eq!(
        unknown_in(json!({"collectors": [{"url": "/a"}, {"url": "/b", "forgetUrl": "/f"}]})),
        ["collectors[1].forgetUrl: unknown key (expected one of: url id headers writeKey format transform)"]
    );
}

#[test]
fn paths_through_arrays_carry_their_indices() {
    let v = json!({"placements": [
        {"slot": "a", "variants": []},
        {"slot": "b", "experiment": {"wieghts": [1]}, "variants": [{"id": "x"}, {"id": "y", "contnet": {}}]}
    ]});
    assert_eq!(
        unknown_in(v),
        [
            "placements[1].experiment.wieghts: unknown key (did you mean `weights`?)",
            "placements[1].variants[1].contnet: unknown key (did you mean `content`?)"
        ]
    );
}

#[test]
fn free_objects_are_not_looked_into() {
    // Segment names, conditions, headers, content attributes, metric filters.
    let v = json!({
        "segments": {"anything": {"traits.x": {"$gt": 1}}, "other": {"when": {"a": 1}}},
        "collector": {"url": "/a", "headers": {"X-Any": "1"}},
        "placements": [{"slot": "s", "variants": [{"id": "v", "when": {"whatever": true},
            "content": {"attributes": {"data-x": "1"}}}]}],
        "metrics": [{"id": "m", "event": "e", "where": {"free": 1}}]
    });
    assert!(unknown_in(v).is_empty());
}

#[test]
fn shapes_their_parsers_check_are_left_to_them() {
    // Caps, content, metrics and affinities disable their item on an unknown
    // key: reported once, by the parser, with the same message.
    let v = json!({"placements": [{"slot": "s", "caps": {"sesion": 1}, "variants": []}],
        "metrics": [{"id": "m", "evnt": "e"}]});
    assert!(unknown_in(v).is_empty());
    let mut caps = Map::new();
    caps.insert("sesion", Value::from(1.0));
    assert_eq!(
        check(&caps, "placements[].caps", "placements[0].caps").map_err(|e| e.to_string()),
        Err("placements[0].caps.sesion: unknown key (did you mean `session`?)".into())
    );
}

#[test]
fn nearest_and_distance() {
    assert_eq!(distance(b"kitten", b"sitting"), 3);
    assert_eq!(distance(b"", b"abc"), 3);
    assert_eq!(distance(b"FlushAt", b"flushat"), 0);
    assert_eq!(
        nearest("colector", "collector collectors"),
        Some("collector")
    );
    assert_eq!(nearest("x", "id url"), None);
    assert_eq!(nearest("zzzzzzzz", "collector"), None);
    assert_eq!(nearest(&"a".repeat(65), "a"), None);
}

#[test]
fn strict_finds_the_first_config_problem() {
    assert_eq!(strict(&[]), None);
    let storage = AttuneError::from(ErrorKind::Storage {
        path: "k".into(),
        message: "blocked".into(),
    });
    assert_eq!(strict(std::slice::from_ref(&storage)), None);
    let a = AttuneError::config("colector", "unknown key (did you mean `collector`?)");
    let b = AttuneError::config("segments.x", "expected a condition object");
    assert_eq!(strict(&[storage, a, b]), Some(1));
}

/// Every `(shape, key)` pair of the key table.
fn table() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in KEYS.split('\n') {
        let (shapes, keys) = line.split_once(':').expect("a line has a colon");
        let shapes: Vec<&str> = if shapes.is_empty() {
            vec![""]
        } else {
            shapes
                .split(' ')
                .map(|s| s.trim_start_matches('!'))
                .collect()
        };
        for s in shapes {
            for k in keys.trim().split(' ') {
                out.push((s.to_string(), k.to_string()));
            }
        }
    }
    out.sort();
    out
}

fn pairs(v: &Value, shape: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::Array(items) => {
            for i in items {
                pairs(i, &cat!(shape, "[]"), out);
            }
        }
        Value::Object(m) if keys_of(shape).is_some() => {
            for (k, child) in m {
                out.push((shape.to_string(), k.clone()));
                pairs(child, &join_path(shape, k), out);
            }
        }
        _ => {}
    }
}

#[test]
fn the_table_is_well_formed() {
    let t = table();
    assert!(t.len() > 100, "{}", t.len());
    let mut dedup = t.clone();
    dedup.dedup();
    assert_eq!(dedup.len(), t.len(), "no key twice in one shape");
    for line in KEYS.split('\n') {
        assert!(!line.contains("  ") && !line.ends_with(' '), "{line:?}");
    }
    // Every shape is reachable: its parent shape lists its last key.
    for (shape, _) in &t {
        if shape.is_empty() {
            continue;
        }
        let base = shape.trim_end_matches("[]");
        let (parent, key) = base.rsplit_once('.').unwrap_or(("", base));
        assert!(
            t.contains(&(parent.to_string(), key.to_string())),
            "{shape}: {parent} lists {key}"
        );
    }
}

#[test]
fn the_full_fixture_uses_every_key_of_the_table() {
    let v = Value::parse(include_str!("../../tests/vectors/full-config.json")).expect("fixture");
    let mut seen = Vec::new();
    pairs(&v, "", &mut seen);
    seen.sort();
    seen.dedup();
    assert_eq!(seen, table());
    assert!(unknown_in(v).is_empty());
}

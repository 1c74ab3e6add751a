//! Runs the built `attune` binary on the shared vectors.

use std::process::Command;

fn attune(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_attune"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .unwrap_or_else(|e| panic!("cannot run attune: {e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn check_accepts_a_valid_config_and_names_paths_of_problems() {
    let (code, out, _) = attune(&["check", "tests/vectors/skeleton-config.json"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.ends_with(": ok\n"), "{out}");

    let dir = std::env::temp_dir().join(format!("attune-cli-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let bad = dir.join("bad.json");
    let _ = std::fs::write(
        &bad,
        r#"{"placements":[{"slot":"a","variants":[{"content":{}}]},{"variants":[]}]}"#,
    );
    let (code, out, _) = attune(&["check", &bad.to_string_lossy()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("placements[0].variants[0].id: required [invalid_config]"),
        "{out}"
    );
    assert!(out.contains("placements[1].slot: required"), "{out}");

    let _ = std::fs::write(&bad, r#"{"collector":{"url":1}}"#);
    let (code, out, _) = attune(&["check", &bad.to_string_lossy()]);
    assert_eq!(
        (code, out.contains("collector.url: expected a string")),
        (1, true),
        "{out}"
    );
    let (code, _, err) = attune(&["check"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn check_fails_on_unknown_keys_and_lists_all_of_them_under_strict() {
    let dir = std::env::temp_dir().join(format!("attune-cli-keys-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let bad = dir.join("typo.json");
    let _ = std::fs::write(
        &bad,
        r#"{"strict":true,"colector":{"url":"/v1/batch"},"collectors":[{"url":"/b","bogus":1}]}"#,
    );
    let (code, out, _) = attune(&["check", &bad.to_string_lossy()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(": colector: unknown key (did you mean `collector`?) [invalid_config]\n"),
        "{out}"
    );
    assert!(
        out.contains(": collectors[0].bogus: unknown key (expected one of: url id "),
        "{out}"
    );
    let (code, out, _) = attune(&["check", "tests/vectors/full-config.json"]);
    assert_eq!((code, out.ends_with(": ok\n")), (0, true), "{out}");
}

#[test]
fn simulate_is_deterministic_and_reports_segment_changes_and_decisions() {
    let args = [
        "simulate",
        "--config",
        "tests/vectors/skeleton-config.json",
        "--events",
        "tests/vectors/skeleton-events.jsonl",
        "--now",
        "2026-01-01T00:00:00Z",
    ];
    let (code, first, err) = attune(&args);
    assert_eq!(code, 0, "{err}");
    let (_, second, _) = attune(&args);
    assert_eq!(first, second, "byte-identical replays");
    let lines: Vec<serde_json::Value> = first
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_default())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["at"], "2026-01-01T00:00:01.000Z");
    assert_eq!(
        lines[0]["decisions"]["hero"]["variant"],
        serde_json::Value::Null
    );
    assert_eq!(lines[1]["entered"], serde_json::json!(["returning"]));
    assert_eq!(lines[1]["at"], "2026-01-01T00:02:01.000Z");
    assert_eq!(lines[1]["decisions"]["hero"]["variant"], "welcome-back");
    assert_eq!(lines[2]["entered"], serde_json::json!(["shopper"]));
    assert_eq!(lines[2]["decisions"]["hero"]["variant"], "cart-reminder");
    assert_eq!(lines[3]["at"], "2026-01-02T09:00:00.000Z");
    assert_eq!(lines[3]["event"], "identify");
}

#[test]
fn simulate_records_viewed_and_clicked_lines_against_caps_and_suppression() {
    let (code, out, err) = attune(&[
        "simulate",
        "--config",
        "tests/vectors/decisions-config.json",
        "--events",
        "tests/vectors/decisions-events.jsonl",
    ]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_default())
        .collect();
    let hero = |i: usize| lines[i]["decisions"]["hero"].clone();
    assert_eq!(hero(0)["reason"], "experiment");
    assert_eq!(hero(0)["experiment"]["key"], "hero-test");
    // One impression caps the arm for the session: the fallback shows next.
    assert_eq!(lines[1]["event"], "viewed hero");
    assert_eq!(hero(1)["variant"], "fallback");
    // A click on the fallback retires it (stopAfter.clicked): default markup.
    assert_eq!(lines[3]["event"], "clicked hero");
    assert_eq!(hero(3)["variant"], serde_json::Value::Null);
    assert_eq!(
        lines[4]["event"],
        "viewed hero (default markup: not recorded)"
    );
}

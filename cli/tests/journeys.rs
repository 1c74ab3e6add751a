//! The demo's journeys through the CLI: `attune check` accepts the demo config
//! (`www/attune.config.json`) with no problem, and `attune simulate` replays each
//! journey's event log (`tests/vectors/journeys/<name>.events.jsonl`, the steps
//! the browser takes in `tests/e2e/journeys_*.test.mjs`) and, at every line
//! marked with a `"step"`, decides exactly what the browser decided: both are
//! checked against `tests/vectors/journeys/<name>.expected.json`.

use serde_json::Value;
use std::process::Command;

const CONFIG: &str = "www/attune.config.json";
const JOURNEYS: [&str; 4] = ["cart", "store", "watch", "bank"];

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn attune(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_attune"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| panic!("cannot run attune: {e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

fn read_json(path: &str) -> Value {
    let text = std::fs::read_to_string(root().join(path))
        .unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn check_accepts_the_demo_config() {
    let (code, out, err) = attune(&["check", CONFIG]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out, format!("{CONFIG}: ok\n"));
    assert_eq!(err, "", "no warning either");
}

#[test]
fn simulate_decides_what_the_browser_decided_at_every_step() {
    for name in JOURNEYS {
        let events = format!("tests/vectors/journeys/{name}.events.jsonl");
        let expected = read_json(&format!("tests/vectors/journeys/{name}.expected.json"));
        let slots: Vec<&str> = expected["slots"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let (code, out, err) = attune(&["simulate", "--config", CONFIG, "--events", &events]);
        assert_eq!(code, 0, "{name}: {out}{err}");
        // Line number → step name, from the event log itself.
        let log = std::fs::read_to_string(root().join(&events)).unwrap_or_default();
        let steps: Vec<(u64, String)> = log
            .lines()
            .enumerate()
            .filter_map(|(i, l)| {
                let v: Value = serde_json::from_str(l).ok()?;
                Some((i as u64 + 1, v.get("step")?.as_str()?.to_string()))
            })
            .collect();
        let want_steps = expected["steps"].as_object().map_or(0, |m| m.len());
        assert_eq!(
            steps.len(),
            want_steps,
            "{name}: every expected step is in the log"
        );
        for record in out
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap_or_default())
        {
            let line = record["line"].as_u64().unwrap_or(0);
            let Some((_, step)) = steps.iter().find(|(n, _)| *n == line) else {
                continue;
            };
            for slot in &slots {
                let got = &record["decisions"][*slot]["variant"];
                let want = &expected["steps"][step][*slot];
                assert_eq!(got, want, "{name}, step {step}, slot {slot}: {record}");
            }
        }
    }
}

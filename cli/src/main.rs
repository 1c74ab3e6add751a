//! `attune`: the engine on the command line.
//!
//! * `attune check CONFIG.json` — validates a config; prints every problem with
//!   its JSON path; exits 1 if there is any.
//! * `attune simulate --config CONFIG.json --events EVENTS.jsonl [--now ISO-8601] [--seed N]`
//!   — replays an event log deterministically (fixed clock, fixed ids) and prints
//!   one JSON line per event: segments entered and left, and every slot's decision.
#![deny(clippy::unwrap_used, clippy::expect_used)]

mod check;
mod simulate;

use std::process::ExitCode;

const USAGE: &str = "usage:
  attune check CONFIG.json
  attune simulate --config CONFIG.json --events EVENTS.jsonl [--now ISO-8601] [--seed N]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut out = std::io::stdout().lock();
    let result = match args.first().map(String::as_str) {
        Some("check") => match args.get(1) {
            Some(path) if args.len() == 2 => check::run(path, &mut out),
            _ => Err(USAGE.to_string()),
        },
        Some("simulate") => {
            simulate::Options::parse(&args[1..]).and_then(|o| simulate::run(&o, &mut out))
        }
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(true)
        }
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(message) => {
            eprintln!("attune: {message}");
            ExitCode::from(2)
        }
    }
}

/// Reads and parses a JSON file, with the file name in the error.
pub(crate) fn read_json(path: &str) -> Result<attune::core::json::Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    parse_json(&text).map_err(|e| format!("{path}: {e}"))
}

/// Parses JSON text into the engine's value type. `serde_json` reads it
/// first so that an invalid text is reported as before (`invalid JSON:
/// expected value at line 1 column 1`); the core's parser then builds the
/// value the engine takes.
pub(crate) fn parse_json(text: &str) -> Result<attune::core::json::Value, String> {
    serde_json::from_str::<serde_json::Value>(text).map_err(|e| format!("invalid JSON: {e}"))?;
    attune::core::json::Value::parse(text).map_err(|e| format!("invalid JSON: {}", e.text()))
}

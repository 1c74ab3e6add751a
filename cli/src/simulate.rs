//! `attune simulate`: replays a scripted event log through the engine with a
//! fixed clock and fixed ids, printing after each event what changed.
//!
//! Each line of the log is one JSON object:
//! `{"type":"page","name":"Home","page":{"path":"/","search":"?utm_medium=email"}}`,
//! `{"type":"track","event":"Added to Cart","properties":{"sku":"A1"}}`,
//! `{"type":"identify","userId":"u1","traits":{"plan":"gold"}}`,
//! `{"type":"seed","response":{"traits":{"storePurchases":["boots"]}}}` (what the
//! collector's profile endpoint answers: server-side traits, as at the SDK's start).
//! `{"type":"viewed","slot":"hero"}` and `{"type":"clicked","slot":"hero"}`
//! (an impression of / a click on what the slot shows then), and the other
//! calls of `attune::core::op::Call` (`group`, `alias`, `consent`, `decide`,
//! `reset`). A `"page"` context applies to `page`, `track` and `identify`.
//! Other keys (e.g. `"step"`) are ignored.
//! `"at"` sets the time: an ISO-8601 instant or an offset from the previous
//! event (`"+30s"`, `"+5m"`, `"+2h"`, `"+3d"`); without it, one second passes.

use attune::core::engine::{Engine, Platform};
use attune::core::json::Value;
use attune::core::op::Call;
use attune::core::platform::{Clock, FakeClock, MemoryStorage, SeededRandom};
use attune::core::rules::NativeRegex;
use attune::core::time::{iso8601, parse_iso8601};
use serde_json::{json, Map};
use std::io::{BufRead, Write};
use std::rc::Rc;

/// Command-line options of `simulate`.
pub struct Options {
    config: String,
    events: String,
    now: f64,
    seed: u64,
}

impl Options {
    /// Parses `--config F --events F [--now ISO] [--seed N]`.
    pub fn parse(args: &[String]) -> Result<Self, String> {
        let mut o = Options {
            config: String::new(),
            events: String::new(),
            now: 1_767_225_600_000.0,
            seed: 1,
        };
        let mut it = args.iter();
        while let Some(flag) = it.next() {
            let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
            match flag.as_str() {
                "--config" => o.config = value.clone(),
                "--events" => o.events = value.clone(),
                "--now" => {
                    o.now = parse_iso8601(value)
                        .ok_or_else(|| format!("--now: not an ISO-8601 time: {value}"))?
                }
                "--seed" => {
                    o.seed = value
                        .parse()
                        .map_err(|_| format!("--seed: not a number: {value}"))?
                }
                _ => return Err(format!("unknown option {flag}")),
            }
        }
        if o.config.is_empty() || o.events.is_empty() {
            return Err("simulate needs --config and --events".into());
        }
        Ok(o)
    }
}

/// Runs the replay, writing one JSON line per event. `Ok(false)` if any line failed.
pub fn run(o: &Options, out: &mut impl Write) -> Result<bool, String> {
    let config = crate::read_json(&o.config)?;
    let clock = Rc::new(FakeClock::new(o.now));
    let platform = Platform {
        clock: clock.clone(),
        random: Rc::new(SeededRandom::new(o.seed)),
        storage: Rc::new(MemoryStorage::new()),
        regex: Box::new(NativeRegex),
    };
    let mut engine = Engine::new(&config, platform).map_err(|e| format!("{}: {e}", o.config))?;
    for e in engine.take_errors() {
        eprintln!("{}: {e}", o.config);
    }
    let file = std::fs::File::open(&o.events).map_err(|e| format!("{}: {e}", o.events))?;
    let mut ok = true;
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| format!("{}: {e}", o.events))?;
        if line.trim().is_empty() || line.trim_start().starts_with("//") {
            continue;
        }
        let where_ = format!("{}:{}", o.events, i + 1);
        let before = engine.segments().to_vec();
        let result = crate::parse_json(&line).and_then(|v| apply(&mut engine, &clock, &v));
        let mut record = json!({"line": i + 1, "at": iso8601(clock.now_ms())});
        match result {
            Ok(label) => {
                let now = engine.segments().to_vec();
                record["event"] = json!(label);
                record["entered"] = json!(now
                    .iter()
                    .filter(|s| !before.contains(s))
                    .collect::<Vec<_>>());
                record["left"] = json!(before
                    .iter()
                    .filter(|s| !now.contains(s))
                    .collect::<Vec<_>>());
                record["segments"] = json!(now);
                let decisions: Map<String, serde_json::Value> = engine
                    .decisions()
                    .into_iter()
                    .map(|d| {
                        let mut v = json!({"variant": d.variant, "reason": d.reason});
                        if let Some(e) = &d.experiment {
                            v["experiment"] = json!({"key": e.key, "variant": e.variant, "inExperiment": e.in_experiment});
                        }
                        (d.slot.clone(), v)
                    })
                    .collect();
                record["decisions"] = serde_json::Value::Object(decisions);
            }
            Err(message) => {
                ok = false;
                record["error"] = json!(format!("{where_}: {message}"));
            }
        }
        writeln!(out, "{record}").map_err(|e| e.to_string())?;
    }
    Ok(ok)
}

fn apply(engine: &mut Engine, clock: &FakeClock, v: &Value) -> Result<String, String> {
    advance(clock, v.get("at"))?;
    // One definition of the call format for the CLI, the vectors and the engine.
    let call = Call::parse(v, "call").map_err(|e| e.to_string())?;
    let recorded = call.apply(engine).map_err(|e| e.to_string())?;
    Ok(match &call {
        Call::Track { event, .. } => format!("track {event}"),
        Call::Page { name, .. } => format!("page {}", name.as_deref().unwrap_or(""))
            .trim_end()
            .to_string(),
        Call::Viewed { slot, .. } | Call::Clicked { slot, .. } => format!(
            "{} {slot}{}",
            v.get("type").and_then(Value::as_str).unwrap_or(""),
            if recorded {
                ""
            } else {
                " (default markup: not recorded)"
            }
        ),
        _ => v
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
    })
}

fn advance(clock: &FakeClock, at: Option<&Value>) -> Result<(), String> {
    let Some(at) = at else {
        clock.advance(1000.0);
        return Ok(());
    };
    let s = at.as_str().ok_or("at: expected a string")?;
    if let Some(rest) = s.strip_prefix('+') {
        let (num, unit) = rest.split_at(rest.len().saturating_sub(1));
        let n: f64 = num.parse().map_err(|_| format!("at: bad offset {s}"))?;
        let ms = match unit {
            "s" => 1000.0,
            "m" => 60_000.0,
            "h" => 3_600_000.0,
            "d" => 86_400_000.0,
            _ => return Err(format!("at: bad unit in {s} (s, m, h or d)")),
        };
        clock.advance(n * ms);
    } else {
        clock.set(parse_iso8601(s).ok_or_else(|| format!("at: not an ISO-8601 time: {s}"))?);
    }
    Ok(())
}

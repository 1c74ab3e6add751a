//! `attune check`: every problem of a config, each with its JSON path.

use attune::core::engine::{Engine, Platform};
use attune::core::platform::{FakeClock, MemoryStorage, SeededRandom};
use attune::core::rules::NativeRegex;
use std::io::Write;
use std::rc::Rc;

/// Validates the config at `path`, printing one line per problem.
/// Returns `Ok(true)` when the config is valid.
pub fn run(path: &str, out: &mut impl Write) -> Result<bool, String> {
    let json = crate::read_json(path)?;
    let platform = Platform {
        clock: Rc::new(FakeClock::new(0.0)),
        random: Rc::new(SeededRandom::new(0)),
        storage: Rc::new(MemoryStorage::new()),
        regex: Box::new(NativeRegex),
    };
    let problems: Vec<String> = match Engine::new(&json, platform) {
        Err(e) => vec![format!("{}: {} [{}]", path, e, e.code())],
        Ok(mut engine) => engine
            .take_errors()
            .iter()
            .map(|e| format!("{path}: {e} [{}]", e.code()))
            .collect(),
    };
    for p in &problems {
        writeln!(out, "{p}").map_err(|e| e.to_string())?;
    }
    if problems.is_empty() {
        writeln!(out, "{path}: ok").map_err(|e| e.to_string())?;
    }
    Ok(problems.is_empty())
}

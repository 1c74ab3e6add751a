//! `attune check`: every problem of a config, each with its JSON path.

use attune::core::engine::{Engine, Platform};
use attune::core::platform::{FakeClock, MemoryStorage, SeededRandom};
use attune::core::rules::NativeRegex;
use std::io::Write;
use std::rc::Rc;

/// Validates the config at `path`, printing one line per problem.
/// Returns `Ok(true)` when the config is valid.
pub fn run(path: &str, out: &mut impl Write) -> Result<bool, String> {
    let mut json = crate::read_json(path)?;
    // `strict: true` would stop at the first problem: every one is listed here
    // (and any makes the check fail, as strict makes `init` fail).
    let strict = json.as_object_mut().and_then(|m| m.remove("strict"));
    if strict.is_some_and(|v| !v.is_null() && v.as_bool().is_none()) {
        let e = attune::core::AttuneError::config("strict", "expected a boolean");
        writeln!(out, "{path}: {e} [{}]", e.code()).map_err(|e| e.to_string())?;
        return Ok(false);
    }
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

//! Every key the configuration accepts, in one table ([`KEYS`]), and the check
//! that reports any other key with its path and the nearest known one
//! (`colector: unknown key (did you mean \`collector\`?)`).
//!
//! The table is the one source of truth: `pkg/types/*.d.ts` and the README's
//! configuration reference are checked against it (`tests/js/types.test.mjs`).
//! Objects whose keys are free (segment names, conditions, headers, content
//! attributes) have no line and are not looked into.

use crate::core::error::{index_path, join_path, AttuneError, ErrorKind, Result};
use crate::core::json::{Map, Value};
use crate::core::text::cat;

/// One line per object shape: `SHAPES: KEYS`, space-separated. A shape is the
/// path of the object with array indices written `[]`; the root's is empty. A
/// shape marked `!` is checked by its own parser (which disables the item on
/// an unknown key), so [`unknown_keys`] leaves it alone.
pub const KEYS: &str = "\
: affinities antiFlicker autocapture campaign collector collectors consent delivery exposure flushAt flushInterval identity metrics placements privacy profile segmentEvents segments session storagePrefix strict wasm
collector: url id headers writeKey format transform forgetUrl
collectors[]: url id headers writeKey format transform
delivery: maxEvents maxBytes maxAgeMs batchSize maxBatchEvents batchBytes flushInterval beaconBytes retryBaseMs retryMaxMs maxRetryAfterMs worker engine
autocapture: pageViews clicks
session: timeoutMinutes
campaign: emailParam
profile: url timeoutMs
consent: mode gpc doNotTrack
privacy: allow deny allowPii maskPii hashUserId
identity: cookie
identity.cookie: domain sameSite secure days
exposure: threshold minMs
antiFlicker: timeout
placements[]: slot selector caps experiment variants
placements[].experiment: key variants weights coverage seed hashAttribute hashVersion holdout when
placements[].variants[]: id when caps stopAfter content
placements[].variants[].stopAfter: events clicked
!placements[].caps !placements[].variants[].caps: session day week lifetime
!placements[].variants[].content: text html attributes classes hide show
!placements[].variants[].content.classes: add remove
!metrics[]: id event where aggregate property window
!affinities[]: id event property halfLife where";

/// The keys of `shape` (space-separated) and whether [`unknown_keys`] checks them.
fn keys_of(shape: &str) -> Option<(&'static str, bool)> {
    for line in KEYS.split('\n') {
        let (shapes, keys) = line.split_once(':')?;
        if shapes.is_empty() && shape.is_empty() {
            return Some((keys.trim_start(), true));
        }
        for s in shapes.split(' ') {
            let (s, walker) = match s.strip_prefix('!') {
                Some(s) => (s, false),
                None => (s, true),
            };
            if s == shape && !s.is_empty() {
                return Some((keys.trim_start(), walker));
            }
        }
    }
    None
}

/// Reports every key of `config` that [`KEYS`] does not list, as config errors
/// appended to `out` (the config keeps working: the key is ignored).
pub fn unknown_keys(config: &Value, out: &mut Vec<AttuneError>) {
    walk(config, &mut String::new(), "", out);
}

/// Checks `v`, the value at `path` whose shape is `shape`, and what it holds.
fn walk(v: &Value, shape: &mut String, path: &str, out: &mut Vec<AttuneError>) {
    match v {
        Value::Array(items) => {
            let len = shape.len();
            shape.push_str("[]");
            for (i, item) in items.iter().enumerate() {
                walk(item, shape, &index_path(path, i), out);
            }
            shape.truncate(len);
        }
        Value::Object(obj) => {
            let Some((keys, walker)) = keys_of(shape) else {
                return;
            };
            for (k, child) in obj {
                if !has(keys, k) {
                    if walker {
                        out.push(unknown(path, k, keys));
                    }
                    continue;
                }
                let len = shape.len();
                if len > 0 {
                    shape.push('.');
                }
                shape.push_str(k);
                walk(child, shape, &join_path(path, k), out);
                shape.truncate(len);
            }
        }
        _ => {}
    }
}

/// With `strict: true` the first config problem (an unknown key, a disabled
/// item, …) fails the start instead of being reported (`attune check` lists
/// all): where it is in `errors`.
pub fn strict(errors: &[AttuneError]) -> Option<usize> {
    errors
        .iter()
        .position(|e| matches!(e.kind(), ErrorKind::Config { .. }))
}

/// The first key of `obj` that `shape` does not list, as a config error at
/// `path` (for the parsers of the shapes marked `!`).
pub fn check(obj: &Map, shape: &str, path: &str) -> Result<()> {
    let keys = keys_of(shape).map_or("", |k| k.0);
    for k in obj.keys() {
        if !has(keys, k) {
            return Err(unknown(path, k, keys));
        }
    }
    Ok(())
}

/// Whether the space-separated `keys` list `key`.
fn has(keys: &str, key: &str) -> bool {
    keys.split(' ').any(|x| x == key)
}

/// `path.key: unknown key (did you mean \`near\`?)`, or the known keys when none is near.
fn unknown(path: &str, key: &str, keys: &str) -> AttuneError {
    let message = match nearest(key, keys) {
        Some(near) => cat!("unknown key (did you mean `", near, "`?)"),
        None => cat!("unknown key (expected one of: ", keys, ")"),
    };
    AttuneError::config_at(path, key, message)
}

/// The known key closest to `key` (ASCII case ignored), if it is near enough:
/// at most 1 edit plus 1 per 4 characters of `key`.
pub fn nearest<'a>(key: &str, keys: &'a str) -> Option<&'a str> {
    if key.len() > 64 {
        return None;
    }
    let mut best: Option<(usize, &str)> = None;
    for k in keys.split(' ') {
        let d = distance(key.as_bytes(), k.as_bytes());
        if d <= 1 + key.len() / 4 && best.is_none_or(|b| d < b.0) {
            best = Some((d, k));
        }
    }
    best.map(|b| b.1)
}

/// Levenshtein distance between two byte strings, ASCII case ignored (`b`, a
/// known key, is at most 31 bytes long).
fn distance(a: &[u8], b: &[u8]) -> usize {
    let mut row = [0usize; 32];
    let b = &b[..b.len().min(31)];
    for (j, r) in row.iter_mut().enumerate() {
        *r = j;
    }
    for (i, x) in a.iter().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, y) in b.iter().enumerate() {
            let cost = usize::from(!x.eq_ignore_ascii_case(y));
            let next = (row[j] + 1).min(row[j + 1] + 1).min(diag + cost);
            diag = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
#[path = "config_keys_tests.rs"]
mod tests;

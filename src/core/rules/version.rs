//! Version strings made comparable as plain strings, as GrowthBook's
//! `paddedVersionString` does: `v1.2.3-rc.1+build` → `    1-    2-    3-rc-    1`,
//! and a release without pre-release gets a trailing `~` so it sorts after them.

use serde_json::Value;

/// The padded form of a version attribute or operand.
pub fn padded(v: &Value) -> String {
    let owned;
    let input = match v {
        Value::String(s) if !s.is_empty() => s.as_str(),
        Value::Number(n) => {
            owned = super::js::number_to_string(n.as_f64().unwrap_or(0.0));
            owned.as_str()
        }
        _ => "0",
    };
    padded_str(input)
}

/// The padded form of a version string.
pub fn padded_str(input: &str) -> String {
    let s = input.strip_prefix('v').unwrap_or(input);
    let s = s.split_once('+').map_or(s, |(a, _)| a);
    let mut parts: Vec<&str> = s.split(['-', '.']).collect();
    if parts.len() == 3 {
        parts.push("~");
    }
    let mut out = String::with_capacity(parts.len() * 6);
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push('-');
        }
        if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) {
            for _ in p.len()..5 {
                out.push(' ');
            }
        }
        out.push_str(p);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_versions() {
        assert!(padded_str("1.2.10") > padded_str("1.2.9"));
        assert!(padded_str("1.0.0") > padded_str("1.0.0-beta"));
        assert_eq!(padded_str("v1.2.3+build5"), padded_str("1.2.3"));
        assert!(padded_str("1.0.0-beta.2") > padded_str("1.0.0-beta.1"));
    }
}

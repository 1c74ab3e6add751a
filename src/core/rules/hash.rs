//! GrowthBook's deterministic hash: FNV-1a 32-bit over UTF-16 code units.

/// FNV-1a 32-bit of the UTF-16 code units of `s`.
pub fn fnv1a32(s: &str) -> u32 {
    s.encode_utf16().fold(0x811c_9dc5_u32, |h, unit| {
        (h ^ u32::from(unit)).wrapping_mul(16_777_619)
    })
}

/// `hash(seed, value, version)`: a number in `[0, 1)` for versions 1 and 2,
/// `None` for any other version.
pub fn hash(seed: &str, value: &str, version: i64) -> Option<f64> {
    match version {
        2 => {
            let inner = fnv1a32(&format!("{seed}{value}"));
            Some(f64::from(fnv1a32(&inner.to_string()) % 10_000) / 10_000.0)
        }
        1 => Some(f64::from(fnv1a32(&format!("{value}{seed}")) % 1000) / 1000.0),
        _ => None,
    }
}

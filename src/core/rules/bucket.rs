//! GrowthBook's bucketing: turning variation weights and coverage into hash
//! ranges, picking the range a hash falls in, and namespaces.

use super::hash::hash_v1;

/// `n` equal weights summing to 1 (`[]` when `n <= 0`).
pub fn get_equal_weights(n: i32) -> Vec<f64> {
    match usize::try_from(n) {
        Ok(count) if count > 0 => vec![1.0 / f64::from(n); count],
        _ => Vec::new(),
    }
}

/// The `[start, end)` hash range of each variation.
///
/// As in GrowthBook: `coverage` is clamped to `[0, 1]` (pass `1.0` where
/// GrowthBook's is undefined); weights default to equal ones when missing,
/// of the wrong length, or not summing to 1 ± 0.01. Variation `i` starts at
/// the sum of the weights before it and covers `coverage × weight` of its slot.
pub fn get_bucket_ranges(
    num_variations: i32,
    coverage: f64,
    weights: Option<&[f64]>,
) -> Vec<(f64, f64)> {
    // Like GrowthBook's comparisons, `clamp` lets NaN through unchanged.
    let coverage = coverage.clamp(0.0, 1.0);
    let equal = get_equal_weights(num_variations);
    let mut weights = weights.unwrap_or(&equal);
    if i64::try_from(weights.len()).ok() != Some(i64::from(num_variations)) {
        weights = &equal;
    }
    let total = weights.iter().fold(0.0, |sum, w| sum + w);
    // Not `!(0.99..=1.01).contains(..)`: a NaN total keeps the weights, as in JS.
    #[allow(clippy::manual_range_contains)]
    if total < 0.99 || total > 1.01 {
        weights = &equal;
    }
    let mut cumulative = 0.0;
    let mut out = Vec::with_capacity(weights.len());
    for w in weights {
        let start = cumulative;
        cumulative += w;
        out.push((start, start + coverage * w));
    }
    out
}

/// The index of the range containing `n` (`start <= n < end`), or -1.
pub fn choose_variation(n: f64, ranges: &[(f64, f64)]) -> i32 {
    ranges
        .iter()
        .position(|&(start, end)| n >= start && n < end)
        .and_then(|i| i32::try_from(i).ok())
        .unwrap_or(-1)
}

/// Whether `id` falls in `namespace = (name, start, end)`: GrowthBook hashes
/// `id` with seed `"__" + name` (version 1) and checks `start <= h < end`.
pub fn in_namespace(id: &str, namespace: (&str, f64, f64)) -> bool {
    let (name, start, end) = namespace;
    let h = hash_v1(id, &["__", name]);
    h >= start && h < end
}

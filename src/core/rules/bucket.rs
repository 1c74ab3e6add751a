//! Bucketing as GrowthBook does it: equal weights, coverage-scaled bucket
//! ranges, choosing a variation from a hash, and namespaces.

use super::hash::hash;

/// `n` equal weights summing to 1 (empty for `n <= 0`).
pub fn get_equal_weights(n: i64) -> Vec<f64> {
    if n <= 0 {
        return Vec::new();
    }
    vec![1.0 / n as f64; n as usize]
}

/// Bucket ranges for `n` variations: weights (equal if missing, of the wrong
/// length or not summing to 1 ± 0.01) scaled by `coverage` (clamped to 0..1).
pub fn get_bucket_ranges(n: i64, coverage: f64, weights: Option<&[f64]>) -> Vec<(f64, f64)> {
    let coverage = if coverage.is_nan() {
        1.0
    } else {
        coverage.clamp(0.0, 1.0)
    };
    let equal = get_equal_weights(n);
    let mut w: &[f64] = weights.unwrap_or(&equal);
    if w.len() as i64 != n {
        w = &equal;
    }
    let total: f64 = w.iter().sum();
    if !(0.99..=1.01).contains(&total) {
        w = &equal;
    }
    let mut cumulative = 0.0;
    w.iter()
        .map(|x| {
            let start = cumulative;
            cumulative += x;
            (start, start + coverage * x)
        })
        .collect()
}

/// Index of the range containing `n`, or -1.
pub fn choose_variation(n: f64, ranges: &[(f64, f64)]) -> i32 {
    ranges
        .iter()
        .position(|(s, e)| n >= *s && n < *e)
        .map_or(-1, |i| i as i32)
}

/// Whether `id` falls in the namespace `(name, start, end)`.
pub fn in_namespace(id: &str, namespace: (&str, f64, f64)) -> bool {
    match hash(&format!("__{}", namespace.0), id, 1) {
        Some(n) => n >= namespace.1 && n < namespace.2,
        None => false,
    }
}

//! Retry delays: exponential backoff with "equal jitter", and `Retry-After`.
//!
//! Attempt `n` (1-based) waits a random time in `[d/2, d]` where
//! `d = min(max, base · 2^(n-1))`, so retries spread out but never collapse to
//! zero. A `Retry-After` from the collector is a floor: the retry never comes
//! earlier than it says (capped at `max_retry_after_ms`).

use crate::core::platform::Random;

/// Backoff settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// Delay before the first retry, before jitter (ms).
    pub base_ms: f64,
    /// Largest delay without `Retry-After` (ms).
    pub max_ms: f64,
    /// Largest `Retry-After` honoured (ms).
    pub max_retry_after_ms: f64,
}

impl Backoff {
    /// Upper bound of the delay before retry `attempt` (1-based), jitter aside.
    pub fn ceiling(&self, attempt: u32) -> f64 {
        let exp = attempt.saturating_sub(1).min(40);
        (self.base_ms * f64::from(2u32.saturating_pow(exp.min(31)))).min(self.max_ms)
    }

    /// Delay before retry `attempt` (1-based), in ms. `retry_after_ms` is the
    /// collector's `Retry-After`, if it sent one.
    pub fn delay(&self, attempt: u32, retry_after_ms: Option<f64>, random: &dyn Random) -> f64 {
        let ceiling = self.ceiling(attempt);
        let jittered = ceiling / 2.0 + unit(random) * ceiling / 2.0;
        match retry_after_ms {
            Some(ra) if ra.is_finite() && ra > 0.0 => jittered.max(ra.min(self.max_retry_after_ms)),
            _ => jittered,
        }
    }
}

/// A uniform number in `[0, 1)` from the random source.
pub fn unit(random: &dyn Random) -> f64 {
    let mut b = [0u8; 8];
    random.fill(&mut b);
    (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::platform::SeededRandom;

    const B: Backoff = Backoff {
        base_ms: 1000.0,
        max_ms: 60_000.0,
        max_retry_after_ms: 600_000.0,
    };

    #[test]
    fn grows_exponentially_up_to_the_cap() {
        let c: Vec<f64> = (1..=9).map(|a| B.ceiling(a)).collect();
        assert_eq!(
            c,
            [1000.0, 2000.0, 4000.0, 8000.0, 16000.0, 32000.0, 60000.0, 60000.0, 60000.0]
        );
        assert_eq!(B.ceiling(u32::MAX), 60_000.0);
        assert_eq!(B.ceiling(0), 1000.0);
    }

    #[test]
    fn jitter_stays_within_half_to_full_and_spreads() {
        let r = SeededRandom::new(42);
        for attempt in 1..=10 {
            let ceiling = B.ceiling(attempt);
            let samples: Vec<f64> = (0..200).map(|_| B.delay(attempt, None, &r)).collect();
            for d in &samples {
                assert!(*d >= ceiling / 2.0 && *d <= ceiling, "{attempt}: {d}");
            }
            let (lo, hi) = samples
                .iter()
                .fold((f64::MAX, f64::MIN), |(l, h), d| (l.min(*d), h.max(*d)));
            assert!(hi - lo > ceiling * 0.3, "jitter spreads: {lo}..{hi}");
        }
        // Same seed, same delays.
        let (a, b) = (SeededRandom::new(7), SeededRandom::new(7));
        assert_eq!(B.delay(3, None, &a), B.delay(3, None, &b));
    }

    #[test]
    fn retry_after_is_a_floor_and_is_capped() {
        let r = SeededRandom::new(1);
        for _ in 0..50 {
            assert!(B.delay(1, Some(30_000.0), &r) >= 30_000.0);
        }
        // A short Retry-After never shortens the backoff.
        assert!(B.delay(6, Some(10.0), &r) >= 16_000.0);
        // An absurd one is capped.
        assert_eq!(B.delay(1, Some(1e12), &r), 600_000.0);
        // Garbage is ignored.
        assert!(B.delay(1, Some(f64::NAN), &r) <= 1000.0);
        let u = unit(&r);
        assert!((0.0..1.0).contains(&u));
    }
}

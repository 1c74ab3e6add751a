//! Deliberate misbehaviour for `POST /v1/batch`: failures, throttling, dropped
//! connections and latency, driven by a seeded PRNG so test runs repeat exactly.

use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Largest accepted `latencyMs` (one minute).
pub const MAX_LATENCY_MS: u64 = 60_000;

/// Runtime chaos configuration, as read and written by `/v1/chaos`.
///
/// Missing fields take their defaults, so posting `{}` turns chaos off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ChaosConfig {
    /// Probability of answering `status` without storing anything.
    pub fail_rate: f64,
    /// Status code for injected failures (default 500; 200 simulates a server
    /// that acknowledges but loses the batch).
    pub status: u16,
    /// Probability of answering 429 with `Retry-After`.
    pub rate429: f64,
    /// Seconds sent in `Retry-After` with injected 429s.
    pub retry_after: u64,
    /// Delay before every `/v1/batch` answer, in milliseconds.
    pub latency_ms: u64,
    /// Probability of closing the connection without answering (nothing stored).
    pub drop_rate: f64,
    /// Seed for the PRNG; setting the config reseeds it.
    pub seed: u64,
}

impl Default for ChaosConfig {
    fn default() -> Self {
        Self {
            fail_rate: 0.0,
            status: 500,
            rate429: 0.0,
            retry_after: 1,
            latency_ms: 0,
            drop_rate: 0.0,
            seed: 42,
        }
    }
}

impl ChaosConfig {
    /// Checks ranges: rates in `[0, 1]`, status in `200..=599` (a 200 "fails"
    /// silently: it answers success without storing), bounded latency.
    pub fn validate(&self) -> Result<(), String> {
        for (name, rate) in [
            ("failRate", self.fail_rate),
            ("rate429", self.rate429),
            ("dropRate", self.drop_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} must be between 0 and 1, got {rate}"));
            }
        }
        if !(200..=599).contains(&self.status) {
            return Err(format!(
                "status must be between 200 and 599, got {}",
                self.status
            ));
        }
        if self.latency_ms > MAX_LATENCY_MS {
            return Err(format!("latencyMs must be at most {MAX_LATENCY_MS}"));
        }
        Ok(())
    }

    /// True when some misbehaviour is configured.
    pub fn is_active(&self) -> bool {
        self.fail_rate > 0.0 || self.rate429 > 0.0 || self.drop_rate > 0.0 || self.latency_ms > 0
    }
}

/// SplitMix64: a tiny, good-enough deterministic generator.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform float in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// What to do with one `/v1/batch` request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Process the batch normally.
    Pass,
    /// Close the connection without answering.
    Drop,
    /// Answer this status without storing.
    Fail(u16),
    /// Answer 429 with this `Retry-After` (seconds).
    Throttle(u64),
}

/// The decision for one request: the verdict plus the delay before answering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Outcome of the rolls.
    pub verdict: Verdict,
    /// Sleep this long before answering (zero for drops).
    pub delay: Duration,
}

/// How often each kind of misbehaviour was injected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChaosCounts {
    /// Injected failure statuses.
    pub failed: u64,
    /// Injected 429s.
    pub throttled: u64,
    /// Dropped connections.
    pub dropped: u64,
    /// Answers delayed by `latencyMs`.
    pub delayed: u64,
}

impl ChaosCounts {
    /// JSON form used in `/v1/stats`.
    pub fn to_json(self) -> Value {
        json!({
            "failed": self.failed,
            "throttled": self.throttled,
            "dropped": self.dropped,
            "delayed": self.delayed,
        })
    }
}

#[derive(Debug)]
struct State {
    config: ChaosConfig,
    rng: SplitMix64,
    counts: ChaosCounts,
}

/// Thread-safe chaos engine shared by all connections.
#[derive(Debug)]
pub struct Chaos {
    state: Mutex<State>,
}

impl Chaos {
    /// An engine with `config`, its PRNG seeded from `config.seed`.
    pub fn new(config: ChaosConfig) -> Self {
        let rng = SplitMix64::new(config.seed);
        Self {
            state: Mutex::new(State {
                config,
                rng,
                counts: ChaosCounts::default(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Current configuration.
    pub fn config(&self) -> ChaosConfig {
        self.lock().config.clone()
    }

    /// Replaces the configuration and reseeds the PRNG.
    pub fn set_config(&self, config: ChaosConfig) {
        let mut state = self.lock();
        state.rng = SplitMix64::new(config.seed);
        state.config = config;
    }

    /// Injection counters so far.
    pub fn counts(&self) -> ChaosCounts {
        self.lock().counts
    }

    /// Zeroes the counters (the configuration stays).
    pub fn reset_counts(&self) {
        self.lock().counts = ChaosCounts::default();
    }

    /// Rolls the dice for one request. Every call draws exactly three numbers
    /// (drop, fail, throttle, in that order of precedence) so a given seed yields
    /// the same sequence of verdicts whatever the rates are.
    pub fn decide(&self) -> Decision {
        let mut state = self.lock();
        let drop_roll = state.rng.next_f64();
        let fail_roll = state.rng.next_f64();
        let throttle_roll = state.rng.next_f64();
        let config = state.config.clone();
        let verdict = if drop_roll < config.drop_rate {
            state.counts.dropped += 1;
            Verdict::Drop
        } else if fail_roll < config.fail_rate {
            state.counts.failed += 1;
            Verdict::Fail(config.status)
        } else if throttle_roll < config.rate429 {
            state.counts.throttled += 1;
            Verdict::Throttle(config.retry_after)
        } else {
            Verdict::Pass
        };
        let delay = if verdict != Verdict::Drop && config.latency_ms > 0 {
            state.counts.delayed += 1;
            Duration::from_millis(config.latency_ms.min(MAX_LATENCY_MS))
        } else {
            Duration::ZERO
        };
        Decision { verdict, delay }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prng_is_deterministic_and_in_range() {
        let mut a = SplitMix64::new(42);
        let mut b = SplitMix64::new(42);
        for _ in 0..1000 {
            let x = a.next_f64();
            assert_eq!(x, b.next_f64());
            assert!((0.0..1.0).contains(&x));
        }
        assert_ne!(SplitMix64::new(1).next_u64(), SplitMix64::new(2).next_u64());
    }

    #[test]
    fn rates_are_roughly_honoured() {
        let chaos = Chaos::new(ChaosConfig {
            fail_rate: 0.3,
            ..ChaosConfig::default()
        });
        let fails = (0..10_000)
            .filter(|_| matches!(chaos.decide().verdict, Verdict::Fail(500)))
            .count();
        assert!((2_700..3_300).contains(&fails), "{fails}");
        assert_eq!(chaos.counts().failed, fails as u64);
    }

    #[test]
    fn same_seed_same_verdicts() {
        let config = ChaosConfig {
            fail_rate: 0.2,
            rate429: 0.2,
            drop_rate: 0.2,
            seed: 9,
            ..ChaosConfig::default()
        };
        let a = Chaos::new(config.clone());
        let first: Vec<_> = (0..50).map(|_| a.decide().verdict).collect();
        a.set_config(config);
        let again: Vec<_> = (0..50).map(|_| a.decide().verdict).collect();
        assert_eq!(first, again);
        assert!(first.contains(&Verdict::Drop) && first.contains(&Verdict::Pass));
    }

    #[test]
    fn validation_and_json_names() {
        let parsed: ChaosConfig =
            serde_json::from_str(r#"{"failRate":1,"rate429":0.5,"retryAfter":3,"latencyMs":5,"dropRate":0,"seed":1,"status":503}"#)
                .unwrap();
        assert_eq!(parsed.retry_after, 3);
        assert!(parsed.validate().is_ok());
        assert!(serde_json::from_str::<ChaosConfig>(r#"{"failrate":1}"#).is_err());
        let bad = ChaosConfig {
            status: 42,
            ..ChaosConfig::default()
        };
        assert!(bad.validate().is_err());
        assert!(!ChaosConfig::default().is_active());
    }
}

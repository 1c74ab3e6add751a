//! What an answer from a collector means, and the consent gate of delivery.
//!
//! * 2xx — acknowledged: the events leave the outbox (for that collector).
//! * network error, 408, 429, 5xx (and anything unexpected, e.g. an opaque
//!   redirect) — retried later with backoff, honouring `Retry-After`.
//! * any other 4xx — rejected for good: the events are dropped for that
//!   collector and an error is reported, since resending cannot help.

use crate::core::json::num;

/// What became of one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The collector answered with this HTTP status; `retry_after_ms` if it sent `Retry-After`.
    Status {
        /// HTTP status.
        code: u16,
        /// `Retry-After`, converted to ms.
        retry_after_ms: Option<f64>,
    },
    /// The request never got an answer (offline, refused, CORS, aborted, timed out).
    Network(String),
}

/// The decision taken on an [`Outcome`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Verdict {
    /// Delivered: remove from the outbox for this collector.
    Ack,
    /// Keep and retry later, not before `retry_after_ms` if given.
    Retry {
        /// The collector's `Retry-After`, ms.
        retry_after_ms: Option<f64>,
    },
    /// Refused for good: drop for this collector and report.
    Reject {
        /// HTTP status.
        status: u16,
    },
}

/// Classifies an outcome.
pub fn classify(outcome: &Outcome) -> Verdict {
    match outcome {
        Outcome::Status { code, .. } if (200..300).contains(code) => Verdict::Ack,
        Outcome::Status {
            code,
            retry_after_ms,
        } if matches!(code, 408 | 429) || (500..600).contains(code) => Verdict::Retry {
            retry_after_ms: *retry_after_ms,
        },
        Outcome::Status { code, .. } if (400..500).contains(code) => {
            Verdict::Reject { status: *code }
        }
        Outcome::Status { retry_after_ms, .. } => Verdict::Retry {
            retry_after_ms: *retry_after_ms,
        },
        Outcome::Network(_) => Verdict::Retry {
            retry_after_ms: None,
        },
    }
}

/// Parses a `Retry-After` header value given in seconds (HTTP dates are not
/// used by collectors in practice and are ignored). Returns ms.
pub fn parse_retry_after(value: &str) -> Option<f64> {
    let secs = decimal(value.trim())?;
    (secs.is_finite() && secs >= 0.0).then_some(secs * 1000.0)
}

/// Reads a decimal number as Rust's `str::parse::<f64>` would (sign, digits
/// with an optional point on either side, optional exponent), through the
/// JSON grammar of [`num::parse_number`]; `None` for anything else. The
/// spellings of infinity and NaN it would also take are refused, which
/// [`parse_retry_after`] did with them anyway.
fn decimal(text: &str) -> Option<f64> {
    let (neg, rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (mantissa, exp) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, f),
        None => (mantissa, ""),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) {
        return None;
    }
    let mut json = String::with_capacity(text.len() + 2);
    if neg {
        json.push('-');
    }
    let int = int.trim_start_matches('0');
    json.push_str(if int.is_empty() { "0" } else { int });
    if !frac.is_empty() {
        json.push('.');
        json.push_str(frac);
    }
    if let Some(e) = exp {
        let e_digits = e.strip_prefix(['+', '-']).unwrap_or(e);
        if e_digits.is_empty() || !digits(e_digits) {
            return None;
        }
        json.push('e');
        json.push_str(e);
    }
    Some(num::parse_number(&json))
}

/// Whether events may be stored in the outbox and sent. The engine decides
/// (consent plugs in here); the outbox only obeys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gate {
    /// New events may be written to the outbox.
    pub store: bool,
    /// Queued events may be sent.
    pub send: bool,
}

impl Gate {
    /// Everything allowed (the default until consent says otherwise).
    pub const OPEN: Gate = Gate {
        store: true,
        send: true,
    };
}

impl Default for Gate {
    fn default() -> Self {
        Gate::OPEN
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16) -> Verdict {
        classify(&Outcome::Status {
            code,
            retry_after_ms: None,
        })
    }

    #[test]
    fn classifies_every_class_of_answer() {
        for c in [200, 202, 204, 299] {
            assert_eq!(status(c), Verdict::Ack, "{c}");
        }
        for c in [408, 429, 500, 502, 503, 599, 0, 302] {
            assert!(matches!(status(c), Verdict::Retry { .. }), "{c}");
        }
        for c in [400, 401, 403, 404, 413, 422] {
            assert_eq!(status(c), Verdict::Reject { status: c }, "{c}");
        }
        assert_eq!(
            classify(&Outcome::Network("offline".into())),
            Verdict::Retry {
                retry_after_ms: None
            }
        );
        assert_eq!(
            classify(&Outcome::Status {
                code: 429,
                retry_after_ms: Some(2000.0)
            }),
            Verdict::Retry {
                retry_after_ms: Some(2000.0)
            }
        );
    }

    #[test]
    fn retry_after_in_seconds() {
        assert_eq!(parse_retry_after(" 3 "), Some(3000.0));
        assert_eq!(parse_retry_after("0.5"), Some(500.0));
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        // What `str::parse::<f64>` took besides JSON numbers.
        assert_eq!(parse_retry_after("+2"), Some(2000.0));
        assert_eq!(parse_retry_after(".5"), Some(500.0));
        assert_eq!(parse_retry_after("5."), Some(5000.0));
        assert_eq!(parse_retry_after("007"), Some(7000.0));
        assert_eq!(parse_retry_after("1e1"), Some(10_000.0));
        assert_eq!(parse_retry_after("1E+1"), Some(10_000.0));
        for bad in [
            "", ".", "inf", "NaN", "1e", "1e+", "--1", "1.2.3", "0x10", " ",
        ] {
            assert_eq!(parse_retry_after(bad), None, "{bad:?}");
        }
    }
}

//! What an answer from a collector means, and the consent gate of delivery.
//!
//! * 2xx — acknowledged: the events leave the outbox (for that collector).
//! * network error, 408, 429, 5xx (and anything unexpected, e.g. an opaque
//!   redirect) — retried later with backoff, honouring `Retry-After`.
//! * any other 4xx — rejected for good: the events are dropped for that
//!   collector and an error is reported, since resending cannot help.

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
    let secs: f64 = value.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then_some(secs * 1000.0)
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
    }
}

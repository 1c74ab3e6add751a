//! A storage lease: the fallback for "one sender across tabs" where the Web
//! Locks API is missing. A tab may send while it holds an unexpired lease
//! record `{"o": owner, "u": until_ms}` under one storage key. Best effort:
//! two tabs writing within the same millisecond can both believe they won, which
//! costs a duplicate delivery (same `messageId`), never a lost event.

use serde::{Deserialize, Serialize};

/// The stored lease record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lease {
    /// Id of the tab holding it.
    #[serde(rename = "o")]
    pub owner: String,
    /// Expiry, ms since the epoch.
    #[serde(rename = "u")]
    pub until: f64,
}

/// Whether `me` may take (or renew) the lease given what storage holds now.
pub fn may_take(current: Option<&str>, me: &str, now: f64) -> bool {
    match current.and_then(|s| serde_json::from_str::<Lease>(s).ok()) {
        None => true,
        Some(l) => l.owner == me || l.until <= now,
    }
}

/// True when the stored record names `me` as a live owner.
pub fn holds(current: Option<&str>, me: &str, now: f64) -> bool {
    current
        .and_then(|s| serde_json::from_str::<Lease>(s).ok())
        .is_some_and(|l| l.owner == me && l.until > now)
}

/// The record `me` writes to hold the lease for `ttl_ms`.
pub fn record(me: &str, now: f64, ttl_ms: f64) -> String {
    let lease = Lease {
        owner: me.to_string(),
        until: now + ttl_ms,
    };
    serde_json::to_string(&lease).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_expired_or_own_leases_may_be_taken() {
        let mine = record("a", 1000.0, 500.0);
        assert!(may_take(None, "a", 0.0));
        assert!(may_take(Some("garbage"), "a", 0.0));
        assert!(may_take(Some(&mine), "a", 1200.0), "renewal");
        assert!(!may_take(Some(&mine), "b", 1200.0), "held by another tab");
        assert!(may_take(Some(&mine), "b", 1500.0), "expired");
        assert!(holds(Some(&mine), "a", 1499.0));
        assert!(!holds(Some(&mine), "a", 1500.0));
        assert!(!holds(Some(&mine), "b", 1000.0));
    }
}

//! Data minimisation for everything that leaves the device: property and trait
//! allow/deny lists, masking of values that look like e-mail addresses or phone
//! numbers, and optional SHA-256 hashing of the user id.

use crate::core::error::{index_path, join_path, AttuneError, Result};
use crate::core::json::{Map, Value};
use crate::core::sha256::sha256_hex;

/// What replaces a masked value.
pub const MASK: &str = "[redacted]";

/// The `privacy` section of the config.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MinimizeConfig {
    /// If set, only these property/trait keys leave the device.
    pub allow: Option<Vec<String>>,
    /// These keys never leave the device.
    pub deny: Vec<String>,
    /// Keys whose values may look like e-mails or phone numbers without being masked.
    pub allow_pii: Vec<String>,
    /// Mask e-mail- and phone-like values (default true).
    pub mask_pii: bool,
    /// Replace `userId` by its SHA-256 hex digest in outgoing events.
    pub hash_user_id: bool,
}

impl MinimizeConfig {
    /// Reads `config.privacy` (absent → mask PII, no lists, no hashing).
    pub fn parse(v: Option<&Value>) -> Result<Self> {
        let mut c = MinimizeConfig {
            mask_pii: true,
            ..Self::default()
        };
        let Some(v) = v.filter(|v| !v.is_null()) else {
            return Ok(c);
        };
        let obj = v
            .as_object()
            .ok_or_else(|| AttuneError::config("privacy", "expected an object"))?;
        let list = |key: &str| -> Result<Option<Vec<String>>> {
            let path = join_path("privacy", key);
            match obj.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Array(a)) => {
                    let mut out = Vec::with_capacity(a.len());
                    for (i, x) in a.iter().enumerate() {
                        match x.as_str() {
                            Some(s) => out.push(s.to_string()),
                            None => {
                                return Err(AttuneError::config(
                                    index_path(&path, i),
                                    "expected a string",
                                ))
                            }
                        }
                    }
                    Ok(Some(out))
                }
                Some(_) => Err(AttuneError::config(path, "expected an array of strings")),
            }
        };
        let flag = |key: &str, default: bool| -> Result<bool> {
            match obj.get(key) {
                None | Some(Value::Null) => Ok(default),
                Some(Value::Bool(b)) => Ok(*b),
                Some(_) => Err(AttuneError::config_at("privacy", key, "expected a boolean")),
            }
        };
        c.allow = list("allow")?;
        c.deny = list("deny")?.unwrap_or_default();
        c.allow_pii = list("allowPii")?.unwrap_or_default();
        c.mask_pii = flag("maskPii", true)?;
        c.hash_user_id = flag("hashUserId", false)?;
        Ok(c)
    }

    /// True when [`MinimizeConfig::apply`] would leave an event with these
    /// properties and traits unchanged (no lists, no hashing, nothing PII-like),
    /// so it can be serialized directly.
    pub fn leaves_unchanged(&self, maps: &[Option<&Map>], has_user_id: bool) -> bool {
        if self.allow.is_some() || !self.deny.is_empty() || (self.hash_user_id && has_user_id) {
            return false;
        }
        !self.mask_pii
            || maps
                .iter()
                .flatten()
                .all(|m| m.values().all(|v| !needs_mask(v)))
    }

    /// Applies the lists and masking to one outgoing event (a Segment message as JSON).
    pub fn apply(&self, event: &mut Value) {
        for key in ["properties", "traits"] {
            if let Some(Value::Object(map)) = event.get_mut(key) {
                self.filter_map(map);
            }
        }
        if self.hash_user_id {
            if let Some(Value::String(uid)) = event.get_mut("userId") {
                *uid = sha256_hex(uid);
            }
        }
    }

    fn filter_map(&self, map: &mut Map) {
        map.retain(|k: &str, _: &mut Value| {
            !self.deny.iter().any(|d| d == k)
                && self.allow.as_ref().is_none_or(|a| a.iter().any(|x| x == k))
        });
        if self.mask_pii {
            for (k, v) in map.iter_mut() {
                if !self.allow_pii.contains(k) {
                    mask_value(v);
                }
            }
        }
    }
}

fn needs_mask(v: &Value) -> bool {
    match v {
        Value::String(s) => looks_like_email(s) || looks_like_phone(s),
        Value::Array(a) => a.iter().any(needs_mask),
        Value::Object(m) => m.values().any(needs_mask),
        _ => false,
    }
}

/// Masks, recursively, every string that looks like an e-mail address or a phone number.
pub fn mask_value(v: &mut Value) {
    match v {
        Value::String(s) if looks_like_email(s) || looks_like_phone(s) => *s = MASK.to_string(),
        Value::Array(a) => a.iter_mut().for_each(mask_value),
        Value::Object(m) => m.values_mut().for_each(mask_value),
        _ => {}
    }
}

/// A top-level domain: two or more ASCII letters.
fn is_tld(tld: &str) -> bool {
    tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic())
}

/// `local@domain.tld` somewhere in the string, with no spaces around the `@`.
pub fn looks_like_email(s: &str) -> bool {
    s.split_whitespace().any(|word| {
        let Some((local, domain)) = word.split_once('@') else {
            return false;
        };
        let domain = domain.trim_end_matches(['.', ',', ';', ')', '>']);
        !local.is_empty()
            && domain.as_bytes().contains(&b'.')
            && !domain.starts_with('.')
            && is_tld(crate::core::text::after_last(domain, b'.'))
            && domain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    })
}

/// 8 to 15 digits, optionally with `+`, spaces, dots, dashes and parentheses, and
/// nothing else; ISO dates and dotted sequences of single digits (versions) are not.
pub fn looks_like_phone(s: &str) -> bool {
    let t = s.trim();
    // One pass: digits, `+`s and `.`s counted, single-digit groups (between
    // separators) counted, and whether only digits and dots were seen.
    let (mut digits, mut plus, mut dots, mut singles, mut group) = (0, 0, 0, 0, 0);
    let mut digits_and_dots = true;
    for &b in t.as_bytes() {
        match b {
            b'0'..=b'9' => {
                digits += 1;
                group += 1;
                continue;
            }
            b'+' => plus += 1,
            b'.' => dots += 1,
            b' ' | b'-' | b'(' | b')' => {}
            _ => return false,
        }
        singles += usize::from(group == 1);
        group = 0;
        digits_and_dots &= b == b'.';
    }
    singles += usize::from(group == 1);
    // A bare integer or decimal (prices, ids) is not a phone number unless it
    // has a `+` or separators.
    let plain_number = digits_and_dots && dots <= 1 && !t.starts_with('0');
    (8..=15).contains(&digits)
        && plus <= 1
        && !crate::core::text::contains_str(t, "..")
        && !plain_number
        && crate::core::time::parse_iso8601(t).is_none()
        && singles <= 1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `serde_json::json!` as a core [`Value`].
    macro_rules! json {
        ($($t:tt)+) => {
            Value::parse(&serde_json::json!($($t)+).to_string()).expect("json")
        };
    }

    #[test]
    fn recognises_emails_and_phones_but_not_ordinary_values() {
        for s in ["ann@example.com", "mail me: a.b+c@mail.co.uk.", "X@Y.io"] {
            assert!(looks_like_email(s), "{s}");
        }
        for s in ["@handle", "a@b", "price@ 10", "user@localhost", "a@b.c0m"] {
            assert!(!looks_like_email(s), "{s}");
        }
        for s in [
            "+44 20 7946 0958",
            "(555) 123-4567",
            "030-1234567",
            "0612345678",
        ] {
            assert!(looks_like_phone(s), "{s}");
        }
        for s in [
            "12345",
            "19.99",
            "12345678",
            "2026-11-22",
            "SKU 1234-5678",
            "1.2.3.4.5.6.7.8",
        ] {
            assert!(!looks_like_phone(s), "{s}");
        }
    }

    #[test]
    fn applies_lists_masking_and_hashing() {
        let cfg = MinimizeConfig::parse(Some(
            &json!({"deny": ["ssn"], "allowPii": ["supportEmail"], "hashUserId": true}),
        ))
        .unwrap_or_else(|e| panic!("{e}"));
        let mut e = json!({
            "userId": "abc",
            "properties": {"ssn": "1", "email": "ann@example.com", "supportEmail": "help@shop.example", "nested": {"tel": "+1 555 123 4567"}, "price": 19.99},
            "traits": {"phone": "0612345678", "plan": "gold"}
        });
        cfg.apply(&mut e);
        assert_eq!(
            e["userId"],
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            e["properties"],
            json!({"email": MASK, "supportEmail": "help@shop.example", "nested": {"tel": MASK}, "price": 19.99})
        );
        assert_eq!(e["traits"], json!({"phone": MASK, "plan": "gold"}));

        let allow = MinimizeConfig::parse(Some(&json!({"allow": ["plan"], "maskPii": false})))
            .unwrap_or_else(|e| panic!("{e}"));
        let mut e = json!({"userId": "abc", "traits": {"phone": "0612345678", "plan": "gold"}});
        allow.apply(&mut e);
        assert_eq!(e, json!({"userId": "abc", "traits": {"plan": "gold"}}));
    }

    #[test]
    fn config_errors_name_the_path() {
        let e = MinimizeConfig::parse(Some(&json!({"deny": ["a", 3]})))
            .err()
            .map(|e| e.to_string());
        assert_eq!(e.as_deref(), Some("privacy.deny[1]: expected a string"));
        let e = MinimizeConfig::parse(Some(&json!({"hashUserId": "yes"})))
            .err()
            .map(|e| e.to_string());
        assert_eq!(e.as_deref(), Some("privacy.hashUserId: expected a boolean"));
    }
}

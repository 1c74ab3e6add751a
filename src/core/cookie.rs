//! The optional first-party cookie carrying the anonymous id across
//! subdomains (`identity.cookie`). Attune sets no cookie unless configured.
//! Lifetime: `days` (default 365), refreshed on every page load.

use crate::cat;
use crate::core::error::{AttuneError, Result};
use crate::core::json::Value;

/// Cookie name.
pub const COOKIE_NAME: &str = "attune_aid";

/// `identity.cookie` settings.
#[derive(Debug, Clone, PartialEq)]
pub struct CookieConfig {
    /// `Domain=` (e.g. `.example.com` to span subdomains); host-only when absent.
    pub domain: Option<String>,
    /// `SameSite=` (`Lax` by default, `Strict` or `None`).
    pub same_site: String,
    /// `Secure` flag (forced when `SameSite=None`).
    pub secure: bool,
    /// Lifetime in days (default 365).
    pub days: f64,
}

impl CookieConfig {
    /// Reads `config.identity.cookie` (`true` for the defaults; absent → no cookie).
    pub fn parse(identity: Option<&Value>) -> Result<Option<Self>> {
        let Some(v) = identity
            .and_then(|i| i.get("cookie"))
            .filter(|v| !v.is_null())
        else {
            return Ok(None);
        };
        let path = "identity.cookie";
        let mut c = CookieConfig {
            domain: None,
            same_site: "Lax".into(),
            secure: false,
            days: 365.0,
        };
        match v {
            Value::Bool(false) => return Ok(None),
            Value::Bool(true) => {}
            Value::Object(o) => {
                if let Some(d) = o.get("domain").filter(|d| !d.is_null()) {
                    let d = d.as_str().ok_or_else(|| {
                        AttuneError::config_at(path, "domain", "expected a string")
                    })?;
                    if d.is_empty() || d.contains([';', ' ', ',']) {
                        return Err(AttuneError::config_at(path, "domain", "not a domain"));
                    }
                    c.domain = Some(d.to_string());
                }
                if let Some(s) = o.get("sameSite").filter(|s| !s.is_null()) {
                    c.same_site = match s.as_str().map(str::to_ascii_lowercase).as_deref() {
                        Some("lax") => "Lax".into(),
                        Some("strict") => "Strict".into(),
                        Some("none") => "None".into(),
                        _ => {
                            return Err(AttuneError::config_at(
                                path,
                                "sameSite",
                                "expected \"Lax\", \"Strict\" or \"None\"",
                            ))
                        }
                    };
                }
                if let Some(s) = o.get("secure").filter(|s| !s.is_null()) {
                    c.secure = s.as_bool().ok_or_else(|| {
                        AttuneError::config_at(path, "secure", "expected a boolean")
                    })?;
                }
                if let Some(d) = o.get("days").filter(|d| !d.is_null()) {
                    c.days = d.as_f64().filter(|d| *d > 0.0).ok_or_else(|| {
                        AttuneError::config_at(path, "days", "expected a positive number")
                    })?;
                }
            }
            _ => return Err(AttuneError::config(path, "expected true or an object")),
        }
        if c.same_site == "None" {
            c.secure = true;
        }
        Ok(Some(c))
    }

    /// The `document.cookie` assignment that sets `value`.
    pub fn set_string(&self, value: &str) -> String {
        self.with_attributes(cat!(
            COOKIE_NAME,
            "=",
            value,
            "; Max-Age=",
            (self.days * 86_400.0).round() as i64
        ))
    }

    /// The `document.cookie` assignment that deletes the cookie.
    pub fn delete_string(&self) -> String {
        self.with_attributes(cat!(COOKIE_NAME, "=; Max-Age=0"))
    }

    fn with_attributes(&self, mut s: String) -> String {
        s.push_str("; Path=/");
        if let Some(d) = &self.domain {
            s.push_str("; Domain=");
            s.push_str(d);
        }
        s.push_str("; SameSite=");
        s.push_str(&self.same_site);
        if self.secure {
            s.push_str("; Secure");
        }
        s
    }
}

/// Reads the anonymous id from a `document.cookie` string.
pub fn read(cookies: &str) -> Option<String> {
    cookies.split(';').find_map(|c| {
        let (k, v) = c.trim().split_once('=')?;
        (k == COOKIE_NAME && crate::core::ids::is_uuid_v4(v)).then(|| v.to_string())
    })
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
    fn builds_cookie_strings_and_reads_them_back() {
        let c = CookieConfig::parse(Some(
            &json!({"cookie": {"domain": ".example.com", "sameSite": "none", "days": 30}}),
        ))
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("cookie config"));
        assert_eq!(
            c.set_string("x"),
            "attune_aid=x; Max-Age=2592000; Path=/; Domain=.example.com; SameSite=None; Secure"
        );
        assert_eq!(
            c.delete_string(),
            "attune_aid=; Max-Age=0; Path=/; Domain=.example.com; SameSite=None; Secure"
        );
        let id = "0f8fad5b-d9cb-469f-a165-70867728950e";
        assert_eq!(
            read(&format!("a=1; attune_aid={id}; b=2")).as_deref(),
            Some(id)
        );
        assert_eq!(read("attune_aid=not-a-uuid"), None);
        assert_eq!(CookieConfig::parse(None), Ok(None));
        assert_eq!(
            CookieConfig::parse(Some(&json!({"cookie": true})))
                .ok()
                .flatten()
                .map(|c| c.same_site),
            Some("Lax".into())
        );
        let e = CookieConfig::parse(Some(&json!({"cookie": {"sameSite": "loose"}})))
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("identity.cookie.sameSite: expected \"Lax\", \"Strict\" or \"None\"")
        );
    }
}

//! Server-seeded profile data: traits, segments ("audiences") and exposures
//! that other channels (CRM, e-mail, store) know about this visitor, fetched
//! from `profile.url` and merged into the attribute document.
//!
//! Precedence: the visitor's own `identify` traits win over server traits of
//! the same name (they are the most recent thing the visitor told us); server
//! traits fill in everything else. Server segments appear as
//! `audiences.<name> = true`; server exposures as `server.exposures`. The raw
//! answer stays readable under `server`.

use crate::core::error::{AttuneError, Result};
use crate::core::json::{Map, Value};
use crate::core::profile::{field_array, field_f64, field_object, field_strings, record};

/// Longest list of server segments or exposures kept.
pub const MAX_ITEMS: usize = 100;

/// What the profile endpoint returned, as kept in the profile (stored as
/// `{traits, segments, exposures, fetched_at}`, every key always written).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServerProfile {
    /// Traits known to other channels.
    pub traits: Map,
    /// Segment (audience) names computed elsewhere.
    pub segments: Vec<String>,
    /// Exposures on other channels (`{channel, campaign, variant, at, …}`).
    pub exposures: Vec<Value>,
    /// When it was fetched, epoch ms.
    pub fetched_at: f64,
}

impl ServerProfile {
    /// The stored (and attribute document `server`) form.
    pub fn to_value(&self) -> Value {
        let mut segments = Vec::with_capacity(self.segments.len());
        for s in &self.segments {
            segments.push(Value::from(s.as_str()));
        }
        let mut m = Map::with_capacity(4);
        m.insert("traits", Value::Object(self.traits.clone()));
        m.insert("segments", Value::Array(segments));
        m.insert("exposures", Value::Array(self.exposures.clone()));
        m.insert("fetched_at", Value::from(self.fetched_at));
        Value::Object(m)
    }

    /// Reads the stored form; a missing key reads as empty (or 0).
    pub fn from_value(v: &Value) -> std::result::Result<Self, String> {
        let m = record(v)?;
        Ok(ServerProfile {
            traits: field_object(m, "traits")?.cloned().unwrap_or_default(),
            segments: field_strings(m, "segments")?,
            exposures: field_array(m, "exposures")?.map_or_else(Vec::new, <[Value]>::to_vec),
            fetched_at: field_f64(m, "fetched_at")?.unwrap_or(0.0),
        })
    }

    /// Reads the endpoint's JSON answer; wrong shapes are errors naming the path.
    pub fn parse(v: &Value, now: f64) -> Result<Self> {
        let obj = v
            .as_object()
            .ok_or_else(|| AttuneError::input("profile.response", "expected an object"))?;
        let traits = match obj.get("traits") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(_) => {
                return Err(AttuneError::input(
                    "profile.response.traits",
                    "expected an object",
                ))
            }
        };
        let segments = match obj.get("segments") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => Value::strings_in(a, MAX_ITEMS),
            Some(_) => {
                return Err(AttuneError::input(
                    "profile.response.segments",
                    "expected an array of names",
                ))
            }
        };
        let exposures = match obj.get("exposures") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a[..a.len().min(MAX_ITEMS)].to_vec(),
            Some(_) => {
                return Err(AttuneError::input(
                    "profile.response.exposures",
                    "expected an array",
                ))
            }
        };
        Ok(Self {
            traits,
            segments,
            exposures,
            fetched_at: now,
        })
    }

    /// Traits as rules see them: server traits overlaid by the local ones.
    pub fn merged_traits(&self, local: &Map) -> Map {
        let mut out = self.traits.clone();
        for (k, v) in local {
            out.insert(k.clone(), v.clone());
        }
        out
    }

    /// `{name: true}` for the server's segments.
    pub fn audiences(&self) -> Map {
        let mut out = Map::with_capacity(self.segments.len());
        for s in &self.segments {
            out.insert(s.as_str(), Value::Bool(true));
        }
        out
    }
}

/// The `profile` section of the config: where and how long to wait.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedConfig {
    /// Endpoint URL; `anonymousId` and `userId` are added as query parameters.
    pub url: String,
    /// Give up after this long, ms (default 1500).
    pub timeout_ms: f64,
}

impl SeedConfig {
    /// Reads `config.profile` (absent → no seeding).
    pub fn parse(v: Option<&Value>) -> Result<Option<Self>> {
        let Some(v) = v.filter(|v| !v.is_null()) else {
            return Ok(None);
        };
        let obj = v
            .as_object()
            .ok_or_else(|| AttuneError::config("profile", "expected an object"))?;
        let url = match obj.get("url") {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(_) => {
                return Err(AttuneError::config(
                    "profile.url",
                    "expected a non-empty string",
                ))
            }
        };
        let timeout_ms = match obj.get("timeoutMs") {
            None | Some(Value::Null) => 1500.0,
            Some(Value::Number(n)) => n.clamp(50.0, 30_000.0),
            Some(_) => {
                return Err(AttuneError::config(
                    "profile.timeoutMs",
                    "expected a number",
                ))
            }
        };
        Ok(Some(Self { url, timeout_ms }))
    }

    /// The request URL for these ids.
    pub fn request_url(&self, anonymous_id: &str, user_id: Option<&str>) -> String {
        let sep = if self.url.as_bytes().contains(&b'?') {
            '&'
        } else {
            '?'
        };
        let mut u = crate::cat!(self.url, sep, "anonymousId=", encode(anonymous_id));
        if let Some(uid) = user_id {
            u.push_str("&userId=");
            u.push_str(&encode(uid));
        }
        u
    }
}

/// Percent-encodes everything but unreserved characters.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b >> 4)]));
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b & 15)]));
        }
    }
    out
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
    fn parses_merges_and_builds_the_url() {
        let sp = ServerProfile::parse(&json!({"traits": {"plan": "gold", "name": "Server"}, "segments": ["vip"], "exposures": [{"channel": "email"}]}), 5.0)
            .unwrap_or_default();
        let local = json!({"name": "Ann"})
            .as_object()
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            Value::Object(sp.merged_traits(&local)),
            json!({"plan": "gold", "name": "Ann"}),
            "local wins"
        );
        assert_eq!(Value::Object(sp.audiences()), json!({"vip": true}));
        let e = ServerProfile::parse(&json!({"segments": "vip"}), 0.0)
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("profile.response.segments: expected an array of names")
        );
        let c = SeedConfig::parse(Some(&json!({"url": "/v1/profile"})))
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("config"));
        assert_eq!(
            c.request_url("a b", Some("u&1")),
            "/v1/profile?anonymousId=a%20b&userId=u%261"
        );
        assert_eq!(c.timeout_ms, 1500.0);
        assert!(SeedConfig::parse(Some(&json!({"url": 3}))).is_err());
    }
}

//! The page's environment, applied to the worker's engine at start: what the
//! page's engine reads from `navigator`, `document`, the cookie and
//! `localStorage`, which a worker has not (or not the same): the privacy
//! signals, the event context, the time zone offset, the page, the
//! anonymous id and the consent choices.

use crate::core::engine::Engine;
use crate::core::error::AttuneError;
use crate::core::event::{Context, PageContext};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// Keys of the page's consent state that are not categories (ignored, so the
/// page may pass `consentState()` as it is).
const STATE_KEYS: [&str; 3] = ["gpc", "doNotTrack", "mode"];

/// The `env` of the worker's `init` message, checked.
#[derive(Debug, Default)]
pub(super) struct PageEnv {
    present: bool,
    gpc: bool,
    dnt: bool,
    environment: Option<Context>,
    local_offset: Option<f64>,
    page: Option<PageContext>,
    anonymous_id: Option<String>,
    /// Category → allowed, as the page has it.
    consent: Option<Map<String, Value>>,
}

fn bad(field: &str, message: impl Into<String>) -> AttuneError {
    AttuneError::input(format!("env.{field}"), message)
}

fn flag(v: Option<&Value>, field: &str) -> Result<bool, AttuneError> {
    match v {
        None => Ok(false),
        Some(v) => v.as_bool().ok_or_else(|| bad(field, "expected a boolean")),
    }
}

fn typed<T: DeserializeOwned>(v: Option<&Value>, field: &str) -> Result<Option<T>, AttuneError> {
    v.map(|v| {
        if !v.is_object() {
            return Err(bad(field, "expected an object"));
        }
        T::deserialize(v).map_err(|e| bad(field, e.to_string()))
    })
    .transpose()
}

fn consent(v: Option<&Value>) -> Result<Option<Map<String, Value>>, AttuneError> {
    let Some(v) = v else { return Ok(None) };
    let m = v
        .as_object()
        .ok_or_else(|| bad("consent", "expected an object or null"))?;
    let mut out = Map::new();
    for (k, v) in m {
        if STATE_KEYS.contains(&k.as_str()) {
            continue;
        }
        let path = format!("consent.{k}");
        if crate::core::consent::Category::from_name(k).is_none() {
            return Err(bad(&path, "unknown consent category"));
        }
        let b = v
            .as_bool()
            .ok_or_else(|| bad(&path, "expected a boolean"))?;
        out.insert(k.clone(), Value::Bool(b));
    }
    Ok(Some(out))
}

impl PageEnv {
    /// Reads `env` (`null`: nothing to apply); a malformed field is an
    /// error naming `env.{field}`.
    pub(super) fn parse(v: &Value) -> Result<Self, AttuneError> {
        let m = match v {
            Value::Null => return Ok(Self::default()),
            Value::Object(m) => m,
            _ => return Err(AttuneError::input("env", "expected an object")),
        };
        let field = |k: &str| m.get(k).filter(|v| !v.is_null());
        let local_offset = field("localOffset")
            .map(|v| {
                v.as_f64()
                    .filter(|n| n.is_finite())
                    .ok_or_else(|| bad("localOffset", "expected a number of minutes"))
            })
            .transpose()?;
        let anonymous_id = field("anonymousId")
            .map(|v| {
                v.as_str()
                    .map(String::from)
                    .ok_or_else(|| bad("anonymousId", "expected a string or null"))
            })
            .transpose()?;
        Ok(PageEnv {
            present: true,
            gpc: flag(field("gpc"), "gpc")?,
            dnt: flag(field("dnt"), "dnt")?,
            environment: typed(field("environment"), "environment")?,
            local_offset,
            page: typed(field("page"), "page")?,
            anonymous_id,
            consent: consent(field("consent"))?,
        })
    }

    /// Right after the engine is built, as the page's `init` does: the
    /// privacy signals, the event context, the offset and the page.
    pub(super) fn apply_context(&self, e: &mut Engine) {
        if !self.present {
            return;
        }
        e.set_privacy_signals(self.gpc, self.dnt);
        if let Some(c) = &self.environment {
            e.set_environment(c.clone());
        }
        if let Some(m) = self.local_offset {
            e.set_local_offset(m);
        }
        if let Some(p) = &self.page {
            e.set_page(p.clone());
        }
    }

    /// After the profile is adopted: the page's anonymous id (unless
    /// `keep_own`: the page had no record and this engine has one), then its
    /// consent choices where this engine's state (restored from IndexedDB)
    /// differs, so consent gates what is stored and sent here as on the page
    /// (a revocation wipes what IndexedDB holds for the category).
    pub(super) fn apply_identity(&self, e: &mut Engine, keep_own: bool) -> Result<(), AttuneError> {
        if let Some(id) = self.anonymous_id.as_ref().filter(|_| !keep_own) {
            e.adopt_anonymous_id(id);
        }
        if let Some(page) = &self.consent {
            e.match_consent(page)?;
        }
        // The page logs its own notes about signals and refused grants.
        let _ = e.take_notes();
        Ok(())
    }
}

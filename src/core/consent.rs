//! Consent as a state machine. Every storage write, every send and every
//! profile-based rule read asks it first.
//!
//! Categories: `necessary` (always allowed: the consent record itself),
//! `analytics` (tracking and delivery), `personalization` (the stored profile
//! and decisions that read it), `marketing` (exposures and traits shared with
//! other channels).
//!
//! Modes: in `opt-in` a category is denied until granted; in `opt-out` it is
//! allowed until revoked. Global Privacy Control, when the browser sends it,
//! denies `marketing` by default (`gpc: "marketing"`; `"all"` denies every
//! optional category; `"ignore"` logs and ignores it); an explicit grant does
//! not override GPC for the categories it covers. `doNotTrack` is ignored by
//! default (`doNotTrack: "ignore"`, logged); `"analytics"` or `"all"` make it
//! deny like GPC.

use crate::cat;
use crate::core::error::{join_path, AttuneError, Result};
use crate::core::json::{Map, Value};

/// A consent category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// Strictly necessary storage (the consent record). Always allowed.
    Necessary,
    /// Tracking events and delivering them.
    Analytics,
    /// Keeping a profile on the device and deciding content from it.
    Personalization,
    /// Exposures and traits shared with other channels.
    Marketing,
}

/// Every category, in a fixed order.
pub const CATEGORIES: [Category; 4] = [
    Category::Necessary,
    Category::Analytics,
    Category::Personalization,
    Category::Marketing,
];

impl Category {
    /// The category's name in config and rules.
    pub fn name(self) -> &'static str {
        match self {
            Self::Necessary => "necessary",
            Self::Analytics => "analytics",
            Self::Personalization => "personalization",
            Self::Marketing => "marketing",
        }
    }

    /// Parses a category name.
    pub fn from_name(name: &str) -> Option<Self> {
        CATEGORIES.into_iter().find(|c| c.name() == name)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Whether unset categories are allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Denied until granted.
    OptIn,
    /// Allowed until revoked.
    OptOut,
}

/// What a browser privacy signal denies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignalPolicy {
    /// The signal is logged and otherwise ignored.
    Ignore,
    /// The signal denies `marketing`.
    Marketing,
    /// The signal denies `analytics` and `marketing`.
    Analytics,
    /// The signal denies every optional category.
    All,
}

impl SignalPolicy {
    fn covers(self, c: Category) -> bool {
        match self {
            Self::Ignore => false,
            Self::Marketing => c == Category::Marketing,
            Self::Analytics => matches!(c, Category::Analytics | Category::Marketing),
            Self::All => c != Category::Necessary,
        }
    }

    fn parse(v: Option<&Value>, path: &str, default: Self) -> Result<Self> {
        match v {
            None | Some(Value::Null) => Ok(default),
            Some(Value::Bool(false)) => Ok(Self::Ignore),
            Some(Value::Bool(true)) => Ok(Self::Marketing),
            Some(Value::String(s)) => match s.as_str() {
                "ignore" => Ok(Self::Ignore),
                "marketing" => Ok(Self::Marketing),
                "analytics" => Ok(Self::Analytics),
                "all" => Ok(Self::All),
                _ => Err(AttuneError::config(
                    path,
                    cat!(
                        "expected \"ignore\", \"marketing\", \"analytics\" or \"all\", got \"",
                        s,
                        "\""
                    ),
                )),
            },
            Some(_) => Err(AttuneError::config(path, "expected a string")),
        }
    }
}

/// The `consent` section of the config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsentConfig {
    /// Opt-in or opt-out.
    pub mode: Mode,
    /// What Global Privacy Control denies (default: marketing).
    pub gpc: SignalPolicy,
    /// What Do-Not-Track denies (default: nothing, but logged).
    pub do_not_track: SignalPolicy,
}

impl Default for ConsentConfig {
    fn default() -> Self {
        Self {
            mode: Mode::OptOut,
            gpc: SignalPolicy::Marketing,
            do_not_track: SignalPolicy::Ignore,
        }
    }
}

impl ConsentConfig {
    /// Reads `config.consent` (absent → opt-out, GPC denies marketing, DNT ignored).
    pub fn parse(v: Option<&Value>) -> Result<Self> {
        let Some(v) = v.filter(|v| !v.is_null()) else {
            return Ok(Self::default());
        };
        let obj = v
            .as_object()
            .ok_or_else(|| AttuneError::config("consent", "expected an object"))?;
        let mode = match obj.get("mode") {
            None | Some(Value::Null) => Mode::OptOut,
            Some(Value::String(s)) if s == "opt-in" => Mode::OptIn,
            Some(Value::String(s)) if s == "opt-out" => Mode::OptOut,
            Some(_) => {
                return Err(AttuneError::config(
                    "consent.mode",
                    "expected \"opt-in\" or \"opt-out\"",
                ))
            }
        };
        let gpc = SignalPolicy::parse(obj.get("gpc"), "consent.gpc", SignalPolicy::Marketing)?;
        let do_not_track = SignalPolicy::parse(
            obj.get("doNotTrack"),
            "consent.doNotTrack",
            SignalPolicy::Ignore,
        )?;
        Ok(Self {
            mode,
            gpc,
            do_not_track,
        })
    }
}

/// What an update changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transition {
    /// Categories that became allowed.
    pub granted: Vec<Category>,
    /// Categories that became denied.
    pub revoked: Vec<Category>,
    /// Requests that were not applied, with the reason (e.g. a grant GPC overrides).
    pub refused: Vec<(Category, &'static str)>,
}

/// The visitor's consent: explicit choices plus the browser's signals.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsentState {
    config: ConsentConfig,
    choices: [Option<bool>; 4],
    gpc: bool,
    dnt: bool,
}

impl ConsentState {
    /// Fresh state with no explicit choices.
    pub fn new(config: ConsentConfig, gpc: bool, dnt: bool) -> Self {
        Self {
            config,
            choices: [None; 4],
            gpc,
            dnt,
        }
    }

    /// Whether `c` is allowed now.
    pub fn allows(&self, c: Category) -> bool {
        if c == Category::Necessary {
            return true;
        }
        if (self.gpc && self.config.gpc.covers(c))
            || (self.dnt && self.config.do_not_track.covers(c))
        {
            return false;
        }
        self.choices[c.index()].unwrap_or(self.config.mode == Mode::OptOut)
    }

    /// Whether the visitor made an explicit choice for `c`.
    pub fn decided(&self, c: Category) -> bool {
        c == Category::Necessary || self.choices[c.index()].is_some()
    }

    /// Whether unset categories are denied (opt-in mode).
    pub fn is_opt_in(&self) -> bool {
        self.config.mode == Mode::OptIn
    }

    /// Notes about the privacy signals, for the log: what was honoured or ignored.
    pub fn signal_notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        for (on, name, policy) in [
            (self.gpc, "Global Privacy Control", self.config.gpc),
            (self.dnt, "Do Not Track", self.config.do_not_track),
        ] {
            if !on {
                continue;
            }
            let mut denied = String::new();
            for c in CATEGORIES {
                if policy.covers(c) {
                    if !denied.is_empty() {
                        denied.push_str(", ");
                    }
                    denied.push_str(c.name());
                }
            }
            notes.push(if denied.is_empty() {
                cat!(name, " is set; ignored by configuration")
            } else {
                cat!(name, " is set; denying ", denied)
            });
        }
        notes
    }

    /// Applies `changes` (`{"analytics": true, "marketing": false}`); unknown
    /// categories and non-boolean values are errors naming their path.
    pub fn update(&mut self, changes: &Map) -> Result<Transition> {
        let mut parsed = Vec::with_capacity(changes.len());
        for (k, v) in changes {
            let path = join_path("consent", k);
            let c = Category::from_name(k)
                .ok_or_else(|| AttuneError::input(&path, "unknown consent category"))?;
            let b = v
                .as_bool()
                .ok_or_else(|| AttuneError::input(&path, "expected a boolean"))?;
            parsed.push((c, b));
        }
        let before: Vec<bool> = CATEGORIES.iter().map(|c| self.allows(*c)).collect();
        let mut t = Transition::default();
        for (c, b) in parsed {
            if c == Category::Necessary {
                if !b {
                    t.refused.push((c, "necessary storage cannot be refused"));
                }
                continue;
            }
            self.choices[c.index()] = Some(b);
            if b && !self.allows(c) {
                t.refused.push((c, "denied by a browser privacy signal"));
            }
        }
        for (i, c) in CATEGORIES.iter().enumerate() {
            match (before[i], self.allows(*c)) {
                (false, true) => t.granted.push(*c),
                (true, false) => t.revoked.push(*c),
                _ => {}
            }
        }
        Ok(t)
    }

    /// The state as rules read it: `{"analytics": true, …, "gpc": false}`.
    pub fn to_attributes(&self) -> Value {
        let mut m = Map::new();
        for c in CATEGORIES {
            m.insert(c.name(), Value::Bool(self.allows(c)));
        }
        m.insert("gpc", Value::Bool(self.gpc));
        m.insert("doNotTrack", Value::Bool(self.dnt));
        m.insert(
            "mode",
            Value::String(
                if self.config.mode == Mode::OptIn {
                    "opt-in"
                } else {
                    "opt-out"
                }
                .into(),
            ),
        );
        Value::Object(m)
    }

    /// The explicit choices, for the persisted consent record.
    pub fn to_record(&self) -> Value {
        let mut m = Map::new();
        for c in CATEGORIES {
            if let Some(b) = self.choices[c.index()] {
                m.insert(c.name(), Value::Bool(b));
            }
        }
        let mut record = Map::with_capacity(2);
        record.insert("choices", Value::Object(m));
        record.insert("version", Value::from(1));
        Value::Object(record)
    }

    /// Restores explicit choices from a persisted record (unknown fields ignored).
    pub fn restore(&mut self, record: &Value) {
        if let Some(m) = record.get("choices").and_then(Value::as_object) {
            for (k, v) in m {
                if let (Some(c), Some(b)) = (Category::from_name(k), v.as_bool()) {
                    if c != Category::Necessary {
                        self.choices[c.index()] = Some(b);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Category::*;

    /// `serde_json::json!` as a core [`Value`].
    macro_rules! json {
        ($($t:tt)+) => {
            Value::parse(&serde_json::json!($($t)+).to_string()).expect("json")
        };
    }

    fn cfg(v: Value) -> ConsentConfig {
        ConsentConfig::parse(Some(&v)).unwrap_or_else(|e| panic!("{e}"))
    }

    fn changes(v: Value) -> Map {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn opt_in_denies_until_granted_and_revoke_is_reported() {
        let mut s = ConsentState::new(cfg(json!({"mode": "opt-in"})), false, false);
        assert!(s.allows(Necessary));
        assert!(!s.allows(Analytics) && !s.allows(Personalization) && !s.allows(Marketing));
        let t = s
            .update(&changes(
                json!({"analytics": true, "personalization": true}),
            ))
            .unwrap_or_default();
        assert_eq!(t.granted, vec![Analytics, Personalization]);
        assert!(t.revoked.is_empty());
        let t = s
            .update(&changes(json!({"analytics": false})))
            .unwrap_or_default();
        assert_eq!((t.granted, t.revoked), (vec![], vec![Analytics]));
        assert!(s.allows(Personalization) && !s.allows(Analytics));
    }

    #[test]
    fn opt_out_allows_until_revoked() {
        let mut s = ConsentState::new(ConsentConfig::default(), false, false);
        assert!(CATEGORIES.iter().all(|c| s.allows(*c)));
        let t = s
            .update(&changes(json!({"marketing": false})))
            .unwrap_or_default();
        assert_eq!(t.revoked, vec![Marketing]);
        let t = s
            .update(&changes(json!({"marketing": false})))
            .unwrap_or_default();
        assert_eq!(t, Transition::default(), "no change, no transition");
    }

    #[test]
    fn gpc_denies_marketing_by_default_and_grants_do_not_override_it() {
        let mut s = ConsentState::new(ConsentConfig::default(), true, false);
        assert!(!s.allows(Marketing) && s.allows(Analytics));
        let t = s
            .update(&changes(json!({"marketing": true})))
            .unwrap_or_default();
        assert_eq!(
            t.refused,
            vec![(Marketing, "denied by a browser privacy signal")]
        );
        assert!(!s.allows(Marketing));
        assert_eq!(
            s.signal_notes(),
            vec!["Global Privacy Control is set; denying marketing".to_string()]
        );
        let all = ConsentState::new(cfg(json!({"gpc": "all"})), true, false);
        assert!(!all.allows(Analytics) && !all.allows(Personalization) && all.allows(Necessary));
        let ignored = ConsentState::new(cfg(json!({"gpc": "ignore"})), true, false);
        assert!(ignored.allows(Marketing));
        assert_eq!(
            ignored.signal_notes(),
            vec!["Global Privacy Control is set; ignored by configuration".to_string()]
        );
    }

    #[test]
    fn do_not_track_is_ignored_by_default_but_logged() {
        let s = ConsentState::new(ConsentConfig::default(), false, true);
        assert!(s.allows(Analytics) && s.allows(Marketing));
        assert_eq!(
            s.signal_notes(),
            vec!["Do Not Track is set; ignored by configuration".to_string()]
        );
        let s = ConsentState::new(cfg(json!({"doNotTrack": "analytics"})), false, true);
        assert!(!s.allows(Analytics) && s.allows(Personalization));
    }

    #[test]
    fn bad_input_names_the_path() {
        let mut s = ConsentState::new(ConsentConfig::default(), false, false);
        let e = s
            .update(&changes(json!({"ads": true})))
            .err()
            .map(|e| e.to_string());
        assert_eq!(e.as_deref(), Some("consent.ads: unknown consent category"));
        let e = s
            .update(&changes(json!({"analytics": "yes"})))
            .err()
            .map(|e| e.to_string());
        assert_eq!(e.as_deref(), Some("consent.analytics: expected a boolean"));
        let e = ConsentConfig::parse(Some(&json!({"mode": "maybe"})))
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("consent.mode: expected \"opt-in\" or \"opt-out\"")
        );
        let t = s
            .update(&changes(json!({"necessary": false})))
            .unwrap_or_default();
        assert_eq!(
            t.refused,
            vec![(Necessary, "necessary storage cannot be refused")]
        );
    }

    #[test]
    fn record_round_trips_and_attributes_read_the_state() {
        let mut s = ConsentState::new(cfg(json!({"mode": "opt-in"})), false, false);
        let _ = s.update(&changes(json!({"analytics": true})));
        let mut r = ConsentState::new(cfg(json!({"mode": "opt-in"})), false, false);
        r.restore(&s.to_record());
        assert_eq!(r, s);
        assert_eq!(
            s.to_record().to_json(),
            r#"{"choices":{"analytics":true},"version":1}"#,
            "the stored record's shape"
        );
        let a = r.to_attributes();
        assert_eq!(
            (
                a["analytics"].clone(),
                a["marketing"].clone(),
                a["mode"].clone()
            ),
            (json!(true), json!(false), json!("opt-in"))
        );
    }
}

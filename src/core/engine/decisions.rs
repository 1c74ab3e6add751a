//! The engine's decision side: deciding slots (storing sticky experiment
//! assignments), explaining them, and recording impressions and clicks in the
//! exposure ledger and as `Experience Viewed` / `Experience Clicked` events.

use super::Engine;
use crate::cat;
use crate::core::consent::Category;
use crate::core::decide::{decide, Decision, Inputs};
use crate::core::error::{AttuneError, Result};
use crate::core::experiment::Sticky;
use crate::core::explain::{explain, Explanation};
use crate::core::exposures::{self, Ledger};
use crate::core::json::{Map, Value};
use crate::core::keymap::KeyMap;
use crate::core::platform::Storage;

impl Engine {
    /// Decision for one slot (`None` when no placement names it). A new
    /// experiment assignment is stored in the profile (sticky).
    pub fn decide(&mut self, slot: &str) -> Option<Decision> {
        self.settle();
        let i = self.placements.items.iter().position(|p| p.slot == slot)?;
        Some(self.decide_index(i))
    }

    /// Decisions for every placement, in config order.
    pub fn decisions(&mut self) -> Vec<Decision> {
        self.settle();
        let n = self.placements.items.len();
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            out.push(self.decide_index(i));
        }
        out
    }

    /// Stores the decisions that show a variant under `<prefix>:decisions`
    /// (personalization consent permitting), so the script-tag loader can paint
    /// a returning visitor's slots before the engine has started. Written only
    /// when it changed.
    pub fn cache_decisions(&mut self, decisions: &[Decision]) {
        if !self.consent.allows(Category::Personalization) {
            return;
        }
        let mut shown = Vec::new();
        for d in decisions {
            if d.variant.is_some() {
                shown.push(d.to_value());
            }
        }
        let json = Value::Array(shown).to_json();
        if json == self.decision_cache {
            return;
        }
        let key = cat!(self.config.storage_prefix, ":decisions");
        // Nothing to paint early: no key at all (after `forget()`, none is left).
        let written = if json == "[]" {
            self.storage.remove(&key)
        } else {
            self.storage.set(&key, &json)
        };
        match written {
            Ok(()) => self.decision_cache = json,
            Err(e) => self.errors.push(e),
        }
    }

    /// Exposure counting and anti-flicker options.
    pub fn display(&self) -> crate::core::placement::DisplayOptions {
        self.display
    }

    /// The trace of the decision for `slot` (`None` for an unknown slot).
    pub fn explain(&self, slot: &str) -> Option<Explanation> {
        let p = self.placements.get(slot)?;
        let (empty_l, empty_s) = (Ledger::new(), KeyMap::new());
        let inputs = self.inputs(&empty_l, &empty_s);
        Some(explain(p, &inputs, self.regex.as_ref()))
    }

    /// Records an impression of the variant `slot` shows now; `Ok(false)` when
    /// it shows its default markup (nothing to record).
    pub fn viewed(&mut self, slot: &str) -> Result<bool> {
        self.exposure(slot, None, false)
    }

    /// Records a click in `slot` on the variant it shows now.
    pub fn clicked(&mut self, slot: &str) -> Result<bool> {
        self.exposure(slot, None, true)
    }

    /// Records an impression (`click` false) or a click of `shown`, the
    /// variant the page really shows in `slot` (it may differ from the current
    /// decision while the slot is pinned to what the visitor saw); `None`
    /// means the current decision's variant.
    pub fn exposure(&mut self, slot: &str, shown: Option<&str>, click: bool) -> Result<bool> {
        // `decide` below settles deferred event calls first.
        let call = if click { "clicked" } else { "viewed" };
        let d = self.decide(slot).ok_or_else(|| {
            AttuneError::input(
                cat!(call, ".slot"),
                cat!("no placement for slot \"", slot, "\""),
            )
        })?;
        let holdout = d
            .experiment
            .as_ref()
            .filter(|e| e.holdout)
            .map(|e| e.key.clone());
        if let (None, false, Some(key)) = (shown, click, holdout) {
            // The holdout sees the default markup; its impression still counts for
            // the experiment's analysis (no ledger entry: no variant was shown).
            let mut props = Map::new();
            props.insert("slot", Value::from(slot));
            props.insert("variant", Value::Null);
            props.insert("experiment", Value::from(key));
            props.insert("experimentVariant", Value::Null);
            props.insert("holdout", Value::Bool(true));
            self.track("Experience Viewed", Some(props))?;
            return Ok(true);
        }
        let (variant, experiment) = match shown {
            None => (
                d.variant,
                d.experiment.filter(|e| e.in_experiment).map(|e| e.key),
            ),
            Some(v) => {
                let p = self.placements.get(slot);
                if !p.is_some_and(|p| p.ids.iter().any(|i| i == v)) {
                    return Err(AttuneError::input(
                        cat!(call, ".variant"),
                        cat!("no variant \"", v, "\" in slot \"", slot, "\""),
                    ));
                }
                let key = p.and_then(|p| p.experiment.as_ref()).map(|e| e.key.clone());
                let assigned = key.as_ref().and_then(|k| self.profile.experiments.get(k));
                let in_experiment = assigned.is_some_and(|a| a.variant.as_deref() == Some(v));
                (Some(v.to_string()), key.filter(|_| in_experiment))
            }
        };
        let Some(variant) = variant else {
            return Ok(false);
        };
        let now = self.clock.now_ms();
        let session = self.profile.session.as_ref().map(|s| s.id.clone());
        if click {
            exposures::record_click(&mut self.profile.exposures, slot, &variant, now);
        } else {
            exposures::record_view(
                &mut self.profile.exposures,
                slot,
                &variant,
                session.as_deref(),
                now,
            );
        }
        let mut props = Map::new();
        props.insert("slot", Value::from(slot));
        if let Some(key) = experiment {
            props.insert("experiment", Value::from(key));
            if !click {
                props.insert("experimentVariant", Value::from(&variant));
            }
        }
        props.insert("variant", Value::from(variant));
        let name = if click {
            "Experience Clicked"
        } else {
            "Experience Viewed"
        };
        self.track(name, Some(props))?;
        Ok(true)
    }

    fn decide_index(&mut self, i: usize) -> Decision {
        let (empty_l, empty_s) = (Ledger::new(), KeyMap::new());
        let Some(p) = self.placements.items.get(i) else {
            return Decision {
                slot: String::new(),
                selector: None,
                variant: None,
                content: None,
                experiment: None,
                reason: "default".into(),
            };
        };
        let (decision, store) = decide(p, &self.inputs(&empty_l, &empty_s));
        if let Some((key, sticky)) = store {
            self.profile.experiments.insert(key.clone(), sticky.clone());
            self.save_profile();
            if let Some(Value::Object(m)) = self.doc.get_mut("experiments") {
                m.insert(key, experiment_doc(&sticky));
            }
        }
        decision
    }

    /// What decisions read; without personalization consent, no stored
    /// ledger or assignments (`empty_*`).
    fn inputs<'a>(&'a self, empty_l: &'a Ledger, empty_s: &'a KeyMap<Sticky>) -> Inputs<'a> {
        let personal = self.consent.allows(Category::Personalization);
        Inputs {
            doc: &self.doc,
            ledger: if personal {
                &self.profile.exposures
            } else {
                empty_l
            },
            session: self.profile.session.as_ref().map(|s| s.id.as_str()),
            now: self.clock.now_ms(),
            sticky: if personal {
                &self.profile.experiments
            } else {
                empty_s
            },
        }
    }

    /// Writes `exposures` and `experiments` into the attribute document.
    pub(super) fn insert_decision_state(&mut self, now: f64) {
        let personal = self.consent.allows(Category::Personalization);
        let (exposures, experiments) = if personal {
            let session = self.profile.session.as_ref().map(|s| s.id.as_str());
            let mut ex = Map::with_capacity(self.profile.experiments.len());
            for (k, s) in &self.profile.experiments {
                ex.insert(k.clone(), experiment_doc(s));
            }
            (
                exposures::to_doc(&self.profile.exposures, session, now),
                Value::Object(ex),
            )
        } else {
            (Value::object(), Value::object())
        };
        if let Some(root) = self.doc.as_object_mut() {
            root.insert("exposures", exposures);
            root.insert("experiments", experiments);
        }
    }
}

fn experiment_doc(s: &Sticky) -> Value {
    let mut m = Map::with_capacity(2);
    m.insert("inExperiment", Value::Bool(s.variant.is_some()));
    m.insert("variant", Value::from(s.variant.as_deref()));
    Value::Object(m)
}

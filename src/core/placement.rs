//! Placements compiled once from the config: each variant's condition, caps,
//! suppression and content, and the placement's caps and experiment. A
//! variant with an invalid part is left out and reported; an invalid
//! placement-level part (caps, experiment) disables the placement, and its
//! slot keeps the original markup. Everything else keeps working.

use crate::core::caps::Caps;
use crate::core::config::PlacementConfig;
use crate::core::content::Content;
use crate::core::error::{index_path, join_path, AttuneError, Result};
use crate::core::experiment::Experiment;
use crate::core::json::Value;
use crate::core::rules::{Condition, RegexEngine};
use crate::core::suppress::StopAfter;
use crate::core::text::cat;

/// One compiled variant.
#[derive(Debug)]
pub struct Variant {
    /// Variant id.
    pub id: String,
    /// Eligibility condition (`None` = always).
    pub when: Option<Condition>,
    /// The condition as written (for `explain`).
    pub when_json: Option<Value>,
    /// Impression caps of this variant.
    pub caps: Caps,
    /// Suppression after a response.
    pub stop_after: StopAfter,
    /// Content; `None` keeps the default markup (a control arm).
    pub content: Option<Content>,
}

/// One compiled placement.
#[derive(Debug)]
pub struct Placement {
    /// Slot id.
    pub slot: String,
    /// CSS selector instead of `[data-attune-slot]`, if configured.
    pub selector: Option<String>,
    /// Caps over all variants of the slot.
    pub caps: Caps,
    /// The A/B/n test, if any.
    pub experiment: Option<Experiment>,
    /// Variants in priority order.
    pub variants: Vec<Variant>,
    /// Variant ids, in order.
    pub ids: Vec<String>,
}

/// Every placement of the config, compiled once.
#[derive(Debug, Default)]
pub struct Placements {
    /// In config order.
    pub items: Vec<Placement>,
}

impl Placements {
    /// Compiles `configs`, pushing what was disabled to `warnings`.
    pub fn compile(
        configs: &[PlacementConfig],
        regex: &dyn RegexEngine,
        warnings: &mut Vec<AttuneError>,
    ) -> Self {
        let mut items: Vec<Placement> = Vec::with_capacity(configs.len());
        for cfg in configs {
            if items.iter().any(|p| p.slot == cfg.slot) {
                warnings.push(AttuneError::config_at(
                    &cfg.path,
                    "slot",
                    cat!("slot \"", cfg.slot, "\" is already placed"),
                ));
                continue;
            }
            match compile_placement(cfg, regex, warnings) {
                Ok(p) => items.push(p),
                Err(e) => warnings.push(e),
            }
        }
        Self { items }
    }

    /// The placement of `slot`.
    pub fn get(&self, slot: &str) -> Option<&Placement> {
        self.items.iter().find(|p| p.slot == slot)
    }
}

fn compile_placement(
    cfg: &PlacementConfig,
    regex: &dyn RegexEngine,
    warnings: &mut Vec<AttuneError>,
) -> Result<Placement> {
    let caps = Caps::parse(&cfg.raw, &cfg.path)?;
    let mut variants = Vec::with_capacity(cfg.variants.len());
    let vpath = join_path(&cfg.path, "variants");
    for (i, v) in cfg.variants.iter().enumerate() {
        let raw_index = cfg
            .raw
            .get("variants")
            .and_then(Value::as_array)
            .and_then(|a| {
                a.iter()
                    .position(|x| x.get("id").and_then(Value::as_str) == Some(v.id.as_str()))
            })
            .unwrap_or(i);
        let path = index_path(&vpath, raw_index);
        match compile_variant(v, &path, regex) {
            Ok(c) => variants.push(c),
            Err(e) => warnings.push(e),
        }
    }
    let mut ids = Vec::with_capacity(variants.len());
    for v in &variants {
        ids.push(v.id.clone());
    }
    let experiment = Experiment::parse(&cfg.raw, &cfg.path, &cfg.slot, &ids, regex)?;
    Ok(Placement {
        slot: cfg.slot.clone(),
        selector: cfg.selector.clone(),
        caps,
        experiment,
        variants,
        ids,
    })
}

fn compile_variant(
    v: &crate::core::config::VariantConfig,
    path: &str,
    regex: &dyn RegexEngine,
) -> Result<Variant> {
    let when = match &v.when {
        None => None,
        Some(json) => Some(Condition::compile(json, &join_path(path, "when"), regex)?),
    };
    Ok(Variant {
        id: v.id.clone(),
        when,
        when_json: v.when.clone(),
        caps: Caps::parse(&v.raw, path)?,
        stop_after: StopAfter::parse(&v.raw, path)?,
        content: Content::parse(&v.content, &join_path(path, "content"))?,
    })
}

/// How slots are shown and counted (`exposure`, `antiFlicker` in the config).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DisplayOptions {
    /// Share of the slot that must be visible (`exposure.threshold`, default 0.5).
    pub threshold: f64,
    /// For how long, ms (`exposure.minMs`, default 1000).
    pub min_ms: f64,
    /// Longest time undecided slots stay hidden, ms (`antiFlicker.timeout`, default 300).
    pub hide_timeout_ms: f64,
}

impl DisplayOptions {
    /// Reads the options from the whole config; a bad value is reported and its default kept.
    pub fn parse(raw: &Value, warnings: &mut Vec<AttuneError>) -> DisplayOptions {
        let mut o = DisplayOptions {
            threshold: 0.5,
            min_ms: 1000.0,
            hide_timeout_ms: 300.0,
        };
        let fields: [(&str, &str, f64, f64, &mut f64); 3] = [
            ("exposure", "threshold", 0.0, 1.0, &mut o.threshold),
            ("exposure", "minMs", 0.0, 60_000.0, &mut o.min_ms),
            (
                "antiFlicker",
                "timeout",
                0.0,
                10_000.0,
                &mut o.hide_timeout_ms,
            ),
        ];
        for (section, key, lo, hi, slot) in fields {
            match raw.get(section).and_then(|s| s.get(key)) {
                None | Some(Value::Null) => {}
                Some(v) => match v.as_f64().filter(|n| (lo..=hi).contains(n)) {
                    Some(n) => *slot = n,
                    None => warnings.push(AttuneError::config_at(
                        section,
                        key,
                        cat!("expected a number from ", lo, " to ", hi),
                    )),
                },
            }
        }
        o
    }
}

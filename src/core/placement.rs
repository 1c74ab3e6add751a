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
use crate::core::rules::{Condition, RegexEngine};
use crate::core::suppress::StopAfter;
use serde_json::Value;

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
                warnings.push(AttuneError::config(
                    join_path(&cfg.path, "slot"),
                    format!("slot \"{}\" is already placed", cfg.slot),
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
    let ids: Vec<String> = variants.iter().map(|v| v.id.clone()).collect();
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

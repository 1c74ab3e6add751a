//! Decisions: which variant fills each page slot, given the attribute document.

use crate::core::config::PlacementConfig;
use crate::core::error::{index_path, join_path, AttuneError};
use crate::core::rules::{Condition, RegexEngine};
use serde::Serialize;
use serde_json::Value;

/// The outcome for one slot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// Slot id.
    pub slot: String,
    /// CSS selector of the slot, when configured instead of the slot attribute.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    /// The chosen variant, or `None` to keep the default markup.
    pub variant: Option<String>,
    /// The chosen variant's content.
    pub content: Option<Value>,
    /// Why: `matched`, `no eligible variant`, …
    pub reason: String,
}

#[derive(Debug)]
struct Variant {
    id: String,
    when: Option<Condition>,
    content: Value,
}

#[derive(Debug)]
struct Placement {
    slot: String,
    selector: Option<String>,
    variants: Vec<Variant>,
}

/// Every placement of the config, compiled once.
#[derive(Debug, Default)]
pub struct Placements {
    items: Vec<Placement>,
}

impl Placements {
    /// Compiles `configs`; a variant whose condition is invalid is left out and reported.
    pub fn compile(
        configs: &[PlacementConfig],
        regex: &dyn RegexEngine,
        warnings: &mut Vec<AttuneError>,
    ) -> Self {
        let mut items = Vec::with_capacity(configs.len());
        for (pi, cfg) in configs.iter().enumerate() {
            let mut variants = Vec::with_capacity(cfg.variants.len());
            for (vi, v) in cfg.variants.iter().enumerate() {
                let when = match &v.when {
                    None => None,
                    Some(json) => {
                        let path = join_path(
                            &index_path(&join_path(&index_path("placements", pi), "variants"), vi),
                            "when",
                        );
                        match Condition::compile(json, &path, regex) {
                            Ok(c) => Some(c),
                            Err(e) => {
                                warnings.push(e);
                                continue;
                            }
                        }
                    }
                };
                variants.push(Variant {
                    id: v.id.clone(),
                    when,
                    content: v.content.clone(),
                });
            }
            items.push(Placement {
                slot: cfg.slot.clone(),
                selector: cfg.selector.clone(),
                variants,
            });
        }
        Self { items }
    }

    /// Decides one slot; `None` when no placement names it.
    pub fn decide(&self, slot: &str, doc: &Value) -> Option<Decision> {
        self.items
            .iter()
            .find(|p| p.slot == slot)
            .map(|p| decide_one(p, doc))
    }

    /// Decides every slot.
    pub fn decide_all(&self, doc: &Value) -> Vec<Decision> {
        self.items.iter().map(|p| decide_one(p, doc)).collect()
    }
}

fn decide_one(p: &Placement, doc: &Value) -> Decision {
    let chosen = p
        .variants
        .iter()
        .find(|v| v.when.as_ref().is_none_or(|c| c.eval(doc, None)));
    Decision {
        slot: p.slot.clone(),
        selector: p.selector.clone(),
        variant: chosen.map(|v| v.id.clone()),
        content: chosen.map(|v| v.content.clone()),
        reason: if chosen.is_some() {
            "matched".into()
        } else {
            "no eligible variant".into()
        },
    }
}

//! Segments: named conditions over the attribute document, evaluated in order so
//! that a segment may build on the ones declared before it (`segments.<name>`).

use crate::core::config::SegmentConfig;
use crate::core::error::{join_path, AttuneError};
use crate::core::rules::{Condition, RegexEngine};
use serde_json::{Map, Value};

/// One compiled segment.
#[derive(Debug)]
struct Segment {
    name: String,
    condition: Condition,
}

/// Every valid segment of the config, compiled once at `init`.
#[derive(Debug, Default)]
pub struct Segments {
    items: Vec<Segment>,
}

impl Segments {
    /// Compiles `configs`; an invalid segment is reported in `warnings` and left out.
    pub fn compile(
        configs: &[SegmentConfig],
        regex: &dyn RegexEngine,
        warnings: &mut Vec<AttuneError>,
    ) -> Self {
        let mut items = Vec::with_capacity(configs.len());
        for cfg in configs {
            let path = join_path(&join_path("segments", &cfg.name), "when");
            match Condition::compile(&cfg.when, &path, regex) {
                Ok(condition) => items.push(Segment {
                    name: cfg.name.clone(),
                    condition,
                }),
                Err(e) => warnings.push(e),
            }
        }
        Self { items }
    }

    /// Evaluates every segment against `doc`, writing `doc.segments.<name> = bool`
    /// as it goes, and returns the names of the segments the visitor is in.
    pub fn evaluate(&self, doc: &mut Value) -> Vec<String> {
        let mut members = Vec::new();
        if let Some(root) = doc.as_object_mut() {
            root.insert("segments".into(), Value::Object(Map::new()));
        }
        for seg in &self.items {
            let inside = seg.condition.eval(doc, None);
            if let Some(Value::Object(map)) = doc.get_mut("segments") {
                map.insert(seg.name.clone(), Value::Bool(inside));
            }
            if inside {
                members.push(seg.name.clone());
            }
        }
        members
    }

    /// Number of active segments.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when no segment is active.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

//! Segments: named conditions over the attribute document. A segment may build
//! on others through `segments.<name>`; they are evaluated in dependency order,
//! and a segment that names an unknown segment or sits on a cycle is reported
//! (with its JSON path) and disabled, while the rest keep working. So is a
//! segment that reads `metrics.<id>` for a metric the config does not declare.
//!
//! Segments are grouped in layers: a segment's layer is one above the highest
//! layer of the segments it reads (0 when it reads none). Each layer is one
//! [`RuleSet`], so equal tests across segments (`consent.personalization:
//! true`, `traits.plan: "pro"`) are evaluated once per pass, and a layer's
//! answers are written to `segments.<name>` before the next layer reads them.

use crate::core::config::SegmentConfig;
use crate::core::error::{join_path, AttuneError};
use crate::core::rules::{CompileMode, Condition, RegexEngine, RuleSet};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The segments of one dependency layer.
#[derive(Debug)]
struct Layer {
    rules: RuleSet,
    /// The index in [`Segments::names`] of each condition of `rules`.
    items: Vec<usize>,
}

/// Every valid segment of the config, compiled once at `init`, in dependency order.
#[derive(Debug, Default)]
pub struct Segments {
    names: Vec<String>,
    layers: Vec<Layer>,
}

impl Segments {
    /// Compiles `configs`; an invalid segment is reported in `warnings` and left
    /// out. `metrics` are the ids of the active metrics (`metrics.<id>` keys).
    pub fn compile(
        configs: &[SegmentConfig],
        regex: &dyn RegexEngine,
        metrics: &[String],
        warnings: &mut Vec<AttuneError>,
    ) -> Self {
        let mut compiled: BTreeMap<&str, (Condition, Vec<String>, String)> = BTreeMap::new();
        let mut rejected: Vec<&str> = Vec::new();
        for cfg in configs {
            let path = join_path(&join_path("segments", &cfg.name), "when");
            match Condition::compile(&cfg.when, &path, regex) {
                Ok(condition) => {
                    let mut used = Vec::new();
                    references(&cfg.when, "metrics.", &mut used);
                    if let Some(m) = used.iter().find(|m| !metrics.contains(m)) {
                        warnings.push(AttuneError::config(path, format!("unknown metric \"{m}\"")));
                        rejected.push(&cfg.name);
                        continue;
                    }
                    let mut deps = Vec::new();
                    references(&cfg.when, "segments.", &mut deps);
                    compiled.insert(&cfg.name, (condition, deps, path));
                }
                Err(e) => {
                    warnings.push(e);
                    rejected.push(&cfg.name);
                }
            }
        }
        // Unknown references disable the referring segment (and, transitively, its dependants).
        let names: Vec<String> = compiled.keys().map(|k| k.to_string()).collect();
        let mut disabled: BTreeMap<String, ()> =
            rejected.iter().map(|n| (n.to_string(), ())).collect();
        for (name, (_, deps, path)) in &compiled {
            for d in deps {
                if !names.contains(d) && configs.iter().all(|c| &c.name != d) {
                    warnings.push(AttuneError::config(
                        path.clone(),
                        format!("unknown segment \"{d}\""),
                    ));
                    disabled.insert(name.to_string(), ());
                }
            }
        }
        // Depth-first topological order; a back edge is a cycle.
        let mut state: BTreeMap<String, u8> = BTreeMap::new(); // 1 = visiting, 2 = done
        let mut order: Vec<String> = Vec::new();
        for name in &names {
            let mut stack = Vec::new();
            visit(
                name,
                &compiled,
                &mut state,
                &mut order,
                &mut stack,
                &mut disabled,
                warnings,
            );
        }
        let mut out = Self::default();
        let mut depth: BTreeMap<String, usize> = BTreeMap::new();
        for name in order {
            if disabled.contains_key(&name) {
                continue;
            }
            let deps_ok = compiled
                .get(name.as_str())
                .is_some_and(|(_, deps, _)| deps.iter().all(|d| !disabled.contains_key(d)));
            if !deps_ok {
                if let Some((_, _, path)) = compiled.get(name.as_str()) {
                    warnings.push(AttuneError::config(
                        path.clone(),
                        "depends on a disabled segment",
                    ));
                }
                disabled.insert(name.clone(), ());
                continue;
            }
            let Some((_, deps, path)) = compiled.remove(name.as_str()) else {
                continue;
            };
            let layer = deps
                .iter()
                .filter_map(|d| depth.get(d))
                .map(|d| d + 1)
                .max()
                .unwrap_or(0);
            let Some(cfg) = configs.iter().find(|c| c.name == name) else {
                continue;
            };
            while out.layers.len() <= layer {
                out.layers.push(Layer {
                    rules: RuleSet::new(CompileMode::Strict),
                    items: Vec::new(),
                });
            }
            let Some(target) = out.layers.get_mut(layer) else {
                continue;
            };
            // Already compiled once above, so this cannot fail; if it did, the
            // segment is reported and left out like any invalid one.
            if let Err(e) = target.rules.push(&cfg.when, &path, regex) {
                warnings.push(e);
                continue;
            }
            target.items.push(out.names.len());
            depth.insert(name.clone(), layer);
            out.names.push(name);
        }
        out
    }

    /// Evaluates every segment against `doc`, writing `doc.segments.<name> = bool`
    /// as it goes, and returns the names of the segments the visitor is in.
    pub fn evaluate(&self, doc: &mut Value) -> Vec<String> {
        if let Some(root) = doc.as_object_mut() {
            root.insert("segments".into(), Value::Object(Map::new()));
        }
        let mut inside = vec![false; self.names.len()];
        for layer in &self.layers {
            layer.rules.eval_each(doc, None, |i, on| {
                if let Some(slot) = layer.items.get(i).and_then(|&k| inside.get_mut(k)) {
                    *slot = on;
                }
            });
            if let Some(Value::Object(map)) = doc.get_mut("segments") {
                for &k in &layer.items {
                    if let (Some(name), Some(on)) = (self.names.get(k), inside.get(k)) {
                        map.insert(name.clone(), Value::Bool(*on));
                    }
                }
            }
        }
        self.names
            .iter()
            .zip(inside)
            .filter(|(_, on)| *on)
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// Names of the active segments, in evaluation order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

    /// Number of active segments.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when no segment is active.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

fn visit(
    name: &str,
    compiled: &BTreeMap<&str, (Condition, Vec<String>, String)>,
    state: &mut BTreeMap<String, u8>,
    order: &mut Vec<String>,
    stack: &mut Vec<String>,
    disabled: &mut BTreeMap<String, ()>,
    warnings: &mut Vec<AttuneError>,
) {
    match state.get(name) {
        Some(2) => return,
        Some(_) => {
            let start = stack.iter().position(|s| s == name).unwrap_or(0);
            let mut cycle: Vec<String> = stack[start..].to_vec();
            cycle.push(name.to_string());
            if let Some((_, _, path)) = compiled.get(name) {
                warnings.push(AttuneError::config(
                    path.clone(),
                    format!("segment cycle: {}", cycle.join(" → ")),
                ));
            }
            for s in &stack[start..] {
                disabled.insert(s.clone(), ());
            }
            return;
        }
        None => {}
    }
    let Some((_, deps, _)) = compiled.get(name) else {
        return;
    };
    state.insert(name.to_string(), 1);
    stack.push(name.to_string());
    for d in deps {
        visit(d, compiled, state, order, stack, disabled, warnings);
    }
    stack.pop();
    state.insert(name.to_string(), 2);
    order.push(name.to_string());
}

/// Collects the names a condition reads under `prefix` (`segments.<name>…` or
/// `metrics.<id>…` keys, at any depth).
fn references(v: &Value, prefix: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                if let Some(rest) = k.strip_prefix(prefix) {
                    let name = rest.split('.').next().unwrap_or(rest).to_string();
                    if !out.contains(&name) {
                        out.push(name);
                    }
                }
                references(child, prefix, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| references(x, prefix, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rules::NoRegex;
    use serde_json::json;

    fn segs(v: Value) -> (Segments, Vec<String>) {
        let configs: Vec<SegmentConfig> = v
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, w)| SegmentConfig {
                        name: k.clone(),
                        when: w.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut warnings = Vec::new();
        let metrics = vec!["shoe_views".to_string()];
        let s = Segments::compile(&configs, &NoRegex, &metrics, &mut warnings);
        (s, warnings.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn segments_build_on_each_other_in_dependency_order() {
        // Alphabetical order would evaluate "a_vip_returning" before "returning".
        let (s, w) = segs(json!({
            "a_vip_returning": {"segments.returning": true, "traits.plan": "gold"},
            "returning": {"visits": {"$gte": 2}}
        }));
        assert!(w.is_empty(), "{w:?}");
        let mut doc = json!({"visits": 3, "traits": {"plan": "gold"}});
        assert_eq!(s.evaluate(&mut doc), vec!["returning", "a_vip_returning"]);
        assert_eq!(
            doc["segments"],
            json!({"returning": true, "a_vip_returning": true})
        );
    }

    #[test]
    fn cycles_and_unknown_references_disable_only_those_segments() {
        let (s, w) = segs(json!({
            "a": {"segments.b": true},
            "b": {"segments.a": true},
            "c": {"segments.nope": true},
            "d": {"segments.c": true},
            "ok": {"x": 1},
            "bad": {"x": {"$gt": {}}},
            "shoes": {"metrics.shoe_views": {"$gte": 2}},
            "m": {"$or": [{"metrics.shoe_views": 1}, {"metrics.nope": {"$gt": 1}}]},
            "n": {"segments.m": true}
        }));
        assert!(
            w.contains(&"segments.n.when: depends on a disabled segment".to_string()),
            "{w:?}"
        );
        assert_eq!(s.names().collect::<Vec<_>>(), vec!["ok", "shoes"]);
        assert!(
            w.contains(&"segments.m.when: unknown metric \"nope\"".to_string()),
            "{w:?}"
        );
        assert!(
            w.contains(&"segments.bad.when.x.$gt: expected a number or string".to_string()),
            "{w:?}"
        );
        assert!(
            w.contains(&"segments.c.when: unknown segment \"nope\"".to_string()),
            "{w:?}"
        );
        assert!(
            w.iter()
                .any(|x| x.starts_with("segments.a.when: segment cycle: a → b → a")),
            "{w:?}"
        );
        assert!(
            w.contains(&"segments.d.when: depends on a disabled segment".to_string()),
            "{w:?}"
        );
    }
}

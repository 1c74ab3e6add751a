//! Segments: named conditions over the attribute document. A segment may build
//! on others through `segments.<name>`; they are evaluated in dependency order,
//! and a segment that names an unknown segment or sits on a cycle is reported
//! (with its JSON path) and disabled, while the rest keep working. So is a
//! segment that reads `metrics.<id>` for a metric the config does not declare.

use crate::core::config::SegmentConfig;
use crate::core::error::{join_path, AttuneError};
use crate::core::rules::{Condition, RegexEngine};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// One compiled segment.
#[derive(Debug)]
struct Segment {
    name: String,
    condition: Condition,
}

/// Every valid segment of the config, compiled once at `init`, in dependency order.
#[derive(Debug, Default)]
pub struct Segments {
    items: Vec<Segment>,
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
        let mut items = Vec::with_capacity(order.len());
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
            if let Some((condition, _, _)) = compiled.remove(name.as_str()) {
                items.push(Segment { name, condition });
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

    /// Names of the active segments, in evaluation order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.items.iter().map(|s| s.name.as_str())
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

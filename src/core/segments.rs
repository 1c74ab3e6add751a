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

use crate::cat;
use crate::core::config::SegmentConfig;
use crate::core::error::{join_path, AttuneError};
use crate::core::json::{Map, Value};
use crate::core::rules::{CompileMode, Condition, RegexEngine, RuleSet};

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
        // Sorted by name; a repeated name keeps its last definition.
        let mut compiled: Vec<Compiled<'_>> = Vec::new();
        // Sorted names of the rejected and disabled segments.
        let mut disabled: Vec<String> = Vec::new();
        for cfg in configs {
            let path = join_path(&join_path("segments", &cfg.name), "when");
            match Condition::compile(&cfg.when, &path, regex) {
                Ok(_) => {
                    let mut used = Vec::new();
                    references(&cfg.when, "metrics.", &mut used);
                    if let Some(m) = used.iter().find(|m| !metrics.contains(m)) {
                        warnings.push(AttuneError::config(
                            path,
                            cat!("unknown metric \"", m, "\""),
                        ));
                        disable(&mut disabled, &cfg.name);
                        continue;
                    }
                    let mut deps = Vec::new();
                    references(&cfg.when, "segments.", &mut deps);
                    let entry = Compiled {
                        name: &cfg.name,
                        deps,
                        path,
                    };
                    match find(&compiled, &cfg.name) {
                        Ok(i) => compiled[i] = entry,
                        Err(i) => compiled.insert(i, entry),
                    }
                }
                Err(e) => {
                    warnings.push(e);
                    disable(&mut disabled, &cfg.name);
                }
            }
        }
        // Unknown references disable the referring segment (and, transitively, its dependants).
        for c in &compiled {
            for d in &c.deps {
                if find(&compiled, d).is_err() && configs.iter().all(|x| &x.name != d) {
                    warnings.push(AttuneError::config(
                        c.path.clone(),
                        cat!("unknown segment \"", d, "\""),
                    ));
                    disable(&mut disabled, c.name);
                }
            }
        }
        // Depth-first topological order; a back edge is a cycle.
        let mut state = vec![0u8; compiled.len()]; // 1 = visiting, 2 = done
        let mut order: Vec<usize> = Vec::new();
        for i in 0..compiled.len() {
            let mut stack = Vec::new();
            visit(
                i,
                &compiled,
                &mut state,
                &mut order,
                &mut stack,
                &mut disabled,
                warnings,
            );
        }
        let mut out = Self::default();
        // The layer of each placed segment, by index in `compiled`.
        let mut depth: Vec<Option<usize>> = vec![None; compiled.len()];
        for i in order {
            let c = &compiled[i];
            if is_disabled(&disabled, c.name) {
                continue;
            }
            if c.deps.iter().any(|d| is_disabled(&disabled, d)) {
                warnings.push(AttuneError::config(
                    c.path.clone(),
                    "depends on a disabled segment",
                ));
                disable(&mut disabled, c.name);
                continue;
            }
            let mut layer = 0;
            for d in &c.deps {
                if let Some(Some(k)) = find(&compiled, d).ok().map(|j| depth[j]) {
                    layer = layer.max(k + 1);
                }
            }
            let Some(cfg) = configs.iter().find(|x| x.name == c.name) else {
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
            if let Err(e) = target.rules.push(&cfg.when, &c.path, regex) {
                warnings.push(e);
                continue;
            }
            target.items.push(out.names.len());
            depth[i] = Some(layer);
            out.names.push(c.name.to_string());
        }
        out
    }

    /// Evaluates every segment against `doc`, writing `doc.segments.<name> = bool`
    /// as it goes, and returns the names of the segments the visitor is in.
    pub fn evaluate(&self, doc: &mut Value) -> Vec<String> {
        if let Some(root) = doc.as_object_mut() {
            root.insert("segments", Value::Object(Map::new()));
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
                        map.insert(name.as_str(), Value::Bool(*on));
                    }
                }
            }
        }
        let mut members = Vec::new();
        for (name, on) in self.names.iter().zip(inside) {
            if on {
                members.push(name.clone());
            }
        }
        members
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

/// A segment whose condition compiled.
struct Compiled<'a> {
    name: &'a str,
    /// The segments it reads.
    deps: Vec<String>,
    /// `segments.<name>.when`.
    path: String,
}

/// The index of `name` in `compiled` (sorted by name), or where it would go.
fn find(compiled: &[Compiled<'_>], name: &str) -> Result<usize, usize> {
    compiled.binary_search_by(|c| c.name.cmp(name))
}

fn is_disabled(disabled: &[String], name: &str) -> bool {
    disabled.binary_search_by(|s| s.as_str().cmp(name)).is_ok()
}

fn disable(disabled: &mut Vec<String>, name: &str) {
    if let Err(i) = disabled.binary_search_by(|s| s.as_str().cmp(name)) {
        disabled.insert(i, name.to_string());
    }
}

/// Depth-first visit of `compiled[i]`: its dependencies first, then itself
/// onto `order`; a segment met again while visiting closes a cycle, whose
/// members are disabled.
fn visit(
    i: usize,
    compiled: &[Compiled<'_>],
    state: &mut [u8],
    order: &mut Vec<usize>,
    stack: &mut Vec<usize>,
    disabled: &mut Vec<String>,
    warnings: &mut Vec<AttuneError>,
) {
    match state[i] {
        2 => return,
        1 => {
            let start = stack.iter().position(|&s| s == i).unwrap_or(0);
            let mut cycle = String::new();
            for &s in &stack[start..] {
                cycle.push_str(compiled[s].name);
                cycle.push_str(" → ");
            }
            cycle.push_str(compiled[i].name);
            warnings.push(AttuneError::config(
                compiled[i].path.clone(),
                cat!("segment cycle: ", cycle),
            ));
            for &s in &stack[start..] {
                disable(disabled, compiled[s].name);
            }
            return;
        }
        _ => {}
    }
    state[i] = 1;
    stack.push(i);
    for d in &compiled[i].deps {
        if let Ok(j) = find(compiled, d) {
            visit(j, compiled, state, order, stack, disabled, warnings);
        }
    }
    stack.pop();
    state[i] = 2;
    order.push(i);
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

    /// `serde_json::json!` as a core [`Value`].
    macro_rules! json {
        ($($t:tt)+) => {
            Value::parse(&serde_json::json!($($t)+).to_string()).expect("json")
        };
    }

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

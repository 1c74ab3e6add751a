//! Read-only explanations for the debug overlay: for each segment, whether the
//! visitor is in it and the attribute values its condition read. Pure
//! functions over the config and the attribute document; nothing is changed.

use crate::core::config::SegmentConfig;
use serde_json::{json, Map, Value};

/// Most attribute paths listed for one segment.
const MAX_PATHS: usize = 32;

/// One entry per configured segment: `{name, member, when, values}`, where
/// `values` maps every attribute path the condition reads to its current value
/// (`null` when missing): the reason the segment matched or did not.
pub fn segment_reasons(configs: &[SegmentConfig], doc: &Value, members: &[String]) -> Value {
    let list: Vec<Value> = configs
        .iter()
        .map(|c| {
            let mut paths = Vec::new();
            condition_paths(&c.when, &mut paths);
            let values: Map<String, Value> = paths
                .into_iter()
                .map(|p| {
                    let v = lookup(doc, &p).cloned().unwrap_or(Value::Null);
                    (p, v)
                })
                .collect();
            json!({
                "name": c.name,
                "member": members.contains(&c.name),
                "when": c.when,
                "values": values,
            })
        })
        .collect();
    Value::Array(list)
}

/// The attribute paths a GrowthBook condition reads, without repeats (in the
/// order the JSON object iterates its keys).
/// Keys starting with `$` are operators; their operands are walked for nested
/// conditions (`$and`, `$or`, `$nor`, `$not`), never taken as paths.
pub fn condition_paths(cond: &Value, out: &mut Vec<String>) {
    match cond {
        Value::Object(m) => {
            for (k, v) in m {
                if out.len() >= MAX_PATHS {
                    return;
                }
                if k.starts_with('$') {
                    if matches!(k.as_str(), "$and" | "$or" | "$nor" | "$not") {
                        condition_paths(v, out);
                    }
                } else if !out.contains(k) {
                    out.push(k.clone());
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                condition_paths(item, out);
            }
        }
        _ => {}
    }
}

/// The value at a dotted path of the document (array indexes allowed).
pub fn lookup<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(doc, |v, key| match v {
        Value::Object(m) => m.get(key),
        Value::Array(a) => key.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_paths_of_nested_conditions_once() {
        let cond = json!({"a.b": 1, "$or": [{"c": {"$gt": 2}}, {"a.b": 3}], "$not": {"d": true}});
        let mut paths = Vec::new();
        condition_paths(&cond, &mut paths);
        paths.sort();
        assert_eq!(paths, vec!["a.b", "c", "d"]);
    }

    #[test]
    fn reasons_carry_membership_and_values() {
        let configs = vec![SegmentConfig {
            name: "returning".into(),
            when: json!({"events.Page Viewed.count": {"$gte": 2}, "traits.plan": "gold"}),
        }];
        let doc = json!({"events": {"Page Viewed": {"count": 3}}, "list": [1, 2]});
        let r = segment_reasons(&configs, &doc, &["returning".to_string()]);
        assert_eq!(r[0]["member"], true);
        assert_eq!(r[0]["values"]["events.Page Viewed.count"], 3);
        assert_eq!(r[0]["values"]["traits.plan"], Value::Null);
        assert_eq!(lookup(&doc, "list.1"), Some(&json!(2)));
    }
}

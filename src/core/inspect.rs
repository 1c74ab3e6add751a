//! Read-only explanations for the debug overlay: for each segment, whether the
//! visitor is in it and the attribute values its condition read. Pure
//! functions over the config and the attribute document; nothing is changed.

use crate::core::config::SegmentConfig;
use crate::core::json::{Map, Value};

/// Most attribute paths listed for one segment.
const MAX_PATHS: usize = 32;

/// One entry per configured segment: `{name, member, when, values}`, where
/// `values` maps every attribute path the condition reads to its current value
/// (`null` when missing): the reason the segment matched or did not.
pub fn segment_reasons(configs: &[SegmentConfig], doc: &Value, members: &[String]) -> Value {
    let mut list = Vec::with_capacity(configs.len());
    for c in configs {
        let mut paths = Vec::new();
        condition_paths(&c.when, &mut paths);
        let mut values = Map::with_capacity(paths.len());
        for p in paths {
            let v = lookup(doc, &p).cloned().unwrap_or(Value::Null);
            values.insert(p, v);
        }
        let mut m = Map::with_capacity(4);
        m.insert("name", Value::from(c.name.as_str()));
        m.insert("member", Value::Bool(members.contains(&c.name)));
        m.insert("when", c.when.clone());
        m.insert("values", Value::Object(values));
        list.push(Value::Object(m));
    }
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
    let mut v = doc;
    for key in path.split('.') {
        v = match v {
            Value::Object(m) => m.get(key)?,
            Value::Array(a) => a.get(array_index(key)?)?,
            _ => return None,
        };
    }
    Some(v)
}

/// An array index as `usize::from_str` reads it: decimal digits, an
/// optional leading `+`, leading zeros allowed (`1`, `01`, `+1`).
fn array_index(key: &str) -> Option<usize> {
    let digits = key.strip_prefix('+').unwrap_or(key);
    if digits.is_empty() {
        return None;
    }
    let mut n: usize = 0;
    for b in digits.bytes() {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(usize::from(b - b'0'))?;
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `serde_json::json!` as a core [`Value`].
    macro_rules! json {
        ($($t:tt)+) => {
            Value::parse(&serde_json::json!($($t)+).to_string()).expect("json")
        };
    }

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
        assert_eq!(r[0]["values"]["events.Page Viewed.count"], 3.0);
        assert_eq!(r[0]["values"]["traits.plan"], Value::Null);
        assert_eq!(lookup(&doc, "list.1"), Some(&json!(2)));
        // Indexes read as `usize::from_str` read them.
        assert_eq!(lookup(&doc, "list.01"), Some(&json!(2)));
        assert_eq!(lookup(&doc, "list.+0"), Some(&json!(1)));
        for bad in [
            "list.",
            "list.+",
            "list.-1",
            "list.1.0",
            "list.x",
            "list.99999999999999999999999",
        ] {
            assert_eq!(lookup(&doc, bad), None, "{bad}");
        }
    }

    #[test]
    fn reasons_keep_their_shape() {
        let configs = vec![SegmentConfig {
            name: "gold".into(),
            when: json!({"$or": [{"traits.plan": "gold"}, {"traits.vip": true}]}),
        }];
        let doc = json!({"traits": {"plan": "gold"}});
        let r = segment_reasons(&configs, &doc, &[]);
        assert_eq!(
            r.to_json(),
            concat!(
                r#"[{"member":false,"name":"gold","values":{"traits.plan":"gold","traits.vip":null},"#,
                r#""when":{"$or":[{"traits.plan":"gold"},{"traits.vip":true}]}}]"#
            )
        );
    }
}

//! Saved groups, as GrowthBook's JS SDK 1.8.0 reads them.
//!
//! `saved_groups` maps an id to either a bare array of values (v1) or an
//! object: `{"type": "list", "attributeKey": "id", "values": [...]}` or
//! `{"type": "condition", "condition": {...}}` (v2).
//!
//! * `$inGroup` / `$notInGroup` (under an attribute) test the attribute
//!   against a group's values. An unknown id is an empty list; a malformed
//!   entry or a condition group matches nobody, for both operators.
//! * `$savedGroup` (at condition level, `{"$savedGroup": {"id": "g"}}`) tests
//!   a whole group: a list group against its `attributeKey` (overridable by the
//!   reference's own `attributeKey`), a condition group by evaluating its
//!   condition. Condition groups arrive with the attributes, so they are
//!   compiled (leniently) when evaluated; a group already being resolved
//!   matches nobody, which stops reference cycles.

use crate::core::json::{Map, Value};

use super::at::At;
use super::condition::{CompileMode, Cond, Ctx, Eval};
use super::js::strict_eq;
use super::path::resolve_str;
use super::regex::{NoRegex, RegexEngine};
use crate::core::error::AttuneError;

/// Used for condition groups when the engine could not be kept.
pub(crate) static NO_REGEX: NoRegex = NoRegex;

/// The chain of saved-group ids being resolved (GrowthBook's `visited`).
pub(crate) struct Visited<'a> {
    id: &'a str,
    parent: Option<&'a Visited<'a>>,
}

fn visited(mut chain: Option<&Visited<'_>>, id: &str) -> bool {
    while let Some(node) = chain {
        if node.id == id {
            return true;
        }
        chain = node.parent;
    }
    false
}

/// What evaluation carries down the tree.
#[derive(Clone, Copy)]
pub(crate) struct Env<'a> {
    /// The saved groups passed to `eval`.
    pub(crate) groups: Option<&'a Map>,
    /// Saved groups being resolved on the way here.
    pub(crate) visited: Option<&'a Visited<'a>>,
    /// Compiles regexes of condition groups.
    pub(crate) regex: &'a dyn RegexEngine,
}

/// GrowthBook's `isIn` against a plain list (no case folding).
fn is_in(actual: &Value, values: &[Value]) -> bool {
    match actual {
        Value::Array(items) => items
            .iter()
            .any(|el| values.iter().any(|v| strict_eq(el, v))),
        other => values.iter().any(|v| strict_eq(other, v)),
    }
}

/// `$inGroup` (or, with `negate`, `$notInGroup`).
pub(crate) fn in_group(actual: &Value, id: &str, negate: bool, env: Env<'_>) -> bool {
    let values: Option<&[Value]> = match env.groups.and_then(|g| g.get(id)) {
        None => Some(&[]),
        Some(Value::Array(list)) => Some(list),
        Some(Value::Object(entry)) if entry.get("type").and_then(Value::as_str) == Some("list") => {
            entry
                .get("values")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
        }
        Some(_) => None,
    };
    values.is_some_and(|values| is_in(actual, values) != negate)
}

/// A compiled `$savedGroup` reference.
#[derive(Debug, Clone)]
pub(crate) enum GroupRef {
    /// Not an object with a string `id` (and a string `attributeKey`, if any):
    /// matches nobody.
    Invalid,
    /// A well-formed reference.
    Ref {
        id: Box<str>,
        attribute_key: Option<Box<str>>,
    },
}

impl GroupRef {
    /// Compiles the operand of `$savedGroup`.
    pub(crate) fn compile(v: &Value, at: &At<'_>, ctx: &Ctx<'_>) -> Result<Self, AttuneError> {
        ctx.uses_saved_groups.set(true);
        let Value::Object(map) = v else {
            ctx.reject(at, "expected an object")?;
            return Ok(Self::Invalid);
        };
        let Some(Value::String(id)) = map.get("id") else {
            ctx.reject(&at.key("id"), "expected a saved group id")?;
            return Ok(Self::Invalid);
        };
        let attribute_key = match map.get("attributeKey") {
            None => None,
            Some(Value::String(key)) => Some(key.as_str().into()),
            Some(_) => {
                ctx.reject(&at.key("attributeKey"), "expected a string")?;
                return Ok(Self::Invalid);
            }
        };
        Ok(Self::Ref {
            id: id.as_str().into(),
            attribute_key,
        })
    }

    /// Whether `doc` belongs to the referenced group.
    pub(crate) fn eval(&self, doc: &Value, env: Env<'_>) -> Eval {
        let Self::Ref { id, attribute_key } = self else {
            return Ok(false);
        };
        if visited(env.visited, id) {
            return Ok(false);
        }
        let Some(Value::Object(entry)) = env.groups.and_then(|g| g.get(id)) else {
            return Ok(false);
        };
        match entry.get("type").and_then(Value::as_str) {
            Some("list") => {
                let key = match attribute_key {
                    Some(key) => Some(&**key),
                    None => entry.get("attributeKey").and_then(Value::as_str),
                };
                let (Some(key), Some(Value::Array(values))) = (key, entry.get("values")) else {
                    return Ok(false);
                };
                Ok(is_in(&resolve_str(doc, key), values))
            }
            Some("condition") => {
                let condition @ (Value::Object(_) | Value::Array(_)) =
                    entry.get("condition").unwrap_or(&Value::Null)
                else {
                    return Ok(false);
                };
                let ctx = Ctx::new(CompileMode::Lenient, env.regex);
                let Ok(cond) = Cond::compile(condition, &At::Root(""), &ctx) else {
                    return Ok(false);
                };
                let node = Visited {
                    id,
                    parent: env.visited,
                };
                cond.eval(
                    doc,
                    Env {
                        visited: Some(&node),
                        ..env
                    },
                )
            }
            _ => Ok(false),
        }
    }
}

//! PLACEHOLDER until the full GrowthBook-compatible evaluator lands from the
//! `rules` branch: equality, comparisons, `$in`, `$exists`, `$and/$or/$not`.

use crate::core::error::{AttuneError, Result};
use serde_json::{Map, Value};

/// How strictly a condition is compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompileMode {
    /// Unknown operators are errors (config validation).
    Strict,
    /// Never errors; GrowthBook's behaviour for odd input.
    Lenient,
}

/// A compiled regular expression.
pub trait CompiledRegex {
    /// Whether `s` matches.
    fn is_match(&self, s: &str) -> bool;
}

/// Compiles regular expressions for `$regex`.
pub trait RegexEngine {
    /// Compiles `pattern`; `None` when invalid.
    fn compile(&self, pattern: &str, case_insensitive: bool) -> Option<Box<dyn CompiledRegex>>;
}

/// A regex engine that matches nothing.
#[derive(Debug, Default)]
pub struct NoRegex;

impl RegexEngine for NoRegex {
    fn compile(&self, _: &str, _: bool) -> Option<Box<dyn CompiledRegex>> {
        None
    }
}

/// Rust `regex-lite` (native builds).
#[cfg(feature = "native-regex")]
#[derive(Debug, Default)]
pub struct NativeRegex;

#[cfg(feature = "native-regex")]
struct NativeCompiled(regex_lite::Regex);

#[cfg(feature = "native-regex")]
impl CompiledRegex for NativeCompiled {
    fn is_match(&self, s: &str) -> bool {
        self.0.is_match(s)
    }
}

#[cfg(feature = "native-regex")]
impl RegexEngine for NativeRegex {
    fn compile(&self, pattern: &str, case_insensitive: bool) -> Option<Box<dyn CompiledRegex>> {
        let p = if case_insensitive {
            format!("(?i){pattern}")
        } else {
            pattern.to_string()
        };
        regex_lite::Regex::new(&p)
            .ok()
            .map(|r| Box::new(NativeCompiled(r)) as Box<dyn CompiledRegex>)
    }
}

/// A condition (placeholder: keeps the JSON and interprets it).
#[derive(Debug, Clone)]
pub struct Condition {
    json: Value,
}

impl Condition {
    /// Compiles `json`.
    pub fn compile(json: &Value, path: &str, _regex: &dyn RegexEngine) -> Result<Condition> {
        if !json.is_object() {
            return Err(AttuneError::config(path, "expected an object"));
        }
        Ok(Condition { json: json.clone() })
    }

    /// Evaluates against `attrs`.
    pub fn eval(&self, attrs: &Value, _saved_groups: Option<&Map<String, Value>>) -> bool {
        eval_obj(&self.json, attrs)
    }
}

fn eval_obj(cond: &Value, attrs: &Value) -> bool {
    let Some(map) = cond.as_object() else {
        return false;
    };
    map.iter().all(|(k, v)| match k.as_str() {
        "$and" => v
            .as_array()
            .is_some_and(|a| a.iter().all(|c| eval_obj(c, attrs))),
        "$or" => v
            .as_array()
            .is_some_and(|a| a.is_empty() || a.iter().any(|c| eval_obj(c, attrs))),
        "$not" => !eval_obj(v, attrs),
        _ => eval_value(v, lookup(attrs, k)),
    })
}

fn lookup<'a>(attrs: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(attrs, |cur, key| cur.get(key))
}

fn eval_value(cond: &Value, actual: Option<&Value>) -> bool {
    let Some(ops) = cond
        .as_object()
        .filter(|m| m.keys().all(|k| k.starts_with('$')))
    else {
        return actual == Some(cond);
    };
    ops.iter().all(|(op, exp)| {
        let num = |f: fn(f64, f64) -> bool| match (actual.and_then(Value::as_f64), exp.as_f64()) {
            (Some(a), Some(b)) => f(a, b),
            _ => false,
        };
        match op.as_str() {
            "$eq" => actual == Some(exp),
            "$ne" => actual != Some(exp),
            "$gt" => num(|a, b| a > b),
            "$gte" => num(|a, b| a >= b),
            "$lt" => num(|a, b| a < b),
            "$lte" => num(|a, b| a <= b),
            "$in" => exp
                .as_array()
                .is_some_and(|a| actual.is_some_and(|x| a.contains(x))),
            "$exists" => exp.as_bool() == Some(actual.is_some_and(|a| !a.is_null())),
            _ => false,
        }
    })
}

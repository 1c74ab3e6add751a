//! A compiled test of one value (GrowthBook's `evalConditionValue`): what sits
//! under an attribute key in a condition, e.g. `"CA"`, `10`, `["a", "b"]` or
//! `{"$gt": 5, "$lt": 10}`.
//!
//! Literals compare the way GrowthBook's JavaScript does:
//! * a string matches when `attribute + ""` equals it (`8` matches `"8"`, a
//!   missing attribute matches `"null"`);
//! * a number matches when `attribute * 1` equals it (`"8"` matches `8`, a
//!   missing attribute matches `0`);
//! * a boolean matches a non-null attribute of the same truthiness;
//! * `null` matches a missing or `null` attribute;
//! * an array, or an object whose keys are not all `$operators`, matches by
//!   deep equality (`JSON.stringify`), object keys compared as a set.

use crate::core::json::{Map, Value};

use super::at::At;
use super::condition::{Ctx, Eval};
use super::groups::Env;
use super::js::{fold_case, js_string, json_eq, loose_str_eq, to_number, truthy};
use super::operators::Op;
use crate::core::error::AttuneError;

/// GrowthBook's `isOperatorObject`: at least one key, and every key starts with `$`.
pub(crate) fn is_operator_object(map: &Map) -> bool {
    !map.is_empty() && map.keys().all(|k| k.starts_with('$'))
}

/// A compiled value test.
#[derive(Debug, Clone)]
pub(crate) enum ValueCond {
    /// `attribute + "" === s`.
    Str(Box<str>),
    /// `String(attribute).toLowerCase() === s` (`s` already lower-cased; `$alli`).
    StrFolded(Box<str>),
    /// `attribute * 1 === n`.
    Num(f64),
    /// `attribute !== null && !!attribute === b`.
    Bool(bool),
    /// `attribute === null` (missing counts as `null`).
    Null,
    /// `JSON.stringify` equality.
    Deep(Value),
    /// Every operator must hold.
    Ops(Box<[Op]>),
    /// Never matches (a lone UTF-16 surrogate GrowthBook could produce).
    Never,
}

impl ValueCond {
    /// Compiles `v` found at `path`; `insensitive` is set for `$alli` elements.
    pub(crate) fn compile(
        v: &Value,
        at: &At<'_>,
        ctx: &Ctx<'_>,
        insensitive: bool,
    ) -> Result<Self, AttuneError> {
        Ok(match v {
            Value::String(s) if insensitive => Self::StrFolded(fold_case(s).into()),
            Value::String(s) => Self::Str(s.as_str().into()),
            Value::Number(n) => Self::Num(*n),
            Value::Bool(b) => Self::Bool(*b),
            Value::Null => Self::Null,
            Value::Object(map) if is_operator_object(map) => {
                let mut ops = Vec::with_capacity(map.len());
                for (name, operand) in map {
                    ops.push(Op::compile(name, operand, &at.key(name), ctx)?);
                }
                Self::Ops(ops.into_boxed_slice())
            }
            Value::Object(map) => {
                if map.keys().any(|k| k.starts_with('$')) {
                    ctx.reject(at, "mixes $operators with plain keys")?;
                }
                Self::Deep(v.clone())
            }
            Value::Array(_) => Self::Deep(v.clone()),
        })
    }

    /// Tests `actual` (a `null` stands for a missing attribute).
    pub(crate) fn eval(&self, actual: &Value, env: Env<'_>) -> Eval {
        Ok(match self {
            Self::Str(s) => loose_str_eq(actual, s),
            Self::StrFolded(s) => *fold_case(&js_string(actual)) == **s,
            Self::Num(n) => to_number(actual) == *n,
            Self::Bool(b) => !actual.is_null() && truthy(actual) == *b,
            Self::Null => actual.is_null(),
            Self::Deep(expected) => json_eq(actual, expected),
            Self::Ops(ops) => {
                for op in ops.iter() {
                    if !op.eval(actual, env)? {
                        return Ok(false);
                    }
                }
                true
            }
            Self::Never => false,
        })
    }
}

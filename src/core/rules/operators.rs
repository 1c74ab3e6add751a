//! The `$operators` of a value test (GrowthBook's `evalOperatorCondition`).
//!
//! Each operator is compiled once: version operands are pre-padded, `$in`
//! operands become sorted sets, regexes are compiled, and nested conditions
//! are compiled recursively. Lenient compilation reproduces GrowthBook's
//! behaviour for odd operands (usually "always false"); strict compilation
//! reports them as config errors instead.

use std::cmp::Ordering;
use std::fmt;
use std::rc::Rc;

use crate::core::json::Value;

use super::at::At;
use super::condition::{Cond, Ctx, Eval, Thrown};
use super::groups::{in_group, Env};
use super::js::{js_less, js_string, strict_eq, truthy, Prim};
use super::regex::CompiledRegex;
use super::set::{JsType, ValueSet};
use super::value::{is_operator_object, ValueCond};
use super::version::PaddedVersion;
use crate::core::error::AttuneError;

/// Every operator a value test understands (`$not` is also a condition-level key).
const OPERATORS: &[&str] = &[
    "$veq",
    "$vne",
    "$vgt",
    "$vgte",
    "$vlt",
    "$vlte",
    "$eq",
    "$ne",
    "$lt",
    "$lte",
    "$gt",
    "$gte",
    "$exists",
    "$in",
    "$nin",
    "$ini",
    "$nini",
    "$inGroup",
    "$notInGroup",
    "$not",
    "$size",
    "$elemMatch",
    "$all",
    "$alli",
    "$regex",
    "$regexi",
    "$type",
];

/// Whether `name` is an operator that only makes sense under an attribute.
pub(crate) fn is_value_operator(name: &str) -> bool {
    name != "$not" && OPERATORS.contains(&name)
}

const EXPECTED_SCALAR: &str = "expected a string, number, boolean or null";

/// Which way a relational or version comparison goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    Eq,
    Ne,
    Lt,
    Lte,
    Gt,
    Gte,
}

impl Cmp {
    /// Whether `actual <op> expected` holds, given how they order.
    fn holds(self, order: Ordering) -> bool {
        match self {
            Self::Eq => order == Ordering::Equal,
            Self::Ne => order != Ordering::Equal,
            Self::Lt => order == Ordering::Less,
            Self::Lte => order != Ordering::Greater,
            Self::Gt => order == Ordering::Greater,
            Self::Gte => order != Ordering::Less,
        }
    }

    /// [`Cmp::holds_js`] for two numbers (NaN makes every comparison false).
    #[inline(always)]
    fn holds_num(self, actual: f64, expected: f64) -> bool {
        match self {
            Self::Lt => actual < expected,
            Self::Gt => actual > expected,
            Self::Lte => actual <= expected,
            Self::Gte => actual >= expected,
            Self::Eq | Self::Ne => false,
        }
    }

    /// JavaScript's `actual <op> expected` for `$lt`, `$lte`, `$gt`, `$gte`:
    /// `<=` is "not greater", except that NaN makes everything false.
    fn holds_js(self, actual: &Prim<'_>, expected: &Prim<'_>) -> bool {
        match self {
            Self::Lt => js_less(actual, expected) == Some(true),
            Self::Gt => js_less(expected, actual) == Some(true),
            Self::Lte => js_less(expected, actual) == Some(false),
            Self::Gte => js_less(actual, expected) == Some(false),
            Self::Eq | Self::Ne => false,
        }
    }
}

/// A compiled `$regex` / `$regexi` operand.
#[derive(Clone)]
pub(crate) struct Pattern {
    source: Box<str>,
    /// `None` when the operand was not a string or did not compile: never matches.
    compiled: Option<Rc<dyn CompiledRegex>>,
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pattern")
            .field("source", &self.source)
            .field("compiled", &self.compiled.is_some())
            .finish()
    }
}

/// The operand of `$elemMatch`.
#[derive(Debug, Clone)]
pub(crate) enum ElemMatch {
    /// An operator object: each element is tested as a value.
    Values(Box<ValueCond>),
    /// Anything else: each element is tested as a document.
    Docs(Box<Cond>),
    /// `null`: GrowthBook throws once the attribute is an array.
    Throw,
}

/// One compiled operator.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    Version(Cmp, PaddedVersion),
    Eq(Value),
    Ne(Value),
    Rel(Cmp, Prim<'static>),
    Exists(bool),
    In {
        set: ValueSet,
        fold: bool,
        negate: bool,
    },
    InGroup {
        group: Box<str>,
        negate: bool,
    },
    Not(Box<ValueCond>),
    Size(Box<ValueCond>),
    ElemMatch(ElemMatch),
    All(Box<[ValueCond]>),
    Regex(Pattern),
    Type(Option<JsType>),
    /// Unknown operator, or an operand GrowthBook answers with `false`.
    Never,
}

impl Op {
    /// Compiles operator `name` with `operand`, found at `at`.
    pub(crate) fn compile(
        name: &str,
        operand: &Value,
        at: &At<'_>,
        ctx: &Ctx<'_>,
    ) -> Result<Self, AttuneError> {
        let scalar = |v: &Value| !matches!(v, Value::Array(_) | Value::Object(_));
        let cmp = |suffix: &str| match suffix {
            "eq" => Cmp::Eq,
            "ne" => Cmp::Ne,
            "lt" => Cmp::Lt,
            "lte" => Cmp::Lte,
            "gt" => Cmp::Gt,
            _ => Cmp::Gte,
        };
        Ok(match name {
            "$veq" | "$vne" | "$vgt" | "$vgte" | "$vlt" | "$vlte" => {
                if !matches!(operand, Value::String(_) | Value::Number(_)) {
                    ctx.reject(at, "expected a version string")?;
                }
                Self::Version(cmp(&name[2..]), PaddedVersion::of(operand))
            }
            "$eq" | "$ne" => {
                if !scalar(operand) {
                    ctx.reject(at, EXPECTED_SCALAR)?;
                }
                match name {
                    "$eq" => Self::Eq(operand.clone()),
                    _ => Self::Ne(operand.clone()),
                }
            }
            "$lt" | "$lte" | "$gt" | "$gte" => {
                if !matches!(operand, Value::String(_) | Value::Number(_)) {
                    ctx.reject(at, "expected a number or string")?;
                }
                Self::Rel(cmp(&name[1..]), Prim::of(operand).into_owned())
            }
            "$exists" => {
                if !operand.is_boolean() {
                    ctx.reject(at, "expected a boolean")?;
                }
                Self::Exists(truthy(operand))
            }
            "$in" | "$nin" | "$ini" | "$nini" => {
                let Value::Array(items) = operand else {
                    ctx.reject(at, "expected an array")?;
                    return Ok(Self::Never);
                };
                for (i, item) in items.iter().enumerate() {
                    if !scalar(item) {
                        ctx.reject(&at.index(i), EXPECTED_SCALAR)?;
                    }
                }
                let fold = name.ends_with('i');
                Self::In {
                    set: ValueSet::new(items, fold),
                    fold,
                    negate: name.starts_with("$n"),
                }
            }
            "$inGroup" | "$notInGroup" => {
                ctx.uses_saved_groups.set(true);
                if !operand.is_string() {
                    ctx.reject(at, "expected a saved group id")?;
                }
                Self::InGroup {
                    group: js_string(operand).into(),
                    negate: name == "$notInGroup",
                }
            }
            "$not" => Self::Not(Box::new(ValueCond::compile(operand, at, ctx, false)?)),
            "$size" => {
                let ok = match operand {
                    Value::Number(_) => true,
                    Value::Object(map) => is_operator_object(map),
                    _ => false,
                };
                if !ok {
                    ctx.reject(at, "expected a number or an operator object")?;
                }
                Self::Size(Box::new(ValueCond::compile(operand, at, ctx, false)?))
            }
            "$elemMatch" => Self::ElemMatch(match operand {
                Value::Object(map) if is_operator_object(map) => {
                    ElemMatch::Values(Box::new(ValueCond::compile(operand, at, ctx, false)?))
                }
                Value::Object(_) => ElemMatch::Docs(Box::new(Cond::compile(operand, at, ctx)?)),
                Value::Null => {
                    ctx.reject(at, "expected an object")?;
                    ElemMatch::Throw
                }
                _ => {
                    ctx.reject(at, "expected an object")?;
                    ElemMatch::Docs(Box::new(Cond::compile(operand, at, ctx)?))
                }
            }),
            "$all" | "$alli" => {
                let Value::Array(items) = operand else {
                    ctx.reject(at, "expected an array")?;
                    return Ok(Self::Never);
                };
                let insensitive = name == "$alli";
                let mut tests = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    tests.push(ValueCond::compile(item, &at.index(i), ctx, insensitive)?);
                }
                let tests = tests.into_boxed_slice();
                Self::All(tests)
            }
            "$regex" | "$regexi" => {
                let source = operand.as_str().unwrap_or_default();
                let compiled = match operand {
                    Value::String(p) => ctx.regex.compile(p, name == "$regexi").map(Rc::from),
                    _ => None,
                };
                if !operand.is_string() {
                    ctx.reject(at, "expected a string")?;
                } else if compiled.is_none() {
                    ctx.reject(at, "invalid regular expression")?;
                }
                Self::Regex(Pattern {
                    source: source.into(),
                    compiled,
                })
            }
            "$type" => {
                let t = operand.as_str().and_then(JsType::parse);
                if t.is_none() {
                    ctx.reject(
                        at,
                        "expected one of string, number, boolean, object, array, null",
                    )?;
                }
                Self::Type(t)
            }
            _ => {
                ctx.reject(at, "unknown operator")?;
                Self::Never
            }
        })
    }

    /// Applies the operator to `actual` (`null` when the attribute is missing).
    pub(crate) fn eval(&self, actual: &Value, env: Env<'_>) -> Eval {
        Ok(match self {
            Self::Version(cmp, expected) => cmp.holds(expected.compare(actual)),
            Self::Eq(expected) => strict_eq(actual, expected),
            Self::Ne(expected) => !strict_eq(actual, expected),
            Self::Rel(cmp, expected) => match (actual, expected) {
                // Number against number: no primitive conversion needed.
                (Value::Number(n), Prim::Num(e)) => cmp.holds_num(*n, *e),
                _ => cmp.holds_js(&Prim::of(actual), expected),
            },
            Self::Exists(want) => actual.is_null() != *want,
            Self::In { set, fold, negate } => set.matches(actual, *fold) != *negate,
            Self::InGroup { group, negate } => in_group(actual, group, *negate, env),
            Self::Not(test) => !test.eval(actual, env)?,
            Self::Size(test) => match actual {
                Value::Array(items) => test.eval(&Value::from(items.len()), env)?,
                _ => false,
            },
            Self::ElemMatch(m) => elem_match(m, actual, env)?,
            Self::All(tests) => all(actual, tests, env)?,
            Self::Regex(p) => p
                .compiled
                .as_ref()
                .is_some_and(|re| re.is_match(&js_string(actual))),
            Self::Type(t) => *t == Some(JsType::of(actual)),
            Self::Never => false,
        })
    }
}

/// `$elemMatch`: some element passes; `null` elements are skipped.
fn elem_match(m: &ElemMatch, actual: &Value, env: Env<'_>) -> Eval {
    let Value::Array(items) = actual else {
        return Ok(false);
    };
    for el in items.iter().filter(|el| !el.is_null()) {
        let hit = match m {
            ElemMatch::Values(test) => test.eval(el, env)?,
            ElemMatch::Docs(cond) => cond.eval(el, env)?,
            // GrowthBook inspects a `null` operand before any element.
            ElemMatch::Throw => break,
        };
        if hit {
            return Ok(true);
        }
    }
    match m {
        ElemMatch::Throw => Err(Thrown),
        _ => Ok(false),
    }
}

/// `$all` / `$alli`: every test is passed by some element of an array attribute.
fn all(actual: &Value, tests: &[ValueCond], env: Env<'_>) -> Eval {
    let Value::Array(items) = actual else {
        return Ok(false);
    };
    for test in tests {
        let mut passed = false;
        for el in items {
            if test.eval(el, env)? {
                passed = true;
                break;
            }
        }
        if !passed {
            return Ok(false);
        }
    }
    Ok(true)
}

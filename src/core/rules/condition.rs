//! Compiled conditions (GrowthBook's `evalCondition`).
//!
//! A condition is a JSON object whose keys are `$or`, `$nor`, `$and`, `$not`
//! or dot paths into the attributes, e.g.
//! `{"country": {"$in": ["US", "CA"]}, "$or": [{"plan": "pro"}, {"visits": {"$gt": 5}}]}`.
//! [`Condition::compile`] parses it once into a tree; [`Condition::eval`] walks
//! the tree against an attribute document without allocating for the common
//! operators.

use std::cell::Cell;
use std::fmt;
use std::rc::Rc;

use crate::core::json::{Map, Value};
use crate::core::text::cat;

use super::at::At;
use super::groups::{Env, GroupRef, NO_REGEX};
use super::operators::is_value_operator;
use super::path::Path;
use super::path_table::PathTable;
use super::regex::RegexEngine;
use super::value::ValueCond;
use crate::core::error::AttuneError;

/// GrowthBook's evaluator threw a `TypeError` (e.g. `{"$not": null}`); the
/// whole condition then evaluates to `false`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Thrown;

/// The result of evaluating a node.
pub(crate) type Eval = Result<bool, Thrown>;

/// How [`Condition::compile_with_mode`] treats input GrowthBook would accept
/// but that is almost certainly a mistake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CompileMode {
    /// Config validation: unknown operators, wrongly typed operands, invalid
    /// regexes and non-object conditions are [`ErrorKind::Config`](crate::core::ErrorKind::Config) errors
    /// with the JSON path of the offending value.
    #[default]
    Strict,
    /// Never fails: everything compiles to exactly what GrowthBook's JavaScript
    /// `evalCondition` would do with it (most odd operands simply never match).
    Lenient,
}

/// What compilation needs to know.
pub(crate) struct Ctx<'r> {
    pub(crate) mode: CompileMode,
    pub(crate) regex: &'r dyn RegexEngine,
    /// Set when a `$savedGroup` clause is compiled: the condition must then
    /// keep the regex engine for the groups' own conditions.
    pub(crate) uses_saved_groups: Cell<bool>,
    /// Numbers field paths and tests for a [`RuleSet`](super::RuleSet).
    pub(crate) paths: Option<&'r PathTable>,
}

impl<'r> Ctx<'r> {
    /// A fresh context.
    pub(crate) fn new(mode: CompileMode, regex: &'r dyn RegexEngine) -> Self {
        Self {
            mode,
            regex,
            uses_saved_groups: Cell::new(false),
            paths: None,
        }
    }

    /// In strict mode, fails with `message` at `path`; in lenient mode, carries on.
    pub(crate) fn reject(&self, at: &At<'_>, message: &str) -> Result<(), AttuneError> {
        match self.mode {
            CompileMode::Strict => Err(AttuneError::config(at.render(), message)),
            CompileMode::Lenient => Ok(()),
        }
    }
}

/// A compiled `evalCondition` argument.
#[derive(Debug, Clone)]
pub(crate) enum Cond {
    /// All clauses must hold (an object's entries).
    Clauses(Box<[Clause]>),
    /// `null`: `Object.entries(null)` throws.
    Throw,
}

/// One key of a condition.
#[derive(Debug, Clone)]
pub(crate) enum Clause {
    Or(List),
    Nor(List),
    And(List),
    Not(Box<Cond>),
    SavedGroup(GroupRef),
    Field(Rc<FieldTest>),
}

/// A test of one attribute (shared, not copied, by a [`super::RuleSet`]'s leaves).
#[derive(Debug, Clone)]
pub(crate) struct FieldTest {
    pub(crate) path: Path,
    pub(crate) test: ValueCond,
}

fn field(path: Path, test: ValueCond) -> Clause {
    Clause::Field(Rc::new(FieldTest { path, test }))
}

/// The operand of `$or`, `$nor` or `$and`.
#[derive(Debug, Clone)]
pub(crate) enum List {
    /// Sub-conditions. An operand without a `length` (object, number, boolean)
    /// behaves as an empty list, as it does in GrowthBook.
    Conds(Box<[Cond]>),
    /// `null`: reading `null.length` throws.
    Throw,
}

impl Cond {
    /// Compiles any JSON value the way `evalCondition` would read it through
    /// `Object.entries` (strict mode requires an object).
    pub(crate) fn compile(v: &Value, at: &At<'_>, ctx: &Ctx<'_>) -> Result<Self, AttuneError> {
        let clauses = match v {
            Value::Object(map) => {
                let mut out = Vec::with_capacity(map.len());
                for (key, val) in map {
                    out.push(Clause::compile(key, val, &at.key(key), ctx)?);
                }
                out.into_boxed_slice()
            }
            Value::Null => {
                ctx.reject(at, "expected an object")?;
                return Ok(Self::Throw);
            }
            Value::Array(items) => {
                ctx.reject(at, "expected an object")?;
                let mut out = Vec::with_capacity(items.len());
                for (i, val) in items.iter().enumerate() {
                    out.push(Clause::compile(&cat!(i), val, &at.index(i), ctx)?);
                }
                out.into_boxed_slice()
            }
            Value::String(s) => {
                ctx.reject(at, "expected an object")?;
                string_entries(s).into()
            }
            Value::Number(_) | Value::Bool(_) => {
                ctx.reject(at, "expected an object")?;
                Box::default()
            }
        };
        Ok(Self::Clauses(clauses))
    }

    /// Evaluates against `doc`.
    pub(crate) fn eval(&self, doc: &Value, env: Env<'_>) -> Eval {
        let Self::Clauses(clauses) = self else {
            return Err(Thrown);
        };
        for clause in clauses.iter() {
            if !clause.eval(doc, env)? {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// `Object.entries("ab")` is `[["0","a"],["1","b"]]`: one equality per UTF-16
/// unit. Halves of a surrogate pair can never equal a Rust string.
fn string_entries(s: &str) -> Vec<Clause> {
    let mut out = Vec::new();
    let mut index = 0usize;
    for c in s.chars() {
        if c.len_utf16() == 1 {
            let test = ValueCond::Str(String::from(c).into());
            out.push(field(Path::parse(&cat!(index)), test));
            index += 1;
        } else {
            for _ in 0..2 {
                out.push(field(Path::parse(&cat!(index)), ValueCond::Never));
                index += 1;
            }
        }
    }
    out
}

impl Clause {
    fn compile(key: &str, val: &Value, at: &At<'_>, ctx: &Ctx<'_>) -> Result<Self, AttuneError> {
        Ok(match key {
            "$or" => Self::Or(List::compile(val, at, ctx)?),
            "$nor" => Self::Nor(List::compile(val, at, ctx)?),
            "$and" => Self::And(List::compile(val, at, ctx)?),
            "$not" => Self::Not(Box::new(Cond::compile(val, at, ctx)?)),
            "$savedGroup" => Self::SavedGroup(GroupRef::compile(val, at, ctx)?),
            _ => {
                if is_value_operator(key) {
                    ctx.reject(at, "operator must be applied to an attribute")?;
                }
                // A test that reads saved groups depends on more than the
                // document, so it is never shared between conditions.
                let before = ctx.uses_saved_groups.replace(false);
                let test = ValueCond::compile(val, at, ctx, false)?;
                let reads_groups = ctx.uses_saved_groups.get();
                ctx.uses_saved_groups.set(before || reads_groups);
                let mut path = Path::numbered(key, ctx.paths);
                if let (Some(table), false) = (ctx.paths, reads_groups) {
                    path.set_leaf(table.leaf_id(key, val, ctx.mode));
                }
                field(path, test)
            }
        })
    }

    fn eval(&self, doc: &Value, env: Env<'_>) -> Eval {
        match self {
            Self::Or(list) => list.any(doc, env),
            Self::Nor(list) => list.any(doc, env).map(|b| !b),
            Self::And(list) => list.all(doc, env),
            Self::Not(cond) => cond.eval(doc, env).map(|b| !b),
            Self::SavedGroup(group) => group.eval(doc, env),
            Self::Field(f) => f.test.eval(&f.path.resolve(doc), env),
        }
    }
}

impl List {
    fn compile(v: &Value, at: &At<'_>, ctx: &Ctx<'_>) -> Result<Self, AttuneError> {
        let conds = match v {
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    out.push(Cond::compile(item, &at.index(i), ctx)?);
                }
                out.into_boxed_slice()
            }
            Value::Null => {
                ctx.reject(at, "expected an array")?;
                return Ok(Self::Throw);
            }
            // A string's "elements" are its UTF-16 units, each read as a condition.
            Value::String(s) => {
                ctx.reject(at, "expected an array")?;
                let mut out = Vec::new();
                for c in s.chars() {
                    let single = c.len_utf16() == 1;
                    for _ in 0..if single { 1 } else { 2 } {
                        let test = if single {
                            ValueCond::Str(String::from(c).into())
                        } else {
                            ValueCond::Never
                        };
                        out.push(Cond::Clauses(Box::new([field(Path::parse("0"), test)])));
                    }
                }
                out.into_boxed_slice()
            }
            Value::Object(_) | Value::Number(_) | Value::Bool(_) => {
                ctx.reject(at, "expected an array")?;
                Box::default()
            }
        };
        Ok(Self::Conds(conds))
    }

    /// GrowthBook's `evalOr`: an empty list passes.
    fn any(&self, doc: &Value, env: Env<'_>) -> Eval {
        let Self::Conds(conds) = self else {
            return Err(Thrown);
        };
        if conds.is_empty() {
            return Ok(true);
        }
        for cond in conds.iter() {
            if cond.eval(doc, env)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// GrowthBook's `evalAnd`.
    fn all(&self, doc: &Value, env: Env<'_>) -> Eval {
        let Self::Conds(conds) = self else {
            return Err(Thrown);
        };
        for cond in conds.iter() {
            if !cond.eval(doc, env)? {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// A compiled GrowthBook condition: dot paths pre-split, version operands
/// pre-padded, `$in` operands turned into sets and regexes pre-compiled.
#[derive(Clone)]
pub struct Condition {
    root: Cond,
    /// Kept only when the condition uses `$savedGroup`, whose condition groups
    /// are compiled at evaluation time (see [`RegexEngine::shared`]).
    regex: Option<Rc<dyn RegexEngine>>,
    /// Whether it reads saved groups (`$savedGroup`, `$inGroup`, `$notInGroup`).
    reads_groups: bool,
}

impl fmt::Debug for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condition")
            .field("root", &self.root)
            .field("keeps_regex_engine", &self.regex.is_some())
            .finish()
    }
}

impl Condition {
    /// Compiles `json` in [`CompileMode::Strict`]; errors carry JSON paths
    /// below `path` (e.g. `segments.vip.when.$and[1].visits.$gt`).
    pub fn compile(
        json: &Value,
        path: &str,
        regex: &dyn RegexEngine,
    ) -> Result<Condition, AttuneError> {
        Self::compile_with_mode(json, path, regex, CompileMode::Strict)
    }

    /// Compiles `json` in the given mode. [`CompileMode::Lenient`] never fails.
    pub fn compile_with_mode(
        json: &Value,
        path: &str,
        regex: &dyn RegexEngine,
        mode: CompileMode,
    ) -> Result<Condition, AttuneError> {
        Self::compile_in(json, path, regex, mode, None)
    }

    /// [`Condition::compile_with_mode`] with the field paths and tests
    /// numbered in `paths`, for a [`RuleSet`](super::RuleSet).
    pub(crate) fn compile_in(
        json: &Value,
        path: &str,
        regex: &dyn RegexEngine,
        mode: CompileMode,
        paths: Option<&PathTable>,
    ) -> Result<Condition, AttuneError> {
        let mut ctx = Ctx::new(mode, regex);
        ctx.paths = paths;
        let root = Cond::compile(json, &At::Root(path), &ctx)?;
        let reads_groups = ctx.uses_saved_groups.get();
        let regex = if reads_groups { regex.shared() } else { None };
        Ok(Self {
            root,
            regex,
            reads_groups,
        })
    }

    /// Compiles `json` exactly as GrowthBook's `evalCondition` reads it
    /// ([`CompileMode::Lenient`]); this cannot fail.
    pub fn lenient(json: &Value, regex: &dyn RegexEngine) -> Condition {
        Self::compile_with_mode(json, "", regex, CompileMode::Lenient).unwrap_or(Self {
            root: Cond::Throw,
            regex: None,
            reads_groups: false,
        })
    }

    /// The compiled tree.
    pub(crate) fn root(&self) -> &Cond {
        &self.root
    }

    /// Whether the condition reads saved groups (`$savedGroup`, `$inGroup`,
    /// `$notInGroup`), so its answer depends on more than the document.
    pub(crate) fn reads_saved_groups(&self) -> bool {
        self.reads_groups
    }

    /// The empty condition `{}`, which every document satisfies.
    pub fn always() -> Condition {
        Self {
            root: Cond::Clauses(Box::default()),
            regex: None,
            reads_groups: false,
        }
    }

    /// Evaluates the condition against `attrs`, with `saved_groups` (id →
    /// array of values, or a v2 group object) for `$inGroup`, `$notInGroup`
    /// and `$savedGroup`. Where GrowthBook's evaluator would throw (only
    /// possible for lenient conditions), the answer is `false`.
    pub fn eval(&self, attrs: &Value, saved_groups: Option<&Map>) -> bool {
        let env = Env {
            groups: saved_groups,
            visited: None,
            regex: self.regex.as_deref().unwrap_or(&NO_REGEX),
        };
        self.root.eval(attrs, env).unwrap_or(false)
    }
}

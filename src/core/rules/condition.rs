//! GrowthBook-compatible conditions, compiled once into a tree so that
//! evaluation walks no JSON keys, parses no versions, compiles no regexes and,
//! for ordinary operators, allocates nothing.

use super::js;
use super::literal::Literal;
use super::regex::{CompiledRegex, RegexEngine};
use super::version;
use crate::core::error::{index_path, join_path, AttuneError, Result};
use serde_json::{Map, Value};

/// How a condition is compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompileMode {
    /// Config validation: unknown operators and wrongly typed operands are
    /// errors naming their JSON path.
    Strict,
    /// Never fails: odd input behaves exactly as in GrowthBook's JS evaluator
    /// (the public `evalCondition` export and the conformance suite use it).
    Lenient,
}

/// A compiled condition.
pub struct Condition {
    root: Node,
}

impl std::fmt::Debug for Condition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Condition")
    }
}

enum Node {
    /// Every child holds (an object's keys, `$and`).
    All(Vec<Node>),
    /// At least one holds; empty holds (`$or`).
    Any(Vec<Node>),
    /// Negation (`$nor`, `$not`).
    Not(Box<Node>),
    /// A dot path and the test on its value.
    Field(Path, Test),
    /// A constant (lenient handling of malformed input).
    Const(bool),
}

struct Path(Vec<String>);

enum Test {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
    Json(Value),
    Ops(Vec<Op>),
}

/// A relational operator.
enum Rel {
    Lt,
    Lte,
    Gt,
    Gte,
}

enum Op {
    Version(VersionOp, String),
    Eq(Value),
    Ne(Value),
    Cmp(Rel, Value),
    Exists(bool),
    In(Vec<Value>, bool),
    Nin(Vec<Value>, bool),
    InGroup(String, bool),
    Not(Box<Test>),
    Size(Box<Test>),
    ElemMatch(Box<Elem>),
    All(Vec<Test>, bool),
    Literal(Literal),
    Regex(Option<Box<dyn CompiledRegex>>),
    Type(String),
    Const(bool),
}

enum VersionOp {
    Eq,
    Ne,
    Ord(Rel),
}

enum Elem {
    Value(Test),
    Cond(Node),
}

struct Compiler<'a> {
    mode: CompileMode,
    regex: &'a dyn RegexEngine,
}

impl Condition {
    /// Compiles `json` in [`CompileMode::Strict`]; `path` prefixes error paths
    /// (e.g. `segments.vip.when`).
    pub fn compile(json: &Value, path: &str, regex: &dyn RegexEngine) -> Result<Condition> {
        Self::compile_with(json, path, regex, CompileMode::Strict)
    }

    /// Compiles `json` in the given mode.
    pub fn compile_with(
        json: &Value,
        path: &str,
        regex: &dyn RegexEngine,
        mode: CompileMode,
    ) -> Result<Condition> {
        let c = Compiler { mode, regex };
        Ok(Condition {
            root: c.condition(json, path)?,
        })
    }

    /// Compiles leniently; never fails.
    pub fn lenient(json: &Value, regex: &dyn RegexEngine) -> Condition {
        let c = Compiler {
            mode: CompileMode::Lenient,
            regex,
        };
        Condition {
            root: c.condition(json, "").unwrap_or(Node::Const(false)),
        }
    }

    /// Evaluates against `attrs`; `saved_groups` serves `$inGroup`/`$notInGroup`.
    pub fn eval(&self, attrs: &Value, saved_groups: Option<&Map<String, Value>>) -> bool {
        eval_node(&self.root, attrs, saved_groups)
    }
}

impl Compiler<'_> {
    fn fail(&self, path: &str, message: &str, fallback: Node) -> Result<Node> {
        match self.mode {
            CompileMode::Strict => Err(AttuneError::config(path, message)),
            CompileMode::Lenient => Ok(fallback),
        }
    }

    fn condition(&self, json: &Value, path: &str) -> Result<Node> {
        let Some(obj) = json.as_object() else {
            // GrowthBook iterates Object.entries(): a primitive has none, so it holds.
            return self.fail(path, "expected a condition object", Node::Const(true));
        };
        let mut nodes = Vec::with_capacity(obj.len());
        for (k, v) in obj {
            let p = join_path(path, k);
            nodes.push(match k.as_str() {
                "$and" => Node::All(self.list(v, &p)?),
                "$or" => Node::Any(self.list(v, &p)?),
                "$nor" => Node::Not(Box::new(Node::Any(self.list(v, &p)?))),
                "$not" => Node::Not(Box::new(self.condition(v, &p)?)),
                _ => Node::Field(
                    Path(k.split('.').map(String::from).collect()),
                    self.test(v, &p)?,
                ),
            });
        }
        Ok(if nodes.len() == 1 {
            nodes.pop().unwrap_or(Node::Const(true))
        } else {
            Node::All(nodes)
        })
    }

    fn list(&self, v: &Value, path: &str) -> Result<Vec<Node>> {
        match v.as_array() {
            Some(a) => a
                .iter()
                .enumerate()
                .map(|(i, c)| self.condition(c, &index_path(path, i)))
                .collect(),
            None => match self.mode {
                CompileMode::Strict => {
                    Err(AttuneError::config(path, "expected an array of conditions"))
                }
                // `conditions.length` of a non-array is undefined: no iteration.
                CompileMode::Lenient => Ok(Vec::new()),
            },
        }
    }

    fn test(&self, v: &Value, path: &str) -> Result<Test> {
        Ok(match v {
            Value::String(s) => Test::Str(s.clone()),
            Value::Number(n) => Test::Num(n.as_f64().unwrap_or(f64::NAN)),
            Value::Bool(b) => Test::Bool(*b),
            Value::Null => Test::Null,
            Value::Object(m) if !m.is_empty() && m.keys().all(|k| k.starts_with('$')) => {
                let mut ops = Vec::with_capacity(m.len());
                for (op, arg) in m {
                    ops.push(self.op(op, arg, &join_path(path, op))?);
                }
                Test::Ops(ops)
            }
            other => Test::Json(other.clone()),
        })
    }

    fn op(&self, op: &str, arg: &Value, path: &str) -> Result<Op> {
        let bad = |msg: &str| -> Result<Op> {
            match self.mode {
                CompileMode::Strict => Err(AttuneError::config(path, msg)),
                CompileMode::Lenient => Ok(Op::Const(false)),
            }
        };
        let scalar = || matches!(arg, Value::Array(_) | Value::Object(_));
        Ok(match op {
            "$veq" | "$vne" | "$vgt" | "$vgte" | "$vlt" | "$vlte" => {
                if self.mode == CompileMode::Strict
                    && !matches!(arg, Value::String(_) | Value::Number(_))
                {
                    return bad("expected a version string");
                }
                let kind = match op {
                    "$veq" => VersionOp::Eq,
                    "$vne" => VersionOp::Ne,
                    "$vgt" => VersionOp::Ord(Rel::Gt),
                    "$vgte" => VersionOp::Ord(Rel::Gte),
                    "$vlt" => VersionOp::Ord(Rel::Lt),
                    _ => VersionOp::Ord(Rel::Lte),
                };
                Op::Version(kind, version::padded(arg))
            }
            "$eq" => Op::Eq(arg.clone()),
            "$ne" => Op::Ne(arg.clone()),
            "$lt" | "$lte" | "$gt" | "$gte" => {
                if self.mode == CompileMode::Strict && scalar() {
                    return bad("expected a number or a string");
                }
                let o = match op {
                    "$lt" => Rel::Lt,
                    "$lte" => Rel::Lte,
                    "$gt" => Rel::Gt,
                    _ => Rel::Gte,
                };
                Op::Cmp(o, arg.clone())
            }
            "$exists" => Op::Exists(js::truthy(arg)),
            "$in" | "$nin" | "$ini" | "$nini" => {
                let Some(list) = arg.as_array() else {
                    return bad("expected an array");
                };
                let ci = op.ends_with("ini");
                let list = if ci {
                    list.iter().map(lower_value).collect()
                } else {
                    list.clone()
                };
                if op.starts_with("$n") {
                    Op::Nin(list, ci)
                } else {
                    Op::In(list, ci)
                }
            }
            "$inGroup" | "$notInGroup" => match arg {
                Value::String(g) => Op::InGroup(g.clone(), op == "$inGroup"),
                _ if self.mode == CompileMode::Strict => return bad("expected a saved group id"),
                other => Op::InGroup(js::to_js_string(other), op == "$inGroup"),
            },
            "$not" => Op::Not(Box::new(self.test(arg, path)?)),
            "$size" => Op::Size(Box::new(self.test(arg, path)?)),
            "$elemMatch" => {
                let Some(m) = arg.as_object() else {
                    return bad("expected an object");
                };
                if !m.is_empty() && m.keys().all(|k| k.starts_with('$')) {
                    Op::ElemMatch(Box::new(Elem::Value(self.test(arg, path)?)))
                } else {
                    Op::ElemMatch(Box::new(Elem::Cond(self.condition(arg, path)?)))
                }
            }
            "$all" | "$alli" => {
                let Some(list) = arg.as_array() else {
                    return match self.mode {
                        CompileMode::Strict => bad("expected an array"),
                        // `expected.length` undefined: the loop never runs.
                        CompileMode::Lenient => Ok(Op::All(Vec::new(), false)),
                    };
                };
                let ci = op == "$alli";
                let tests = list
                    .iter()
                    .enumerate()
                    .map(|(i, x)| {
                        self.test(
                            &if ci { lower_value(x) } else { x.clone() },
                            &index_path(path, i),
                        )
                    })
                    .collect::<Result<Vec<_>>>()?;
                Op::All(tests, ci)
            }
            "$regex" | "$regexi" => match arg {
                // An invalid pattern makes the operator false, as in GrowthBook.
                Value::String(p) => match Literal::parse(p, op == "$regexi") {
                    Some(lit) => Op::Literal(lit),
                    None => Op::Regex(self.regex.compile(p, op == "$regexi")),
                },
                _ => return bad("expected a pattern string"),
            },
            "$type" => match arg {
                Value::String(t) => Op::Type(t.clone()),
                _ => return bad("expected a type name"),
            },
            _ => return bad("unknown operator"),
        })
    }
}

fn lower_value(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(js::lower(s)),
        other => other.clone(),
    }
}

fn lookup<'a>(attrs: &'a Value, path: &Path) -> &'a Value {
    let mut cur = attrs;
    for part in &path.0 {
        cur = match cur {
            Value::Object(m) => match m.get(part) {
                Some(v) => v,
                None => return &Value::Null,
            },
            Value::Array(a) => match part.parse::<usize>().ok().and_then(|i| a.get(i)) {
                Some(v) => v,
                None => return &Value::Null,
            },
            _ => return &Value::Null,
        };
    }
    cur
}

fn eval_node(n: &Node, attrs: &Value, g: Option<&Map<String, Value>>) -> bool {
    match n {
        Node::All(c) => c.iter().all(|x| eval_node(x, attrs, g)),
        Node::Any(c) => c.is_empty() || c.iter().any(|x| eval_node(x, attrs, g)),
        Node::Not(c) => !eval_node(c, attrs, g),
        Node::Field(p, t) => eval_test(t, lookup(attrs, p), g, false),
        Node::Const(b) => *b,
    }
}

fn eval_test(t: &Test, v: &Value, g: Option<&Map<String, Value>>, ci: bool) -> bool {
    match t {
        Test::Str(s) => match v {
            Value::String(a) if ci => js::eq_ignore_case(a, s),
            Value::String(a) => a == s,
            other if ci => js::eq_ignore_case(&js::to_js_string(other), s),
            other => js::to_js_string(other) == *s,
        },
        Test::Num(n) => js::to_number(v) == *n,
        Test::Bool(b) => !v.is_null() && js::truthy(v) == *b,
        Test::Null => v.is_null(),
        Test::Json(j) => js::json_eq(v, j),
        Test::Ops(ops) => ops.iter().all(|o| eval_op(o, v, g)),
    }
}

fn is_in(actual: &Value, list: &[Value], ci: bool) -> bool {
    let has = |x: &Value| match (x, ci) {
        (Value::String(s), true) => list
            .iter()
            .any(|e| matches!(e, Value::String(l) if js::eq_ignore_case(s, l))),
        _ => list.iter().any(|e| js::strict_eq(x, e)),
    };
    match actual {
        Value::Array(a) => a.iter().any(has),
        other => has(other),
    }
}

fn eval_op(o: &Op, v: &Value, g: Option<&Map<String, Value>>) -> bool {
    match o {
        Op::Version(kind, expected) => {
            let actual = version::padded(v);
            match kind {
                VersionOp::Eq => actual == *expected,
                VersionOp::Ne => actual != *expected,
                VersionOp::Ord(ord) => cmp_holds(ord, Some(actual.as_str().cmp(expected.as_str()))),
            }
        }
        Op::Eq(e) => js::strict_eq(v, e),
        Op::Ne(e) => !js::strict_eq(v, e),
        Op::Cmp(ord, e) => cmp_holds(ord, js::compare(v, e)),
        Op::Exists(want) => v.is_null() != *want,
        Op::In(list, ci) => is_in(v, list, *ci),
        Op::Nin(list, ci) => !is_in(v, list, *ci),
        Op::InGroup(id, member) => {
            let group = g
                .and_then(|m| m.get(id))
                .and_then(Value::as_array)
                .map_or(&[][..], |a| a.as_slice());
            is_in(v, group, false) == *member
        }
        Op::Not(t) => !eval_test(t, v, g, false),
        Op::Size(t) => match v {
            Value::Array(a) => eval_test(t, &Value::from(a.len()), g, false),
            _ => false,
        },
        Op::ElemMatch(e) => match v {
            Value::Array(a) => a
                .iter()
                .filter(|x| js::truthy(x))
                .any(|x| match e.as_ref() {
                    Elem::Value(t) => eval_test(t, x, g, false),
                    Elem::Cond(n) => eval_node(n, x, g),
                }),
            _ => false,
        },
        Op::All(tests, ci) => match v {
            Value::Array(a) => tests
                .iter()
                .all(|t| a.iter().any(|x| eval_test(t, x, g, *ci))),
            _ => false,
        },
        Op::Literal(lit) => match v {
            Value::String(s) => lit.is_match(s),
            other => lit.is_match(&js::to_js_string(other)),
        },
        Op::Regex(re) => match re {
            None => false,
            Some(r) => match v {
                Value::String(s) => r.is_match(s),
                other => r.is_match(&js::to_js_string(other)),
            },
        },
        Op::Type(t) => js::type_name(v) == t,
        Op::Const(b) => *b,
    }
}

fn cmp_holds(ord: &Rel, c: Option<std::cmp::Ordering>) -> bool {
    use std::cmp::Ordering::*;
    match (ord, c) {
        (_, None) => false,
        (Rel::Lt, Some(o)) => o == Less,
        (Rel::Lte, Some(o)) => o != Greater,
        (Rel::Gt, Some(o)) => o == Greater,
        (Rel::Gte, Some(o)) => o != Less,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rules::NoRegex;
    use serde_json::json;

    fn strict_err(v: Value) -> Option<String> {
        Condition::compile(&v, "segments.vip.when", &NoRegex)
            .err()
            .map(|e| e.to_string())
    }

    #[test]
    fn strict_mode_names_the_path_of_each_problem() {
        assert_eq!(
            strict_err(json!({"$and": [{"a": 1}, {"visits": {"$gt": {"x": 1}}}]})).as_deref(),
            Some("segments.vip.when.$and[1].visits.$gt: expected a number or a string")
        );
        assert_eq!(
            strict_err(json!({"a": {"$foo": 1}})).as_deref(),
            Some("segments.vip.when.a.$foo: unknown operator")
        );
        assert_eq!(
            strict_err(json!({"a": {"$in": "x"}})).as_deref(),
            Some("segments.vip.when.a.$in: expected an array")
        );
        assert_eq!(
            strict_err(json!({"$or": {"a": 1}})).as_deref(),
            Some("segments.vip.when.$or: expected an array of conditions")
        );
        assert_eq!(
            strict_err(json!([1])).as_deref(),
            Some("segments.vip.when: expected a condition object")
        );
        assert_eq!(
            strict_err(json!({"a": {"$type": 3}})).as_deref(),
            Some("segments.vip.when.a.$type: expected a type name")
        );
        assert_eq!(
            strict_err(json!({"$not": {"a": {"$vgt": []}}})).as_deref(),
            Some("segments.vip.when.$not.a.$vgt: expected a version string")
        );
    }

    #[test]
    fn lenient_mode_never_fails_and_follows_growthbook() {
        let c = Condition::lenient(&json!({"a": {"$foo": 1}}), &NoRegex);
        assert!(!c.eval(&json!({"a": 1}), None));
        let c = Condition::lenient(&json!({"$or": {"a": 1}}), &NoRegex);
        assert!(
            c.eval(&json!({}), None),
            "a non-array $or has no length: vacuously true"
        );
    }

    #[test]
    fn recency_and_frequency_are_expressible() {
        // "Added to cart in the last 2 days, at least twice, and no purchase in
        // those 2 days", on the relative `ago` fields of the attribute document.
        let two_days = 2.0 * 86_400_000.0;
        let cond = json!({
            "events.Added to Cart.ago": {"$lte": two_days},
            "events.Added to Cart.count": {"$gte": 2},
            "$or": [
                {"events.Order Completed": {"$exists": false}},
                {"events.Order Completed.ago": {"$gt": two_days}}
            ]
        });
        let c = Condition::compile(&cond, "", &NoRegex).unwrap_or_else(|e| panic!("{e}"));
        let doc = |cart_ago: f64, order_ago: Option<f64>| {
            let mut events = json!({"Added to Cart": {"count": 2, "ago": cart_ago}});
            if let Some(o) = order_ago {
                events["Order Completed"] = json!({"count": 1, "ago": o});
            }
            json!({"events": events})
        };
        assert!(c.eval(&doc(3_600_000.0, None), None));
        assert!(
            !c.eval(&doc(3.0 * 86_400_000.0, None), None),
            "cart too old"
        );
        assert!(
            c.eval(&doc(3_600_000.0, Some(5.0 * 86_400_000.0)), None),
            "an old order doesn't count"
        );
        assert!(
            !c.eval(&doc(3_600_000.0, Some(60_000.0)), None),
            "a recent order suppresses"
        );
    }
}

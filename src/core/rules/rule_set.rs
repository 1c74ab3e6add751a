//! Many conditions compiled together and evaluated in one pass against one
//! attribute document.
//!
//! A [`RuleSet`] compiles each condition as [`Condition`] does, then lowers its
//! tree into a shared arena of small nodes: `All`/`Any`/`NotAny`/`Not` over
//! children stored side by side, and leaves. A leaf is one distinct test of a
//! dot path (`visits: {"$gt": 3}`); equal tests in different conditions are one
//! leaf, evaluated at most once per pass and only when some condition reaches
//! it. Nested `$and`s and single-child lists are flattened on the way, so a
//! pass walks compact nodes instead of the per-condition trees.
//!
//! Answers are exactly those of [`Condition::eval`] on each condition alone,
//! including GrowthBook's throws (a thrown sub-condition makes its whole
//! condition `false`). Conditions that read saved groups are kept as trees and
//! evaluated on their own, since their tests depend on more than the document.

use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;

use crate::core::json::{Map, Value};

use super::condition::{Clause, CompileMode, Cond, Eval, FieldTest, List, Thrown};
use super::groups::{Env, NO_REGEX};
use super::path::Path;
use super::path_table::PathTable;
use super::regex::RegexEngine;
use super::Condition;
use crate::core::error::AttuneError;

/// A child reference: a leaf index, or [`NODE`] plus a node index.
type Code = u32;

/// Marks a [`Code`] that names a node rather than a leaf.
const NODE: Code = 1 << 31;

/// What a list node does with its children.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Every child holds (an empty list holds).
    All,
    /// Some child holds (an empty list holds, as GrowthBook's `evalOr`).
    Any,
    /// `$nor`: not [`Kind::Any`].
    NotAny,
    /// `$not` of its one child.
    Not,
    /// Where GrowthBook's evaluator throws.
    Throw,
}

/// A node of the arena: its children are `children[first..first + len]`.
#[derive(Debug, Clone, Copy)]
struct Node {
    kind: Kind,
    first: u32,
    len: u32,
}

/// A distinct test: the path it reads and what it checks there.
type Leaf = Rc<FieldTest>;

/// How one condition of the set is evaluated.
#[derive(Debug)]
enum Entry {
    /// The root in the arena.
    Flat(Code),
    /// Kept as a tree: it reads saved groups.
    Tree(Condition),
}

/// Conditions compiled into one arena with shared tests; see the module docs.
#[derive(Debug)]
pub struct RuleSet {
    mode: CompileMode,
    table: PathTable,
    entries: Vec<Entry>,
    nodes: Vec<Node>,
    children: Vec<Code>,
    leaves: Vec<Leaf>,
    /// The table's test number → index in `leaves` ([`Path::NO_ID`]: none
    /// yet). The table numbers tests from 0 up, so this is dense.
    leaf_index: Vec<u32>,
    /// Per-pass leaf results, reused between passes (0 = not yet evaluated,
    /// 1 = false, 2 = true, 3 = threw).
    scratch: RefCell<Vec<u8>>,
}

impl RuleSet {
    /// An empty set whose conditions are compiled in `mode`.
    pub fn new(mode: CompileMode) -> Self {
        Self {
            mode,
            table: PathTable::new(),
            entries: Vec::new(),
            nodes: Vec::new(),
            children: Vec::new(),
            leaves: Vec::new(),
            leaf_index: Vec::new(),
            scratch: RefCell::default(),
        }
    }

    /// Compiles `json` (errors name JSON paths below `path`) and appends it;
    /// returns its index. A condition that fails to compile is not added.
    pub fn push(
        &mut self,
        json: &Value,
        path: &str,
        regex: &dyn RegexEngine,
    ) -> Result<usize, AttuneError> {
        let condition = Condition::compile_in(json, path, regex, self.mode, Some(&self.table))?;
        let entry = if condition.reads_saved_groups() {
            Entry::Tree(condition)
        } else {
            match self.lower_cond(condition.root()) {
                Some(root) => Entry::Flat(root),
                None => Entry::Tree(condition),
            }
        };
        self.entries.push(entry);
        Ok(self.entries.len() - 1)
    }

    /// How many conditions the set holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the set holds no condition.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many distinct tests the flattened conditions share.
    pub fn distinct_tests(&self) -> usize {
        self.leaves.len()
    }

    /// Evaluates every condition against `doc`, calling `each(index, answer)`
    /// in order. `saved_groups` serves `$inGroup` and `$savedGroup`.
    pub fn eval_each(
        &self,
        doc: &Value,
        saved_groups: Option<&Map>,
        mut each: impl FnMut(usize, bool),
    ) {
        self.eval_each_dyn(doc, saved_groups, &mut each);
    }

    /// [`Self::eval_each`], compiled once for all its callers.
    fn eval_each_dyn(
        &self,
        doc: &Value,
        saved_groups: Option<&Map>,
        each: &mut dyn FnMut(usize, bool),
    ) {
        let mut owned = Vec::new();
        let mut borrowed = self.scratch.try_borrow_mut();
        let results = match borrowed.as_mut() {
            Ok(v) => &mut **v,
            Err(_) => &mut owned,
        };
        results.clear();
        results.resize(self.leaves.len(), 0);
        let mut pass = Pass {
            set: self,
            doc,
            env: Env {
                groups: saved_groups,
                visited: None,
                regex: &NO_REGEX,
            },
            results,
            values: PathValues::new(self.table.len()),
        };
        for (i, entry) in self.entries.iter().enumerate() {
            let answer = match entry {
                Entry::Flat(root) => pass.code(*root).unwrap_or(false),
                Entry::Tree(c) => c.eval(doc, saved_groups),
            };
            each(i, answer);
        }
    }

    /// How many conditions hold for `doc`.
    pub fn count_matching(&self, doc: &Value, saved_groups: Option<&Map>) -> usize {
        let mut n = 0;
        self.eval_each(doc, saved_groups, |_, on| n += usize::from(on));
        n
    }

    /// One answer per condition, in order.
    pub fn eval_all(&self, doc: &Value, saved_groups: Option<&Map>) -> Vec<bool> {
        let mut out = Vec::with_capacity(self.entries.len());
        self.eval_each(doc, saved_groups, |_, on| out.push(on));
        out
    }

    /// Lowers a condition object; `None` when part of it cannot be lowered.
    fn lower_cond(&mut self, cond: &Cond) -> Option<Code> {
        match cond {
            Cond::Throw => Some(self.node(Kind::Throw, Vec::new())),
            Cond::Clauses(clauses) => {
                let mut kids = Vec::with_capacity(clauses.len());
                for c in clauses.iter() {
                    kids.push(self.lower_clause(c)?);
                }
                Some(self.list(kids, Kind::All))
            }
        }
    }

    fn lower_clause(&mut self, clause: &Clause) -> Option<Code> {
        match clause {
            Clause::Or(list) => self.lower_list(list, Kind::Any),
            Clause::Nor(list) => self.lower_list(list, Kind::NotAny),
            Clause::And(list) => self.lower_list(list, Kind::All),
            Clause::Not(cond) => {
                let inner = self.lower_cond(cond)?;
                Some(self.node(Kind::Not, vec![inner]))
            }
            Clause::SavedGroup(_) => None,
            Clause::Field(f) => self.leaf(f),
        }
    }

    fn lower_list(&mut self, list: &List, kind: Kind) -> Option<Code> {
        let List::Conds(conds) = list else {
            return Some(self.node(Kind::Throw, Vec::new()));
        };
        let mut kids = Vec::with_capacity(conds.len());
        for c in conds.iter() {
            kids.push(self.lower_cond(c)?);
        }
        Some(self.list(kids, kind))
    }

    /// A list node of `kind` over `kids`, flattening nested `All`s into an
    /// `All` and `Any`s into an `Any` (same answers, same order), and a single
    /// child of `All` or `Any` into the child itself.
    fn list(&mut self, kids: Vec<Code>, kind: Kind) -> Code {
        let mut flat = Vec::with_capacity(kids.len());
        for kid in kids {
            match self
                .nodes
                .get((kid & !NODE) as usize)
                .filter(|_| kid & NODE != 0)
            {
                Some(n) if n.kind == kind && n.len > 0 && kind != Kind::NotAny => {
                    let (a, b) = (n.first as usize, (n.first + n.len) as usize);
                    flat.extend_from_slice(self.children.get(a..b).unwrap_or(&[]));
                }
                _ => flat.push(kid),
            }
        }
        if flat.len() == 1 && kind != Kind::NotAny {
            return flat[0];
        }
        self.node(kind, flat)
    }

    /// Adds a node over `kids` (stored side by side); returns its code.
    fn node(&mut self, kind: Kind, kids: Vec<Code>) -> Code {
        let first = u32::try_from(self.children.len()).unwrap_or(u32::MAX);
        let len = u32::try_from(kids.len()).unwrap_or(u32::MAX);
        self.children.extend(kids);
        let index = u32::try_from(self.nodes.len()).unwrap_or(u32::MAX);
        self.nodes.push(Node { kind, first, len });
        NODE | index
    }

    /// The leaf of a numbered test, added the first time it is seen.
    fn leaf(&mut self, f: &Rc<FieldTest>) -> Option<Code> {
        let path = &f.path;
        if path.table() != self.table.serial() || path.leaf() == Path::NO_ID {
            return None;
        }
        let next = u32::try_from(self.leaves.len())
            .ok()
            .filter(|n| *n < NODE)?;
        let id = path.leaf() as usize;
        if self.leaf_index.len() <= id {
            self.leaf_index.resize(id + 1, Path::NO_ID);
        }
        let index = match self.leaf_index[id] {
            Path::NO_ID => {
                self.leaf_index[id] = next;
                next
            }
            known => known,
        };
        if index == next {
            self.leaves.push(Rc::clone(f));
        }
        Some(index)
    }
}

/// Passes over sets reading at most this many distinct paths keep their
/// values on the stack (no allocation per pass).
const INLINE_PATHS: usize = 16;

/// The resolved path values of one pass, by path number.
// Lives on the stack for one pass; the inline variant being large is the point.
#[allow(clippy::large_enum_variant)]
enum PathValues<'d> {
    /// The usual case: a few paths.
    Inline([Option<Cow<'d, Value>>; INLINE_PATHS]),
    /// More paths than fit inline.
    Heap(Vec<Option<Cow<'d, Value>>>),
}

impl<'d> PathValues<'d> {
    fn new(paths: usize) -> Self {
        if paths <= INLINE_PATHS {
            Self::Inline(std::array::from_fn(|_| None))
        } else {
            Self::Heap(vec![None; paths])
        }
    }

    fn slot(&mut self, id: usize) -> Option<&mut Option<Cow<'d, Value>>> {
        match self {
            Self::Inline(a) => a.get_mut(id),
            Self::Heap(v) => v.get_mut(id),
        }
    }
}

/// One evaluation pass: leaf results and path values of one document.
struct Pass<'s, 'd> {
    set: &'s RuleSet,
    doc: &'d Value,
    env: Env<'d>,
    results: &'s mut [u8],
    /// Resolved path values by path number (filled on first use).
    values: PathValues<'d>,
}

impl Pass<'_, '_> {
    /// Evaluates a child reference: leaves inline, nodes through [`Pass::node`].
    #[inline(always)]
    fn code(&mut self, code: Code) -> Eval {
        if code & NODE == 0 {
            match self.results.get(code as usize) {
                Some(1) => Ok(false),
                Some(2) => Ok(true),
                Some(3) => Err(Thrown),
                _ => self.leaf(code),
            }
        } else {
            self.node(code & !NODE)
        }
    }

    fn node(&mut self, index: u32) -> Eval {
        let set = self.set;
        let Some(node) = set.nodes.get(index as usize) else {
            return Err(Thrown);
        };
        let kids = set
            .children
            .get(node.first as usize..(node.first + node.len) as usize)
            .unwrap_or(&[]);
        match node.kind {
            Kind::All => {
                for &kid in kids {
                    if !self.code(kid)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            Kind::Any | Kind::NotAny => {
                let mut any = kids.is_empty();
                for &kid in kids {
                    if self.code(kid)? {
                        any = true;
                        break;
                    }
                }
                Ok(any == (node.kind == Kind::Any))
            }
            Kind::Not => match kids.first() {
                Some(&kid) => self.code(kid).map(|b| !b),
                None => Err(Thrown),
            },
            Kind::Throw => Err(Thrown),
        }
    }

    #[inline(never)]
    fn leaf(&mut self, i: u32) -> Eval {
        match self.results.get(i as usize).copied() {
            Some(1) => return Ok(false),
            Some(2) => return Ok(true),
            Some(3) => return Err(Thrown),
            _ => {}
        }
        let (set, doc, env) = (self.set, self.doc, self.env);
        let Some(leaf) = set.leaves.get(i as usize) else {
            return Err(Thrown);
        };
        let answer = match self.values.slot(leaf.path.id() as usize) {
            Some(slot) => {
                let value = match slot.get_or_insert_with(|| leaf.path.resolve(doc)) {
                    Cow::Borrowed(v) => *v,
                    Cow::Owned(v) => &*v,
                };
                leaf.test.eval(value, env)
            }
            None => leaf.test.eval(&leaf.path.resolve(doc), env),
        };
        if let Some(slot) = self.results.get_mut(i as usize) {
            *slot = match answer {
                Ok(false) => 1,
                Ok(true) => 2,
                Err(Thrown) => 3,
            };
        }
        answer
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rules::test_json as json;
    use crate::core::rules::NoRegex;

    fn set(conds: &[Value]) -> RuleSet {
        let mut s = RuleSet::new(CompileMode::Lenient);
        for c in conds {
            s.push(c, "", &NoRegex).expect("lenient compiles");
        }
        s
    }

    #[test]
    fn answers_like_each_condition_alone() {
        let conds = [
            json!({}),
            json!({"$and": [{"a": 1}, {"$and": [{"b": {"$gt": 1}}, {"c": "x"}]}]}),
            json!({"$or": []}),
            json!({"$or": [{"a": 2}, {"$or": [{"b": 3}]}]}),
            json!({"$nor": [{"a": 1}]}),
            json!({"$nor": []}),
            json!({"$not": {"a": 1}}),
            json!({"$not": null}),
            json!({"$or": null, "a": 1}),
            json!({"a": 1, "$and": [{"b": {"$gt": 1}}]}),
            json!({"tags": {"$elemMatch": {"$eq": "x"}}, "b": {"$gt": 1}}),
            json!({"$and": [{"a": 1}]}),
            json!({"n.length": 3}),
        ];
        let docs = [
            json!({"a": 1, "b": 2, "c": "x", "tags": ["x"], "n": [1, 2, 3]}),
            json!({"a": 2, "b": 3}),
            json!({}),
        ];
        let s = set(&conds);
        assert!(s.distinct_tests() < 12, "equal tests are shared");
        for doc in &docs {
            let got = s.eval_all(doc, None);
            for (i, c) in conds.iter().enumerate() {
                let alone = Condition::lenient(c, &NoRegex).eval(doc, None);
                assert_eq!(
                    got[i],
                    alone,
                    "condition {} on {}",
                    c.to_json(),
                    doc.to_json()
                );
            }
        }
    }

    #[test]
    fn saved_group_conditions_stay_trees_and_still_answer() {
        let groups = json!({"g": ["u1"]});
        let groups = groups.as_object();
        let s = set(&[json!({"id": {"$inGroup": "g"}}), json!({"id": "u1"})]);
        assert!(matches!(s.entries[0], Entry::Tree(_)));
        assert!(matches!(s.entries[1], Entry::Flat(_)));
        assert_eq!(s.eval_all(&json!({"id": "u1"}), groups), vec![true, true]);
        assert_eq!(s.eval_all(&json!({"id": "u2"}), groups), vec![false, false]);
    }

    #[test]
    fn a_strict_error_names_the_path_and_adds_nothing() {
        let mut s = RuleSet::new(CompileMode::Strict);
        let err = s
            .push(&json!({"a": {"$bogus": 1}}), "segments.x.when", &NoRegex)
            .expect_err("unknown operator");
        assert!(
            err.to_string().contains("segments.x.when.a.$bogus"),
            "{err}"
        );
        assert!(s.is_empty());
    }
}

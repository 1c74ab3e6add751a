//! Shared path resolution for many conditions evaluated against one document.
//!
//! Segments, placements and [`ConditionSet`](crate::core::rules) evaluate
//! hundreds of conditions against the same attribute document, and most of
//! them read the same few paths (`traits.plan`, `events.Order Completed.count`,
//! `page.path`). Conditions compiled against one [`PathTable`] number their
//! dot paths; a [`PathMemo`] built for one evaluation pass resolves each
//! numbered path at most once and hands every later reader the same value.
//! The table also numbers whole top-level tests (a path with its operand,
//! e.g. `visits: {"$gt": 3}`): segment sets repeat the same tests across
//! conditions (`consent.personalization: true`, `segments.vip: true`), and
//! the memo evaluates each distinct one once per pass. Tests that read saved
//! groups are never shared. Evaluation results are identical with or without
//! the memo: it only ever answers for the root of the document it was built
//! over.

use std::borrow::Cow;
use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::Value;

use super::condition::{CompileMode, Eval};
use super::path::Path;

/// Tells tables apart, so a memo never answers for another table's numbers.
static NEXT_TABLE: AtomicU32 = AtomicU32::new(1);

/// Numbers the distinct dot paths of the conditions compiled against it.
#[derive(Debug)]
pub struct PathTable {
    serial: u32,
    ids: RefCell<HashMap<Box<str>, u32>>,
    leaves: RefCell<HashMap<String, u32>>,
}

impl Default for PathTable {
    fn default() -> Self {
        Self {
            serial: NEXT_TABLE.fetch_add(1, Ordering::Relaxed),
            ids: RefCell::default(),
            leaves: RefCell::default(),
        }
    }
}

impl PathTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// This table's serial number (never 0).
    pub(crate) fn serial(&self) -> u32 {
        self.serial
    }

    /// How many distinct paths have been numbered.
    pub fn len(&self) -> usize {
        self.ids.borrow().len()
    }

    /// Whether no path has been numbered yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many distinct shared tests have been numbered.
    pub fn tests(&self) -> usize {
        self.leaves.borrow().len()
    }

    /// The number of the test `path: operand` compiled in `mode`.
    pub(crate) fn leaf_id(&self, path: &str, operand: &Value, mode: CompileMode) -> u32 {
        let key = format!("{mode:?}\u{0}{path}\u{0}{operand}");
        let mut leaves = self.leaves.borrow_mut();
        let next = u32::try_from(leaves.len()).unwrap_or(Path::NO_ID);
        *leaves.entry(key).or_insert(next)
    }

    /// The number of `path`, allocating the next one when it is new.
    pub(crate) fn id(&self, path: &str) -> u32 {
        let mut ids = self.ids.borrow_mut();
        if let Some(id) = ids.get(path) {
            return *id;
        }
        let id = u32::try_from(ids.len()).unwrap_or(Path::NO_ID);
        ids.insert(path.into(), id);
        id
    }
}

/// The values of a [`PathTable`]'s paths in one document, each resolved on
/// first use during one evaluation pass.
pub struct PathMemo<'d> {
    table: u32,
    root: &'d Value,
    slots: Box<[OnceCell<Cow<'d, Value>>]>,
    results: Box<[OnceCell<Eval>]>,
}

impl<'d> PathMemo<'d> {
    /// A memo over `root` for the paths `table` has numbered so far.
    pub fn new(table: &PathTable, root: &'d Value) -> Self {
        Self {
            table: table.serial(),
            root,
            slots: (0..table.len()).map(|_| OnceCell::new()).collect(),
            results: (0..table.tests()).map(|_| OnceCell::new()).collect(),
        }
    }

    /// The document this memo answers for.
    pub fn root(&self) -> &'d Value {
        self.root
    }
}

/// What [`Env`](super::groups::Env) carries: a memo of any document lifetime.
pub(crate) trait Lookup {
    /// The value of `path` in `doc`, when `doc` is the memo's root and the
    /// path is numbered; `None` means "resolve it yourself".
    fn lookup(&self, doc: &Value, path: &Path) -> Option<&Value>;

    /// The result of the shared test `path` belongs to, running `test` on the
    /// path's value the first time; `None` when the test is not shared here.
    fn shared_test(&self, doc: &Value, path: &Path, test: &dyn Fn(&Value) -> Eval) -> Option<Eval>;
}

impl Lookup for PathMemo<'_> {
    fn lookup(&self, doc: &Value, path: &Path) -> Option<&Value> {
        if path.table() != self.table || !std::ptr::eq(doc, self.root) {
            return None;
        }
        let cell = self.slots.get(path.id() as usize)?;
        Some(cell.get_or_init(|| path.resolve(self.root)).as_ref())
    }

    fn shared_test(&self, doc: &Value, path: &Path, test: &dyn Fn(&Value) -> Eval) -> Option<Eval> {
        if path.table() != self.table || !std::ptr::eq(doc, self.root) {
            return None;
        }
        let cell = self.results.get(path.leaf() as usize)?;
        Some(*cell.get_or_init(|| match self.lookup(doc, path) {
            Some(value) => test(value),
            None => test(&path.resolve(doc)),
        }))
    }
}

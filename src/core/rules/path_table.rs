//! Numbering of dot paths and tests for many conditions compiled together.
//!
//! Rule sets evaluate hundreds of conditions against the same attribute
//! document, and most of them read the same few paths (`traits.plan`,
//! `events.Order Completed.count`, `page.path`) and repeat the same tests
//! (`consent.personalization: true`). Conditions compiled against one
//! [`PathTable`] number their dot paths and their tests (a path with its
//! operand, e.g. `visits: {"$gt": 3}`), so a [`RuleSet`](super::RuleSet)
//! resolves each path and runs each test once per pass. Tests that read saved
//! groups are never numbered.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::core::json::Value;
use crate::core::text::cat;

use super::condition::CompileMode;
use super::path::Path;

/// Tells tables apart, so a rule set never reads another table's numbers.
static NEXT_TABLE: AtomicU32 = AtomicU32::new(1);

/// Numbers the distinct dot paths of the conditions compiled against it.
#[derive(Debug)]
pub(crate) struct PathTable {
    serial: u32,
    /// Path → number, sorted by path.
    ids: RefCell<Vec<(Box<str>, u32)>>,
    /// Test key (mode, path, operand) → number, sorted by key.
    leaves: RefCell<Vec<(String, u32)>>,
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
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// This table's serial number (never 0).
    pub(crate) fn serial(&self) -> u32 {
        self.serial
    }

    /// How many distinct paths have been numbered.
    pub(crate) fn len(&self) -> usize {
        self.ids.borrow().len()
    }

    /// The number of the test `path: operand` compiled in `mode`.
    pub(crate) fn leaf_id(&self, path: &str, operand: &Value, mode: CompileMode) -> u32 {
        let mode = match mode {
            CompileMode::Strict => "Strict",
            CompileMode::Lenient => "Lenient",
        };
        // Operands with the same JSON text (`1` and `1.0` alike) compile to
        // the same test.
        let key = cat!(mode, "\u{0}", path, "\u{0}", operand.to_json());
        let mut leaves = self.leaves.borrow_mut();
        match leaves.binary_search_by(|(k, _)| k.as_str().cmp(&key)) {
            Ok(i) => leaves[i].1,
            Err(i) => {
                let next = u32::try_from(leaves.len()).unwrap_or(Path::NO_ID);
                leaves.insert(i, (key, next));
                next
            }
        }
    }

    /// The number of `path`, allocating the next one when it is new.
    pub(crate) fn id(&self, path: &str) -> u32 {
        let mut ids = self.ids.borrow_mut();
        match ids.binary_search_by(|(k, _)| (**k).cmp(path)) {
            Ok(i) => ids[i].1,
            Err(i) => {
                let id = u32::try_from(ids.len()).unwrap_or(Path::NO_ID);
                ids.insert(i, (path.into(), id));
                id
            }
        }
    }
}

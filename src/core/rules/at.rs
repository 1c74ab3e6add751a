//! Where in the configuration a value sits, for error messages. Compilation
//! threads an [`At`] down the tree on the stack; the JSON path string
//! (`segments.vip.when.$and[1].visits.$gt`) is only built when an error is
//! actually reported.

use crate::core::error::{index_path, join_path};

/// A JSON path, as a chain of borrowed steps up to the caller's root path.
#[derive(Debug, Clone, Copy)]
pub(crate) enum At<'a> {
    /// The path the caller passed in.
    Root(&'a str),
    /// An object key below `parent`.
    Key(&'a At<'a>, &'a str),
    /// An array index below `parent`.
    Index(&'a At<'a>, usize),
}

impl<'a> At<'a> {
    /// The step to object key `key`.
    pub(crate) fn key(&'a self, key: &'a str) -> Self {
        Self::Key(self, key)
    }

    /// The step to array index `index`.
    pub(crate) fn index(&'a self, index: usize) -> Self {
        Self::Index(self, index)
    }

    /// The path as written in error messages.
    pub(crate) fn render(&self) -> String {
        match self {
            Self::Root(path) => (*path).to_string(),
            Self::Key(parent, key) => join_path(&parent.render(), key),
            Self::Index(parent, index) => index_path(&parent.render(), *index),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_paths() {
        let root = At::Root("segments.vip.when");
        let and = root.key("$and");
        let one = and.index(1);
        assert_eq!(
            one.key("visits").render(),
            "segments.vip.when.$and[1].visits"
        );
        assert_eq!(At::Root("").key("a").render(), "a");
    }
}

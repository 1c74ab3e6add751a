//! Pluggable regular expressions for `$regex` / `$regexi`.
//!
//! GrowthBook evaluates patterns with ECMAScript `RegExp` (no flags, or `i`).
//! The core does not pick an engine: it asks a [`RegexEngine`] once per pattern
//! at compile time and keeps the [`CompiledRegex`]. A pattern the engine
//! rejects makes its operator evaluate to `false` (as GrowthBook's `try/catch`
//! does) in lenient mode, and is a config error in strict mode.
//!
//! * In the browser, the web layer supplies an engine backed by the page's own
//!   `RegExp`, so matching is exactly GrowthBook's and the wasm ships no regex
//!   code.
//! * Natively, [`NativeRegex`] (feature `native-regex`, on by default) uses the
//!   small `regex-lite` crate. Its syntax and semantics are close to, but not
//!   the same as, ECMAScript's:
//!   - no look-around (`(?=…)`, `(?<!…)`) and no back-references (`\1`):
//!     such patterns fail to compile;
//!   - `.` excludes only `\n` (ECMAScript also excludes `\r`, U+2028, U+2029);
//!   - `\s` is ASCII white space (ECMAScript's includes Unicode spaces);
//!   - case-insensitive matching folds ASCII only (ECMAScript folds Unicode);
//!   - a few ECMAScript-only forms (`[^]`, `\cX`, a lone `{`) are rejected,
//!     and a few Rust-only ones (`(?i)` inline flags, `\z`) are accepted.
//!
//!   `\d`, `\w`, `\b`, anchors, classes, groups, named groups
//!   (`(?<name>…)`), alternation and counted repetition behave the same.
//! * Without the feature, [`NoRegex`] accepts every pattern and never matches.

use std::rc::Rc;

#[cfg(feature = "native-regex")]
use super::literal::literal_regex;

/// A compiled pattern.
pub trait CompiledRegex {
    /// Whether the pattern matches anywhere in `s` (ECMAScript `RegExp.test`).
    fn is_match(&self, s: &str) -> bool;
}

/// Compiles patterns for `$regex` (case-sensitive) and `$regexi`.
pub trait RegexEngine {
    /// Compiles `pattern`; `None` when the engine rejects it.
    fn compile(&self, pattern: &str, case_insensitive: bool) -> Option<Box<dyn CompiledRegex>>;

    /// A handle to this engine that a [`Condition`](super::Condition) may
    /// keep. Only conditions using `$savedGroup` ask for it: the conditions of
    /// saved groups arrive with the attributes and are compiled while
    /// evaluating. With the default `None`, regex operators inside such
    /// groups never match.
    fn shared(&self) -> Option<Rc<dyn RegexEngine>> {
        None
    }
}

/// The `regex-lite` engine used by native builds (see the module docs for how
/// its syntax differs from ECMAScript's).
#[cfg(feature = "native-regex")]
#[derive(Debug, Clone, Copy, Default)]
pub struct NativeRegex;

#[cfg(feature = "native-regex")]
impl CompiledRegex for regex_lite::Regex {
    fn is_match(&self, s: &str) -> bool {
        regex_lite::Regex::is_match(self, s)
    }
}

#[cfg(feature = "native-regex")]
impl RegexEngine for NativeRegex {
    fn compile(&self, pattern: &str, case_insensitive: bool) -> Option<Box<dyn CompiledRegex>> {
        if let Some(literal) = literal_regex(pattern, case_insensitive) {
            return Some(literal);
        }
        let re = regex_lite::RegexBuilder::new(pattern)
            .case_insensitive(case_insensitive)
            .build()
            .ok()?;
        Some(Box::new(re))
    }

    fn shared(&self) -> Option<Rc<dyn RegexEngine>> {
        Some(Rc::new(*self))
    }
}

/// An engine for builds without regex support: every pattern compiles and
/// never matches.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRegex;

struct NeverMatches;

impl CompiledRegex for NeverMatches {
    fn is_match(&self, _: &str) -> bool {
        false
    }
}

impl RegexEngine for NoRegex {
    fn compile(&self, _: &str, _: bool) -> Option<Box<dyn CompiledRegex>> {
        Some(Box::new(NeverMatches))
    }

    fn shared(&self) -> Option<Rc<dyn RegexEngine>> {
        Some(Rc::new(*self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(feature = "native-regex")]
    use crate::core::rules::literal::Literal;

    #[test]
    fn no_regex_never_matches() {
        let re = NoRegex.compile("a", false);
        assert!(re.is_some_and(|r| !r.is_match("a")));
    }

    #[cfg(feature = "native-regex")]
    #[test]
    fn native_regex_matches_and_rejects() {
        let m = |p: &str, ci: bool, s: &str| NativeRegex.compile(p, ci).map(|r| r.is_match(s));
        assert_eq!(m("-12-25$", false, "1980-12-25"), Some(true));
        assert_eq!(m("(MOBILE|TABLET)", true, "android mobile"), Some(true));
        assert_eq!(m("(MOBILE|TABLET)", false, "android mobile"), Some(false));
        assert_eq!(m(r"a\/b", false, "xa/b"), Some(true));
        assert_eq!(m("/???***[)", false, ""), None);
        assert_eq!(m("(?=x)", false, "x"), None);
    }

    #[cfg(feature = "native-regex")]
    #[test]
    fn literal_fast_path_agrees_with_the_regex_engine() {
        let patterns = [
            "^/products/",
            "/shoes$",
            "^/cart$",
            "beta",
            "",
            "^",
            "$",
            "^$",
            "Ab",
            "é",
        ];
        let hays = [
            "/products/shoes",
            "/cart",
            "/x/shoes",
            "alphabeta",
            "",
            "aB",
            "ab",
            "xABy",
            "é",
            "É",
        ];
        for p in patterns {
            for ci in [false, true] {
                let re = regex_lite::RegexBuilder::new(p)
                    .case_insensitive(ci)
                    .build()
                    .ok();
                for h in hays {
                    let fast = Literal::parse(p, ci).map(|l| l.is_match(h));
                    let slow = re.as_ref().map(|r| r.is_match(h));
                    if let Some(fast) = fast {
                        assert_eq!(Some(fast), slow, "{p:?} ci={ci} on {h:?}");
                    }
                }
            }
        }
        assert!(Literal::parse("a.b", false).is_none());
        assert!(Literal::parse("é", true).is_none());
    }
}

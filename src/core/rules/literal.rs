//! The literal fast path for `$regex`: a pattern with no metacharacters
//! besides a leading `^` and a trailing `$` is matched with plain string
//! operations. Every engine tries it first — natively it skips `regex-lite`,
//! in the browser it skips a call across the wasm boundary into `RegExp` (and
//! the UTF-16 copy of the input) — with exactly the result the engine gives:
//! without the `m` flag `^`/`$` anchor only at the ends of the input in both
//! ECMAScript and `regex-lite`, and the `i` flag is taken only for ASCII
//! literals, which both fold the same way (ECMAScript's non-Unicode
//! canonicalisation never maps a non-ASCII character onto an ASCII one).

use super::regex::CompiledRegex;
use crate::core::text::contains_str;

/// The literal fast path for `pattern`, when it applies.
pub fn literal_regex(pattern: &str, case_insensitive: bool) -> Option<Box<dyn CompiledRegex>> {
    Literal::parse(pattern, case_insensitive).map(|l| Box::new(l) as Box<dyn CompiledRegex>)
}

/// A pattern with no metacharacters besides a leading `^` and a trailing `$`
/// (`^/products/`, `/shoes$`, `beta`): matched with plain string operations,
/// with exactly the result the regex engine would give.
pub(super) struct Literal {
    text: Box<str>,
    start: bool,
    end: bool,
    /// ASCII-only folding (the literal is ASCII), as regex-lite and ECMAScript do.
    fold: bool,
}

impl Literal {
    pub(super) fn parse(pattern: &str, fold: bool) -> Option<Self> {
        let (start, rest) = match pattern.strip_prefix('^') {
            Some(rest) => (true, rest),
            None => (false, pattern),
        };
        let (end, text) = match rest.strip_suffix('$') {
            Some(text) => (true, text),
            None => (false, rest),
        };
        let meta = |b: &u8| b"\\.+*?()|[]{}^$".contains(b);
        if text.as_bytes().iter().any(meta) || (fold && !text.is_ascii()) {
            return None;
        }
        Some(Self {
            text: text.into(),
            start,
            end,
            fold,
        })
    }
}

impl CompiledRegex for Literal {
    fn is_match(&self, s: &str) -> bool {
        let (hay, lit) = (s.as_bytes(), self.text.as_bytes());
        let same = |a: &[u8]| {
            if self.fold {
                a.eq_ignore_ascii_case(lit)
            } else {
                a == lit
            }
        };
        if hay.len() < lit.len() {
            return false;
        }
        match (self.start, self.end) {
            (true, true) => hay.len() == lit.len() && same(hay),
            (true, false) => same(&hay[..lit.len()]),
            (false, true) => same(&hay[hay.len() - lit.len()..]),
            (false, false) if lit.is_empty() => true,
            (false, false) if !self.fold => contains_str(s, &self.text),
            (false, false) => hay.windows(lit.len()).any(same),
        }
    }
}

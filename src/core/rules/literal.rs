//! A fast path for regular expressions that are plain text with optional `^`
//! and `$` anchors (`^/products/`, `/shoes$`, `-12-25$`): they are matched with
//! string operations, without a regex engine, with identical results.

/// A pattern reduced to literal text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Literal {
    text: String,
    start: bool,
    end: bool,
    case_insensitive: bool,
}

impl Literal {
    /// Reduces `pattern` if it is literal text with optional anchors; escaped
    /// punctuation (`\/`, `\.`) counts as text. Case-insensitive patterns
    /// qualify only when ASCII.
    pub fn parse(pattern: &str, case_insensitive: bool) -> Option<Literal> {
        let (start, rest) = match pattern.strip_prefix('^') {
            Some(r) => (true, r),
            None => (false, pattern),
        };
        let mut text = String::with_capacity(rest.len());
        let mut end = false;
        let mut chars = rest.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some(e) if e.is_ascii_punctuation() => text.push(e),
                    _ => return None,
                },
                '$' if chars.peek().is_none() => end = true,
                '.' | '^' | '$' | '|' | '?' | '*' | '+' | '(' | ')' | '[' | ']' | '{' | '}' => {
                    return None
                }
                // Line terminators change `^`/`$` semantics in no flags we use,
                // but keep the fast path to plain single-line text.
                '\n' | '\r' | '\u{2028}' | '\u{2029}' => return None,
                _ => text.push(c),
            }
        }
        if case_insensitive {
            if !text.is_ascii() {
                return None;
            }
            text.make_ascii_lowercase();
        }
        Some(Literal {
            text,
            start,
            end,
            case_insensitive,
        })
    }

    /// Whether `s` matches, as the regex would.
    pub fn is_match(&self, s: &str) -> bool {
        if self.case_insensitive {
            let (t, n) = (s.as_bytes(), self.text.as_bytes());
            let eq = |a: &[u8]| a.eq_ignore_ascii_case(n);
            return match (self.start, self.end) {
                (true, true) => eq(t),
                (true, false) => t.len() >= n.len() && eq(&t[..n.len()]),
                (false, true) => t.len() >= n.len() && eq(&t[t.len() - n.len()..]),
                (false, false) => n.is_empty() || t.windows(n.len()).any(eq),
            };
        }
        match (self.start, self.end) {
            (true, true) => s == self.text,
            (true, false) => s.starts_with(&self.text),
            (false, true) => s.ends_with(&self.text),
            (false, false) => s.contains(&self.text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reduces_only_plain_text() {
        assert!(Literal::parse("^/products/", false).is_some());
        assert!(Literal::parse("-12-25$", false).is_some());
        assert!(Literal::parse("a\\.b\\/c", false).is_some());
        for p in [
            "a.b",
            "(mobile|tablet)",
            "\\d+",
            "a*",
            "[ab]",
            "x{2}",
            "a$b",
        ] {
            assert!(Literal::parse(p, false).is_none(), "{p}");
        }
        assert!(Literal::parse("ÜBER", true).is_none());
    }

    #[test]
    fn matches_like_the_regex() {
        let m = |p: &str, ci: bool, s: &str| Literal::parse(p, ci).is_some_and(|l| l.is_match(s));
        assert!(m("^/products/", false, "/products/shoes"));
        assert!(!m("^/products/", false, "/x/products/"));
        assert!(m("/shoes$", false, "/products/shoes"));
        assert!(!m("/shoes$", false, "/shoes/x"));
        assert!(m("^exact$", false, "exact") && !m("^exact$", false, "exact!"));
        assert!(m("a\\.b", false, "xa.by") && !m("a\\.b", false, "axb"));
        assert!(m("MOBILE", true, "android mobile browser"));
        assert!(m("", false, "anything"));
    }
}

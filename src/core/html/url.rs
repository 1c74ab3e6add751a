//! URL checks for `href`, `src` and other URL-valued attributes: only `http`,
//! `https`, `mailto`, `tel` and scheme-less (relative) URLs pass. The value is
//! first normalised the way a URL parser would read it (surrounding spaces and
//! control characters stripped, tabs and newlines removed), so `java\tscript:`,
//! ` javascript:` and `JaVaScRiPt:` are all seen as `javascript:`.

/// Schemes allowed in URL attributes.
pub const ALLOWED_SCHEMES: &[&str] = &["http", "https", "mailto", "tel"];

/// Attributes whose value is a URL (on any element).
pub const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "cite",
    "action",
    "formaction",
    "poster",
    "background",
    "longdesc",
    "xlink:href",
    "ping",
    "srcset",
    "data",
    "codebase",
    "manifest",
    "lowsrc",
    "dynsrc",
];

/// The normalised URL when it is safe to put in a URL attribute; `None` otherwise.
pub fn safe_url(value: &str) -> Option<String> {
    let trimmed = value.trim_matches(|c: char| c <= ' ');
    let mut cleaned = String::with_capacity(trimmed.len());
    for c in trimmed.chars() {
        if !matches!(c, '\t' | '\n' | '\r') {
            cleaned.push(c);
        }
    }
    if cleaned.chars().any(|c| c.is_control()) {
        return None;
    }
    match scheme(&cleaned) {
        None => Some(cleaned),
        Some(s) if ALLOWED_SCHEMES.iter().any(|a| a.eq_ignore_ascii_case(s)) => Some(cleaned),
        Some(_) => None,
    }
}

/// What stands before the first `:` when no `/`, `?` or `#` comes earlier: the
/// scheme (valid or not: an odd one is refused rather than read as relative).
fn scheme(url: &str) -> Option<&str> {
    let colon = url.find(':')?;
    let candidate = &url[..colon];
    (!candidate.contains(['/', '?', '#'])).then_some(candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_web_and_relative_urls() {
        for ok in [
            "https://example.com/a?b=c#d",
            "http://x",
            "/path",
            "path/x:y",
            "?q=1",
            "#top",
            "//cdn.example.com/a.png",
            "mailto:a@b.c",
            "TEL:+1",
        ] {
            assert!(safe_url(ok).is_some(), "{ok}");
        }
    }

    #[test]
    fn refuses_script_and_data_urls_however_written() {
        for bad in [
            "javascript:alert(1)",
            " JaVaScRiPt:alert(1)",
            "java\tscript:alert(1)",
            "java\nscript:alert(1)",
            "\u{1}javascript:alert(1)",
            "data:text/html,<script>",
            "vbscript:msgbox",
            "jav\u{0}ascript:x",
            "blob:https://x/y",
            "file:///etc/passwd",
            ":x",
        ] {
            assert_eq!(safe_url(bad), None, "{bad:?}");
        }
    }
}

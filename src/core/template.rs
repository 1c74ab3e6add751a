//! Templates inside content: `Welcome back, {{traits.firstName | default: "there"}}`.
//!
//! A placeholder is `{{ path | filter: arg | … }}` where `path` is a dotted path
//! into the attribute document (`traits.firstName`, `page.query.utm_campaign`,
//! `exposures.hero.count`, …). Rendering is a single pass: values inserted from
//! the document are never parsed as template text again, so a trait or a UTM
//! parameter holding `{{…}}` or markup stays inert. Every inserted value goes
//! through the [`Escape`] of the sink it is written to.

use crate::core::json::{num, Value};
use crate::core::text::{contains_str, find_str, lower, upper};

/// Longest template accepted, in bytes; longer text is rendered verbatim.
pub const MAX_TEMPLATE_BYTES: usize = 16 * 1024;
/// Longest value inserted for one placeholder, in characters.
pub const MAX_VALUE_CHARS: usize = 500;

/// How inserted values are escaped for the sink that receives the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escape {
    /// For markup: `&`, `<`, `>`, `"`, `'` become character references.
    Html,
    /// For inert sinks (`textContent`, an attribute value set through the DOM):
    /// nothing is parsed there, so values are inserted as they are.
    None,
}

/// Renders `template` against the attribute document `doc`.
pub fn render(template: &str, doc: &Value, escape: Escape) -> String {
    if template.len() > MAX_TEMPLATE_BYTES || !contains_str(template, "{{") {
        return template.to_string();
    }
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(start) = find_str(rest, "{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = find_str(after, "}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let value = evaluate(&after[..end], doc);
        push_escaped(&mut out, &value, escape);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// True when `text` contains at least one placeholder.
pub fn has_placeholders(text: &str) -> bool {
    find_str(text, "{{").is_some_and(|i| contains_str(&text[i + 2..], "}}"))
}

/// Escapes `value` for HTML text and attribute values.
pub fn escape_html(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    push_escaped(&mut out, value, Escape::Html);
    out
}

fn push_escaped(out: &mut String, value: &str, escape: Escape) {
    if escape == Escape::None {
        out.push_str(value);
        return;
    }
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// Evaluates one placeholder body: a path and its filters.
fn evaluate(body: &str, doc: &Value) -> String {
    let mut parts = split_filters(body).into_iter();
    let path = parts.next().unwrap_or_default();
    let mut value = lookup(doc, path.trim()).and_then(as_text);
    for filter in parts {
        let (name, arg) = match filter.split_once(':') {
            Some((n, a)) => (n.trim(), Some(parse_arg(a.trim()))),
            None => (filter.trim(), None),
        };
        value = apply_filter(name, arg, value);
    }
    let text = value.unwrap_or_default();
    if text.chars().count() > MAX_VALUE_CHARS {
        text.chars().take(MAX_VALUE_CHARS).collect()
    } else {
        text
    }
}

/// Splits on `|` outside of quoted strings.
fn split_filters(body: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut quote: Option<char> = None;
    let mut start = 0;
    for (i, c) in body.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '"' | '\'') => quote = Some(c),
            (None, '|') => {
                parts.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&body[start..]);
    parts
}

/// A filter argument: a quoted string (quotes removed) or a bare word/number.
fn parse_arg(arg: &str) -> String {
    let quoted = arg.len() >= 2
        && ((arg.starts_with('"') && arg.ends_with('"'))
            || (arg.starts_with('\'') && arg.ends_with('\'')));
    if quoted {
        arg[1..arg.len() - 1].to_string()
    } else {
        arg.to_string()
    }
}

fn apply_filter(name: &str, arg: Option<String>, value: Option<String>) -> Option<String> {
    match name {
        "default" => value.filter(|v| !v.trim().is_empty()).or(arg),
        "upcase" | "upper" => value.map(|v| upper(&v)),
        "downcase" | "lower" => value.map(|v| lower(&v)),
        "capitalize" => value.map(|v| match v.chars().next() {
            Some(first) => {
                let n = first.len_utf8();
                let mut s = upper(&v[..n]);
                s.push_str(&v[n..]);
                s
            }
            None => String::new(),
        }),
        "trim" => value.map(|v| v.trim().to_string()),
        "truncate" => {
            let n = arg.and_then(|a| parse_count(&a)).unwrap_or(50);
            value.map(|v| {
                if v.chars().count() > n {
                    let mut s: String = v.chars().take(n).collect();
                    s.push('…');
                    s
                } else {
                    v
                }
            })
        }
        // Unknown filters leave the value alone rather than failing the render.
        _ => value,
    }
}

fn lookup<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    if path.is_empty() {
        return None;
    }
    path.split('.').try_fold(doc, |cur, key| match cur {
        Value::Object(m) => m.get(key),
        Value::Array(a) => parse_count(key).and_then(|i| a.get(i)),
        _ => None,
    })
}

/// A count or index as Rust's `usize` parsing reads it: an optional `+`,
/// then decimal digits (leading zeros allowed), within `usize`.
fn parse_count(s: &str) -> Option<usize> {
    let digits = s.strip_prefix('+').unwrap_or(s);
    if digits.is_empty() {
        return None;
    }
    let mut n: usize = 0;
    for b in digits.bytes() {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(usize::from(b - b'0'))?;
    }
    Some(n)
}

/// The text of a scalar; objects and arrays insert nothing.
fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        // As JavaScript prints numbers: `465`, not Rust's `465.0`.
        Value::Number(n) => Some(num::f64_text(*n)),
        Value::Bool(b) => Some(if *b { "true" } else { "false" }.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rules::test_json as json;

    fn doc() -> Value {
        json!({
            "traits": {"firstName": "Ann", "evil": "<img src=x onerror=\"window.__xss=1\">", "loop": "{{traits.firstName}}", "n": 3},
            "page": {"query": {"utm_campaign": "spring&summer"}}
        })
    }

    #[test]
    fn numbers_print_as_javascript_prints_them() {
        let d = json!({"m": {"sum": 465.0, "avg": 2.5, "big": 1e21, "neg": -0.0}});
        let r = |t: &str| render(t, &d, Escape::Html);
        assert_eq!(r("{{m.sum}}"), "465");
        assert_eq!(r("{{m.avg}}"), "2.5");
        assert_eq!(r("{{m.big}}"), "1e+21");
        assert_eq!(r("{{m.neg}}"), "0");
    }

    #[test]
    fn fills_paths_and_defaults() {
        let d = doc();
        assert_eq!(
            render(
                "Welcome back, {{traits.firstName | default: \"there\"}}!",
                &d,
                Escape::Html
            ),
            "Welcome back, Ann!"
        );
        assert_eq!(
            render(
                "Hi {{ traits.lastName | default: 'there' }}",
                &d,
                Escape::Html
            ),
            "Hi there"
        );
        assert_eq!(render("{{traits.n}} items", &d, Escape::None), "3 items");
        assert_eq!(render("[{{traits}}]", &d, Escape::None), "[]");
        assert_eq!(
            render(
                "{{traits.firstName | upcase}} {{traits.firstName | truncate: 2}}",
                &d,
                Escape::None
            ),
            "ANN An…"
        );
    }

    #[test]
    fn escapes_every_inserted_value_for_markup() {
        let d = doc();
        let out = render("<b>{{traits.evil}}</b>", &d, Escape::Html);
        assert_eq!(
            out,
            "<b>&lt;img src=x onerror=&quot;window.__xss=1&quot;&gt;</b>"
        );
        assert_eq!(
            render("{{page.query.utm_campaign}}", &d, Escape::Html),
            "spring&amp;summer"
        );
        assert_eq!(
            render("{{missing | default: \"<i>\"}}", &d, Escape::Html),
            "&lt;i&gt;"
        );
    }

    #[test]
    fn inserted_values_are_never_rendered_again() {
        let d = doc();
        assert_eq!(
            render("{{traits.loop}}", &d, Escape::None),
            "{{traits.firstName}}"
        );
    }

    #[test]
    fn malformed_placeholders_are_left_as_text() {
        let d = doc();
        assert_eq!(render("a {{ b", &d, Escape::None), "a {{ b");
        assert_eq!(render("{{}}x", &d, Escape::None), "x");
        assert_eq!(render("{{a|b|c:'|'}}", &d, Escape::None), "");
        assert!(has_placeholders("x {{a}}"));
        assert!(!has_placeholders("x {{a"));
    }
}

//! Variant content: what a slot shows. Kinds, combinable: `text`, `html`
//! (sanitised into an [`HtmlNode`] tree, never parsed by the browser),
//! `attributes` (URL-valued ones scheme-checked), `classes` (`add`/`remove`)
//! and `hide`/`show`. Strings may hold templates reading the attribute
//! document (`{{traits.firstName | default: "there"}}`); every inserted value
//! is escaped for its sink before markup is sanitised.

use crate::core::error::{join_path, AttuneError, Result};
use crate::core::html::url::{safe_url, URL_ATTRIBUTES};
use crate::core::html::{nodes_value, sanitize, to_html, HtmlNode, Limits};
use crate::core::json::{Map, Value};
use crate::core::template::{render, Escape};
use crate::core::text::contains_str;

/// Content as configured, validated once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Content {
    text: Option<String>,
    html: Option<String>,
    /// `html` sanitised once at parse time when it holds no placeholder (the
    /// same for every visitor), so deciding does not re-sanitise it per event.
    html_fixed: Option<Vec<HtmlNode>>,
    attributes: Vec<(String, String)>,
    add: Vec<String>,
    remove: Vec<String>,
    visible: Option<bool>,
}

/// Content rendered for one visitor: templates filled, markup sanitised.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rendered {
    /// Text to set as the slot's `textContent`.
    pub text: Option<String>,
    /// Sanitised markup to build as the slot's children.
    pub html: Option<Vec<HtmlNode>>,
    /// Attributes to set on the slot (values checked).
    pub attributes: Vec<(String, String)>,
    /// Classes to add.
    pub add: Vec<String>,
    /// Classes to remove.
    pub remove: Vec<String>,
    /// `Some(false)` hides the slot, `Some(true)` shows it.
    pub visible: Option<bool>,
}

/// Whether `name` may be set through `attributes` content: no event handlers,
/// no `style`, `srcdoc` or Attune's own markers.
pub fn attribute_allowed(name: &str) -> bool {
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b':');
    valid
        && !name.starts_with("on")
        && !name.starts_with("data-attune")
        && !matches!(
            name,
            "style" | "srcdoc" | "is" | "srcset" | "hidden" | "class"
        )
}

fn strings(v: &Value, path: &str) -> Result<Vec<String>> {
    let bad = || AttuneError::config(path, "expected an array of class names");
    let a = v.as_array().ok_or_else(bad)?;
    let mut out = Vec::with_capacity(a.len());
    for c in a {
        match c.as_str() {
            Some(s) if !s.is_empty() && !s.contains(char::is_whitespace) => out.push(s.to_string()),
            _ => return Err(bad()),
        }
    }
    Ok(out)
}

impl Content {
    /// Validates `content` at `path`; `Ok(None)` for null/absent (keep the default markup).
    pub fn parse(v: &Value, path: &str) -> Result<Option<Content>> {
        let m = match v {
            Value::Null => return Ok(None),
            Value::Object(m) => m,
            _ => return Err(AttuneError::config(path, "expected an object")),
        };
        crate::core::config_keys::check(m, "placements[].variants[].content", path)?;
        let mut c = Content::default();
        for (k, v) in m {
            let p = join_path(path, k);
            let string = || {
                v.as_str()
                    .map(String::from)
                    .ok_or_else(|| AttuneError::config(&p, "expected a string"))
            };
            match k.as_str() {
                "text" => c.text = Some(string()?),
                "html" => c.html = Some(string()?),
                "attributes" => c.attributes = parse_attributes(v, &p)?,
                "classes" => {
                    let o = v
                        .as_object()
                        .ok_or_else(|| AttuneError::config(&p, "expected {add, remove}"))?;
                    crate::core::config_keys::check(
                        o,
                        "placements[].variants[].content.classes",
                        &p,
                    )?;
                    for (ck, cv) in o {
                        if ck == "add" {
                            c.add = strings(cv, &join_path(&p, ck))?;
                        } else {
                            c.remove = strings(cv, &join_path(&p, ck))?;
                        }
                    }
                }
                "hide" | "show" => match v {
                    Value::Bool(true) => c.visible = Some(k == "show"),
                    Value::Bool(false) | Value::Null => {}
                    _ => return Err(AttuneError::config(&p, "expected a boolean")),
                },
                // Any other key was refused by the key check above.
                _ => {}
            }
        }
        c.html_fixed = c
            .html
            .as_deref()
            .filter(|h| !contains_str(h, "{{"))
            .map(|h| sanitize(h, Limits::default()));
        if c.text.is_some() && c.html.is_some() {
            return Err(AttuneError::config(
                path,
                "text and html exclude each other",
            ));
        }
        Ok(Some(c))
    }

    /// Renders for the attribute document `doc`.
    pub fn render(&self, doc: &Value) -> Rendered {
        let mut attributes = Vec::new();
        for (k, v) in &self.attributes {
            let value = render(v, doc, Escape::None);
            if let Some(v) = checked_attribute(k, &value) {
                attributes.push((k.clone(), v));
            }
        }
        Rendered {
            text: self.text.as_ref().map(|t| render(t, doc, Escape::None)),
            html: match &self.html_fixed {
                Some(nodes) => Some(nodes.clone()),
                None => self
                    .html
                    .as_ref()
                    .map(|h| sanitize(&render(h, doc, Escape::Html), Limits::default())),
            },
            attributes,
            add: self.add.clone(),
            remove: self.remove.clone(),
            visible: self.visible,
        }
    }
}

fn parse_attributes(v: &Value, path: &str) -> Result<Vec<(String, String)>> {
    let m = v
        .as_object()
        .ok_or_else(|| AttuneError::config(path, "expected an object of name → string"))?;
    let mut out = Vec::new();
    for (k, v) in m {
        let p = join_path(path, k);
        if !attribute_allowed(k) {
            return Err(AttuneError::config(p, "attribute not allowed"));
        }
        let value = v
            .as_str()
            .ok_or_else(|| AttuneError::config(&p, "expected a string"))?;
        if !contains_str(value, "{{") && checked_attribute(k, value).is_none() {
            return Err(AttuneError::config(
                p,
                "URL scheme not allowed (http, https, mailto, tel or relative)",
            ));
        }
        out.push((k.clone(), value.to_string()));
    }
    Ok(out)
}

/// The value to set for attribute `name`, or `None` when it must not be set.
pub fn checked_attribute(name: &str, value: &str) -> Option<String> {
    if !attribute_allowed(name) {
        return None;
    }
    if URL_ATTRIBUTES.contains(&name) {
        safe_url(value)
    } else {
        Some(value.to_string())
    }
}

impl Rendered {
    /// `{text?, html?, nodes?, attributes?, classes?, hide?|show?}`: `html` is the
    /// sanitised markup as a string, `nodes` the same as a tree (see
    /// [`HtmlNode::to_value`]), `attributes` an object of name → value,
    /// `classes` `{add, remove}` (both always present when either is set).
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        if let Some(t) = &self.text {
            m.insert("text", Value::from(t.as_str()));
        }
        if let Some(nodes) = &self.html {
            m.insert("html", Value::String(to_html(nodes)));
            m.insert("nodes", nodes_value(nodes));
        }
        if !self.attributes.is_empty() {
            let mut a = Map::with_capacity(self.attributes.len());
            for (k, v) in &self.attributes {
                a.insert(k.as_str(), Value::from(v.as_str()));
            }
            m.insert("attributes", Value::Object(a));
        }
        if !self.add.is_empty() || !self.remove.is_empty() {
            let mut c = Map::with_capacity(2);
            c.insert("add", Value::strings(&self.add));
            c.insert("remove", Value::strings(&self.remove));
            m.insert("classes", Value::Object(c));
        }
        match self.visible {
            Some(true) => {
                m.insert("show", Value::Bool(true));
            }
            Some(false) => {
                m.insert("hide", Value::Bool(true));
            }
            None => {}
        }
        Value::Object(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rules::test_json as json;

    fn content(v: Value) -> Content {
        Content::parse(&v, "c")
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("null"))
    }

    #[test]
    fn fixed_html_is_sanitised_once_and_renders_as_templated_html_would() {
        let markup = "<p>Sale <img src=x onerror=alert(1)></p><script>x()</script>";
        let c = content(json!({"html": markup}));
        assert!(
            c.html_fixed.is_some(),
            "no placeholder: sanitised at parse time"
        );
        let doc = json!({});
        let rendered = c.render(&doc).html;
        assert_eq!(rendered, Some(sanitize(markup, Limits::default())));
        assert!(!to_html(rendered.as_deref().unwrap_or_default()).contains("onerror"));
        let templated = content(json!({"html": "<p>{{traits.x}}</p>"}));
        assert!(
            templated.html_fixed.is_none(),
            "a placeholder: rendered per visitor"
        );
    }

    #[test]
    fn renders_every_kind_with_templates() {
        let doc = json!({"traits": {"firstName": "<b>Ann</b>"}, "channel": "email"});
        let c = content(json!({
            "text": "Welcome back, {{traits.firstName | default: \"there\"}}",
            "attributes": {"href": "/cart?from={{channel}}", "alt": "x"},
            "classes": {"add": ["promo"], "remove": ["hidden"]},
            "hide": true
        }));
        let r = c.render(&doc);
        assert_eq!(r.text.as_deref(), Some("Welcome back, <b>Ann</b>"));
        assert_eq!(
            r.attributes[1],
            ("href".to_string(), "/cart?from=email".to_string())
        );
        assert_eq!(r.visible, Some(false));
        let v = r.to_value();
        assert_eq!(
            v["classes"],
            json!({"add": ["promo"], "remove": ["hidden"]})
        );
        assert_eq!(v["hide"], true);
        let h =
            content(json!({"html": "<strong>{{traits.firstName}}</strong><script>x()</script>"}));
        let v = h.render(&doc).to_value();
        assert_eq!(v["html"], "<strong>&lt;b&gt;Ann&lt;/b&gt;</strong>");
    }

    #[test]
    fn refuses_dangerous_attributes_and_urls() {
        for (bad, msg) in [
            (
                json!({"attributes": {"onclick": "x"}}),
                "c.attributes.onclick: attribute not allowed",
            ),
            (
                json!({"attributes": {"href": "javascript:x"}}),
                "c.attributes.href: URL scheme not allowed (http, https, mailto, tel or relative)",
            ),
            (
                json!({"text": "a", "html": "b"}),
                "c: text and html exclude each other",
            ),
            (
                json!({"color": "red"}),
                "c.color: unknown key (expected one of: text html attributes classes hide show)",
            ),
        ] {
            assert_eq!(
                Content::parse(&bad, "c")
                    .err()
                    .map(|e| e.to_string())
                    .as_deref(),
                Some(msg)
            );
        }
        let c = content(json!({"attributes": {"href": "{{page.query.next}}"}}));
        let r = c.render(&json!({"page": {"query": {"next": " javascript:alert(1)"}}}));
        assert!(
            r.attributes.is_empty(),
            "a templated javascript: URL is dropped"
        );
        assert_eq!(Content::parse(&Value::Null, "c").ok(), Some(None));
    }
}

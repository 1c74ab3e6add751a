//! Sanitised HTML for `html` content. Markup from the config (after templates
//! are filled in) is tokenized here, in the pure core, and rebuilt as a tree of
//! allowlisted elements and attributes ([`HtmlNode`]). The web layer creates
//! that tree with `createElement`/`setAttribute`/`createTextNode` and never
//! assigns `innerHTML`, so there is no second parse for markup to mutate in
//! (no mXSS): what the tests see here is exactly what reaches the page.

mod entities;
mod sanitize;
mod tokenizer;
pub mod url;

pub use sanitize::{is_allowed_attribute, sanitize, Limits};
pub use tokenizer::{tokenize, Token};

use crate::core::json::{Map, Value};

/// A node of sanitised markup.
#[derive(Debug, Clone, PartialEq)]
pub enum HtmlNode {
    /// Text, to be created with `createTextNode`.
    Text(String),
    /// An allowlisted element.
    Element {
        /// Lowercase tag name.
        tag: String,
        /// Allowlisted attributes with checked values.
        attrs: Vec<(String, String)>,
        /// Children.
        children: Vec<HtmlNode>,
    },
}

impl HtmlNode {
    /// The JSON form: text as a string, an element as
    /// `{"tag", "attrs": [[name, value], …], "children": [...]}`.
    pub fn to_value(&self) -> Value {
        match self {
            HtmlNode::Text(t) => Value::from(t.as_str()),
            HtmlNode::Element {
                tag,
                attrs,
                children,
            } => {
                let mut m = Map::with_capacity(3);
                m.insert("tag", Value::from(tag.as_str()));
                let mut pairs = Vec::with_capacity(attrs.len());
                for (k, v) in attrs {
                    pairs.push(Value::Array(vec![
                        Value::from(k.as_str()),
                        Value::from(v.as_str()),
                    ]));
                }
                m.insert("attrs", Value::Array(pairs));
                m.insert("children", nodes_value(children));
                Value::Object(m)
            }
        }
    }
}

/// Elements that never have children or an end tag.
pub const VOID: &[&str] = &["br", "hr", "img", "wbr", "col"];

/// `nodes` as a JSON array of [`HtmlNode::to_value`]s.
pub fn nodes_value(nodes: &[HtmlNode]) -> Value {
    let mut out = Vec::with_capacity(nodes.len());
    for n in nodes {
        out.push(n.to_value());
    }
    Value::Array(out)
}

/// Serialises nodes back to markup, escaping all text and attribute values.
/// Used for `decide()` output and tests; the DOM is never built from it.
pub fn to_html(nodes: &[HtmlNode]) -> String {
    let mut out = String::new();
    for n in nodes {
        write_node(&mut out, n);
    }
    out
}

fn write_node(out: &mut String, node: &HtmlNode) {
    match node {
        HtmlNode::Text(t) => escape_into(out, t),
        HtmlNode::Element {
            tag,
            attrs,
            children,
        } => {
            out.push('<');
            out.push_str(tag);
            for (k, v) in attrs {
                out.push(' ');
                out.push_str(k);
                out.push_str("=\"");
                escape_into(out, v);
                out.push('"');
            }
            out.push('>');
            if VOID.contains(&tag.as_str()) {
                return;
            }
            for c in children {
                write_node(out, c);
            }
            out.push_str("</");
            out.push_str(tag);
            out.push('>');
        }
    }
}

fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\u{a0}' => out.push_str("&nbsp;"),
            c => out.push(c),
        }
    }
}

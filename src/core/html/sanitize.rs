//! The allowlist and tree builder: tokens in, a bounded tree of allowed
//! elements out. Unknown elements are unwrapped (their text kept); dangerous
//! containers (`script`, `style`, `svg`, `math`, `template`, `iframe`, forms,
//! …) are dropped with everything inside them. Attributes pass only when
//! allowlisted for the element; `on*`, `style`, `id` and `name` never do; URL
//! values go through [`safe_url`].

use crate::core::html::tokenizer::{tokenize, Token};
use crate::core::html::url::{safe_url, URL_ATTRIBUTES};
use crate::core::html::{HtmlNode, VOID};

/// Elements kept as they are.
const ALLOWED: &[&str] = &[
    "a",
    "abbr",
    "address",
    "article",
    "aside",
    "b",
    "bdi",
    "bdo",
    "blockquote",
    "br",
    "caption",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "details",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "main",
    "mark",
    "nav",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "samp",
    "section",
    "small",
    "span",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "time",
    "tr",
    "u",
    "ul",
    "var",
    "wbr",
];

/// Elements dropped together with their whole content.
const DROPPED: &[&str] = &[
    "script",
    "style",
    "template",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "noscript",
    "noembed",
    "noframes",
    "textarea",
    "title",
    "xmp",
    "plaintext",
    "svg",
    "math",
    "form",
    "input",
    "button",
    "select",
    "option",
    "optgroup",
    "datalist",
    "keygen",
    "output",
    "base",
    "link",
    "meta",
    "head",
    "audio",
    "video",
    "source",
    "track",
    "canvas",
    "portal",
    "dialog",
    "slot",
    "param",
    "image",
    "listing",
];

/// Attributes allowed on every allowed element (besides `aria-*` and `data-*`).
const GLOBAL_ATTRS: &[&str] = &[
    "class",
    "title",
    "lang",
    "dir",
    "role",
    "hidden",
    "translate",
];

/// Attributes allowed on particular elements.
const ELEMENT_ATTRS: &[(&str, &[&str])] = &[
    ("a", &["href", "target", "rel", "hreflang"]),
    (
        "img",
        &["src", "alt", "width", "height", "loading", "decoding"],
    ),
    ("td", &["colspan", "rowspan", "headers"]),
    ("th", &["colspan", "rowspan", "headers", "scope", "abbr"]),
    ("col", &["span"]),
    ("colgroup", &["span"]),
    ("ol", &["start", "reversed", "type"]),
    ("li", &["value"]),
    ("time", &["datetime"]),
    ("q", &["cite"]),
    ("blockquote", &["cite"]),
    ("del", &["cite", "datetime"]),
    ("ins", &["cite", "datetime"]),
    ("details", &["open"]),
];

/// Bounds on the tree built from one piece of content.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Deepest nesting of elements; deeper tags are unwrapped.
    pub max_depth: usize,
    /// Most nodes (elements and texts); the rest is dropped.
    pub max_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 32,
            max_nodes: 2000,
        }
    }
}

/// Whether `name` may stand on `tag` (ignoring its value).
pub fn is_allowed_attribute(tag: &str, name: &str) -> bool {
    if name.starts_with("on") || matches!(name, "style" | "id" | "name" | "is" | "srcset") {
        return false;
    }
    let custom = |prefix: &str| {
        name.strip_prefix(prefix).is_some_and(|rest| {
            !rest.is_empty()
                && rest
                    .bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        })
    };
    GLOBAL_ATTRS.contains(&name)
        || custom("aria-")
        || custom("data-")
        || ELEMENT_ATTRS
            .iter()
            .any(|(t, names)| *t == tag && names.contains(&name))
}

/// The value to set for an allowed attribute, or `None` to drop it.
fn checked_value(tag: &str, name: &str, value: &str) -> Option<String> {
    if URL_ATTRIBUTES.contains(&name) {
        return safe_url(value);
    }
    match (tag, name) {
        ("a", "target") => {
            matches!(value, "_blank" | "_self" | "_parent" | "_top").then(|| value.to_string())
        }
        _ => Some(value.to_string()),
    }
}

/// Sanitises `markup` into a tree of allowed nodes.
pub fn sanitize(markup: &str, limits: Limits) -> Vec<HtmlNode> {
    let mut b = Builder {
        stack: vec![Open {
            tag: String::new(),
            attrs: Vec::new(),
            children: Vec::new(),
        }],
        nodes: 0,
        limits,
    };
    let mut skip: Option<(String, usize)> = None;
    for token in tokenize(markup) {
        if let Some((name, depth)) = &mut skip {
            match &token {
                Token::Start {
                    name: n,
                    self_closing: false,
                    ..
                } if n == name => *depth += 1,
                Token::End { name: n } if n == name => {
                    *depth -= 1;
                    if *depth == 0 {
                        skip = None;
                    }
                }
                _ => {}
            }
            continue;
        }
        match token {
            Token::Text(t) => b.text(t),
            Token::Start {
                name,
                attrs,
                self_closing,
            } => {
                if DROPPED.contains(&name.as_str()) {
                    if !self_closing && !VOID.contains(&name.as_str()) && !is_void_dropped(&name) {
                        skip = Some((name, 1));
                    }
                } else if ALLOWED.contains(&name.as_str()) {
                    b.open(name, attrs);
                }
            }
            Token::End { name } => b.close(&name),
        }
    }
    b.finish()
}

/// Dropped elements that have no end tag (so nothing after them is skipped).
fn is_void_dropped(name: &str) -> bool {
    matches!(
        name,
        "input"
            | "base"
            | "link"
            | "meta"
            | "source"
            | "track"
            | "embed"
            | "param"
            | "keygen"
            | "image"
            | "frame"
    )
}

struct Open {
    tag: String,
    attrs: Vec<(String, String)>,
    children: Vec<HtmlNode>,
}

struct Builder {
    stack: Vec<Open>,
    nodes: usize,
    limits: Limits,
}

impl Builder {
    fn top(&mut self) -> &mut Vec<HtmlNode> {
        let last = self.stack.len() - 1;
        &mut self.stack[last].children
    }

    fn text(&mut self, t: String) {
        if t.is_empty() || self.nodes >= self.limits.max_nodes {
            return;
        }
        let top = self.top();
        if let Some(HtmlNode::Text(prev)) = top.last_mut() {
            prev.push_str(&t);
            return;
        }
        top.push(HtmlNode::Text(t));
        self.nodes += 1;
    }

    fn open(&mut self, tag: String, raw: Vec<(String, String)>) {
        if self.nodes >= self.limits.max_nodes || self.stack.len() > self.limits.max_depth {
            return;
        }
        self.nodes += 1;
        let mut attrs: Vec<(String, String)> = Vec::new();
        for (k, v) in raw {
            if is_allowed_attribute(&tag, &k) {
                if let Some(v) = checked_value(&tag, &k, &v) {
                    attrs.push((k, v));
                }
            }
        }
        if tag == "a" && attrs.iter().any(|(k, v)| k == "target" && v == "_blank") {
            attrs.retain(|(k, _)| k != "rel");
            attrs.push(("rel".into(), "noopener noreferrer".into()));
        }
        let el = Open {
            tag,
            attrs,
            children: Vec::new(),
        };
        if VOID.contains(&el.tag.as_str()) {
            let node = close_node(el);
            self.top().push(node);
        } else {
            self.stack.push(el);
        }
    }

    fn close(&mut self, name: &str) {
        let Some(pos) = self.stack.iter().skip(1).rposition(|o| o.tag == name) else {
            return;
        };
        while self.stack.len() > pos + 1 {
            self.pop();
        }
    }

    fn pop(&mut self) {
        if self.stack.len() <= 1 {
            return;
        }
        if let Some(el) = self.stack.pop() {
            let node = close_node(el);
            self.top().push(node);
        }
    }

    fn finish(mut self) -> Vec<HtmlNode> {
        while self.stack.len() > 1 {
            self.pop();
        }
        self.stack.pop().map(|o| o.children).unwrap_or_default()
    }
}

fn close_node(o: Open) -> HtmlNode {
    HtmlNode::Element {
        tag: o.tag,
        attrs: o.attrs,
        children: o.children,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::html::to_html;

    fn clean(s: &str) -> String {
        to_html(&sanitize(s, Limits::default()))
    }

    #[test]
    fn keeps_allowed_markup() {
        assert_eq!(
            clean("<p class=lead>Hi <strong>Ann</strong><br>see <a href=\"/sale\" target=_blank>sale</a></p>"),
            "<p class=\"lead\">Hi <strong>Ann</strong><br>see <a href=\"/sale\" target=\"_blank\" rel=\"noopener noreferrer\">sale</a></p>"
        );
        assert_eq!(
            clean("<img src=\"/a.png\" alt=\"A\">"),
            "<img src=\"/a.png\" alt=\"A\">"
        );
    }

    #[test]
    fn drops_scripts_handlers_and_bad_urls() {
        assert_eq!(clean("<script>alert(1)</script>ok"), "ok");
        assert_eq!(clean("<img src=x onerror=alert(1)>"), "<img src=\"x\">");
        assert_eq!(
            clean("<a href=\"jav&#x61;script:alert(1)\">x</a>"),
            "<a>x</a>"
        );
        assert_eq!(clean("<a href=\"data:text/html,x\">x</a>"), "<a>x</a>");
        assert_eq!(clean("<svg><script>alert(1)</script></svg>after"), "after");
        assert_eq!(
            clean("<div style=\"background:url(x)\" id=attune>t</div>"),
            "<div>t</div>"
        );
        assert_eq!(clean("<math><mi xlink:href=javascript:x>1</mi></math>"), "");
        assert_eq!(
            clean("<form><button formaction=javascript:x>go</button></form>k"),
            "k"
        );
    }

    #[test]
    fn unknown_elements_are_unwrapped_and_broken_markup_is_closed() {
        assert_eq!(clean("<font color=red>red</font>"), "red");
        assert_eq!(clean("<b><i>x</b>y"), "<b><i>x</i></b>y");
        assert_eq!(clean("</p>z<p>"), "z<p></p>");
        assert_eq!(
            clean("<p title=\"<img src=x onerror=a()>\">t"),
            "<p title=\"&lt;img src=x onerror=a()&gt;\">t</p>"
        );
    }

    #[test]
    fn raw_text_elements_swallow_their_content() {
        assert_eq!(clean("<style><img src=x onerror=a()></style>x"), "x");
        assert_eq!(
            clean("<noscript><p title=\"</noscript><img src=x onerror=a()>\"></noscript>"),
            "<img src=\"x\">&quot;&gt;"
        );
        assert_eq!(clean("<textarea></textarea><b>ok</b>"), "<b>ok</b>");
        assert_eq!(
            clean("<svg><svg></svg><b>in</b></svg><b>out</b>"),
            "<b>out</b>"
        );
    }

    #[test]
    fn depth_and_size_are_bounded() {
        let deep = "<div>".repeat(100) + "x";
        let html = clean(&deep);
        assert_eq!(html.matches("<div>").count(), 32);
        let wide = "<b>x</b>".repeat(5000);
        let nodes = sanitize(&wide, Limits::default());
        assert_eq!(nodes.len(), 1000);
    }
}

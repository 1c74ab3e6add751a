//! The XSS corpus (`tests/vectors/xss.json`) through content rendering
//! natively: whatever a payload is (config markup, a trait or a UTM parameter
//! inserted by a template), the sanitised tree that reaches the DOM has no
//! script-capable element, no event handler, no `style` and no URL with a
//! scheme other than http(s)/mailto/tel. The same corpus runs in Chromium
//! (`tests/e2e/decisions.test.mjs`), where nothing may execute.

use attune::core::engine::{Engine, Platform};
use attune::core::event::PageContext;
use attune::core::html::HtmlNode;
use attune::core::json::Value;
use attune::core::platform::{FakeClock, MemoryStorage, SeededRandom};
use attune::core::rules::NativeRegex;
use std::rc::Rc;

/// serde_json's `json!`, read back as the core's `Value`.
macro_rules! json {
    ($($t:tt)+) => {
        Value::parse(&serde_json::json!($($t)+).to_string()).unwrap_or_else(|e| panic!("{}", e.text()))
    };
}

fn payloads() -> Vec<Value> {
    let v = Value::parse(include_str!("vectors/xss.json")).unwrap_or(Value::Null);
    v["payloads"].as_array().cloned().unwrap_or_default()
}

fn check_nodes(nodes: &[HtmlNode], id: &str) {
    for n in nodes {
        if let HtmlNode::Element {
            tag,
            attrs,
            children,
        } = n
        {
            assert!(
                ![
                    "script", "svg", "math", "iframe", "object", "embed", "style", "link", "meta",
                    "base", "form", "template", "noscript", "textarea", "title"
                ]
                .contains(&tag.as_str()),
                "{id}: <{tag}> kept"
            );
            for (k, v) in attrs {
                assert!(
                    !k.starts_with("on")
                        && k != "style"
                        && k != "srcdoc"
                        && k != "id"
                        && k != "name",
                    "{id}: attribute {k} kept"
                );
                let lower = v.to_ascii_lowercase().replace(['\t', '\n', '\r', ' '], "");
                if ["href", "src", "action", "formaction", "xlink:href"].contains(&k.as_str()) {
                    assert!(
                        !lower.starts_with("javascript:")
                            && !lower.starts_with("data:")
                            && !lower.starts_with("vbscript:"),
                        "{id}: {k}={v}"
                    );
                }
            }
            check_nodes(children, id);
        }
    }
}

fn engine(config: Value, search: &str) -> Engine {
    let platform = Platform {
        clock: Rc::new(FakeClock::new(1_790_000_000_000.0)),
        random: Rc::new(SeededRandom::new(3)),
        storage: Rc::new(MemoryStorage::new()),
        regex: Box::new(NativeRegex),
    };
    let mut e = Engine::new(&config, platform).unwrap_or_else(|err| panic!("{err}"));
    e.set_page(PageContext {
        url: format!("https://shop.example/{search}"),
        path: "/".into(),
        search: search.into(),
        ..PageContext::default()
    });
    e
}

#[test]
fn no_payload_survives_sanitising_or_templates() {
    let all = payloads();
    assert!(all.len() >= 50, "corpus of at least 50 payloads");
    let mut rendered = 0;
    for p in &all {
        let id = p["id"].as_str().unwrap_or("?");
        let payload = p["payload"].as_str().unwrap_or("");
        let (config, search, traits) = match p["kind"].as_str() {
            Some("html") => (
                json!([{"id": "v", "content": {"html": payload}}]),
                String::new(),
                None,
            ),
            Some("trait") => (
                json!([{"id": "v", "content": {"html": "<b>{{traits.x}}</b><a href=\"/p?{{traits.x}}\">x</a>", "attributes": {"href": "{{traits.x}}", "title": "{{traits.x}}"}}}]),
                String::new(),
                Some(json!({"x": payload})),
            ),
            _ => {
                let enc: String = payload.bytes().map(|b| format!("%{b:02X}")).collect();
                (
                    json!([{"id": "v", "content": {"html": "<i>{{campaign.name}}</i> {{page.query.next}}", "attributes": {"href": "{{page.query.next}}"}}}]),
                    format!("?utm_campaign={enc}&next={enc}"),
                    None,
                )
            }
        };
        let mut placement = attune::core::json::Map::new();
        placement.insert("slot", Value::from("s"));
        placement.insert("variants", config);
        let mut root = attune::core::json::Map::new();
        root.insert("placements", Value::Array(vec![Value::Object(placement)]));
        let mut e = engine(Value::Object(root), &search);
        if let Some(t) = traits {
            e.identify(None, t.as_object().cloned())
                .unwrap_or_else(|err| panic!("{err}"));
        }
        let d = e.decide("s").unwrap_or_else(|| panic!("{id}: slot"));
        let c = d.content.unwrap_or_else(|| panic!("{id}: content"));
        check_nodes(c.html.as_deref().unwrap_or_default(), id);
        for (k, v) in &c.attributes {
            let lower = v.to_ascii_lowercase();
            assert!(
                !(k == "href" && lower.trim().starts_with("javascript:")),
                "{id}: href={v}"
            );
        }
        rendered += 1;
    }
    assert_eq!(rendered, all.len());
}

//! Paints decisions into the page: finds each slot and applies its content.

use crate::core::decide::Decision;
use serde_json::Value;
use wasm_bindgen::JsCast;

/// The CSS selector of a decision's slot elements.
fn selector(d: &Decision) -> String {
    match &d.selector {
        Some(s) => s.clone(),
        None => format!(
            "[data-attune-slot=\"{}\"]",
            d.slot.replace('\\', "\\\\").replace('"', "\\\"")
        ),
    }
}

/// Applies every decision to the current document (no-op outside a browser).
pub fn apply(decisions: &[Decision]) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    for d in decisions {
        let Ok(nodes) = doc.query_selector_all(&selector(d)) else {
            continue;
        };
        for i in 0..nodes.length() {
            let Some(el) = nodes
                .item(i)
                .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
            else {
                continue;
            };
            apply_one(&el, d);
        }
    }
}

fn apply_one(el: &web_sys::Element, d: &Decision) {
    let Some(variant) = &d.variant else { return };
    if el.get_attribute("data-attune-variant").as_deref() == Some(variant.as_str()) {
        return;
    }
    if let Some(Value::Object(content)) = &d.content {
        if let Some(text) = content.get("text").and_then(Value::as_str) {
            el.set_text_content(Some(text));
        }
    }
    let _ = el.set_attribute("data-attune-variant", variant);
}

/// Runs `f` once the document is parsed: now if it already is, else on
/// `DOMContentLoaded` (slots below the script tag do not exist before that).
pub fn when_parsed(f: impl FnOnce() + 'static) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if doc.ready_state() != "loading" {
        f();
        return;
    }
    let cb = wasm_bindgen::closure::Closure::once_into_js(f);
    let _ = doc.add_event_listener_with_callback("DOMContentLoaded", cb.unchecked_ref());
}

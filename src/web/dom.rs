//! Paints decisions into the page. Every slot element's original state (a
//! deep clone, with its attributes) is kept in a `WeakMap` the first time it
//! is changed, so a later decision of "default" restores it exactly, and a new
//! variant is always applied to the original, never on top of another one.
//! Sanitised markup arrives as an [`HtmlNode`] tree and is built with
//! `createElement`/`setAttribute`/`createTextNode`: nothing is ever assigned
//! to `innerHTML`.
//!
//! Painted slots get `data-attune-done` (which ends their anti-flicker
//! hiding) and, when a variant shows, `data-attune-variant="<id>"`; slots in
//! an experiment's holdout get `data-attune-holdout="<key>"`.

use crate::core::content::Rendered;
use crate::core::decide::Decision;
use crate::core::html::HtmlNode;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element};

thread_local! {
    /// element → {o: original clone, s: painted signature, k: slot id}
    static STATE: js_sys::WeakMap = js_sys::WeakMap::new();
}

/// Class on `<html>` that hides undecided slots (set by the snippet or the page).
pub const HIDING_CLASS: &str = "attune-loading";

/// The CSS selector of a decision's slot elements.
pub fn selector(slot: &str, custom: Option<&str>) -> String {
    match custom {
        Some(s) => s.to_string(),
        None => format!(
            "[data-attune-slot=\"{}\"]",
            slot.replace('\\', "\\\\").replace('"', "\\\"")
        ),
    }
}

/// What was painted: variant and content, compared before repainting.
pub fn signature(d: &Decision) -> String {
    format!(
        "{}|{}",
        d.variant.as_deref().unwrap_or(""),
        serde_json::to_string(&d.content).unwrap_or_default()
    )
}

fn document() -> Option<Document> {
    web_sys::window().and_then(|w| w.document())
}

/// The elements of `d`'s slot.
pub fn elements(d: &Decision) -> Vec<Element> {
    let Some(doc) = document() else {
        return Vec::new();
    };
    let Ok(nodes) = doc.query_selector_all(&selector(&d.slot, d.selector.as_deref())) else {
        return Vec::new();
    };
    (0..nodes.length())
        .filter_map(|i| nodes.item(i).and_then(|n| n.dyn_into::<Element>().ok()))
        .collect()
}

/// Applies decisions to every element of their slots (unchanged ones are left alone).
pub fn apply(decisions: &[Decision]) {
    for d in decisions {
        let sig = signature(d);
        for el in elements(d) {
            paint(&el, d, &sig);
        }
    }
}

/// Applies decisions only to slot elements never painted before (added late).
pub fn apply_new(decisions: &[Decision]) -> Vec<Element> {
    let mut fresh = Vec::new();
    for d in decisions {
        let sig = signature(d);
        for el in elements(d).into_iter().filter(|e| state(e).is_none()) {
            paint(&el, d, &sig);
            fresh.push(el);
        }
    }
    fresh
}

/// The slot id an element was painted for.
pub fn slot_of(el: &Element) -> Option<String> {
    state(el).and_then(|s| js_sys::Reflect::get(&s, &"k".into()).ok()?.as_string())
}

fn state(el: &Element) -> Option<js_sys::Object> {
    let v = STATE.with(|m| m.get(el));
    v.dyn_into::<js_sys::Object>().ok()
}

fn set(obj: &js_sys::Object, key: &str, value: &JsValue) {
    let _ = js_sys::Reflect::set(obj, &key.into(), value);
}

fn paint(el: &Element, d: &Decision, sig: &str) {
    let st = state(el);
    let painted = st
        .as_ref()
        .and_then(|s| js_sys::Reflect::get(s, &"s".into()).ok()?.as_string());
    if painted.as_deref() == Some(sig) {
        let _ = el.set_attribute("data-attune-done", "");
        return;
    }
    let st = match st {
        Some(s) => {
            if let Some(orig) = js_sys::Reflect::get(&s, &"o".into())
                .ok()
                .and_then(|o| o.dyn_into::<Element>().ok())
            {
                // Children go back only if the last paint replaced them, so
                // elements (and the page's listeners on them) inside a slot
                // whose variants only set attributes or classes survive.
                let replaced = js_sys::Reflect::get(&s, &"c".into()).is_ok_and(|c| c.is_truthy());
                restore(el, &orig, replaced);
            }
            s
        }
        None => {
            let s = js_sys::Object::new();
            if d.variant.is_some() {
                if let Ok(clone) = el.clone_node_with_deep(true) {
                    set(&s, "o", &clone);
                }
            }
            STATE.with(|m| m.set(el, &s));
            s
        }
    };
    set(&st, "s", &JsValue::from_str(sig));
    set(&st, "k", &JsValue::from_str(&d.slot));
    match (&d.variant, &d.content) {
        (Some(v), content) => {
            if js_sys::Reflect::get(&st, &"o".into()).is_ok_and(|o| o.is_undefined()) {
                if let Ok(clone) = el.clone_node_with_deep(true) {
                    set(&st, "o", &clone);
                }
            }
            if let Some(c) = content {
                apply_content(el, c);
            }
            let replaces = content
                .as_ref()
                .is_some_and(|c| c.text.is_some() || c.html.is_some());
            set(&st, "c", &JsValue::from_bool(replaces));
            let _ = el.set_attribute("data-attune-variant", v);
        }
        (None, _) => {
            set(&st, "c", &JsValue::FALSE);
            let _ = el.remove_attribute("data-attune-variant");
        }
    }
    match d.experiment.as_ref().filter(|e| e.holdout) {
        Some(e) => {
            let _ = el.set_attribute("data-attune-holdout", &e.key);
        }
        None => {
            let _ = el.remove_attribute("data-attune-holdout");
        }
    }
    let _ = el.set_attribute("data-attune-done", "");
}

/// Puts `el` back as `orig` was: its attributes (Attune's own kept) and, when
/// `children` (the last paint replaced them), its children.
fn restore(el: &Element, orig: &Element, children: bool) {
    if children {
        while let Some(child) = el.first_child() {
            let _ = el.remove_child(&child);
        }
        let kids = orig.child_nodes();
        for i in 0..kids.length() {
            if let Some(k) = kids.item(i).and_then(|k| k.clone_node_with_deep(true).ok()) {
                let _ = el.append_child(&k);
            }
        }
    }
    let names = el.get_attribute_names();
    for n in names.iter().filter_map(|n| n.as_string()) {
        if !n.starts_with("data-attune") && !orig.has_attribute(&n) {
            let _ = el.remove_attribute(&n);
        }
    }
    for n in orig
        .get_attribute_names()
        .iter()
        .filter_map(|n| n.as_string())
    {
        if !n.starts_with("data-attune") {
            if let Some(v) = orig.get_attribute(&n) {
                let _ = el.set_attribute(&n, &v);
            }
        }
    }
}

fn apply_content(el: &Element, c: &Rendered) {
    if let Some(text) = &c.text {
        el.set_text_content(Some(text));
    }
    if let (Some(nodes), Some(doc)) = (&c.html, document()) {
        while let Some(child) = el.first_child() {
            let _ = el.remove_child(&child);
        }
        for n in nodes {
            if let Some(node) = build(&doc, n) {
                let _ = el.append_child(&node);
            }
        }
    }
    for (k, v) in &c.attributes {
        let _ = el.set_attribute(k, v);
    }
    let list = el.class_list();
    for cls in &c.add {
        let _ = list.add_1(cls);
    }
    for cls in &c.remove {
        let _ = list.remove_1(cls);
    }
    match c.visible {
        Some(false) => {
            let _ = el.set_attribute("hidden", "");
        }
        Some(true) => {
            let _ = el.remove_attribute("hidden");
        }
        None => {}
    }
}

/// Builds one sanitised node (never through the HTML parser).
fn build(doc: &Document, n: &HtmlNode) -> Option<web_sys::Node> {
    match n {
        HtmlNode::Text(t) => Some(doc.create_text_node(t).into()),
        HtmlNode::Element {
            tag,
            attrs,
            children,
        } => {
            let el = doc.create_element(tag).ok()?;
            for (k, v) in attrs {
                let _ = el.set_attribute(k, v);
            }
            for c in children {
                if let Some(node) = build(doc, c) {
                    let _ = el.append_child(&node);
                }
            }
            Some(el.into())
        }
    }
}

/// Ends the anti-flicker hiding of every slot (removes [`HIDING_CLASS`]).
pub fn end_hiding() {
    if let Some(html) = document().and_then(|d| d.document_element()) {
        let _ = html.class_list().remove_1(HIDING_CLASS);
    }
}

/// Runs `f` once the document is parsed: now if it already is, else on
/// `DOMContentLoaded` (slots below the script tag do not exist before that).
pub fn when_parsed(f: impl FnOnce() + 'static) {
    let Some(doc) = document() else {
        return;
    };
    if doc.ready_state() != "loading" {
        f();
        return;
    }
    let cb = wasm_bindgen::closure::Closure::once_into_js(f);
    let _ = doc.add_event_listener_with_callback("DOMContentLoaded", cb.unchecked_ref());
}

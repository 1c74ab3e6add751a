//! Automatic tracking, each part switchable in config (`autocapture`):
//! page views on single-page-app navigation (`history.pushState`,
//! `replaceState`, `popstate`) and clicks on `[data-attune-track="Event"]`
//! elements, with properties from their other `data-attune-*` attributes.
//!
//! The hooks are installed once per page and call whichever SDK instance was
//! started last, so a second `init` never doubles the events.

use crate::web::api::{Attune, Sdk};
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

thread_local! {
    static CURRENT: RefCell<Option<(Weak<Sdk>, bool, bool)>> = const { RefCell::new(None) };
    static INSTALLED: RefCell<bool> = const { RefCell::new(false) };
}

/// Points the page's hooks at `sdk`, installing them on first use.
pub fn install(sdk: &Rc<Sdk>, pages: bool, clicks: bool) {
    CURRENT.with(|c| *c.borrow_mut() = Some((Rc::downgrade(sdk), pages, clicks)));
    let first = INSTALLED.with(|i| !i.replace(true));
    if first {
        let _ = install_history();
        let _ = install_clicks();
    }
}

fn current(want_pages: bool) -> Option<Attune> {
    CURRENT.with(|c| {
        let c = c.borrow();
        let (weak, pages, clicks) = c.as_ref()?;
        let on = if want_pages { *pages } else { *clicks };
        if !on {
            return None;
        }
        weak.upgrade().map(Attune::from_sdk)
    })
}

/// Records a page view if the URL (path or query) changed since the last one.
fn on_navigation() {
    let Some(attune) = current(true) else { return };
    let Some(url) = web_sys::window().and_then(|w| w.location().href().ok()) else {
        return;
    };
    if attune.current_url().as_deref() == Some(url.as_str()) {
        return;
    }
    // Called from inside page code (pushState); report, never throw.
    if let Err(e) = attune.page(JsValue::UNDEFINED, JsValue::UNDEFINED) {
        web_sys::console::warn_2(&"[attune] page view on navigation failed".into(), &e);
    }
}

fn install_history() -> Result<(), JsValue> {
    let window = web_sys::window().ok_or(JsValue::NULL)?;
    let history = window.history()?;
    for name in ["pushState", "replaceState"] {
        let original: js_sys::Function =
            js_sys::Reflect::get(&history, &name.into())?.dyn_into()?;
        let target = history.clone();
        let wrapper =
            Closure::<dyn FnMut(JsValue, JsValue, JsValue) -> Result<JsValue, JsValue>>::new(
                move |state: JsValue, unused: JsValue, url: JsValue| {
                    let args = js_sys::Array::of3(&state, &unused, &url);
                    // The page's own call must behave exactly as before, errors included.
                    let result = js_sys::Reflect::apply(&original, &target, &args)?;
                    on_navigation();
                    Ok(result)
                },
            );
        js_sys::Reflect::set(&history, &name.into(), wrapper.as_ref())?;
        wrapper.forget();
    }
    let pop = Closure::<dyn FnMut()>::new(on_navigation);
    window.add_event_listener_with_callback("popstate", pop.as_ref().unchecked_ref())?;
    pop.forget();
    Ok(())
}

fn install_clicks() -> Result<(), JsValue> {
    let doc = web_sys::window()
        .and_then(|w| w.document())
        .ok_or(JsValue::NULL)?;
    let handler = Closure::<dyn FnMut(web_sys::Event)>::new(|event: web_sys::Event| {
        let Some(attune) = current(false) else { return };
        let Some(el) = event
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        else {
            return;
        };
        let Ok(Some(tracked)) = el.closest("[data-attune-track]") else {
            return;
        };
        let Some(name) = tracked
            .get_attribute("data-attune-track")
            .filter(|n| !n.trim().is_empty())
        else {
            return;
        };
        let props = click_properties(&tracked);
        let props = crate::web::convert::to_js(&Value::Object(props));
        if let Err(e) = attune.track(JsValue::from_str(&name), props) {
            web_sys::console::warn_2(&"[attune] click tracking failed".into(), &e);
        }
    });
    // Capture phase: a page that stops propagation still gets its clicks counted.
    doc.add_event_listener_with_callback_and_bool("click", handler.as_ref().unchecked_ref(), true)?;
    handler.forget();
    Ok(())
}

/// `data-attune-sku="A1"` → `{"sku": "A1"}`; numbers and booleans are typed.
fn click_properties(el: &web_sys::Element) -> Map<String, Value> {
    let mut props = Map::new();
    let attrs = el.attributes();
    for i in 0..attrs.length() {
        let Some(attr) = attrs.item(i) else { continue };
        let name = attr.name();
        let Some(key) = name.strip_prefix("data-attune-") else {
            continue;
        };
        if key == "track" || key == "slot" || key == "variant" || key.is_empty() {
            continue;
        }
        let raw = attr.value();
        let value = match raw.as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            s => s
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite() && !s.is_empty())
                .and_then(serde_json::Number::from_f64)
                .map_or(Value::String(raw.clone()), Value::Number),
        };
        props.insert(key.to_string(), value);
    }
    props
}

//! `document.cookie` access for the optional anonymous-id cookie.

use wasm_bindgen::JsValue;

fn document() -> Option<JsValue> {
    let w = web_sys::window()?;
    w.document().map(JsValue::from)
}

/// The page's cookie string (empty outside a document, or when cookies are blocked).
pub fn read_all() -> String {
    document()
        .and_then(|d| js_sys::Reflect::get(&d, &"cookie".into()).ok())
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// Assigns one `document.cookie` string; failures (sandboxed documents) are ignored.
pub fn write(assignment: &str) {
    if let Some(d) = document() {
        let _ = js_sys::Reflect::set(&d, &"cookie".into(), &assignment.into());
    }
}

//! Reads the current page and environment from the browser (empty in Node).

use crate::core::event::{Context, PageContext};
use serde_json::json;

/// `context.page` for the current document.
pub fn read_page() -> PageContext {
    let Some(w) = web_sys::window() else {
        return PageContext::default();
    };
    let loc = w.location();
    let doc = w.document();
    PageContext {
        path: loc.pathname().unwrap_or_default(),
        referrer: doc.as_ref().map(|d| d.referrer()).unwrap_or_default(),
        search: loc.search().unwrap_or_default(),
        title: doc.as_ref().map(|d| d.title()).unwrap_or_default(),
        url: loc.href().unwrap_or_default(),
    }
}

/// Locale, time zone, user agent and screen, read once at start.
pub fn read_environment() -> Context {
    let mut ctx = Context::default();
    let options = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new())
        .resolved_options();
    ctx.timezone = js_sys::Reflect::get(&options, &"timeZone".into())
        .ok()
        .and_then(|v| v.as_string());
    let Some(w) = web_sys::window() else {
        return ctx;
    };
    let nav = w.navigator();
    ctx.locale = nav.language();
    ctx.user_agent = nav.user_agent().ok();
    if let Ok(s) = w.screen() {
        let (width, height) = (s.width().unwrap_or(0), s.height().unwrap_or(0));
        ctx.screen =
            Some(json!({"width": width, "height": height, "density": w.device_pixel_ratio()}));
    }
    ctx
}

/// `(navigator.globalPrivacyControl, navigator.doNotTrack == "1")`.
pub fn privacy_signals() -> (bool, bool) {
    let Some(w) = web_sys::window() else {
        return (false, false);
    };
    let nav = w.navigator();
    let gpc = js_sys::Reflect::get(&nav, &"globalPrivacyControl".into())
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    // `doNotTrack` is null when unset: web-sys's String binding would throw.
    let dnt = js_sys::Reflect::get(&nav, &"doNotTrack".into())
        .ok()
        .and_then(|v| v.as_string())
        .as_deref()
        == Some("1");
    (gpc, dnt)
}

//! Page lifecycle hooks of delivery: `visibilitychange`→hidden, `pagehide`,
//! `online` and `offline`. Each listener holds the SDK weakly, so it never
//! keeps a dropped instance alive, and never lets an error reach the page.

use crate::web::api::Sdk;
use crate::web::delivery;
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;

/// The installed listeners; kept alive for the page's life.
pub struct Hooks {
    _closures: Vec<Closure<dyn FnMut(JsValue)>>,
}

/// Installs the listeners for `sdk` (no-op outside a browser window).
pub fn install(sdk: &Rc<Sdk>) -> Hooks {
    let mut closures = Vec::new();
    let Some(window) = web_sys::window() else {
        return Hooks {
            _closures: closures,
        };
    };
    let window: JsValue = window.into();
    let document = js_sys::Reflect::get(&window, &"document".into()).unwrap_or(JsValue::UNDEFINED);
    let weak = Rc::downgrade(sdk);
    closures.push(listen(&document, "visibilitychange", weak.clone(), |sdk| {
        if is_hidden() {
            if let Some(lane) = sdk.lane() {
                lane.hidden();
            }
            delivery::page_hidden(sdk);
        }
    }));
    closures.push(listen(&window, "pagehide", weak.clone(), |sdk| {
        if let Some(lane) = sdk.lane() {
            if let Ok(e) = sdk.engine.try_borrow() {
                lane.exit(e.may_keep_calls());
                lane.exit_beacon(&e);
            }
        }
        delivery::page_exit(sdk);
    }));
    closures.push(listen(&window, "online", weak.clone(), delivery::online));
    closures.push(listen(&window, "offline", weak, delivery::offline));
    Hooks {
        _closures: closures,
    }
}

/// True when `document.visibilityState` is `hidden`.
pub fn is_hidden() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| js_sys::Reflect::get(&d, &"visibilityState".into()).ok())
        .and_then(|v| v.as_string())
        .is_some_and(|s| s == "hidden")
}

/// True unless the browser says it is offline (`navigator.onLine === false`).
pub fn is_online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

fn listen(
    target: &JsValue,
    event: &str,
    weak: Weak<Sdk>,
    run: fn(&Rc<Sdk>),
) -> Closure<dyn FnMut(JsValue)> {
    let closure = Closure::<dyn FnMut(JsValue)>::new(move |_e: JsValue| {
        if let Some(sdk) = weak.upgrade() {
            run(&sdk);
        }
    });
    if let Ok(add) = js_sys::Reflect::get(target, &"addEventListener".into()) {
        if let Some(add) = wasm_bindgen::JsCast::dyn_ref::<js_sys::Function>(&add) {
            let _ = add.call2(target, &event.into(), closure.as_ref());
        }
    }
    closure
}

//! Slot observers: impressions (an `IntersectionObserver`: a slot counts as
//! seen once at least `exposure.threshold` of it is visible for
//! `exposure.minMs`, once per page view), clicks inside painted slots, and a
//! `MutationObserver` that paints slots added to the page later (before the
//! browser paints them, so they never flash their default).

use crate::web::api::{Attune, Sdk};
use crate::web::dom;
use std::cell::RefCell;
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, IntersectionObserver, IntersectionObserverEntry, MutationObserver};

struct Observers {
    io: IntersectionObserver,
    _mo: MutationObserver,
}

thread_local! {
    static OBSERVERS: RefCell<Option<Observers>> = const { RefCell::new(None) };
    static SDK: RefCell<Weak<Sdk>> = const { RefCell::new(Weak::new()) };
    /// Slots already counted in this page view.
    static VIEWED: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    /// Running visibility timers: (slot, timer id).
    static TIMERS: RefCell<Vec<(String, i32)>> = const { RefCell::new(Vec::new()) };
}

fn attune() -> Option<Attune> {
    SDK.with(|s| s.borrow().upgrade()).map(Attune::from_sdk)
}

/// Starts the observers for `sdk` (once per page; a later `init` takes them over).
pub fn install(sdk: &Rc<Sdk>, threshold: f64, min_ms: f64) {
    SDK.with(|s| *s.borrow_mut() = Rc::downgrade(sdk));
    if OBSERVERS.with(|o| o.borrow().is_some()) {
        return;
    }
    let _ = try_install(threshold, min_ms);
}

fn try_install(threshold: f64, min_ms: f64) -> Result<(), JsValue> {
    let window = web_sys::window().ok_or(JsValue::NULL)?;
    let doc = window.document().ok_or(JsValue::NULL)?;
    let on_visible = Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
        for entry in entries.iter() {
            let Ok(entry) = entry.dyn_into::<IntersectionObserverEntry>() else {
                continue;
            };
            let Some(slot) = dom::slot_of(&entry.target()) else {
                continue;
            };
            let visible = entry.is_intersecting() && entry.intersection_ratio() + 1e-6 >= threshold;
            if visible {
                start_timer(&slot, entry.target(), min_ms);
            } else {
                cancel_timer(&slot);
            }
        }
    });
    let init = web_sys::IntersectionObserverInit::new();
    init.set_threshold(&JsValue::from_f64(threshold));
    let io = IntersectionObserver::new_with_options(on_visible.as_ref().unchecked_ref(), &init)?;
    on_visible.forget();

    let on_added = Closure::<dyn FnMut(js_sys::Array)>::new(move |records: js_sys::Array| {
        let added = records.iter().any(|r| {
            r.dyn_into::<web_sys::MutationRecord>()
                .is_ok_and(|r| r.added_nodes().length() > 0)
        });
        if added {
            paint_new();
        }
    });
    let mo = MutationObserver::new(on_added.as_ref().unchecked_ref())?;
    on_added.forget();
    let opts = web_sys::MutationObserverInit::new();
    opts.set_child_list(true);
    opts.set_subtree(true);
    if let Some(root) = doc.document_element() {
        mo.observe_with_options(&root, &opts)?;
    }

    let on_click = Closure::<dyn FnMut(web_sys::Event)>::new(|ev: web_sys::Event| {
        let target = ev.target().and_then(|t| t.dyn_into::<Element>().ok());
        let slot_el = target.and_then(|t| t.closest("[data-attune-variant]").ok().flatten());
        let shown = slot_el
            .as_ref()
            .and_then(|el| el.get_attribute("data-attune-variant"));
        if let (Some(slot), Some(shown)) = (slot_el.as_ref().and_then(dom::slot_of), shown) {
            if let Some(a) = attune() {
                // Called from a page event: report, never throw.
                if let Err(e) = a.exposure(&slot, Some(&shown), true) {
                    web_sys::console::warn_2(&"[attune] click".into(), &e);
                }
            }
        }
    });
    doc.add_event_listener_with_callback_and_bool(
        "click",
        on_click.as_ref().unchecked_ref(),
        true,
    )?;
    on_click.forget();
    OBSERVERS.with(|o| *o.borrow_mut() = Some(Observers { io, _mo: mo }));
    Ok(())
}

/// Observes `elements` for impressions. Called again for a slot repainted
/// while on screen: observing anew makes the observer report the element's
/// current visibility, so a slot that turns from its default to a variant in
/// view starts its impression timer without having to leave and come back.
pub fn watch(elements: &[Element]) {
    OBSERVERS.with(|o| {
        if let Some(obs) = o.borrow().as_ref() {
            for el in elements {
                obs.io.unobserve(el);
                obs.io.observe(el);
            }
        }
    });
}

/// A new page view (SPA navigation): every slot may be counted again.
pub fn new_page_view() {
    VIEWED.with(|v| v.borrow_mut().clear());
    let running: Vec<(String, i32)> = TIMERS.with(|t| std::mem::take(&mut *t.borrow_mut()));
    if let Some(w) = web_sys::window() {
        for (_, id) in running {
            w.clear_timeout_with_handle(id);
        }
    }
}

fn start_timer(slot: &str, el: Element, min_ms: f64) {
    let seen = VIEWED.with(|v| v.borrow().iter().any(|s| s == slot));
    let running = TIMERS.with(|t| t.borrow().iter().any(|(s, _)| s == slot));
    if seen || running {
        return;
    }
    let Some(w) = web_sys::window() else { return };
    let owned = slot.to_string();
    let cb = Closure::once_into_js(move || {
        TIMERS.with(|t| t.borrow_mut().retain(|(s, _)| *s != owned));
        // What the element shows now (a pinned slot may differ from the decision);
        // default markup is not an impression, except in an experiment's holdout.
        let shown = el.get_attribute("data-attune-variant");
        if shown.is_none() && !el.has_attribute("data-attune-holdout") {
            return;
        }
        let first = VIEWED.with(|v| {
            let mut v = v.borrow_mut();
            let first = !v.contains(&owned);
            if first {
                v.push(owned.clone());
            }
            first
        });
        if let (true, Some(a)) = (first, attune()) {
            // A holdout impression (no variant shown) is checked against the decision.
            if let Err(e) = a.exposure(&owned, shown.as_deref(), false) {
                web_sys::console::warn_2(&"[attune] impression".into(), &e);
            }
        }
    });
    if let Ok(id) =
        w.set_timeout_with_callback_and_timeout_and_arguments_0(cb.unchecked_ref(), min_ms as i32)
    {
        TIMERS.with(|t| t.borrow_mut().push((slot.to_string(), id)));
    }
}

fn cancel_timer(slot: &str) {
    let ids: Vec<i32> = TIMERS.with(|t| {
        let mut t = t.borrow_mut();
        let ids = t
            .iter()
            .filter(|(s, _)| s == slot)
            .map(|(_, id)| *id)
            .collect();
        t.retain(|(s, _)| s != slot);
        ids
    });
    if let Some(w) = web_sys::window() {
        for id in ids {
            w.clear_timeout_with_handle(id);
        }
    }
}

/// Paints slot elements that appeared since the last paint and watches them.
pub fn paint_new() {
    let Some(sdk) = SDK.with(|s| s.borrow().upgrade()) else {
        return;
    };
    let decisions = match sdk.engine.try_borrow_mut() {
        Ok(mut e) => {
            let d = e.decisions();
            sdk.note_assignments(&mut e);
            d
        }
        Err(_) => return,
    };
    let fresh = dom::apply_new(&decisions);
    watch(&fresh);
}

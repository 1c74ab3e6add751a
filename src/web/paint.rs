//! The decision half of the JavaScript API: `decide`, `explain`, `viewed`,
//! `clicked`, `render`, and repainting after changes (only slots whose
//! decision changed; slots just seen or clicked stay pinned to what was seen
//! until the next page view).

use crate::web::api::{busy, Attune};
use crate::web::convert::{js_error, to_js};
use crate::web::{dom, slots};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
impl Attune {
    /// The decision for one slot (`{slot, variant, content, experiment?, reason}`),
    /// or `null`; no DOM work (for apps that render themselves).
    pub fn decide(&self, slot: &str) -> Result<JsValue, JsValue> {
        self.settled();
        let mut e = self.sdk.engine.try_borrow_mut().map_err(|_| busy())?;
        let d = e.decide(slot);
        self.sdk.note_assignments(&mut e);
        Ok(d.map_or(JsValue::NULL, |d| to_js(&d)))
    }

    /// The trace of the decision for one slot (every variant, condition,
    /// caps, suppression, bucket), or `null`.
    pub fn explain(&self, slot: &str) -> Result<JsValue, JsValue> {
        self.settled();
        let e = self.sdk.engine.try_borrow().map_err(|_| busy())?;
        Ok(e.explain(slot).map_or(JsValue::NULL, |x| to_js(&x)))
    }

    /// Records an impression of what `slot` shows now (`Experience Viewed`);
    /// false when it shows its default markup. For apps that render themselves.
    pub fn viewed(&self, slot: &str) -> Result<bool, JsValue> {
        self.exposure(slot, None, false)
    }

    /// Records a click on what `slot` shows now (`Experience Clicked`).
    pub fn clicked(&self, slot: &str) -> Result<bool, JsValue> {
        self.exposure(slot, None, true)
    }

    /// Re-applies every slot's decision to the page (after it added slots).
    pub fn render(&self) -> Result<(), JsValue> {
        if self.sdk.engine.try_borrow_mut().is_err() {
            return Err(busy());
        }
        if let Ok(mut p) = self.sdk.pinned.try_borrow_mut() {
            p.clear();
        }
        self.repaint_all();
        Ok(())
    }
}

impl Attune {
    /// Records an impression or a click of `variant` (what the element shows;
    /// `None`: the current decision) and repaints, keeping `slot` pinned.
    pub(crate) fn exposure(
        &self,
        slot: &str,
        variant: Option<&str>,
        click: bool,
    ) -> Result<bool, JsValue> {
        let (before, shown) = {
            let mut e = self.sdk.engine.try_borrow_mut().map_err(|_| busy())?;
            let caught_up = self.sdk.catch_up(&mut e);
            let before = caught_up.unwrap_or_else(|| e.segments().to_vec());
            let call = if click {
                crate::core::op::Call::Clicked {
                    slot: slot.to_string(),
                    variant: variant.map(str::to_string),
                }
            } else {
                crate::core::op::Call::Viewed {
                    slot: slot.to_string(),
                    variant: variant.map(str::to_string),
                }
            };
            let shown = self.sdk.apply(&mut e, call);
            (before, shown.map_err(|err| js_error(&err))?)
        };
        self.after_change(&before, Some(slot));
        Ok(shown)
    }

    /// Paints every slot's current decision and watches the painted slots.
    pub(crate) fn repaint_all(&self) {
        let decisions = match self.sdk.engine.try_borrow_mut() {
            Ok(mut e) => {
                let d = e.decisions();
                self.sdk.note_assignments(&mut e);
                d
            }
            Err(_) => return,
        };
        dom::apply(&decisions);
        for d in decisions.iter().filter(|d| observed(d)) {
            slots::watch(&dom::elements(d));
        }
        if let Ok(mut e) = self.sdk.engine.try_borrow_mut() {
            e.cache_decisions(&decisions);
        }
        if let Ok(mut p) = self.sdk.painted.try_borrow_mut() {
            *p = decisions
                .iter()
                .map(|d| (d.slot.clone(), dom::signature(d)))
                .collect();
        }
    }

    /// Repaints the slots whose decision changed, except `exposed` (just seen
    /// or clicked: pinned to what it shows) and slots still pinned.
    pub(crate) fn repaint_changed(
        &self,
        decisions: &[crate::core::decide::Decision],
        exposed: Option<&str>,
    ) {
        let (Ok(mut painted), Ok(mut pinned)) = (
            self.sdk.painted.try_borrow_mut(),
            self.sdk.pinned.try_borrow_mut(),
        ) else {
            return;
        };
        let mut changed = Vec::new();
        // A slot just exposed keeps showing what was seen, but the decision
        // made right after it (a click retiring the variant) is what the next
        // page view's early paint must show: the cache follows it.
        let mut recache = false;
        for d in decisions {
            let sig = dom::signature(d);
            if exposed == Some(d.slot.as_str()) {
                pinned.retain(|(s, _)| *s != d.slot);
                pinned.push((d.slot.clone(), sig));
                recache = true;
                continue;
            }
            if pinned.iter().any(|(s, p)| *s == d.slot && *p == sig) {
                continue;
            }
            pinned.retain(|(s, _)| *s != d.slot);
            match painted.iter_mut().find(|(s, _)| *s == d.slot) {
                Some((_, p)) if *p == sig => continue,
                Some((_, p)) => *p = sig,
                None => painted.push((d.slot.clone(), sig)),
            }
            changed.push(d.clone());
        }
        drop((painted, pinned));
        if changed.is_empty() && !recache {
            return;
        }
        if let Ok(mut e) = self.sdk.engine.try_borrow_mut() {
            e.cache_decisions(decisions);
        }
        if changed.is_empty() {
            return;
        }
        dom::apply(&changed);
        for d in changed.iter().filter(|d| observed(d)) {
            slots::watch(&dom::elements(d));
        }
    }
}

/// Whether a painted slot is watched for impressions: it shows a variant, or
/// it is in an experiment's holdout.
fn observed(d: &crate::core::decide::Decision) -> bool {
    d.variant.is_some() || d.experiment.as_ref().is_some_and(|e| e.holdout)
}

/// Ends the anti-flicker hiding `timeout_ms` after navigation start at the
/// latest (the snippet has its own timer; this one covers pages without it).
pub(crate) fn end_hiding_after(timeout_ms: f64) {
    let Some(w) = web_sys::window() else { return };
    let elapsed = w.performance().map_or(0.0, |p| p.now());
    let left = timeout_ms - elapsed;
    if left <= 0.0 {
        dom::end_hiding();
        return;
    }
    let cb = Closure::once_into_js(dom::end_hiding);
    let _ =
        w.set_timeout_with_callback_and_timeout_and_arguments_0(cb.unchecked_ref(), left as i32);
}

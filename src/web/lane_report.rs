//! Worker mode: what the engine worker tells the page (see `web::lane`).
//! Commit confirmations free the page's copies of ops, the profile record
//! refreshes the replica (then slots repaint and segment listeners fire as
//! after any change), delivery totals become `delivery` events, errors go to
//! `error` listeners, and answers resolve `flush()` / `forget()`.

use crate::web::api::{Attune, Sdk};
use crate::web::lane::field;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// Handles one message of the worker.
pub fn received(sdk: &Rc<Sdk>, data: &JsValue) {
    let Some(lane) = sdk.lane.clone().filter(|l| !l.failed()) else {
        return;
    };
    if field(data, "ready").is_truthy() {
        started(sdk, &lane, field(data, "profile").as_string());
        return;
    }
    let error = field(data, "error");
    if error.is_object() && lane.starting() {
        // An error instead of `ready`: the worker could not start.
        let message = field(&error, "message").as_string().unwrap_or_default();
        fail_over(sdk, &message);
        return;
    }
    let num = |k: &str| field(data, k).as_f64();
    if let Some(seq) = num("confirmed") {
        lane.confirmed(seq as u64);
    }
    if let Some(stream) = field(data, "rescued").as_string() {
        lane.rescued(&stream);
    }
    if error.is_object() {
        sdk.report_js(plain_to_error(&error));
    }
    if let Some(id) = num("flushed") {
        let report = js_sys::Object::new();
        for k in ["sent", "pending", "failed"] {
            let v = num(k).unwrap_or(0.0);
            let _ = js_sys::Reflect::set(&report, &k.into(), &JsValue::from_f64(v));
        }
        lane.answer(id as u32, &report);
    }
    if let Some(id) = num("forgotten") {
        lane.forgotten();
        lane.answer(id as u32, &JsValue::UNDEFINED);
    }
    if let (Some(profile), Some(applied)) = (field(data, "profile").as_string(), num("applied")) {
        // Nothing on the page follows the profile but segment membership, and
        // it is unchanged: nothing to repaint or announce, so the record waits
        // for the next read (a burst's reports cost the page little). With
        // placements (a slot's condition may read any profile field) or
        // `profile` listeners it is adopted at once, at most once a report.
        let same = sdk.engine.try_borrow().is_ok_and(|e| {
            !e.has_placements() && same_segments(e.segments(), &field(data, "segments"))
        }) && !sdk.listens("profile");
        if same {
            lane.keep(profile, applied as u64);
        } else {
            adopt(sdk, &profile, applied as u64);
        }
    }
    let totals = field(data, "totals");
    if js_sys::Array::is_array(&totals) {
        let t = js_sys::Array::from(&totals);
        let get = |i: u32| t.get(i).as_f64().unwrap_or(0.0);
        let now = [get(0), get(1), get(2), get(3)];
        let last = lane.swap_totals(now);
        if now != last {
            let delta = serde_json::json!({
                "sent": now[0] - last[0],
                "failed": now[1] - last[1],
                "dropped": now[2] - last[2],
                "rejected": now[3] - last[3],
                "pending": num("pending").unwrap_or(0.0),
            });
            sdk.emit("delivery", &crate::web::convert::to_js(&delta));
        }
    }
}

/// The worker is ready: the replica restarts from its profile record with
/// this page's calls replayed on it; then repaints and notifies as after any
/// change (membership may differ from the page's copy's).
fn started(sdk: &Rc<Sdk>, lane: &Rc<crate::web::lane::Lane>, profile: Option<String>) {
    let (before, errors, changed) = match sdk.engine.try_borrow_mut() {
        Ok(mut e) => {
            let before = e.segments().to_vec();
            let mine = e.profile().clone();
            let errors = lane.restart(&mut e, profile.as_deref());
            // The worker's anonymous id wins (another tab's `forget()`, for one).
            let _ = crate::web::api::sync_cookie(&mut e);
            (before, errors, !same_but_rev(e.profile(), &mine))
        }
        Err(_) => {
            // Not reachable from a message task; the worker is ready all the same.
            lane.mark_ready();
            return;
        }
    };
    sdk.report(errors);
    if changed {
        Attune::from_sdk(sdk.clone()).refresh_page(&before);
    }
}

/// Whether two profile records are the same but for their write counter:
/// the worker's record of the ops the replica applied already is the
/// replica's own (then nothing is repainted or announced).
fn same_but_rev(a: &crate::core::profile::Profile, b: &crate::core::profile::Profile) -> bool {
    let mut a = a.clone();
    a.rev = b.rev;
    a == *b
}

/// The engine worker failed before `ready` (its script did not load, it
/// answered an error, or it stayed silent for `READY_MS`): the engine runs
/// on the page from now on, this page's calls so far replayed into its
/// outbox (see `Lane::fail_over`); a console note says why. Questions the
/// worker will not answer (`flush()`) resolve with what is pending.
pub fn fail_over(sdk: &Rc<Sdk>, reason: &str) {
    let Some(lane) = sdk.lane.clone().filter(|l| l.starting()) else {
        return;
    };
    web_sys::console::info_2(
        &"[attune] delivery.engine \"worker\" is unavailable here, the engine runs on the page:"
            .into(),
        &reason.into(),
    );
    let (before, errors, pending) = match sdk.engine.try_borrow_mut() {
        Ok(mut e) => {
            let before = e.segments().to_vec();
            let errors = lane.fail_over(&mut e);
            (before, errors, e.queued())
        }
        Err(_) => return,
    };
    sdk.report(errors);
    let report = crate::web::convert::to_js(&serde_json::json!({
        "sent": 0, "pending": pending, "failed": 0
    }));
    lane.answer_all(&report);
    Attune::from_sdk(sdk.clone()).refresh_page(&before);
    crate::web::delivery::queued(sdk);
}

/// Takes the worker's profile record into the replica unless the replica is
/// ahead; then, when it changed the profile, repaints and notifies as after
/// any change.
fn adopt(sdk: &Rc<Sdk>, profile: &str, applied: u64) {
    let Some(lane) = sdk.lane.clone() else {
        return;
    };
    let (before, outcome) = match sdk.engine.try_borrow_mut() {
        Ok(mut e) => {
            let before = e.segments().to_vec();
            let mine = e.profile().clone();
            let outcome = lane
                .adopt(&mut e, profile, applied)
                .map(|adopted| adopted && !same_but_rev(e.profile(), &mine));
            if matches!(outcome, Ok(true)) {
                // The worker's anonymous id wins (after forget(), for one).
                let _ = crate::web::api::sync_cookie(&mut e);
            }
            (before, outcome)
        }
        Err(_) => return,
    };
    match outcome {
        Ok(true) => Attune::from_sdk(sdk.clone()).refresh_page(&before),
        Ok(false) => {}
        Err(e) => sdk.report(vec![e]),
    }
}

/// Whether the worker's `segments` (a JS array of names) are `mine`.
fn same_segments(mine: &[String], theirs: &JsValue) -> bool {
    if !js_sys::Array::is_array(theirs) {
        return false;
    }
    let theirs = js_sys::Array::from(theirs);
    theirs.length() as usize == mine.len()
        && theirs
            .iter()
            .zip(mine)
            .all(|(t, m)| t.as_string().as_deref() == Some(m.as_str()))
}

/// A JS `Error` from the worker's plain `{name, code, path, message}`.
fn plain_to_error(plain: &JsValue) -> JsValue {
    let message = field(plain, "message").as_string().unwrap_or_default();
    let err: JsValue = js_sys::Error::new(&message).into();
    for k in ["name", "code", "path"] {
        let v = field(plain, k);
        if !v.is_undefined() {
            let _ = js_sys::Reflect::set(&err, &k.into(), &v);
        }
    }
    err
}

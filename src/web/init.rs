//! `init(config)`: the config read, the engine built on the page's clock,
//! randomness and storage, worker mode's link started when asked, and the
//! page hooks installed (delivery, slots, autocapture, seed); resolves to the
//! [`Attune`] instance.

use crate::core::delivery_policy::Gate;
use crate::core::engine::{Engine, Platform};
use crate::core::op::{Call, Replayer};
use crate::web::api::{sync_cookie, Attune, Sdk};
use crate::web::convert::{js_error, to_json};
use crate::web::host::{JsClock, JsRandom, JsRegexEngine, LocalStorage};
use crate::web::lane::Lane;
use crate::web::{delivery, dom, page, slots};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// Starts Attune with a JSON config and resolves to the SDK instance.
#[wasm_bindgen(js_name = init)]
pub async fn init(config: JsValue) -> Result<Attune, JsValue> {
    // `transform` functions are read before the config becomes JSON.
    let (config, transforms) = delivery::take_transforms(&config);
    let json = to_json(&config, "config").map_err(|e| js_error(&e))?;
    let mut lane = start_lane(&json, &transforms);
    let random: Rc<JsRandom> = Rc::new(JsRandom::new());
    let platform = match &lane {
        Some(l) => Platform {
            clock: l.replayer().clock(),
            random: l.replayer().random(),
            storage: Rc::new(LocalStorage::open()),
            regex: Box::new(JsRegexEngine),
        },
        None => Platform {
            clock: Rc::new(JsClock),
            random,
            storage: Rc::new(LocalStorage::open()),
            regex: Box::new(JsRegexEngine),
        },
    };
    let mut engine = Engine::new(&json, platform).map_err(|e| js_error(&e))?;
    let (gpc, dnt) = page::privacy_signals();
    engine.set_privacy_signals(gpc, dnt);
    for note in engine.take_notes() {
        web_sys::console::info_1(&format!("[attune] {note}").into());
    }
    sync_cookie(&mut engine).map_err(|e| js_error(&e))?;
    engine.set_environment(page::read_environment());
    engine.set_local_offset(-js_sys::Date::new_0().get_timezone_offset());
    engine.set_page(page::read_page());
    if let Some(l) = &lane {
        // The replica's events go nowhere: the worker's engine stores and
        // sends them. Events an earlier page-mode visit left in this page's
        // `localStorage` outbox are still sent from here.
        engine.set_delivery_gate(Gate {
            store: false,
            send: true,
        });
        // Not awaited: the replica starts from the page's copy of the
        // profile and restarts from the worker's record at its `ready`.
        if let Err(err) = l.start(&json, &engine) {
            web_sys::console::info_2(
                &"[attune] delivery.engine \"worker\" is unavailable here, the engine runs on the page:".into(),
                &err,
            );
            engine.set_delivery_gate(Gate::OPEN);
            lane = None;
        }
    }
    if engine.config().autocapture_pages {
        // The op names its page: replayed later (the replica restarting from
        // the worker's record after an SPA navigation), it must not take the
        // page the engine is on by then.
        let call = Call::Page {
            name: None,
            properties: None,
            page: Some(engine.page_context().clone()),
        };
        match &lane {
            Some(l) => l.record(&mut engine, call),
            None => call.apply(&mut engine),
        }
        .map_err(|e| js_error(&e))?;
    }
    let driver = delivery::Driver::new(&engine.config().storage_prefix, transforms);
    let sdk = Rc::new(Sdk {
        engine: RefCell::new(engine),
        delivery: driver,
        listeners: RefCell::new(Vec::new()),
        unheard_errors: RefCell::new(Vec::new()),
        painted: RefCell::new(Vec::new()),
        pinned: RefCell::new(Vec::new()),
        pending_change: RefCell::new(None),
        lane,
    });
    if let Some(l) = &sdk.lane {
        l.listen(Rc::downgrade(&sdk));
    }
    delivery::start(&sdk);
    let display = sdk.engine.borrow().display();
    slots::install(&sdk, display.threshold, display.min_ms);
    crate::web::paint::end_hiding_after(display.hide_timeout_ms);
    let attune = Attune { sdk };
    attune.after_change(&[], None);
    if let Ok(e) = attune.sdk.engine.try_borrow() {
        let (pages, clicks) = (e.config().autocapture_pages, e.config().autocapture_clicks);
        drop(e);
        crate::web::autocapture::install(&attune.sdk, pages, clicks);
    }
    crate::web::seed::start(&attune.sdk);
    let weak = Rc::downgrade(&attune.sdk);
    dom::when_parsed(move || {
        if let Some(sdk) = weak.upgrade() {
            Attune::from_sdk(sdk).repaint_all();
        }
        dom::end_hiding();
    });
    Ok(attune)
}

/// Worker mode's link when the config asks for it (`delivery.engine:
/// "worker"`), the package's entry named the engine worker, the browser has
/// module workers and IndexedDB, and no collector has a `transform` function
/// (functions cannot reach a worker). `None`: the engine runs on the page.
fn start_lane(
    json: &serde_json::Value,
    transforms: &[Option<js_sys::Function>],
) -> Option<Rc<Lane>> {
    let wanted = json.pointer("/delivery/engine").and_then(|v| v.as_str()) == Some("worker");
    if !wanted || transforms.iter().any(Option::is_some) {
        return None;
    }
    let url = crate::web::lane::worker_url()?;
    let mut seed = [0u8; 16];
    crate::core::platform::Random::fill(&JsRandom::new(), &mut seed);
    let stream: String = seed.iter().map(|b| format!("{b:02x}")).collect();
    let replayer = Replayer::new(Replayer::parse_stream(&stream)?, Rc::new(JsClock));
    let prefix = json
        .get("storagePrefix")
        .and_then(|p| p.as_str())
        .unwrap_or("attune");
    Lane::spawn((&url.0, url.1), prefix, replayer, stream)
}

//! The JS API in a real browser (headless Chromium through chromedriver):
//! localStorage persistence and painting the slot.
#![cfg(target_arch = "wasm32")]

use attune::init;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn json(text: &str) -> JsValue {
    js_sys::JSON::parse(text).unwrap_or(JsValue::UNDEFINED)
}

const CONFIG: &str = r#"{
  "storagePrefix": "attune-wbt",
  "segments": {"returning": {"events.Page Viewed.count": {"$gte": 2}}},
  "placements": [{"slot": "hero", "variants": [
    {"id": "welcome-back", "when": {"segments.returning": true}, "content": {"text": "Welcome back!"}}]}]
}"#;

/// Waits (at most 2 s) until `key` is stored: profile writes are coalesced
/// into the next microtask and taken under a cross-tab lock.
async fn stored(ls: &web_sys::Storage, key: &str) -> String {
    for _ in 0..100 {
        if let Ok(Some(v)) = ls.get_item(key) {
            if v.contains("anonymousId") {
                return v;
            }
        }
        gloo_timers::future::TimeoutFuture::new(20).await;
    }
    String::new()
}

fn storage() -> web_sys::Storage {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .unwrap_or_else(|| panic!("localStorage is available in the test page"))
}

#[wasm_bindgen_test]
async fn profile_persists_and_the_slot_is_painted() {
    let ls = storage();
    let _ = ls.remove_item("attune-wbt:profile");
    let doc = web_sys::window()
        .and_then(|w| w.document())
        .unwrap_or_else(|| panic!("document"));
    let slot = doc.create_element("div").unwrap_or_else(|_| panic!("div"));
    let _ = slot.set_attribute("data-attune-slot", "hero");
    slot.set_text_content(Some("Hello, new visitor"));
    let _ = doc.body().map(|b| b.append_child(&slot));

    let first = init(json(CONFIG)).await.unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(slot.text_content().as_deref(), Some("Hello, new visitor"));
    let stored = stored(&ls, "attune-wbt:profile").await;
    assert!(
        stored.contains("\"Page Viewed\""),
        "profile persisted: {stored}"
    );
    drop(first);

    // A second "page load": the stored profile is read back and the slot changes.
    let _second = init(json(CONFIG)).await.unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(slot.text_content().as_deref(), Some("Welcome back!"));
    assert_eq!(
        slot.get_attribute("data-attune-variant").as_deref(),
        Some("welcome-back")
    );
    let _ = ls.remove_item("attune-wbt:profile");
}

#[wasm_bindgen_test]
async fn a_corrupt_record_is_replaced_not_fatal() {
    let ls = storage();
    let _ = ls.set_item("attune-wbt:profile", "{corrupt");
    let sdk = init(json(CONFIG)).await.unwrap_or_else(|e| panic!("{e:?}"));
    let profile = sdk.profile().unwrap_or(JsValue::NULL);
    let anon = js_sys::Reflect::get(&profile, &"anonymousId".into())
        .ok()
        .and_then(|v| v.as_string());
    assert_eq!(anon.map(|a| a.len()), Some(36));
    let stored = stored(&ls, "attune-wbt:profile").await;
    assert!(
        stored.starts_with('{') && stored.contains("anonymousId"),
        "rewritten: {stored}"
    );
    let _ = ls.remove_item("attune-wbt:profile");
}

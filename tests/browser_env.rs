//! Harness self-check for the browser side: tests named `tests/browser_*.rs` run
//! in headless Chromium through chromedriver (`webdriver.json`), with a DOM,
//! `localStorage` and a WebDriver-controlled browser. If they silently ran in
//! Node or in another browser, this fails.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn runs_in_headless_chromium_under_webdriver() {
    let window = web_sys::window().unwrap_or_else(|| panic!("no window: not in a browser"));
    let navigator = window.navigator();
    let ua = navigator.user_agent().unwrap_or_default();
    assert!(ua.contains("HeadlessChrome/"), "user agent: {ua}");
    let webdriver = js_sys::Reflect::get(&navigator, &"webdriver".into()).unwrap_or_default();
    assert_eq!(
        webdriver.as_bool(),
        Some(true),
        "navigator.webdriver should be true under chromedriver"
    );
    assert!(window.document().is_some_and(|d| d.body().is_some()));
}

#[wasm_bindgen_test]
fn local_storage_round_trips() {
    let window = web_sys::window().unwrap_or_else(|| panic!("no window"));
    let storage = window
        .local_storage()
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("localStorage unavailable"));
    let key = "attune-harness-probe";
    storage
        .set_item(key, "1")
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(storage.get_item(key).ok().flatten().as_deref(), Some("1"));
    storage.remove_item(key).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(js_sys::Date::now() > 1_577_836_800_000.0);
}

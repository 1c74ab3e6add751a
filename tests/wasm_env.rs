//! Harness self-check for the Node side of `cargo test --target wasm32-unknown-unknown`:
//! tests named `tests/wasm_*.rs` run in Node (wasm-bindgen-test's default), with
//! Node's globals and no DOM. If the runner were misconfigured (e.g. a browser
//! picked for these), this fails instead of the real tests passing somewhere else.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

fn get(target: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

#[wasm_bindgen_test]
fn runs_in_node_without_a_dom() {
    let global: JsValue = js_sys::global().into();
    let node_version = get(&get(&get(&global, "process"), "versions"), "node");
    let version = node_version.as_string().unwrap_or_default();
    let major: u32 = version
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    assert!(
        major >= 18,
        "expected Node >= 18, got process.versions.node = {node_version:?}"
    );
    assert!(
        get(&global, "document").is_undefined(),
        "Node has no document"
    );
}

#[wasm_bindgen_test]
fn host_clock_and_crypto_are_there() {
    let now = js_sys::Date::now();
    // After 2020-01-01 and not NaN: the host clock really reached the wasm.
    assert!(now > 1_577_836_800_000.0, "Date.now() = {now}");
    let crypto = get(&js_sys::global().into(), "crypto");
    assert!(
        get(&crypto, "getRandomValues").is_function(),
        "globalThis.crypto.getRandomValues is needed for UUIDs"
    );
}

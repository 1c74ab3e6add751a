//! The JS API as a Node program sees it (wasm-bindgen-test's default runner is Node):
//! no DOM and no localStorage, so the profile lives in memory.
#![cfg(target_arch = "wasm32")]

use attune::{eval_condition, init};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

fn json(text: &str) -> JsValue {
    js_sys::JSON::parse(text).unwrap_or(JsValue::UNDEFINED)
}

fn prop(v: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(v, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

const CONFIG: &str = r#"{
  "segments": {"returning": {"events.Page Viewed.count": {"$gte": 2}}},
  "placements": [{"slot": "hero", "variants": [
    {"id": "welcome-back", "when": {"segments.returning": true}, "content": {"text": "Welcome back!"}}]}]
}"#;

#[wasm_bindgen_test]
async fn init_tracks_pages_and_decides() {
    let sdk = init(json(CONFIG)).await.unwrap_or_else(|e| panic!("{e:?}"));
    let segs = sdk.segments().unwrap_or(JsValue::NULL);
    assert_eq!(
        js_sys::Array::from(&segs).length(),
        0,
        "one automatic page view so far"
    );
    assert!(sdk.page(JsValue::UNDEFINED, JsValue::UNDEFINED).is_ok());
    let segs = js_sys::Array::from(&sdk.segments().unwrap_or(JsValue::NULL));
    assert_eq!(segs.get(0).as_string().as_deref(), Some("returning"));
    let d = sdk.decide("hero").unwrap_or(JsValue::NULL);
    assert_eq!(
        prop(&d, "variant").as_string().as_deref(),
        Some("welcome-back")
    );
    let profile = sdk.profile().unwrap_or(JsValue::NULL);
    let count = prop(&prop(&prop(&profile, "events"), "Page Viewed"), "count");
    assert_eq!(count.as_f64(), Some(2.0));
}

#[wasm_bindgen_test]
async fn errors_are_js_errors_with_code_and_path() {
    let err = match init(json(r#"{"collector": {"url": 5}}"#)).await {
        Ok(_) => panic!("a numeric collector url must be rejected"),
        Err(e) => e,
    };
    let e = err
        .dyn_ref::<js_sys::Error>()
        .unwrap_or_else(|| panic!("not an Error: {err:?}"));
    assert_eq!(String::from(e.name()), "AttuneError");
    assert_eq!(
        prop(&err, "code").as_string().as_deref(),
        Some("invalid_config")
    );
    assert_eq!(
        prop(&err, "path").as_string().as_deref(),
        Some("collector.url")
    );

    let sdk = init(json("{}")).await.unwrap_or_else(|e| panic!("{e:?}"));
    let err = sdk
        .track(JsValue::from_f64(3.0), JsValue::UNDEFINED)
        .err()
        .unwrap_or(JsValue::NULL);
    assert!(err.is_instance_of::<js_sys::Error>());
    assert_eq!(
        prop(&err, "path").as_string().as_deref(),
        Some("track.event")
    );
    let err = sdk
        .track("Ok".into(), JsValue::from_str("not an object"))
        .err()
        .unwrap_or(JsValue::NULL);
    assert_eq!(
        prop(&err, "path").as_string().as_deref(),
        Some("track.properties")
    );
}

#[wasm_bindgen_test]
fn eval_condition_is_exported() {
    let yes = eval_condition(
        json(r#"{"age": {"$gte": 18}}"#),
        json(r#"{"age": 21}"#),
        JsValue::UNDEFINED,
    );
    let no = eval_condition(
        json(r#"{"age": {"$gte": 18}}"#),
        json(r#"{"age": 3}"#),
        JsValue::UNDEFINED,
    );
    assert_eq!((yes.ok(), no.ok()), (Some(true), Some(false)));
}

//! Conversions across the JS boundary: JS values to JSON and back, and core
//! errors to real JS `Error` objects (`name`, `code`, `path`), never strings.

use crate::core::AttuneError;
use serde::Serialize;
use serde_json::{Map, Value};
use wasm_bindgen::JsValue;

/// Turns a core error into a JS `Error` with `name = "AttuneError"`, `code` and `path`.
pub fn js_error(err: &AttuneError) -> JsValue {
    let e = js_sys::Error::new(&err.to_string());
    e.set_name("AttuneError");
    let obj: &JsValue = e.as_ref();
    let _ = js_sys::Reflect::set(obj, &"code".into(), &err.code().into());
    let _ = js_sys::Reflect::set(obj, &"path".into(), &err.path().into());
    e.into()
}

/// Reads a JS value as JSON. `undefined` and `null` become `Value::Null`;
/// function- and symbol-valued keys are left out, as `JSON.stringify` does.
pub fn to_json(value: &JsValue, path: &str) -> Result<Value, AttuneError> {
    if value.is_undefined() || value.is_null() {
        return Ok(Value::Null);
    }
    // JSON.stringify leaves out function- and symbol-valued keys by itself.
    // One crossing and one string beat a boundary call per field
    // (serde_wasm_bindgen) by an order of magnitude for nested objects.
    let text = js_sys::JSON::stringify(value)
        .map_err(|_| AttuneError::input(path, "not JSON-compatible (a cycle or a BigInt?)"))?;
    let text = text.as_string().unwrap_or_default();
    if text.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(&text)
        .map_err(|e| AttuneError::input(path, format!("not JSON-compatible: {e}")))
}

/// Reads an optional JS object (properties, traits) as a JSON map.
pub fn to_map(value: &JsValue, path: &str) -> Result<Option<Map<String, Value>>, AttuneError> {
    match to_json(value, path)? {
        Value::Null => Ok(None),
        Value::Object(m) => Ok(Some(m)),
        _ => Err(AttuneError::input(path, "expected an object")),
    }
}

/// Reads an optional JS string.
pub fn to_opt_string(value: &JsValue, path: &str) -> Result<Option<String>, AttuneError> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    value
        .as_string()
        .map(Some)
        .ok_or_else(|| AttuneError::input(path, "expected a string"))
}

/// Writes a serializable value as a plain JS value (objects, not Maps).
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> JsValue {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap_or(JsValue::NULL)
}

//! `attune.inspect()`: the engine's read-only snapshot for the debug overlay
//! (`pkg/src/debug.js`). Kept apart from `api.rs` so the API surface it adds
//! stays one small method.

use crate::web::api::Attune;
use crate::web::convert::to_js;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
impl Attune {
    /// A JSON snapshot `{profile, segments, outbox, consent}` (see
    /// [`crate::core::Engine::inspect`]); `null` while the engine is busy
    /// (called from one of its own callbacks). Changes nothing beyond running
    /// the segment pass event calls of this task deferred.
    pub fn inspect(&self) -> JsValue {
        self.settled();
        self.sdk()
            .engine
            .try_borrow()
            .map_or(JsValue::NULL, |e| to_js(&e.inspect()))
    }
}

//! The pure core: everything Attune decides, with no knowledge of the browser.
//!
//! Nothing under `core` may import `wasm_bindgen`, `web_sys`, `js_sys` or `gloo`
//! (checked by `tests/core_boundary.rs`).

pub mod error;
pub mod rules;

pub use error::{AttuneError, Result};

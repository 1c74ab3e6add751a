//! Attune: client-side personalization compiled to WebAssembly.
//!
//! The crate is split in two, and the split is visible in the tree:
//!
//! * [`core`] — the pure engine (profile, rules, decisions, event model, delivery
//!   policy). It never touches `wasm_bindgen`, `web_sys` or `js_sys`; time, storage
//!   and randomness arrive through the small traits in [`core::platform`], so it is
//!   tested natively with a fake clock. `tests/core_boundary.rs` fails the build if
//!   it ever imports a web crate.
//! * `web` (wasm32 only) — the thin `#[wasm_bindgen]` binding: the engine's
//!   methods taking and returning JSON text, and the host (clock, random bytes,
//!   `localStorage`, `RegExp`) borrowed from JavaScript. The platform work itself
//!   (DOM, timers, `fetch`/`sendBeacon`, locks) is JavaScript in `pkg/src/`.
#![deny(clippy::unwrap_used, clippy::expect_used)]
#![warn(missing_docs)]

pub mod core;

#[cfg(target_arch = "wasm32")]
pub mod web;

pub mod wasm_alloc;

/// The wasm module's allocator (see [`wasm_alloc`]), growing the linear memory as it needs.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: wasm_alloc::Classes = wasm_alloc::Classes::new();

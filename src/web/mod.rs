//! The wasm binding of the core (wasm32 only). It is deliberately thin: the
//! platform work — DOM, timers, `fetch`, locks, cookies — is JavaScript in
//! `pkg/src/`, and crosses into the engine a few times per task with JSON
//! text. [`host`] is what the core borrows from JavaScript, [`api`] and
//! [`delivery_api`] are the engine's methods, [`report`] the answer after a
//! change, [`rules_api`] the pure exports.

pub mod api;
pub mod delivery_api;
pub mod host;
pub mod report;
pub mod rules_api;

//! The pure core: everything Attune decides, with no knowledge of the browser.
//!
//! Nothing under `core` may import the web crates (checked by
//! `tests/core_boundary.rs`): time, randomness and storage come in through
//! [`platform`], and delivery is sans-IO ([`outbox`] hands out batches and is
//! told the outcome).
//!
//! Nor does it use `serde`, `serde_json`, `thiserror` or the `core::fmt`
//! macros outside its tests (checked by the same test): JSON is the core's own
//! [`json`] and text is assembled with [`cat!`](crate::cat) ([`text`]), so the
//! wasm module stays small.

pub mod affinity;
pub mod attributes;
pub mod attribution;
pub mod auth;
pub mod backoff;
pub mod batcher;
pub mod caps;
pub mod config;
pub mod config_keys;
pub mod consent;
pub mod content;
pub mod cookie;
pub mod decide;
pub mod delivery;
pub mod delivery_config;
pub mod delivery_policy;
pub mod device;
pub mod engine;
pub mod error;
pub mod event;
pub mod event_wire;
pub mod experiment;
pub mod explain;
pub mod exposures;
pub mod html;
pub mod ids;
pub mod inspect;
pub mod json;
pub mod keymap;
pub mod metrics;
pub mod minimize;
pub mod op;
pub mod outbox;
pub mod placement;
pub mod platform;
pub mod profile;
pub mod profile_merge;
pub mod resilient_storage;
pub mod rules;
pub mod seed;
pub mod segments;
pub mod session;
pub mod sha256;
pub mod suppress;
pub mod template;
pub mod text;
pub mod time;

pub use engine::{Engine, Platform};
pub use error::{AttuneError, ErrorKind, Result};

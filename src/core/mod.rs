//! The pure core: everything Attune decides, with no knowledge of the browser.
//!
//! Nothing under `core` may import the web crates (checked by
//! `tests/core_boundary.rs`): time, randomness and storage come in through
//! [`platform`], and delivery is sans-IO ([`outbox`] hands out batches and is
//! told the outcome).

pub mod affinity;
pub mod attributes;
pub mod attribution;
pub mod auth;
pub mod config;
pub mod consent;
pub mod decide;
pub mod device;
pub mod engine;
pub mod error;
pub mod event;
pub mod ids;
pub mod metrics;
pub mod minimize;
pub mod outbox;
pub mod platform;
pub mod profile;
pub mod resilient_storage;
pub mod rules;
pub mod segments;
pub mod session;
pub mod sha256;
pub mod time;

pub use engine::{Engine, Platform};
pub use error::{AttuneError, Result};

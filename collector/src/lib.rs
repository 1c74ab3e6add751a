//! Attune's development collector and static server.
//!
//! A small HTTP/1.1 server built on the standard library only. It serves the
//! demo site (`www/`) and the wasm package (`pkg/`), stores Segment-style
//! batches posted to `/v1/batch` (deduplicated by `messageId`, persisted as JSON
//! lines), exposes them for tests (`/v1/events`, `/v1/stats`), plays a CRM for
//! cross-channel demos (`/v1/profile`), records deletion requests
//! (`/v1/forget`), and can misbehave on purpose (`/v1/chaos`) so delivery code
//! can be tested against failures, throttling, drops and latency.
//!
//! Start it in-process with [`start`]; it binds 127.0.0.1 only.

#![deny(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]
#![warn(missing_docs)]

pub mod chaos;
pub mod config;
pub mod http;
pub mod profiles;
pub mod routes;
pub mod server;
pub mod static_files;
pub mod store;
pub mod util;

pub use chaos::ChaosConfig;
pub use config::Config;
pub use server::{start, RunningServer};

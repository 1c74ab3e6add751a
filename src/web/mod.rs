//! The thin web layer: binds the pure core to the browser (and to Node for
//! server-side use). Few, coarse calls cross the boundary: the engine does the
//! work, this layer only reads the page, stores, sends and paints.

pub mod api;
mod autocapture;
mod beacon;
mod convert;
mod cookie;
mod delivery;
mod dom;
mod host;
pub mod idb;
pub mod init;
mod inspect;
mod lane;
mod lane_report;
mod lifecycle;
mod lock;
mod page;
mod paint;
mod profile_sync;
pub mod rules_api;
mod seed;
mod sender;
mod slots;
mod transport;
pub mod worker_host;

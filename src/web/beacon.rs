//! Page-exit sending: `navigator.sendBeacon` with a `text/plain` body (a
//! "simple" request: no CORS preflight, survives the page), or a
//! fire-and-forget `fetch(keepalive)` when the collector needs headers a beacon
//! cannot carry. No answer is awaited: the events stay in the outbox until a
//! later acknowledged send, so a lost beacon is re-sent on the next visit.

use crate::web::transport;

/// Queues `body` for `url`; false when the browser refused it (over its
/// in-flight budget, or no beacon support and no `fetch`).
pub fn send(url: &str, headers: &[(String, String)], body: &str) -> bool {
    if headers.is_empty() {
        if let Some(nav) = web_sys::window().map(|w| w.navigator()) {
            if let Ok(queued) = nav.send_beacon_with_opt_str(url, Some(body)) {
                return queued;
            }
        }
    }
    transport::fire_and_forget(url, headers, body)
}

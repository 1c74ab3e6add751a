//! Worker mode's safety net: calls the worker has not confirmed are kept
//! (bounded), written at `pagehide` under `{prefix}:rescue:{stream}` and
//! handed to the next page's worker (see `web::lane`).

use super::{field, set, Lane, MAX_UNCONFIRMED};
use crate::core::AttuneError;

impl Lane {
    /// Keeps at most [`MAX_UNCONFIRMED`] posted calls the worker has not
    /// confirmed (a worker that died or hangs confirms nothing): the oldest
    /// messages go, and the drop is reported once per message. Memory and the
    /// `pagehide` rescue stay bounded; the newest calls are kept.
    pub(super) fn bound(&self) {
        let Ok(mut posted) = self.posted.try_borrow_mut() else {
            return;
        };
        let mut total: u32 = posted.iter().map(|(_, l)| l.length()).sum();
        let mut dropped = 0;
        while total > MAX_UNCONFIRMED && posted.len() > 1 {
            if let Some((_, list)) = posted.pop_front() {
                total -= list.length();
                dropped += list.length();
            }
        }
        drop(posted);
        if dropped > 0 {
            // At once: with a dead worker no report comes to carry it.
            self.report_now(vec![AttuneError::input(
                "delivery.engine",
                format!("the engine worker confirmed nothing for {MAX_UNCONFIRMED} calls: the oldest {dropped} were dropped"),
            )]);
        }
    }

    /// `pagehide`: writes every op the worker has not confirmed under this
    /// stream's rescue key (the next page's worker applies them), when
    /// consent lets the device keep calls (`may_keep`: the replica's
    /// [`crate::core::Engine::may_keep_calls`]).
    pub fn exit(&self, may_keep: bool) {
        if !may_keep {
            return;
        }
        let all = js_sys::Array::new();
        if let Ok(posted) = self.posted.try_borrow() {
            for (_, list) in posted.iter() {
                for op in list.iter() {
                    all.push(&op);
                }
            }
        }
        for op in self.queue().iter() {
            all.push(&op);
        }
        if all.length() == 0 {
            return;
        }
        let (kept, _) = json_copies(&all);
        let Ok(ops) = js_sys::JSON::stringify(&kept) else {
            return;
        };
        let text = format!(
            r#"{{"stream":"{}","ops":{}}}"#,
            self.stream,
            String::from(ops)
        );
        if let Some(s) = local_storage() {
            let _ = s.set_item(&format!("{}{}", self.rescue_prefix, self.stream), &text);
        }
    }

    /// `forget()`: the calls not yet sent are dropped with the rest.
    pub fn clear(&self) {
        set(&self.handle, "q", &js_sys::Array::new());
        if let Ok(mut p) = self.posted.try_borrow_mut() {
            p.clear();
        }
        self.replica.set(self.seq());
        self.forgetting.set(true);
        if let Ok(mut s) = self.stash.try_borrow_mut() {
            *s = None;
        }
        if let Some(s) = local_storage() {
            for key in rescue_keys(&s, &self.rescue_prefix) {
                let _ = s.remove_item(&key);
            }
        }
    }

    /// A rescue was committed by the worker: its key may go.
    pub fn rescued(&self, stream: &str) {
        if let Some(s) = local_storage() {
            let _ = s.remove_item(&format!("{}{}", self.rescue_prefix, stream));
        }
    }

    /// The rescues earlier pages of this origin left (unreadable ones are removed).
    pub(super) fn read_rescues(&self) -> Vec<serde_json::Value> {
        let Some(s) = local_storage() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for key in rescue_keys(&s, &self.rescue_prefix) {
            let text = s.get_item(&key).ok().flatten().unwrap_or_default();
            match serde_json::from_str::<serde_json::Value>(&text) {
                Ok(v)
                    if v.get("stream").is_some_and(|s| s.is_string())
                        && v.get("ops").is_some_and(|o| o.is_array()) =>
                {
                    out.push(v)
                }
                _ => {
                    let _ = s.remove_item(&key); // unreadable: nothing to rescue
                }
            }
        }
        out
    }
}

/// JSON round-trips of `ops` (values JSON cannot hold left out as JSON does);
/// an op JSON refuses (a cycle, a BigInt) is dropped with an error.
pub(super) fn json_copies(ops: &js_sys::Array) -> (js_sys::Array, Vec<AttuneError>) {
    let kept = js_sys::Array::new();
    let mut errors = Vec::new();
    for op in ops.iter() {
        match js_sys::JSON::stringify(&op)
            .ok()
            .and_then(|t| js_sys::JSON::parse(&String::from(t)).ok())
        {
            Some(copy) => {
                kept.push(&copy);
            }
            None => errors.push(AttuneError::input(
                "track.properties",
                format!(
                    "not JSON-compatible, call to '{}' dropped",
                    field(&op, "event").as_string().unwrap_or_default()
                ),
            )),
        }
    }
    (kept, errors)
}

/// The `localStorage` keys starting with `prefix`.
fn rescue_keys(s: &web_sys::Storage, prefix: &str) -> Vec<String> {
    let n = s.length().unwrap_or(0);
    (0..n)
        .filter_map(|i| s.key(i).ok().flatten())
        .filter(|k| k.starts_with(prefix))
        .collect()
}

/// `localStorage`, where the page may use it.
fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

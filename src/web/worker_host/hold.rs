//! Holding a burst. Ops the worker receives wait here while the outbox has
//! no room for them ([`crate::core::delivery::Delivery::room`]: nine tenths
//! of either cap) and are applied as acknowledgements make room, so a burst
//! larger than the outbox caps (10,000 `track()` calls in one loop against
//! the default 1,000 events) is delivered whole instead of losing its oldest
//! events to the caps.
//!
//! A held op is not confirmed to the page (confirmation follows the commit
//! of what it produced), so the page keeps it for its `pagehide` rescue:
//! nothing held is lost when the tab closes. Bounded: beyond [`MAX_HELD`]
//! the oldest are applied anyway, and the outbox drops, counts and reports
//! its oldest events as it always does (a collector down for a long burst).

use super::{report, Host};
use crate::core::op::Op;

/// Most ops held; the page keeps at most as many unconfirmed.
pub(super) const MAX_HELD: usize = 10_000;

/// Queues `ops` behind those already held, then applies what fits.
pub(super) fn receive(host: &Host, ops: Vec<Op>) {
    if let Ok(mut held) = host.held.try_borrow_mut() {
        held.extend(ops);
    }
    release(host);
}

/// Applies the oldest held ops the outbox has room for (and any beyond
/// [`MAX_HELD`]) as one task. Returns how many were applied.
pub(super) fn release(host: &Host) -> usize {
    if held(host) == 0 {
        return 0;
    }
    let room = match host.engine.try_borrow_mut() {
        Ok(mut e) => e.delivery().0.room(),
        Err(_) => return 0,
    };
    let batch: Vec<Op> = {
        let Ok(mut held) = host.held.try_borrow_mut() else {
            return 0;
        };
        let take = room
            .max(held.len().saturating_sub(MAX_HELD))
            .min(held.len());
        held.drain(..take).collect()
    };
    let Some(last) = batch.iter().map(|o| o.seq).max() else {
        return 0;
    };
    let results = match host.engine.try_borrow_mut() {
        Ok(mut e) => host.replayer.apply_task(&mut e, &batch),
        Err(_) => {
            // Re-entered (cannot happen from the pump): keep them, in order.
            if let Ok(mut held) = host.held.try_borrow_mut() {
                for op in batch.into_iter().rev() {
                    held.push_front(op);
                }
            }
            return 0;
        }
    };
    report(host, results.into_iter().filter_map(Result::err).collect());
    host.applied.set(host.applied.get().max(last));
    batch.len()
}

/// Ops waiting for room.
pub(super) fn held(host: &Host) -> usize {
    host.held.try_borrow().map_or(0, |h| h.len())
}

/// `forget`: the held ops belong to the visitor being forgotten and go
/// unapplied; they count as applied, so the page stops keeping them.
pub(super) fn discard(host: &Host) {
    let last = host
        .held
        .try_borrow_mut()
        .ok()
        .and_then(|mut h| h.drain(..).map(|o| o.seq).max());
    if let Some(last) = last {
        host.applied.set(host.applied.get().max(last));
    }
}

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
//!
//! Closed pages' rescues wait here too, ahead of this page's calls (they
//! are older): a rescue of a burst is applied as room allows, its stream's
//! mark moving with it, and announced (its `localStorage` key may go) only
//! once the commit covering its last op has finished — until then a next
//! page rescues the rest again, skipping what the mark covers.

use super::{put_mark, report, Host};
use crate::core::op::{Op, Replayer};
use std::collections::VecDeque;

/// A closed page's calls not applied yet.
pub(super) struct Rescue {
    /// That page's stream (lowercase), as its rescue key names it.
    pub stream: String,
    /// Its stream mark's key.
    pub mark: String,
    /// The engine's draws on that page's stream and clock.
    pub replayer: Replayer,
    /// Its ops not applied yet, in order.
    pub ops: VecDeque<Op>,
}

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
/// [`MAX_HELD`]) — rescues first — as one task each. Returns how many were
/// applied.
pub(super) fn release(host: &Host) -> usize {
    let waiting = held(host);
    if waiting == 0 {
        return 0;
    }
    let room = match host.engine.try_borrow_mut() {
        Ok(mut e) => e.delivery().0.room(),
        Err(_) => return 0,
    };
    let take = room.max(waiting.saturating_sub(MAX_HELD)).min(waiting);
    let rescued = release_rescues(host, take);
    rescued + release_own(host, take - rescued)
}

/// Applies up to `take` ops of the waiting rescues, oldest rescue first,
/// moving each one's stream mark. Returns how many were applied.
fn release_rescues(host: &Host, take: usize) -> usize {
    let mut done = 0;
    while done < take {
        let Ok(mut rescues) = host.rescues.try_borrow_mut() else {
            break;
        };
        let Some(r) = rescues.iter_mut().find(|r| !r.ops.is_empty()) else {
            break;
        };
        let n = (take - done).min(r.ops.len());
        let batch: Vec<Op> = r.ops.drain(..n).collect();
        let Some(last) = batch.iter().map(|o| o.seq).max() else {
            break;
        };
        let results = match host.engine.try_borrow_mut() {
            Ok(mut e) => r.replayer.apply_task(&mut e, &batch),
            Err(_) => {
                for op in batch.into_iter().rev() {
                    r.ops.push_front(op);
                }
                break;
            }
        };
        put_mark(&host.store, &r.mark, last);
        drop(rescues);
        report(host, results.into_iter().filter_map(Result::err).collect());
        done += n;
    }
    done
}

/// Applies up to `take` of this page's held ops. Returns how many were applied.
fn release_own(host: &Host, take: usize) -> usize {
    if take == 0 {
        return 0;
    }
    let batch: Vec<Op> = {
        let Ok(mut held) = host.held.try_borrow_mut() else {
            return 0;
        };
        let take = take.min(held.len());
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

/// Ops waiting for room (this page's and rescued ones).
pub(super) fn held(host: &Host) -> usize {
    let rescued = host
        .rescues
        .try_borrow()
        .map_or(0, |r| r.iter().map(|r| r.ops.len()).sum());
    host.held.try_borrow().map_or(0, |h| h.len()) + rescued
}

/// Queues a closed page's ops (those its mark does not cover) ahead of this
/// page's, then applies what fits.
pub(super) fn receive_rescue(host: &Host, rescue: Rescue) {
    if let Ok(mut r) = host.rescues.try_borrow_mut() {
        r.push_back(rescue);
    }
    release(host);
}

/// Before a commit: the rescues wholly applied so far leave the queue; their
/// streams are returned, to announce once that commit has finished.
pub(super) fn drained_rescues(host: &Host) -> Vec<String> {
    let Ok(mut rescues) = host.rescues.try_borrow_mut() else {
        return Vec::new();
    };
    let (done, left): (Vec<Rescue>, Vec<Rescue>) =
        rescues.drain(..).partition(|r| r.ops.is_empty());
    rescues.extend(left);
    done.into_iter().map(|r| r.stream).collect()
}

/// Whether a rescue of `stream` still waits for room.
pub(super) fn rescuing(host: &Host, stream: &str) -> bool {
    host.rescues
        .try_borrow()
        .is_ok_and(|r| r.iter().any(|r| r.stream == stream))
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
    // Closed pages' calls of the visitor forgotten: the page removed their keys.
    if let Ok(mut r) = host.rescues.try_borrow_mut() {
        r.clear();
    }
}

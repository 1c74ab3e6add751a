//! Worker mode's page-exit beacon. At `pagehide` the engine worker may be
//! stopped before it commits and sends the last calls (they are rescued, but
//! only for the visitor's next page). So the page sends them too, as the page
//! path would: a scratch engine on this page's stream replays the oldest
//! [`MAX_EXIT_OPS`] unconfirmed calls and what they record goes out by
//! `sendBeacon` in bodies within the beacon budget. Only events whose
//! `messageId` is their op's first draw ([`Replayer::first_message_id`]: the
//! id the worker and the next page's rescue give them too) are sent, so each
//! arrives once after the collector's deduplication; the rest (segment
//! changes, which depend on the engine's state) wait for the worker or the rescue.

use super::Lane;
use crate::core::engine::{Engine, Platform};
use crate::core::op::{Op, Replayer};
use crate::core::platform::MemoryStorage;
use crate::web::host::{JsClock, JsRegexEngine};
use std::collections::HashSet;
use std::rc::Rc;

/// Most calls replayed at exit (the page is closing: a bounded cost, a few ms).
const MAX_EXIT_OPS: usize = 200;

impl Lane {
    /// `pagehide`: beacons the events of the calls the worker has not
    /// confirmed (see the module). `replica` gives the visitor's identity,
    /// consent and privacy signals.
    pub fn exit_beacon(&self, replica: &Engine) {
        let Some(config) = self.config.try_borrow().ok().and_then(|c| c.clone()) else {
            return;
        };
        let ops = self.unconfirmed_ops(MAX_EXIT_OPS);
        if ops.is_empty() {
            return;
        }
        let Some(stream) = Replayer::parse_stream(&self.stream) else {
            return;
        };
        let replayer = Replayer::new(stream, Rc::new(JsClock));
        let platform = Platform {
            clock: replayer.clock(),
            random: replayer.random(),
            storage: Rc::new(MemoryStorage::new()),
            regex: Box::new(JsRegexEngine),
        };
        let Ok(mut scratch) = Engine::new(&config, platform) else {
            return;
        };
        let (gpc, dnt) = crate::web::page::privacy_signals();
        scratch.set_privacy_signals(gpc, dnt);
        scratch.set_environment(crate::web::page::read_environment());
        scratch.set_local_offset(-js_sys::Date::new_0().get_timezone_offset());
        scratch.set_page(crate::web::page::read_page());
        if scratch.adopt_profile(&replica.profile().to_json()).is_err() {
            return;
        }
        // The page's consent choices, where they differ from the defaults.
        if let Some(theirs) = replica.consent_state().as_object() {
            if scratch.match_consent(theirs).is_err() {
                return;
            }
        }
        let expected: HashSet<String> = ops
            .iter()
            .map(|o| replayer.first_message_id(o.seq))
            .collect();
        replayer.apply_task(&mut scratch, &ops);
        let (delivery, env) = scratch.delivery();
        let _ = delivery.retain(&env, |r| expected.contains(&r.id));
        let _ = delivery.persist(&env);
        let jobs = delivery.exit_jobs(&env);
        let collectors = delivery.collectors().to_vec();
        for job in jobs {
            let Some(c) = collectors.get(job.collector) else {
                continue;
            };
            // A beacon cannot carry headers; the write key travels in the body then.
            let headers = if c.headers.is_empty() {
                Vec::new()
            } else {
                crate::web::delivery::headers_of(c)
            };
            if !crate::web::beacon::send(&c.url, &headers, &job.body) {
                break;
            }
        }
    }

    /// The oldest `max` calls the worker has not confirmed, as ops.
    fn unconfirmed_ops(&self, max: usize) -> Vec<Op> {
        let mut out = Vec::new();
        let mut take = |list: &js_sys::Array| {
            for item in list.iter() {
                if out.len() >= max {
                    return;
                }
                if let Ok(op) = super::replica::parse_op(&item) {
                    out.push(op);
                }
            }
        };
        if let Ok(posted) = self.posted.try_borrow() {
            for (_, list) in posted.iter() {
                take(list);
            }
        }
        take(&self.queue());
        out
    }
}

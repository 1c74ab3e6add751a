//! The engine's session and touches: a page view through a new campaign (or
//! after the idle timeout) starts a session and records where the visitor came
//! from (first and last touch).

use super::Engine;
use crate::cat;
use crate::core::attribution::{classify, Touch};
use crate::core::event::{Event, EventType};
use crate::core::ids::uuid_v4;
use crate::core::json::{Map, Value};
use crate::core::session;

impl Engine {
    /// Moves the session on for `event`; a page view arriving through a new
    /// campaign (or after the idle timeout) starts a new session and a new touch.
    pub(super) fn advance_session(&mut self, event: &Event, now: f64) {
        let is_page = event.kind == EventType::Page;
        let arrival = if is_page {
            classify(
                event.context.campaign.as_ref(),
                &self.page.referrer,
                &self.page.url,
            )
        } else {
            None
        };
        let campaign_name = |c: Option<&Map>| {
            c.and_then(|c| c.get("name").or_else(|| c.get("emailCampaign")))
                .and_then(Value::as_str)
                .map(String::from)
        };
        let name = campaign_name(event.context.campaign.as_ref());
        let key = arrival
            .as_ref()
            .filter(|(channel, _)| channel != "direct")
            .map(|(channel, source)| {
                cat!(
                    channel,
                    '/',
                    source.as_deref().unwrap_or(""),
                    '/',
                    name.as_deref().unwrap_or("")
                )
            });
        let random = self.random.clone();
        let started = session::advance(
            &mut self.profile.session,
            now,
            self.config.session_timeout_ms,
            key.as_deref(),
            is_page,
            || uuid_v4(random.as_ref()),
        );
        if started {
            let (channel, source) = arrival.unwrap_or_else(|| ("direct".into(), None));
            let touch = Touch {
                channel,
                source,
                campaign: name,
                landing: self.page.url.clone(),
                at: now,
            };
            if self.profile.first_touch.is_none() {
                self.profile.first_touch = Some(touch.clone());
            }
            self.profile.last_touch = Some(touch);
        }
    }
}

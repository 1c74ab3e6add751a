//! Sessions as web analytics tools define them: a session ends after a period
//! of inactivity (30 minutes by default) or when the visitor arrives through a
//! new campaign. Tabs share the persisted profile, and so share the session.

use crate::core::json::{Map, Value};
use crate::core::profile::{field_opt_str, need_f64, need_str, need_u64, record};

/// Default inactivity timeout.
pub const DEFAULT_TIMEOUT_MS: f64 = 30.0 * 60_000.0;

/// The current session.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// Session id.
    pub id: String,
    /// 1 for the visitor's first session, 2 for the second, …
    pub number: u64,
    /// Start, epoch ms.
    pub start: f64,
    /// Last activity, epoch ms.
    pub last_activity: f64,
    /// Page views in this session.
    pub page_views: u64,
    /// Events of any kind in this session.
    pub events: u64,
    /// Key of the campaign that started it (channel/source/campaign), if any.
    pub campaign: Option<String>,
}

impl Session {
    /// The stored form: `{id, number, start, lastActivity, pageViews, events,
    /// campaign?}`.
    pub fn to_value(&self) -> Value {
        let mut m = Map::with_capacity(7);
        m.insert("id", Value::from(self.id.as_str()));
        m.insert("number", Value::from(self.number));
        m.insert("start", Value::from(self.start));
        m.insert("lastActivity", Value::from(self.last_activity));
        m.insert("pageViews", Value::from(self.page_views));
        m.insert("events", Value::from(self.events));
        if let Some(c) = &self.campaign {
            m.insert("campaign", Value::from(c.as_str()));
        }
        Value::Object(m)
    }

    /// Reads the stored form; every key but `campaign` is required.
    pub fn from_value(v: &Value) -> Result<Self, String> {
        let m = record(v)?;
        Ok(Session {
            id: need_str(m, "id")?.to_string(),
            number: need_u64(m, "number")?,
            start: need_f64(m, "start")?,
            last_activity: need_f64(m, "lastActivity")?,
            page_views: need_u64(m, "pageViews")?,
            events: need_u64(m, "events")?,
            campaign: field_opt_str(m, "campaign")?,
        })
    }

    /// Whether an event at `now` arriving through `campaign` (a new arrival's
    /// key, `None` for internal navigation or direct) must start a new session.
    pub fn expired(&self, now: f64, timeout_ms: f64, campaign: Option<&str>) -> bool {
        now - self.last_activity > timeout_ms
            || campaign.is_some_and(|c| self.campaign.as_deref() != Some(c))
    }
}

/// Advances the session for one event at `now`; returns true when a new
/// session started. `new_id` is called only then.
pub fn advance(
    session: &mut Option<Session>,
    now: f64,
    timeout_ms: f64,
    campaign: Option<&str>,
    is_page: bool,
    new_id: impl FnOnce() -> String,
) -> bool {
    let started = match session {
        Some(s) if !s.expired(now, timeout_ms, campaign) => false,
        _ => {
            let number = session.as_ref().map_or(0, |s| s.number) + 1;
            *session = Some(Session {
                id: new_id(),
                number,
                start: now,
                last_activity: now,
                page_views: 0,
                events: 0,
                campaign: campaign.map(String::from),
            });
            true
        }
    };
    if let Some(s) = session {
        s.last_activity = s.last_activity.max(now);
        s.events += 1;
        if is_page {
            s.page_views += 1;
        }
    }
    started
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_timeout_and_new_campaign_start_sessions() {
        let mut s = None;
        let mut n = 0;
        let mut id = || {
            n += 1;
            format!("s{n}")
        };
        let min = 60_000.0;
        assert!(advance(
            &mut s,
            0.0,
            DEFAULT_TIMEOUT_MS,
            None,
            true,
            &mut id
        ));
        assert!(!advance(
            &mut s,
            29.0 * min,
            DEFAULT_TIMEOUT_MS,
            None,
            true,
            &mut id
        ));
        assert!(
            !advance(&mut s, 58.0 * min, DEFAULT_TIMEOUT_MS, None, false, &mut id),
            "activity keeps it alive"
        );
        let cur = s.clone().unwrap_or_else(|| panic!("session"));
        assert_eq!(
            (cur.id.as_str(), cur.number, cur.page_views, cur.events),
            ("s1", 1, 2, 3)
        );
        assert!(
            advance(&mut s, 89.0 * min, DEFAULT_TIMEOUT_MS, None, true, &mut id),
            "31 idle minutes"
        );
        assert_eq!(
            s.as_ref().map(|x| (x.id.clone(), x.number, x.page_views)),
            Some(("s2".into(), 2, 1))
        );
        assert!(
            advance(
                &mut s,
                90.0 * min,
                DEFAULT_TIMEOUT_MS,
                Some("email/news/cart"),
                true,
                &mut id
            ),
            "new campaign"
        );
        assert!(
            !advance(
                &mut s,
                91.0 * min,
                DEFAULT_TIMEOUT_MS,
                Some("email/news/cart"),
                true,
                &mut id
            ),
            "same campaign again"
        );
        assert_eq!(s.map(|x| x.number), Some(3));
    }
}

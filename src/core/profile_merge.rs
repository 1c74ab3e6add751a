//! Merging a tab's profile into what another tab stored meanwhile. Each tab
//! keeps the record it last read or wrote (`base`); what it changed since is
//! its delta, applied on top of the stored record before writing, so two tabs
//! tracking at once add up instead of overwriting each other.

use crate::core::profile::{EventStats, Profile, MAX_EVENT_NAMES};

/// `ours` with `stored`'s concurrent changes folded in, given the common `base`.
pub fn merge(ours: &Profile, base: &Profile, stored: &Profile) -> Profile {
    let mut out = ours.clone();
    // Event counts: stored + our delta; first = earliest, last = latest.
    let mut events = stored.events.clone();
    for (name, s) in &ours.events {
        let before = base.events.get(name).map_or(0, |b| b.count);
        let delta = s.count.saturating_sub(before);
        let e = events.entry(name.clone()).or_insert(EventStats {
            count: 0,
            first: s.first,
            last: s.last,
        });
        e.count += delta;
        e.first = e.first.min(s.first);
        e.last = e.last.max(s.last);
    }
    while events.len() > MAX_EVENT_NAMES {
        let oldest = events
            .iter()
            .min_by(|a, b| a.1.last.total_cmp(&b.1.last))
            .map(|(k, _)| k.clone());
        match oldest {
            Some(k) => events.remove(&k),
            None => break,
        };
    }
    out.events = events;
    // Traits: the stored ones, with the keys we changed since base (later wins, removals kept).
    let mut traits = stored.traits.clone();
    for (k, v) in &ours.traits {
        if base.traits.get(k) != Some(v) {
            traits.insert(k.clone(), v.clone());
        }
    }
    for k in base.traits.keys() {
        if !ours.traits.contains_key(k) {
            traits.remove(k);
        }
    }
    out.traits = traits;
    if ours.user_id == base.user_id {
        out.user_id = stored.user_id.clone();
    }
    if ours.anonymous_id == base.anonymous_id {
        out.anonymous_id = stored.anonymous_id.clone();
    }
    // The session: the same one gets both tabs' counts; else the latest wins.
    out.session = match (&ours.session, &stored.session) {
        (Some(o), Some(s)) if o.id == s.id => {
            let mut m = s.clone();
            let (bp, be) = base
                .session
                .as_ref()
                .filter(|b| b.id == o.id)
                .map_or((0, 0), |b| (b.page_views, b.events));
            m.page_views += o.page_views.saturating_sub(bp);
            m.events += o.events.saturating_sub(be);
            m.last_activity = m.last_activity.max(o.last_activity);
            Some(m)
        }
        (Some(o), Some(s)) => Some(if o.last_activity >= s.last_activity {
            o.clone()
        } else {
            s.clone()
        }),
        (o, s) => o.clone().or_else(|| s.clone()),
    };
    out.first_touch = match (&stored.first_touch, &ours.first_touch) {
        (Some(s), Some(o)) => Some(if s.at <= o.at { s.clone() } else { o.clone() }),
        (s, o) => s.clone().or_else(|| o.clone()),
    };
    out.last_touch = match (&stored.last_touch, &ours.last_touch) {
        (Some(s), Some(o)) => Some(if s.at > o.at { s.clone() } else { o.clone() }),
        (s, o) => s.clone().or_else(|| o.clone()),
    };
    for a in &stored.aliases {
        if !out.aliases.contains(a) {
            out.aliases.insert(0, a.clone());
        }
    }
    if let (Some(s), Some(o)) = (&stored.server, &ours.server) {
        if s.fetched_at > o.fetched_at {
            out.server = Some(s.clone());
        }
    } else if out.server.is_none() {
        out.server = stored.server.clone();
    }
    out.exposures =
        crate::core::exposures::merge(&ours.exposures, &base.exposures, &stored.exposures);
    let mut experiments = stored.experiments.clone();
    for (k, v) in &ours.experiments {
        let theirs_unchanged = stored.experiments.get(k) == base.experiments.get(k);
        if !experiments.contains_key(k) || (theirs_unchanged && base.experiments.get(k) != Some(v))
        {
            experiments.insert(k.clone(), v.clone());
        }
    }
    out.experiments = experiments;
    out.created_at = stored.created_at.min(ours.created_at);
    out.updated_at = stored.updated_at.max(ours.updated_at);
    out
}

/// The newest write counter among lock names `<prefix><rev>` (the markers
/// tabs hold for their last profile write; see `web::profile_sync`), or 0.
pub fn newest_marked(names: &[String], prefix: &str) -> u64 {
    let mut newest = 0;
    for name in names {
        let rev = name
            .strip_prefix(prefix)
            .and_then(crate::core::json::num::parse_int)
            .and_then(|n| u64::try_from(n).ok());
        if let Some(rev) = rev {
            newest = newest.max(rev);
        }
    }
    newest
}

#[cfg(test)]
mod tests {
    #[test]
    fn newest_marker_of_this_prefix() {
        let names: Vec<String> = [
            "a:profile-rev:7",
            "a:profile-rev:12",
            "b:profile-rev:99",
            "a:profile-lock",
            "a:profile-rev:x",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(super::newest_marked(&names, "a:profile-rev:"), 12);
        assert_eq!(super::newest_marked(&[], "a:profile-rev:"), 0);
    }

    use super::*;
    use crate::core::event::{Event, EventType};

    fn track(p: &mut Profile, name: &str, now: f64) {
        let e = Event {
            kind: EventType::Track,
            message_id: String::new(),
            anonymous_id: String::new(),
            user_id: None,
            timestamp: String::new(),
            event: Some(name.into()),
            name: None,
            properties: None,
            traits: None,
            group_id: None,
            previous_id: None,
            context: Default::default(),
        };
        p.record(&e, now);
    }

    #[test]
    fn two_tabs_add_up() {
        let base = Profile::new("a".into(), 0.0);
        let (mut tab1, mut tab2) = (base.clone(), base.clone());
        for i in 0..500 {
            track(&mut tab1, "Click", f64::from(i));
            track(&mut tab2, "Click", f64::from(i) + 0.5);
        }
        track(&mut tab2, "Only2", 9.0);
        tab1.traits.insert("plan", "gold".into());
        // Tab 2 writes first; tab 1 merges into what it finds.
        let stored = tab2.clone();
        let merged = merge(&tab1, &base, &stored);
        assert_eq!(merged.events.at("Click").count, 1000);
        assert_eq!(merged.events.at("Only2").count, 1);
        assert_eq!(
            (
                merged.events.at("Click").first,
                merged.events.at("Click").last
            ),
            (0.0, 499.5)
        );
        assert_eq!(merged.traits["plan"], "gold");
        // Merging again with itself as base changes nothing.
        let again = merge(&merged, &merged, &merged);
        assert_eq!(again.events.at("Click").count, 1000);
    }
}

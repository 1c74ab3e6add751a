//! The attribute document the rules read: one JSON object built from the
//! profile and the current page. Its fields are documented in the README
//! ("The attribute document").

use crate::core::device;
use crate::core::event::{Context, PageContext};
use crate::core::profile::Profile;
use serde_json::{json, Map, Value};

/// Builds the document for `profile` on `page` at time `now` (epoch ms);
/// `offset_min` is the local time zone's offset from UTC (east positive).
/// `segments` is filled in afterwards by segment evaluation.
pub fn build(
    profile: &Profile,
    page: &PageContext,
    env: &Context,
    now: f64,
    offset_min: f64,
) -> Value {
    let mut events = Map::with_capacity(profile.events.len());
    for (name, s) in &profile.events {
        events.insert(
            name.clone(),
            json!({"count": s.count, "first": s.first, "last": s.last, "ago": now - s.last}),
        );
    }
    let session = profile.session.as_ref().map_or(Value::Null, |s| {
        json!({
            "id": s.id, "number": s.number, "start": s.start, "pageViews": s.page_views,
            "events": s.events, "durationMs": s.last_activity - s.start,
        })
    });
    let (hour, weekday) = local_time(now, offset_min);
    json!({
        "anonymousId": profile.anonymous_id,
        "userId": profile.user_id,
        "traits": profile.server.as_ref().map_or_else(|| profile.traits.clone(), |sp| sp.merged_traits(&profile.traits)),
        "audiences": profile.server.as_ref().map(|sp| sp.audiences()).unwrap_or_default(),
        "server": profile.server,
        "events": events,
        "session": session,
        "isNewVisitor": profile.session.as_ref().is_none_or(|s| s.number <= 1),
        "channel": profile.last_touch.as_ref().map(|t| t.channel.clone()),
        "firstTouch": profile.first_touch,
        "lastTouch": profile.last_touch,
        "page": {
            "url": page.url,
            "path": page.path,
            "search": page.search,
            "referrer": page.referrer,
            "title": page.title,
            "query": parse_query(&page.search),
        },
        "device": device::describe(env.user_agent.as_deref().unwrap_or(""), env.locale.as_deref()),
        "segments": {},
        "now": now,
        "hour": hour,
        "weekday": weekday,
    })
}

/// Updates `doc` in place after one ordinary event (a page view or a track:
/// no identity, trait or consent change): that event's statistics, every `ago`,
/// the session, the touches and the clock fields. Allocates only for the
/// event's own entry and the session. Returns false if `doc` has no shape to
/// update (build it instead).
pub fn update_after_event(
    doc: &mut Value,
    profile: &Profile,
    name: &str,
    now: f64,
    offset_min: f64,
) -> bool {
    let Some(root) = doc.as_object_mut() else {
        return false;
    };
    let Some(Value::Object(events)) = root.get_mut("events") else {
        return false;
    };
    if events.len() != profile.events.len() && !profile.events.contains_key(name) {
        return false;
    }
    if let Some(s) = profile.events.get(name) {
        events.insert(
            name.to_string(),
            json!({"count": s.count, "first": s.first, "last": s.last, "ago": 0.0}),
        );
    }
    if events.len() != profile.events.len() {
        return false; // an old name was evicted: rebuild
    }
    for (n, entry) in events.iter_mut() {
        if let (Some(stats), Some(ago)) = (profile.events.get(n), entry.get_mut("ago")) {
            *ago = Value::from(now - stats.last);
        }
    }
    let session = profile.session.as_ref().map_or(Value::Null, |s| {
        json!({
            "id": s.id, "number": s.number, "start": s.start, "pageViews": s.page_views,
            "events": s.events, "durationMs": s.last_activity - s.start,
        })
    });
    root.insert("session".into(), session);
    root.insert(
        "isNewVisitor".into(),
        Value::Bool(profile.session.as_ref().is_none_or(|s| s.number <= 1)),
    );
    root.insert(
        "channel".into(),
        profile
            .last_touch
            .as_ref()
            .map_or(Value::Null, |t| Value::String(t.channel.clone())),
    );
    if root.get("firstTouch").is_some_and(Value::is_null) != profile.first_touch.is_none()
        || profile.session.as_ref().is_some_and(|s| s.events == 1)
    {
        root.insert(
            "firstTouch".into(),
            serde_json::to_value(&profile.first_touch).unwrap_or(Value::Null),
        );
        root.insert(
            "lastTouch".into(),
            serde_json::to_value(&profile.last_touch).unwrap_or(Value::Null),
        );
    }
    let (hour, weekday) = local_time(now, offset_min);
    root.insert("now".into(), Value::from(now));
    root.insert("hour".into(), Value::from(hour));
    root.insert("weekday".into(), Value::from(weekday));
    true
}

/// Local hour (0–23) and weekday (0 = Sunday) at `now` with the UTC offset.
fn local_time(now: f64, offset_min: f64) -> (f64, f64) {
    let local = now + offset_min * 60_000.0;
    let days = (local / 86_400_000.0).floor();
    let hour = ((local - days * 86_400_000.0) / 3_600_000.0).floor();
    // 1970-01-01 was a Thursday; 0 = Sunday as in JavaScript's getDay().
    (hour, (days + 4.0).rem_euclid(7.0))
}

/// Parses `?a=1&b=x%20y` into `{"a":"1","b":"x y"}` (first value wins).
pub fn parse_query(search: &str) -> Map<String, Value> {
    let mut out = Map::new();
    for pair in search
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let key = percent_decode(k);
        if !out.contains_key(&key) {
            out.insert(key, Value::String(percent_decode(v)));
        }
    }
    out
}

/// Decodes `%XX` escapes and `+` as space; invalid escapes are kept as they are.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex_val(b[i + 1]), hex_val(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parsing_decodes_and_keeps_first() {
        let q = parse_query("?utm_source=news%20letter&a=1&a=2&flag&bad=%zz&t=%4");
        assert_eq!(q["utm_source"], "news letter");
        assert_eq!(q["a"], "1");
        assert_eq!(q["flag"], "");
        assert_eq!(q["bad"], "%zz");
        assert_eq!(q["t"], "%4");
    }
}

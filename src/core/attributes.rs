//! The attribute document the rules read: one JSON object built from the
//! profile and the current page. Its fields are documented in the README
//! ("The attribute document").

use crate::core::device;
use crate::core::event::{Context, PageContext};
use crate::core::json::{Map, Value};
use crate::core::profile::{finite, EventStats, Profile};
use crate::core::session::Session;

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
        events.insert(name.as_str(), event_entry(s, now - s.last));
    }
    let session = profile.session.as_ref().map_or(Value::Null, session_entry);
    let (hour, weekday) = local_time(now, offset_min);
    let traits = match &profile.server {
        Some(sp) => sp.merged_traits(&profile.traits),
        None => profile.traits.clone(),
    };
    let audiences = match &profile.server {
        Some(sp) => sp.audiences(),
        None => Map::new(),
    };
    let mut page_doc = Map::with_capacity(6);
    page_doc.insert("url", Value::from(page.url.as_str()));
    page_doc.insert("path", Value::from(page.path.as_str()));
    page_doc.insert("search", Value::from(page.search.as_str()));
    page_doc.insert("referrer", Value::from(page.referrer.as_str()));
    page_doc.insert("title", Value::from(page.title.as_str()));
    page_doc.insert("query", Value::Object(parse_query(&page.search)));
    let mut doc = Map::with_capacity(19);
    doc.insert("anonymousId", Value::from(profile.anonymous_id.as_str()));
    doc.insert("userId", Value::from(profile.user_id.as_deref()));
    doc.insert("traits", Value::Object(traits));
    doc.insert("audiences", Value::Object(audiences));
    doc.insert(
        "server",
        profile
            .server
            .as_ref()
            .map_or(Value::Null, |sp| sp.to_value()),
    );
    doc.insert("events", Value::Object(events));
    doc.insert("session", session);
    doc.insert(
        "isNewVisitor",
        Value::Bool(profile.session.as_ref().is_none_or(|s| s.number <= 1)),
    );
    doc.insert(
        "channel",
        Value::from(profile.last_touch.as_ref().map(|t| t.channel.as_str())),
    );
    doc.insert("firstTouch", touch_entry(profile.first_touch.as_ref()));
    doc.insert("lastTouch", touch_entry(profile.last_touch.as_ref()));
    doc.insert("page", Value::Object(page_doc));
    doc.insert(
        "device",
        device::describe(
            env.user_agent.as_deref().unwrap_or(""),
            env.locale.as_deref(),
        ),
    );
    doc.insert("segments", Value::object());
    doc.insert("now", finite(now));
    doc.insert("hour", finite(hour));
    doc.insert("weekday", finite(weekday));
    Value::Object(doc)
}

/// `events.<name>`: `{count, first, last, ago}`.
fn event_entry(s: &EventStats, ago: f64) -> Value {
    let mut m = Map::with_capacity(4);
    m.insert("count", Value::from(s.count));
    m.insert("first", finite(s.first));
    m.insert("last", finite(s.last));
    m.insert("ago", finite(ago));
    Value::Object(m)
}

/// `session`: `{id, number, start, pageViews, events, durationMs}`.
fn session_entry(s: &Session) -> Value {
    let mut m = Map::with_capacity(6);
    m.insert("id", Value::from(s.id.as_str()));
    m.insert("number", Value::from(s.number));
    m.insert("start", finite(s.start));
    m.insert("pageViews", Value::from(s.page_views));
    m.insert("events", Value::from(s.events));
    m.insert("durationMs", finite(s.last_activity - s.start));
    Value::Object(m)
}

fn touch_entry(t: Option<&crate::core::attribution::Touch>) -> Value {
    t.map_or(Value::Null, |t| t.to_value())
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
        events.insert(name, event_entry(s, 0.0));
    }
    if events.len() != profile.events.len() {
        return false; // an old name was evicted: rebuild
    }
    for (n, entry) in events.iter_mut() {
        if let (Some(stats), Some(ago)) = (profile.events.get(n.as_str()), entry.get_mut("ago")) {
            *ago = finite(now - stats.last);
        }
    }
    let session = profile.session.as_ref().map_or(Value::Null, session_entry);
    root.insert("session", session);
    root.insert(
        "isNewVisitor",
        Value::Bool(profile.session.as_ref().is_none_or(|s| s.number <= 1)),
    );
    root.insert(
        "channel",
        profile
            .last_touch
            .as_ref()
            .map_or(Value::Null, |t| Value::String(t.channel.clone())),
    );
    if root.get("firstTouch").is_some_and(Value::is_null) != profile.first_touch.is_none()
        || profile.session.as_ref().is_some_and(|s| s.events == 1)
    {
        root.insert("firstTouch", touch_entry(profile.first_touch.as_ref()));
        root.insert("lastTouch", touch_entry(profile.last_touch.as_ref()));
    }
    let (hour, weekday) = local_time(now, offset_min);
    root.insert("now", finite(now));
    root.insert("hour", finite(hour));
    root.insert("weekday", finite(weekday));
    true
}

/// Local hour (0–23) and weekday (0 = Sunday) at `now` with the UTC offset.
fn local_time(now: f64, offset_min: f64) -> (f64, f64) {
    let local = now + offset_min * 60_000.0;
    let days = (local / 86_400_000.0).floor();
    let hour = ((local - days * 86_400_000.0) / 3_600_000.0).floor();
    // 1970-01-01 was a Thursday; 0 = Sunday as in JavaScript's getDay().
    (hour, rem7(days + 4.0))
}

/// `x.rem_euclid(7.0)` for a whole `x`, exactly, without pulling libm's
/// `fmod` (and the 128-bit division it uses) into the wasm module.
fn rem7(x: f64) -> f64 {
    if !x.is_finite() {
        return f64::NAN;
    }
    if x.abs() < 9.0e15 {
        return (x as i64).rem_euclid(7) as f64;
    }
    // |x| = mantissa · 2^exp (a whole number this large has exp >= 0), and
    // 2^exp mod 7 cycles through 1, 2, 4.
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i64 - 1075;
    let mantissa = (bits & ((1 << 52) - 1)) | (1 << 52);
    let r = (mantissa % 7) * [1, 2, 4][(exp % 3) as usize] % 7;
    let r = if x < 0.0 { (7 - r) % 7 } else { r };
    r as f64
}

/// Parses `?a=1&b=x%20y` into `{"a":"1","b":"x y"}` (first value wins).
pub fn parse_query(search: &str) -> Map {
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
    lossy_utf8(&out)
}

/// `String::from_utf8_lossy`: each maximal ill-formed subsequence becomes
/// U+FFFD (through `str::from_utf8`, which the module has anyway, rather
/// than the lossy chunk iterator).
fn lossy_utf8(mut bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    loop {
        match std::str::from_utf8(bytes) {
            Ok(s) => {
                out.push_str(s);
                return out;
            }
            Err(e) => {
                let (valid, rest) = bytes.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                out.push('\u{FFFD}');
                bytes = &rest[e.error_len().unwrap_or(rest.len())..];
            }
        }
    }
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
    fn lossy_utf8_is_from_utf8_lossy() {
        let cases: [&[u8]; 9] = [
            b"plain",
            b"",
            b"caf\xc3\xa9",
            b"a\xffb",
            b"\xe2\x82",
            b"x\xe2\x82y\xf0\x9f\x98\x80z",
            b"\xf0\x9f\x98",
            b"\xed\xa0\x80\xc0\xaf",
            b"\x80\x80\xf5\xf4\x90\x80\x80",
        ];
        for b in cases {
            assert_eq!(lossy_utf8(b), String::from_utf8_lossy(b), "{b:?}");
        }
    }

    #[test]
    fn rem7_is_rem_euclid() {
        let mut xs = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            6.0,
            7.0,
            -7.0,
            -8.0,
            2f64.powi(60),
            -2f64.powi(60),
        ];
        xs.extend([
            9.0e15,
            -9.0e15,
            9.1e15,
            1.0e300,
            -1.0e300,
            f64::MAX,
            -f64::MAX,
        ]);
        xs.extend((0..2000).map(|i| f64::from(i) * 37.0 - 20_000.0));
        for x in xs {
            assert_eq!(rem7(x), x.rem_euclid(7.0), "{x}");
        }
        assert!(rem7(f64::NAN).is_nan() && rem7(f64::INFINITY).is_nan());
    }

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

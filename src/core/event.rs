//! The event model: Segment-spec messages (`page`, `track`, `identify`, `group`,
//! `alias`) with the common fields every collector of that family accepts.

use crate::cat;
use crate::core::json::{write_str, write_value, Map, Value};
use std::rc::Rc;

/// Name and version of this library, sent as `context.library`.
pub const LIBRARY_NAME: &str = "attune";
/// Version of this library.
pub const LIBRARY_VERSION: &str = env!("CARGO_PKG_VERSION");
/// Largest serialized event accepted; larger ones are rejected, never queued.
pub const MAX_EVENT_BYTES: usize = 32 * 1024;

/// The Segment message types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    /// A page view.
    Page,
    /// A named action.
    Track,
    /// Who the visitor is, with traits.
    Identify,
    /// The visitor's group (company, account).
    Group,
    /// Links a previous id to a new one.
    Alias,
}

/// `context.page`: where the event happened.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageContext {
    /// `location.pathname`.
    pub path: String,
    /// `document.referrer`.
    pub referrer: String,
    /// `location.search`, with its leading `?`.
    pub search: String,
    /// `document.title`.
    pub title: String,
    /// `location.href`.
    pub url: String,
}

/// `context.library`.
#[derive(Debug, Clone, PartialEq)]
pub struct Library {
    /// Always `attune`.
    pub name: String,
    /// The crate version.
    pub version: String,
}

impl Default for Library {
    fn default() -> Self {
        Self {
            name: LIBRARY_NAME.into(),
            version: LIBRARY_VERSION.into(),
        }
    }
}

/// `context`: the environment of an event.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Context {
    /// The page the event happened on.
    pub page: Option<PageContext>,
    /// This library.
    pub library: Library,
    /// UTM parameters and click ids of the arrival.
    pub campaign: Option<Map>,
    /// `navigator.language`.
    pub locale: Option<String>,
    /// IANA time zone.
    pub timezone: Option<String>,
    /// `navigator.userAgent`.
    pub user_agent: Option<String>,
    /// Screen size and density.
    pub screen: Option<Value>,
    /// Anything else (consent, dropped-event counts, …).
    pub extra: Map,
}

/// One Segment-spec message.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Message type.
    pub kind: EventType,
    /// Unique id; collectors deduplicate on it.
    pub message_id: String,
    /// The visitor's anonymous id.
    pub anonymous_id: String,
    /// The known user id, once identified.
    pub user_id: Option<String>,
    /// ISO-8601 UTC time the event happened.
    pub timestamp: String,
    /// Event name (`track`).
    pub event: Option<String>,
    /// Page name (`page`).
    pub name: Option<String>,
    /// Event properties (`page`, `track`).
    pub properties: Option<Map>,
    /// Traits (`identify`, `group`).
    pub traits: Option<Map>,
    /// Group id (`group`).
    pub group_id: Option<String>,
    /// Previous id (`alias`).
    pub previous_id: Option<String>,
    /// Environment, shared by the events of a page view (see
    /// [`crate::core::event_wire::SharedContext`]).
    pub context: Rc<Context>,
}

impl Event {
    /// The name under which this event is counted in the profile:
    /// the `event` of a track, `Page Viewed` for pages, else the type name.
    pub fn profile_name(&self) -> &str {
        match self.kind {
            EventType::Track => self.event.as_deref().unwrap_or(""),
            EventType::Page => "Page Viewed",
            EventType::Identify => "Identify",
            EventType::Group => "Group",
            EventType::Alias => "Alias",
        }
    }
}

impl EventType {
    /// The type's name on the wire (`"track"`, …).
    pub fn name(self) -> &'static str {
        match self {
            EventType::Page => "page",
            EventType::Track => "track",
            EventType::Identify => "identify",
            EventType::Group => "group",
            EventType::Alias => "alias",
        }
    }

    /// The type of a wire name.
    pub fn from_name(name: &str) -> Option<EventType> {
        match name {
            "page" => Some(EventType::Page),
            "track" => Some(EventType::Track),
            "identify" => Some(EventType::Identify),
            "group" => Some(EventType::Group),
            "alias" => Some(EventType::Alias),
            _ => None,
        }
    }
}

impl PageContext {
    /// `{"path","referrer","search","title","url"}`, every key present.
    pub fn to_value(&self) -> Value {
        let mut m = Map::with_capacity(5);
        m.insert("path", Value::from(&self.path));
        m.insert("referrer", Value::from(&self.referrer));
        m.insert("search", Value::from(&self.search));
        m.insert("title", Value::from(&self.title));
        m.insert("url", Value::from(&self.url));
        Value::Object(m)
    }

    /// Reads [`PageContext::to_value`]'s shape; a missing key is empty, other
    /// keys are ignored.
    pub fn from_value(v: &Value) -> Result<Self, String> {
        let m = v.as_object().ok_or("page: expected an object")?;
        let field = |key: &str| -> Result<String, String> {
            match m.get(key) {
                None => Ok(String::new()),
                Some(Value::String(s)) => Ok(s.clone()),
                Some(_) => Err(cat!("page.", key, ": expected a string")),
            }
        };
        Ok(PageContext {
            path: field("path")?,
            referrer: field("referrer")?,
            search: field("search")?,
            title: field("title")?,
            url: field("url")?,
        })
    }

    fn write_json(&self, out: &mut String) {
        out.push_str("{\"path\":");
        write_str(&self.path, out);
        out.push_str(",\"referrer\":");
        write_str(&self.referrer, out);
        out.push_str(",\"search\":");
        write_str(&self.search, out);
        out.push_str(",\"title\":");
        write_str(&self.title, out);
        out.push_str(",\"url\":");
        write_str(&self.url, out);
        out.push('}');
    }
}

impl Library {
    /// `{"name","version"}`.
    pub fn to_value(&self) -> Value {
        let mut m = Map::with_capacity(2);
        m.insert("name", Value::from(&self.name));
        m.insert("version", Value::from(&self.version));
        Value::Object(m)
    }

    /// Reads [`Library::to_value`]'s shape (both keys required).
    pub fn from_value(v: &Value) -> Result<Self, String> {
        let m = v.as_object().ok_or("library: expected an object")?;
        Ok(Library {
            name: required_str(m, "library.name")?,
            version: required_str(m, "library.version")?,
        })
    }
}

impl Context {
    /// The JSON object: `page`, `library`, `campaign`, `locale`, `timezone`,
    /// `userAgent`, `screen` (absent ones left out; `library` always there),
    /// then every `extra` entry at the top level (an `extra` key equal to one
    /// of those wins).
    pub fn to_value(&self) -> Value {
        let mut m = Map::with_capacity(3 + self.extra.len());
        if let Some(p) = &self.page {
            m.insert("page", p.to_value());
        }
        m.insert("library", self.library.to_value());
        if let Some(c) = &self.campaign {
            m.insert("campaign", Value::Object(c.clone()));
        }
        if let Some(s) = &self.locale {
            m.insert("locale", Value::from(s));
        }
        if let Some(s) = &self.timezone {
            m.insert("timezone", Value::from(s));
        }
        if let Some(s) = &self.user_agent {
            m.insert("userAgent", Value::from(s));
        }
        if let Some(s) = &self.screen {
            m.insert("screen", s.clone());
        }
        for (k, v) in &self.extra {
            m.insert(k.clone(), v.clone());
        }
        Value::Object(m)
    }

    /// Reads [`Context::to_value`]'s shape: missing (or `null`) keys are
    /// absent (`library`: this library), every unknown key goes to `extra`.
    pub fn from_value(v: &Value) -> Result<Self, String> {
        let m = v.as_object().ok_or("context: expected an object")?;
        let mut c = Context::default();
        for (k, v) in m {
            match k.as_str() {
                "page" if !v.is_null() => c.page = Some(PageContext::from_value(v)?),
                "library" => c.library = Library::from_value(v)?,
                "campaign" => c.campaign = optional_map(v, "context.campaign")?,
                "locale" => c.locale = optional_str(v, "context.locale")?,
                "timezone" => c.timezone = optional_str(v, "context.timezone")?,
                "userAgent" => c.user_agent = optional_str(v, "context.userAgent")?,
                "screen" => c.screen = (!v.is_null()).then(|| v.clone()),
                "page" => {}
                _ => {
                    c.extra.insert(k.clone(), v.clone());
                }
            }
        }
        Ok(c)
    }

    /// Appends the JSON text: the fields in declaration order, then the
    /// `extra` entries (as they were always written).
    pub fn write_json(&self, out: &mut String) {
        out.push('{');
        if let Some(p) = &self.page {
            out.push_str("\"page\":");
            p.write_json(out);
            out.push(',');
        }
        out.push_str("\"library\":{\"name\":");
        write_str(&self.library.name, out);
        out.push_str(",\"version\":");
        write_str(&self.library.version, out);
        out.push('}');
        if let Some(c) = &self.campaign {
            out.push_str(",\"campaign\":");
            write_map(c, out);
        }
        push_opt_str(out, ",\"locale\":", self.locale.as_deref());
        push_opt_str(out, ",\"timezone\":", self.timezone.as_deref());
        push_opt_str(out, ",\"userAgent\":", self.user_agent.as_deref());
        if let Some(s) = &self.screen {
            out.push_str(",\"screen\":");
            write_value(s, out);
        }
        for (k, v) in &self.extra {
            out.push(',');
            write_str(k, out);
            out.push(':');
            write_value(v, out);
        }
        out.push('}');
    }

    /// The JSON text ([`Context::write_json`]).
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }
}

impl Event {
    /// The message as a JSON value: `type`, `messageId`, `anonymousId`,
    /// `userId`, `timestamp`, `event`, `name`, `properties`, `traits`,
    /// `groupId`, `previousId`, `context` (absent options left out).
    pub fn to_value(&self) -> Value {
        let mut m = Map::with_capacity(8);
        m.insert("type", Value::from(self.kind.name()));
        m.insert("messageId", Value::from(&self.message_id));
        m.insert("anonymousId", Value::from(&self.anonymous_id));
        if let Some(s) = &self.user_id {
            m.insert("userId", Value::from(s));
        }
        m.insert("timestamp", Value::from(&self.timestamp));
        if let Some(s) = &self.event {
            m.insert("event", Value::from(s));
        }
        if let Some(s) = &self.name {
            m.insert("name", Value::from(s));
        }
        if let Some(p) = &self.properties {
            m.insert("properties", Value::Object(p.clone()));
        }
        if let Some(t) = &self.traits {
            m.insert("traits", Value::Object(t.clone()));
        }
        if let Some(s) = &self.group_id {
            m.insert("groupId", Value::from(s));
        }
        if let Some(s) = &self.previous_id {
            m.insert("previousId", Value::from(s));
        }
        m.insert("context", self.context.to_value());
        Value::Object(m)
    }

    /// Reads [`Event::to_value`]'s shape (`type`, `messageId`, `anonymousId`,
    /// `timestamp` and `context` required; other keys ignored).
    pub fn from_value(v: &Value) -> Result<Self, String> {
        let m = v.as_object().ok_or("event: expected an object")?;
        let kind = match m.get("type") {
            Some(Value::String(s)) => EventType::from_name(s)
                .ok_or_else(|| cat!("type: unknown message type \"", s, "\""))?,
            _ => return Err("type: expected a string".to_string()),
        };
        let context = match m.get("context") {
            Some(c) => Context::from_value(c)?,
            None => return Err("context: missing".to_string()),
        };
        Ok(Event {
            kind,
            message_id: required_str(m, "messageId")?,
            anonymous_id: required_str(m, "anonymousId")?,
            user_id: optional_str(&m["userId"], "userId")?,
            timestamp: required_str(m, "timestamp")?,
            event: optional_str(&m["event"], "event")?,
            name: optional_str(&m["name"], "name")?,
            properties: optional_map(&m["properties"], "properties")?,
            traits: optional_map(&m["traits"], "traits")?,
            group_id: optional_str(&m["groupId"], "groupId")?,
            previous_id: optional_str(&m["previousId"], "previousId")?,
            context: Rc::new(context),
        })
    }

    /// The JSON text of the message, fields in the order of
    /// [`Event::to_value`]'s list (the order collectors have always
    /// received), `context` written by [`Context::write_json`].
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(256);
        self.write_json_head(&mut out);
        self.context.write_json(&mut out);
        out.push('}');
        out
    }

    /// Appends everything of [`Event::to_json`] before the context's object
    /// (up to and including `"context":`).
    pub(crate) fn write_json_head(&self, out: &mut String) {
        out.push_str("{\"type\":\"");
        out.push_str(self.kind.name());
        out.push_str("\",\"messageId\":");
        write_str(&self.message_id, out);
        out.push_str(",\"anonymousId\":");
        write_str(&self.anonymous_id, out);
        push_opt_str(out, ",\"userId\":", self.user_id.as_deref());
        out.push_str(",\"timestamp\":");
        write_str(&self.timestamp, out);
        push_opt_str(out, ",\"event\":", self.event.as_deref());
        push_opt_str(out, ",\"name\":", self.name.as_deref());
        if let Some(p) = &self.properties {
            out.push_str(",\"properties\":");
            write_map(p, out);
        }
        if let Some(t) = &self.traits {
            out.push_str(",\"traits\":");
            write_map(t, out);
        }
        push_opt_str(out, ",\"groupId\":", self.group_id.as_deref());
        push_opt_str(out, ",\"previousId\":", self.previous_id.as_deref());
        out.push_str(",\"context\":");
    }
}

/// Appends `key` (already JSON, with its `,` and `:`) and the string, if any.
fn push_opt_str(out: &mut String, key: &str, value: Option<&str>) {
    if let Some(s) = value {
        out.push_str(key);
        write_str(s, out);
    }
}

/// Appends an object's JSON text.
fn write_map(m: &Map, out: &mut String) {
    out.push('{');
    for (i, (k, v)) in m.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_str(k, out);
        out.push(':');
        write_value(v, out);
    }
    out.push('}');
}

/// The string under `path`'s last segment in `m`, required.
fn required_str(m: &Map, path: &str) -> Result<String, String> {
    let key = crate::core::text::after_last(path, b'.');
    match m.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(cat!(path, ": expected a string")),
        None => Err(cat!(path, ": missing")),
    }
}

/// A string or `null` (absent).
fn optional_str(v: &Value, path: &str) -> Result<Option<String>, String> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        _ => Err(cat!(path, ": expected a string")),
    }
}

/// An object or `null` (absent).
fn optional_map(v: &Value, path: &str) -> Result<Option<Map>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Object(m) => Ok(Some(m.clone())),
        _ => Err(cat!(path, ": expected an object")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_segment_field_names() {
        let e = Event {
            kind: EventType::Track,
            message_id: "m".into(),
            anonymous_id: "a".into(),
            user_id: None,
            timestamp: "2026-01-01T00:00:00.000Z".into(),
            event: Some("Order Completed".into()),
            name: None,
            properties: Some(Map::new()),
            traits: None,
            group_id: None,
            previous_id: None,
            context: Rc::default(),
        };
        let v = e.to_value();
        assert_eq!(v["type"], "track");
        assert_eq!(v["messageId"], "m");
        assert_eq!(v["anonymousId"], "a");
        assert_eq!(v["context"]["library"]["name"], "attune");
        assert!(v.get("userId").is_none());
        assert_eq!(e.profile_name(), "Order Completed");
        assert_eq!(
            e.to_json(),
            cat!(
                r#"{"type":"track","messageId":"m","anonymousId":"a","timestamp":"2026-01-01T00:00:00.000Z","event":"Order Completed","properties":{},"context":{"library":{"name":"attune","version":""#,
                LIBRARY_VERSION,
                r#""}}}"#
            ),
            "field order as collectors always received it"
        );
        assert_eq!(Value::parse(&e.to_json()).ok(), Some(v.clone()));
        assert_eq!(Event::from_value(&v).as_ref(), Ok(&e));
    }

    #[test]
    fn contexts_and_pages_round_trip() {
        let mut extra = Map::new();
        extra.insert("consent", Value::from(true));
        let c = Context {
            page: Some(PageContext {
                path: "/p".into(),
                ..PageContext::default()
            }),
            locale: Some("fr".into()),
            screen: Some(Value::from(3)),
            extra,
            ..Context::default()
        };
        let text = c.to_json();
        assert!(
            text.starts_with(
                r#"{"page":{"path":"/p","referrer":"","search":"","title":"","url":""},"library":"#
            ),
            "{text}"
        );
        assert!(
            text.ends_with(r#","locale":"fr","screen":3,"consent":true}"#),
            "{text}"
        );
        let v = c.to_value();
        assert_eq!(Value::parse(&text).ok().as_ref(), Some(&v));
        assert_eq!(Context::from_value(&v).as_ref(), Ok(&c));
        let page = Value::parse(r#"{"url":"u","other":1}"#).unwrap_or_default();
        assert_eq!(
            PageContext::from_value(&page).map(|p| p.url),
            Ok("u".to_string())
        );
        let bad = Value::parse(r#"{"url":1}"#).unwrap_or_default();
        assert_eq!(
            PageContext::from_value(&bad),
            Err("page.url: expected a string".to_string())
        );
        let lib = Value::parse(r#"{}"#).unwrap_or_default();
        assert_eq!(
            Context::from_value(&lib).map(|c| c.library),
            Ok(Library::default())
        );
    }
}

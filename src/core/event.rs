//! The event model: Segment-spec messages (`page`, `track`, `identify`, `group`,
//! `alias`) with the common fields every collector of that family accepts.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::rc::Rc;

/// Name and version of this library, sent as `context.library`.
pub const LIBRARY_NAME: &str = "attune";
/// Version of this library.
pub const LIBRARY_VERSION: &str = env!("CARGO_PKG_VERSION");
/// Largest serialized event accepted; larger ones are rejected, never queued.
pub const MAX_EVENT_BYTES: usize = 32 * 1024;

/// The Segment message types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PageContext {
    /// `location.pathname`.
    #[serde(default)]
    pub path: String,
    /// `document.referrer`.
    #[serde(default)]
    pub referrer: String,
    /// `location.search`, with its leading `?`.
    #[serde(default)]
    pub search: String,
    /// `document.title`.
    #[serde(default)]
    pub title: String,
    /// `location.href`.
    #[serde(default)]
    pub url: String,
}

/// `context.library`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Context {
    /// The page the event happened on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<PageContext>,
    /// This library.
    #[serde(default)]
    pub library: Library,
    /// UTM parameters and click ids of the arrival.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<Map<String, Value>>,
    /// `navigator.language`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// IANA time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// `navigator.userAgent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// Screen size and density.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screen: Option<Value>,
    /// Anything else (consent, dropped-event counts, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One Segment-spec message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// Message type.
    #[serde(rename = "type")]
    pub kind: EventType,
    /// Unique id; collectors deduplicate on it.
    pub message_id: String,
    /// The visitor's anonymous id.
    pub anonymous_id: String,
    /// The known user id, once identified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// ISO-8601 UTC time the event happened.
    pub timestamp: String,
    /// Event name (`track`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// Page name (`page`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Event properties (`page`, `track`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<Map<String, Value>>,
    /// Traits (`identify`, `group`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traits: Option<Map<String, Value>>,
    /// Group id (`group`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// Previous id (`alias`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
        let v = serde_json::to_value(&e).unwrap_or_default();
        assert_eq!(v["type"], "track");
        assert_eq!(v["messageId"], "m");
        assert_eq!(v["anonymousId"], "a");
        assert_eq!(v["context"]["library"]["name"], "attune");
        assert!(v.get("userId").is_none());
        assert_eq!(e.profile_name(), "Order Completed");
    }
}

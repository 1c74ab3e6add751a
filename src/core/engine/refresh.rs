//! Re-evaluation after a change: computed values (metrics, affinities) folded
//! into the profile, the attribute document rules read, and segment membership.

use super::Engine;
use crate::core::attributes;
use crate::core::attribution::campaign_from_query;
use crate::core::consent::Category;
use crate::core::event::{Event, EventType};
use crate::core::json::Value;
use crate::core::profile::Profile;

impl Engine {
    /// Folds `event` into the metrics and affinities.
    pub(super) fn fold_computed(&mut self, event: &mut Event, now: f64) {
        if self.metrics.is_empty() && self.affinities.is_empty() {
            return;
        }
        let props = Value::Object(event.properties.take().unwrap_or_default());
        let name = event.profile_name();
        let session = self.profile.session.as_ref().map(|s| s.id.clone());
        self.metrics.update(
            &mut self.profile.metrics,
            name,
            &props,
            session.as_deref(),
            now,
        );
        self.affinities
            .update(&mut self.profile.affinities, name, &props, now);
    }

    /// Writes `metrics` and `affinities` into the attribute document (empty
    /// without personalization consent).
    pub(super) fn insert_computed(&mut self, now: f64) {
        if self.metrics.is_empty() && self.affinities.is_empty() {
            return;
        }
        let personal = self.consent.allows(Category::Personalization);
        let blank = Profile::new(String::new(), now);
        let source = if personal { &self.profile } else { &blank };
        let session = source.session.as_ref().map(|s| s.id.as_str());
        let metrics = self.metrics.values(&source.metrics, session, now);
        let affinities = self.affinities.values(&source.affinities, now);
        if let Some(root) = self.doc.as_object_mut() {
            root.insert("metrics", Value::Object(metrics));
            root.insert("affinities", Value::Object(affinities));
        }
    }

    /// Re-evaluates after one event: page views and tracks update the
    /// attribute document in place; anything else rebuilds it.
    pub(super) fn refresh_after(&mut self, event: &Event, now: f64) {
        let ordinary = matches!(event.kind, EventType::Page | EventType::Track)
            && self.consent.allows(Category::Personalization);
        if ordinary
            && attributes::update_after_event(
                &mut self.doc,
                &self.profile,
                event.profile_name(),
                now,
                self.local_offset_min,
            )
        {
            self.insert_computed(now);
            self.insert_decision_state(now);
            self.members = self.segments.evaluate(&mut self.doc);
        } else {
            self.refresh();
        }
    }

    pub(super) fn refresh(&mut self) {
        let now = self.clock.now_ms();
        // Without personalization consent, rules see the page, not the profile.
        let anonymous;
        let profile = if self.consent.allows(Category::Personalization) {
            &self.profile
        } else {
            anonymous = Profile::new(self.profile.anonymous_id.clone(), now);
            &anonymous
        };
        self.doc = attributes::build(
            profile,
            &self.page,
            &self.environment,
            now,
            self.local_offset_min,
        );
        if let Some(root) = self.doc.as_object_mut() {
            root.insert("consent", self.consent.to_attributes());
        }
        if let Some(root) = self.doc.as_object_mut() {
            let campaign =
                campaign_from_query(&self.page.search, &self.config.email_campaign_param);
            root.insert("campaign", campaign.map_or(Value::Null, Value::Object));
        }
        self.insert_computed(now);
        self.insert_decision_state(now);
        self.members = self.segments.evaluate(&mut self.doc);
    }
}

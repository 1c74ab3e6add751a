//! The engine: one visitor's SDK state. It turns API calls into events, folds
//! them into the profile, re-evaluates segments, decides slots and queues events
//! in the outbox. Every host capability comes in through [`Platform`].

use crate::core::affinity::Affinities;
use crate::core::attributes;
use crate::core::attribution::{campaign_from_query, classify, Touch};
use crate::core::config::{CollectorConfig, Config};
use crate::core::decide::{Decision, Placements};
use crate::core::error::{AttuneError, Result};
use crate::core::event::{Context, Event, EventType, PageContext, MAX_EVENT_BYTES};
use crate::core::ids::uuid_v4;
use crate::core::metrics::Metrics;
use crate::core::outbox::{Batch, Outbox};
use crate::core::platform::{Clock, Random, Storage};
use crate::core::profile::Profile;
use crate::core::resilient_storage::ResilientStorage;
use crate::core::rules::RegexEngine;
use crate::core::segments::Segments;
use crate::core::session;
use crate::core::time::iso8601;
use serde_json::{Map, Value};
use std::rc::Rc;

/// What the host provides.
pub struct Platform {
    /// Wall clock.
    pub clock: Rc<dyn Clock>,
    /// Random bytes.
    pub random: Rc<dyn Random>,
    /// Persistent key-value store.
    pub storage: Rc<dyn Storage>,
    /// Regular expressions for `$regex` conditions.
    pub regex: Box<dyn RegexEngine>,
}

/// One visitor's SDK state.
pub struct Engine {
    config: Config,
    clock: Rc<dyn Clock>,
    random: Rc<dyn Random>,
    storage: ResilientStorage,
    profile: Profile,
    segments: Segments,
    metrics: Metrics,
    affinities: Affinities,
    placements: Placements,
    outbox: Outbox,
    page: PageContext,
    environment: Context,
    members: Vec<String>,
    doc: Value,
    local_offset_min: f64,
    errors: Vec<AttuneError>,
}

impl Engine {
    /// Starts an engine from a JSON config. Fatal config errors fail; disabled
    /// segments or placements are queued in [`Engine::take_errors`].
    pub fn new(config_json: &Value, platform: Platform) -> Result<Self> {
        let (config, mut errors) = Config::parse(config_json)?;
        let metrics = Metrics::compile(&config.raw, platform.regex.as_ref(), &mut errors);
        let affinities = Affinities::compile(&config.raw, platform.regex.as_ref(), &mut errors);
        let segments = Segments::compile(
            &config.segments,
            platform.regex.as_ref(),
            &metrics.ids(),
            &mut errors,
        );
        let placements =
            Placements::compile(&config.placements, platform.regex.as_ref(), &mut errors);
        let storage = ResilientStorage::new(platform.storage);
        let now = platform.clock.now_ms();
        let profile_key = format!("{}:profile", config.storage_prefix);
        let profile = match storage.get(&profile_key) {
            Ok(Some(text)) => Profile::from_json(&text).unwrap_or_else(|message| {
                errors.push(AttuneError::Corrupt {
                    path: profile_key.clone(),
                    message,
                });
                Profile::new(uuid_v4(platform.random.as_ref()), now)
            }),
            _ => Profile::new(uuid_v4(platform.random.as_ref()), now),
        };
        let mut profile = profile;
        metrics.prune(&mut profile.metrics);
        affinities.prune(&mut profile.affinities);
        let (outbox, outbox_err) =
            Outbox::load(&storage, &format!("{}:outbox", config.storage_prefix));
        errors.extend(outbox_err);
        errors.extend(storage.take_error());
        let mut engine = Engine {
            config,
            clock: platform.clock,
            random: platform.random,
            storage,
            profile,
            segments,
            metrics,
            affinities,
            placements,
            outbox,
            page: PageContext::default(),
            environment: Context::default(),
            members: Vec::new(),
            doc: Value::Null,
            local_offset_min: 0.0,
            errors,
        };
        engine.refresh();
        Ok(engine)
    }

    /// The parsed configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Sets the current page (on load and on SPA navigation) and re-evaluates.
    pub fn set_page(&mut self, page: PageContext) {
        self.page = page;
        self.refresh();
    }

    /// Sets the environment fields copied into every event's context
    /// (locale, timezone, user agent, screen).
    pub fn set_environment(&mut self, context: Context) {
        self.environment = context;
    }

    /// Sets the local time zone's offset from UTC in minutes (east positive),
    /// for the `hour` and `weekday` attributes.
    pub fn set_local_offset(&mut self, minutes: f64) {
        self.local_offset_min = minutes;
        self.refresh();
    }

    /// Records a page view.
    pub fn page(
        &mut self,
        name: Option<String>,
        properties: Option<Map<String, Value>>,
    ) -> Result<()> {
        let mut props = properties.unwrap_or_default();
        for (k, v) in [
            ("path", &self.page.path),
            ("url", &self.page.url),
            ("title", &self.page.title),
        ] {
            props.entry(k).or_insert_with(|| Value::String(v.clone()));
        }
        let mut e = self.new_event(EventType::Page);
        e.name = name;
        e.properties = Some(props);
        self.record(e, "page")
    }

    /// Records a named action.
    pub fn track(&mut self, event: &str, properties: Option<Map<String, Value>>) -> Result<()> {
        if event.trim().is_empty() {
            return Err(AttuneError::input(
                "track.event",
                "expected a non-empty event name",
            ));
        }
        let mut e = self.new_event(EventType::Track);
        e.event = Some(event.to_string());
        e.properties = Some(properties.unwrap_or_default());
        self.record(e, "track")
    }

    /// Identifies the visitor and merges traits (later wins, `null` deletes).
    pub fn identify(
        &mut self,
        user_id: Option<String>,
        traits: Option<Map<String, Value>>,
    ) -> Result<()> {
        if user_id.as_deref().is_some_and(|u| u.is_empty()) {
            return Err(AttuneError::input(
                "identify.userId",
                "expected a non-empty string",
            ));
        }
        let mut e = self.new_event(EventType::Identify);
        if user_id.is_some() {
            e.user_id = user_id;
        }
        e.traits = Some(traits.unwrap_or_default());
        self.record(e, "identify")
    }

    /// Associates the visitor with a group (company, account) and its traits.
    pub fn group(&mut self, group_id: &str, traits: Option<Map<String, Value>>) -> Result<()> {
        if group_id.is_empty() {
            return Err(AttuneError::input(
                "group.groupId",
                "expected a non-empty string",
            ));
        }
        let mut e = self.new_event(EventType::Group);
        e.group_id = Some(group_id.to_string());
        e.traits = Some(traits.unwrap_or_default());
        self.record(e, "group")
    }

    /// Links `previous_id` (default: the current user or anonymous id) to `user_id`.
    pub fn alias(&mut self, user_id: &str, previous_id: Option<String>) -> Result<()> {
        if user_id.is_empty() {
            return Err(AttuneError::input(
                "alias.userId",
                "expected a non-empty string",
            ));
        }
        let previous = previous_id.unwrap_or_else(|| {
            self.profile
                .user_id
                .clone()
                .unwrap_or_else(|| self.profile.anonymous_id.clone())
        });
        let mut e = self.new_event(EventType::Alias);
        e.user_id = Some(user_id.to_string());
        e.previous_id = Some(previous);
        self.record(e, "alias")
    }

    /// Starts a new anonymous identity with an empty profile (a shared device's
    /// log-out). Queued events keep the ids they were recorded with.
    pub fn reset(&mut self) {
        let now = self.clock.now_ms();
        self.profile = Profile::new(uuid_v4(self.random.as_ref()), now);
        self.save_profile();
        self.refresh();
    }

    /// Current segment names.
    pub fn segments(&self) -> &[String] {
        &self.members
    }

    /// Decision for one slot (`None` when no placement names it).
    pub fn decide(&self, slot: &str) -> Option<Decision> {
        self.placements.decide(slot, &self.doc)
    }

    /// Decisions for every placement.
    pub fn decisions(&self) -> Vec<Decision> {
        self.placements.decide_all(&self.doc)
    }

    /// The profile.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The attribute document the rules currently see.
    pub fn attributes(&self) -> &Value {
        &self.doc
    }

    /// The collector, if any.
    pub fn collector(&self) -> Option<&CollectorConfig> {
        self.config.collector.as_ref()
    }

    /// Number of events waiting in the outbox.
    pub fn queued(&self) -> usize {
        self.outbox.len()
    }

    /// Next batch to send, if a collector is set, events are queued and none is in flight.
    pub fn next_batch(&mut self) -> Option<Batch> {
        let format = self.config.collector.as_ref()?.format;
        let sent_at = iso8601(self.clock.now_ms());
        self.outbox
            .next_batch(self.config.flush_at, format, &sent_at)
    }

    /// The collector acknowledged `batch`.
    pub fn batch_sent(&mut self, batch: &Batch) {
        if let Err(e) = self.outbox.ack(&self.storage, batch) {
            self.errors.push(e);
        }
    }

    /// Sending `batch` failed; it stays queued.
    pub fn batch_failed(&mut self, _batch: &Batch) {
        self.outbox.fail();
    }

    /// Errors to report to the host (disabled config items, storage fallbacks, …).
    pub fn take_errors(&mut self) -> Vec<AttuneError> {
        self.errors.extend(self.storage.take_error());
        std::mem::take(&mut self.errors)
    }

    fn new_event(&self, kind: EventType) -> Event {
        let mut context = self.environment.clone();
        context.page = Some(self.page.clone());
        context.campaign =
            campaign_from_query(&self.page.search, &self.config.email_campaign_param);
        Event {
            kind,
            message_id: uuid_v4(self.random.as_ref()),
            anonymous_id: self.profile.anonymous_id.clone(),
            user_id: self.profile.user_id.clone(),
            timestamp: iso8601(self.clock.now_ms()),
            event: None,
            name: None,
            properties: None,
            traits: None,
            group_id: None,
            previous_id: None,
            context,
        }
    }

    fn record(&mut self, mut event: Event, call: &str) -> Result<()> {
        let json =
            serde_json::to_string(&event).map_err(|e| AttuneError::input(call, e.to_string()))?;
        if json.len() > MAX_EVENT_BYTES {
            return Err(AttuneError::EventTooLarge {
                path: call.into(),
                size: json.len(),
                limit: MAX_EVENT_BYTES,
            });
        }
        let now = self.clock.now_ms();
        self.advance_session(&event, now);
        self.profile.record(&event, now);
        self.fold_computed(&mut event, now);
        self.save_profile();
        if self.config.collector.is_some() {
            if let Err(e) = self
                .outbox
                .push(&self.storage, event.message_id.clone(), json)
            {
                self.errors.push(e);
            }
        }
        self.refresh();
        Ok(())
    }

    /// Moves the session on for `event`; a page view arriving through a new
    /// campaign (or after the idle timeout) starts a new session and a new touch.
    fn advance_session(&mut self, event: &Event, now: f64) {
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
        let campaign_name = |c: Option<&Map<String, Value>>| {
            c.and_then(|c| c.get("name").or_else(|| c.get("emailCampaign")))
                .and_then(Value::as_str)
                .map(String::from)
        };
        let name = campaign_name(event.context.campaign.as_ref());
        let key = arrival
            .as_ref()
            .filter(|(channel, _)| channel != "direct")
            .map(|(channel, source)| {
                format!(
                    "{channel}/{}/{}",
                    source.as_deref().unwrap_or(""),
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

    /// Folds `event` into the metrics and affinities (its properties are
    /// taken: the event was already serialized).
    fn fold_computed(&mut self, event: &mut Event, now: f64) {
        if self.metrics.is_empty() && self.affinities.is_empty() {
            return;
        }
        let props = Value::Object(event.properties.take().unwrap_or_default());
        let name = event.profile_name();
        let session = self.profile.session.as_ref().map(|s| s.id.as_str());
        self.metrics
            .update(&mut self.profile.metrics, name, &props, session, now);
        self.affinities
            .update(&mut self.profile.affinities, name, &props, now);
    }

    fn save_profile(&mut self) {
        let key = format!("{}:profile", self.config.storage_prefix);
        if let Err(e) = self.storage.set(&key, &self.profile.to_json()) {
            self.errors.push(e);
        }
    }

    fn refresh(&mut self) {
        self.doc = attributes::build(
            &self.profile,
            &self.page,
            &self.environment,
            self.clock.now_ms(),
            self.local_offset_min,
        );
        if let Some(root) = self.doc.as_object_mut() {
            let campaign =
                campaign_from_query(&self.page.search, &self.config.email_campaign_param);
            root.insert(
                "campaign".into(),
                campaign.map_or(Value::Null, Value::Object),
            );
            let now = self.clock.now_ms();
            let session = self.profile.session.as_ref().map(|s| s.id.as_str());
            let metrics = self.metrics.values(&self.profile.metrics, session, now);
            root.insert("metrics".into(), Value::Object(metrics));
            let affinities = self.affinities.values(&self.profile.affinities, now);
            root.insert("affinities".into(), Value::Object(affinities));
        }
        self.members = self.segments.evaluate(&mut self.doc);
    }
}

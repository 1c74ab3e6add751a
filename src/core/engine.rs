//! The engine: one visitor's SDK state. It turns API calls into events, folds
//! them into the profile, re-evaluates segments, decides slots and queues events
//! in the outbox. Every host capability comes in through [`Platform`].

use crate::cat;
use crate::core::affinity::Affinities;
use crate::core::attributes;
use crate::core::attribution::campaign_from_query;
use crate::core::config::{CollectorConfig, Config};
use crate::core::consent::{Category, ConsentConfig, ConsentState};
use crate::core::decide::Placements;
use crate::core::delivery::{Delivery, Env};
use crate::core::delivery_policy::Gate;
use crate::core::error::{AttuneError, Result};
use crate::core::event::{Context, Event, EventType, PageContext, MAX_EVENT_BYTES};
use crate::core::event_wire::SharedContext;
use crate::core::ids::uuid_v4;
use crate::core::json::{Map, Value};
use crate::core::metrics::Metrics;
use crate::core::minimize::MinimizeConfig;
use crate::core::outbox::Record;
use crate::core::platform::{Clock, Random, Storage};
use crate::core::profile::Profile;
use crate::core::resilient_storage::ResilientStorage;
use crate::core::rules::RegexEngine;
use crate::core::segments::Segments;
use crate::core::time::iso8601;
use std::rc::Rc;

mod decisions;
mod inspect;
mod privacy;
mod profile_store;
mod refresh;
mod session_touch;
pub use privacy::ForgetRequest;

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
    /// Kept for `explain` (sub-conditions are compiled on demand).
    regex: Box<dyn RegexEngine>,
    display: crate::core::placement::DisplayOptions,
    /// What `cache_decisions` last wrote.
    decision_cache: String,
    delivery: Delivery,
    /// What delivery may do now (consent's gate: analytics stores and sends).
    gate: Gate,
    page: PageContext,
    /// The campaign parameters of `page`'s query, read once per page.
    page_campaign: Option<Map>,
    environment: Context,
    /// `environment` + `page` + `page_campaign`, shared by every new event,
    /// with its JSON (rebuilt whenever one of them changes).
    shared: SharedContext,
    members: Vec<String>,
    doc: Value,
    local_offset_min: f64,
    errors: Vec<AttuneError>,
    consent: ConsentState,
    minimize: MinimizeConfig,
    /// Events recorded before their category was decided (opt-in), bounded.
    held: Vec<(Category, Record)>,
    /// What the privacy signals did, for the log (never silent).
    notes: Vec<String>,
    /// The profile changed since it was last written.
    profile_dirty: bool,
    /// The profile as last read from or written to storage (the merge base).
    profile_base: Profile,
    /// Event calls skip the segment pass until [`Engine::settle`].
    deferred: bool,
    /// A deferred event call left the segment pass undone.
    refresh_pending: bool,
    /// The event names deferred calls counted (`None`: rebuild everything).
    deferred_names: Option<Vec<String>>,
}

/// Most distinct event names a deferred pass updates one by one; beyond, it
/// rebuilds the attribute document.
const MAX_DEFERRED_NAMES: usize = 8;

impl Engine {
    /// Starts an engine from a JSON config. Fatal config errors fail; disabled
    /// segments or placements are queued in [`Engine::take_errors`].
    pub fn new(config_json: &Value, platform: Platform) -> Result<Self> {
        let (config, mut errors) = Config::parse(config_json)?;
        let consent_config = ConsentConfig::parse(config.raw.get("consent"))?;
        let minimize = MinimizeConfig::parse(config.raw.get("privacy"))?;
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
        let display = crate::core::placement::DisplayOptions::parse(&config.raw, &mut errors);
        if let Some(i) = crate::core::config_keys::strict(&errors).filter(|_| config.strict) {
            return Err(errors.swap_remove(i));
        }
        let storage = ResilientStorage::new(platform.storage);
        let now = platform.clock.now_ms();
        let profile_key = cat!(config.storage_prefix, ":profile");
        let profile = match storage.get(&profile_key) {
            Ok(Some(text)) => Profile::from_json(&text).unwrap_or_else(|message| {
                errors.push(AttuneError::from(crate::core::ErrorKind::Corrupt {
                    path: profile_key.clone(),
                    message,
                }));
                Profile::new(uuid_v4(platform.random.as_ref()), now)
            }),
            _ => Profile::new(uuid_v4(platform.random.as_ref()), now),
        };
        let mut profile = profile;
        metrics.prune(&mut profile.metrics);
        affinities.prune(&mut profile.affinities);
        // A UUID is ASCII: its first 8 bytes are its first 8 characters.
        let mut writer = uuid_v4(platform.random.as_ref());
        writer.truncate(8);
        let mut delivery = Delivery::new(config.delivery.clone(), &config.storage_prefix, &writer);
        errors.append(&mut delivery.reload(&Env {
            storage: &storage,
            random: platform.random.as_ref(),
            now,
            gate: Gate::OPEN,
        }));
        if let Some(e) = storage.take_error() {
            errors.push(e);
        }
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
            regex: platform.regex,
            display,
            decision_cache: String::new(),
            delivery,
            gate: Gate::OPEN,
            page: PageContext::default(),
            page_campaign: None,
            environment: Context::default(),
            shared: SharedContext::default(),
            members: Vec::new(),
            doc: Value::Null,
            local_offset_min: 0.0,
            errors,
            consent: ConsentState::new(consent_config, false, false),
            minimize,
            held: Vec::new(),
            notes: Vec::new(),
            profile_dirty: false,
            profile_base: Profile::new(String::new(), now),
            deferred: false,
            refresh_pending: false,
            deferred_names: None,
        };
        engine.profile_base = engine.profile.clone();
        engine.restore_consent();
        engine.refresh();
        Ok(engine)
    }

    /// The parsed configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Sets the current page (on load and on SPA navigation) and re-evaluates.
    pub fn set_page(&mut self, page: PageContext) {
        self.settle();
        self.page_campaign = campaign_from_query(&page.search, &self.config.email_campaign_param);
        self.page = page;
        self.share_context();
        self.refresh();
    }

    /// The current page context.
    pub fn page_context(&self) -> &PageContext {
        &self.page
    }

    /// Sets the environment fields copied into every event's context
    /// (locale, timezone, user agent, screen).
    pub fn set_environment(&mut self, context: Context) {
        self.environment = context;
        self.share_context();
    }

    /// Rebuilds the context new events share from the environment, the page
    /// and its campaign.
    fn share_context(&mut self) {
        let mut context = self.environment.clone();
        context.page = Some(self.page.clone());
        context.campaign.clone_from(&self.page_campaign);
        self.shared = SharedContext::new(context);
    }

    /// Sets the local time zone's offset from UTC in minutes (east positive),
    /// for the `hour` and `weekday` attributes.
    pub fn set_local_offset(&mut self, minutes: f64) {
        self.local_offset_min = minutes;
        self.refresh();
    }

    /// Records a page view.
    pub fn page(&mut self, name: Option<String>, properties: Option<Map>) -> Result<()> {
        let mut props = properties.unwrap_or_default();
        for (k, v) in [
            ("path", &self.page.path),
            ("url", &self.page.url),
            ("title", &self.page.title),
        ] {
            props.entry_or_insert_with(k, || Value::String(v.clone()));
        }
        let mut e = self.new_event(EventType::Page);
        e.name = name;
        e.properties = Some(props);
        self.record(e, "page")
    }

    /// Records a named action.
    pub fn track(&mut self, event: &str, properties: Option<Map>) -> Result<()> {
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
    pub fn identify(&mut self, user_id: Option<String>, traits: Option<Map>) -> Result<()> {
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
    pub fn group(&mut self, group_id: &str, traits: Option<Map>) -> Result<()> {
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
        self.settle();
        let now = self.clock.now_ms();
        self.profile = Profile::new(uuid_v4(self.random.as_ref()), now);
        // The last visitor's cached decisions must not paint for the next one.
        self.decision_cache.clear();
        let key = cat!(self.config.storage_prefix, ":decisions");
        if let Err(e) = self.storage.remove(&key) {
            self.errors.push(e);
        }
        self.save_profile();
        self.refresh();
    }

    /// Where to fetch server-seeded profile data from, if configured.
    pub fn seed_request(&self) -> Result<Option<(String, f64)>> {
        let cfg = crate::core::seed::SeedConfig::parse(self.config.raw.get("profile"))?;
        Ok(cfg.map(|c| {
            (
                c.request_url(&self.profile.anonymous_id, self.profile.user_id.as_deref()),
                c.timeout_ms,
            )
        }))
    }

    /// Merges the profile endpoint's answer and re-evaluates.
    pub fn apply_seed(&mut self, response: &Value) -> Result<()> {
        self.settle();
        let sp = crate::core::seed::ServerProfile::parse(response, self.clock.now_ms())?;
        self.profile.server = Some(sp);
        self.save_profile();
        self.refresh();
        Ok(())
    }

    /// Current segment names.
    pub fn segments(&self) -> &[String] {
        &self.members
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
        self.delivery.queued()
    }

    /// The delivery state machine together with what it needs from the host
    /// (storage, randomness, the time and the consent gate).
    pub fn delivery(&mut self) -> (&mut Delivery, Env<'_>) {
        let env = Env {
            storage: &self.storage,
            random: self.random.as_ref(),
            now: self.clock.now_ms(),
            gate: self.gate,
        };
        (&mut self.delivery, env)
    }

    /// Errors to report to the host (disabled config items, storage fallbacks, …).
    pub fn take_errors(&mut self) -> Vec<AttuneError> {
        if let Some(e) = self.storage.take_error() {
            self.errors.push(e);
        }
        std::mem::take(&mut self.errors)
    }

    fn new_event(&self, kind: EventType) -> Event {
        let context = self.shared.handle();
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
        let json = self.outgoing_json(&event);
        if json.len() > MAX_EVENT_BYTES {
            return Err(AttuneError::from(crate::core::ErrorKind::EventTooLarge {
                path: call.into(),
                size: json.len(),
                limit: MAX_EVENT_BYTES,
            }));
        }
        let now = self.clock.now_ms();
        self.advance_session(&event, now);
        self.store(&mut event, json, now);
        if self.deferred {
            self.defer_pass(&event);
            return Ok(());
        }
        self.refresh_after(&event, now);
        self.note_membership(now);
        Ok(())
    }

    /// Event calls from now on fold into the profile and the outbox at once
    /// but leave the attribute document, the segment pass and the
    /// `Segment Entered`/`Exited` events to the next [`Engine::settle`], so a
    /// burst of calls pays for one pass. Calls that read or decide settle first.
    pub fn defer_refresh(&mut self) {
        self.deferred = true;
    }

    /// Ends [`Engine::defer_refresh`]: one segment pass over everything
    /// recorded meanwhile, and the membership events it implies.
    pub fn settle(&mut self) {
        self.deferred = false;
        if !std::mem::take(&mut self.refresh_pending) {
            return;
        }
        let now = self.clock.now_ms();
        let names = std::mem::take(&mut self.deferred_names);
        let incremental = names.as_ref().is_some_and(|names| {
            names.iter().all(|name| {
                attributes::update_after_event(
                    &mut self.doc,
                    &self.profile,
                    name,
                    now,
                    self.local_offset_min,
                )
            })
        });
        if incremental {
            self.insert_computed(now);
            self.insert_decision_state(now);
            self.members = self.segments.evaluate(&mut self.doc);
        } else {
            self.refresh();
        }
        self.note_membership(now);
    }

    /// Notes what the deferred pass must bring up to date for `event`: the
    /// counts of a few event names (the incremental path of
    /// [`Engine::refresh_after`]), or everything.
    fn defer_pass(&mut self, event: &Event) {
        let first = !std::mem::replace(&mut self.refresh_pending, true);
        if first {
            self.deferred_names = Some(Vec::new());
        }
        let ordinary = matches!(event.kind, EventType::Page | EventType::Track)
            && self.consent.allows(Category::Personalization);
        let name = event.profile_name();
        match &mut self.deferred_names {
            Some(names) if ordinary && names.iter().any(|n| n == name) => {}
            Some(names) if ordinary && names.len() < MAX_DEFERRED_NAMES => {
                names.push(name.to_string());
            }
            _ => self.deferred_names = None,
        }
    }

    /// True while deferred event calls wait for [`Engine::settle`].
    pub fn unsettled(&self) -> bool {
        self.refresh_pending
    }

    /// Stores a membership change in the profile and records it as events.
    fn note_membership(&mut self, now: f64) {
        if self.profile.segments != self.members {
            let before = std::mem::replace(&mut self.profile.segments, self.members.clone());
            if self.config.segment_events {
                self.track_segment_changes(&before, now);
            }
            self.save_profile();
        }
    }

    /// Folds an event into the profile and queues it for delivery.
    /// The event's properties are moved out (into the metrics), not copied.
    fn store(&mut self, event: &mut Event, json: String, now: f64) {
        self.profile.record(event, now);
        self.fold_computed(event, now);
        self.save_profile();
        if !self.delivery.collectors().is_empty() {
            let category = privacy::category_of_name(event.event.as_deref());
            self.queue(Record::new(event.message_id.clone(), now, json), category);
        }
    }

    /// Records `Segment Entered`/`Segment Exited` for membership changes, so
    /// other channels learn them; these events do not re-trigger evaluation.
    fn track_segment_changes(&mut self, before: &[String], now: f64) {
        let mut changes: Vec<(&str, String)> = Vec::new();
        for s in &self.members {
            if !before.contains(s) {
                changes.push(("Segment Entered", s.clone()));
            }
        }
        for s in before {
            if !self.members.contains(s) {
                changes.push(("Segment Exited", s.clone()));
            }
        }
        for (name, segment) in changes {
            let mut e = self.new_event(EventType::Track);
            e.event = Some(name.into());
            let mut props = Map::new();
            props.insert("segment", Value::String(segment));
            e.properties = Some(props);
            let json = self.shared.event_json(&e);
            self.store(&mut e, json, now);
        }
    }
}

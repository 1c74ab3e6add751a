//! The engine's profile record in storage: coalesced writes that fold in
//! what other tabs stored meanwhile, and records adopted from another replica
//! of the visitor (worker mode).

use super::Engine;
use crate::core::consent::Category;
use crate::core::error::{AttuneError, Result};
use crate::core::platform::Storage;
use crate::core::profile::Profile;

impl Engine {
    /// Marks the profile for the next [`Engine::persist_profile`] (writes are
    /// coalesced by the host: once per short window and at page exit).
    pub(super) fn save_profile(&mut self) {
        if self.consent.allows(Category::Personalization) {
            self.profile_dirty = true;
        }
    }

    /// True while profile changes are not written yet.
    pub fn profile_dirty(&self) -> bool {
        self.profile_dirty
    }

    /// Writes the profile if it changed, first folding in what other tabs
    /// stored since this one last read or wrote it, so no update is lost.
    /// Returns the write counter ([`Profile::rev`]) of the record written.
    pub fn persist_profile(&mut self) -> Option<u64> {
        self.settle();
        if !self.profile_dirty || !self.consent.allows(Category::Personalization) {
            self.profile_dirty = false;
            return None;
        }
        let key = self.profile_key();
        let mut stored_rev = 0;
        if let Ok(Some(text)) = self.storage.get(&key) {
            if let Ok(stored) = Profile::from_json(&text) {
                stored_rev = stored.rev;
                if stored != self.profile_base {
                    self.profile = crate::core::profile_merge::merge(
                        &self.profile,
                        &self.profile_base,
                        &stored,
                    );
                }
            }
        }
        self.profile.rev = stored_rev.max(self.profile.rev) + 1;
        match self.storage.set(&key, &self.profile.to_json()) {
            Ok(()) => {
                self.profile_dirty = false;
                self.profile_base = self.profile.clone();
                Some(self.profile.rev)
            }
            Err(e) => {
                self.errors.push(e);
                None
            }
        }
    }

    /// Replaces the profile with `text` (a [`Profile`] record, as
    /// [`Profile::to_json`] writes it) and re-evaluates without membership
    /// events: the state another replica of this visitor reached (see
    /// `core::op`). Nothing is written; the record is the new merge base.
    pub fn adopt_profile(&mut self, text: &str) -> Result<()> {
        let mut profile = Profile::from_json(text).map_err(|message| AttuneError::Corrupt {
            path: "profile".into(),
            message,
        })?;
        self.metrics.prune(&mut profile.metrics);
        self.affinities.prune(&mut profile.affinities);
        self.profile_base = profile.clone();
        self.profile = profile;
        self.profile_dirty = false;
        self.deferred = false;
        self.refresh_pending = false;
        self.deferred_names = None;
        self.refresh();
        Ok(())
    }

    /// Marks an adopted profile record for writing to this engine's storage
    /// (personalization consent permitting) when it holds anything of the
    /// visitor: one stored before (`rev` above 0; a worker's record may be
    /// created after the ops it holds, which carry the page's times) or
    /// changed since its creation. A record never stored nor changed (right
    /// after `forget()`) stays unwritten, as on the replica that forgot.
    pub fn keep_adopted_profile(&mut self) {
        if self.profile.rev > 0 || self.profile.updated_at > self.profile.created_at {
            self.save_profile();
        }
    }

    /// The write counter of the stored profile record, as this tab reads it
    /// now (`None`: no readable record).
    pub fn stored_profile_rev(&self) -> Option<u64> {
        let text = self.storage.get(&self.profile_key()).ok().flatten()?;
        Profile::from_json(&text).ok().map(|p| p.rev)
    }

    pub(super) fn profile_key(&self) -> String {
        format!("{}:profile", self.config.storage_prefix)
    }
}

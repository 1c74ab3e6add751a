//! The engine's profile record in storage: coalesced writes that fold in
//! what other tabs stored meanwhile.

use super::Engine;
use crate::cat;
use crate::core::consent::Category;
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

    /// The write counter of the stored profile record, as this tab reads it
    /// now (`None`: no readable record).
    pub fn stored_profile_rev(&self) -> Option<u64> {
        let text = self.storage.get(&self.profile_key()).ok().flatten()?;
        Profile::from_json(&text).ok().map(|p| p.rev)
    }

    pub(super) fn profile_key(&self) -> String {
        cat!(self.config.storage_prefix, ":profile")
    }
}

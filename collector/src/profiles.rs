//! Server-side profiles (traits, segments, exposures) keyed by `userId` or
//! `anonymousId`, standing in for a CRM or store in cross-channel demos.

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// What is known about one id.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Profile {
    /// Trait values.
    pub traits: Map<String, Value>,
    /// Segment memberships (usually segment keys).
    pub segments: Vec<Value>,
    /// Experiment or content exposures.
    pub exposures: Vec<Value>,
}

/// Body of `POST /v1/profile` (and each entry of a `--profiles` file).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileUpdate {
    /// Anonymous id to update.
    pub anonymous_id: Option<String>,
    /// User id to update.
    pub user_id: Option<String>,
    /// Traits merged shallowly; a `null` value removes the trait.
    #[serde(default)]
    pub traits: Map<String, Value>,
    /// Segments added (kept unique, in order).
    #[serde(default)]
    pub segments: Vec<Value>,
    /// Exposures appended (exact repeats are skipped).
    #[serde(default)]
    pub exposures: Vec<Value>,
    /// Replace the profile instead of merging into it.
    #[serde(default)]
    pub replace: bool,
}

/// Which id a lookup matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Matched {
    /// Found by `userId`.
    UserId,
    /// Found by `anonymousId`.
    AnonymousId,
}

impl Matched {
    /// JSON name of the id field.
    pub fn as_str(self) -> &'static str {
        match self {
            Matched::UserId => "userId",
            Matched::AnonymousId => "anonymousId",
        }
    }
}

/// All profiles.
#[derive(Debug, Default)]
pub struct Profiles {
    by_user: HashMap<String, Profile>,
    by_anonymous: HashMap<String, Profile>,
}

impl Profiles {
    /// Loads seed profiles from a JSON file holding an array of [`ProfileUpdate`]s
    /// (or an object with such an array under `"profiles"`).
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let value: Value =
            serde_json::from_slice(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let list = match value {
            Value::Object(mut map) => map.remove("profiles").unwrap_or(Value::Null),
            other => other,
        };
        let updates: Vec<ProfileUpdate> = serde_json::from_value(list)
            .map_err(|e| format!("{}: expected an array of profiles: {e}", path.display()))?;
        let mut profiles = Self::default();
        for (i, update) in updates.into_iter().enumerate() {
            profiles
                .apply(update)
                .map_err(|e| format!("{}: profile {i}: {e}", path.display()))?;
        }
        Ok(profiles)
    }

    /// The profile for `user_id` if known, else for `anonymous_id`.
    pub fn get(
        &self,
        anonymous_id: Option<&str>,
        user_id: Option<&str>,
    ) -> Option<(Profile, Matched)> {
        if let Some(p) = user_id.and_then(|u| self.by_user.get(u)) {
            return Some((p.clone(), Matched::UserId));
        }
        anonymous_id
            .and_then(|a| self.by_anonymous.get(a))
            .map(|p| (p.clone(), Matched::AnonymousId))
    }

    /// Merges (or with `replace`, sets) `update` into the profile of every id it
    /// names and returns the resulting profile (the user's when both are named).
    pub fn apply(&mut self, update: ProfileUpdate) -> Result<Profile, String> {
        let user = update.user_id.clone().filter(|s| !s.is_empty());
        let anonymous = update.anonymous_id.clone().filter(|s| !s.is_empty());
        if user.is_none() && anonymous.is_none() {
            return Err("anonymousId or userId is required".into());
        }
        let mut result = Profile::default();
        if let Some(a) = anonymous {
            let profile = self.by_anonymous.entry(a).or_default();
            merge(profile, &update);
            result = profile.clone();
        }
        if let Some(u) = user {
            let profile = self.by_user.entry(u).or_default();
            merge(profile, &update);
            result = profile.clone();
        }
        Ok(result)
    }

    /// Removes the profiles of the given ids; returns how many existed.
    pub fn forget(&mut self, anonymous_id: Option<&str>, user_id: Option<&str>) -> usize {
        let a = anonymous_id
            .and_then(|a| self.by_anonymous.remove(a))
            .is_some();
        let u = user_id.and_then(|u| self.by_user.remove(u)).is_some();
        usize::from(a) + usize::from(u)
    }

    /// Number of stored profiles (both kinds of id).
    pub fn len(&self) -> usize {
        self.by_user.len() + self.by_anonymous.len()
    }

    /// True when no profile is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn merge(profile: &mut Profile, update: &ProfileUpdate) {
    if update.replace {
        *profile = Profile::default();
    }
    for (key, value) in &update.traits {
        if value.is_null() {
            profile.traits.remove(key);
        } else {
            profile.traits.insert(key.clone(), value.clone());
        }
    }
    for segment in &update.segments {
        if !profile.segments.contains(segment) {
            profile.segments.push(segment.clone());
        }
    }
    for exposure in &update.exposures {
        if !profile.exposures.contains(exposure) {
            profile.exposures.push(exposure.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn update(v: Value) -> ProfileUpdate {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn merge_replace_lookup_forget() {
        let mut p = Profiles::default();
        assert!(p.apply(update(json!({"traits": {}}))).is_err());
        p.apply(update(
            json!({"anonymousId": "a1", "traits": {"plan": "free", "x": 1}, "segments": ["s1"]}),
        ))
        .unwrap();
        let merged = p
            .apply(update(json!({"anonymousId": "a1", "traits": {"plan": "pro", "x": null}, "segments": ["s1", "s2"], "exposures": [{"exp": "e", "variant": "b"}]})))
            .unwrap();
        assert_eq!(
            merged.traits,
            json!({"plan": "pro"}).as_object().unwrap().clone()
        );
        assert_eq!(merged.segments, vec![json!("s1"), json!("s2")]);
        assert_eq!(merged.exposures.len(), 1);

        p.apply(update(json!({"userId": "u1", "traits": {"vip": true}})))
            .unwrap();
        let (found, by) = p.get(Some("a1"), Some("u1")).unwrap();
        assert_eq!(
            (by, found.traits["vip"].clone()),
            (Matched::UserId, json!(true))
        );
        let (_, by) = p.get(Some("a1"), Some("nobody")).unwrap();
        assert_eq!(by, Matched::AnonymousId);
        assert!(p.get(None, None).is_none());

        let replaced = p
            .apply(update(
                json!({"userId": "u1", "replace": true, "segments": ["only"]}),
            ))
            .unwrap();
        assert!(replaced.traits.is_empty());
        assert_eq!(p.forget(Some("a1"), Some("u1")), 2);
        assert!(p.is_empty());
    }

    #[test]
    fn load_seed_file() {
        let dir = std::env::temp_dir().join(format!("attune-profiles-unit-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let file = dir.join("p.json");
        fs::write(
            &file,
            r#"{"profiles":[{"userId":"u","traits":{"tier":"gold"}}]}"#,
        )
        .unwrap();
        let p = Profiles::load(&file).unwrap();
        assert_eq!(p.get(None, Some("u")).unwrap().0.traits["tier"], "gold");
        fs::write(&file, r#"[{"traits":{}}]"#).unwrap();
        assert!(Profiles::load(&file).is_err());
        fs::write(&file, "not json").unwrap();
        assert!(Profiles::load(&file).is_err());
        let _ = fs::remove_dir_all(&dir);
    }
}

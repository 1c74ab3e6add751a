//! [`KeyMap`]: a map from `String` keys kept as a vector sorted by key.
//!
//! JSON objects ([`crate::core::json::Map`]) and the profile's per-name
//! tables (events, metrics, affinities, experiments, exposures) are small
//! (a few to a few hundred keys), and a `BTreeMap` per value type costs the wasm module
//! a whole tree implementation each (insert, remove with rebalancing, clone,
//! drop, iteration). A sorted vector with binary search iterates in the same
//! key order and compiles to a few small functions per value type.

/// A map from `String` keys, iterated in key (byte) order, like a `BTreeMap<String, V>`.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyMap<V> {
    entries: Vec<(String, V)>,
}

impl<V> Default for KeyMap<V> {
    fn default() -> Self {
        KeyMap {
            entries: Vec::new(),
        }
    }
}

/// Where `key` is in sorted `keys`, or where it would go.
fn find<V>(entries: &[(String, V)], key: &str) -> Result<usize, usize> {
    entries.binary_search_by(|(k, _)| k.as_str().cmp(key))
}

impl<V> KeyMap<V> {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<&V> {
        match find(&self.entries, key) {
            Ok(i) => Some(&self.entries[i].1),
            Err(_) => None,
        }
    }

    /// The value under `key`, mutably.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        match find(&self.entries, key) {
            Ok(i) => Some(&mut self.entries[i].1),
            Err(_) => None,
        }
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        find(&self.entries, key).is_ok()
    }

    /// An empty map with room for `n` keys.
    pub fn with_capacity(n: usize) -> Self {
        KeyMap {
            entries: Vec::with_capacity(n),
        }
    }

    /// Sets `key` to `value` (the value it replaced, if any, is dropped: see
    /// [`KeyMap::replace`] to get it back).
    #[inline]
    pub fn insert(&mut self, key: impl Into<String>, value: V) {
        self.set(key.into(), value);
    }

    /// Sets `key` to `value`, returning the value it replaced.
    #[inline]
    pub fn replace(&mut self, key: impl Into<String>, value: V) -> Option<V> {
        self.replace_owned(key.into(), value)
    }

    // One instance per value type, whatever the caller's key type.
    fn set(&mut self, key: String, value: V) {
        self.replace_owned(key, value);
    }

    fn replace_owned(&mut self, key: String, value: V) -> Option<V> {
        match find(&self.entries, &key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    /// Appends an entry while building a map from already sorted, distinct
    /// keys (the JSON parser's common case); falls back to
    /// [`KeyMap::insert`] when the key does not sort after the last one.
    pub(crate) fn push_sorted(&mut self, key: String, value: V) {
        match self.entries.last() {
            Some((last, _)) if last.as_str() >= key.as_str() => {
                self.insert(key, value);
            }
            _ => self.entries.push((key, value)),
        }
    }

    /// The value under `key`, inserted by `make` when absent.
    pub fn entry_or_insert_with(&mut self, key: &str, make: impl FnOnce() -> V) -> &mut V {
        let i = match find(&self.entries, key) {
            Ok(i) => i,
            Err(i) => {
                self.entries.insert(i, (key.to_string(), make()));
                i
            }
        };
        &mut self.entries[i].1
    }

    /// Moves every entry of `other` in (later wins).
    pub fn append(&mut self, other: &mut KeyMap<V>) {
        for (k, v) in other.entries.drain(..) {
            self.insert(k, v);
        }
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<V> {
        match find(&self.entries, key) {
            Ok(i) => Some(self.entries.remove(i).1),
            Err(_) => None,
        }
    }

    /// The slot of `key`, filled by [`Entry::or_insert_with`] and friends when absent.
    pub fn entry(&mut self, key: String) -> Entry<'_, V> {
        Entry { map: self, key }
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Removes every key.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Keeps the entries for which `keep` holds.
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &mut V) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
    }

    /// Entries in key order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&String, &V)> + ExactSizeIterator {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// Entries in key order, values mutable.
    pub fn iter_mut(&mut self) -> impl DoubleEndedIterator<Item = (&String, &mut V)> {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }

    /// Keys in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &String> + ExactSizeIterator {
        self.entries.iter().map(|(k, _)| k)
    }

    /// Values in key order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator {
        self.entries.iter().map(|(_, v)| v)
    }

    /// Values in key order, mutable.
    pub fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut V> {
        self.entries.iter_mut().map(|(_, v)| v)
    }
}

/// A set of `String` keys, iterated in order (a [`KeyMap`] of nothing).
pub type KeySet = KeyMap<()>;

impl KeyMap<()> {
    /// The set of `keys`.
    pub fn of<K: Into<String>>(keys: impl IntoIterator<Item = K>) -> Self {
        let mut set = KeySet::new();
        for k in keys {
            set.add(k);
        }
        set
    }

    /// Adds `key`; whether it was new.
    pub fn add(&mut self, key: impl Into<String>) -> bool {
        self.replace(key, ()).is_none()
    }
}

/// A key of a [`KeyMap`] that may or may not be present yet.
pub struct Entry<'a, V> {
    map: &'a mut KeyMap<V>,
    key: String,
}

impl<'a, V> Entry<'a, V> {
    /// The value, inserted by `make` when absent.
    pub fn or_insert_with(self, make: impl FnOnce() -> V) -> &'a mut V {
        let entries = &mut self.map.entries;
        let i = match find(entries, &self.key) {
            Ok(i) => i,
            Err(i) => {
                entries.insert(i, (self.key, make()));
                i
            }
        };
        &mut entries[i].1
    }

    /// The value, `value` inserted when absent.
    pub fn or_insert(self, value: V) -> &'a mut V {
        self.or_insert_with(|| value)
    }

    /// The value, the default inserted when absent.
    pub fn or_default(self) -> &'a mut V
    where
        V: Default,
    {
        self.or_insert_with(V::default)
    }
}

impl<V> IntoIterator for KeyMap<V> {
    type Item = (String, V);
    type IntoIter = std::vec::IntoIter<(String, V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a, V> IntoIterator for &'a KeyMap<V> {
    type Item = (&'a String, &'a V);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, V)>,
        fn(&'a (String, V)) -> (&'a String, &'a V),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(k, v)| (k, v))
    }
}

impl<K: Into<String>, V> FromIterator<(K, V)> for KeyMap<V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut m = KeyMap::new();
        m.extend(iter);
        m
    }
}

impl<K: Into<String>, V> Extend<(K, V)> for KeyMap<V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

#[cfg(test)]
impl<V> KeyMap<V> {
    /// The value under `key` (tests only: panics when absent).
    pub fn at(&self, key: &str) -> &V {
        match self.get(key) {
            Some(v) => v,
            None => panic!("no key {key}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_unique_keys() {
        let mut m = KeyMap::new();
        assert_eq!(m.replace("b".to_string(), 2), None);
        assert_eq!(m.replace("a".to_string(), 1), None);
        assert_eq!(m.replace("b".to_string(), 3), Some(2));
        *m.entry("c".to_string()).or_default() += 4;
        *m.entry("a".to_string()).or_insert(9) += 10;
        let all: Vec<_> = m.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(all, [("a", 11), ("b", 3), ("c", 4)]);
        assert_eq!(m.remove("b"), Some(3));
        assert_eq!(m.get("b"), None);
        m.retain(|k, _| k != "a");
        assert_eq!(m.keys().collect::<Vec<_>>(), ["c"]);
    }
}

//! [`Map`]: a JSON object, a [`KeyMap`] of values (entries sorted by key).

use super::Value;
use crate::core::keymap::KeyMap;

/// A JSON object: keys unique, iterated in byte order.
pub type Map = KeyMap<Value>;

impl std::ops::Index<&str> for Map {
    type Output = Value;
    fn index(&self, key: &str) -> &Value {
        self.get(key).unwrap_or(&Value::Null)
    }
}

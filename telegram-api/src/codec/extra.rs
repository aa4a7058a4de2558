//! [`Extra`]: the fields of a Telegram object that this version of the crate does not know.

use serde::ser::SerializeMap;
use serde_json::{Map, Value};

/// Fields of an object that this version of the crate does not know.
///
/// Telegram adds fields in every Bot API release. Decoding never fails on them: they are kept
/// here, and serializing the object writes them back, so decoding and re-encoding a payload from
/// a newer Bot API gives back the same JSON. An object without unknown fields allocates nothing
/// for them.
///
/// ```
/// let user: telegram_api::User =
///     serde_json::from_str(r#"{"id": 1, "is_bot": false, "first_name": "Ann", "aura": 9}"#)?;
/// assert_eq!(user.extra.get("aura"), Some(&serde_json::json!(9)));
/// assert_eq!(user.to_string(), r#"{"id":1,"is_bot":false,"first_name":"Ann","aura":9}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Extra(Option<Box<Map<String, Value>>>);

impl Extra {
    /// No unknown fields.
    pub const fn new() -> Extra {
        Extra(None)
    }

    /// Whether there are no unknown fields.
    pub fn is_empty(&self) -> bool {
        self.0.as_ref().is_none_or(|m| m.is_empty())
    }

    /// How many unknown fields there are.
    pub fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |m| m.len())
    }

    /// The value of the unknown field `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.as_ref()?.get(name)
    }

    /// Adds or replaces an unknown field, returning the value it replaced.
    pub fn insert(&mut self, name: String, value: Value) -> Option<Value> {
        self.0
            .get_or_insert_with(Default::default)
            .insert(name, value)
    }

    /// Removes an unknown field, returning its value.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        let value = self.0.as_mut()?.remove(name);
        if self.0.as_ref().is_some_and(|m| m.is_empty()) {
            self.0 = None;
        }
        value
    }

    /// The unknown fields, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0.iter().flat_map(|m| m.iter())
    }

    /// Takes the first unknown field (by name) out.
    pub(crate) fn pop_first(&mut self) -> Option<(String, Value)> {
        let map = self.0.as_mut()?;
        let key = map.keys().next()?.clone();
        let value = map.remove(&key)?;
        if map.is_empty() {
            self.0 = None;
        }
        Some((key, value))
    }

    /// Writes the unknown fields into an object being serialized.
    pub(crate) fn serialize_into<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        for (k, v) in self.iter() {
            map.serialize_entry(k, v)?;
        }
        Ok(())
    }
}

impl<'a> IntoIterator for &'a Extra {
    type Item = (&'a String, &'a Value);
    type IntoIter = Box<dyn Iterator<Item = (&'a String, &'a Value)> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

/// A field of an object whose optional fields exclude each other (such as the payload of an
/// [`Update`](crate::Update)) that this version of the crate does not know.
#[derive(Clone, Debug, PartialEq)]
pub struct UnknownKind {
    /// The field's name, as Telegram writes it.
    pub name: String,
    /// The field's value.
    pub value: Value,
    /// Why the value could not be decoded, when the field is one this version knows (a
    /// malformed value is kept here rather than failing a whole batch of updates).
    pub error: Option<String>,
}

//! Decoding machinery shared by the generated types.
//!
//! Objects decode field by field from a `MapAccess`; unknown fields are kept in [`Extra`].
//! Unions read their discriminator wherever it appears in the object: the fields before it are
//! buffered and replayed to the member's decoder, the rest stream through. Unknown members and
//! unknown enumeration values decode into fallbacks that keep the raw JSON.

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::value::{SeqAccessDeserializer, StringDeserializer};
use serde::de::{
    self, DeserializeSeed, Deserializer, IgnoredAny, IntoDeserializer, MapAccess, SeqAccess,
    Unexpected, Visitor,
};
use serde_json::Value;

use crate::Extra;

/// An object type decoded field by field (implemented by every generated object).
pub trait FromMap: Sized {
    /// The Bot API name, for error messages.
    const NAME: &'static str;
    /// The index of a known field, by name.
    fn field_index(name: &[u8]) -> Option<u16>;
    /// Decodes the object from the entries of a JSON object.
    fn from_map<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error>;
    /// Decodes the object into a box. Large objects that can contain themselves (`Message`)
    /// are built in the box, so a level of nesting does not also cost a copy of the value on
    /// the stack; for the others this boxes what [`from_map`](FromMap::from_map) returns.
    #[inline]
    fn from_map_boxed<'de, A: MapAccess<'de>>(map: A) -> Result<Box<Self>, A::Error> {
        Self::from_map(map).map(Box::new)
    }
}

/// A union told apart by a constant field (implemented by generated unions).
pub trait Tagged: Sized {
    /// The Bot API name, for error messages.
    const NAME: &'static str;
    /// The discriminating field.
    const TAG: &'static str;
    /// The member index for a discriminator value.
    fn member(tag: &str) -> Option<u16>;
    /// Decodes member `index` from the object's remaining fields.
    fn from_member<'de, A: MapAccess<'de>>(index: u16, map: A) -> Result<Self, A::Error>;
    /// The fallback for a value whose member is not known.
    fn unknown(value: Value) -> Self;
}

/// A field name: the index of a known field, or an unknown name.
pub enum Key {
    /// The field with this index in the type's field list.
    Known(u16),
    /// A field this version does not know.
    Unknown(String),
}

/// Reads a field name, resolving it with the type's lookup function without allocating for
/// known names.
pub struct KeySeed(pub fn(&[u8]) -> Option<u16>);

thread_local! {
    static READ_AS_TEXT: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` with field names and enumeration values read as text rather than bytes.
///
/// Bytes are the faster way from a `&[u8]`: serde_json hands them over without checking that
/// they are UTF-8 (a known name or value is ASCII by construction, so only unknown ones need the
/// check). Text is the faster way from a `&str`, which serde_json does not check again, and the
/// only way `serde_path_to_error` tracks names.
pub fn read_as_text<T>(f: impl FnOnce() -> T) -> T {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            READ_AS_TEXT.with(|k| k.set(self.0));
        }
    }
    let _restore = Restore(READ_AS_TEXT.with(|k| k.replace(true)));
    f()
}

/// Reads a string as text or as bytes, as [`read_as_text`] decides; `visitor` takes either.
#[inline]
fn text_or_bytes<'de, D: Deserializer<'de>, V: Visitor<'de>>(
    d: D,
    visitor: V,
) -> Result<V::Value, D::Error> {
    if READ_AS_TEXT.with(Cell::get) {
        d.deserialize_str(visitor)
    } else {
        d.deserialize_bytes(visitor)
    }
}

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;
    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        text_or_bytes(d, self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Key;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field name")
    }
    #[inline]
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Key, E> {
        match (self.0)(v) {
            Some(i) => Ok(Key::Known(i)),
            None => match std::str::from_utf8(v) {
                Ok(s) => Ok(Key::Unknown(s.to_owned())),
                Err(_) => Err(E::invalid_value(Unexpected::Bytes(v), &self)),
            },
        }
    }
    #[inline]
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
        Ok(match (self.0)(v.as_bytes()) {
            Some(i) => Key::Known(i),
            None => Key::Unknown(v.to_owned()),
        })
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Key, E> {
        Ok(match (self.0)(v.as_bytes()) {
            Some(i) => Key::Known(i),
            None => Key::Unknown(v),
        })
    }
}

/// Reads the value of a field. A name that appears more than once in an object keeps its last
/// value, as `serde_json::Value` does, so re-encoding writes it once.
#[inline]
pub fn field<'de, A, T>(
    map: &mut A,
    slot: &mut Option<T>,
    _name: &'static str,
) -> Result<(), A::Error>
where
    A: MapAccess<'de>,
    T: Deserialize<'de>,
{
    *slot = Some(map.next_value()?);
    Ok(())
}

/// Reads the value of an optional field; `null` counts as absent. A repeated name keeps its last
/// value (a last `null` makes the field absent).
#[inline]
pub fn optional<'de, A, T>(
    map: &mut A,
    slot: &mut Option<T>,
    _name: &'static str,
) -> Result<(), A::Error>
where
    A: MapAccess<'de>,
    T: Deserialize<'de>,
{
    *slot = map.next_value()?;
    Ok(())
}

/// Reads the value of a field held in a box, decoding the object straight into it (see
/// [`Boxed`]).
#[inline]
pub fn boxed_field<'de, A, T>(
    map: &mut A,
    slot: &mut Option<Box<T>>,
    _name: &'static str,
) -> Result<(), A::Error>
where
    A: MapAccess<'de>,
    T: FromMap,
{
    *slot = Some(map.next_value_seed(Boxed::<T>::new())?);
    Ok(())
}

/// Reads the value of an optional field held in a box, as [`optional`] does, decoding the
/// object straight into it (see [`Boxed`]).
#[inline]
pub fn boxed_optional<'de, A, T>(
    map: &mut A,
    slot: &mut Option<Box<T>>,
    _name: &'static str,
) -> Result<(), A::Error>
where
    A: MapAccess<'de>,
    T: FromMap,
{
    *slot = map.next_value_seed(OptionSeed(Boxed::<T>::new()))?;
    Ok(())
}

/// `null` as `None`, anything else as the seed reads it.
struct OptionSeed<S>(S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for OptionSeed<S> {
    type Value = Option<S::Value>;
    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de, S: DeserializeSeed<'de>> Visitor<'de> for OptionSeed<S> {
    type Value = Option<S::Value>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an optional value")
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    #[inline]
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        self.0.deserialize(d).map(Some)
    }
}

/// Reads a field that always holds `expected` and checks it.
pub fn literal<'de, A: MapAccess<'de>>(
    map: &mut A,
    expected: &'static str,
) -> Result<(), A::Error> {
    map.next_value_seed(LiteralSeed(expected))
}

struct LiteralSeed(&'static str);

impl<'de> DeserializeSeed<'de> for LiteralSeed {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for LiteralSeed {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "the string {:?}", self.0)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        if v == self.0 {
            Ok(())
        } else {
            Err(E::invalid_value(Unexpected::Str(v), &self))
        }
    }
}

/// Skips a value this version reads but does not store (an always-true flag).
pub fn skip<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<IgnoredAny>().map(drop)
}

/// Keeps the value of an unknown field.
#[inline]
pub fn keep<'de, A: MapAccess<'de>>(
    map: &mut A,
    extra: &mut Extra,
    name: String,
) -> Result<(), A::Error> {
    let value: Value = map.next_value()?;
    extra.insert(name, value);
    Ok(())
}

/// The value of a required field, or the error naming it.
#[inline]
pub fn required<T, E: de::Error>(slot: Option<T>, name: &'static str) -> Result<T, E> {
    match slot {
        Some(v) => Ok(v),
        None => Err(E::missing_field(name)),
    }
}

/// Which of an object's fields that servers of older Bot API releases leave out were absent
/// from the payload it was decoded from. Such a field reads as `false` (a flag) or empty (an
/// array) in the struct; its bit here makes re-encoding leave it out again, as long as it still
/// holds that value. A value built by hand marks nothing: every field is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Absent(u64);

impl Absent {
    /// Nothing absent.
    #[inline]
    pub const fn new() -> Absent {
        Absent(0)
    }

    /// Whether the field with bit `bit` was absent.
    #[inline]
    pub fn get(&self, bit: u32) -> bool {
        self.0 & (1 << bit) != 0
    }

    fn set(&mut self, bit: u32) {
        self.0 |= 1 << bit;
    }
}

/// The value of a field older servers leave out, or its default (`false`, empty) with the
/// field marked absent.
#[inline]
pub fn or_absent<T: Default>(slot: Option<T>, absent: &mut Absent, bit: u32) -> T {
    match slot {
        Some(v) => v,
        None => {
            absent.set(bit);
            T::default()
        }
    }
}

/// How many objects deep decoding may go. Telegram's payloads nest a few levels; the bound
/// turns a maliciously deep document into an error instead of exhausting the stack.
pub const MAX_DEPTH: u32 = 64;

thread_local! {
    static DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// Counts one level of object nesting while alive.
pub struct DepthGuard(());

impl DepthGuard {
    /// Enters one level, failing beyond [`MAX_DEPTH`].
    #[inline]
    pub fn enter<E: de::Error>() -> Result<DepthGuard, E> {
        DEPTH.with(|d| {
            let now = d.get() + 1;
            if now > MAX_DEPTH {
                Err(E::custom(format_args!(
                    "objects nested deeper than {MAX_DEPTH} levels"
                )))
            } else {
                d.set(now);
                Ok(DepthGuard(()))
            }
        })
    }
}

impl Drop for DepthGuard {
    #[inline]
    fn drop(&mut self) {
        DEPTH.with(|d| d.set(d.get() - 1));
    }
}

/// Visits a JSON object as `T`.
pub struct ObjectVisitor<T>(PhantomData<T>);

impl<T> ObjectVisitor<T> {
    /// A visitor for `T`.
    #[inline]
    pub fn new() -> Self {
        ObjectVisitor(PhantomData)
    }
}

impl<T> Default for ObjectVisitor<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'de, T: FromMap> Visitor<'de> for ObjectVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a {} object", T::NAME)
    }
    #[inline]
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        let _depth = DepthGuard::enter()?;
        T::from_map(map)
    }
}

/// Decodes an object type.
#[inline]
pub fn object<'de, T: FromMap, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    d.deserialize_map(ObjectVisitor::<T>::new())
}

/// Decodes an object type into a box (see [`Boxed`]).
#[inline]
pub fn boxed<'de, T: FromMap, D: Deserializer<'de>>(d: D) -> Result<Box<T>, D::Error> {
    d.deserialize_map(Boxed::<T>::new())
}

/// Decodes an object type straight into a box (the payload of an update: saves moving a
/// large value into its box).
pub struct Boxed<T>(PhantomData<T>);

impl<T> Boxed<T> {
    /// A seed for `Box<T>`.
    #[inline]
    pub fn new() -> Self {
        Boxed(PhantomData)
    }
}

impl<T> Default for Boxed<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'de, T: FromMap> DeserializeSeed<'de> for Boxed<T> {
    type Value = Box<T>;
    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Box<T>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: FromMap> Visitor<'de> for Boxed<T> {
    type Value = Box<T>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a {} object", T::NAME)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Box<T>, A::Error> {
        let _depth = DepthGuard::enter()?;
        T::from_map_boxed(map)
    }
}

fn tag_index<T: Tagged>(key: &[u8]) -> Option<u16> {
    (key == T::TAG.as_bytes()).then_some(0)
}

/// Visits a JSON object as the union `T`, dispatching on its discriminator field.
pub struct TaggedVisitor<T>(PhantomData<T>);

impl<'de, T: Tagged> Visitor<'de> for TaggedVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a {} object", T::NAME)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let _depth = DepthGuard::enter()?;
        let mut buffered: Vec<(String, Value)> = Vec::new();
        loop {
            match map.next_key_seed(KeySeed(tag_index::<T>))? {
                Some(Key::Known(_)) => {
                    return match map.next_value_seed(TagSeed(T::member))? {
                        Ok(index) => T::from_member(index, ChainMap::new(buffered, map)),
                        Err(tag) => {
                            buffered.push((T::TAG.to_owned(), Value::String(tag)));
                            collect_unknown::<T, A>(buffered, map)
                        }
                    };
                }
                Some(Key::Unknown(name)) => {
                    let value = map.next_value()?;
                    buffered.push((name, value));
                }
                // No discriminator at all: keep the object as it came.
                None => return collect_unknown::<T, A>(buffered, map),
            }
        }
    }
}

fn collect_unknown<'de, T: Tagged, A: MapAccess<'de>>(
    buffered: Vec<(String, Value)>,
    mut map: A,
) -> Result<T, A::Error> {
    let mut object: serde_json::Map<String, Value> = buffered.into_iter().collect();
    while let Some((k, v)) = map.next_entry::<String, Value>()? {
        object.insert(k, v);
    }
    Ok(T::unknown(Value::Object(object)))
}

/// Decodes a union told apart by a constant field.
#[inline]
pub fn tagged<'de, T: Tagged, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    d.deserialize_map(TaggedVisitor::<T>(PhantomData))
}

/// Reads a discriminator value: the member index, or the unknown value itself.
struct TagSeed(fn(&str) -> Option<u16>);

impl<'de> DeserializeSeed<'de> for TagSeed {
    type Value = Result<u16, String>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for TagSeed {
    type Value = Result<u16, String>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a discriminator string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok((self.0)(v).ok_or_else(|| v.to_owned()))
    }
}

/// The entries read before a discriminator, followed by the rest of the object.
pub struct ChainMap<'de, A> {
    buffered: std::vec::IntoIter<(String, Value)>,
    pending: Option<Value>,
    rest: A,
    lifetime: PhantomData<&'de ()>,
}

impl<'de, A: MapAccess<'de>> ChainMap<'de, A> {
    fn new(buffered: Vec<(String, Value)>, rest: A) -> Self {
        ChainMap {
            buffered: buffered.into_iter(),
            pending: None,
            rest,
            lifetime: PhantomData,
        }
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for ChainMap<'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        match self.buffered.next() {
            Some((key, value)) => {
                self.pending = Some(value);
                let key: StringDeserializer<A::Error> = key.into_deserializer();
                seed.deserialize(key).map(Some)
            }
            None => self.rest.next_key_seed(seed),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        match self.pending.take() {
            Some(value) => seed.deserialize(value).map_err(de::Error::custom),
            None => self.rest.next_value_seed(seed),
        }
    }
}

/// Decodes a union whose members are a string, an array, and objects told apart by a field
/// (`RichText`).
pub fn json_kind<'de, T, I, D>(
    d: D,
    string: fn(String) -> T,
    array: fn(Vec<I>) -> T,
) -> Result<T, D::Error>
where
    T: Tagged,
    I: Deserialize<'de>,
    D: Deserializer<'de>,
{
    struct V<T, I> {
        string: fn(String) -> T,
        array: fn(Vec<I>) -> T,
    }
    impl<'de, T: Tagged, I: Deserialize<'de>> Visitor<'de> for V<T, I> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            write!(f, "a {} string, array or object", T::NAME)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            Ok((self.string)(v.to_owned()))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<T, E> {
            Ok((self.string)(v))
        }
        fn visit_seq<S: SeqAccess<'de>>(self, seq: S) -> Result<T, S::Error> {
            let _depth = DepthGuard::enter()?;
            Vec::<I>::deserialize(SeqAccessDeserializer::new(seq)).map(self.array)
        }
        fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<T, M::Error> {
            TaggedVisitor::<T>(PhantomData).visit_map(map)
        }
    }
    d.deserialize_any(V { string, array })
}

/// Re-reads a decoded value as another type (lossless: unknown fields travel in `Extra`).
pub fn convert<T, U, E>(value: &T) -> Result<U, E>
where
    T: serde::Serialize,
    U: serde::de::DeserializeOwned,
    E: de::Error,
{
    let json = serde_json::to_value(value).map_err(E::custom)?;
    U::deserialize(json).map_err(E::custom)
}

/// A string enumeration (implemented by generated enums).
pub trait StrEnum: Sized {
    /// The Bot API name, for error messages.
    const NAME: &'static str;
    /// The known value for a wire string (its UTF-8 bytes).
    fn known(value: &[u8]) -> Option<Self>;
    /// The fallback for an unknown wire string.
    fn unknown(value: String) -> Self;
}

/// Decodes a string enumeration. Values are read as bytes or as text (see [`read_as_text`]) and
/// matched as bytes; read as bytes, a known value needs no UTF-8 check, only an unknown one (which
/// is kept as a string).
#[inline]
pub fn str_enum<'de, T: StrEnum, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    struct V<T>(PhantomData<T>);
    impl<'de, T: StrEnum> Visitor<'de> for V<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            write!(f, "a {} string", T::NAME)
        }
        fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<T, E> {
            match T::known(v) {
                Some(k) => Ok(k),
                None => match std::str::from_utf8(v) {
                    Ok(s) => Ok(T::unknown(s.to_owned())),
                    Err(_) => Err(E::invalid_value(Unexpected::Bytes(v), &self)),
                },
            }
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            Ok(T::known(v.as_bytes()).unwrap_or_else(|| T::unknown(v.to_owned())))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<T, E> {
            Ok(match T::known(v.as_bytes()) {
                Some(k) => k,
                None => T::unknown(v),
            })
        }
    }
    text_or_bytes(d, V(PhantomData))
}

/// An object whose optional fields exclude each other (`Update`) that can be kept, with its
/// required fields, when its payload does not decode.
pub trait Salvage: Sized {
    /// The object with the payload that failed kept as an unknown kind, carrying `error`;
    /// `None` when even the required fields are unusable.
    fn salvage(object: serde_json::Map<String, Value>, error: String) -> Option<Self>;
}

/// Decodes `json` as a `T` again, following the path to where it fails: that path (`.` for the
/// top) and the error there, or `None` when it decodes. For the errors of the client, which say
/// where in a result a value did not decode.
pub fn trace<T: serde::de::DeserializeOwned>(json: &str) -> Option<(String, String)> {
    let mut de = serde_json::Deserializer::from_str(json);
    let traced = read_as_text(|| serde_path_to_error::deserialize::<_, T>(&mut de).map(drop));
    traced
        .err()
        .map(|e| (e.path().to_string(), e.inner().to_string()))
}

/// Decodes an array item by item: an item that does not decode is salvaged (kept with its
/// required fields and raw payload) instead of failing the whole array.
pub fn decode_each<T>(json: &str) -> Result<Vec<T>, serde_json::Error>
where
    T: serde::de::DeserializeOwned + Salvage,
{
    if let Ok(all) = crate::json::from_str::<Vec<T>>(json) {
        return Ok(all);
    }
    let items: Vec<&serde_json::value::RawValue> = serde_json::from_str(json)?;
    items
        .into_iter()
        .map(|raw| match crate::json::from_str::<T>(raw.get()) {
            Ok(item) => Ok(item),
            Err(e) => {
                let object: serde_json::Map<String, Value> = serde_json::from_str(raw.get())?;
                T::salvage(object, e.to_string()).ok_or(e)
            }
        })
        .collect()
}

/// Reads a union's discriminator value: the member index, or the unknown value itself.
pub fn tag_value<'de, T: Tagged, A: MapAccess<'de>>(
    map: &mut A,
) -> Result<Result<u16, String>, A::Error> {
    map.next_value_seed(TagSeed(T::member))
}

/// Keeps a field read for another member of a union among the unknown fields.
pub fn keep_value<T: serde::Serialize, E: de::Error>(
    extra: &mut Extra,
    name: &str,
    value: Option<T>,
) -> Result<(), E> {
    if let Some(v) = value {
        extra.insert(name.to_owned(), serde_json::to_value(v).map_err(E::custom)?);
    }
    Ok(())
}

/// Adds a field to an object being rebuilt for an unknown member.
pub fn put_value<T: serde::Serialize, E: de::Error>(
    object: &mut serde_json::Map<String, Value>,
    name: &str,
    value: Option<T>,
) -> Result<(), E> {
    if let Some(v) = value {
        object.insert(name.to_owned(), serde_json::to_value(v).map_err(E::custom)?);
    }
    Ok(())
}

//! The positional text format of packed callback data: a small serde serializer and
//! deserializer that write a value as fields joined by `:`.
//!
//! Each value becomes a list of fields (possibly none); [`pack`] joins them with `:`, and
//! [`unpack`] reads them back in the same order. The format carries no field names and no
//! types, so it is compact, and reading it needs the type it was written from:
//!
//! | value | fields |
//! |---|---|
//! | `bool` | `1` or `0` |
//! | integers | decimal (`-5`, `42`) |
//! | floats | the shortest text that reads back the same (`0.5`, `1e300`, `NaN`) |
//! | `char`, `str`, `String` | the text, with `%` written `%25` and `:` written `%3A`; the empty text is `%` |
//! | bytes (`serde_bytes`) | lowercase hex; no bytes is `%` |
//! | `None` | one empty field |
//! | `Some(v)` | the fields of `v` (refused when they start with an empty field or are none: they would read as `None`) |
//! | `()`, unit structs | no field |
//! | newtype structs | the fields of the inner value |
//! | structs, tuples | the fields of each member, in order |
//! | sequences, maps | the number of elements, then each element (each key, then its value) |
//! | enum variants | the variant's name (as text), then the fields of its content |
//!
//! Not supported, as they need a format that describes itself: `#[serde(untagged)]` and
//! internally or adjacently tagged enums, `#[serde(flatten)]`, and
//! `#[serde(skip_serializing_if = ...)]` (a field left out would shift the ones after it).

use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};
use serde::ser::{self, Serialize};

/// Why a value does not pack or unpack.
#[derive(Debug)]
pub(crate) struct PackError(pub(crate) String);

impl fmt::Display for PackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PackError {}

impl ser::Error for PackError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        PackError(msg.to_string())
    }
}

impl de::Error for PackError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        PackError(msg.to_string())
    }
}

fn unsupported(what: &str) -> PackError {
    PackError(format!(
        "{what} cannot be packed positionally (the format does not describe itself)"
    ))
}

/// The fields of `value`.
pub(crate) fn pack<T: Serialize + ?Sized>(value: &T) -> Result<Vec<String>, PackError> {
    let mut packer = Packer { fields: Vec::new() };
    value.serialize(&mut packer)?;
    Ok(packer.fields)
}

/// A `T` read from `fields`, all of which it must use.
pub(crate) fn unpack<T: de::DeserializeOwned>(fields: &[&str]) -> Result<T, PackError> {
    let mut unpacker = Unpacker { fields, at: 0 };
    let value = T::deserialize(&mut unpacker)?;
    if unpacker.at != fields.len() {
        return Err(PackError(format!(
            "{} fields left over after the value",
            fields.len() - unpacker.at
        )));
    }
    Ok(value)
}

/// `text` as a field: `%` and `:` escaped, the empty text as `%`.
fn escape(text: &str) -> String {
    if text.is_empty() {
        return "%".into();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            ':' => out.push_str("%3A"),
            c => out.push(c),
        }
    }
    out
}

/// The text of a field written by [`escape`].
fn unescape(field: &str) -> Result<String, PackError> {
    if field == "%" {
        return Ok(String::new());
    }
    let mut out = String::with_capacity(field.len());
    let mut rest = field;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let escape = rest.get(i..i + 3);
        match escape {
            Some("%25") => out.push('%'),
            Some("%3A") | Some("%3a") => out.push(':'),
            _ => return Err(PackError(format!("bad escape in the field {field:?}"))),
        }
        rest = &rest[i + 3..];
    }
    out.push_str(rest);
    Ok(out)
}

struct Packer {
    fields: Vec<String>,
}

impl Packer {
    fn push(&mut self, field: String) -> Result<(), PackError> {
        self.fields.push(field);
        Ok(())
    }
}

/// A sequence or map being packed: its length goes in the field at `at` once known.
struct Counted<'a> {
    packer: &'a mut Packer,
    at: Option<usize>,
    count: usize,
}

impl Counted<'_> {
    fn end(self) -> Result<(), PackError> {
        if let Some(at) = self.at {
            self.packer.fields[at] = self.count.to_string();
        }
        Ok(())
    }
}

/// The `Serializer` methods that write an integer as a decimal field.
macro_rules! decimal {
    ($($method:ident: $ty:ty),* $(,)?) => {$(
        fn $method(self, v: $ty) -> Result<(), PackError> {
            self.push(v.to_string())
        }
    )*};
}

impl<'a> ser::Serializer for &'a mut Packer {
    type Ok = ();
    type Error = PackError;
    type SerializeSeq = Counted<'a>;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Counted<'a>;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    fn serialize_bool(self, v: bool) -> Result<(), PackError> {
        self.push(if v { "1" } else { "0" }.into())
    }
    decimal! {
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_u128: u128,
    }
    fn serialize_f32(self, v: f32) -> Result<(), PackError> {
        // `Debug` is the shortest text that reads back the same, with an exponent when long.
        self.push(format!("{v:?}"))
    }
    fn serialize_f64(self, v: f64) -> Result<(), PackError> {
        self.push(format!("{v:?}"))
    }
    fn serialize_char(self, v: char) -> Result<(), PackError> {
        self.push(escape(v.encode_utf8(&mut [0; 4])))
    }
    fn serialize_str(self, v: &str) -> Result<(), PackError> {
        self.push(escape(v))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), PackError> {
        if v.is_empty() {
            return self.push("%".into());
        }
        let hex = v.iter().map(|b| format!("{b:02x}")).collect();
        self.push(hex)
    }
    fn serialize_none(self) -> Result<(), PackError> {
        self.push(String::new())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), PackError> {
        let start = self.fields.len();
        value.serialize(&mut *self)?;
        match self.fields.get(start) {
            Some(first) if !first.is_empty() => Ok(()),
            _ => Err(PackError(
                "a `Some` whose value packs as no field or an empty one (`Some(())`, \
                 `Some(None)`) would read back as `None`"
                    .into(),
            )),
        }
    }
    fn serialize_unit(self) -> Result<(), PackError> {
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), PackError> {
        Ok(())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), PackError> {
        self.push(escape(variant))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), PackError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), PackError> {
        self.push(escape(variant))?;
        value.serialize(self)
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Counted<'a>, PackError> {
        let at = self.fields.len();
        self.fields.push(String::new());
        Ok(Counted {
            packer: self,
            at: Some(at),
            count: 0,
        })
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self, PackError> {
        Ok(self)
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Self, PackError> {
        Ok(self)
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self, PackError> {
        self.push(escape(variant))?;
        Ok(self)
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Counted<'a>, PackError> {
        self.serialize_seq(len)
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self, PackError> {
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self, PackError> {
        self.push(escape(variant))?;
        Ok(self)
    }
}

impl ser::SerializeSeq for Counted<'_> {
    type Ok = ();
    type Error = PackError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), PackError> {
        self.count += 1;
        value.serialize(&mut *self.packer)
    }
    fn end(self) -> Result<(), PackError> {
        Counted::end(self)
    }
}

impl ser::SerializeMap for Counted<'_> {
    type Ok = ();
    type Error = PackError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), PackError> {
        self.count += 1;
        key.serialize(&mut *self.packer)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), PackError> {
        value.serialize(&mut *self.packer)
    }
    fn end(self) -> Result<(), PackError> {
        Counted::end(self)
    }
}

macro_rules! positional {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for &mut Packer {
            type Ok = ();
            type Error = PackError;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), PackError> {
                value.serialize(&mut **self)
            }
            fn end(self) -> Result<(), PackError> {
                Ok(())
            }
        }
    )*};
}
positional!(
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeStruct for &mut Packer {
    type Ok = ();
    type Error = PackError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        _key: &'static str,
        value: &T,
    ) -> Result<(), PackError> {
        value.serialize(&mut **self)
    }
    fn skip_field(&mut self, key: &'static str) -> Result<(), PackError> {
        Err(PackError(format!(
            "the field `{key}` is skipped, which would shift the fields after it"
        )))
    }
    fn end(self) -> Result<(), PackError> {
        Ok(())
    }
}

impl ser::SerializeStructVariant for &mut Packer {
    type Ok = ();
    type Error = PackError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        _key: &'static str,
        value: &T,
    ) -> Result<(), PackError> {
        value.serialize(&mut **self)
    }
    fn skip_field(&mut self, key: &'static str) -> Result<(), PackError> {
        ser::SerializeStruct::skip_field(self, key)
    }
    fn end(self) -> Result<(), PackError> {
        Ok(())
    }
}

struct Unpacker<'f> {
    fields: &'f [&'f str],
    at: usize,
}

impl Unpacker<'_> {
    fn next(&mut self) -> Result<&str, PackError> {
        let field = self
            .fields
            .get(self.at)
            .ok_or_else(|| PackError("fewer fields than the type has".into()))?;
        self.at += 1;
        Ok(field)
    }

    fn parse<N: std::str::FromStr>(&mut self, what: &str) -> Result<N, PackError> {
        let field = self.next()?;
        field
            .parse()
            .map_err(|_| PackError(format!("{field:?} is not {what}")))
    }

    fn count(&mut self) -> Result<usize, PackError> {
        let n: usize = self.parse("a count")?;
        // Each element has at least one field, or none: never more than the data could hold.
        if n > self.fields.len().max(64) {
            return Err(PackError(format!("a count of {n} is too large")));
        }
        Ok(n)
    }
}

macro_rules! parse_number {
    ($($method:ident => $visit:ident $ty:ty, $what:literal;)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PackError> {
            visitor.$visit(self.parse::<$ty>($what)?)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for &mut Unpacker<'_> {
    type Error = PackError;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, PackError> {
        Err(unsupported(
            "a type that reads any shape (an untagged enum, a flattened field)",
        ))
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PackError> {
        match self.next()? {
            "1" => visitor.visit_bool(true),
            "0" => visitor.visit_bool(false),
            other => Err(PackError(format!("{other:?} is not a bool (1 or 0)"))),
        }
    }

    parse_number! {
        deserialize_i8 => visit_i8 i8, "an i8";
        deserialize_i16 => visit_i16 i16, "an i16";
        deserialize_i32 => visit_i32 i32, "an i32";
        deserialize_i64 => visit_i64 i64, "an i64";
        deserialize_i128 => visit_i128 i128, "an i128";
        deserialize_u8 => visit_u8 u8, "a u8";
        deserialize_u16 => visit_u16 u16, "a u16";
        deserialize_u32 => visit_u32 u32, "a u32";
        deserialize_u64 => visit_u64 u64, "a u64";
        deserialize_u128 => visit_u128 u128, "a u128";
        deserialize_f32 => visit_f32 f32, "an f32";
        deserialize_f64 => visit_f64 f64, "an f64";
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PackError> {
        let text = unescape(self.next()?)?;
        let mut chars = text.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => visitor.visit_char(c),
            _ => Err(PackError(format!("{text:?} is not one character"))),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PackError> {
        visitor.visit_string(unescape(self.next()?)?)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PackError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PackError> {
        let field = self.next()?;
        if field == "%" {
            return visitor.visit_byte_buf(Vec::new());
        }
        let bad = || PackError(format!("{field:?} is not hex"));
        if !field.len().is_multiple_of(2) || !field.is_ascii() {
            return Err(bad());
        }
        let bytes = (0..field.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&field[i..i + 2], 16).map_err(|_| bad()))
            .collect::<Result<Vec<u8>, _>>()?;
        visitor.visit_byte_buf(bytes)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PackError> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PackError> {
        match self.fields.get(self.at) {
            None => Err(PackError("fewer fields than the type has".into())),
            Some(&"") => {
                self.at += 1;
                visitor.visit_none()
            }
            Some(_) => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PackError> {
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, PackError> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, PackError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PackError> {
        let left = self.count()?;
        visitor.visit_seq(Elements {
            unpacker: self,
            left,
        })
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, PackError> {
        visitor.visit_seq(Elements {
            unpacker: self,
            left: len,
        })
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, PackError> {
        self.deserialize_tuple(len, visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PackError> {
        let left = self.count()?;
        visitor.visit_map(Elements {
            unpacker: self,
            left,
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, PackError> {
        self.deserialize_tuple(fields.len(), visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, PackError> {
        visitor.visit_enum(self)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PackError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, PackError> {
        Err(unsupported("an ignored value"))
    }
}

/// The elements of a sequence, tuple, struct or map, `left` of them still to read.
struct Elements<'u, 'f> {
    unpacker: &'u mut Unpacker<'f>,
    left: usize,
}

impl<'de> de::SeqAccess<'de> for Elements<'_, '_> {
    type Error = PackError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, PackError> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(&mut *self.unpacker).map(Some)
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

impl<'de> de::MapAccess<'de> for Elements<'_, '_> {
    type Error = PackError;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, PackError> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(&mut *self.unpacker).map(Some)
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, PackError> {
        seed.deserialize(&mut *self.unpacker)
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

impl<'de> de::EnumAccess<'de> for &mut Unpacker<'_> {
    type Error = PackError;
    type Variant = Self;
    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), PackError> {
        let name = unescape(self.next()?)?;
        let variant = seed.deserialize(IntoDeserializer::<PackError>::into_deserializer(name))?;
        Ok((variant, self))
    }
}

impl<'de> de::VariantAccess<'de> for &mut Unpacker<'_> {
    type Error = PackError;
    fn unit_variant(self) -> Result<(), PackError> {
        Ok(())
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, PackError> {
        seed.deserialize(self)
    }
    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, PackError> {
        de::Deserializer::deserialize_tuple(self, len, visitor)
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, PackError> {
        de::Deserializer::deserialize_tuple(self, fields.len(), visitor)
    }
}

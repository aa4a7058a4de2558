//! JSON Schemas of the Bot API types (the `schemars` feature): the pieces the generated
//! `JsonSchema` implementations are made of.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

/// Produces the schema of one type, registering it as a definition.
pub(crate) type Sub = fn(&mut SchemaGenerator) -> Schema;

/// The schema of `T`, as a reference where `T` is a named type.
pub(crate) fn sub<T: JsonSchema>(g: &mut SchemaGenerator) -> Schema {
    g.subschema_for::<T>()
}

/// A property of an object.
pub(crate) enum Prop {
    /// A field: its name, whether it is always present, and its schema.
    Field(&'static str, bool, Sub),
    /// A field that always holds this string.
    Literal(&'static str, &'static str),
    /// A field that is always `true`.
    True(&'static str),
}

/// An object with the given properties. Unknown properties are allowed: Telegram adds fields.
pub(crate) fn object(g: &mut SchemaGenerator, description: &str, props: &[Prop]) -> Schema {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for p in props {
        let (name, schema, always) = match p {
            Prop::Field(name, always, sub) => (*name, sub(g).to_value(), *always),
            Prop::Literal(name, value) => (*name, json!({"const": value}), true),
            Prop::True(name) => (*name, json!({"const": true}), true),
        };
        properties.insert(name.to_owned(), schema);
        if always {
            required.push(Value::from(name));
        }
    }
    let mut schema = Map::new();
    schema.insert("type".into(), json!("object"));
    schema.insert("description".into(), json!(description));
    schema.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        schema.insert("required".into(), Value::Array(required));
    }
    Schema::from(schema)
}

/// A value matching exactly one of `members` (tagged unions: the tags make them exclusive), or
/// at least one where the members may overlap.
pub(crate) fn one_of(
    g: &mut SchemaGenerator,
    description: &str,
    members: &[Sub],
    exclusive: bool,
) -> Schema {
    let members: Vec<Value> = members.iter().map(|m| m(g).to_value()).collect();
    let key = if exclusive { "oneOf" } else { "anyOf" };
    let mut schema = Map::new();
    schema.insert("description".into(), json!(description));
    schema.insert(key.into(), Value::Array(members));
    Schema::from(schema)
}

/// A string taking one of the documented values.
pub(crate) fn string_enum(description: &str, values: &[&str]) -> Schema {
    Schema::from(
        json!({"type": "string", "description": description, "enum": values})
            .as_object()
            .cloned()
            .unwrap_or_default(),
    )
}

fn fixed(value: Value) -> Schema {
    Schema::try_from(value).unwrap_or_else(|_| Schema::from(true))
}

impl JsonSchema for crate::ChatId {
    fn schema_name() -> Cow<'static, str> {
        "ChatId".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        fixed(json!({
            "description": "A chat's unique identifier or the @username of a channel or supergroup.",
            "oneOf": [{"type": "integer"}, {"type": "string"}]
        }))
    }
}

impl JsonSchema for crate::InputFile {
    fn schema_name() -> Cow<'static, str> {
        "InputFile".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        fixed(json!({
            "description": "A file_id, an HTTP URL, or attach://<name> of a file uploaded with the request.",
            "type": "string"
        }))
    }
}

impl JsonSchema for crate::ReplyMarkup {
    fn schema_name() -> Cow<'static, str> {
        "ReplyMarkup".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        one_of(
            g,
            "Additional interface options: an inline keyboard, a custom reply keyboard, an instruction to remove it, or to force a reply.",
            &[
                sub::<crate::InlineKeyboardMarkup>,
                sub::<crate::ReplyKeyboardMarkup>,
                sub::<crate::ReplyKeyboardRemove>,
                sub::<crate::ForceReply>,
            ],
            false,
        )
    }
}

impl JsonSchema for crate::MessageOrTrue {
    fn schema_name() -> Cow<'static, str> {
        "MessageOrTrue".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let message = g.subschema_for::<crate::Message>().to_value();
        fixed(json!({
            "description": "The edited message, or true for an inline message.",
            "oneOf": [message, {"const": true}]
        }))
    }
}

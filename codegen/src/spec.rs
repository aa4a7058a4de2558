//! The typed description of the Bot API that the generator reads (`api-spec/bot-api.json`).
//!
//! Every fact the generator needs is stated here explicitly: which strings are enumerations and
//! what their values are, how each union's members are told apart, which parameters take a chat id
//! or an upload, which types travel in which direction. The generator never reads prose.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Version of this file format. Bump it when the model changes incompatibly.
pub const FORMAT_VERSION: u32 = 1;

/// A whole Bot API description.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// Version of this file format ([`FORMAT_VERSION`]).
    pub format: u32,
    /// Which Bot API release this describes.
    pub api: ApiRelease,
    /// Where the description was imported from.
    pub source: Source,
    /// The older releases the importer compared this one with, to date every field (see
    /// [`Field::since`]). Absent when the import had no older release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<History>,
    /// Every method, in the order of the official documentation.
    pub methods: Vec<Method>,
    /// Every type, in the order of the official documentation.
    pub types: Vec<TypeDef>,
    /// Every string enumeration, sorted by name.
    pub enums: Vec<EnumDef>,
}

/// A Bot API release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiRelease {
    /// Version number, such as `10.3`.
    pub version: String,
    /// Release date, `YYYY-MM-DD`.
    pub release_date: String,
    /// URL of the changelog entry of this release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changelog: Option<String>,
}

/// The older releases a description was dated against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct History {
    /// Their versions, oldest first. The first is the oldest release a field can be dated to:
    /// a field present there carries no `since`, and counts as present in every release the
    /// crate supports.
    pub releases: Vec<String>,
}

/// Provenance of a description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Which importer read it.
    pub format: SourceFormat,
    /// File name or URL that was read.
    pub location: String,
}

/// The input formats the importers read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SourceFormat {
    /// The community JSON scrape (`methods` and `types` maps).
    CommunityJson,
    /// The official HTML documentation page.
    OfficialHtml,
}

/// A Bot API method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Method {
    /// Official camelCase name, such as `sendMessage`.
    pub name: String,
    /// URL of the method's section in the official documentation.
    pub doc_url: String,
    /// Description, as Markdown.
    pub description: String,
    /// Parameters, in documentation order.
    pub params: Vec<Field>,
    /// What a successful call returns.
    pub returns: TypeExpr,
    /// Anchor of the chapter of the official documentation it is in (`available-types`,
    /// `stickers`, ...): the Bot API's sections, which the generated code is split by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
}

/// A field of an object or a parameter of a method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// Official snake_case name.
    pub name: String,
    /// Type of the value.
    #[serde(rename = "type")]
    pub ty: TypeExpr,
    /// Whether the field is always present (objects) or must be passed (parameters).
    pub required: bool,
    /// Description, as Markdown, without the leading "Optional." marker.
    pub description: String,
    /// The release that added the field, when it is newer than the oldest release in
    /// [`Spec::history`]. Absent: the field is at least as old as that release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// For a required field that was optional before: the release since which it is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_since: Option<String>,
}

/// A Bot API type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TypeDef {
    /// Official name, such as `Message`.
    pub name: String,
    /// URL of the type's section in the official documentation.
    pub doc_url: String,
    /// Description, as Markdown.
    pub description: String,
    /// Whether values of this type are received from Telegram, sent to it, or both.
    pub direction: Direction,
    /// Anchor of the chapter of the official documentation it is in (`available-types`,
    /// `stickers`, ...): the Bot API's sections, which the generated code is split by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    /// What the type is.
    #[serde(flatten)]
    pub kind: TypeKind,
}

/// Which way values of a type travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Only in method results (including updates).
    Received,
    /// Only in method parameters.
    Sent,
    /// In both.
    Both,
    /// Referenced by no method.
    Unused,
}

impl Direction {
    /// Whether values of this type arrive from Telegram.
    pub fn is_received(self) -> bool {
        matches!(self, Direction::Received | Direction::Both)
    }

    /// Whether values of this type are sent to Telegram.
    pub fn is_sent(self) -> bool {
        matches!(self, Direction::Sent | Direction::Both)
    }
}

/// The kinds of Bot API types.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TypeKind {
    /// A JSON object with named fields.
    Object {
        /// Fields, in documentation order.
        fields: Vec<Field>,
        /// At most one of the optional fields is present in any value (`Update`).
        #[serde(default, skip_serializing_if = "is_false")]
        one_optional: bool,
    },
    /// A JSON object that carries no information (service messages such as `ForumTopicClosed`).
    Empty,
    /// One of several member types.
    Union {
        /// How a value is told apart.
        discriminator: Discriminator,
        /// The members, in documentation order.
        members: Vec<UnionMember>,
    },
    /// The contents of a file to upload (`InputFile`), provided by the client library.
    InputFile,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// How the members of a union are told apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Discriminator {
    /// Every member is an object whose `field` holds the member's own constant `tag`.
    Field {
        /// Name of the discriminating field, such as `type`.
        field: String,
    },
    /// Members are objects told apart by whether `field` is 0: it is for `zero_member` only.
    ZeroField {
        /// Name of the integer field.
        field: String,
        /// The member whose values have `field` equal to 0.
        zero_member: String,
    },
    /// Members share no field and are told apart by which fields they carry. Only ever sent.
    Shape,
    /// Members are of different JSON kinds: a string member, an array member, and objects told
    /// apart by their constant `field`.
    JsonKind {
        /// Name of the discriminating field of the object members.
        field: String,
    },
}

/// A member of a union.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UnionMember {
    /// The member's type: a reference to an object type, or (for `json_kind`) a string or array.
    #[serde(rename = "type")]
    pub ty: TypeExpr,
    /// The discriminator value of this member, when the union is told apart by a field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
}

/// A string enumeration: a field whose documentation lists the values it takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnumDef {
    /// Name of the enumeration, such as `ChatType`.
    pub name: String,
    /// The known values, in documentation order.
    pub values: Vec<EnumValue>,
    /// The fields and parameters that take it, as `Type.field` or `method.param`, sorted.
    pub used_by: Vec<String>,
}

/// A value of a string enumeration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnumValue {
    /// The value on the wire.
    pub value: String,
    /// A name for the value, where the wire value does not give one (`"a"` and `"A"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// The type of a field, parameter or method result.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TypeExpr {
    /// A signed integer of up to 64 bits (identifiers exceed 32 bits).
    Integer,
    /// A double-precision float.
    Float,
    /// `true` or `false`.
    Boolean,
    /// Always `true` (`ForceReply.force_reply`, methods that return True on success).
    True,
    /// A UTF-8 string.
    String,
    /// A string that always holds `value` (the discriminator field of a union member).
    Literal {
        /// The constant value.
        value: String,
    },
    /// A JSON array.
    Array {
        /// Type of the elements.
        items: Box<TypeExpr>,
    },
    /// A Bot API type, by name.
    Ref {
        /// Name of a type in `types`.
        name: String,
    },
    /// A string enumeration, by name.
    Enum {
        /// Name of an enumeration in `enums`.
        name: String,
    },
    /// A text formatting mode (`HTML`, `MarkdownV2`, `Markdown`): the `ParseMode` enumeration.
    ParseMode,
    /// A chat: its integer identifier or the `@username` of a channel or supergroup.
    ChatId,
    /// A file to upload; no other form is accepted.
    InputFile,
    /// A file to upload, or a string: the file_id of a file on Telegram's servers or an HTTP URL.
    InputFileOrString,
    /// A string field inside an input object that is a file_id, an HTTP URL, or
    /// `attach://<name>`, referring to a file uploaded in the same request under `<name>`.
    Attachable,
    /// One of `InlineKeyboardMarkup`, `ReplyKeyboardMarkup`, `ReplyKeyboardRemove`, `ForceReply`.
    ReplyMarkup,
    /// The media of an album (`sendMediaGroup.media`): an array whose items are each one of
    /// `members`, all members of the `InputMedia` union.
    MediaGroup {
        /// The accepted item types.
        members: Vec<String>,
    },
    /// One of several object types, each with a constant discriminator on the same field.
    OneOf {
        /// The accepted types.
        members: Vec<String>,
    },
    /// The edited or sent `Message`, or `true` where the message was an inline one.
    MessageOrTrue,
}

impl TypeExpr {
    /// Shorthand for a reference to a named type.
    pub fn reference(name: impl Into<String>) -> TypeExpr {
        TypeExpr::Ref { name: name.into() }
    }

    /// Shorthand for an array.
    pub fn array(items: TypeExpr) -> TypeExpr {
        TypeExpr::Array {
            items: Box::new(items),
        }
    }

    /// Whether a value of this type can carry an upload.
    pub fn is_upload(&self) -> bool {
        matches!(
            self,
            TypeExpr::InputFile | TypeExpr::InputFileOrString | TypeExpr::Attachable
        )
    }

    /// Calls `f` on every type named by this expression (references and one-of members).
    pub fn for_each_type_name(&self, f: &mut dyn FnMut(&str)) {
        match self {
            TypeExpr::Ref { name } => f(name),
            TypeExpr::Array { items } => items.for_each_type_name(f),
            TypeExpr::MediaGroup { members } | TypeExpr::OneOf { members } => {
                members.iter().for_each(|m| f(m))
            }
            TypeExpr::ReplyMarkup => REPLY_MARKUP_MEMBERS.iter().for_each(|m| f(m)),
            TypeExpr::MessageOrTrue => f("Message"),
            TypeExpr::InputFile | TypeExpr::InputFileOrString => f("InputFile"),
            _ => {}
        }
    }

    /// A short human-readable rendering, used in diffs and error messages.
    pub fn display(&self) -> String {
        match self {
            TypeExpr::Integer => "Integer".into(),
            TypeExpr::Float => "Float".into(),
            TypeExpr::Boolean => "Boolean".into(),
            TypeExpr::True => "True".into(),
            TypeExpr::String => "String".into(),
            TypeExpr::Literal { value } => format!("\"{value}\""),
            TypeExpr::Array { items } => format!("Array of {}", items.display()),
            TypeExpr::Ref { name } => name.clone(),
            TypeExpr::Enum { name } => format!("enum {name}"),
            TypeExpr::ParseMode => "ParseMode".into(),
            TypeExpr::ChatId => "ChatId".into(),
            TypeExpr::InputFile => "InputFile".into(),
            TypeExpr::InputFileOrString => "InputFile or String".into(),
            TypeExpr::Attachable => "String or attach://".into(),
            TypeExpr::ReplyMarkup => "ReplyMarkup".into(),
            TypeExpr::MediaGroup { members } => format!("media group of {}", members.join(" or ")),
            TypeExpr::OneOf { members } => members.join(" or "),
            TypeExpr::MessageOrTrue => "Message or True".into(),
        }
    }
}

/// The four types a `reply_markup` parameter accepts, in documentation order.
pub const REPLY_MARKUP_MEMBERS: [&str; 4] = [
    "InlineKeyboardMarkup",
    "ReplyKeyboardMarkup",
    "ReplyKeyboardRemove",
    "ForceReply",
];

impl Spec {
    /// The type called `name`.
    pub fn type_def(&self, name: &str) -> Option<&TypeDef> {
        self.types.iter().find(|t| t.name == name)
    }

    /// The method called `name`.
    pub fn method(&self, name: &str) -> Option<&Method> {
        self.methods.iter().find(|m| m.name == name)
    }

    /// The enumeration called `name`.
    pub fn enum_def(&self, name: &str) -> Option<&EnumDef> {
        self.enums.iter().find(|e| e.name == name)
    }
}

impl TypeDef {
    /// The fields of an object type; empty for other kinds.
    pub fn fields(&self) -> &[Field] {
        match &self.kind {
            TypeKind::Object { fields, .. } => fields,
            _ => &[],
        }
    }
}

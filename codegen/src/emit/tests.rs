//! Rendering of small spec fragments, compared with the Rust they must produce.

use super::*;

const USER: &str = r#"{"name": "User", "doc_url": "https://core.telegram.org/bots/api#user",
    "description": "A Telegram user.", "direction": "received", "kind": "object", "fields": [
    {"name": "id", "type": {"kind": "integer"}, "required": true, "description": "Identifier"}]}"#;

fn spec(methods: &str, types: &str, enums: &str) -> Spec {
    let text = format!(
        r#"{{"format": 1, "api": {{"version": "9.9", "release_date": "2026-01-01"}},
            "source": {{"format": "community_json", "location": "test.json"}},
            "methods": [{methods}], "types": [{types}], "enums": [{enums}]}}"#
    );
    crate::spec_from_json(&text).unwrap_or_else(|e| panic!("{e:#?}"))
}

fn method_returning(name: &str) -> String {
    format!(
        r#"{{"name": "get{name}", "doc_url": "u", "description": "Gets.", "params": [],
            "returns": {{"kind": "ref", "name": "{name}"}}}}"#
    )
}

fn file(files: &[File], path: &str) -> String {
    files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("no {path}"))
        .contents
        .clone()
}

/// The files of the given folders, one after the other.
fn folders(files: &[File], dirs: &[&str]) -> String {
    let text: String = files
        .iter()
        .filter(|f| dirs.iter().any(|d| f.path.starts_with(&format!("{d}/"))))
        .map(|f| f.contents.as_str())
        .collect();
    assert!(!text.is_empty(), "no files in {dirs:?}");
    text
}

/// Everything generated for types: definitions, decoders, encoders and schemas.
fn types_rs(spec: &Spec) -> String {
    folders(
        &generate(spec).unwrap_or_else(|e| panic!("{e:#?}")),
        &["types", "decode", "encode", "schema"],
    )
}

/// Asserts that the lines of `expected` appear, consecutively, among the lines of `text`
/// (indentation aside: the snippets come from different nesting depths).
#[track_caller]
fn assert_renders(text: &str, expected: &str) {
    let want: Vec<&str> = expected
        .lines()
        .map(str::trim)
        .skip_while(|l| l.is_empty())
        .collect();
    let want: Vec<&str> = {
        let mut w = want;
        while w.last().is_some_and(|l| l.is_empty()) {
            w.pop();
        }
        w
    };
    let have: Vec<&str> = text.lines().map(str::trim).collect();
    assert!(
        have.windows(want.len()).any(|w| w == want.as_slice()),
        "expected:\n{}\n\nin:\n{text}",
        want.join("\n")
    );
}

#[test]
fn files_have_the_header_and_the_version() {
    let files = generate(&spec(&method_returning("User"), USER, "")).unwrap();
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "bot/mod.rs",
            "bot/other.rs",
            "decode/mod.rs",
            "decode/other.rs",
            "encode/mod.rs",
            "encode/other.rs",
            "enums.rs",
            "message_filters.rs",
            "method_table.rs",
            "methods/mod.rs",
            "methods/other.rs",
            "mod.rs",
            "registry.rs",
            "schema/mod.rs",
            "schema/other.rs",
            "types/mod.rs",
            "types/other.rs",
        ]
    );
    for f in &files {
        assert!(f.contents.starts_with(HEADER), "{}", f.path);
    }
    assert_renders(
        &file(&files, "mod.rs"),
        r#"
        /// The Bot API version this crate implements (9.9, released 2026-01-01).
        pub const BOT_API_VERSION: &str = "9.9";
        "#,
    );
}

#[test]
fn every_method_is_in_the_table_of_the_strict_checks_with_its_parameters() {
    let send = r#"{"name": "sendNote", "doc_url": "u", "description": "Sends.", "params": [
        {"name": "chat_id", "type": {"kind": "chat_id"}, "required": true, "description": "Chat"},
        {"name": "ids", "type": {"kind": "array", "items": {"kind": "integer"}}, "required": false, "description": "Ids"},
        {"name": "mood", "type": {"kind": "enum", "name": "Mood"}, "required": false, "description": "Mood"}],
        "returns": {"kind": "true"}}"#;
    let mood = r#"{"name": "Mood", "values": [{"value": "calm"}, {"value": "loud"}],
        "used_by": ["sendNote.mood"]}"#;
    let files = generate(&spec(
        &format!("{send}, {}", method_returning("User")),
        USER,
        mood,
    ))
    .unwrap();
    assert_renders(
        &file(&files, "method_table.rs"),
        r#"
        pub(crate) const METHODS: &[MethodSpec] = &[
            MethodSpec {
                name: "sendNote",
                params: &[
                    Param {
                        name: "chat_id",
                        required: true,
                        kind: Kind::IntegerOrString,
                    },
                    Param {
                        name: "ids",
                        required: false,
                        kind: Kind::Array(&Kind::Integer),
                    },
                    Param {
                        name: "mood",
                        required: false,
                        kind: Kind::OneOf(&["calm", "loud"]),
                    },
                ],
            },
            MethodSpec {
                name: "getUser",
                params: &[],
            },
        ];
        "#,
    );
    assert!(file(&files, "mod.rs").contains("pub(crate) mod method_table;"));
}

#[test]
fn every_optional_field_of_message_has_a_filter() {
    let message = r#"{"name": "Message", "doc_url": "https://core.telegram.org/bots/api#message",
        "description": "A message.", "direction": "received", "kind": "object", "fields": [
        {"name": "message_id", "type": {"kind": "integer"}, "required": true, "description": "Id"},
        {"name": "pinned_message", "type": {"kind": "ref", "name": "User"}, "required": false,
         "description": "Specified message was pinned"},
        {"name": "photo", "type": {"kind": "array", "items": {"kind": "ref", "name": "User"}}, "required": false, "description": "Photos"}]}"#;
    let files = generate(&spec(
        &method_returning("Message"),
        &format!("{USER},{message}"),
        "",
    ))
    .unwrap();
    let text = file(&files, "message_filters.rs");
    assert_renders(
        &text,
        r#"
        /// Messages with `pinned_message` ([`Message::pinned_message`](crate::Message::pinned_message)):
        ///
        /// Specified message was pinned
        pub fn pinned_message() -> Filter {
            Filter::on_message("pinned_message", |m| m.pinned_message.is_some())
        }
        "#,
    );
    assert!(text.contains("pub fn photo() -> Filter"));
    // A field every message has is no filter.
    assert!(!text.contains("message_id"));
    assert!(file(&files, "mod.rs").contains("pub(crate) mod message_filters;"));
}

#[test]
fn received_object() {
    let message = r#"{"name": "Message", "doc_url": "https://core.telegram.org/bots/api#message",
        "description": "A message from User.", "direction": "received", "kind": "object", "fields": [
        {"name": "message_id", "type": {"kind": "integer"}, "required": true, "description": "Id"},
        {"name": "from", "type": {"kind": "ref", "name": "User"}, "required": false, "description": "Sender"},
        {"name": "type", "type": {"kind": "string"}, "required": false, "description": "Kind"},
        {"name": "photo", "type": {"kind": "array", "items": {"kind": "ref", "name": "User"}}, "required": false, "description": "Photos"}]}"#;
    let text = types_rs(&spec(
        &method_returning("Message"),
        &format!("{USER},{message}"),
        "",
    ));
    assert_renders(
        &text,
        r#"
        /// A message from User.
        ///
        /// <https://core.telegram.org/bots/api#message>
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        pub struct Message {
            /// Id
            pub message_id: i64,
            /// Sender
            pub from: Option<Box<User>>,
            /// Kind
            pub r#type: Option<String>,
            /// Photos
            pub photo: Option<Vec<User>>,
            /// Fields this version of the crate does not know, kept so that re-encoding the value
            /// gives back what Telegram sent.
            pub extra: crate::Extra,
        }
        "#,
    );
    assert_renders(
        &text,
        r#"
            fn field_index(name: &[u8]) -> Option<u16> {
                match name.len() {
                    4 => {
                        match name {
                            b"from" => Some(1),
                            b"type" => Some(2),
                            _ => None,
                        }
                    }
                    5 => {
                        match name {
                            b"photo" => Some(3),
                            _ => None,
                        }
                    }
                    10 => {
                        match name {
                            b"message_id" => Some(0),
                            _ => None,
                        }
                    }
                    _ => None,
                }
            }
        "#,
    );
    assert_renders(
        &text,
        r#"
                Ok(Self {
                    message_id: crate::codec::de::required(__f_message_id, "message_id")?,
                    from: __f_from,
                    r#type: __f_type,
                    photo: __f_photo,
                    extra: __extra,
                })
        "#,
    );
    assert_renders(
        &text,
        r#"
                __map.serialize_entry("message_id", &self.message_id)?;
                if let Some(__v) = &self.from {
                    __map.serialize_entry("from", __v)?;
                }
        "#,
    );
    assert!(
        !text.contains("pub fn new("),
        "received-only types have no constructor"
    );
    assert!(text.contains("crate::codec::display::display_as_json!(User, Message);"));
}

#[test]
fn sent_object_has_constructor_and_setters() {
    let button = r#"{"name": "Button", "doc_url": "https://core.telegram.org/bots/api#button",
        "description": "A button.", "direction": "sent", "kind": "object", "fields": [
        {"name": "text", "type": {"kind": "string"}, "required": true, "description": "Label"},
        {"name": "chat", "type": {"kind": "chat_id"}, "required": true, "description": "Chat"},
        {"name": "url", "type": {"kind": "string"}, "required": false, "description": "Link"}]}"#;
    let send = r#"{"name": "press", "doc_url": "u", "description": "Presses.", "params": [
        {"name": "button", "type": {"kind": "ref", "name": "Button"}, "required": true, "description": "b"}],
        "returns": {"kind": "true"}}"#;
    let text = types_rs(&spec(send, button, ""));
    assert_renders(
        &text,
        r#"
        impl Button {
            /// A `Button` from its required fields; optional ones are set with the methods below.
            #[must_use]
            pub fn new(text: impl Into<String>, chat: impl Into<crate::ChatId>) -> Self {
                Self {
                    text: text.into(),
                    chat: chat.into(),
                    url: None,
                    extra: crate::Extra::new(),
                }
            }
            /// Link
            #[must_use]
            pub fn url(mut self, url: impl Into<String>) -> Self {
                self.url = Some(url.into());
                self
            }
        }
        "#,
    );
    assert!(
        !text.contains("FromMap for Button"),
        "sent-only types are not decoded"
    );
}

fn chat_member_spec() -> Spec {
    let owner = r#"{"name": "ChatMemberOwner", "doc_url": "https://core.telegram.org/bots/api#chatmemberowner",
        "description": "An owner.\n\nMore.", "direction": "received", "kind": "object", "fields": [
        {"name": "status", "type": {"kind": "literal", "value": "creator"}, "required": true, "description": "always \"creator\""},
        {"name": "user", "type": {"kind": "ref", "name": "User"}, "required": true, "description": "User"}]}"#;
    let left = r#"{"name": "ChatMemberLeft", "doc_url": "https://core.telegram.org/bots/api#chatmemberleft",
        "description": "Left.", "direction": "received", "kind": "object", "fields": [
        {"name": "status", "type": {"kind": "literal", "value": "left"}, "required": true, "description": "always \"left\""}]}"#;
    let union = r#"{"name": "ChatMember", "doc_url": "https://core.telegram.org/bots/api#chatmember",
        "description": "A member.", "direction": "received", "kind": "union",
        "discriminator": {"by": "field", "field": "status"}, "members": [
        {"type": {"kind": "ref", "name": "ChatMemberOwner"}, "tag": "creator"},
        {"type": {"kind": "ref", "name": "ChatMemberLeft"}, "tag": "left"}]}"#;
    spec(
        &method_returning("ChatMember"),
        &format!("{USER},{union},{owner},{left}"),
        "",
    )
}

#[test]
fn tagged_union() {
    let text = types_rs(&chat_member_spec());
    assert_renders(
        &text,
        r#"
        /// A member.
        ///
        /// <https://core.telegram.org/bots/api#chatmember>
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        #[allow(clippy::large_enum_variant)]
        pub enum ChatMember {
            /// An owner.
            Owner(ChatMemberOwner),
            /// Left.
            Left(ChatMemberLeft),
            /// A kind this version of the crate does not know, as received.
            Unknown(serde_json::Value),
        }
        "#,
    );
    assert_renders(
        &text,
        r#"
            const TAG: &'static str = "status";
            fn member(tag: &str) -> Option<u16> {
                match tag {
                    "creator" => Some(0),
                    "left" => Some(1),
                    _ => None,
                }
            }
        "#,
    );
    // Members agree on their fields' types: decoded through the merged fields, streaming.
    assert_renders(
        &text,
        r#"
        struct ChatMemberFields {
            tag: Option<Result<u16, String>>,
            f_user: Option<Box<User>>,
            extra: crate::Extra,
        }
        "#,
    );
    assert_renders(
        &text,
        r#"crate::codec::de::object::<ChatMemberFields, D>(__d)?.into_member()"#,
    );
    // Fields of another member are kept among the unknown ones.
    assert_renders(
        &text,
        r#"
            Some(Ok(1)) => {
                crate::codec::de::keep_value(&mut extra, "user", f_user)?;
                Ok(ChatMember::Left(ChatMemberLeft { extra }))
        "#,
    );
    // The member writes its constant and checks it when read on its own.
    assert_renders(&text, r#"__map.serialize_entry("status", "creator")?;"#);
    assert_renders(
        &text,
        r#"
            crate::codec::de::Key::Known(0) => {
                crate::codec::de::literal(&mut __map, "creator")?
            }
        "#,
    );
    assert_renders(
        &text,
        r#"
        pub struct ChatMemberOwner {
            /// User
            pub user: Box<User>,
        "#,
    );
    assert_renders(
        &text,
        r#"
        /// An owner.
        ///
        /// More.
        ///
        /// On the wire, `status` is always `"creator"`; it is written and checked, not stored.
        "#,
    );
}

#[test]
fn string_enum() {
    let chat = r#"{"name": "Chat", "doc_url": "https://core.telegram.org/bots/api#chat",
        "description": "A chat.", "direction": "received", "kind": "object", "fields": [
        {"name": "type", "type": {"kind": "enum", "name": "ChatType"}, "required": true, "description": "Type"}]}"#;
    let e = r#"{"name": "ChatType", "values": [{"value": "private"}, {"value": "super_group"}],
        "used_by": ["Chat.type"]}"#;
    let files = generate(&spec(&method_returning("Chat"), chat, e)).unwrap();
    let text = file(&files, "enums.rs");
    assert_renders(
        &text,
        r#"
        /// The values of `Chat.type`.
        ///
        /// A value this version of the crate does not know decodes as [`ChatType::Unknown`] and encodes back unchanged.
        ///
        /// <https://core.telegram.org/bots/api#chat>
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ChatType {
            /// `private`
            Private,
            /// `super_group`
            SuperGroup,
            /// A value this version of the crate does not know, as received.
            Unknown(String),
        }
        "#,
    );
    assert!(folders(&files, &["types"]).contains("pub r#type: ChatType,"));
}

#[test]
fn update_like_objects_get_a_kind_enum() {
    let update = r#"{"name": "Update", "doc_url": "https://core.telegram.org/bots/api#update",
        "description": "An update.", "direction": "received", "kind": "object", "one_optional": true, "fields": [
        {"name": "update_id", "type": {"kind": "integer"}, "required": true, "description": "Id"},
        {"name": "message", "type": {"kind": "ref", "name": "User"}, "required": false, "description": "New message"},
        {"name": "edited_message", "type": {"kind": "ref", "name": "User"}, "required": false, "description": "Edited"}]}"#;
    let text = types_rs(&spec(
        &method_returning("Update"),
        &format!("{USER},{update}"),
        "",
    ));
    assert_renders(
        &text,
        r#"
        pub struct Update {
            /// Id
            pub update_id: i64,
            /// Which of the optional fields is present: at most one of them is.
            pub kind: UpdateKind,
        "#,
    );
    assert_renders(
        &text,
        r#"
        pub enum UpdateKind {
            /// New message
            Message(Box<User>),
            /// Edited
            EditedMessage(Box<User>),
            /// A field this version of the crate does not know, with its value.
            Unknown(Box<crate::UnknownKind>),
            /// None of the optional fields is present.
            Empty,
        }
        "#,
    );
    assert_renders(
        &text,
        r#"
            /// The `message` field, when it is the one present.
            pub fn message(&self) -> Option<&User> {
                match &self.kind {
                    UpdateKind::Message(__v) => Some(&**__v),
                    _ => None,
                }
            }
        "#,
    );
}

#[test]
fn output_is_deterministic() {
    let a = generate(&chat_member_spec()).unwrap();
    let b = generate(&chat_member_spec()).unwrap();
    assert_eq!(a, b);
}

#[test]
fn recursive_sent_types_box_only_the_cycle() {
    let node = r#"{"name": "Node", "doc_url": "u", "description": "A node.", "direction": "sent",
        "kind": "object", "fields": [
        {"name": "next", "type": {"kind": "ref", "name": "Node"}, "required": false, "description": "Next"},
        {"name": "leaf", "type": {"kind": "ref", "name": "Leaf"}, "required": false, "description": "Leaf"},
        {"name": "children", "type": {"kind": "array", "items": {"kind": "ref", "name": "Node"}}, "required": false, "description": "Kids"}]}"#;
    let leaf = r#"{"name": "Leaf", "doc_url": "u", "description": "A leaf.", "direction": "sent",
        "kind": "object", "fields": [
        {"name": "x", "type": {"kind": "integer"}, "required": true, "description": "X"}]}"#;
    let send = r#"{"name": "send", "doc_url": "u", "description": "Sends.", "params": [
        {"name": "node", "type": {"kind": "ref", "name": "Node"}, "required": true, "description": "n"}],
        "returns": {"kind": "true"}}"#;
    let text = types_rs(&spec(send, &format!("{node},{leaf}"), ""));
    assert!(text.contains("pub next: Option<Box<Node>>,"), "{text}");
    assert!(text.contains("pub leaf: Option<Leaf>,"), "{text}");
    assert!(text.contains("pub children: Option<Vec<Node>>,"), "{text}");
}

/// A received object with `fields` integer fields besides `reply` (a `Post`) and `pinned` (a
/// `MaybePost`, `Post` or `GonePost` told apart by a zero `date`).
fn post_spec(fields: usize) -> Spec {
    let mut list = vec![
        r#"{"name": "date", "type": {"kind": "integer"}, "required": true, "description": "Date"}"#
            .to_owned(),
        r#"{"name": "reply", "type": {"kind": "ref", "name": "Post"}, "required": false, "description": "Reply"}"#.to_owned(),
        r#"{"name": "pinned", "type": {"kind": "ref", "name": "MaybePost"}, "required": false, "description": "Pinned"}"#.to_owned(),
    ];
    list.extend((list.len()..fields).map(|i| {
        format!(r#"{{"name": "f{i}", "type": {{"kind": "integer"}}, "required": false, "description": "F"}}"#)
    }));
    let post = format!(
        r#"{{"name": "Post", "doc_url": "u", "description": "A post.", "direction": "received",
            "kind": "object", "fields": [{}]}}"#,
        list.join(",")
    );
    let gone = r#"{"name": "GonePost", "doc_url": "u", "description": "A deleted post.",
        "direction": "received", "kind": "object", "fields": [
        {"name": "date", "type": {"kind": "integer"}, "required": true, "description": "Always 0"}]}"#;
    let maybe = r#"{"name": "MaybePost", "doc_url": "u", "description": "A post or a deleted one.",
        "direction": "received", "kind": "union",
        "discriminator": {"by": "zero_field", "field": "date", "zero_member": "GonePost"},
        "members": [{"type": {"kind": "ref", "name": "Post"}}, {"type": {"kind": "ref", "name": "GonePost"}}]}"#;
    spec(
        &method_returning("Post"),
        &format!("{post},{gone},{maybe}"),
        "",
    )
}

#[test]
fn large_objects_that_contain_themselves_are_built_in_their_box() {
    let text = types_rs(&post_spec(LARGE_OBJECT_FIELDS));
    for built_in_box in [
        "fn from_map_boxed<'de, A: serde::de::MapAccess<'de>>(",
        "Box::write(",
        "Box::new_uninit(),",
        "Self::from_map_boxed(__map).map(|__b| *__b)",
        // Nested values are decoded straight into their box.
        "crate::codec::de::boxed_optional(\n                        &mut __map,\n                        &mut __f_reply,",
        // The union holds the member in a box, and reads it as one.
        "Post(Box<Post>),",
        "let __v: Box<Post> = crate::codec::de::boxed(__d)?;",
        "MaybePost::Post(Box::new(v))",
    ] {
        assert!(text.contains(built_in_box), "no {built_in_box} in:\n{text}");
    }

    // Smaller ones are built on the stack, as every other object.
    let text = types_rs(&post_spec(LARGE_OBJECT_FIELDS - 1));
    assert!(!text.contains("from_map_boxed"), "{text}");
    assert!(text.contains("    Post(Post),"), "{text}");
    assert!(
        text.contains("let __v: Post = crate::codec::de::object(__d)?;"),
        "{text}"
    );
}

#[test]
fn unions_whose_members_disagree_are_read_through_the_buffering_decoder() {
    let a = r#"{"name": "ShapeA", "doc_url": "u", "description": "A.", "direction": "received",
        "kind": "object", "fields": [
        {"name": "type", "type": {"kind": "literal", "value": "a"}, "required": true, "description": "a"},
        {"name": "size", "type": {"kind": "integer"}, "required": true, "description": "Size"}]}"#;
    let b = r#"{"name": "ShapeB", "doc_url": "u", "description": "B.", "direction": "received",
        "kind": "object", "fields": [
        {"name": "type", "type": {"kind": "literal", "value": "b"}, "required": true, "description": "b"},
        {"name": "size", "type": {"kind": "string"}, "required": true, "description": "Size"}]}"#;
    let union = r#"{"name": "Shape", "doc_url": "u", "description": "A shape.", "direction": "received",
        "kind": "union", "discriminator": {"by": "field", "field": "type"}, "members": [
        {"type": {"kind": "ref", "name": "ShapeA"}, "tag": "a"},
        {"type": {"kind": "ref", "name": "ShapeB"}, "tag": "b"}]}"#;
    let text = types_rs(&spec(
        &method_returning("Shape"),
        &format!("{union},{a},{b}"),
        "",
    ));
    assert!(!text.contains("struct ShapeFields"), "{text}");
    assert_renders(&text, "crate::codec::de::tagged(__d)");
}

/// A spec with `sendText` (`chat_id` and `send_text_params`), `pinIt` (only
/// `disable_notification`) and `getUser` (none of the parameters defaults fill), plus `extra`
/// methods.
fn defaults_spec(send_text_params: &str, extra: &str) -> Result<Vec<File>, Vec<String>> {
    let entity = r#"{"name": "MessageEntity", "doc_url": "u", "description": "An entity.",
        "direction": "sent", "kind": "object", "fields": [
        {"name": "offset", "type": {"kind": "integer"}, "required": true, "description": "Offset"}]}"#;
    let preview = r#"{"name": "LinkPreviewOptions", "doc_url": "u", "description": "Options.",
        "direction": "sent", "kind": "object", "fields": [
        {"name": "is_disabled", "type": {"kind": "boolean"}, "required": false, "description": "Off"}]}"#;
    let send_text = format!(
        r#"{{"name": "sendText", "doc_url": "u", "description": "Sends.", "params": [
        {{"name": "chat_id", "type": {{"kind": "chat_id"}}, "required": true, "description": "Chat"}}
        {send_text_params}], "returns": {{"kind": "true"}}}}"#
    );
    let pin = r#"{"name": "pinIt", "doc_url": "u", "description": "Pins.", "params": [
        {"name": "disable_notification", "type": {"kind": "boolean"}, "required": false, "description": "Quiet"}],
        "returns": {"kind": "true"}}"#;
    // Uses both types under other names: nothing to fill.
    let get_user = r#"{"name": "getUser", "doc_url": "u", "description": "Gets.", "params": [
        {"name": "entities", "type": {"kind": "array", "items": {"kind": "ref", "name": "MessageEntity"}}, "required": false, "description": "E"},
        {"name": "options", "type": {"kind": "ref", "name": "LinkPreviewOptions"}, "required": false, "description": "O"}],
        "returns": {"kind": "ref", "name": "User"}}"#;
    let users: Vec<String> = ["parse_mode", "question_parse_mode"]
        .iter()
        .filter(|p| send_text_params.contains(&format!("\"{p}\"")))
        .map(|p| format!("\"sendText.{p}\""))
        .collect();
    let parse_mode = format!(
        r#"{{"name": "ParseMode", "values": [{{"value": "HTML"}}], "used_by": [{}]}}"#,
        users.join(", ")
    );
    let uses_parse_mode = !users.is_empty();
    let text = format!(
        r#"{{"format": 1, "api": {{"version": "9.9", "release_date": "2026-01-01"}},
            "source": {{"format": "community_json", "location": "test.json"}},
            "methods": [{send_text}, {pin}, {get_user}{extra}],
            "types": [{USER}, {entity}, {preview}], "enums": [{enums}]}}"#,
        enums = if uses_parse_mode {
            parse_mode.as_str()
        } else {
            ""
        },
    );
    let spec = crate::spec_from_json(&text).unwrap_or_else(|e| panic!("{e:#?}"));
    generate(&spec)
}

const TEXT_PARAMS: &str = r#",
    {"name": "question_parse_mode", "type": {"kind": "parse_mode"}, "required": false, "description": "Mode"},
    {"name": "question_entities", "type": {"kind": "array", "items": {"kind": "ref", "name": "MessageEntity"}}, "required": false, "description": "Entities"},
    {"name": "parse_mode", "type": {"kind": "parse_mode"}, "required": false, "description": "Mode"},
    {"name": "caption_entities", "type": {"kind": "array", "items": {"kind": "ref", "name": "MessageEntity"}}, "required": false, "description": "Entities"},
    {"name": "link_preview_options", "type": {"kind": "ref", "name": "LinkPreviewOptions"}, "required": false, "description": "Preview"},
    {"name": "protect_content", "type": {"kind": "boolean"}, "required": false, "description": "Protect"}"#;

#[test]
fn methods_say_which_parameters_defaults_fill() {
    let files = defaults_spec(TEXT_PARAMS, "").unwrap_or_else(|e| panic!("{e:#?}"));
    let text = folders(&files, &["methods"]);
    // The parse mode pairs with the entities no other parse mode claims.
    assert_renders(
        &text,
        r#"
        impl crate::Method for SendText {
            const NAME: &'static str = "sendText";
            type Response = bool;
            fn defaultable(_: crate::model::Token) -> crate::model::Defaultable {
                crate::model::Defaultable {
                    parse_mode: Some("caption_entities"),
                    disable_notification: false,
                    protect_content: true,
                    link_preview_options: true,
                }
            }
            #[inline(never)]
            fn decode_result(
                result: &str,
                _: crate::model::Token,
            ) -> Result<Self::Response, serde_json::Error> {
                crate::json::from_str(result)
            }
            #[inline(never)]
            fn trace_result(result: &str, _: crate::model::Token) -> Option<(String, String)> {
                crate::codec::de::trace::<Self::Response>(result)
            }
        }
        "#,
    );
    assert_renders(
        &text,
        r#"
        fn defaultable(_: crate::model::Token) -> crate::model::Defaultable {
            crate::model::Defaultable {
                parse_mode: None,
                disable_notification: true,
                protect_content: false,
                link_preview_options: false,
            }
        }
        "#,
    );
    assert_renders(
        &text,
        r#"
        impl crate::Method for GetUser {
            const NAME: &'static str = "getUser";
            type Response = User;
            #[inline(never)]
            fn decode_result(
                result: &str,
                _: crate::model::Token,
            ) -> Result<Self::Response, serde_json::Error> {
                crate::json::from_str(result)
            }
            #[inline(never)]
            fn trace_result(result: &str, _: crate::model::Token) -> Option<(String, String)> {
                crate::codec::de::trace::<Self::Response>(result)
            }
        }
        "#,
    );
    assert_eq!(text.matches("fn defaultable").count(), 2);
    assert_renders(
        &file(&files, "registry.rs"),
        r#"
        "sendText" => defaultable_of::<super::methods::SendText>(),
        "pinIt" => defaultable_of::<super::methods::PinIt>(),
        "getUser" => defaultable_of::<super::methods::GetUser>(),
        "#,
    );
}

#[test]
fn defaults_need_their_types_and_an_entities_parameter_for_parse_mode() {
    let lone = r#",
        {"name": "parse_mode", "type": {"kind": "parse_mode"}, "required": false, "description": "Mode"}"#;
    let errors = defaults_spec(lone, "").unwrap_err();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("sendText: parse_mode needs exactly one list of entities")),
        "{errors:?}"
    );
    let text_flag = r#",
        {"name": "protect_content", "type": {"kind": "string"}, "required": false, "description": "Protect"}"#;
    let errors = defaults_spec(text_flag, "").unwrap_err();
    assert!(
        errors.iter().any(|e| e.contains(
            "sendText.protect_content: Defaults fills it as an optional Boolean, but it is an optional String"
        )),
        "{errors:?}"
    );
    let required = r#"{"name": "quiet", "doc_url": "u", "description": "Q.", "params": [
        {"name": "disable_notification", "type": {"kind": "boolean"}, "required": true, "description": "Quiet"}],
        "returns": {"kind": "true"}}"#;
    let errors = defaults_spec("", &format!(",{required}")).unwrap_err();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("quiet.disable_notification: Defaults fills it as an optional Boolean, but it is a required Boolean")),
        "{errors:?}"
    );
}

mod api;

#[test]
fn files_are_split_by_concern_and_chapter_and_parted_when_large() {
    let section = |name: &str, section: &str| {
        format!(
            r#"{{"name": "{name}", "doc_url": "https://core.telegram.org/bots/api#{lower}",
            "description": "A {name}.", "direction": "unused", "kind": "object",
            "section": "{section}", "fields": [
            {{"name": "id", "type": {{"kind": "integer"}}, "required": true, "description": "Identifier"}}]}}"#,
            lower = name.to_lowercase()
        )
    };
    let types = [
        section("Update", "getting-updates"),
        section("User", "available-types").replace("unused", "received"),
        section("Chat", "available-types"),
        section("Game", "games"),
    ]
    .join(",");
    let method = r#"{"name": "getMe", "doc_url": "u", "description": "Gets.", "params": [],
        "returns": {"kind": "ref", "name": "User"}, "section": "available-methods"}"#;
    let spec = spec(method, &types, "");

    let files = generate(&spec).unwrap();
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    for path in [
        "types/getting_updates.rs",
        "types/available_types.rs",
        "types/games.rs",
        "decode/available_types.rs",
        "encode/available_types.rs",
        "schema/games.rs",
        "methods/available_methods.rs",
        "bot/available_methods.rs",
    ] {
        assert!(paths.contains(&path), "no {path} in {paths:?}");
    }
    let types = file(&files, "types/available_types.rs");
    assert!(types.contains("Chapter \"Available types\""), "{types}");
    assert!(types.contains("pub struct User {") && types.contains("pub struct Chat {"));
    // Definitions only: the decoders, encoders and schemas are in their own folders.
    assert!(!types.contains("FromMap") && !types.contains("Serialize for"));
    assert!(file(&files, "decode/available_types.rs").contains("FromMap for User"));
    assert!(file(&files, "encode/available_types.rs").contains("serde::Serialize for User"));
    let module = file(&files, "types/mod.rs");
    assert_renders(
        &module,
        "mod getting_updates;
         mod available_types;
         mod games;",
    );
    let bot = file(&files, "bot/available_methods.rs");
    assert!(bot.contains("/// Chapter \"Available methods\" of the Bot API documentation."));

    // Over the limit, a chapter's file is split in numbered parts, each type whole.
    let files = generate_with_limit(&spec, 300).unwrap();
    let parts: Vec<&str> = files
        .iter()
        .map(|f| f.path.as_str())
        .filter(|p| p.starts_with("types/available_types"))
        .collect();
    assert_eq!(
        parts,
        ["types/available_types_1.rs", "types/available_types_2.rs"]
    );
    assert!(file(&files, "types/available_types_1.rs").contains("pub struct User {"));
    assert!(file(&files, "types/available_types_2.rs").contains("pub struct Chat {"));
    let module = file(&files, "types/mod.rs");
    assert!(module.contains("pub use available_types_2::*;"), "{module}");
}

#[test]
fn the_chat_user_and_message_of_an_update_follow_the_fields_of_each_kind() {
    let object = |name: &str, fields: &str| {
        format!(
            r#"{{"name": "{name}", "doc_url": "u", "description": "A {name}.",
            "direction": "received", "kind": "object", "fields": [{fields}]}}"#
        )
    };
    let field = |name: &str, ty: &str, required: bool| {
        format!(
            r#"{{"name": "{name}", "type": {{"kind": "ref", "name": "{ty}"}}, "required": {required}, "description": "D"}}"#
        )
    };
    let id = r#"{"name": "id", "type": {"kind": "integer"}, "required": true, "description": "I"}"#;
    let types = [
        format!(
            r#"{{"name": "Update", "doc_url": "u", "description": "An update.",
            "direction": "received", "kind": "object", "one_optional": true, "fields": [{id}, {}, {}, {}]}}"#,
            field("message", "Message", false),
            field("new_thing", "Thing", false),
            field("vote", "Vote", false),
        ),
        object("Chat", id),
        object("User", id),
        object(
            "Message",
            &format!("{id}, {}, {}", field("chat", "Chat", true), field("from", "User", false)),
        ),
        // A kind a release adds: covered because of its fields, with no hand edit.
        object(
            "Thing",
            &format!("{}, {}", field("chat", "Chat", true), field("from", "User", true)),
        ),
        object(
            "Vote",
            &format!("{}, {}", field("voter_chat", "Chat", false), field("user", "User", false)),
        ),
    ]
    .join(",");
    let text = types_rs(&spec(&method_returning("Update"), &types, ""));
    assert_renders(
        &text,
        r#"
        pub fn effective_chat(&self) -> Option<&Chat> {
            match &self.kind {
                UpdateKind::Message(__v) => Some(&__v.chat),
                UpdateKind::NewThing(__v) => Some(&__v.chat),
                UpdateKind::Vote(__v) => __v.voter_chat.as_deref(),
                _ => None,
            }
        }
        "#,
    );
    assert_renders(
        &text,
        r#"
                UpdateKind::Message(__v) => __v.from.as_deref(),
                UpdateKind::NewThing(__v) => Some(&__v.from),
                UpdateKind::Vote(__v) => __v.user.as_deref(),
        "#,
    );
    assert!(text.contains("/// - `new_thing`: its `chat`;"), "{text}");
}

#[test]
fn a_union_reads_what_all_its_members_have() {
    let text = types_rs(&chat_member_spec());
    // Only the owner has a user here: no accessor promises one.
    assert!(!text.contains("pub fn user(&self)"), "{text}");
    assert_renders(
        &text,
        r#"
        pub fn status(&self) -> &str {
            match self {
                ChatMember::Owner(_) => "creator",
        "#,
    );
}

#[test]
fn a_field_every_member_has_is_read_on_the_union() {
    let member = |name: &str, tag: &str| {
        format!(
            r#"{{"name": "{name}", "doc_url": "u", "description": "M.", "direction": "received",
            "kind": "object", "fields": [
            {{"name": "status", "type": {{"kind": "literal", "value": "{tag}"}}, "required": true, "description": "s"}},
            {{"name": "user", "type": {{"kind": "ref", "name": "User"}}, "required": true, "description": "User"}},
            {{"name": "since", "type": {{"kind": "integer"}}, "required": true, "description": "Since"}}]}}"#
        )
    };
    let union = r#"{"name": "ChatMember", "doc_url": "u", "description": "A member.",
        "direction": "received", "kind": "union",
        "discriminator": {"by": "field", "field": "status"}, "members": [
        {"type": {"kind": "ref", "name": "ChatMemberOwner"}, "tag": "creator"},
        {"type": {"kind": "ref", "name": "ChatMemberLeft"}, "tag": "left"}]}"#;
    let text = types_rs(&spec(
        &method_returning("ChatMember"),
        &format!(
            "{USER},{union},{},{}",
            member("ChatMemberOwner", "creator"),
            member("ChatMemberLeft", "left")
        ),
        "",
    ));
    assert_renders(
        &text,
        r#"
        pub fn user(&self) -> Option<&User> {
            match self {
                ChatMember::Owner(__v) => Some(&__v.user),
                ChatMember::Left(__v) => Some(&__v.user),
                ChatMember::Unknown(_) => None,
            }
        }
        "#,
    );
    assert_renders(&text, "pub fn since(&self) -> Option<i64> {");
}

//! The shape of the public API and of its docs: non-exhaustive types built with `new`, the
//! official name of each method as a hidden alias, links only where the source has them.

use super::*;

const BUTTON: &str = r#"{"name": "Button", "doc_url": "https://core.telegram.org/bots/api#button",
    "description": "A button, see [User](https://core.telegram.org/bots/api#user) and [Button](https://core.telegram.org/bots/api#button). Button width.",
    "direction": "sent", "kind": "object", "fields": [
    {"name": "text", "type": {"kind": "string"}, "required": true, "description": "Label"}]}"#;

fn send_buttons() -> String {
    r#"{"name": "sendButtons", "doc_url": "https://core.telegram.org/bots/api#sendbuttons",
        "description": "Sends buttons. Use [sendButtons](https://core.telegram.org/bots/api#sendbuttons) or [getUser](https://core.telegram.org/bots/api#getuser).", "params": [
        {"name": "chat_id", "type": {"kind": "chat_id"}, "required": true, "description": "Chat"},
        {"name": "buttons", "type": {"kind": "array", "items": {"kind": "ref", "name": "Button"}}, "required": false, "description": "A JSON-serialized list of buttons"},
        {"name": "data", "type": {"kind": "string"}, "required": false, "description": "A JSON-serialized object, as text"}],
        "returns": {"kind": "true"}}"#
        .to_string()
}

fn page_spec() -> Spec {
    let get_user = r#"{"name": "getUser", "doc_url": "https://core.telegram.org/bots/api#getuser",
        "description": "Gets.", "params": [], "returns": {"kind": "ref", "name": "User"}}"#;
    let mut s = spec(
        &format!("{},{get_user}", send_buttons()),
        &format!("{USER},{BUTTON}"),
        "",
    );
    s.source.format = crate::spec::SourceFormat::OfficialHtml;
    s
}

#[test]
fn objects_and_request_types_are_non_exhaustive() {
    let files = generate(&page_spec()).unwrap();
    assert_renders(
        &folders(&files, &["types", "decode", "encode", "schema"]),
        r#"
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        pub struct Button {
        "#,
    );
    assert_renders(
        &folders(&files, &["methods", "encode"]),
        r#"
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        pub struct SendButtons {
        "#,
    );
}

#[test]
fn links_follow_the_page_and_never_point_to_the_item_itself() {
    let files = generate(&page_spec()).unwrap();
    // The page links User and Button; Button is the item, and "Button width" is a word.
    assert_renders(
        &folders(&files, &["types", "decode", "encode", "schema"]),
        r#"
        /// A button, see [`User`](crate::User) and `Button`. Button width.
        ///
        /// <https://core.telegram.org/bots/api#button>
        "#,
    );
    assert_renders(
        &folders(&files, &["methods", "encode"]),
        r#"
        /// Sends buttons. Use `sendButtons` or [`getUser`](crate::Bot::get_user).
        "#,
    );
}

#[test]
fn the_official_url_ends_the_item_only_and_typed_values_are_not_json_text() {
    let files = generate(&page_spec()).unwrap();
    let methods = folders(&files, &["methods", "encode"]);
    assert_renders(
        &methods,
        r#"
        pub struct SendButtons {
            /// Chat
            pub chat_id: crate::ChatId,
            /// A list of buttons
            pub buttons: Option<Vec<Button>>,
            /// A JSON-serialized object, as text
            pub data: Option<String>,
        }
        "#,
    );
    // Each setter once, for the request and its `Call`, one a line with its docs.
    assert_renders(
        &methods,
        r#"
        crate::transport::call::setters! {
            SendButtons {
                /// A list of buttons
                buttons(buttons: Vec<Button>) => buttons;
                /// A JSON-serialized object, as text
                data(data: impl Into<String>) => data.into();
            }
        }
        "#,
    );
    assert_eq!(
        methods
            .matches("<https://core.telegram.org/bots/api#sendbuttons>")
            .count(),
        1,
        "{methods}"
    );
    let types = folders(&files, &["types", "decode", "encode", "schema"]);
    assert_eq!(
        types
            .matches("<https://core.telegram.org/bots/api#button>")
            .count(),
        1,
        "{types}"
    );
}

#[test]
fn official_method_names_are_hidden_aliases() {
    let files = generate(&page_spec()).unwrap();
    assert_renders(
        &folders(&files, &["bot"]),
        r#"
        /// Optional parameters are set on the returned [`Call`](crate::Call); see [`SendButtons`](crate::methods::SendButtons). Also callable under its official name, `sendButtons`.
        ///
        /// <https://core.telegram.org/bots/api#sendbuttons>
        #[doc(alias = "sendButtons")]
        pub fn send_buttons(
            &self,
            chat_id: impl Into<crate::ChatId>,
        ) -> crate::Call<'_, crate::methods::SendButtons> {
            crate::Call::new(self, crate::methods::SendButtons::new(chat_id))
        }
        /// `sendButtons`: the official name of [`send_buttons`](Self::send_buttons).
        #[doc(hidden)]
        #[allow(non_snake_case)]
        pub fn sendButtons(
        "#,
    );
}

#[test]
fn many_required_fields_allow_many_arguments_there_only() {
    let fields: Vec<String> = (0..8)
        .map(|i| {
            format!(
                r#"{{"name": "f{i}", "type": {{"kind": "boolean"}}, "required": true, "description": "F"}}"#
            )
        })
        .collect();
    let rights = format!(
        r#"{{"name": "Rights", "doc_url": "https://core.telegram.org/bots/api#rights",
        "description": "Rights.", "direction": "sent", "kind": "object", "fields": [{}]}}"#,
        fields.join(",")
    );
    let send = r#"{"name": "setRights", "doc_url": "u", "description": "Sets.", "params": [
        {"name": "rights", "type": {"kind": "ref", "name": "Rights"}, "required": true, "description": "r"}],
        "returns": {"kind": "true"}}"#;
    let files = generate(&spec(send, &rights, "")).unwrap();
    let types = folders(&files, &["types", "decode", "encode", "schema"]);
    assert_renders(
        &types,
        r#"
        /// A `Rights` from its required fields; optional ones are set with the methods below.
        #[must_use]
        #[allow(clippy::too_many_arguments)]
        pub fn new(
        "#,
    );
    assert_eq!(types.matches("too_many_arguments").count(), 1, "{types}");
    for f in &files {
        assert!(
            !f.contents.contains("#![allow"),
            "{}: a blanket allow",
            f.path
        );
    }
}

#[test]
fn plain_text_links_the_returned_type_in_a_method_description() {
    let get = r#"{"name": "getUser", "doc_url": "https://core.telegram.org/bots/api#getuser",
        "description": "Returns the User. File identifier, see getUser and sendButtons.", "params": [],
        "returns": {"kind": "ref", "name": "User"}}"#;
    let files = generate(&spec(
        &format!("{get},{}", send_buttons()),
        &format!("{USER},{BUTTON}"),
        "",
    ))
    .unwrap();
    assert_renders(
        &folders(&files, &["bot"]),
        r#"
        /// Returns the [`User`](crate::User). File identifier, see getUser and [`sendButtons`](crate::Bot::send_buttons).
        "#,
    );
}

use super::*;
use crate::raw::{RawMethod, RawType};
use crate::spec::SourceFormat;

fn field(name: &str, types: &[&str], required: bool, description: &str) -> RawField {
    RawField {
        name: name.into(),
        types: types.iter().map(|t| t.to_string()).collect(),
        required,
        description: description.into(),
    }
}

fn object(name: &str, fields: Vec<RawField>) -> RawType {
    RawType {
        name: name.into(),
        href: format!("https://core.telegram.org/bots/api#{}", name.to_lowercase()),
        description: vec![format!("The {name} object.")],
        fields,
        subtypes: vec![],
        section: None,
    }
}

fn union(name: &str, members: &[&str]) -> RawType {
    RawType {
        subtypes: members.iter().map(|m| m.to_string()).collect(),
        ..object(name, vec![])
    }
}

fn method(name: &str, returns: &[&str], fields: Vec<RawField>) -> RawMethod {
    RawMethod {
        name: name.into(),
        href: format!("https://core.telegram.org/bots/api#{}", name.to_lowercase()),
        description: vec!["Does a thing. Returns True on success.".into()],
        returns: returns.iter().map(|r| r.to_string()).collect(),
        fields,
        section: None,
    }
}

fn api(types: Vec<RawType>, methods: Vec<RawMethod>) -> RawApi {
    RawApi {
        version: "9.9".into(),
        release_date: "May 1, 2026".into(),
        changelog: None,
        methods,
        types,
    }
}

fn source() -> Source {
    Source {
        format: SourceFormat::CommunityJson,
        location: "test.json".into(),
    }
}

fn parse_mode_overrides() -> Overrides {
    Overrides::parse(
        r#"{"enums": [{"name": "ParseMode", "values": ["HTML", "MarkdownV2", "Markdown"],
            "reason": "fact"}]}"#,
    )
    .unwrap()
}

fn import(raw: &RawApi) -> Spec {
    import_with(raw, &parse_mode_overrides())
}

fn import_with(raw: &RawApi, overrides: &Overrides) -> Spec {
    match lower(raw, source(), overrides) {
        Ok(i) => i.spec,
        Err(errors) => panic!("import failed: {errors:#?}"),
    }
}

fn errors_of(raw: &RawApi, overrides: &Overrides) -> String {
    match lower(raw, source(), overrides) {
        Ok(_) => panic!("import should fail"),
        Err(errors) => errors.join("\n"),
    }
}

fn param<'a>(spec: &'a Spec, method: &str, name: &str) -> &'a Field {
    spec.method(method)
        .unwrap()
        .params
        .iter()
        .find(|p| p.name == name)
        .unwrap()
}

fn type_field<'a>(spec: &'a Spec, ty: &str, name: &str) -> &'a Field {
    spec.type_def(ty)
        .unwrap()
        .fields()
        .iter()
        .find(|f| f.name == name)
        .unwrap()
}

fn user() -> RawType {
    object("User", vec![field("id", &["Integer"], true, "Identifier")])
}

#[test]
fn scalars_arrays_and_references() {
    let raw = api(
        vec![
            user(),
            object(
                "Photo",
                vec![
                    field("width", &["Integer"], true, "Width"),
                    field("ratio", &["Float"], false, "Optional. Ratio"),
                    field("seen", &["Boolean"], false, "Optional. True, if seen"),
                    field("by", &["Array of Array of User"], false, "Optional. Users"),
                ],
            ),
        ],
        vec![method("getPhoto", &["Photo"], vec![])],
    );
    let spec = import(&raw);
    assert_eq!(type_field(&spec, "Photo", "width").ty, TypeExpr::Integer);
    assert_eq!(type_field(&spec, "Photo", "ratio").ty, TypeExpr::Float);
    let seen = type_field(&spec, "Photo", "seen");
    assert_eq!(seen.ty, TypeExpr::Boolean);
    assert!(!seen.required);
    assert_eq!(
        seen.description, "True, if seen",
        "the Optional. marker is dropped"
    );
    assert_eq!(
        type_field(&spec, "Photo", "by").ty,
        TypeExpr::array(TypeExpr::array(TypeExpr::reference("User")))
    );
    assert_eq!(spec.api.release_date, "2026-05-01");
}

#[test]
fn chat_ids_files_reply_markup_and_message_or_true() {
    let markup: Vec<RawType> = REPLY_MARKUP_MEMBERS
        .iter()
        .map(|n| object(n, vec![field("x", &["String"], false, "Optional. x")]))
        .collect();
    let mut types = markup;
    types.push(object(
        "Message",
        vec![field("message_id", &["Integer"], true, "Id")],
    ));
    types.push(object("InputFile", vec![]));
    let raw = api(
        types,
        vec![
            method(
                "sendPhoto",
                &["Message"],
                vec![
                    field("chat_id", &["Integer", "String"], true, "Chat or @username"),
                    field("photo", &["InputFile", "String"], true, "Photo to send"),
                    field(
                        "reply_markup",
                        &REPLY_MARKUP_MEMBERS,
                        false,
                        "Additional interface options",
                    ),
                ],
            ),
            method(
                "setChatPhoto",
                &["Boolean"],
                vec![field("photo", &["InputFile"], true, "New photo")],
            ),
            method(
                "editMessageText",
                &["Message", "Boolean"],
                vec![field(
                    "from_chat_id",
                    &["Integer", "String"],
                    false,
                    "Source chat",
                )],
            ),
        ],
    );
    let spec = import(&raw);
    assert_eq!(param(&spec, "sendPhoto", "chat_id").ty, TypeExpr::ChatId);
    assert_eq!(
        param(&spec, "sendPhoto", "photo").ty,
        TypeExpr::InputFileOrString
    );
    assert_eq!(
        param(&spec, "setChatPhoto", "photo").ty,
        TypeExpr::InputFile
    );
    assert_eq!(
        param(&spec, "sendPhoto", "reply_markup").ty,
        TypeExpr::ReplyMarkup
    );
    assert_eq!(
        param(&spec, "editMessageText", "from_chat_id").ty,
        TypeExpr::ChatId
    );
    assert_eq!(
        spec.method("editMessageText").unwrap().returns,
        TypeExpr::MessageOrTrue
    );
    assert_eq!(spec.method("setChatPhoto").unwrap().returns, TypeExpr::True);
    assert_eq!(
        spec.type_def("InputFile").unwrap().kind,
        TypeKind::InputFile
    );
}

#[test]
fn integer_or_string_elsewhere_is_an_unknown_combination() {
    let raw = api(
        vec![],
        vec![method(
            "setThing",
            &["Boolean"],
            vec![field("size", &["Integer", "String"], true, "Size")],
        )],
    );
    let err = errors_of(&raw, &parse_mode_overrides());
    assert!(err.contains("setThing.size"), "{err}");
    assert!(err.contains("not a chat id"), "{err}");
}

#[test]
fn attach_strings_are_uploads() {
    let raw = api(
        vec![object(
            "InputMediaPhoto",
            vec![
                field(
                    "media",
                    &["String"],
                    true,
                    "File to send. Pass a file_id, an HTTP URL, or \"attach://<file_attach_name>\" to upload",
                ),
                field("caption", &["String"], false, "Optional. Caption"),
            ],
        )],
        vec![method(
            "send",
            &["Boolean"],
            vec![field("media", &["InputMediaPhoto"], true, "Media")],
        )],
    );
    let spec = import(&raw);
    assert_eq!(
        type_field(&spec, "InputMediaPhoto", "media").ty,
        TypeExpr::Attachable
    );
    assert_eq!(
        type_field(&spec, "InputMediaPhoto", "caption").ty,
        TypeExpr::String
    );
    assert_eq!(
        spec.type_def("InputMediaPhoto").unwrap().direction,
        Direction::Sent
    );
}

fn chat_member_api(owner_status: &str) -> RawApi {
    api(
        vec![
            user(),
            union("ChatMember", &["ChatMemberOwner", "ChatMemberBanned"]),
            object(
                "ChatMemberOwner",
                vec![
                    field("status", &["String"], true, owner_status),
                    field("user", &["User"], true, "The user"),
                ],
            ),
            object(
                "ChatMemberBanned",
                vec![
                    field(
                        "status",
                        &["String"],
                        true,
                        "The member's status in the chat, always \"kicked\"",
                    ),
                    field("until_date", &["Integer"], true, "Date"),
                ],
            ),
        ],
        vec![method("getChatMember", &["ChatMember"], vec![])],
    )
}

#[test]
fn union_tags_come_from_descriptions_not_names() {
    let spec = import(&chat_member_api(
        "The member's status in the chat, always \"creator\"",
    ));
    let TypeKind::Union {
        discriminator,
        members,
    } = &spec.type_def("ChatMember").unwrap().kind
    else {
        panic!("not a union")
    };
    assert_eq!(
        *discriminator,
        Discriminator::Field {
            field: "status".into()
        }
    );
    let tags: Vec<_> = members.iter().map(|m| m.tag.clone().unwrap()).collect();
    assert_eq!(tags, ["creator", "kicked"]);
    assert_eq!(
        type_field(&spec, "ChatMemberOwner", "status").ty,
        TypeExpr::Literal {
            value: "creator".into()
        }
    );
    assert_eq!(
        spec.type_def("ChatMemberOwner").unwrap().direction,
        Direction::Received
    );
    assert_eq!(
        spec.type_def("User").unwrap().direction,
        Direction::Received
    );
}

#[test]
fn unquoted_must_be_tags() {
    let raw = api(
        vec![
            union("BotCommandScope", &["BotCommandScopeDefault"]),
            object(
                "BotCommandScopeDefault",
                vec![field(
                    "type",
                    &["String"],
                    true,
                    "Scope type, must be default",
                )],
            ),
        ],
        vec![method(
            "setMyCommands",
            &["Boolean"],
            vec![field("scope", &["BotCommandScope"], false, "Scope")],
        )],
    );
    let spec = import(&raw);
    let TypeKind::Union { members, .. } = &spec.type_def("BotCommandScope").unwrap().kind else {
        panic!()
    };
    assert_eq!(members[0].tag.as_deref(), Some("default"));
}

#[test]
fn a_member_without_a_discriminator_fails_loudly() {
    let err = errors_of(
        &chat_member_api("The member's status in the chat"),
        &parse_mode_overrides(),
    );
    assert!(err.contains("union ChatMember"), "{err}");
    assert!(
        err.contains("ChatMemberOwner has no discriminator value"),
        "{err}"
    );
    assert!(err.contains("overrides.json"), "{err}");
}

#[test]
fn unions_without_a_field_need_an_override() {
    let raw = api(
        vec![
            union(
                "MaybeInaccessibleMessage",
                &["Message", "InaccessibleMessage"],
            ),
            object(
                "Message",
                vec![
                    field("message_id", &["Integer"], true, "Id"),
                    field("date", &["Integer"], true, "Date"),
                ],
            ),
            object(
                "InaccessibleMessage",
                vec![
                    field("message_id", &["Integer"], true, "Id"),
                    field("date", &["Integer"], true, "Always 0"),
                ],
            ),
        ],
        vec![method("get", &["MaybeInaccessibleMessage"], vec![])],
    );
    assert!(errors_of(&raw, &parse_mode_overrides()).contains("Message has no discriminator"));
    let overrides = Overrides::parse(
        r#"{"enums": [{"name": "ParseMode", "values": ["HTML"], "reason": "fact"}],
            "unions": [{"type": "MaybeInaccessibleMessage",
              "discriminator": {"by": "zero_field", "field": "date", "zero_member": "InaccessibleMessage"},
              "reason": "date is 0 for inaccessible messages"}]}"#,
    )
    .unwrap();
    let spec = import_with(&raw, &overrides);
    let TypeKind::Union { discriminator, .. } =
        &spec.type_def("MaybeInaccessibleMessage").unwrap().kind
    else {
        panic!()
    };
    assert!(
        matches!(discriminator, Discriminator::ZeroField { zero_member, .. } if zero_member == "InaccessibleMessage")
    );
}

#[test]
fn string_and_array_members_are_told_apart_by_json_kind() {
    let raw = api(
        vec![
            union("RichText", &["String", "Array of RichText", "RichTextBold"]),
            object(
                "RichTextBold",
                vec![
                    field(
                        "type",
                        &["String"],
                        true,
                        "Type of the rich text, always \"bold\"",
                    ),
                    field("text", &["RichText"], true, "The text"),
                ],
            ),
        ],
        vec![method("get", &["RichText"], vec![])],
    );
    let spec = import(&raw);
    let TypeKind::Union {
        discriminator,
        members,
    } = &spec.type_def("RichText").unwrap().kind
    else {
        panic!()
    };
    assert_eq!(
        *discriminator,
        Discriminator::JsonKind {
            field: "type".into()
        }
    );
    assert_eq!(members[0].ty, TypeExpr::String);
    assert_eq!(
        members[1].ty,
        TypeExpr::array(TypeExpr::reference("RichText"))
    );
    assert_eq!(members[2].tag.as_deref(), Some("bold"));
}

#[test]
fn media_groups_and_one_of_fields() {
    let media = |kind: &str| {
        object(
            &format!("InputMedia{kind}"),
            vec![field(
                "type",
                &["String"],
                true,
                &format!("Type of the result, must be {}", kind.to_lowercase()),
            )],
        )
    };
    let raw = api(
        vec![
            union("InputMedia", &["InputMediaPhoto", "InputMediaVideo"]),
            media("Photo"),
            media("Video"),
            media("Voice"),
            object(
                "Holder",
                vec![field(
                    "media",
                    &["InputMediaPhoto", "InputMediaVoice"],
                    true,
                    "Media",
                )],
            ),
        ],
        vec![
            method(
                "sendMediaGroup",
                &["Boolean"],
                vec![field(
                    "media",
                    &["Array of InputMediaPhoto", "Array of InputMediaVideo"],
                    true,
                    "Media",
                )],
            ),
            method(
                "hold",
                &["Boolean"],
                vec![field("h", &["Holder"], true, "Holder")],
            ),
        ],
    );
    let spec = import(&raw);
    assert_eq!(
        param(&spec, "sendMediaGroup", "media").ty,
        TypeExpr::MediaGroup {
            members: vec!["InputMediaPhoto".into(), "InputMediaVideo".into()]
        }
    );
    assert_eq!(
        type_field(&spec, "Holder", "media").ty,
        TypeExpr::OneOf {
            members: vec!["InputMediaPhoto".into(), "InputMediaVoice".into()]
        }
    );
    // A type outside every union still gets its constant through the one-of field.
    assert_eq!(
        type_field(&spec, "InputMediaVoice", "type").ty,
        TypeExpr::Literal {
            value: "voice".into()
        }
    );
}

#[test]
fn untagged_alternatives_fail() {
    let raw = api(
        vec![
            user(),
            object("Chat", vec![field("id", &["Integer"], true, "Id")]),
        ],
        vec![method(
            "get",
            &["Boolean"],
            vec![field("who", &["User", "Chat"], true, "Someone")],
        )],
    );
    let err = errors_of(&raw, &parse_mode_overrides());
    assert!(err.contains("get.who: unknown combination"), "{err}");
}

#[test]
fn unknown_types_fail() {
    let raw = api(vec![], vec![method("get", &["Gadget"], vec![])]);
    assert!(errors_of(&raw, &parse_mode_overrides()).contains("unknown type \"Gadget\""));
}

#[test]
fn enumerated_values_rule() {
    let cases: &[(&str, &[&str])] = &[
        (
            "Type of the chat, can be either \"private\", \"group\", \"supergroup\" or \"channel\"",
            &["private", "group", "supergroup", "channel"],
        ),
        (
            "Type of the entity. Currently, can be \"mention\" (@username), \"url\" (https://telegram.org), or \"date_time\" (for formatted date and time).",
            &["mention", "url", "date_time"],
        ),
        (
            "Poll type, \"quiz\" or \"regular\", defaults to \"regular\"",
            &["quiz", "regular"],
        ),
        (
            "Format, must be one of \"static\", \"animated\", \"video\"",
            &["static", "animated", "video"],
        ),
        (
            "MIME type, must be one of \"image/jpeg\", \"image/gif\", or \"video/mp4\". Defaults to \"image/jpeg\".",
            &["image/jpeg", "image/gif", "video/mp4"],
        ),
        (
            "The codec, for example, \"h264\", \"h265\", or \"av01\"",
            &[],
        ),
        (
            "Entities other than \"bold\" and \"italic\" are ignored.",
            &[],
        ),
        (
            "Optional. Can be available only for \"invoice_payment\" and \"paid_media_payment\" transactions.",
            &[],
        ),
        (
            "Optional. For \"regular\" and \"custom_emoji\" stickers only.",
            &[],
        ),
        (
            "Three-letter ISO 4217 currency code, or \"XTR\" for payments in Telegram Stars. Currently, always \"XTR\".",
            &[],
        ),
        ("Text of the message", &[]),
    ];
    for (description, expected) in cases {
        assert_eq!(enumerated_values(description), *expected, "{description}");
    }
}

#[test]
fn enums_are_named_by_default_and_shared_by_override() {
    let raw = api(
        vec![
            object(
                "Chat",
                vec![field(
                    "type",
                    &["String"],
                    true,
                    "Type of the chat, can be either \"private\" or \"group\"",
                )],
            ),
            object(
                "ChatFullInfo",
                vec![
                    field(
                        "type",
                        &["String"],
                        true,
                        "Type of the chat, can be either \"private\" or \"group\"",
                    ),
                    field(
                        "mood",
                        &["String"],
                        false,
                        "Optional. Mood, one of \"calm\", \"busy\"",
                    ),
                ],
            ),
        ],
        vec![
            method("getChat", &["ChatFullInfo"], vec![]),
            method("get", &["Chat"], vec![]),
            method(
                "sendText",
                &["Boolean"],
                vec![
                    field("parse_mode", &["String"], false, "See formatting options"),
                    field(
                        "action",
                        &["String"],
                        true,
                        "typing for text, find_location for places",
                    ),
                ],
            ),
        ],
    );
    let overrides = Overrides::parse(
        r#"{"enums": [
            {"name": "ParseMode", "values": ["HTML", "MarkdownV2", "Markdown"], "reason": "fact"},
            {"name": "ChatType", "fields": ["Chat.type", "ChatFullInfo.type"], "reason": "same"},
            {"name": "ChatAction", "fields": ["sendText.action"], "values": ["typing", "find_location"], "reason": "unquoted"}
        ]}"#,
    )
    .unwrap();
    let spec = import_with(&raw, &overrides);
    let chat_type = TypeExpr::Enum {
        name: "ChatType".into(),
    };
    assert_eq!(type_field(&spec, "Chat", "type").ty, chat_type);
    assert_eq!(type_field(&spec, "ChatFullInfo", "type").ty, chat_type);
    assert_eq!(
        type_field(&spec, "ChatFullInfo", "mood").ty,
        TypeExpr::Enum {
            name: "ChatFullInfoMood".into()
        }
    );
    assert_eq!(
        param(&spec, "sendText", "parse_mode").ty,
        TypeExpr::ParseMode
    );
    let action = spec.enum_def("ChatAction").unwrap();
    assert_eq!(action.used_by, ["sendText.action"]);
    assert_eq!(action.values[1].value, "find_location");
    assert_eq!(
        spec.enum_def("ParseMode").unwrap().used_by,
        ["sendText.parse_mode"]
    );
    let names: Vec<_> = spec.enums.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        ["ChatAction", "ChatFullInfoMood", "ChatType", "ParseMode"]
    );
}

#[test]
fn an_enum_override_without_values_fails() {
    let raw = api(
        vec![],
        vec![method(
            "act",
            &["Boolean"],
            vec![field("action", &["String"], true, "typing for text")],
        )],
    );
    let overrides = Overrides::parse(
        r#"{"enums": [{"name": "ChatAction", "fields": ["act.action"], "reason": "r"}]}"#,
    )
    .unwrap();
    assert!(errors_of(&raw, &overrides).contains("no values are quoted"));
}

#[test]
fn overrides_need_reasons_and_absent_targets_are_warnings() {
    let missing = Overrides::parse(
        r#"{"fields": [{"field": "A.b", "type": {"kind": "true"}, "reason": " "}]}"#,
    );
    assert!(missing.unwrap_err().contains("no reason"));

    let overrides = Overrides::parse(
        r#"{"enums": [{"name": "ParseMode", "values": ["HTML"], "reason": "fact"}],
            "fields": [{"field": "Gone.field", "type": {"kind": "true"}, "reason": "was there"},
                       {"field": "ForceReply.force_reply", "type": {"kind": "true"}, "reason": "always true"}]}"#,
    )
    .unwrap();
    let raw = api(
        vec![object(
            "ForceReply",
            vec![field(
                "force_reply",
                &["Boolean"],
                true,
                "Shows reply interface",
            )],
        )],
        vec![method(
            "send",
            &["Boolean"],
            vec![field("reply", &["ForceReply"], false, "Reply")],
        )],
    );
    let imported = lower(&raw, source(), &overrides).unwrap();
    assert_eq!(
        type_field(&imported.spec, "ForceReply", "force_reply").ty,
        TypeExpr::True
    );
    let w = imported.warnings.join("\n");
    assert!(w.contains("Gone.field matched nothing"), "{w}");
    assert!(
        w.contains("ParseMode matched nothing"),
        "no parse_mode field here: {w}"
    );
    assert!(!w.contains("ForceReply"), "{w}");
}

#[test]
fn update_like_types_and_directions() {
    let mut update = object(
        "Update",
        vec![
            field("update_id", &["Integer"], true, "Id"),
            field("message", &["Message"], false, "Optional. New message"),
        ],
    );
    update
        .description
        .push("At most one of the optional fields can be present in any given update.".into());
    let raw = api(
        vec![
            update,
            object(
                "Message",
                vec![field("message_id", &["Integer"], true, "Id")],
            ),
            object("Lonely", vec![field("x", &["Integer"], true, "x")]),
            object("Keyboard", vec![field("x", &["Integer"], true, "x")]),
            object(
                "Sent",
                vec![field(
                    "keyboard",
                    &["Keyboard"],
                    false,
                    "Optional. Keyboard",
                )],
            ),
        ],
        vec![
            method("getUpdates", &["Array of Update"], vec![]),
            method(
                "send",
                &["Keyboard"],
                vec![field("s", &["Sent"], true, "s")],
            ),
        ],
    );
    let spec = import(&raw);
    let TypeKind::Object { one_optional, .. } = spec.type_def("Update").unwrap().kind else {
        panic!()
    };
    assert!(one_optional);
    let dir = |n: &str| spec.type_def(n).unwrap().direction;
    assert_eq!(dir("Message"), Direction::Received);
    assert_eq!(dir("Sent"), Direction::Sent);
    assert_eq!(dir("Keyboard"), Direction::Both);
    assert_eq!(dir("Lonely"), Direction::Unused);
}

#[test]
fn descriptions_become_markdown() {
    let lines: Vec<String> = ["Intro.", "- One", "- Two", "Outro."]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(markdown(&lines), "Intro.\n\n- One\n- Two\n\nOutro.");
}

#[test]
fn dates() {
    assert_eq!(iso_date("August 24, 2026").unwrap(), "2026-08-24");
    assert!(iso_date("24 August 2026").is_err());
    assert!(iso_date("Smarch 1, 2026").is_err());
}

#[test]
fn plain_text_reads_markdown_as_it_shows() {
    let cases: &[(&str, &str)] = &[
        // Plain prose passes through.
        ("Text of the message", "Text of the message"),
        (
            "must be one of 6 * 3600, 12 * 3600, 86400, or 2 * 86400",
            "must be one of 6 * 3600, 12 * 3600, 86400, or 2 * 86400",
        ),
        ("file_id, _by_<bot_username>", "file_id, _by_<bot_username>"),
        (
            "specify [\"message\", \"poll\"] to",
            "specify [\"message\", \"poll\"] to",
        ),
        ("2*3 stars", "2*3 stars"),
        // Markdown shows its text.
        ("Type, must be *photo*", "Type, must be photo"),
        (
            "At most **one** of the optional",
            "At most one of the optional",
        ),
        ("**only *one***.", "only one."),
        (
            "*Optional*. See [docs](https://x.org/a_(b)#c) now",
            "Optional. See docs now",
        ),
        ("Pass `[\"a\"]` or ``a`b``", "Pass [\"a\"] or a`b"),
        (
            "\"attach://\\<name>\", 6 \\* 3600, \\_x\\_",
            "\"attach://<name>\", 6 * 3600, _x_",
        ),
        ("First.\n\n**NOTE:** second", "First. NOTE: second"),
        ("unclosed [link and `tick", "unclosed [link and `tick"),
    ];
    for (markdown, plain) in cases {
        assert_eq!(plain_text(markdown), *plain, "{markdown}");
    }
}

#[test]
fn enumerated_values_through_markdown() {
    assert_eq!(
        enumerated_values(
            "Type of the chat, can be either \"*private*\", \"group\" or \"channel\""
        ),
        ["private", "group", "channel"]
    );
    assert_eq!(
        enumerated_values(
            "Currently, can be \"mention\" (`@username`), \"url\" ([link](https://telegram.org))."
        ),
        ["mention", "url"]
    );
    assert!(enumerated_values("*For example*, \"a\" or \"b\"").is_empty());
}

#[test]
fn rules_read_markdown_descriptions() {
    let mut update = object(
        "Update",
        vec![
            field("update_id", &["Integer"], true, "Id"),
            field("message", &["Message"], false, "*Optional*. New message"),
        ],
    );
    update.description.push(
        "At most **one** of the optional parameters can be present in any given update.".into(),
    );
    let raw = api(
        vec![
            update,
            object(
                "Message",
                vec![field("message_id", &["Integer"], true, "Id")],
            ),
            union("InputMedia", &["InputMediaPhoto", "InputMediaVideo"]),
            object(
                "InputMediaPhoto",
                vec![
                    field(
                        "type",
                        &["String"],
                        true,
                        "Type of the result, must be *photo*",
                    ),
                    field(
                        "media",
                        &["String"],
                        true,
                        "Pass \"attach://\\<file\\_attach\\_name>\" to upload",
                    ),
                ],
            ),
            object(
                "InputMediaVideo",
                vec![field(
                    "type",
                    &["String"],
                    true,
                    "Type of the result, always \"*video*\".",
                )],
            ),
        ],
        vec![
            method("getUpdates", &["Array of Update"], vec![]),
            method(
                "send",
                &["Boolean"],
                vec![field("media", &["InputMedia"], true, "Media")],
            ),
        ],
    );
    let spec = import(&raw);
    let TypeKind::Object { one_optional, .. } = spec.type_def("Update").unwrap().kind else {
        panic!()
    };
    assert!(one_optional);
    let TypeKind::Union { members, .. } = &spec.type_def("InputMedia").unwrap().kind else {
        panic!()
    };
    let tags: Vec<Option<&str>> = members.iter().map(|m| m.tag.as_deref()).collect();
    assert_eq!(tags, [Some("photo"), Some("video")]);
    assert_eq!(
        type_field(&spec, "InputMediaPhoto", "media").ty,
        TypeExpr::Attachable
    );
    assert_eq!(
        type_field(&spec, "InputMediaPhoto", "type").ty,
        TypeExpr::Literal {
            value: "photo".into()
        }
    );
}

#[test]
fn chapters_come_from_the_source_or_from_where_the_overrides_say_they_begin() {
    let id = || vec![field("id", &["Integer"], true, "Identifier")];
    let raw = api(
        vec![
            object("Update", id()),
            user(),
            object("Chat", id()),
            object("Sticker", id()),
        ],
        vec![
            method("getUpdates", &["Array of Update"], vec![]),
            method("getMe", &["User"], vec![]),
            method("sendSticker", &["Boolean"], vec![]),
        ],
    );
    let overrides = Overrides::parse(
        r#"{"enums": [{"name": "ParseMode", "values": ["HTML"], "reason": "fact"}],
            "sections": [
              {"section": "getting-updates", "first_type": "Update", "first_method": "getUpdates", "reason": "r"},
              {"section": "available-types", "first_type": "User", "reason": "r"},
              {"section": "available-methods", "first_method": "getMe", "reason": "r"},
              {"section": "stickers", "first_type": "Sticker", "first_method": "sendSticker", "reason": "r"},
              {"section": "games", "first_type": "Game", "reason": "not in this release"}
            ]}"#,
    )
    .unwrap();
    let spec = import_with(&raw, &overrides);
    let type_sections: Vec<_> = spec.types.iter().map(|t| t.section.as_deref()).collect();
    assert_eq!(
        type_sections,
        [
            Some("getting-updates"),
            Some("available-types"),
            Some("available-types"),
            Some("stickers")
        ]
    );
    let method_sections: Vec<_> = spec.methods.iter().map(|m| m.section.as_deref()).collect();
    assert_eq!(
        method_sections,
        [
            Some("getting-updates"),
            Some("available-methods"),
            Some("stickers")
        ]
    );
    let warnings = lower(&raw, source(), &overrides).unwrap().warnings;
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("games") && w.contains("Game")),
        "{warnings:?}"
    );

    // A source that names the chapter (the official page) wins over the overrides.
    let mut named = raw.clone();
    named.types[2].section = Some("stickers".into());
    let spec = import_with(&named, &overrides);
    assert_eq!(spec.types[2].section.as_deref(), Some("stickers"));
    // Without overrides, items have no chapter.
    let spec = import(&raw);
    assert!(spec.types.iter().all(|t| t.section.is_none()));
}

//! Decoding and encoding of Bot API types on payloads written after the documented wire format.

use serde_json::{Value, json};
use telegram_api::*;

/// Decodes `json` the four ways a value can be read, which must agree: from bytes and from text,
/// with serde_json directly (field names and enumeration values read as bytes) and through
/// `telegram_api::json` (read as text).
fn decode<T: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(json: &str) -> T {
    let from_str: T = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
    let from_slice: T = serde_json::from_slice(json.as_bytes()).unwrap();
    let fast_slice: T = telegram_api::json::from_slice(json.as_bytes()).unwrap();
    let fast_str: T = telegram_api::json::from_str(json).unwrap();
    assert_eq!(from_slice, from_str, "{json}");
    assert_eq!(fast_slice, from_str, "{json}");
    assert_eq!(fast_str, from_str, "{json}");
    from_str
}

/// The error decoding `json` as `T` gives, the same through serde_json and `telegram_api::json`.
fn decode_error<T: serde::de::DeserializeOwned + std::fmt::Debug>(json: &[u8]) -> String {
    let direct = serde_json::from_slice::<T>(json).expect_err("an error");
    let fast = telegram_api::json::from_slice::<T>(json).expect_err("an error");
    assert_eq!(fast.to_string(), direct.to_string());
    assert_eq!(fast.classify(), direct.classify());
    if let Ok(text) = std::str::from_utf8(json) {
        let fast = telegram_api::json::from_str::<T>(text).expect_err("an error");
        assert_eq!(fast.to_string(), direct.to_string());
    }
    direct.to_string()
}

fn same_json(a: &impl serde::Serialize, b: &str) {
    let a = serde_json::to_value(a).unwrap();
    let b: Value = serde_json::from_str(b).unwrap();
    assert_eq!(a, b);
}

const TEXT_MESSAGE: &str = r#"{
    "update_id": 858442081,
    "message": {
        "message_id": 1365,
        "from": {"id": 1234567890, "is_bot": false, "first_name": "John", "last_name": "Doe",
                 "username": "johndoe", "language_code": "en"},
        "chat": {"id": 1234567890, "first_name": "John", "last_name": "Doe",
                 "username": "johndoe", "type": "private"},
        "date": 1700000000,
        "text": "/start hello",
        "entities": [{"offset": 0, "length": 6, "type": "bot_command"}]
    }
}"#;

#[test]
fn text_message_update() {
    let update: Update = decode(TEXT_MESSAGE);
    assert_eq!(update.update_id, 858442081);
    let message = update.message().expect("a message update");
    let from = message.from.as_ref().unwrap();
    assert_eq!((from.id, from.first_name.as_str()), (1234567890, "John"));
    assert_eq!(message.chat.r#type, ChatType::Private);
    assert_eq!(message.text.as_deref(), Some("/start hello"));
    let entity = &message.entities.as_ref().unwrap()[0];
    assert_eq!(entity.r#type, MessageEntityType::BotCommand);
    assert_eq!(update.kind.name(), Some("message"));
    assert!(matches!(update.kind, UpdateKind::Message(_)));
    assert!(update.callback_query().is_none());
    same_json(&update, TEXT_MESSAGE);
}

#[test]
fn display_is_compact_json() {
    let me: User = decode(
        r#"{"id": 1234567890, "is_bot": true, "first_name": "Hello Bot", "username": "hello_bot"}"#,
    );
    assert_eq!(
        me.to_string(),
        r#"{"id":1234567890,"is_bot":true,"first_name":"Hello Bot","username":"hello_bot"}"#
    );
    assert_eq!(format!("{}", ChatType::Supergroup), "supergroup");
    assert_eq!(ParseMode::MarkdownV2.as_str(), "MarkdownV2");
}

#[test]
fn unknown_fields_are_kept_and_written_back() {
    // A payload from a newer Bot API: new fields at several depths.
    let newer = r#"{
        "update_id": 1,
        "message": {
            "message_id": 7, "date": 1700000000,
            "chat": {"id": -1001234567890, "type": "supergroup", "title": "Rustaceans",
                     "is_community": true},
            "text": "hi",
            "reactions_summary": {"total": 3, "top": ["👍"]},
            "from": {"id": 5, "is_bot": false, "first_name": "A", "aura": 9.5}
        },
        "trace_id": "abc"
    }"#;
    let update: Update = decode(newer);
    let message = update.message().unwrap();
    assert_eq!(message.chat.extra.get("is_community"), Some(&json!(true)));
    assert_eq!(message.extra.get("reactions_summary").unwrap()["total"], 3);
    assert_eq!(update.extra.get("trace_id"), Some(&json!("abc")));
    same_json(&update, newer);
}

#[test]
fn unknown_update_kind_is_kept() {
    let json = r#"{"update_id": 99, "guest_reaction": {"chat": {"id": 1}, "emoji": "🔥"}}"#;
    let update: Update = decode(json);
    match &update.kind {
        UpdateKind::Unknown(u) => {
            assert_eq!(u.name, "guest_reaction");
            assert_eq!(u.value["emoji"], "🔥");
        }
        other => panic!("decoded as {other:?}"),
    }
    assert_eq!(update.kind.name(), Some("guest_reaction"));
    same_json(&update, json);
}

#[test]
fn chat_member_status_decides_the_variant_wherever_it_is() {
    // `status` after the other fields, as well as first.
    let owner: ChatMember = decode(
        r#"{"user": {"id": 1, "is_bot": false, "first_name": "Ann"}, "is_anonymous": false, "status": "creator"}"#,
    );
    let ChatMember::Owner(owner) = &owner else {
        panic!("{owner:?}")
    };
    assert_eq!(owner.user.first_name, "Ann");

    let banned: ChatMember = decode(
        r#"{"status": "kicked", "user": {"id": 2, "is_bot": false, "first_name": "Bob"}, "until_date": 0}"#,
    );
    assert!(matches!(&banned, ChatMember::Banned(b) if b.until_date == 0));
    // Encoding writes the status back.
    assert_eq!(serde_json::to_value(&banned).unwrap()["status"], "kicked");
}

#[test]
fn unknown_union_member_keeps_the_raw_json_and_the_rest_decodes() {
    let json = r#"{
        "update_id": 5,
        "chat_member": {
            "chat": {"id": -100, "type": "supergroup", "title": "G"},
            "from": {"id": 1, "is_bot": false, "first_name": "Ann"},
            "date": 1700000000,
            "old_chat_member": {"status": "member", "user": {"id": 3, "is_bot": false, "first_name": "C"}},
            "new_chat_member": {"status": "moderator", "user": {"id": 3, "is_bot": false, "first_name": "C"}, "rank": 2}
        }
    }"#;
    let update: Update = decode(json);
    let change = update.chat_member().unwrap();
    assert!(matches!(*change.old_chat_member, ChatMember::Member(_)));
    match &*change.new_chat_member {
        ChatMember::Unknown(raw) => {
            assert_eq!(raw["status"], "moderator");
            assert_eq!(raw["rank"], 2);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(change.from.first_name, "Ann");
    same_json(&update, json);
}

#[test]
fn unknown_enum_values_are_kept() {
    let chat: Chat = decode(r#"{"id": 1, "type": "guild"}"#);
    assert_eq!(chat.r#type, ChatType::Unknown("guild".into()));
    assert_eq!(chat.r#type.as_str(), "guild");
    assert_eq!(chat.to_string(), r#"{"id":1,"type":"guild"}"#);
    assert_eq!(ChatType::from("group"), ChatType::Group);
}

#[test]
fn escaped_names_and_values_read_as_written_plainly() {
    // JSON may escape any character: names, enumeration values and union tags included.
    let escaped: Update = decode(
        r#"{"update_id": 3, "m\u0065ssage": {"message_id": 1, "d\u0061te": 1700000000,
            "chat": {"id": 9, "typ\u0065": "sup\u0065rgroup", "title": "Caf\u00e9 \ud83e\udd80"},
            "text": "a\"b\\c\n", "entities": [{"offset": 0, "length": 1, "type": "b\u006fld"}],
            "forward_origin": {"t\u0079pe": "hidden_us\u0065r", "date": 1, "sender_user_name": "X"}}}"#,
    );
    let plain: Update = decode(
        r#"{"update_id": 3, "message": {"message_id": 1, "date": 1700000000,
            "chat": {"id": 9, "type": "supergroup", "title": "Café 🦀"},
            "text": "a\"b\\c\n", "entities": [{"offset": 0, "length": 1, "type": "bold"}],
            "forward_origin": {"type": "hidden_user", "date": 1, "sender_user_name": "X"}}}"#,
    );
    assert_eq!(escaped, plain);
    let message = plain.message().unwrap();
    assert_eq!(message.chat.r#type, ChatType::Supergroup);
    assert_eq!(message.text.as_deref(), Some("a\"b\\c\n"));
    assert!(matches!(
        message.forward_origin.as_deref(),
        Some(MessageOrigin::HiddenUser(_))
    ));
}

#[test]
fn message_origin_union() {
    let json = r#"{"type": "channel", "date": 1700000000, "message_id": 10,
        "chat": {"id": -1001, "type": "channel", "title": "News"}, "author_signature": "Ed"}"#;
    let origin: MessageOrigin = decode(json);
    let MessageOrigin::Channel(c) = &origin else {
        panic!("{origin:?}")
    };
    assert_eq!(c.message_id, 10);
    same_json(&origin, json);
}

#[test]
fn maybe_inaccessible_message_by_date() {
    let inaccessible = r#"{"chat": {"id": 42, "type": "private"}, "message_id": 17, "date": 0}"#;
    let m: MaybeInaccessibleMessage = decode(inaccessible);
    assert!(matches!(&m, MaybeInaccessibleMessage::InaccessibleMessage(i) if i.message_id == 17));
    same_json(&m, inaccessible);

    let accessible = r#"{"chat": {"id": 42, "type": "private"}, "message_id": 18, "date": 1700000000, "text": "ok"}"#;
    let m: MaybeInaccessibleMessage = decode(accessible);
    assert!(
        matches!(&m, MaybeInaccessibleMessage::Message(msg) if msg.text.as_deref() == Some("ok"))
    );
    same_json(&m, accessible);

    let callback = r#"{"id": "4382", "from": {"id": 42, "is_bot": false, "first_name": "J"},
        "message": {"chat": {"id": 42, "type": "private"}, "message_id": 17, "date": 0},
        "chat_instance": "-1", "data": "yes"}"#;
    let q: CallbackQuery = decode(callback);
    assert!(matches!(
        q.message.as_deref(),
        Some(MaybeInaccessibleMessage::InaccessibleMessage(_))
    ));
}

#[test]
fn rich_text_strings_arrays_and_objects() {
    let json = r#"["Hello, ", {"type": "bold", "text": ["wor", {"type": "italic", "text": "ld"}]}, "!",
                   {"type": "sparkles", "text": "new kind"}]"#;
    let text: RichText = decode(json);
    let RichText::Concat(parts) = &text else {
        panic!("{text:?}")
    };
    assert_eq!(parts[0], RichText::Plain("Hello, ".into()));
    let RichText::Bold(bold) = &parts[1] else {
        panic!("{:?}", parts[1])
    };
    assert!(matches!(&*bold.text, RichText::Concat(inner) if inner.len() == 2));
    assert!(matches!(&parts[3], RichText::Unknown(v) if v["type"] == "sparkles"));
    same_json(&text, json);
}

#[test]
fn input_message_content_is_written_by_shape() {
    let content: InputMessageContent = InputTextMessageContent::new("*hi*")
        .parse_mode(ParseMode::MarkdownV2)
        .into();
    assert_eq!(
        content.to_string(),
        r#"{"message_text":"*hi*","parse_mode":"MarkdownV2"}"#
    );
    let venue: InputMessageContent =
        InputVenueMessageContent::new(52.5, 13.4, "Office", "Street 1").into();
    assert_eq!(
        serde_json::to_value(&venue).unwrap(),
        json!({"latitude": 52.5, "longitude": 13.4, "title": "Office", "address": "Street 1"})
    );
}

#[test]
fn constructors_constants_and_conversions() {
    let button = InlineKeyboardButton::new("Yes").callback_data("answer:yes");
    let keyboard = InlineKeyboardMarkup::new(vec![vec![button]]);
    let markup: ReplyMarkup = keyboard.into();
    assert_eq!(
        markup.to_string(),
        r#"{"inline_keyboard":[[{"text":"Yes","callback_data":"answer:yes"}]]}"#
    );
    // Always-true fields and union tags are written without being stored.
    assert_eq!(
        ReplyKeyboardRemove::new().to_string(),
        r#"{"remove_keyboard":true}"#
    );
    let photo = InputMediaPhoto::new("AgACAgIAAxkBAAIB").caption("A cat");
    assert_eq!(
        InputMedia::from(photo).to_string(),
        r#"{"type":"photo","media":"AgACAgIAAxkBAAIB","caption":"A cat"}"#
    );
    let reply = ReplyParameters::new().message_id(5).chat_id("@channel");
    assert_eq!(
        reply.to_string(),
        r#"{"message_id":5,"chat_id":"@channel"}"#
    );
    assert_eq!(BOT_API_VERSION, "10.3");
}

#[test]
fn decoding_errors_are_typed_not_panics() {
    let cases = [
        (r#"{"update_id": "one"}"#, "invalid type"),
        (r#"{"message": {}}"#, "missing field"),
        (
            r#"{"update_id": 1, "message": {"message_id": 1, "date": 2}}"#,
            "missing field `chat`",
        ),
        (r#"{"update_id": 1, "message": {"message_id"#, "EOF"),
        ("[1, 2]", "invalid type"),
        ("<html>502 Bad Gateway</html>", "expected value"),
    ];
    for (json, expected) in cases {
        let err = decode_error::<Update>(json.as_bytes());
        assert!(err.contains(expected), "{json}: {err}");
    }
    // Bytes that are not UTF-8, in a value or in a field name, with the position.
    let err = decode_error::<Update>(b"{\"update_id\": 1, \"message\": {\"text\": \"\xff\"}}");
    assert!(
        err.contains("invalid unicode") && err.contains("line 1 column"),
        "{err}"
    );
    let err = decode_error::<Update>(b"{\"update_id\": 1, \"\xc3\x28\": 2}");
    assert!(err.contains("invalid"), "{err}");
    // A union member checks its constant when decoded on its own.
    let err = decode_error::<ChatMemberOwner>(
        br#"{"status": "member", "user": {"id": 1, "is_bot": false, "first_name": "A"}, "is_anonymous": false}"#,
    );
    assert!(err.contains("creator"), "{err}");
}

fn reply_chain(depth: usize) -> String {
    let mut s = String::new();
    for i in 0..depth {
        s.push_str(&format!(
            r#"{{"message_id": {i}, "date": 1700000000, "chat": {{"id": 1, "type": "private"}}, "reply_to_message": "#
        ));
    }
    s.push_str(r#"{"message_id": 0, "date": 1700000000, "chat": {"id": 1, "type": "private"}}"#);
    s.push_str(&"}".repeat(depth));
    s
}

#[test]
fn reply_chains_decode_and_deep_nesting_is_an_error() {
    // Telegram nests replies and pinned messages a few levels; far more still decodes.
    for depth in [1, 3, 30] {
        let m: Message = decode(&reply_chain(depth));
        let mut d = 0;
        let mut cur = &m;
        while let Some(next) = &cur.reply_to_message {
            cur = next;
            d += 1;
        }
        assert_eq!(d, depth);
    }
    // A hostile document nested past any real payload is rejected, not a stack overflow.
    let err = decode_error::<Message>(reply_chain(100_000).as_bytes());
    assert!(err.contains("nested"), "{err}");
}

#[test]
fn sizes_stay_small() {
    assert!(
        std::mem::size_of::<Update>() <= 64,
        "{}",
        std::mem::size_of::<Update>()
    );
    assert!(
        std::mem::size_of::<Message>() <= 1280,
        "{}",
        std::mem::size_of::<Message>()
    );
}

#[test]
fn chat_id_conversions() {
    assert_eq!(
        ChatId::from(-1001234567890i64).to_string(),
        "-1001234567890"
    );
    assert_eq!(
        serde_json::to_string(&ChatId::from("@rust")).unwrap(),
        r#""@rust""#
    );
    let chat: Chat = decode(r#"{"id": 77, "type": "private"}"#);
    assert_eq!(ChatId::from(&chat), ChatId::Id(77));
}

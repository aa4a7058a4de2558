//! Filters of `telegram_api::ext::filters` on handlers, through `Application::process_update`,
//! on updates in the documented wire format: member changes, mentions of the bot, dice and
//! stickers, forwards by origin.

use std::sync::{Arc, Mutex};

use telegram_api::ext::{Application, Context, Handler, filters, filters::member};
use telegram_api::{Bot, StickerType, Update};

type Log = Arc<Mutex<Vec<(&'static str, i64)>>>;

fn update(json: &str) -> Update {
    serde_json::from_str(json).expect("a documented update")
}

const ANN: &str = r#"{"id": 111, "is_bot": false, "first_name": "Ann"}"#;
const GROUP: &str = r#"{"id": -100300, "type": "supergroup", "title": "G"}"#;

/// A `chat_member` update: Ann's status goes from `old` to `new`.
fn member_update(id: i64, old: &str, new: &str) -> Update {
    update(&format!(
        r#"{{"update_id": {id}, "chat_member": {{"chat": {GROUP}, "from": {ANN},
            "date": 1700000000, "old_chat_member": {{"status": "{old}", "user": {ANN}}},
            "new_chat_member": {{"status": "{new}", "user": {ANN}}}}}}}"#
    ))
}

/// A message update in the group from Ann, with `fields` added to the message.
fn group_message(id: i64, fields: &str) -> Update {
    update(&format!(
        r#"{{"update_id": {id}, "message": {{"message_id": {id}, "date": 1700000000,
            "chat": {GROUP}, "from": {ANN}, {fields}}}}}"#
    ))
}

fn record(
    log: &Log,
    name: &'static str,
) -> impl Fn(&Context) -> Result<(), std::io::Error> + use<> {
    let log = log.clone();
    move |ctx: &Context| {
        log.lock()
            .unwrap()
            .push((name, ctx.update().unwrap().update_id));
        Ok(())
    }
}

fn application(log: &Log) -> Application {
    let h = |name| record(log, name);
    Application::builder(Bot::new("1:T").with_api_url("http://127.0.0.1:9"))
        .bot_username("My_Bot")
        .handler(Handler::chat_member(h("greet")).filter(member::joined()))
        .handler(Handler::chat_member(h("farewell")).filter(member::left()))
        .handler(Handler::message(filters::mentions("My_Bot"), h("called")))
        .handler(Handler::message(
            filters::dice_value("🎯", [6]),
            h("bullseye"),
        ))
        .handler(Handler::message(
            filters::sticker_type(StickerType::CustomEmoji) | filters::video_sticker(),
            h("fancy_sticker"),
        ))
        .handler(Handler::message(
            filters::forwarded_from_chats([-100777]),
            h("from_news"),
        ))
        .build()
}

#[test]
fn handlers_take_what_their_filters_pass() {
    let log: Log = Arc::default();
    let app = application(&log);
    let sticker = |kind: &str, video: bool| {
        format!(
            r#""sticker": {{"file_id": "s", "file_unique_id": "s", "type": "{kind}",
                "width": 100, "height": 100, "is_animated": false, "is_video": {video}}}"#
        )
    };
    let updates = [
        member_update(1, "left", "member"),
        member_update(2, "member", "left"),
        member_update(3, "member", "member"),
        group_message(
            4,
            r#""text": "hi @my_bot", "entities": [{"type": "mention", "offset": 3, "length": 7}]"#,
        ),
        group_message(
            5,
            r#""text": "hi @my_botx", "entities": [{"type": "mention", "offset": 3, "length": 8}]"#,
        ),
        group_message(
            6,
            r#""text": "@my_bot", "entities": [{"type": "mention", "offset": 40, "length": 7}]"#,
        ),
        group_message(7, r#""dice": {"emoji": "🎯", "value": 6}"#),
        group_message(8, r#""dice": {"emoji": "🎲", "value": 6}"#),
        group_message(9, &sticker("custom_emoji", false)),
        group_message(10, &sticker("regular", true)),
        group_message(11, &sticker("regular", false)),
        group_message(
            12,
            r#""text": "news", "forward_origin": {"type": "channel", "date": 1699999999,
                "chat": {"id": -100777, "type": "channel", "title": "News"}, "message_id": 3}"#,
        ),
        group_message(
            13,
            r#""text": "news", "forward_origin": {"type": "user", "date": 1699999999,
                "sender_user": {"id": -100777, "is_bot": false, "first_name": "Odd"}}"#,
        ),
    ];
    for u in updates {
        app.process_update(u);
    }
    let got = log.lock().unwrap().clone();
    assert_eq!(
        got,
        [
            ("greet", 1),
            ("farewell", 2),
            ("called", 4),
            ("bullseye", 7),
            ("fancy_sticker", 9),
            ("fancy_sticker", 10),
            ("from_news", 12),
        ]
    );
}

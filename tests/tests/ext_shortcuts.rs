//! The shortcuts of `telegram_api::ext::Context` on updates in the documented wire format: the
//! exact requests they send to a loopback Bot API, where replies go and when they quote, the
//! chat action kept up during slow work, and the calls refused on updates they do not fit.

use serde_json::{Value, json};
use telegram_api::ext::{Application, Context, Handler};
use telegram_api::{
    Bot, ChatAction, Defaults, Error, InputFile, InputMediaPhoto, LabeledPrice, Quote,
    ReplyParameters, Retry, Update,
};
use telegram_api_tests::http::{Reply, Server};

const ANN: &str = r#"{"id": 111, "is_bot": false, "first_name": "Ann"}"#;
const PRIVATE: &str = r#"{"id": 111, "type": "private", "first_name": "Ann"}"#;
const GROUP: &str = r#"{"id": -300, "type": "group", "title": "G"}"#;
const FORUM: &str = r#"{"id": -400, "type": "supergroup", "title": "F", "is_forum": true}"#;
const CHANNEL: &str = r#"{"id": -500, "type": "channel", "title": "News"}"#;

fn update(json: &str) -> Update {
    serde_json::from_str(json).expect("a documented update")
}

/// Message `id` saying "hi" from Ann in `chat`, with `extra` fields (`, "key": value`).
fn message_in(chat: &str, id: i64, extra: &str) -> Update {
    update(&format!(
        r#"{{"update_id": 1, "message": {{"message_id": {id}, "date": 1700000000, "chat": {chat}, "from": {ANN}, "text": "hi"{extra}}}}}"#
    ))
}

/// Message 3 of topic 77 of a forum supergroup.
fn in_topic() -> Update {
    message_in(
        FORUM,
        3,
        r#", "message_thread_id": 77, "is_topic_message": true"#,
    )
}

/// Ann pressed a button of the bot's message 12 in the group.
fn button_in_group() -> Update {
    update(&format!(
        r#"{{"update_id": 2, "callback_query": {{"id": "cb1", "from": {ANN}, "chat_instance": "ci", "data": "x",
            "message": {{"message_id": 12, "date": 1700000000, "chat": {GROUP}, "text": "pick"}}}}}}"#
    ))
}

/// Ann pressed a button of a message sent through inline mode.
fn inline_button() -> Update {
    update(&format!(
        r#"{{"update_id": 3, "callback_query": {{"id": "cb2", "from": {ANN}, "chat_instance": "ci", "inline_message_id": "im1", "data": "x"}}}}"#
    ))
}

/// Message 8 of Ann's private chat with a business account.
fn business_message() -> Update {
    update(&format!(
        r#"{{"update_id": 4, "business_message": {{"message_id": 8, "date": 1700000000, "business_connection_id": "bc1", "chat": {PRIVATE}, "from": {ANN}, "text": "hello shop"}}}}"#
    ))
}

/// A poll's new state: no chat, no user, no message.
fn poll() -> Update {
    update(
        r#"{"update_id": 5, "poll": {"id": "p1", "question": "Q?", "options": [{"text": "a", "voter_count": 1}],
            "total_voter_count": 1, "is_closed": false, "is_anonymous": true, "type": "regular", "allows_multiple_answers": false}}"#,
    )
}

fn channel_post() -> Update {
    update(&format!(
        r#"{{"update_id": 6, "channel_post": {{"message_id": 7, "date": 1700000000, "chat": {CHANNEL}, "text": "post"}}}}"#
    ))
}

/// A Bot API that answers every method with a plausible result.
fn api() -> Server {
    Server::start(|req| match req.api_method() {
        "sendMediaGroup" => Reply::ok(
            r#"[{"message_id": 20, "date": 1700000000, "chat": {"id": -400, "type": "supergroup", "title": "F"}}]"#,
        ),
        "copyMessage" => Reply::ok(r#"{"message_id": 21}"#),
        "deleteMessage" | "pinChatMessage" | "unpinChatMessage" | "setMessageReaction"
        | "sendChatAction" => Reply::ok("true"),
        _ => Reply::ok(
            r#"{"message_id": 20, "date": 1700000000, "chat": {"id": -400, "type": "supergroup", "title": "F"}}"#,
        ),
    })
}

fn bot(server: &Server) -> Bot {
    Bot::new("1:T").with_api_url(server.url())
}

/// The method and parameters of every request the server received, in order.
fn sent(server: &Server) -> Vec<(String, Value)> {
    server
        .requests()
        .iter()
        .map(|r| (r.api_method().to_string(), r.json()))
        .collect()
}

/// `fields` with `more` added.
fn with(fields: &Value, more: Value) -> Value {
    let mut all = fields.clone();
    for (k, v) in more.as_object().unwrap() {
        all[k] = v.clone();
    }
    all
}

fn quoting(message_id: i64) -> Value {
    json!({"message_id": message_id, "allow_sending_without_reply": true})
}

#[test]
fn every_kind_of_content_goes_to_the_topic_answering_the_message() {
    let server = api();
    let ctx = Context::new(bot(&server), in_topic());
    ctx.reply("text").call().unwrap();
    ctx.reply_photo("photo-id").caption("a cat").call().unwrap();
    ctx.reply_document("doc-id").call().unwrap();
    ctx.reply_video("video-id").call().unwrap();
    ctx.reply_audio("audio-id").call().unwrap();
    ctx.reply_voice("voice-id").call().unwrap();
    ctx.reply_animation("gif-id").call().unwrap();
    ctx.reply_sticker("sticker-id").call().unwrap();
    ctx.reply_video_note("note-id").call().unwrap();
    ctx.reply_media_group([
        InputMediaPhoto::new("https://example.com/1.jpg"),
        InputMediaPhoto::new("https://example.com/2.jpg"),
    ])
    .call()
    .unwrap();
    ctx.reply_location(48.5, 2.25).call().unwrap();
    ctx.reply_venue(48.5, 2.25, "Tower", "Champ de Mars")
        .call()
        .unwrap();
    ctx.reply_contact("+100", "Bob").call().unwrap();
    ctx.reply_poll("Lunch?", ["Pizza", "Soup"]).call().unwrap();
    ctx.reply_dice().call().unwrap();
    ctx.reply_invoice(
        "Book",
        "A good one",
        "order-1",
        "XTR",
        [LabeledPrice::new("Book", 50)],
    )
    .call()
    .unwrap();

    let to = json!({"chat_id": -400, "message_thread_id": 77, "reply_parameters": quoting(3)});
    let expected = [
        ("sendMessage", json!({"text": "text"})),
        (
            "sendPhoto",
            json!({"photo": "photo-id", "caption": "a cat"}),
        ),
        ("sendDocument", json!({"document": "doc-id"})),
        ("sendVideo", json!({"video": "video-id"})),
        ("sendAudio", json!({"audio": "audio-id"})),
        ("sendVoice", json!({"voice": "voice-id"})),
        ("sendAnimation", json!({"animation": "gif-id"})),
        ("sendSticker", json!({"sticker": "sticker-id"})),
        ("sendVideoNote", json!({"video_note": "note-id"})),
        (
            "sendMediaGroup",
            json!({"media": [
                {"type": "photo", "media": "https://example.com/1.jpg"},
                {"type": "photo", "media": "https://example.com/2.jpg"},
            ]}),
        ),
        ("sendLocation", json!({"latitude": 48.5, "longitude": 2.25})),
        (
            "sendVenue",
            json!({"latitude": 48.5, "longitude": 2.25, "title": "Tower", "address": "Champ de Mars"}),
        ),
        (
            "sendContact",
            json!({"phone_number": "+100", "first_name": "Bob"}),
        ),
        (
            "sendPoll",
            json!({"question": "Lunch?", "options": [{"text": "Pizza"}, {"text": "Soup"}]}),
        ),
        ("sendDice", json!({})),
        (
            "sendInvoice",
            json!({"title": "Book", "description": "A good one", "payload": "order-1",
                "currency": "XTR", "prices": [{"label": "Book", "amount": 50}]}),
        ),
    ];
    let sent = sent(&server);
    assert_eq!(sent.len(), expected.len(), "{sent:#?}");
    for ((method, params), (want_method, want)) in sent.iter().zip(expected) {
        assert_eq!(
            (method.as_str(), params),
            (want_method, &with(&to, want)),
            "{want_method}"
        );
    }
}

#[test]
fn an_uploaded_file_goes_as_a_part_with_the_destination_beside_it() {
    let server = api();
    let ctx = Context::new(bot(&server), message_in(GROUP, 5, ""));
    ctx.reply_document(InputFile::bytes("notes.txt", b"hello".to_vec()))
        .call()
        .unwrap();
    let requests = server.requests();
    assert_eq!(requests[0].api_method(), "sendDocument");
    let parts: Vec<(String, Option<String>, String)> = requests[0]
        .multipart()
        .iter()
        .map(|p| (p.name.clone(), p.filename.clone(), p.text()))
        .collect();
    let field = |name: &str| {
        parts
            .iter()
            .find(|(n, _, _)| n == name)
            .unwrap_or_else(|| panic!("no part {name}: {parts:?}"))
    };
    assert_eq!(field("chat_id").2, "-300");
    let quote: Value = serde_json::from_str(&field("reply_parameters").2).unwrap();
    assert_eq!(quote, quoting(5));
    assert_eq!(field("document").1.as_deref(), Some("notes.txt"));
    assert_eq!(field("document").2, "hello");
}

#[test]
fn business_replies_keep_the_connection_where_the_method_has_one() {
    let server = api();
    let ctx = Context::new(bot(&server), business_message());
    ctx.reply_photo("photo-id").call().unwrap();
    ctx.reply_poll("Q?", ["a", "b"]).call().unwrap();
    ctx.reply_invoice("T", "D", "p", "XTR", [LabeledPrice::new("T", 1)])
        .call()
        .unwrap();
    let sent = sent(&server);
    // A private chat: no quote.
    assert_eq!(
        sent[0].1,
        json!({"chat_id": 111, "business_connection_id": "bc1", "photo": "photo-id"})
    );
    assert_eq!(sent[1].1["business_connection_id"], "bc1");
    // Invoices have no business connection.
    assert_eq!(
        sent[2].1,
        json!({"chat_id": 111, "title": "T", "description": "D", "payload": "p",
            "currency": "XTR", "prices": [{"label": "T", "amount": 1}]})
    );
}

#[test]
fn replies_in_a_direct_messages_topic_stay_in_it_where_the_method_allows() {
    let server = api();
    let chat = r#"{"id": -600, "type": "supergroup", "title": "DM", "is_direct_messages": true}"#;
    let ctx = Context::new(
        bot(&server),
        message_in(chat, 4, r#", "direct_messages_topic": {"topic_id": 9}"#),
    );
    ctx.reply_dice().call().unwrap();
    ctx.reply_poll("Q?", ["a", "b"]).call().unwrap();
    let sent = sent(&server);
    assert_eq!(
        sent[0].1,
        json!({"chat_id": -600, "direct_messages_topic_id": 9, "reply_parameters": quoting(4)})
    );
    // sendPoll has no direct-messages topic.
    assert_eq!(sent[1].1.get("direct_messages_topic_id"), None);
}

/// Whether a reply on `update` through a bot with `defaults` quotes, after `choose` ran.
fn quotes(update: Update, defaults: Option<Defaults>, choose: impl Fn(&Context)) -> Value {
    let server = api();
    let mut bot = bot(&server);
    if let Some(defaults) = defaults {
        bot = bot.with_defaults(defaults);
    }
    let ctx = Context::new(bot, update);
    choose(&ctx);
    ctx.reply("x").call().unwrap();
    sent(&server)[0].1["reply_parameters"].clone()
}

#[test]
fn replies_quote_in_groups_not_in_private_chats_nor_channels_nor_to_buttons() {
    let none = |_: &Context| {};
    assert_eq!(quotes(message_in(GROUP, 5, ""), None, none), quoting(5));
    assert_eq!(quotes(in_topic(), None, none), quoting(3));
    assert_eq!(quotes(message_in(PRIVATE, 6, ""), None, none), Value::Null);
    assert_eq!(quotes(channel_post(), None, none), Value::Null);
    // The button's message is the bot's own.
    assert_eq!(quotes(button_in_group(), None, none), Value::Null);
    // Defaults with other settings keep the default quoting.
    let silent = Defaults::new().disable_notification(true);
    assert_eq!(
        quotes(message_in(GROUP, 5, ""), Some(silent), none),
        quoting(5)
    );
}

#[test]
fn the_bots_defaults_and_the_handlers_choice_change_the_quoting() {
    let none = |_: &Context| {};
    let always = Defaults::new().quote(Quote::Always);
    let never = Defaults::new().quote(Quote::Never);
    assert_eq!(
        quotes(message_in(PRIVATE, 6, ""), Some(always.clone()), none),
        quoting(6)
    );
    assert_eq!(
        quotes(message_in(GROUP, 5, ""), Some(never.clone()), none),
        Value::Null
    );
    // Even when always quoting, a button's message is not quoted.
    assert_eq!(
        quotes(button_in_group(), Some(always.clone()), none),
        Value::Null
    );
    // The handler's choice wins over the bot's, both ways.
    assert_eq!(
        quotes(message_in(GROUP, 5, ""), Some(always), |ctx| ctx
            .set_quote(Quote::Never)),
        Value::Null
    );
    assert_eq!(
        quotes(message_in(PRIVATE, 6, ""), Some(never), |ctx| ctx
            .set_quote(Quote::Always)),
        quoting(6)
    );
    assert_eq!(
        quotes(message_in(PRIVATE, 6, ""), None, |ctx| ctx
            .set_quote(Quote::InGroups)),
        Value::Null
    );

    // A reply's own parameters replace the quote.
    let server = api();
    let ctx = Context::new(bot(&server), message_in(GROUP, 5, ""));
    ctx.reply_photo("p")
        .reply_parameters(ReplyParameters::new().message_id(2))
        .call()
        .unwrap();
    assert_eq!(
        sent(&server)[0].1["reply_parameters"],
        json!({"message_id": 2})
    );
}

#[test]
fn the_applications_defaults_reach_its_handlers_replies() {
    let server = api();
    let app = Application::builder(bot(&server))
        .defaults(Defaults::new().quote(Quote::Never))
        .handler(Handler::update(
            |_| true,
            |ctx: &Context| {
                ctx.reply_dice().call()?;
                Ok::<_, Error>(())
            },
        ))
        .error_handler(|_, e| panic!("{e}"))
        .build();
    app.process_update(message_in(GROUP, 5, ""));
    assert_eq!(
        sent(&server),
        [("sendDice".to_string(), json!({"chat_id": -300}))]
    );
}

#[test]
fn the_message_is_deleted_forwarded_copied_pinned_unpinned_and_reacted_to() {
    let server = api();
    let ctx = Context::new(bot(&server), message_in(GROUP, 5, ""));
    ctx.delete_message().call().unwrap();
    ctx.forward_to(-900).call().unwrap();
    ctx.copy_to("@archive").call().unwrap();
    ctx.pin().disable_notification(true).call().unwrap();
    ctx.unpin().call().unwrap();
    ctx.react("👍").call().unwrap();
    assert_eq!(
        sent(&server),
        [
            ("deleteMessage", json!({"chat_id": -300, "message_id": 5})),
            (
                "forwardMessage",
                json!({"chat_id": -900, "from_chat_id": -300, "message_id": 5})
            ),
            (
                "copyMessage",
                json!({"chat_id": "@archive", "from_chat_id": -300, "message_id": 5})
            ),
            (
                "pinChatMessage",
                json!({"chat_id": -300, "message_id": 5, "disable_notification": true})
            ),
            ("unpinChatMessage", json!({"chat_id": -300, "message_id": 5})),
            (
                "setMessageReaction",
                json!({"chat_id": -300, "message_id": 5, "reaction": [{"type": "emoji", "emoji": "👍"}]})
            ),
        ]
        .map(|(m, p)| (m.to_string(), p))
    );
}

#[test]
fn a_buttons_message_and_a_business_message_are_acted_on_where_they_are() {
    let server = api();
    let button = Context::new(bot(&server), button_in_group());
    button.delete_message().call().unwrap();
    button.react("🔥").call().unwrap();
    let business = Context::new(bot(&server), business_message());
    business.pin().call().unwrap();
    business.unpin().call().unwrap();
    assert_eq!(
        sent(&server),
        [
            ("deleteMessage", json!({"chat_id": -300, "message_id": 12})),
            (
                "setMessageReaction",
                json!({"chat_id": -300, "message_id": 12, "reaction": [{"type": "emoji", "emoji": "🔥"}]})
            ),
            (
                "pinChatMessage",
                json!({"business_connection_id": "bc1", "chat_id": 111, "message_id": 8})
            ),
            (
                "unpinChatMessage",
                json!({"business_connection_id": "bc1", "chat_id": 111, "message_id": 8})
            ),
        ]
        .map(|(m, p)| (m.to_string(), p))
    );
}

#[test]
fn captions_and_media_of_the_buttons_message_are_edited_inline_messages_too() {
    let server = api();
    let button = Context::new(bot(&server), button_in_group());
    button.edit_caption("new caption").call().unwrap();
    button
        .edit_media(InputMediaPhoto::new("photo-id"))
        .call()
        .unwrap();
    let inline = Context::new(bot(&server), inline_button());
    inline.edit_caption("inline caption").call().unwrap();
    inline
        .edit_media(InputMediaPhoto::new("photo-id"))
        .call()
        .unwrap();
    assert_eq!(
        sent(&server),
        [
            (
                "editMessageCaption",
                json!({"chat_id": -300, "message_id": 12, "caption": "new caption"})
            ),
            (
                "editMessageMedia",
                json!({"chat_id": -300, "message_id": 12, "media": {"type": "photo", "media": "photo-id"}})
            ),
            (
                "editMessageCaption",
                json!({"inline_message_id": "im1", "caption": "inline caption"})
            ),
            (
                "editMessageMedia",
                json!({"inline_message_id": "im1", "media": {"type": "photo", "media": "photo-id"}})
            ),
        ]
        .map(|(m, p)| (m.to_string(), p))
    );
}

/// What `result` is, for comparing: the refusal's message, or the outcome.
fn outcome<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
    match result {
        Err(e @ Error::NotForThisUpdate { .. }) => e.to_string(),
        other => format!("{other:?}"),
    }
}

#[test]
fn shortcuts_on_an_update_they_do_not_fit_fail_at_once_and_send_nothing() {
    let server = Server::start(|req| panic!("nothing should be sent, got {}", req.api_method()));
    let ctx = Context::new(bot(&server), poll());
    let replies = [
        outcome(ctx.reply_photo("p").call()),
        outcome(ctx.reply_document("d").call()),
        outcome(ctx.reply_video("v").call()),
        outcome(ctx.reply_audio("a").call()),
        outcome(ctx.reply_voice("v").call()),
        outcome(ctx.reply_animation("a").call()),
        outcome(ctx.reply_sticker("s").call()),
        outcome(ctx.reply_video_note("n").call()),
        outcome(ctx.reply_media_group([InputMediaPhoto::new("p")]).call()),
        outcome(ctx.reply_location(1.0, 2.0).call()),
        outcome(ctx.reply_venue(1.0, 2.0, "t", "a").call()),
        outcome(ctx.reply_contact("+1", "B").call()),
        outcome(ctx.reply_poll("Q?", ["a", "b"]).call()),
        outcome(ctx.reply_dice().call()),
        outcome(
            ctx.reply_invoice("T", "D", "p", "XTR", [LabeledPrice::new("T", 1)])
                .call(),
        ),
    ];
    let names = [
        "reply_photo",
        "reply_document",
        "reply_video",
        "reply_audio",
        "reply_voice",
        "reply_animation",
        "reply_sticker",
        "reply_video_note",
        "reply_media_group",
        "reply_location",
        "reply_venue",
        "reply_contact",
        "reply_poll",
        "reply_dice",
        "reply_invoice",
    ];
    for (got, name) in replies.iter().zip(names) {
        assert_eq!(
            got,
            &format!("{name}: the update has no chat or user; nothing was sent")
        );
    }

    let on_message = |ctx: &Context| {
        vec![
            outcome(ctx.delete_message().call()),
            outcome(ctx.forward_to(1).call()),
            outcome(ctx.copy_to(1).call()),
            outcome(ctx.pin().call()),
            outcome(ctx.unpin().call()),
            outcome(ctx.react("👍").call()),
        ]
    };
    let refused = [
        "delete_message: the update has no message; nothing was sent",
        "forward_to: the update has no message; nothing was sent",
        "copy_to: the update has no message; nothing was sent",
        "pin: the update has no message; nothing was sent",
        "unpin: the update has no message; nothing was sent",
        "react: the update has no message; nothing was sent",
    ];
    assert_eq!(on_message(&ctx), refused);
    // A message sent through inline mode can be edited, not deleted, forwarded and so on.
    assert_eq!(
        on_message(&Context::new(bot(&server), inline_button())),
        refused
    );
    assert_eq!(
        [
            outcome(ctx.edit_caption("c").call()),
            outcome(ctx.edit_media(InputMediaPhoto::new("p")).call()),
        ],
        [
            "edit_caption: the update has no message to edit; nothing was sent",
            "edit_media: the update has no message to edit; nothing was sent",
        ]
    );
    assert_eq!(server.count(), 0);
}

#[test]
fn a_chat_action_is_shown_before_the_work_and_not_after_it() {
    let server = api();
    let ctx = Context::new(bot(&server), in_topic());
    let answer = ctx.with_chat_action(ChatAction::Typing, || {
        ctx.reply("done").call().map(|m| m.message_id)
    });
    assert_eq!(answer.unwrap(), 20);
    let sent = sent(&server);
    assert_eq!(sent.len(), 2, "{sent:#?}");
    assert_eq!(
        sent[0],
        (
            "sendChatAction".to_string(),
            json!({"chat_id": -400, "message_thread_id": 77, "action": "typing"})
        )
    );
    assert_eq!(sent[1].0, "sendMessage");
}

#[test]
fn a_chat_action_is_repeated_while_the_work_lasts_and_stops_with_it() {
    let server = api();
    let ctx = Context::new(bot(&server), message_in(PRIVATE, 6, ""));
    let actions = |requests: &[telegram_api_tests::http::Request]| {
        requests
            .iter()
            .filter(|r| r.api_method() == "sendChatAction")
            .count()
    };
    let out = ctx.with_chat_action(ChatAction::UploadPhoto, || {
        // The work lasts until the action was sent again.
        server.wait_for("the action sent again", |r| actions(r) >= 2);
        ctx.reply_photo("p").call().map(|_| "sent")
    });
    assert_eq!(out.unwrap(), "sent");
    // The thread that repeats the action is joined before `with_chat_action` returns, so
    // what was sent by then is all there is.
    let sent = sent(&server);
    let methods: Vec<&str> = sent.iter().map(|(m, _)| m.as_str()).collect();
    assert_eq!(methods, ["sendChatAction", "sendChatAction", "sendPhoto"]);
    assert_eq!(sent[1].1, json!({"chat_id": 111, "action": "upload_photo"}));
}

#[test]
fn a_chat_action_that_fails_or_has_no_chat_does_not_stop_the_work() {
    let server = Server::start(|req| match req.api_method() {
        "sendChatAction" => Reply::json(
            429,
            r#"{"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 1", "parameters": {"retry_after": 1}}"#,
        ),
        m => panic!("unexpected {m}"),
    });
    // Not retried, though the bot retries on flood control: the next action is due soon.
    let retrying = bot(&server).with_retry(Retry::flood_control());
    let ctx = Context::new(retrying, message_in(GROUP, 5, ""));
    assert_eq!(ctx.with_chat_action(ChatAction::Typing, || 42), 42);
    assert_eq!(server.count(), 1);
    let ctx = Context::new(bot(&server), poll());
    assert_eq!(ctx.with_chat_action(ChatAction::Typing, || "ran"), "ran");
    assert_eq!(server.count(), 1);
}

#[test]
fn a_chat_action_ends_with_work_that_panics() {
    let server = api();
    let ctx = Context::new(bot(&server), message_in(PRIVATE, 6, ""));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        ctx.with_chat_action(ChatAction::Typing, || panic!("the work failed"))
    }));
    // Returned at all: the repeating thread ended with the work.
    assert!(outcome.is_err());
    assert_eq!(server.count(), 1);
}

//! A bot's `Defaults` against a loopback server that records what arrives: added to every method
//! that has the parameter, in JSON and multipart bodies alike, never over what a call sets, never
//! a parse mode beside entities, nothing for methods without the parameters; the defaults of an
//! application reach a handler's reply.

use serde_json::{Value, json};
use telegram_api::ext::{Application, Context, Filter, Handler};
use telegram_api::*;
use telegram_api_tests::http::{Reply, Request, Server};
use telegram_api_tests::updates;

const TOKEN: &str = "123456789:AAE-secret-TOKEN_value";

const MESSAGE: &str = r#"{"message_id": 9, "date": 1700000000, "chat": {"id": 42, "type": "private", "first_name": "Ann"}, "text": "ok"}"#;

/// A server answering each method as Telegram would.
fn server() -> Server {
    Server::start(|req| match req.api_method() {
        "sendMessage" | "sendPhoto" | "editMessageText" => Reply::ok(MESSAGE),
        "sendMediaGroup" => Reply::ok(&format!("[{MESSAGE}]")),
        "copyMessage" => Reply::ok(r#"{"message_id": 10}"#),
        "getMe" => {
            Reply::ok(r#"{"id": 1, "is_bot": true, "first_name": "B", "username": "b_bot"}"#)
        }
        "answerCallbackQuery" | "pinChatMessage" => Reply::ok("true"),
        m => panic!("unexpected method {m}"),
    })
}

fn all_defaults() -> Defaults {
    Defaults::new()
        .parse_mode(ParseMode::Html)
        .disable_notification(true)
        .protect_content(true)
        .link_preview_options(LinkPreviewOptions::new().is_disabled(true))
}

fn bot(server: &Server) -> Bot {
    Bot::new(TOKEN)
        .with_api_url(server.url())
        .with_defaults(all_defaults())
}

/// The last request the server received.
fn last(server: &Server) -> Request {
    server.requests().pop().expect("a request arrived")
}

/// The parameters of a JSON request.
fn params(request: &Request) -> serde_json::Map<String, Value> {
    assert_eq!(request.media_type(), Some("application/json"));
    match request.json() {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

/// The text fields of a multipart request, by name.
fn form_fields(request: &Request) -> Vec<(String, String)> {
    assert_eq!(request.media_type(), Some("multipart/form-data"));
    request
        .multipart()
        .into_iter()
        .filter(|p| p.filename.is_none())
        .map(|p| (p.name.clone(), p.text()))
        .collect()
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn send_message_gets_every_default() {
    let server = server();
    let bot = bot(&server);
    bot.send_message(42, "<b>hi</b>").call().unwrap();
    assert_eq!(
        Value::Object(params(&last(&server))),
        json!({
            "chat_id": 42,
            "text": "<b>hi</b>",
            "parse_mode": "HTML",
            "disable_notification": true,
            "protect_content": true,
            "link_preview_options": {"is_disabled": true},
        })
    );
    // A request built on its own and run with `execute` gets them as well.
    bot.execute(&methods::SendMessage::new(43, "again"))
        .unwrap();
    let sent = params(&last(&server));
    assert_eq!(sent["chat_id"], 43);
    assert_eq!(sent["parse_mode"], "HTML");
}

#[test]
fn an_upload_gets_the_defaults_as_form_fields() {
    let server = server();
    let bot = bot(&server);
    bot.send_photo(42, InputFile::bytes("cat.jpg", b"JPEG".to_vec()))
        .caption("<i>a cat</i>")
        .call()
        .unwrap();
    let request = last(&server);
    let fields = form_fields(&request);
    assert_eq!(field(&fields, "caption"), Some("<i>a cat</i>"));
    assert_eq!(field(&fields, "parse_mode"), Some("HTML"));
    assert_eq!(field(&fields, "disable_notification"), Some("true"));
    assert_eq!(field(&fields, "protect_content"), Some("true"));
    // sendPhoto has no link_preview_options.
    assert_eq!(field(&fields, "link_preview_options"), None);
    let photo = request
        .multipart()
        .into_iter()
        .find(|p| p.name == "photo")
        .expect("the photo part");
    assert_eq!(photo.filename.as_deref(), Some("cat.jpg"));
    assert_eq!(photo.body, b"JPEG");
}

#[test]
fn copy_message_gets_the_defaults_it_has() {
    let server = server();
    let bot = bot(&server);
    bot.copy_message(42, -100123, 7).call().unwrap();
    assert_eq!(
        Value::Object(params(&last(&server))),
        json!({
            "chat_id": 42,
            "from_chat_id": -100123,
            "message_id": 7,
            "parse_mode": "HTML",
            "disable_notification": true,
            "protect_content": true,
        })
    );
}

#[test]
fn what_a_call_sets_is_kept() {
    let server = server();
    let bot = bot(&server);
    bot.send_message(42, "*hi*")
        .parse_mode(ParseMode::MarkdownV2)
        .disable_notification(false)
        .protect_content(false)
        .link_preview_options(LinkPreviewOptions::new().url("https://example.com"))
        .call()
        .unwrap();
    assert_eq!(
        Value::Object(params(&last(&server))),
        json!({
            "chat_id": 42,
            "text": "*hi*",
            "parse_mode": "MarkdownV2",
            "disable_notification": false,
            "protect_content": false,
            "link_preview_options": {"url": "https://example.com"},
        })
    );
    bot.send_photo(42, InputFile::bytes("a.jpg", b"A".to_vec()))
        .parse_mode(ParseMode::Markdown)
        .protect_content(false)
        .call()
        .unwrap();
    let fields = form_fields(&last(&server));
    assert_eq!(field(&fields, "parse_mode"), Some("Markdown"));
    assert_eq!(field(&fields, "protect_content"), Some("false"));
    assert_eq!(field(&fields, "disable_notification"), Some("true"));
    assert_eq!(
        fields.iter().filter(|(n, _)| n == "parse_mode").count(),
        1,
        "{fields:?}"
    );
}

#[test]
fn entities_rule_out_the_default_parse_mode() {
    let server = server();
    let bot = bot(&server);
    let bold = MessageEntity::new(MessageEntityType::Bold, 0, 2);
    bot.send_message(42, "hi")
        .entities(vec![bold.clone()])
        .call()
        .unwrap();
    let sent = params(&last(&server));
    assert!(!sent.contains_key("parse_mode"), "{sent:?}");
    assert_eq!(
        sent["entities"],
        json!([{"type": "bold", "offset": 0, "length": 2}])
    );
    // The other defaults still apply.
    assert_eq!(sent["disable_notification"], true);
    // An empty list sends the text as it is.
    bot.send_message(42, "<b> as typed")
        .entities(vec![])
        .call()
        .unwrap();
    let sent = params(&last(&server));
    assert!(!sent.contains_key("parse_mode"), "{sent:?}");
    assert_eq!(sent["entities"], json!([]));
    // A caption's entities, in a multipart body.
    bot.send_photo(42, InputFile::bytes("a.jpg", b"A".to_vec()))
        .caption("hi")
        .caption_entities(vec![bold])
        .call()
        .unwrap();
    let fields = form_fields(&last(&server));
    assert_eq!(field(&fields, "parse_mode"), None, "{fields:?}");
    assert!(field(&fields, "caption_entities").is_some());
    assert_eq!(field(&fields, "protect_content"), Some("true"));
}

#[test]
fn methods_without_the_parameters_get_nothing() {
    let server = server();
    let plain = Bot::new(TOKEN).with_api_url(server.url());
    let with_defaults = bot(&server);
    for bot in [&plain, &with_defaults] {
        bot.get_me().call().unwrap();
        assert!(
            bot.answer_callback_query("cb1")
                .text("done")
                .call()
                .unwrap()
        );
    }
    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    for (without, with) in [(&requests[0], &requests[2]), (&requests[1], &requests[3])] {
        assert_eq!(without.api_method(), with.api_method());
        assert_eq!(
            String::from_utf8_lossy(&without.body),
            String::from_utf8_lossy(&with.body),
            "{} changed",
            with.api_method()
        );
    }
    assert_eq!(
        Value::Object(params(&requests[3])),
        json!({"callback_query_id": "cb1", "text": "done"})
    );
    // A method with only some of them gets only those.
    with_defaults.pin_chat_message(42, 7).call().unwrap();
    assert_eq!(
        Value::Object(params(&last(&server))),
        json!({"chat_id": 42, "message_id": 7, "disable_notification": true})
    );
}

#[test]
fn objects_inside_a_request_are_sent_as_built() {
    let server = server();
    let bot = bot(&server);
    bot.send_media_group(
        42,
        vec![
            InputMediaPhoto::new("AgACAgIAAxkBAAIB")
                .caption("<b>x</b>")
                .into(),
        ],
    )
    .call()
    .unwrap();
    let sent = params(&last(&server));
    assert_eq!(
        sent["media"],
        json!([{"type": "photo", "media": "AgACAgIAAxkBAAIB", "caption": "<b>x</b>"}])
    );
    assert!(!sent.contains_key("parse_mode"), "sendMediaGroup has none");
    assert_eq!(sent["disable_notification"], true);
    assert_eq!(sent["protect_content"], true);
}

#[test]
fn defaults_stay_with_their_bot_and_its_later_clones() {
    let server = server();
    let plain = Bot::new(TOKEN).with_api_url(server.url());
    let earlier_clone = plain.clone();
    let quiet = plain
        .clone()
        .with_defaults(Defaults::new().disable_notification(true));
    let quiet_clone = quiet.clone();
    assert_eq!(plain.defaults(), None);
    assert_eq!(earlier_clone.defaults(), None);
    assert_eq!(
        quiet_clone.defaults(),
        Some(&Defaults::new().disable_notification(true))
    );
    for bot in [&plain, &earlier_clone, &quiet, &quiet_clone] {
        bot.send_message(42, "hi").call().unwrap();
    }
    let sent: Vec<Value> = server
        .requests()
        .iter()
        .map(|r| r.json()["disable_notification"].clone())
        .collect();
    assert_eq!(sent, [Value::Null, Value::Null, json!(true), json!(true)]);
    // Replacing them on one clone leaves the other as it was.
    let loud = quiet_clone.with_defaults(Defaults::new().protect_content(true));
    loud.send_message(42, "loud").call().unwrap();
    quiet.send_message(42, "quiet").call().unwrap();
    let requests = server.requests();
    let loud_sent = requests[4].json();
    assert_eq!(loud_sent["protect_content"], true);
    assert_eq!(loud_sent.get("disable_notification"), None);
    assert_eq!(requests[5].json()["disable_notification"], true);
    // Debug shows the defaults, never the token.
    let debug = format!("{quiet:?}");
    assert!(
        debug.contains("disable_notification: Some(true)"),
        "{debug}"
    );
    assert!(!debug.contains("AAE-secret-TOKEN_value"), "{debug}");
}

#[test]
fn application_defaults_reach_a_handlers_reply() {
    let server = server();
    let app = Application::builder(Bot::new(TOKEN).with_api_url(server.url()))
        .defaults(
            Defaults::new()
                .parse_mode(ParseMode::Html)
                .protect_content(true),
        )
        .handler(Handler::message(Filter::new(|_| true), |ctx: &Context| {
            ctx.reply("<b>hello</b>").call()?;
            Ok::<_, Error>(())
        }))
        .error_handler(|_, e| panic!("{e}"))
        .build();
    assert_eq!(
        app.bot().defaults().and_then(|d| d.parse_mode.clone()),
        Some(ParseMode::Html)
    );
    app.process_update(updates::text(1, 42, "hi").message_id(3).update());
    let request = last(&server);
    assert_eq!(request.api_method(), "sendMessage");
    assert_eq!(
        Value::Object(params(&request)),
        json!({"chat_id": 42, "text": "<b>hello</b>", "parse_mode": "HTML", "protect_content": true})
    );
}

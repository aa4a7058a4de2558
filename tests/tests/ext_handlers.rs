//! Every kind of handler of `telegram_api::ext` on updates in the documented wire format,
//! through `Application::process_update`; the replies the context builds, checked on a loopback
//! Bot API server.

use std::sync::{Arc, Mutex};

use telegram_api::ext::{Application, Context, Filter, Handler, HandlerError, Regex};
use telegram_api::{Bot, Update, UpdateType};
use telegram_api_tests::http::{Reply, Server};
use telegram_api_tests::updates;

fn update(json: &str) -> Update {
    serde_json::from_str(json).expect("a documented update")
}

const USER: &str = r#"{"id": 111, "is_bot": false, "first_name": "Ann", "username": "ann"}"#;
const PRIVATE: &str = r#"{"id": 111, "type": "private", "first_name": "Ann"}"#;

/// Update `id`: message 5 of Ann's private chat, from Ann.
fn message(id: i64, text: &str) -> String {
    updates::text(id, 111, text)
        .message_id(5)
        .from(serde_json::from_str(USER).unwrap())
        .in_chat(serde_json::from_str(PRIVATE).unwrap())
        .json()
}

/// One update per handler kind, and which handler (by name) must take it.
fn kinds() -> Vec<(&'static str, String)> {
    let msg = r#"{"message_id": 7, "date": 1700000000, "chat": {"id": -100200, "type": "channel", "title": "News"}, "text": "post"}"#;
    let member = format!(
        r#"{{"chat": {{"id": -300, "type": "group", "title": "G"}}, "from": {USER}, "date": 1700000000,
            "old_chat_member": {{"status": "left", "user": {USER}}},
            "new_chat_member": {{"status": "member", "user": {USER}}}}}"#
    );
    vec![
        ("edited_message", format!(r#"{{"update_id": 1, "edited_message": {{"message_id": 5, "date": 1700000000, "edit_date": 1700000100, "chat": {PRIVATE}, "from": {USER}, "text": "fixed"}}}}"#)),
        ("channel_post", format!(r#"{{"update_id": 2, "channel_post": {msg}}}"#)),
        ("edited_channel_post", format!(r#"{{"update_id": 3, "edited_channel_post": {msg}}}"#)),
        ("inline_query", format!(r#"{{"update_id": 4, "inline_query": {{"id": "q1", "from": {USER}, "query": "cats", "offset": ""}}}}"#)),
        ("chosen_inline_result", format!(r#"{{"update_id": 5, "chosen_inline_result": {{"result_id": "r1", "from": {USER}, "query": "cats"}}}}"#)),
        ("my_chat_member", format!(r#"{{"update_id": 6, "my_chat_member": {member}}}"#)),
        ("chat_member", format!(r#"{{"update_id": 7, "chat_member": {member}}}"#)),
        ("chat_join_request", format!(r#"{{"update_id": 8, "chat_join_request": {{"chat": {{"id": -300, "type": "supergroup", "title": "G"}}, "from": {USER}, "user_chat_id": 111, "date": 1700000000}}}}"#)),
        ("poll", r#"{"update_id": 9, "poll": {"id": "p1", "question": "Tea?", "options": [{"persistent_id": "o1", "text": "yes", "voter_count": 1}, {"persistent_id": "o2", "text": "no", "voter_count": 0}], "total_voter_count": 1, "is_closed": false, "is_anonymous": true, "type": "regular", "allows_multiple_answers": false, "allows_revoting": false, "members_only": false}}"#.to_string()),
        ("poll_answer", format!(r#"{{"update_id": 10, "poll_answer": {{"poll_id": "p1", "user": {USER}, "option_ids": [0], "option_persistent_ids": ["o1"]}}}}"#)),
        ("pre_checkout_query", format!(r#"{{"update_id": 11, "pre_checkout_query": {{"id": "pc1", "from": {USER}, "currency": "XTR", "total_amount": 5, "invoice_payload": "x"}}}}"#)),
        ("shipping_query", format!(r#"{{"update_id": 12, "shipping_query": {{"id": "s1", "from": {USER}, "invoice_payload": "x", "shipping_address": {{"country_code": "DE", "state": "", "city": "Berlin", "street_line1": "A 1", "street_line2": "", "post_code": "10115"}}}}}}"#)),
        ("message_reaction", format!(r#"{{"update_id": 13, "message_reaction": {{"chat": {PRIVATE}, "message_id": 5, "user": {USER}, "date": 1700000000, "old_reaction": [], "new_reaction": [{{"type": "emoji", "emoji": "👍"}}]}}}}"#)),
        ("business_message", format!(r#"{{"update_id": 14, "business_message": {{"message_id": 8, "date": 1700000000, "business_connection_id": "bc1", "chat": {PRIVATE}, "from": {USER}, "text": "hello shop"}}}}"#)),
        ("callback_query", format!(r#"{{"update_id": 15, "callback_query": {{"id": "cb1", "from": {USER}, "chat_instance": "ci", "data": "other"}}}}"#)),
        ("callback_data", format!(r#"{{"update_id": 16, "callback_query": {{"id": "cb2", "from": {USER}, "chat_instance": "ci", "data": "vote:42"}}}}"#)),
        ("command", message(17, "/start@my_bot ref-7 x")),
        ("message", message(18, "plain text")),
        ("any", r#"{"update_id": 19, "removed_chat_boost": {"chat": {"id": -300, "type": "supergroup", "title": "G"}, "boost_id": "b1", "remove_date": 1700000000, "source": {"source": "premium", "user": {"id": 111, "is_bot": false, "first_name": "Ann"}}}}"#.to_string()),
    ]
}

type Log = Arc<Mutex<Vec<(String, i64, String)>>>;

fn record(
    log: &Log,
    name: &'static str,
) -> impl Fn(&Context) -> Result<(), std::io::Error> + use<> {
    let log = log.clone();
    move |ctx: &Context| {
        let detail = match name {
            "command" => format!(
                "{} {:?} {:?}",
                ctx.command().unwrap().name,
                ctx.args(),
                ctx.command().unwrap().start_payload()
            ),
            "callback_data" => {
                let caps = ctx.captures().unwrap();
                format!("{} {}", caps.get(1).unwrap(), caps.name("n").unwrap())
            }
            _ => String::new(),
        };
        log.lock()
            .unwrap()
            .push((name.to_string(), ctx.update().unwrap().update_id, detail));
        Ok(())
    }
}

/// The handler name and update id of each entry of `log`.
fn names_and_ids(log: &Log) -> Vec<(String, i64)> {
    log.lock()
        .unwrap()
        .iter()
        .map(|(n, id, _)| (n.clone(), *id))
        .collect()
}

fn application(log: &Log) -> Application {
    let h = |name| record(log, name);
    Application::builder(Bot::new("1:T").with_api_url("http://127.0.0.1:9"))
        .bot_username("My_Bot")
        .handler(Handler::command("start", h("command")))
        .handler(Handler::message(
            Filter::new(|u| u.message().and_then(|m| m.text.as_deref()).is_some()),
            h("message"),
        ))
        .handler(Handler::edited_message(h("edited_message")))
        .handler(Handler::channel_post(h("channel_post")))
        .handler(Handler::edited_channel_post(h("edited_channel_post")))
        .handler(Handler::callback_data(
            Regex::new(r"^vote:(?P<n>\d+)$").unwrap(),
            h("callback_data"),
        ))
        .handler(Handler::callback_query(h("callback_query")))
        .handler(Handler::inline_query(h("inline_query")))
        .handler(Handler::chosen_inline_result(h("chosen_inline_result")))
        .handler(Handler::my_chat_member(h("my_chat_member")))
        .handler(Handler::chat_member(h("chat_member")))
        .handler(Handler::chat_join_request(h("chat_join_request")))
        .handler(Handler::poll(h("poll")))
        .handler(Handler::poll_answer(h("poll_answer")))
        .handler(Handler::pre_checkout_query(h("pre_checkout_query")))
        .handler(Handler::shipping_query(h("shipping_query")))
        .handler(Handler::message_reaction(h("message_reaction")))
        .handler(Handler::business_message(h("business_message")))
        .handler(Handler::update(
            |u| u.kind.name() == Some("removed_chat_boost"),
            h("any"),
        ))
        .build()
}

#[test]
fn every_kind_reaches_its_handler() {
    let log: Log = Arc::default();
    let app = application(&log);
    for (_, json) in kinds() {
        app.process_update(update(&json));
    }
    let got = log.lock().unwrap().clone();
    let want: Vec<(String, i64)> = kinds()
        .iter()
        .map(|(name, json)| (name.to_string(), update(json).update_id))
        .collect();
    assert_eq!(
        got.iter()
            .map(|(n, id, _)| (n.clone(), *id))
            .collect::<Vec<_>>(),
        want
    );
    let detail = |name: &str| got.iter().find(|(n, _, _)| n == name).unwrap().2.clone();
    assert_eq!(detail("command"), r#"start ["ref-7", "x"] Some("ref-7")"#);
    assert_eq!(detail("callback_data"), "42 42");
}

#[test]
fn commands_for_other_bots_and_unknown_names_are_not_taken() {
    let log: Log = Arc::default();
    let app = application(&log);
    app.process_update(update(&message(1, "/start@other_bot")));
    app.process_update(update(&message(2, "/START")));
    app.process_update(update(&message(3, "/help")));
    let got = names_and_ids(&log);
    // Not for this bot, and an unregistered command: the text handler takes them instead.
    assert_eq!(
        got,
        [
            ("message".into(), 1),
            ("command".into(), 2),
            ("message".into(), 3)
        ]
    );
}

#[test]
fn allowed_updates_follow_the_handlers() {
    let bot = Bot::new("1:T");
    let app = Application::builder(bot.clone())
        .command("start", |_: &Context| Ok::<_, std::io::Error>(()))
        .handler(Handler::chat_member(|_: &Context| {
            Ok::<_, std::io::Error>(())
        }))
        .handler(Handler::callback_query(|_: &Context| {
            Ok::<_, std::io::Error>(())
        }))
        .build();
    assert_eq!(
        app.allowed_updates(),
        [
            UpdateType::Message,
            UpdateType::CallbackQuery,
            UpdateType::ChatMember
        ]
    );
    let log: Log = Arc::default();
    let all = application(&log).allowed_updates();
    assert!(all.contains(&UpdateType::ChatMember) && all.contains(&UpdateType::MessageReaction));
    let fixed = Application::builder(bot)
        .allowed_updates([UpdateType::Poll])
        .build();
    assert_eq!(fixed.allowed_updates(), [UpdateType::Poll]);
}

#[test]
fn groups_run_in_order_first_match_wins_and_stop_ends_later_groups() {
    let log: Log = Arc::default();
    let push = |tag: &'static str, stop: bool| {
        let log = log.clone();
        move |ctx: &Context| {
            log.lock()
                .unwrap()
                .push((tag.into(), ctx.update().unwrap().update_id, String::new()));
            if stop && ctx.update().unwrap().update_id == 2 {
                ctx.stop_groups();
            }
            Ok::<_, std::io::Error>(())
        }
    };
    let any = || Filter::new(|_| true);
    let app = Application::builder(Bot::new("1:T"))
        .handler_in(5, Handler::message(any(), push("g5", false)))
        .handler_in(-1, Handler::message(any(), push("g-1a", true)))
        .handler_in(-1, Handler::message(any(), push("g-1b", false)))
        .handler_in(0, Handler::message(any(), push("g0", false)))
        .build();
    app.process_update(update(&message(1, "a")));
    app.process_update(update(&message(2, "b")));
    let got = names_and_ids(&log);
    let want: Vec<(String, i64)> = [("g-1a", 1), ("g0", 1), ("g5", 1), ("g-1a", 2)]
        .iter()
        .map(|(n, i)| (n.to_string(), *i))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn errors_panics_and_undecodable_updates_reach_the_error_handler() {
    let errors: Arc<Mutex<Vec<(i64, String)>>> = Arc::default();
    let after: Arc<Mutex<Vec<i64>>> = Arc::default();
    let app = {
        let (errors, after) = (errors.clone(), after.clone());
        Application::builder(Bot::new("1:T"))
            .handler(Handler::message(
                Filter::new(|_| true),
                |ctx: &Context| match ctx.update().unwrap().update_id {
                    1 => Err("no such thing".into()),
                    2 => panic!("handler blew up"),
                    _ => Ok::<_, Box<dyn std::error::Error + Send + Sync>>(()),
                },
            ))
            .handler_in(
                1,
                Handler::update(
                    |_| true,
                    move |ctx: &Context| {
                        after.lock().unwrap().push(ctx.update().unwrap().update_id);
                        Ok::<_, std::io::Error>(())
                    },
                ),
            )
            .error_handler(move |ctx, e| {
                let kind = match e {
                    HandlerError::Failed(e) => format!("failed {e}"),
                    HandlerError::Panicked(m) => format!("panicked {m}"),
                    HandlerError::Undecodable(m) => {
                        format!("undecodable {}", m.starts_with("message"))
                    }
                    _ => "other".into(),
                };
                errors
                    .lock()
                    .unwrap()
                    .push((ctx.update().map_or(0, |u| u.update_id), kind));
            })
            .build()
    };
    app.process_update(update(&message(1, "x")));
    app.process_update(update(&message(2, "x")));
    // A message whose chat is not an object, kept as getUpdates salvages it.
    let broken = telegram_api::webhook::parse_update(
        br#"{"update_id": 3, "message": {"message_id": 1, "date": 1, "chat": 5}}"#,
    )
    .unwrap();
    assert!(broken.undecoded().is_some());
    app.process_update(broken);
    app.process_update(update(&message(4, "fine")));
    assert_eq!(
        *errors.lock().unwrap(),
        [
            (1, "failed no such thing".to_string()),
            (2, "panicked handler blew up".to_string()),
            (3, "undecodable true".to_string()),
        ]
    );
    // A failing handler does not stop the later groups, nor the application.
    assert_eq!(*after.lock().unwrap(), [1, 2, 3, 4]);
}

#[test]
fn replies_go_to_the_chat_topic_and_button_message() {
    let server = Server::start(|req| match req.api_method() {
        "sendMessage" | "editMessageText" | "editMessageReplyMarkup" => Reply::ok(
            r#"{"message_id": 9, "date": 1700000000, "chat": {"id": -400, "type": "supergroup", "title": "F"}}"#,
        ),
        "answerCallbackQuery" => Reply::ok("true"),
        m => panic!("unexpected {m}"),
    });
    let app = Application::builder(Bot::new("1:T").with_api_url(server.url()))
        .handler(Handler::message(Filter::new(|_| true), |ctx: &Context| {
            ctx.reply("in the topic").call()?;
            Ok::<_, telegram_api::Error>(())
        }))
        .handler(Handler::callback_query(|ctx: &Context| {
            ctx.answer_callback().text("done").call()?;
            ctx.edit_text("chosen").call()?;
            ctx.edit_reply_markup(telegram_api::InlineKeyboardMarkup::new(vec![]))
                .call()?;
            Ok::<_, telegram_api::Error>(())
        }))
        .handler(Handler::business_message(|ctx: &Context| {
            ctx.reply("for the shop").call()?;
            Ok::<_, telegram_api::Error>(())
        }))
        .error_handler(|_, e| panic!("{e}"))
        .build();
    let forum = r#"{"id": -400, "type": "supergroup", "title": "F", "is_forum": true}"#;
    app.process_update(update(&format!(
        r#"{{"update_id": 1, "message": {{"message_id": 3, "message_thread_id": 77, "is_topic_message": true, "date": 1700000000, "chat": {forum}, "from": {USER}, "text": "hi"}}}}"#
    )));
    app.process_update(update(&format!(
        r#"{{"update_id": 2, "callback_query": {{"id": "cb9", "from": {USER}, "chat_instance": "ci", "data": "x",
            "message": {{"message_id": 12, "date": 1700000000, "chat": {forum}, "text": "pick"}}}}}}"#
    )));
    app.process_update(update(&format!(
        r#"{{"update_id": 3, "business_message": {{"message_id": 8, "date": 1700000000, "business_connection_id": "bc1", "chat": {PRIVATE}, "from": {USER}, "text": "hello shop"}}}}"#
    )));
    let sent: Vec<(String, serde_json::Value)> = server
        .requests()
        .iter()
        .map(|r| (r.api_method().to_string(), r.json()))
        .collect();
    assert_eq!(sent.len(), 5, "{sent:?}");
    assert_eq!(sent[0].0, "sendMessage");
    assert_eq!(sent[0].1["chat_id"], -400);
    assert_eq!(sent[0].1["message_thread_id"], 77);
    assert_eq!(sent[0].1["text"], "in the topic");
    assert_eq!(sent[1].0, "answerCallbackQuery");
    assert_eq!(sent[1].1["callback_query_id"], "cb9");
    assert_eq!(sent[2].0, "editMessageText");
    assert_eq!(
        (
            sent[2].1["chat_id"].clone(),
            sent[2].1["message_id"].clone()
        ),
        (serde_json::json!(-400), serde_json::json!(12))
    );
    assert_eq!(sent[3].0, "editMessageReplyMarkup");
    assert_eq!(sent[3].1["message_id"], 12);
    assert_eq!(sent[4].1["business_connection_id"], "bc1");
    assert_eq!(sent[4].1["chat_id"], 111);
}

#[test]
fn a_shortcut_used_on_the_wrong_update_fails_at_once_and_sends_nothing() {
    let server = Server::start(|req| panic!("nothing should be sent, got {}", req.api_method()));
    let outcomes: Arc<Mutex<Vec<String>>> = Arc::default();
    let app = {
        let outcomes = outcomes.clone();
        Application::builder(Bot::new("1:T").with_api_url(server.url()))
            .handler(Handler::update(
                |_| true,
                move |ctx: &Context| {
                    let mut out = outcomes.lock().unwrap();
                    out.push(format!("{:?}", ctx.callback_data()));
                    for result in [
                        ctx.answer_callback().call().map(|_| ()),
                        ctx.edit_text("x").call().map(|_| ()),
                        ctx.edit_reply_markup(telegram_api::InlineKeyboardMarkup::new(vec![]))
                            .call()
                            .map(|_| ()),
                        ctx.reply("x").call().map(|_| ()),
                    ] {
                        out.push(match result {
                            Err(e @ telegram_api::Error::NotForThisUpdate { .. }) => e.to_string(),
                            other => format!("{other:?}"),
                        });
                    }
                    Ok::<_, telegram_api::Error>(())
                },
            ))
            .error_handler(|_, e| panic!("{e}"))
            .build()
    };
    // A poll: no callback query, no message, no chat, no user.
    let poll = kinds()
        .into_iter()
        .find(|(name, _)| *name == "poll")
        .unwrap()
        .1;
    app.process_update(update(&poll));
    assert_eq!(
        *outcomes.lock().unwrap(),
        [
            "None",
            "answer_callback: the update has no callback query; nothing was sent",
            "edit_text: the update has no message to edit; nothing was sent",
            "edit_reply_markup: the update has no message to edit; nothing was sent",
            "reply: the update has no chat or user; nothing was sent",
        ]
    );
    assert_eq!(server.count(), 0);
}

#[test]
fn the_pressed_buttons_data() {
    let data: Arc<Mutex<Vec<Option<String>>>> = Arc::default();
    let app = {
        let data = data.clone();
        Application::builder(Bot::new("1:T").with_api_url("http://127.0.0.1:9"))
            .handler(Handler::update(
                |_| true,
                move |ctx: &Context| {
                    data.lock()
                        .unwrap()
                        .push(ctx.callback_data().map(str::to_owned));
                    Ok::<_, telegram_api::Error>(())
                },
            ))
            .build()
    };
    for (name, json) in kinds() {
        if name == "callback_data" || name == "message" {
            app.process_update(update(&json));
        }
    }
    assert_eq!(*data.lock().unwrap(), [Some("vote:42".to_string()), None]);
}

#[test]
fn inline_shipping_and_pre_checkout_queries_are_answered_by_their_ids() {
    let server = Server::start(|req| match req.api_method() {
        "answerInlineQuery" | "answerShippingQuery" | "answerPreCheckoutQuery" => Reply::ok("true"),
        m => panic!("unexpected {m}"),
    });
    let app = Application::builder(Bot::new("1:T").with_api_url(server.url()))
        .handler(Handler::of_type(
            UpdateType::InlineQuery,
            |ctx: &Context| {
                let article = telegram_api::InlineQueryResultArticle::new(
                    "a1",
                    "Cats",
                    telegram_api::InputTextMessageContent::new("meow"),
                );
                ctx.answer_inline_query([article]).cache_time(5).call()?;
                Ok::<_, telegram_api::Error>(())
            },
        ))
        .handler(Handler::of_type(
            UpdateType::ShippingQuery,
            |ctx: &Context| {
                ctx.answer_shipping_query(false)
                    .error_message("no delivery there")
                    .call()?;
                Ok::<_, telegram_api::Error>(())
            },
        ))
        .handler(Handler::of_type(
            UpdateType::PreCheckoutQuery,
            |ctx: &Context| {
                ctx.answer_pre_checkout_query(true).call()?;
                // The wrong shortcut for this update sends nothing.
                let wrong = ctx.answer_shipping_query(true).call();
                assert!(matches!(
                    wrong,
                    Err(telegram_api::Error::NotForThisUpdate { .. })
                ));
                Ok::<_, telegram_api::Error>(())
            },
        ))
        .error_handler(|_, e| panic!("{e}"))
        .build();
    for (name, json) in kinds() {
        if ["inline_query", "shipping_query", "pre_checkout_query"].contains(&name) {
            app.process_update(update(&json));
        }
    }
    let sent: Vec<(String, serde_json::Value)> = server
        .requests()
        .iter()
        .map(|r| (r.api_method().to_string(), r.json()))
        .collect();
    assert_eq!(sent.len(), 3, "{sent:?}");
    assert_eq!(sent[0].0, "answerInlineQuery");
    assert_eq!(
        sent[0].1,
        serde_json::json!({
            "inline_query_id": "q1",
            "results": [{"type": "article", "id": "a1", "title": "Cats",
                "input_message_content": {"message_text": "meow"}}],
            "cache_time": 5
        })
    );
    assert_eq!(
        sent[1],
        (
            "answerPreCheckoutQuery".to_string(),
            serde_json::json!({"pre_checkout_query_id": "pc1", "ok": true})
        )
    );
    assert_eq!(
        sent[2],
        (
            "answerShippingQuery".to_string(),
            serde_json::json!({"shipping_query_id": "s1", "ok": false, "error_message": "no delivery there"})
        )
    );
}

#[test]
fn the_command_menu_comes_from_the_described_command_handlers() {
    let server = Server::start(|req| {
        assert_eq!(req.api_method(), "setMyCommands");
        Reply::ok("true")
    });
    let noop = |_: &Context| Ok::<_, telegram_api::Error>(());
    let app = Application::builder(Bot::new("1:T").with_api_url(server.url()))
        .handler_in(
            1,
            Handler::command("help", noop).description("What I can do"),
        )
        .handler(Handler::commands(["start", "Go"], noop).description("Begin"))
        // Not in the menu: no description, or not a command.
        .handler(Handler::command("secret", noop))
        .handler(Handler::callback_query(noop).description("ignored"))
        // Telegram's menu lists `/` commands only.
        .handler(Handler::commands(["!ban", "/kick"], noop).description("Remove someone"))
        // A name given again: the first description stands.
        .handler_in(2, Handler::command("start", noop).description("Again"))
        .build();
    app.my_commands().language_code("en").call().unwrap();
    let sent = server.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].json(),
        serde_json::json!({
            "commands": [
                {"command": "start", "description": "Begin"},
                {"command": "go", "description": "Begin"},
                {"command": "kick", "description": "Remove someone"},
                {"command": "help", "description": "What I can do"}
            ],
            "language_code": "en"
        })
    );
}

#[test]
fn message_and_command_handlers_take_edited_messages_and_channel_posts_when_asked() {
    let taken: Arc<Mutex<Vec<(String, i64)>>> = Arc::default();
    let record = |name: &'static str| {
        let taken = taken.clone();
        move |ctx: &Context| {
            taken
                .lock()
                .unwrap()
                .push((name.to_string(), ctx.update().unwrap().update_id));
            Ok::<_, telegram_api::Error>(())
        }
    };
    let app = Application::builder(Bot::new("1:T"))
        .handler(Handler::command("start", record("start")).edited())
        .handler(
            Handler::message(telegram_api::ext::filters::text(), record("text"))
                .edited()
                .channel_posts(),
        )
        .build();
    assert_eq!(
        app.allowed_updates(),
        [
            UpdateType::Message,
            UpdateType::EditedMessage,
            UpdateType::ChannelPost,
            UpdateType::EditedChannelPost
        ]
    );
    let post = r#"{"message_id": 7, "date": 1700000000, "chat": {"id": -100200, "type": "channel", "title": "News"}, "text": "post"}"#;
    let edited_start = format!(
        r#"{{"update_id": 3, "edited_message": {{"message_id": 5, "date": 1700000000, "edit_date": 1700000100,
            "chat": {PRIVATE}, "from": {USER}, "text": "/start", "entities": [{{"type": "bot_command", "offset": 0, "length": 6}}]}}}}"#
    );
    for json in [
        message(1, "hi"),
        format!(r#"{{"update_id": 2, "channel_post": {post}}}"#),
        edited_start,
        format!(r#"{{"update_id": 4, "edited_channel_post": {post}}}"#),
    ] {
        app.process_update(update(&json));
    }
    assert_eq!(
        *taken.lock().unwrap(),
        [
            ("text".to_string(), 1),
            ("text".to_string(), 2),
            ("start".to_string(), 3),
            ("text".to_string(), 4)
        ]
    );

    // Without asking, only new messages.
    let plain = Application::builder(Bot::new("1:T"))
        .handler(Handler::message(
            telegram_api::ext::filters::text(),
            record("plain"),
        ))
        .build();
    assert_eq!(plain.allowed_updates(), [UpdateType::Message]);
    plain.process_update(update(&format!(
        r#"{{"update_id": 5, "channel_post": {post}}}"#
    )));
    assert_eq!(taken.lock().unwrap().len(), 4);
}

#[test]
fn commands_with_another_prefix_are_read_from_the_text() {
    let log: Log = Arc::default();
    let app = Application::builder(Bot::new("1:T").with_api_url("http://127.0.0.1:9"))
        .bot_username("My_Bot")
        .handler(Handler::commands(["!ban", "/ban"], record(&log, "command")))
        .handler(Handler::command(".roll", record(&log, "command")))
        .build();
    let texts = [
        "!ban @spam 7d",    // 1: taken
        "/ban x",           // 2: taken, the `/` name
        "!BAN@my_bot y",    // 3: taken, for this bot, any case
        "!ban@other_bot z", // 4: for another bot
        "! ban",            // 5: no name after the prefix
        "!bank",            // 6: another name
        ".roll 2d6",        // 7: taken
        "say !ban",         // 8: not at the start
        "/roll",            // 9: `/roll` is not `.roll`
    ];
    for (i, text) in texts.iter().enumerate() {
        app.process_update(update(&message(i as i64 + 1, text)));
    }
    let taken: Vec<(i64, String)> = log
        .lock()
        .unwrap()
        .iter()
        .map(|(_, id, detail)| (*id, detail.clone()))
        .collect();
    assert_eq!(
        taken,
        [
            (1, r#"ban ["@spam", "7d"] None"#.to_string()),
            (2, r#"ban ["x"] None"#.to_string()),
            (3, r#"BAN ["y"] None"#.to_string()),
            (7, r#"roll ["2d6"] None"#.to_string()),
        ]
    );
}

#[test]
fn typed_command_arguments_and_their_errors() {
    let log: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = log.clone();
    let app = Application::builder(Bot::new("1:T").with_api_url("http://127.0.0.1:9"))
        .handler(Handler::command("remind", move |ctx: &Context| {
            let parsed = (|| {
                let minutes: u32 = ctx.arg(0)?;
                let what: String = ctx.arg(1)?;
                Ok::<_, telegram_api::ext::ArgError>(format!("{minutes} min: {what}"))
            })();
            seen.lock()
                .unwrap()
                .push(parsed.unwrap_or_else(|e| e.to_string()));
            Ok::<_, std::io::Error>(())
        }))
        .handler(Handler::message(Filter::new(|_| true), |ctx: &Context| {
            assert_eq!(
                ctx.arg::<u32>(0),
                Err(telegram_api::ext::ArgError::NoCommand)
            );
            Ok::<_, std::io::Error>(())
        }))
        .error_handler(|_, e| panic!("{e}"))
        .build();
    for (i, text) in [
        "/remind 10 tea",
        "/remind ten tea",
        "/remind 10",
        "/remind -1 x",
        "hello",
    ]
    .iter()
    .enumerate()
    {
        app.process_update(update(&message(i as i64 + 1, text)));
    }
    assert_eq!(
        *log.lock().unwrap(),
        [
            "10 min: tea",
            r#"argument 1 of /remind, "ten", is not a u32: invalid digit found in string"#,
            "argument 2 of /remind is missing",
            r#"argument 1 of /remind, "-1", is not a u32: invalid digit found in string"#,
        ]
    );
}

#[test]
fn patterns_on_inline_queries_and_invoice_payloads() {
    let log: Log = Arc::default();
    let caps = |name: &'static str| {
        let log = log.clone();
        move |ctx: &Context| {
            let caps = ctx.captures().unwrap();
            let detail = format!("{:?}", caps.get(1));
            log.lock()
                .unwrap()
                .push((name.to_string(), ctx.update().unwrap().update_id, detail));
            Ok::<_, std::io::Error>(())
        }
    };
    let app = Application::builder(Bot::new("1:T").with_api_url("http://127.0.0.1:9"))
        .handler(Handler::inline_query_pattern(
            Regex::new(r"^gif (\w+)").unwrap(),
            caps("gif"),
        ))
        .handler(Handler::shipping_payload(
            Regex::new(r"^order-(\d+)$").unwrap(),
            caps("shipping"),
        ))
        .handler(Handler::pre_checkout_payload(
            Regex::new(r"^order-(\d+)$").unwrap(),
            caps("pre_checkout"),
        ))
        .build();
    assert_eq!(
        app.allowed_updates(),
        [
            UpdateType::InlineQuery,
            UpdateType::ShippingQuery,
            UpdateType::PreCheckoutQuery
        ]
    );
    let inline = |id: i64, query: &str| {
        format!(
            r#"{{"update_id": {id}, "inline_query": {{"id": "q{id}", "from": {USER}, "query": "{query}", "offset": ""}}}}"#
        )
    };
    let shipping = |id: i64, payload: &str| {
        format!(
            r#"{{"update_id": {id}, "shipping_query": {{"id": "s{id}", "from": {USER}, "invoice_payload": "{payload}", "shipping_address": {{"country_code": "DE", "state": "", "city": "Berlin", "street_line1": "A 1", "street_line2": "", "post_code": "10115"}}}}}}"#
        )
    };
    let pre_checkout = |id: i64, payload: &str| {
        format!(
            r#"{{"update_id": {id}, "pre_checkout_query": {{"id": "p{id}", "from": {USER}, "currency": "XTR", "total_amount": 5, "invoice_payload": "{payload}"}}}}"#
        )
    };
    for json in [
        inline(1, "gif cats"),
        inline(2, "cats"),
        shipping(3, "order-17"),
        shipping(4, "gift-17"),
        pre_checkout(5, "order-18"),
        pre_checkout(6, "order-18x"),
    ] {
        app.process_update(update(&json));
    }
    let taken: Vec<(String, i64, String)> = log.lock().unwrap().clone();
    assert_eq!(
        taken,
        [
            ("gif".to_string(), 1, r#"Some("cats")"#.to_string()),
            ("shipping".to_string(), 3, r#"Some("17")"#.to_string()),
            ("pre_checkout".to_string(), 5, r#"Some("18")"#.to_string()),
        ]
    );
}

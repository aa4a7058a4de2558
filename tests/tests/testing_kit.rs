//! `telegram_api::testing`: bots tested in a fake world, under both runners, with the
//! behaviours the world models and the refusals it reproduces.

use std::time::Duration;

use serde_json::json;
use telegram_api::ext::schedule::Schedule;
use telegram_api::ext::{Application, BoxError, Context, Handler, filters};
use telegram_api::testing::{Refusal, World};
use telegram_api::{Bot, InlineKeyboardButton, InlineKeyboardMarkup, LabeledPrice};
use telegram_api_tests::temp::temp_store;

/// A bot with a little of everything: commands, buttons, edits, files, polls, payments,
/// members, inline queries and a job.
fn bot(bot: Bot, world: &World) -> Application {
    Application::builder(bot)
        .clock(world.clock())
        .command("start", |ctx: &Context| {
            let keyboard = InlineKeyboardMarkup::from_rows([[
                InlineKeyboardButton::callback("Yes", "yes"),
                InlineKeyboardButton::callback("No", "no"),
            ]]);
            ctx.reply("Do you like Rust?")
                .reply_markup(keyboard)
                .call()?;
            Ok::<_, BoxError>(())
        })
        .handler(Handler::callback_query(|ctx: &Context| {
            let choice = ctx.callback_data().unwrap_or_default().to_owned();
            ctx.answer_callback()
                .text(format!("You chose {choice}"))
                .call()?;
            ctx.edit_text(format!("Answer: {choice}")).call()?;
            Ok::<_, BoxError>(())
        }))
        .command("later", |ctx: &Context| {
            let at = ctx.now() + Duration::from_secs(60);
            ctx.schedule_job("remind", Schedule::once(at), "stretch")?;
            ctx.reply("In a minute.").call()?;
            Ok::<_, BoxError>(())
        })
        .job("remind", |ctx: &Context| {
            let what: String = ctx.job().expect("a job").data()?;
            ctx.reply(format!("Time to {what}!")).call()?;
            Ok::<_, BoxError>(())
        })
        .command("poll", |ctx: &Context| {
            ctx.reply_poll("Tabs or spaces?", ["Tabs", "Spaces"])
                .is_anonymous(false)
                .call()?;
            Ok::<_, BoxError>(())
        })
        .handler(Handler::poll_answer(|ctx: &Context| {
            let answer = ctx.update().unwrap().poll_answer().expect("a poll answer");
            let who = answer.user.as_ref().map(|u| u.first_name.clone());
            let text = format!("{} picked {:?}", who.unwrap_or_default(), answer.option_ids);
            let chat = answer.user.as_ref().map_or(0, |u| u.id);
            ctx.bot().send_message(chat, text).call()?;
            Ok::<_, BoxError>(())
        }))
        .command("buy", |ctx: &Context| {
            ctx.reply_invoice(
                "Tea",
                "A cup of tea",
                "tea-1",
                "XTR",
                [LabeledPrice::new("Tea", 3)],
            )
            .provider_token("")
            .call()?;
            Ok::<_, BoxError>(())
        })
        .handler(Handler::pre_checkout_query(|ctx: &Context| {
            let ours = ctx
                .update()
                .and_then(|u| u.pre_checkout_query())
                .is_some_and(|q| q.invoice_payload == "tea-1");
            ctx.answer_pre_checkout_query(ours).call()?;
            Ok::<_, BoxError>(())
        }))
        .message(filters::successful_payment(), |ctx: &Context| {
            ctx.reply("Paid, thank you!").call()?;
            Ok::<_, BoxError>(())
        })
        .message(filters::document(), |ctx: &Context| {
            let document = ctx
                .effective_message()
                .and_then(|m| m.document.clone())
                .expect("a document");
            let file = ctx.bot().get_file(document.file_id).call()?;
            let bytes = ctx.bot().download_file(&file)?;
            ctx.reply(format!(
                "{} bytes: {}",
                bytes.len(),
                String::from_utf8_lossy(&bytes)
            ))
            .call()?;
            Ok::<_, BoxError>(())
        })
        .handler(Handler::chat_member(|ctx: &Context| {
            let change = ctx
                .update()
                .unwrap()
                .chat_member()
                .expect("a member change");
            if change.joined() {
                let name = change
                    .new_chat_member
                    .user()
                    .map_or(String::new(), |u| u.first_name.clone());
                ctx.bot()
                    .send_message(change.chat.id, format!("Welcome, {name}!"))
                    .call()?;
            }
            Ok::<_, BoxError>(())
        }))
        .handler(Handler::inline_query(|ctx: &Context| {
            let query = ctx
                .update()
                .unwrap()
                .inline_query()
                .map_or("", |q| q.query.as_str());
            let article = telegram_api::InlineQueryResultArticle::new(
                "up",
                "Upper case",
                telegram_api::InputTextMessageContent::new(query.to_uppercase()),
            );
            ctx.answer_inline_query([article]).call()?;
            Ok::<_, BoxError>(())
        }))
        .message(filters::text() & !filters::command(), |ctx: &Context| {
            let text = ctx.effective_message().and_then(|m| m.text.clone());
            ctx.reply(format!("You said: {}", text.unwrap_or_default()))
                .call()?;
            Ok::<_, BoxError>(())
        })
        .build()
}

/// One conversation, checked the same way whichever runner runs the bot.
fn conversation(world: &World) {
    let alice = world.user("Alice Smith");
    let sent = alice.send("/start");
    assert_eq!(sent.text(), "/start");
    let question = alice.last_message();
    assert_eq!(question.text(), "Do you like Rust?");
    assert_eq!(question.keyboard(), [["Yes", "No"]]);
    let answer = alice.press("Yes");
    assert!(answer.is_answered());
    assert_eq!(answer.text(), Some("You chose yes"));
    // Edited in place, the buttons gone.
    let edited = alice.last_message();
    assert_eq!(edited.id(), question.id());
    assert_eq!(edited.text(), "Answer: yes");
    assert!(edited.buttons().is_empty());
    // Its own message and the bot's, in order.
    alice.send("hello");
    let texts: Vec<String> = alice
        .messages()
        .iter()
        .map(|m| m.text().to_owned())
        .collect();
    assert_eq!(texts, ["/start", "Answer: yes", "hello", "You said: hello"]);
    assert_eq!(
        world.calls(),
        [
            "sendMessage",
            "answerCallbackQuery",
            "editMessageText",
            "sendMessage"
        ]
    );
}

#[test]
fn a_bot_is_tested_through_long_polling() {
    let world = World::new();
    world.run(&bot(world.bot(), &world));
    conversation(&world);
    world.stop().unwrap();
}

#[test]
fn the_same_bot_is_tested_through_its_webhook() {
    let world = World::new();
    world.run_webhook(&bot(world.bot(), &world));
    conversation(&world);
    world.stop().unwrap();
}

#[test]
fn a_bot_with_a_file_store_and_its_inbox_is_waited_for_until_handled() {
    let path = temp_store("testing-kit-inbox");
    let world = World::new();
    let app = Application::builder(world.bot())
        .store_path(&path)
        .unwrap()
        .message(filters::text(), |ctx: &Context| {
            let seen: u32 = ctx.user_data("seen")?.unwrap_or(0) + 1;
            ctx.set_user_data("seen", &seen)?;
            ctx.reply(format!("message {seen}")).call()?;
            Ok::<_, BoxError>(())
        })
        .build();
    world.run(&app);
    let bob = world.user("Bob");
    for _ in 0..3 {
        bob.send("hi");
    }
    assert_eq!(bob.last_message().text(), "message 3");
    world.stop().unwrap();
    drop(app);
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

#[test]
fn jobs_run_when_the_test_moves_the_clock() {
    let world = World::new();
    world.run(&bot(world.bot(), &world));
    let alice = world.user("Alice");
    alice.send("/later");
    assert_eq!(alice.last_message().text(), "In a minute.");
    world.advance(Duration::from_secs(59));
    assert_eq!(alice.last_message().text(), "In a minute.");
    world.advance(Duration::from_secs(1));
    assert_eq!(alice.last_message().text(), "Time to stretch!");
    // Message dates follow the world's clock.
    let date = alice.last_message().message().date;
    assert_eq!(date, world.now().as_second());
}

#[test]
fn files_polls_payments_members_and_inline_queries() {
    let world = World::new();
    world.run(&bot(world.bot(), &world));
    let alice = world.user("Alice");

    // A document the bot downloads.
    alice.send_document("notes.txt", b"rust");
    assert_eq!(alice.last_message().text(), "4 bytes: rust");

    // A poll and a vote, then a changed vote.
    alice.send("/poll");
    let poll = alice.last_message();
    alice.vote(&poll, &[1]);
    assert_eq!(alice.last_message().text(), "Alice picked [1]");
    alice.vote(&poll, &[0]);
    // The poll as the chat shows it now: the vote moved.
    let now = alice
        .messages()
        .into_iter()
        .find(|m| m.id() == poll.id())
        .unwrap();
    let counts: Vec<i64> = now.message().poll.as_ref().map_or(vec![], |p| {
        p.options.iter().map(|o| o.voter_count).collect()
    });
    assert_eq!(counts, [1, 0]);

    // An invoice paid: the check, then the payment message and the thanks.
    alice.send("/buy");
    let invoice = alice.last_message();
    assert!(alice.pay(&invoice));
    assert_eq!(alice.last_message().text(), "Paid, thank you!");
    let paid = &alice.messages()[alice.messages().len() - 2];
    let payment = paid.message().successful_payment.as_ref().unwrap();
    assert_eq!(
        (payment.total_amount, payment.invoice_payload.as_str()),
        (3, "tea-1")
    );

    // A member joins a group where the bot is an administrator.
    let group = world.group("Rustaceans");
    let bob = world.user("Bob");
    bob.join(&group);
    assert_eq!(group.last_message().text(), "Welcome, Bob!");

    // An inline query answered with one article.
    let answer = alice.inline_query("shout");
    assert_eq!(answer.results().len(), 1);
    assert_eq!(
        answer.results()[0]["input_message_content"]["message_text"],
        "SHOUT"
    );
}

#[test]
fn telegrams_refusals_reach_the_bot_as_telegram_words_them() {
    let world = World::new();
    let bot = world.bot();
    let alice = world.user("Alice");

    // A chat the world does not have.
    let error = bot.send_message(42, "hi").call().unwrap_err();
    let api = error.api().unwrap();
    assert_eq!(
        (api.error_code, api.description.as_str()),
        (400, "Bad Request: chat not found")
    );

    // Too long, and a button's data over 64 bytes.
    let error = bot
        .send_message(alice.id(), "x".repeat(4097))
        .call()
        .unwrap_err();
    assert_eq!(
        error.api().unwrap().description,
        "Bad Request: message is too long"
    );
    let keyboard =
        InlineKeyboardMarkup::from_rows([[InlineKeyboardButton::callback("A", "d".repeat(65))]]);
    let error = bot
        .send_message(alice.id(), "pick")
        .reply_markup(keyboard)
        .call()
        .unwrap_err();
    assert_eq!(
        error.api().unwrap().description,
        "Bad Request: BUTTON_DATA_INVALID"
    );

    // Edits: gone, or changing nothing.
    let sent = bot.send_message(alice.id(), "one").call().unwrap();
    let error = bot
        .edit_message_text()
        .text("one")
        .chat_id(alice.id())
        .message_id(sent.message_id)
        .call()
        .unwrap_err();
    assert!(
        error
            .api()
            .unwrap()
            .description
            .starts_with("Bad Request: message is not modified"),
        "{error}"
    );
    bot.delete_message(alice.id(), sent.message_id)
        .call()
        .unwrap();
    let error = bot
        .edit_message_text()
        .text("two")
        .chat_id(alice.id())
        .message_id(sent.message_id)
        .call()
        .unwrap_err();
    assert_eq!(
        error.api().unwrap().description,
        "Bad Request: message to edit not found"
    );

    // A user who blocked the bot.
    alice.block();
    let error = bot
        .send_message(alice.id(), "still there?")
        .call()
        .unwrap_err();
    assert_eq!(
        (
            error.api().unwrap().error_code,
            error.api().unwrap().description.as_str()
        ),
        (403, "Forbidden: bot was blocked by the user")
    );
    alice.unblock();
    bot.send_message(alice.id(), "welcome back").call().unwrap();

    // Flood control on demand, once.
    world.fail_next("sendMessage", Refusal::flood(7));
    let error = bot.send_message(alice.id(), "hi").call().unwrap_err();
    assert_eq!(error.retry_after(), Some(Duration::from_secs(7)));
    bot.send_message(alice.id(), "hi").call().unwrap();

    // Every request is kept with its refusal.
    let refused: Vec<u16> = world
        .requests()
        .iter()
        .filter_map(|r| r.refusal().map(Refusal::code))
        .collect();
    assert_eq!(refused, [400, 400, 400, 400, 400, 403, 429]);
}

#[test]
fn a_button_answered_twice_or_too_late_is_refused() {
    let world = World::new();
    let answers = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = answers.clone();
    let app = Application::builder(world.bot())
        .clock(world.clock())
        .command("start", |ctx: &Context| {
            let keyboard =
                InlineKeyboardMarkup::from_rows([[InlineKeyboardButton::callback("Go", "go")]]);
            ctx.reply("Ready?").reply_markup(keyboard).call()?;
            Ok::<_, BoxError>(())
        })
        .handler(Handler::callback_query(move |ctx: &Context| {
            let first = ctx.answer_callback().call().map(|_| ());
            let second = ctx.answer_callback().call().map(|_| ());
            seen.lock().unwrap().push((first.is_ok(), second.is_err()));
            Ok::<_, BoxError>(())
        }))
        .build();
    world.run(&app);
    let alice = world.user("Alice");
    alice.send("/start");
    assert!(alice.press("Go").is_answered());
    assert_eq!(*answers.lock().unwrap(), [(true, true)]);
    let refusal = world.requests().last().unwrap().refusal().unwrap().clone();
    assert_eq!(
        refusal.description(),
        "Bad Request: query is too old and response timeout expired or query ID is invalid"
    );
}

#[test]
fn raw_requests_meet_the_strict_checks_and_unmodelled_methods_say_so() {
    let world = World::new();
    let refusal = world
        .raw_request("sendMessage", json!({"chat_id": 1}))
        .unwrap_err();
    assert_eq!(refusal.description(), "Bad Request: message text is empty");
    let refusal = world
        .raw_request(
            "sendMessage",
            json!({"chat_id": 1, "text": "hi", "colour": "red"}),
        )
        .unwrap_err();
    assert!(refusal.description().contains("unknown parameter colour"));
    let refusal = world.raw_request("sendTelepathy", json!({})).unwrap_err();
    assert_eq!((refusal.code(), refusal.description()), (404, "Not Found"));
    // Not modelled: said so, and a test can answer it itself.
    let refusal = world
        .raw_request("getChatMenuButton", json!({}))
        .unwrap_err();
    assert!(
        refusal.description().contains("not modelled"),
        "{refusal:?}"
    );
    world.answer_with("getChatMenuButton", |_| Ok(json!({"type": "commands"})));
    let button = world.bot().get_chat_menu_button().call().unwrap();
    assert_eq!(button.to_string(), r#"{"type":"commands"}"#);
    // Without the strict checks, a parameter the method does not take passes.
    world.set_strict(false);
    let alice = world.user("Alice");
    let sent = world.raw_request(
        "sendMessage",
        json!({"chat_id": alice.id(), "text": "hi", "colour": "red"}),
    );
    assert!(sent.is_ok());
    // The table the checks come from covers every method of the crate's description.
    let methods = telegram_api::testing::required_params();
    assert!(methods.iter().any(|(m, required)| *m == "sendMessage"
        && required.contains(&"chat_id")
        && required.contains(&"text")));
    assert!(methods.len() > 150, "{}", methods.len());
}

#[test]
fn the_command_menu_the_application_sets_is_kept() {
    let world = World::new();
    let app = Application::builder(world.bot())
        .handler(
            Handler::command("help", |_: &Context| Ok::<_, BoxError>(())).description("Get help"),
        )
        .build();
    app.my_commands().call().unwrap();
    assert_eq!(
        world.commands(),
        json!([{"command": "help", "description": "Get help"}])
    );
}

#[test]
fn a_conversation_times_out_when_the_test_moves_the_clock() {
    use serde::{Deserialize, Serialize};
    use telegram_api::ext::{Conversation, Next};

    #[derive(Serialize, Deserialize, PartialEq, Clone, Debug)]
    enum Step {
        Name,
    }
    let world = World::new();
    let conversation: Handler = Conversation::new("signup")
        .entry(Handler::command("start", |ctx: &Context| {
            ctx.reply("Your name?").call()?;
            Ok::<_, BoxError>(Next::To(Step::Name))
        }))
        .state(
            Step::Name,
            Handler::message(filters::text(), |ctx: &Context| {
                ctx.reply("Thanks!").call()?;
                Ok::<_, BoxError>(Next::End)
            }),
        )
        .timeout(Duration::from_secs(300))
        .on_timeout(|ctx: &Context| {
            ctx.reply("Too slow, send /start again.").call()?;
            Ok::<_, BoxError>(())
        })
        .into();
    let app = Application::builder(world.bot())
        .clock(world.clock())
        .handler(conversation)
        .build();
    world.run(&app);
    let alice = world.user("Alice");
    alice.send("/start");
    world.advance(Duration::from_secs(299));
    assert_eq!(alice.last_message().text(), "Your name?");
    world.advance(Duration::from_secs(1));
    assert_eq!(alice.last_message().text(), "Too slow, send /start again.");
    // Ended: a name now starts nothing.
    alice.send("Alice");
    assert_eq!(alice.last_message().text(), "Too slow, send /start again.");
}

#[test]
fn the_transcript_tells_the_conversation_in_order() {
    let world = World::new();
    world.run(&bot(world.bot(), &world));
    let alice = world.user("Alice");
    alice.send("/start");
    alice.press("No");
    alice.send_document("notes.txt", b"hi");
    assert_eq!(
        world.transcript(),
        "Alice → bot: /start\n\
         bot → Alice: Do you like Rust?  [Yes] [No]\n\
         Alice pressed [No]\n\
         bot answered the press: \"You chose no\"\n\
         bot edited message 2 in Alice: Answer: no\n\
         Alice → bot: [document] notes.txt\n\
         bot → Alice: 2 bytes: hi\n"
    );
}

#[test]
fn forum_topics_and_channels() {
    let world = World::new();
    let app = Application::builder(world.bot())
        .message(filters::text(), |ctx: &Context| {
            // A reply goes to the topic of the message it answers.
            ctx.reply("Noted.").call()?;
            Ok::<_, BoxError>(())
        })
        .handler(
            Handler::message(filters::text(), |ctx: &Context| {
                let text = ctx.effective_message().and_then(|m| m.text.clone());
                ctx.bot()
                    .send_message("@rustnews", format!("Seen: {}", text.unwrap_or_default()))
                    .call()?;
                Ok::<_, BoxError>(())
            })
            .channel_posts(),
        )
        .build();
    world.run(&app);
    let forum = world.forum("Rust Forum");
    let help = forum.topic("Help");
    let alice = world.user("Alice");
    alice.send_in_topic(&help, "How do lifetimes work?");
    assert_eq!(help.last_message().text(), "Noted.");
    assert_eq!(help.last_message().message().is_topic_message, Some(true));
    let sent = &world.params_of("sendMessage")[0];
    assert_eq!(sent["message_thread_id"], help.thread_id());

    // A topic the forum does not have.
    let error = world
        .bot()
        .send_message(forum.id(), "lost")
        .message_thread_id(9999)
        .call()
        .unwrap_err();
    assert_eq!(
        error.api().unwrap().description,
        "Bad Request: message thread not found"
    );

    // A channel post reaches the bot; its answer goes to the channel by username.
    let news = world.channel("Rust News", "rustnews");
    news.post("1.90 is out");
    assert_eq!(news.last_message().text(), "Seen: 1.90 is out");
    assert!(news.last_message().message().from.is_none());
    assert!(world.transcript().contains("Rust News posted: 1.90 is out"));
}

#[test]
fn a_reply_keyboard_is_kept_until_removed_and_its_buttons_tapped() {
    use telegram_api::{KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove};
    let world = World::new();
    let app = Application::builder(world.bot())
        .command("start", |ctx: &Context| {
            let keyboard = ReplyKeyboardMarkup::new(vec![vec![
                KeyboardButton::new("Help"),
                KeyboardButton::new("Done"),
            ]]);
            ctx.reply("Pick one.").reply_markup(keyboard).call()?;
            Ok::<_, BoxError>(())
        })
        .message(filters::text_in(["Help"]), |ctx: &Context| {
            ctx.reply("Here is some help.").call()?;
            Ok::<_, BoxError>(())
        })
        .message(filters::text_in(["Done"]), |ctx: &Context| {
            ctx.reply("Bye.")
                .reply_markup(ReplyKeyboardRemove::new())
                .call()?;
            Ok::<_, BoxError>(())
        })
        .build();
    world.run(&app);
    let alice = world.user("Alice");
    assert!(alice.keyboard().is_empty());
    alice.send("/start");
    assert_eq!(alice.keyboard(), [["Help", "Done"]]);
    alice.tap("Help");
    assert_eq!(alice.last_message().text(), "Here is some help.");
    // The keyboard stays until the bot removes it.
    assert_eq!(alice.keyboard(), [["Help", "Done"]]);
    alice.tap("Done");
    assert!(alice.keyboard().is_empty());
}

#[test]
fn albums_of_two_and_ten_photos_are_handled_once_whole_among_other_chats() {
    use telegram_api::ext::Album;
    let world = World::new();
    let app = Application::builder(world.bot())
        .clock(world.clock())
        .album(|ctx: &Context, album: &Album| {
            // The album goes back whole, as an album: sendMediaGroup, checked strictly.
            ctx.reply_media_group(album.input_media()).call()?;
            ctx.reply(format!(
                "{} photos: {}",
                album.len(),
                album.caption().unwrap_or("no caption")
            ))
            .call()?;
            Ok::<_, BoxError>(())
        })
        .message(filters::photo(), |ctx: &Context| {
            ctx.reply("One photo.").call()?;
            Ok::<_, BoxError>(())
        })
        .message(filters::text(), |ctx: &Context| {
            ctx.reply("Text.").call()?;
            Ok::<_, BoxError>(())
        })
        .build();
    world.run(&app);
    let alice = world.user("Alice");
    let bob = world.user("Bob");
    let ten: Vec<&[u8]> = vec![b"p".as_slice(); 10];
    alice.send_album(&ten, Some("Holidays"));
    // Bob's chat goes on while Alice's album waits for its quiet window.
    bob.send("hello");
    assert_eq!(bob.last_message().text(), "Text.");
    bob.send_album(&[b"a", b"b"], None);
    bob.send_photo(b"c", None);
    assert_eq!(bob.last_message().text(), "One photo.");
    assert!(world.params_of("sendMediaGroup").is_empty());
    world.advance(Duration::from_secs(1));
    assert_eq!(alice.last_message().text(), "10 photos: Holidays");
    assert_eq!(bob.last_message().text(), "2 photos: no caption");
    let groups = world.params_of("sendMediaGroup");
    let sizes: Vec<usize> = groups
        .iter()
        .map(|p| p["media"].as_array().unwrap().len())
        .collect();
    let mut sorted = sizes.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, [2, 10]);
    // Once each, even when the clock moves on.
    world.advance(Duration::from_secs(60));
    assert_eq!(world.params_of("sendMediaGroup").len(), 2);
}

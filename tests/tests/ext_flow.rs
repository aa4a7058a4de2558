//! Straight-line flows of `telegram_api::ext` ([`Flow`]), in the testing world: a flow that
//! asks, checks and loops; answers that do not pass the filter; cancellation; the idle
//! timeout on the world's clock; replays that neither ask nor send again; and a flow stopped
//! mid-way that a new application on the same file store resumes.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use telegram_api::ext::flow::{Flow, FlowCtx, FlowError};
use telegram_api::ext::store::{FileStore, Key};
use telegram_api::ext::{
    Application, ApplicationBuilder, BoxError, Context, HandlerError, filters,
};
use telegram_api::testing::{Person, Refusal, World};
use telegram_api_tests::temp::temp_store;
use telegram_api_tests::updates;

/// A text that is not a command.
fn words() -> filters::Filter {
    filters::text() & !filters::command()
}

/// The sign-up: a name, then an age checked by the function, which asks again until it is a
/// number.
fn signup(flow: &mut FlowCtx) -> Result<(), FlowError> {
    let name = flow.ask("What is your name?", words())?.text().to_owned();
    let age: u32 = loop {
        let answer = flow.ask("How old are you?", words())?;
        match answer.text().trim().parse() {
            Ok(age) => break age,
            Err(_) => flow.say("Please send a number.")?,
        };
    };
    flow.say(format!("Thanks {name}, {age}."))?;
    Ok(())
}

/// The sign-up flow, entered with /signup, cancelled with /cancel.
fn signup_flow() -> Flow {
    Flow::new("signup", signup)
        .entry(filters::commands(["signup"]))
        .cancel_on(filters::commands(["cancel"]))
        .on_cancel(|ctx: &Context| ctx.reply("Cancelled.").call().map(drop))
}

/// An application of the world with `flow`, on the world's clock.
fn app_with(world: &World, flow: Flow) -> ApplicationBuilder {
    Application::builder(world.bot())
        .clock(world.clock())
        .handler(flow.into())
}

/// What the bot said to `person`, in order.
/// The errors an application reported, as their messages.
#[derive(Clone, Default, Debug)]
struct Errors(Arc<Mutex<Vec<String>>>);

impl Errors {
    /// An error handler that keeps what it is given here.
    fn handler(&self) -> impl Fn(&Context, &HandlerError) + Send + Sync + 'static {
        let kept = self.0.clone();
        move |_: &Context, e: &HandlerError| kept.lock().unwrap().push(e.to_string())
    }

    fn list(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

fn said(person: &Person) -> Vec<String> {
    person
        .messages()
        .iter()
        .filter(|m| m.is_from_bot())
        .map(|m| m.text().to_owned())
        .collect()
}

/// The texts of the `sendMessage` requests the bot made.
fn sent(world: &World) -> Vec<String> {
    world
        .params_of("sendMessage")
        .iter()
        .map(|p| p["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The key of `person`'s record of the flow `name` in a private chat.
fn record_key(name: &str, person: &Person) -> Key {
    Key::conversation(format!("{name}:c{0}u{0}", person.id()), "flow")
}

#[test]
fn a_flow_asks_checks_the_answer_and_loops_until_it_is_a_number() {
    let world = World::new();
    let app = app_with(&world, signup_flow()).build();
    world.run(&app);
    let alice = world.user("Alice");
    alice.send("/signup");
    assert_eq!(alice.last_message().text(), "What is your name?");
    assert!(
        app.store()
            .get(&record_key("signup", &alice))
            .unwrap()
            .is_some()
    );
    alice.send("Alice");
    alice.send("forty");
    alice.send("about forty");
    alice.send("41");
    assert_eq!(
        said(&alice),
        [
            "What is your name?",
            "How old are you?",
            "Please send a number.",
            "How old are you?",
            "Please send a number.",
            "How old are you?",
            "Thanks Alice, 41.",
        ]
    );
    // Each question and each message was sent once: the replays sent nothing again.
    assert_eq!(sent(&world), said(&alice));
    // Ended: the record is gone, and a text starts nothing.
    assert!(
        app.store()
            .get(&record_key("signup", &alice))
            .unwrap()
            .is_none()
    );
    alice.send("hello?");
    assert_eq!(world.calls().len(), 7);
    // Another user's flow is apart from Alice's.
    let bob = world.user("Bob");
    bob.send("/signup");
    alice.send("/signup");
    bob.send("Bob");
    assert_eq!(said(&bob), ["What is your name?", "How old are you?"]);
    assert_eq!(alice.last_message().text(), "What is your name?");
}

#[test]
fn an_answer_the_filter_does_not_pass_gets_the_question_or_the_reminder_again() {
    let world = World::new();
    let flow = Flow::new("photo", |flow: &mut FlowCtx| {
        let name = flow.ask("Your name?", words())?.text().to_owned();
        let photo = flow.ask_or("A photo, please.", filters::photo(), "That is not a photo.")?;
        let caption = photo
            .message()
            .and_then(|m| m.caption.clone())
            .unwrap_or_default();
        flow.say(format!("Got it, {name} ({caption})."))?;
        Ok(())
    })
    .entry(filters::commands(["photo"]));
    let app = app_with(&world, flow).build();
    world.run(&app);
    let alice = world.user("Alice");
    alice.send("/photo");
    alice.send("/help");
    alice.send("Alice");
    alice.send("no photo");
    alice.send_photo(b"not really a png", Some("me"));
    assert_eq!(
        said(&alice),
        [
            "Your name?",
            "Your name?",
            "A photo, please.",
            "That is not a photo.",
            "Got it, Alice (me).",
        ]
    );
}

#[test]
fn cancel_ends_the_flow_and_clears_its_record() {
    let world = World::new();
    let app = app_with(&world, signup_flow()).build();
    world.run(&app);
    let alice = world.user("Alice");
    alice.send("/signup");
    alice.send("Alice");
    alice.send("/cancel");
    assert_eq!(alice.last_message().text(), "Cancelled.");
    assert!(
        app.store()
            .get(&record_key("signup", &alice))
            .unwrap()
            .is_none()
    );
    // Nothing waits any more: an age is nobody's answer.
    alice.send("41");
    assert_eq!(alice.last_message().text(), "Cancelled.");
    // /cancel outside a flow is nothing either.
    alice.send("/cancel");
    assert_eq!(said(&alice).len(), 3);
    // Started again, the flow asks from the start: its old answers are gone.
    alice.send("/signup");
    alice.send("Alicia");
    alice.send("42");
    assert_eq!(alice.last_message().text(), "Thanks Alicia, 42.");
}

#[test]
fn the_function_cancels_from_inside_and_reentry_starts_again() {
    let world = World::new();
    let flow = Flow::new("quiz", |flow: &mut FlowCtx| {
        let answer = flow.ask("2 + 2?", words())?;
        if answer.text() == "stop" {
            return Err(FlowError::Cancelled);
        }
        flow.say(format!("You said {}.", answer.text()))?;
        Ok(())
    })
    .entry(filters::commands(["quiz"]))
    .allow_reentry(true)
    .on_cancel(|ctx: &Context| ctx.reply("Stopped.").call().map(drop));
    let app = app_with(&world, flow).build();
    world.run(&app);
    let alice = world.user("Alice");
    alice.send("/quiz");
    alice.send("stop");
    assert_eq!(alice.last_message().text(), "Stopped.");
    assert!(
        app.store()
            .get(&record_key("quiz", &alice))
            .unwrap()
            .is_none()
    );
    // Re-entry: /quiz while waiting asks from the start (the question once more), and the
    // answer goes to the new run.
    alice.send("/quiz");
    alice.send("/quiz");
    alice.send("4");
    assert_eq!(
        said(&alice),
        ["2 + 2?", "Stopped.", "2 + 2?", "2 + 2?", "You said 4."]
    );
}

#[test]
fn a_flow_times_out_at_its_deadline_on_the_worlds_clock() {
    let world = World::new();
    let flow = signup_flow()
        .timeout(Duration::from_secs(300))
        .on_timeout(|ctx: &Context| ctx.reply("Too slow, send /signup again.").call().map(drop));
    let app = app_with(&world, flow).build();
    world.run(&app);
    let alice = world.user("Alice");
    alice.send("/signup");
    world.advance(Duration::from_secs(200));
    // An answer moves the deadline: 300 s from now.
    alice.send("Alice");
    world.advance(Duration::from_secs(299));
    assert_eq!(alice.last_message().text(), "How old are you?");
    assert!(
        app.store()
            .get(&record_key("signup", &alice))
            .unwrap()
            .is_some()
    );
    world.advance(Duration::from_secs(1));
    assert_eq!(alice.last_message().text(), "Too slow, send /signup again.");
    assert!(
        app.store()
            .get(&record_key("signup", &alice))
            .unwrap()
            .is_none()
    );
    // Ended: an age now starts nothing, and the timeout fired once.
    alice.send("41");
    world.advance(Duration::from_secs(600));
    assert_eq!(
        said(&alice),
        [
            "What is your name?",
            "How old are you?",
            "Too slow, send /signup again."
        ]
    );
    // A finished flow leaves no timeout behind.
    alice.send("/signup");
    alice.send("Alice");
    alice.send("41");
    world.advance(Duration::from_secs(600));
    assert_eq!(alice.last_message().text(), "Thanks Alice, 41.");
}

#[test]
fn an_update_that_finds_the_flow_timed_out_ends_it_first() {
    let world = World::new();
    let alice = world.user("Alice");
    let flow = signup_flow()
        .timeout(Duration::from_secs(60))
        .on_timeout(|ctx: &Context| ctx.reply("Timed out.").call().map(drop));
    // Not run by a runner, the application runs no jobs: as a bot that was down at the
    // deadline.
    let app = app_with(&world, flow).build();
    let update = |id: i64, text: &str| {
        updates::text(id, alice.id(), text)
            .from(serde_json::to_value(alice.user()).unwrap())
            .update()
    };
    app.process_update(update(1, "/signup"));
    world.advance(Duration::from_secs(61));
    app.process_update(update(2, "Alice"));
    assert_eq!(said(&alice), ["What is your name?", "Timed out."]);
    assert!(
        app.store()
            .get(&record_key("signup", &alice))
            .unwrap()
            .is_none()
    );
}

#[test]
fn replays_run_recorded_steps_once_and_return_what_they_returned() {
    let world = World::new();
    let runs = Arc::new(AtomicUsize::new(0));
    let steps = Arc::new(AtomicUsize::new(0));
    let (r, s) = (runs.clone(), steps.clone());
    let flow = Flow::new("dice", move |flow: &mut FlowCtx| {
        r.fetch_add(1, Ordering::SeqCst);
        // Not deterministic, so through the flow: counted once, the same value on replays.
        let drawn: usize =
            flow.run(|_| Ok::<_, BoxError>(s.fetch_add(1, Ordering::SeqCst) + 10))?;
        let started = flow.now()?;
        flow.ask(format!("Drawn {drawn}. Guess?"), words())?;
        flow.ask("Sure?", words())?;
        let now = flow.now()?;
        flow.say(format!(
            "It was {drawn}; {}s.",
            now.as_second() - started.as_second()
        ))?;
        Ok(())
    })
    .entry(filters::commands(["dice"]));
    let app = app_with(&world, flow).build();
    world.run(&app);
    let alice = world.user("Alice");
    alice.send("/dice");
    world.advance(Duration::from_secs(5));
    alice.send("12");
    world.advance(Duration::from_secs(7));
    alice.send("yes");
    assert_eq!(
        said(&alice),
        ["Drawn 10. Guess?", "Sure?", "It was 10; 12s."]
    );
    // Three updates, three runs of the function; its step ran once.
    assert_eq!(runs.load(Ordering::SeqCst), 3);
    assert_eq!(steps.load(Ordering::SeqCst), 1);
}

#[test]
fn a_failing_step_drops_the_answer_and_the_flow_waits_where_it_was() {
    let world = World::new();
    let errors = Errors::default();
    let app = app_with(&world, signup_flow())
        .error_handler(errors.handler())
        .build();
    world.run(&app);
    let alice = world.user("Alice");
    alice.send("/signup");
    world.fail_next("sendMessage", Refusal::new(400, "Bad Request: try later"));
    alice.send("Alice");
    assert_eq!(errors.list().len(), 1, "{errors:?}");
    assert_eq!(said(&alice), ["What is your name?"]);
    // The answer was not recorded: the same question still waits for it.
    alice.send("Alicia");
    alice.send("30");
    assert_eq!(
        said(&alice),
        [
            "What is your name?",
            "How old are you?",
            "Thanks Alicia, 30."
        ]
    );
}

#[test]
fn a_function_that_does_not_replay_as_it_ran_is_reported() {
    let world = World::new();
    let errors = Errors::default();
    let calls = Arc::new(AtomicUsize::new(0));
    let flow = Flow::new("fickle", move |flow: &mut FlowCtx| {
        // Reads a counter directly: the first run says something, replays ask at once.
        if calls.fetch_add(1, Ordering::SeqCst) == 0 {
            flow.say("Hello.")?;
        }
        flow.ask("Name?", words())?;
        Ok(())
    })
    .entry(filters::commands(["fickle"]))
    .cancel_on(filters::commands(["cancel"]))
    .on_cancel(|ctx: &Context| ctx.reply("Cancelled.").call().map(drop));
    let app = app_with(&world, flow)
        .error_handler(errors.handler())
        .build();
    world.run(&app);
    let alice = world.user("Alice");
    alice.send("/fickle");
    alice.send("Alice");
    let errors = errors.list();
    assert_eq!(errors.len(), 1);
    assert!(errors[0].contains("did not replay as it ran"), "{errors:?}");
    assert_eq!(said(&alice), ["Hello.", "Name?"]);
    // Stuck, but it can be cancelled.
    alice.send("/cancel");
    assert_eq!(alice.last_message().text(), "Cancelled.");
}

/// The sign-up bot on the file store `path`, with a timeout.
fn stored_bot(world: &World, path: &std::path::Path) -> Application {
    app_with(world, signup_flow().timeout(Duration::from_secs(3600)))
        .store(FileStore::open(path).unwrap())
        .build()
}

#[test]
fn killed_mid_way_and_resumed_without_repeating_its_sent_messages() {
    let path = temp_store("ext-flow-resume");
    let world = World::new();
    let alice = world.user("Alice");
    let first = stored_bot(&world, &path);
    world.run(&first);
    alice.send("/signup");
    alice.send("Alice");
    alice.send("forty");
    assert_eq!(
        sent(&world),
        [
            "What is your name?",
            "How old are you?",
            "Please send a number.",
            "How old are you?"
        ]
    );
    world.stop().unwrap();
    drop(first);

    // A new application on the same file: it goes on where the first one stopped.
    world.clear_requests();
    let second = stored_bot(&world, &path);
    world.run(&second);
    alice.send("41");
    // Only what comes after the answer reached Telegram: none of the earlier questions again.
    assert_eq!(world.calls(), ["sendMessage"]);
    assert_eq!(sent(&world), ["Thanks Alice, 41."]);
    assert!(
        second
            .store()
            .get(&record_key("signup", &alice))
            .unwrap()
            .is_none()
    );
    world.stop().unwrap();
    drop(second);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn updates_delivered_again_after_a_restart_are_not_answers_twice() {
    let path = temp_store("ext-flow-again");
    let world = World::new();
    let alice = world.user("Alice");
    let update = |id: i64, text: &str| {
        updates::text(id, alice.id(), text)
            .from(serde_json::to_value(alice.user()).unwrap())
            .update()
    };
    let first = stored_bot(&world, &path);
    first.process_update(update(1, "/signup"));
    first.process_update(update(2, "Alice"));
    drop(first);
    // The bot stopped before confirming: Telegram delivers 1 and 2 again, then 3.
    let second = stored_bot(&world, &path);
    for (id, text) in [(1, "/signup"), (2, "Alice"), (3, "41")] {
        second.process_update(update(id, text));
    }
    assert_eq!(
        said(&alice),
        [
            "What is your name?",
            "How old are you?",
            "Thanks Alice, 41."
        ]
    );
    drop(second);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn a_record_that_does_not_decode_is_reported_and_cancel_still_clears_it() {
    let world = World::new();
    let errors = Errors::default();
    let app = app_with(&world, signup_flow())
        .error_handler(errors.handler())
        .build();
    world.run(&app);
    let alice = world.user("Alice");
    alice.send("/signup");
    // A record written by some other version of the bot.
    let key = record_key("signup", &alice);
    let mut data = telegram_api::ext::store::Data::new(app.store());
    data.set(&key, &serde_json::json!({"state": "Name"}))
        .unwrap();
    data.commit(None).unwrap();
    alice.send("Alice");
    let reported = errors.list();
    assert_eq!(reported.len(), 1);
    assert!(reported[0].contains("signup:c"), "{reported:?}");
    assert_eq!(said(&alice), ["What is your name?"]);
    alice.send("/cancel");
    assert_eq!(alice.last_message().text(), "Cancelled.");
    assert!(app.store().get(&key).unwrap().is_none());
}

#[test]
fn a_press_that_is_no_answer_is_answered_and_gets_the_question_again() {
    use telegram_api::{InlineKeyboardButton, InlineKeyboardMarkup};
    let world = World::new();
    let flow = Flow::new("menu", |flow: &mut FlowCtx| {
        let go = InlineKeyboardButton::new("Go").callback_data("go");
        flow.run(|ctx| {
            ctx.reply("Press Go when ready.")
                .reply_markup(InlineKeyboardMarkup::new(vec![vec![go]]))
                .call()
        })?;
        let press = flow.wait_update(filters::Filter::new(|u| u.callback_query().is_some()))?;
        flow.run(|ctx| ctx.answer_callback().text("Going").call())?;
        let name = flow.ask("Name?", words())?;
        flow.say(format!(
            "{} pressed {}.",
            name.text(),
            press.callback_data().unwrap_or("?")
        ))?;
        Ok(())
    })
    .entry(filters::commands(["menu"]));
    let app = app_with(&world, flow).build();
    world.run(&app);
    let alice = world.user("Alice");
    alice.send("/menu");
    // Text while a press is awaited: taken, nothing sent.
    alice.send("hello");
    assert_eq!(world.calls(), ["sendMessage"]);
    let answer = alice.press("Go");
    assert_eq!(answer.text(), Some("Going"));
    // Pressed again while a name is awaited: answered silently, and the question again.
    world.clear_requests();
    let again = alice.press("Go");
    assert_eq!(again.text(), None);
    assert_eq!(world.calls(), ["answerCallbackQuery", "sendMessage"]);
    alice.send("Alice");
    assert_eq!(
        said(&alice),
        [
            "Press Go when ready.",
            "Name?",
            "Name?",
            "Alice pressed go."
        ]
    );
}

#[test]
fn per_topic_flows_keep_each_forum_topic_apart_and_time_out_in_their_topic() {
    let world = World::new();
    let flow = signup_flow()
        .per_topic(true)
        .timeout(Duration::from_secs(60))
        .on_timeout(|ctx: &Context| ctx.reply("Timed out.").call().map(drop));
    world.run(&app_with(&world, flow).build());
    let forum = world.forum("Rust Forum");
    let help = forum.topic("Help");
    let news = forum.topic("News");
    let alice = world.user("Alice");
    alice.send_in_topic(&help, "/signup");
    alice.send_in_topic(&news, "/signup");
    alice.send_in_topic(&help, "Alice");
    assert_eq!(help.last_message().text(), "How old are you?");
    assert_eq!(news.last_message().text(), "What is your name?");
    alice.send_in_topic(&help, "36");
    assert_eq!(help.last_message().text(), "Thanks Alice, 36.");
    // The flow of the news topic goes on where it was, on its own.
    alice.send_in_topic(&news, "Ally");
    assert_eq!(news.last_message().text(), "How old are you?");
    world.advance(Duration::from_secs(61));
    assert_eq!(news.last_message().text(), "Timed out.");
    let last = world.params_of("sendMessage").pop().unwrap();
    assert_eq!(last["message_thread_id"], news.thread_id());
    assert_eq!(help.last_message().text(), "Thanks Alice, 36.");
}

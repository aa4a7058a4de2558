//! Nested conversations of `telegram_api::ext`, in the testing world: a child conversation as
//! a state's handler of its parent, its end mapped to the parent's step, the fallbacks of both
//! levels, keys per forum topic, the timeouts of both levels, and both levels' states across a
//! restart with a file store.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_derive::{Deserialize, Serialize};
use serde_json::json;
use telegram_api::ext::jobs::JOB_PREFIX;
use telegram_api::ext::store::{FileStore, Key, Scope};
use telegram_api::ext::{
    Application, BoxError, Context, Conversation, Handler, Next, Per, filters,
};
use telegram_api::testing::{Person, World};
use telegram_api_tests::temp::temp_store;
use telegram_api_tests::updates;

/// The parent's states: a sign-up.
#[derive(Serialize, Deserialize, PartialEq, Clone, Debug)]
enum Signup {
    Address,
    Confirm,
}

/// The child's states: an address asked line by line; `Given` hands over to the sign-up.
#[derive(Serialize, Deserialize, PartialEq, Clone, Debug)]
enum Address {
    Street,
    City,
    Given,
}

/// A handler's code that replies `text` and takes the step `next`.
fn say<S>(
    text: &'static str,
    next: Next<S>,
) -> impl Fn(&Context) -> Result<Next<S>, BoxError> + Send + Sync + 'static
where
    S: Clone + Send + Sync + 'static,
{
    move |ctx: &Context| {
        ctx.reply(text).call()?;
        Ok(next.clone())
    }
}

/// A text that is not a command.
fn words() -> filters::Filter {
    filters::text() & !filters::command()
}

/// How the two levels are set up.
#[derive(Clone, Copy, Default)]
struct Setup {
    child_timeout: Option<Duration>,
    parent_timeout: Option<Duration>,
    per_topic: bool,
}

/// The child: `/address`, a street, a city; its own `/back` and `/help` fallbacks.
fn address(setup: Setup) -> Conversation<Address> {
    let mut address = Conversation::new("address")
        .entry(Handler::command(
            "address",
            say("Street?", Next::To(Address::Street)),
        ))
        .state(
            Address::Street,
            Handler::message(words(), say("City?", Next::To(Address::City))),
        )
        .state(
            Address::City,
            Handler::message(words(), say("Is that right?", Next::To(Address::Given))),
        )
        .fallback(Handler::command(
            "back",
            say("Back to the sign-up.", Next::End),
        ))
        .fallback(Handler::command("help", say("Address help.", Next::Stay)))
        .on_timeout(|ctx: &Context| {
            ctx.reply("The address timed out.").call()?;
            Ok::<_, BoxError>(())
        });
    if let Some(idle) = setup.child_timeout {
        address = address.timeout(idle);
    }
    if setup.per_topic {
        address = address.per(Per::Chat).per_topic(true);
    }
    address
}

/// The parent: `/signup`, then the address (the child, or `/skip`), then a confirmation; its
/// `/cancel` and `/help` fallbacks.
fn signup(setup: Setup) -> Handler {
    let child = address(setup).map_to_parent(|step: &Next<Address>| match step {
        Next::To(Address::Given) => Some(Next::To(Signup::Confirm)),
        _ => None,
    });
    let mut signup = Conversation::new("signup")
        .entry(Handler::command(
            "signup",
            say("Send /address.", Next::To(Signup::Address)),
        ))
        .state(Signup::Address, child)
        .state(
            Signup::Address,
            Handler::command(
                "skip",
                say("Skipped the address.", Next::To(Signup::Confirm)),
            ),
        )
        .state(
            Signup::Confirm,
            Handler::message(words(), say("Signed up!", Next::End)),
        )
        .fallback(Handler::command("cancel", say("Cancelled.", Next::End)))
        .fallback(Handler::command("help", say("Sign-up help.", Next::Stay)))
        .on_timeout(|ctx: &Context| {
            ctx.reply("The sign-up timed out.").call()?;
            Ok::<_, BoxError>(())
        });
    if let Some(idle) = setup.parent_timeout {
        signup = signup.timeout(idle);
    }
    if setup.per_topic {
        signup = signup.per(Per::Chat).per_topic(true);
    }
    signup.into()
}

/// A world running the sign-up bot, Alice, and the application.
fn world(setup: Setup) -> (World, Person, Application) {
    let world = World::new();
    let app = Application::builder(world.bot())
        .clock(world.clock())
        .handler(signup(setup))
        .build();
    world.run(&app);
    let alice = world.user("Alice");
    (world, alice, app)
}

/// The ids of the jobs in `app`'s store (a conversation's timeouts are among them).
fn stored_jobs(app: &Application) -> Vec<String> {
    app.store()
        .values(&Scope::Bot, JOB_PREFIX)
        .unwrap()
        .into_iter()
        .map(|(name, _)| name)
        .collect()
}

/// What the bot said to `person`, oldest first.
fn said(person: &Person) -> Vec<String> {
    person
        .messages()
        .iter()
        .filter(|m| m.is_from_bot())
        .map(|m| m.text().to_owned())
        .collect()
}

/// Sends `text` and returns what the bot answered to it.
fn answer(person: &Person, text: &str) -> Vec<String> {
    let before = said(person).len();
    person.send(text);
    said(person)[before..].to_vec()
}

#[test]
fn the_child_starts_in_the_parents_state_routes_its_states_and_hands_over_to_the_parent() {
    let (_world, alice, _app) = world(Setup::default());
    // The child is a handler of the parent's state only: nothing before the sign-up.
    assert!(answer(&alice, "/address").is_empty());
    assert_eq!(answer(&alice, "/signup"), ["Send /address."]);
    // The parent's state takes no text until the child started.
    assert!(answer(&alice, "Main Street 1").is_empty());
    assert_eq!(answer(&alice, "/address"), ["Street?"]);
    assert_eq!(answer(&alice, "Main Street 1"), ["City?"]);
    assert_eq!(answer(&alice, "Paris"), ["Is that right?"]);
    // The child's `Given` is mapped: the parent is in Confirm, where text signs up.
    assert_eq!(answer(&alice, "yes"), ["Signed up!"]);
    // Both ended.
    assert!(answer(&alice, "yes").is_empty());
    assert!(answer(&alice, "/address").is_empty());
}

#[test]
fn a_child_that_ends_unmapped_leaves_the_parent_in_its_state() {
    let (_world, alice, _app) = world(Setup::default());
    answer(&alice, "/signup");
    answer(&alice, "/address");
    answer(&alice, "Main Street 1");
    // The child's own fallback ends it; `End` is not mapped.
    assert_eq!(answer(&alice, "/back"), ["Back to the sign-up."]);
    // The child ended: its City state takes nothing.
    assert!(answer(&alice, "Paris").is_empty());
    // The parent is still in Address: the child starts again, from its entry.
    assert_eq!(answer(&alice, "/address"), ["Street?"]);
    assert_eq!(answer(&alice, "/back"), ["Back to the sign-up."]);
    // And the state's other handler moves the parent on.
    assert_eq!(answer(&alice, "/skip"), ["Skipped the address."]);
    assert_eq!(answer(&alice, "ok"), ["Signed up!"]);
}

#[test]
fn the_childs_fallbacks_come_before_the_parents_while_it_is_active() {
    let (_world, alice, _app) = world(Setup::default());
    answer(&alice, "/signup");
    // The child has not started: the parent's fallback answers.
    assert_eq!(answer(&alice, "/help"), ["Sign-up help."]);
    answer(&alice, "/address");
    assert_eq!(answer(&alice, "/help"), ["Address help."]);
    // A child fallback that stays keeps the child where it was.
    assert_eq!(answer(&alice, "Main Street 1"), ["City?"]);
    assert_eq!(answer(&alice, "/help"), ["Address help."]);
    assert_eq!(answer(&alice, "Paris"), ["Is that right?"]);
    // Handed over: the child is gone, the parent's fallback answers again.
    assert_eq!(answer(&alice, "/help"), ["Sign-up help."]);
}

#[test]
fn an_update_the_child_does_not_take_goes_to_the_parents_state_and_moving_on_ends_the_child() {
    let (_world, alice, _app) = world(Setup::default());
    answer(&alice, "/signup");
    answer(&alice, "/address");
    // The child (in Street) does not take `/skip`; the parent's state does, and moves on.
    assert_eq!(answer(&alice, "/skip"), ["Skipped the address."]);
    assert_eq!(answer(&alice, "/cancel"), ["Cancelled."]);
    // Back in Address: the child ended when the parent left the state, so a street is not
    // taken (the child would have been in Street).
    answer(&alice, "/signup");
    assert!(answer(&alice, "Main Street 1").is_empty());
}

#[test]
fn a_parent_fallback_that_ends_the_parent_ends_the_child() {
    let (world, alice, _app) = world(Setup::default());
    answer(&alice, "/signup");
    answer(&alice, "/address");
    answer(&alice, "Main Street 1");
    // The child does not take `/cancel`: the parent's fallback does, and ends both.
    assert_eq!(answer(&alice, "/cancel"), ["Cancelled."]);
    assert!(answer(&alice, "Paris").is_empty());
    // A new sign-up starts without the old address: the child was in City.
    assert_eq!(answer(&alice, "/signup"), ["Send /address."]);
    assert!(answer(&alice, "Paris").is_empty());
    assert_eq!(answer(&alice, "/address"), ["Street?"]);
    drop(world);
}

#[test]
fn conversations_per_topic_keep_apart_at_both_levels() {
    let world = World::new();
    let app = Application::builder(world.bot())
        .clock(world.clock())
        .handler(signup(Setup {
            per_topic: true,
            ..Setup::default()
        }))
        .build();
    world.run(&app);
    let alice = world.user("Alice");
    let bob = world.user("Bob");
    let forum = world.group("Forum");
    forum.add(&alice);
    forum.add(&bob);
    let next_id = std::cell::Cell::new(1000);
    // A message in topic `topic` of the forum (no topic: outside topics).
    let send = |from: &Person, topic: Option<i64>, text: &str| -> Vec<String> {
        let before = bot_texts(&forum.messages());
        next_id.set(next_id.get() + 1);
        let mut message = updates::text(0, forum.id(), text)
            .message_id(next_id.get())
            .date(world.now().as_second())
            .in_chat(
                json!({"id": forum.id(), "type": "supergroup", "title": "Forum", "is_forum": true}),
            )
            .from(serde_json::to_value(from.user()).unwrap())
            .message();
        if let Some(topic) = topic {
            message["message_thread_id"] = topic.into();
            message["is_topic_message"] = true.into();
        }
        world.deliver("message", message);
        bot_texts(&forum.messages())[before.len()..].to_vec()
    };
    assert_eq!(send(&alice, Some(7), "/signup"), ["Send /address."]);
    // Another topic has a conversation of its own: none yet.
    assert!(send(&alice, Some(8), "/address").is_empty());
    assert!(send(&alice, None, "/address").is_empty());
    assert_eq!(send(&alice, Some(7), "/address"), ["Street?"]);
    // Per chat in each topic: Bob goes on with the address of topic 7.
    assert_eq!(send(&bob, Some(7), "Main Street 1"), ["City?"]);
    // Topic 8 starts its own, whose child starts apart from topic 7's.
    assert_eq!(send(&bob, Some(8), "/signup"), ["Send /address."]);
    assert!(send(&bob, Some(8), "Paris").is_empty());
    assert_eq!(send(&bob, Some(8), "/address"), ["Street?"]);
    assert_eq!(send(&alice, Some(7), "Paris"), ["Is that right?"]);
    assert_eq!(send(&alice, Some(7), "yes"), ["Signed up!"]);
    // Topic 8's child is still in Street.
    assert_eq!(send(&bob, Some(8), "Elm Road 2"), ["City?"]);
}

/// The texts of the bot's messages among `messages`.
fn bot_texts(messages: &[telegram_api::testing::ChatMessage]) -> Vec<String> {
    messages
        .iter()
        .filter(|m| m.is_from_bot())
        .map(|m| m.text().to_owned())
        .collect()
}

#[test]
fn a_child_that_times_out_ends_and_the_parent_stays() {
    let (world, alice, _app) = world(Setup {
        child_timeout: Some(Duration::from_secs(60)),
        parent_timeout: Some(Duration::from_secs(600)),
        ..Setup::default()
    });
    answer(&alice, "/signup");
    answer(&alice, "/address");
    world.advance(Duration::from_secs(59));
    assert_eq!(said(&alice).last().unwrap(), "Street?");
    world.advance(Duration::from_secs(1));
    // At its deadline, without an update: the child's timeout handler.
    assert_eq!(said(&alice).last().unwrap(), "The address timed out.");
    assert!(answer(&alice, "Main Street 1").is_empty());
    // The parent is still in Address.
    assert_eq!(answer(&alice, "/address"), ["Street?"]);
    assert_eq!(answer(&alice, "Main Street 1"), ["City?"]);
    assert_eq!(answer(&alice, "Paris"), ["Is that right?"]);
    assert_eq!(answer(&alice, "yes"), ["Signed up!"]);
    // Nothing of either is left to time out.
    world.advance(Duration::from_secs(3600));
    assert_eq!(said(&alice).last().unwrap(), "Signed up!");
}

#[test]
fn the_childs_activity_keeps_the_parent_alive() {
    let (world, alice, _app) = world(Setup {
        child_timeout: Some(Duration::from_secs(600)),
        parent_timeout: Some(Duration::from_secs(100)),
        ..Setup::default()
    });
    answer(&alice, "/signup");
    world.advance(Duration::from_secs(90));
    answer(&alice, "/address");
    world.advance(Duration::from_secs(90));
    assert_eq!(answer(&alice, "Main Street 1"), ["City?"]);
    world.advance(Duration::from_secs(90));
    assert_eq!(said(&alice).last().unwrap(), "City?");
    world.advance(Duration::from_secs(10));
    assert_eq!(said(&alice).last().unwrap(), "The sign-up timed out.");
}

#[test]
fn a_parent_that_times_out_ends_the_child_without_its_timeout_handler() {
    let (world, alice, app) = world(Setup {
        child_timeout: Some(Duration::from_secs(300)),
        parent_timeout: Some(Duration::from_secs(120)),
        ..Setup::default()
    });
    answer(&alice, "/signup");
    answer(&alice, "/address");
    answer(&alice, "Main Street 1");
    // A timeout job for each level.
    assert_eq!(stored_jobs(&app).len(), 2, "{:?}", stored_jobs(&app));
    world.advance(Duration::from_secs(120));
    assert!(stored_jobs(&app).is_empty(), "{:?}", stored_jobs(&app));
    let after = said(&alice);
    assert_eq!(after.last().unwrap(), "The sign-up timed out.");
    // The child's timeout was cancelled with it: it never fires.
    world.advance(Duration::from_secs(3600));
    assert_eq!(said(&alice), after);
    assert!(answer(&alice, "Paris").is_empty());
    // A new sign-up starts without the old address (the child was in City).
    answer(&alice, "/signup");
    assert!(answer(&alice, "Paris").is_empty());
    assert_eq!(answer(&alice, "/address"), ["Street?"]);
}

/// The sign-up bot on the file `path`, counting the runs of the child's City handler.
fn stored_bot(world: &World, path: &std::path::Path, cities: Arc<AtomicUsize>) -> Application {
    let child = Conversation::new("address")
        .entry(Handler::command(
            "address",
            say("Street?", Next::To(Address::Street)),
        ))
        .state(
            Address::Street,
            Handler::message(words(), say("City?", Next::To(Address::City))),
        )
        .state(
            Address::City,
            Handler::message(filters::text(), move |ctx: &Context| {
                cities.fetch_add(1, Ordering::SeqCst);
                ctx.reply("Counted.").call()?;
                Ok::<_, BoxError>(Next::To(Address::Given))
            }),
        )
        .map_to_parent(|step: &Next<Address>| match step {
            Next::To(Address::Given) => Some(Next::To(Signup::Confirm)),
            _ => None,
        });
    let parent: Handler = Conversation::new("signup")
        .entry(Handler::command(
            "signup",
            say("Send /address.", Next::To(Signup::Address)),
        ))
        .state(Signup::Address, child)
        .state(
            Signup::Confirm,
            Handler::message(words(), say("Signed up!", Next::End)),
        )
        .into();
    Application::builder(world.bot())
        .clock(world.clock())
        .store(FileStore::open(path).unwrap())
        .handler(parent)
        .build()
}

#[test]
fn both_levels_survive_a_restart_and_nothing_is_applied_twice() {
    let path = temp_store("ext-conversation-nested-restart");
    let world = World::new();
    let alice = world.user("Alice");
    let cities = Arc::new(AtomicUsize::new(0));
    let update = |id: i64, text: &str| {
        updates::text(id, alice.id(), text)
            .from(serde_json::to_value(alice.user()).unwrap())
            .update()
    };
    let first = stored_bot(&world, &path, cities.clone());
    first.process_update(update(1, "/signup"));
    first.process_update(update(2, "/address"));
    first.process_update(update(3, "Main Street 1"));
    let key = |conversation: &str| {
        Key::conversation(format!("{conversation}:c{0}u{0}", alice.id()), "state")
    };
    assert!(first.store().get(&key("signup")).unwrap().is_some());
    assert!(first.store().get(&key("address")).unwrap().is_some());
    drop(first);
    assert_eq!(
        said(&alice),
        ["Send /address.", "Street?", "City?"],
        "before the restart"
    );
    // The bot stopped before confirming: Telegram delivers 2 and 3 again, then 4 and 5.
    let second = stored_bot(&world, &path, cities.clone());
    for (id, text) in [
        (2, "/address"),
        (3, "Main Street 1"),
        (4, "Paris"),
        (5, "yes"),
    ] {
        second.process_update(update(id, text));
    }
    // 2 and 3 were applied once, before the restart: the child resumes in City, where the
    // city is counted once and hands over to the parent in Confirm.
    assert_eq!(
        said(&alice),
        [
            "Send /address.",
            "Street?",
            "City?",
            "Counted.",
            "Signed up!"
        ]
    );
    assert_eq!(cities.load(Ordering::SeqCst), 1);
    assert!(second.store().get(&key("signup")).unwrap().is_none());
    assert!(second.store().get(&key("address")).unwrap().is_none());
    // Delivered again after the end: still nothing twice.
    second.process_update(update(4, "Paris"));
    assert_eq!(cities.load(Ordering::SeqCst), 1);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn a_child_an_update_finds_timed_out_ends_and_the_update_goes_on_to_the_parent() {
    let world = World::new();
    let alice = world.user("Alice");
    let app = Application::builder(world.bot())
        .clock(world.clock())
        .handler(signup(Setup {
            child_timeout: Some(Duration::from_secs(60)),
            ..Setup::default()
        }))
        .build();
    let update = |id: i64, text: &str| {
        updates::text(id, alice.id(), text)
            .from(serde_json::to_value(alice.user()).unwrap())
            .update()
    };
    // Not run by a runner, the application runs no jobs: as a bot that was down at the
    // child's deadline.
    app.process_update(update(1, "/signup"));
    app.process_update(update(2, "/address"));
    world.advance(Duration::from_secs(60));
    assert_eq!(said(&alice), ["Send /address.", "Street?"]);
    // The child's fallback would take `/help`, but the child timed out: it ends, and the
    // parent's fallback takes the update.
    app.process_update(update(3, "/help"));
    assert_eq!(
        said(&alice)[2..],
        ["The address timed out.", "Sign-up help."]
    );
    // The parent stayed in Address.
    app.process_update(update(4, "Main Street 1"));
    app.process_update(update(5, "/address"));
    assert_eq!(said(&alice)[4..], ["Street?"]);
}

/// The parent's state in the shop: browsing menus.
#[derive(Serialize, Deserialize, PartialEq, Clone, Debug)]
enum Shop {
    Browsing,
}

/// The state of one menu's item, kept per message.
#[derive(Serialize, Deserialize, PartialEq, Clone, Debug)]
enum Item {
    Picked,
}

/// A shop: `/shop` and `/more` send menus; each menu's item is a child conversation of its
/// own (per message), ended with the shop by `/cancel`.
fn shop() -> Handler {
    use telegram_api::ext::Regex;
    use telegram_api::{InlineKeyboardButton, InlineKeyboardMarkup};
    fn menu(ctx: &Context) -> Result<Next<Shop>, BoxError> {
        let pick =
            InlineKeyboardMarkup::from_rows([[InlineKeyboardButton::callback("Pick", "pick")]]);
        ctx.reply("Menu").reply_markup(pick).call()?;
        Ok(Next::To(Shop::Browsing))
    }
    let item = Conversation::new("item")
        .per_message(true)
        .entry(Handler::callback_data(
            Regex::new("^pick$").unwrap(),
            |ctx: &Context| {
                ctx.answer_callback().call()?;
                let confirm = InlineKeyboardMarkup::from_rows([[InlineKeyboardButton::callback(
                    "Confirm", "confirm",
                )]]);
                ctx.edit_text("Picked. Confirm?")
                    .reply_markup(confirm)
                    .call()?;
                Ok::<_, BoxError>(Next::To(Item::Picked))
            },
        ))
        .state(
            Item::Picked,
            Handler::callback_data(Regex::new("^confirm$").unwrap(), |ctx: &Context| {
                ctx.answer_callback().call()?;
                ctx.edit_text("Confirmed.").call()?;
                Ok::<_, BoxError>(Next::End)
            }),
        );
    Conversation::new("shop")
        .entry(Handler::command("shop", menu))
        .state(Shop::Browsing, item.nested())
        .state(Shop::Browsing, Handler::command("more", menu))
        .fallback(Handler::command("cancel", say("Cancelled.", Next::End)))
        .into()
}

#[test]
fn a_parent_that_ends_ends_its_children_keyed_per_message() {
    let world = World::new();
    let app = Application::builder(world.bot())
        .clock(world.clock())
        .handler(shop())
        .build();
    world.run(&app);
    let alice = world.user("Alice");
    let text_of = |id: i64| {
        alice
            .messages()
            .into_iter()
            .find(|m| m.id() == id)
            .map(|m| m.text().to_owned())
            .unwrap()
    };
    alice.send("/shop");
    let first = alice.last_message();
    alice.send("/more");
    let second = alice.last_message();
    assert_ne!(first.id(), second.id());
    alice.press_on(&first, "Pick");
    alice.press_on(&second, "Pick");
    assert_eq!(text_of(first.id()), "Picked. Confirm?");
    assert_eq!(text_of(second.id()), "Picked. Confirm?");
    // Each message has its own child: confirming one leaves the other picked.
    assert!(alice.press_on(&second, "Confirm").is_answered());
    assert_eq!(text_of(second.id()), "Confirmed.");
    assert_eq!(text_of(first.id()), "Picked. Confirm?");
    // The parent ends: the first message's child, keyed by a message the `/cancel` update
    // does not name, ends with it.
    alice.send("/cancel");
    assert_eq!(alice.last_message().text(), "Cancelled.");
    alice.send("/shop");
    let answer = alice.press_on(&first, "Confirm");
    assert!(!answer.is_answered());
    assert_eq!(text_of(first.id()), "Picked. Confirm?");
}

#[derive(Serialize, Deserialize, PartialEq, Clone, Debug)]
enum Top {
    In,
}

#[derive(Serialize, Deserialize, PartialEq, Clone, Debug)]
enum Middle {
    In,
}

#[derive(Serialize, Deserialize, PartialEq, Clone, Debug)]
enum Bottom {
    In,
}

/// Three levels: `/top`, then `/middle`, then `/bottom`, whose state echoes text and times
/// out after a minute; `/stop` ends the top.
fn three_levels() -> Handler {
    let bottom = Conversation::new("bottom")
        .entry(Handler::command(
            "bottom",
            say("Bottom.", Next::To(Bottom::In)),
        ))
        .state(
            Bottom::In,
            Handler::message(words(), say("Echo.", Next::Stay)),
        )
        .timeout(Duration::from_secs(60))
        .on_timeout(|ctx: &Context| {
            ctx.reply("The bottom timed out.").call()?;
            Ok::<_, BoxError>(())
        });
    let middle = Conversation::new("middle")
        .entry(Handler::command(
            "middle",
            say("Middle.", Next::To(Middle::In)),
        ))
        .state(Middle::In, bottom.nested());
    Conversation::new("top")
        .entry(Handler::command("top", say("Top.", Next::To(Top::In))))
        .state(Top::In, middle.nested())
        .fallback(Handler::command("stop", say("Stopped.", Next::End)))
        .into()
}

#[test]
fn three_levels_route_time_out_and_end_together() {
    let world = World::new();
    let app = Application::builder(world.bot())
        .clock(world.clock())
        .handler(three_levels())
        .build();
    world.run(&app);
    let alice = world.user("Alice");
    assert_eq!(answer(&alice, "/top"), ["Top."]);
    assert!(answer(&alice, "/bottom").is_empty());
    assert_eq!(answer(&alice, "/middle"), ["Middle."]);
    assert_eq!(answer(&alice, "/bottom"), ["Bottom."]);
    assert_eq!(answer(&alice, "hello"), ["Echo."]);
    // The innermost timeout is registered through both levels, and fires.
    world.advance(Duration::from_secs(60));
    assert_eq!(said(&alice).last().unwrap(), "The bottom timed out.");
    assert!(answer(&alice, "hello").is_empty());
    // The middle stayed: the bottom starts again.
    assert_eq!(answer(&alice, "/bottom"), ["Bottom."]);
    let jobs = stored_jobs(&app);
    assert!(jobs.len() == 1 && jobs[0].contains("bottom"), "{jobs:?}");
    // The top's fallback ends all three, and the bottom's timeout with them.
    assert_eq!(answer(&alice, "/stop"), ["Stopped."]);
    assert!(stored_jobs(&app).is_empty(), "{:?}", stored_jobs(&app));
    world.advance(Duration::from_secs(3600));
    assert_eq!(said(&alice).last().unwrap(), "Stopped.");
    assert_eq!(answer(&alice, "/top"), ["Top."]);
    assert!(answer(&alice, "/bottom").is_empty());
    assert_eq!(answer(&alice, "/middle"), ["Middle."]);
    assert!(answer(&alice, "hello").is_empty());
}

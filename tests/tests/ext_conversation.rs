//! Conversations and state of `telegram_api::ext`: the state machine, timeouts, fallbacks,
//! keys, typed data and stored values that no longer decode in the testing world; and on
//! updates in the documented wire format, through `Application::process_update` (replies to a
//! loopback Bot API server, which records them), what needs exact update ids: exactly-once
//! commits, redeliveries after a restart and store failures.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_derive::{Deserialize, Serialize};
use telegram_api::ext::store::{Change, Commit, FileStore, Key, MemoryStore, Store, StoreError};
use telegram_api::ext::{
    Application, ApplicationBuilder, Context, Conversation, Handler, HandlerError, Next, Per,
    Regex, filters,
};
use telegram_api::testing::World;
use telegram_api::{Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update};
use telegram_api_tests::http::{Reply, Server};
use telegram_api_tests::temp::temp_store;
use telegram_api_tests::updates;

/// A loopback server that answers what the handlers send.
fn server() -> Server {
    Server::start(|req| match req.api_method() {
        "sendMessage" => Reply::ok(
            r#"{"message_id": 900, "date": 1788256900, "chat": {"id": 1, "type": "private", "first_name": "A"}}"#,
        ),
        m => panic!("unexpected {m}"),
    })
}

/// The texts sent to the loopback server (`chat_id: text`), in order.
fn texts(server: &Server) -> Vec<String> {
    let requests = server.requests();
    let text = |json: serde_json::Value| {
        format!("{}: {}", json["chat_id"], json["text"].as_str().unwrap())
    };
    requests.iter().map(|r| text(r.json())).collect()
}

/// A text message from user 7 in their private chat.
fn text(update_id: i64, text: &str) -> Update {
    updates::text(update_id, 7, text).from_user(7).update()
}

/// What the world's bot did, in order, as the world's transcript tells it.
fn bot_lines(world: &World) -> Vec<String> {
    let transcript = world.transcript();
    let lines = transcript.lines().filter(|line| line.starts_with("bot "));
    lines.map(str::to_owned).collect()
}

#[derive(Serialize, Deserialize, PartialEq, Clone, Debug)]
enum Step {
    Name,
    Age,
}

type Outcome = Result<Next<Step>, Box<dyn std::error::Error + Send + Sync>>;

fn say(ctx: &Context, text: &str) -> Result<(), telegram_api::Error> {
    ctx.reply(text).call().map(drop)
}

/// `/start` asks a name, a name asks an age, a non-number age stays, a number ends;
/// `/cancel` ends in any state.
fn form(name: &str) -> Conversation<Step> {
    let typed = || filters::text() & !filters::command();
    Conversation::new(name)
        .entry(Handler::command("start", |ctx: &Context| -> Outcome {
            say(ctx, "name?")?;
            Ok(Next::To(Step::Name))
        }))
        .state(
            Step::Name,
            Handler::message(typed(), |ctx: &Context| -> Outcome {
                let name = ctx.effective_message().unwrap().text.clone().unwrap();
                ctx.set_user_data("name", &name)?;
                say(ctx, &format!("age, {name}?"))?;
                Ok(Next::To(Step::Age))
            }),
        )
        .state(
            Step::Age,
            Handler::message(typed(), |ctx: &Context| -> Outcome {
                let text = ctx.effective_message().unwrap().text.clone().unwrap();
                let Ok(age) = text.parse::<u32>() else {
                    say(ctx, "a number please")?;
                    return Ok(Next::Stay);
                };
                let name: String = ctx.user_data("name")?.unwrap();
                say(ctx, &format!("{name} is {age}"))?;
                Ok(Next::End)
            }),
        )
        .fallback(Handler::command("cancel", |ctx: &Context| -> Outcome {
            say(ctx, "cancelled")?;
            Ok(Next::End)
        }))
}

/// Errors the error handler received, as text.
type Errors = Arc<Mutex<Vec<String>>>;

/// An application with `handler` whose error handler collects what it receives.
fn collecting(bot: Bot, handler: Handler) -> (ApplicationBuilder, Errors) {
    let errors = Errors::default();
    let seen = errors.clone();
    let builder = Application::builder(bot)
        .handler(handler)
        .error_handler(move |_, e: &HandlerError| seen.lock().unwrap().push(e.to_string()));
    (builder, errors)
}

/// An application of the world with `handler`, on the world's clock, that reports each error
/// in its chat as `error: <error>`.
fn in_world(world: &World, handler: Handler) -> ApplicationBuilder {
    let report = |ctx: &Context, e: &HandlerError| drop(ctx.reply(format!("error: {e}")).call());
    let builder = Application::builder(world.bot()).handler(handler);
    builder.clock(world.clock()).error_handler(report)
}

#[test]
fn the_state_machine_moves_stays_falls_back_and_ends() {
    let world = World::new();
    let builder = in_world(&world, form("form").build());
    let echo = Handler::message(filters::text(), |ctx: &Context| say(ctx, "echo"));
    world.run(&builder.handler_in(1, echo).build());
    let alice = world.user("Alice");
    // Without re-entry, /start in a state is not an entry: no handler of the state takes it.
    let script = [
        "hello", "/start", "Ann", "old", "/start", "31", "/start", "/cancel", "Bob",
    ];
    for text in script {
        alice.send(text);
    }
    assert_eq!(
        bot_lines(&world),
        [
            "bot → Alice: echo",
            "bot → Alice: name?",
            "bot → Alice: echo",
            "bot → Alice: age, Ann?",
            "bot → Alice: echo",
            "bot → Alice: a number please",
            "bot → Alice: echo",
            "bot → Alice: echo",
            "bot → Alice: Ann is 31",
            "bot → Alice: echo",
            "bot → Alice: name?",
            "bot → Alice: echo",
            "bot → Alice: cancelled",
            "bot → Alice: echo",
            // Ended: a name is only echoed.
            "bot → Alice: echo",
        ]
    );
}

#[test]
fn reentry_restarts_a_conversation_in_a_state() {
    let world = World::new();
    let builder = in_world(&world, form("form").allow_reentry(true).build());
    world.run(&builder.build());
    let alice = world.user("Alice");
    for text in ["/start", "Ann", "/start", "Bea", "40"] {
        alice.send(text);
    }
    let said = ["name?", "age, Ann?", "name?", "age, Bea?", "Bea is 40"];
    assert_eq!(
        bot_lines(&world),
        said.map(|text| format!("bot → Alice: {text}"))
    );
}

#[test]
fn an_idle_conversation_times_out_when_its_next_update_arrives() {
    let world = World::new();
    let conversation = form("form")
        .timeout(Duration::from_secs(300))
        .on_timeout(|ctx: &Context| say(ctx, "timed out"));
    let builder = in_world(&world, conversation.build());
    world.run(&builder.build());
    let alice = world.user("Alice");
    alice.send("/start");
    world.advance(Duration::from_secs(299));
    // Activity within the timeout: the name moves it on and restarts the timeout.
    alice.send("Ann");
    world.advance(Duration::from_secs(299));
    alice.send("x");
    // A stay is activity too.
    world.advance(Duration::from_secs(299));
    alice.send("y");
    world.advance(Duration::from_secs(300));
    // Timed out: the handler runs, then the update is routed as without a conversation
    // (a text is no entry, so nothing else).
    alice.send("30");
    alice.send("31");
    // Timed out again, and this update is an entry: the timeout handler, then the entry.
    alice.send("/start");
    world.advance(Duration::from_secs(3600));
    alice.send("/start");
    assert_eq!(
        bot_lines(&world),
        [
            "bot → Alice: name?",
            "bot → Alice: age, Ann?",
            "bot → Alice: a number please",
            "bot → Alice: a number please",
            "bot → Alice: timed out",
            "bot → Alice: name?",
            "bot → Alice: timed out",
            "bot → Alice: name?",
        ]
    );
}

#[test]
fn conversations_are_per_chat_and_user_per_user_or_per_chat() {
    let mut seen = Vec::new();
    for per in [Per::ChatUser, Per::User, Per::Chat] {
        let world = World::new();
        let builder = in_world(&world, form("form").per(per).build());
        world.run(&builder.build());
        let (ann, bob, group) = (world.user("Ann"), world.user("Bob"), world.group("Club"));
        group.add(&ann);
        group.add(&bob);
        ann.send_in(&group, "/start");
        // Another user in the same group, then the first user in a private chat.
        bob.send_in(&group, "Bob");
        ann.send("Ann");
        ann.send_in(&group, "Ann");
        seen.push(bot_lines(&world));
    }
    assert_eq!(
        seen,
        [
            // (chat, user): only Ann in the group has a conversation.
            vec!["bot → Club: name?", "bot → Club: age, Ann?"],
            // user: Ann's conversation follows her into the private chat (and is then waiting
            // for an age).
            vec![
                "bot → Club: name?",
                "bot → Ann: age, Ann?",
                "bot → Club: a number please"
            ],
            // chat: anyone in the group answers; the private chat has none.
            vec![
                "bot → Club: name?",
                "bot → Club: age, Bob?",
                "bot → Club: a number please"
            ],
        ]
    );
}

#[test]
fn per_message_conversations_keep_one_state_per_message() {
    #[derive(Serialize, Deserialize, PartialEq, Clone, Debug)]
    enum Votes {
        Voted,
    }
    let button =
        || InlineKeyboardMarkup::from_rows([[InlineKeyboardButton::callback("Vote", "vote")]]);
    // Each edit keeps the button, so that it can be pressed again.
    let vote = move |ctx: &Context| -> Result<Next<Votes>, telegram_api::Error> {
        ctx.edit_text("voted").reply_markup(button()).call()?;
        Ok(Next::To(Votes::Voted))
    };
    let again = move |ctx: &Context| -> Result<Next<Votes>, telegram_api::Error> {
        ctx.edit_text("already voted")
            .reply_markup(button())
            .call()?;
        Ok(Next::Stay)
    };
    let conversation = Conversation::new("poll")
        .per(Per::Chat)
        .per_message(true)
        .entry(Handler::callback_data(Regex::new("^vote$").unwrap(), vote))
        .state(Votes::Voted, Handler::callback_query(again));
    let world = World::new();
    let builder = in_world(&world, conversation.build());
    let poll = move |ctx: &Context| ctx.reply("poll").reply_markup(button()).call().map(drop);
    world.run(&builder.command("poll", poll).build());
    let (ann, bob, group) = (world.user("Ann"), world.user("Bob"), world.group("Club"));
    group.add(&ann);
    group.add(&bob);
    ann.send_in(&group, "/poll");
    let first = group.last_message();
    ann.send_in(&group, "/poll");
    ann.press_on(&first, "Vote");
    bob.press_on(&group.last_message(), "Vote");
    bob.press_on(&first, "Vote");
    // A message is not a press: no key, not taken.
    ann.send_in(&group, "/start");
    assert_eq!(
        bot_lines(&world),
        [
            "bot → Club: poll  [Vote]",
            "bot → Club: poll  [Vote]",
            "bot edited message 2 in Club: voted  [Vote]",
            "bot edited message 4 in Club: voted  [Vote]",
            "bot edited message 2 in Club: already voted  [Vote]",
        ]
    );
}

#[derive(Serialize, Deserialize, PartialEq, Debug, Default)]
struct Settings {
    language: String,
    count: u32,
}

#[test]
fn typed_data_per_user_per_chat_and_bot_wide() {
    let count = |ctx: &Context| -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let mut mine: Settings = ctx.user_data("settings")?.unwrap_or_default();
        mine.count += 1;
        mine.language = "en".into();
        ctx.set_user_data("settings", &mine)?;
        let in_chat: u64 = ctx.chat_data::<u64>("messages")?.unwrap_or(0) + 1;
        ctx.set_chat_data("messages", &in_chat)?;
        let total: u64 = ctx.bot_data::<u64>("messages")?.unwrap_or(0) + 1;
        ctx.set_bot_data("messages", &total)?;
        // Seen at once by the handler that set it.
        assert_eq!(ctx.bot_data::<u64>("messages")?, Some(total));
        ctx.reply(format!("{} {in_chat} {total}", mine.count))
            .call()?;
        Ok(())
    };
    let world = World::new();
    let builder = in_world(&world, Handler::message(filters::text(), count));
    let app = builder.build();
    world.run(&app);
    let (ann, bob, group) = (world.user("Ann"), world.user("Bob"), world.group("Club"));
    group.add(&ann);
    group.add(&bob);
    ann.send_in(&group, "a");
    bob.send_in(&group, "b");
    ann.send("c");
    ann.send_in(&group, "d");
    let said = [
        "bot → Club: 1 1 1",
        "bot → Club: 1 2 2",
        "bot → Ann: 2 1 3",
        "bot → Club: 3 3 4",
    ];
    assert_eq!(bot_lines(&world), said);
    let settings = app
        .store()
        .get(&Key::user(ann.id(), "settings"))
        .unwrap()
        .unwrap();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&settings).unwrap(),
        serde_json::json!({"language": "en", "count": 3})
    );
}

#[test]
fn a_state_that_no_longer_decodes_is_reported_and_kept() {
    let world = World::new();
    let alice = world.user("Alice");
    let store = MemoryStore::new();
    // What an older version of the bot stored: a state this version's type does not have.
    let old = br#"{"state": "Nickname", "at": 1788256900000}"#.to_vec();
    let name = format!("form:c{0}u{0}", alice.id());
    let key = Key::conversation(name.clone(), "state");
    store
        .commit(None, &[Change::Put(key.clone(), old.clone())])
        .unwrap();
    let builder = in_world(&world, form("form").build());
    let app = builder.store(store).build();
    world.run(&app);
    alice.send("Ann");
    // The error is the only thing said: no handler of the state ran.
    let [error] = &bot_lines(&world)[..] else {
        panic!("{}", world.transcript())
    };
    let path = format!("conversation/{name}/state");
    assert!(
        error.starts_with("bot → Alice: error: ")
            && error.contains(&path)
            && error.contains("Step")
    );
    assert_eq!(app.store().get(&key).unwrap(), Some(old));
}

#[test]
fn a_user_value_that_no_longer_decodes_names_its_key_and_type() {
    let world = World::new();
    let alice = world.user("Alice");
    let store = MemoryStore::new();
    let stored = br#"{"language": "en"}"#.to_vec();
    let key = Key::user(alice.id(), "settings");
    store
        .commit(None, &[Change::Put(key.clone(), stored.clone())])
        .unwrap();
    let read = |ctx: &Context| -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let settings: Option<Settings> = ctx.user_data("settings")?;
        ctx.reply(format!("{settings:?}")).call()?;
        Ok(())
    };
    let builder = in_world(&world, Handler::message(filters::text(), read));
    let app = builder.store(store).build();
    world.run(&app);
    alice.send("x");
    let [error] = &bot_lines(&world)[..] else {
        panic!("{}", world.transcript())
    };
    let path = format!("user/{}/settings", alice.id());
    assert!(
        error.starts_with("bot → Alice: error: ") && error.contains(&path),
        "{error}"
    );
    assert!(
        error.contains("Settings") && error.contains("count"),
        "{error}"
    );
    assert_eq!(app.store().get(&key).unwrap(), Some(stored));
}

#[test]
fn what_a_failing_handler_changed_is_dropped() {
    let server = server();
    let bot = Bot::new("1:T").with_api_url(server.url());
    let failing = |ctx: &Context| -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        ctx.set_bot_data("seen", &true)?;
        Err("no".into())
    };
    let panicking = |ctx: &Context| -> Result<(), std::io::Error> {
        ctx.set_bot_data("panicked", &true).unwrap();
        panic!("boom")
    };
    let kept = |ctx: &Context| ctx.set_bot_data("kept", &true);
    let (builder, errors) = collecting(bot, Handler::message(filters::text(), failing));
    let app = builder
        .handler_in(1, Handler::message(filters::text(), panicking))
        .handler_in(2, Handler::message(filters::text(), kept))
        .build();
    app.process_update(text(1, "x"));
    assert_eq!(errors.lock().unwrap().len(), 2);
    let store = app.store();
    assert_eq!(store.get(&Key::bot("seen")).unwrap(), None);
    assert_eq!(store.get(&Key::bot("panicked")).unwrap(), None);
    assert_eq!(
        store.get(&Key::bot("kept")).unwrap(),
        Some(b"true".to_vec())
    );
    assert!(store.is_applied(1).unwrap());
}

#[test]
fn an_update_delivered_again_after_a_restart_is_not_applied_twice() {
    let path = temp_store("ext-conversation-restart");
    let server = server();
    let (first, errors) = collecting(
        Bot::new("1:T").with_api_url(server.url()),
        form("form").build(),
    );
    let first = first.store_path(&path).unwrap().build();
    first.process_update(text(1, "/start"));
    first.process_update(text(2, "Ann"));
    drop(first);
    // The bot stopped before confirming: Telegram delivers 1 and 2 again, then 3.
    let (second, more) = collecting(
        Bot::new("1:T").with_api_url(server.url()),
        form("form").build(),
    );
    let second = second.store(FileStore::open(&path).unwrap()).build();
    for u in [text(1, "/start"), text(2, "Ann"), text(3, "44")] {
        second.process_update(u);
    }
    assert_eq!(texts(&server), ["7: name?", "7: age, Ann?", "7: Ann is 44"]);
    assert!(errors.lock().unwrap().is_empty() && more.lock().unwrap().is_empty());
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

/// A store that fails its first `failures` calls of each kind, then works.
struct Flaky {
    inner: MemoryStore,
    failures: usize,
    reads: AtomicUsize,
    commits: AtomicUsize,
}

fn down() -> StoreError {
    StoreError::Backend("the server went away".into())
}

impl Store for Flaky {
    fn get(&self, key: &Key) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.get(key)
    }
    fn is_applied(&self, update_id: i64) -> Result<bool, StoreError> {
        if self.reads.fetch_add(1, Ordering::SeqCst) < self.failures {
            return Err(down());
        }
        self.inner.is_applied(update_id)
    }
    fn commit(&self, update_id: Option<i64>, changes: &[Change]) -> Result<Commit, StoreError> {
        if self.commits.fetch_add(1, Ordering::SeqCst) < self.failures {
            return Err(down());
        }
        self.inner.commit(update_id, changes)
    }
    fn forget_applied_below(&self, update_id: i64) -> Result<(), StoreError> {
        self.inner.forget_applied_below(update_id)
    }
    fn values(
        &self,
        scope: &telegram_api::ext::store::Scope,
        prefix: &str,
    ) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        self.inner.values(scope, prefix)
    }
}

#[test]
fn store_failures_are_reported_and_retried_until_the_commit_holds() {
    let server = server();
    let bot = Bot::new("1:T").with_api_url(server.url());
    let (builder, errors) = collecting(bot, form("form").build());
    let app = builder
        .store(Flaky {
            inner: MemoryStore::new(),
            failures: 2,
            reads: AtomicUsize::new(0),
            commits: AtomicUsize::new(0),
        })
        .build();
    app.process_update(text(1, "/start"));
    app.process_update(text(2, "Ann"));
    let errors = errors.lock().unwrap().clone();
    // Two failed reads of the record, then two failed commits: each reported, then retried.
    assert_eq!(errors.len(), 4, "{errors:?}");
    assert!(errors.iter().all(|e| e.contains("the server went away")));
    assert_eq!(texts(&server), ["7: name?", "7: age, Ann?"]);
    assert!(app.store().is_applied(1).unwrap() && app.store().is_applied(2).unwrap());
}

//! Conversations and state of `telegram_api::ext` on updates in the documented wire format,
//! through `Application::process_update`: the state machine, timeouts, fallbacks, keys, typed
//! data, stored values that no longer decode, exactly-once commits and store failures. Replies
//! go to a loopback Bot API server, which records them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_derive::{Deserialize, Serialize};
use telegram_api::ext::store::{Change, Commit, FileStore, Key, MemoryStore, Store, StoreError};
use telegram_api::ext::{
    Application, ApplicationBuilder, Context, Conversation, Handler, HandlerError, ManualClock,
    Next, Per, Regex, filters,
};
use telegram_api::{Bot, Update};
use telegram_api_tests::http::{Reply, Server};
use telegram_api_tests::updates;

/// A loopback server that answers what the handlers send.
fn server() -> Server {
    Server::start(|req| match req.api_method() {
        "sendMessage" | "editMessageText" => Reply::ok(
            r#"{"message_id": 900, "date": 1788256900, "chat": {"id": 1, "type": "private", "first_name": "A"}}"#,
        ),
        "answerCallbackQuery" => Reply::ok("true"),
        m => panic!("unexpected {m}"),
    })
}

/// The texts sent (`chat_id: text`) and edited to (`edit message_id: text`), in order.
fn texts(server: &Server) -> Vec<String> {
    server
        .requests()
        .iter()
        .filter_map(|r| {
            let json = r.json();
            let text = json["text"].as_str()?.to_owned();
            Some(match r.api_method() {
                "editMessageText" => format!("edit {}: {text}", json["message_id"]),
                _ => format!("{}: {text}", json["chat_id"]),
            })
        })
        .collect()
}

/// The date of the messages: around the fixtures' (September 2026).
const DATE: i64 = 1788256900;

/// A text message from user `from` in chat `chat_id` (a group when negative).
fn text(update_id: i64, chat_id: i64, from: i64, text: &str) -> Update {
    updates::text(update_id, chat_id, text)
        .from_user(from)
        .date(DATE)
        .update()
}

/// A press on a button with `data`, on message `message_id` of chat `chat_id`.
fn press(update_id: i64, chat_id: i64, from: i64, message_id: i64, data: &str) -> Update {
    updates::callback_query(update_id, from, data)
        .on_message(chat_id, message_id)
        .update()
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

/// An application with `handler` that fails the test on any error it reports.
fn strict(bot: Bot, handler: Handler) -> ApplicationBuilder {
    Application::builder(bot)
        .handler(handler)
        .error_handler(|ctx, e| panic!("update {}: {e}", ctx.update().update_id))
}

/// Errors the error handler received, as text.
type Errors = Arc<Mutex<Vec<String>>>;

fn collecting(bot: Bot, handler: Handler) -> (ApplicationBuilder, Errors) {
    let errors = Errors::default();
    let seen = errors.clone();
    let builder = Application::builder(bot)
        .handler(handler)
        .error_handler(move |_, e: &HandlerError| seen.lock().unwrap().push(e.to_string()));
    (builder, errors)
}

#[test]
fn the_state_machine_moves_stays_falls_back_and_ends() {
    let server = server();
    let bot = Bot::new("1:T").with_api_url(server.url());
    let app = strict(bot, form("form").build())
        .handler_in(
            1,
            Handler::message(filters::text(), |ctx: &Context| say(ctx, "echo")),
        )
        .build();
    let updates = [
        text(1, 7, 7, "hello"),
        text(2, 7, 7, "/start"),
        text(3, 7, 7, "Ann"),
        text(4, 7, 7, "old"),
        // Without re-entry, /start in a state is not an entry: no handler of the state takes it.
        text(5, 7, 7, "/start"),
        text(6, 7, 7, "31"),
        text(7, 7, 7, "/start"),
        text(8, 7, 7, "/cancel"),
        text(9, 7, 7, "Bob"),
    ];
    for u in updates {
        app.process_update(u);
    }
    assert_eq!(
        texts(&server),
        [
            "7: echo",
            "7: name?",
            "7: echo",
            "7: age, Ann?",
            "7: echo",
            "7: a number please",
            "7: echo",
            "7: echo",
            "7: Ann is 31",
            "7: echo",
            "7: name?",
            "7: echo",
            "7: cancelled",
            "7: echo",
            // Ended: a name is only echoed.
            "7: echo",
        ]
    );
}

#[test]
fn reentry_restarts_a_conversation_in_a_state() {
    let server = server();
    let bot = Bot::new("1:T").with_api_url(server.url());
    let app = strict(bot, form("form").allow_reentry(true).build()).build();
    for u in [
        text(1, 7, 7, "/start"),
        text(2, 7, 7, "Ann"),
        text(3, 7, 7, "/start"),
        text(4, 7, 7, "Bea"),
        text(5, 7, 7, "40"),
    ] {
        app.process_update(u);
    }
    assert_eq!(
        texts(&server),
        [
            "7: name?",
            "7: age, Ann?",
            "7: name?",
            "7: age, Bea?",
            "7: Bea is 40"
        ]
    );
}

#[test]
fn an_idle_conversation_times_out_when_its_next_update_arrives() {
    let server = server();
    let bot = Bot::new("1:T").with_api_url(server.url());
    let clock = ManualClock::new("2026-12-02T10:00:00Z".parse().unwrap());
    let conversation = form("form")
        .timeout(Duration::from_secs(300))
        .on_timeout(|ctx: &Context| say(ctx, "timed out"));
    let app = strict(bot, conversation.build())
        .clock(clock.clock())
        .build();
    app.process_update(text(1, 7, 7, "/start"));
    clock.advance(Duration::from_secs(299));
    // Activity within the timeout: the name moves it on and restarts the timeout.
    app.process_update(text(2, 7, 7, "Ann"));
    clock.advance(Duration::from_secs(299));
    app.process_update(text(3, 7, 7, "x"));
    // A stay is activity too.
    clock.advance(Duration::from_secs(299));
    app.process_update(text(4, 7, 7, "y"));
    clock.advance(Duration::from_secs(300));
    // Timed out: the handler runs, then the update is routed as without a conversation
    // (a text is no entry, so nothing else).
    app.process_update(text(5, 7, 7, "30"));
    app.process_update(text(6, 7, 7, "31"));
    // Timed out again, and this update is an entry: the timeout handler, then the entry.
    app.process_update(text(7, 7, 7, "/start"));
    clock.advance(Duration::from_secs(3600));
    app.process_update(text(8, 7, 7, "/start"));
    assert_eq!(
        texts(&server),
        [
            "7: name?",
            "7: age, Ann?",
            "7: a number please",
            "7: a number please",
            "7: timed out",
            "7: name?",
            "7: timed out",
            "7: name?",
        ]
    );
}

#[test]
fn conversations_are_per_chat_and_user_per_user_or_per_chat() {
    const GROUP: i64 = -500;
    let script = |app: &Application| {
        app.process_update(text(1, GROUP, 1, "/start"));
        // Another user in the same group, then the first user in a private chat.
        app.process_update(text(2, GROUP, 2, "Bob"));
        app.process_update(text(3, 1, 1, "Ann"));
        app.process_update(text(4, GROUP, 1, "Ann"));
    };
    let mut seen = Vec::new();
    for per in [Per::ChatUser, Per::User, Per::Chat] {
        let server = server();
        let bot = Bot::new("1:T").with_api_url(server.url());
        let app = strict(bot, form("form").per(per).build()).build();
        script(&app);
        seen.push(texts(&server));
    }
    assert_eq!(
        seen,
        [
            // (chat, user): only user 1 in the group has a conversation.
            vec!["-500: name?", "-500: age, Ann?"],
            // user: user 1's conversation follows them into the private chat (and is then
            // waiting for an age).
            vec!["-500: name?", "1: age, Ann?", "-500: a number please"],
            // chat: anyone in the group answers; the private chat has none.
            vec!["-500: name?", "-500: age, Bob?", "-500: a number please"],
        ]
    );
}

#[test]
fn per_message_conversations_keep_one_state_per_message() {
    #[derive(Serialize, Deserialize, PartialEq, Clone, Debug)]
    enum Votes {
        Voted,
    }
    let server = server();
    let bot = Bot::new("1:T").with_api_url(server.url());
    let vote = |ctx: &Context| -> Result<Next<Votes>, telegram_api::Error> {
        ctx.edit_text("voted").call()?;
        Ok(Next::To(Votes::Voted))
    };
    let again = |ctx: &Context| -> Result<Next<Votes>, telegram_api::Error> {
        ctx.edit_text("already voted").call()?;
        Ok(Next::Stay)
    };
    let conversation = Conversation::new("poll")
        .per(Per::Chat)
        .per_message(true)
        .entry(Handler::callback_data(Regex::new("^vote$").unwrap(), vote))
        .state(Votes::Voted, Handler::callback_query(again));
    let app = strict(bot, conversation.build()).build();
    app.process_update(press(1, -500, 1, 10, "vote"));
    app.process_update(press(2, -500, 2, 11, "vote"));
    app.process_update(press(3, -500, 2, 10, "vote"));
    // A message is not a press: no key, not taken.
    app.process_update(text(4, -500, 1, "/start"));
    assert_eq!(
        texts(&server),
        ["edit 10: voted", "edit 11: voted", "edit 10: already voted"]
    );
}

#[derive(Serialize, Deserialize, PartialEq, Debug, Default)]
struct Settings {
    language: String,
    count: u32,
}

#[test]
fn typed_data_per_user_per_chat_and_bot_wide() {
    let server = server();
    let bot = Bot::new("1:T").with_api_url(server.url());
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
    let app = strict(bot, Handler::message(filters::text(), count)).build();
    for u in [
        text(1, -500, 1, "a"),
        text(2, -500, 2, "b"),
        text(3, 1, 1, "c"),
        text(4, -500, 1, "d"),
    ] {
        app.process_update(u);
    }
    assert_eq!(
        texts(&server),
        ["-500: 1 1 1", "-500: 1 2 2", "1: 2 1 3", "-500: 3 3 4"]
    );
    let store = app.store();
    let settings = store.get(&Key::user(1, "settings")).unwrap().unwrap();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&settings).unwrap(),
        serde_json::json!({"language": "en", "count": 3})
    );
}

#[test]
fn a_state_that_no_longer_decodes_is_reported_and_kept() {
    let server = server();
    let bot = Bot::new("1:T").with_api_url(server.url());
    let store = MemoryStore::new();
    // What an older version of the bot stored: a state this version's type does not have.
    let old = br#"{"state": "Nickname", "at": 1788256900000}"#.to_vec();
    let key = Key::conversation("form:c7u7", "state");
    store
        .commit(None, &[Change::Put(key.clone(), old.clone())])
        .unwrap();
    let (builder, errors) = collecting(bot, form("form").build());
    let app = builder.store(store).build();
    app.process_update(text(1, 7, 7, "Ann"));
    let errors = errors.lock().unwrap().clone();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("conversation/form:c7u7/state") && errors[0].contains("Step"),
        "{errors:?}"
    );
    assert!(texts(&server).is_empty());
    assert_eq!(app.store().get(&key).unwrap(), Some(old));
}

#[test]
fn a_user_value_that_no_longer_decodes_names_its_key_and_type() {
    let server = server();
    let bot = Bot::new("1:T").with_api_url(server.url());
    let store = MemoryStore::new();
    let stored = br#"{"language": "en"}"#.to_vec();
    store
        .commit(
            None,
            &[Change::Put(Key::user(7, "settings"), stored.clone())],
        )
        .unwrap();
    let read = |ctx: &Context| -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let settings: Option<Settings> = ctx.user_data("settings")?;
        ctx.reply(format!("{settings:?}")).call()?;
        Ok(())
    };
    let (builder, errors) = collecting(bot, Handler::message(filters::text(), read));
    let app = builder.store(store).build();
    app.process_update(text(1, 7, 7, "x"));
    let errors = errors.lock().unwrap().clone();
    assert_eq!(errors.len(), 1);
    assert!(errors[0].contains("user/7/settings"), "{errors:?}");
    assert!(
        errors[0].contains("Settings") && errors[0].contains("count"),
        "{errors:?}"
    );
    assert_eq!(
        app.store().get(&Key::user(7, "settings")).unwrap(),
        Some(stored)
    );
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
    app.process_update(text(1, 7, 7, "x"));
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

fn temp_store(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ext-conversation-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("state.redb")
}

#[test]
fn an_update_delivered_again_after_a_restart_is_not_applied_twice() {
    let path = temp_store("restart");
    let server = server();
    let first = strict(
        Bot::new("1:T").with_api_url(server.url()),
        form("form").build(),
    )
    .store_path(&path)
    .unwrap()
    .build();
    first.process_update(text(1, 7, 7, "/start"));
    first.process_update(text(2, 7, 7, "Ann"));
    drop(first);
    // The bot stopped before confirming: Telegram delivers 1 and 2 again, then 3.
    let second = strict(
        Bot::new("1:T").with_api_url(server.url()),
        form("form").build(),
    )
    .store(FileStore::open(&path).unwrap())
    .build();
    for u in [
        text(1, 7, 7, "/start"),
        text(2, 7, 7, "Ann"),
        text(3, 7, 7, "44"),
    ] {
        second.process_update(u);
    }
    assert_eq!(texts(&server), ["7: name?", "7: age, Ann?", "7: Ann is 44"]);
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
    app.process_update(text(1, 7, 7, "/start"));
    app.process_update(text(2, 7, 7, "Ann"));
    let errors = errors.lock().unwrap().clone();
    // Two failed reads of the record, then two failed commits: each reported, then retried.
    assert_eq!(errors.len(), 4, "{errors:?}");
    assert!(errors.iter().all(|e| e.contains("the server went away")));
    assert_eq!(texts(&server), ["7: name?", "7: age, Ann?"]);
    assert!(app.store().is_applied(1).unwrap() && app.store().is_applied(2).unwrap());
}

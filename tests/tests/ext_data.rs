//! A user's, a chat's and the bot's values listed, removed and cleared through the context,
//! on the memory and the file store; and what the error handler sees of them.

use std::sync::Arc;

use telegram_api::Bot;
use telegram_api::ext::store::{FileStore, MemoryStore, Scope, Store};
use telegram_api::ext::{Application, Context, Handler, jiff};
use telegram_api_tests::temp::temp_dir;
use telegram_api_tests::updates;
use telegram_api_tests::wait::Log;

type Result = std::result::Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// A bot whose API is never reached (the handlers here send nothing).
fn bot() -> Bot {
    Bot::new("1:T").with_api_url("http://127.0.0.1:9")
}

/// The names stored in `scope`.
fn stored(store: &dyn Store, scope: Scope) -> Vec<String> {
    let values = store.values(&scope, "").unwrap();
    values.into_iter().map(|(name, _)| name).collect()
}

/// A bot that remembers words per user and chat (`/keep <name> <value>`), lists them
/// (`/list`), forgets one (`/forget <name>`) or all (`/clear`, `/clearchat`, `/clearbot`);
/// what it lists goes to `log`.
fn app(store: impl Store + 'static, log: Arc<Log<String>>) -> Application {
    let listed = log.clone();
    let cleared = log.clone();
    Application::builder(bot())
        .store(store)
        .job("tick", |_: &Context| Ok::<_, std::io::Error>(()))
        .handler(Handler::command("keep", |ctx: &Context| -> Result {
            let [name, value] = ctx.args() else {
                return Err("usage: /keep <name> <value>".into());
            };
            ctx.set_user_data(name, value)?;
            ctx.set_chat_data(name, value)?;
            ctx.set_bot_data(name, value)?;
            Ok(())
        }))
        .handler(Handler::command("list", move |ctx: &Context| -> Result {
            listed.push(format!(
                "user {:?} chat {:?} bot {:?}",
                ctx.user_data_names()?,
                ctx.chat_data_names()?,
                ctx.bot_data_names()?
            ));
            Ok(())
        }))
        .handler(Handler::command("forget", |ctx: &Context| -> Result {
            ctx.remove_user_data(&ctx.args()[0])?;
            ctx.remove_chat_data(&ctx.args()[0])?;
            ctx.remove_bot_data(&ctx.args()[0]);
            Ok(())
        }))
        .handler(Handler::command("clear", move |ctx: &Context| -> Result {
            // Set and cleared in the same update: nothing of it is left.
            ctx.set_user_data("fresh", &1)?;
            let n = ctx.clear_user_data()?;
            cleared.push(format!("cleared {n}; now {:?}", ctx.user_data_names()?));
            Ok(())
        }))
        .handler(Handler::command("clearchat", |ctx: &Context| -> Result {
            ctx.clear_chat_data()?;
            Ok(())
        }))
        .handler(Handler::command("clearbot", |ctx: &Context| -> Result {
            let at = ctx.now() + jiff::SignedDuration::from_hours(1);
            ctx.schedule_job("tick", telegram_api::ext::schedule::Schedule::once(at), &())?;
            ctx.clear_bot_data()?;
            Ok(())
        }))
        .build()
}

fn lists_removes_and_clears(store: impl Store + 'static) {
    let log: Arc<Log<String>> = Arc::default();
    let app = app(store, log.clone());
    let store = app.store();
    let in_group =
        |id: i64, user: i64, text: &str| updates::text(id, -50, text).from_user(user).update();

    app.process_update(in_group(1, 7, "/keep colour blue"));
    app.process_update(in_group(2, 7, "/keep animal cat"));
    app.process_update(in_group(3, 8, "/keep size large"));
    app.process_update(in_group(4, 7, "/list"));
    app.process_update(in_group(5, 7, "/forget animal"));
    app.process_update(in_group(6, 7, "/list"));
    assert_eq!(
        log.entries(),
        [
            r#"user ["animal", "colour"] chat ["animal", "colour", "size"] bot ["animal", "colour", "size"]"#,
            r#"user ["colour"] chat ["colour", "size"] bot ["colour", "size"]"#,
        ]
    );

    // User 7's values go; user 8's and the chat's stay.
    app.process_update(in_group(7, 7, "/clear"));
    assert_eq!(log.entries()[2], "cleared 2; now []");
    assert!(stored(store, Scope::User(7)).is_empty());
    assert_eq!(stored(store, Scope::User(8)), ["size"]);
    assert_eq!(stored(store, Scope::Chat(-50)), ["colour", "size"]);

    app.process_update(in_group(8, 8, "/clearchat"));
    assert!(stored(store, Scope::Chat(-50)).is_empty());
    assert_eq!(stored(store, Scope::User(8)), ["size"]);

    // The bot's values go, its scheduled job stays.
    app.process_update(in_group(9, 8, "/clearbot"));
    let bot_names = stored(store, Scope::Bot);
    assert_eq!(bot_names.len(), 1, "{bot_names:?}");
    assert!(bot_names[0].starts_with("job/"), "{bot_names:?}");
    assert_eq!(app.all_jobs().unwrap().len(), 1);
}

#[test]
fn values_are_listed_removed_and_cleared_in_the_memory_store() {
    lists_removes_and_clears(MemoryStore::new());
}

#[test]
fn values_are_listed_removed_and_cleared_in_the_file_store() {
    let dir = temp_dir("ext-data-clear");
    lists_removes_and_clears(FileStore::open(dir.join("bot.redb")).unwrap());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_scope_the_update_lacks_is_an_error() {
    let log: Arc<Log<String>> = Arc::default();
    let seen = log.clone();
    let app = Application::builder(bot())
        .handler(Handler::update(
            |_| true,
            move |ctx: &Context| {
                seen.push(format!(
                    "{:?}",
                    ctx.user_data_names().map_err(|e| e.to_string())
                ));
                seen.push(format!(
                    "{:?}",
                    ctx.clear_chat_data().map_err(|e| e.to_string())
                ));
                Ok::<_, std::io::Error>(())
            },
        ))
        .build();
    // A channel post: a chat, and no user.
    let post = r#"{"update_id": 1, "channel_post": {"message_id": 1, "date": 1700000000,
        "chat": {"id": -100123, "type": "channel", "title": "News"}, "text": "hi"}}"#;
    app.process_update(serde_json::from_str(post).unwrap());
    let entries = log.entries();
    assert!(
        entries[0].starts_with("Err(") && entries[0].contains("user"),
        "{entries:?}"
    );
    assert_eq!(entries[1], "Ok(0)");
}

#[test]
fn the_error_handler_sees_the_stored_data_of_the_updates_user_and_chat() {
    let log: Arc<Log<String>> = Arc::default();
    let seen = log.clone();
    let app = Application::builder(bot())
        .handler(Handler::command("name", |ctx: &Context| -> Result {
            ctx.set_user_data("name", &ctx.args()[0])?;
            ctx.set_chat_data("topic", "cats")?;
            Ok(())
        }))
        .handler(Handler::command("fail", |ctx: &Context| -> Result {
            // Dropped with the failure: the error handler does not see it.
            ctx.set_user_data("name", "changed")?;
            Err("failed on purpose".into())
        }))
        .error_handler(move |ctx, error| {
            let name: Option<String> = ctx.user_data("name").unwrap();
            let topic: Option<String> = ctx.chat_data("topic").unwrap();
            seen.push(format!("{error}: {name:?} {topic:?}"));
        })
        .build();
    app.process_update(updates::text(1, -50, "/name Ann").from_user(7).update());
    app.process_update(updates::text(2, -50, "/fail").from_user(7).update());
    assert_eq!(
        log.entries(),
        [r#"handler failed: failed on purpose: Some("Ann") Some("cats")"#]
    );
}

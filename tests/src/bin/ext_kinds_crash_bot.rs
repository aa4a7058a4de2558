//! A bot for the crash-safety tests of albums, conversation timeouts and menus on a file store
//! (`tests/tests/ext_state_crash.rs`): it polls `TELEGRAM_API_URL` and keeps its state in the
//! file `EXT_STORE`. `EXT_CRASH_KIND` says what it runs:
//!
//! - `album`: an album handler (quiet window `EXT_QUIET_MS`, 1,000 by default) that appends the
//!   album (its id, its parts' message ids, and how many updates of the chat were applied
//!   before it) to the chat's `albums` list and replies `album <id>`; other messages are
//!   answered `<update id>: <text>`.
//! - `timeout`: a conversation (`/start`, then any text stays) that times out after
//!   `EXT_TIMEOUT_MS` (300 by default); its timeout handler counts the chat's `timeouts`,
//!   appends 0 to the chat's `applied` list, and replies `timeout <chat>`.
//! - `menu`: `/menu` and `/sub` send a menu and its submenu; the main menu counts presses of
//!   its first button in the chat's `count`, the submenu steps the chat's `step` through 0, 1,
//!   2, and the main menu's `Jump` button opens the submenu from its code.
//!
//! In every kind, each update appends its id to the chat's `applied` list, in the same commit
//! as what its handlers change: the list shows which updates were applied, how many times, and
//! in which order. The tests kill the bot with SIGKILL at chosen points. It prints `ready` once
//! running, with its signal handlers set.

use std::time::Duration;

use serde_derive::{Deserialize, Serialize};
use telegram_api::Bot;
use telegram_api::ext::menu::{Menu, Notice};
use telegram_api::ext::{
    Album, Application, ApplicationBuilder, BoxError, Context, Conversation, Handler, Next, filters,
};

type Outcome<T = ()> = Result<T, BoxError>;

#[derive(Serialize, Deserialize, PartialEq, Clone, Debug)]
enum Step {
    Waiting,
}

/// Milliseconds from the variable `name`, or `default`.
fn millis(name: &str, default: u64) -> Duration {
    let ms = std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default);
    Duration::from_millis(ms)
}

/// Appends `id` to the chat's `applied` list.
fn apply(ctx: &Context, id: i64) -> Outcome {
    let mut applied: Vec<i64> = ctx.chat_data("applied")?.unwrap_or_default();
    applied.push(id);
    ctx.set_chat_data("applied", &applied)?;
    Ok(())
}

fn albums(app: ApplicationBuilder) -> ApplicationBuilder {
    let quiet = millis("EXT_QUIET_MS", 1000);
    app.handler(
        Handler::album(|ctx: &Context, album: &Album| -> Outcome {
            let applied: Vec<i64> = ctx.chat_data("applied")?.unwrap_or_default();
            let ids: Vec<i64> = album.messages().iter().map(|m| m.message_id).collect();
            let mut albums: Vec<(String, Vec<i64>, usize)> =
                ctx.chat_data("albums")?.unwrap_or_default();
            albums.push((album.media_group_id().to_owned(), ids, applied.len()));
            ctx.set_chat_data("albums", &albums)?;
            ctx.reply(format!("album {}", album.media_group_id()))
                .call()?;
            Ok(())
        })
        .quiet(quiet),
    )
    .message(filters::text(), |ctx: &Context| -> Outcome {
        let text = ctx.effective_message().and_then(|m| m.text.clone());
        let id = ctx.update().unwrap().update_id;
        ctx.reply(format!("{id}: {}", text.unwrap_or_default()))
            .call()?;
        Ok(())
    })
}

fn timeouts(app: ApplicationBuilder) -> ApplicationBuilder {
    let wait = Conversation::new("wait")
        .entry(Handler::command(
            "start",
            |ctx: &Context| -> Outcome<Next<Step>> {
                let id = ctx.update().unwrap().update_id;
                ctx.reply(format!("{id}: waiting")).call()?;
                Ok(Next::To(Step::Waiting))
            },
        ))
        .state(
            Step::Waiting,
            Handler::message(filters::text(), |ctx: &Context| -> Outcome<Next<Step>> {
                let id = ctx.update().unwrap().update_id;
                ctx.reply(format!("{id}: still")).call()?;
                Ok(Next::Stay)
            }),
        )
        .timeout(millis("EXT_TIMEOUT_MS", 300))
        .on_timeout(|ctx: &Context| -> Outcome {
            let timeouts: u32 = ctx.chat_data("timeouts")?.unwrap_or(0);
            ctx.set_chat_data("timeouts", &(timeouts + 1))?;
            apply(ctx, 0)?;
            let chat = ctx.effective_chat().map(|c| c.id);
            let chat = chat.or(ctx.job().and_then(|j| j.chat_id()));
            ctx.reply(format!("timeout {}", chat.unwrap_or_default()))
                .call()?;
            Ok(())
        });
    app.handler(wait.into())
}

fn menus(app: ApplicationBuilder) -> ApplicationBuilder {
    let number =
        |ctx: &Context, name: &str| -> u32 { ctx.chat_data(name).ok().flatten().unwrap_or(0) };
    let sub = Menu::new("sub")
        .text(move |ctx| format!("Step {}", number(ctx, "step")))
        .button_with(
            move |ctx| format!("Next step after {}", number(ctx, "step")),
            |ctx| -> Outcome {
                let step: u32 = ctx.chat_data("step")?.unwrap_or(0);
                ctx.set_chat_data("step", &((step + 1) % 3))?;
                Ok(())
            },
        )
        .row()
        .back("Back");
    let main = Menu::new("main")
        .text(move |ctx| format!("Count {}", number(ctx, "count")))
        .button_with(
            move |ctx| format!("+1 ({})", number(ctx, "count")),
            |ctx| -> Outcome {
                let count: u32 = ctx.chat_data("count")?.unwrap_or(0);
                ctx.set_chat_data("count", &(count + 1))?;
                Ok(())
            },
        )
        .row()
        .submenu("Settings", sub.clone())
        .row()
        .button("Jump", |_| Ok::<_, BoxError>(Notice::default().open("sub")));
    let (shown, shown_sub) = (main.clone(), sub);
    app.menu(main)
        .command("menu", move |ctx: &Context| shown.send(ctx).map(drop))
        .command("sub", move |ctx: &Context| shown_sub.send(ctx).map(drop))
}

fn main() {
    let url = std::env::var("TELEGRAM_API_URL").expect("TELEGRAM_API_URL");
    let store = std::env::var("EXT_STORE").expect("EXT_STORE");
    let kind = std::env::var("EXT_CRASH_KIND").expect("EXT_CRASH_KIND");
    let app = Application::builder(Bot::new("42:crash").with_api_url(url))
        .workers(4)
        .poll_limit(20)
        .poll_timeout(1);
    let app = match kind.as_str() {
        "album" => albums(app),
        "timeout" => timeouts(app),
        "menu" => menus(app),
        other => panic!("no such kind {other:?}"),
    };
    let app = app
        .handler_in(
            1,
            Handler::update(
                |_| true,
                |ctx: &Context| apply(ctx, ctx.update().unwrap().update_id),
            ),
        )
        .error_handler(|ctx, e| {
            eprintln!("update {}: {e}", ctx.update().map_or(0, |u| u.update_id))
        })
        // Running, its signal handlers set: a graceful stop is what SIGTERM asks from now on.
        .post_init(|_| {
            println!("ready");
            Ok::<_, BoxError>(())
        })
        .store_path(&store)
        .expect("the store opens")
        .build();
    if let Err(e) = app.run_polling() {
        eprintln!("{e}");
        std::process::exit(1);
    }
}

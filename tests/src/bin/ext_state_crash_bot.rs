//! A bot for the crash-safety test of conversations on a file store
//! (`tests/tests/ext_state_crash.rs`): it polls `TELEGRAM_API_URL` and keeps its state in the
//! file `EXT_STORE`. Each chat runs a sign-up conversation (`/start`, a name, an age, `yes` or
//! `no`, `/cancel`), and every update appends its id to the chat's `applied` list, in the same
//! commit as the conversation's move: the list shows which updates were applied, and how many
//! times. Every handler also sends a reply naming its update. The test kills it with SIGKILL
//! at random points. With `EXT_WEBHOOK` set to an address, it receives by webhook there.

use std::time::Duration;

use serde_derive::{Deserialize, Serialize};
use telegram_api::Bot;
use telegram_api::ext::{Application, Context, Conversation, Handler, Next, Webhook, filters};

#[derive(Serialize, Deserialize, PartialEq, Clone, Debug)]
enum Step {
    Name,
    Age,
    Confirm,
}

type Outcome = Result<Next<Step>, Box<dyn std::error::Error + Send + Sync>>;

/// Replies, naming the update, after a little uneven work (so that chats run unevenly).
fn reply(ctx: &Context, what: &str) -> Result<(), telegram_api::Error> {
    let id = ctx.update().unwrap().update_id;
    std::thread::sleep(Duration::from_millis((id * 7 % 5) as u64));
    ctx.reply(format!("{id}: {what}")).call().map(drop)
}

fn main() {
    let url = std::env::var("TELEGRAM_API_URL").expect("TELEGRAM_API_URL");
    let store = std::env::var("EXT_STORE").expect("EXT_STORE");
    let typed = || filters::text() & !filters::command();
    let signup = Conversation::new("signup")
        .entry(Handler::command("start", |ctx: &Context| -> Outcome {
            reply(ctx, "name?")?;
            Ok(Next::To(Step::Name))
        }))
        .state(
            Step::Name,
            Handler::message(typed(), |ctx: &Context| -> Outcome {
                reply(ctx, "age?")?;
                Ok(Next::To(Step::Age))
            }),
        )
        .state(
            Step::Age,
            Handler::message(typed(), |ctx: &Context| -> Outcome {
                let text = ctx.effective_message().and_then(|m| m.text.as_deref());
                if text.and_then(|t| t.parse::<u32>().ok()).is_none() {
                    reply(ctx, "a number please")?;
                    return Ok(Next::Stay);
                }
                reply(ctx, "right?")?;
                Ok(Next::To(Step::Confirm))
            }),
        )
        .state(
            Step::Confirm,
            Handler::message(
                filters::text_in(["yes", "no"]),
                |ctx: &Context| -> Outcome {
                    if ctx.effective_message().and_then(|m| m.text.as_deref()) == Some("no") {
                        reply(ctx, "again: name?")?;
                        return Ok(Next::To(Step::Name));
                    }
                    let saved: u32 = ctx.chat_data("saved")?.unwrap_or(0);
                    ctx.set_chat_data("saved", &(saved + 1))?;
                    reply(ctx, "saved")?;
                    Ok(Next::End)
                },
            ),
        )
        .fallback(Handler::command("cancel", |ctx: &Context| -> Outcome {
            reply(ctx, "cancelled")?;
            Ok(Next::End)
        }))
        .allow_reentry(true);
    let record = |ctx: &Context| -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let mut applied: Vec<i64> = ctx.chat_data("applied")?.unwrap_or_default();
        applied.push(ctx.update().unwrap().update_id);
        ctx.set_chat_data("applied", &applied)?;
        Ok(())
    };
    let app = Application::builder(Bot::new("42:crash").with_api_url(url))
        .workers(4)
        .poll_limit(20)
        .poll_timeout(1)
        .handler(signup.into())
        .handler_in(1, Handler::update(|_| true, record))
        .error_handler(|ctx, e| {
            eprintln!("update {}: {e}", ctx.update().map_or(0, |u| u.update_id))
        })
        .store_path(&store)
        .expect("the store opens")
        .build();
    // With EXT_WEBHOOK (a listen address), updates come by webhook instead.
    let run = match std::env::var("EXT_WEBHOOK") {
        Ok(address) => app.run_webhook(Webhook::new(address)),
        Err(_) => app.run_polling(),
    };
    if let Err(e) = run {
        eprintln!("{e}");
        std::process::exit(1);
    }
}

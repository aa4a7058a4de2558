//! Reminders on `telegram_api::ext`: jobs scheduled from a chat, kept in a store so that they
//! survive restarts.
//!
//! ```sh
//! cargo run --example reminders                                   # offline, in a fake Telegram
//! TELEGRAM_BOT_TOKEN=123456:ABC-DEF cargo run --example reminders # live: send /remind 90 take a break
//! TELEGRAM_BOT_TOKEN=... TELEGRAM_STORE=reminders.redb cargo run --example reminders
//! ```
//!
//! - `/remind SECONDS TEXT` answers `OK, I will remind you in SECONDS seconds: TEXT`, and
//!   SECONDS later sends `Reminder: TEXT` to that chat (anything else after `/remind` gets
//!   `Usage: /remind SECONDS TEXT`);
//! - `/reminders` lists the chat's reminders, soonest first (`Your reminders:` then one line
//!   `in N s: TEXT` each), or says `You have no reminders.`;
//! - `/cancel_reminders` cancels them all: `Cancelled reminders: N.`
//!
//! With `TELEGRAM_STORE=path` the reminders are kept in that file: stopped and started again,
//! the bot still sends them, and one that fell due while it was down is sent once when it
//! starts. Without it, they are kept in memory.

use std::time::Duration;

use telegram_api::Bot;
use telegram_api::ext::schedule::{Schedule, until};
use telegram_api::ext::{Application, Clock, Context};
use telegram_api::testing::World;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let store = std::env::var_os("TELEGRAM_STORE");
    match Bot::from_env() {
        Ok(bot) => {
            println!("Using TELEGRAM_BOT_TOKEN: write to your bot in Telegram, Ctrl-C to stop.");
            let store = store.as_deref().map(std::path::Path::new);
            reminders_bot(bot, Clock::system(), store).run_polling()?;
        }
        Err(_) => {
            println!(
                "No TELEGRAM_BOT_TOKEN: a short conversation in a fake Telegram, offline, on a \
                 clock the run moves."
            );
            print!("{}", offline());
        }
    }
    Ok(())
}

/// Offline: two reminders asked for, listed, one sent when the clock reaches it, the other
/// cancelled, in a fake Telegram (`telegram_api::testing`) whose clock only the run moves;
/// what happened, one line each.
pub fn offline() -> String {
    let world = World::new();
    world.run(&reminders_bot(world.bot(), world.clock(), None));
    let john = world.user("John Doe");
    john.send("/remind 90 take a break");
    john.send("/remind 3600 call mum");
    john.send("/reminders");
    world.advance(Duration::from_secs(90));
    john.send("/reminders");
    john.send("/cancel_reminders");
    john.send("/reminders");
    john.send("/remind");
    world.transcript()
}

type Outcome = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// The job that sends a reminder.
const REMINDER: &str = "reminder";

/// The bot, reading `clock`, keeping its reminders in the file `store` when given (else in
/// memory).
pub fn reminders_bot(bot: Bot, clock: Clock, store: Option<&std::path::Path>) -> Application {
    let builder = Application::builder(bot)
        .clock(clock)
        .job(REMINDER, remind_now)
        .command("remind", remind)
        .command("reminders", list)
        .command("cancel_reminders", cancel);
    let builder = match store {
        Some(path) => builder.store_path(path).expect("the store opens"),
        None => builder,
    };
    builder.build()
}

/// `/remind SECONDS TEXT`.
fn remind(ctx: &Context) -> Outcome {
    let args = ctx.args();
    let seconds = args.first().and_then(|s| s.parse::<u32>().ok());
    let (Some(seconds), false) = (seconds, args.len() < 2) else {
        ctx.reply("Usage: /remind SECONDS TEXT").call()?;
        return Ok(());
    };
    let text = args[1..].join(" ");
    let at = ctx.now() + Duration::from_secs(seconds.into());
    ctx.schedule_job(REMINDER, Schedule::once(at), &text)?;
    ctx.reply(format!(
        "OK, I will remind you in {seconds} seconds: {text}"
    ))
    .call()?;
    Ok(())
}

/// The job: the reminder, in its chat.
fn remind_now(ctx: &Context) -> Outcome {
    let text: String = ctx.job().ok_or("run as a job")?.data()?;
    ctx.reply(format!("Reminder: {text}")).call()?;
    Ok(())
}

/// `/reminders`.
fn list(ctx: &Context) -> Outcome {
    let chat = ctx.effective_chat().map(|c| c.id);
    let mut lines = Vec::new();
    for job in ctx.jobs(REMINDER)? {
        if job.chat_id() == chat {
            let left = until(ctx.now(), job.next_run()).as_secs();
            lines.push(format!("in {left} s: {}", job.data::<String>()?));
        }
    }
    let text = if lines.is_empty() {
        "You have no reminders.".to_owned()
    } else {
        format!("Your reminders:\n{}", lines.join("\n"))
    };
    ctx.reply(text).call()?;
    Ok(())
}

/// `/cancel_reminders`.
fn cancel(ctx: &Context) -> Outcome {
    let chat = ctx.effective_chat().map(|c| c.id);
    let mut cancelled = 0;
    for job in ctx.jobs(REMINDER)? {
        if job.chat_id() == chat {
            ctx.cancel_job(job.id())?;
            cancelled += 1;
        }
    }
    ctx.reply(format!("Cancelled reminders: {cancelled}."))
        .call()?;
    Ok(())
}

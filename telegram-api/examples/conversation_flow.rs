//! The sign-up of `conversation.rs`, written as one straight-line function with a `Flow`:
//! the same messages, the same buttons, the same transcript; the steps in the order they
//! happen instead of a state machine.
//!
//! ```sh
//! cargo run --example conversation_flow                                   # offline, in a fake Telegram
//! TELEGRAM_BOT_TOKEN=123456:ABC-DEF cargo run --example conversation_flow # live: send /start to your bot
//! TELEGRAM_BOT_TOKEN=... TELEGRAM_STORE=signup.redb cargo run --example conversation_flow
//! ```
//!
//! - `/start` asks `What is your name?`;
//! - a text is the name: `How old are you, NAME?`;
//! - then a text that is not a whole number: `Please send your age as a number.` (still asking);
//! - a number: `NAME, AGE. Is that right?` with the buttons `Yes` and `No`;
//! - `Yes` saves (the message becomes `Saved: NAME, AGE.`) and ends, `No` starts again (the
//!   message becomes `Let's start again. What is your name?`);
//! - `/cancel`, at any point: `Cancelled.`, and the flow ends; `/start` restarts it at any
//!   time.
//!
//! The flow keeps the answers it got in the store: on each new update the function runs again
//! from the start, and what was asked and sent before comes from the record instead of being
//! sent again. With `TELEGRAM_STORE=path` the record is kept in that file: the bot can be
//! killed at any point and started again, and goes on where it was.

use telegram_api::ext::flow::{Flow, FlowCtx, FlowError};
use telegram_api::ext::{Application, BoxError, Filter, filters};
use telegram_api::testing::World;
use telegram_api::{Bot, InlineKeyboardButton, InlineKeyboardMarkup};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let store = std::env::var_os("TELEGRAM_STORE");
    match Bot::from_env() {
        Ok(bot) => {
            println!("Using TELEGRAM_BOT_TOKEN: write to your bot in Telegram, Ctrl-C to stop.");
            signup_bot(bot, store.as_deref().map(std::path::Path::new)).run_polling()?;
        }
        Err(_) => {
            println!("No TELEGRAM_BOT_TOKEN: a short conversation in a fake Telegram, offline.");
            print!("{}", offline());
        }
    }
    Ok(())
}

/// Offline: the sign-up of `conversation.rs`, in a fake Telegram (`telegram_api::testing`);
/// what happened, one line each.
pub fn offline() -> String {
    let world = World::new();
    world.run(&signup_bot(world.bot(), None));
    sign_up(&world)
}

/// One user's sign-up, with a wrong age, a "No", a cancel and a second try (the same script as
/// `conversation.rs`); what happened, one line each.
pub fn sign_up(world: &World) -> String {
    let john = world.user("John Doe");
    john.send("/start");
    john.send("John");
    john.send("forty");
    john.send("41");
    john.press("No");
    john.send("Johnny");
    john.send("/cancel");
    john.send("anyone there?");
    john.send("/start");
    john.send("John");
    john.send("42");
    john.press("Yes");
    world.transcript()
}

/// The bot, keeping its flows in the file `store` when given (else in memory).
pub fn signup_bot(bot: Bot, store: Option<&std::path::Path>) -> Application {
    let flow = Flow::new("signup", signup)
        .entry(filters::commands(["start"]))
        .cancel_on(filters::commands(["cancel"]))
        .on_cancel(|ctx| ctx.reply("Cancelled.").call().map(drop))
        .allow_reentry(true);
    let builder = Application::builder(bot).handler(flow.into());
    let builder = match store {
        Some(path) => builder.store_path(path).expect("the store opens"),
        None => builder,
    };
    builder.build()
}

/// The whole sign-up, from `/start` to `Saved`.
fn signup(flow: &mut FlowCtx) -> Result<(), FlowError> {
    flow.say("What is your name?")?;
    loop {
        let name = flow.wait(typed())?.text().to_owned();
        flow.say(format!("How old are you, {name}?"))?;
        let age: u32 = loop {
            match flow.wait(typed())?.text().trim().parse() {
                Ok(age) => break age,
                Err(_) => flow.say("Please send your age as a number.")?,
            };
        };
        let buttons = vec![
            InlineKeyboardButton::new("Yes").callback_data("yes"),
            InlineKeyboardButton::new("No").callback_data("no"),
        ];
        flow.run(|ctx| {
            ctx.reply(format!("{name}, {age}. Is that right?"))
                .reply_markup(InlineKeyboardMarkup::new(vec![buttons]))
                .call()
        })?;
        let press = flow.wait_update(yes_or_no())?;
        flow.run(|ctx| ctx.answer_callback().call())?;
        if press.callback_data() == Some("no") {
            flow.run(|ctx| {
                ctx.edit_text("Let's start again. What is your name?")
                    .call()
            })?;
            continue;
        }
        flow.run(|ctx| {
            ctx.set_user_data("name", &name)?;
            ctx.set_user_data("age", &age)?;
            ctx.edit_text(format!("Saved: {name}, {age}."))
                .call()
                .map_err(BoxError::from)
        })?;
        return Ok(());
    }
}

/// A text that is not a command.
fn typed() -> Filter {
    filters::text() & !filters::command()
}

/// A press on `Yes` or `No`.
fn yes_or_no() -> Filter {
    Filter::new(|update| {
        update
            .callback_query()
            .and_then(|query| query.data.as_deref())
            .is_some_and(|data| data == "yes" || data == "no")
    })
    .named("yes_or_no")
}

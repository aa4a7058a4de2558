//! A conversation on `telegram_api::ext`: a sign-up form over several messages, kept in a
//! store so that it survives restarts.
//!
//! ```sh
//! cargo run --example conversation                                   # offline, in a fake Telegram
//! TELEGRAM_BOT_TOKEN=123456:ABC-DEF cargo run --example conversation # live: send /start to your bot
//! TELEGRAM_BOT_TOKEN=... TELEGRAM_STORE=signup.redb cargo run --example conversation
//! TELEGRAM_BOT_TOKEN=... REDIS_URL=redis://127.0.0.1:6379/ cargo run --example conversation --features redis
//! ```
//!
//! - `/start` asks `What is your name?`;
//! - a text is the name: `How old are you, NAME?`;
//! - then a text that is not a whole number: `Please send your age as a number.` (still asking);
//! - a number: `NAME, AGE. Is that right?` with the buttons `Yes` and `No`;
//! - `Yes` saves (the message becomes `Saved: NAME, AGE.`) and ends, `No` starts again (the
//!   message becomes `Let's start again. What is your name?`);
//! - `/cancel`, in any state: `Cancelled.`, and the conversation ends; `/start` restarts it
//!   at any time.
//!
//! With `TELEGRAM_STORE=path` the state is kept in that file: the bot can be killed at any
//! point and started again, and goes on where it was, without handling an update twice whose
//! changes it had committed. With `REDIS_URL` (and the `redis` feature) the state is kept in
//! that Redis server instead, which several processes of the bot can share behind one webhook.
//! Without either, state is kept in memory.

use serde::{Deserialize, Serialize};
use telegram_api::ext::store::Store;
use telegram_api::ext::{
    Application, ApplicationBuilder, Context, Conversation, Handler, Next, Regex, filters,
};
use telegram_api::testing::World;
use telegram_api::{Bot, InlineKeyboardButton, InlineKeyboardMarkup};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let store = std::env::var_os("TELEGRAM_STORE");
    let redis = redis_store()?;
    let build = |bot| match redis {
        Some(redis) => signup_bot_on(bot, redis),
        None => signup_bot(bot, store.as_deref().map(std::path::Path::new)),
    };
    match Bot::from_env() {
        Ok(bot) => {
            println!("Using TELEGRAM_BOT_TOKEN: write to your bot in Telegram, Ctrl-C to stop.");
            build(bot).run_polling()?;
        }
        Err(_) => {
            println!("No TELEGRAM_BOT_TOKEN: a short conversation in a fake Telegram, offline.");
            let world = World::new();
            world.run(&build(world.bot()));
            print!("{}", sign_up(&world));
        }
    }
    Ok(())
}

/// Offline: one user's sign-up in a fake Telegram (`telegram_api::testing`), with a wrong
/// age, a "No", a cancel and a second try; what happened, one line each.
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

/// The Redis store `REDIS_URL` names, if set.
#[cfg(feature = "redis")]
fn redis_store() -> Result<Option<telegram_api::ext::store::RedisStore>, Box<dyn std::error::Error>>
{
    match std::env::var("REDIS_URL") {
        Ok(url) => Ok(Some(telegram_api::ext::store::RedisStore::open(&url)?)),
        Err(_) => Ok(None),
    }
}

/// Without the `redis` feature, `REDIS_URL` cannot be honoured: say so rather than ignore it.
#[cfg(not(feature = "redis"))]
fn redis_store() -> Result<Option<telegram_api::ext::store::MemoryStore>, Box<dyn std::error::Error>>
{
    match std::env::var_os("REDIS_URL") {
        Some(_) => Err("REDIS_URL is set: run with --features redis to use it".into()),
        None => Ok(None),
    }
}

/// Where the conversation is.
#[derive(Serialize, Deserialize, PartialEq, Clone, Debug)]
pub enum Step {
    /// Waiting for a name.
    Name,
    /// Waiting for an age.
    Age,
    /// Waiting for a press on Yes or No.
    Confirm,
}

/// What a conversation handler returns.
type Outcome = Result<Next<Step>, Box<dyn std::error::Error + Send + Sync>>;

/// The bot, keeping its state in the file `store` when given (else in memory).
pub fn signup_bot(bot: Bot, store: Option<&std::path::Path>) -> Application {
    let builder = signup(bot);
    let builder = match store {
        Some(path) => builder.store_path(path).expect("the store opens"),
        None => builder,
    };
    builder.build()
}

/// The bot, keeping its state in `store`.
pub fn signup_bot_on(bot: Bot, store: impl Store + 'static) -> Application {
    signup(bot).store(store).build()
}

/// The bot's handlers.
fn signup(bot: Bot) -> ApplicationBuilder {
    let typed = || filters::text() & !filters::command();
    let answer = Regex::new("^(yes|no)$").expect("a valid pattern");
    let signup = Conversation::new("signup")
        .entry(Handler::command("start", start))
        .state(Step::Name, Handler::message(typed(), name))
        .state(Step::Age, Handler::message(typed(), age))
        .state(Step::Confirm, Handler::callback_data(answer, confirm))
        .fallback(Handler::command("cancel", cancel))
        .allow_reentry(true);
    Application::builder(bot).handler(signup.into())
}

fn start(ctx: &Context) -> Outcome {
    ctx.reply("What is your name?").call()?;
    Ok(Next::To(Step::Name))
}

fn name(ctx: &Context) -> Outcome {
    let name = text(ctx);
    ctx.set_user_data("name", &name)?;
    ctx.reply(format!("How old are you, {name}?")).call()?;
    Ok(Next::To(Step::Age))
}

fn age(ctx: &Context) -> Outcome {
    let Ok(age) = text(ctx).trim().parse::<u32>() else {
        ctx.reply("Please send your age as a number.").call()?;
        return Ok(Next::Stay);
    };
    ctx.set_user_data("age", &age)?;
    let name: String = ctx.user_data("name")?.unwrap_or_default();
    let buttons = vec![
        InlineKeyboardButton::new("Yes").callback_data("yes"),
        InlineKeyboardButton::new("No").callback_data("no"),
    ];
    ctx.reply(format!("{name}, {age}. Is that right?"))
        .reply_markup(InlineKeyboardMarkup::new(vec![buttons]))
        .call()?;
    Ok(Next::To(Step::Confirm))
}

fn confirm(ctx: &Context) -> Outcome {
    ctx.answer_callback().call()?;
    if ctx.captures().and_then(|c| c.get(1)) == Some("no") {
        ctx.edit_text("Let's start again. What is your name?")
            .call()?;
        return Ok(Next::To(Step::Name));
    }
    let name: String = ctx.user_data("name")?.unwrap_or_default();
    let age: u32 = ctx.user_data("age")?.unwrap_or_default();
    ctx.edit_text(format!("Saved: {name}, {age}.")).call()?;
    Ok(Next::End)
}

fn cancel(ctx: &Context) -> Outcome {
    ctx.reply("Cancelled.").call()?;
    Ok(Next::End)
}

/// The text of the update's message.
fn text(ctx: &Context) -> String {
    ctx.effective_message()
        .and_then(|m| m.text.clone())
        .unwrap_or_default()
}

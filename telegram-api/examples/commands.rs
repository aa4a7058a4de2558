//! Commands on `telegram_api::ext`: `/start` with a deep-link payload, `/help`, unknown
//! commands, and a reply keyboard.
//!
//! ```sh
//! cargo run --example commands                                  # offline, in a fake Telegram
//! TELEGRAM_BOT_TOKEN=123456:ABC-DEF cargo run --example commands # live: send /start to your bot
//! ```
//!
//! A link `https://t.me/<your bot>?start=ref-42` opens the chat with a Start button that sends
//! `/start ref-42`: the bot greets the user, says where they came from, and shows a reply
//! keyboard (buttons under the text field that send their text). `/help` and the Help button
//! list the commands; any other command gets a pointer to `/help`.

use telegram_api::ext::{Application, Context, filters};
use telegram_api::testing::World;
use telegram_api::{Bot, Error, KeyboardButton, ReplyKeyboardMarkup};

fn main() -> Result<(), telegram_api::ext::RunError> {
    match Bot::from_env() {
        Ok(bot) => {
            println!("Using TELEGRAM_BOT_TOKEN: write to your bot in Telegram, Ctrl-C to stop.");
            commands_bot(bot).run_polling()
        }
        Err(_) => {
            println!("No TELEGRAM_BOT_TOKEN: a short conversation in a fake Telegram, offline.");
            print!("{}", offline());
            Ok(())
        }
    }
}

/// Offline: John comes from a deep link, asks for help, presses Ping and tries an unknown command, in a fake Telegram (`telegram_api::testing`); what happened, one line
/// each.
pub fn offline() -> String {
    let world = World::new();
    world.run(&commands_bot(world.bot()));
    let john = world.user("John Doe");
    john.send("/start from-the-readme");
    john.send("/help");
    john.send("Ping");
    john.send("/dance");
    world.transcript()
}

/// What `/help` says.
const HELP: &str = "/start - start over\n/help - this list\nOr press a button below.";

/// The bot. Handlers of a group are tried in order and the first that takes the update runs,
/// so the catch-all for commands comes after the known ones.
pub fn commands_bot(bot: Bot) -> Application {
    Application::builder(bot)
        .command("start", start)
        .command("help", help)
        .message(filters::command(), unknown)
        .message(filters::text_in(["Help"]), help)
        .message(filters::text_in(["Ping"]), |ctx: &Context| {
            ctx.reply("Pong").call().map(drop)
        })
        .build()
}

/// `/start`, or `/start <payload>` from a deep link.
fn start(ctx: &Context) -> Result<(), Error> {
    let name = ctx
        .effective_user()
        .map_or("there", |u| u.first_name.as_str());
    let mut text = format!("Hi {name}!");
    if let Some(payload) = ctx.command().and_then(|c| c.start_payload()) {
        text.push_str(&format!(" You came from {payload}."));
    }
    let keyboard = ReplyKeyboardMarkup::new(vec![vec![
        KeyboardButton::new("Help"),
        KeyboardButton::new("Ping"),
    ]])
    .resize_keyboard(true);
    ctx.reply(&text).reply_markup(keyboard).call()?;
    println!("{text}");
    Ok(())
}

/// `/help` or the Help button.
fn help(ctx: &Context) -> Result<(), Error> {
    ctx.reply(HELP).call()?;
    println!("sent the help");
    Ok(())
}

/// Any other command.
fn unknown(ctx: &Context) -> Result<(), Error> {
    let message = ctx.effective_message();
    let command = message.and_then(telegram_api::ext::Command::parse);
    let name = command.map_or_else(String::new, |c| c.name);
    ctx.reply(format!("Sorry, I don't know /{name}. Try /help."))
        .call()?;
    println!("unknown command /{name}");
    Ok(())
}

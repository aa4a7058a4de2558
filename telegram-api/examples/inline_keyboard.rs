//! An inline keyboard on `telegram_api::ext`: a question with buttons under it, and what
//! happens when one is pressed.
//!
//! ```sh
//! cargo run --example inline_keyboard                                  # offline, in a fake Telegram
//! TELEGRAM_BOT_TOKEN=123456:ABC-DEF cargo run --example inline_keyboard # live: send /start to your bot
//! ```
//!
//! `/start` makes the bot ask "Do you like Rust?" with Yes and No buttons. A press arrives as a
//! `callback_query` update carrying the button's `callback_data`; the bot answers it (which
//! stops the spinner on the user's button and shows a short notice) and edits the question to
//! show the choice, which also removes the buttons. Presses on buttons the bot no longer
//! offers are answered too, so that no button spins forever.

use telegram_api::ext::{Application, Context, Handler, Regex};
use telegram_api::testing::World;
use telegram_api::{Bot, Error, InlineKeyboardButton, InlineKeyboardMarkup};

fn main() -> Result<(), telegram_api::ext::RunError> {
    match Bot::from_env() {
        Ok(bot) => {
            println!("Using TELEGRAM_BOT_TOKEN: write to your bot in Telegram, Ctrl-C to stop.");
            keyboard_bot(bot).run_polling()
        }
        Err(_) => {
            println!("No TELEGRAM_BOT_TOKEN: a short conversation in a fake Telegram, offline.");
            print!("{}", offline());
            Ok(())
        }
    }
}

/// Offline: John is asked, presses Yes, then presses it again, in a fake Telegram (`telegram_api::testing`); what happened, one line
/// each.
pub fn offline() -> String {
    let world = World::new();
    world.run(&keyboard_bot(world.bot()));
    let john = world.user("John Doe");
    john.send("/start");
    john.press("Yes");
    john.send("/start");
    john.press("No");
    world.transcript()
}

/// The question asked.
const QUESTION: &str = "Do you like Rust?";

/// The bot: `/start` asks; a press on Yes or No is answered and shown; any other press is
/// answered as closed. Handlers of a group are tried in order, the first that takes the update
/// runs.
pub fn keyboard_bot(bot: Bot) -> Application {
    let choice = Regex::new("^(yes|no)$").expect("a valid pattern");
    Application::builder(bot)
        .command("start", ask)
        .handler(Handler::callback_data(choice, on_choice))
        .callback_query(closed)
        .build()
}

/// Sends the question with one row of buttons; `callback_data` (1-64 bytes) is what a press
/// sends back.
fn ask(ctx: &Context) -> Result<(), Error> {
    let row = vec![
        InlineKeyboardButton::new("Yes").callback_data("yes"),
        InlineKeyboardButton::new("No").callback_data("no"),
    ];
    let question = ctx
        .reply(QUESTION)
        .reply_markup(InlineKeyboardMarkup::new(vec![row]))
        .call()?;
    println!("asked {QUESTION:?} (message {})", question.message_id);
    Ok(())
}

/// A press on Yes or No: a notice at the top of the chat, and the question edited to show the
/// answer (without a `reply_markup`, the edited message has no buttons left).
fn on_choice(ctx: &Context) -> Result<(), Error> {
    let label = match ctx.captures().and_then(|c| c.get(1)) {
        Some("yes") => "Yes",
        _ => "No",
    };
    let name = ctx
        .effective_user()
        .map_or("Someone", |u| u.first_name.as_str());
    ctx.answer_callback()
        .text(format!("You picked {label}"))
        .call()?;
    ctx.edit_text(format!("{QUESTION}\n{name} answered: {label}"))
        .call()?;
    println!("{name} answered {label}; the question now says so");
    Ok(())
}

/// Any other press: every press must be answered, or the button keeps spinning.
fn closed(ctx: &Context) -> Result<(), Error> {
    ctx.answer_callback()
        .text("This question is closed.")
        .call()?;
    println!("a button of an older question was pressed");
    Ok(())
}

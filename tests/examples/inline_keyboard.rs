//! An inline keyboard: a question with buttons under it, and what happens when one is pressed.
//!
//! ```sh
//! cargo run --example inline_keyboard            # offline, replaying a fixture
//! TELEGRAM_BOT_TOKEN=123456:ABC-DEF TELEGRAM_CHAT_ID=1234567890 \
//!     cargo run --example inline_keyboard        # live: asks in that chat, waits for a press
//! ```
//!
//! The bot sends "Do you like Rust?" with Yes and No buttons. A press arrives as a
//! `callback_query` update carrying the button's `callback_data`; the bot answers it (which
//! stops the spinner on the user's button and shows a short notice) and edits the question to
//! show the choice, which also removes the buttons. Presses on older questions are answered too,
//! so that no button spins forever.
//!
//! `TELEGRAM_CHAT_ID` is a chat id (`cargo run --example echo` prints the ids of the chats that
//! write to the bot) or a `@channelusername`; the bot can only write to a user who wrote to it
//! first.

use telegram_api::{
    Bot, CallbackQuery, ChatId, Error, InlineKeyboardButton, InlineKeyboardMarkup,
    MaybeInaccessibleMessage, Message,
};
use telegram_api_tests::replay::{Fixture, Replay};

fn main() -> Result<(), Error> {
    match Bot::from_env() {
        Ok(bot) => {
            let chat = chat_from_env()?;
            println!("Using TELEGRAM_BOT_TOKEN: answer the question in Telegram.");
            ask(&bot, chat).map(|_| ())
        }
        Err(_) => {
            println!(
                "No TELEGRAM_BOT_TOKEN: replaying fixtures of the Bot API's wire format, offline."
            );
            let replay = Replay::serve(Fixture::load("examples/inline_keyboard.json"));
            ask(&replay.bot(), 1234567890)?;
            replay.finish();
            Ok(())
        }
    }
}

/// The question asked.
const QUESTION: &str = "Do you like Rust?";
/// Its buttons: what each shows, and the `callback_data` a press on it sends back.
const CHOICES: [(&str, &str); 2] = [("Yes", "yes"), ("No", "no")];

/// Asks the question in `chat` and waits for a button press on it. Returns the label of the
/// button pressed (`None` if the poller stopped first).
pub fn ask(bot: &Bot, chat: impl Into<ChatId>) -> Result<Option<String>, Error> {
    // One row of buttons; `callback_data` (1-64 bytes) is what the bot gets back.
    let row = CHOICES
        .iter()
        .map(|(label, data)| InlineKeyboardButton::new(*label).callback_data(*data))
        .collect();
    let question = bot
        .send_message(chat, QUESTION)
        .reply_markup(InlineKeyboardMarkup::new(vec![row]))
        .call()?;
    println!(
        "asked {QUESTION:?} in chat {} (message {})",
        question.chat.id, question.message_id
    );

    let mut updates = bot.updates();
    let mut choice = None;
    // `by_ref` borrows the poller, to confirm the updates after the loop.
    for update in updates.by_ref() {
        let update = update?;
        // Only button presses matter here; other updates are skipped.
        let Some(query) = update.callback_query() else {
            continue;
        };
        choice = on_press(bot, &question, query)?;
        if choice.is_some() {
            break;
        }
    }
    // Tell Telegram the updates were handled, so they are not delivered again.
    updates.confirm()?;
    Ok(choice)
}

/// Handles a button press: the label chosen, when it answers `question`.
fn on_press(bot: &Bot, question: &Message, query: &CallbackQuery) -> Result<Option<String>, Error> {
    // The message the button is under. It may be too old for Telegram to send its content
    // (`InaccessibleMessage`), or absent for a message sent in inline mode.
    let pressed_on = match query.message.as_deref() {
        Some(MaybeInaccessibleMessage::Message(m)) => Some((m.chat.id, m.message_id)),
        Some(MaybeInaccessibleMessage::InaccessibleMessage(m)) => Some((m.chat.id, m.message_id)),
        _ => None,
    };
    let ours = pressed_on == Some((question.chat.id, question.message_id));
    let choice = CHOICES
        .iter()
        .find(|(_, data)| query.data.as_deref() == Some(*data));
    let label = match choice {
        Some((label, _)) if ours => *label,
        _ => {
            // Every press must be answered, or the button keeps spinning in the user's app.
            bot.answer_callback_query(&query.id)
                .text("This question is closed.")
                .call()?;
            println!(
                "{} pressed a button of an older question",
                query.from.first_name
            );
            return Ok(None);
        }
    };

    // A short notice at the top of the chat...
    bot.answer_callback_query(&query.id)
        .text(format!("You picked {label}"))
        .call()?;
    // ...and the question edited to show the answer. Without a `reply_markup`, the edited
    // message has no buttons left.
    let answered = format!("{QUESTION}\n{} answered: {label}", query.from.first_name);
    bot.edit_message_text()
        .chat_id(question.chat.id)
        .message_id(question.message_id)
        .text(&answered)
        .call()?;
    println!(
        "{} answered {label}; the question now says so",
        query.from.first_name
    );
    Ok(Some(label.to_owned()))
}

/// The chat to ask in, from `TELEGRAM_CHAT_ID`: a chat id or an `@username`.
fn chat_from_env() -> Result<ChatId, Error> {
    let value = std::env::var("TELEGRAM_CHAT_ID").map_err(|_| {
        Error::Config("set TELEGRAM_CHAT_ID to the chat to ask in (see the example's docs)".into())
    })?;
    Ok(match value.trim().parse::<i64>() {
        Ok(id) => ChatId::from(id),
        Err(_) => ChatId::from(value.trim()),
    })
}

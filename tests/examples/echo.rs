//! An echo bot: long polling, and every message sent back to where it came from.
//!
//! ```sh
//! cargo run --example echo                                  # offline, replaying a fixture
//! TELEGRAM_BOT_TOKEN=123456:ABC-DEF cargo run --example echo # live: write to your bot, Ctrl-C to stop
//! ```
//!
//! Text comes back as text; anything else (a sticker, a photo, a voice note...) is copied back
//! with `copyMessage`. Edits are skipped, and a message Telegram refuses to copy (a service
//! message, for instance) is reported without stopping the bot. The lines printed show the
//! chats' ids, which the other examples take in `TELEGRAM_CHAT_ID`.

use telegram_api::{Bot, Error, Message, Update, UpdateKind};
use telegram_api_tests::replay::{Fixture, Replay};

fn main() -> Result<(), Error> {
    match Bot::from_env() {
        Ok(bot) => {
            println!("Using TELEGRAM_BOT_TOKEN: write to your bot in Telegram, Ctrl-C to stop.");
            echo(&bot, None).map(|_| ())
        }
        Err(_) => {
            println!(
                "No TELEGRAM_BOT_TOKEN: replaying fixtures of the Bot API's wire format, offline."
            );
            let replay = Replay::serve(Fixture::load("examples/echo.json"));
            // The fixture holds four updates; stop after them instead of waiting for more.
            echo(&replay.bot(), Some(4))?;
            replay.finish();
            Ok(())
        }
    }
}

/// Answers every message with itself, until `max_updates` updates were handled (forever when
/// `None`). Returns how many updates were handled.
pub fn echo(bot: &Bot, max_updates: Option<usize>) -> Result<usize, Error> {
    let mut updates = bot.updates();
    let mut handled = 0;
    while max_updates.is_none_or(|max| handled < max) {
        // `None` only once the poller was stopped; errors Telegram will not get over (an invalid
        // token, another bot instance polling) come as `Some(Err(..))` and end the loop here.
        let Some(update) = updates.next() else {
            break;
        };
        handle(bot, &update?)?;
        handled += 1;
    }
    // Tell Telegram the last updates were handled, so they are not delivered again.
    updates.confirm()?;
    Ok(handled)
}

/// Handles one update.
fn handle(bot: &Bot, update: &Update) -> Result<(), Error> {
    match &update.kind {
        UpdateKind::Message(message) => echo_message(bot, message),
        // Other kinds (edits, reactions, members joining...) are not for an echo bot.
        other => {
            let kind = other.name().unwrap_or("empty update");
            println!("update {}: skipped ({kind})", update.update_id);
            Ok(())
        }
    }
}

/// Sends `message` back to its chat.
fn echo_message(bot: &Bot, message: &Message) -> Result<(), Error> {
    let chat = message.chat.id;
    if let Some(text) = &message.text {
        bot.send_message(chat, text).call()?;
        println!("chat {chat}: echoed {text:?}");
        return Ok(());
    }
    // Not text: let Telegram copy the message (media, stickers, polls, locations... keep their
    // content; the copy does not say "Forwarded from").
    match bot.copy_message(chat, chat, message.message_id).call() {
        Ok(copy) => {
            println!(
                "chat {chat}: copied message {} as message {}",
                message.message_id, copy.message_id
            );
            Ok(())
        }
        // Some messages cannot be copied (service messages, invoices, ...): Telegram answers
        // 400. That concerns this message only, so report it and carry on.
        Err(e) if e.is_bad_request() => {
            println!(
                "chat {chat}: message {} not copied: {e}",
                message.message_id
            );
            Ok(())
        }
        Err(e) => Err(e),
    }
}

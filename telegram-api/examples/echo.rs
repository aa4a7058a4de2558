//! An echo bot on `telegram_api::ext`: every message sent back to where it came from.
//!
//! ```sh
//! cargo run --example echo                                  # offline, in a fake Telegram
//! TELEGRAM_BOT_TOKEN=123456:ABC-DEF cargo run --example echo # live: write to your bot, Ctrl-C to stop
//! ```
//!
//! Text comes back as text; anything else (a sticker, a photo, a voice note...) is copied back
//! with `copyMessage`. A message Telegram refuses to copy (a service message, for instance)
//! makes the handler fail: the error handler reports it and the bot carries on. The lines
//! printed show the chats' ids, which the other examples take in `TELEGRAM_CHAT_ID`.

use telegram_api::ext::{Application, Context, filters};
use telegram_api::testing::World;
use telegram_api::{Bot, Error};

fn main() -> Result<(), telegram_api::ext::RunError> {
    match Bot::from_env() {
        Ok(bot) => {
            println!("Using TELEGRAM_BOT_TOKEN: write to your bot in Telegram, Ctrl-C to stop.");
            echo_bot(bot).run_polling()
        }
        Err(_) => {
            println!("No TELEGRAM_BOT_TOKEN: a short conversation in a fake Telegram, offline.");
            print!("{}", offline());
            Ok(())
        }
    }
}

/// Offline: John says hello, sends a sticker, then pins a message, in a fake Telegram (`telegram_api::testing`); what happened, one line
/// each.
pub fn offline() -> String {
    let world = World::new();
    world.run(&echo_bot(world.bot()));
    let john = world.user("John Doe");
    john.send("Hello, bot!");
    john.send_fields(serde_json::json!({"sticker": {
        "file_id": "sticker-1", "file_unique_id": "s1", "type": "regular",
        "width": 512, "height": 512, "is_animated": false, "is_video": false,
    }}));
    // Pinning a message makes a service message, which Telegram does not copy.
    john.send_fields(serde_json::json!({"pinned_message": {
        "chat": {"id": john.id(), "type": "private"}, "message_id": 1, "date": 0,
    }}));
    world.transcript()
}

/// The bot: text is echoed, every other message copied back. The first handler that takes a
/// message runs.
pub fn echo_bot(bot: Bot) -> Application {
    Application::builder(bot)
        .message(filters::text(), echo_text)
        .message(filters::all(), copy_back)
        .error_handler(|ctx, error| match ctx.update() {
            Some(update) => println!("update {}: {error}", update.update_id),
            None => println!("{error}"),
        })
        .build()
}

/// Sends the text back.
fn echo_text(ctx: &Context) -> Result<(), Error> {
    let text = ctx.effective_message().and_then(|m| m.text.clone());
    let sent = ctx.reply(text.unwrap_or_default()).call()?;
    println!(
        "chat {}: echoed {:?}",
        sent.chat.id,
        sent.text.unwrap_or_default()
    );
    Ok(())
}

/// Copies the message back: media, stickers, polls, locations... keep their content, and the
/// copy does not say "Forwarded from".
fn copy_back(ctx: &Context) -> Result<(), Error> {
    let Some(message) = ctx.effective_message() else {
        return Ok(());
    };
    let chat = message.chat.id;
    let copy = ctx
        .bot()
        .copy_message(chat, chat, message.message_id)
        .call()?;
    println!(
        "chat {chat}: copied message {} as message {}",
        message.message_id, copy.message_id
    );
    Ok(())
}

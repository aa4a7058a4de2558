//! Hello, Telegram: the first steps of a bot.
//!
//! ```sh
//! cargo run --example hello                                  # offline, in a fake Telegram
//! TELEGRAM_BOT_TOKEN=123456:ABC-DEF cargo run --example hello # live: then write to your bot
//! ```
//!
//! The bot says who it is, waits for the first message, prints it, and answers
//! "Hi <first name>!" to the person who wrote it.

use telegram_api::testing::World;
use telegram_api::{Bot, Error};

fn main() -> Result<(), Error> {
    match Bot::from_env() {
        Ok(bot) => {
            println!("Using TELEGRAM_BOT_TOKEN: write something to your bot in Telegram.");
            hello(&bot)
        }
        Err(_) => {
            println!("No TELEGRAM_BOT_TOKEN: John writes to the bot in a fake Telegram, offline.");
            // A fake Telegram in this process (`telegram_api::testing`): John has written.
            let world = World::new();
            world.user("John Doe").send("Hello, bot!");
            hello(&world.bot())
        }
    }
}

/// The walkthrough, the same against Telegram and offline.
pub fn hello(bot: &Bot) -> Result<(), Error> {
    // Who am I? Every Bot API object prints as the JSON Telegram sent.
    let me = bot.get_me().call()?;
    println!("{me}");

    // Wait for the first message (long polling), and print the update.
    let mut updates = bot.updates();
    let update = loop {
        let Some(update) = updates.next() else {
            return Ok(());
        };
        let update = update?;
        if update.message().is_some() {
            break update;
        }
    };
    println!("{update}");

    // Answer the person who wrote.
    if let Some(user) = update.message().and_then(|m| m.from.as_ref()) {
        let sent = bot
            .send_message(user.id, format!("Hi {}!", user.first_name))
            .call()?;
        println!("{sent}");
    }

    // Tell Telegram the message was handled, so it is not delivered again.
    updates.confirm()
}

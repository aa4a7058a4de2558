//! Members coming and going on `telegram_api::ext`: a welcome for who joins a group, a goodbye
//! for who leaves, and a word when the bot itself is added or removed.
//!
//! ```sh
//! cargo run --example chat_members                                  # offline, in a fake Telegram
//! TELEGRAM_BOT_TOKEN=123456:ABC-DEF cargo run --example chat_members # live: add your bot to a group
//! ```
//!
//! Telegram tells a bot about its own membership in every chat (`my_chat_member`), but about
//! other members only where it is an administrator (`chat_member`, which the application asks
//! for because a handler takes it). Each update holds the member before and after the change;
//! `joined()` and `left()` compare the two. Names are written as HTML mentions, which link to
//! the user and are escaped, whatever the name holds.

use telegram_api::ext::{Application, Context, Handler};
use telegram_api::testing::World;
use telegram_api::{Bot, ChatType, Error, ParseMode};

fn main() -> Result<(), telegram_api::ext::RunError> {
    match Bot::from_env() {
        Ok(bot) => {
            println!("Using TELEGRAM_BOT_TOKEN: write to your bot in Telegram, Ctrl-C to stop.");
            members_bot(bot).run_polling()
        }
        Err(_) => {
            println!("No TELEGRAM_BOT_TOKEN: a short conversation in a fake Telegram, offline.");
            print!("{}", offline());
            Ok(())
        }
    }
}

/// Offline: Jane joins a group where the bot is an administrator, then leaves, in a fake Telegram (`telegram_api::testing`); what happened, one line
/// each.
pub fn offline() -> String {
    let world = World::new();
    world.run(&members_bot(world.bot()));
    let group = world.group("Rust Bots");
    let jane = world.user("Jane Roe");
    jane.join(&group);
    jane.leave(&group);
    world.transcript()
}

/// The bot: one handler for other members, one for itself.
pub fn members_bot(bot: Bot) -> Application {
    Application::builder(bot)
        .handler(Handler::chat_member(greet))
        .handler(Handler::my_chat_member(added_or_removed))
        .build()
}

/// Someone else joined or left the group.
fn greet(ctx: &Context) -> Result<(), Error> {
    let Some(change) = ctx.update().and_then(|u| u.chat_member()) else {
        return Ok(());
    };
    let Some(user) = change.new_chat_member.user() else {
        return Ok(());
    };
    let text = if change.joined() {
        let group = change.chat.title.as_deref().unwrap_or("the group");
        format!("Welcome to {group}, {}!", user.mention_html())
    } else if change.left() {
        format!("Goodbye, {}.", user.mention_html())
    } else {
        return Ok(()); // promoted, restricted...: nothing to say
    };
    ctx.reply(&text).parse_mode(ParseMode::Html).call()?;
    println!("{text}");
    Ok(())
}

/// The bot was added to a group or removed from one; in a private chat, the user started or
/// unblocked it, or blocked it.
fn added_or_removed(ctx: &Context) -> Result<(), Error> {
    let Some(change) = ctx.update().and_then(|u| u.my_chat_member()) else {
        return Ok(());
    };
    let chat = change.chat.full_name().unwrap_or_default();
    let by = change.from.full_name();
    let group = matches!(change.chat.r#type, ChatType::Group | ChatType::Supergroup);
    if change.joined() && group {
        let text = format!(
            "Thanks for adding me, {}! Make me an administrator and I will greet who joins.",
            change.from.mention_html()
        );
        ctx.reply(text).parse_mode(ParseMode::Html).call()?;
        println!("added to {chat} by {by}");
    } else if change.joined() {
        println!("{chat} started or unblocked the bot");
    } else if change.left() {
        // Nothing can be sent there any more.
        println!("removed from {chat} by {by}");
    }
    Ok(())
}

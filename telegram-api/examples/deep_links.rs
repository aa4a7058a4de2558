//! Deep links on `telegram_api::ext`: links that open the bot with a word of your choosing,
//! here invitations that tell the bot who invited whom.
//!
//! ```sh
//! cargo run --example deep_links                                  # offline, in a fake Telegram
//! TELEGRAM_BOT_TOKEN=123456:ABC-DEF cargo run --example deep_links # live: send /start to your bot
//! ```
//!
//! A link `https://t.me/<bot>?start=<payload>` opens a private chat with the bot; pressing
//! Start sends `/start <payload>`. A link with `?startgroup=<payload>` asks the user for a group
//! to add the bot to, then sends `/start@<bot> <payload>` there. The payload is 1 to 64
//! characters of `A-Z a-z 0-9 _ -` (`telegram_api::text::deep_link` checks it).
//!
//! - `/start`: the user's own invitation link (`?start=ref-<their id>`) and a button that adds
//!   the bot to a group;
//! - `/start ref-<id>` from someone else: a welcome, and a word to the user who invited them
//!   with how many people their link brought;
//! - `/start hello-group` in a group: a hello, with a link back to a private chat.
//!
//! The application takes the clock it reads: the system's live, the fake Telegram's offline.

use telegram_api::ext::{Application, BoxError, Clock, Context};
use telegram_api::testing::World;
use telegram_api::text::{deep_link, deep_link_group};
use telegram_api::{Bot, ChatType, InlineKeyboardButton, InlineKeyboardMarkup};

fn main() -> Result<(), telegram_api::ext::RunError> {
    match Bot::from_env() {
        Ok(bot) => {
            println!("Using TELEGRAM_BOT_TOKEN: write to your bot in Telegram, Ctrl-C to stop.");
            deep_links_bot(bot, Clock::system()).run_polling()
        }
        Err(_) => {
            println!("No TELEGRAM_BOT_TOKEN: a short conversation in a fake Telegram, offline.");
            print!("{}", offline());
            Ok(())
        }
    }
}

/// Offline: John gets his link, Jane comes with it, and the bot greets a group, in a fake
/// Telegram (`telegram_api::testing`); what happened, one line each.
pub fn offline() -> String {
    let world = World::new();
    world.run(&deep_links_bot(world.bot(), world.clock()));
    let john = world.user("John Doe");
    let jane = world.user("Jane Roe");
    john.send("/start");
    john.send(&format!("/start ref-{}", john.id()));
    jane.send(&format!("/start ref-{}", john.id()));
    let group = world.group("Coffee Lovers");
    john.send_in(&group, "/start@test_bot hello-group");
    jane.send("/start from-group");
    world.transcript()
}

/// The bot: everything arrives as `/start`, told apart by its payload.
pub fn deep_links_bot(bot: Bot, clock: Clock) -> Application {
    Application::builder(bot)
        .clock(clock)
        .command("start", start)
        .build()
}

fn start(ctx: &Context) -> Result<(), BoxError> {
    // The bot's own user, asked once (`getMe`) and kept: its username makes the links.
    let me = ctx.bot().me()?;
    let bot_name = me.username.unwrap_or_default();
    let in_group = ctx
        .effective_chat()
        .is_some_and(|c| c.r#type != ChatType::Private);
    let payload = ctx.args().first().map_or("", String::as_str);
    if in_group {
        let back = deep_link(&bot_name, "from-group")?;
        ctx.reply(format!(
            "Hello, everyone! For your own invitation link, talk to me in private: {back}"
        ))
        .call()?;
        return Ok(());
    }
    match payload.strip_prefix("ref-").map(str::parse::<i64>) {
        Some(Ok(inviter)) => welcome(ctx, inviter),
        _ if payload == "from-group" => invite(ctx, &bot_name, "Welcome over from the group! "),
        _ => invite(ctx, &bot_name, ""),
    }
}

/// The user's own invitation link, and a button that adds the bot to a group.
fn invite(ctx: &Context, bot_name: &str, greeting: &str) -> Result<(), BoxError> {
    let user_id = ctx.effective_user().map_or(0, |u| u.id);
    let link = deep_link(bot_name, &format!("ref-{user_id}"))?;
    let to_group = deep_link_group(bot_name, "hello-group")?;
    ctx.reply(format!(
        "{greeting}Invite your friends with this link: {link}"
    ))
    .reply_markup(InlineKeyboardMarkup::from_rows([[
        InlineKeyboardButton::link("Add me to a group", to_group),
    ]]))
    .call()?;
    println!("gave user {user_id} their link");
    Ok(())
}

/// Someone came with `inviter`'s link.
fn welcome(ctx: &Context, inviter: i64) -> Result<(), BoxError> {
    let Some(user) = ctx.effective_user() else {
        return Ok(());
    };
    if user.id == inviter {
        ctx.reply("That is your own link: share it with a friend.")
            .call()?;
        return Ok(());
    }
    let key = format!("invited-by-{inviter}");
    let count = ctx.bot_data::<u32>(&key)?.unwrap_or(0) + 1;
    ctx.set_bot_data(&key, &count)?;
    ctx.reply(format!(
        "Welcome, {}! A friend of yours invited you here.",
        user.first_name
    ))
    .call()?;
    // The inviter has a private chat with the bot (they pressed Start to get the link); one
    // who blocked the bot since is not worth failing the welcome for.
    let note = format!(
        "{} joined with your link ({count} so far).",
        user.full_name()
    );
    if let Err(e) = ctx.bot().send_message(inviter, note).call() {
        println!("could not tell user {inviter}: {e}");
    }
    println!("user {} came with the link of user {inviter}", user.id);
    Ok(())
}

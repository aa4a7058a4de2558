//! Inline mode on `telegram_api::ext`: answering `@your_bot some text` typed in any chat with
//! results to pick from.
//!
//! ```sh
//! cargo run --example inline_mode                                  # offline, in a fake Telegram
//! TELEGRAM_BOT_TOKEN=123456:ABC-DEF cargo run --example inline_mode # live: type @your_bot hello in any chat
//! ```
//!
//! Turn inline mode on for the bot first (@BotFather, `/setinline`). Typing `@your_bot text`
//! sends the bot an `inline_query`; it answers with three ways to send the text (shouted, in
//! bold, hidden as a spoiler), and the message the user picks is sent by the user, "via" the
//! bot. With no text yet, the answer has no results but a button above them that opens a
//! private chat with the bot and sends `/start inline-help`. Which result was picked arrives as
//! a `chosen_inline_result` once inline feedback is on (@BotFather, `/setinlinefeedback`).

use telegram_api::ext::{Application, BoxError, Context, Handler};
use telegram_api::testing::World;
use telegram_api::text::escape_html;
use telegram_api::{
    Bot, InlineQueryResultArticle, InlineQueryResultsButton, InputTextMessageContent, ParseMode,
};

fn main() -> Result<(), telegram_api::ext::RunError> {
    match Bot::from_env() {
        Ok(bot) => {
            println!("Using TELEGRAM_BOT_TOKEN: write to your bot in Telegram, Ctrl-C to stop.");
            inline_bot(bot).run_polling()
        }
        Err(_) => {
            println!("No TELEGRAM_BOT_TOKEN: a short conversation in a fake Telegram, offline.");
            print!("{}", offline());
            Ok(())
        }
    }
}

/// Offline: John types an inline query with no text, asks for help, then types some text, in a fake Telegram (`telegram_api::testing`); what happened, one line
/// each.
pub fn offline() -> String {
    let world = World::new();
    world.run(&inline_bot(world.bot()));
    let john = world.user("John Doe");
    john.inline_query("");
    john.send("/start inline-help");
    john.inline_query("rust & <friends>");
    world.transcript()
}

/// The bot.
pub fn inline_bot(bot: Bot) -> Application {
    Application::builder(bot)
        .handler(Handler::inline_query(answer))
        .handler(Handler::chosen_inline_result(chosen))
        .command("start", start)
        .build()
}

/// The results for what the user typed so far.
fn answer(ctx: &Context) -> Result<(), BoxError> {
    let typed = ctx
        .update()
        .and_then(|u| u.inline_query())
        .map_or("", |q| q.query.trim());
    if typed.is_empty() {
        let help = InlineQueryResultsButton::new("How to use me").start_parameter("inline-help");
        ctx.answer_inline_query(Vec::<InlineQueryResultArticle>::new())
            .button(help)
            .call()?;
        return Ok(());
    }
    let shout = typed.to_uppercase();
    let results = [
        InlineQueryResultArticle::new("shout", "Shout", InputTextMessageContent::new(&shout))
            .description(shout),
        InlineQueryResultArticle::new(
            "bold",
            "Bold",
            InputTextMessageContent::new(format!("<b>{}</b>", escape_html(typed)))
                .parse_mode(ParseMode::Html),
        )
        .description(typed),
        InlineQueryResultArticle::new(
            "spoiler",
            "Spoiler",
            InputTextMessageContent::new(format!(
                "<tg-spoiler>{}</tg-spoiler>",
                escape_html(typed)
            ))
            .parse_mode(ParseMode::Html),
        )
        .description("Hidden until tapped"),
    ];
    // The same text gives the same results to anyone: Telegram may keep them for a minute.
    ctx.answer_inline_query(results).cache_time(60).call()?;
    println!("answered {typed:?} with 3 results");
    Ok(())
}

/// The result the user picked (with inline feedback on).
fn chosen(ctx: &Context) -> Result<(), BoxError> {
    if let Some(chosen) = ctx.update().and_then(|u| u.chosen_inline_result()) {
        println!(
            "{} sent {:?} as {}",
            chosen.from.full_name(),
            chosen.query,
            chosen.result_id
        );
    }
    Ok(())
}

/// `/start`, also from the "How to use me" button (`/start inline-help`).
fn start(ctx: &Context) -> Result<(), BoxError> {
    // The bot's own user, asked once (`getMe`) and kept.
    let me = ctx.bot().me()?;
    let name = me.username.as_deref().unwrap_or("this_bot");
    ctx.reply(format!(
        "In any chat, type @{name} and some text, then pick how to send it."
    ))
    .call()?;
    Ok(())
}

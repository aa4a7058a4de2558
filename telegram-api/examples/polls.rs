//! Polls and quizzes on `telegram_api::ext`: sending them, hearing who voted for what, and
//! closing a poll with its results.
//!
//! ```sh
//! cargo run --example polls                                  # offline, in a fake Telegram
//! TELEGRAM_BOT_TOKEN=123456:ABC-DEF cargo run --example polls # live: send /poll to your bot
//! ```
//!
//! - `/poll` sends a poll that is not anonymous, so each vote reaches the bot as a
//!   `poll_answer` update: who voted and for which options (none when the vote is taken
//!   back). An answer names the poll, not the chat: the bot keeps, under the poll's id, where
//!   it sent the poll and what its options were.
//! - `/close` stops the chat's open poll (`stopPoll`), which answers with the final counts.
//! - `/quiz` sends a quiz: one right option, and an explanation Telegram shows after a wrong
//!   answer; the bot also tells the user how they did.

use serde::{Deserialize, Serialize};
use telegram_api::ext::store::DataError;
use telegram_api::ext::{Application, BoxError, Context, Handler};
use telegram_api::testing::World;
use telegram_api::{Bot, Message, PollType};

fn main() -> Result<(), telegram_api::ext::RunError> {
    match Bot::from_env() {
        Ok(bot) => {
            println!("Using TELEGRAM_BOT_TOKEN: write to your bot in Telegram, Ctrl-C to stop.");
            poll_bot(bot).run_polling()
        }
        Err(_) => {
            println!("No TELEGRAM_BOT_TOKEN: a short conversation in a fake Telegram, offline.");
            print!("{}", offline());
            Ok(())
        }
    }
}

/// Offline: John votes in a poll, changes his vote, closes it, and answers a quiz, in a fake Telegram (`telegram_api::testing`); what happened, one line
/// each.
pub fn offline() -> String {
    let world = World::new();
    world.run(&poll_bot(world.bot()));
    let john = world.user("John Doe");
    john.send("/poll");
    let poll = john.last_message();
    john.vote(&poll, &[0]);
    john.vote(&poll, &[1]);
    john.send("/close");
    john.send("/quiz");
    let quiz = john.last_message();
    john.vote(&quiz, &[2]);
    world.transcript()
}

/// What the bot remembers of a poll it sent, in the bot's data under `poll-<poll id>`.
#[derive(Serialize, Deserialize)]
struct SentPoll {
    chat_id: i64,
    message_id: i64,
    options: Vec<String>,
    /// The right option of a quiz.
    correct: Option<i64>,
}

const DRINKS: [&str; 4] = ["Coffee", "Tea", "Water", "Mate"];

/// The bot.
pub fn poll_bot(bot: Bot) -> Application {
    Application::builder(bot)
        .command("poll", poll)
        .command("quiz", quiz)
        .command("close", close)
        .handler(Handler::poll_answer(answer))
        .build()
}

/// `/poll`: a poll whose voters the bot sees.
fn poll(ctx: &Context) -> Result<(), BoxError> {
    let sent = ctx
        .reply_poll("Which drink keeps you coding?", DRINKS)
        .is_anonymous(false)
        .call()?;
    remember(ctx, &sent, None)?;
    // The one poll `/close` stops in this chat.
    ctx.set_chat_data("open poll", &sent.message_id)?;
    println!("sent a poll (message {})", sent.message_id);
    Ok(())
}

/// `/quiz`: a question with one right answer.
fn quiz(ctx: &Context) -> Result<(), BoxError> {
    let sent = ctx
        .reply_poll(
            "How many bytes of callback data can a button carry?",
            ["16", "64", "256", "4096"],
        )
        .r#type(PollType::Quiz)
        .is_anonymous(false)
        .correct_option_ids(vec![1])
        .explanation("Callback data is 1 to 64 bytes.")
        .call()?;
    remember(ctx, &sent, Some(1))?;
    println!("sent a quiz (message {})", sent.message_id);
    Ok(())
}

fn remember(ctx: &Context, sent: &Message, correct: Option<i64>) -> Result<(), DataError> {
    let Some(poll) = &sent.poll else {
        return Ok(());
    };
    let record = SentPoll {
        chat_id: sent.chat.id,
        message_id: sent.message_id,
        options: poll.options.iter().map(|o| o.text.clone()).collect(),
        correct,
    };
    ctx.set_bot_data(&format!("poll-{}", poll.id), &record)
}

/// A vote, a changed vote or a vote taken back, told in the poll's chat.
fn answer(ctx: &Context) -> Result<(), BoxError> {
    let Some(answer) = ctx.update().and_then(|u| u.poll_answer()) else {
        return Ok(());
    };
    // A poll this bot did not send, or sent before its data was lost: nothing to say.
    let Some(poll) = ctx.bot_data::<SentPoll>(&format!("poll-{}", answer.poll_id))? else {
        println!("an answer to poll {} the bot does not know", answer.poll_id);
        return Ok(());
    };
    let who = answer
        .user
        .as_ref()
        .map_or_else(|| "Someone".to_owned(), |u| u.full_name());
    let chosen: Vec<&str> = answer
        .option_ids
        .iter()
        .filter_map(|&i| poll.options.get(usize::try_from(i).ok()?))
        .map(String::as_str)
        .collect();
    let text = match (poll.correct, answer.option_ids.as_slice()) {
        (_, []) => format!("{who} took their vote back."),
        (Some(right), [picked]) if *picked == right => format!("{who} got it right!"),
        (Some(_), _) => format!("{who} answered {}: not quite.", chosen.join(", ")),
        (None, _) => format!("{who} voted for {}.", chosen.join(", ")),
    };
    ctx.bot().send_message(poll.chat_id, text).call()?;
    println!("{who} answered poll {}", answer.poll_id);
    Ok(())
}

/// `/close`: stops the chat's open poll; the stopped poll comes back with its final counts.
fn close(ctx: &Context) -> Result<(), BoxError> {
    let Some(message_id) = ctx.chat_data::<i64>("open poll")? else {
        ctx.reply("There is no open poll here: send /poll first.")
            .call()?;
        return Ok(());
    };
    let chat_id = ctx.effective_chat().map_or(0, |c| c.id);
    let poll = ctx.bot().stop_poll(chat_id, message_id).call()?;
    ctx.remove_chat_data("open poll")?;
    let counts: Vec<String> = poll
        .options
        .iter()
        .map(|o| format!("{} {}", o.text, o.voter_count))
        .collect();
    ctx.reply(format!(
        "The poll is closed. {} ({} voting).",
        counts.join(", "),
        poll.total_voter_count
    ))
    .call()?;
    println!("closed poll {}", poll.id);
    Ok(())
}

//! Nested conversations on `telegram_api::ext`: a trip planned in one conversation, each of
//! its stops asked in a conversation of its own inside it.
//!
//! ```sh
//! cargo run --example nested_conversation                                  # offline, in a fake Telegram
//! TELEGRAM_BOT_TOKEN=123456:ABC-DEF cargo run --example nested_conversation # live: send /plan to your bot
//! ```
//!
//! - `/plan` asks where the trip goes; the answer opens the list of stops;
//! - there, `/stop` starts the inner conversation: the stop's name, then its nights; once
//!   the nights are given, the inner conversation ends and hands over to the outer one, which
//!   goes back to the list (`map_to_parent`);
//! - `/done` sums the trip up and ends it; `/cancel`, at any depth, ends both.
//!
//! Each level keeps its own state in the store; when the outer one ends, the inner one ends
//! with it in the same commit.

use serde::{Deserialize, Serialize};
use telegram_api::Bot;
use telegram_api::ext::{Application, BoxError, Context, Conversation, Handler, Next, filters};
use telegram_api::testing::World;

fn main() -> Result<(), telegram_api::ext::RunError> {
    match Bot::from_env() {
        Ok(bot) => {
            println!("Using TELEGRAM_BOT_TOKEN: write to your bot in Telegram, Ctrl-C to stop.");
            trip_bot(bot).run_polling()
        }
        Err(_) => {
            println!("No TELEGRAM_BOT_TOKEN: a short conversation in a fake Telegram, offline.");
            print!("{}", offline());
            Ok(())
        }
    }
}

/// Offline: John plans a trip with two stops, in a fake Telegram (`telegram_api::testing`);
/// what happened, one line each.
pub fn offline() -> String {
    let world = World::new();
    world.run(&trip_bot(world.bot()));
    let john = world.user("John Doe");
    john.send("/plan");
    john.send("Norway");
    john.send("/stop");
    john.send("Bergen");
    john.send("two");
    john.send("2");
    john.send("/stop");
    john.send("Tromsø");
    john.send("3");
    john.send("/done");
    john.send("/plan");
    john.send("Iceland");
    john.send("/stop");
    john.send("/cancel");
    world.transcript()
}

/// Where the trip is.
#[derive(Serialize, Deserialize, PartialEq, Clone, Debug)]
enum Trip {
    /// Waiting for the destination.
    Destination,
    /// The list of stops: `/stop` adds one, `/done` ends.
    Stops,
}

/// Where the stop being added is.
#[derive(Serialize, Deserialize, PartialEq, Clone, Debug)]
enum Stop {
    /// Waiting for its name.
    Name,
    /// Waiting for its nights.
    Nights,
    /// Given: the step that hands the trip back its list.
    Added,
}

/// A stop of the trip, kept in the user's data.
#[derive(Serialize, Deserialize)]
struct Planned {
    name: String,
    nights: u32,
}

type Step<S> = Result<Next<S>, BoxError>;

/// A text that is not a command.
fn typed() -> filters::Filter {
    filters::text() & !filters::command()
}

fn text(ctx: &Context) -> String {
    let text = ctx.effective_message().and_then(|m| m.text.as_deref());
    text.unwrap_or_default().trim().to_owned()
}

/// The bot: the trip, with the stop conversation as a handler of its list.
pub fn trip_bot(bot: Bot) -> Application {
    let stop = Conversation::new("stop")
        .entry(Handler::command("stop", |ctx: &Context| -> Step<Stop> {
            ctx.reply("Name of the stop?").call()?;
            Ok(Next::To(Stop::Name))
        }))
        .state(Stop::Name, Handler::message(typed(), stop_name))
        .state(Stop::Nights, Handler::message(typed(), stop_nights))
        // Added ends the stop and takes the trip back to its list; nothing else is handed over.
        .map_to_parent(|step| match step {
            Next::To(Stop::Added) => Some(Next::To(Trip::Stops)),
            _ => None,
        });
    let trip = Conversation::new("trip")
        .entry(Handler::command("plan", |ctx: &Context| -> Step<Trip> {
            ctx.clear_user_data()?;
            ctx.reply("Where does the trip go?").call()?;
            Ok(Next::To(Trip::Destination))
        }))
        .state(Trip::Destination, Handler::message(typed(), destination))
        .state(Trip::Stops, stop)
        .state(Trip::Stops, Handler::command("done", done))
        .fallback(Handler::command("cancel", |ctx: &Context| -> Step<Trip> {
            ctx.reply("Trip cancelled.").call()?;
            Ok(Next::End)
        }));
    Application::builder(bot).handler(trip.into()).build()
}

fn destination(ctx: &Context) -> Step<Trip> {
    let to = text(ctx);
    ctx.set_user_data("destination", &to)?;
    ctx.reply(format!("{to} it is. Add a stop with /stop, or /done."))
        .call()?;
    Ok(Next::To(Trip::Stops))
}

fn stop_name(ctx: &Context) -> Step<Stop> {
    let name = text(ctx);
    ctx.set_user_data("stop", &name)?;
    ctx.reply(format!("How many nights in {name}?")).call()?;
    Ok(Next::To(Stop::Nights))
}

fn stop_nights(ctx: &Context) -> Step<Stop> {
    let Ok(nights) = text(ctx).parse::<u32>() else {
        ctx.reply("Please send the nights as a number.").call()?;
        return Ok(Next::Stay);
    };
    let name: String = ctx.user_data("stop")?.unwrap_or_default();
    let mut stops: Vec<Planned> = ctx.user_data("stops")?.unwrap_or_default();
    stops.push(Planned { name, nights });
    ctx.set_user_data("stops", &stops)?;
    ctx.reply("Stop added. Another /stop, or /done.").call()?;
    Ok(Next::To(Stop::Added))
}

fn done(ctx: &Context) -> Step<Trip> {
    let to: String = ctx.user_data("destination")?.unwrap_or_default();
    let stops: Vec<Planned> = ctx.user_data("stops")?.unwrap_or_default();
    let nights: u32 = stops.iter().map(|s| s.nights).sum();
    let list: Vec<String> = stops
        .iter()
        .map(|s| format!("{} ({})", s.name, s.nights))
        .collect();
    ctx.reply(format!(
        "{to}: {}, {nights} nights in all. Have a good trip!",
        list.join(", ")
    ))
    .call()?;
    Ok(Next::End)
}

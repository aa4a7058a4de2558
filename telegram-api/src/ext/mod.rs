//! The application layer: route updates to handlers, run them on an ordered worker pool,
//! and receive updates by long polling or webhook without losing any.
//!
//! - [`Application`] holds the [`Handler`]s, in groups, and the error handler; it runs with
//!   [`Application::run_polling`], [`Application::run_webhook`], or takes updates from you with
//!   [`Application::process_update`] and [`Application::start_pool`].
//! - Each handler gets a [`Context`]: the bot, the update, command arguments, regex captures,
//!   and shortcuts that need no ids: replies of every kind ([`Context::reply`],
//!   [`Context::reply_photo`], ... [`Context::reply_invoice`]), which answer the update's
//!   message as a reply to it in groups ([`Quote`](crate::Quote)); a chat action kept up during
//!   slow work ([`Context::with_chat_action`]); and what can be done to the update's message
//!   or the pressed button's ([`Context::delete_message`], [`Context::forward_to`],
//!   [`Context::copy_to`], [`Context::pin`], [`Context::react`], [`Context::edit_text`],
//!   [`Context::edit_caption`], ...).
//! - [`Filter`]s ([`filters`]) say which messages a handler is for, combined with `&`, `|` and
//!   `!`: `filters::text() & !filters::command()`.
//! - [`CallbackData`] ([`callback_data`]) types travel in inline keyboard buttons, packed in the
//!   button or kept in the store, and come back typed to [`Handler::callback`].
//! - [`Handler::album`] gets an album (a media group: the photos or files a user sent at once,
//!   one message each) once, whole, as an [`Album`], after its last part arrived.
//! - [`Menu`] ([`menu`]) is an inline menu whose buttons carry their code: labels computed per
//!   drawing (a "✅ Notifications on" toggle), submenus and a back button, lists with pages,
//!   redrawn in place after each press, every press answered once.
//! - [`Flow`] ([`flow`]) is a conversation written as one function that asks and waits
//!   (`let name = flow.ask("What is your name?", filters::text())?;`), kept in the store as
//!   the answers it got and replayed from them, so that nothing is asked or sent twice; a
//!   [`Conversation`] is the same as a state machine.
//! - [`Command`] ([`command`]) is the `/command@bot arguments` at the start of a message, with
//!   shell-like arguments and the `/start` deep-link payload.
//! - Updates of one chat are handled one at a time in order, chats in parallel ([`Pool`]); an
//!   update is confirmed to Telegram only once it is safe: written to the store's inbox (file
//!   store, Redis store), or handled (memory store).
//! - The chat, user and message an update is about, whatever its kind, are
//!   [`Update::effective_chat`](crate::Update::effective_chat),
//!   [`Update::effective_user`](crate::Update::effective_user) and
//!   [`Update::effective_message`](crate::Update::effective_message) (in the core crate, also
//!   without this feature).
//!
//! # Your first bot
//!
//! ## A token
//!
//! Talk to [@BotFather](https://t.me/BotFather) in Telegram, send `/newbot`, pick a name and a
//! username ending in `bot`: BotFather answers with the bot's token, such as
//! `123456789:AAE...`. Keep it secret; whoever has it controls the bot. The examples read it
//! from the `TELEGRAM_BOT_TOKEN` environment variable ([`Bot::from_env`](crate::Bot::from_env)).
//!
//! ## Saying hello
//!
//! A bot is an [`Application`]: handlers registered on a builder, then a runner.
//! [`run_polling`](Application::run_polling) asks Telegram for updates (long polling) and hands
//! each one to the handlers until Ctrl-C:
//!
//! ```no_run
//! use telegram_api::Bot;
//! use telegram_api::ext::{Application, Context};
//!
//! fn start(ctx: &Context) -> Result<(), telegram_api::Error> {
//!     ctx.reply("Hi! I'm a bot, please talk to me.").call()?;
//!     Ok(())
//! }
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let bot = Bot::from_env()?;
//!     Application::builder(bot).command("start", start).build().run_polling()?;
//!     Ok(())
//! }
//! ```
//!
//! Send `/start` to the bot: it answers. [`Context::reply`] writes to the chat the update came
//! from (in the same forum topic); it returns the request, so any option of `sendMessage` can be
//! set before [`call`](crate::Call::call). A handler is any `Fn(&Context) -> Result<(), E>`,
//! a function or a closure, whose error converts into a boxed error.
//!
//! ## Echo
//!
//! A message handler takes the messages its [`Filter`] passes. This one repeats every text that
//! is not a command:
//!
//! ```
//! use telegram_api::ext::{Application, Context, filters};
//!
//! fn echo(ctx: &Context) -> Result<(), telegram_api::Error> {
//!     if let Some(text) = ctx.effective_message().and_then(|m| m.text.as_deref()) {
//!         ctx.reply(text).call()?;
//!     }
//!     Ok(())
//! }
//!
//! # fn build(bot: telegram_api::Bot) -> Application {
//! Application::builder(bot)
//!     .message(filters::text() & !filters::command(), echo)
//!     .build()
//! # }
//! ```
//!
//! Filters are values: cheap to clone, shareable between threads, and their `Debug` output says
//! how they were built (`text & !command`). There are filters for every media kind
//! ([`filters::photo`], [`filters::document_mime_type`], ...), chat types
//! ([`filters::private`], [`filters::groups`]), users and chats ([`filters::from_users`],
//! [`filters::in_chats`]), regular expressions ([`filters::regex()`]), forwards, replies,
//! entities, member changes ([`filters::member::joined`], ...), sticker and dice kinds, mentions
//! of the bot ([`filters::mentions`]) and more; [`Filter::new`] makes one from any closure.
//!
//! ## Commands with arguments
//!
//! [`Context::args`] holds a command's arguments, split like a shell splits them
//! (`/caps "hello world"` has one argument):
//!
//! ```
//! use telegram_api::ext::{Application, Context};
//!
//! fn caps(ctx: &Context) -> Result<(), telegram_api::Error> {
//!     let shout = ctx.args().join(" ").to_uppercase();
//!     ctx.reply(if shout.is_empty() { "Say something: /caps hello".into() } else { shout })
//!         .call()?;
//!     Ok(())
//! }
//!
//! # fn build(bot: telegram_api::Bot) -> Application {
//! Application::builder(bot).command("caps", caps).build()
//! # }
//! ```
//!
//! Command names match ignoring case (`/Caps` is `/caps`), and in groups `/caps@YourBot` is
//! taken while `/caps@OtherBot` is left to the other bot. The `/start` of a deep link
//! (`https://t.me/YourBot?start=ref-42`) carries its payload:
//! `ctx.command().and_then(|c| c.start_payload())` is `Some("ref-42")`. Arguments come typed
//! with [`Context::arg`] (`let minutes: u32 = ctx.arg(0)?;`, whose error tells the user what
//! was wrong), and a name with another prefix than `/` makes a command Telegram does not mark:
//! `Handler::command("!ban", ban)`.
//!
//! Every optional field of a message has its filter in [`filters::message`], generated from the
//! Bot API's description: the service messages (`message::pinned_message()`,
//! `message::forum_topic_created()`, `message::video_chat_started()`, ...) included.
//!
//! Coming from python-telegram-bot? [`from_python_telegram_bot`] maps its concepts to these.
//!
//! ## Unknown commands, and order
//!
//! Handlers of a group are tried in the order they were added, and the first that takes an
//! update runs. So a catch-all comes last:
//!
//! ```
//! use telegram_api::ext::{Application, Context, filters};
//! # fn start(_: &Context) -> Result<(), telegram_api::Error> { Ok(()) }
//! # fn caps(_: &Context) -> Result<(), telegram_api::Error> { Ok(()) }
//!
//! fn unknown(ctx: &Context) -> Result<(), telegram_api::Error> {
//!     ctx.reply("Sorry, I didn't understand that command.").call()?;
//!     Ok(())
//! }
//!
//! # fn build(bot: telegram_api::Bot) -> Application {
//! Application::builder(bot)
//!     .command("start", start)
//!     .command("caps", caps)
//!     .message(filters::command(), unknown)
//!     .build()
//! # }
//! ```
//!
//! Groups ([`ApplicationBuilder::handler_in`]) run one after the other, each with its own
//! first match: a logging handler in group `-1` sees every update before the others.
//!
//! ## Buttons
//!
//! An inline keyboard's button sends a callback query with its `callback_data`;
//! [`Handler::callback_data`] takes those whose data matches a regular expression, with the
//! captures in [`Context::captures`]. [`Context::answer_callback`] stops the button's spinner,
//! [`Context::edit_text`] changes the message the button was on. The crate's `examples/` has
//! `inline_keyboard.rs` and `commands.rs` (a reply keyboard).
//!
//! Buttons can also carry typed values ([`callback_data`]): a serde type that implements
//! [`CallbackData`] (a short prefix naming it) is packed into the button's 64 bytes by
//! [`CallbackData::button`], or kept in the store behind a short id, with an expiry, by
//! [`Context::stored_button`]; [`Handler::callback`] takes the presses of that type and hands
//! its code the value:
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use telegram_api::ext::{Application, CallbackData, Context, Handler};
//!
//! #[derive(Serialize, Deserialize)]
//! struct Like { post: u64 }
//! impl CallbackData for Like {
//!     const PREFIX: &'static str = "like";
//! }
//!
//! fn liked(ctx: &Context, like: Like) -> Result<(), telegram_api::Error> {
//!     ctx.answer_callback().text(format!("you like post {}", like.post)).call()?;
//!     Ok(())
//! }
//!
//! # fn build(bot: telegram_api::Bot) -> Application {
//! Application::builder(bot).handler(Handler::callback(liked)).build()
//! # }
//! // The button: Like { post: 42 }.button("👍")?, whose data is "like:42".
//! ```
//!
//! ## When things fail
//!
//! A handler that returns an error or panics does not stop the bot: the error handler gets it
//! with the update's context (by default it logs it with `log::error!`), and the next updates are
//! handled as usual.
//!
//! The store is different: an update whose state cannot be read or committed is not handled
//! as far as it goes. Each store error while an update is handled, a handler's read included
//! (whatever the handler does with it), is reported as [`HandlerError::Store`], the attempt's
//! changes are dropped, and the update is handled again from the start after a backoff; it is
//! confirmed to Telegram only once its changes are committed (see [`store`]).
//!
//! ```
//! use telegram_api::ext::{Application, HandlerError};
//!
//! # fn build(bot: telegram_api::Bot) -> Application {
//! Application::builder(bot)
//!     .error_handler(|ctx, error: &HandlerError| match ctx.update() {
//!         Some(update) => eprintln!("update {} failed: {error}", update.update_id),
//!         // A job's run, or the application's own work (receiving updates, ...).
//!         None => eprintln!("{error}"),
//!     })
//!     .build()
//! # }
//! ```
//!
//! ## Many chats at once, nothing lost
//!
//! Handlers run on a pool of worker threads ([`ApplicationBuilder::workers`]): a slow handler
//! in one chat never delays another chat, while the updates of one chat are handled one at a
//! time, in order. A handler can block: call the [`Bot`](crate::Bot) directly, sleep, read a
//! file. A crash loses nothing, and what each store guarantees is this:
//!
//! | Store | Guarantee | Telegram is told an update arrived | After a crash |
//! |---|---|---|---|
//! | [`MemoryStore`](store::MemoryStore), and stores without an inbox | confirm after handling | once it and every earlier one were handled and committed | Telegram delivers again what was not confirmed |
//! | [`FileStore`](store::FileStore) | durable inbox, one process | once it is written to the store's inbox (polling: the next `getUpdates` offset; webhook: the `200` answer), several updates per `fsync` | the updates in the inbox are handled first, in order; none is fetched again |
//! | `RedisStore` (feature `redis`) | durable shared inbox, several processes | once it is written to the inbox in the Redis server (one script per batch), which every process of the bot shares | any process handles what is in the inbox: those a dead process left once its leases expired ([`lease_ttl`](ApplicationBuilder::lease_ttl)), each chat's in order; how durable the inbox is is the server's persistence setting (`appendfsync always`: nothing acknowledged is lost; `everysec`: a crash of the server can lose the last second) |
//!
//! With every store, an update's changes to the state are committed with the record that it
//! was handled, in one transaction, so none is applied twice; what a handler did outside the
//! store (a message sent) before a crash is done again when its update is handled again.
//!
//! ## A webhook instead of polling
//!
//! [`Application::run_webhook`] serves the same handlers on an HTTP server of its own and
//! registers it with Telegram (`setWebhook`, with a secret token checked on every request).
//! Telegram posts only to HTTPS: put a reverse proxy with the certificate in front, or serve
//! TLS yourself with the `webhook-tls` feature (`Webhook::tls`). Slow or stalled clients
//! are cut off at timeouts without holding up anyone else; the same port can answer health
//! checks ([`Webhook::health`]) and requests of your own ([`Webhook::route`]).
//!
//! ```no_run
//! use telegram_api::ext::{Application, Webhook};
//! # fn run(app: Application) -> Result<(), telegram_api::ext::RunError> {
//! app.run_webhook(Webhook::new("127.0.0.1:8080").url("https://bot.example.com/"))?;
//! # Ok(())
//! # }
//! ```
//!
//! Only the update types the registered handlers take are asked for
//! ([`Application::allowed_updates`]): a bot with a chat-member handler gets `chat_member`
//! updates, which Telegram sends only when asked.
//!
//! ## Schedules and state
//!
//! [`schedule`] says when jobs run (once, at an interval, daily on chosen weekdays, monthly)
//! in a time zone, daylight saving changes included, as pure rules over any clock. [`store`]
//! keeps state with the record of which updates changed it, in memory or in one file, so that
//! an update Telegram delivers again is never applied twice. A handler lists, removes and clears
//! a user's, a chat's or the bot's values ([`Context::user_data_names`],
//! [`Context::clear_chat_data`], ...), and a job scheduled under an id of its own
//! ([`Context::schedule_job_as`]) is one instance, found, moved or cancelled by that id.

mod album;
mod application;
pub mod callback_data;
pub mod command;
pub mod filters;
pub mod flow;
pub mod from_python_telegram_bot;
pub mod jobs;
pub mod menu;
pub mod schedule;
pub mod store;

// The stages an update goes through: a source receives it (polling, webhook), the pool
// dispatches it in order, the handling stage runs the handlers on it; the application
// (application.rs) puts them together and commits to the store.
mod dispatch;
mod handle;
mod source;

use dispatch::pool;
use handle::{context, conversation, handler, shortcuts};

pub use crate::clock::{Clock, ManualClock};
pub use album::Album;
pub use application::{Application, ApplicationBuilder, HandlerError};
pub use callback_data::{CallbackData, CallbackDataError};
pub use command::{ArgError, Command};
pub use context::{Captures, Context, Serving};
pub use conversation::{Conversation, Next, Per};
pub use filters::Filter;
pub use flow::{Flow, FlowCtx, FlowError};
pub use handler::Handler;
/// The date and time crate of [`Clock`], [`schedule`] and [`jobs`], re-exported so that its
/// version always matches.
pub use jiff;
pub use jobs::{Job, JobError};
pub use menu::Menu;
pub use pool::{OrderBy, Pool};
pub use regex::Regex;
pub use source::polling::RunError;
pub use source::webhook::{Webhook, WebhookRequest, WebhookResponse};

/// The error type handlers return, once converted.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

//! The application layer: route updates to handlers, run them on an ordered worker pool,
//! and receive updates by long polling or webhook without losing any.
//!
//! ```no_run
//! use telegram_api::Bot;
//! use telegram_api::ext::{Application, Context};
//!
//! fn start(ctx: &Context) -> Result<(), telegram_api::Error> {
//!     ctx.reply("Hello!").call()?;
//!     Ok(())
//! }
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     Application::builder(Bot::from_env()?)
//!         .command("start", start)
//!         .build()
//!         .run_polling()?;
//!     Ok(())
//! }
//! ```
//!
//! - [`Application`] holds the [`Handler`]s, in groups, and the error handler; it runs with
//!   [`Application::run_polling`], [`Application::run_webhook`], or takes updates from you with
//!   [`Application::process_update`] and [`Application::start_pool`].
//! - Each handler gets a [`Context`]: the bot, the update, command arguments, regex captures,
//!   and replies that need no ids.
//! - Updates of one chat are handled one at a time in order, chats in parallel ([`Pool`]); an
//!   update is confirmed to Telegram only once it and every earlier one were handled.
//! - [`Filter`] ([`filters`]): which updates a handler is for, combined with `&`, `|` and `!`:
//!   `filters::text() & !filters::command()`.
//! - [`Command`] ([`command`]): the `/command@bot arguments` at the start of a message, with
//!   shell-like arguments and the `/start` deep-link payload.
//! - The chat, user and message an update is about, whatever its kind:
//!   [`Update::effective_chat`](crate::Update::effective_chat),
//!   [`Update::effective_user`](crate::Update::effective_user) and
//!   [`Update::effective_message`](crate::Update::effective_message) (in the core crate, also
//!   without this feature).
//!
//! ```
//! use telegram_api::ext::{filters, Command};
//! let update: telegram_api::Update = serde_json::from_str(
//!     r#"{"update_id": 1, "message": {"message_id": 7, "date": 1700000000,
//!         "chat": {"id": 42, "type": "private", "first_name": "Ada"},
//!         "text": "/start ref42", "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}"#,
//! )?;
//! assert!((filters::command() & filters::private()).matches(&update));
//! assert!(!(filters::text() & !filters::command()).matches(&update));
//! let command = Command::parse(update.effective_message().unwrap()).unwrap();
//! assert_eq!(command.start_payload(), Some("ref42"));
//! # Ok::<(), serde_json::Error>(())
//! ```
//!
//! - [`schedule`]: when jobs run (once, at an interval, daily on weekdays, monthly) in a time
//!   zone, as pure rules; [`store`]: state and the record of applied updates, in memory or in
//!   one file.

mod application;
pub mod command;
mod context;
pub mod filters;
mod handler;
mod pool;
mod runner;
pub mod schedule;
mod server;
pub mod store;

pub use application::{Application, ApplicationBuilder, DEFAULT_STACK_SIZE, HandlerError};
pub use command::Command;
pub use context::{Captures, Context};
pub use filters::Filter;
pub use handler::Handler;
pub use pool::Pool;
pub use regex::Regex;
pub use runner::RunError;
pub use server::Webhook;

/// The error type handlers return, once converted.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

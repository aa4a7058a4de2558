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

mod application;
mod context;
mod handler;
mod pool;
mod runner;
mod server;
mod standin;

pub use application::{Application, ApplicationBuilder, DEFAULT_STACK_SIZE, HandlerError};
pub use context::{Captures, Context};
pub use handler::Handler;
pub use pool::Pool;
pub use regex::Regex;
pub use runner::RunError;
pub use server::Webhook;
pub use standin::{Command, Filter};

/// The error type handlers return, once converted.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Filters (stand-in).
pub mod filters {
    pub use super::Filter;
}

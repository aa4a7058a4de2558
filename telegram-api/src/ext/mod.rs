//! The application layer: building a chat bot from handlers, filters and commands, on top of
//! the pure API.
//!
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

pub mod command;
pub mod filters;

pub use command::Command;
pub use filters::Filter;

//! Telegram Bot API bindings, generated from the API's description.
//!
//! Every Bot API type is here under its official name ([`Message`], [`User`], [`Update`], ...),
//! in [`types`] and at the crate root. Values print as the JSON Telegram sends:
//!
//! ```
//! let me: telegram_api::User =
//!     serde_json::from_str(r#"{"id": 1234567890, "is_bot": true, "first_name": "Hello Bot"}"#)?;
//! assert_eq!(me.to_string(), r#"{"id":1234567890,"is_bot":true,"first_name":"Hello Bot"}"#);
//! # Ok::<(), serde_json::Error>(())
//! ```
//!
//! Decoding is lossless and forward compatible: fields, union members and enumeration values
//! added by a newer Bot API are kept (see [`Extra`]) rather than rejected or dropped.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[macro_use]
mod macros;

mod chat_id;
mod client;
#[doc(hidden)]
pub mod de;
mod encode;
mod error;
mod extra;
#[rustfmt::skip]
mod generated;
mod input_file;
mod method;
mod polling;
mod reply_markup;
mod resolver;
mod retry;
#[cfg(feature = "schemars")]
mod schema;
#[cfg(test)]
mod spec_tests;
pub mod webhook;

pub use chat_id::ChatId;
pub use client::{Bot, DEFAULT_API_URL, DEFAULT_TIMEOUT, LONG_POLL_MARGIN};
pub use error::{ApiError, ApiErrorKind, Error};
pub use extra::{Extra, UnknownKind};
pub use generated::BOT_API_VERSION;
pub use generated::methods;
pub use input_file::InputFile;
pub(crate) use macros::display_as_json;
pub use method::{Call, Method};
pub use polling::{Poller, StopHandle};
pub use reply_markup::{MessageOrTrue, ReplyMarkup};
pub use retry::Retry;
pub use types::*;

/// Every Bot API type, under its official name, and the string enumerations of its fields.
pub mod types {
    pub use crate::generated::enums::*;
    pub use crate::generated::types::*;
    pub use crate::{ChatId, Extra, InputFile, MessageOrTrue, ReplyMarkup, UnknownKind};
}

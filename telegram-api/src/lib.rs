//! Telegram Bot API bindings for Rust: every method and every type of Bot API 10.3, generated
//! from the API's description, on a blocking HTTP client (ureq). No async runtime needed.
//!
//! # Quick start
//!
//! ```no_run
//! use telegram_api::Bot;
//!
//! fn main() -> Result<(), telegram_api::Error> {
//!     let bot = Bot::new("123456789:AAE..."); // or Bot::from_env() for TELEGRAM_BOT_TOKEN
//!     let me = bot.get_me().call()?;
//!     println!("{me}"); // {"id":123456789,"is_bot":true,"first_name":"Hello Bot",...}
//!
//!     for update in bot.updates() {
//!         let update = update?;
//!         if let Some(message) = update.message() {
//!             let name = message.from.as_ref().map_or("there", |u| u.first_name.as_str());
//!             bot.send_message(message.chat.id, format!("Hi {name}!")).call()?;
//!         }
//!     }
//!     Ok(())
//! }
//! ```
//!
//! # Methods
//!
//! Every Bot API method is a method of [`Bot`], in snake_case ([`Bot::send_message`]) and under
//! its exact official name (`bot.sendMessage(...)`). The official names are aliases: they are
//! left out of the documentation of `Bot`, so that its page lists each method once, and
//! rustdoc's search finds a method under either name. Required parameters are arguments, in the
//! order the documentation lists them; chat ids, strings, files and reply markups take anything
//! that converts (`1234567890`, `"@channel"`, `String`, [`InputFile::path`], an
//! [`InlineKeyboardMarkup`], ...). Optional parameters are set on the returned [`Call`], and
//! [`Call::call`] sends it:
//!
//! ```no_run
//! # fn demo(bot: &telegram_api::Bot) -> Result<(), telegram_api::Error> {
//! use telegram_api::{InlineKeyboardButton as Button, InlineKeyboardMarkup, ParseMode};
//! let keyboard = InlineKeyboardMarkup::from_rows([[
//!     Button::callback("Yes", "yes"),
//!     Button::callback("No", "no"),
//! ]]);
//! let sent = bot
//!     .sendMessage("@channel", "<b>Deploy?</b>")
//!     .parse_mode(ParseMode::Html)
//!     .reply_markup(keyboard)
//!     .call()?;
//! # Ok(())
//! # }
//! ```
//!
//! Each method also has a request type in [`methods`] (`methods::SendMessage`) that can be
//! built on its own and sent with [`Bot::execute`].
//!
//! # Types
//!
//! Every Bot API type has its official name ([`Message`], [`User`], [`Update`], ...), in
//! [`types`] and at the crate root. Objects are structs with the documented snake_case fields
//! (`type` is `r#type`); unions are enums ([`ChatMember::Owner`], [`MessageOrigin::User`]);
//! fields that take documented values are enums ([`ChatType`], [`ParseMode`],
//! [`MessageEntityType`], ...). An [`Update`] says what it carries through its
//! [`kind`](Update::kind) or accessors such as [`Update::message`]. Values print as the JSON
//! Telegram sends:
//!
//! ```
//! let me: telegram_api::User =
//!     serde_json::from_str(r#"{"id": 1234567890, "is_bot": true, "first_name": "Hello Bot"}"#)?;
//! assert_eq!(me.to_string(), r#"{"id":1234567890,"is_bot":true,"first_name":"Hello Bot"}"#);
//! # Ok::<(), serde_json::Error>(())
//! ```
//!
//! Each Bot API release adds fields, union members and enumeration values, so objects,
//! request types, unions and enumerations are `#[non_exhaustive]`: code written against this
//! version keeps compiling against the next. Build what you send with `new`, which takes the
//! required fields in documentation order, and the setters of the optional ones
//! ([`BotCommand::new`], [`InputMediaVideo::new`]`(..).caption(..)`); a union converts from
//! each of its members (`InputMediaPhoto::new(..).into()`). Read what Telegram sends through
//! its public fields; patterns end with `..`, and matches on unions and enumerations have a
//! `_` arm. Types only Telegram sends ([`Message`], [`Update`], ...) have no constructor: to
//! make one in a test, decode its JSON with [`json::from_str`].
//!
//! Decoding is lossless and forward compatible: fields, union members, update kinds and
//! enumeration values added by a newer Bot API are kept ([`Extra`], the `Unknown` variants) and
//! written back on encoding, never rejected or dropped.
//!
//! The types implement serde's traits, so any serde_json function decodes them;
//! [`json::from_slice`] and [`json::from_str`] give the same results faster, and are what the
//! client and [`webhook`] use.
//!
//! Decoding uses the stack once per level of nested objects, and accepts 64 levels (a deeper
//! payload is an error, not a stack overflow; Telegram's payloads nest a few levels, a chain of
//! replies or pinned messages a few more). The deepest payload accepted needs about 130 KiB of
//! stack in a release build and about 710 KiB in an unoptimized one, so a thread that decodes
//! updates or responses needs a stack of at least 256 KiB in release and 1 MiB in debug builds.
//! Rust's defaults (8 MiB for the main thread, 2 MiB for spawned ones) are enough; `ext`'s
//! threads have 8 MiB unless set otherwise.
//!
//! # Errors
//!
//! One [`Error`] type. Telegram's refusals keep their code, description and parameters
//! ([`Error::retry_after`], [`Error::migrate_to_chat_id`]) and are classified
//! ([`Error::is_forbidden`], [`Error::is_too_many_requests`], ...); transport failures, timeouts,
//! non-JSON bodies (a proxy's HTML error page) and decode errors (with the JSON path) have their
//! own variants. No error, and no `Debug` output, contains the bot token. Every error of the
//! crate names each cause once: a message includes the text of the error it wraps, which the
//! variant keeps typed (an [`std::io::Error`], a [`ureq::Timeout`], ...), and `source()` goes on
//! with the first cause that text does not already tell, so a report that walks the chain
//! (`anyhow`'s `{:#}`) repeats nothing.
//!
//! # Files
//!
//! [`InputFile`] is a file to send: a `file_id` or URL, or an upload from a path, bytes or a
//! reader. Requests with uploads go as `multipart/form-data`, streamed from their source; files
//! inside media groups and other objects are attached as `attach://` parts automatically.
//! [`Bot::download_file`] fetches what [`Bot::get_file`] describes.
//!
//! ```no_run
//! # fn demo(bot: &telegram_api::Bot) -> Result<(), telegram_api::Error> {
//! use telegram_api::{InputFile, InputMediaPhoto};
//! bot.send_photo(1234567890, InputFile::path("cat.jpg")).caption("A cat").call()?;
//! bot.send_media_group(
//!     1234567890,
//!     vec![
//!         InputMediaPhoto::new(InputFile::path("a.jpg")).into(),
//!         InputMediaPhoto::new(InputFile::path("b.jpg")).into(),
//!     ],
//! )
//! .call()?;
//! # Ok(())
//! # }
//! ```
//!
//! # Receiving updates
//!
//! [`Bot::updates`] long-polls, at least once: an update is confirmed only after it was handed
//! to you, so none is lost, and one handed out but not confirmed before the poller is dropped is
//! delivered again; [`Poller::confirm`] gives exactly-once hand-off. Network errors, proxy error
//! pages and flood control are retried without losing or reordering updates. For webhooks, [`webhook::receive`] checks the secret token and decodes the body,
//! with whatever HTTP server you use.
//!
//! # Keyboards
//!
//! [`InlineKeyboardMarkup`] and [`ReplyKeyboardMarkup`] are built from rows
//! ([`from_rows`](InlineKeyboardMarkup::from_rows), [`row`](InlineKeyboardMarkup::row)), as a
//! grid ([`grid`](InlineKeyboardMarkup::grid)) or in rows of given sizes
//! ([`adjusted`](InlineKeyboardMarkup::adjusted)); [`InlineKeyboardButton::callback`] and
//! [`InlineKeyboardButton::link`] make the usual buttons.
//!
//! # Formatting text
//!
//! [`text`] escapes user input for the `MarkdownV2` and HTML parse modes, mentions users, makes
//! deep links (`https://t.me/<bot>?start=<payload>`) and splits a long text with its entities
//! at Telegram's limit, counted in UTF-16 code units as Telegram counts.
//!
//! # Configuration
//!
//! [`Bot::with_api_url`] points at a local Bot API server (`http://127.0.0.1:8081`);
//! [`Bot::with_test_environment`], [`Bot::with_timeout`], [`Bot::with_retry`] (off by default)
//! and [`Bot::with_agent`] (a proxy, custom TLS) adjust the rest. [`Bot::with_defaults`] sets a
//! parse mode, silent messages, protected content or link preview options once for every method
//! that takes them ([`Defaults`]). A `Bot` is cheap to clone and shareable across threads.
//!
//! # Features
//!
//! - `ext` (on by default): the application layer in `telegram_api::ext`: handlers, filters,
//!   commands, an ordered worker pool, polling and webhook runners, job schedules and state
//!   stores (adds `regex`, `hyper` on `tokio`, `signal-hook`, `jiff` and `redb`). With
//!   `default-features = false` the crate is the pure bindings.
//! - `schemars`: a JSON Schema for every Bot API type (`schemars::JsonSchema`).
//! - `redis`: `ext::store::RedisStore`, state in a Redis server that several processes of a
//!   bot share (adds `redis`, blocking, without TLS).
//! - `webhook-tls`: `ext::Webhook::tls`, `run_webhook` serving HTTPS itself with a
//!   certificate chain and key from PEM files (adds `tokio-rustls` and `rustls-pki-types`, on
//!   the rustls and ring that ureq brings already).
//! - `web-app`: `telegram_api::web_app`, validation of a Mini App's init data (with the bot's
//!   token, or Telegram's Ed25519 signature) and of the Login Widget's data (adds `hmac`,
//!   `sha2`, `ed25519-dalek`, `base64` and `form_urlencoded`).
//! - `passport`: `telegram_api::passport`, decryption of Telegram Passport data with the bot's
//!   private key, checked against the nonce the bot chose (adds `aws-lc-rs` for constant-time
//!   RSA-OAEP, and `aes`, `cbc`, `sha2` and `base64`).
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// Each fallible public function says when it fails (`# Errors`), and a method that returns
// a changed copy of its receiver (a builder's setter) is `#[must_use]`: dropping its result
// drops the change. CI denies the warnings.
#![warn(clippy::missing_errors_doc)]
#![warn(clippy::return_self_not_must_use)]

// The layers, each using only those above it (ARCHITECTURE.md draws them):
// codec (decoding and display primitives) -> model (the Bot API's types and requests) ->
// transport (the client: encoding requests, calls, retries, flood control, errors) ->
// receive (long polling, webhooks) -> ext (the application layer, on the public API only).
// The application's clock: ext's, and the test kit's world clock (also without ext).
#[cfg(any(feature = "ext", feature = "testing"))]
#[cfg_attr(not(feature = "ext"), allow(dead_code))]
mod clock;
mod codec;
mod model;
mod receive;
mod transport;

#[cfg(doctest)]
mod api_shape;
#[cfg(feature = "ext")]
pub mod ext;
// What Telegram signs or encrypts (Mini Apps, the Login Widget, Passport), on the public API
// only, like ext.
#[cfg(feature = "passport")]
pub mod passport;
#[cfg(feature = "testing")]
pub mod testing;
#[cfg(feature = "web-app")]
pub mod web_app;
#[rustfmt::skip]
mod generated;
#[cfg(test)]
mod spec_tests;

pub use codec::json;
pub use codec::{Extra, UnknownKind};
pub use generated::BOT_API_VERSION;
pub use generated::methods;
pub use model::text;
pub use model::{ChatId, InputFile, MessageOrTrue, Method, ReplyMarkup};
pub use receive::webhook;
pub use receive::{Poller, StopHandle, UpdateBatch};
pub use transport::{ApiError, ApiErrorKind, Error};
pub use transport::{Bot, Call, Defaults, FloodControl, Limit, Quote, Retry};
pub use types::*;
/// The HTTP client this crate sends with, re-exported so that [`Bot::with_agent`] is given an
/// `ureq::Agent` of the version it was built with (`telegram_api::ureq::Agent::new_with_config`).
pub use ureq;

/// Every Bot API type, under its official name, and the string enumerations of its fields.
pub mod types {
    pub use crate::generated::enums::*;
    pub use crate::generated::types::*;
    pub use crate::{ChatId, Extra, InputFile, MessageOrTrue, ReplyMarkup, UnknownKind};
}

//! Telegram Bot API bindings, generated from the API's description.
#![forbid(unsafe_code)]

//! Typed callback data: values that inline keyboard buttons carry back to the bot, either
//! packed into the button itself or kept in the store behind a short id.
//!
//! A type becomes callback data by implementing [`CallbackData`], which names a short prefix
//! for it. Then:
//!
//! - [`CallbackData::button`] packs the value into a button's `callback_data` (at most 64
//!   bytes, Telegram's limit), as `prefix:field:field...` ([the format](#the-packed-format));
//! - [`Context::stored_button`] keeps a value of any size in the application's store instead,
//!   for a while ([`DEFAULT_EXPIRY`], or [`Context::store_callback_data_for`]), and the button
//!   carries `prefix#id`;
//! - [`Handler::callback`] takes the presses of both kinds of button of that type, and gives the
//!   value, decoded, to its code; [`Context::callback_data_as`] decodes it in any handler.
//!
//! ```no_run
//! use serde::{Deserialize, Serialize};
//! use telegram_api::InlineKeyboardMarkup;
//! use telegram_api::ext::{Application, CallbackData, Context, Handler};
//!
//! #[derive(Serialize, Deserialize)]
//! enum Size { Small, Large }
//!
//! #[derive(Serialize, Deserialize)]
//! struct Order { item: u32, size: Size }
//!
//! impl CallbackData for Order {
//!     const PREFIX: &'static str = "order";
//! }
//!
//! fn menu(ctx: &Context) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//!     let small = Order { item: 7, size: Size::Small }.button("Small")?; // "order:7:Small"
//!     let large = Order { item: 7, size: Size::Large }.button("Large")?;
//!     ctx.reply("Which size?")
//!         .reply_markup(InlineKeyboardMarkup::new(vec![vec![small, large]]))
//!         .call()?;
//!     Ok(())
//! }
//!
//! fn ordered(ctx: &Context, order: Order) -> Result<(), telegram_api::Error> {
//!     ctx.answer_callback().text(format!("item {} ordered", order.item)).call()?;
//!     Ok(())
//! }
//!
//! # fn build(bot: telegram_api::Bot) -> Application {
//! Application::builder(bot)
//!     .command("menu", menu)
//!     .handler(Handler::callback(ordered))
//!     .build()
//! # }
//! ```
//!
//! # The packed format
//!
//! A packed value is its prefix, then each of its fields after a `:`; a value with no field
//! (a unit struct) is the prefix alone. Fields are positional, without names, so a change of the
//! type's fields makes older buttons fail to decode (as [`CallbackDataError::Decode`]). Structs
//! and tuples give their members in order, `bool` is `1` or `0`, numbers are decimal, `None` is
//! an empty field, text has `%` written `%25` and `:` written `%3A` (the empty text is `%`),
//! an enum variant is its name (shorten it with `#[serde(rename = "s")]`) followed by its
//! content, and a sequence or map is its length followed by its elements. Telegram counts the
//! 64 bytes in UTF-8: a non-ASCII character takes two to four of them.
//!
//! The format cannot hold what needs a self-describing format: `#[serde(untagged)]` and
//! internally tagged enums, `#[serde(flatten)]`, fields with `skip_serializing_if`; such values
//! fail to pack with [`CallbackDataError::Encode`]. The store keeps them (as JSON) fine.
//!
//! # Stored values
//!
//! [`Context::store_callback_data`] writes the value through the context like
//! [`Context::set`]: it is committed together with the rest of the update's changes, exactly
//! once, and dropped if the handler fails. The record lives under the bot-wide key
//! `callback_data/<id>` of the store, with its expiry; the button carries `prefix#id`, 12 bytes
//! after the prefix. A press on a button whose record expired, was removed
//! ([`Context::forget_callback_data`]), or never existed in this store goes to the handler's
//! [`on_expired`](Handler::on_expired) code, or else to the error handler as
//! [`CallbackDataError::Expired`]: answer it there, telling the user the button is too old.
//!
//! Expired records do not stay: one read after its expiry removes a record (committed when
//! the handler that reads it succeeds), and an update (or a job's run) that stores values also
//! sweeps the records that expired among 1/64 of the stored ones (those whose id starts with
//! the same character as its first new one), removing at most 100. So the work is bounded per
//! update: one listing of a 64th of the records (on Redis, a `SCAN` of the keys), whatever
//! the number of values it stores; and a record outlives its expiry by about 64 updates that
//! store values. A bot that stops making stored buttons keeps its expired records until their
//! buttons are pressed.
//!
//! [`Context::set`]: super::Context::set

mod pack;

use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::menu;
use super::store::{DataError, Key};
use super::{BoxError, Context, Filter, Handler};
use crate::InlineKeyboardButton;

/// The most bytes Telegram takes in a button's `callback_data`.
pub const MAX_LEN: usize = 64;

/// How long a value kept by [`Context::store_callback_data`] stays: 7 days, after which a
/// press on its button is [expired](CallbackDataError::Expired).
pub const DEFAULT_EXPIRY: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// The prefix of the bot-wide values ([`Key::bot`]) that hold stored callback data:
/// `callback_data/<id>`.
pub const KEY_PREFIX: &str = "callback_data/";

/// The most expired records one write removes.
const SWEEP_LIMIT: usize = 100;

/// The characters of stored ids (64, so each carries 6 bits).
const ID_ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A type that inline keyboard buttons carry as their callback data.
///
/// Implement it with a short [`PREFIX`](CallbackData::PREFIX) that tells this type's buttons
/// from others; the serde derives do the rest. See [the module](self) for the format and a
/// full example.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use telegram_api::ext::CallbackData;
///
/// #[derive(Serialize, Deserialize, Debug, PartialEq)]
/// struct Page { list: String, page: u16, back: Option<u16> }
///
/// impl CallbackData for Page {
///     const PREFIX: &'static str = "pg";
/// }
///
/// let page = Page { list: "news:world".into(), page: 3, back: None };
/// let data = page.to_data()?;
/// assert_eq!(data, "pg:news%3Aworld:3:");
/// assert_eq!(Page::from_data(&data)?, page);
/// # Ok::<(), telegram_api::ext::CallbackDataError>(())
/// ```
pub trait CallbackData: Serialize + DeserializeOwned {
    /// The prefix of this type's callback data: 1 or more ASCII letters, digits, `_`, `-` or
    /// `.`, unique among the application's types, and not `m`, which the buttons of
    /// [menus](super::Menu) start with. Keep it short: it counts towards the 64 bytes.
    const PREFIX: &'static str;

    /// The value packed as callback data: `PREFIX:field:field...`.
    ///
    /// # Errors
    ///
    /// Fails with [`CallbackDataError::TooLong`] when the data is over 64 bytes,
    /// [`CallbackDataError::Encode`] when the value does not pack (see the [module](self)), and
    /// [`CallbackDataError::Prefix`] when [`PREFIX`](CallbackData::PREFIX) is not valid.
    fn to_data(&self) -> Result<String, CallbackDataError> {
        check_prefix::<Self>()?;
        let fields = pack::pack(self).map_err(|e| CallbackDataError::Encode {
            type_name: std::any::type_name::<Self>(),
            source: e.into(),
        })?;
        let mut data = Self::PREFIX.to_string();
        for field in fields {
            data.push(':');
            data.push_str(&field);
        }
        if data.len() > MAX_LEN {
            return Err(CallbackDataError::TooLong {
                len: data.len(),
                data,
            });
        }
        Ok(data)
    }

    /// The value packed in `data` by [`to_data`](CallbackData::to_data). Stored values
    /// (`PREFIX#id`) need the store: read them with [`Context::callback_data_as`].
    ///
    /// # Errors
    ///
    /// Fails with [`CallbackDataError::OtherType`] when `data` is not packed data of this type,
    /// and [`CallbackDataError::Decode`] when it has this type's prefix but does not decode.
    fn from_data(data: &str) -> Result<Self, CallbackDataError> {
        let other = || CallbackDataError::OtherType {
            prefix: Self::PREFIX,
            data: data.to_string(),
        };
        let rest = data.strip_prefix(Self::PREFIX).ok_or_else(other)?;
        let fields: Vec<&str> = match rest.strip_prefix(':') {
            Some(rest) => rest.split(':').collect(),
            None if rest.is_empty() => Vec::new(),
            None => return Err(other()),
        };
        pack::unpack(&fields).map_err(|e| CallbackDataError::Decode {
            type_name: std::any::type_name::<Self>(),
            data: data.to_string(),
            source: e.into(),
        })
    }

    /// A button with this text that sends the value back when pressed (packed, see
    /// [`to_data`](CallbackData::to_data)).
    ///
    /// # Errors
    ///
    /// Fails as [`to_data`](CallbackData::to_data) does.
    fn button(&self, text: impl Into<String>) -> Result<InlineKeyboardButton, CallbackDataError> {
        Ok(InlineKeyboardButton::callback(text, self.to_data()?))
    }
}

/// Whether `data` is callback data of `D`, packed or stored.
fn is_for<D: CallbackData>(data: &str) -> bool {
    data.strip_prefix(D::PREFIX)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(':') || rest.starts_with('#'))
}

/// The id in `data` when it is a stored value's (`prefix#id`).
fn stored_id(data: &str) -> Option<&str> {
    let (_, id) = data.split_once('#')?;
    (id.len() == 11 && id.bytes().all(|b| ID_ALPHABET.contains(&b))).then_some(id)
}

fn check_prefix<D: CallbackData>() -> Result<(), CallbackDataError> {
    let prefix = D::PREFIX;
    let valid = !prefix.is_empty()
        && prefix != menu::DATA_PREFIX.trim_end_matches(':')
        && prefix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if valid {
        Ok(())
    } else {
        Err(CallbackDataError::Prefix { prefix })
    }
}

/// Callback data that cannot be made or read.
#[derive(Debug)]
#[non_exhaustive]
pub enum CallbackDataError {
    /// The packed data is over Telegram's limit of 64 bytes ([`MAX_LEN`]); store the value
    /// instead ([`Context::stored_button`]), or shorten the prefix, the variant names or the
    /// fields.
    TooLong {
        /// The data.
        data: String,
        /// Its length in bytes.
        len: usize,
    },
    /// The type's [`CallbackData::PREFIX`] is empty, has a character other than an ASCII
    /// letter, digit, `_`, `-` or `.`, or is the menus' `m`.
    Prefix {
        /// The prefix.
        prefix: &'static str,
    },
    /// The value does not pack (see [the format](self#the-packed-format)), or does not encode
    /// as JSON to be stored.
    Encode {
        /// The type.
        type_name: &'static str,
        /// Why: the packing's error, or [`serde_json::Error`] for a value to store.
        source: BoxError,
    },
    /// The data is not of this type (another prefix), or the update has none.
    OtherType {
        /// The prefix of the type asked for.
        prefix: &'static str,
        /// The data.
        data: String,
    },
    /// The data has the type's prefix but does not decode as the type: a button made before
    /// the type changed, or data that was not made by [`CallbackData::to_data`].
    Decode {
        /// The type.
        type_name: &'static str,
        /// The data.
        data: String,
        /// Why: the unpacking's error, or [`serde_json::Error`] for a stored value.
        source: BoxError,
    },
    /// The data names a stored value that expired, was removed, or was never stored here.
    Expired {
        /// The data.
        data: String,
    },
    /// The store failed (or a stored record is damaged); a store that cannot be read voids
    /// the attempt at the update, as for [`Context::get`], and it is handled again.
    Store(DataError),
}

impl fmt::Display for CallbackDataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallbackDataError::TooLong { data, len } => write!(
                f,
                "callback data {data:?} is {len} bytes, over Telegram's limit of {MAX_LEN}"
            ),
            CallbackDataError::Prefix { prefix } => write!(
                f,
                "the callback data prefix {prefix:?} is not 1 or more of A-Z, a-z, 0-9, _, -, . \
                 other than the menus' \"m\""
            ),
            CallbackDataError::Encode { type_name, source } => {
                write!(f, "cannot encode {type_name} as callback data: {source}")
            }
            CallbackDataError::OtherType { prefix, data } => {
                write!(f, "callback data {data:?} is not of the prefix {prefix:?}")
            }
            CallbackDataError::Decode {
                type_name,
                data,
                source,
            } => write!(
                f,
                "callback data {data:?} does not decode as {type_name}: {source}"
            ),
            CallbackDataError::Expired { data } => write!(
                f,
                "callback data {data:?} names a stored value that expired or is unknown"
            ),
            CallbackDataError::Store(e) => write!(f, "stored callback data: {e}"),
        }
    }
}

impl std::error::Error for CallbackDataError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            // The message includes the wrapped error's: go on with its cause.
            CallbackDataError::Store(e) => e.source(),
            CallbackDataError::Encode { source, .. } | CallbackDataError::Decode { source, .. } => {
                crate::ext::store::untold_cause(&self.to_string(), &**source)
            }
            _ => None,
        }
    }
}

impl From<DataError> for CallbackDataError {
    fn from(e: DataError) -> Self {
        CallbackDataError::Store(e)
    }
}

/// A new id for a stored value: 64 bits from std's randomly keyed hasher, over a counter and
/// the time so that no two calls of a process give the same input.
fn new_id(ctx: &Context) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_i128(ctx.now().as_nanosecond());
    hasher.write_i64(ctx.update().map_or(0, |u| u.update_id));
    let mut bits = hasher.finish();
    let mut id = String::with_capacity(11);
    for _ in 0..11 {
        id.push(ID_ALPHABET[(bits & 63) as usize] as char);
        bits >>= 6;
    }
    id
}

fn key(id: &str) -> Key {
    Key::bot(format!("{KEY_PREFIX}{id}"))
}

/// The expiry (Unix seconds) of a stored record, when it has one.
fn expiry(record: &Value) -> Option<i64> {
    record.get("expires")?.as_i64()
}

impl Context {
    /// Keeps `value` in the store for [`DEFAULT_EXPIRY`] (7 days) and returns the callback
    /// data that names it, `PREFIX#id` (12 bytes after the prefix), for a button
    /// ([`InlineKeyboardButton::callback`]). [`Handler::callback`] and
    /// [`callback_data_as`](Context::callback_data_as) read the value back.
    ///
    /// Like [`set`](Context::set), the value is written when the update is done, in one
    /// transaction with its other changes, and dropped if the handler fails; a job can store
    /// values too. The first call of an update also removes some expired values (see [the
    /// module](super::callback_data#stored-values)).
    ///
    /// # Errors
    ///
    /// Fails with [`CallbackDataError::Encode`] when `value` does not encode as JSON,
    /// [`CallbackDataError::Prefix`] or [`CallbackDataError::TooLong`] for a prefix that is not
    /// valid or too long, and [`CallbackDataError::Store`] when the store cannot be read (which
    /// voids this attempt at the update, as for [`get`](Context::get)).
    pub fn store_callback_data<D: CallbackData>(
        &self,
        value: &D,
    ) -> Result<String, CallbackDataError> {
        self.store_callback_data_for(value, DEFAULT_EXPIRY)
    }

    /// Like [`store_callback_data`](Context::store_callback_data), kept for `expires_in`
    /// instead of [`DEFAULT_EXPIRY`].
    ///
    /// # Errors
    ///
    /// Fails as [`store_callback_data`](Context::store_callback_data) does.
    pub fn store_callback_data_for<D: CallbackData>(
        &self,
        value: &D,
        expires_in: Duration,
    ) -> Result<String, CallbackDataError> {
        check_prefix::<D>()?;
        let id = new_id(self);
        let data = format!("{}#{id}", D::PREFIX);
        if data.len() > MAX_LEN {
            return Err(CallbackDataError::TooLong {
                len: data.len(),
                data,
            });
        }
        let encode_error = |e: serde_json::Error| CallbackDataError::Encode {
            type_name: std::any::type_name::<D>(),
            source: e.into(),
        };
        let value = serde_json::to_value(value).map_err(encode_error)?;
        let now = self.now().as_second();
        let secs = i64::try_from(expires_in.as_secs()).unwrap_or(i64::MAX);
        let record = json!({
            "prefix": D::PREFIX,
            "expires": now.saturating_add(secs),
            "value": value,
        });
        // One sweep per update: the first value it stores sweeps, the others need not.
        if !self.changed_bot_values(KEY_PREFIX) {
            self.sweep_callback_data(&id[..1], now)?;
        }
        self.set(&key(&id), &record)?;
        Ok(data)
    }

    /// Removes up to [`SWEEP_LIMIT`] expired records among those whose id starts with `shard`.
    fn sweep_callback_data(&self, shard: &str, now: i64) -> Result<(), CallbackDataError> {
        let records = self
            .bot_values(&format!("{KEY_PREFIX}{shard}"))
            .map_err(|e| CallbackDataError::Store(DataError::Store(e)))?;
        let mut removed = 0;
        for (name, bytes) in records {
            if removed == SWEEP_LIMIT {
                break;
            }
            let expires = serde_json::from_slice::<Value>(&bytes)
                .ok()
                .as_ref()
                .and_then(expiry);
            // A record that does not read is no use to anyone: it goes too.
            if expires.is_none_or(|at| at <= now) {
                self.remove(&Key::bot(name));
                removed += 1;
            }
        }
        if removed > 0 {
            log::debug!("removing {removed} expired callback data records");
        }
        Ok(())
    }

    /// A button with this text whose press sends `value` back, kept in the store (see
    /// [`store_callback_data`](Context::store_callback_data)): for values too large to pack,
    /// or that should not be seen by the user's client.
    ///
    /// # Errors
    ///
    /// Fails as [`store_callback_data`](Context::store_callback_data) does.
    pub fn stored_button<D: CallbackData>(
        &self,
        text: impl Into<String>,
        value: &D,
    ) -> Result<InlineKeyboardButton, CallbackDataError> {
        Ok(InlineKeyboardButton::callback(
            text,
            self.store_callback_data(value)?,
        ))
    }

    /// The pressed button's value as a `D`: unpacked from the data, or read from the store for
    /// a stored value. A stored value read after it expired is removed (when the update is
    /// done, if the handler succeeds).
    ///
    /// # Errors
    ///
    /// Fails with [`CallbackDataError::OtherType`] when the update is not a callback query
    /// with data of `D`'s prefix, [`CallbackDataError::Decode`] when the data (or the stored
    /// value) does not decode as a `D`, [`CallbackDataError::Expired`] when a stored value
    /// expired or is unknown, and [`CallbackDataError::Store`] when the store cannot be read
    /// (which voids this attempt at the update, as for [`get`](Context::get)).
    pub fn callback_data_as<D: CallbackData>(&self) -> Result<D, CallbackDataError> {
        let data = self.callback_data().unwrap_or_default();
        if !is_for::<D>(data) {
            return Err(CallbackDataError::OtherType {
                prefix: D::PREFIX,
                data: data.to_string(),
            });
        }
        if !data[D::PREFIX.len()..].starts_with('#') {
            return D::from_data(data);
        }
        let expired = || CallbackDataError::Expired {
            data: data.to_string(),
        };
        let id = stored_id(data).ok_or_else(expired)?;
        let key = key(id);
        let Some(record) = self.get::<Value>(&key)? else {
            return Err(expired());
        };
        match expiry(&record) {
            Some(at) if at > self.now().as_second() => {}
            _ => {
                self.remove(&key);
                return Err(expired());
            }
        }
        if record.get("prefix").and_then(Value::as_str) != Some(D::PREFIX) {
            return Err(expired());
        }
        let value = record.get("value").cloned().unwrap_or(Value::Null);
        serde_json::from_value(value).map_err(|e| CallbackDataError::Decode {
            type_name: std::any::type_name::<D>(),
            data: data.to_string(),
            source: e.into(),
        })
    }

    /// Removes the stored value that `data` names (callback data made by
    /// [`store_callback_data`](Context::store_callback_data)) when the update is done, for a
    /// button that should not work again (its message was edited, the choice was made). Data
    /// that names no stored value is left alone.
    pub fn forget_callback_data(&self, data: &str) {
        if let Some(id) = stored_id(data) {
            self.remove(&key(id));
        }
    }
}

impl<T: 'static> Handler<T> {
    /// A callback query whose data is of type `D` (its prefix, packed or stored): the code
    /// gets the value decoded.
    ///
    /// Data with `D`'s prefix that does not decode (a button made before `D` changed) goes to
    /// the error handler as [`HandlerError::Failed`](super::HandlerError::Failed) with a
    /// [`CallbackDataError::Decode`] (`error.downcast_ref::<CallbackDataError>()`), and a
    /// stored value that expired as [`CallbackDataError::Expired`], unless
    /// [`on_expired`](Handler::on_expired) handles those presses. Data of other prefixes is
    /// left to other handlers.
    ///
    /// ```
    /// use serde::{Deserialize, Serialize};
    /// use telegram_api::ext::{CallbackData, Context, Handler};
    ///
    /// #[derive(Serialize, Deserialize)]
    /// struct Vote { poll: u32, up: bool }
    /// impl CallbackData for Vote {
    ///     const PREFIX: &'static str = "v";
    /// }
    ///
    /// let handler = Handler::callback(|ctx: &Context, vote: Vote| {
    ///     let text = if vote.up { "thanks!" } else { "noted" };
    ///     ctx.answer_callback().text(text).call()?;
    ///     Ok::<_, telegram_api::Error>(())
    /// })
    /// .on_expired(|ctx: &Context| {
    ///     ctx.answer_callback().text("This poll is closed.").call()?;
    ///     Ok::<_, telegram_api::Error>(())
    /// });
    /// # let _ = handler;
    /// ```
    pub fn callback<D, F, E>(f: F) -> Handler<T>
    where
        D: CallbackData + 'static,
        F: Fn(&Context, D) -> Result<T, E> + Send + Sync + 'static,
        E: Into<BoxError>,
    {
        if let Err(e) = check_prefix::<D>() {
            log::warn!(
                "{e}: the handler of {} takes nothing",
                std::any::type_name::<D>()
            );
        }
        let filter = Filter::new(|update| {
            let data = update.callback_query().and_then(|q| q.data.as_deref());
            data.is_some_and(is_for::<D>)
        })
        .named(format!("callback_data {:?}", D::PREFIX));
        Handler::callback_query(move |ctx: &Context| -> Result<T, BoxError> {
            let value = ctx.callback_data_as::<D>()?;
            f(ctx, value).map_err(Into::into)
        })
        .filter(filter)
    }

    /// Runs `f` instead of the error handler when this handler's code fails with
    /// [`CallbackDataError::Expired`]: a press on a stored value's button after the value
    /// expired or was removed (see [`Handler::callback`]). Handlers that never fail so do not
    /// need it.
    #[must_use]
    pub fn on_expired<F, E>(self, f: F) -> Handler<T>
    where
        F: Fn(&Context) -> Result<T, E> + Send + Sync + 'static,
        E: Into<BoxError>,
    {
        self.recover(move |ctx: &Context, e: BoxError| {
            if matches!(
                e.downcast_ref::<CallbackDataError>(),
                Some(CallbackDataError::Expired { .. })
            ) {
                log::debug!("{e}");
                f(ctx).map_err(Into::into)
            } else {
                Err(e)
            }
        })
    }
}

#[cfg(test)]
mod tests;

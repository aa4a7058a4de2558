//! [`Call`]: a request bound to a bot, sent with [`Call::call`].

use std::fmt;

use crate::{Bot, Error, Method, Retry};

/// A request bound to a [`Bot`]: set optional parameters with its methods, then send it with
/// [`call`](Call::call).
///
/// ```no_run
/// # fn demo(bot: &telegram_api::Bot) -> Result<(), telegram_api::Error> {
/// use telegram_api::ParseMode;
/// let sent = bot
///     .send_message(1234567890, "<b>Hi</b>")
///     .parse_mode(ParseMode::Html)
///     .disable_notification(true)
///     .call()?;
/// # Ok(())
/// # }
/// ```
#[must_use = "a request does nothing until it is sent with .call()"]
pub struct Call<'a, M> {
    bot: &'a Bot,
    request: M,
    retry: Option<Retry>,
    /// The error [`call`](Call::call) returns without sending anything.
    refused: Option<Error>,
}

impl<'a, M: Method> Call<'a, M> {
    /// Binds `request` to `bot`.
    pub fn new(bot: &'a Bot, request: M) -> Self {
        Call {
            bot,
            request,
            retry: None,
            refused: None,
        }
    }

    /// A call that [`call`](Call::call) answers with `error` without sending anything: what a
    /// shortcut returns when the update it was used on lacks what the request needs
    /// ([`Error::NotForThisUpdate`]). Its setters work as on any call.
    pub fn refused(bot: &'a Bot, request: M, error: Error) -> Self {
        Call {
            refused: Some(error),
            ..Call::new(bot, request)
        }
    }

    /// Sends the request and returns its result.
    ///
    /// # Errors
    ///
    /// Fails with [`Error::Api`] when Telegram refuses the request, [`Error::Transport`] or
    /// [`Error::Timeout`] when the connection fails or times out, [`Error::InvalidResponse`] or
    /// [`Error::Decode`] when the answer is not the method's result, [`Error::Io`] when a file to
    /// upload cannot be read, and [`Error::Config`] when the request cannot be encoded. With a
    /// retry policy, this is the last attempt's error. A [`refused`](Call::refused) call fails
    /// with its error ([`Error::NotForThisUpdate`]) and sends nothing.
    pub fn call(self) -> Result<M::Response, Error> {
        if let Some(error) = self.refused {
            return Err(error);
        }
        match &self.retry {
            Some(retry) => self.bot.execute_with(&self.request, retry),
            None => self.bot.execute(&self.request),
        }
    }

    /// Repeats this request on failure as `retry` says, instead of as the bot's
    /// [`with_retry`](Bot::with_retry) says.
    pub fn retry(mut self, retry: Retry) -> Self {
        self.retry = Some(retry);
        self
    }

    /// The request as built so far.
    pub fn request(&self) -> &M {
        &self.request
    }

    /// The request, to send later with [`Bot::execute`].
    pub fn into_request(self) -> M {
        self.request
    }

    /// Changes the request.
    pub fn map(self, f: impl FnOnce(M) -> M) -> Self {
        Call {
            bot: self.bot,
            request: f(self.request),
            retry: self.retry,
            refused: self.refused,
        }
    }
}

impl<M: fmt::Debug> fmt::Debug for Call<'_, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("bot", self.bot)
            .field("request", &self.request)
            .field("retry", &self.retry)
            .field("refused", &self.refused)
            .finish()
    }
}

/// Defines the setters of a request's optional parameters once, for the request type and for
/// the [`Call`] of it: `setters! { SendMessage { /// docs \n parse_mode(parse_mode: impl
/// Into<ParseMode>) => parse_mode.into(); ... } }` sets `parse_mode` to
/// `Some(parse_mode.into())` on a `SendMessage`, and on a `Call<SendMessage>` through
/// [`Call::map`]. The generated request types invoke it.
macro_rules! setters {
    ($request:ident { $( $(#[$attr:meta])* $name:ident($arg:ident: $ty:ty) => $value:expr; )* }) => {
        impl $request {
            $(
                $(#[$attr])*
                #[must_use]
                pub fn $name(mut self, $arg: $ty) -> Self {
                    self.$name = Some($value);
                    self
                }
            )*
        }
        impl $crate::Call<'_, $request> {
            $(
                $(#[$attr])*
                pub fn $name(self, $arg: $ty) -> Self {
                    self.map(|request| request.$name($arg))
                }
            )*
        }
    };
}

pub(crate) use setters;

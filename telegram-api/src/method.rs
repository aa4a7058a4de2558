//! [`Method`]: what every request type implements, and [`Call`]: a request bound to a bot.

use std::fmt;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{Bot, Error, Retry};

/// A Bot API request: its parameters (serialized as the request body), the official method
/// name, and the type of its result.
///
/// Every method of the Bot API has a request type in [`crate::methods`] implementing this; run
/// one with [`Bot::execute`], or build and send it with the matching [`Bot`] method.
pub trait Method: Serialize {
    /// The official method name, such as `sendMessage`.
    const NAME: &'static str;

    /// What a successful call returns.
    type Response: DeserializeOwned;

    /// The parameters that take a file (`photo` of `sendPhoto`): an upload passed there is sent
    /// as a part under the parameter's name.
    #[doc(hidden)]
    const FILE_PARAMS: &'static [&'static str] = &[];

    /// Which of the parameters a bot's `Defaults` fill this method has (generated from the Bot
    /// API description; none for a method implemented elsewhere).
    #[doc(hidden)]
    const DEFAULTABLE: crate::defaults::Defaultable = crate::defaults::Defaultable::NONE;

    /// How long Telegram may hold this request open (the `timeout` of `getUpdates`). The read
    /// timeout of the request is this plus a margin instead of the client's default.
    fn long_poll(&self) -> Option<Duration> {
        None
    }

    /// Decodes the `result` of a successful response.
    #[doc(hidden)]
    fn decode_result(result: &str) -> Result<Self::Response, serde_json::Error> {
        crate::json::from_str(result)
    }
}

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
}

impl<'a, M: Method> Call<'a, M> {
    /// Binds `request` to `bot`.
    pub fn new(bot: &'a Bot, request: M) -> Self {
        Call {
            bot,
            request,
            retry: None,
        }
    }

    /// Sends the request and returns its result.
    pub fn call(self) -> Result<M::Response, Error> {
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
        }
    }
}

impl<M: fmt::Debug> fmt::Debug for Call<'_, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("bot", self.bot)
            .field("request", &self.request)
            .field("retry", &self.retry)
            .finish()
    }
}

//! [`Method`]: what every request type implements.

use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub(crate) use private::{Defaultable, Token};

/// A Bot API request: its parameters (serialized as the request body), the official method
/// name, and the type of its result.
///
/// Every method of the Bot API has a request type in [`crate::methods`] implementing this; run
/// one with [`Bot::execute`](crate::Bot::execute), or build and send it with the matching
/// [`Bot`](crate::Bot) method.
///
/// A program may implement it for a method this version does not have yet: the request's
/// [`Serialize`] gives its parameters, [`NAME`](Method::NAME) its name and
/// [`Response`](Method::Response) the type its result decodes to. The bot's
/// [`Defaults`](crate::Defaults) are not added to such a method, and an upload among its
/// parameters is sent under an `attach://` name rather than the parameter's own.
///
/// ```
/// use telegram_api::{Message, Method};
///
/// #[derive(serde::Serialize)]
/// struct SendHologram {
///     chat_id: i64,
///     hologram: String,
/// }
///
/// impl Method for SendHologram {
///     const NAME: &'static str = "sendHologram";
///     type Response = Message;
/// }
/// ```
///
/// The trait's other members are the library's own: what the generated request types tell the
/// client (which parameters take files and which the bot's defaults fill, and their result's
/// decoder, compiled once in this crate). They take an argument of a type that only this crate
/// can name, so they can be neither called nor overridden elsewhere, and a program's own
/// method gets their defaults.
pub trait Method: Serialize {
    /// The official method name, such as `sendMessage`.
    const NAME: &'static str;

    /// What a successful call returns.
    type Response: DeserializeOwned;

    /// How long Telegram may hold this request open (the `timeout` of `getUpdates`). The read
    /// timeout of the request is this plus a margin instead of the client's default.
    fn long_poll(&self) -> Option<Duration> {
        None
    }

    /// The parameters that take a file (`photo` of `sendPhoto`): an upload passed there is sent
    /// as a part under the parameter's name.
    #[doc(hidden)]
    fn file_params(_: Token) -> &'static [&'static str] {
        &[]
    }

    /// Which of the parameters a bot's `Defaults` fill this method has (generated from the Bot
    /// API description; none for a method implemented elsewhere).
    #[doc(hidden)]
    fn defaultable(_: Token) -> Defaultable {
        Defaultable::NONE
    }

    /// Decodes the `result` of a successful response.
    #[doc(hidden)]
    fn decode_result(result: &str, _: Token) -> Result<Self::Response, serde_json::Error> {
        crate::json::from_str(result)
    }

    /// Decodes the `result` of a successful response again, when
    /// [`decode_result`](Method::decode_result) failed, to find where: the path to the value that
    /// does not decode and the error there, or `None` when it decodes this time.
    #[doc(hidden)]
    fn trace_result(result: &str, _: Token) -> Option<(String, String)> {
        crate::codec::de::trace::<Self::Response>(result)
    }
}

/// What seals the library's own members of [`Method`]. The module is private, so no other
/// crate can name its types: not write a member that takes a [`Token`] (to override it), nor
/// make a `Token` (to call it).
mod private {
    /// The argument of the library's own members of [`Method`](super::Method).
    #[derive(Clone, Copy, Debug)]
    pub struct Token;

    /// Which of the parameters [`Defaults`](crate::Defaults) fill a method has. Generated for
    /// every method from the Bot API description (`Method::defaultable`).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    pub struct Defaultable {
        /// The method has `parse_mode`; this names the parameter that replaces it (its
        /// entities).
        pub parse_mode: Option<&'static str>,
        /// The method has `disable_notification`.
        pub disable_notification: bool,
        /// The method has `protect_content`.
        pub protect_content: bool,
        /// The method has `link_preview_options`.
        pub link_preview_options: bool,
    }

    impl Defaultable {
        /// None of them.
        pub const NONE: Defaultable = Defaultable {
            parse_mode: None,
            disable_notification: false,
            protect_content: false,
            link_preview_options: false,
        };
    }
}

//! [`Method`]: what every request type implements.

use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A Bot API request: its parameters (serialized as the request body), the official method
/// name, and the type of its result.
///
/// Every method of the Bot API has a request type in [`crate::methods`] implementing this; run
/// one with [`Bot::execute`](crate::Bot::execute), or build and send it with the matching
/// [`Bot`](crate::Bot) method.
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
    const DEFAULTABLE: Defaultable = Defaultable::NONE;

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

    /// Decodes the `result` of a successful response again, when
    /// [`decode_result`](Method::decode_result) failed, to find where: the path to the value that
    /// does not decode and the error there, or `None` when it decodes this time.
    #[doc(hidden)]
    fn trace_result(result: &str) -> Option<(String, String)> {
        crate::codec::de::trace::<Self::Response>(result)
    }
}

/// Which of the parameters [`Defaults`](crate::Defaults) fill a method has. Generated for every method from the
/// Bot API description (`Method::DEFAULTABLE`).
#[doc(hidden)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Defaultable {
    /// The method has `parse_mode`; this names the parameter that replaces it (its entities).
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

//! What an [`Update`] says about itself beyond its payload.

use crate::{UnknownKind, Update, UpdateKind};

impl Update {
    /// The payload of a kind this crate knows that did not decode, with why; `None` for an
    /// update that decoded (including one of a kind this crate does not know, which is
    /// [`UpdateKind::Unknown`] without an error).
    ///
    /// Such an update comes from a server that sends something other than what this crate's Bot
    /// API version describes (an older server, a third-party one, a malformed payload). Rather
    /// than failing a whole `getUpdates` batch or a webhook request, it is kept as
    /// [`UpdateKind::Unknown`] with the raw payload ([`UnknownKind::value`]) and the decoding
    /// error ([`UnknownKind::error`]), so the bot can report or handle it.
    ///
    /// ```
    /// // A callback query without its required `chat_instance`.
    /// let update = telegram_api::webhook::parse_update(
    ///     br#"{"update_id": 5, "callback_query": {"id": "1",
    ///         "from": {"id": 2, "is_bot": false, "first_name": "A"}, "data": "yes"}}"#,
    /// )?;
    /// let failed = update.undecoded().expect("the payload does not decode");
    /// assert_eq!(failed.name, "callback_query");
    /// assert!(update.decode_error().unwrap().contains("chat_instance"));
    /// assert_eq!(failed.value["data"], "yes");
    /// # Ok::<(), telegram_api::webhook::WebhookError>(())
    /// ```
    pub fn undecoded(&self) -> Option<&UnknownKind> {
        match &self.kind {
            UpdateKind::Unknown(unknown) if unknown.error.is_some() => Some(unknown),
            _ => None,
        }
    }

    /// Why the payload did not decode, for an update [`undecoded`](Update::undecoded) returns.
    pub fn decode_error(&self) -> Option<&str> {
        self.undecoded()?.error.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use crate::{Update, UpdateKind};

    #[test]
    fn unknown_kinds_that_decoded_are_not_failures() {
        let update: Update =
            crate::json::from_str(r#"{"update_id": 1, "future_kind": {"a": 1}}"#).unwrap();
        assert!(matches!(update.kind, UpdateKind::Unknown(_)));
        assert!(update.undecoded().is_none());
        assert!(update.decode_error().is_none());
        let update: Update = crate::json::from_str(r#"{"update_id": 1}"#).unwrap();
        assert!(update.undecoded().is_none());
    }
}

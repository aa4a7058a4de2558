//! Receiving updates by webhook, with any HTTP server: check the secret token, decode the body.
//!
//! Telegram POSTs each update as JSON to the URL given to `setWebhook`. When the webhook was set
//! with a `secret_token`, every such request carries it in the `X-Telegram-Bot-Api-Secret-Token`
//! header; anything else is not from Telegram.
//!
//! ```
//! use telegram_api::webhook;
//! // In the handler of your HTTP server:
//! let header = Some("s3cr3t-from-setWebhook");
//! let body = br#"{"update_id": 1, "message": {"message_id": 2, "date": 1700000000,
//!     "chat": {"id": 42, "type": "private"}, "text": "hi"}}"#;
//! match webhook::receive("s3cr3t-from-setWebhook", header, body) {
//!     Ok(update) => assert_eq!(update.message().unwrap().text.as_deref(), Some("hi")),
//!     Err(e) => eprintln!("rejected: {e}"), // answer 403 (or 400 for a bad body)
//! }
//! ```

use std::fmt;

use crate::Update;

/// The header carrying the secret token.
pub const SECRET_TOKEN_HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";

/// Why a webhook request was rejected.
#[derive(Debug)]
#[non_exhaustive]
pub enum WebhookError {
    /// The secret token header is missing or wrong: the request is not from Telegram
    /// (answer 403).
    Unauthorized,
    /// The body is not an update (answer 400).
    InvalidBody(serde_json::Error),
}

impl fmt::Display for WebhookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebhookError::Unauthorized => write!(f, "missing or wrong {SECRET_TOKEN_HEADER}"),
            WebhookError::InvalidBody(e) => write!(f, "the body is not an update: {e}"),
        }
    }
}

impl std::error::Error for WebhookError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            // The message includes the decode error's (and serde_json's includes its cause's).
            WebhookError::InvalidBody(e) => {
                crate::transport::error::untold_cause(&self.to_string(), e)
            }
            WebhookError::Unauthorized => None,
        }
    }
}

/// Whether the secret token header holds `expected`, compared in constant time (the time taken
/// does not reveal how much of a guess was right).
pub fn verify_secret_token(expected: &str, header: Option<&str>) -> bool {
    let Some(given) = header else {
        return false;
    };
    let (a, b) = (expected.as_bytes(), given.as_bytes());
    // Every byte is compared whatever the lengths; only the length itself is not secret.
    let mut diff = u8::from(a.len() != b.len());
    for i in 0..a.len().max(b.len()) {
        diff |= a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0xFF);
    }
    std::hint::black_box(diff) == 0
}

/// Decodes the body of a webhook request.
///
/// An update whose payload does not decode (a required field missing, a value of the wrong
/// type) is not rejected: like an update of a `getUpdates` batch, it is kept as
/// [`UpdateKind::Unknown`](crate::UpdateKind::Unknown) with its raw payload and the error
/// ([`Update::undecoded`]), and a warning is logged (the [`log`] facade, target
/// `telegram_api`). Answering such a request with an error would make Telegram deliver the
/// same update again and again. Only a body that is not an update at all (not a JSON object,
/// or without a readable `update_id`) is an [`WebhookError::InvalidBody`].
///
/// # Errors
///
/// Fails with [`WebhookError::InvalidBody`] when `body` is not a JSON object with an integer
/// `update_id`.
pub fn parse_update(body: &[u8]) -> Result<Update, WebhookError> {
    use crate::codec::de::Salvage;
    let error = match crate::json::from_slice::<Update>(body) {
        Ok(update) => return Ok(update),
        Err(e) => e,
    };
    let salvaged = serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(body)
        .ok()
        .filter(|object| object.get("update_id").is_some_and(|id| id.is_i64()))
        .and_then(|object| Update::salvage(object, error.to_string()));
    match salvaged {
        Some(update) => {
            if let Some(unknown) = update.undecoded() {
                log::warn!(
                    target: "telegram_api",
                    "webhook update {}: its {} does not decode, kept as UpdateKind::Unknown: {}",
                    update.update_id,
                    unknown.name,
                    unknown.error.as_deref().unwrap_or_default()
                );
            }
            Ok(update)
        }
        None => Err(WebhookError::InvalidBody(error)),
    }
}

/// Checks the secret token, then decodes the body.
///
/// # Errors
///
/// Fails with [`WebhookError::Unauthorized`] when `header` is missing or is not `secret_token`, and
/// as [`parse_update`] does.
pub fn receive(
    secret_token: &str,
    header: Option<&str>,
    body: &[u8],
) -> Result<Update, WebhookError> {
    if !verify_secret_token(secret_token, header) {
        return Err(WebhookError::Unauthorized);
    }
    parse_update(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_tokens() {
        assert!(verify_secret_token("abc", Some("abc")));
        assert!(!verify_secret_token("abc", Some("abd")));
        assert!(!verify_secret_token("abc", Some("ab")));
        assert!(!verify_secret_token("abc", Some("abcd")));
        assert!(!verify_secret_token("abc", Some("")));
        assert!(!verify_secret_token("abc", None));
        // A byte of 0xFF against a missing byte still differs.
        assert!(!verify_secret_token("ab\u{FF}", Some("ab")));
    }

    #[test]
    fn bodies() {
        let e = receive("s", Some("s"), b"<html>").unwrap_err();
        assert!(matches!(e, WebhookError::InvalidBody(_)));
        assert!(matches!(
            receive("s", Some("t"), b"{}").unwrap_err(),
            WebhookError::Unauthorized
        ));
        let update = receive(
            "s",
            Some("s"),
            br#"{"update_id": 9, "callback_query": {"id": "1", "from": {"id": 2, "is_bot": false, "first_name": "A"}, "chat_instance": "3", "data": "yes"}}"#,
        )
        .unwrap();
        assert_eq!(update.update_id, 9);
    }

    #[test]
    fn undecodable_payloads_are_salvaged() {
        // `chat_instance` is required in a callback query; `from` must be an object.
        let update = receive(
            "s",
            Some("s"),
            br#"{"update_id": 10, "callback_query": {"id": "1", "from": {"id": 2, "is_bot": false, "first_name": "A"}, "data": "yes"}}"#,
        )
        .unwrap();
        assert_eq!(update.update_id, 10);
        let failed = update.undecoded().unwrap();
        assert_eq!(failed.name, "callback_query");
        assert_eq!(failed.value["data"], "yes");
        assert!(update.decode_error().unwrap().contains("chat_instance"));
        // Re-encoding gives back what was sent.
        assert_eq!(
            serde_json::to_value(&update).unwrap(),
            serde_json::json!({"update_id": 10, "callback_query": {"id": "1", "from": {"id": 2, "is_bot": false, "first_name": "A"}, "data": "yes"}})
        );
        let update = parse_update(br#"{"update_id": 11, "message": {"message_id": "x"}}"#).unwrap();
        assert_eq!(update.undecoded().unwrap().name, "message");
    }

    #[test]
    fn bodies_that_are_not_updates_are_rejected() {
        for body in [
            &br#"{"message": {"message_id": 1}}"#[..],
            br#"{"update_id": "7", "message": {}}"#,
            br#"[1, 2]"#,
            br#"{"update_id": 1, "#,
        ] {
            assert!(
                matches!(parse_update(body), Err(WebhookError::InvalidBody(_))),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }
}

//! Decoding Bot API values from JSON, as the client and the webhook helpers do.
//!
//! serde_json reads the generated types from bytes or from text alike; these functions pick
//! the faster way and give the same results as `serde_json::from_slice` and
//! `serde_json::from_str`, errors included.

use serde::Deserialize;

/// Decodes a value from JSON bytes, like `serde_json::from_slice`, but faster for this crate's
/// types.
///
/// The bytes are checked to be UTF-8 once, with SIMD instructions where the processor has them,
/// and then read as text, which serde_json does not check again string by string. Bytes that
/// are not UTF-8 go to `serde_json::from_slice`, which says where they stop being text.
///
/// ```
/// let update: telegram_api::Update =
///     telegram_api::json::from_slice(br#"{"update_id": 1, "message": {"message_id": 7,
///       "date": 1700000000, "chat": {"id": 42, "type": "private"}, "text": "hi"}}"#)?;
/// assert_eq!(update.message().and_then(|m| m.text.as_deref()), Some("hi"));
/// # Ok::<(), serde_json::Error>(())
/// ```
///
/// # Errors
///
/// Fails with serde_json's error when `json` is not JSON (bytes that are not UTF-8 included) or
/// does not decode as a `T`.
pub fn from_slice<'a, T: Deserialize<'a>>(json: &'a [u8]) -> serde_json::Result<T> {
    match simdutf8::basic::from_utf8(json) {
        Ok(text) => from_str(text),
        Err(_) => serde_json::from_slice(json),
    }
}

/// Decodes a value from JSON text, like `serde_json::from_str`, but faster for this crate's
/// types: field names and enumeration values are read as text, which serde_json does not check
/// again, rather than as bytes.
///
/// # Errors
///
/// Fails with serde_json's error when `json` is not JSON or does not decode as a `T`.
pub fn from_str<'a, T: Deserialize<'a>>(json: &'a str) -> serde_json::Result<T> {
    crate::codec::de::read_as_text(|| serde_json::from_str(json))
}

/// Decodes a value kept as a `serde_json::Value` (an update a store kept), through its text and
/// [`from_str`].
///
/// `serde_json::from_value` would compile every decoder under `T` a further time, over
/// `Value`; going through the text keeps to the decoders [`from_str`] already uses, at the cost
/// of writing the value out, on paths that run rarely (an album's parts, a flow's record).
///
/// # Errors
///
/// Fails with serde_json's error when `value` does not decode as a `T`.
#[cfg(feature = "ext")]
pub(crate) fn from_value<T: serde::de::DeserializeOwned>(
    value: &serde_json::Value,
) -> serde_json::Result<T> {
    from_str(&value.to_string())
}

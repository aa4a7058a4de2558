//! Validating what a Mini App (Web App) and the Login Widget send: Telegram's signed data.
//!
//! A Mini App hands its backend `Telegram.WebApp.initData`, a URL-encoded query string that
//! says who opened the app and from where. Anyone can send a backend such a string, so the
//! backend must check that Telegram signed it before trusting any of it. There are two ways:
//!
//! - [`Validator::validate`], with the bot's token: the `hash` field is an HMAC-SHA256 of the
//!   other fields, keyed by `HMAC-SHA256("WebAppData", token)`.
//! - [`Validator::validate_signature`], for a third party that does not hold the token: the
//!   `signature` field is Telegram's Ed25519 signature over the fields and the bot's id, checked
//!   with Telegram's public key ([`Environment::Production`] or [`Environment::Test`]).
//!
//! Both also check that `auth_date` is at most the validator's maximum age old, so that a
//! captured string cannot be replayed forever. Hashes and signatures are compared in constant
//! time; fields are sorted as Telegram sorts them, whatever order they arrive in; a field given
//! twice is rejected. The result is an [`InitData`] with the user, chat and start parameter as
//! typed values.
//!
//! ```
//! use std::time::Duration;
//! use telegram_api::web_app::{Validator, WebAppError};
//!
//! fn check(init_data: &str, token: &str) -> Result<i64, WebAppError> {
//!     let data = Validator::new(Duration::from_secs(3600)).validate(init_data, token)?;
//!     Ok(data.user.map_or(0, |user| user.id))
//! }
//! assert!(matches!(
//!     check("auth_date=1700000000&user=%7B%7D", "123:ABC"),
//!     Err(WebAppError::MissingField("hash"))
//! ));
//! ```
//!
//! The [Login Widget](https://core.telegram.org/widgets/login) signs what it gives a website
//! in a similar way ([`Validator::validate_login`]): the `hash` is an HMAC-SHA256 of the other
//! fields keyed by `SHA-256(token)`.
//!
//! No error contains the token; Display texts name the field at fault, never its value.

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// Telegram's Ed25519 public key for init data of bots in the production environment.
pub const PRODUCTION_PUBLIC_KEY: [u8; 32] = [
    0xe7, 0xbf, 0x03, 0xa2, 0xfa, 0x46, 0x02, 0xaf, 0x45, 0x80, 0x70, 0x3d, 0x88, 0xdd, 0xa5, 0xbb,
    0x59, 0xf3, 0x2e, 0xd8, 0xb0, 0x2a, 0x56, 0xc1, 0x87, 0xfe, 0x7d, 0x34, 0xca, 0xed, 0x24, 0x2d,
];

/// Telegram's Ed25519 public key for init data of bots in the test environment.
pub const TEST_PUBLIC_KEY: [u8; 32] = [
    0x40, 0x05, 0x50, 0x58, 0xa4, 0xee, 0x38, 0x15, 0x6a, 0x06, 0x56, 0x2e, 0x52, 0xee, 0xce, 0x92,
    0xa7, 0x71, 0xbc, 0xd8, 0x34, 0x6a, 0x8c, 0x46, 0x15, 0xcb, 0x73, 0x76, 0xed, 0xdf, 0x72, 0xec,
];

/// Which of Telegram's environments signed the init data, and so which public key checks it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Environment {
    /// The production environment ([`PRODUCTION_PUBLIC_KEY`]).
    Production,
    /// The test environment ([`TEST_PUBLIC_KEY`]).
    Test,
}

impl Environment {
    /// Telegram's Ed25519 public key of this environment.
    pub const fn public_key(self) -> [u8; 32] {
        match self {
            Environment::Production => PRODUCTION_PUBLIC_KEY,
            Environment::Test => TEST_PUBLIC_KEY,
        }
    }
}

/// Why init data or Login Widget data was rejected.
#[derive(Debug)]
#[non_exhaustive]
pub enum WebAppError {
    /// The data is not a query string of distinct fields (a field appears twice, or it is empty).
    Malformed,
    /// A required field is missing.
    MissingField(&'static str),
    /// A field does not hold what it should (not a number, not JSON of the documented shape).
    InvalidField(&'static str),
    /// The `hash` is not 64 hexadecimal digits.
    InvalidHash,
    /// The `hash` does not match: the data was changed, or was signed for another bot.
    HashMismatch,
    /// The `signature` is not an Ed25519 signature in base64url.
    InvalidSignature,
    /// The `signature` does not match: the data was changed, was signed for another bot, or in
    /// another environment.
    SignatureMismatch,
    /// The public key given is not a valid Ed25519 public key.
    InvalidPublicKey,
    /// `auth_date` is older than the maximum age.
    Expired {
        /// How old the data is.
        age: Duration,
        /// The maximum age allowed.
        max_age: Duration,
    },
}

impl fmt::Display for WebAppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebAppError::Malformed => f.write_str("not a query string of distinct fields"),
            WebAppError::MissingField(name) => write!(f, "the field `{name}` is missing"),
            WebAppError::InvalidField(name) => write!(f, "the field `{name}` is invalid"),
            WebAppError::InvalidHash => f.write_str("the hash is not 64 hexadecimal digits"),
            WebAppError::HashMismatch => f.write_str("the hash does not match the data"),
            WebAppError::InvalidSignature => {
                f.write_str("the signature is not an ed25519 signature in base64url")
            }
            WebAppError::SignatureMismatch => f.write_str("the signature does not match the data"),
            WebAppError::InvalidPublicKey => f.write_str("not a valid ed25519 public key"),
            WebAppError::Expired { age, max_age } => write!(
                f,
                "the data is {}s old, more than the maximum of {}s",
                age.as_secs(),
                max_age.as_secs()
            ),
        }
    }
}

impl std::error::Error for WebAppError {}

/// Checks init data and Login Widget data against a maximum age, at a given time.
///
/// `Validator::new(max_age)` checks against the clock at the time of each check;
/// [`now`](Validator::now) fixes the time (for tests, or to check data received earlier). An
/// `auth_date` ahead of the time of the check (a clock running behind Telegram's) counts as
/// age zero.
#[derive(Clone, Debug)]
pub struct Validator {
    max_age: Duration,
    now: Option<SystemTime>,
}

impl Validator {
    /// A validator that accepts data at most `max_age` old, by the system clock.
    pub fn new(max_age: Duration) -> Validator {
        Validator { max_age, now: None }
    }

    /// Checks ages against `now` instead of the system clock.
    #[must_use]
    pub fn now(mut self, now: SystemTime) -> Validator {
        self.now = Some(now);
        self
    }

    /// Validates init data with the bot's token: its `hash`, then the age of `auth_date`.
    ///
    /// # Errors
    ///
    /// Fails with [`WebAppError::Malformed`], [`WebAppError::MissingField`] or
    /// [`WebAppError::InvalidField`] when `init_data` is not well-formed,
    /// [`WebAppError::InvalidHash`] or [`WebAppError::HashMismatch`] when the `hash` is not valid
    /// for `bot_token`, and [`WebAppError::Expired`] when `auth_date` is older than the maximum
    /// age.
    pub fn validate(&self, init_data: &str, bot_token: &str) -> Result<InitData, WebAppError> {
        let fields = Fields::parse(init_data)?;
        let hash = fields.hex_hash()?;
        let secret = hmac_sha256(b"WebAppData", bot_token.as_bytes());
        let mut mac = HmacSha256::new_from_slice(&secret).expect("HMAC takes keys of any length");
        mac.update(fields.data_check_string(&["hash"]).as_bytes());
        mac.verify_slice(&hash)
            .map_err(|_| WebAppError::HashMismatch)?;
        let data = InitData::from_fields(fields)?;
        self.check_age(data.auth_date)?;
        Ok(data)
    }

    /// Validates init data without the bot's token: Telegram's Ed25519 `signature` for the bot
    /// `bot_id` in `environment`, then the age of `auth_date`.
    ///
    /// # Errors
    ///
    /// Fails as [`validate_signature_with_key`](Validator::validate_signature_with_key) does.
    pub fn validate_signature(
        &self,
        init_data: &str,
        bot_id: i64,
        environment: Environment,
    ) -> Result<InitData, WebAppError> {
        self.validate_signature_with_key(init_data, bot_id, &environment.public_key())
    }

    /// [`validate_signature`](Validator::validate_signature) with an Ed25519 public key given
    /// as its 32 bytes.
    ///
    /// # Errors
    ///
    /// Fails with [`WebAppError::InvalidPublicKey`] when `public_key` is not an Ed25519 key,
    /// [`WebAppError::Malformed`], [`WebAppError::MissingField`] or [`WebAppError::InvalidField`]
    /// when `init_data` is not well-formed, [`WebAppError::InvalidSignature`] or
    /// [`WebAppError::SignatureMismatch`] when the `signature` is not valid, and
    /// [`WebAppError::Expired`] when `auth_date` is older than the maximum age.
    pub fn validate_signature_with_key(
        &self,
        init_data: &str,
        bot_id: i64,
        public_key: &[u8; 32],
    ) -> Result<InitData, WebAppError> {
        use ed25519_dalek::{Signature, VerifyingKey};
        let key =
            VerifyingKey::from_bytes(public_key).map_err(|_| WebAppError::InvalidPublicKey)?;
        let fields = Fields::parse(init_data)?;
        let signature = fields
            .get("signature")
            .ok_or(WebAppError::MissingField("signature"))?;
        let signature: [u8; 64] = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(signature.trim_end_matches('='))
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or(WebAppError::InvalidSignature)?;
        let message = format!(
            "{bot_id}:WebAppData\n{}",
            fields.data_check_string(&["hash", "signature"])
        );
        key.verify_strict(message.as_bytes(), &Signature::from_bytes(&signature))
            .map_err(|_| WebAppError::SignatureMismatch)?;
        let data = InitData::from_fields(fields)?;
        self.check_age(data.auth_date)?;
        Ok(data)
    }

    /// Validates what the Login Widget sent to a website as a query string (the redirect of
    /// `data-auth-url`): its `hash`, then the age of `auth_date`.
    ///
    /// # Errors
    ///
    /// Fails with [`WebAppError::Malformed`], [`WebAppError::MissingField`] or
    /// [`WebAppError::InvalidField`] when `query` is not well-formed, [`WebAppError::InvalidHash`]
    /// or [`WebAppError::HashMismatch`] when the `hash` is not valid for `bot_token`, and
    /// [`WebAppError::Expired`] when `auth_date` is older than the maximum age.
    pub fn validate_login(&self, query: &str, bot_token: &str) -> Result<LoginData, WebAppError> {
        self.validate_login_fields(Fields::parse(query)?, bot_token)
    }

    /// Validates what the Login Widget passed to a page's `data-onauth` callback, as the JSON
    /// object the page sent on (string and number values).
    ///
    /// # Errors
    ///
    /// Fails with [`WebAppError::Malformed`] when `json` is not an object of strings, numbers and
    /// booleans, [`WebAppError::MissingField`] or [`WebAppError::InvalidField`] when a field is
    /// missing or wrong, [`WebAppError::InvalidHash`] or [`WebAppError::HashMismatch`] when the
    /// `hash` is not valid for `bot_token`, and [`WebAppError::Expired`] when `auth_date` is older
    /// than the maximum age.
    pub fn validate_login_json(
        &self,
        json: &str,
        bot_token: &str,
    ) -> Result<LoginData, WebAppError> {
        let object: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(json).map_err(|_| WebAppError::Malformed)?;
        let mut fields = BTreeMap::new();
        for (key, value) in object {
            let value = match value {
                serde_json::Value::String(s) => s,
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => b.to_string(),
                _ => return Err(WebAppError::Malformed),
            };
            fields.insert(key, value);
        }
        self.validate_login_fields(Fields(fields), bot_token)
    }

    fn validate_login_fields(
        &self,
        fields: Fields,
        bot_token: &str,
    ) -> Result<LoginData, WebAppError> {
        let hash = fields.hex_hash()?;
        let secret = Sha256::digest(bot_token.as_bytes());
        let mut mac = HmacSha256::new_from_slice(&secret).expect("HMAC takes keys of any length");
        mac.update(fields.data_check_string(&["hash"]).as_bytes());
        mac.verify_slice(&hash)
            .map_err(|_| WebAppError::HashMismatch)?;
        let data = LoginData::from_fields(fields)?;
        self.check_age(data.auth_date)?;
        Ok(data)
    }

    fn check_age(&self, auth_date: i64) -> Result<(), WebAppError> {
        let now = self.now.unwrap_or_else(SystemTime::now);
        let signed = unix_time(auth_date);
        let age = now.duration_since(signed).unwrap_or(Duration::ZERO);
        if age > self.max_age {
            return Err(WebAppError::Expired {
                age,
                max_age: self.max_age,
            });
        }
        Ok(())
    }
}

fn unix_time(seconds: i64) -> SystemTime {
    if seconds >= 0 {
        UNIX_EPOCH + Duration::from_secs(seconds.unsigned_abs())
    } else {
        UNIX_EPOCH
            .checked_sub(Duration::from_secs(seconds.unsigned_abs()))
            .unwrap_or(UNIX_EPOCH)
    }
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// The decoded fields of a query string, each once, sorted by key.
struct Fields(BTreeMap<String, String>);

impl Fields {
    fn parse(query: &str) -> Result<Fields, WebAppError> {
        let mut fields = BTreeMap::new();
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            if fields
                .insert(key.into_owned(), value.into_owned())
                .is_some()
            {
                return Err(WebAppError::Malformed);
            }
        }
        if fields.is_empty() {
            return Err(WebAppError::Malformed);
        }
        Ok(Fields(fields))
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    fn hex_hash(&self) -> Result<[u8; 32], WebAppError> {
        let hex = self.get("hash").ok_or(WebAppError::MissingField("hash"))?;
        decode_hex(hex).ok_or(WebAppError::InvalidHash)
    }

    /// `key=value` lines of every field but those of `except`, sorted by key.
    fn data_check_string(&self, except: &[&str]) -> String {
        let mut out = String::new();
        for (key, value) in &self.0 {
            if except.contains(&key.as_str()) {
                continue;
            }
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(key);
            out.push('=');
            out.push_str(value);
        }
        out
    }

    fn take(&mut self, key: &str) -> Option<String> {
        self.0.remove(key)
    }

    fn take_i64(&mut self, key: &'static str) -> Result<Option<i64>, WebAppError> {
        self.take(key)
            .map(|v| v.parse().map_err(|_| WebAppError::InvalidField(key)))
            .transpose()
    }

    fn take_json<T: serde::de::DeserializeOwned>(
        &mut self,
        key: &'static str,
    ) -> Result<Option<T>, WebAppError> {
        self.take(key)
            .map(|v| serde_json::from_str(&v).map_err(|_| WebAppError::InvalidField(key)))
            .transpose()
    }
}

fn decode_hex(hex: &str) -> Option<[u8; 32]> {
    let bytes = hex.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        *byte = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
}

/// Validated Mini App init data (`Telegram.WebApp.initData`).
///
/// The documented fields are typed; [`fields`](InitData::fields) keeps the others (added by a
/// newer Bot API) as received.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct InitData {
    /// A unique identifier of the Mini App session, for
    /// [`answerWebAppQuery`](crate::Bot::answer_web_app_query).
    pub query_id: Option<String>,
    /// The user who opened the Mini App.
    pub user: Option<WebAppUser>,
    /// The chat partner of the user in a private chat where the app was opened from the
    /// attachment menu.
    pub receiver: Option<WebAppUser>,
    /// The chat where the app was opened from the attachment menu (groups, supergroups and
    /// channels).
    pub chat: Option<WebAppChat>,
    /// The type of the chat the app was opened from: `sender`, `private`, `group`,
    /// `supergroup` or `channel`.
    pub chat_type: Option<String>,
    /// A global identifier of the chat the app was opened from.
    pub chat_instance: Option<String>,
    /// The `startattach` or `startapp` parameter of the link that opened the app.
    pub start_param: Option<String>,
    /// Seconds after which a message may be sent with
    /// [`answerWebAppQuery`](crate::Bot::answer_web_app_query).
    pub can_send_after: Option<i64>,
    /// When the data was signed, in Unix time.
    pub auth_date: i64,
    /// The HMAC-SHA256 of the data, hexadecimal (empty if the data had none and was checked by
    /// its signature).
    pub hash: String,
    /// Telegram's Ed25519 signature of the data, base64url, if present.
    pub signature: Option<String>,
    /// Fields of the data not listed above, decoded, by name.
    pub fields: BTreeMap<String, String>,
}

impl InitData {
    fn from_fields(mut fields: Fields) -> Result<InitData, WebAppError> {
        let auth_date = fields
            .take_i64("auth_date")?
            .ok_or(WebAppError::MissingField("auth_date"))?;
        Ok(InitData {
            query_id: fields.take("query_id"),
            user: fields.take_json("user")?,
            receiver: fields.take_json("receiver")?,
            chat: fields.take_json("chat")?,
            chat_type: fields.take("chat_type"),
            chat_instance: fields.take("chat_instance"),
            start_param: fields.take("start_param"),
            can_send_after: fields.take_i64("can_send_after")?,
            auth_date,
            hash: fields.take("hash").unwrap_or_default(),
            signature: fields.take("signature"),
            fields: fields.0,
        })
    }

    /// [`auth_date`](InitData::auth_date) as a time.
    pub fn auth_time(&self) -> SystemTime {
        unix_time(self.auth_date)
    }
}

/// A user, as a Mini App sees them
/// ([WebAppUser](https://core.telegram.org/bots/webapps#webappuser)).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct WebAppUser {
    /// The user's or bot's identifier.
    pub id: i64,
    /// Whether the user is a bot.
    pub is_bot: Option<bool>,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: Option<String>,
    /// Username.
    pub username: Option<String>,
    /// [IETF language tag](https://en.wikipedia.org/wiki/IETF_language_tag) of the user's
    /// language.
    pub language_code: Option<String>,
    /// Whether the user has Telegram Premium.
    pub is_premium: Option<bool>,
    /// Whether the user added the bot to the attachment menu.
    pub added_to_attachment_menu: Option<bool>,
    /// Whether the user allowed the bot to message them.
    pub allows_write_to_pm: Option<bool>,
    /// URL of the user's profile photo (`.jpeg` or `.svg`).
    pub photo_url: Option<String>,
    /// Fields this version of the crate does not know.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// A chat, as a Mini App sees it
/// ([WebAppChat](https://core.telegram.org/bots/webapps#webappchat)).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct WebAppChat {
    /// The chat's identifier.
    pub id: i64,
    /// The chat's type: `group`, `supergroup` or `channel`.
    #[serde(rename = "type")]
    pub r#type: String,
    /// The chat's title.
    pub title: String,
    /// The chat's username.
    pub username: Option<String>,
    /// URL of the chat's photo (`.jpeg` or `.svg`).
    pub photo_url: Option<String>,
    /// Fields this version of the crate does not know.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// Validated data of the [Login Widget](https://core.telegram.org/widgets/login).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct LoginData {
    /// The user's identifier.
    pub id: i64,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Username.
    pub username: Option<String>,
    /// URL of the user's profile photo.
    pub photo_url: Option<String>,
    /// When the user logged in, in Unix time.
    pub auth_date: i64,
    /// The HMAC-SHA256 of the data, hexadecimal.
    pub hash: String,
    /// Fields of the data not listed above, by name.
    pub fields: BTreeMap<String, String>,
}

impl LoginData {
    fn from_fields(mut fields: Fields) -> Result<LoginData, WebAppError> {
        Ok(LoginData {
            id: fields
                .take_i64("id")?
                .ok_or(WebAppError::MissingField("id"))?,
            first_name: fields.take("first_name"),
            last_name: fields.take("last_name"),
            username: fields.take("username"),
            photo_url: fields.take("photo_url"),
            auth_date: fields
                .take_i64("auth_date")?
                .ok_or(WebAppError::MissingField("auth_date"))?,
            hash: fields.take("hash").unwrap_or_default(),
            fields: fields.0,
        })
    }

    /// [`auth_date`](LoginData::auth_date) as a time.
    pub fn auth_time(&self) -> SystemTime {
        unix_time(self.auth_date)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex() {
        assert_eq!(decode_hex(&"0f".repeat(32)), Some([0x0f; 32]));
        assert_eq!(decode_hex(&"AB".repeat(32)), Some([0xab; 32]));
        assert_eq!(decode_hex(&"0g".repeat(32)), None);
        assert_eq!(decode_hex(&"0".repeat(63)), None);
        assert_eq!(decode_hex("é"), None);
        assert_eq!(decode_hex(&format!("{}é", "0".repeat(62))), None);
    }

    #[test]
    fn public_keys_are_telegrams() {
        let hex = |key: [u8; 32]| key.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(
            hex(Environment::Production.public_key()),
            "e7bf03a2fa4602af4580703d88dda5bb59f32ed8b02a56c187fe7d34caed242d"
        );
        assert_eq!(
            hex(Environment::Test.public_key()),
            "40055058a4ee38156a06562e52eece92a771bcd8346a8c4615cb7376eddf72ec"
        );
    }

    #[test]
    fn duplicate_and_empty_fields_are_malformed() {
        assert!(matches!(
            Fields::parse("a=1&a=2"),
            Err(WebAppError::Malformed)
        ));
        assert!(matches!(Fields::parse(""), Err(WebAppError::Malformed)));
    }
}

//! [`ChatId`]: a chat by identifier or by `@username`.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A chat: its unique identifier, or the `@username` of a channel, supergroup or bot.
///
/// Every `chat_id` parameter takes one. Build it from an integer or a string:
///
/// ```
/// use telegram_api::ChatId;
/// assert_eq!(ChatId::from(1234567890), ChatId::Id(1234567890));
/// assert_eq!(ChatId::from("@channel"), ChatId::Username("@channel".into()));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ChatId {
    /// The chat's unique identifier (up to 52 significant bits).
    Id(i64),
    /// The `@username` of a channel, supergroup or bot.
    Username(String),
}

impl From<i64> for ChatId {
    fn from(id: i64) -> Self {
        ChatId::Id(id)
    }
}

impl From<i32> for ChatId {
    fn from(id: i32) -> Self {
        ChatId::Id(id.into())
    }
}

impl From<&str> for ChatId {
    fn from(username: &str) -> Self {
        ChatId::Username(username.to_owned())
    }
}

impl From<String> for ChatId {
    fn from(username: String) -> Self {
        ChatId::Username(username)
    }
}

impl From<&String> for ChatId {
    fn from(username: &String) -> Self {
        ChatId::Username(username.clone())
    }
}

impl From<&ChatId> for ChatId {
    fn from(id: &ChatId) -> Self {
        id.clone()
    }
}

impl From<&crate::Chat> for ChatId {
    fn from(chat: &crate::Chat) -> Self {
        ChatId::Id(chat.id)
    }
}

impl From<&crate::User> for ChatId {
    /// The private chat with a user has the user's identifier.
    fn from(user: &crate::User) -> Self {
        ChatId::Id(user.id)
    }
}

impl fmt::Display for ChatId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChatId::Id(id) => write!(f, "{id}"),
            ChatId::Username(name) => f.write_str(name),
        }
    }
}

impl Serialize for ChatId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ChatId::Id(id) => s.serialize_i64(*id),
            ChatId::Username(name) => s.serialize_str(name),
        }
    }
}

impl<'de> Deserialize<'de> for ChatId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = ChatId;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a chat id or @username")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<ChatId, E> {
                Ok(ChatId::Id(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ChatId, E> {
                i64::try_from(v)
                    .map(ChatId::Id)
                    .map_err(|_| E::custom("chat id out of range"))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ChatId, E> {
                Ok(ChatId::Username(v.to_owned()))
            }
        }
        d.deserialize_any(V)
    }
}

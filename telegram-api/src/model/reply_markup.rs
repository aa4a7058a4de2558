//! [`ReplyMarkup`] and [`MessageOrTrue`]: the two alternatives the Bot API leaves unnamed.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{ForceReply, InlineKeyboardMarkup, Message, ReplyKeyboardMarkup, ReplyKeyboardRemove};

/// The additional interface options a `reply_markup` parameter takes: an inline keyboard, a
/// custom reply keyboard, an instruction to remove the reply keyboard, or to force a reply.
///
/// Every kind converts into it, so setters take any of them:
///
/// ```
/// use telegram_api::{ForceReply, ReplyMarkup};
/// let markup: ReplyMarkup = ForceReply::new().into();
/// assert_eq!(markup.to_string(), r#"{"force_reply":true}"#);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum ReplyMarkup {
    /// An inline keyboard that appears right next to the message.
    InlineKeyboard(InlineKeyboardMarkup),
    /// A custom keyboard with reply options.
    ReplyKeyboard(ReplyKeyboardMarkup),
    /// Removes the current custom keyboard.
    RemoveKeyboard(ReplyKeyboardRemove),
    /// Shows a reply interface to the user.
    ForceReply(ForceReply),
}

impl From<InlineKeyboardMarkup> for ReplyMarkup {
    fn from(m: InlineKeyboardMarkup) -> Self {
        ReplyMarkup::InlineKeyboard(m)
    }
}

impl From<ReplyKeyboardMarkup> for ReplyMarkup {
    fn from(m: ReplyKeyboardMarkup) -> Self {
        ReplyMarkup::ReplyKeyboard(m)
    }
}

impl From<ReplyKeyboardRemove> for ReplyMarkup {
    fn from(m: ReplyKeyboardRemove) -> Self {
        ReplyMarkup::RemoveKeyboard(m)
    }
}

impl From<ForceReply> for ReplyMarkup {
    fn from(m: ForceReply) -> Self {
        ReplyMarkup::ForceReply(m)
    }
}

impl Serialize for ReplyMarkup {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ReplyMarkup::InlineKeyboard(m) => m.serialize(s),
            ReplyMarkup::ReplyKeyboard(m) => m.serialize(s),
            ReplyMarkup::RemoveKeyboard(m) => m.serialize(s),
            ReplyMarkup::ForceReply(m) => m.serialize(s),
        }
    }
}

crate::codec::display::display_as_json!(ReplyMarkup);

/// What the edit methods (and `setGameScore`) return: the edited [`Message`], or `true` when
/// the message was sent via the bot in inline mode (Telegram does not return those).
#[derive(Clone, Debug, PartialEq)]
pub enum MessageOrTrue {
    /// The edited message.
    Message(Box<Message>),
    /// The edit of an inline message succeeded.
    True,
}

impl MessageOrTrue {
    /// The message, when one was returned.
    pub fn message(&self) -> Option<&Message> {
        match self {
            MessageOrTrue::Message(m) => Some(m),
            MessageOrTrue::True => None,
        }
    }

    /// The message, when one was returned.
    pub fn into_message(self) -> Option<Message> {
        match self {
            MessageOrTrue::Message(m) => Some(*m),
            MessageOrTrue::True => None,
        }
    }
}

impl Serialize for MessageOrTrue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            MessageOrTrue::Message(m) => m.serialize(s),
            MessageOrTrue::True => s.serialize_bool(true),
        }
    }
}

impl<'de> Deserialize<'de> for MessageOrTrue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = MessageOrTrue;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a Message object or true")
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<MessageOrTrue, E> {
                if v {
                    Ok(MessageOrTrue::True)
                } else {
                    Err(E::invalid_value(serde::de::Unexpected::Bool(false), &self))
                }
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<MessageOrTrue, A::Error> {
                crate::codec::de::ObjectVisitor::<Message>::new()
                    .visit_map(map)
                    .map(|m| MessageOrTrue::Message(Box::new(m)))
            }
        }
        d.deserialize_any(V)
    }
}

crate::codec::display::display_as_json!(MessageOrTrue);

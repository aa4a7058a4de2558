//! Updates as Telegram sends them, built from the Bot API's documented wire format (the
//! `Update`, `Message`, `CallbackQuery`, `Chat` and `User` objects), for the tests.
//!
//! ```
//! use telegram_api_tests::updates;
//!
//! // "/start" from user 7 in their private chat, as update 1.
//! let update = updates::text(1, 7, "/start").update();
//! assert_eq!(update.message().unwrap().chat.id, 7);
//! // A press on a button saying "vote:42", under message 3 of that chat.
//! let press = updates::callback_query(2, 7, "vote:42").on_message(7, 3).json();
//! assert!(press.contains(r#""data":"vote:42""#));
//! ```

use serde_json::{Value, json};
use telegram_api::Update;

/// The `date` of every message built here (November 14, 2023), unless one is given.
pub const DATE: i64 = 1_700_000_000;

/// A `Chat`: a user's private chat for a positive id, a group for a negative one.
pub fn chat(id: i64) -> Value {
    if id > 0 {
        json!({"id": id, "type": "private", "first_name": format!("U{id}")})
    } else {
        json!({"id": id, "type": "group", "title": "G"})
    }
}

/// A `User` who is not a bot.
pub fn user(id: i64) -> Value {
    json!({"id": id, "is_bot": false, "first_name": format!("U{id}")})
}

/// A text message update; see [`text`].
#[derive(Clone, Debug)]
pub struct TextMessage {
    update_id: i64,
    message_id: i64,
    date: i64,
    chat: Value,
    from: Option<Value>,
    text: String,
}

/// Update `update_id`: a message saying `text` in chat `chat` ([`chat`]), sent by the user of
/// the same id in a private chat and by nobody named in a group. Its `message_id` is the update
/// id and its date [`DATE`]; a text starting with `/` carries a `bot_command` entity over its
/// first word.
pub fn text(update_id: i64, chat: i64, text: &str) -> TextMessage {
    TextMessage {
        update_id,
        message_id: update_id,
        date: DATE,
        chat: self::chat(chat),
        from: (chat > 0).then(|| user(chat)),
        text: text.to_owned(),
    }
}

impl TextMessage {
    /// The message's id in its chat.
    pub fn message_id(mut self, message_id: i64) -> Self {
        self.message_id = message_id;
        self
    }

    /// The message's date (Unix time).
    pub fn date(mut self, date: i64) -> Self {
        self.date = date;
        self
    }

    /// Sent by this `User` object.
    pub fn from(mut self, user: Value) -> Self {
        self.from = Some(user);
        self
    }

    /// Sent by user `id` ([`user`]).
    pub fn from_user(self, id: i64) -> Self {
        self.from(user(id))
    }

    /// Sent by nobody named (as in a channel, or an anonymous group admin).
    pub fn anonymous(mut self) -> Self {
        self.from = None;
        self
    }

    /// In this `Chat` object.
    pub fn in_chat(mut self, chat: Value) -> Self {
        self.chat = chat;
        self
    }

    /// The `Message` object.
    pub fn message(&self) -> Value {
        let mut message = json!({
            "message_id": self.message_id,
            "date": self.date,
            "chat": self.chat,
            "text": self.text,
        });
        if let Some(from) = &self.from {
            message["from"] = from.clone();
        }
        if self.text.starts_with('/') {
            let command = self.text.split(' ').next().unwrap_or_default();
            let length = command.encode_utf16().count();
            message["entities"] = json!([{"type": "bot_command", "offset": 0, "length": length}]);
        }
        message
    }

    /// The `Update` object.
    pub fn value(&self) -> Value {
        json!({"update_id": self.update_id, "message": self.message()})
    }

    /// The update as JSON text.
    pub fn json(&self) -> String {
        self.value().to_string()
    }

    /// The update, decoded.
    pub fn update(&self) -> Update {
        decode(&self.value())
    }
}

/// A callback query update; see [`callback_query`].
#[derive(Clone, Debug)]
pub struct CallbackQuery {
    update_id: i64,
    from: Value,
    data: String,
    message: Option<Value>,
}

/// Update `update_id`: user `from` ([`user`]) pressed a button carrying `data`. Its query id is
/// `q<update_id>`; the message the button was under is not given unless
/// [`on_message`](CallbackQuery::on_message) says.
pub fn callback_query(update_id: i64, from: i64, data: &str) -> CallbackQuery {
    CallbackQuery {
        update_id,
        from: user(from),
        data: data.to_owned(),
        message: None,
    }
}

impl CallbackQuery {
    /// Pressed by this `User` object.
    pub fn from(mut self, user: Value) -> Self {
        self.from = user;
        self
    }

    /// Under message `message_id` of chat `chat` ([`chat`]), a bot's message saying "pick".
    pub fn on_message(mut self, chat: i64, message_id: i64) -> Self {
        self.message = Some(json!({
            "message_id": message_id,
            "date": DATE,
            "chat": self::chat(chat),
            "text": "pick",
        }));
        self
    }

    /// The `Update` object.
    pub fn value(&self) -> Value {
        let mut query = json!({
            "id": format!("q{}", self.update_id),
            "from": self.from,
            "chat_instance": "ci",
            "data": self.data,
        });
        if let Some(message) = &self.message {
            query["message"] = message.clone();
        }
        json!({"update_id": self.update_id, "callback_query": query})
    }

    /// The update as JSON text.
    pub fn json(&self) -> String {
        self.value().to_string()
    }

    /// The update, decoded.
    pub fn update(&self) -> Update {
        decode(&self.value())
    }
}

/// Update `update_id`: message `message_id` of chat `chat` ([`chat`]), a photo of the album
/// (media group) `group`, sent by the user of the chat's id in a private chat and by user 42 in
/// a group. The photo has two sizes, of file ids `small-<message_id>` and `photo-<message_id>`.
pub fn album_photo(update_id: i64, chat: i64, message_id: i64, group: &str) -> Value {
    let from = if chat > 0 { chat } else { 42 };
    json!({
        "update_id": update_id,
        "message": {
            "message_id": message_id,
            "from": user(from),
            "date": DATE,
            "chat": self::chat(chat),
            "media_group_id": group,
            "photo": [
                {
                    "file_id": format!("small-{message_id}"),
                    "file_unique_id": format!("s{message_id}"),
                    "width": 90,
                    "height": 67
                },
                {
                    "file_id": format!("photo-{message_id}"),
                    "file_unique_id": format!("p{message_id}"),
                    "width": 1280,
                    "height": 960
                }
            ]
        }
    })
}

/// `value` decoded as an `Update`; panics when it is not one.
pub fn decode(value: &Value) -> Update {
    serde_json::from_value(value.clone())
        .unwrap_or_else(|e| panic!("not a documented update ({e}): {value}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_carries_its_entity_in_utf16_units() {
        let update = text(5, 7, "/stärt now").update();
        let message = update.message().unwrap();
        assert_eq!(message.text.as_deref(), Some("/stärt now"));
        assert_eq!(message.from.as_ref().unwrap().id, 7);
        let entities = message.entities.as_ref().unwrap();
        assert_eq!((entities[0].offset, entities[0].length), (0, 6));
        assert!(text(1, -5, "hi").message()["from"].is_null());
    }
}

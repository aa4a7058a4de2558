//! What bots write about people and chats: a user's full name, a mention of them, a link to
//! them; a chat's name and link; a message's link.

use crate::text::{mention_html, mention_markdown_v2};
use crate::{Chat, ChatType, Message, User};

impl User {
    /// The first name and, when the user has one, the last name, separated by a space.
    ///
    /// ```
    /// let user: telegram_api::User = telegram_api::json::from_str(
    ///     r#"{"id": 42, "is_bot": false, "first_name": "Ada", "last_name": "Lovelace"}"#,
    /// )?;
    /// assert_eq!(user.full_name(), "Ada Lovelace");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn full_name(&self) -> String {
        match &self.last_name {
            Some(last) if !last.is_empty() => format!("{} {last}", self.first_name),
            _ => self.first_name.clone(),
        }
    }

    /// `https://t.me/<username>`, when the user has a username.
    pub fn link(&self) -> Option<String> {
        self.username.as_ref().map(|u| format!("https://t.me/{u}"))
    }

    /// An HTML mention of the user, shown as their full name (`parse_mode` HTML): it notifies
    /// the user and links to them even when they have no username.
    pub fn mention_html(&self) -> String {
        mention_html(self.id, &self.full_name())
    }

    /// A MarkdownV2 mention of the user, shown as their full name (`parse_mode` MarkdownV2).
    pub fn mention_markdown_v2(&self) -> String {
        mention_markdown_v2(self.id, &self.full_name())
    }
}

impl Chat {
    /// The chat's title, or for a private chat the other party's first and last name.
    pub fn full_name(&self) -> Option<String> {
        if let Some(title) = &self.title {
            return Some(title.clone());
        }
        let first = self.first_name.as_ref()?;
        Some(match &self.last_name {
            Some(last) if !last.is_empty() => format!("{first} {last}"),
            _ => first.clone(),
        })
    }

    /// `https://t.me/<username>`, when the chat has a username.
    pub fn link(&self) -> Option<String> {
        self.username.as_ref().map(|u| format!("https://t.me/{u}"))
    }
}

impl Message {
    /// The message's link, for a message of a supergroup or a channel:
    /// `https://t.me/<username>/<message id>` for a public chat, `https://t.me/c/<id>/<message
    /// id>` for a private one (which opens for its members only), with the forum topic's id
    /// before the message's in a topic. `None` in private chats and basic groups, which have
    /// no message links.
    ///
    /// ```
    /// let message: telegram_api::Message = telegram_api::json::from_str(
    ///     r#"{"message_id": 7, "date": 1700000000,
    ///         "chat": {"id": -1001234567890, "type": "supergroup", "title": "Club"}}"#,
    /// )?;
    /// assert_eq!(message.link().as_deref(), Some("https://t.me/c/1234567890/7"));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn link(&self) -> Option<String> {
        let chat = &self.chat;
        if !matches!(chat.r#type, ChatType::Supergroup | ChatType::Channel) {
            return None;
        }
        let place = match &chat.username {
            Some(username) => username.clone(),
            // Supergroup and channel ids are -100 followed by the id links use.
            None => format!("c/{}", chat.id.to_string().strip_prefix("-100")?),
        };
        let id = self.message_id;
        Some(match self.message_thread_id {
            Some(topic) if self.is_topic_message == Some(true) => {
                format!("https://t.me/{place}/{topic}/{id}")
            }
            _ => format!("https://t.me/{place}/{id}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::{Chat, User, json};

    #[test]
    fn names_mentions_and_links_of_users() {
        let user: User = json::from_str(
            r#"{"id": 42, "is_bot": false, "first_name": "Ada <3", "username": "ada"}"#,
        )
        .unwrap();
        assert_eq!(user.full_name(), "Ada <3");
        assert_eq!(user.link().as_deref(), Some("https://t.me/ada"));
        assert_eq!(
            user.mention_html(),
            r#"<a href="tg://user?id=42">Ada &lt;3</a>"#
        );
        assert_eq!(user.mention_markdown_v2(), r"[Ada <3](tg://user?id=42)");
        let plain: User =
            json::from_str(r#"{"id": 7, "is_bot": false, "first_name": "Bo", "last_name": ""}"#)
                .unwrap();
        assert_eq!(plain.full_name(), "Bo");
        assert_eq!(plain.link(), None);
    }

    #[test]
    fn names_and_links_of_chats() {
        let group: Chat = json::from_str(
            r#"{"id": -100, "type": "supergroup", "title": "Rustaceans", "username": "rust"}"#,
        )
        .unwrap();
        assert_eq!(group.full_name().as_deref(), Some("Rustaceans"));
        assert_eq!(group.link().as_deref(), Some("https://t.me/rust"));
        let private: Chat = json::from_str(
            r#"{"id": 42, "type": "private", "first_name": "Ada", "last_name": "Lovelace"}"#,
        )
        .unwrap();
        assert_eq!(private.full_name().as_deref(), Some("Ada Lovelace"));
        assert_eq!(private.link(), None);
    }

    #[test]
    fn links_of_messages() {
        let message = |chat: &str, extra: &str| -> crate::Message {
            json::from_str(&format!(
                r#"{{"message_id": 7, "date": 1700000000, "chat": {chat}{extra}}}"#
            ))
            .unwrap()
        };
        let public =
            r#"{"id": -1001234567890, "type": "channel", "title": "News", "username": "news"}"#;
        let private = r#"{"id": -1001234567890, "type": "supergroup", "title": "Club"}"#;
        let topic = r#", "message_thread_id": 3, "is_topic_message": true"#;
        let reply_thread = r#", "message_thread_id": 3"#;
        let link = |chat, extra| message(chat, extra).link();
        assert_eq!(link(public, "").as_deref(), Some("https://t.me/news/7"));
        assert_eq!(
            link(private, "").as_deref(),
            Some("https://t.me/c/1234567890/7")
        );
        assert_eq!(
            link(private, topic).as_deref(),
            Some("https://t.me/c/1234567890/3/7")
        );
        // A thread of replies that is not a forum topic is not in the link.
        assert_eq!(
            link(private, reply_thread).as_deref(),
            Some("https://t.me/c/1234567890/7")
        );
        for none in [
            r#"{"id": 42, "type": "private", "first_name": "Ada"}"#,
            r#"{"id": -42, "type": "group", "title": "G"}"#,
            // Not the shape of a supergroup's id: no link rather than a wrong one.
            r#"{"id": -42, "type": "supergroup", "title": "S"}"#,
        ] {
            assert_eq!(link(none, ""), None, "{none}");
        }
    }
}

//! The chat, user and message an [`Update`] is about, whatever its kind.

use crate::{Chat, ChatBoostSource, MaybeInaccessibleMessage, Message, Update, UpdateKind, User};

impl Update {
    /// The chat this update happened in, whatever its kind.
    ///
    /// - messages of every kind (new and edited messages, channel posts, business and guest
    ///   messages): the message's `chat`;
    /// - a callback query: the chat of the message the button was on, also when that message is
    ///   no longer accessible; `None` for a button on an inline message;
    /// - chat member changes, join requests, reactions, reaction counts, boosts and removed
    ///   boosts, deleted business messages, a stopped message generation: their `chat`;
    /// - a poll answer: the `voter_chat`, the chat that voted anonymously (`None` when a user
    ///   voted).
    ///
    /// `None` for inline queries, chosen inline results, shipping and pre-checkout queries, polls,
    /// business connections, paid media purchases, managed bots, subscriptions and kinds this
    /// version of the crate does not know.
    ///
    /// ```
    /// let update: telegram_api::Update = serde_json::from_str(
    ///     r#"{"update_id": 1, "message": {"message_id": 7, "date": 1700000000,
    ///         "chat": {"id": 42, "type": "private", "first_name": "Ada"},
    ///         "from": {"id": 42, "is_bot": false, "first_name": "Ada"}, "text": "hi"}}"#,
    /// )?;
    /// assert_eq!(update.effective_chat().map(|c| c.id), Some(42));
    /// assert_eq!(update.effective_user().map(|u| u.first_name.as_str()), Some("Ada"));
    /// assert_eq!(update.effective_message().and_then(|m| m.text.as_deref()), Some("hi"));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn effective_chat(&self) -> Option<&Chat> {
        if let Some(m) = self.carried_message() {
            return Some(&m.chat);
        }
        match &self.kind {
            UpdateKind::CallbackQuery(q) => match q.message.as_deref()? {
                MaybeInaccessibleMessage::Message(m) => Some(&m.chat),
                MaybeInaccessibleMessage::InaccessibleMessage(m) => Some(&m.chat),
            },
            UpdateKind::MyChatMember(u) | UpdateKind::ChatMember(u) => Some(&u.chat),
            UpdateKind::ChatJoinRequest(r) => Some(&r.chat),
            UpdateKind::MessageReaction(r) => Some(&r.chat),
            UpdateKind::MessageReactionCount(r) => Some(&r.chat),
            UpdateKind::ChatBoost(b) => Some(&b.chat),
            UpdateKind::RemovedChatBoost(b) => Some(&b.chat),
            UpdateKind::DeletedBusinessMessages(d) => Some(&d.chat),
            UpdateKind::StoppedMessageGeneration(s) => Some(&s.chat),
            UpdateKind::PollAnswer(a) => a.voter_chat.as_deref(),
            _ => None,
        }
    }

    /// The user who caused this update, whatever its kind.
    ///
    /// - messages of every kind: the message's `from` (`None` for channel posts and messages
    ///   sent on behalf of a chat);
    /// - callback queries, inline queries, chosen inline results, shipping and pre-checkout
    ///   queries, chat member changes, join requests, paid media purchases: their `from`;
    /// - a poll answer or a reaction: its `user` (`None` when a chat acted anonymously);
    /// - a boost or a removed boost: the user who boosted, when its source names one;
    /// - a business connection: the business account's user;
    /// - a managed bot or a subscription change: its `user`.
    ///
    /// `None` for polls, reaction counts, deleted business messages, a stopped message
    /// generation and kinds this version of the crate does not know.
    pub fn effective_user(&self) -> Option<&User> {
        if let Some(m) = self.carried_message() {
            return m.from.as_deref();
        }
        match &self.kind {
            UpdateKind::CallbackQuery(q) => Some(&q.from),
            UpdateKind::InlineQuery(q) => Some(&q.from),
            UpdateKind::ChosenInlineResult(r) => Some(&r.from),
            UpdateKind::ShippingQuery(q) => Some(&q.from),
            UpdateKind::PreCheckoutQuery(q) => Some(&q.from),
            UpdateKind::PurchasedPaidMedia(p) => Some(&p.from),
            UpdateKind::MyChatMember(u) | UpdateKind::ChatMember(u) => Some(&u.from),
            UpdateKind::ChatJoinRequest(r) => Some(&r.from),
            UpdateKind::PollAnswer(a) => a.user.as_deref(),
            UpdateKind::MessageReaction(r) => r.user.as_deref(),
            UpdateKind::ChatBoost(b) => boost_source_user(&b.boost.source),
            UpdateKind::RemovedChatBoost(b) => boost_source_user(&b.source),
            UpdateKind::BusinessConnection(c) => Some(&c.user),
            UpdateKind::ManagedBot(b) => Some(&b.user),
            UpdateKind::Subscription(s) => Some(&s.user),
            _ => None,
        }
    }

    /// The message this update carries or is about, whatever its kind: the message of a
    /// message update (new or edited message, channel post, business or guest message), or the
    /// message a callback query's button was on, when the bot can still access it.
    ///
    /// `None` for every other kind, for a callback query from an inline message, and for one
    /// whose message is no longer accessible.
    pub fn effective_message(&self) -> Option<&Message> {
        if let Some(m) = self.carried_message() {
            return Some(m);
        }
        match &self.kind {
            UpdateKind::CallbackQuery(q) => match q.message.as_deref()? {
                MaybeInaccessibleMessage::Message(m) => Some(m),
                _ => None,
            },
            _ => None,
        }
    }
}

impl Update {
    /// The message of a message update: new or edited message, channel post, business or
    /// guest message.
    fn carried_message(&self) -> Option<&Message> {
        match &self.kind {
            UpdateKind::Message(m)
            | UpdateKind::EditedMessage(m)
            | UpdateKind::ChannelPost(m)
            | UpdateKind::EditedChannelPost(m)
            | UpdateKind::BusinessMessage(m)
            | UpdateKind::EditedBusinessMessage(m)
            | UpdateKind::GuestMessage(m) => Some(m),
            _ => None,
        }
    }
}

fn boost_source_user(source: &ChatBoostSource) -> Option<&User> {
    match source {
        ChatBoostSource::Premium(s) => Some(&s.user),
        ChatBoostSource::GiftCode(s) => Some(&s.user),
        ChatBoostSource::Giveaway(s) => s.user.as_deref(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::Update;

    fn update(json: &str) -> Update {
        crate::json::from_str(json).expect("a valid update")
    }

    /// (chat id, user id, message id) of an update, as the effective accessors see it.
    fn ids(u: &Update) -> (Option<i64>, Option<i64>, Option<i64>) {
        (
            u.effective_chat().map(|c| c.id),
            u.effective_user().map(|u| u.id),
            u.effective_message().map(|m| m.message_id),
        )
    }

    const USER: &str = r#"{"id": 111, "is_bot": false, "first_name": "Ada"}"#;
    const GROUP: &str = r#"{"id": -100222, "type": "supergroup", "title": "Group"}"#;

    fn message(chat: &str, from: Option<&str>) -> String {
        let from = from.map_or(String::new(), |f| format!(r#""from": {f},"#));
        format!(r#"{{"message_id": 5, "date": 1700000000, {from} "chat": {chat}, "text": "hi"}}"#)
    }

    #[test]
    fn message_kinds() {
        for kind in [
            "message",
            "edited_message",
            "business_message",
            "edited_business_message",
            "guest_message",
        ] {
            let u = update(&format!(
                r#"{{"update_id": 1, "{kind}": {}}}"#,
                message(GROUP, Some(USER))
            ));
            assert_eq!(ids(&u), (Some(-100222), Some(111), Some(5)), "{kind}");
        }
        let channel = r#"{"id": -100333, "type": "channel", "title": "News"}"#;
        for kind in ["channel_post", "edited_channel_post"] {
            let u = update(&format!(
                r#"{{"update_id": 1, "{kind}": {}}}"#,
                message(channel, None)
            ));
            assert_eq!(ids(&u), (Some(-100333), None, Some(5)), "{kind}");
        }
    }

    #[test]
    fn callback_queries() {
        let accessible = update(&format!(
            r#"{{"update_id": 2, "callback_query": {{"id": "9", "from": {USER},
                "chat_instance": "ci", "data": "yes", "message": {}}}}}"#,
            message(GROUP, None)
        ));
        assert_eq!(ids(&accessible), (Some(-100222), Some(111), Some(5)));

        // A message older than 48 hours arrives with date 0: only its chat and id are known.
        let inaccessible = update(&format!(
            r#"{{"update_id": 3, "callback_query": {{"id": "9", "from": {USER},
                "chat_instance": "ci", "data": "yes",
                "message": {{"chat": {GROUP}, "message_id": 5, "date": 0}}}}}}"#
        ));
        assert_eq!(ids(&inaccessible), (Some(-100222), Some(111), None));

        let inline = update(&format!(
            r#"{{"update_id": 4, "callback_query": {{"id": "9", "from": {USER},
                "chat_instance": "ci", "inline_message_id": "AAA", "data": "yes"}}}}"#
        ));
        assert_eq!(ids(&inline), (None, Some(111), None));
    }

    #[test]
    fn queries_from_users() {
        let cases = [
            format!(
                r#"{{"update_id": 1, "inline_query": {{"id": "1", "from": {USER}, "query": "q", "offset": ""}}}}"#
            ),
            format!(
                r#"{{"update_id": 1, "chosen_inline_result": {{"result_id": "r", "from": {USER}, "query": "q"}}}}"#
            ),
            format!(
                r#"{{"update_id": 1, "shipping_query": {{"id": "1", "from": {USER}, "invoice_payload": "p",
                    "shipping_address": {{"country_code": "DE", "state": "", "city": "Berlin",
                    "street_line1": "A 1", "street_line2": "", "post_code": "10115"}}}}}}"#
            ),
            format!(
                r#"{{"update_id": 1, "pre_checkout_query": {{"id": "1", "from": {USER}, "currency": "XTR",
                    "total_amount": 5, "invoice_payload": "p"}}}}"#
            ),
            format!(
                r#"{{"update_id": 1, "purchased_paid_media": {{"from": {USER}, "paid_media_payload": "p"}}}}"#
            ),
            format!(
                r#"{{"update_id": 1, "business_connection": {{"id": "b", "user": {USER}, "user_chat_id": 111,
                    "date": 1700000000, "is_enabled": true}}}}"#
            ),
        ];
        for json in &cases {
            assert_eq!(ids(&update(json)), (None, Some(111), None), "{json}");
        }
    }

    #[test]
    fn chat_member_updates_and_join_requests() {
        let member =
            r#"{"status": "member", "user": {"id": 111, "is_bot": false, "first_name": "Ada"}}"#;
        let left =
            r#"{"status": "left", "user": {"id": 111, "is_bot": false, "first_name": "Ada"}}"#;
        for kind in ["my_chat_member", "chat_member"] {
            let u = update(&format!(
                r#"{{"update_id": 1, "{kind}": {{"chat": {GROUP}, "from": {USER}, "date": 1700000000,
                    "old_chat_member": {left}, "new_chat_member": {member}}}}}"#
            ));
            assert_eq!(ids(&u), (Some(-100222), Some(111), None), "{kind}");
        }
        let u = update(&format!(
            r#"{{"update_id": 1, "chat_join_request": {{"chat": {GROUP}, "from": {USER},
                "user_chat_id": 111, "date": 1700000000}}}}"#
        ));
        assert_eq!(ids(&u), (Some(-100222), Some(111), None));
    }

    #[test]
    fn reactions() {
        let by_user = update(&format!(
            r#"{{"update_id": 1, "message_reaction": {{"chat": {GROUP}, "message_id": 5, "user": {USER},
                "date": 1700000000, "old_reaction": [], "new_reaction": [{{"type": "emoji", "emoji": "👍"}}]}}}}"#
        ));
        assert_eq!(ids(&by_user), (Some(-100222), Some(111), None));
        let anonymous = update(&format!(
            r#"{{"update_id": 1, "message_reaction": {{"chat": {GROUP}, "message_id": 5, "actor_chat": {GROUP},
                "date": 1700000000, "old_reaction": [], "new_reaction": []}}}}"#
        ));
        assert_eq!(ids(&anonymous), (Some(-100222), None, None));
        let counts = update(&format!(
            r#"{{"update_id": 1, "message_reaction_count": {{"chat": {GROUP}, "message_id": 5,
                "date": 1700000000, "reactions": [{{"type": {{"type": "emoji", "emoji": "👍"}}, "total_count": 3}}]}}}}"#
        ));
        assert_eq!(ids(&counts), (Some(-100222), None, None));
    }

    #[test]
    fn polls() {
        let by_user = update(&format!(
            r#"{{"update_id": 1, "poll_answer": {{"poll_id": "p", "user": {USER}, "option_ids": [0],
                "option_persistent_ids": ["a"]}}}}"#
        ));
        assert_eq!(ids(&by_user), (None, Some(111), None));
        let by_chat = update(&format!(
            r#"{{"update_id": 1, "poll_answer": {{"poll_id": "p", "voter_chat": {GROUP}, "option_ids": [0],
                "option_persistent_ids": ["a"]}}}}"#
        ));
        assert_eq!(ids(&by_chat), (Some(-100222), None, None));
        let poll = update(
            r#"{"update_id": 1, "poll": {"id": "p", "question": "Q?", "options": [
                {"persistent_id": "a", "text": "A", "voter_count": 1}, {"persistent_id": "b", "text": "B", "voter_count": 0}],
                "total_voter_count": 1, "is_closed": true, "is_anonymous": false, "type": "regular",
                "allows_multiple_answers": false, "allows_revoting": true, "members_only": false}}"#,
        );
        assert_eq!(ids(&poll), (None, None, None));
    }

    #[test]
    fn boosts() {
        let added = update(&format!(
            r#"{{"update_id": 1, "chat_boost": {{"chat": {GROUP}, "boost": {{"boost_id": "b",
                "add_date": 1700000000, "expiration_date": 1800000000,
                "source": {{"source": "premium", "user": {USER}}}}}}}}}"#
        ));
        assert_eq!(ids(&added), (Some(-100222), Some(111), None));
        let removed = update(&format!(
            r#"{{"update_id": 1, "removed_chat_boost": {{"chat": {GROUP}, "boost_id": "b",
                "remove_date": 1700000000, "source": {{"source": "gift_code", "user": {USER}}}}}}}"#
        ));
        assert_eq!(ids(&removed), (Some(-100222), Some(111), None));
        let giveaway = update(&format!(
            r#"{{"update_id": 1, "chat_boost": {{"chat": {GROUP}, "boost": {{"boost_id": "b",
                "add_date": 1700000000, "expiration_date": 1800000000,
                "source": {{"source": "giveaway", "giveaway_message_id": 9, "is_unclaimed": true}}}}}}}}"#
        ));
        assert_eq!(ids(&giveaway), (Some(-100222), None, None));
    }

    #[test]
    fn deleted_business_messages_and_unknown_kinds() {
        let deleted = update(&format!(
            r#"{{"update_id": 1, "deleted_business_messages": {{"business_connection_id": "b",
                "chat": {GROUP}, "message_ids": [1, 2]}}}}"#
        ));
        assert_eq!(ids(&deleted), (Some(-100222), None, None));
        let unknown = update(r#"{"update_id": 1, "something_new": {"chat": {"id": 1}}}"#);
        assert_eq!(ids(&unknown), (None, None, None));
        let empty = update(r#"{"update_id": 1}"#);
        assert_eq!(ids(&empty), (None, None, None));
    }
}

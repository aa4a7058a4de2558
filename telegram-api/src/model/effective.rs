//! Tests of `Update::effective_chat`, `effective_user` and `effective_message`, which the
//! generator derives from the fields of each update kind's payload (`codegen/src/emit/effective.rs`).

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
    let left = r#"{"status": "left", "user": {"id": 111, "is_bot": false, "first_name": "Ada"}}"#;
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

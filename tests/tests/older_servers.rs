//! Payloads from servers at an older Bot API release than the crate's (9.2 and later), in the
//! documented wire format: a required field a later release added reads as `false`, an empty
//! list or `None` when absent, and stays absent when the value is encoded again; a field
//! required in every supported release still fails, naming its path.

use serde_json::Value;
use telegram_api::{ChatAdministratorRights, PollAnswer, PollOption, Update};

/// `value` encoded again, as JSON.
fn again<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap()
}

const RIGHTS_9_2: &str = r#"{"is_anonymous": false, "can_manage_chat": true,
    "can_delete_messages": true, "can_manage_video_chats": false, "can_restrict_members": true,
    "can_promote_members": false, "can_change_info": true, "can_invite_users": true,
    "can_post_stories": false, "can_edit_stories": false, "can_delete_stories": false,
    "can_pin_messages": true}"#;

#[test]
fn an_absent_flag_added_later_reads_false_and_stays_absent() {
    let rights: ChatAdministratorRights = serde_json::from_str(RIGHTS_9_2).unwrap();
    assert!(!rights.can_send_welcome_messages);
    assert!(rights.can_manage_chat);
    let original: Value = serde_json::from_str(RIGHTS_9_2).unwrap();
    assert_eq!(again(&rights), original);

    // Set after decoding, it is written.
    let mut changed = rights.clone();
    changed.can_send_welcome_messages = true;
    assert_eq!(again(&changed)["can_send_welcome_messages"], true);

    // A newer server's `false` is kept as sent.
    let mut newer = original.clone();
    newer["can_send_welcome_messages"] = Value::Bool(false);
    let rights: ChatAdministratorRights = serde_json::from_value(newer.clone()).unwrap();
    assert_eq!(again(&rights), newer);
}

#[test]
fn an_absent_list_added_later_reads_empty_and_stays_absent() {
    let json = r#"{"poll_id": "5", "option_ids": [1],
        "user": {"id": 1234567890, "is_bot": false, "first_name": "John"}}"#;
    let answer: PollAnswer = serde_json::from_str(json).unwrap();
    assert!(answer.option_persistent_ids.is_empty());
    assert_eq!(answer.option_ids, [1]);
    assert_eq!(again(&answer), serde_json::from_str::<Value>(json).unwrap());

    let newer = r#"{"poll_id": "5", "option_ids": [], "option_persistent_ids": [],
        "user": {"id": 1234567890, "is_bot": false, "first_name": "John"}}"#;
    let answer: PollAnswer = serde_json::from_str(newer).unwrap();
    assert_eq!(
        again(&answer),
        serde_json::from_str::<Value>(newer).unwrap()
    );
}

#[test]
fn an_absent_string_added_later_is_none() {
    let option: PollOption = serde_json::from_str(r#"{"text": "Yes", "voter_count": 3}"#).unwrap();
    assert_eq!(option.persistent_id, None);
    assert_eq!(option.text, "Yes");
    assert!(again(&option).get("persistent_id").is_none());
    let newer: PollOption =
        serde_json::from_str(r#"{"persistent_id": "a1", "text": "Yes", "voter_count": 3}"#)
            .unwrap();
    assert_eq!(newer.persistent_id.as_deref(), Some("a1"));
}

#[test]
fn a_field_required_in_every_supported_release_still_fails_with_its_path() {
    let mut json: Value = serde_json::from_str(RIGHTS_9_2).unwrap();
    json.as_object_mut().unwrap().remove("can_manage_chat");
    let error = serde_json::from_value::<ChatAdministratorRights>(json).unwrap_err();
    assert!(error.to_string().contains("can_manage_chat"), "{error}");

    let update = r#"{"update_id": 7, "message": {"message_id": 1,
        "chat": {"id": 1, "type": "private", "first_name": "A"}, "text": "no date"}}"#;
    // Alone, the update fails; a webhook body (or a getUpdates batch) salvages it.
    assert!(serde_json::from_str::<Update>(update).is_err());
    let update = telegram_api::webhook::parse_update(update.as_bytes()).unwrap();
    let undecoded = update.undecoded().expect("salvaged, not decoded");
    let reason = undecoded.error.as_deref().unwrap_or("");
    assert!(reason.contains("date"), "{reason}");
}

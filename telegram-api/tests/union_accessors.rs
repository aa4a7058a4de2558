//! What every kind of a union has is read without matching on the kind: `ChatMember::user`
//! and `ChatMember::status`, `MessageOrigin::date`. Payloads written from the documented wire
//! format.

use telegram_api::{ChatMember, MessageOrigin, json};

const USER: &str = r#"{"id": 42, "is_bot": false, "first_name": "Ada"}"#;

#[test]
fn every_kind_of_chat_member_has_its_user_and_status() {
    for (status, extra) in [
        ("creator", r#""is_anonymous": false"#),
        ("member", r#""tag": "x""#),
        ("left", r#""tag": "x""#),
        ("kicked", r#""until_date": 0"#),
    ] {
        let member: ChatMember = json::from_str(&format!(
            r#"{{"status": "{status}", "user": {USER}, {extra}}}"#
        ))
        .unwrap_or_else(|e| panic!("{status}: {e}"));
        assert_eq!(member.status(), status);
        assert_eq!(member.user().map(|u| u.id), Some(42), "{status}");
    }
}

#[test]
fn a_kind_this_version_does_not_know_keeps_its_status_and_has_no_user() {
    let member: ChatMember =
        json::from_str(&format!(r#"{{"status": "wizard", "user": {USER}}}"#)).unwrap();
    assert!(matches!(member, ChatMember::Unknown(_)));
    assert_eq!(member.status(), "wizard");
    assert_eq!(member.user(), None);
}

#[test]
fn every_kind_of_message_origin_has_its_date() {
    let origin: MessageOrigin = json::from_str(&format!(
        r#"{{"type": "user", "date": 1700000000, "sender_user": {USER}}}"#
    ))
    .unwrap();
    assert_eq!(origin.date(), Some(1700000000));
    assert_eq!(origin.r#type(), "user");
}

//! Decoding then encoding gives back the same JSON: floats keep every bit, and a name repeated
//! in an object keeps its last value (as `serde_json::Value` does) and is written once.

use serde_json::Value;
use telegram_api::{ChatMember, Location, Update, User};

/// Decodes `text` as `T`, encodes it again, and compares with what `serde_json::Value` makes of
/// the same text (which keeps the last value of a repeated name).
fn same_as_value<T: serde::de::DeserializeOwned + serde::Serialize>(text: &str) -> Value {
    let typed: T = telegram_api::json::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    let encoded = serde_json::to_string(&typed).unwrap();
    let expected: Value = serde_json::from_str(text).unwrap();
    let got: Value = serde_json::from_str(&encoded).unwrap();
    assert_eq!(got, expected, "{text} re-encoded as {encoded}");
    got
}

#[test]
fn floats_keep_every_bit() {
    // Decimal forms whose nearest double is only found by a correctly rounded parser.
    for text in [
        "48.858844300000001",
        "2.2250738585072014e-308",
        "1.7976931348623157e308",
        "0.30000000000000004",
        "9007199254740993.0",
        "5e-324",
        "-37.61722211111111",
        "55.755826123456789",
    ] {
        let json = format!(r#"{{"latitude":{text},"longitude":{text}}}"#);
        let location: Location = telegram_api::json::from_str(&json).unwrap();
        let exact: f64 = text.parse().unwrap();
        assert_eq!(location.latitude.to_bits(), exact.to_bits(), "{text}");
        let encoded = serde_json::to_string(&location).unwrap();
        let again: Location = telegram_api::json::from_str(&encoded).unwrap();
        assert_eq!(
            again.longitude.to_bits(),
            exact.to_bits(),
            "{text} -> {encoded}"
        );
    }
}

#[test]
fn a_repeated_known_field_keeps_its_last_value() {
    let v = same_as_value::<User>(r#"{"id":1,"is_bot":false,"first_name":"A","first_name":"B"}"#);
    assert_eq!(v["first_name"], "B");
    let user: User = telegram_api::json::from_str(
        r#"{"id":1,"is_bot":false,"first_name":"A","last_name":"B","last_name":null}"#,
    )
    .unwrap();
    assert_eq!(user.last_name, None);
    assert_eq!(
        serde_json::to_string(&user).unwrap(),
        r#"{"id":1,"is_bot":false,"first_name":"A"}"#
    );
}

#[test]
fn a_repeated_unknown_field_is_written_once() {
    let text = r#"{"id":1,"is_bot":false,"first_name":"A","aura":1,"aura":2}"#;
    let user: User = telegram_api::json::from_str(text).unwrap();
    assert_eq!(
        serde_json::to_string(&user).unwrap(),
        r#"{"id":1,"is_bot":false,"first_name":"A","aura":2}"#
    );
}

#[test]
fn a_repeated_update_kind_is_written_once() {
    let text = r#"{"update_id":7,"message_reaction_count":{"chat":{"id":1,"type":"private"},"message_id":1,"date":0,"reactions":[]},"message_reaction_count":{"chat":{"id":2,"type":"private"},"message_id":1,"date":0,"reactions":[]}}"#;
    let v = same_as_value::<Update>(text);
    assert_eq!(v["message_reaction_count"]["chat"]["id"], 2);
    let update: Update = telegram_api::json::from_str(text).unwrap();
    let encoded = serde_json::to_string(&update).unwrap();
    assert_eq!(
        encoded.matches("message_reaction_count").count(),
        1,
        "{encoded}"
    );
    // The repeated update_id, too.
    same_as_value::<Update>(r#"{"update_id":1,"update_id":2,"future_kind":{"a":1}}"#);
}

#[test]
fn a_repeated_discriminator_keeps_its_last_value() {
    let text =
        r#"{"status":"member","status":"left","user":{"id":1,"is_bot":false,"first_name":"A"}}"#;
    same_as_value::<ChatMember>(text);
    let member: ChatMember = telegram_api::json::from_str(text).unwrap();
    assert!(matches!(member, ChatMember::Left(_)), "{member:?}");
}

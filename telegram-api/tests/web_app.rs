//! Known-answer tests of `telegram_api::web_app`: init data and Login Widget data signed here as
//! Telegram's documentation describes, with a test token and an Ed25519 key made in the test.
#![cfg(feature = "web-app")]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use ed25519_dalek::{Signer as _, SigningKey};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use telegram_api::web_app::{Environment, Validator, WebAppError};

const TOKEN: &str = "7342037359:AAHI25ES9xCOMPWYWjJY8qp3yu1i0Bk4kvM";
const BOT_ID: i64 = 7342037359;
const AUTH_DATE: u64 = 1_788_256_800;
const USER: &str = r#"{"id":279058397,"first_name":"Vladislav","last_name":"Kibenko","username":"vdkfrost","language_code":"ru","is_premium":true,"allows_write_to_pm":true,"photo_url":"https:\/\/t.me\/i\/userpic\/320\/4FPEE4tmP3ATHa57u6MqTDih13LTOiMoKoLDRG4PnSA.svg"}"#;

fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hmac(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// Sorted `key=value` lines of the fields, leaving out those named in `except`.
fn data_check_string(fields: &[(&str, String)], except: &[&str]) -> String {
    let mut lines: Vec<String> = fields
        .iter()
        .filter(|(k, _)| !except.contains(k))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    lines.sort();
    lines.join("\n")
}

fn encode(fields: &[(&str, String)]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        out.append_pair(k, v);
    }
    out.finish()
}

fn init_fields() -> Vec<(&'static str, String)> {
    vec![
        ("query_id", "AAHdF6IQAAAAAN0XohDhrOrc".to_string()),
        ("user", USER.to_string()),
        ("auth_date", AUTH_DATE.to_string()),
        ("start_param", "ref-42".to_string()),
        ("chat_instance", "-6428013891212567012".to_string()),
        ("chat_type", "sender".to_string()),
    ]
}

/// Adds `signature` (Ed25519 by `key` for `bot_id`) and `hash` (HMAC with `token`), as
/// Telegram does: the signature covers every field but `hash`; the hash covers the signature.
fn sign(
    mut fields: Vec<(&'static str, String)>,
    token: &str,
    key: &SigningKey,
    bot_id: i64,
) -> Vec<(&'static str, String)> {
    let message = format!(
        "{bot_id}:WebAppData\n{}",
        data_check_string(&fields, &["hash", "signature"])
    );
    let signature = key.sign(message.as_bytes()).to_bytes();
    fields.push((
        "signature",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(signature),
    ));
    let secret = hmac(b"WebAppData", token.as_bytes());
    let hash = hmac(&secret, data_check_string(&fields, &["hash"]).as_bytes());
    fields.push(("hash", hex(&hash)));
    fields
}

fn key() -> SigningKey {
    SigningKey::from_bytes(&[7; 32])
}

fn public(key: &SigningKey) -> [u8; 32] {
    key.verifying_key().to_bytes()
}

fn validator() -> Validator {
    Validator::new(Duration::from_secs(3600)).now(at(AUTH_DATE + 60))
}

fn signed() -> String {
    encode(&sign(init_fields(), TOKEN, &key(), BOT_ID))
}

#[test]
fn valid_init_data_with_the_token() {
    let data = validator().validate(&signed(), TOKEN).unwrap();
    let user = data.user.clone().unwrap();
    assert_eq!(user.id, 279058397);
    assert_eq!(user.first_name, "Vladislav");
    assert_eq!(user.username.as_deref(), Some("vdkfrost"));
    assert_eq!(user.is_premium, Some(true));
    assert!(
        user.photo_url
            .unwrap()
            .starts_with("https://t.me/i/userpic/")
    );
    assert_eq!(data.query_id.as_deref(), Some("AAHdF6IQAAAAAN0XohDhrOrc"));
    assert_eq!(data.start_param.as_deref(), Some("ref-42"));
    assert_eq!(data.chat_type.as_deref(), Some("sender"));
    assert_eq!(data.auth_date, AUTH_DATE as i64);
    assert_eq!(data.auth_time(), at(AUTH_DATE));
    assert!(data.signature.is_some());
    assert!(data.fields.is_empty());
}

#[test]
fn valid_init_data_with_the_signature() {
    let data = validator()
        .validate_signature_with_key(&signed(), BOT_ID, &public(&key()))
        .unwrap();
    assert_eq!(data.user.unwrap().id, 279058397);
}

#[test]
fn fields_in_any_order_are_valid() {
    let mut fields = sign(init_fields(), TOKEN, &key(), BOT_ID);
    fields.reverse();
    let reordered = encode(&fields);
    assert_ne!(reordered, signed());
    validator().validate(&reordered, TOKEN).unwrap();
    validator()
        .validate_signature_with_key(&reordered, BOT_ID, &public(&key()))
        .unwrap();
}

#[test]
fn chat_receiver_and_unknown_fields_are_decoded() {
    let mut fields = init_fields();
    fields.push((
        "chat",
        r#"{"id":-1001234567890,"type":"supergroup","title":"Club","photo_url":"https://t.me/c.svg","new_field":1}"#.into(),
    ));
    fields.push((
        "receiver",
        r#"{"id":42,"first_name":"Ann","is_bot":false}"#.into(),
    ));
    fields.push(("can_send_after", "10".into()));
    fields.push(("added_in_a_later_version", "x y".into()));
    let data = validator()
        .validate(&encode(&sign(fields, TOKEN, &key(), BOT_ID)), TOKEN)
        .unwrap();
    let chat = data.chat.unwrap();
    assert_eq!(
        (chat.id, chat.r#type.as_str(), chat.title.as_str()),
        (-1001234567890, "supergroup", "Club")
    );
    assert_eq!(chat.extra["new_field"], 1);
    assert_eq!(data.receiver.unwrap().first_name, "Ann");
    assert_eq!(data.can_send_after, Some(10));
    assert_eq!(data.fields["added_in_a_later_version"], "x y");
}

#[test]
fn expired_init_data_is_rejected() {
    let late = Validator::new(Duration::from_secs(3600)).now(at(AUTH_DATE + 3601));
    match late.validate(&signed(), TOKEN) {
        Err(WebAppError::Expired { age, max_age }) => {
            assert_eq!((age.as_secs(), max_age.as_secs()), (3601, 3600));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        late.validate_signature_with_key(&signed(), BOT_ID, &public(&key())),
        Err(WebAppError::Expired { .. })
    ));
    // Exactly the maximum age is still valid; a clock behind Telegram's is age zero.
    let edge = Validator::new(Duration::from_secs(3600)).now(at(AUTH_DATE + 3600));
    edge.validate(&signed(), TOKEN).unwrap();
    let behind = Validator::new(Duration::from_secs(3600)).now(at(AUTH_DATE - 30));
    behind.validate(&signed(), TOKEN).unwrap();
    // By default the system clock is read: data of 2001 is expired.
    let mut fields = init_fields();
    fields[2].1 = "1000000000".into();
    let old = encode(&sign(fields, TOKEN, &key(), BOT_ID));
    assert!(matches!(
        Validator::new(Duration::from_secs(86400)).validate(&old, TOKEN),
        Err(WebAppError::Expired { .. })
    ));
}

#[test]
fn tampered_init_data_is_rejected() {
    let mut fields = sign(init_fields(), TOKEN, &key(), BOT_ID);
    for (k, v) in &mut fields {
        if *k == "start_param" {
            *v = "ref-43".into();
        }
    }
    let tampered = encode(&fields);
    assert!(matches!(
        validator().validate(&tampered, TOKEN),
        Err(WebAppError::HashMismatch)
    ));
    assert!(matches!(
        validator().validate_signature_with_key(&tampered, BOT_ID, &public(&key())),
        Err(WebAppError::SignatureMismatch)
    ));
    // A later auth_date would extend the data's life.
    let later = signed().replace(&AUTH_DATE.to_string(), &(AUTH_DATE + 1).to_string());
    assert!(matches!(
        validator().validate(&later, TOKEN),
        Err(WebAppError::HashMismatch)
    ));
    // A field added.
    let added = format!("{}&is_admin=true", signed());
    assert!(matches!(
        validator().validate(&added, TOKEN),
        Err(WebAppError::HashMismatch)
    ));
    // A field given twice, whichever copy a reader would take.
    let twice = format!("{}&start_param=ref-43", signed());
    assert!(matches!(
        validator().validate(&twice, TOKEN),
        Err(WebAppError::Malformed)
    ));
}

#[test]
fn wrong_token_is_rejected_and_not_shown() {
    let other = "7342037359:AAHI25ES9xCOMPWYWjJY8qp3yu1i0Bk4kvN";
    let error = validator().validate(&signed(), other).unwrap_err();
    assert!(matches!(error, WebAppError::HashMismatch));
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains("AAHI25ES9x"), "{shown}");
}

#[test]
fn wrong_bot_id_or_key_is_rejected() {
    assert!(matches!(
        validator().validate_signature_with_key(&signed(), BOT_ID + 1, &public(&key())),
        Err(WebAppError::SignatureMismatch)
    ));
    let other = SigningKey::from_bytes(&[8; 32]);
    assert!(matches!(
        validator().validate_signature_with_key(&signed(), BOT_ID, &public(&other)),
        Err(WebAppError::SignatureMismatch)
    ));
    // Data this test signed is not Telegram's, in either environment.
    for environment in [Environment::Production, Environment::Test] {
        assert!(matches!(
            validator().validate_signature(&signed(), BOT_ID, environment),
            Err(WebAppError::SignatureMismatch)
        ));
    }
}

#[test]
fn telegrams_keys_are_the_documented_ones() {
    assert_eq!(
        hex(&Environment::Production.public_key()),
        "e7bf03a2fa4602af4580703d88dda5bb59f32ed8b02a56c187fe7d34caed242d"
    );
    assert_eq!(
        hex(&Environment::Test.public_key()),
        "40055058a4ee38156a06562e52eece92a771bcd8346a8c4615cb7376eddf72ec"
    );
}

#[test]
fn test_environment_signatures_check_with_the_test_key() {
    // The signature check takes the environment's key: data signed with a key is valid under
    // that key only (here a key made in the test stands in for Telegram's test key).
    let test_key = SigningKey::from_bytes(&[9; 32]);
    let data = encode(&sign(init_fields(), TOKEN, &test_key, BOT_ID));
    validator()
        .validate_signature_with_key(&data, BOT_ID, &public(&test_key))
        .unwrap();
    assert!(matches!(
        validator().validate_signature(&data, BOT_ID, Environment::Test),
        Err(WebAppError::SignatureMismatch)
    ));
}

#[test]
fn missing_or_malformed_hash_and_signature_are_rejected() {
    let fields: Vec<_> = sign(init_fields(), TOKEN, &key(), BOT_ID)
        .into_iter()
        .filter(|(k, _)| *k != "hash")
        .collect();
    assert!(matches!(
        validator().validate(&encode(&fields), TOKEN),
        Err(WebAppError::MissingField("hash"))
    ));
    // Without `hash`, the signature alone still checks.
    validator()
        .validate_signature_with_key(&encode(&fields), BOT_ID, &public(&key()))
        .unwrap();
    for bad in [
        "zz".repeat(32),
        "ab".repeat(31),
        "ab".repeat(33),
        String::new(),
    ] {
        let mut fields = sign(init_fields(), TOKEN, &key(), BOT_ID);
        fields.last_mut().unwrap().1 = bad;
        assert!(matches!(
            validator().validate(&encode(&fields), TOKEN),
            Err(WebAppError::InvalidHash)
        ));
    }
    let unsigned = encode(&init_fields());
    assert!(matches!(
        validator().validate_signature_with_key(&unsigned, BOT_ID, &public(&key())),
        Err(WebAppError::MissingField("signature"))
    ));
    for bad in ["!!!", "AAAA", ""] {
        let mut fields = init_fields();
        fields.push(("signature", bad.to_string()));
        assert!(matches!(
            validator().validate_signature_with_key(&encode(&fields), BOT_ID, &public(&key())),
            Err(WebAppError::InvalidSignature)
        ));
    }
}

#[test]
fn missing_auth_date_and_bad_fields_are_rejected() {
    let fields: Vec<_> = init_fields()
        .into_iter()
        .filter(|(k, _)| *k != "auth_date")
        .collect();
    assert!(matches!(
        validator().validate(&encode(&sign(fields, TOKEN, &key(), BOT_ID)), TOKEN),
        Err(WebAppError::MissingField("auth_date"))
    ));
    let mut fields = init_fields();
    fields[1].1 = "{not json".into();
    assert!(matches!(
        validator().validate(&encode(&sign(fields, TOKEN, &key(), BOT_ID)), TOKEN),
        Err(WebAppError::InvalidField("user"))
    ));
    for garbage in ["", "&&&", "%zz", "hash"] {
        assert!(validator().validate(garbage, TOKEN).is_err(), "{garbage}");
    }
}

fn login_fields() -> Vec<(&'static str, String)> {
    vec![
        ("id", "279058397".into()),
        ("first_name", "Vladislav".into()),
        ("username", "vdkfrost".into()),
        ("photo_url", "https://t.me/i/userpic/320/abc.jpg".into()),
        ("auth_date", AUTH_DATE.to_string()),
    ]
}

fn login_signed(fields: Vec<(&'static str, String)>, token: &str) -> Vec<(&'static str, String)> {
    let secret = Sha256::digest(token.as_bytes());
    let hash = hmac(&secret, data_check_string(&fields, &["hash"]).as_bytes());
    let mut fields = fields;
    fields.push(("hash", hex(&hash)));
    fields
}

#[test]
fn login_widget_data_is_valid() {
    let fields = login_signed(login_fields(), TOKEN);
    let data = validator().validate_login(&encode(&fields), TOKEN).unwrap();
    assert_eq!(data.id, 279058397);
    assert_eq!(data.first_name.as_deref(), Some("Vladislav"));
    assert_eq!(data.username.as_deref(), Some("vdkfrost"));
    assert_eq!(data.last_name, None);
    assert_eq!(data.auth_date, AUTH_DATE as i64);
    // The same data as the JSON object of a data-onauth callback, numbers as numbers.
    let json = format!(
        r#"{{"id":279058397,"first_name":"Vladislav","username":"vdkfrost","photo_url":"https://t.me/i/userpic/320/abc.jpg","auth_date":{AUTH_DATE},"hash":"{}"}}"#,
        fields.last().unwrap().1
    );
    assert_eq!(validator().validate_login_json(&json, TOKEN).unwrap(), data);
    let mut reversed = fields.clone();
    reversed.reverse();
    validator()
        .validate_login(&encode(&reversed), TOKEN)
        .unwrap();
}

#[test]
fn login_widget_data_expired_tampered_or_for_another_bot_is_rejected() {
    let fields = login_signed(login_fields(), TOKEN);
    let late = Validator::new(Duration::from_secs(86400)).now(at(AUTH_DATE + 86401));
    assert!(matches!(
        late.validate_login(&encode(&fields), TOKEN),
        Err(WebAppError::Expired { .. })
    ));
    let mut tampered = fields.clone();
    tampered[0].1 = "279058398".into();
    assert!(matches!(
        validator().validate_login(&encode(&tampered), TOKEN),
        Err(WebAppError::HashMismatch)
    ));
    assert!(matches!(
        validator().validate_login(&encode(&fields), "1:other"),
        Err(WebAppError::HashMismatch)
    ));
    // Init data's key derivation is not the Login Widget's: a Mini App hash does not log in.
    assert!(matches!(
        validator().validate_login(&signed(), TOKEN),
        Err(WebAppError::HashMismatch)
    ));
    let no_hash = encode(&login_fields());
    assert!(matches!(
        validator().validate_login(&no_hash, TOKEN),
        Err(WebAppError::MissingField("hash"))
    ));
    assert!(matches!(
        validator().validate_login_json("[1]", TOKEN),
        Err(WebAppError::Malformed)
    ));
}

//! JSON Schemas of the Bot API types (`--features schemars`).
#![cfg(feature = "schemars")]

use serde_json::json;
use telegram_api::*;

#[test]
fn objects_unions_and_enums() {
    let schema = schemars::schema_for!(Update).to_value();
    assert_eq!(schema["type"], "object");
    assert_eq!(schema["required"], json!(["update_id"]));
    assert_eq!(schema["properties"]["update_id"]["type"], "integer");
    assert_eq!(schema["properties"]["message"]["$ref"], "#/$defs/Message");

    let defs = &schema["$defs"];
    let message = &defs["Message"];
    let required = message["required"].as_array().unwrap();
    for field in ["message_id", "date", "chat"] {
        assert!(required.contains(&json!(field)), "{field}");
    }
    assert_eq!(
        defs["ChatType"]["enum"],
        json!(["private", "group", "supergroup", "channel"])
    );

    let member = schemars::schema_for!(ChatMember).to_value();
    let variants = member["oneOf"].as_array().unwrap();
    assert_eq!(variants.len(), 6);
    assert_eq!(
        member["$defs"]["ChatMemberOwner"]["properties"]["status"],
        json!({"const": "creator"})
    );
    let markup = schemars::schema_for!(ReplyMarkup).to_value();
    assert_eq!(markup["anyOf"].as_array().unwrap().len(), 4);
    assert_eq!(
        markup["$defs"]["ForceReply"]["properties"]["force_reply"],
        json!({"const": true})
    );
}

//! The test kit without `ext`: a world answers a plain `Bot`, as a bot written on the bindings
//! alone would be tested (this file also runs with `--no-default-features`).

use telegram_api::testing::World;
use telegram_api::{Error, ParseMode};

#[test]
fn a_plain_bot_sends_edits_and_is_refused_as_telegram_refuses() {
    let world = World::new();
    let bot = world.bot();
    let ann = world.user("Ann Lee");

    // Ann writes first: the bot reads her message as an update.
    ann.send("hello");
    let updates = bot.get_updates().call().expect("the world's updates");
    assert_eq!(updates.len(), 1);
    let message = updates[0].message().expect("a message");
    assert_eq!(message.text.as_deref(), Some("hello"));
    assert_eq!(message.chat.id, ann.id());

    let sent = bot
        .send_message(ann.id(), "<b>Hi</b> Ann")
        .parse_mode(ParseMode::Html)
        .call()
        .expect("a message to a chat the world has");
    assert_eq!(ann.last_message().text(), "Hi Ann");
    bot.edit_message_text()
        .text("Bye Ann")
        .chat_id(ann.id())
        .message_id(sent.message_id)
        .call()
        .expect("an edit of a message the bot sent");
    assert_eq!(ann.last_message().text(), "Bye Ann");

    // Telegram's refusals: an empty text, a chat that does not exist.
    let empty = bot.send_message(ann.id(), "").call();
    assert!(
        matches!(&empty, Err(Error::Api(api)) if api.error_code == 400),
        "{empty:?}"
    );
    let nowhere = bot.send_message(777, "anyone?").call();
    assert!(
        matches!(&nowhere, Err(Error::Api(api)) if api.description.contains("chat not found")),
        "{nowhere:?}"
    );
    assert_eq!(
        world.calls(),
        [
            "sendMessage",
            "editMessageText",
            "sendMessage",
            "sendMessage"
        ]
    );
}

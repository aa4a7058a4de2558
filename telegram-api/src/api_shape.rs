//! Compile tests of the public API's shape, run as doctests (`cargo test -p telegram-api
//! --doc`): the intended way to build each kind of value a bot sends, to read what Telegram
//! sends, and what a Bot API release that adds fields, members or values must not break.
//!
//! A plain object: `new` with the required fields, a setter per optional one.
//!
//! ```
//! use telegram_api::{BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions};
//! let command = BotCommand::new("start", "Start the bot");
//! assert_eq!(command.command, "start");
//! let keyboard = InlineKeyboardMarkup::new(vec![vec![
//!     InlineKeyboardButton::new("Yes").callback_data("yes"),
//! ]]);
//! assert_eq!(keyboard.inline_keyboard[0][0].callback_data.as_deref(), Some("yes"));
//! // An object whose fields are all optional also has `Default`.
//! let preview = LinkPreviewOptions::default().is_disabled(true);
//! assert_eq!(preview.is_disabled, Some(true));
//! ```
//!
//! An object with files in it: anything that converts into an `InputFile`.
//!
//! ```
//! use telegram_api::{InputFile, InputMediaVideo};
//! let video = InputMediaVideo::new(InputFile::path("clip.mp4"))
//!     .thumbnail(InputFile::bytes("thumb.jpg", vec![0xff, 0xd8]))
//!     .caption("A clip")
//!     .supports_streaming(true);
//! assert_eq!(video.caption.as_deref(), Some("A clip"));
//! ```
//!
//! A union: built from a member, with `From`/`.into()`.
//!
//! ```
//! use telegram_api::{InputMedia, InputMediaPhoto, InputFile, ReactionType, ReactionTypeEmoji, ReactionEmoji};
//! let media: InputMedia = InputMediaPhoto::new(InputFile::path("a.jpg")).into();
//! let reaction = ReactionType::from(ReactionTypeEmoji::new(ReactionEmoji::ThumbsUpSign));
//! assert!(matches!(media, InputMedia::Photo(_)));
//! assert!(matches!(reaction, ReactionType::Emoji(_)));
//! ```
//!
//! A value enumeration: a variant, or its wire string.
//!
//! ```
//! use telegram_api::{ChatAction, ParseMode};
//! assert_eq!(ChatAction::from("typing"), ChatAction::Typing);
//! assert_eq!(ParseMode::Html.as_str(), "HTML");
//! // A value of a newer Bot API is kept, not rejected.
//! assert_eq!(ChatAction::from("choose_spell").as_str(), "choose_spell");
//! ```
//!
//! A request type: `new` with the required parameters, setters, then `Bot::execute`; or the
//! same through the `Bot` method and its `Call`.
//!
//! ```
//! use telegram_api::{methods::SendChatAction, methods::SendMessage, Bot, ChatAction, Error, Message, ParseMode};
//! fn send(bot: &Bot) -> Result<Message, Error> {
//!     let request = SendMessage::new(1234567890, "<b>Hello</b>").parse_mode(ParseMode::Html);
//!     bot.execute(&request)?;
//!     bot.execute(&SendChatAction::new(1234567890, ChatAction::Typing))?;
//!     bot.send_message("@channel", "Hello").disable_notification(true).call()
//! }
//! let request = SendMessage::new("@channel", "Hi");
//! assert_eq!(request.to_string(), r#"{"chat_id":"@channel","text":"Hi"}"#);
//! ```
//!
//! What Telegram sends is read through public fields; patterns name the fields they use and
//! end with `..`, and matches on unions and enumerations have a `_` arm.
//!
//! ```
//! use telegram_api::{ChatType, MaybeInaccessibleMessage, Message, Update};
//! fn describe(update: &Update) -> String {
//!     let Some(Message { message_id, chat, .. }) = update.message() else {
//!         return "no message".into();
//!     };
//!     let kind = match chat.r#type {
//!         ChatType::Private => "private",
//!         _ => "another kind of",
//!     };
//!     format!("message {message_id} in a {kind} chat")
//! }
//! fn answered(message: &MaybeInaccessibleMessage) -> Option<i64> {
//!     match message {
//!         MaybeInaccessibleMessage::Message(m) => Some(m.message_id),
//!         _ => None,
//!     }
//! }
//! let update: Update = telegram_api::json::from_str(
//!     r#"{"update_id": 1, "message": {"message_id": 7, "date": 0,
//!         "chat": {"id": 42, "type": "private"}}}"#,
//! )?;
//! assert_eq!(describe(&update), "message 7 in a private chat");
//! # let _ = answered;
//! # Ok::<(), serde_json::Error>(())
//! ```
//!
//! Not allowed, because the next Bot API release would break it: building a value with a
//! struct literal,
//!
//! ```compile_fail,E0639
//! let command = telegram_api::BotCommand {
//!     command: "start".into(),
//!     description: "Start the bot".into(),
//!     extra: telegram_api::Extra::new(),
//! };
//! ```
//!
//! ```compile_fail,E0639
//! let request = telegram_api::methods::GetMe {};
//! ```
//!
//! a pattern that lists every field,
//!
//! ```compile_fail,E0638
//! fn name(command: &telegram_api::BotCommand) -> &str {
//!     let telegram_api::BotCommand { command, description, extra } = command;
//!     command
//! }
//! ```
//!
//! and a match without a `_` arm.
//!
//! ```compile_fail,E0004
//! fn name(mode: &telegram_api::ParseMode) -> &'static str {
//!     match mode {
//!         telegram_api::ParseMode::Html => "HTML",
//!         telegram_api::ParseMode::MarkdownV2 => "MarkdownV2",
//!         telegram_api::ParseMode::Markdown => "Markdown",
//!         telegram_api::ParseMode::Unknown(_) => "other",
//!     }
//! }
//! ```
//!
//! The decoder's machinery is not part of the API.
//!
//! ```compile_fail,E0603
//! use telegram_api::de::FromMap;
//! ```

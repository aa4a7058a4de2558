//! [`Defaults`]: parameter values a bot sends with every method that takes them, unless the
//! call sets them.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use crate::model::Defaultable;
use crate::{LinkPreviewOptions, ParseMode};

/// Values of `parse_mode`, `disable_notification`, `protect_content` and
/// `link_preview_options` that a bot sends with every method taking that parameter, unless the
/// call sets it. Set them once with [`Bot::with_defaults`](crate::Bot::with_defaults) (or
/// `ApplicationBuilder::defaults` in `ext`).
///
/// ```no_run
/// use telegram_api::{Bot, Defaults, LinkPreviewOptions, ParseMode};
/// # fn main() -> Result<(), telegram_api::Error> {
/// let bot = Bot::new("123456:ABC-DEF").with_defaults(
///     Defaults::new()
///         .parse_mode(ParseMode::Html)
///         .protect_content(true)
///         .link_preview_options(LinkPreviewOptions::new().is_disabled(true)),
/// );
/// // Sent with "parse_mode": "HTML", "protect_content": true and the link preview options.
/// bot.send_message(1234567890, "<b>Hi</b>").call()?;
/// // The call's own values win: this one goes as MarkdownV2 and may be forwarded.
/// bot.send_message(1234567890, "*Hi*")
///     .parse_mode(ParseMode::MarkdownV2)
///     .protect_content(false)
///     .call()?;
/// // Entities replace the parse mode: no parse_mode is added, and an empty list sends a
/// // text as it is, unformatted.
/// bot.send_message(1234567890, "<b> stays as typed").entities(vec![]).call()?;
/// # Ok(())
/// # }
/// ```
///
/// The rules:
///
/// - **Which methods.** A default goes to every method that has a parameter of that exact name,
///   as the Bot API description lists them (the table is generated with the methods): the send
///   methods, `copyMessage`, the edit methods, `pinChatMessage` (`disable_notification`),
///   `postStory` and so on. Methods without the parameter (`getMe`, `answerCallbackQuery`)
///   are sent unchanged. Parameters with other names are not filled: `sendPoll`'s
///   `question_parse_mode` or `sendGift`'s `text_parse_mode` take no default.
/// - **The call wins.** A parameter the call sets is sent with the call's value, whatever it
///   is (`.disable_notification(false)` sends `false`).
/// - **Entities replace the parse mode.** The default `parse_mode` is not added when the call
///   sets the list of entities the method takes instead of it (`entities` for a text,
///   `caption_entities` for a caption), since Telegram reads one or the other. Setting that
///   list empty sends one text unformatted on a bot with a default parse mode.
/// - **Top-level parameters only.** Defaults fill the method's own parameters, never fields of
///   the objects it carries: the `parse_mode` of an [`InputMediaPhoto`](crate::InputMediaPhoto)
///   in `sendMediaGroup`, of an [`InputTextMessageContent`](crate::InputTextMessageContent) or
///   an inline query result is sent as built (though `sendMediaGroup`'s own
///   `disable_notification` and `protect_content` take their defaults).
/// - **When.** Defaults are added as the request is encoded for sending, to JSON and multipart
///   bodies alike. A request as built ([`Call::request`](crate::Call::request), its `Display`,
///   what [`Bot::execute`](crate::Bot::execute) is given) does not show them.
/// - **Whose.** Defaults belong to the bot they were set on: clones of it made afterwards share
///   them; other bots, and clones made before, are not affected.
///
/// One setting is not a parameter: [`quote`](Defaults::quote) says whether the reply
/// shortcuts of `ext` (`Context::reply`, `Context::reply_photo`, ...) answer the update's
/// message as a reply to it. By default they do in groups and supergroups only.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Defaults {
    /// The `parse_mode` of texts and captions.
    pub parse_mode: Option<ParseMode>,
    /// Whether messages are sent silently (`disable_notification`).
    pub disable_notification: Option<bool>,
    /// Whether sent messages are protected from forwarding and saving (`protect_content`).
    pub protect_content: Option<bool>,
    /// How link previews are generated (`link_preview_options`).
    pub link_preview_options: Option<LinkPreviewOptions>,
    /// In which chats the reply shortcuts of `ext` quote the message they answer.
    pub quote: Quote,
}

/// In which chats the reply shortcuts of `ext` (`Context::reply`, `Context::reply_photo`, ...)
/// send their message as a reply to the update's message (with `reply_parameters`, which
/// Telegram shows as a quote of it above the answer). Set it for a bot with
/// [`Defaults::quote`]; a handler can choose otherwise for its own replies with
/// `Context::set_quote`.
///
/// A reply quotes the message the update brought (a message, an edited message, a channel
/// post, a business message), never the message of a pressed button, which is the bot's own.
/// It is sent with `allow_sending_without_reply`, so a reply to a message deleted meanwhile
/// still goes out, unquoted.
///
/// ```no_run
/// use telegram_api::{Bot, Defaults, Quote};
/// // Quote in private chats too.
/// let bot = Bot::new("123456:ABC-DEF").with_defaults(Defaults::new().quote(Quote::Always));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Quote {
    /// In groups and supergroups, where answers to several people mix; not in private chats,
    /// where there is one person to answer, nor in channels. The default.
    #[default]
    InGroups,
    /// In every chat.
    Always,
    /// In none.
    Never,
}

impl Defaults {
    /// No defaults; add them with the methods below.
    #[must_use]
    pub fn new() -> Defaults {
        Defaults::default()
    }

    /// The `parse_mode` of texts and captions.
    #[must_use]
    pub fn parse_mode(mut self, parse_mode: ParseMode) -> Self {
        self.parse_mode = Some(parse_mode);
        self
    }

    /// Whether messages are sent silently.
    #[must_use]
    pub fn disable_notification(mut self, disable_notification: bool) -> Self {
        self.disable_notification = Some(disable_notification);
        self
    }

    /// Whether sent messages are protected from forwarding and saving.
    #[must_use]
    pub fn protect_content(mut self, protect_content: bool) -> Self {
        self.protect_content = Some(protect_content);
        self
    }

    /// How link previews are generated.
    #[must_use]
    pub fn link_preview_options(mut self, link_preview_options: LinkPreviewOptions) -> Self {
        self.link_preview_options = Some(link_preview_options);
        self
    }

    /// In which chats the reply shortcuts of `ext` quote the message they answer (by default
    /// [`Quote::InGroups`]).
    #[must_use]
    pub fn quote(mut self, quote: Quote) -> Self {
        self.quote = quote;
        self
    }

    /// The defaults a method with these parameters gets.
    fn fills(&self, table: &Defaultable) -> [Option<Fill<'_>>; 4] {
        [
            table
                .parse_mode
                .zip(self.parse_mode.as_ref())
                .map(|(entities, mode)| Fill {
                    key: "parse_mode",
                    unless: Some(entities),
                    value: FillValue::ParseMode(mode),
                }),
            self.disable_notification
                .filter(|_| table.disable_notification)
                .map(|on| Fill::flag("disable_notification", on)),
            self.protect_content
                .filter(|_| table.protect_content)
                .map(|on| Fill::flag("protect_content", on)),
            self.link_preview_options
                .as_ref()
                .filter(|_| table.link_preview_options)
                .map(|options| Fill {
                    key: "link_preview_options",
                    unless: None,
                    value: FillValue::LinkPreview(options),
                }),
        ]
    }

    /// Whether any default goes to a method with these parameters.
    pub(crate) fn apply_to(&self, table: &Defaultable) -> bool {
        self.fills(table).iter().any(Option::is_some)
    }

    /// Adds the defaults the request does not set to its JSON encoding (a compact object, as
    /// `serde_json::to_vec` writes it).
    pub(crate) fn add_to_json(
        &self,
        table: &Defaultable,
        json: &mut Vec<u8>,
    ) -> Result<(), serde_json::Error> {
        let fills = self.fills(table);
        let fills: Vec<&Fill<'_>> = fills.iter().flatten().collect();
        if fills.is_empty() {
            return Ok(());
        }
        // The keys that decide: each default's own, and the one that rules it out.
        let mut names: Vec<&str> = Vec::with_capacity(2 * fills.len());
        for fill in &fills {
            names.push(fill.key);
            names.extend(fill.unless);
        }
        let keys = Keys::of(json, &names)?;
        while json.last().is_some_and(u8::is_ascii_whitespace) {
            json.pop();
        }
        if json.pop() != Some(b'}') {
            return Err(serde::ser::Error::custom(
                "the request is not a JSON object",
            ));
        }
        let mut first = keys.empty;
        for fill in fills {
            if !fill.is_missing(|name| keys.has(&names, name)) {
                continue;
            }
            if !first {
                json.push(b',');
            }
            first = false;
            serde_json::to_writer(&mut *json, fill.key)?;
            json.push(b':');
            serde_json::to_writer(&mut *json, &fill.value)?;
        }
        json.push(b'}');
        Ok(())
    }

    /// Adds the defaults the request does not set to its parameters (of a multipart body).
    pub(crate) fn add_to_fields(
        &self,
        table: &Defaultable,
        fields: &mut Map<String, Value>,
    ) -> Result<(), serde_json::Error> {
        for fill in self.fills(table).iter().flatten() {
            if fill.is_missing(|name| fields.contains_key(name)) {
                fields.insert(fill.key.to_owned(), serde_json::to_value(&fill.value)?);
            }
        }
        Ok(())
    }
}

/// A default that goes to a method: the parameter, the parameter that rules it out when the
/// request sets it, and the value.
struct Fill<'a> {
    key: &'static str,
    unless: Option<&'static str>,
    value: FillValue<'a>,
}

impl Fill<'_> {
    fn flag(key: &'static str, on: bool) -> Fill<'static> {
        Fill {
            key,
            unless: None,
            value: FillValue::Flag(on),
        }
    }

    /// Whether the default is to be added, given which keys the request has.
    fn is_missing(&self, has: impl Fn(&str) -> bool) -> bool {
        !has(self.key) && self.unless.is_none_or(|other| !has(other))
    }
}

enum FillValue<'a> {
    ParseMode(&'a ParseMode),
    Flag(bool),
    LinkPreview(&'a LinkPreviewOptions),
}

impl Serialize for FillValue<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            FillValue::ParseMode(mode) => mode.serialize(s),
            FillValue::Flag(on) => on.serialize(s),
            FillValue::LinkPreview(options) => options.serialize(s),
        }
    }
}

/// Which of some names a JSON object has as keys, read without building anything.
struct Keys {
    /// Bit `i` is set when the object has the `i`-th name.
    present: u64,
    /// Whether the object has no key at all.
    empty: bool,
}

impl Keys {
    fn of(json: &[u8], names: &[&str]) -> Result<Keys, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_slice(json);
        let keys = de.deserialize_map(KeysVisitor(names))?;
        de.end()?;
        Ok(keys)
    }

    fn has(&self, names: &[&str], name: &str) -> bool {
        names
            .iter()
            .position(|n| *n == name)
            .is_some_and(|i| self.present & (1 << i) != 0)
    }
}

struct KeysVisitor<'n>(&'n [&'n str]);

impl<'de> Visitor<'de> for KeysVisitor<'_> {
    type Value = Keys;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object of parameters")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
        let mut keys = Keys {
            present: 0,
            empty: true,
        };
        while let Some(index) = map.next_key_seed(KeyVisitor(self.0))? {
            map.next_value::<IgnoredAny>()?;
            keys.empty = false;
            if let Some(i) = index.filter(|i| *i < 64) {
                keys.present |= 1 << i;
            }
        }
        Ok(keys)
    }
}

/// A key of the object: the index of the name it is, if any.
struct KeyVisitor<'n>(&'n [&'n str]);

impl<'de> DeserializeSeed<'de> for KeyVisitor<'_> {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyVisitor<'_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a parameter name")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<usize>, E> {
        Ok(self.0.iter().position(|n| *n == v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MESSAGE: Defaultable = Defaultable {
        parse_mode: Some("entities"),
        disable_notification: true,
        protect_content: true,
        link_preview_options: true,
    };

    fn added(defaults: &Defaults, table: &Defaultable, json: &str) -> Value {
        let mut bytes = json.as_bytes().to_vec();
        defaults.add_to_json(table, &mut bytes).unwrap();
        let from_json: Value = serde_json::from_slice(&bytes).expect("still JSON");
        let mut fields: Map<String, Value> = serde_json::from_str(json).unwrap();
        defaults.add_to_fields(table, &mut fields).unwrap();
        assert_eq!(from_json, Value::Object(fields), "JSON and multipart agree");
        from_json
    }

    #[test]
    fn missing_parameters_are_added_and_set_ones_kept() {
        let all = Defaults::new()
            .parse_mode(ParseMode::Html)
            .disable_notification(true)
            .protect_content(false)
            .link_preview_options(LinkPreviewOptions::new().is_disabled(true));
        assert_eq!(
            added(&all, &MESSAGE, r#"{"chat_id":1,"text":"hi"}"#),
            serde_json::json!({"chat_id": 1, "text": "hi", "parse_mode": "HTML",
                "disable_notification": true, "protect_content": false,
                "link_preview_options": {"is_disabled": true}})
        );
        assert_eq!(
            added(
                &all,
                &MESSAGE,
                r#"{"chat_id":1,"parse_mode":"MarkdownV2","disable_notification":false}"#
            ),
            serde_json::json!({"chat_id": 1, "parse_mode": "MarkdownV2",
                "disable_notification": false, "protect_content": false,
                "link_preview_options": {"is_disabled": true}})
        );
        assert_eq!(
            added(&all, &MESSAGE, "{}"),
            serde_json::json!({"parse_mode": "HTML", "disable_notification": true,
                "protect_content": false, "link_preview_options": {"is_disabled": true}})
        );
    }

    #[test]
    fn entities_rule_out_the_parse_mode() {
        let html = Defaults::new().parse_mode(ParseMode::Html);
        assert_eq!(
            added(&html, &MESSAGE, r#"{"chat_id":1,"entities":[]}"#),
            serde_json::json!({"chat_id": 1, "entities": []})
        );
        // Only the method's own entities do: a caption's parse mode ignores `entities`.
        let caption = Defaultable {
            parse_mode: Some("caption_entities"),
            ..MESSAGE
        };
        assert_eq!(
            added(&html, &caption, r#"{"entities":[]}"#),
            serde_json::json!({"entities": [], "parse_mode": "HTML"})
        );
    }

    #[test]
    fn only_parameters_the_method_has() {
        let all = Defaults::new()
            .parse_mode(ParseMode::Html)
            .disable_notification(true);
        let pin = Defaultable {
            disable_notification: true,
            ..Defaultable::NONE
        };
        assert!(all.apply_to(&pin));
        assert!(!all.apply_to(&Defaultable::NONE));
        assert!(!Defaults::new().apply_to(&MESSAGE));
        assert_eq!(
            added(&all, &pin, r#"{"chat_id":1,"message_id":2}"#),
            serde_json::json!({"chat_id": 1, "message_id": 2, "disable_notification": true})
        );
        // Nested parse modes are not top-level keys.
        assert_eq!(
            added(&all, &pin, r#"{"media":[{"parse_mode":"x"}]}"#),
            serde_json::json!({"media": [{"parse_mode": "x"}], "disable_notification": true})
        );
    }

    #[test]
    fn a_body_that_is_not_an_object_is_an_error() {
        let all = Defaults::new().disable_notification(true);
        for bad in ["[1]", "null", "{\"a\":1} x", ""] {
            let mut bytes = bad.as_bytes().to_vec();
            assert!(all.add_to_json(&MESSAGE, &mut bytes).is_err(), "{bad}");
        }
    }
}

//! [`Command`]: a `/command@bot arguments` at the start of a message.
//!
//! # Case
//!
//! Telegram clients send what the user typed, and commands registered with `setMyCommands` may
//! contain only lowercase letters, digits and underscores. A user who types `/Start` still means
//! `/start`, and bot usernames are case-insensitive. So:
//!
//! - [`Command::name`] and [`Command::bot_username`] keep what the user typed, unchanged;
//! - [`Command::is`] compares a command name ignoring ASCII case (`/Start`, `/START` and
//!   `/start` are all `start`);
//! - [`Command::is_for`] compares the bot's username ignoring ASCII case, with or without `@`.
//!
//! Arguments are never changed: `/echo Hello` has the argument `Hello`.

use std::fmt;
use std::str::FromStr;

use crate::{Message, MessageEntity, MessageEntityType};

/// A bot command at the start of a message's text or caption: `/start`, `/start@MyBot`,
/// `/remind 10m "stand up"`.
///
/// ```
/// use telegram_api::ext::Command;
/// let message: telegram_api::Message = serde_json::from_str(
///     r#"{"message_id": 1, "date": 1700000000, "chat": {"id": 42, "type": "private"},
///         "text": "/remind@MyBot 10m \"stand up\"",
///         "entities": [{"type": "bot_command", "offset": 0, "length": 13}]}"#,
/// )?;
/// let command = Command::parse(&message).unwrap();
/// assert_eq!(command.name, "remind");
/// assert_eq!(command.bot_username.as_deref(), Some("MyBot"));
/// assert_eq!(command.args, ["10m", "stand up"]);
/// assert_eq!(command.raw_args, "10m \"stand up\"");
/// assert!(command.is("remind") && command.is_for(Some("mybot")));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    /// The command's name as the user typed it, without the `/` and without `@bot`: `start`
    /// for `/start@MyBot`. Compare it with [`Command::is`], which ignores case.
    pub name: String,
    /// The bot the command is addressed to, without `@`: `MyBot` for `/start@MyBot`; `None`
    /// when the command names no bot (always so in private chats).
    pub bot_username: Option<String>,
    /// The arguments, split like a shell splits them (see [`split_args`]).
    pub args: Vec<String>,
    /// Everything after the command and the whitespace that follows it, unchanged.
    pub raw_args: String,
}

impl Command {
    /// The command at the start of `message`: a `bot_command` entity at offset 0 of its text,
    /// or else of its caption. `None` when the message does not start with a command.
    ///
    /// Entity offsets and lengths count UTF-16 code units, as Telegram sends them. If the
    /// entity's length does not fit the text (a malformed message), the command ends at the
    /// first whitespace instead.
    pub fn parse(message: &Message) -> Option<Command> {
        if let Some(command) = from_text(message.text.as_deref(), message.entities.as_deref()) {
            return Some(command);
        }
        from_text(
            message.caption.as_deref(),
            message.caption_entities.as_deref(),
        )
    }

    /// A command written with another prefix than `/` at the start of `message`'s text (or
    /// else caption): `!ban @spammer` with the prefix `"!"`. Telegram marks only `/` commands,
    /// so this reads the text itself: the prefix, then a name up to the first whitespace
    /// (`name@bot` names a bot as with `/`), then the arguments. `None` when the text does not
    /// start with `prefix` followed by a name.
    ///
    /// ```
    /// use telegram_api::ext::Command;
    /// let message: telegram_api::Message = serde_json::from_str(
    ///     r#"{"message_id": 1, "date": 1700000000, "chat": {"id": -42, "type": "group"},
    ///         "text": "!ban @spammer 7d"}"#,
    /// )?;
    /// let command = Command::parse_prefixed(&message, "!").unwrap();
    /// assert!(command.is("ban"));
    /// assert_eq!(command.args, ["@spammer", "7d"]);
    /// assert_eq!(Command::parse_prefixed(&message, "/"), None);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn parse_prefixed(message: &Message, prefix: &str) -> Option<Command> {
        fn prefixed<'t>(text: Option<&'t str>, prefix: &str) -> Option<&'t str> {
            let rest = text?.strip_prefix(prefix)?;
            let named = !prefix.is_empty() && rest.starts_with(|c: char| !c.is_whitespace());
            named.then_some(rest)
        }
        let rest = prefixed(message.text.as_deref(), prefix)
            .or_else(|| prefixed(message.caption.as_deref(), prefix))?;
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        Some(command(&rest[..end], &rest[end..]))
    }

    /// Argument `index` (from 0) as a `T`, parsed with [`FromStr`]: `/remind 10 tea` gives
    /// `10u64` for `arg::<u64>(0)` and `"tea"` for `arg::<String>(1)`.
    ///
    /// ```
    /// # use telegram_api::ext::Command;
    /// # let message: telegram_api::Message = serde_json::from_str(
    /// #     r#"{"message_id": 1, "date": 1700000000, "chat": {"id": 42, "type": "private"},
    /// #         "text": "/remind ten tea",
    /// #         "entities": [{"type": "bot_command", "offset": 0, "length": 7}]}"#,
    /// # )?;
    /// let command = Command::parse(&message).unwrap(); // "/remind ten tea"
    /// assert_eq!(command.arg::<String>(1).unwrap(), "tea");
    /// let error = command.arg::<u32>(0).unwrap_err();
    /// assert_eq!(error.to_string(), r#"argument 1 of /remind, "ten", is not a u32: invalid digit found in string"#);
    /// assert_eq!(command.arg::<u32>(2).unwrap_err().to_string(), "argument 3 of /remind is missing");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Fails with [`ArgError::Missing`] when there are not so many arguments, and
    /// [`ArgError::Invalid`] when the argument does not parse as a `T`; both print for the
    /// user to read.
    pub fn arg<T>(&self, index: usize) -> Result<T, ArgError>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        let Some(value) = self.args.get(index) else {
            return Err(ArgError::Missing {
                command: self.name.clone(),
                index,
            });
        };
        value.parse().map_err(|e: T::Err| ArgError::Invalid {
            command: self.name.clone(),
            index,
            value: value.clone(),
            type_name: short_type_name::<T>(),
            reason: e.to_string(),
        })
    }

    /// Whether this is the command `name` (given without `/`), ignoring ASCII case.
    pub fn is(&self, name: &str) -> bool {
        self.name
            .eq_ignore_ascii_case(name.strip_prefix('/').unwrap_or(name))
    }

    /// Whether the command is meant for the bot with this username (with or without `@`):
    /// it names no bot, or names this one, ignoring ASCII case. With `None` (the bot's
    /// username unknown), only commands that name no bot are.
    ///
    /// In groups, `/start@OtherBot` is meant for another bot and should be ignored.
    pub fn is_for(&self, username: Option<&str>) -> bool {
        match (&self.bot_username, username) {
            (None, _) => true,
            (Some(addressed), Some(ours)) => {
                addressed.eq_ignore_ascii_case(ours.strip_prefix('@').unwrap_or(ours))
            }
            (Some(_), None) => false,
        }
    }

    /// The deep-link payload of a `/start` command: `abc` when the user opened
    /// `https://t.me/MyBot?start=abc` (the client then sends `/start abc`). `None` for other
    /// commands and for a `/start` without arguments.
    ///
    /// A payload has no whitespace (it is made of `A-Z`, `a-z`, `0-9`, `_` and `-`), so this
    /// is the first word after the command, taken as it is (no quote handling); a user who
    /// types `/start a b` gets `a`.
    pub fn start_payload(&self) -> Option<&str> {
        if !self.is("start") {
            return None;
        }
        self.raw_args.split_whitespace().next()
    }
}

/// The command at the start of `text`, given its entities.
fn from_text(text: Option<&str>, entities: Option<&[MessageEntity]>) -> Option<Command> {
    let text = text?;
    let entity = entities?
        .iter()
        .find(|e| e.offset == 0 && e.r#type == MessageEntityType::BotCommand)?;
    if !text.starts_with('/') {
        return None;
    }
    let end = utf16_to_byte(text, entity.length)
        .filter(|&end| end > 1)
        .unwrap_or_else(|| text.find(char::is_whitespace).unwrap_or(text.len()));
    let (token, rest) = text.split_at(end);
    Some(command(&token[1..], rest))
}

/// The command of `token` (`name` or `name@bot`, its prefix taken off) and the text after it.
fn command(token: &str, rest: &str) -> Command {
    let (name, bot_username) = match token.split_once('@') {
        Some((name, bot)) => (name, (!bot.is_empty()).then(|| bot.to_owned())),
        None => (token, None),
    };
    let raw_args = rest.trim_start().to_owned();
    Command {
        name: name.to_owned(),
        bot_username,
        args: split_args(&raw_args),
        raw_args,
    }
}

/// An argument of a command that is not there or not of the type asked for
/// ([`Command::arg`], [`Context::arg`](super::Context::arg)). It prints for the user: a
/// handler may send it back as it is.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ArgError {
    /// The update has no command (a handler other than a command handler asked).
    NoCommand,
    /// The command has fewer arguments.
    Missing {
        /// The command, as typed.
        command: String,
        /// The argument asked for, from 0.
        index: usize,
    },
    /// The argument does not parse as the type asked for.
    Invalid {
        /// The command, as typed.
        command: String,
        /// The argument, from 0.
        index: usize,
        /// What the user gave.
        value: String,
        /// The type asked for (`u64`, `Duration`, ...).
        type_name: &'static str,
        /// Why it does not parse, as the type's parser says.
        reason: String,
    },
}

impl fmt::Display for ArgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArgError::NoCommand => write!(f, "the update has no command"),
            ArgError::Missing { command, index } => {
                write!(f, "argument {} of /{command} is missing", index + 1)
            }
            ArgError::Invalid {
                command,
                index,
                value,
                type_name,
                reason,
            } => write!(
                f,
                "argument {} of /{command}, {value:?}, is not a {type_name}: {reason}",
                index + 1
            ),
        }
    }
}

impl std::error::Error for ArgError {}

/// The name of `T` without its path: `u64`, `String`, `Duration`.
fn short_type_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    let base = full.split('<').next().unwrap_or(full);
    match base.rfind("::") {
        Some(i) if !full.contains('<') => &full[i + 2..],
        _ => full,
    }
}

/// The byte index in `text` after `units` UTF-16 code units, or `None` when that is past the
/// end or inside a character.
pub(crate) fn utf16_to_byte(text: &str, units: i64) -> Option<usize> {
    let units = usize::try_from(units).ok()?;
    let mut counted = 0;
    for (index, c) in text.char_indices() {
        if counted == units {
            return Some(index);
        }
        if counted > units {
            return None;
        }
        counted += c.len_utf16();
    }
    (counted == units).then_some(text.len())
}

/// Splits command arguments the way a shell splits words, tuned for chat messages.
///
/// - Whitespace separates arguments; runs of it count once.
/// - `"double quotes"` and `'single quotes'` group words into one argument, as do the
///   typographic quotes phone keyboards insert (`“…”`, `‘…’`). A quote opens a group only at
///   the start of an argument or after `=` (`--title="A B"`), so apostrophes inside words
///   (`don't`) stay as they are.
/// - A backslash makes the next character literal (`a\ b` is one argument, `\"` a quote);
///   inside double quotes only `\"` and `\\` are escapes; inside single quotes nothing is.
/// - When a quote is never closed, the text is split at whitespace only, keeping every
///   character, so nothing is lost.
///
/// ```
/// use telegram_api::ext::command::split_args;
/// assert_eq!(split_args(r#"add "buy milk" tomorrow"#), ["add", "buy milk", "tomorrow"]);
/// assert_eq!(split_args("don't panic"), ["don't", "panic"]);
/// assert_eq!(split_args(r#"say "unclosed quote"#), ["say", "\"unclosed", "quote"]);
/// ```
pub fn split_args(text: &str) -> Vec<String> {
    shell_split(text).unwrap_or_else(|| text.split_whitespace().map(str::to_owned).collect())
}

/// The closing quote for an opening one, if `c` opens a quoted group.
fn closing_quote(c: char) -> Option<char> {
    match c {
        '"' => Some('"'),
        '\'' => Some('\''),
        '\u{201C}' => Some('\u{201D}'),
        '\u{2018}' => Some('\u{2019}'),
        _ => None,
    }
}

/// Shell-like splitting; `None` when a quote is left open.
fn shell_split(text: &str) -> Option<Vec<String>> {
    let mut args = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_whitespace() {
            if in_word {
                args.push(std::mem::take(&mut current));
                in_word = false;
            }
            continue;
        }
        let at_group_start = !in_word || current.ends_with('=');
        in_word = true;
        match c {
            '\\' => match chars.next() {
                Some(next) => current.push(next),
                None => current.push('\\'),
            },
            c if at_group_start && closing_quote(c).is_some() => {
                let close = closing_quote(c)?;
                let mut closed = false;
                while let Some(q) = chars.next() {
                    if q == close {
                        closed = true;
                        break;
                    }
                    if q == '\\' && c == '"' {
                        match chars.peek() {
                            Some(&next @ ('"' | '\\')) => {
                                current.push(next);
                                chars.next();
                            }
                            _ => current.push('\\'),
                        }
                    } else {
                        current.push(q);
                    }
                }
                if !closed {
                    return None;
                }
            }
            c => current.push(c),
        }
    }
    if in_word {
        args.push(current);
    }
    Some(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A private-chat message with this text (or caption) and one `bot_command` entity of
    /// `length` UTF-16 code units at `offset`.
    fn message(field: &str, text: &str, offset: usize, length: usize) -> Message {
        let entities = if field == "text" {
            "entities"
        } else {
            "caption_entities"
        };
        let json = serde_json::json!({
            "message_id": 1,
            "date": 1700000000,
            "chat": {"id": 42, "type": "private", "first_name": "Ada"},
            field: text,
            entities: [{"type": "bot_command", "offset": offset, "length": length}],
        });
        serde_json::from_value(json).expect("a valid message")
    }

    fn utf16_len(s: &str) -> usize {
        s.encode_utf16().count()
    }

    #[test]
    fn plain_command() {
        let c = Command::parse(&message("text", "/help", 0, 5)).unwrap();
        assert_eq!(c.name, "help");
        assert_eq!(c.bot_username, None);
        assert!(c.args.is_empty());
        assert_eq!(c.raw_args, "");
        assert!(c.is("help") && c.is("/help") && !c.is("hel") && !c.is("helpme"));
        assert_eq!(c.start_payload(), None);
    }

    #[test]
    fn addressed_command_in_a_group() {
        let c = Command::parse(&message("text", "/start@MyBot arg", 0, 12)).unwrap();
        assert_eq!(c.name, "start");
        assert_eq!(c.bot_username.as_deref(), Some("MyBot"));
        assert_eq!(c.args, ["arg"]);
        assert_eq!(c.raw_args, "arg");
        assert!(c.is_for(Some("MyBot")));
        assert!(c.is_for(Some("mybot")));
        assert!(c.is_for(Some("@MYBOT")));
        assert!(!c.is_for(Some("OtherBot")));
        assert!(!c.is_for(None));
        let unaddressed = Command::parse(&message("text", "/start", 0, 6)).unwrap();
        assert!(unaddressed.is_for(Some("MyBot")) && unaddressed.is_for(None));
    }

    #[test]
    fn names_keep_what_was_typed_and_match_ignoring_case() {
        let c = Command::parse(&message("text", "/Start@MYBOT Hello", 0, 12)).unwrap();
        assert_eq!(c.name, "Start");
        assert_eq!(c.bot_username.as_deref(), Some("MYBOT"));
        assert_eq!(c.args, ["Hello"]);
        assert!(c.is("start") && c.is("START"));
        assert!(c.is_for(Some("MyBot")));
        assert_eq!(c.start_payload(), Some("Hello"));
    }

    #[test]
    fn start_payload() {
        let c = Command::parse(&message("text", "/start ref-42_x", 0, 6)).unwrap();
        assert_eq!(c.start_payload(), Some("ref-42_x"));
        let c = Command::parse(&message("text", "/start", 0, 6)).unwrap();
        assert_eq!(c.start_payload(), None);
        let c = Command::parse(&message("text", "/begin ref", 0, 6)).unwrap();
        assert_eq!(c.start_payload(), None);
        let c = Command::parse(&message("text", "/start \"ab\" cd", 0, 6)).unwrap();
        assert_eq!(
            c.start_payload(),
            Some("\"ab\""),
            "the first word, unchanged"
        );
    }

    #[test]
    fn captions() {
        let c = Command::parse(&message("caption", "/resize 50%", 0, 7)).unwrap();
        assert_eq!(c.name, "resize");
        assert_eq!(c.args, ["50%"]);
    }

    #[test]
    fn text_wins_over_caption_and_offset_must_be_zero() {
        let not_first = message("text", "hi /help", 3, 5);
        assert_eq!(Command::parse(&not_first), None);
        let json = serde_json::json!({
            "message_id": 1, "date": 1700000000, "chat": {"id": 42, "type": "private"},
            "text": "plain text", "entities": [{"type": "bold", "offset": 0, "length": 5}],
        });
        let plain: Message = serde_json::from_value(json).unwrap();
        assert_eq!(Command::parse(&plain), None);
        let no_entities: Message = serde_json::from_value(serde_json::json!({
            "message_id": 1, "date": 1700000000, "chat": {"id": 42, "type": "private"},
            "text": "/help",
        }))
        .unwrap();
        assert_eq!(Command::parse(&no_entities), None, "no bot_command entity");
    }

    #[test]
    fn emoji_in_arguments_use_utf16_offsets() {
        // "😀" is one char, 4 bytes in UTF-8 and 2 code units in UTF-16.
        let text = "/say@Bot 😀 \"hi 🎉 there\" ok";
        let c = Command::parse(&message("text", text, 0, utf16_len("/say@Bot"))).unwrap();
        assert_eq!(c.name, "say");
        assert_eq!(c.bot_username.as_deref(), Some("Bot"));
        assert_eq!(c.args, ["😀", "hi 🎉 there", "ok"]);
        assert_eq!(c.raw_args, "😀 \"hi 🎉 there\" ok");
    }

    #[test]
    fn command_containing_non_ascii_uses_utf16_length() {
        // Not a command Telegram lets a bot register, but one a user can type: the entity's
        // length counts UTF-16 units, so a byte-based cut would land inside "é" or past it.
        let text = "/café😀 x";
        let c = Command::parse(&message("text", text, 0, utf16_len("/café😀"))).unwrap();
        assert_eq!(c.name, "café😀");
        assert_eq!(c.args, ["x"]);
    }

    #[test]
    fn malformed_entity_length_falls_back_to_whitespace() {
        for length in [0, 1, 99] {
            let c = Command::parse(&message("text", "/help me", 0, length)).unwrap();
            assert_eq!(c.name, "help", "length {length}");
            assert_eq!(c.args, ["me"]);
        }
        // A length that ends inside a surrogate pair.
        let c = Command::parse(&message("text", "/a😀 b", 0, 3)).unwrap();
        assert_eq!(c.name, "a😀");
        assert_eq!(c.args, ["b"]);
        // A bot_command entity on text that is not a command.
        assert_eq!(Command::parse(&message("text", "help", 0, 4)), None);
        assert_eq!(Command::parse(&message("text", "", 0, 4)), None);
    }

    #[test]
    fn empty_bot_username_is_none() {
        let c = Command::parse(&message("text", "/help@ x", 0, 6)).unwrap();
        assert_eq!(c.name, "help");
        assert_eq!(c.bot_username, None);
    }

    #[test]
    fn raw_args_keep_inner_and_trailing_whitespace() {
        let c = Command::parse(&message("text", "/echo   a  b\nc ", 0, 5)).unwrap();
        assert_eq!(c.raw_args, "a  b\nc ");
        assert_eq!(c.args, ["a", "b", "c"]);
    }

    #[test]
    fn splitting_like_a_shell() {
        assert_eq!(split_args(""), Vec::<String>::new());
        assert_eq!(split_args("  a   b  "), ["a", "b"]);
        assert_eq!(split_args(r#""a b" 'c d' e"#), ["a b", "c d", "e"]);
        assert_eq!(split_args(r#""" ''"#), ["", ""]);
        assert_eq!(split_args(r#""a"b"#), ["ab"]);
        assert_eq!(
            split_args(r#"a'b'"#),
            ["a'b'"],
            "quotes inside a word are literal"
        );
        assert_eq!(split_args(r#"a\ b c"#), ["a b", "c"]);
        assert_eq!(split_args(r#"\"quoted\""#), ["\"quoted\""]);
        assert_eq!(split_args(r#""say \"hi\" \\ \n""#), [r#"say "hi" \ \n"#]);
        assert_eq!(split_args(r#"'no \escapes'"#), [r#"no \escapes"#]);
        assert_eq!(split_args(r#"--title="A B" x"#), ["--title=A B", "x"]);
        assert_eq!(split_args("trailing\\"), ["trailing\\"]);
        assert_eq!(split_args("tab\tand\nnewline"), ["tab", "and", "newline"]);
    }

    #[test]
    fn apostrophes_and_typographic_quotes() {
        assert_eq!(split_args("don't stop"), ["don't", "stop"]);
        assert_eq!(split_args("it's Bob's"), ["it's", "Bob's"]);
        assert_eq!(
            split_args("“buy milk” ‘and eggs’"),
            ["buy milk", "and eggs"]
        );
        assert_eq!(split_args("rock’n’roll"), ["rock’n’roll"]);
    }

    #[test]
    fn unbalanced_quotes_keep_every_character() {
        assert_eq!(
            split_args(r#"say "hello world"#),
            ["say", "\"hello", "world"]
        );
        assert_eq!(split_args("'open"), ["'open"]);
        assert_eq!(split_args("“never closed"), ["“never", "closed"]);
        let c = Command::parse(&message("text", "/note \"unfinished thought", 0, 5)).unwrap();
        assert_eq!(c.args, ["\"unfinished", "thought"]);
        assert_eq!(c.raw_args, "\"unfinished thought");
    }
}

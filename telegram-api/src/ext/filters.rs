//! [`Filter`]s: which updates a handler is for, combined with `&`, `|`, `^` (exactly one) and
//! `!`.
//!
//! ```
//! use telegram_api::ext::filters;
//! let plain_text = filters::text() & !filters::command();
//! let media = filters::photo() | filters::video() | filters::document_mime_type("application/pdf");
//! let from_admins = filters::from_users([1234567890, 987654321]) & filters::private();
//! assert_eq!(format!("{plain_text:?}"), "text & !command");
//! ```
//!
//! Message filters ([`text`], [`photo`], [`forwarded`], ...) look at the update's
//! [`effective_message`](crate::Update::effective_message): a new or edited message, a channel
//! post, a business message, or the message a callback query's button was on. Chat filters
//! ([`private`], [`in_chats`], ...) look at its
//! [`effective_chat`](crate::Update::effective_chat), user filters ([`from_users`], ...) at its
//! [`effective_user`](crate::Update::effective_user), so they also apply to callback queries,
//! member changes and the other kinds that have a chat or a user. The filters of [`member`]
//! look at the change a `chat_member` or `my_chat_member` update carries.
//!
//! Any closure is a filter too: [`Filter::new`].

use std::collections::HashSet;
use std::fmt;
use std::ops::{BitAnd, BitOr, BitXor, Not};
use std::sync::Arc;

use super::Command;
use super::command::utf16_to_byte;
use crate::{
    ChatId, ChatType, Message, MessageEntity, MessageEntityType, MessageOrigin, StickerType,
    Update, UpdateType,
};

/// A test on an [`Update`]: whether a handler is for it.
///
/// Build filters with the functions of [`filters`](self) or [`Filter::new`], combine them with
/// `&` (both), `|` (either) and `!` (not). A filter is cheap to clone (a reference count) and
/// can be shared between threads. Its `Debug` output shows how it was built:
/// `text & !command`.
#[derive(Clone)]
pub struct Filter {
    test: Arc<dyn Fn(&Update) -> bool + Send + Sync>,
    name: Arc<str>,
    shape: Shape,
}

/// How a filter's name was built, to parenthesize it when combined.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Atom,
    And,
    Or,
    Xor,
}

impl Filter {
    /// A filter from any test on an update.
    ///
    /// ```
    /// use telegram_api::ext::{filters, Filter};
    /// let long = Filter::new(|u| {
    ///     u.effective_message().and_then(|m| m.text.as_ref()).is_some_and(|t| t.len() > 100)
    /// })
    /// .named("long");
    /// let long_text = filters::text() & long;
    /// assert_eq!(format!("{long_text:?}"), "text & long");
    /// ```
    pub fn new(test: impl Fn(&Update) -> bool + Send + Sync + 'static) -> Filter {
        Filter::named_atom("custom", test)
    }

    /// The same filter under another name, which its `Debug` output shows.
    #[must_use]
    pub fn named(self, name: impl Into<String>) -> Filter {
        Filter {
            test: self.test,
            name: name.into().into(),
            shape: Shape::Atom,
        }
    }

    /// Whether `update` passes this filter.
    pub fn matches(&self, update: &Update) -> bool {
        (self.test)(update)
    }

    fn named_atom(
        name: impl Into<String>,
        test: impl Fn(&Update) -> bool + Send + Sync + 'static,
    ) -> Filter {
        Filter {
            test: Arc::new(test),
            name: name.into().into(),
            shape: Shape::Atom,
        }
    }

    /// A filter on the update's effective message; `false` when it has none.
    pub(crate) fn on_message(
        name: impl Into<String>,
        test: impl Fn(&Message) -> bool + Send + Sync + 'static,
    ) -> Filter {
        Filter::named_atom(name, move |u| u.effective_message().is_some_and(&test))
    }

    /// This filter's name as an operand of `shape`, parenthesized when needed.
    fn operand(&self, shape: Shape) -> String {
        if self.shape == Shape::Atom || self.shape == shape {
            self.name.to_string()
        } else {
            format!("({})", self.name)
        }
    }

    /// The name of `self <symbol> other`.
    fn joined(&self, other: &Filter, shape: Shape, symbol: &str) -> Arc<str> {
        format!("{} {symbol} {}", self.operand(shape), other.operand(shape)).into()
    }

    fn both(&self, other: &Filter) -> Filter {
        let (a, b) = (self.test.clone(), other.test.clone());
        Filter {
            name: self.joined(other, Shape::And, "&"),
            test: Arc::new(move |u| a(u) && b(u)),
            shape: Shape::And,
        }
    }

    fn either(&self, other: &Filter) -> Filter {
        let (a, b) = (self.test.clone(), other.test.clone());
        Filter {
            name: self.joined(other, Shape::Or, "|"),
            test: Arc::new(move |u| a(u) || b(u)),
            shape: Shape::Or,
        }
    }

    fn one_of(&self, other: &Filter) -> Filter {
        let (a, b) = (self.test.clone(), other.test.clone());
        Filter {
            name: self.joined(other, Shape::Xor, "^"),
            test: Arc::new(move |u| a(u) != b(u)),
            shape: Shape::Xor,
        }
    }

    fn negate(&self) -> Filter {
        let a = self.test.clone();
        Filter {
            name: format!("!{}", self.operand(Shape::Atom)).into(),
            test: Arc::new(move |u| !a(u)),
            shape: Shape::Atom,
        }
    }
}

impl fmt::Debug for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

macro_rules! operators {
    ($($lhs:ty, $rhs:ty;)*) => {$(
        impl BitAnd<$rhs> for $lhs {
            type Output = Filter;
            /// Both filters: `a & b` passes what `a` and `b` pass.
            fn bitand(self, other: $rhs) -> Filter {
                Filter::both(&self, &other)
            }
        }
        impl BitOr<$rhs> for $lhs {
            type Output = Filter;
            /// Either filter: `a | b` passes what `a` or `b` passes.
            fn bitor(self, other: $rhs) -> Filter {
                Filter::either(&self, &other)
            }
        }
        impl BitXor<$rhs> for $lhs {
            type Output = Filter;
            /// Exactly one of the filters: `a ^ b` passes what one of `a` and `b` passes, but
            /// not both.
            fn bitxor(self, other: $rhs) -> Filter {
                Filter::one_of(&self, &other)
            }
        }
    )*};
}

operators! {
    Filter, Filter;
    Filter, &Filter;
    &Filter, Filter;
    &Filter, &Filter;
}

impl Not for Filter {
    type Output = Filter;
    /// The opposite filter: `!a` passes what `a` does not.
    fn not(self) -> Filter {
        Filter::negate(&self)
    }
}

impl Not for &Filter {
    type Output = Filter;
    /// The opposite filter: `!a` passes what `a` does not.
    fn not(self) -> Filter {
        Filter::negate(self)
    }
}

/// Every update.
pub fn all() -> Filter {
    Filter::named_atom("all", |_| true)
}

/// Updates of this kind (`message`, `edited_message`, `callback_query`, ...).
pub fn update_kind(kind: UpdateType) -> Filter {
    Filter::named_atom(format!("update_kind({})", kind.as_str()), move |u| {
        u.kind.name() == Some(kind.as_str())
    })
}

/// Edited messages: `edited_message`, `edited_channel_post` and `edited_business_message`
/// updates.
pub fn edited() -> Filter {
    Filter::named_atom("edited", |u| {
        u.edited_message().is_some()
            || u.edited_channel_post().is_some()
            || u.edited_business_message().is_some()
    })
}

/// Messages with text (commands included: `text() & !command()` for plain text).
pub fn text() -> Filter {
    Filter::on_message("text", |m| m.text.is_some())
}

/// Messages whose text is exactly one of `texts`, such as the buttons of a reply keyboard.
pub fn text_in<S: Into<String>>(texts: impl IntoIterator<Item = S>) -> Filter {
    let texts: HashSet<String> = texts.into_iter().map(Into::into).collect();
    let mut shown: Vec<&String> = texts.iter().collect();
    shown.sort();
    let name = format!("text_in({shown:?})");
    Filter::on_message(name, move |m| {
        m.text.as_ref().is_some_and(|t| texts.contains(t))
    })
}

/// Messages that start with a bot command (`/start`, `/help@MyBot`), in their text or
/// caption: those [`Command::parse`] finds a command in.
pub fn command() -> Filter {
    Filter::on_message("command", |m| Command::parse(m).is_some())
}

/// Messages that start with one of these commands (given without `/`, matched ignoring case
/// like [`Command::is`]), addressed to any bot.
pub fn commands<S: Into<String>>(names: impl IntoIterator<Item = S>) -> Filter {
    let names: Vec<String> = names
        .into_iter()
        .map(|n| {
            let n: String = n.into();
            n.strip_prefix('/').unwrap_or(&n).to_ascii_lowercase()
        })
        .collect();
    let name = format!("commands({names:?})");
    Filter::on_message(name, move |m| {
        Command::parse(m).is_some_and(|c| names.iter().any(|n| c.is(n)))
    })
}

/// Messages with a caption.
pub fn caption() -> Filter {
    Filter::on_message("caption", |m| m.caption.is_some())
}

/// One filter per optional field of [`Message`]: the messages that have it. Every kind of
/// content and of service message is here, as the Bot API release this crate implements
/// describes it, under the field's name: `message::pinned_message()`,
/// `message::forum_topic_created()`, `message::video_chat_started()`, `message::gift()`,
/// `message::users_shared()`, `message::migrate_to_chat_id()`, ...
///
/// ```
/// use telegram_api::ext::filters::{self, message};
/// // Service messages a group bot tidies away.
/// let service = message::pinned_message() | message::new_chat_title() | message::new_chat_photo();
/// let _ = service & filters::groups();
/// ```
///
/// The filters of this module that the top level also has (`photo`, `sticker`, ...) are the
/// same filters.
pub mod message {
    pub use crate::generated::message_filters::*;
}

macro_rules! media_filters {
    ($($(#[$doc:meta])* $name:ident => $field:ident;)*) => {$(
        $(#[$doc])*
        pub fn $name() -> Filter {
            Filter::on_message(stringify!($name), |m| m.$field.is_some())
        }
    )*};
}

media_filters! {
    /// Messages with a photo.
    photo => photo;
    /// Messages with a video.
    video => video;
    /// Messages with a video note (a round video message).
    video_note => video_note;
    /// Messages with a live photo.
    live_photo => live_photo;
    /// Messages with a general file. Telegram also sets the document of an animation message,
    /// so this passes animations too: `document() & !animation()` for files only.
    document => document;
    /// Messages with an audio file to be treated as music.
    audio => audio;
    /// Messages with a voice message.
    voice => voice;
    /// Messages with a sticker.
    sticker => sticker;
    /// Messages with an animation (a GIF or a silent H.264/MPEG-4 AVC video).
    animation => animation;
    /// Messages with a location. Telegram also sets the location of a venue message, so this
    /// passes venues too.
    location => location;
    /// Messages with a venue.
    venue => venue;
    /// Messages with a shared contact.
    contact => contact;
    /// Messages with a poll.
    poll => poll;
    /// Messages with a dice (or another animated emoji with a random value).
    dice => dice;
    /// Messages with a game.
    game => game;
    /// Messages with an invoice for a payment.
    invoice => invoice;
    /// Messages that share a story.
    story => story;
    /// Messages with paid media.
    paid_media => paid_media;
    /// Messages with a checklist.
    checklist => checklist;
    /// Service messages about a successful payment.
    successful_payment => successful_payment;
    /// Service messages with data sent from a Web App.
    web_app_data => web_app_data;
    /// Service messages about members who joined or were added to the chat.
    new_chat_members => new_chat_members;
    /// Service messages about a member who left or was removed from the chat.
    left_chat_member => left_chat_member;
}

/// Documents with this MIME type, such as `application/pdf` (compared ignoring ASCII case, as
/// MIME types are). A type ending in `/*` (`image/*`) passes every subtype.
pub fn document_mime_type(mime_type: impl Into<String>) -> Filter {
    let wanted: String = mime_type.into();
    let name = format!("document_mime_type({wanted:?})");
    let wanted = wanted.to_ascii_lowercase();
    Filter::on_message(name, move |m| {
        let Some(actual) = m.document.as_ref().and_then(|d| d.mime_type.as_deref()) else {
            return false;
        };
        match wanted.strip_suffix("/*") {
            Some(top) => actual
                .split_once('/')
                .is_some_and(|(t, _)| t.eq_ignore_ascii_case(top)),
            None => actual.eq_ignore_ascii_case(&wanted),
        }
    })
}

/// Documents whose file name ends with this extension (`pdf` or `.pdf`, compared ignoring
/// case; `tar.gz` works too).
pub fn document_file_extension(extension: impl Into<String>) -> Filter {
    let extension: String = extension.into();
    let name = format!("document_file_extension({extension:?})");
    let suffix = format!(".{}", extension.trim_start_matches('.')).to_lowercase();
    Filter::on_message(name, move |m| {
        m.document
            .as_ref()
            .and_then(|d| d.file_name.as_deref())
            .is_some_and(|f| f.to_lowercase().ends_with(&suffix))
    })
}

fn chat_type(name: &'static str, test: fn(&ChatType) -> bool) -> Filter {
    Filter::named_atom(name, move |u| {
        u.effective_chat().is_some_and(|c| test(&c.r#type))
    })
}

/// Updates in a private chat.
pub fn private() -> Filter {
    chat_type("private", |t| *t == ChatType::Private)
}

/// Updates in a (basic) group. Most groups are supergroups: [`groups`] passes both.
pub fn group() -> Filter {
    chat_type("group", |t| *t == ChatType::Group)
}

/// Updates in a supergroup.
pub fn supergroup() -> Filter {
    chat_type("supergroup", |t| *t == ChatType::Supergroup)
}

/// Updates in a group or a supergroup.
pub fn groups() -> Filter {
    chat_type("groups", |t| {
        *t == ChatType::Group || *t == ChatType::Supergroup
    })
}

/// Updates in a channel.
pub fn channel() -> Filter {
    chat_type("channel", |t| *t == ChatType::Channel)
}

/// Normalized usernames: without `@`, lowercase (usernames are case-insensitive).
fn usernames<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> HashSet<String> {
    names
        .into_iter()
        .map(|n| {
            let n = n.as_ref().trim();
            n.strip_prefix('@').unwrap_or(n).to_ascii_lowercase()
        })
        .collect()
}

fn sorted<T: Ord + fmt::Debug>(set: &HashSet<T>) -> String {
    let mut items: Vec<&T> = set.iter().collect();
    items.sort();
    format!("{items:?}")
}

/// Updates from one of these users, by identifier.
pub fn from_users(ids: impl IntoIterator<Item = i64>) -> Filter {
    let ids: HashSet<i64> = ids.into_iter().collect();
    let name = format!("from_users({})", sorted(&ids));
    Filter::named_atom(name, move |u| {
        u.effective_user()
            .is_some_and(|user| ids.contains(&user.id))
    })
}

/// Updates from one of these users, by username (with or without `@`, ignoring case).
pub fn from_usernames<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> Filter {
    let names = usernames(names);
    let name = format!("from_usernames({})", sorted(&names));
    Filter::named_atom(name, move |u| {
        u.effective_user()
            .and_then(|user| user.username.as_deref())
            .is_some_and(|n| names.contains(&n.to_ascii_lowercase()))
    })
}

/// Updates in one of these chats, by identifier or by `@username` (ignoring case):
/// `in_chats([-1001234567890])`, `in_chats(["@mychannel"])`, or both with [`ChatId`]s.
pub fn in_chats<C: Into<ChatId>>(chats: impl IntoIterator<Item = C>) -> Filter {
    let mut ids = HashSet::new();
    let mut names = Vec::new();
    for chat in chats {
        match chat.into() {
            ChatId::Id(id) => {
                ids.insert(id);
            }
            ChatId::Username(name) => names.push(name),
        }
    }
    let names = usernames(names);
    let name = match (ids.is_empty(), names.is_empty()) {
        (false, true) => format!("in_chats({})", sorted(&ids)),
        (true, _) => format!("in_chats({})", sorted(&names)),
        (false, false) => format!("in_chats({}, {})", sorted(&ids), sorted(&names)),
    };
    Filter::named_atom(name, move |u| {
        u.effective_chat().is_some_and(|chat| {
            ids.contains(&chat.id)
                || chat
                    .username
                    .as_deref()
                    .is_some_and(|n| names.contains(&n.to_ascii_lowercase()))
        })
    })
}

/// Messages whose text, or else caption, matches this regular expression (anywhere in it:
/// anchor it with `^` and `$` to match the whole text). The syntax is the
/// [`regex`](https://docs.rs/regex) crate's.
///
/// ```
/// use telegram_api::ext::filters;
/// let greeting = filters::regex(r"(?i)^(hi|hello)\b")?;
/// assert!(filters::regex("(unclosed").is_err());
/// # Ok::<(), regex::Error>(())
/// ```
///
/// # Errors
///
/// Fails with the `regex::Error` of a pattern that does not compile (bad syntax, or too large).
pub fn regex(pattern: &str) -> Result<Filter, regex::Error> {
    regex::Regex::new(pattern).map(regex_compiled)
}

/// Like [`regex()`], with an already compiled expression.
pub fn regex_compiled(expression: regex::Regex) -> Filter {
    let name = format!("regex({:?})", expression.as_str());
    Filter::on_message(name, move |m| {
        m.text
            .as_deref()
            .or(m.caption.as_deref())
            .is_some_and(|t| expression.is_match(t))
    })
}

/// Messages forwarded from somewhere else (they have a `forward_origin`).
pub fn forwarded() -> Filter {
    Filter::on_message("forwarded", |m| m.forward_origin.is_some())
}

/// Messages that reply to another message: one in the same chat, one in another chat or
/// forum topic (`external_reply`), or a story.
///
/// In a forum topic, Telegram sets `reply_to_message` of every message to the message that
/// created the topic; such a message is not taken for a reply.
pub fn reply() -> Filter {
    Filter::on_message("reply", |m| {
        let replies_in_chat = m.reply_to_message.as_deref().is_some_and(|r| {
            !(m.is_topic_message == Some(true)
                && r.forum_topic_created.is_some()
                && Some(r.message_id) == m.message_thread_id)
        });
        replies_in_chat || m.external_reply.is_some() || m.reply_to_story.is_some()
    })
}

/// Messages whose text or caption has an entity of this type (a URL, a mention, a
/// `bot_command` anywhere, ...).
pub fn entity(kind: MessageEntityType) -> Filter {
    let name = format!("entity({})", kind.as_str());
    Filter::on_message(name, move |m| {
        m.entities
            .iter()
            .chain(m.caption_entities.iter())
            .flatten()
            .any(|e| e.r#type == kind)
    })
}

/// Messages sent through an inline bot (they have a `via_bot`).
pub fn via_bot() -> Filter {
    Filter::on_message("via_bot", |m| m.via_bot.is_some())
}

/// Messages sent in a forum topic.
pub fn forum_topic() -> Filter {
    Filter::on_message("forum_topic", |m| m.is_topic_message == Some(true))
}

/// Channel posts Telegram forwarded automatically into the channel's discussion group.
pub fn automatic_forward() -> Filter {
    Filter::on_message("automatic_forward", |m| {
        m.is_automatic_forward == Some(true)
    })
}

/// Messages sent on behalf of a chat (a channel, or an anonymous group administrator): they
/// have a `sender_chat`.
pub fn sender_chat() -> Filter {
    Filter::on_message("sender_chat", |m| m.sender_chat.is_some())
}

/// Updates from a user whose language is one of these IETF language tags or their prefixes
/// (`en` passes `en` and `en-US`; compared ignoring case).
pub fn language<S: AsRef<str>>(codes: impl IntoIterator<Item = S>) -> Filter {
    let codes: Vec<String> = codes
        .into_iter()
        .map(|c| c.as_ref().to_ascii_lowercase())
        .collect();
    let name = format!("language({codes:?})");
    Filter::named_atom(name, move |u| {
        u.effective_user()
            .and_then(|user| user.language_code.as_deref())
            .is_some_and(|lang| {
                let lang = lang.to_ascii_lowercase();
                codes.iter().any(|c| {
                    lang == *c
                        || lang
                            .strip_prefix(c.as_str())
                            .is_some_and(|r| r.starts_with('-'))
                })
            })
    })
}

/// Filters on changes of a chat member: who joined, left, was promoted, demoted, restricted
/// or banned. They pass `chat_member` updates (another member's status changed) and
/// `my_chat_member` updates (the bot's own) whose change is that one, as the methods of
/// [`ChatMemberUpdated`](crate::ChatMemberUpdated)
/// ([`joined`](crate::ChatMemberUpdated::joined), ...) tell it. Every other update fails
/// them.
///
/// One change can be several of these at once: a member who is banned also left, and a user
/// added as an administrator both joined and was promoted.
///
/// ```
/// use telegram_api::ext::{filters::member, Context, Handler};
/// fn greet(ctx: &Context) -> Result<(), telegram_api::Error> {
///     ctx.reply("Welcome!").call()?;
///     Ok(())
/// }
/// let greeter: Handler = Handler::chat_member(greet).filter(member::joined());
/// let bot_added = member::joined() & telegram_api::ext::filters::update_kind(
///     telegram_api::UpdateType::MyChatMember,
/// );
/// assert_eq!(format!("{bot_added:?}"), "member::joined & update_kind(my_chat_member)");
/// ```
pub mod member {
    use super::Filter;
    use crate::{ChatMemberUpdated, Update};

    /// The member change an update carries, of either kind.
    fn change_of(update: &Update) -> Option<&ChatMemberUpdated> {
        update.chat_member().or_else(|| update.my_chat_member())
    }

    fn change(name: &'static str, test: fn(&ChatMemberUpdated) -> bool) -> Filter {
        Filter::named_atom(name, move |u| change_of(u).is_some_and(test))
    }

    /// The user came into the chat: joined, was added, or came back.
    pub fn joined() -> Filter {
        change("member::joined", ChatMemberUpdated::joined)
    }

    /// The user went out of the chat: left, was removed or banned.
    pub fn left() -> Filter {
        change("member::left", ChatMemberUpdated::left)
    }

    /// The user became the chat's owner or an administrator.
    pub fn promoted() -> Filter {
        change("member::promoted", ChatMemberUpdated::promoted)
    }

    /// The user stopped being the chat's owner or an administrator.
    pub fn demoted() -> Filter {
        change("member::demoted", ChatMemberUpdated::demoted)
    }

    /// The user became restricted, whether still in the chat or not.
    pub fn restricted() -> Filter {
        change("member::restricted", ChatMemberUpdated::restricted)
    }

    /// The user was banned.
    pub fn banned() -> Filter {
        change("member::banned", ChatMemberUpdated::banned)
    }
}

/// Messages with a sticker of this type: [`StickerType::Regular`], [`StickerType::Mask`] or
/// [`StickerType::CustomEmoji`]. The type is independent of the format
/// ([`animated_sticker`], [`video_sticker`], [`static_sticker`]).
///
/// ```
/// use telegram_api::StickerType;
/// use telegram_api::ext::filters;
/// let masks = filters::sticker_type(StickerType::Mask);
/// assert_eq!(format!("{masks:?}"), "sticker_type(mask)");
/// ```
pub fn sticker_type(kind: StickerType) -> Filter {
    let name = format!("sticker_type({})", kind.as_str());
    Filter::on_message(name, move |m| {
        m.sticker.as_ref().is_some_and(|s| s.r#type == kind)
    })
}

/// Messages with an animated sticker (the `.TGS` format).
pub fn animated_sticker() -> Filter {
    Filter::on_message("animated_sticker", |m| {
        m.sticker.as_ref().is_some_and(|s| s.is_animated)
    })
}

/// Messages with a video sticker (the `.WEBM` format).
pub fn video_sticker() -> Filter {
    Filter::on_message("video_sticker", |m| {
        m.sticker.as_ref().is_some_and(|s| s.is_video)
    })
}

/// Messages with a static sticker (the `.WEBP` format): neither animated nor a video.
pub fn static_sticker() -> Filter {
    Filter::on_message("static_sticker", |m| {
        m.sticker
            .as_ref()
            .is_some_and(|s| !s.is_animated && !s.is_video)
    })
}

/// Messages with a premium sticker: a regular sticker with a premium animation.
pub fn premium_sticker() -> Filter {
    Filter::on_message("premium_sticker", |m| {
        m.sticker
            .as_ref()
            .is_some_and(|s| s.premium_animation.is_some())
    })
}

/// The emoji without a trailing variation selector (`⚽️` and `⚽` are the same ball).
fn base_emoji(emoji: &str) -> &str {
    emoji.trim_end_matches('\u{FE0F}')
}

/// Messages with a dice of this emoji: `🎲`, `🎯`, `🏀`, `⚽`, `🎳` or `🎰` (with or without
/// the variation selector `U+FE0F`).
///
/// ```
/// use telegram_api::ext::filters;
/// let darts = filters::dice_emoji("🎯");
/// assert_eq!(format!("{darts:?}"), r#"dice_emoji("🎯")"#);
/// ```
pub fn dice_emoji(emoji: impl Into<String>) -> Filter {
    let wanted = base_emoji(&emoji.into()).to_owned();
    let name = format!("dice_emoji({wanted:?})");
    Filter::on_message(name, move |m| {
        m.dice
            .as_ref()
            .is_some_and(|d| base_emoji(&d.emoji) == wanted)
    })
}

/// Messages with a dice of this emoji that landed on one of `values`: 1 to 6 for `🎲`, `🎯`
/// and `🎳`, 1 to 5 for `🏀` and `⚽`, 1 to 64 for `🎰`.
///
/// ```
/// use telegram_api::ext::filters;
/// let bullseye = filters::dice_value("🎯", [6]);
/// let scored = filters::dice_value("🏀", 4..=5);
/// assert_eq!(format!("{bullseye:?}"), r#"dice_value("🎯", [6])"#);
/// ```
pub fn dice_value(emoji: impl Into<String>, values: impl IntoIterator<Item = i64>) -> Filter {
    let wanted = base_emoji(&emoji.into()).to_owned();
    let values: HashSet<i64> = values.into_iter().collect();
    let name = format!("dice_value({wanted:?}, {})", sorted(&values));
    Filter::on_message(name, move |m| {
        m.dice
            .as_ref()
            .is_some_and(|d| values.contains(&d.value) && base_emoji(&d.emoji) == wanted)
    })
}

/// Messages forwarded from one of these users, by identifier: their `forward_origin` is a
/// user. A user who hides their account in forwards (`hidden_user`) has no identifier and
/// fails this filter.
pub fn forwarded_from_users(ids: impl IntoIterator<Item = i64>) -> Filter {
    let ids: HashSet<i64> = ids.into_iter().collect();
    let name = format!("forwarded_from_users({})", sorted(&ids));
    Filter::on_message(name, move |m| match m.forward_origin.as_deref() {
        Some(MessageOrigin::User(origin)) => ids.contains(&origin.sender_user.id),
        _ => false,
    })
}

/// Messages forwarded from one of these chats, by identifier: their `forward_origin` is a
/// channel post, or a message sent on behalf of a chat (an anonymous group administrator, a
/// channel writing in a group).
pub fn forwarded_from_chats(ids: impl IntoIterator<Item = i64>) -> Filter {
    let ids: HashSet<i64> = ids.into_iter().collect();
    let name = format!("forwarded_from_chats({})", sorted(&ids));
    Filter::on_message(name, move |m| match m.forward_origin.as_deref() {
        Some(MessageOrigin::Chat(origin)) => ids.contains(&origin.sender_chat.id),
        Some(MessageOrigin::Channel(origin)) => ids.contains(&origin.chat.id),
        _ => false,
    })
}

/// Messages forwarded from one of these users or chats, by username (with or without `@`,
/// ignoring case): the user, chat or channel of their `forward_origin` has that username.
/// A hidden user has none and fails this filter.
pub fn forwarded_from_usernames<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> Filter {
    let names = usernames(names);
    let name = format!("forwarded_from_usernames({})", sorted(&names));
    Filter::on_message(name, move |m| {
        let username = match m.forward_origin.as_deref() {
            Some(MessageOrigin::User(origin)) => origin.sender_user.username.as_deref(),
            Some(MessageOrigin::Chat(origin)) => origin.sender_chat.username.as_deref(),
            Some(MessageOrigin::Channel(origin)) => origin.chat.username.as_deref(),
            _ => None,
        };
        username.is_some_and(|n| names.contains(&n.to_ascii_lowercase()))
    })
}

/// Messages sent through one of these inline bots, by identifier.
pub fn via_bots(ids: impl IntoIterator<Item = i64>) -> Filter {
    let ids: HashSet<i64> = ids.into_iter().collect();
    let name = format!("via_bots({})", sorted(&ids));
    Filter::on_message(name, move |m| {
        m.via_bot.as_ref().is_some_and(|b| ids.contains(&b.id))
    })
}

/// Messages sent on behalf of one of these chats (a channel, or a group whose anonymous
/// administrator wrote), by identifier.
pub fn sender_chats(ids: impl IntoIterator<Item = i64>) -> Filter {
    let ids: HashSet<i64> = ids.into_iter().collect();
    let name = format!("sender_chats({})", sorted(&ids));
    Filter::on_message(name, move |m| {
        m.sender_chat.as_ref().is_some_and(|c| ids.contains(&c.id))
    })
}

/// The part of `text` an entity covers, its offset and length counted in UTF-16 code units;
/// `None` when they fall outside the text or inside a character.
fn entity_text<'a>(text: &'a str, entity: &MessageEntity) -> Option<&'a str> {
    let rest = text.get(utf16_to_byte(text, entity.offset)?..)?;
    rest.get(..utf16_to_byte(rest, entity.length)?)
}

/// Whether an entity of the message's text or caption passes `test`, given the text or
/// caption it belongs to.
fn any_entity(m: &Message, test: impl Fn(&MessageEntity, Option<&str>) -> bool) -> bool {
    let with = |text: Option<&String>, entities: Option<&Vec<MessageEntity>>| {
        entities.is_some_and(|entities| entities.iter().any(|e| test(e, text.map(String::as_str))))
    };
    with(m.text.as_ref(), m.entities.as_ref())
        || with(m.caption.as_ref(), m.caption_entities.as_ref())
}

/// Messages that mention this username (with or without `@`, ignoring case), in their text or
/// caption: an `@username` mention, or a mention by name (`text_mention`) of a user with that
/// username.
///
/// A filter only sees the update, not the application, so it is given the bot's username
/// (the one [`ApplicationBuilder::bot_username`](super::ApplicationBuilder::bot_username)
/// takes, or `getMe` returns): `filters::mentions("MyBot")` passes messages that call the bot
/// in a group. [`mentions_user`] passes mentions by name of a user identifier.
///
/// ```
/// use telegram_api::ext::filters;
/// let called = filters::mentions("@MyBot") & filters::groups();
/// assert_eq!(format!("{called:?}"), r#"mentions("mybot") & groups"#);
/// ```
///
/// Entities whose offsets do not fit the text are not mentions.
pub fn mentions(username: impl AsRef<str>) -> Filter {
    let username = username.as_ref().trim();
    let username = username
        .strip_prefix('@')
        .unwrap_or(username)
        .to_ascii_lowercase();
    let name = format!("mentions({username:?})");
    Filter::on_message(name, move |m| {
        any_entity(m, |e, text| match e.r#type {
            MessageEntityType::Mention => text
                .and_then(|t| entity_text(t, e))
                .and_then(|t| t.strip_prefix('@'))
                .is_some_and(|n| n.eq_ignore_ascii_case(&username)),
            MessageEntityType::TextMention => e
                .user
                .as_ref()
                .and_then(|u| u.username.as_deref())
                .is_some_and(|n| n.eq_ignore_ascii_case(&username)),
            _ => false,
        })
    })
}

/// Messages that mention this user by name (a `text_mention` entity, used for users without
/// a username), in their text or caption, by the user's identifier.
pub fn mentions_user(id: i64) -> Filter {
    Filter::on_message(format!("mentions_user({id})"), move |m| {
        any_entity(m, |e, _| {
            e.r#type == MessageEntityType::TextMention
                && e.user.as_ref().is_some_and(|u| u.id == id)
        })
    })
}

/// Updates from a Telegram Premium user: the [`effective_user`](Update::effective_user) has
/// `is_premium` set to `true`.
pub fn premium() -> Filter {
    Filter::named_atom("premium", |u| {
        u.effective_user()
            .is_some_and(|user| user.is_premium == Some(true))
    })
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    const ADA: i64 = 111;

    /// A message update in a private chat with Ada, with `fields` added to the message.
    fn message(fields: Value) -> Update {
        in_chat(
            json!({"id": ADA, "type": "private", "first_name": "Ada"}),
            fields,
        )
    }

    /// A message update in `chat`, sent by Ada, with `fields` added to the message.
    fn in_chat(chat: Value, fields: Value) -> Update {
        update(
            "message",
            chat,
            json!({"id": ADA, "is_bot": false, "first_name": "Ada", "username": "Ada_L",
                   "language_code": "en-GB"}),
            fields,
        )
    }

    fn update(kind: &str, chat: Value, from: Value, fields: Value) -> Update {
        let mut message = json!({"message_id": 5, "date": 1700000000, "chat": chat, "from": from});
        message
            .as_object_mut()
            .unwrap()
            .extend(fields.as_object().unwrap().clone());
        serde_json::from_value(json!({"update_id": 1, kind: message})).expect("a valid update")
    }

    fn text(t: &str) -> Update {
        message(json!({"text": t}))
    }

    fn file(id: &str) -> Value {
        json!({"file_id": id, "file_unique_id": id})
    }

    fn command_text(t: &str, length: usize) -> Update {
        message(
            json!({"text": t, "entities": [{"type": "bot_command", "offset": 0, "length": length}]}),
        )
    }

    fn callback_query(with_message: bool) -> Update {
        let mut query = json!({"id": "9", "chat_instance": "c", "data": "yes",
            "from": {"id": 222, "is_bot": false, "first_name": "Bob", "username": "bob"}});
        if with_message {
            query["message"] = json!({"message_id": 6, "date": 1700000000, "text": "Deploy?",
                "chat": {"id": -100555, "type": "supergroup", "title": "Ops", "username": "OpsRoom"}});
        }
        serde_json::from_value(json!({"update_id": 2, "callback_query": query})).unwrap()
    }

    fn inline_query() -> Update {
        serde_json::from_value(
            json!({"update_id": 3, "inline_query": {"id": "1", "query": "q",
            "offset": "", "from": {"id": ADA, "is_bot": false, "first_name": "Ada"}}}),
        )
        .unwrap()
    }

    #[test]
    fn text_caption_and_commands() {
        let hello = text("hello");
        let start = command_text("/start abc", 6);
        let photo = message(
            json!({"photo": [{"file_id": "p", "file_unique_id": "p", "width": 9, "height": 9}],
            "caption": "/resize 50", "caption_entities": [{"type": "bot_command", "offset": 0, "length": 7}]}),
        );
        assert!(super::text().matches(&hello) && super::text().matches(&start));
        assert!(!super::text().matches(&photo));
        assert!(command().matches(&start) && command().matches(&photo));
        assert!(!command().matches(&hello));
        assert!(caption().matches(&photo) && !caption().matches(&hello));
        let plain = super::text() & !command();
        assert!(plain.matches(&hello) && !plain.matches(&start) && !plain.matches(&photo));
        // Exactly one: a command or a caption, not a command in a caption.
        let one = command() ^ caption();
        assert!(one.matches(&start) && !one.matches(&photo) && !one.matches(&hello));
        // A slash without a bot_command entity is not a command.
        assert!(!command().matches(&text("/not a command")));
        assert!(!super::text().matches(&inline_query()));
    }

    #[test]
    fn named_commands() {
        let f = commands(["start", "/help"]);
        assert!(f.matches(&command_text("/start", 6)));
        assert!(f.matches(&command_text("/HELP@MyBot", 11)));
        assert!(!f.matches(&command_text("/stop", 5)));
        assert!(!f.matches(&text("start")));
        assert_eq!(format!("{f:?}"), r#"commands(["start", "help"])"#);
    }

    #[test]
    fn text_in_reply_keyboard_buttons() {
        let f = text_in(["Yes", "No"]);
        assert!(f.matches(&text("Yes")) && f.matches(&text("No")));
        assert!(!f.matches(&text("yes")) && !f.matches(&text("Yes please")));
        assert!(!f.matches(&message(json!({"caption": "Yes"}))));
    }

    #[test]
    fn media_kinds() {
        let size = json!({"file_id": "p", "file_unique_id": "p", "width": 90, "height": 90});
        let location = json!({"latitude": 52.5, "longitude": 13.4});
        let cases: Vec<(Filter, Value)> = vec![
            (photo(), json!({"photo": [size]})),
            (
                video(),
                json!({"video": {"file_id": "v", "file_unique_id": "v", "width": 1, "height": 1, "duration": 1}}),
            ),
            (
                video_note(),
                json!({"video_note": {"file_id": "v", "file_unique_id": "v", "length": 1, "duration": 1}}),
            ),
            (document(), json!({"document": file("d")})),
            (
                audio(),
                json!({"audio": {"file_id": "a", "file_unique_id": "a", "duration": 1}}),
            ),
            (
                voice(),
                json!({"voice": {"file_id": "a", "file_unique_id": "a", "duration": 1}}),
            ),
            (
                sticker(),
                json!({"sticker": {"file_id": "s", "file_unique_id": "s", "type": "regular",
                "width": 1, "height": 1, "is_animated": false, "is_video": false}}),
            ),
            (
                animation(),
                json!({"animation": {"file_id": "g", "file_unique_id": "g", "width": 1,
                "height": 1, "duration": 1}}),
            ),
            (super::location(), json!({"location": location})),
            (
                venue(),
                json!({"venue": {"location": location, "title": "T", "address": "A"}, "location": location}),
            ),
            (
                contact(),
                json!({"contact": {"phone_number": "+100", "first_name": "Ada"}}),
            ),
            (
                poll(),
                json!({"poll": {"id": "p", "question": "Q?", "options": [
                {"persistent_id": "a", "text": "A", "voter_count": 0}], "total_voter_count": 0,
                "is_closed": false, "is_anonymous": true, "type": "regular",
                "allows_multiple_answers": false, "allows_revoting": true, "members_only": false}}),
            ),
            (dice(), json!({"dice": {"emoji": "🎲", "value": 4}})),
            (
                game(),
                json!({"game": {"title": "G", "description": "D", "photo": [size]}}),
            ),
            (
                invoice(),
                json!({"invoice": {"title": "T", "description": "D", "start_parameter": "s",
                "currency": "XTR", "total_amount": 5}}),
            ),
            (
                story(),
                json!({"story": {"chat": {"id": -100, "type": "channel"}, "id": 3}}),
            ),
            (
                paid_media(),
                json!({"paid_media": {"star_count": 5, "paid_media": [{"type": "preview"}]}}),
            ),
            (
                live_photo(),
                json!({"live_photo": {"file_id": "l", "file_unique_id": "l", "width": 1,
                "height": 1, "duration": 2}}),
            ),
            (
                checklist(),
                json!({"checklist": {"title": "Trip", "tasks": [{"id": 1, "text": "Pack"}]}}),
            ),
            (
                successful_payment(),
                json!({"successful_payment": {"currency": "XTR", "total_amount": 5,
                "invoice_payload": "p", "telegram_payment_charge_id": "t", "provider_payment_charge_id": "p"}}),
            ),
            (
                web_app_data(),
                json!({"web_app_data": {"data": "{}", "button_text": "Open"}}),
            ),
            (
                new_chat_members(),
                json!({"new_chat_members": [{"id": 3, "is_bot": false, "first_name": "C"}]}),
            ),
            (
                left_chat_member(),
                json!({"left_chat_member": {"id": 3, "is_bot": false, "first_name": "C"}}),
            ),
        ];
        let plain = text("plain");
        for (filter, fields) in &cases {
            let update = message(fields.clone());
            assert!(filter.matches(&update), "{filter:?} on {fields}");
            assert!(!filter.matches(&plain), "{filter:?} on text");
            // Each kind passes only its own filter, except the documented overlaps.
            for (other, _) in &cases {
                if std::ptr::eq(other, filter) {
                    continue;
                }
                let overlap =
                    format!("{filter:?}") == "venue" && format!("{other:?}") == "location";
                assert_eq!(other.matches(&update), overlap, "{other:?} on {fields}");
            }
        }
    }

    #[test]
    fn animations_are_documents_too_and_venues_locations() {
        let gif = message(json!({
            "animation": {"file_id": "g", "file_unique_id": "g", "width": 1, "height": 1, "duration": 1},
            "document": {"file_id": "g", "file_unique_id": "g", "mime_type": "video/mp4"},
        }));
        assert!(animation().matches(&gif) && document().matches(&gif));
        assert!(!(document() & !animation()).matches(&gif));
        let venue_message = message(json!({
            "location": {"latitude": 1.0, "longitude": 2.0},
            "venue": {"location": {"latitude": 1.0, "longitude": 2.0}, "title": "T", "address": "A"},
        }));
        assert!(super::location().matches(&venue_message) && venue().matches(&venue_message));
    }

    #[test]
    fn documents_by_mime_type_and_extension() {
        let pdf = message(json!({"document": {"file_id": "d", "file_unique_id": "d",
            "file_name": "Report.Final.PDF", "mime_type": "application/pdf"}}));
        let png = message(json!({"document": {"file_id": "d", "file_unique_id": "d",
            "file_name": "cat.png", "mime_type": "Image/PNG"}}));
        let tgz = message(json!({"document": {"file_id": "d", "file_unique_id": "d",
            "file_name": "src.tar.gz"}}));
        assert!(document_mime_type("application/pdf").matches(&pdf));
        assert!(!document_mime_type("application/pdf").matches(&png));
        assert!(document_mime_type("image/png").matches(&png));
        assert!(document_mime_type("image/*").matches(&png));
        assert!(!document_mime_type("image/*").matches(&pdf));
        assert!(
            !document_mime_type("application/pdf").matches(&tgz),
            "no MIME type"
        );
        assert!(document_file_extension("pdf").matches(&pdf));
        assert!(document_file_extension(".PdF").matches(&pdf));
        assert!(!document_file_extension("final").matches(&pdf));
        assert!(
            !document_file_extension("df").matches(&pdf),
            "the dot is part of the match"
        );
        assert!(document_file_extension("tar.gz").matches(&tgz));
        assert!(document_file_extension("gz").matches(&tgz));
        assert!(!document_file_extension("png").matches(&tgz));
        assert!(!document_file_extension("pdf").matches(&text("file.pdf")));
    }

    #[test]
    fn chat_types() {
        let chat = |t: &str| {
            in_chat(
                json!({"id": -100, "type": t, "title": "C"}),
                json!({"text": "x"}),
            )
        };
        let (p, g, s, c) = (
            text("x"),
            chat("group"),
            chat("supergroup"),
            chat("channel"),
        );
        let filters = [private(), group(), supergroup(), channel(), groups()];
        let expected = [
            [true, false, false, false, false],
            [false, true, false, false, true],
            [false, false, true, false, true],
            [false, false, false, true, false],
        ];
        for (update, row) in [&p, &g, &s, &c].into_iter().zip(expected) {
            let got: Vec<bool> = filters.iter().map(|f| f.matches(update)).collect();
            assert_eq!(got, row, "{:?}", update.effective_chat().map(|c| &c.r#type));
        }
        // Chat filters see the chat of a callback query's message; inline queries have none.
        assert!(supergroup().matches(&callback_query(true)));
        assert!(!supergroup().matches(&callback_query(false)));
        assert!(!private().matches(&inline_query()));
        let future = in_chat(json!({"id": 1, "type": "moonbase"}), json!({"text": "x"}));
        assert!(filters.iter().all(|f| !f.matches(&future)));
    }

    #[test]
    fn users() {
        let hello = text("hi");
        assert!(from_users([ADA]).matches(&hello));
        assert!(from_users([5, ADA, 7]).matches(&hello));
        assert!(!from_users([222]).matches(&hello));
        assert!(from_users([222]).matches(&callback_query(true)));
        assert!(from_users([ADA]).matches(&inline_query()));
        assert!(from_usernames(["ada_l"]).matches(&hello));
        assert!(from_usernames(["@ADA_L"]).matches(&hello));
        assert!(!from_usernames(["ada"]).matches(&hello));
        assert!(from_usernames(["@bob"]).matches(&callback_query(false)));
        assert!(
            !from_usernames(["ada_l"]).matches(&inline_query()),
            "no username"
        );
        let channel_post: Update = serde_json::from_value(json!({"update_id": 1, "channel_post":
            {"message_id": 1, "date": 1, "chat": {"id": -1, "type": "channel"}, "text": "x"}}))
        .unwrap();
        assert!(
            !from_users([ADA, -1]).matches(&channel_post),
            "channel posts have no user"
        );
    }

    #[test]
    fn chats() {
        let hello = text("hi");
        assert!(in_chats([ADA]).matches(&hello));
        assert!(!in_chats([-100555]).matches(&hello));
        let cb = callback_query(true);
        assert!(in_chats([-100555]).matches(&cb));
        assert!(in_chats(["@opsroom"]).matches(&cb));
        assert!(in_chats(["OPSROOM"]).matches(&cb));
        assert!(!in_chats(["@ops"]).matches(&cb));
        assert!(in_chats([ChatId::from(1), ChatId::from("@OpsRoom")]).matches(&cb));
        assert!(!in_chats([ADA]).matches(&callback_query(false)));
        assert!(!in_chats(Vec::<i64>::new()).matches(&hello));
    }

    #[test]
    fn regular_expressions() {
        let greeting = regex(r"(?i)^(hi|hello)\b").unwrap();
        assert!(greeting.matches(&text("Hello there")));
        assert!(!greeting.matches(&text("oh, hello")));
        assert!(greeting.matches(&message(json!({"caption": "hi!", "photo": []}))));
        assert!(!greeting.matches(&message(json!({"dice": {"emoji": "🎲", "value": 1}}))));
        let emoji = regex("🎉+").unwrap();
        assert!(emoji.matches(&text("party 🎉🎉")));
        assert!(regex("(").is_err());
        let compiled = regex_compiled(regex::Regex::new(r"\d{4}").unwrap());
        assert!(compiled.matches(&text("PIN 1234")) && !compiled.matches(&text("PIN 12")));
        assert_eq!(format!("{compiled:?}"), r#"regex("\\d{4}")"#);
    }

    #[test]
    fn forwarded_and_automatic_forwards() {
        let fwd = message(
            json!({"text": "x", "forward_origin": {"type": "hidden_user",
            "sender_user_name": "Someone", "date": 1699999999}}),
        );
        assert!(forwarded().matches(&fwd) && !forwarded().matches(&text("x")));
        let auto = in_chat(
            json!({"id": -100, "type": "supergroup", "title": "Discussion"}),
            json!({"text": "post", "is_automatic_forward": true, "forward_origin": {"type": "channel",
                "chat": {"id": -200, "type": "channel"}, "message_id": 3, "date": 1699999999}}),
        );
        assert!(automatic_forward().matches(&auto) && forwarded().matches(&auto));
        assert!(!automatic_forward().matches(&fwd));
    }

    #[test]
    fn replies() {
        let original = json!({"message_id": 4, "date": 1699999999,
            "chat": {"id": ADA, "type": "private"}, "text": "first"});
        assert!(reply().matches(&message(json!({"text": "x", "reply_to_message": original}))));
        assert!(!reply().matches(&text("x")));
        let external = message(
            json!({"text": "x", "external_reply": {"origin": {"type": "hidden_user",
            "sender_user_name": "S", "date": 1}}}),
        );
        assert!(reply().matches(&external));
        let forum = json!({"id": -100, "type": "supergroup", "title": "F", "is_forum": true});
        let topic_start = json!({"message_id": 10, "date": 1, "chat": forum,
            "forum_topic_created": {"name": "Topic", "icon_color": 7322096}});
        let in_topic = in_chat(
            forum.clone(),
            json!({"text": "x", "message_thread_id": 10,
            "is_topic_message": true, "reply_to_message": topic_start}),
        );
        assert!(
            !reply().matches(&in_topic),
            "the topic's first message is no reply"
        );
        assert!(forum_topic().matches(&in_topic) && !forum_topic().matches(&text("x")));
        let replied = json!({"message_id": 11, "date": 1, "chat": forum, "text": "q",
            "message_thread_id": 10, "is_topic_message": true});
        let reply_in_topic = in_chat(
            forum,
            json!({"text": "x", "message_thread_id": 10,
            "is_topic_message": true, "reply_to_message": replied}),
        );
        assert!(reply().matches(&reply_in_topic));
    }

    #[test]
    fn entities_in_text_and_captions() {
        let url = message(json!({"text": "see https://example.org",
            "entities": [{"type": "url", "offset": 4, "length": 19}]}));
        let mention = message(json!({"caption": "@ada", "photo": [],
            "caption_entities": [{"type": "mention", "offset": 0, "length": 4}]}));
        assert!(entity(MessageEntityType::Url).matches(&url));
        assert!(!entity(MessageEntityType::Url).matches(&mention));
        assert!(entity(MessageEntityType::Mention).matches(&mention));
        assert!(!entity(MessageEntityType::Mention).matches(&text("@ada")));
        assert_eq!(
            format!("{:?}", entity(MessageEntityType::Url)),
            "entity(url)"
        );
    }

    #[test]
    fn via_bot_and_sender_chat() {
        let via = message(
            json!({"text": "x", "via_bot": {"id": 9, "is_bot": true, "first_name": "gif"}}),
        );
        assert!(via_bot().matches(&via) && !via_bot().matches(&text("x")));
        let anonymous_admin = in_chat(
            json!({"id": -100, "type": "supergroup", "title": "G"}),
            json!({"text": "x", "sender_chat": {"id": -100, "type": "supergroup", "title": "G"}}),
        );
        assert!(sender_chat().matches(&anonymous_admin) && !sender_chat().matches(&text("x")));
    }

    #[test]
    fn languages() {
        assert!(language(["en"]).matches(&text("x")));
        assert!(language(["EN-gb"]).matches(&text("x")));
        assert!(
            !language(["e"]).matches(&text("x")),
            "a prefix ends at a '-'"
        );
        assert!(!language(["de", "en-US"]).matches(&text("x")));
    }

    #[test]
    fn update_kinds_and_edits() {
        let edit = update(
            "edited_message",
            json!({"id": ADA, "type": "private"}),
            json!({"id": ADA, "is_bot": false, "first_name": "Ada"}),
            json!({"text": "x", "edit_date": 2}),
        );
        assert!(edited().matches(&edit) && !edited().matches(&text("x")));
        assert!(update_kind(UpdateType::EditedMessage).matches(&edit));
        assert!(!update_kind(UpdateType::Message).matches(&edit));
        assert!(update_kind(UpdateType::CallbackQuery).matches(&callback_query(false)));
        // Message filters look at an edited message as well.
        assert!(super::text().matches(&edit));
        assert!(
            super::text().matches(&callback_query(true)),
            "the message under the button"
        );
        assert!(all().matches(&edit) && all().matches(&inline_query()));
    }

    #[test]
    fn combinators() {
        let (t, c) = (super::text(), command());
        let (hello, start, dice) = (
            text("hello"),
            command_text("/start", 6),
            message(json!({"dice": {"emoji": "🎲", "value": 1}})),
        );
        for (update, is_text, is_command) in [
            (&hello, true, false),
            (&start, true, true),
            (&dice, false, false),
        ] {
            assert_eq!((&t & &c).matches(update), is_text && is_command);
            assert_eq!((&t | &c).matches(update), is_text || is_command);
            assert_eq!((!&c).matches(update), !is_command);
            assert_eq!(
                (t.clone() & !c.clone()).matches(update),
                is_text && !is_command
            );
            assert_eq!(
                (&t & !&c).matches(update),
                (t.clone() & !&c).matches(update)
            );
            assert_eq!(
                (!(t.clone() | c.clone())).matches(update),
                !is_text && !is_command
            );
        }
        let closure = Filter::new(|u| u.update_id == 1);
        assert!(closure.matches(&hello) && !closure.matches(&callback_query(false)));
        assert!(!Filter::new(|_| false).matches(&hello));
    }

    #[test]
    fn debug_names_show_structure() {
        let name = |f: Filter| format!("{f:?}");
        assert_eq!(name(super::text() & !command()), "text & !command");
        assert_eq!(
            name(photo() | video() | document()),
            "photo | video | document"
        );
        assert_eq!(
            name((photo() | video()) & private()),
            "(photo | video) & private"
        );
        assert_eq!(
            name(photo() | (video() & private())),
            "photo | (video & private)"
        );
        assert_eq!(name(photo() ^ video() ^ voice()), "photo ^ video ^ voice");
        assert_eq!(
            name((photo() ^ video()) | voice()),
            "(photo ^ video) | voice"
        );
        assert_eq!(name(!(photo() | video())), "!(photo | video)");
        assert_eq!(name(!!photo()), "!!photo");
        assert_eq!(name(Filter::new(|_| true)), "custom");
        assert_eq!(
            name(Filter::new(|_| true).named("admin") & groups()),
            "admin & groups"
        );
        assert_eq!(name((photo() & video()).named("both")), "both");
        assert_eq!(name(from_users([3, 1, 2])), "from_users([1, 2, 3])");
        assert_eq!(
            name(from_usernames(["@Bob", "ada"])),
            r#"from_usernames(["ada", "bob"])"#
        );
        assert_eq!(
            name(in_chats([ChatId::from(-5), ChatId::from("@G")])),
            r#"in_chats([-5], ["g"])"#
        );
        assert_eq!(
            name(document_mime_type("image/*")),
            r#"document_mime_type("image/*")"#
        );
        assert_eq!(
            name(update_kind(UpdateType::ChatMember)),
            "update_kind(chat_member)"
        );
    }

    #[test]
    fn filters_are_send_sync_and_cheap_to_clone() {
        fn send_sync<T: Send + Sync + Clone + 'static>(_: &T) {}
        let f = super::text() & !command();
        send_sync(&f);
        let copy = f.clone();
        assert!(Arc::ptr_eq(&f.test, &copy.test), "a clone shares the test");
        let hello = text("hello");
        let handle = std::thread::spawn(move || copy.matches(&hello));
        assert!(handle.join().unwrap());
    }

    #[test]
    fn every_service_message_field_has_its_filter() {
        // Service messages as the Bot API documents them.
        let pinned = message(json!({"pinned_message": {"message_id": 4, "date": 0,
            "chat": {"id": ADA, "type": "private"}, "text": "pin me"}}));
        let topic = in_chat(
            json!({"id": -100, "type": "supergroup", "title": "T", "is_forum": true}),
            json!({"forum_topic_created": {"name": "News", "icon_color": 7322096},
                   "message_thread_id": 9, "is_topic_message": true}),
        );
        let migrated = in_chat(
            json!({"id": -5, "type": "group", "title": "G"}),
            json!({"migrate_to_chat_id": -1001234}),
        );
        let video_chat = message(json!({"video_chat_started": {}}));
        let plain = text("hello");
        let cases = [
            ("pinned_message", message::pinned_message(), &pinned),
            (
                "forum_topic_created",
                message::forum_topic_created(),
                &topic,
            ),
            (
                "migrate_to_chat_id",
                message::migrate_to_chat_id(),
                &migrated,
            ),
            (
                "video_chat_started",
                message::video_chat_started(),
                &video_chat,
            ),
        ];
        let all = [&pinned, &topic, &migrated, &video_chat, &plain];
        for (name, filter, update) in &cases {
            assert_eq!(format!("{filter:?}"), *name);
            for other in all {
                let same = std::ptr::eq(*update, other);
                assert_eq!(filter.matches(other), same, "{name} on {other:?}");
            }
        }
        assert!(message::text().matches(&plain) && !message::text().matches(&pinned));
        assert!(message::message_thread_id().matches(&topic));
        // Also on edited messages and channel posts, as the other message filters.
        let edited: Update = serde_json::from_value(json!({"update_id": 2, "edited_message":
            {"message_id": 5, "date": 0, "edit_date": 1, "chat": {"id": 1, "type": "private"},
             "pinned_message": {"message_id": 4, "date": 0, "chat": {"id": 1, "type": "private"}}}}))
        .unwrap();
        assert!(message::pinned_message().matches(&edited));
    }
    /// A `kind` update (`chat_member` or `my_chat_member`) changing a member from `old` to
    /// `new`, as Telegram sends it.
    fn member_change(kind: &str, old: Value, new: Value) -> Update {
        serde_json::from_value(json!({"update_id": 7, kind: {
            "chat": {"id": -100, "type": "supergroup", "title": "G"},
            "from": {"id": ADA, "is_bot": false, "first_name": "Ada"},
            "date": 1700000000, "old_chat_member": old, "new_chat_member": new}}))
        .expect("a documented chat member update")
    }

    fn member_with(status: &str) -> Value {
        json!({"status": status, "user": {"id": 42, "is_bot": false, "first_name": "Bo"}})
    }

    fn administrator() -> Value {
        json!({"status": "administrator", "user": {"id": 42, "is_bot": false, "first_name": "Bo"},
            "can_be_edited": false, "is_anonymous": false, "can_manage_chat": true,
            "can_delete_messages": true, "can_manage_video_chats": true,
            "can_restrict_members": true, "can_promote_members": false, "can_change_info": true,
            "can_invite_users": true, "can_post_stories": false, "can_edit_stories": false,
            "can_delete_stories": false})
    }

    fn restricted_member() -> Value {
        json!({"status": "restricted", "user": {"id": 42, "is_bot": false, "first_name": "Bo"},
            "is_member": true, "can_send_messages": false, "can_send_audios": false,
            "can_send_documents": false, "can_send_photos": false, "can_send_videos": false,
            "can_send_video_notes": false, "can_send_voice_notes": false, "can_send_polls": false,
            "can_send_other_messages": false, "can_add_web_page_previews": false,
            "can_change_info": false, "can_invite_users": false, "can_pin_messages": false,
            "can_manage_topics": false, "until_date": 0})
    }

    #[test]
    fn member_transitions_on_both_update_kinds() {
        let kicked = json!({"status": "kicked", "until_date": 0,
            "user": {"id": 42, "is_bot": false, "first_name": "Bo"}});
        let filters = [
            member::joined(),
            member::left(),
            member::promoted(),
            member::demoted(),
            member::restricted(),
            member::banned(),
        ];
        let (t, f) = (true, false);
        let cases = [
            (
                member_with("left"),
                member_with("member"),
                [t, f, f, f, f, f],
            ),
            (
                member_with("member"),
                member_with("left"),
                [f, t, f, f, f, f],
            ),
            (member_with("member"), administrator(), [f, f, t, f, f, f]),
            (administrator(), member_with("member"), [f, f, f, t, f, f]),
            (
                member_with("member"),
                restricted_member(),
                [f, f, f, f, t, f],
            ),
            (member_with("member"), kicked, [f, t, f, f, f, t]),
        ];
        for kind in ["chat_member", "my_chat_member"] {
            for (old, new, expected) in &cases {
                let update = member_change(kind, old.clone(), new.clone());
                let got: Vec<bool> = filters.iter().map(|f| f.matches(&update)).collect();
                assert_eq!(got, expected, "{kind}: {old} -> {new}");
            }
        }
        // Other updates have no member change.
        assert!(filters.iter().all(|f| !f.matches(&text("hi"))));
        let joined_note =
            message(json!({"new_chat_members": [{"id": 42, "is_bot": false, "first_name": "Bo"}]}));
        assert!(!member::joined().matches(&joined_note));
        assert_eq!(format!("{:?}", member::promoted()), "member::promoted");
        assert_eq!(
            format!("{:?}", member::joined() | member::left()),
            "member::joined | member::left"
        );
    }

    fn sticker_message(kind: &str, animated: bool, video: bool, premium: bool) -> Update {
        let mut sticker = json!({"file_id": "s", "file_unique_id": "s", "type": kind,
            "width": 512, "height": 512, "is_animated": animated, "is_video": video});
        if premium {
            sticker["premium_animation"] = file("p");
        }
        message(json!({"sticker": sticker}))
    }

    #[test]
    fn sticker_types_and_formats() {
        let regular = sticker_message("regular", false, false, false);
        let mask = sticker_message("mask", true, false, false);
        let emoji = sticker_message("custom_emoji", false, true, false);
        let premium = sticker_message("regular", true, false, true);
        let future = sticker_message("hologram", false, false, false);
        assert!(sticker_type(StickerType::Regular).matches(&regular));
        assert!(!sticker_type(StickerType::Regular).matches(&mask));
        assert!(sticker_type(StickerType::Mask).matches(&mask));
        assert!(sticker_type(StickerType::CustomEmoji).matches(&emoji));
        assert!(!sticker_type(StickerType::CustomEmoji).matches(&regular));
        assert!(sticker_type(StickerType::Unknown("hologram".into())).matches(&future));
        assert!(!sticker_type(StickerType::Regular).matches(&future));
        let formats = [animated_sticker(), video_sticker(), static_sticker()];
        for (update, expected) in [
            (&regular, [false, false, true]),
            (&mask, [true, false, false]),
            (&emoji, [false, true, false]),
        ] {
            let got: Vec<bool> = formats.iter().map(|f| f.matches(update)).collect();
            assert_eq!(got, expected);
        }
        assert!(premium_sticker().matches(&premium) && !premium_sticker().matches(&regular));
        let plain = text("🙂");
        assert!(formats.iter().all(|f| !f.matches(&plain)));
        assert!(!sticker_type(StickerType::Regular).matches(&plain));
        assert!(!premium_sticker().matches(&plain));
    }

    fn dice_message(emoji: &str, value: i64) -> Update {
        message(json!({"dice": {"emoji": emoji, "value": value}}))
    }

    #[test]
    fn dice_by_emoji_and_value() {
        let darts_6 = dice_message("🎯", 6);
        let die_6 = dice_message("🎲", 6);
        let ball_5 = dice_message("⚽", 5);
        assert!(dice_emoji("🎯").matches(&darts_6));
        assert!(!dice_emoji("🎯").matches(&die_6));
        assert!(
            dice_emoji("⚽\u{FE0F}").matches(&ball_5),
            "variation selector"
        );
        assert!(dice_emoji("⚽").matches(&dice_message("⚽\u{FE0F}", 1)));
        assert!(!dice_emoji("🎯").matches(&text("🎯")));
        assert!(dice_value("🎯", [6]).matches(&darts_6));
        assert!(
            !dice_value("🎯", [6]).matches(&die_6),
            "same value, other emoji"
        );
        assert!(!dice_value("🎯", [1, 2, 3]).matches(&darts_6));
        assert!(dice_value("⚽", 3..=5).matches(&ball_5));
        assert!(dice_value("🎰", [1, 22, 43, 64]).matches(&dice_message("🎰", 64)));
        assert!(!dice_value("🎰", [1, 22, 43, 64]).matches(&dice_message("🎰", 63)));
        assert_eq!(
            format!("{:?}", dice_value("🎳", [6, 1])),
            r#"dice_value("🎳", [1, 6])"#
        );
    }

    #[test]
    fn forwarded_from_users_and_chats_by_id() {
        let from_user = message(json!({"text": "x", "forward_origin": {"type": "user",
            "date": 1699999999, "sender_user": {"id": 5, "is_bot": false, "first_name": "E"}}}));
        let from_chat = message(json!({"text": "x", "forward_origin": {"type": "chat",
            "date": 1699999999, "sender_chat": {"id": 5, "type": "supergroup", "title": "G"}}}));
        let from_channel = message(json!({"text": "x", "forward_origin": {"type": "channel",
            "date": 1699999999, "chat": {"id": -1007, "type": "channel", "title": "News"},
            "message_id": 12, "author_signature": "Ed"}}));
        let hidden = message(
            json!({"text": "x", "forward_origin": {"type": "hidden_user",
            "date": 1699999999, "sender_user_name": "Someone"}}),
        );
        assert!(forwarded_from_users([5]).matches(&from_user));
        assert!(
            !forwarded_from_users([5]).matches(&from_chat),
            "chat 5 is no user"
        );
        assert!(!forwarded_from_users([6]).matches(&from_user));
        assert!(forwarded_from_chats([5]).matches(&from_chat));
        assert!(
            !forwarded_from_chats([5]).matches(&from_user),
            "user 5 is no chat"
        );
        assert!(forwarded_from_chats([-1007]).matches(&from_channel));
        assert!(!forwarded_from_chats([5]).matches(&from_channel));
        for f in [
            forwarded_from_users([5, ADA]),
            forwarded_from_chats([5, ADA]),
        ] {
            assert!(!f.matches(&hidden), "a hidden user has no identifier");
            assert!(!f.matches(&text("x")), "not forwarded; the sender is Ada");
        }
        assert_eq!(
            format!("{:?}", forwarded_from_chats([-1007, 5])),
            "forwarded_from_chats([-1007, 5])"
        );
    }

    #[test]
    fn forwarded_from_usernames_of_users_and_chats() {
        let from_user = message(json!({"text": "x", "forward_origin": {"type": "user",
            "date": 1, "sender_user": {"id": 5, "is_bot": false, "first_name": "E",
            "username": "Eve"}}}));
        let from_channel = message(json!({"text": "x", "forward_origin": {"type": "channel",
            "date": 1, "chat": {"id": -1007, "type": "channel", "title": "News",
            "username": "NewsRoom"}, "message_id": 12}}));
        let hidden = message(
            json!({"text": "x", "forward_origin": {"type": "hidden_user",
            "date": 1, "sender_user_name": "Eve"}}),
        );
        let f = forwarded_from_usernames(["@eve", "newsroom"]);
        assert!(f.matches(&from_user) && f.matches(&from_channel));
        assert!(!f.matches(&hidden), "a hidden user's name is no username");
        assert!(!forwarded_from_usernames(["ev"]).matches(&from_user));
        assert!(
            !forwarded_from_usernames(["ada_l"]).matches(&text("x")),
            "the sender is not an origin"
        );
        assert_eq!(
            format!("{f:?}"),
            r#"forwarded_from_usernames(["eve", "newsroom"])"#
        );
    }

    #[test]
    fn via_bots_and_sender_chats_by_id() {
        let via = message(
            json!({"text": "x", "via_bot": {"id": 9, "is_bot": true, "first_name": "gif"}}),
        );
        assert!(via_bots([9]).matches(&via));
        assert!(!via_bots([8]).matches(&via) && !via_bots([9]).matches(&text("x")));
        let on_behalf = in_chat(
            json!({"id": -100, "type": "supergroup", "title": "G"}),
            json!({"text": "x", "sender_chat": {"id": -1007, "type": "channel", "title": "News"}}),
        );
        assert!(sender_chats([-1007]).matches(&on_behalf));
        assert!(
            !sender_chats([-100]).matches(&on_behalf),
            "the chat is not the sender"
        );
        assert!(!sender_chats([ADA]).matches(&text("x")));
        assert_eq!(format!("{:?}", via_bots([9])), "via_bots([9])");
    }

    fn with_entities(text: &str, entities: Value) -> Update {
        message(json!({"text": text, "entities": entities}))
    }

    #[test]
    fn mentions_of_the_bot() {
        let bot = mentions("MyBot");
        let hi = with_entities(
            "hi @mybot",
            json!([{"type": "mention", "offset": 3, "length": 6}]),
        );
        assert!(bot.matches(&hi), "ignoring case");
        assert!(mentions("@MYBOT").matches(&hi));
        let longer = with_entities(
            "hi @MyBotx",
            json!([{"type": "mention", "offset": 3, "length": 7}]),
        );
        assert!(!bot.matches(&longer));
        // Offsets count UTF-16 code units: the emoji takes two.
        let after_emoji = with_entities(
            "👋 @MyBot!",
            json!([{"type": "mention", "offset": 3, "length": 6}]),
        );
        assert!(bot.matches(&after_emoji));
        let wrong_units = with_entities(
            "👋 @MyBot!",
            json!([{"type": "mention", "offset": 2, "length": 6}]),
        );
        assert!(!bot.matches(&wrong_units));
        // Offsets that do not fit the text: no panic, no match.
        for (offset, length) in [(20, 6), (3, 60), (1, 6), (-1, 6), (0, -3), (i64::MAX, 1)] {
            let bad = with_entities(
                "👋 @MyBot",
                json!([{"type": "mention", "offset": offset, "length": length}]),
            );
            assert!(!bot.matches(&bad), "offset {offset}, length {length}");
        }
        // In a caption, with the caption's entities.
        let caption = message(json!({"photo": [], "caption": "@MyBot look",
            "caption_entities": [{"type": "mention", "offset": 0, "length": 6}]}));
        assert!(bot.matches(&caption));
        // Each entity is cut from its own text, not from the other one.
        let cut_from_text = message(json!({"text": "look @MyBot", "caption": "@MyBot",
            "entities": [{"type": "mention", "offset": 0, "length": 6}]}));
        assert!(!bot.matches(&cut_from_text));
        // Not a mention entity: plain text, or a URL.
        assert!(!bot.matches(&text("hi @MyBot")));
        let url = with_entities("@MyBot", json!([{"type": "url", "offset": 0, "length": 6}]));
        assert!(!bot.matches(&url));
        // Mentions by name carry the user.
        let by_name = with_entities(
            "hey robot",
            json!([{"type": "text_mention", "offset": 4, "length": 5,
                "user": {"id": 77, "is_bot": true, "first_name": "Robot", "username": "MyBot"}}]),
        );
        assert!(bot.matches(&by_name));
        assert!(mentions_user(77).matches(&by_name));
        assert!(!mentions_user(78).matches(&by_name));
        assert!(
            !mentions_user(77).matches(&hi),
            "@mentions carry no identifier"
        );
        assert!(!mentions("OtherBot").matches(&by_name));
        assert_eq!(format!("{bot:?}"), r#"mentions("mybot")"#);
    }

    #[test]
    fn premium_users() {
        let premium_user = update(
            "message",
            json!({"id": ADA, "type": "private"}),
            json!({"id": ADA, "is_bot": false, "first_name": "Ada", "is_premium": true}),
            json!({"text": "x"}),
        );
        assert!(premium().matches(&premium_user));
        assert!(!premium().matches(&text("x")), "is_premium absent");
        let not_premium = update(
            "message",
            json!({"id": ADA, "type": "private"}),
            json!({"id": ADA, "is_bot": false, "first_name": "Ada", "is_premium": false}),
            json!({"text": "x"}),
        );
        assert!(!premium().matches(&not_premium));
        assert!(!premium().matches(&inline_query()));
    }

    #[test]
    fn exclusive_or_of_new_filters() {
        let either = member::joined() ^ member::promoted();
        let joined = member_change("chat_member", member_with("left"), member_with("member"));
        let joined_as_admin = member_change("chat_member", member_with("left"), administrator());
        assert!(either.matches(&joined));
        assert!(!either.matches(&joined_as_admin), "both");
    }
}

//! The shortcuts of [`Context`] for content of every kind sent to the update's chat, a chat
//! action kept up during slow work, and what can be done to the update's message.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Duration;

use crate::ext::Context;
use crate::ext::context::{Target, at_target};
use crate::methods::{
    CopyMessage, DeleteMessage, EditMessageCaption, EditMessageMedia, ForwardMessage,
    PinChatMessage, SendAnimation, SendAudio, SendChatAction, SendContact, SendDice, SendDocument,
    SendInvoice, SendLocation, SendMediaGroup, SendPhoto, SendPoll, SendSticker, SendVenue,
    SendVideo, SendVideoNote, SendVoice, SetMessageReaction, UnpinChatMessage,
};
use crate::{
    Call, ChatAction, ChatId, ChatType, InputFile, InputMedia, InputPollOption, LabeledPrice,
    Message, Quote, ReactionEmoji, ReactionType, ReactionTypeEmoji, ReplyParameters, Retry,
};

/// How often [`Context::with_chat_action`] sends its action again: Telegram shows one for five
/// seconds, or until the bot's next message.
const CHAT_ACTION_EVERY: Duration = Duration::from_millis(4500);

/// Where the update's replies go: its chat (the private chat of its user when it has none), in
/// the same forum topic, direct-messages topic and business connection as its message, and the
/// message they answer when they quote it.
pub(in crate::ext) struct Destination {
    pub(in crate::ext) chat_id: i64,
    pub(in crate::ext) message_thread_id: Option<i64>,
    pub(in crate::ext) direct_messages_topic_id: Option<i64>,
    pub(in crate::ext) business_connection_id: Option<String>,
    pub(in crate::ext) reply_parameters: Option<ReplyParameters>,
}

/// A send request to where the update's replies go ([`Context::destination`]): `$new`, built
/// with the chat id bound to `$chat`, then given the listed fields of the destination (`all`:
/// the topics, business connection and quote). On an update with neither chat nor user, a
/// call refused as `$shortcut`.
macro_rules! reply_with {
    ($ctx:expr, $shortcut:literal, |$chat:ident| $new:expr, all) => {
        reply_with!(
            $ctx,
            $shortcut,
            |$chat| $new,
            message_thread_id,
            direct_messages_topic_id,
            business_connection_id,
            reply_parameters
        )
    };
    ($ctx:expr, $shortcut:literal, |$chat:ident| $new:expr, $($field:ident),+) => {
        match $ctx.destination() {
            Some(to) => {
                let $chat = to.chat_id;
                let mut request = $new;
                $(request.$field = to.$field;)+
                $crate::Call::new($ctx.bot(), request)
            }
            None => {
                let $chat = 0;
                $ctx.refused($new, $shortcut, "chat or user")
            }
        }
    };
}
pub(in crate::ext) use reply_with;

/// Replies with content of every kind, to the chat of the update as [`reply`](Context::reply)
/// does: in its forum topic, direct-messages topic and business connection, answering the
/// update's message as a reply to it where the bot's [`Quote`] (or
/// [`set_quote`](Context::set_quote)) says so. On an update with neither a chat nor a user,
/// each call fails with [`Error::NotForThisUpdate`](crate::Error::NotForThisUpdate) and sends
/// nothing.
///
/// ```no_run
/// use telegram_api::ext::Context;
/// use telegram_api::{InputFile, InputMediaPhoto};
/// fn album(ctx: &Context) -> Result<(), telegram_api::Error> {
///     ctx.reply_photo(InputFile::path("cat.jpg")).caption("A cat").call()?;
///     ctx.reply_media_group([
///         InputMediaPhoto::new("https://example.com/1.jpg"),
///         InputMediaPhoto::new("https://example.com/2.jpg"),
///     ])
///     .call()?;
///     ctx.reply_location(48.8584, 2.2945).call()?;
///     Ok(())
/// }
/// ```
impl Context {
    /// A photo (`sendPhoto`): a file id, a URL, or an upload ([`InputFile`]).
    pub fn reply_photo(&self, photo: impl Into<InputFile>) -> Call<'_, SendPhoto> {
        reply_with!(self, "reply_photo", |chat| SendPhoto::new(chat, photo), all)
    }

    /// A general file (`sendDocument`).
    pub fn reply_document(&self, document: impl Into<InputFile>) -> Call<'_, SendDocument> {
        reply_with!(
            self,
            "reply_document",
            |chat| SendDocument::new(chat, document),
            all
        )
    }

    /// A video (`sendVideo`).
    pub fn reply_video(&self, video: impl Into<InputFile>) -> Call<'_, SendVideo> {
        reply_with!(self, "reply_video", |chat| SendVideo::new(chat, video), all)
    }

    /// An audio file shown in the music player (`sendAudio`).
    pub fn reply_audio(&self, audio: impl Into<InputFile>) -> Call<'_, SendAudio> {
        reply_with!(self, "reply_audio", |chat| SendAudio::new(chat, audio), all)
    }

    /// A voice message (`sendVoice`).
    pub fn reply_voice(&self, voice: impl Into<InputFile>) -> Call<'_, SendVoice> {
        reply_with!(self, "reply_voice", |chat| SendVoice::new(chat, voice), all)
    }

    /// An animation: a GIF, or a video without sound (`sendAnimation`).
    pub fn reply_animation(&self, animation: impl Into<InputFile>) -> Call<'_, SendAnimation> {
        reply_with!(
            self,
            "reply_animation",
            |chat| SendAnimation::new(chat, animation),
            all
        )
    }

    /// A sticker (`sendSticker`).
    pub fn reply_sticker(&self, sticker: impl Into<InputFile>) -> Call<'_, SendSticker> {
        reply_with!(
            self,
            "reply_sticker",
            |chat| SendSticker::new(chat, sticker),
            all
        )
    }

    /// A round video message (`sendVideoNote`).
    pub fn reply_video_note(&self, video_note: impl Into<InputFile>) -> Call<'_, SendVideoNote> {
        reply_with!(
            self,
            "reply_video_note",
            |chat| SendVideoNote::new(chat, video_note),
            all
        )
    }

    /// An album of photos and videos, or of documents, or of audio files (`sendMediaGroup`):
    /// `media` of any kind of [`InputMedia`] (`InputMediaPhoto`, ...), converted here.
    pub fn reply_media_group<M: Into<InputMedia>>(
        &self,
        media: impl IntoIterator<Item = M>,
    ) -> Call<'_, SendMediaGroup> {
        let media: Vec<InputMedia> = media.into_iter().map(Into::into).collect();
        reply_with!(
            self,
            "reply_media_group",
            |chat| SendMediaGroup::new(chat, media),
            all
        )
    }

    /// A point on the map (`sendLocation`).
    pub fn reply_location(&self, latitude: f64, longitude: f64) -> Call<'_, SendLocation> {
        reply_with!(
            self,
            "reply_location",
            |chat| SendLocation::new(chat, latitude, longitude),
            all
        )
    }

    /// A place: a point on the map with its name and address (`sendVenue`).
    pub fn reply_venue(
        &self,
        latitude: f64,
        longitude: f64,
        title: impl Into<String>,
        address: impl Into<String>,
    ) -> Call<'_, SendVenue> {
        reply_with!(
            self,
            "reply_venue",
            |chat| SendVenue::new(chat, latitude, longitude, title, address),
            all
        )
    }

    /// A phone contact (`sendContact`).
    pub fn reply_contact(
        &self,
        phone_number: impl Into<String>,
        first_name: impl Into<String>,
    ) -> Call<'_, SendContact> {
        reply_with!(
            self,
            "reply_contact",
            |chat| SendContact::new(chat, phone_number, first_name),
            all
        )
    }

    /// A poll (`sendPoll`) asking `question`, with one option per text of `options` (for
    /// options with formatting or media, replace them through [`Call::map`]). `sendPoll` has
    /// no direct-messages topic.
    pub fn reply_poll(
        &self,
        question: impl Into<String>,
        options: impl IntoIterator<Item = impl Into<String>>,
    ) -> Call<'_, SendPoll> {
        let options: Vec<InputPollOption> = options.into_iter().map(InputPollOption::new).collect();
        reply_with!(
            self,
            "reply_poll",
            |chat| SendPoll::new(chat, question, options),
            message_thread_id,
            business_connection_id,
            reply_parameters
        )
    }

    /// An animated emoji showing a random value (`sendDice`); 🎲 unless `.emoji(...)` is set.
    pub fn reply_dice(&self) -> Call<'_, SendDice> {
        reply_with!(self, "reply_dice", |chat| SendDice::new(chat), all)
    }

    /// An invoice (`sendInvoice`) for `prices` in `currency` (a three-letter ISO 4217 code, or
    /// `XTR` for Telegram Stars); `payload` comes back with the payment, unseen by the user.
    /// Invoices are not sent on behalf of a business connection.
    pub fn reply_invoice(
        &self,
        title: impl Into<String>,
        description: impl Into<String>,
        payload: impl Into<String>,
        currency: impl Into<String>,
        prices: impl IntoIterator<Item = LabeledPrice>,
    ) -> Call<'_, SendInvoice> {
        let prices: Vec<LabeledPrice> = prices.into_iter().collect();
        reply_with!(
            self,
            "reply_invoice",
            |chat| SendInvoice::new(chat, title, description, payload, currency, prices),
            message_thread_id,
            direct_messages_topic_id,
            reply_parameters
        )
    }

    /// Chooses in which chats the reply shortcuts of this context quote the update's message,
    /// instead of the bot's [`Defaults::quote`](crate::Defaults::quote): for the replies made
    /// after this call while the update is handled, by this handler and the later ones.
    ///
    /// ```no_run
    /// use telegram_api::Quote;
    /// use telegram_api::ext::Context;
    /// fn done(ctx: &Context) -> Result<(), telegram_api::Error> {
    ///     ctx.set_quote(Quote::Never);
    ///     ctx.reply("Saved.").call()?; // not as a reply, even in a group
    ///     Ok(())
    /// }
    /// ```
    ///
    /// A single reply can also quote what it likes with `.reply_parameters(...)`, which replaces
    /// the quote the shortcut chose.
    pub fn set_quote(&self, quote: Quote) {
        self.quote.set(Some(quote));
    }

    /// Where the update's replies go, or `None` when it has neither a chat nor a user.
    pub(in crate::ext) fn destination(&self) -> Option<Destination> {
        let chat_id = self.chat_id().or(self.user_id())?;
        let mut to = Destination {
            chat_id,
            message_thread_id: None,
            direct_messages_topic_id: None,
            business_connection_id: None,
            reply_parameters: None,
        };
        if let Some(message) = self.message_or_button_message() {
            if message.is_topic_message == Some(true) {
                to.message_thread_id = message.message_thread_id;
            }
            to.direct_messages_topic_id =
                message.direct_messages_topic.as_ref().map(|t| t.topic_id);
            to.business_connection_id = message.business_connection_id.clone();
        } else {
            to.message_thread_id = self.topic.get();
        }
        if let Some(message) = self.quoted() {
            to.reply_parameters = Some(
                ReplyParameters::new()
                    .message_id(message.message_id)
                    .allow_sending_without_reply(true),
            );
        }
        Some(to)
    }

    /// The update's message, when replies are to quote it: never a button's message (the
    /// bot's own), and as the chosen [`Quote`] says for its chat.
    fn quoted(&self) -> Option<&Message> {
        if self.update().is_none_or(|u| u.callback_query().is_some()) {
            return None;
        }
        let message = self.effective_message()?;
        let quote = self.quote.get().unwrap_or_else(|| {
            self.bot()
                .defaults()
                .map_or(Quote::default(), |defaults| defaults.quote)
        });
        let quotes = match quote {
            Quote::Always => true,
            Quote::Never => false,
            Quote::InGroups => {
                matches!(message.chat.r#type, ChatType::Group | ChatType::Supergroup)
            }
        };
        quotes.then_some(message)
    }

    /// Runs `work` while the update's chat shows `action` ("typing...", "sending a photo..."):
    /// sends it at once (`sendChatAction`, in the update's forum topic and business
    /// connection), then every 4.5 seconds from another thread until `work` returns, and
    /// returns what `work` returned. No action is sent once this returns (one under way when
    /// `work` returns is waited for). A `work` that panics stops the actions too.
    ///
    /// The actions are a courtesy: they are sent once each, without the bot's retries (the next
    /// one is due soon anyway); one that fails is logged (`log::debug!`) and `work` runs all
    /// the same, as it does, with no action, on an update with neither a chat nor a user.
    ///
    /// ```no_run
    /// use telegram_api::ChatAction;
    /// use telegram_api::ext::Context;
    /// # fn render_report() -> String { String::new() }
    /// fn report(ctx: &Context) -> Result<(), telegram_api::Error> {
    ///     let text = ctx.with_chat_action(ChatAction::Typing, render_report);
    ///     ctx.reply(text).call()?;
    ///     Ok(())
    /// }
    /// ```
    pub fn with_chat_action<T>(&self, action: ChatAction, work: impl FnOnce() -> T) -> T {
        let Some(to) = self.destination() else {
            log::debug!(
                target: "telegram_api",
                "with_chat_action: the update has no chat or user; no action is shown"
            );
            return work();
        };
        let mut request = SendChatAction::new(to.chat_id, action);
        request.message_thread_id = to.message_thread_id;
        request.business_connection_id = to.business_connection_id;
        let bot = self.bot();
        let send = || {
            let once = Call::new(bot, request.clone()).retry(Retry::none());
            if let Err(error) = once.call() {
                log::debug!(target: "telegram_api", "sendChatAction to chat {}: {error}", to.chat_id);
            }
        };
        send();
        // Dropping `stop` (when `work` returns or panics) ends the waits of the repeater.
        let (stop, stopped) = mpsc::channel::<()>();
        thread::scope(|scope| {
            let send = &send;
            let repeater = thread::Builder::new()
                .name("chat-action".into())
                .spawn_scoped(scope, move || {
                    while let Err(RecvTimeoutError::Timeout) =
                        stopped.recv_timeout(CHAT_ACTION_EVERY)
                    {
                        send();
                    }
                });
            if let Err(error) = repeater {
                log::debug!(
                    target: "telegram_api",
                    "with_chat_action: no thread to repeat the action: {error}"
                );
            }
            let out = work();
            drop(stop);
            out
        })
    }
}

/// What can be done to the update's message, or to the message of a pressed button: delete,
/// forward, copy, pin, react to, and (a button's message) edit. On an update with no such
/// message, each call fails with [`Error::NotForThisUpdate`](crate::Error::NotForThisUpdate)
/// and sends nothing.
///
/// ```no_run
/// use telegram_api::ext::Context;
/// const MODERATORS: i64 = -1001234567890;
/// fn moderate(ctx: &Context) -> Result<(), telegram_api::Error> {
///     ctx.forward_to(MODERATORS).call()?;
///     ctx.delete_message().call()?;
///     Ok(())
/// }
/// ```
impl Context {
    /// Deletes the update's message, or the message the pressed button was on
    /// (`deleteMessage`). A message sent through inline mode cannot be deleted this way.
    pub fn delete_message(&self) -> Call<'_, DeleteMessage> {
        match self.message_ids() {
            Some((chat, message, _)) => Call::new(self.bot(), DeleteMessage::new(chat, message)),
            None => self.refused(DeleteMessage::new(0, 0), "delete_message", "message"),
        }
    }

    /// Forwards the update's message (or the button's) to `chat` (`forwardMessage`).
    pub fn forward_to(&self, chat: impl Into<ChatId>) -> Call<'_, ForwardMessage> {
        match self.message_ids() {
            Some((from, message, _)) => {
                Call::new(self.bot(), ForwardMessage::new(chat, from, message))
            }
            None => self.refused(ForwardMessage::new(chat, 0, 0), "forward_to", "message"),
        }
    }

    /// Copies the update's message (or the button's) to `chat`, without a link to the
    /// original (`copyMessage`).
    pub fn copy_to(&self, chat: impl Into<ChatId>) -> Call<'_, CopyMessage> {
        match self.message_ids() {
            Some((from, message, _)) => {
                Call::new(self.bot(), CopyMessage::new(chat, from, message))
            }
            None => self.refused(CopyMessage::new(chat, 0, 0), "copy_to", "message"),
        }
    }

    /// Pins the update's message (or the button's) in its chat (`pinChatMessage`, in its
    /// business connection).
    pub fn pin(&self) -> Call<'_, PinChatMessage> {
        match self.message_ids() {
            Some((chat, message, business)) => {
                let mut request = PinChatMessage::new(chat, message);
                request.business_connection_id = business;
                Call::new(self.bot(), request)
            }
            None => self.refused(PinChatMessage::new(0, 0), "pin", "message"),
        }
    }

    /// Unpins the update's message (or the button's) (`unpinChatMessage` with its
    /// `message_id`, in its business connection).
    pub fn unpin(&self) -> Call<'_, UnpinChatMessage> {
        match self.message_ids() {
            Some((chat, message, business)) => {
                let mut request = UnpinChatMessage::new(chat).message_id(message);
                request.business_connection_id = business;
                Call::new(self.bot(), request)
            }
            None => self.refused(UnpinChatMessage::new(0), "unpin", "message"),
        }
    }

    /// Sets the bot's reaction to the update's message (or the button's) to `emoji`
    /// (`setMessageReaction`): a [`ReactionEmoji`] or its text, such as `"👍"`.
    pub fn react(&self, emoji: impl Into<ReactionEmoji>) -> Call<'_, SetMessageReaction> {
        let reaction = vec![ReactionType::Emoji(ReactionTypeEmoji::new(emoji))];
        match self.message_ids() {
            Some((chat, message, _)) => Call::new(
                self.bot(),
                SetMessageReaction::new(chat, message).reaction(reaction),
            ),
            None => self.refused(
                SetMessageReaction::new(0, 0).reaction(reaction),
                "react",
                "message",
            ),
        }
    }

    /// Replaces the caption of the message the pressed button was on (or of the update's
    /// message) (`editMessageCaption`).
    pub fn edit_caption(&self, caption: impl Into<String>) -> Call<'_, EditMessageCaption> {
        let request = EditMessageCaption::new().caption(caption);
        match self.button_target() {
            Some(target) => Call::new(self.bot(), at_target!(request, target)),
            None => self.refused(request, "edit_caption", "message to edit"),
        }
    }

    /// Replaces the photo, video, document, audio or animation of the message the pressed
    /// button was on (or of the update's message) with `media` (`editMessageMedia`).
    pub fn edit_media(&self, media: impl Into<InputMedia>) -> Call<'_, EditMessageMedia> {
        let request = EditMessageMedia::new(media);
        match self.button_target() {
            Some(target) => Call::new(self.bot(), at_target!(request, target)),
            None => self.refused(request, "edit_media", "message to edit"),
        }
    }

    /// The chat, id and business connection of the update's message or the button's, unless
    /// it was sent through inline mode.
    fn message_ids(&self) -> Option<(i64, i64, Option<String>)> {
        match self.button_target()? {
            Target::Message {
                chat,
                message,
                business,
            } => Some((chat, message, business)),
            Target::Inline(_) => None,
        }
    }
}

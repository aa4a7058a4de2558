//! [`Album`]: the messages of a media group, handled once, whole, by [`Handler::album`].

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use serde_json::{Value, json};

use super::BoxError;
#[allow(unused_imports)]
use super::Handler;
use super::context::Context;
use super::handler::Callback;
use super::jobs::{INTERNAL_PREFIX, JobCallback, job_key};
use super::schedule::Schedule;
use super::store::DataError;
use crate::{
    InputFile, InputMedia, InputMediaAudio, InputMediaDocument, InputMediaLivePhoto,
    InputMediaPhoto, InputMediaVideo, Message, PhotoSize, Update,
};

/// The messages of an album (a media group: the photos, videos, documents or audio files a
/// user sent at once, each its own message sharing a
/// [`media_group_id`](Message::media_group_id)), as [`Handler::album`] hands them to its code,
/// once, after the last of them arrived.
///
/// ```
/// use telegram_api::ext::{Album, Context, Handler, filters};
///
/// /// Sends the album back, captions and all, as one album.
/// fn echo(ctx: &Context, album: &Album) -> Result<(), telegram_api::Error> {
///     ctx.reply_media_group(album.input_media()).call()?;
///     Ok(())
/// }
///
/// let handler = Handler::album(echo).filter(filters::private());
/// # drop(handler);
/// ```
///
/// **Collected in the store.** Each part is written to the application's
/// [store](super::store) with its update, committed with the update like any change a handler
/// makes, in the record of a job of the library's own (one per chat and album, left out of the
/// lists of jobs such as [`Application::all_jobs`](super::Application::all_jobs)). Each part
/// moves that job to the quiet window after it ([`Handler::quiet`], default
/// [`Album::DEFAULT_QUIET`]). When the job runs, the album handler gets the album, and the
/// record is removed in the same commit as the handler's changes. So with a persistent store a
/// restart within the window loses no part, and no album is handled twice; an album due while
/// the bot was down is handled once when it starts (also with
/// [`skip_late_jobs`](super::ApplicationBuilder::skip_late_jobs)).
///
/// **The context** of the album handler is that of the album's first part (by `message_id`):
/// [`effective_message`](Context::effective_message), `effective_chat` and `effective_user`
/// are the first part's, and [`reply`](Context::reply) answers in its chat (and forum topic),
/// quoting it where replies quote. Its changes are committed with the
/// album's removal. When the handler fails or panics, they are dropped, the error handler gets
/// the failure (with the context of the job), and the album is not handled again. A store that
/// fails while it runs voids the attempt, as for an update: the album is handled again.
///
/// **Order.** The album runs in its chat's turn, as a job for the chat does: never at the same
/// time as an update of the chat (with the default [`OrderBy::Chat`](super::OrderBy::Chat));
/// the chat's updates that arrive during the window are handled before it. The parts must be
/// handled one at a time, which the default order does; with
/// [`OrderBy::Unordered`](super::OrderBy::Unordered), parts of one album handled at the same
/// moment can overwrite each other.
///
/// **What other handlers see.** An album handler takes a part as any handler takes an update:
/// the other handlers of its group do not see it, those of other groups do (a logger in group
/// -1, say). Messages that belong to no album go on to the other handlers. A part that arrives
/// after its album was handled (later than the window) makes an album of its own. Edits of
/// parts (`edited_message`) are not taken.
#[derive(Clone, Debug, PartialEq)]
pub struct Album {
    media_group_id: String,
    /// Never empty.
    messages: Vec<Message>,
}

impl Album {
    /// How long an album handler waits for more parts after an album's latest one, unless
    /// [`Handler::quiet`] says otherwise: 1 second.
    ///
    /// ```
    /// use std::time::Duration;
    /// use telegram_api::ext::{Album, Context, Handler};
    ///
    /// // Albums that come over a slow network: twice the default.
    /// let handler = Handler::album(|_: &Context, _: &Album| Ok::<_, telegram_api::Error>(()))
    ///     .quiet(Album::DEFAULT_QUIET * 2);
    /// # drop(handler);
    /// ```
    pub const DEFAULT_QUIET: Duration = Duration::from_secs(1);

    /// The album's identifier ([`Message::media_group_id`]).
    ///
    /// ```
    /// # fn f(album: &telegram_api::ext::Album) {
    /// log::info!("album {} of {} parts", album.media_group_id(), album.len());
    /// # }
    /// ```
    pub fn media_group_id(&self) -> &str {
        &self.media_group_id
    }

    /// Its messages, by `message_id` (the order they show in the chat).
    ///
    /// ```
    /// # fn f(album: &telegram_api::ext::Album) {
    /// let photos = album.messages().iter().filter(|m| m.photo.is_some()).count();
    /// # let _ = photos;
    /// # }
    /// ```
    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    /// How many messages it has (at least one).
    ///
    /// ```
    /// # fn f(album: &telegram_api::ext::Album) {
    /// let summary = format!("{} files", album.len());
    /// # let _ = summary;
    /// # }
    /// ```
    pub fn len(&self) -> usize {
        self.messages.len()
    }

    /// Whether it has no messages: never, for an album handed to a handler.
    ///
    /// ```
    /// # fn f(album: &telegram_api::ext::Album) {
    /// assert!(!album.is_empty());
    /// # }
    /// ```
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    /// The first caption among its messages, by `message_id`: Telegram apps put a caption
    /// typed for the whole album on its first message.
    ///
    /// ```
    /// # use telegram_api::ext::{Album, Context};
    /// # fn f(ctx: &Context, album: &Album) -> Result<(), telegram_api::Error> {
    /// if let Some(caption) = album.caption() {
    ///     ctx.reply(format!("Saved under \"{caption}\"")).call()?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn caption(&self) -> Option<&str> {
        self.messages.iter().find_map(|m| m.caption.as_deref())
    }

    /// Its messages as media to send again (by file id, nothing is downloaded), in order:
    /// photos (the largest size), live photos, videos, audio files and documents, each with its
    /// caption, caption entities, caption position and spoiler. Messages of other kinds are
    /// left out. For [`Context::reply_media_group`] or `sendMediaGroup`, which take 2 to 10.
    ///
    /// ```
    /// # use telegram_api::ext::{Album, Context};
    /// # fn f(ctx: &Context, album: &Album) -> Result<(), telegram_api::Error> {
    /// ctx.reply_media_group(album.input_media()).call()?;
    /// # Ok(()) }
    /// ```
    pub fn input_media(&self) -> Vec<InputMedia> {
        self.messages.iter().filter_map(input_media).collect()
    }

    /// The album of a job's record (`{"media_group_id", "updates"}`), and the update of its
    /// first part; `None` when no part decodes. Parts that do not decode are left out.
    fn from_record(data: &Value) -> Option<(Album, Update)> {
        let media_group_id = data.get("media_group_id")?.as_str()?.to_owned();
        let mut updates: Vec<Update> = Vec::new();
        for part in data.get("updates")?.as_array()? {
            match crate::json::from_value::<Update>(part) {
                Ok(update) if update.effective_message().is_some() => updates.push(update),
                Ok(_) => log::warn!(
                    target: "telegram_api",
                    "a part of album {media_group_id} is no message; it is left out"
                ),
                Err(e) => log::warn!(
                    target: "telegram_api",
                    "a part of album {media_group_id} does not decode ({e}); it is left out"
                ),
            }
        }
        updates.sort_by_key(|u| u.effective_message().map_or(0, |m| m.message_id));
        let messages = updates
            .iter()
            .filter_map(|u| u.effective_message().cloned())
            .collect();
        let first = updates.into_iter().next()?;
        Some((
            Album {
                media_group_id,
                messages,
            },
            first,
        ))
    }
}

/// The largest of a photo's sizes.
fn largest(sizes: &[PhotoSize]) -> Option<&PhotoSize> {
    sizes
        .iter()
        .max_by_key(|s| s.width.saturating_mul(s.height))
}

/// `message`'s media as an album item, when it has media an album can hold.
fn input_media(message: &Message) -> Option<InputMedia> {
    let caption = message.caption.clone();
    let entities = message.caption_entities.clone();
    let above = message.show_caption_above_media;
    let spoiler = message.has_media_spoiler;
    // A live photo also has `photo`, and an animation `document`: the most specific first.
    if let Some(live) = &message.live_photo {
        let sizes = live.photo.as_deref().or(message.photo.as_deref())?;
        let mut media = InputMediaLivePhoto::new(
            InputFile::file_id(&live.file_id),
            InputFile::file_id(&largest(sizes)?.file_id),
        );
        media.caption = caption;
        media.caption_entities = entities;
        media.show_caption_above_media = above;
        media.has_spoiler = spoiler;
        return Some(media.into());
    }
    if let Some(sizes) = &message.photo {
        let mut media = InputMediaPhoto::new(InputFile::file_id(&largest(sizes)?.file_id));
        media.caption = caption;
        media.caption_entities = entities;
        media.show_caption_above_media = above;
        media.has_spoiler = spoiler;
        return Some(media.into());
    }
    if let Some(video) = &message.video {
        let mut media = InputMediaVideo::new(InputFile::file_id(&video.file_id));
        media.caption = caption;
        media.caption_entities = entities;
        media.show_caption_above_media = above;
        media.has_spoiler = spoiler;
        return Some(media.into());
    }
    if let Some(audio) = &message.audio {
        let mut media = InputMediaAudio::new(InputFile::file_id(&audio.file_id));
        media.caption = caption;
        media.caption_entities = entities;
        return Some(media.into());
    }
    let document = message.document.as_ref()?;
    let mut media = InputMediaDocument::new(InputFile::file_id(&document.file_id));
    media.caption = caption;
    media.caption_entities = entities;
    Some(media.into())
}

/// The code of an album handler.
type AlbumCallback = Arc<dyn Fn(&Context, &Album) -> Result<(), BoxError> + Send + Sync>;

/// What an album handler was built with.
#[derive(Clone)]
pub(crate) struct Spec {
    callback: AlbumCallback,
    quiet: Duration,
}

impl Spec {
    pub(crate) fn new<F, E>(f: F) -> Spec
    where
        F: Fn(&Context, &Album) -> Result<(), E> + Send + Sync + 'static,
        E: Into<BoxError>,
    {
        Spec {
            callback: Arc::new(move |ctx, album| f(ctx, album).map_err(Into::into)),
            quiet: Album::DEFAULT_QUIET,
        }
    }

    /// The same, waiting `quiet` after an album's latest part.
    pub(crate) fn with_quiet(&self, quiet: Duration) -> Spec {
        Spec {
            quiet,
            ..self.clone()
        }
    }
}

/// The name of the job of an application's `n`th album handler (from 0).
pub(crate) fn job_name(n: usize) -> String {
    format!("{INTERNAL_PREFIX}album/{n}")
}

/// The code an album handler has before an application registers it (which it does as it
/// builds, so this never runs there).
pub(crate) fn unregistered() -> Callback<()> {
    Arc::new(|_| Err("an album handler collects parts only in an Application".into()))
}

/// The code of an album handler whose job is `name`: adds the update's message to its album's
/// record, and moves the album's run to the quiet window after now.
pub(crate) fn collector(spec: Arc<Spec>, name: Arc<str>) -> Callback<()> {
    Arc::new(move |ctx| collect(&spec, &name, ctx))
}

fn collect(spec: &Spec, name: &str, ctx: &Context) -> Result<(), BoxError> {
    let Some(update) = ctx.update() else {
        return Ok(());
    };
    let Some(message) = update.effective_message() else {
        return Ok(());
    };
    let Some(group) = message.media_group_id.as_deref() else {
        return Ok(());
    };
    let id = format!("{name}/{}/{group}", message.chat.id);
    let stored = match ctx.get::<Value>(&job_key(&id)) {
        Ok(stored) => stored,
        Err(DataError::Decode(e)) => {
            log::warn!(target: "telegram_api", "album {group}: the record is lost ({e})");
            None
        }
        Err(e) => return Err(e.into()),
    };
    let mut parts = stored
        .as_ref()
        .and_then(|record| record.get("data")?.get("updates")?.as_array().cloned())
        .unwrap_or_default();
    let seen = parts
        .iter()
        .any(|p| p.get("update_id").and_then(Value::as_i64) == Some(update.update_id));
    if !seen {
        parts.push(serde_json::to_value(update)?);
    }
    let at = ctx.now().checked_add(spec.quiet).unwrap_or(Timestamp::MAX);
    log::debug!(
        target: "telegram_api",
        "album {group} in chat {}: {} parts, handled at {at} unless more come",
        message.chat.id,
        parts.len()
    );
    let data = json!({"media_group_id": group, "updates": parts});
    ctx.schedule_job_as(&id, name, Schedule::once(at), &data)?;
    Ok(())
}

/// The code of the job of an album handler: the album handler, on the parts collected.
pub(crate) fn job(spec: Arc<Spec>) -> JobCallback {
    Arc::new(move |ctx| fire(&spec, ctx))
}

fn fire(spec: &Spec, ctx: &Context) -> Result<(), BoxError> {
    let Some(job) = ctx.job() else {
        return Ok(());
    };
    // The record as stored holds the parts (the schedule's copy may be older, when another
    // process shares the store).
    let stored: Option<Value> = ctx.get(&job.key())?;
    let data = stored
        .as_ref()
        .and_then(|record| record.get("data"))
        .unwrap_or(job.raw_data());
    let Some((album, first)) = Album::from_record(data) else {
        log::warn!(target: "telegram_api", "job {}: no album in its record", job.id());
        return Ok(());
    };
    log::debug!(
        target: "telegram_api",
        "album {} of {} parts handled",
        album.media_group_id,
        album.len()
    );
    let album_ctx = ctx.for_update(first);
    let outcome = catch_unwind(AssertUnwindSafe(|| (spec.callback)(&album_ctx, &album)));
    ctx.absorb(album_ctx);
    outcome.unwrap_or_else(|payload| resume_unwind(payload))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record of parts, as the collector writes it: `messages` are `Message` objects of
    /// chat 7, each delivered as update `1000 + message_id`.
    fn record(messages: &[Value]) -> Value {
        let updates: Vec<Value> = messages
            .iter()
            .map(|m| json!({"update_id": 1000 + m["message_id"].as_i64().unwrap(), "message": m}))
            .collect();
        json!({"media_group_id": "g", "updates": updates})
    }

    /// Message `id` of chat 7 in album `g`, with `fields` (the media) added.
    fn part(id: i64, fields: Value) -> Value {
        let mut message = json!({
            "message_id": id,
            "date": 1700000000,
            "chat": {"id": 7, "type": "private", "first_name": "A"},
            "media_group_id": "g",
        });
        for (name, value) in fields.as_object().unwrap() {
            message[name] = value.clone();
        }
        message
    }

    fn size(id: &str, width: i64, height: i64) -> Value {
        json!({"file_id": id, "file_unique_id": format!("u{id}"), "width": width, "height": height})
    }

    #[test]
    fn each_kind_of_part_is_sent_again_by_file_id_with_its_caption_and_spoiler() {
        let parts = [
            part(
                5,
                json!({
                    "live_photo": {
                        "file_id": "live-video", "file_unique_id": "ulv",
                        "width": 1080, "height": 1920, "duration": 3
                    },
                    "photo": [size("live-small", 90, 160), size("live-still", 1080, 1920)],
                    "caption": "live",
                    "has_media_spoiler": true,
                }),
            ),
            part(
                2,
                json!({
                    "photo": [size("big", 1280, 960), size("small", 320, 240)],
                    "caption": "Hello there",
                    "caption_entities": [{"type": "italic", "offset": 6, "length": 5}],
                    "show_caption_above_media": true,
                }),
            ),
            part(
                3,
                json!({"video": {
                    "file_id": "vid", "file_unique_id": "uv",
                    "width": 640, "height": 360, "duration": 12
                }}),
            ),
            part(
                4,
                json!({
                    "audio": {"file_id": "song", "file_unique_id": "ua", "duration": 200},
                    "caption": "track",
                }),
            ),
            part(
                6,
                json!({"document": {"file_id": "doc", "file_unique_id": "ud"}}),
            ),
            // A sticker is nothing an album holds.
            part(
                7,
                json!({"sticker": {
                    "file_id": "st", "file_unique_id": "us", "type": "regular",
                    "width": 512, "height": 512, "is_animated": false, "is_video": false
                }}),
            ),
        ];
        let (album, first) = Album::from_record(&record(&parts)).unwrap();
        assert_eq!(first.update_id, 1002);
        let ids: Vec<i64> = album.messages().iter().map(|m| m.message_id).collect();
        assert_eq!(ids, [2, 3, 4, 5, 6, 7]);
        assert_eq!(album.caption(), Some("Hello there"));
        assert_eq!(album.media_group_id(), "g");
        let media = serde_json::to_value(album.input_media()).unwrap();
        assert_eq!(
            media,
            json!([
                {
                    "type": "photo",
                    "media": "big",
                    "caption": "Hello there",
                    "caption_entities": [{"type": "italic", "offset": 6, "length": 5}],
                    "show_caption_above_media": true
                },
                {"type": "video", "media": "vid"},
                {"type": "audio", "media": "song", "caption": "track"},
                {
                    "type": "live_photo",
                    "media": "live-video",
                    "photo": "live-still",
                    "caption": "live",
                    "has_spoiler": true
                },
                {"type": "document", "media": "doc"}
            ])
        );
    }

    #[test]
    fn parts_that_do_not_decode_are_left_out_and_a_record_without_any_is_no_album() {
        let good = part(
            3,
            json!({"document": {"file_id": "doc", "file_unique_id": "ud"}}),
        );
        let mut data = record(&[good]);
        let updates = data["updates"].as_array_mut().unwrap();
        updates.push(json!({"update_id": 1, "message": {"message_id": "not a number"}}));
        updates.push(json!({"update_id": 2, "poll": {"id": "p"}}));
        updates.push(json!("no update at all"));
        let (album, first) = Album::from_record(&data).unwrap();
        assert_eq!(album.len(), 1);
        assert_eq!(first.update_id, 1003);

        let none = json!({"media_group_id": "g", "updates": [{"update_id": 2}]});
        assert!(Album::from_record(&none).is_none());
        assert!(Album::from_record(&json!({"updates": []})).is_none());
        assert!(Album::from_record(&json!(null)).is_none());
    }
}

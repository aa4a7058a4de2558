//! Sending photos from disk: one with a caption, then an album (a media group).
//!
//! ```sh
//! cargo run --example photos                     # offline, in a fake Telegram
//! TELEGRAM_BOT_TOKEN=123456:ABC-DEF TELEGRAM_CHAT_ID=1234567890 \
//!     cargo run --example photos                 # live: sends them to that chat
//! ```
//!
//! Files given with `InputFile::path` are uploaded with the request (`multipart/form-data`),
//! streamed from disk. In an album each photo is an `InputMediaPhoto`; uploads inside it are
//! attached for you (`"media": "attach://file0"` and a part named `file0`). An album holds 2 to
//! 10 photos or videos, and a caption on its first item shows as the album's caption.
//!
//! The photos are the small PNG files of `examples/assets/`. `TELEGRAM_CHAT_ID` is a chat
//! id (`cargo run --example echo` prints the ids of the chats that write to the bot) or a
//! `@channelusername`; the bot can only write to a user who wrote to it first.

use std::path::{Path, PathBuf};

use telegram_api::testing::World;
use telegram_api::{Bot, ChatId, Error, InputFile, InputMediaPhoto, Message};

fn main() -> Result<(), Error> {
    match Bot::from_env() {
        Ok(bot) => {
            println!("Using TELEGRAM_BOT_TOKEN: sending the photos.");
            send_photos(&bot, chat_from_env()?, &assets()).map(|_| ())
        }
        Err(_) => {
            println!(
                "No TELEGRAM_BOT_TOKEN: sending the photos to John in a fake Telegram, offline."
            );
            // A fake Telegram in this process (`telegram_api::testing`), with John in it.
            let world = World::new();
            let john = world.user("John Doe");
            send_photos(&world.bot(), john.id(), &assets())?;
            print!("{}", world.transcript());
            Ok(())
        }
    }
}

/// The folder of the example photos, wherever the example is run from.
pub fn assets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/assets")
}

/// Sends `sunrise.png` from `dir` with a caption, then `dawn.png`, `noon.png` and `dusk.png` as
/// an album. Returns the messages sent.
pub fn send_photos(bot: &Bot, chat: impl Into<ChatId>, dir: &Path) -> Result<Vec<Message>, Error> {
    let chat = chat.into();

    // One photo. A file that cannot be read fails the call with `Error::Io`, before anything
    // is sent.
    let sent = bot
        .send_photo(&chat, InputFile::path(dir.join("sunrise.png")))
        .caption("Sunrise, sent from disk")
        .call()?;
    // Telegram keeps the photo in several sizes; the last is the largest. Its `file_id` sends
    // the same photo again without uploading it.
    if let Some(largest) = sent.photo.as_deref().and_then(<[_]>::last) {
        println!(
            "sent a photo ({}x{}) as message {}; file_id {}",
            largest.width, largest.height, sent.message_id, largest.file_id
        );
    }

    // An album: the caption of the first photo is the album's.
    let media = vec![
        InputMediaPhoto::new(InputFile::path(dir.join("dawn.png")))
            .caption("Dawn, noon and dusk")
            .into(),
        InputMediaPhoto::new(InputFile::path(dir.join("noon.png"))).into(),
        InputMediaPhoto::new(InputFile::path(dir.join("dusk.png"))).into(),
    ];
    let album = bot.send_media_group(&chat, media).call()?;
    let ids: Vec<i64> = album.iter().map(|m| m.message_id).collect();
    println!(
        "sent an album of {} photos as messages {ids:?}",
        album.len()
    );

    let mut messages = vec![sent];
    messages.extend(album);
    Ok(messages)
}

/// The chat to send to, from `TELEGRAM_CHAT_ID`: a chat id or an `@username`.
fn chat_from_env() -> Result<ChatId, Error> {
    let value = std::env::var("TELEGRAM_CHAT_ID").map_err(|_| {
        Error::Config("set TELEGRAM_CHAT_ID to the chat to send to (see the example's docs)".into())
    })?;
    Ok(match value.trim().parse::<i64>() {
        Ok(id) => ChatId::from(id),
        Err(_) => ChatId::from(value.trim()),
    })
}

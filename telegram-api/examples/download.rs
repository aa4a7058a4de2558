//! Downloading what users send: `getFile`, then the file itself, saved to a folder.
//!
//! ```sh
//! cargo run --example download                                  # offline, in a fake Telegram
//! TELEGRAM_BOT_TOKEN=123456:ABC-DEF cargo run --example download # live: send your bot a file
//! ```
//!
//! For each document it receives, the bot asks Telegram where the file is (`getFile` gives a
//! `file_path`, valid for an hour), downloads it into the folder (`downloads/` live, or
//! `DOWNLOAD_DIR`; a temporary folder offline) and replies with its size. Other messages get a
//! hint. The Bot API lets bots download files of up to 20 MB (a local Bot API server has no such
//! limit, see `Bot::with_api_url`).

use std::path::{Path, PathBuf};

use telegram_api::testing::World;
use telegram_api::{Bot, Document, Message, ReplyParameters};

/// Any error: a Bot API call that failed, or the download folder that could not be made.
type BoxError = Box<dyn std::error::Error>;

/// The largest file the Bot API lets a bot download.
const MAX_DOWNLOAD: i64 = 20 * 1024 * 1024;

fn main() -> Result<(), BoxError> {
    match Bot::from_env() {
        Ok(bot) => {
            let dir = PathBuf::from(
                std::env::var("DOWNLOAD_DIR").unwrap_or_else(|_| "downloads".to_owned()),
            );
            std::fs::create_dir_all(&dir)?;
            println!(
                "Using TELEGRAM_BOT_TOKEN: send your bot a file, it goes to {}. Ctrl-C to stop.",
                dir.display()
            );
            save_documents(&bot, &dir, None).map(|_| ())
        }
        Err(_) => {
            println!("No TELEGRAM_BOT_TOKEN: John sends a file in a fake Telegram, offline.");
            let dir =
                std::env::temp_dir().join(format!("telegram-download-{}", std::process::id()));
            std::fs::create_dir_all(&dir)?;
            // A fake Telegram in this process (`telegram_api::testing`): John sends a file,
            // then a text.
            let world = World::new();
            let john = world.user("John Doe");
            john.send_document("notes.txt", b"Remember the milk.\n");
            john.send("What do you do?");
            // Two updates; stop after them instead of waiting for more.
            let saved = save_documents(&world.bot(), &dir, Some(2));
            // Leave no temporary files behind, whatever happened.
            let _ = std::fs::remove_dir_all(&dir);
            saved?;
            print!("{}", world.transcript());
            Ok(())
        }
    }
}

/// Saves the documents sent to the bot into `dir`, until `max_updates` updates were handled
/// (forever when `None`). Returns the paths of the files saved.
pub fn save_documents(
    bot: &Bot,
    dir: &Path,
    max_updates: Option<usize>,
) -> Result<Vec<PathBuf>, BoxError> {
    let mut updates = bot.updates();
    let mut saved = Vec::new();
    let mut handled = 0;
    while max_updates.is_none_or(|max| handled < max) {
        let Some(update) = updates.next() else {
            break;
        };
        let update = update?;
        handled += 1;
        // New messages only (not edits, reactions...).
        let Some(message) = update.message() else {
            continue;
        };
        match &message.document {
            Some(document) => saved.extend(save(bot, message, document, dir)?),
            None => {
                let chat = message.chat.id;
                bot.send_message(chat, "Send me a file (as a document) and I will save it.")
                    .call()?;
                println!("chat {chat}: not a document, sent a hint");
            }
        }
    }
    // Tell Telegram the last updates were handled, so they are not delivered again.
    updates.confirm()?;
    Ok(saved)
}

/// Downloads `document` (sent in `message`) into `dir` and says so in the chat. Returns where it
/// was saved (`None` when it is too large to download).
fn save(
    bot: &Bot,
    message: &Message,
    document: &Document,
    dir: &Path,
) -> Result<Option<PathBuf>, BoxError> {
    let chat = message.chat.id;
    // Answer as a reply to the document.
    let reply_to = ReplyParameters::new().message_id(message.message_id);
    if document.file_size.is_some_and(|size| size > MAX_DOWNLOAD) {
        bot.send_message(
            chat,
            "This file is larger than the 20 MB a bot may download.",
        )
        .reply_parameters(reply_to)
        .call()?;
        return Ok(None);
    }

    // Where the file is on Telegram's servers: a `File` with its `file_path`.
    let file = bot.get_file(&document.file_id).call()?;
    // Streamed to disk as it arrives.
    let name = file_name(document);
    let path = dir.join(&name);
    let size = bot.download_file_to_path(&file, &path)?;
    println!(
        "chat {chat}: saved {name} ({size} bytes) to {}",
        path.display()
    );

    bot.send_message(chat, format!("Saved {name} ({size} bytes)."))
        .reply_parameters(reply_to)
        .call()?;
    Ok(Some(path))
}

/// The name to save a document under: the sender's file name without any folder in it (so that
/// a name such as `../../.profile` cannot write outside the download folder), or else the file's
/// unique id.
fn file_name(document: &Document) -> String {
    document
        .file_name
        .as_deref()
        .and_then(|name| Path::new(name).file_name())
        .and_then(|name| name.to_str())
        .filter(|name| !name.starts_with('.'))
        .map(str::to_owned)
        .unwrap_or_else(|| document.file_unique_id.clone())
}

//! Downloads against a loopback server: a slow body is not cut off, a stalled one times out and
//! leaves nothing behind, progress is reported, redirects are not followed, and files on the
//! local disk are read only where the bot allows.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use telegram_api::{Bot, Error, File};
use telegram_api_tests::http::Server;

const TOKEN: &str = "123456789:AAE-secret-TOKEN_value";

fn file(path: &str) -> File {
    serde_json::from_value(serde_json::json!({
        "file_id": "BQACAgIAAxkBAAIB", "file_unique_id": "AgADBQAC", "file_path": path
    }))
    .unwrap()
}

/// A fresh directory under the system's temporary directory.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "telegram-api-downloads-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A body of `chunks` pieces of `size` bytes, one every `gap`; with `stall_after`, the server
/// stops sending (keeping the connection open) after that many pieces.
fn trickling(chunks: usize, size: usize, gap: Duration, stall_after: Option<usize>) -> Server {
    Server::start_raw(move |_, conn| {
        let len = (chunks * size).to_string();
        conn.head(
            200,
            &[
                ("Content-Type", "application/octet-stream"),
                ("Content-Length", &len),
            ],
        )?;
        for i in 0..chunks {
            if stall_after == Some(i) {
                std::thread::sleep(Duration::from_secs(5));
                return Ok(());
            }
            std::thread::sleep(gap);
            conn.write(&vec![b'a' + (i % 26) as u8; size])?;
        }
        Ok(())
    })
}

#[test]
fn a_body_trickled_for_longer_than_the_timeout_completes() {
    // 8 pieces 100 ms apart: 800 ms in all, against a 300 ms timeout.
    let server = trickling(8, 1000, Duration::from_millis(100), None);
    let bot = Bot::new(TOKEN)
        .with_api_url(server.url())
        .with_timeout(Duration::from_millis(300));
    let dir = scratch("trickle");
    let dest = dir.join("video.bin");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let started = Instant::now();
    let n = {
        let seen = seen.clone();
        bot.download_file_to_path_with_progress(&file("videos/file_1.bin"), &dest, move |d, t| {
            seen.lock().unwrap().push((d, t))
        })
        .unwrap()
    };
    assert!(
        started.elapsed() > Duration::from_millis(600),
        "it was slow"
    );
    assert_eq!(n, 8000);
    let body = std::fs::read(&dest).unwrap();
    assert_eq!(body.len(), 8000);
    assert_eq!(&body[..1000], &[b'a'; 1000][..]);
    assert_eq!(&body[7000..], &[b'h'; 1000][..]);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.first(), Some(&(0, Some(8000))));
    assert_eq!(seen.last(), Some(&(8000, Some(8000))));
    assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0), "{seen:?}");
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "only the destination"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_stalled_body_times_out_and_leaves_no_file() {
    let server = trickling(8, 1000, Duration::from_millis(10), Some(3));
    let bot = Bot::new(TOKEN)
        .with_api_url(server.url())
        .with_timeout(Duration::from_millis(300));
    let dir = scratch("stall");
    let dest = dir.join("video.bin");
    let started = Instant::now();
    let e = bot
        .download_file_to_path(&file("videos/file_1.bin"), &dest)
        .unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(!dest.exists(), "nothing at the destination");
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "no partial file beside it"
    );
    // An existing file at the destination survives a failed download.
    std::fs::write(&dest, b"old").unwrap();
    let e = bot
        .download_file_to_path(&file("videos/file_1.bin"), &dest)
        .unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    assert_eq!(std::fs::read(&dest).unwrap(), b"old");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn redirects_are_not_followed() {
    let elsewhere = Server::start_raw(|_, conn| conn.respond(200, "text/plain", b"not the file"));
    let target = format!("{}/file.bin", elsewhere.url());
    let server = Server::start_raw(move |_, conn| {
        conn.head(302, &[("Location", &target), ("Content-Length", "0")])
    });
    let bot = Bot::new(TOKEN).with_api_url(server.url());
    let e = bot
        .download_file(&file("documents/file_2.pdf"))
        .unwrap_err();
    assert!(
        matches!(e, Error::InvalidResponse { status: 302, .. }),
        "{e:?}"
    );
    assert_eq!(elsewhere.count(), 0);
}

#[test]
fn local_files_only_when_allowed_and_only_under_the_directory() {
    let root = scratch("local-root");
    let outside = scratch("local-outside");
    std::fs::create_dir_all(root.join("documents")).unwrap();
    std::fs::write(root.join("documents/file_3.txt"), b"inside").unwrap();
    std::fs::write(outside.join("secret.txt"), b"outside").unwrap();
    let server = Server::start_raw(|_, conn| conn.respond(404, "text/plain", b"no"));

    // Not opted in: an absolute path is refused, nothing is read.
    let bot = Bot::new(TOKEN).with_api_url(server.url());
    let inside = file(root.join("documents/file_3.txt").to_str().unwrap());
    let e = bot.download_file(&inside).unwrap_err();
    assert!(matches!(e, Error::Config(_)), "{e:?}");
    assert!(e.to_string().contains("with_local_files"), "{e}");

    // Opted in: under the directory only.
    let bot = bot.with_local_files(&root);
    assert_eq!(bot.download_file(&inside).unwrap(), b"inside");
    let escape = file(outside.join("secret.txt").to_str().unwrap());
    assert!(matches!(bot.download_file(&escape), Err(Error::Config(_))));
    let dotdot = root
        .join("documents/../../")
        .join(outside.file_name().unwrap());
    let dotdot = file(dotdot.join("secret.txt").to_str().unwrap());
    assert!(matches!(bot.download_file(&dotdot), Err(Error::Config(_))));
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(outside.join("secret.txt"), root.join("link.txt")).unwrap();
        let link = file(root.join("link.txt").to_str().unwrap());
        assert!(matches!(bot.download_file(&link), Err(Error::Config(_))));
    }
    assert_eq!(server.count(), 0, "no request for local files");
    std::fs::remove_dir_all(&root).unwrap();
    std::fs::remove_dir_all(&outside).unwrap();
}

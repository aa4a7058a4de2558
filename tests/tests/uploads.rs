//! Uploads against a loopback server: a retried upload keeps its real error, a source that
//! shrinks while it is sent is an error rather than a hang, and progress is reported.

use std::io::Cursor;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use telegram_api::*;
use telegram_api_tests::http::Server;

const TOKEN: &str = "123456789:AAE-secret-TOKEN_value";

const MESSAGE: &str = r#"{"message_id": 7, "date": 1700000000, "chat": {"id": 42, "type": "private"}, "document": {"file_id": "BQAC", "file_unique_id": "AgAD"}}"#;

const BAD_GATEWAY: &str = r#"{"ok": false, "error_code": 502, "description": "Bad Gateway"}"#;

/// A server answering the first `failures` requests with a 502, then with a message; it reads
/// every body whole and records its length.
fn failing(failures: usize) -> (Server, Arc<Mutex<Vec<usize>>>) {
    let lengths = Arc::new(Mutex::new(Vec::new()));
    let seen = lengths.clone();
    let n = AtomicUsize::new(0);
    let server = Server::start_raw(move |_, conn| {
        let body = conn.body()?;
        seen.lock().unwrap().push(body.len());
        if n.fetch_add(1, Ordering::SeqCst) < failures {
            conn.json(502, BAD_GATEWAY)
        } else {
            conn.ok(MESSAGE)
        }
    });
    (server, lengths)
}

fn retrying() -> Retry {
    Retry::flood_control()
        .transient(true)
        .backoff(Duration::from_millis(10), Duration::from_millis(10))
}

#[test]
fn an_upload_from_a_reader_is_not_retried_and_keeps_its_error() {
    let (server, lengths) = failing(1);
    let bot = Bot::new(TOKEN)
        .with_api_url(server.url())
        .with_retry(retrying());
    let file = InputFile::reader("report.csv", Cursor::new(b"a,b\n1,2\n".to_vec()));
    let e = bot.send_document(42, file).call().unwrap_err();
    assert_eq!(
        e.error_code(),
        Some(502),
        "the server's error, not the reader's: {e:?}"
    );
    assert_eq!(lengths.lock().unwrap().len(), 1, "sent once");
}

#[test]
fn an_upload_that_can_be_read_again_is_retried() {
    let (server, lengths) = failing(1);
    let bot = Bot::new(TOKEN)
        .with_api_url(server.url())
        .with_retry(retrying());
    let file = InputFile::bytes("report.csv", b"a,b\n1,2\n".to_vec());
    let sent = bot.send_document(42, file).call().unwrap();
    assert_eq!(sent.message_id, 7);
    let lengths = lengths.lock().unwrap();
    assert_eq!(lengths.len(), 2);
    assert_eq!(lengths[0], lengths[1], "the same body twice");
}

#[test]
fn a_file_that_shrinks_while_it_is_sent_is_an_error() {
    let path =
        std::env::temp_dir().join(format!("telegram-api-shrinking-{}.bin", std::process::id()));
    // Larger than what the socket buffers take in before the server reads.
    std::fs::write(&path, vec![7u8; 48 << 20]).unwrap();
    let truncate = path.clone();
    let server = Server::start_raw(move |_, conn| {
        // The request head is in: the client has opened the file. Cut it, then read.
        std::fs::OpenOptions::new()
            .write(true)
            .open(&truncate)?
            .set_len(1000)?;
        conn.body()?;
        conn.ok(MESSAGE)
    });
    let bot = Bot::new(TOKEN)
        .with_api_url(server.url())
        .with_timeout(Duration::from_secs(5));
    let started = Instant::now();
    let e = bot
        .send_document(42, InputFile::path(&path))
        .call()
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(e, Error::Io { .. }), "{e:?}");
    assert!(e.to_string().contains("shrank"), "{e}");
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn upload_progress_is_reported() {
    let (server, lengths) = failing(0);
    let bot = Bot::new(TOKEN).with_api_url(server.url());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let file = {
        let seen = seen.clone();
        InputFile::bytes("big.bin", vec![1u8; 300_000])
            .with_progress(move |done, total| seen.lock().unwrap().push((done, total)))
    };
    bot.send_document(42, file).call().unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.last(), Some(&(300_000, Some(300_000))));
    assert!(seen.windows(2).all(|w| w[0].0 < w[1].0), "{seen:?}");
    assert!(lengths.lock().unwrap()[0] > 300_000);
    // A reader's size is unknown.
    let seen = Arc::new(Mutex::new(Vec::new()));
    let file = {
        let seen = seen.clone();
        InputFile::reader("big.bin", Cursor::new(vec![1u8; 1000]))
            .with_progress(move |done, total| seen.lock().unwrap().push((done, total)))
    };
    bot.send_document(42, file).call().unwrap();
    assert_eq!(seen.lock().unwrap().last(), Some(&(1000, None)));
}

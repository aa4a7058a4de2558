//! A large upload streams from disk: sending a 100 MB file does not hold it in memory.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};

use telegram_api::{Bot, InputFile};

/// Counts live heap bytes and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        unsafe { System.dealloc(p, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const SIZE: u64 = 100 * 1024 * 1024;

#[test]
fn a_100_mb_upload_streams() {
    // A server that counts the body bytes it receives and keeps none of them.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut length = 0u64;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap();
            }
        }
        let mut buf = [0u8; 64 * 1024];
        let mut left = length;
        while left > 0 {
            let want = left.min(buf.len() as u64) as usize;
            let n = reader.read(&mut buf[..want]).unwrap();
            assert!(n > 0, "body ended early");
            left -= n as u64;
        }
        let body =
            r#"{"ok":true,"result":{"message_id":1,"date":1,"chat":{"id":1,"type":"private"}}}"#;
        let mut stream = stream;
        write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        length
    });

    let path = std::env::temp_dir().join(format!("telegram-api-big-{}.bin", std::process::id()));
    {
        let mut f = std::fs::File::create(&path).unwrap();
        let chunk = vec![7u8; 1024 * 1024];
        for _ in 0..SIZE / chunk.len() as u64 {
            f.write_all(&chunk).unwrap();
        }
    }
    let bot = Bot::new("123:TOKEN").with_api_url(url);
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let sent = bot.send_document(1, InputFile::path(&path)).call().unwrap();
    let peak = PEAK.load(Ordering::Relaxed) - before;
    std::fs::remove_file(&path).unwrap();
    assert_eq!(sent.message_id, 1);
    let received = server.join().unwrap();
    assert!(received > SIZE, "the whole file was sent: {received}");
    assert!(
        peak < 8 * 1024 * 1024,
        "peak heap during the upload: {peak} bytes"
    );
    eprintln!("peak heap during a {SIZE}-byte upload: {peak} bytes");
}

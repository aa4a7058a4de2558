//! Receiving by long polling through `telegram_api::ext` against a plain `for update in
//! bot.updates()` loop, in the same run, from a loopback fake Bot API that answers each
//! `getUpdates` at once with up to 100 updates from its offset.
//!
//! `cargo bench -p telegram-api-tests --bench polling` (`BENCH_POLL_UPDATES`, default 100,000,
//! and `BENCH_POLL_STATE_UPDATES`, default 20,000, scale it). Measured, each as updates/s:
//!
//! - the plain loop (the baseline): `Poller` hands out every update, nothing else;
//! - `run_polling` with a no-op handler and the memory store (confirm-after-handle);
//! - `run_polling` with a no-op handler and the file store (durable inbox: a batch is written
//!   in one transaction before the next `getUpdates` confirms it);
//! - a chat value read and written per update, with the memory store and with the file store.
//!
//! Every update is checked to have been handled once.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use telegram_api::Bot;
use telegram_api::ext::{Application, Context, Handler};
use telegram_api_tests::http::{Reply, Server};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A fake Bot API serving updates `1..=n` (1,000 chats), 100 per answer from the offset.
fn server(n: usize) -> Server {
    let updates: Arc<Vec<String>> = Arc::new(
        (1..=n as i64)
            .map(|id| {
                let chat = 1 + id % 1000;
                format!(
                    r#"{{"update_id":{id},"message":{{"message_id":{id},"date":1700000000,"chat":{{"id":{chat},"type":"private","first_name":"U"}},"from":{{"id":{chat},"is_bot":false,"first_name":"U"}},"text":"hello"}}}}"#
                )
            })
            .collect(),
    );
    let server = Server::start(move |req| {
        let params = req.json();
        let offset = params["offset"].as_i64().unwrap_or(1).max(1) as usize;
        let limit = params["limit"].as_u64().unwrap_or(100) as usize;
        let from = (offset - 1).min(updates.len());
        let to = (from + limit).min(updates.len());
        Reply::ok(&format!("[{}]", updates[from..to].join(",")))
    });
    server.set_recording(false);
    server
}

/// Updates per second through a plain `Poller` loop.
fn plain(n: usize) -> f64 {
    let server = server(n);
    let bot = Bot::new("1:T").with_api_url(server.url());
    let start = Instant::now();
    let mut seen = 0;
    for update in bot.updates().timeout(0) {
        let update = update.unwrap();
        seen += 1;
        if update.update_id == n as i64 {
            break;
        }
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    assert_eq!(seen, n);
    rate
}

/// Updates per second through `run_polling`, with the file store at `path` or in memory, and a
/// handler that writes a chat value (`write`) or does nothing.
fn ext(n: usize, path: Option<&std::path::Path>, write: bool) -> f64 {
    let server = server(n);
    let handled = Arc::new(AtomicUsize::new(0));
    let mut builder = Application::builder(Bot::new("1:T").with_api_url(server.url()))
        .handle_signals(false)
        .workers(4)
        .poll_timeout(0);
    {
        let handled = handled.clone();
        builder = builder.handler(Handler::update(
            |_| true,
            move |ctx: &Context| {
                if write {
                    let count: u64 = ctx.chat_data("count")?.unwrap_or(0);
                    ctx.set_chat_data("count", &(count + 1))?;
                }
                handled.fetch_add(1, Ordering::Relaxed);
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
            },
        ));
    }
    if let Some(path) = path {
        builder = builder.store_path(path).unwrap();
    }
    let app = builder.build();
    let stop = app.stop_handle();
    let start = Instant::now();
    let elapsed = std::thread::scope(|s| {
        let runner = s.spawn(|| app.run_polling());
        while handled.load(Ordering::Relaxed) < n {
            std::thread::sleep(Duration::from_micros(200));
        }
        let elapsed = start.elapsed();
        stop.stop();
        runner.join().unwrap().unwrap();
        elapsed
    });
    assert_eq!(
        handled.load(Ordering::Relaxed),
        n,
        "every update handled once"
    );
    n as f64 / elapsed.as_secs_f64()
}

fn main() {
    let n = env("BENCH_POLL_UPDATES", 100_000);
    let writes = env("BENCH_POLL_STATE_UPDATES", 20_000);
    let path = std::env::temp_dir().join(format!(
        "telegram-api-bench-poll-{}.redb",
        std::process::id()
    ));
    let fresh = || {
        let _ = std::fs::remove_file(&path);
        path.clone()
    };
    let baseline = plain(n);
    let memory = ext(n, None, false);
    let file = ext(n, Some(&fresh()), false);
    let memory_write = ext(writes, None, true);
    let file_write = ext(writes, Some(&fresh()), true);
    let _ = std::fs::remove_file(&path);
    println!("polling, {n} updates over 1,000 chats, no-op handler (updates/s):");
    println!("  plain Poller loop (baseline)   {baseline:>10.0}  1.00x");
    println!(
        "  run_polling, memory store      {memory:>10.0}  {:.2}x",
        memory / baseline
    );
    println!(
        "  run_polling, file store        {file:>10.0}  {:.2}x",
        file / baseline
    );
    println!("a chat value read and written per update, {writes} updates (updates/s):");
    println!("  memory store (baseline)        {memory_write:>10.0}  1.00x");
    println!(
        "  file store                     {file_write:>10.0}  {:.2}x",
        file_write / memory_write
    );
}

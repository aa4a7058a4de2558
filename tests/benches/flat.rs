//! Memory and store size over many updates: the records of received and of handled updates
//! keep the last ids only, whichever runner feeds the application.
//!
//! `cargo bench -p telegram-api-tests --bench flat` (`BENCH_FLAT_UPDATES`, default 1,000,000,
//! and `BENCH_FLAT_FILE_UPDATES`, default 100,000, scale it). Each update writes a chat value, so
//! each is recorded as handled:
//!
//! - the memory store through the pool (`start_pool`) and through `process_update`: the
//!   process's resident memory after a tenth of the updates and after all of them;
//! - the file store through the pool (durable inbox): the size of the store's file after a
//!   tenth and after all of them.

use std::time::Instant;

use telegram_api::ext::{Application, Context, Handler};
use telegram_api::{Bot, Update};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn message(id: i64) -> Update {
    let chat = 1 + id % 1000;
    serde_json::from_str(&format!(
        r#"{{"update_id": {id}, "message": {{"message_id": {id}, "date": 1700000000, "chat": {{"id": {chat}, "type": "private", "first_name": "U"}}, "text": "x"}}}}"#
    ))
    .unwrap()
}

/// The process's resident memory, in KiB (Linux).
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_owned))
        })
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn app(path: Option<&std::path::Path>) -> Application {
    let mut builder = Application::builder(Bot::new("1:T"))
        .handle_signals(false)
        .workers(4)
        .handler(Handler::update(
            |_| true,
            |ctx: &Context| ctx.set_chat_data("last", &ctx.update().unwrap().update_id),
        ));
    if let Some(path) = path {
        builder = builder.store_path(path).unwrap();
    }
    builder.build()
}

/// Feeds updates `1..=n` to `feed`, calling `measure` after a tenth and after all of them.
fn run(n: usize, mut feed: impl FnMut(Update), mut measure: impl FnMut() -> u64) -> (u64, u64) {
    let tenth = n / 10;
    let mut at_tenth = 0;
    for id in 1..=n as i64 {
        feed(message(id));
        if id as usize == tenth {
            at_tenth = measure();
        }
    }
    (at_tenth, measure())
}

fn main() {
    let n = env("BENCH_FLAT_UPDATES", 1_000_000);
    let file_n = env("BENCH_FLAT_FILE_UPDATES", 100_000);

    let started = Instant::now();
    let app_memory = app(None);
    let (a, b) = run(n, |u| app_memory.process_update(u), rss_kib);
    println!(
        "process_update, memory store, {n} updates: RSS {a} KiB after a tenth, {b} KiB after all ({:.1?})",
        started.elapsed()
    );
    assert!(
        !app_memory.store().is_applied(1).unwrap(),
        "old records pruned"
    );
    drop(app_memory);

    let started = Instant::now();
    let app_pool = app(None);
    let pool = app_pool.start_pool().unwrap();
    let (a, b) = run(
        n,
        |u| pool.submit(u),
        || {
            pool.wait_idle(std::time::Duration::from_secs(60));
            rss_kib()
        },
    );
    pool.shutdown(std::time::Duration::from_secs(10));
    println!(
        "pool, memory store, {n} updates: RSS {a} KiB after a tenth, {b} KiB after all ({:.1?})",
        started.elapsed()
    );
    assert!(
        !app_pool.store().is_applied(1).unwrap(),
        "old records pruned"
    );
    drop(app_pool);

    let path = std::env::temp_dir().join(format!(
        "telegram-api-bench-flat-{}.redb",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&path);
    let started = Instant::now();
    let app_file = app(Some(&path));
    let pool = app_file.start_pool().unwrap();
    let size = || std::fs::metadata(&path).map_or(0, |m| m.len() / 1024);
    let (a, b) = run(
        file_n,
        |u| pool.submit(u),
        || {
            pool.wait_idle(std::time::Duration::from_secs(120));
            size()
        },
    );
    pool.shutdown(std::time::Duration::from_secs(10));
    println!(
        "pool, file store, {file_n} updates: file {a} KiB after a tenth, {b} KiB after all ({:.1?}); RSS {} KiB",
        started.elapsed(),
        rss_kib()
    );
    assert!(app_file.store().inbox().unwrap().is_empty());
    drop(app_file);
    let _ = std::fs::remove_file(&path);
}

//! Cost of `telegram_api::ext`: routing, the worker pool end to end, and throughput when
//! handlers wait on I/O.
//!
//! `cargo bench -p telegram-api-tests --bench ext`. Four measurements, see `BENCHMARKS.md`:
//!
//! - **Routing**: an application with 20 handlers with filters (18 message handlers whose
//!   filters reject the update after looking at it, a command handler, a callback handler) and
//!   a no-op catch-all; `process_update` on `BENCH_UPDATES` (1,000,000) in-memory updates
//!   (clones of 1,000 decoded ones, made outside the timed part), which includes dropping each
//!   update; dropping alone is measured in the same run.
//! - **Pool end to end**: the same updates submitted to the ordered worker pool (8 workers,
//!   1,000 chats) until all are handled, per update.
//! - **Throughput with waiting handlers**: 1,000 chats x `BENCH_PER_CHAT` (10) updates, a
//!   handler that sleeps 10 ms, 64 workers; the rate against the ideal 64 / 10 ms, and whether
//!   every chat's updates ran in order.
//! - **A state write per update**: `BENCH_STORE_UPDATES` (2,000) updates over 100 chats, each
//!   handler reading and writing a chat value, with the file store against the in-memory one.

use std::hint::black_box;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use telegram_api::ext::{Application, Context, Filter, Handler};
use telegram_api::{Bot, Update};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn message(id: i64, chat: i64, text: &str) -> Update {
    serde_json::from_str(&format!(
        r#"{{"update_id": {id}, "message": {{"message_id": {id}, "date": 1700000000, "chat": {{"id": {chat}, "type": "private", "first_name": "U"}}, "from": {{"id": {chat}, "is_bot": false, "first_name": "U", "username": "u{chat}"}}, "text": {text:?}}}}}"#
    ))
    .unwrap()
}

fn ok(_: &Context) -> Result<(), std::io::Error> {
    Ok(())
}

fn routing_app(workers: usize) -> Application {
    let mut builder = Application::builder(Bot::new("1:T"))
        .bot_username("bench_bot")
        .workers(workers);
    for i in 0..18i64 {
        // Filters that read the update and reject it: a chat id, a text, a user name.
        let filter = match i % 3 {
            0 => Filter::new(move |u| u.message().is_some_and(|m| m.chat.id == -1 - i)),
            1 => Filter::new(move |u| {
                u.message()
                    .and_then(|m| m.text.as_deref())
                    .is_some_and(|t| t.len() == 1000 + i as usize)
            }),
            _ => Filter::new(|u| {
                u.message()
                    .and_then(|m| m.from.as_deref())
                    .and_then(|f| f.username.as_deref())
                    == Some("nobody")
            }),
        };
        builder = builder.handler(Handler::message(filter, ok));
    }
    builder
        .handler(Handler::command("start", ok))
        .handler(Handler::callback_query(ok))
        .handler(Handler::update(
            |_| true,
            |ctx: &Context| {
                black_box(ctx.update().unwrap().update_id);
                Ok::<_, std::io::Error>(())
            },
        ))
        .build()
}

fn main() {
    let n = env("BENCH_UPDATES", 1_000_000);
    let per_chat = env("BENCH_PER_CHAT", 10);
    let samples: Vec<Update> = (0..1000)
        .map(|i| message(i, 1 + i, "hello there"))
        .collect();

    // Routing: the updates are cloned in chunks outside the timed part; the timed part moves
    // each into `process_update`, which routes it, runs the no-op handler and drops it.
    let app = routing_app(1);
    let chunk = 100_000.min(n);
    let mut routed = Duration::ZERO;
    let mut done = 0;
    while done < n {
        let batch: Vec<Update> = (done..(done + chunk).min(n))
            .map(|i| samples[i % samples.len()].clone())
            .collect();
        done += batch.len();
        let start = Instant::now();
        for update in batch {
            app.process_update(update);
        }
        routed += start.elapsed();
    }
    let routed = routed.as_secs_f64() / n as f64;
    // The drop alone, as a baseline in the same run.
    let batch: Vec<Update> = (0..chunk)
        .map(|i| samples[i % samples.len()].clone())
        .collect();
    let start = Instant::now();
    for update in batch {
        drop(black_box(update));
    }
    let dropped = start.elapsed().as_secs_f64() / chunk as f64;
    println!(
        "routing, 20 handlers with filters, to a no-op handler: {:.0} ns/update (of which dropping the update: {:.0} ns)",
        routed * 1e9,
        dropped * 1e9
    );

    // Pool end to end.
    let app = routing_app(8);
    let pool = app.start_pool().unwrap();
    let start = Instant::now();
    for i in 0..n {
        let mut update = samples[i % samples.len()].clone();
        update.update_id = i as i64 + 1;
        pool.submit(update);
    }
    assert!(pool.wait_idle(Duration::from_secs(600)));
    let end_to_end = start.elapsed().as_secs_f64() / n as f64;
    assert_eq!(pool.confirmed_offset(), Some(n as i64 + 1));
    pool.shutdown(Duration::from_secs(1));
    println!(
        "pool end to end, 8 workers, 1000 chats: {:.0} ns/update, cloning included ({:.1}x routing)",
        end_to_end * 1e9,
        end_to_end / routed
    );

    // Throughput with handlers that wait.
    let chats = 1000i64;
    let total = chats as usize * per_chat;
    let order: Arc<Vec<Mutex<Vec<i64>>>> =
        Arc::new((0..chats).map(|_| Mutex::new(Vec::new())).collect());
    let app = {
        let order = order.clone();
        Application::builder(Bot::new("1:T"))
            .workers(64)
            .handler(Handler::update(
                |_| true,
                move |ctx: &Context| {
                    std::thread::sleep(Duration::from_millis(10));
                    let chat = ctx.update().unwrap().message().unwrap().chat.id;
                    order[(chat - 1) as usize]
                        .lock()
                        .unwrap()
                        .push(ctx.update().unwrap().update_id);
                    Ok::<_, std::io::Error>(())
                },
            ))
            .build()
    };
    let updates: Vec<Update> = (0..total as i64)
        .map(|i| message(i + 1, 1 + i % chats, "x"))
        .collect();
    let pool = app.start_pool().unwrap();
    let start = Instant::now();
    for update in updates {
        pool.submit(update);
    }
    assert!(pool.wait_idle(Duration::from_secs(600)));
    let elapsed = start.elapsed().as_secs_f64();
    pool.shutdown(Duration::from_secs(1));
    let in_order = order.iter().all(|o| {
        let o = o.lock().unwrap();
        o.len() == per_chat && o.windows(2).all(|w| w[0] < w[1])
    });
    let rate = total as f64 / elapsed;
    let ideal = 64.0 / 0.010;
    println!(
        "sleeping handlers, 1000 chats x {per_chat}, 64 workers: {rate:.0} updates/s, {:.1}% of the ideal {ideal:.0}/s; per-chat order kept: {in_order}",
        100.0 * rate / ideal
    );
    assert!(in_order);

    // A state write per update: the file store against the in-memory one.
    let writes = env("BENCH_STORE_UPDATES", 2_000);
    let memory = store_rate(None, writes);
    let path = std::env::temp_dir().join(format!(
        "telegram-api-bench-ext-{}.redb",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&path);
    let file = store_rate(Some(&path), writes);
    let _ = std::fs::remove_file(&path);
    println!(
        "a chat value written per update, {writes} updates over 100 chats: memory store {memory:.0} updates/s, file store {file:.0} updates/s ({:.1}x slower, a durable commit each)",
        memory / file
    );
}

/// Updates handled per second by `process_update` when the handler writes a chat value, with
/// the store in memory or in a file at `path`.
fn store_rate(path: Option<&std::path::Path>, n: usize) -> f64 {
    let mut builder = Application::builder(Bot::new("1:T"))
        .handle_signals(false)
        .handler(Handler::update(
            |_| true,
            |ctx: &Context| {
                let count: u64 = ctx.chat_data("count")?.unwrap_or(0);
                ctx.set_chat_data("count", &(count + 1))?;
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
            },
        ));
    if let Some(path) = path {
        builder = builder.store_path(path).unwrap();
    }
    let app = builder.build();
    let updates: Vec<Update> = (0..n as i64)
        .map(|i| message(i + 1, 1 + i % 100, "x"))
        .collect();
    let start = Instant::now();
    for update in updates {
        app.process_update(update);
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    let total: u64 = (1..=100)
        .map(|chat| {
            let key = telegram_api::ext::store::Key::chat(chat, "count");
            app.store()
                .get(&key)
                .unwrap()
                .map_or(0, |v| serde_json::from_slice::<u64>(&v).unwrap())
        })
        .sum();
    assert_eq!(total, n as u64, "every update wrote its value once");
    rate
}

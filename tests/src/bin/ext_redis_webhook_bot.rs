//! A bot for the tests of several processes sharing a Redis store
//! (`tests/tests/ext_redis_webhook.rs`, `tests/tests/ext_redis_inbox.rs`): it serves a
//! webhook on a port of its own (printed as `port N` on standard output) and keeps its state in
//! the Redis server `REDIS_URL`, under the key prefix `EXT_PREFIX`. Every update appends its id
//! to its chat's `applied` list (read, a little uneven work, write), so the list shows which
//! updates were applied, in which order, and how many times. It stops when its standard input
//! closes.
//!
//! Optional settings: `EXT_SLOW_MS` and `EXT_SLOW_EVERY` make the handler slow (that many
//! milliseconds) in the chats whose id is a multiple of `EXT_SLOW_EVERY`, printing
//! `slow <update_id>` when it starts on such an update; `EXT_LEASE_MS` is the lease's time to
//! live, `EXT_SCAN_MS` the interval between looks at the shared inbox.

use std::io::{BufRead, Write};
use std::net::TcpListener;
use std::time::Duration;

use telegram_api::Bot;
use telegram_api::ext::store::RedisStore;
use telegram_api::ext::{Application, Context, Handler, Webhook};

/// The number in the environment variable `name`, if set.
fn setting(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    Some(
        value
            .parse()
            .unwrap_or_else(|_| panic!("{name}={value}: not a number")),
    )
}

fn main() {
    let url = std::env::var("REDIS_URL").expect("REDIS_URL");
    let prefix = std::env::var("EXT_PREFIX").expect("EXT_PREFIX");
    let slow = setting("EXT_SLOW_MS").map(Duration::from_millis);
    let slow_every = setting("EXT_SLOW_EVERY").unwrap_or(1).max(1) as i64;
    let store = RedisStore::open(&url)
        .expect("the Redis store opens")
        .with_prefix(prefix);
    let mut builder = Application::builder(Bot::new("1:T").with_api_url("http://127.0.0.1:9"))
        .handle_signals(false)
        .workers(8)
        .store(store)
        .handler(Handler::update(
            |_| true,
            move |ctx: &Context| {
                let id = ctx.update().unwrap().update_id;
                let mut applied: Vec<i64> = ctx.chat_data("applied")?.unwrap_or_default();
                let chat = ctx.effective_chat().map_or(0, |c| c.id);
                match slow {
                    Some(slow) if chat % slow_every == 0 => {
                        let mut out = std::io::stdout().lock();
                        writeln!(out, "slow {id}")?;
                        out.flush()?;
                        drop(out);
                        std::thread::sleep(slow);
                    }
                    _ => std::thread::sleep(Duration::from_millis((id * 7 % 3) as u64)),
                }
                applied.push(id);
                ctx.set_chat_data("applied", &applied)?;
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
            },
        ));
    if let Some(ms) = setting("EXT_LEASE_MS") {
        builder = builder.lease_ttl(Duration::from_millis(ms));
    }
    if let Some(ms) = setting("EXT_SCAN_MS") {
        builder = builder.inbox_scan_interval(Duration::from_millis(ms));
    }
    let app = builder.build();
    let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = listener.local_addr().expect("its address").port();
    println!("port {port}");
    std::io::stdout().flush().expect("stdout");
    let stop = app.stop_handle();
    std::thread::spawn(move || {
        for _ in std::io::stdin().lock().lines() {}
        stop.stop();
    });
    app.run_webhook(Webhook::from_listener(listener).path("/"))
        .expect("the webhook runs");
}

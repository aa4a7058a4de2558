//! A bot for the two-process test of the Redis store (`tests/tests/ext_redis_webhook.rs`): it
//! serves a webhook on a port of its own (printed as `port N` on standard output) and keeps its
//! state in the Redis server `REDIS_URL`, under the key prefix `EXT_PREFIX`. Every update
//! appends its id to its chat's `applied` list (read, a little uneven work, write), so the list
//! shows which updates were applied, in which order, and how many times. It stops when its
//! standard input closes.

use std::io::{BufRead, Write};
use std::net::TcpListener;
use std::time::Duration;

use telegram_api::Bot;
use telegram_api::ext::store::RedisStore;
use telegram_api::ext::{Application, Context, Handler, Webhook};

fn main() {
    let url = std::env::var("REDIS_URL").expect("REDIS_URL");
    let prefix = std::env::var("EXT_PREFIX").expect("EXT_PREFIX");
    let store = RedisStore::open(&url)
        .expect("the Redis store opens")
        .with_prefix(prefix);
    let app = Application::builder(Bot::new("1:T").with_api_url("http://127.0.0.1:9"))
        .handle_signals(false)
        .workers(8)
        .store(store)
        .handler(Handler::update(
            |_| true,
            |ctx: &Context| {
                let id = ctx.update().update_id;
                let mut applied: Vec<i64> = ctx.chat_data("applied")?.unwrap_or_default();
                std::thread::sleep(Duration::from_millis((id * 7 % 3) as u64));
                applied.push(id);
                ctx.set_chat_data("applied", &applied)?;
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
            },
        ))
        .build();
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

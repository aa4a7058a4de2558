//! A check every durable inbox passes: long polling while one handler is slow fetches each
//! update once, and still handles each chat's updates once, in order.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use telegram_api::Bot;
use telegram_api::ext::{Application, ApplicationBuilder, Context, Handler};

use crate::fake_api::FakeApi;
use crate::updates;
use crate::wait::Log;

/// How many updates the fake Telegram serves.
pub const TOTAL: i64 = 300;
/// Over how many chats (update `id` is in chat `1 + id % CHATS`).
pub const CHATS: i64 = 30;

/// Runs the application that `with_store` makes of a builder (giving it its store) on long
/// polling of [`TOTAL`] updates over [`CHATS`] chats, 20 per `getUpdates`, 4 workers; the
/// handler of update 1 takes a second, which holds back only its chat. Returns once every
/// update was handled and the application stopped; panics unless each chat's updates were
/// handled once, in order, and Telegram served at most 5% more items than there are updates
/// (without an inbox, the polls during the slow update would fetch everything after it again).
pub fn poll_while_a_handler_is_slow(
    with_store: impl FnOnce(ApplicationBuilder) -> ApplicationBuilder,
) {
    let updates = (1..=TOTAL)
        .map(|id| {
            (
                id,
                updates::text(id, 1 + id % CHATS, &id.to_string()).json(),
            )
        })
        .collect();
    let api = FakeApi::start(updates);
    let seen: Arc<Log<(i64, i64)>> = Arc::default();
    let builder = Application::builder(Bot::new("1:T").with_api_url(api.server.url()))
        .workers(4)
        .poll_limit(20)
        .poll_timeout(1)
        .handle_signals(false);
    let app = {
        let seen = seen.clone();
        with_store(builder)
            .handler(Handler::update(
                |_| true,
                move |ctx: &Context| {
                    let id = ctx.update().unwrap().update_id;
                    if id == 1 {
                        std::thread::sleep(Duration::from_secs(1));
                    }
                    seen.push((ctx.effective_chat().unwrap().id, id));
                    Ok::<_, std::io::Error>(())
                },
            ))
            .build()
    };
    let stop = app.stop_handle();
    let runner = std::thread::spawn(move || app.run_polling());
    seen.wait_for_within(Duration::from_secs(30), "every update handled", |seen| {
        seen.len() >= TOTAL as usize
    });
    stop.stop();
    runner.join().unwrap().unwrap();

    let served: usize = api.served.entries().iter().sum();
    assert!(
        served as f64 <= TOTAL as f64 * 1.05,
        "{served} items served for {TOTAL} updates"
    );
    let mut chats: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (chat, id) in seen.entries() {
        chats.entry(chat).or_default().push(id);
    }
    for (chat, ids) in chats {
        let want: Vec<i64> = (1..=TOTAL).filter(|id| 1 + id % CHATS == chat).collect();
        assert_eq!(ids, want, "chat {chat}: each once, in order");
    }
}

//! Two processes of one bot behind one webhook, sharing a Redis store: a driver plays Telegram,
//! sending 1,000 updates over 50 chats, each chat's one after the other (the next once the last
//! was answered 200), each to either process; one update in ten is delivered to both at once,
//! as a retry crossing the first delivery. Every chat's record of applied updates must then
//! hold each of its updates exactly once, in order: no write lost to the other process, none
//! applied twice, per-chat order kept. The store keeps a shared inbox, so a process answers 200
//! once an update is in it, and the next update of the chat may reach the other process before
//! the first was handled: whichever handles the later one handles the earlier one first.
//!
//! Needs a redis-server: `REDIS_URL` names it. The test is ignored unless asked for
//! (`-- --include-ignored`); asked for without `REDIS_URL`, it fails.
#![cfg(feature = "redis")]

use std::time::Instant;

use telegram_api::ext::store::{RedisStore, Store};
use telegram_api_tests::updates;
use telegram_api_tests::wait::{PATIENCE, wait_until};
use telegram_api_tests::webhook_bot::{BotProcess, assert_applied_once_in_order, deliver};

const CHATS: i64 = 50;
const PER_CHAT: i64 = 20;

/// A bot process of the test, on the Redis server `url`, under the key prefix `prefix`.
fn start(url: &str, prefix: &str) -> BotProcess {
    BotProcess::start(
        env!("CARGO_BIN_EXE_ext_redis_webhook_bot"),
        &[("REDIS_URL", url), ("EXT_PREFIX", prefix)],
    )
}

#[test]
#[ignore = "needs REDIS_URL"]
fn two_processes_share_one_update_stream_without_losing_or_repeating_a_write() {
    let url = telegram_api_tests::redis_url();
    let prefix = format!("two-processes-{}:", std::process::id());
    let bots = [start(&url, &prefix), start(&url, &prefix)];
    let ports = [bots[0].port, bots[1].port];

    let started = Instant::now();
    std::thread::scope(|s| {
        for chat in 1..=CHATS {
            s.spawn(move || {
                for seq in 0..PER_CHAT {
                    let id = seq * CHATS + chat;
                    let body = updates::text(id, chat, "hi").message_id(seq + 1).json();
                    // Spread over both processes, unevenly per chat.
                    let to = ((id * 7919) % 2) as usize;
                    if id % 10 == 0 {
                        // Delivered to both at once: applied once all the same.
                        std::thread::scope(|both| {
                            both.spawn(|| deliver(ports[to], &body));
                            both.spawn(|| deliver(ports[1 - to], &body));
                        });
                    } else {
                        deliver(ports[to], &body);
                    }
                }
            });
        }
    });
    // A 200 says that an update is in the shared inbox, not yet that it was handled: the
    // processes are stopped once the inbox is empty (a process that stops leaves what it did not
    // handle there, to the others or the next run).
    let store = RedisStore::open(&url).unwrap().with_prefix(prefix);
    wait_until(PATIENCE, "every update handled", || {
        store.inbox_ids(i64::MAX).unwrap().is_empty()
    });
    let elapsed = started.elapsed();
    for bot in bots {
        bot.stop();
    }

    let applied_total = assert_applied_once_in_order(&store, CHATS, PER_CHAT);
    assert_eq!(store.inbox().unwrap(), []);
    eprintln!(
        "{applied_total} updates over {CHATS} chats on 2 processes in {elapsed:?}, {} delivered \
         twice at once: each applied once, in order",
        CHATS * PER_CHAT / 10
    );
    assert_eq!(applied_total, (CHATS * PER_CHAT) as usize);
}

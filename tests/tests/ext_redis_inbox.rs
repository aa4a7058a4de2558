//! Two processes of one bot share a Redis store (and its inbox); one is killed with `SIGKILL`
//! while it holds leases and has updates waiting in the inbox. The other must handle every
//! update: none lost, none applied twice, each chat's in order.
//!
//! Process A is slow in one chat of three (500 ms an update, the others a few), process B is
//! quick. A driver playing Telegram sends 20 chats x 10 updates, each chat's one after the
//! other (the next once the last was answered 200: once it is in the inbox), two in three to A
//! and the rest to B. Once every update was answered and A has started on a slow update after
//! that (it printed `slow <id>`: it holds that chat's lease), A is killed: that update is then
//! in the inbox and not applied, with the rest of the slow chats'. B finds them in the inbox,
//! takes each chat's lease once A's expired (1 s), and handles them.
//!
//! And in one process: updates that another process received and left in the inbox (it died,
//! one of its leases not expired yet) are found and handled, each chat's in order; and polling
//! confirms a batch once it is in the inbox, so a slow handler holds back only its chat and
//! nothing is fetched twice.
//!
//! Needs a redis-server: `REDIS_URL` names it. The test is ignored unless asked for
//! (`-- --include-ignored`); asked for without `REDIS_URL`, it fails.
#![cfg(feature = "redis")]

use std::sync::Arc;
use std::time::{Duration, Instant};

use telegram_api::Bot;
use telegram_api::ext::store::{RedisStore, Store};
use telegram_api::ext::{Application, Context, Handler};
use telegram_api_tests::slow_polling::poll_while_a_handler_is_slow;
use telegram_api_tests::updates;
use telegram_api_tests::wait::{Log, PATIENCE, wait_until};
use telegram_api_tests::webhook_bot::{BotProcess, assert_applied_once_in_order, deliver};

const CHATS: i64 = 20;
const PER_CHAT: i64 = 10;

#[test]
#[ignore = "needs REDIS_URL"]
fn a_process_killed_with_updates_in_the_shared_inbox_loses_none() {
    let url = telegram_api_tests::redis_url();
    let prefix = format!("inbox-kill-{}:", std::process::id());
    let exe = env!("CARGO_BIN_EXE_ext_redis_webhook_bot");
    let common = [
        ("REDIS_URL", url.as_str()),
        ("EXT_PREFIX", prefix.as_str()),
        ("EXT_LEASE_MS", "1000"),
        ("EXT_SCAN_MS", "50"),
    ];
    let slow = [("EXT_SLOW_MS", "500"), ("EXT_SLOW_EVERY", "3")];
    let a = BotProcess::start(exe, &[&common[..], &slow[..]].concat());
    let b = BotProcess::start(exe, &common);
    let store = RedisStore::open(&url).unwrap().with_prefix(prefix);

    let (to_a, to_b) = (a.port, b.port);
    std::thread::scope(|s| {
        for chat in 1..=CHATS {
            s.spawn(move || {
                for seq in 0..PER_CHAT {
                    let id = seq * CHATS + chat;
                    let body = updates::text(id, chat, "hi").message_id(seq + 1).json();
                    deliver(if id % 3 == 0 { to_b } else { to_a }, &body);
                }
            });
        }
    });
    // Every update is in the inbox or handled. A starts on one more slow update: it holds
    // that chat's lease, and is killed in that update's handler.
    let printed = a.lines.len();
    let lines = a
        .lines
        .wait_for("A starting a slow update", |l| l.len() > printed);
    let in_flight: i64 = lines[printed]
        .strip_prefix("slow ")
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("not a slow update: {:?}", lines[printed]));
    a.kill();
    let killed = Instant::now();
    let waiting = store.inbox_ids(i64::MAX).unwrap();
    assert!(
        waiting.contains(&in_flight) && !store.is_applied(in_flight).unwrap(),
        "update {in_flight}, in flight in the killed process, is waiting in the inbox: {waiting:?}"
    );

    wait_until(
        Duration::from_secs(60),
        "the surviving process emptying the inbox",
        || store.inbox_ids(i64::MAX).unwrap().is_empty(),
    );
    let drained = killed.elapsed();
    b.stop();

    let applied_total = assert_applied_once_in_order(&store, CHATS, PER_CHAT);
    assert_eq!(applied_total, (CHATS * PER_CHAT) as usize);
    eprintln!(
        "{} updates waiting in the inbox when a process was killed (update {in_flight} in \
         flight): all handled by the other in {drained:?}, each once, in order",
        waiting.len()
    );
}

#[test]
#[ignore = "needs REDIS_URL"]
fn updates_another_process_left_in_the_inbox_are_handled_in_order() {
    let url = telegram_api_tests::redis_url();
    let prefix = format!("inbox-left-{}:", std::process::id());
    let store = RedisStore::open(&url).unwrap().with_prefix(prefix.clone());
    // Another process received these, and died; it still holds chat 1's lease for a moment.
    let left: Vec<(i64, Vec<u8>)> = [(5, 1), (3, 2), (1, 1), (4, 1), (2, 2)]
        .into_iter()
        .map(|(id, chat)| (id, updates::text(id, chat, "hi").json().into_bytes()))
        .collect();
    assert_eq!(store.inbox_add(&left).unwrap(), [5, 3, 1, 4, 2]);
    let lease_ttl = Duration::from_millis(500);
    let leased = Instant::now();
    assert!(
        store
            .acquire_lease("lease/chat/1", "a-dead-process", lease_ttl)
            .unwrap()
    );

    let handled: Arc<Log<(i64, i64, Instant)>> = Arc::new(Log::default());
    let log = handled.clone();
    let app = Application::builder(Bot::new("1:T").with_api_url("http://127.0.0.1:9"))
        .handle_signals(false)
        .inbox_scan_interval(Duration::from_millis(20))
        .store(RedisStore::open(&url).unwrap().with_prefix(prefix))
        .handler(Handler::update(
            |_| true,
            move |ctx: &Context| {
                let chat = ctx.effective_chat().map_or(0, |c| c.id);
                log.push((chat, ctx.update().unwrap().update_id, Instant::now()));
                Ok::<_, std::convert::Infallible>(())
            },
        ))
        .build();
    let pool = app.start_pool().unwrap();
    let all = handled.wait_len(5);
    let of = |chat: i64| -> Vec<i64> {
        let ids = all.iter().filter(|(c, _, _)| *c == chat);
        ids.map(|(_, id, _)| *id).collect()
    };
    assert_eq!(of(1), [1, 4, 5]);
    assert_eq!(of(2), [2, 3]);
    // Chat 1 waited for the dead process's lease to expire.
    let first_of_chat_1 = all.iter().find(|(c, _, _)| *c == 1).unwrap().2;
    assert!(first_of_chat_1 >= leased + lease_ttl);
    // Nothing to commit: each left the inbox all the same, and is not handled again.
    wait_until(PATIENCE, "the inbox emptied", || {
        store.inbox_ids(i64::MAX).unwrap().is_empty()
    });
    pool.shutdown(Duration::from_secs(5));
    assert_eq!(handled.len(), 5);
}

#[test]
#[ignore = "needs REDIS_URL"]
fn polling_with_the_redis_inbox_fetches_each_update_once_while_a_handler_is_slow() {
    let url = telegram_api_tests::redis_url();
    let prefix = format!("inbox-polling-{}:", std::process::id());
    let store = RedisStore::open(&url).unwrap().with_prefix(prefix.clone());
    poll_while_a_handler_is_slow(|builder| builder.store(store));
    let store = RedisStore::open(&url).unwrap().with_prefix(prefix);
    assert_eq!(
        store.inbox().unwrap(),
        [],
        "the inbox is empty once all is handled"
    );
}

//! The ordered worker pool of `telegram_api::ext`: per-chat order with chats in parallel, no
//! update lost or handled twice, panics survived, a bounded queue.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use telegram_api::ext::{Application, Context, Handler};
use telegram_api::{Bot, Update};
use telegram_api_tests::updates;
use telegram_api_tests::wait::Log;

/// Message `seq` of chat `chat`, saying its number.
fn message_update(id: i64, chat: i64, seq: usize) -> Update {
    updates::text(id, chat, &seq.to_string())
        .message_id(seq as i64)
        .update()
}

/// A small deterministic generator of delays (xorshift).
fn delays(seed: u64) -> impl FnMut() -> Duration {
    let mut x = seed;
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        Duration::from_micros(x % 400)
    }
}

/// The chat, the sequence number, and when the handler started and ended.
type Span = (i64, usize, Duration, Duration);

#[test]
fn fifty_chats_of_two_hundred_updates_keep_their_order_and_overlap() {
    const CHATS: i64 = 50;
    const PER_CHAT: usize = 200;
    let epoch = Instant::now();
    // (chat, seq, start, end) of each handled update.
    let spans: Arc<Mutex<Vec<Span>>> = Arc::default();
    let app = {
        let spans = spans.clone();
        let next = Mutex::new(delays(0x9E3779B97F4A7C15));
        Application::builder(Bot::new("1:T"))
            .workers(16)
            .queue_capacity(256)
            .handler(Handler::message(
                telegram_api::ext::Filter::new(|_| true),
                move |ctx: &Context| {
                    let start = epoch.elapsed();
                    let delay = next.lock().unwrap()();
                    std::thread::sleep(delay);
                    let m = ctx.effective_message().unwrap();
                    let seq: usize = m.text.as_deref().unwrap().parse().unwrap();
                    spans
                        .lock()
                        .unwrap()
                        .push((m.chat.id, seq, start, epoch.elapsed()));
                    Ok::<_, std::io::Error>(())
                },
            ))
            .build()
    };
    let pool = app.start_pool().unwrap();
    let mut id = 1;
    for seq in 0..PER_CHAT {
        for chat in 0..CHATS {
            pool.submit(message_update(id, -1000 - chat, seq));
            id += 1;
        }
    }
    assert!(
        pool.wait_idle(Duration::from_secs(60)),
        "the pool did not finish"
    );
    assert_eq!(pool.confirmed_offset(), Some(id));
    pool.shutdown(Duration::from_secs(1));

    let spans = spans.lock().unwrap().clone();
    assert_eq!(
        spans.len(),
        CHATS as usize * PER_CHAT,
        "lost or repeated updates"
    );
    let mut by_chat: HashMap<i64, Vec<(usize, Duration, Duration)>> = HashMap::new();
    for (chat, seq, start, end) in &spans {
        by_chat.entry(*chat).or_default().push((*seq, *start, *end));
    }
    assert_eq!(by_chat.len(), CHATS as usize);
    for (chat, mut handled) in by_chat {
        handled.sort_by_key(|(_, start, _)| *start);
        let seqs: Vec<usize> = handled.iter().map(|(s, _, _)| *s).collect();
        assert_eq!(
            seqs,
            (0..PER_CHAT).collect::<Vec<_>>(),
            "chat {chat} out of order"
        );
        for pair in handled.windows(2) {
            assert!(
                pair[0].2 <= pair[1].1,
                "chat {chat}: two updates ran at once"
            );
        }
    }
    // Chats overlap: the largest number of handlers running at the same time.
    let mut events: Vec<(Duration, i32)> = spans
        .iter()
        .flat_map(|(_, _, s, e)| [(*s, 1), (*e, -1)])
        .collect();
    events.sort();
    let (mut now, mut most) = (0, 0);
    for (_, d) in events {
        now += d;
        most = most.max(now);
    }
    eprintln!("at most {most} chats handled at once");
    assert!(
        most >= 4,
        "chats did not run in parallel (at most {most} at once)"
    );
}

#[test]
fn a_panicking_handler_is_reported_and_the_worker_goes_on() {
    let handled = Arc::new(AtomicUsize::new(0));
    let panics = Arc::new(AtomicUsize::new(0));
    let app = {
        let (handled, panics) = (handled.clone(), panics.clone());
        Application::builder(Bot::new("1:T"))
            .workers(2)
            .handler(Handler::update(
                |_| true,
                move |ctx: &Context| {
                    if ctx.update().unwrap().update_id % 3 == 0 {
                        panic!("update {} is cursed", ctx.update().unwrap().update_id);
                    }
                    handled.fetch_add(1, Ordering::SeqCst);
                    Ok::<_, std::io::Error>(())
                },
            ))
            .error_handler(move |_, e| {
                assert!(e.to_string().contains("is cursed"));
                panics.fetch_add(1, Ordering::SeqCst);
            })
            .build()
    };
    let pool = app.start_pool().unwrap();
    for id in 1..=30 {
        pool.submit(message_update(id, id % 2, id as usize));
    }
    assert!(pool.wait_idle(Duration::from_secs(10)));
    assert_eq!(handled.load(Ordering::SeqCst), 20);
    assert_eq!(panics.load(Ordering::SeqCst), 10);
    assert_eq!(pool.confirmed_offset(), Some(31));
}

#[test]
fn a_full_queue_makes_submit_wait() {
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let release_rx = Mutex::new(release_rx);
    let started: Arc<Log<i64>> = Arc::default();
    let taken = started.clone();
    let app = Application::builder(Bot::new("1:T"))
        .workers(1)
        .queue_capacity(2)
        .handler(Handler::update(
            |_| true,
            move |ctx: &Context| {
                taken.push(ctx.update().unwrap().update_id);
                release_rx.lock().unwrap().recv().unwrap();
                Ok::<_, std::io::Error>(())
            },
        ))
        .build();
    let pool = app.start_pool().unwrap();
    pool.submit(message_update(1, 1, 1));
    // The worker takes update 1 and blocks; 2 and 3 fill the queue.
    started.wait_len(1);
    assert_eq!(pool.queued(), 0);
    pool.submit(message_update(2, 2, 1));
    pool.submit(message_update(3, 3, 1));
    let waited = Instant::now();
    let back = pool
        .try_submit(message_update(4, 4, 1), Duration::from_millis(100))
        .expect_err("the queue is full");
    assert!(waited.elapsed() >= Duration::from_millis(100));
    assert_eq!(back.update_id, 4);
    assert_eq!((pool.queued(), pool.pending()), (2, 3));
    assert_eq!(pool.confirmed_offset(), Some(1));
    // Releasing one handler makes room.
    release_tx.send(()).unwrap();
    pool.try_submit(back, Duration::from_secs(5))
        .expect("room after one finished");
    for _ in 0..3 {
        release_tx.send(()).unwrap();
    }
    assert!(pool.wait_idle(Duration::from_secs(5)));
    assert_eq!(pool.confirmed_offset(), Some(5));
}

#[test]
fn shutdown_finishes_in_flight_handlers_within_the_deadline() {
    let done = Arc::new(AtomicUsize::new(0));
    let started: Arc<Log<i64>> = Arc::default();
    let app = {
        let (done, started) = (done.clone(), started.clone());
        Application::builder(Bot::new("1:T"))
            .workers(2)
            .handler(Handler::update(
                |_| true,
                move |ctx: &Context| {
                    started.push(ctx.update().unwrap().update_id);
                    let slow = ctx.update().unwrap().update_id == 3;
                    std::thread::sleep(Duration::from_millis(if slow { 3000 } else { 50 }));
                    done.fetch_add(1, Ordering::SeqCst);
                    Ok::<_, std::io::Error>(())
                },
            ))
            .build()
    };
    let pool = app.start_pool().unwrap();
    for id in 1..=3 {
        pool.submit(message_update(id, id, 1));
    }
    // Both workers are busy.
    started.wait_len(2);
    let stopping = Instant::now();
    // 1 and 2 finish in time; 3 does not, and stays unconfirmed.
    let offset = pool.shutdown(Duration::from_millis(500));
    assert!(stopping.elapsed() < Duration::from_millis(1500));
    assert!(done.load(Ordering::SeqCst) >= 2);
    assert_eq!(offset, Some(3));
}

/// Submits `first` and `second` to a pool ordered by `order` whose handler holds `first` until
/// `second` ran (or 1 s passed: the ordered cases wait it out): whether they overlapped,
/// and the order they finished in.
fn overlap(order: telegram_api::ext::OrderBy, first: Update, second: Update) -> (bool, Vec<i64>) {
    let (ran_tx, ran_rx) = mpsc::channel::<i64>();
    let ran_rx = Mutex::new(ran_rx);
    let finished: Arc<Log<i64>> = Arc::default();
    let overlapped = Arc::new(Mutex::new(false));
    let first_id = first.update_id;
    let app = {
        let (finished, overlapped) = (finished.clone(), overlapped.clone());
        Application::builder(Bot::new("1:T").with_api_url("http://127.0.0.1:9"))
            .workers(2)
            .order_by(order)
            .handler(Handler::update(
                |_| true,
                move |ctx: &Context| {
                    let id = ctx.update().unwrap().update_id;
                    if id == first_id {
                        let seen = ran_rx.lock().unwrap().recv_timeout(Duration::from_secs(1));
                        *overlapped.lock().unwrap() = seen.is_ok();
                        finished.push(id);
                    } else {
                        finished.push(id);
                        ran_tx.send(id).unwrap();
                    }
                    Ok::<_, std::io::Error>(())
                },
            ))
            .build()
    };
    let pool = app.start_pool().unwrap();
    pool.submit(first);
    pool.submit(second);
    finished.wait_len(2);
    pool.shutdown(Duration::from_secs(1));
    let overlapped = *overlapped.lock().unwrap();
    (overlapped, finished.entries())
}

#[test]
fn the_ordering_key_is_configurable() {
    use telegram_api::ext::OrderBy;
    let topic = |id: i64, thread: i64| {
        let mut value = updates::text(id, -100, "hi").from_user(7).value();
        value["message"]["message_thread_id"] = thread.into();
        value["message"]["is_topic_message"] = true.into();
        updates::decode(&value)
    };
    // Same chat: in order by chat, in parallel with no order.
    let same_chat = || (message_update(1, 5, 1), message_update(2, 5, 2));
    let (a, b) = same_chat();
    assert_eq!(overlap(OrderBy::Chat, a, b), (false, vec![1, 2]));
    let (a, b) = same_chat();
    assert_eq!(overlap(OrderBy::Unordered, a, b), (true, vec![2, 1]));
    // One user in two chats: in parallel by chat, in order by user.
    let two_chats = || {
        (
            updates::text(1, -1, "a").from_user(7).update(),
            updates::text(2, -2, "b").from_user(7).update(),
        )
    };
    let (a, b) = two_chats();
    assert_eq!(overlap(OrderBy::Chat, a, b), (true, vec![2, 1]));
    let (a, b) = two_chats();
    assert_eq!(overlap(OrderBy::User, a, b), (false, vec![1, 2]));
    // Two topics of one forum: in parallel by topic, in order by chat; one topic in order.
    assert_eq!(
        overlap(OrderBy::ChatTopic, topic(1, 10), topic(2, 11)),
        (true, vec![2, 1])
    );
    assert_eq!(
        overlap(OrderBy::Chat, topic(1, 10), topic(2, 11)),
        (false, vec![1, 2])
    );
    assert_eq!(
        overlap(OrderBy::ChatTopic, topic(1, 10), topic(2, 10)),
        (false, vec![1, 2])
    );
    // A function of the user's: even update ids together.
    let custom = || OrderBy::custom(|u: &Update| Some((u.update_id % 2) as u64));
    assert_eq!(
        overlap(custom(), message_update(2, 1, 1), message_update(4, 2, 1)),
        (false, vec![2, 4])
    );
    assert_eq!(
        overlap(custom(), message_update(2, 1, 1), message_update(3, 1, 2)),
        (true, vec![3, 2])
    );
}

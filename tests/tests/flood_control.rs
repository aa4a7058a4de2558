//! Outgoing flood control against a loopback server that counts what arrives.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use telegram_api::{Bot, FloodControl, Limit};
use telegram_api_tests::http::{Reply, Request, Server};
use telegram_api_tests::logs;
use telegram_api_tests::most_in_a_window;

/// What the server saw: arrival time, method, chat and text of each request.
type Log = Arc<Mutex<Vec<(Instant, String, Option<i64>, String)>>>;

/// A sent message as `sendMessage` returns it, for the request's chat and text.
fn sent_message(request: &Request) -> Reply {
    let body = request.json();
    let chat = body["chat_id"].as_i64().unwrap_or(0);
    let kind = if chat < 0 { "supergroup" } else { "private" };
    let text = serde_json::to_string(&body["text"]).unwrap();
    Reply::ok(&format!(
        r#"{{"message_id":1,"date":1788256800,"chat":{{"id":{chat},"type":"{kind}"}},"text":{text}}}"#
    ))
}

fn too_many_requests(retry_after: u64) -> Reply {
    Reply::json(
        429,
        format!(
            r#"{{"ok":false,"error_code":429,"description":"Too Many Requests: retry after {retry_after}","parameters":{{"retry_after":{retry_after}}}}}"#
        ),
    )
}

/// A server logging every request and answering as `answer` says (`None`: success).
fn server(
    answer: impl Fn(&Request, usize) -> Option<Reply> + Send + Sync + 'static,
) -> (Server, Log) {
    let log: Log = Arc::default();
    let seen = log.clone();
    let server = Server::start(move |request| {
        let body = request.json();
        let mut log = seen.lock().unwrap();
        let n = log.len();
        log.push((
            Instant::now(),
            request.api_method().to_owned(),
            body["chat_id"].as_i64(),
            body["text"].as_str().unwrap_or_default().to_owned(),
        ));
        drop(log);
        answer(request, n).unwrap_or_else(|| match request.api_method() {
            "sendMessage" => sent_message(request),
            _ => Reply::ok("true"),
        })
    });
    (server, log)
}

#[test]
fn a_thousand_messages_to_fifty_chats_stay_within_every_limit() {
    let (server, log) = server(|_, _| None);
    let global = Limit::new(400, Duration::from_secs(1));
    let per_chat = Limit::new(10, Duration::from_secs(1));
    let per_group = Limit::new(8, Duration::from_secs(1));
    let bot = Bot::new("123456:ABC-DEF")
        .with_api_url(server.url())
        .with_flood_control(
            FloodControl::new()
                .global(global)
                .per_chat(per_chat)
                .per_group(per_group),
        );
    // 40 private chats and 10 groups, 20 messages each, from 10 threads: each thread sends to
    // 5 chats, round robin.
    let chats: Vec<i64> = (1..=40)
        .map(|i| 1_000_000 + i)
        .chain((1..=10).map(|i| -1_001_000_000 - i))
        .collect();
    let started = Instant::now();
    std::thread::scope(|scope| {
        for group in chats.chunks(5) {
            let bot = bot.clone();
            scope.spawn(move || {
                for n in 0..20 {
                    for &chat in group {
                        let sent = bot
                            .send_message(chat, format!("{chat} #{n}"))
                            .call()
                            .unwrap();
                        assert_eq!(sent.chat.id, chat);
                    }
                }
            });
        }
    });
    let elapsed = started.elapsed();

    let log = log.lock().unwrap();
    assert_eq!(log.len(), 1000, "every call arrived once");
    let all: Vec<Instant> = log.iter().map(|(t, ..)| *t).collect();
    assert!(most_in_a_window(&all, global.per) <= global.count as usize);
    let mut by_chat: HashMap<i64, Vec<(Instant, String)>> = HashMap::new();
    for (t, _, chat, text) in log.iter() {
        by_chat
            .entry(chat.unwrap())
            .or_default()
            .push((*t, text.clone()));
    }
    assert_eq!(by_chat.len(), 50);
    for (chat, arrivals) in &by_chat {
        let times: Vec<Instant> = arrivals.iter().map(|(t, _)| *t).collect();
        let limit = if *chat < 0 { per_group } else { per_chat };
        assert!(
            most_in_a_window(&times, limit.per) <= limit.count as usize,
            "chat {chat} went over its limit"
        );
        // In order, none lost or repeated.
        let texts: Vec<&str> = arrivals.iter().map(|(_, text)| text.as_str()).collect();
        let expected: Vec<String> = (0..20).map(|n| format!("{chat} #{n}")).collect();
        assert_eq!(texts, expected, "chat {chat}");
    }
    // A group's 20 messages at 8 a second need three windows: the last ones go 2 s after the
    // first.
    assert!(elapsed >= Duration::from_millis(1950), "{elapsed:?}");
}

#[test]
fn a_429_pauses_its_chat_and_the_call_is_sent_again() {
    logs::records();
    // The first message to chat 5 is refused for a second.
    let (server, log) = server(|request, n| {
        (n == 0 && request.json()["chat_id"] == 5).then(|| too_many_requests(1))
    });
    let bot = Bot::new("123456:ABC-DEF")
        .with_api_url(server.url())
        .with_flood_control(FloodControl::new().per_chat(Limit::new(100, Duration::from_secs(1))));
    let started = Instant::now();
    std::thread::scope(|scope| {
        let paused = bot.clone();
        scope.spawn(move || {
            let sent = paused.send_message(5, "first").call().unwrap();
            assert_eq!(sent.text.as_deref(), Some("first"));
            paused.send_message(5, "second").call().unwrap();
        });
        // Another chat is not held up by the pause, once the client has read the 429.
        logs::wait_for_message("requests to chat 5 wait");
        for n in 0..3 {
            bot.send_message(6, format!("other {n}")).call().unwrap();
        }
    });
    let log = log.lock().unwrap();
    let at = |chat: i64, text: &str| {
        log.iter()
            .filter(|(_, _, c, t)| *c == Some(chat) && t == text)
            .map(|(t, ..)| t.duration_since(started))
            .collect::<Vec<_>>()
    };
    let first = at(5, "first");
    assert_eq!(first.len(), 2, "refused once, then sent again");
    assert!(first[1] - first[0] >= Duration::from_secs(1), "{first:?}");
    // The chat's next message waited for the retry.
    assert!(at(5, "second")[0] > first[1]);
    for n in 0..3 {
        let other = at(6, &format!("other {n}"));
        assert_eq!(other.len(), 1);
        assert!(
            other[0] < first[1],
            "chat 6 was not paused: {other:?} vs {first:?}"
        );
    }
}

#[test]
fn a_429_without_a_chat_pauses_everything() {
    logs::records();
    let (server, log) = server(|request, n| {
        (n == 0 && request.api_method() == "answerCallbackQuery").then(|| too_many_requests(1))
    });
    let bot = Bot::new("123456:ABC-DEF")
        .with_api_url(server.url())
        .with_flood_control(FloodControl::new());
    let started = Instant::now();
    std::thread::scope(|scope| {
        let answering = bot.clone();
        scope.spawn(move || assert!(answering.answer_callback_query("42").call().unwrap()));
        logs::wait_for_message("every request waits");
        bot.send_message(7, "during the pause").call().unwrap();
    });
    let log = log.lock().unwrap();
    let message = log.iter().find(|(_, m, ..)| m == "sendMessage").unwrap();
    assert!(message.0.duration_since(started) >= Duration::from_secs(1));
    assert_eq!(log.len(), 3);
}

#[test]
fn a_429_beyond_the_longest_wait_is_returned() {
    let (server, log) = server(|_, _| Some(too_many_requests(3600)));
    let bot = Bot::new("123456:ABC-DEF")
        .with_api_url(server.url())
        .with_flood_control(FloodControl::new().max_wait(Duration::from_secs(5)));
    let error = bot.send_message(1, "hi").call().unwrap_err();
    assert!(error.is_too_many_requests());
    assert_eq!(error.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(log.lock().unwrap().len(), 1);
}

#[test]
fn retries_are_bounded() {
    let (server, log) = server(|_, _| Some(too_many_requests(0)));
    let bot = Bot::new("123456:ABC-DEF")
        .with_api_url(server.url())
        .with_flood_control(FloodControl::new().retries(2));
    let started = Instant::now();
    assert!(
        bot.send_message(1, "hi")
            .call()
            .unwrap_err()
            .is_too_many_requests()
    );
    assert_eq!(
        log.lock().unwrap().len(),
        3,
        "the first attempt and two retries"
    );
    // retry_after 0 still waits the shortest flood wait between attempts.
    assert!(started.elapsed() >= 2 * telegram_api::Retry::MIN_FLOOD_WAIT);
}

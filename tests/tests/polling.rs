//! Long polling and retries against servers that fail the way real networks and proxies do.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use telegram_api::*;
use telegram_api_tests::http::{Reply, Request, Server};
use telegram_api_tests::updates;

const TOKEN: &str = "123456789:AAE-polling-token";

const BAD_GATEWAY: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body>\r\n</html>\r\n";

/// Update `id`: message `id` of chat 42, saying its number.
fn update(id: i64) -> String {
    updates::text(id, 42, &format!("message {id}")).json()
}

/// The faults the server injects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Fault {
    /// The connection is reset before the request is processed.
    Reset,
    /// The request is processed (confirming updates) but the response is lost.
    LostResponse,
    /// Nothing is answered until the client gives up.
    Timeout,
    /// The front proxy answers with an HTML page.
    BadGateway,
    /// The response body is cut short.
    Truncated,
    /// Flood control.
    TooManyRequests,
}

/// A getUpdates server holding `total` updates, confirming as Telegram does (everything below
/// the request's offset), and failing pseudo-randomly.
struct Telegram {
    total: i64,
    confirmed_below: AtomicU64,
    requests: AtomicU64,
    faults: Mutex<Vec<Fault>>,
    floods_left: AtomicUsize,
}

impl Telegram {
    fn answer(&self, r: &Request) -> Reply {
        assert_eq!(r.api_method(), "getUpdates");
        let n = self.requests.fetch_add(1, Ordering::SeqCst);
        // A fixed pseudo-random sequence: the same faults on every run.
        let roll = (n.wrapping_mul(2654435761) >> 7) % 100;
        let fault = match roll {
            0..=5 => Some(Fault::Reset),
            6..=11 => Some(Fault::LostResponse),
            12..=14 => Some(Fault::Timeout),
            15..=20 => Some(Fault::BadGateway),
            21..=24 => Some(Fault::Truncated),
            25..=27 if self.floods_left.load(Ordering::SeqCst) > 0 => {
                self.floods_left.fetch_sub(1, Ordering::SeqCst);
                Some(Fault::TooManyRequests)
            }
            _ => None,
        };
        if let Some(f) = fault {
            self.faults.lock().unwrap().push(f);
        }
        match fault {
            Some(Fault::Reset) => return Reply::Close,
            Some(Fault::Timeout) => return Reply::Stall(Duration::from_secs(2)),
            Some(Fault::BadGateway) => {
                return Reply::Respond {
                    status: 502,
                    headers: vec![("Content-Type".into(), "text/html".into())],
                    body: BAD_GATEWAY.into(),
                };
            }
            Some(Fault::TooManyRequests) => {
                return Reply::json(
                    429,
                    r#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}"#,
                );
            }
            _ => {}
        }
        let params = r.json();
        let offset = params["offset"].as_i64();
        let limit = params["limit"].as_i64().unwrap_or(100);
        if let Some(offset) = offset {
            self.confirmed_below
                .fetch_max(offset.max(0) as u64, Ordering::SeqCst);
        }
        let first = (self.confirmed_below.load(Ordering::SeqCst) as i64).max(1);
        let last = (first + limit - 1).min(self.total);
        let batch: Vec<String> = (first..=last).map(update).collect();
        let body = format!(r#"{{"ok":true,"result":[{}]}}"#, batch.join(","));
        match fault {
            Some(Fault::LostResponse) => Reply::Close,
            Some(Fault::Truncated) => Reply::Truncated {
                status: 200,
                body: body.as_bytes()[..body.len() / 2].to_vec(),
                declared: body.len(),
            },
            _ => Reply::json(200, body),
        }
    }
}

#[test]
fn ten_thousand_updates_through_faults_none_lost_repeated_or_reordered() {
    let telegram = Arc::new(Telegram {
        total: 10_000,
        confirmed_below: AtomicU64::new(0),
        requests: AtomicU64::new(0),
        faults: Mutex::new(Vec::new()),
        floods_left: AtomicUsize::new(2),
    });
    let server = {
        let telegram = telegram.clone();
        Server::start(move |r| telegram.answer(r))
    };
    server.set_recording(false);
    let bot = Bot::new(TOKEN)
        .with_api_url(server.url())
        .with_long_poll_margin(Duration::from_millis(300));
    // What the client saw: (was it a timeout, was it flood control) for each retried failure.
    let retried = Arc::new(Mutex::new(Vec::new()));
    let mut poller = {
        let retried = retried.clone();
        bot.updates()
            .timeout(0)
            .limit(100)
            .backoff(Duration::from_millis(5), Duration::from_millis(40))
            .on_retry(move |e, _| {
                retried
                    .lock()
                    .unwrap()
                    .push((e.is_timeout(), e.is_too_many_requests()));
            })
    };
    let mut received = Vec::with_capacity(10_000);
    for update in poller.by_ref() {
        let update = update.expect("faults are retried, not returned");
        let text = update.message().unwrap().text.clone().unwrap();
        assert_eq!(text, format!("message {}", update.update_id));
        received.push(update.update_id);
        if received.len() == 10_000 {
            break;
        }
    }
    assert_eq!(received, (1..=10_000).collect::<Vec<i64>>());
    poller.confirm().unwrap();
    assert_eq!(telegram.confirmed_below.load(Ordering::SeqCst), 10_001);

    let faults = telegram.faults.lock().unwrap().clone();
    for kind in [
        Fault::Reset,
        Fault::LostResponse,
        Fault::Timeout,
        Fault::BadGateway,
        Fault::Truncated,
        Fault::TooManyRequests,
    ] {
        assert!(faults.contains(&kind), "{kind:?} was never injected");
    }
    // Every injected fault reached the client as a retried failure of its kind. A healthy poll
    // slower than the margin (a loaded machine) is a timeout too: timeouts are counted as at
    // least the injected ones, everything else exactly.
    let retried = retried.lock().unwrap();
    let count = |f: &dyn Fn(&Fault) -> bool| faults.iter().filter(|k| f(k)).count();
    let seen = |f: &dyn Fn(&(bool, bool)) -> bool| retried.iter().filter(|e| f(e)).count();
    assert!(seen(&|e| e.0) >= count(&|k| *k == Fault::Timeout));
    assert_eq!(
        seen(&|e| e.1),
        count(&|k| *k == Fault::TooManyRequests),
        "flood control"
    );
    assert_eq!(
        seen(&|e| !e.0 && !e.1),
        count(&|k| !matches!(k, Fault::Timeout | Fault::TooManyRequests)),
        "resets, lost responses, proxy pages and truncated bodies"
    );
}

#[test]
fn a_stop_ends_the_iteration_and_fatal_errors_are_returned_once() {
    let server = Server::start(|r| match r.path.contains("bad-token") {
        true => Reply::json(
            401,
            r#"{"ok":false,"error_code":401,"description":"Unauthorized"}"#,
        ),
        false => Reply::ok(&format!("[{}]", update(1))),
    });
    let bot = Bot::new(TOKEN).with_api_url(server.url());
    let mut poller = bot.updates().timeout(0);
    let stop = poller.stop_handle();
    let first = poller.next().unwrap().unwrap();
    assert_eq!(first.update_id, 1);
    stop.stop();
    assert!(poller.next().is_none());
    assert!(poller.next().is_none());
    // Stopping sends nothing more: update 1 is confirmed by the next poll or by confirm().
    assert_eq!(server.requests().len(), 1);

    let bad = Bot::new("bad-token").with_api_url(server.url());
    let mut poller = bad.updates().timeout(0);
    let e = poller.next().unwrap().unwrap_err();
    assert!(e.is_unauthorized(), "{e:?}");
    assert!(poller.next().is_none());
}

#[test]
fn allowed_updates_limit_and_offset_are_sent() {
    let server = Server::start(|_| Reply::ok(&format!("[{},{}]", update(41), update(42))));
    let bot = Bot::new(TOKEN).with_api_url(server.url());
    let mut poller = bot
        .updates()
        .timeout(25)
        .limit(2)
        .offset(41)
        .allowed_updates([UpdateType::Message, UpdateType::CallbackQuery]);
    assert_eq!(poller.next().unwrap().unwrap().update_id, 41);
    assert_eq!(poller.next().unwrap().unwrap().update_id, 42);
    assert_eq!(poller.next_offset(), Some(43));
    let first = server.requests()[0].json();
    assert_eq!(
        first,
        serde_json::json!({"offset": 41, "limit": 2, "timeout": 25,
                           "allowed_updates": ["message", "callback_query"]})
    );
}

#[test]
fn retry_is_off_by_default_and_opt_in_per_bot_or_call() {
    // Each request fails once (flood control, then a reset), then succeeds.
    let calls = Arc::new(AtomicUsize::new(0));
    let server = {
        let calls = calls.clone();
        Server::start(move |_| match calls.fetch_add(1, Ordering::SeqCst) % 3 {
            0 => Reply::json(
                429,
                r#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}"#,
            ),
            1 => Reply::Close,
            _ => {
                Reply::ok(r#"{"message_id":1,"date":1700000000,"chat":{"id":42,"type":"private"}}"#)
            }
        })
    };
    let bot = Bot::new(TOKEN).with_api_url(server.url());
    // Off by default: the first failure is returned.
    let e = bot.send_message(42, "hi").call().unwrap_err();
    assert!(e.is_too_many_requests());
    let e = bot.send_message(42, "hi").call().unwrap_err();
    assert!(e.is_transport());
    assert!(bot.send_message(42, "hi").call().is_ok());

    // Flood control alone does not retry a reset.
    let e = bot
        .send_message(42, "hi")
        .retry(Retry::flood_control())
        .call()
        .unwrap_err();
    assert!(e.is_transport(), "{e:?}");
    assert_eq!(calls.load(Ordering::SeqCst), 5);

    // With transient failures allowed, the call survives both.
    calls.store(0, Ordering::SeqCst);
    let bot = bot.with_retry(
        Retry::flood_control()
            .transient(true)
            .backoff(Duration::from_millis(10), Duration::from_millis(10)),
    );
    let started = std::time::Instant::now();
    let sent = bot.send_message(42, "hi").call().unwrap();
    assert_eq!(sent.message_id, 1);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "retry_after was honoured"
    );
}

/// A getUpdates server holding updates 1 to 5, confirming as Telegram does.
fn five_updates() -> Server {
    let confirmed = Arc::new(AtomicU64::new(1));
    Server::start(move |r| {
        if let Some(offset) = r.json()["offset"].as_i64() {
            confirmed.fetch_max(offset.max(1) as u64, Ordering::SeqCst);
        }
        let first = confirmed.load(Ordering::SeqCst) as i64;
        let batch: Vec<String> = (first..=5).map(update).collect();
        Reply::json(
            200,
            format!(r#"{{"ok":true,"result":[{}]}}"#, batch.join(",")),
        )
    })
}

#[test]
fn an_explicitly_confirming_poller_hands_out_batches_once_and_confirms_what_it_is_told() {
    let server = five_updates();
    let bot = Bot::new(TOKEN).with_api_url(server.url());
    let mut poller = bot
        .updates()
        .timeout(0)
        .idle_backoff(Duration::from_secs(5), Duration::from_secs(5))
        .confirm_explicitly();
    let ids = |batch: Vec<Update>| batch.iter().map(|u| u.update_id).collect::<Vec<_>>();
    let first = poller.next_batch().unwrap().unwrap();
    assert_eq!(ids(first), [1, 2, 3, 4, 5]);
    assert_eq!(poller.next_offset(), None, "handing out confirms nothing");

    // The updates come back unconfirmed: not handed out again, and no pause (the server did
    // not come back too early: it holds updates waiting for their confirmation).
    let started = std::time::Instant::now();
    assert!(poller.next_batch().unwrap().unwrap().is_empty());
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );

    poller.confirm_to(4);
    poller.confirm_to(2);
    assert_eq!(poller.next_offset(), Some(4), "confirmed stays confirmed");
    assert!(poller.next_batch().unwrap().unwrap().is_empty());
    let offsets: Vec<_> = server
        .requests()
        .iter()
        .map(|r| r.json()["offset"].as_i64())
        .collect();
    assert_eq!(offsets, [None, None, Some(4)]);
}

#[test]
fn a_batch_poller_returns_a_transient_failure_and_waits_it_out_on_the_next_call() {
    let server = Server::start(|_| Reply::Respond {
        status: 502,
        headers: vec![("Content-Type".into(), "text/html".into())],
        body: BAD_GATEWAY.into(),
    });
    let bot = Bot::new(TOKEN).with_api_url(server.url());
    let retried = Arc::new(AtomicUsize::new(0));
    let mut poller = {
        let retried = retried.clone();
        bot.updates()
            .timeout(0)
            .backoff(Duration::from_millis(300), Duration::from_millis(300))
            .on_retry(move |_, _| {
                retried.fetch_add(1, Ordering::SeqCst);
            })
    };
    let started = std::time::Instant::now();
    let e = poller.next_batch().unwrap().unwrap_err();
    assert!(e.is_transient(), "{e}");
    assert!(started.elapsed() < Duration::from_millis(300));
    assert_eq!(poller.retry_wait(), Some(Duration::from_millis(300)));
    assert_eq!(retried.load(Ordering::SeqCst), 1);
    assert!(poller.next_batch().unwrap().is_err());
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(server.count(), 2);
}

#[test]
fn a_prompt_poller_abandons_a_long_poll_when_stopped() {
    let server = Server::start(|_| Reply::Stall(Duration::from_secs(10)));
    let bot = Bot::new(TOKEN).with_api_url(server.url());
    let stop = StopHandle::default();
    let mut poller = bot
        .updates()
        .timeout(10)
        .stop_promptly()
        .stopped_by(stop.clone());
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        stop.stop();
    });
    let started = std::time::Instant::now();
    assert!(poller.next_batch().is_none());
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(poller.next().is_none());
    stopper.join().unwrap();
}

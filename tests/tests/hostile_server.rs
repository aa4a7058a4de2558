//! Polling and calls against servers that misbehave: batches out of order, items that are not
//! updates, absurd `retry_after` values, answers that do not long-poll, redirects.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use telegram_api::*;
use telegram_api_tests::http::{Conn, Request, Server};
use telegram_api_tests::{logs, updates};

const TOKEN: &str = "123456789:AAE-secret-TOKEN_value";

/// Update `id`: message `id` of chat 42.
fn update(id: i64) -> Value {
    updates::text(id, 42, &format!("m{id}")).value()
}

/// The `offset` of a getUpdates request.
fn offset(conn: &mut Conn) -> Option<i64> {
    let body = conn.body().ok()?;
    serde_json::from_slice::<Value>(&body).ok()?["offset"].as_i64()
}

/// A server answering each getUpdates with the next of `batches` (then `[]`), recording the
/// offsets asked for.
fn batches(batches: Vec<Value>) -> (Server, Arc<Mutex<Vec<Option<i64>>>>) {
    let offsets = Arc::new(Mutex::new(Vec::new()));
    let seen = offsets.clone();
    let next = AtomicUsize::new(0);
    let server = Server::start_raw(move |_: &Request, conn: &mut Conn| {
        seen.lock().unwrap().push(offset(conn));
        let i = next.fetch_add(1, Ordering::SeqCst);
        let batch = batches.get(i).cloned().unwrap_or_else(|| json!([]));
        conn.ok(&batch.to_string())
    });
    (server, offsets)
}

fn bot(server: &Server) -> Bot {
    Bot::new(TOKEN).with_api_url(server.url())
}

#[test]
fn a_batch_out_of_order_is_handed_out_in_order_and_confirmed_only_as_handed_out() {
    let (server, offsets) = batches(vec![json!([update(5), update(3), update(4), update(3)])]);
    let mut poller = bot(&server).updates().timeout(0);
    let first = poller.next().unwrap().unwrap();
    assert_eq!(first.update_id, 3);
    // Confirming now confirms 3 only: 4 and 5 were not handed out.
    poller.confirm().unwrap();
    assert_eq!(offsets.lock().unwrap().last(), Some(&Some(4)));
    let rest: Vec<i64> = (0..2)
        .map(|_| poller.next().unwrap().unwrap().update_id)
        .collect();
    assert_eq!(rest, [4, 5]);
    poller.confirm().unwrap();
    assert_eq!(offsets.lock().unwrap().last(), Some(&Some(6)));
}

#[test]
fn an_item_without_update_id_is_skipped_reported_and_passed() {
    let broken = json!({"message": {"message_id": 8, "date": 1700000000,
        "chat": {"id": 42, "type": "private"}}});
    let (server, offsets) = batches(vec![
        json!([update(9), broken, update(7)]),
        json!([{"update_id": "ten"}]),
        json!([update(11)]),
    ]);
    let skipped = Arc::new(Mutex::new(Vec::new()));
    let mut poller = {
        let skipped = skipped.clone();
        bot(&server)
            .updates()
            .timeout(0)
            .idle_backoff(Duration::from_millis(10), Duration::from_millis(10))
            .on_skipped(move |e| skipped.lock().unwrap().push(e.to_string()))
    };
    let ids: Vec<i64> = (0..3)
        .map(|_| poller.next().unwrap().unwrap().update_id)
        .collect();
    assert_eq!(ids, [7, 9, 11]);
    let offsets = offsets.lock().unwrap().clone();
    assert_eq!(offsets, [None, Some(10), Some(10)]);
    let skipped = skipped.lock().unwrap();
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert!(
        skipped[0].contains("result[1]") && skipped[0].contains("no update_id"),
        "{}",
        skipped[0]
    );
    assert!(
        skipped[1].contains("update_id is not an integer"),
        "{}",
        skipped[1]
    );
}

#[test]
fn an_undecodable_update_is_handed_out_and_logged() {
    logs::records();
    // A callback query without `chat_instance`, as a third-party server sends it.
    let press = json!({"update_id": 424242, "callback_query": {"id": "1",
        "from": {"id": 2, "is_bot": false, "first_name": "A"}, "data": "yes"}});
    let (server, _) = batches(vec![json!([press, update(424243)])]);
    let mut poller = bot(&server).updates().timeout(0);
    let salvaged = poller.next().unwrap().unwrap();
    assert_eq!(salvaged.update_id, 424242);
    let failed = salvaged.undecoded().expect("flagged as not decoded");
    assert_eq!(failed.name, "callback_query");
    assert_eq!(failed.value["data"], "yes");
    assert!(salvaged.decode_error().unwrap().contains("chat_instance"));
    let fine = poller.next().unwrap().unwrap();
    assert!(fine.undecoded().is_none() && fine.message().is_some());
    let warnings: Vec<String> = logs::records()
        .entries()
        .into_iter()
        .filter(|r| r.level == log::Level::Warn)
        .map(|r| r.message)
        .collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("update 424242") && w.contains("callback_query")),
        "{warnings:?}"
    );
    assert!(!warnings.iter().any(|w| w.contains("update 424243")));
}

#[test]
fn a_server_that_does_not_long_poll_is_not_hammered() {
    let (server, _) = batches(vec![]);
    let poller = bot(&server).updates(); // 30-second polls, answered at once
    let stop = poller.stop_handle();
    let thread = std::thread::spawn(move || poller.count());
    let heads = server.wait_for_requests(4);
    stop.stop();
    assert_eq!(thread.join().unwrap(), 0);
    // Pauses of 100, 200, 400 ms: the fourth request 700 ms after the first, not at once.
    let gaps: Vec<Duration> = heads.windows(2).map(|w| w[1].at - w[0].at).collect();
    assert!(gaps[0] >= Duration::from_millis(100), "{gaps:?}");
    assert!(
        gaps.windows(2).all(|g| g[1] > g[0]),
        "the pause grows: {gaps:?}"
    );
}

/// A server answering every request with a 429 carrying this `retry_after`.
fn flood(retry_after: Value) -> Server {
    Server::start_raw(move |_, conn| {
        conn.body()?;
        conn.json(
            429,
            &json!({"ok": false, "error_code": 429,
                "description": "Too Many Requests: retry later",
                "parameters": {"retry_after": retry_after}})
            .to_string(),
        )
    })
}

/// The wait the poller chose after the first failure against `server`.
fn first_wait(server: &Server) -> Duration {
    let waits = Arc::new(Mutex::new(Vec::new()));
    let poller = bot(server).updates().timeout(0);
    let stop = poller.stop_handle();
    let poller = {
        let waits = waits.clone();
        poller.on_retry(move |_, wait| {
            waits.lock().unwrap().push(wait);
            stop.stop();
        })
    };
    let started = Instant::now();
    assert_eq!(poller.count(), 0);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the stop cut the wait short"
    );
    let waits = waits.lock().unwrap();
    assert_eq!(waits.len(), 1);
    waits[0]
}

#[test]
fn retry_after_beyond_any_duration_is_capped() {
    assert_eq!(first_wait(&flood(json!(i64::MAX))), Poller::MAX_POLL_WAIT);
    assert_eq!(first_wait(&flood(json!(0))), Retry::MIN_FLOOD_WAIT);
    // A call retrying flood control gives up on a wait past its bound, at once.
    let server = flood(json!(i64::MAX));
    let started = Instant::now();
    let e = bot(&server)
        .with_retry(Retry::flood_control())
        .get_me()
        .call()
        .unwrap_err();
    assert!(e.is_too_many_requests(), "{e:?}");
    assert!(e.to_string().contains("retry after"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(server.count(), 1);
}

#[test]
fn retry_after_zero_still_waits() {
    let server = flood(json!(0));
    let e = bot(&server)
        .with_retry(Retry::flood_control().attempts(1))
        .get_me()
        .call()
        .unwrap_err();
    assert!(e.is_too_many_requests(), "{e:?}");
    let heads = server.requests();
    assert_eq!(heads.len(), 2);
    let gap = heads[1].at - heads[0].at;
    assert!(
        gap >= Retry::MIN_FLOOD_WAIT - Duration::from_millis(50),
        "{gap:?}"
    );
}

#[test]
fn redirects_are_not_followed() {
    let elsewhere = Server::start_raw(|_, conn| {
        conn.body()?;
        conn.ok(r#"{"id": 1, "is_bot": true, "first_name": "Impostor"}"#)
    });
    let target = format!("{}/bot{TOKEN}/getMe", elsewhere.url());
    let server = Server::start_raw(move |_, conn| {
        conn.body()?;
        conn.head(302, &[("Location", &target), ("Content-Length", "0")])
    });
    let e = bot(&server).get_me().call().unwrap_err();
    assert!(
        matches!(e, Error::InvalidResponse { status: 302, .. }),
        "{e:?}"
    );
    assert_eq!(elsewhere.count(), 0);
}

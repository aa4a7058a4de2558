//! `telegram_api::ext` receiving by long polling from a loopback fake Bot API server whose
//! `getUpdates` honours `offset` as Telegram does (an offset confirms every update below it,
//! for good): delivery, confirmation only after handling, stopping, and a SIGKILL mid-stream.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use telegram_api::Bot;
use telegram_api::ext::{Application, ApplicationBuilder, Context, Handler};
use telegram_api_tests::fake_api::FakeApi;
use telegram_api_tests::http::{Reply, Server};
use telegram_api_tests::updates;
use telegram_api_tests::wait::{Log, wait_until};

/// Message `seq` of chat `chat`, saying its number.
fn message_update(id: i64, chat: i64, seq: i64) -> String {
    updates::text(id, chat, &seq.to_string())
        .message_id(seq)
        .json()
}

#[test]
fn polling_handles_everything_once_in_order_and_confirms_it() {
    let mut updates = Vec::new();
    for i in 0..90 {
        let id = 1000 + i;
        updates.push((id, message_update(id, 1 + i % 3, i / 3)));
    }
    let api = FakeApi::start(updates);
    // The chat and the id of each update handled.
    let seen: Arc<Log<(i64, i64)>> = Arc::default();
    let app = {
        let seen = seen.clone();
        Application::builder(Bot::new("1:T").with_api_url(api.server.url()))
            .workers(4)
            .poll_limit(20)
            .poll_timeout(1)
            .handle_signals(false)
            .handler(Handler::update(
                |_| true,
                move |ctx: &Context| {
                    std::thread::sleep(Duration::from_millis(
                        ctx.update().unwrap().update_id as u64 % 4,
                    ));
                    let chat = ctx.effective_chat().unwrap().id;
                    seen.push((chat, ctx.update().unwrap().update_id));
                    Ok::<_, std::io::Error>(())
                },
            ))
            .build()
    };
    let stop = app.stop_handle();
    let runner = std::thread::spawn(move || app.run_polling());
    seen.wait_for_within(Duration::from_secs(20), "every update handled", |seen| {
        seen.len() >= 90
    });
    stop.stop();
    runner.join().unwrap().unwrap();
    let seen = seen.entries();
    for chat in 1..=3 {
        let want: Vec<i64> = (0..90)
            .filter(|i| 1 + i % 3 == chat)
            .map(|i| 1000 + i)
            .collect();
        let got: Vec<i64> = seen
            .iter()
            .filter(|(c, _)| *c == chat)
            .map(|(_, id)| *id)
            .collect();
        assert_eq!(got, want, "chat {chat}");
    }
    // Everything handled was confirmed when stopping.
    assert_eq!(api.confirmed(), 1090);
}

#[test]
fn an_update_is_confirmed_only_after_it_was_handled() {
    let updates = (1..=6).map(|id| (id, message_update(id, id, 1))).collect();
    let api = FakeApi::start(updates);
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let release_rx = Mutex::new(release_rx);
    let done: Arc<Log<i64>> = Arc::default();
    let app = {
        let done = done.clone();
        Application::builder(Bot::new("1:T").with_api_url(api.server.url()))
            .workers(4)
            .poll_timeout(1)
            .handle_signals(false)
            .handler(Handler::update(
                |_| true,
                move |ctx: &Context| {
                    if ctx.update().unwrap().update_id == 3 {
                        // Update 3 waits until the test lets it go.
                        release_rx.lock().unwrap().recv().unwrap();
                    }
                    done.push(ctx.update().unwrap().update_id);
                    Ok::<_, std::io::Error>(())
                },
            ))
            .build()
    };
    let stop = app.stop_handle();
    let runner = std::thread::spawn(move || app.run_polling());
    done.wait_len(5);
    // 1, 2, 4, 5, 6 are done, 3 is not: nothing from 3 on may be confirmed. The polls that
    // come after all five were handled are where a confirmation would show.
    let polls = api.offsets.len();
    api.offsets.wait_len(polls + 2);
    assert_eq!(api.confirmed(), 3);
    release_tx.send(()).unwrap();
    api.wait_confirmed(7, Duration::from_secs(10));
    assert_eq!(api.confirmed(), 7);
    stop.stop();
    runner.join().unwrap().unwrap();
}

#[test]
fn stop_during_a_long_poll_returns_promptly() {
    let api = FakeApi::start(Vec::new());
    let app = Application::builder(Bot::new("1:T").with_api_url(api.server.url()))
        .poll_timeout(30)
        .handle_signals(false)
        .handler(Handler::update(
            |_| true,
            |_: &Context| Ok::<_, std::io::Error>(()),
        ))
        .build();
    let stop = app.stop_handle();
    let runner = std::thread::spawn(move || app.run_polling());
    // The long poll has begun.
    api.server.wait_for_requests(1);
    let asked = Instant::now();
    stop.stop();
    runner.join().unwrap().unwrap();
    assert!(
        asked.elapsed() < Duration::from_secs(2),
        "{:?}",
        asked.elapsed()
    );
}

#[test]
fn a_fatal_error_ends_polling_with_it() {
    let server = Server::start(|_| {
        Reply::json(
            401,
            r#"{"ok":false,"error_code":401,"description":"Unauthorized"}"#,
        )
    });
    let app = Application::builder(Bot::new("1:T").with_api_url(server.url()))
        .handle_signals(false)
        .build();
    let e = app.run_polling().unwrap_err();
    assert!(e.to_string().contains("Unauthorized"), "{e}");
}

fn read_ids(path: &std::path::Path) -> Vec<i64> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

#[test]
fn a_sigkill_mid_stream_loses_nothing_and_redelivers_only_what_was_in_flight() {
    const TOTAL: i64 = 300;
    const LIMIT: i64 = 10; // the bot's poll_limit
    let updates = (1..=TOTAL)
        .map(|id| (id, message_update(id, 1 + id % 10, id)))
        .collect();
    let api = FakeApi::start(updates);
    let dir = std::env::temp_dir().join(format!("ext-crash-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (log1, log2) = (dir.join("run1"), dir.join("run2"));
    let _ = std::fs::remove_file(&log1);
    let _ = std::fs::remove_file(&log2);
    let spawn = |log: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_ext_crash_bot"))
            .env("TELEGRAM_API_URL", api.server.url())
            .env("EXT_CRASH_LOG", log)
            .spawn()
            .expect("start the bot")
    };

    let mut child = spawn(&log1);
    wait_until(Duration::from_secs(30), "100 updates handled", || {
        read_ids(&log1).len() >= 100
    });
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let confirmed = api.confirmed();
    let run1: BTreeSet<i64> = read_ids(&log1).into_iter().collect();
    assert!(confirmed > 1 && confirmed <= TOTAL, "{confirmed}");
    // Confirmed means handled: every update below the offset Telegram got was handled.
    for id in 1..confirmed {
        assert!(
            run1.contains(&id),
            "update {id} was confirmed but never handled"
        );
    }

    let mut child = spawn(&log2);
    wait_until(
        Duration::from_secs(30),
        "the rest handled by the second run",
        || {
            let run2: BTreeSet<i64> = read_ids(&log2).into_iter().collect();
            (1..=TOTAL).all(|id| run1.contains(&id) || run2.contains(&id))
        },
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let run2: Vec<i64> = read_ids(&log2);
    let run2_set: BTreeSet<i64> = run2.iter().copied().collect();
    assert_eq!(
        run2.len(),
        run2_set.len(),
        "an update was handled twice in one run"
    );
    let again: Vec<i64> = run1.intersection(&run2_set).copied().collect();
    // Only updates handled after the last confirmation, within the one window of updates
    // fetched then, came again.
    for id in &again {
        assert!(
            (confirmed..confirmed + LIMIT).contains(id),
            "update {id} delivered again, confirmed offset was {confirmed}"
        );
    }
    assert!(run2_set.iter().all(|id| *id >= confirmed));
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!(
        "killed after {} handled, offset {confirmed}; {} handled again",
        run1.len(),
        again.len()
    );
}

#[cfg(unix)]
#[test]
fn sigterm_stops_gracefully_and_confirms_what_was_handled() {
    let updates = (1..=300)
        .map(|id| (id, message_update(id, 1 + id % 10, id)))
        .collect();
    let api = FakeApi::start(updates);
    let log = std::env::temp_dir().join(format!("ext-sigterm-{}", std::process::id()));
    let _ = std::fs::remove_file(&log);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ext_crash_bot"))
        .env("TELEGRAM_API_URL", api.server.url())
        .env("EXT_CRASH_LOG", &log)
        .spawn()
        .expect("start the bot");
    wait_until(Duration::from_secs(30), "50 updates handled", || {
        read_ids(&log).len() >= 50
    });
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let mut status = None;
    wait_until(
        Duration::from_secs(10),
        "the bot stopped on SIGTERM",
        || {
            status = child.try_wait().unwrap();
            status.is_some()
        },
    );
    let status = status.unwrap();
    assert!(status.success(), "{status}");
    let handled: BTreeSet<i64> = read_ids(&log).into_iter().collect();
    let confirmed = api.confirmed();
    let _ = std::fs::remove_file(&log);
    // Stopping finished the handlers in flight and confirmed exactly what was handled.
    assert_eq!(handled, (1..confirmed).collect::<BTreeSet<i64>>());
}

#[test]
fn an_update_that_does_not_decode_reaches_the_error_handler() {
    let good = message_update(2, 7, 1);
    let server = Server::start(move |req| match req.api_method() {
        "getUpdates" if req.json()["offset"].as_i64().unwrap_or(0) <= 1 => Reply::ok(&format!(
            r#"[{{"update_id": 1, "message": {{"message_id": 1, "date": 1, "chat": "not a chat"}}}}, {good}]"#
        )),
        "getUpdates" => {
            std::thread::sleep(Duration::from_millis(50));
            Reply::ok("[]")
        }
        m => panic!("unexpected {m}"),
    });
    let errors: Arc<Log<String>> = Arc::default();
    let handled: Arc<Log<i64>> = Arc::default();
    let app = {
        let (errors, handled) = (errors.clone(), handled.clone());
        Application::builder(Bot::new("1:T").with_api_url(server.url()))
            .handle_signals(false)
            .poll_timeout(0)
            .handler(Handler::message(
                telegram_api::ext::Filter::new(|_| true),
                move |ctx: &Context| {
                    handled.push(ctx.update().unwrap().update_id);
                    Ok::<_, std::io::Error>(())
                },
            ))
            .error_handler(move |ctx, e| {
                errors.push(format!("{} {e}", ctx.update().map_or(0, |u| u.update_id)));
            })
            .build()
    };
    let stop = app.stop_handle();
    let runner = std::thread::spawn(move || app.run_polling());
    handled.wait_len(1);
    errors.wait_len(1);
    stop.stop();
    runner.join().unwrap().unwrap();
    assert_eq!(handled.entries(), [2]);
    let errors = errors.entries();
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].starts_with("1 undecodable update: message:"),
        "{}",
        errors[0]
    );
}

#[test]
fn a_server_that_does_not_long_poll_is_not_flooded_and_batches_run_in_order() {
    let polls = Arc::new(AtomicI64::new(0));
    let server = {
        let polls = polls.clone();
        Server::start(move |req| {
            assert_eq!(req.api_method(), "getUpdates");
            let n = polls.fetch_add(1, Ordering::SeqCst);
            // The first answer is out of order; every answer comes at once, whatever `timeout`.
            if n == 0 {
                Reply::ok(&format!(
                    "[{}, {}, {}]",
                    message_update(12, 1, 2),
                    message_update(10, 1, 0),
                    message_update(11, 1, 1)
                ))
            } else {
                Reply::ok("[]")
            }
        })
    };
    let seen = Arc::new(Mutex::new(Vec::new()));
    let app = {
        let seen = seen.clone();
        Application::builder(Bot::new("1:T").with_api_url(server.url()))
            .poll_timeout(30)
            .handle_signals(false)
            .handler(Handler::update(
                |_| true,
                move |ctx: &Context| {
                    seen.lock().unwrap().push(ctx.update().unwrap().update_id);
                    Ok::<_, telegram_api::Error>(())
                },
            ))
            .build()
    };
    let stop = app.stop_handle();
    let stopper = std::thread::spawn(move || {
        // The window the polls are counted in: a length of time, not an event to wait for.
        std::thread::sleep(Duration::from_secs(2));
        stop.stop();
    });
    app.run_polling().unwrap();
    stopper.join().unwrap();
    assert_eq!(*seen.lock().unwrap(), [10, 11, 12]);
    // Pauses of 100 ms doubling to 5 s: a handful of polls in 2 s, not thousands.
    let n = polls.load(Ordering::SeqCst);
    assert!((2..=12).contains(&n), "{n} polls in 2 s");
}

#[test]
fn an_item_without_update_id_is_reported_and_polling_goes_past_it() {
    let server = {
        let (first, second) = (message_update(5, 7, 1), message_update(6, 7, 2));
        Server::start(move |req| {
            assert_eq!(req.api_method(), "getUpdates");
            let offset = req.json()["offset"].as_i64().unwrap_or(0);
            if offset <= 5 {
                // The middle item is not an update: its batch used to fail every time.
                Reply::ok(&format!(
                    r#"[{first}, {{"message": {{"message_id": 9, "date": 1, "chat": {{"id": 7, "type": "private"}}}}}}, {second}]"#
                ))
            } else {
                std::thread::sleep(Duration::from_millis(50));
                Reply::ok("[]")
            }
        })
    };
    let errors: Arc<Mutex<Vec<String>>> = Arc::default();
    let handled: Arc<Mutex<Vec<i64>>> = Arc::default();
    let app = {
        let (errors, handled) = (errors.clone(), handled.clone());
        Application::builder(Bot::new("1:T").with_api_url(server.url()))
            .handle_signals(false)
            .poll_timeout(0)
            .handler(Handler::update(
                |_| true,
                move |ctx: &Context| {
                    handled
                        .lock()
                        .unwrap()
                        .push(ctx.update().unwrap().update_id);
                    Ok::<_, std::io::Error>(())
                },
            ))
            .error_handler(move |ctx, e| {
                let kind = ctx
                    .update()
                    .and_then(|u| u.undecoded())
                    .map(|u| u.name.clone());
                errors.lock().unwrap().push(format!(
                    "{} {kind:?} {e}",
                    ctx.update().map_or(0, |u| u.update_id)
                ));
            })
            .build()
    };
    let stop = app.stop_handle();
    let runner = std::thread::spawn(move || app.run_polling());
    server.wait_for("a poll past the batch", |requests| {
        requests.iter().any(|r| r.json()["offset"] == 7)
    });
    stop.stop();
    runner.join().unwrap().unwrap();
    assert_eq!(*handled.lock().unwrap(), [5, 6]);
    let errors = errors.lock().unwrap();
    assert!(!errors.is_empty());
    for error in errors.iter() {
        assert!(
            error.starts_with(
                "0 None undecodable update: getUpdates: cannot decode result[1]: skipped, not an update (no update_id)"
            ),
            "{error}"
        );
    }
}

#[test]
fn a_failing_get_updates_reaches_the_error_handler_and_polling_goes_on() {
    // Every other answer is a 502 until the update is delivered.
    let calls = Arc::new(AtomicI64::new(0));
    let server = {
        let (calls, update) = (calls.clone(), message_update(5, 7, 1));
        Server::start(move |req| {
            assert_eq!(req.api_method(), "getUpdates");
            let n = calls.fetch_add(1, Ordering::SeqCst);
            let offset = req.json()["offset"].as_i64().unwrap_or(0);
            if n % 2 == 0 {
                Reply::json(502, "<html><body>Bad Gateway</body></html>")
            } else if offset <= 5 {
                Reply::ok(&format!("[{update}]"))
            } else {
                Reply::ok("[]")
            }
        })
    };
    let errors: Arc<Log<String>> = Arc::default();
    let handled: Arc<Log<i64>> = Arc::default();
    let app = {
        let (errors, handled) = (errors.clone(), handled.clone());
        Application::builder(Bot::new("1:T").with_api_url(server.url()))
            .handle_signals(false)
            .poll_timeout(0)
            .handler(Handler::update(
                |_| true,
                move |ctx: &Context| {
                    handled.push(ctx.update().unwrap().update_id);
                    Ok::<_, std::io::Error>(())
                },
            ))
            .error_handler(move |ctx, e| {
                errors.push(format!("{} {e}", ctx.update().map_or(0, |u| u.update_id)));
            })
            .build()
    };
    let stop = app.stop_handle();
    let runner = std::thread::spawn(move || app.run_polling());
    handled.wait_for("the update handled", |h| h == [5]);
    errors.wait_for("two failures reported", |e| e.len() >= 2);
    stop.stop();
    runner.join().unwrap().unwrap();
    for error in errors.entries() {
        assert!(
            error.starts_with("0 receiving updates failed: getUpdates: HTTP 502"),
            "{error}"
        );
        assert!(error.contains("502"), "{error}");
    }
}

#[test]
fn a_webhook_left_set_is_deleted_and_polling_takes_over() {
    // Telegram refuses getUpdates while a webhook is set, until deleteWebhook.
    let webhook = Arc::new(Mutex::new(true));
    let server = {
        let (webhook, update) = (webhook.clone(), message_update(5, 7, 1));
        Server::start(move |req| match req.api_method() {
            "getUpdates" if *webhook.lock().unwrap() => Reply::json(
                409,
                r#"{"ok":false,"error_code":409,"description":"Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}"#,
            ),
            "getUpdates" if req.json()["offset"].as_i64().unwrap_or(0) <= 5 => {
                Reply::ok(&format!("[{update}]"))
            }
            "getUpdates" => Reply::ok("[]"),
            "deleteWebhook" => {
                assert_ne!(req.json()["drop_pending_updates"], true);
                *webhook.lock().unwrap() = false;
                Reply::ok("true")
            }
            m => panic!("unexpected {m}"),
        })
    };
    let handled: Arc<Log<i64>> = Arc::default();
    let app = logging(&server, &handled, |b| b);
    let stop = app.stop_handle();
    let runner = std::thread::spawn(move || app.run_polling());
    handled.wait_for("the update handled", |h| h == [5]);
    stop.stop();
    runner.join().unwrap().unwrap();
    let methods: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.api_method().to_owned())
        .collect();
    assert_eq!(methods[..3], ["getUpdates", "deleteWebhook", "getUpdates"]);
}

#[test]
fn pending_updates_are_dropped_at_start_when_asked() {
    // Update 5 waits at Telegram until deleteWebhook drops it.
    let pending = Arc::new(Mutex::new(true));
    let server = {
        let (pending, update) = (pending.clone(), message_update(5, 7, 1));
        Server::start(move |req| match req.api_method() {
            "deleteWebhook" => {
                assert_eq!(req.json()["drop_pending_updates"], true);
                *pending.lock().unwrap() = false;
                Reply::ok("true")
            }
            "getUpdates" if *pending.lock().unwrap() => Reply::ok(&format!("[{update}]")),
            "getUpdates" => Reply::ok("[]"),
            m => panic!("unexpected {m}"),
        })
    };
    let handled: Arc<Log<i64>> = Arc::default();
    let app = logging(&server, &handled, |b| b.drop_pending_updates(true));
    let stop = app.stop_handle();
    let runner = std::thread::spawn(move || app.run_polling());
    server.wait_for("two polls", |requests| {
        requests
            .iter()
            .filter(|r| r.api_method() == "getUpdates")
            .count()
            >= 2
    });
    stop.stop();
    runner.join().unwrap().unwrap();
    assert!(handled.entries().is_empty());
    let methods: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.api_method().to_owned())
        .collect();
    assert_eq!(methods[..2], ["deleteWebhook", "getUpdates"]);
}

/// An application polling `server` without waiting (no long poll, no signal handling), set up
/// further by `configure`, that logs the id of each update it handles in `handled`.
fn logging(
    server: &Server,
    handled: &Arc<Log<i64>>,
    configure: impl FnOnce(ApplicationBuilder) -> ApplicationBuilder,
) -> Application {
    let handled = handled.clone();
    let builder = Application::builder(Bot::new("1:T").with_api_url(server.url()))
        .handle_signals(false)
        .poll_timeout(0)
        .handler(Handler::update(
            |_| true,
            move |ctx: &Context| {
                handled.push(ctx.update().unwrap().update_id);
                Ok::<_, std::io::Error>(())
            },
        ));
    configure(builder).build()
}

#[test]
fn the_poll_backoff_and_idle_backoff_are_the_builders() {
    // (what the server answers, the builder's settings): one request in the first second.
    type Configure = fn(ApplicationBuilder) -> ApplicationBuilder;
    let cases: [(bool, Configure); 2] = [
        (true, |b| {
            b.poll_backoff(Duration::from_secs(2), Duration::from_secs(2))
        }),
        (false, |b| {
            b.poll_idle_backoff(Duration::from_secs(2), Duration::from_secs(2))
        }),
    ];
    for (fail, configure) in cases {
        let server = Server::start(move |_| {
            if fail {
                Reply::json(502, "<html><body>Bad Gateway</body></html>")
            } else {
                Reply::ok("[]")
            }
        });
        let builder = Application::builder(Bot::new("1:T").with_api_url(server.url()))
            .handle_signals(false)
            .poll_timeout(0);
        let app = configure(builder).build();
        let stop = app.stop_handle();
        let runner = std::thread::spawn(move || app.run_polling());
        std::thread::sleep(Duration::from_secs(1));
        assert_eq!(server.count(), 1, "fail: {fail}");
        let stopped = Instant::now();
        stop.stop();
        runner.join().unwrap().unwrap();
        assert!(
            stopped.elapsed() < Duration::from_millis(500),
            "fail: {fail}"
        );
    }
}

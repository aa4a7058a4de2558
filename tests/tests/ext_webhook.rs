//! `Application::run_webhook`: setWebhook with the secret and the allowed updates, 200 and the
//! ordered pool for good requests, 403 for a wrong secret, 400 for a body that is not an update.

use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use telegram_api::ext::{Application, Context, Handler, RunError, Webhook};
use telegram_api::{Bot, StopHandle};
use telegram_api_tests::http::{Reply, Server, post_update};
use telegram_api_tests::wait::{Log, PATIENCE, wait_until};
use telegram_api_tests::{logs, updates};

/// POSTs `body` to `addr` at `path` and returns the status code.
fn post(addr: std::net::SocketAddr, path: &str, secret: Option<&str>, body: &str) -> u16 {
    post_update(addr, path, secret, body, Duration::from_secs(5))
}

/// Runs `app` on a webhook on a loopback port, configured by `webhook`, on a thread of its own:
/// the port's address, what stops the run, and the run.
fn run_webhook(
    app: Application,
    webhook: impl FnOnce(Webhook) -> Webhook + Send + 'static,
) -> (SocketAddr, StopHandle, JoinHandle<Result<(), RunError>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = app.stop_handle();
    let runner =
        std::thread::spawn(move || app.run_webhook(webhook(Webhook::from_listener(listener))));
    (addr, stop, runner)
}

#[test]
fn webhook_checks_the_secret_and_the_body_and_handles_updates() {
    let api = Server::start(|req| match req.api_method() {
        "setWebhook" => Reply::ok("true"),
        m => panic!("unexpected {m}"),
    });
    let handled: Arc<Mutex<Vec<i64>>> = Arc::default();
    let app = {
        let handled = handled.clone();
        Application::builder(Bot::new("1:T").with_api_url(api.url()))
            .handle_signals(false)
            .handler(Handler::callback_query(move |ctx: &Context| {
                handled
                    .lock()
                    .unwrap()
                    .push(ctx.update().unwrap().update_id);
                Ok::<_, std::io::Error>(())
            }))
            .handler(Handler::chat_member(|_: &Context| {
                Ok::<_, std::io::Error>(())
            }))
            .build()
    };
    let (addr, stop, runner) = run_webhook(app, |webhook| {
        webhook
            .url("https://bot.example.com/hook")
            .path("/hook")
            .secret_token("s3cr3t")
            .drop_pending_updates(true)
    });
    // setWebhook comes first.
    let set = api.wait_for_requests(1)[0].json();
    assert_eq!(set["url"], "https://bot.example.com/hook");
    assert_eq!(set["secret_token"], "s3cr3t");
    assert_eq!(set["drop_pending_updates"], true);
    assert_eq!(
        set["allowed_updates"],
        serde_json::json!(["callback_query", "chat_member"])
    );

    let update = |id: i64| updates::callback_query(id, 5, "d").json();
    // The listener was bound before the run: the first post waits for it to be served.
    assert_eq!(post(addr, "/hook", Some("s3cr3t"), &update(1)), 200);
    assert_eq!(post(addr, "/hook", Some("wrong"), &update(2)), 403);
    assert_eq!(post(addr, "/hook", None, &update(3)), 403);
    assert_eq!(post(addr, "/hook", Some("s3cr3t"), "<html>oops"), 400);
    assert_eq!(
        post(addr, "/hook", Some("s3cr3t"), r#"{"update_id": "x"}"#),
        400
    );
    assert_eq!(post(addr, "/elsewhere", Some("s3cr3t"), &update(4)), 404);
    // Answered 200 once handled.
    assert_eq!(post(addr, "/hook", Some("s3cr3t"), &update(5)), 200);
    assert_eq!(*handled.lock().unwrap(), [1, 5]);
    stop.stop();
    runner.join().unwrap().unwrap();
    assert_eq!(api.requests().len(), 1);
}

#[test]
fn a_random_secret_is_made_when_none_is_given() {
    let api = Server::start(|_| Reply::ok("true"));
    let app = Application::builder(Bot::new("1:T").with_api_url(api.url()))
        .handle_signals(false)
        .build();
    let (_, stop, runner) = run_webhook(app, |webhook| webhook.url("https://bot.example.com/"));
    api.wait_for_requests(1);
    stop.stop();
    runner.join().unwrap().unwrap();
    let secret = api.requests()[0].json()["secret_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(secret.len(), 32);
    assert!(secret.bytes().all(|b| b.is_ascii_alphanumeric()));
}

#[test]
fn an_update_is_answered_only_once_handled_and_others_are_served_meanwhile() {
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let release_rx = Mutex::new(release_rx);
    let started: Arc<Log<i64>> = Arc::default();
    let handled: Arc<Mutex<Vec<i64>>> = Arc::default();
    let app = {
        let (started, handled) = (started.clone(), handled.clone());
        Application::builder(Bot::new("1:T").with_api_url("http://127.0.0.1:9"))
            .handle_signals(false)
            .handler(Handler::update(
                |_| true,
                move |ctx: &Context| {
                    started.push(ctx.update().unwrap().update_id);
                    // Update 1 waits until the test lets it go.
                    if ctx.update().unwrap().update_id == 1 {
                        release_rx.lock().unwrap().recv().unwrap();
                    }
                    ctx.set_chat_data("seen", &ctx.update().unwrap().update_id)?;
                    handled
                        .lock()
                        .unwrap()
                        .push(ctx.update().unwrap().update_id);
                    Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
                },
            ))
            .build()
    };
    let (addr, stop, runner) = run_webhook(app, |webhook| webhook.path("/"));

    let first = {
        let handled = handled.clone();
        std::thread::spawn(move || {
            let status = post(addr, "/", None, &updates::text(1, 10, "slow").json());
            // By the time the answer comes, the handler has run.
            (status, handled.lock().unwrap().clone())
        })
    };
    // Update 1's handler is running, and waits.
    started.wait_for("update 1 handled", |ids| ids.contains(&1));
    // Another chat's update is taken, handled and answered meanwhile.
    let posted = Instant::now();
    assert_eq!(
        post(addr, "/", None, &updates::text(2, 20, "quick").json()),
        200
    );
    assert!(posted.elapsed() < Duration::from_secs(2));
    assert_eq!(*handled.lock().unwrap(), [2]);
    // An answer to update 1 sent when it was taken would have come before this one.
    assert!(!first.is_finished(), "answered before its handler finished");

    release_tx.send(()).unwrap();
    let (status, handled_then) = first.join().unwrap();
    assert_eq!(status, 200);
    assert_eq!(handled_then, [2, 1]);
    stop.stop();
    runner.join().unwrap().unwrap();
}

#[test]
fn updates_unanswered_at_a_stop_are_answered_503_before_the_run_returns() {
    logs::records();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let release_rx = Mutex::new(release_rx);
    let (started_tx, started_rx) = mpsc::channel::<()>();
    let started_tx = Mutex::new(started_tx);
    let handled: Arc<Mutex<Vec<i64>>> = Arc::default();
    let app = {
        let handled = handled.clone();
        Application::builder(Bot::new("1:T").with_api_url("http://127.0.0.1:9"))
            .handle_signals(false)
            .stop_timeout(Duration::from_millis(100))
            .handler(Handler::update(
                |_| true,
                move |ctx: &Context| {
                    if ctx.update().unwrap().update_id == 1001 {
                        started_tx.lock().unwrap().send(()).unwrap();
                        release_rx.lock().unwrap().recv().unwrap();
                    }
                    handled
                        .lock()
                        .unwrap()
                        .push(ctx.update().unwrap().update_id);
                    Ok::<_, std::io::Error>(())
                },
            ))
            .build()
    };
    let (addr, stop, runner) = run_webhook(app, |webhook| webhook.path("/"));
    // Update 1001 is being handled; update 1002, of the same chat, waits behind it.
    let first =
        std::thread::spawn(move || post(addr, "/", None, &updates::text(1001, 10, "a").json()));
    started_rx.recv().unwrap();
    let second =
        std::thread::spawn(move || post(addr, "/", None, &updates::text(1002, 10, "b").json()));
    logs::wait_for_message("webhook: update 1002 queued");
    stop.stop();
    runner.join().unwrap().unwrap();
    // Both were answered before the run returned (the connections close with it): the queued
    // one was never handled, the running one outlived the stop timeout; Telegram is told to
    // send them again.
    assert_eq!(second.join().unwrap(), 503);
    assert_eq!(first.join().unwrap(), 503);
    // The running handler finishes on its own; the queued update was dropped.
    release_tx.send(()).unwrap();
    wait_until(PATIENCE, "update 1001 handled", || {
        !handled.lock().unwrap().is_empty()
    });
    assert_eq!(*handled.lock().unwrap(), [1001]);
}

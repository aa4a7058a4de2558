//! `Application::run_webhook` against clients that are slow, stall or hold connections: every
//! other client is still served at once, the slow ones are cut off at the timeouts, bodies over
//! the cap are refused, and many kept-alive connections are all served. Also the health route
//! and the user's extra routes.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use telegram_api::ext::{
    Application, Context, Handler, RunError, Webhook, WebhookRequest, WebhookResponse,
};
use telegram_api::{Bot, StopHandle};
use telegram_api_tests::http::post_update;
use telegram_api_tests::updates;
use telegram_api_tests::wait::{Log, PATIENCE};

/// Runs `app` on a webhook on a loopback port, configured by `webhook`, on a thread of its own.
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

/// An application whose handler records each update's id.
fn recording_app() -> (Application, Arc<Log<i64>>) {
    let handled: Arc<Log<i64>> = Arc::default();
    let app = {
        let handled = handled.clone();
        Application::builder(Bot::new("1:T").with_api_url("http://127.0.0.1:9"))
            .handle_signals(false)
            .handler(Handler::update(
                |_| true,
                move |ctx: &Context| {
                    handled.push(ctx.update().unwrap().update_id);
                    Ok::<_, std::io::Error>(())
                },
            ))
            .build()
    };
    (app, handled)
}

/// Sends `request` (raw bytes) on a new connection and reads until the server closes it;
/// returns what came back.
fn exchange(addr: SocketAddr, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream.write_all(request).unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    String::from_utf8_lossy(&response).into_owned()
}

/// The status code of a raw response.
fn status(response: &str) -> u16 {
    response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {response:?}"))
}

/// A POST of `body` to `path`, closing the connection after the answer.
fn post(path: &str, body: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// What a stalling client saw: how long until the server answered or closed, and what it
/// answered (empty when it only closed).
#[derive(Debug)]
struct Cut {
    after: Duration,
    response: String,
}

/// Writes `head` (and `start` of a body) on a new connection, says so in `sent`, then reads
/// until the server answers and closes; when `trickle`, sends one more byte of the body each
/// time a read waits 200 ms without an answer, like a client on a very slow link.
fn stall(
    addr: SocketAddr,
    sent: &Log<()>,
    head: String,
    start: &'static [u8],
    trickle: bool,
) -> Cut {
    let mut stream = TcpStream::connect(addr).unwrap();
    let began = Instant::now();
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(start).unwrap();
    sent.push(());
    let wait = if trickle {
        Duration::from_millis(200)
    } else {
        PATIENCE
    };
    stream.set_read_timeout(Some(wait)).unwrap();
    let mut response = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => response.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                assert!(began.elapsed() < PATIENCE * 2, "never cut off");
                if trickle && stream.write_all(b"{").is_err() {
                    break;
                }
                if !trickle {
                    break;
                }
            }
            // Reset by the server, having closed with unread bytes.
            Err(_) => break,
        }
    }
    Cut {
        after: began.elapsed(),
        response: String::from_utf8_lossy(&response).into_owned(),
    }
}

#[test]
fn slow_and_stalled_clients_hold_up_no_one_and_are_cut_off_at_the_timeouts() {
    let timeout = Duration::from_secs(4);
    let (app, handled) = recording_app();
    let (addr, stop, runner) = run_webhook(app, move |webhook| {
        webhook
            .path("/hook")
            .header_timeout(timeout)
            .body_timeout(timeout)
    });
    let began = Instant::now();
    let head = |extra: &str| format!("POST /hook HTTP/1.1\r\nHost: x\r\n{extra}\r\n");
    let sent: Arc<Log<()>> = Arc::default();
    let start = |head: String, body: &'static [u8], trickle: bool| {
        let sent = sent.clone();
        std::thread::spawn(move || stall(addr, &sent, head, body, trickle))
    };
    let stallers = vec![
        // A body of 100 bytes, one sent every 200 ms.
        start(head("Content-Length: 100\r\n"), b"{", true),
        // A chunked body that stops after its first chunk.
        start(
            head("Transfer-Encoding: chunked\r\n"),
            b"5\r\n{\"upd\r\n",
            false,
        ),
        // A Content-Length longer than what is sent.
        start(head("Content-Length: 500\r\n"), b"{}", false),
        // Expect: 100-continue, and then no body.
        start(
            head("Expect: 100-continue\r\nContent-Length: 100\r\n"),
            b"",
            false,
        ),
        // A head that never ends.
        start("POST /hook HTTP/1.1\r\nHost: x\r\n".into(), b"", false),
    ];
    sent.wait_len(stallers.len());

    // Meanwhile, 100 updates from 4 clients, each answered at once.
    let clients: Vec<JoinHandle<Vec<(i64, u16, Duration)>>> = (0..4i64)
        .map(|client| {
            std::thread::spawn(move || {
                (0..25i64)
                    .map(|i| {
                        let id = 1 + client * 25 + i;
                        let posted = Instant::now();
                        let status = post_update(
                            addr,
                            "/hook",
                            None,
                            &updates::text(id, 100 + id, "hi").json(),
                            PATIENCE,
                        );
                        (id, status, posted.elapsed())
                    })
                    .collect()
            })
        })
        .collect();
    let answers: Vec<(i64, u16, Duration)> = clients
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    let all_answered = began.elapsed();
    assert_eq!(answers.len(), 100);
    for (id, status, took) in &answers {
        assert_eq!(*status, 200, "update {id}");
        assert!(*took < Duration::from_secs(1), "update {id} took {took:?}");
    }
    // All of them while the slow clients were still connected.
    assert!(all_answered < timeout, "took {all_answered:?}");
    let mut ids = handled.wait_len(100);
    ids.sort_unstable();
    assert_eq!(ids, (1..=100).collect::<Vec<_>>());

    // The slow clients are cut off at the timeouts, give or take a margin.
    let cuts: Vec<Cut> = stallers.into_iter().map(|s| s.join().unwrap()).collect();
    for (i, cut) in cuts.iter().enumerate() {
        assert!(
            cut.after >= timeout - Duration::from_millis(200)
                && cut.after < timeout + Duration::from_secs(2),
            "client {i}: {cut:?}"
        );
    }
    // The body ones are told why; the one without a whole head is only disconnected.
    for cut in &cuts[..4] {
        assert!(cut.response.contains("HTTP/1.1 408"), "{:?}", cut.response);
    }
    assert!(cuts[3].response.starts_with("HTTP/1.1 100 Continue"));
    assert_eq!(cuts[4].response, "");
    // Nothing of theirs was handled.
    assert_eq!(handled.len(), 100);

    stop.stop();
    runner.join().unwrap().unwrap();
}

/// Reads one response from a kept-alive connection: its status and body.
fn read_response(reader: &mut impl BufRead) -> (u16, String) {
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let status = status(&line);
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).unwrap();
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap();
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    (status, String::from_utf8(body).unwrap())
}

#[test]
fn a_hundred_kept_alive_connections_are_all_served_twice() {
    let (app, handled) = recording_app();
    let (addr, stop, runner) = run_webhook(app, |webhook| webhook.path("/"));
    let connections: Vec<TcpStream> = (0..100)
        .map(|_| {
            let stream = TcpStream::connect(addr).unwrap();
            stream.set_read_timeout(Some(PATIENCE)).unwrap();
            stream
        })
        .collect();
    let mut readers: Vec<BufReader<TcpStream>> = connections
        .iter()
        .map(|c| BufReader::new(c.try_clone().unwrap()))
        .collect();
    for round in 0..2i64 {
        // Every connection sends its update before any answer is read.
        for (i, mut stream) in connections.iter().enumerate() {
            let id = 1 + round * 100 + i as i64;
            let body = updates::text(id, 1 + i as i64, "hi").json();
            write!(
                stream,
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .unwrap();
        }
        for (i, reader) in readers.iter_mut().enumerate() {
            assert_eq!(
                read_response(reader).0,
                200,
                "round {round}, connection {i}"
            );
        }
    }
    let mut ids = handled.wait_len(200);
    ids.sort_unstable();
    assert_eq!(ids, (1..=200).collect::<Vec<_>>());
    stop.stop();
    runner.join().unwrap().unwrap();
}

#[test]
fn connections_over_the_limit_wait_and_are_served_once_idle_ones_close() {
    let (app, handled) = recording_app();
    let (addr, stop, runner) = run_webhook(app, |webhook| {
        webhook
            .path("/")
            .connection_limit(4)
            .header_timeout(Duration::from_millis(500))
    });
    // 12 clients keep their connections open after their answer; only 4 fit at once, and
    // each idle one is closed after the header timeout, letting a waiting one in.
    let began = Instant::now();
    let clients: Vec<JoinHandle<u16>> = (0..12i64)
        .map(|i| {
            std::thread::spawn(move || {
                let stream = TcpStream::connect(addr).unwrap();
                stream.set_read_timeout(Some(PATIENCE)).unwrap();
                let body = updates::text(1 + i, 1 + i, "hi").json();
                write!(
                    &stream,
                    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                )
                .unwrap();
                let status = read_response(&mut BufReader::new(&stream)).0;
                // Held open until the server closes it.
                let mut rest = Vec::new();
                let _ = (&stream).read_to_end(&mut rest);
                status
            })
        })
        .collect();
    for client in clients {
        assert_eq!(client.join().unwrap(), 200);
    }
    // Three turns of 4 at most, each ending at the header timeout.
    assert!(
        began.elapsed() < Duration::from_secs(4),
        "{:?}",
        began.elapsed()
    );
    assert_eq!(handled.wait_len(12).len(), 12);
    stop.stop();
    runner.join().unwrap().unwrap();
}

#[test]
fn bodies_over_the_cap_are_refused_413() {
    let (app, handled) = recording_app();
    let (addr, stop, runner) = run_webhook(app, |webhook| webhook.path("/").max_body(1000));
    let big = format!(r#"{{"update_id": 1, "x": "{}"}}"#, "a".repeat(2000));
    // Declared too long: refused before the body is read.
    assert_eq!(status(&exchange(addr, &post("/", &big))), 413);
    // Chunked, without a length: refused once past the cap.
    let mut chunked =
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            .to_vec();
    chunked.extend_from_slice(format!("{:x}\r\n{big}\r\n0\r\n\r\n", big.len()).as_bytes());
    assert_eq!(status(&exchange(addr, &chunked)), 413);
    // Under the cap: handled.
    let update = updates::text(2, 5, "hi").json();
    assert_eq!(status(&exchange(addr, &post("/", &update))), 200);
    assert_eq!(handled.wait_len(1), [2]);
    stop.stop();
    runner.join().unwrap().unwrap();
}

#[test]
fn the_health_route_and_the_users_routes_share_the_port() {
    let (app, handled) = recording_app();
    let calls: Arc<Log<WebhookRequest>> = Arc::default();
    let (addr, stop, runner) = {
        let calls = calls.clone();
        run_webhook(app, move |webhook| {
            webhook
                .path("/hook")
                .secret_token("s3cr3t")
                .health("/health")
                .route("/pay", move |request| {
                    calls.push(request);
                    WebhookResponse::json(201, r#"{"ok":true}"#).header("X-Seen", "1")
                })
                .route("/broken", |_| panic!("a bug in the handler"))
                .route("/bad-header", |_| {
                    WebhookResponse::new(200).header("bad header", "x")
                })
        })
    };
    let get = |path: &str| format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

    // Health: GET only, no secret needed.
    let health = exchange(addr, get("/health").as_bytes());
    assert_eq!(status(&health), 200);
    assert!(health.ends_with("\r\n\r\nok"), "{health:?}");
    assert_eq!(status(&exchange(addr, &post("/health", "{}"))), 405);

    // A route of the user's: method, path, query, headers and body reach the handler, and
    // its answer comes back.
    let paid = exchange(
        addr,
        b"POST /pay?order=7 HTTP/1.1\r\nHost: x\r\nX-Signature: abc\r\nContent-Length: 9\r\nConnection: close\r\n\r\n{\"sum\":5}",
    );
    assert_eq!(status(&paid), 201, "{paid:?}");
    assert!(paid.to_ascii_lowercase().contains("x-seen: 1"), "{paid:?}");
    assert!(paid.ends_with(r#"{"ok":true}"#), "{paid:?}");
    let calls = calls.entries();
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!((call.method.as_str(), call.path.as_str()), ("POST", "/pay"));
    assert_eq!(call.query.as_deref(), Some("order=7"));
    assert_eq!(call.body, br#"{"sum":5}"#);
    assert_eq!(call.header("x-signature"), Some("abc"));
    // A handler that panics, or answers a header that is not HTTP: 500, and the server goes on.
    assert_eq!(status(&exchange(addr, get("/broken").as_bytes())), 500);
    assert_eq!(status(&exchange(addr, get("/bad-header").as_bytes())), 500);

    // The webhook itself is as before.
    assert_eq!(status(&exchange(addr, get("/hook").as_bytes())), 405);
    assert_eq!(status(&exchange(addr, get("/other").as_bytes())), 404);
    let update = updates::text(3, 5, "hi").json();
    assert_eq!(status(&exchange(addr, &post("/hook", &update))), 403);
    assert_eq!(
        post_update(addr, "/hook", Some("s3cr3t"), "not json", PATIENCE),
        400
    );
    assert_eq!(
        post_update(addr, "/hook", Some("s3cr3t"), &update, PATIENCE),
        200
    );
    assert_eq!(handled.wait_len(1), [3]);
    stop.stop();
    runner.join().unwrap().unwrap();
}

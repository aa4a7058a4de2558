//! Throughput and latency of `Application::run_webhook`, against a bare hyper server in the
//! same run.
//!
//! `cargo bench -p telegram-api-tests --bench webhook`. 64 clients on kept-alive loopback
//! connections post updates of 1,000 chats (each client its own chats, one request at a time,
//! as Telegram does), `BENCH_WEBHOOK_UPDATES` (default 20,000) per round:
//!
//! - **run_webhook**: an application with a no-op handler and the in-memory store; each
//!   update is checked, decoded, handed to the ordered worker pool, handled, and answered 200.
//! - **bare hyper** (the ceiling): a hyper HTTP/1.1 server on a single-threaded tokio runtime,
//!   as run_webhook's, that reads each body in full and answers 200 without looking at it.
//!
//! Then one round with the file store (its durable inbox: an update is answered once written
//! there) and a handler that sleeps 10 s, `BENCH_WEBHOOK_SLOW_UPDATES` (default 640) updates:
//! the answers' latency while every worker sleeps.
//!
//! The two take turns for `BENCH_ROUNDS` (default 3) rounds; the best round of each is
//! reported, with the median and 99th percentile latency of a request in it (from its first
//! byte written to its answer read) and the process's resident memory after the round.

use std::convert::Infallible;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use telegram_api::Bot;
use telegram_api::ext::{Application, Context, Handler, Webhook};
use telegram_api_tests::updates;

const CLIENTS: usize = 64;
const CHATS: usize = 1000;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What a round measured.
struct Round {
    rate: f64,
    p50: Duration,
    p99: Duration,
    rss_kib: u64,
}

/// The process's resident memory, from `/proc/self/status` (0 where there is none).
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// The requests each client sends: client `c` posts to chats `c`, `c + 64`, ... in turn.
fn requests(total: usize, first_id: i64) -> Vec<Vec<Vec<u8>>> {
    let mut per_client: Vec<Vec<Vec<u8>>> = vec![Vec::new(); CLIENTS];
    for i in 0..total {
        let client = i % CLIENTS;
        let turn = i / CLIENTS;
        let chats_of_client = CHATS.div_ceil(CLIENTS);
        let chat = (client + CLIENTS * (turn % chats_of_client)).min(CHATS - 1);
        let body = updates::text(first_id + i as i64, 1 + chat as i64, "hello there").json();
        per_client[client].push(
            format!(
                "POST /hook HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nX-Telegram-Bot-Api-Secret-Token: s3cr3t\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .into_bytes(),
        );
    }
    per_client
}

/// Reads one response from a kept-alive connection and returns its status.
fn read_response(reader: &mut impl BufRead) -> u16 {
    let mut line = String::new();
    reader.read_line(&mut line).expect("a status line");
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status");
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).expect("a header");
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().expect("a length");
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).expect("the body");
    status
}

/// Posts every client's requests to `addr` on its own kept-alive connection, one at a time.
fn drive(addr: SocketAddr, per_client: Vec<Vec<Vec<u8>>>) -> Round {
    let total: usize = per_client.iter().map(Vec::len).sum();
    let start = Instant::now();
    let clients: Vec<_> = per_client
        .into_iter()
        .map(|requests| {
            std::thread::spawn(move || {
                let stream = TcpStream::connect(addr).expect("connect");
                stream.set_nodelay(true).unwrap();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut writer = stream;
                let mut latencies = Vec::with_capacity(requests.len());
                for request in requests {
                    let sent = Instant::now();
                    writer.write_all(&request).expect("write");
                    assert_eq!(read_response(&mut reader), 200);
                    latencies.push(sent.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies: Vec<Duration> = clients
        .into_iter()
        .flat_map(|c| c.join().expect("a client"))
        .collect();
    let elapsed = start.elapsed();
    latencies.sort_unstable();
    Round {
        rate: total as f64 / elapsed.as_secs_f64(),
        p50: latencies[latencies.len() / 2],
        p99: latencies[latencies.len() * 99 / 100],
        rss_kib: rss_kib(),
    }
}

/// A round against run_webhook with a no-op handler.
fn webhook_round(per_client: Vec<Vec<Vec<u8>>>, total: usize) -> Round {
    let handled = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let app = {
        let handled = handled.clone();
        Application::builder(Bot::new("1:T").with_api_url("http://127.0.0.1:9"))
            .handle_signals(false)
            .handler(Handler::update(
                |_| true,
                move |_: &Context| {
                    handled.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    Ok::<_, std::io::Error>(())
                },
            ))
            .build()
    };
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = app.stop_handle();
    let runner = std::thread::spawn(move || {
        app.run_webhook(
            Webhook::from_listener(listener)
                .path("/hook")
                .secret_token("s3cr3t"),
        )
    });
    let round = drive(addr, per_client);
    stop.stop();
    runner.join().unwrap().unwrap();
    assert_eq!(
        handled.load(std::sync::atomic::Ordering::Relaxed),
        total,
        "every update handled once"
    );
    round
}

/// A round against run_webhook with the file store (its durable inbox) and a handler that
/// sleeps 10 s: how long the answers take while every worker is asleep.
fn slow_round(per_client: Vec<Vec<Vec<u8>>>) -> Round {
    let dir =
        std::env::temp_dir().join(format!("telegram-api-bench-webhook-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let app = Application::builder(Bot::new("1:T").with_api_url("http://127.0.0.1:9"))
        .handle_signals(false)
        .stop_timeout(Duration::from_millis(100))
        .store_path(dir.join("state.redb"))
        .unwrap()
        .handler(Handler::update(
            |_| true,
            |_: &Context| {
                std::thread::sleep(Duration::from_secs(10));
                Ok::<_, std::io::Error>(())
            },
        ))
        .build();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = app.stop_handle();
    let runner = std::thread::spawn(move || {
        app.run_webhook(
            Webhook::from_listener(listener)
                .path("/hook")
                .secret_token("s3cr3t"),
        )
    });
    let round = drive(addr, per_client);
    stop.stop();
    runner.join().unwrap().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    round
}

/// A round against a bare hyper server that reads each body and answers 200.
fn bare_round(per_client: Vec<Vec<Vec<u8>>>) -> Round {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let acceptor = tokio::spawn(async move {
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(async move {
                        let service = service_fn(|request: Request<Incoming>| async move {
                            let body = request.into_body().collect().await;
                            std::hint::black_box(body.map(|b| b.to_bytes().len()).ok());
                            Ok::<_, Infallible>(Response::new(Full::new(Bytes::new())))
                        });
                        let _ = http1::Builder::new()
                            .timer(TokioTimer::new())
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
            });
            let _ = stop_rx.await;
            acceptor.abort();
        });
    });
    let round = drive(addr, per_client);
    let _ = stop_tx.send(());
    server.join().unwrap();
    round
}

fn main() {
    let total = env("BENCH_WEBHOOK_UPDATES", 20_000);
    let rounds = env("BENCH_ROUNDS", 3);
    let mut bare: Vec<Round> = Vec::new();
    let mut webhook: Vec<Round> = Vec::new();
    for round in 0..rounds {
        // Fresh update ids each round: the pool takes an id once.
        let first = 1 + (round * total) as i64;
        bare.push(bare_round(requests(total, first)));
        webhook.push(webhook_round(requests(total, first), total));
    }
    let best = |rounds: &[Round]| -> usize {
        (0..rounds.len())
            .max_by(|&a, &b| rounds[a].rate.total_cmp(&rounds[b].rate))
            .unwrap()
    };
    let (b, w) = (&bare[best(&bare)], &webhook[best(&webhook)]);
    let show = |name: &str, r: &Round| {
        println!(
            "{name}: {:.0} updates/s, latency p50 {:.0} µs, p99 {:.0} µs, RSS after the round {} MiB",
            r.rate,
            r.p50.as_secs_f64() * 1e6,
            r.p99.as_secs_f64() * 1e6,
            r.rss_kib / 1024
        );
    };
    println!(
        "{CLIENTS} kept-alive clients, {CHATS} chats, {total} updates a round, best of {rounds}:"
    );
    show("bare hyper (ceiling)", b);
    show("run_webhook, no-op handler", w);
    println!(
        "run_webhook / ceiling: {:.2}x the rate; all rounds (updates/s): bare {:?}, run_webhook {:?}",
        w.rate / b.rate,
        bare.iter().map(|r| r.rate.round()).collect::<Vec<_>>(),
        webhook.iter().map(|r| r.rate.round()).collect::<Vec<_>>()
    );
    // Within the pool's queue (1,024 by default): beyond it, answers wait for room.
    let slow = env("BENCH_WEBHOOK_SLOW_UPDATES", 640);
    let first = 1 + (rounds * total) as i64;
    let r = slow_round(requests(slow, first));
    println!(
        "run_webhook, file store, a handler sleeping 10 s, {slow} updates: answered at {:.0} updates/s, latency p50 {:.0} µs, p99 {:.0} µs",
        r.rate,
        r.p50.as_secs_f64() * 1e6,
        r.p99.as_secs_f64() * 1e6
    );
}

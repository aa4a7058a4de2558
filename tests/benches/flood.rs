//! Cost and accuracy of the client's flood control (`Bot::with_flood_control`).
//!
//! `cargo bench -p telegram-api-tests --bench flood`. Two measurements (see `BENCHMARKS.md`):
//!
//! - **Overhead of a call that need not wait**: sequential `sendMessage` calls to one chat by a
//!   bot with flood control, against the same bot without it, in the same run, taking turns
//!   batch after batch (the median batch of each, and the fastest). The limits are far above what the calls reach,
//!   with windows sized so that they hold about as many requests as Telegram's global limit
//!   lets a second hold (30), and, to show how the cost grows with that number, 1,000. Measured
//!   twice: on an in-memory HTTP transport (a ureq connector answering from memory, given to the
//!   bot with `Bot::with_agent`), where a call costs a few microseconds and the difference is
//!   visible, and on a loopback keep-alive server, the figure a real bot sees.
//! - **Achieved rate against the global limit**: 50 threads send to 50 private chats, round
//!   robin, under a global limit of 300 a second (per-chat limits out of the way), against a fast
//!   loopback server that notes when each request arrives. Once every request is answered, the
//!   rate is the requests of whole windows divided by the time they took at the server, against
//!   the limit. A request counts until a window after its answer, so a window's worth of
//!   requests takes a window plus a round trip: the ratio is below 1 by that margin. The same
//!   with a 100 ms window (30 per 100 ms, the same rate) shows it.

use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use telegram_api::{Bot, FloodControl, Limit};
use telegram_api_tests::http::{Reply, Server};
use telegram_api_tests::most_in_a_window;
use ureq::unversioned::resolver::DefaultResolver;
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, LazyBuffers, NextTimeout, Transport,
};

const RESULT: &str = r#"{"message_id":1365,"from":{"id":987654321,"is_bot":true,"first_name":"Hello Bot","username":"hello_bot"},"chat":{"id":1234567890,"first_name":"John","type":"private"},"date":1700000000,"text":"Hi John!"}"#;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Connections that answer every request at once with a sent message, from memory.
#[derive(Debug)]
struct InMemory {
    response: Arc<Vec<u8>>,
}

impl InMemory {
    fn new() -> InMemory {
        let body = format!(r#"{{"ok":true,"result":{RESULT}}}"#);
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        InMemory {
            response: Arc::new(response.into_bytes()),
        }
    }
}

impl Connector for InMemory {
    type Out = Connection;

    fn connect(
        &self,
        _: &ConnectionDetails,
        _: Option<()>,
    ) -> Result<Option<Connection>, ureq::Error> {
        Ok(Some(Connection {
            buffers: LazyBuffers::new(64 * 1024, 64 * 1024),
            request: Vec::new(),
            pending: Vec::new(),
            response: self.response.clone(),
        }))
    }
}

/// One in-memory connection: what was written of the current request, and the response bytes
/// not read yet.
#[derive(Debug)]
struct Connection {
    buffers: LazyBuffers,
    request: Vec<u8>,
    pending: Vec<u8>,
    response: Arc<Vec<u8>>,
}

/// Whether `request` holds a whole HTTP request (head, and a body of its Content-Length).
fn is_complete(request: &[u8]) -> bool {
    let Some(head_end) = request.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&request[..head_end]);
    let length = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .unwrap_or(0);
    request.len() >= head_end + 4 + length
}

impl Transport for Connection {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, _: NextTimeout) -> Result<(), ureq::Error> {
        let output = &self.buffers.output()[..amount];
        self.request.extend_from_slice(output);
        if is_complete(&self.request) {
            self.request.clear();
            self.pending.extend_from_slice(&self.response);
        }
        Ok(())
    }

    fn await_input(&mut self, _: NextTimeout) -> Result<bool, ureq::Error> {
        let free = self.buffers.input_append_buf();
        let n = free.len().min(self.pending.len());
        free[..n].copy_from_slice(&self.pending[..n]);
        self.buffers.input_appended(n);
        self.pending.drain(..n);
        Ok(n > 0)
    }

    fn is_open(&mut self) -> bool {
        true
    }
}

fn in_memory_agent() -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build();
    ureq::Agent::with_parts(config, InMemory::new(), DefaultResolver::default())
}

/// Limits no call reaches, over windows of `per`.
fn out_of_reach(per: Duration) -> FloodControl {
    let limit = Limit::new(1_000_000_000, per);
    FloodControl::new()
        .global(limit)
        .per_chat(limit)
        .per_group(limit)
}

/// The time per call of `calls` sequential `sendMessage`s.
fn per_call(bot: &Bot, calls: usize) -> Duration {
    let started = Instant::now();
    for _ in 0..calls {
        black_box(bot.send_message(1234567890, "Hi John!").call().unwrap());
    }
    started.elapsed() / calls as u32
}

/// The time per call of each bot in `batches` batches of `calls` calls, the bots taking turns
/// batch by batch (so that a change in the machine's load falls on all of them alike), sorted.
fn per_call_by_batch(bots: &[&Bot], calls: usize, batches: usize) -> Vec<Vec<Duration>> {
    for bot in bots {
        per_call(bot, calls);
    }
    let mut times = vec![Vec::with_capacity(batches); bots.len()];
    for _ in 0..batches {
        for (bot, times) in bots.iter().zip(&mut times) {
            times.push(per_call(bot, calls));
        }
    }
    for t in &mut times {
        t.sort();
    }
    times
}

fn ns(d: Duration) -> f64 {
    d.as_secs_f64() * 1e9
}

/// Runs the overhead measurement on bots made by `bot`; prints a table of the median batch
/// (and the fastest) of each.
fn overhead(title: &str, bot: impl Fn() -> Bot, calls: usize, batches: usize) {
    let plain = bot();
    // The window that holds about 30 requests at the plain bot's pace, and one of 1,000.
    let base = per_call_by_batch(&[&plain], calls, 3)[0][1];
    let windows = [30u32, 1000];
    let limited: Vec<Bot> = windows
        .iter()
        .map(|n| bot().with_flood_control(out_of_reach(base * *n)))
        .collect();
    let mut bots = vec![&plain];
    bots.extend(limited.iter());
    let times = per_call_by_batch(&bots, calls, batches);
    let median = |t: &[Duration]| ns(t[t.len() / 2]);
    let fastest = |t: &[Duration]| ns(t[0]);
    let (base_median, base_fastest) = (median(&times[0]), fastest(&times[0]));
    println!("{title}, {batches} batches of {calls} calls each, median batch (fastest):");
    println!(
        "  {:<54} {:>7.0} ns/call ({:>7.0}) {:>7.0} calls/s  1.000x",
        "without flood control (baseline)",
        base_median,
        base_fastest,
        1e9 / base_median
    );
    for (n, t) in windows.iter().zip(&times[1..]) {
        let (m, f) = (median(t), fastest(t));
        println!(
            "  {:<54} {:>7.0} ns/call ({:>7.0}) {:>7.0} calls/s  {:.3}x  {:+.0} ns/call ({:+.0})",
            format!("with flood control, windows of ~{n} ({:.2?})", base * *n),
            m,
            f,
            1e9 / m,
            base_median / m,
            m - base_median,
            f - base_fastest,
        );
    }
}

/// Sends `windows` windows' worth of requests (and one more) to 50 chats from 50 threads under
/// `global`; prints the achieved rate against the limit.
fn achieved_rate(global: Limit, windows: usize) {
    let arrivals: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let server = {
        let arrivals = arrivals.clone();
        Server::start(move |_| {
            arrivals.lock().unwrap().push(Instant::now());
            Reply::ok(RESULT)
        })
    };
    server.set_recording(false);
    let bot = Bot::new("123456:TOKEN")
        .with_api_url(server.url())
        .with_flood_control(
            FloodControl::new()
                .global(global)
                .per_chat(Limit::new(global.count, global.per))
                .per_group(Limit::new(global.count, global.per)),
        );
    // Warm up the connections, then let the window empty.
    std::thread::scope(|scope| {
        for _ in 0..50 {
            let bot = bot.clone();
            scope.spawn(move || bot.send_message(1, "warm-up").call().unwrap());
        }
    });
    std::thread::sleep(global.per + Duration::from_millis(50));
    arrivals.lock().unwrap().clear();

    let chats: Vec<i64> = (0..50).map(|i| 1_000_000 + i).collect();
    let total = windows * global.count as usize + 1;
    let claimed = AtomicUsize::new(0);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for thread in 0..50 {
            let (bot, chats, claimed) = (bot.clone(), &chats, &claimed);
            scope.spawn(move || {
                let mut next = thread;
                while claimed.fetch_add(1, Ordering::SeqCst) < total {
                    let chat = chats[next % chats.len()];
                    bot.send_message(chat, "Hi John!").call().unwrap();
                    next += 1;
                }
            });
        }
    });
    let wall = started.elapsed();
    let mut times = arrivals.lock().unwrap().clone();
    times.sort();
    assert_eq!(times.len(), total, "every request arrived once");
    let most = most_in_a_window(&times, global.per);
    assert!(most <= global.count as usize, "{most} in one window");
    let whole = windows * global.count as usize;
    let span = times[whole].duration_since(times[0]);
    let limit_rate = global.count as f64 / global.per.as_secs_f64();
    let rate = whole as f64 / span.as_secs_f64();
    println!(
        "  {:<30} {:>6} requests {:>8.1} requests/s  {:.4}x the limit  (a window took {:.2} ms; \
         most in one window {most}; wall {:.2} s)",
        format!("{} per {:?}, {windows} windows", global.count, global.per),
        total,
        rate,
        rate / limit_rate,
        span.as_secs_f64() * 1e3 / windows as f64,
        wall.as_secs_f64(),
    );
}

fn main() {
    let calls = env("BENCH_CALLS", 2_000);
    let loopback_calls = env("BENCH_LOOPBACK_CALLS", 200);
    let batches = env("BENCH_BATCHES", 50);
    let windows = env("BENCH_WINDOWS", 5);

    // The bots compared share one agent, and so one connection: on the loopback, two
    // connections (each served by its own thread) differ in speed by up to a factor of two,
    // depending on where their threads run.
    let agent = in_memory_agent();
    overhead(
        "sequential sendMessage to one chat, in-memory HTTP transport",
        || {
            Bot::new("123456:TOKEN")
                .with_api_url("http://127.0.0.1:9")
                .with_agent(agent.clone())
        },
        calls,
        batches,
    );

    let server = Server::start(|_| Reply::ok(RESULT));
    server.set_recording(false);
    let url = server.url();
    let agent = ureq::Agent::new_with_defaults();
    overhead(
        "sequential sendMessage to one chat, loopback keep-alive server",
        || {
            Bot::new("123456:TOKEN")
                .with_api_url(&url)
                .with_agent(agent.clone())
        },
        loopback_calls,
        batches,
    );
    drop(server);

    println!("50 threads, 50 private chats round robin, loopback server:");
    achieved_rate(Limit::new(300, Duration::from_secs(1)), windows);
    achieved_rate(Limit::new(30, Duration::from_millis(100)), windows * 10);
}

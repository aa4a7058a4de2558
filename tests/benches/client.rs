//! Request rate of the client against raw ureq, on a loopback keep-alive server.
//!
//! `cargo bench -p telegram-api-tests --bench client`. Sequential `sendMessage` calls: the
//! client (`bot.send_message(..).call()`, which serializes the request and decodes the
//! `Message`), against ureq's default agent posting a pre-serialized body and reading the
//! response, in the same run. A ureq agent configured with a global timeout is shown too: it
//! resolves the host on a new thread per request.

use std::hint::black_box;
use std::time::{Duration, Instant};

use telegram_api::Bot;
use telegram_api_tests::http::{Reply, Server};

const RESPONSE: &str = r#"{"ok":true,"result":{"message_id":1365,"from":{"id":987654321,"is_bot":true,"first_name":"Hello Bot","username":"hello_bot"},"chat":{"id":1234567890,"first_name":"John","last_name":"Doe","username":"johndoe","type":"private"},"date":1700000000,"text":"Hi John!"}}"#;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn rate(calls: usize, f: &mut dyn FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..calls {
        f();
    }
    calls as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let calls = env("BENCH_CALLS", 3000);
    let rounds = env("BENCH_ROUNDS", 5);
    let server = Server::start(|_| Reply::json(200, RESPONSE));
    server.set_recording(false);
    let url = server.url();
    let method_url = format!("{url}/bot123456:TOKEN/sendMessage");
    let body = br#"{"chat_id":1234567890,"text":"Hi John!"}"#.to_vec();

    let bot = Bot::new("123456:TOKEN").with_api_url(&url);
    let raw = ureq::Agent::new_with_defaults();
    let timed = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(30)))
            .build(),
    );

    let mut client = || {
        let m = bot.send_message(1234567890, "Hi John!").call().unwrap();
        black_box(m);
    };
    let raw_post = |agent: &ureq::Agent| {
        let mut r = agent
            .post(&method_url)
            .header("content-type", "application/json")
            .send(&body[..])
            .unwrap();
        black_box(r.body_mut().read_to_vec().unwrap());
    };
    // Warm up every connection pool.
    for _ in 0..200 {
        client();
        raw_post(&raw);
        raw_post(&timed);
    }
    let (mut best_client, mut best_raw, mut best_timed) = (0f64, 0f64, 0f64);
    for _ in 0..rounds {
        best_raw = best_raw.max(rate(calls, &mut || raw_post(&raw)));
        best_client = best_client.max(rate(calls, &mut client));
        best_timed = best_timed.max(rate(calls, &mut || raw_post(&timed)));
    }
    println!(
        "sequential sendMessage on loopback keep-alive, {calls} calls x {rounds} rounds (best):"
    );
    println!(
        "  {:<44} {:>9.0} calls/s  1.00x",
        "ureq default agent, pre-serialized body", best_raw
    );
    println!(
        "  {:<44} {:>9.0} calls/s  {:.2}x",
        "telegram-api Bot::send_message().call()",
        best_client,
        best_client / best_raw
    );
    println!(
        "  {:<44} {:>9.0} calls/s  {:.2}x",
        "ureq agent with timeout_global (reference)",
        best_timed,
        best_timed / best_raw
    );
}

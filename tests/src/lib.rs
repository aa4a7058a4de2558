//! End-to-end tests of `telegram-api` against exchanges written from the Bot API's wire format.
//!
//! [`corpus`] generates realistic updates for the tests and for the decoding benchmark
//! (`cargo bench -p telegram-api-tests --bench decode`, see `BENCHMARKS.md`).
//!
//! [`replay`] serves the exchanges of `tests/fixtures/` on a loopback server and checks every
//! request against the fixture (see `tests/fixtures/README.md`).

pub mod corpus;
pub mod example;
pub mod fake_api;
pub mod http;
pub mod logs;
pub mod replay;
pub mod slow_polling;
pub mod temp;
pub mod updates;
pub mod wait;
pub mod webhook_bot;

use std::time::{Duration, Instant};

/// The most of `times` within any window of `per`: the rate a server saw at its busiest.
pub fn most_in_a_window(times: &[Instant], per: Duration) -> usize {
    let mut times = times.to_vec();
    times.sort();
    let mut most = 0;
    let mut first = 0;
    for last in 0..times.len() {
        while times[last].duration_since(times[first]) >= per {
            first += 1;
        }
        most = most.max(last - first + 1);
    }
    most
}

/// The Redis server of a test that needs one (`REDIS_URL`). Such tests are ignored unless asked
/// for (`--include-ignored`); asked for without `REDIS_URL`, they fail here.
pub fn redis_url() -> String {
    std::env::var("REDIS_URL")
        .expect("REDIS_URL is not set: this test needs a redis-server (redis://127.0.0.1:6379/)")
}

//! End-to-end tests of `telegram-api` against recorded exchanges.
//!
//! [`corpus`] generates realistic updates for the tests and for the decoding benchmark
//! (`cargo bench -p telegram-api-tests --bench decode`, see `BENCHMARKS.md`).
//!
//! [`replay`] serves the recorded exchanges of `tests/fixtures/` on a loopback server and checks
//! every request against its recording; with `TELEGRAM_RECORD=1` it records them from the real
//! Bot API instead (see `tests/fixtures/README.md`).

pub mod corpus;
pub mod example;
pub mod fake_api;
pub mod http;
pub mod loopback;
pub mod replay;

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
pub mod replay;
pub mod updates;
pub mod wait;

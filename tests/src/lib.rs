//! End-to-end tests of `telegram-api` against recorded exchanges.

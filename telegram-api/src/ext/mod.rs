//! The application layer: scheduling.

pub mod schedule;

//! The application layer: scheduling and state.

pub mod schedule;
pub mod store;

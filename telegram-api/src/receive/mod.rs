//! Receiving updates: long polling ([`Poller`]) and webhook requests ([`webhook`]). Uses the
//! transport layer to call `getUpdates`.

mod polling;
pub mod webhook;

pub use polling::{Poller, StopHandle, UpdateBatch};

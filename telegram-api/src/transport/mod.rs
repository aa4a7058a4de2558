//! The client: a [`Bot`] sends requests ([`Call`]), encoding them as JSON or multipart, with
//! defaults, retries and flood control, and turns every failure into an [`Error`].

pub(crate) mod call;
mod client;
mod defaults;
pub(crate) mod encode;
pub(crate) mod error;
mod flood;
mod resolver;
pub(crate) mod retry;

pub use call::Call;
pub use client::Bot;
pub use defaults::{Defaults, Quote};
pub use error::{ApiError, ApiErrorKind, Error};
pub use flood::{FloodControl, Limit};
pub use retry::Retry;

//! Decoding and display primitives: the JSON entry points, the decoders the generated code is
//! built from, and what keeps unknown fields and update kinds. Uses nothing else of the crate.

pub(crate) mod de;
pub(crate) mod display;
mod extra;
pub mod json;

pub use extra::{Extra, UnknownKind};

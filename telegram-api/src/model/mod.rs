//! The hand-written part of the Bot API's model, beside the generated types and request types:
//! chat ids, files to send, reply markups, the [`Method`] trait of requests, what an update
//! carries, and text formatting. Uses the codec layer only.

mod chat_id;
#[cfg(test)]
mod effective;
pub(crate) mod input_file;
mod keyboards;
mod members;
mod method;
mod people;
mod reply_markup;
#[cfg(feature = "schemars")]
pub(crate) mod schema;
pub mod text;
mod update;

pub use chat_id::ChatId;
pub use input_file::InputFile;
pub use method::Method;
pub(crate) use method::{Defaultable, Token};
pub use reply_markup::{MessageOrTrue, ReplyMarkup};

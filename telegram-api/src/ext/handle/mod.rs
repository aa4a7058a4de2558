//! Handling an update: the [`handler`]s and what they match, the [`context`] they get (with its
//! [`shortcuts`]), and [`conversation`]s.

pub(super) mod context;
pub(super) mod conversation;
pub(super) mod handler;
pub(super) mod shortcuts;

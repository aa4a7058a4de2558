//! Where updates come from: long polling ([`polling`]) and the webhook server ([`webhook`]).

pub(super) mod polling;
pub(super) mod webhook;

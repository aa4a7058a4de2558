//! [`FloodControl`]: outgoing rate limits, so that a bot waits for its turn instead of being
//! refused with 429 Too Many Requests.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::{ChatId, Error};

/// At most `count` requests in any window of `per`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// How many requests a window allows.
    pub count: u32,
    /// The length of the window.
    pub per: Duration,
}

impl Limit {
    /// At most `count` requests in any window of `per` (a `count` of 0 is taken as 1).
    #[must_use]
    pub const fn new(count: u32, per: Duration) -> Limit {
        Limit {
            count: if count == 0 { 1 } else { count },
            per,
        }
    }
}

/// Outgoing flood control for a [`Bot`](crate::Bot): requests wait for a free slot instead of
/// being refused by Telegram with 429 Too Many Requests. Off by default; turn it on with
/// [`Bot::with_flood_control`](crate::Bot::with_flood_control).
///
/// ```
/// use std::time::Duration;
/// use telegram_api::{Bot, FloodControl, Limit};
/// // Telegram's documented limits: about 30 messages a second in all, one a second in a chat,
/// // 20 a minute in a group.
/// let bot = Bot::new("123456:ABC-DEF").with_flood_control(FloodControl::new());
/// // A bot with higher limits granted by Telegram:
/// let paid = FloodControl::new().global(Limit::new(1000, Duration::from_secs(1)));
/// ```
///
/// - **What is limited.** Every request counts toward the global limit. A request with a
///   `chat_id` parameter also counts toward that chat's limit, and, when the chat is a group,
///   supergroup or channel (a negative identifier or an `@username`), toward the group limit.
///   Requests without a `chat_id` (answering a callback query, `getUpdates`, ...) only count
///   globally.
/// - **Exact windows.** Each limit holds over any window of its length, not just on average:
///   with 30 a second, no second ever sees a 31st request (a token bucket of the same rate lets
///   twice the rate through right after an idle spell). A request counts from when it is let
///   through until one window after its answer, so the limit holds where Telegram counts,
///   however long requests take to get there; the price is that a window's worth of requests
///   takes one window plus a round trip.
/// - **Order.** Requests to one chat are sent one at a time, in the order they asked for a slot;
///   each waits until the one before it was answered. Requests to other chats do not wait for it.
/// - **429.** If Telegram still answers 429 with `retry_after`, that chat (or, for a request
///   without a chat, every request) is paused for that long and the request is sent again, up
///   to [`retries`](FloodControl::retries) times; a `retry_after` longer than
///   [`max_wait`](FloodControl::max_wait) is returned as the error instead.
/// - **Sharing.** Clones of a [`Bot`](crate::Bot) share the limiter, across threads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FloodControl {
    global: Limit,
    per_chat: Limit,
    per_group: Limit,
    retries: u32,
    max_wait: Duration,
}

impl Default for FloodControl {
    fn default() -> Self {
        FloodControl::new()
    }
}

impl FloodControl {
    /// Telegram's documented limits: 30 requests a second in all, 1 a second per chat, 20 a
    /// minute per group; three retries after a 429, waits of up to a minute.
    #[must_use]
    pub const fn new() -> FloodControl {
        FloodControl {
            global: Limit::new(30, Duration::from_secs(1)),
            per_chat: Limit::new(1, Duration::from_secs(1)),
            per_group: Limit::new(20, Duration::from_secs(60)),
            retries: 3,
            max_wait: Duration::from_secs(60),
        }
    }

    /// The limit on all requests together.
    #[must_use]
    pub const fn global(mut self, limit: Limit) -> Self {
        self.global = limit;
        self
    }

    /// The limit on the requests to one chat.
    #[must_use]
    pub const fn per_chat(mut self, limit: Limit) -> Self {
        self.per_chat = limit;
        self
    }

    /// The limit on the requests to one group, supergroup or channel (on top of the per-chat
    /// limit).
    #[must_use]
    pub const fn per_group(mut self, limit: Limit) -> Self {
        self.per_group = limit;
        self
    }

    /// How many times a request refused with 429 is sent again after the wait (3 by default).
    #[must_use]
    pub const fn retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }

    /// The longest `retry_after` waited out (a minute by default); a longer one is returned as
    /// the error.
    #[must_use]
    pub const fn max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }
}

/// The shared state of a bot's flood control.
pub(crate) struct Limiter {
    config: FloodControl,
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Default)]
struct State {
    global: Window,
    /// No request is sent before this (a 429 on a request without a chat).
    paused_until: Option<Instant>,
    chats: HashMap<ChatId, ChatState>,
    last_sweep: Option<Instant>,
    /// The number of the next attempt let through.
    next_attempt: u64,
    /// How many permits wait on the condition variable (nobody to wake when none do).
    waiting: usize,
}

#[derive(Default)]
struct ChatState {
    window: Window,
    group: Option<Window>,
    paused_until: Option<Instant>,
    /// The next ticket handed out, and the ticket whose turn it is.
    next_ticket: u64,
    serving: u64,
}

/// The requests that count under one limit: those in flight, and those answered less than the
/// limit's window ago. A request counts from when it is let through until a window after its
/// answer, so that however long it takes to reach Telegram, no window at Telegram's end sees
/// more than the limit.
#[derive(Default)]
struct Window(VecDeque<Slot>);

/// A request under a limit: the attempt's number and, once answered, when.
#[derive(Clone, Copy)]
struct Slot {
    attempt: u64,
    answered: Option<Instant>,
}

impl Window {
    /// When the next request may go: now, a later instant, or `None` while the window is full
    /// of requests in flight (the next answer frees a slot).
    fn ready_at(&mut self, limit: Limit, now: Instant) -> Option<Instant> {
        let expired = |slot: &Slot| slot.answered.is_some_and(|at| at + limit.per <= now);
        // Slots leave in about the order they came: dropping the expired ones at the front is
        // enough to see that the window has room, without looking at every slot.
        while self.0.front().is_some_and(expired) {
            self.0.pop_front();
        }
        if self.0.len() < limit.count as usize {
            return Some(now);
        }
        // Full as far as the front says: the exact count.
        self.0.retain(|slot| !expired(slot));
        if self.0.len() < limit.count as usize {
            return Some(now);
        }
        self.0
            .iter()
            .filter_map(|slot| slot.answered)
            .min()
            .map(|at| at + limit.per)
    }

    fn take(&mut self, attempt: u64) {
        self.0.push_back(Slot {
            attempt,
            answered: None,
        });
    }

    fn answered(&mut self, attempt: u64, now: Instant) {
        if let Some(slot) = self.0.iter_mut().rev().find(|s| s.attempt == attempt) {
            slot.answered = Some(now);
        }
    }

    /// Whether nothing in the window matters any more at `now`.
    fn is_idle(&self, limit: Limit, now: Instant) -> bool {
        self.0
            .iter()
            .all(|slot| slot.answered.is_some_and(|at| at + limit.per <= now))
    }
}

/// The longest single wait on the condition variable: waits are re-checked this often.
const RECHECK: Duration = Duration::from_millis(250);

/// How often chats that no longer matter are forgotten.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

impl Limiter {
    pub(crate) fn new(config: FloodControl) -> Limiter {
        Limiter {
            config,
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state stays consistent at every unlock, so a panic elsewhere does not spoil it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes a place in the queue of `request`'s chat.
    pub(crate) fn permit<M: Serialize>(&self, request: &M) -> Permit<'_> {
        let chat = chat_of(request);
        let ticket = chat.as_ref().map(|chat| self.ticket(chat));
        Permit {
            limiter: self,
            chat,
            ticket,
            retries: 0,
        }
    }

    /// The next place in `chat`'s queue.
    fn ticket(&self, chat: &ChatId) -> u64 {
        let mut state = self.lock();
        let entry = state.chats.entry(chat.clone()).or_default();
        entry.next_ticket += 1;
        entry.next_ticket - 1
    }

    /// Waits until the permit's turn and a free slot under every limit, then takes the slot;
    /// returns the attempt's number.
    fn wait(&self, permit: &Permit<'_>) -> u64 {
        let config = &self.config;
        let mut state = self.lock();
        loop {
            let now = Instant::now();
            let state_ref = &mut *state;
            let mut ready = state_ref.global.ready_at(config.global, now);
            let mut pause = state_ref.paused_until;
            let mut my_turn = true;
            if let (Some(chat), Some(ticket)) = (&permit.chat, permit.ticket) {
                let entry = state_ref.chats.entry(chat.clone()).or_default();
                my_turn = entry.serving == ticket;
                ready = later(ready, entry.window.ready_at(config.per_chat, now));
                pause = pause.max(entry.paused_until);
                if is_group(chat) {
                    let group = entry.group.get_or_insert_with(Window::default);
                    ready = later(ready, group.ready_at(config.per_group, now));
                }
            }
            let ready = ready.map(|r| pause.map_or(r, |p| p.max(r)));
            if my_turn && ready.is_some_and(|r| r <= now) {
                let attempt = state_ref.next_attempt;
                state_ref.next_attempt += 1;
                state_ref.global.take(attempt);
                if let Some(chat) = &permit.chat {
                    let entry = state_ref.chats.entry(chat.clone()).or_default();
                    entry.window.take(attempt);
                    if let Some(group) = &mut entry.group {
                        group.take(attempt);
                    }
                }
                self.sweep(state_ref, now);
                return attempt;
            }
            let wait = match ready {
                Some(ready) if my_turn => (ready - now).min(RECHECK),
                _ => RECHECK,
            };
            state.waiting += 1;
            state = self
                .changed
                .wait_timeout(state, wait)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
            state.waiting -= 1;
        }
    }

    /// Marks an attempt answered (or failed): its slots free a window from now.
    fn answered(&self, chat: Option<&ChatId>, attempt: u64) {
        let now = Instant::now();
        let mut state = self.lock();
        state.global.answered(attempt, now);
        if let Some(entry) = chat.and_then(|chat| state.chats.get_mut(chat)) {
            entry.window.answered(attempt, now);
            if let Some(group) = &mut entry.group {
                group.answered(attempt, now);
            }
        }
        self.wake(state);
    }

    /// Unlocks the state and wakes the permits waiting for a change, if any.
    fn wake(&self, state: MutexGuard<'_, State>) {
        let waiting = state.waiting > 0;
        drop(state);
        if waiting {
            self.changed.notify_all();
        }
    }

    /// Forgets chats with nobody queued whose windows and pauses are over.
    fn sweep(&self, state: &mut State, now: Instant) {
        if state
            .last_sweep
            .is_some_and(|last| now.duration_since(last) < SWEEP_EVERY)
        {
            return;
        }
        state.last_sweep = Some(now);
        let config = &self.config;
        state.chats.retain(|_, chat| {
            chat.serving != chat.next_ticket
                || !chat.window.is_idle(config.per_chat, now)
                || chat
                    .group
                    .as_ref()
                    .is_some_and(|g| !g.is_idle(config.per_group, now))
                || chat.paused_until.is_some_and(|until| until > now)
        });
    }

    /// Pauses the permit's chat (or everything) for `wait`.
    fn pause(&self, permit: &Permit<'_>, wait: Duration) {
        match &permit.chat {
            Some(chat) => log::info!(
                target: "telegram_api",
                "429 Too Many Requests: requests to chat {chat} wait {wait:?}"
            ),
            None => log::info!(
                target: "telegram_api",
                "429 Too Many Requests: every request waits {wait:?}"
            ),
        }
        let until = Instant::now() + wait;
        let mut state = self.lock();
        let slot = match &permit.chat {
            Some(chat) => &mut state.chats.entry(chat.clone()).or_default().paused_until,
            None => &mut state.paused_until,
        };
        *slot = Some(slot.map_or(until, |old| old.max(until)));
        self.wake(state);
    }

    fn release(&self, permit: &Permit<'_>) {
        if let (Some(chat), Some(_)) = (&permit.chat, permit.ticket) {
            let mut state = self.lock();
            if let Some(entry) = state.chats.get_mut(chat) {
                entry.serving += 1;
            }
            self.wake(state);
        }
    }
}

impl fmt::Debug for Limiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Limiter")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// A request's place in its chat's queue; the next request of the chat goes when it is dropped.
pub(crate) struct Permit<'a> {
    limiter: &'a Limiter,
    chat: Option<ChatId>,
    ticket: Option<u64>,
    retries: u32,
}

/// The earlier of two readiness times is not enough: a request goes when every limit allows.
fn later(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    Some(a?.max(b?))
}

impl Permit<'_> {
    /// Waits for the turn and a free slot, then makes one attempt with `send`.
    pub(crate) fn send<T>(&self, send: impl FnOnce() -> T) -> T {
        /// Frees the attempt's slots even if `send` panics.
        struct Answered<'p, 'a>(&'p Permit<'a>, u64);
        impl Drop for Answered<'_, '_> {
            fn drop(&mut self) {
                self.0.limiter.answered(self.0.chat.as_ref(), self.1);
            }
        }
        let _answered = Answered(self, self.limiter.wait(self));
        send()
    }

    /// After a failed attempt: whether the request should be sent again (a 429 within the
    /// configured wait and retries, after pausing its chat or everything).
    pub(crate) fn retry_after_error(&mut self, error: &Error) -> bool {
        if !error.is_too_many_requests() || self.retries >= self.limiter.config.retries {
            return false;
        }
        let wait = error.retry_after().unwrap_or(Duration::from_secs(1));
        if wait > self.limiter.config.max_wait {
            return false;
        }
        self.retries += 1;
        self.limiter
            .pause(self, wait.max(crate::Retry::MIN_FLOOD_WAIT));
        true
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.limiter.release(self);
    }
}

/// Whether a chat is a group, supergroup or channel: their identifiers are negative, and only
/// they (and bots) have `@username`s that a bot can send to.
fn is_group(chat: &ChatId) -> bool {
    match chat {
        ChatId::Id(id) => *id < 0,
        ChatId::Username(_) => true,
    }
}

/// The `chat_id` parameter of a request, read without encoding the rest of it.
fn chat_of<M: Serialize>(request: &M) -> Option<ChatId> {
    request.serialize(capture::Request).ok().flatten()
}

/// A serializer that only looks for the top-level `chat_id` entry of a request.
mod capture {
    use serde::ser::{self, Impossible, Serialize};
    use std::fmt;

    use crate::ChatId;

    /// Not a request with a readable `chat_id`.
    #[derive(Debug)]
    pub(super) struct Skip;

    impl fmt::Display for Skip {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("no chat_id")
        }
    }

    impl std::error::Error for Skip {}

    impl ser::Error for Skip {
        fn custom<T: fmt::Display>(_: T) -> Self {
            Skip
        }
    }

    /// Methods of `Serializer` that only fail.
    macro_rules! refuse {
        ($($name:ident($($arg:ty),*)),* $(,)?) => {
            $(fn $name(self, $(_: $arg),*) -> Result<Self::Ok, Skip> { Err(Skip) })*
        };
    }

    /// Methods of `Serializer` every serializer here has alike: options and newtypes are looked
    /// through; newtype variants, sequences, tuples and struct variants are refused.
    macro_rules! shared_methods {
        () => {
            fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Self::Ok, Skip> {
                value.serialize(self)
            }
            fn serialize_newtype_struct<T: Serialize + ?Sized>(
                self,
                _: &'static str,
                value: &T,
            ) -> Result<Self::Ok, Skip> {
                value.serialize(self)
            }
            fn serialize_newtype_variant<T: Serialize + ?Sized>(
                self,
                _: &'static str,
                _: u32,
                _: &'static str,
                _: &T,
            ) -> Result<Self::Ok, Skip> {
                Err(Skip)
            }
            fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Skip> {
                Err(Skip)
            }
            fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Skip> {
                Err(Skip)
            }
            fn serialize_tuple_struct(
                self,
                _: &'static str,
                _: usize,
            ) -> Result<Self::SerializeTupleStruct, Skip> {
                Err(Skip)
            }
            fn serialize_tuple_variant(
                self,
                _: &'static str,
                _: u32,
                _: &'static str,
                _: usize,
            ) -> Result<Self::SerializeTupleVariant, Skip> {
                Err(Skip)
            }
            fn serialize_struct_variant(
                self,
                _: &'static str,
                _: u32,
                _: &'static str,
                _: usize,
            ) -> Result<Self::SerializeStructVariant, Skip> {
                Err(Skip)
            }
        };
    }

    /// The serializer of the whole request: a map (or struct) of parameters.
    pub(super) struct Request;

    /// The entries of a request, watching for `chat_id`.
    pub(super) struct Entries {
        next_is_chat_id: bool,
        found: Option<ChatId>,
    }

    impl ser::Serializer for Request {
        type Ok = Option<ChatId>;
        type Error = Skip;
        type SerializeSeq = Impossible<Option<ChatId>, Skip>;
        type SerializeTuple = Impossible<Option<ChatId>, Skip>;
        type SerializeTupleStruct = Impossible<Option<ChatId>, Skip>;
        type SerializeTupleVariant = Impossible<Option<ChatId>, Skip>;
        type SerializeMap = Entries;
        type SerializeStruct = Entries;
        type SerializeStructVariant = Impossible<Option<ChatId>, Skip>;

        refuse!(
            serialize_bool(bool),
            serialize_i8(i8),
            serialize_i16(i16),
            serialize_i32(i32),
            serialize_i64(i64),
            serialize_u8(u8),
            serialize_u16(u16),
            serialize_u32(u32),
            serialize_u64(u64),
            serialize_f32(f32),
            serialize_f64(f64),
            serialize_char(char),
            serialize_str(&str),
            serialize_bytes(&[u8]),
            serialize_none(),
            serialize_unit(),
            serialize_unit_struct(&'static str),
            serialize_unit_variant(&'static str, u32, &'static str),
        );

        shared_methods!();
        fn serialize_map(self, _: Option<usize>) -> Result<Entries, Skip> {
            Ok(Entries {
                next_is_chat_id: false,
                found: None,
            })
        }
        fn serialize_struct(self, _: &'static str, _: usize) -> Result<Entries, Skip> {
            self.serialize_map(None)
        }
    }

    impl ser::SerializeMap for Entries {
        type Ok = Option<ChatId>;
        type Error = Skip;

        fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Skip> {
            self.next_is_chat_id = key.serialize(Key).unwrap_or(false);
            Ok(())
        }

        fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Skip> {
            if std::mem::take(&mut self.next_is_chat_id) {
                self.found = value.serialize(Value).ok();
            }
            Ok(())
        }

        fn end(self) -> Result<Self::Ok, Skip> {
            Ok(self.found)
        }
    }

    impl ser::SerializeStruct for Entries {
        type Ok = Option<ChatId>;
        type Error = Skip;

        fn serialize_field<T: Serialize + ?Sized>(
            &mut self,
            key: &'static str,
            value: &T,
        ) -> Result<(), Skip> {
            if key == "chat_id" {
                self.found = value.serialize(Value).ok();
            }
            Ok(())
        }

        fn end(self) -> Result<Self::Ok, Skip> {
            Ok(self.found)
        }
    }

    /// Whether a key is `chat_id`.
    struct Key;

    /// The value of `chat_id`: an integer or a string.
    struct Value;

    /// A serializer of one scalar, refusing everything else.
    macro_rules! scalar_serializer {
        ($ty:ident, $ok:ty, { $($body:tt)* }) => {
            impl ser::Serializer for $ty {
                type Ok = $ok;
                type Error = Skip;
                type SerializeSeq = Impossible<$ok, Skip>;
                type SerializeTuple = Impossible<$ok, Skip>;
                type SerializeTupleStruct = Impossible<$ok, Skip>;
                type SerializeTupleVariant = Impossible<$ok, Skip>;
                type SerializeMap = Impossible<$ok, Skip>;
                type SerializeStruct = Impossible<$ok, Skip>;
                type SerializeStructVariant = Impossible<$ok, Skip>;

                $($body)*

                refuse!(
                    serialize_bool(bool), serialize_i8(i8), serialize_i16(i16),
                    serialize_u8(u8), serialize_u16(u16), serialize_f32(f32), serialize_f64(f64),
                    serialize_char(char), serialize_bytes(&[u8]), serialize_none(),
                    serialize_unit(), serialize_unit_struct(&'static str),
                    serialize_unit_variant(&'static str, u32, &'static str),
                );

                shared_methods!();

                fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Skip> {
                    Err(Skip)
                }
                fn serialize_struct(
                    self,
                    _: &'static str,
                    _: usize,
                ) -> Result<Self::SerializeStruct, Skip> {
                    Err(Skip)
                }
            }
        };
    }

    scalar_serializer!(Key, bool, {
        fn serialize_str(self, v: &str) -> Result<bool, Skip> {
            Ok(v == "chat_id")
        }
        refuse!(
            serialize_i32(i32),
            serialize_i64(i64),
            serialize_u32(u32),
            serialize_u64(u64)
        );
    });

    scalar_serializer!(Value, ChatId, {
        fn serialize_str(self, v: &str) -> Result<ChatId, Skip> {
            Ok(ChatId::Username(v.to_owned()))
        }
        fn serialize_i64(self, v: i64) -> Result<ChatId, Skip> {
            Ok(ChatId::Id(v))
        }
        fn serialize_i32(self, v: i32) -> Result<ChatId, Skip> {
            Ok(ChatId::Id(v.into()))
        }
        fn serialize_u32(self, v: u32) -> Result<ChatId, Skip> {
            Ok(ChatId::Id(v.into()))
        }
        fn serialize_u64(self, v: u64) -> Result<ChatId, Skip> {
            i64::try_from(v).map(ChatId::Id).map_err(|_| Skip)
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::methods::{AnswerCallbackQuery, SendMessage};

    #[test]
    fn reads_the_chat_of_a_request() {
        assert_eq!(
            chat_of(&SendMessage::new(1234567890, "hi")),
            Some(ChatId::Id(1234567890))
        );
        assert_eq!(
            chat_of(&SendMessage::new("@channel", "hi")),
            Some(ChatId::Username("@channel".into()))
        );
        assert_eq!(chat_of(&AnswerCallbackQuery::new("42")), None);
        assert_eq!(
            chat_of(&serde_json::json!({"chat_id": -100})),
            Some(ChatId::Id(-100))
        );
        assert_eq!(chat_of(&serde_json::json!([1, 2])), None);
        assert_eq!(chat_of(&serde_json::json!({"chat_id": [1]})), None);
        assert!(is_group(&ChatId::Id(-1001234567890)));
        assert!(is_group(&ChatId::Username("@channel".into())));
        assert!(!is_group(&ChatId::Id(1234567890)));
    }

    #[test]
    fn windows_count_until_a_window_after_the_answer() {
        let limit = Limit::new(3, Duration::from_secs(1));
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        let mut window = Window::default();
        for attempt in 0..3 {
            assert_eq!(window.ready_at(limit, t0), Some(t0));
            window.take(attempt);
        }
        // Full of requests in flight: wait for an answer.
        assert_eq!(window.ready_at(limit, t0), None);
        window.answered(1, ms(300));
        window.answered(0, ms(500));
        // The earliest answer frees the first slot, a window later.
        assert_eq!(window.ready_at(limit, ms(400)), Some(ms(1300)));
        assert_eq!(window.ready_at(limit, ms(1300)), Some(ms(1300)));
        assert!(!window.is_idle(limit, ms(1400)));
        window.answered(2, ms(600));
        assert!(window.is_idle(limit, ms(1600)));
        assert_eq!(Limit::new(0, Duration::from_secs(1)).count, 1);
    }

    #[test]
    fn a_slot_in_flight_at_the_front_does_not_hide_expired_ones() {
        let limit = Limit::new(2, Duration::from_secs(1));
        let t0 = Instant::now();
        let mut window = Window::default();
        window.take(0);
        window.take(1);
        // The later request is answered first; the earlier one is still in flight.
        window.answered(1, t0);
        assert_eq!(window.ready_at(limit, t0), Some(t0 + limit.per));
        let later = t0 + limit.per;
        assert_eq!(window.ready_at(limit, later), Some(later));
        window.take(2);
        assert_eq!(
            window.ready_at(limit, later),
            None,
            "full of requests in flight"
        );
    }

    #[test]
    fn an_answer_wakes_a_permit_waiting_for_its_slot() {
        let limiter =
            Limiter::new(FloodControl::new().global(Limit::new(1, Duration::from_millis(50))));
        let request = AnswerCallbackQuery::new("42");
        let started = Instant::now();
        std::thread::scope(|scope| {
            let first = limiter.permit(&request);
            let (sent, go) = std::sync::mpsc::channel();
            let limiter = &limiter;
            let request = &request;
            scope.spawn(move || {
                go.recv().unwrap();
                // The window is full of the first request in flight: this waits for its answer.
                let waited = limiter.permit(request).send(|| started.elapsed());
                // Woken by the answer at about 20 ms, it goes a window later, well before the
                // 250 ms a wait lasts without a wake-up.
                assert!(waited >= Duration::from_millis(70), "{waited:?}");
                assert!(waited < Duration::from_millis(200), "{waited:?}");
            });
            first.send(|| {
                sent.send(()).unwrap();
                std::thread::sleep(Duration::from_millis(20));
            });
        });
    }

    #[test]
    fn permits_of_a_chat_go_in_order() {
        let limiter = std::sync::Arc::new(Limiter::new(
            FloodControl::new()
                .global(Limit::new(1000, Duration::from_secs(1)))
                .per_chat(Limit::new(1000, Duration::from_secs(1))),
        ));
        let order = std::sync::Arc::new(Mutex::new(Vec::new()));
        // Tickets are taken in order 0..8; the threads start in reverse.
        let permits: Vec<_> = (0..8).map(|_| limiter.ticket(&ChatId::Id(7))).collect();
        assert_eq!(permits, (0..8).collect::<Vec<u64>>());
        let handles: Vec<_> = (0..8u64)
            .rev()
            .map(|ticket| {
                let (limiter, order) = (limiter.clone(), order.clone());
                std::thread::spawn(move || {
                    let permit = Permit {
                        limiter: &limiter,
                        chat: Some(ChatId::Id(7)),
                        ticket: Some(ticket),
                        retries: 0,
                    };
                    permit.send(|| order.lock().unwrap().push(ticket));
                })
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
        assert_eq!(*order.lock().unwrap(), (0..8).collect::<Vec<u64>>());
    }
}

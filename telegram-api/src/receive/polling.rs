//! [`Poller`]: long polling as an iterator of updates.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::methods::GetUpdates;
use crate::model::Token;
use crate::transport::retry::backoff;
use crate::{Bot, Error, Method, Retry, Update, UpdateType};

/// The shortest pause between empty polls that came back sooner than asked, whatever
/// [`Poller::idle_backoff`] sets: the poller never spins.
const IDLE_FLOOR: Duration = Duration::from_millis(10);

/// Receives updates by long polling: an iterator that calls `getUpdates` whenever it has
/// handed out every update it holds.
///
/// ```no_run
/// use telegram_api::{Bot, UpdateType};
/// # fn main() -> Result<(), telegram_api::Error> {
/// let bot = Bot::from_env()?;
/// for update in bot.updates().allowed_updates([UpdateType::Message]) {
///     let update = update?;
///     if let Some(message) = update.message() {
///         bot.send_message(message.chat.id, "Got it").call()?;
///     }
/// }
/// # Ok(())
/// # }
/// ```
///
/// - **At least once.** An update is confirmed to Telegram (by the `offset` of the next
///   `getUpdates`) only after it was handed to the caller, so none is lost; but an update handed
///   out and not yet confirmed when the poller is dropped (or the process ends) is delivered
///   again to the next poller. Call [`Poller::confirm`] after handling an update (or before
///   exiting) for exactly-once hand-off: it confirms every update handed out so far.
/// - **Order.** A batch is handed out in `update_id` order, whatever order the server sent it
///   in, and the confirmed offset never moves past an update not yet handed out.
/// - **Faults.** Connection failures, timeouts, 5xx answers and proxy error pages are retried
///   with exponential backoff; flood control (429) waits as long as Telegram asks, but at least
///   [`Retry::MIN_FLOOD_WAIT`](crate::Retry::MIN_FLOOD_WAIT). No wait is longer than
///   [`Poller::MAX_POLL_WAIT`]. No update is lost, repeated or reordered by a retry. Other errors (an invalid token, a conflicting
///   webhook or poller) are returned once, and the iteration ends.
/// - **Never spinning.** A poll that comes back empty sooner than its `timeout` asked (a server
///   that does not long-poll) is followed by a pause, [`Poller::IDLE_BACKOFF`] doubled after
///   each such poll up to [`Poller::IDLE_BACKOFF_MAX`] ([`Poller::idle_backoff`] changes both).
/// - **Undecodable updates.** An update whose payload does not decode is still handed out, as
///   [`UpdateKind::Unknown`](crate::UpdateKind::Unknown) with the raw payload and the error
///   ([`Update::undecoded`]), and a warning is logged through the [`log`] facade (target
///   `telegram_api`; nothing is printed unless the program installs a logger). An item of a
///   batch that has no readable `update_id` is not an update at all: it is skipped (the offset
///   moves past the highest readable `update_id` of its batch once those are handed out),
///   logged, and given to [`Poller::on_skipped`].
/// - **Stopping.** [`StopHandle::stop`] (from another thread, a signal handler, ...) ends the
///   iteration after the current request returns (at most the long-poll timeout).
pub struct Poller {
    bot: Bot,
    offset: Option<i64>,
    timeout: u32,
    limit: Option<u32>,
    allowed_updates: Option<Vec<UpdateType>>,
    /// The highest update_id handed out.
    last: Option<i64>,
    buffer: VecDeque<Update>,
    backoff: (Duration, Duration),
    idle_backoff: (Duration, Duration),
    failures: u32,
    idle: u32,
    stop: StopHandle,
    done: bool,
    on_retry: Option<RetryHook>,
    on_skipped: Option<SkipHook>,
}

/// Called with each retried failure and the wait before the retry.
type RetryHook = Box<dyn FnMut(&Error, Duration) + Send>;

/// Called with each batch item skipped because it is not an update.
type SkipHook = Box<dyn FnMut(&Error) + Send>;

/// Stops a [`Poller`] from anywhere; clones stop the same poller.
#[derive(Clone, Debug, Default)]
pub struct StopHandle(Arc<AtomicBool>);

impl StopHandle {
    /// Asks the poller to stop after its current request.
    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether a stop was asked for.
    pub fn is_stopped(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

impl Bot {
    /// A long-polling iterator over this bot's updates (30-second polls, every update type the
    /// bot's last setting allows). See [`Poller`].
    pub fn updates(&self) -> Poller {
        Poller {
            bot: self.clone(),
            offset: None,
            timeout: 30,
            limit: None,
            allowed_updates: None,
            last: None,
            buffer: VecDeque::new(),
            backoff: (Duration::from_millis(250), Duration::from_secs(30)),
            idle_backoff: (Poller::IDLE_BACKOFF, Poller::IDLE_BACKOFF_MAX),
            failures: 0,
            idle: 0,
            stop: StopHandle::default(),
            done: false,
            on_retry: None,
            on_skipped: None,
        }
    }
}

impl Poller {
    /// The longest a poller ever waits between two requests, whatever a server asks
    /// (`retry_after`) or the back-off settings say: 10 minutes.
    pub const MAX_POLL_WAIT: Duration = Duration::from_secs(600);

    /// The first pause after a poll that came back empty sooner than its `timeout` asked (a
    /// server or proxy that does not hold the request open): 100 ms, doubled after each such
    /// poll up to [`IDLE_BACKOFF_MAX`](Self::IDLE_BACKOFF_MAX), and reset by the first update.
    pub const IDLE_BACKOFF: Duration = Duration::from_millis(100);

    /// The longest pause between empty polls that came back sooner than asked: 5 seconds.
    pub const IDLE_BACKOFF_MAX: Duration = Duration::from_secs(5);

    /// How long each `getUpdates` may wait for updates, in seconds (30 by default; 0 is short
    /// polling).
    #[must_use]
    pub fn timeout(mut self, seconds: u32) -> Self {
        self.timeout = seconds;
        self
    }

    /// At most this many updates per request (1-100; Telegram's default is 100).
    #[must_use]
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Receive only these kinds of updates (Telegram remembers the setting).
    #[must_use]
    pub fn allowed_updates(mut self, kinds: impl IntoIterator<Item = UpdateType>) -> Self {
        self.allowed_updates = Some(kinds.into_iter().collect());
        self
    }

    /// Starts from this offset (the identifier of the first update wanted) instead of the
    /// first unconfirmed update.
    #[must_use]
    pub fn offset(mut self, offset: i64) -> Self {
        self.offset = Some(offset);
        self.last = offset.checked_sub(1);
        self
    }

    /// The wait after a transient failure: `first`, doubled each time up to `max`
    /// (250 ms to 30 s by default).
    #[must_use]
    pub fn backoff(mut self, first: Duration, max: Duration) -> Self {
        self.backoff = (first, max);
        self
    }

    /// The pause after a poll that came back empty sooner than its `timeout` asked: `first`,
    /// doubled after each such poll up to `max` ([`Poller::IDLE_BACKOFF`] to
    /// [`Poller::IDLE_BACKOFF_MAX`] by default; never less than 10 ms).
    #[must_use]
    pub fn idle_backoff(mut self, first: Duration, max: Duration) -> Self {
        self.idle_backoff = (first, max);
        self
    }

    /// Calls `f` with each failure that is retried and the wait before the retry (for logging).
    #[must_use]
    pub fn on_retry(mut self, f: impl FnMut(&Error, Duration) + Send + 'static) -> Self {
        self.on_retry = Some(Box::new(f));
        self
    }

    /// Calls `f` with each item of a batch that was skipped because it is not an update (it
    /// has no readable `update_id`): an [`Error::Decode`] whose path is the item's place in
    /// the batch (`result[3]`) and whose message says what was wrong, with the item's start.
    #[must_use]
    pub fn on_skipped(mut self, f: impl FnMut(&Error) + Send + 'static) -> Self {
        self.on_skipped = Some(Box::new(f));
        self
    }

    /// A handle that stops this poller.
    pub fn stop_handle(&self) -> StopHandle {
        self.stop.clone()
    }

    /// The offset the next `getUpdates` sends: one more than the last update handed out.
    pub fn next_offset(&self) -> Option<i64> {
        self.offset
    }

    /// Confirms every update handed out so far, without waiting for the next fetch (call it
    /// after handling an update for exactly-once hand-off, or before exiting). Updates fetched
    /// but not handed out stay unconfirmed.
    ///
    /// # Errors
    ///
    /// Fails when the confirming `getUpdates` fails, with the errors of [`Bot::execute`].
    pub fn confirm(&mut self) -> Result<(), Error> {
        let Some(offset) = self.offset else {
            return Ok(());
        };
        // Telegram confirms everything below `offset`; the one update this may return is
        // not confirmed, and stays first in the buffer.
        let request = GetUpdates::new().offset(offset).limit(1).timeout(0);
        let fetched = self.bot.get_update_batch(request)?;
        if self.buffer.is_empty() {
            let fresh = self.accept(fetched);
            self.buffer.extend(fresh);
        }
        Ok(())
    }

    fn fetch(&self) -> Result<UpdateBatch, Error> {
        let mut request = GetUpdates::new().timeout(i64::from(self.timeout));
        if let Some(offset) = self.offset {
            request = request.offset(offset);
        }
        if let Some(limit) = self.limit {
            request = request.limit(i64::from(limit));
        }
        if let Some(kinds) = &self.allowed_updates {
            request = request.allowed_updates(kinds.clone());
        }
        self.bot.get_update_batch(request)
    }

    /// The updates of a batch not handed out yet, in `update_id` order; reports what was
    /// salvaged or skipped.
    fn accept(&mut self, batch: UpdateBatch) -> Vec<Update> {
        for skipped in batch.skipped {
            log::warn!(target: "telegram_api", "{skipped}");
            if let Some(f) = &mut self.on_skipped {
                f(&skipped);
            }
        }
        let mut updates = batch.updates;
        updates.sort_by_key(|u| u.update_id);
        updates.dedup_by_key(|u| u.update_id);
        let last = self.last;
        updates.retain(|u| last.is_none_or(|l| u.update_id > l));
        for update in &updates {
            if let Some(unknown) = update.undecoded() {
                log::warn!(
                    target: "telegram_api",
                    "update {}: its {} does not decode, handed out as UpdateKind::Unknown: {}",
                    update.update_id,
                    unknown.name,
                    self.bot.redact_text(unknown.error.as_deref().unwrap_or_default())
                );
            }
        }
        updates
    }

    /// Sleeps `wait` (at most [`Poller::MAX_POLL_WAIT`]), waking early when stopped.
    fn pause(&self, wait: Duration) {
        let wait = wait.min(Poller::MAX_POLL_WAIT);
        let start = Instant::now();
        while !self.stop.is_stopped() {
            let elapsed = start.elapsed();
            if elapsed >= wait {
                break;
            }
            std::thread::sleep((wait - elapsed).min(Duration::from_millis(50)));
        }
    }
}

/// `getUpdates`, with the batch decoded item by item when it does not decode whole.
struct Raw(GetUpdates);

impl serde::Serialize for Raw {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl Method for Raw {
    const NAME: &'static str = GetUpdates::NAME;
    type Response = UpdateBatch;

    fn long_poll(&self) -> Option<Duration> {
        self.0.long_poll()
    }

    fn decode_result(result: &str, _: Token) -> Result<UpdateBatch, serde_json::Error> {
        UpdateBatch::decode(result)
    }
}

/// The updates of a `getUpdates` answer, and the items that are not updates: what
/// [`Bot::get_update_batch`] returns.
#[derive(Debug)]
#[non_exhaustive]
pub struct UpdateBatch {
    /// The updates, in the order the server sent them. One whose payload does not decode is
    /// kept as [`UpdateKind::Unknown`](crate::UpdateKind::Unknown) with the error
    /// ([`Update::undecoded`]).
    pub updates: Vec<Update>,
    /// For each item that is not an update at all (not an object, or without a readable
    /// `update_id`): an [`Error::Decode`] whose path is the item's place in the batch.
    pub skipped: Vec<Error>,
}

impl Bot {
    /// Sends `getUpdates` and reads its answer item by item, as [`Poller`] does: an item that
    /// is not an update does not fail the batch but is returned in
    /// [`skipped`](UpdateBatch::skipped), and an update whose payload does not decode is
    /// salvaged. For a loop of its own that decides offsets itself; [`Bot::updates`] is the
    /// simpler way to poll.
    ///
    /// An item that is not an update cannot be confirmed by its own `update_id`: an `offset`
    /// past the highest readable one of the batch confirms it with the rest.
    ///
    /// # Errors
    ///
    /// Fails as [`Bot::execute`] does, with [`Error::Decode`] only when the result is not a list;
    /// an item that is not an update does not fail the batch.
    pub fn get_update_batch(&self, request: GetUpdates) -> Result<UpdateBatch, Error> {
        let mut batch = self.execute(&Raw(request))?;
        batch.skipped = batch
            .skipped
            .into_iter()
            .map(|e| self.redact_error(e))
            .collect();
        Ok(batch)
    }
}

impl UpdateBatch {
    fn decode(json: &str) -> Result<UpdateBatch, serde_json::Error> {
        if let Ok(updates) = crate::json::from_str::<Vec<Update>>(json) {
            return Ok(UpdateBatch {
                updates,
                skipped: Vec::new(),
            });
        }
        let items: Vec<&RawValue> = serde_json::from_str(json)?;
        let mut batch = UpdateBatch {
            updates: Vec::with_capacity(items.len()),
            skipped: Vec::new(),
        };
        for (i, item) in items.into_iter().enumerate() {
            match decode_item(item.get()) {
                Ok(update) => batch.updates.push(update),
                Err(why) => batch.skipped.push(Error::Decode {
                    method: GetUpdates::NAME,
                    path: format!("result[{i}]"),
                    message: format!(
                        "skipped, not an update ({why}): {}",
                        crate::transport::error::excerpt_redacted(item.get().as_bytes(), None)
                    ),
                }),
            }
        }
        Ok(batch)
    }
}

/// An item of a batch as an update, salvaged when only its payload does not decode.
fn decode_item(item: &str) -> Result<Update, String> {
    use crate::codec::de::Salvage;
    let error = match crate::json::from_str::<Update>(item) {
        Ok(update) => return Ok(update),
        Err(e) => e.to_string(),
    };
    let object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(item).map_err(|_| "not a JSON object".to_owned())?;
    match object.get("update_id") {
        None => return Err("no update_id".into()),
        Some(id) if !id.is_i64() => return Err(format!("update_id is not an integer: {id}")),
        Some(_) => {}
    }
    Update::salvage(object, error.clone()).ok_or(error)
}

impl<'de> Deserialize<'de> for UpdateBatch {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(d)?;
        UpdateBatch::decode(raw.get()).map_err(serde::de::Error::custom)
    }
}

impl Iterator for Poller {
    type Item = Result<Update, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.done {
                return None;
            }
            if let Some(update) = self.buffer.pop_front() {
                self.last = Some(update.update_id);
                self.offset = Some(update.update_id.saturating_add(1));
                return Some(Ok(update));
            }
            if self.stop.is_stopped() {
                self.done = true;
                return None;
            }
            let started = Instant::now();
            match self.fetch() {
                Ok(batch) => {
                    self.failures = 0;
                    let all_skipped = batch.updates.is_empty() && !batch.skipped.is_empty();
                    let fresh = self.accept(batch);
                    let early = started.elapsed().as_secs_f64() < f64::from(self.timeout) * 0.9;
                    if !fresh.is_empty() {
                        self.idle = 0;
                        self.buffer.extend(fresh);
                    } else if early || self.timeout == 0 || all_skipped {
                        // Nothing new, sooner than asked: the server does not long-poll (or
                        // sends only items that are not updates). Never ask again at once.
                        self.idle = self.idle.saturating_add(1);
                        let (first, max) = self.idle_backoff;
                        let wait = backoff(first.max(IDLE_FLOOR), max.max(IDLE_FLOOR), self.idle);
                        self.pause(wait);
                    } else {
                        self.idle = 0;
                    }
                }
                Err(e) if e.is_transient() => {
                    self.failures = self.failures.saturating_add(1);
                    let wait = match e.retry_after() {
                        Some(wait) => wait.max(Retry::MIN_FLOOD_WAIT),
                        None => backoff(self.backoff.0, self.backoff.1, self.failures),
                    }
                    .min(Poller::MAX_POLL_WAIT);
                    if let Some(f) = &mut self.on_retry {
                        f(&e, wait);
                    }
                    self.pause(wait);
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

impl fmt::Debug for Poller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Poller")
            .field("bot", &self.bot)
            .field("offset", &self.offset)
            .field("timeout", &self.timeout)
            .field("limit", &self.limit)
            .field("allowed_updates", &self.allowed_updates)
            .field("buffered", &self.buffer.len())
            .field("stopped", &self.stop.is_stopped())
            .finish()
    }
}

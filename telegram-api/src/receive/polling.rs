//! [`Poller`]: long polling as an iterator of updates.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
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
/// - **Never spinning.** A poll that comes back too early (a server that does not long-poll) is
///   followed by a pause, [`Poller::IDLE_BACKOFF`] doubled after each such poll up to
///   [`Poller::IDLE_BACKOFF_MAX`] ([`Poller::idle_backoff`] changes both). A poll came back too
///   early when it brought nothing new and no update still waiting for its confirmation, and
///   either came back sooner than nine tenths of its `timeout`, or asked for no wait
///   (`timeout` 0), or brought only items that are not updates.
/// - **Undecodable updates.** An update whose payload does not decode is still handed out, as
///   [`UpdateKind::Unknown`](crate::UpdateKind::Unknown) with the raw payload and the error
///   ([`Update::undecoded`]), and a warning is logged through the [`log`] facade (target
///   `telegram_api`; nothing is printed unless the program installs a logger). An item of a
///   batch that has no readable `update_id` is not an update at all: it is skipped (the offset
///   moves past the highest readable `update_id` of its batch once those are handed out),
///   logged, and given to [`Poller::on_skipped`].
/// - **Stopping.** [`StopHandle::stop`] (from another thread, a signal handler, ...) ends the
///   iteration after the current request returns (at most the long-poll timeout), or at once
///   with [`Poller::stop_promptly`].
/// - **Batches.** [`Poller::next_batch`] hands out a whole batch at a time instead, and
///   [`Poller::confirm_explicitly`] with [`Poller::confirm_to`] leaves it to the caller to say
///   which updates are done (for example once they are stored, or handled).
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
    /// Whether only [`Poller::confirm_to`] moves the offset.
    explicit: bool,
    /// Whether requests run on a thread of their own, abandoned when stopping.
    prompt: bool,
    fetcher: Option<Fetcher>,
    /// The wait before the next poll, after a transient failure.
    retry_wait: Option<Duration>,
}

/// The thread that sends the requests of a [`Poller::stop_promptly`] poller.
struct Fetcher {
    requests: mpsc::Sender<GetUpdates>,
    results: mpsc::Receiver<Result<UpdateBatch, Error>>,
}

/// Called with each retried failure and the wait before the retry.
type RetryHook = Box<dyn FnMut(&Error, Duration) + Send>;

/// Called with each batch item skipped because it is not an update.
type SkipHook = Box<dyn FnMut(&Error) + Send>;

/// Stops a [`Poller`] from anywhere; clones stop the same poller.
#[derive(Clone, Debug, Default)]
pub struct StopHandle(pub(crate) Arc<AtomicBool>);

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
            explicit: false,
            prompt: false,
            fetcher: None,
            retry_wait: None,
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

    /// Stopped by `handle` (and its clones) instead of a handle of its own, for example the
    /// handle of a program that stops other work with it too.
    #[must_use]
    pub fn stopped_by(mut self, handle: StopHandle) -> Self {
        self.stop = handle;
        self
    }

    /// Stops at once when asked, instead of after the request in progress: each `getUpdates`
    /// runs on a thread of the poller's own (started by the first poll, named
    /// `telegram-poll`), and a long poll in progress when the poller is stopped is abandoned.
    /// What an abandoned poll returns is not handed out, and stays unconfirmed.
    #[must_use]
    pub fn stop_promptly(mut self) -> Self {
        self.prompt = true;
        self
    }

    /// Confirms only what the caller confirms: handing out an update no longer moves the offset
    /// of the next `getUpdates`, [`Poller::confirm_to`] does (and [`Poller::offset`] at the
    /// start). For a caller that finishes its updates later, or out of order: an update handed
    /// out and not yet confirmed is returned by Telegram again in the next polls (at most
    /// [`Poller::limit`] updates from the offset), but is not handed out again; a poll that
    /// brings back such updates and nothing new did not come back too early, and is not
    /// followed by a pause.
    #[must_use]
    pub fn confirm_explicitly(mut self) -> Self {
        self.explicit = true;
        self
    }

    /// Makes the next `getUpdates` confirm every update below `offset` (one more than the
    /// `update_id` of the last update done), without a request of its own. An offset below the
    /// current one is ignored: what was confirmed stays confirmed. Mostly for
    /// [`Poller::confirm_explicitly`]; otherwise handing out an update confirms it already.
    pub fn confirm_to(&mut self, offset: i64) {
        if self.offset.is_none_or(|o| offset > o) {
            self.offset = Some(offset);
        }
    }

    /// Changes the long-poll timeout of the following `getUpdates`, in seconds (as
    /// [`Poller::timeout`] does when building the poller): 0, for example, while the caller
    /// only wants to know at once whether something came.
    pub fn set_timeout(&mut self, seconds: u32) {
        self.timeout = seconds;
    }

    /// A handle that stops this poller.
    pub fn stop_handle(&self) -> StopHandle {
        self.stop.clone()
    }

    /// The offset the next `getUpdates` sends: one more than the last update handed out (with
    /// [`Poller::confirm_explicitly`], the last offset given to [`Poller::confirm_to`]).
    pub fn next_offset(&self) -> Option<i64> {
        self.offset
    }

    /// Polls once and hands out every update of the batch not handed out before, in
    /// `update_id` order (or first, the updates the iterator fetched and has not handed out
    /// yet). The batch may be empty: a long poll that ended with nothing, or that brought back
    /// only updates handed out before.
    ///
    /// The poll is the iterator's, with the same guarantees (see [`Poller`]): the offset, the
    /// pause after a poll that came back too early, the items that are not updates. Unlike the
    /// iterator, it does not end on an error, and retries nothing itself: an error is returned at
    /// once, and calling again polls again. A transient failure ([`Error::is_transient`]) is
    /// also given to [`Poller::on_retry`], and the next call waits it out before polling (the
    /// [`Poller::backoff`], or the flood wait: [`Poller::retry_wait`]).
    ///
    /// `None` once the poller is stopped.
    pub fn next_batch(&mut self) -> Option<Result<Vec<Update>, Error>> {
        let updates = if self.buffer.is_empty() {
            match self.poll()? {
                Ok(updates) => updates,
                Err(e) => return Some(Err(e)),
            }
        } else {
            self.buffer.drain(..).collect()
        };
        if let Some(update) = updates.last() {
            self.hand_out(update.update_id);
        }
        Some(Ok(updates))
    }

    /// After a transient failure: how long the next poll waits before its request (the
    /// [`Poller::backoff`], or the wait that flood control asked for, at most
    /// [`Poller::MAX_POLL_WAIT`]); `None` when the last poll did not fail.
    pub fn retry_wait(&self) -> Option<Duration> {
        self.retry_wait
    }

    /// Records that the update `id` (and every one before it) was handed out.
    fn hand_out(&mut self, id: i64) {
        self.last = Some(id);
        if !self.explicit {
            self.offset = Some(id.saturating_add(1));
        }
    }

    /// Confirms every update handed out so far, without waiting for the next fetch (call it
    /// after handling an update for exactly-once hand-off, or before exiting). Updates fetched
    /// but not handed out stay unconfirmed. After
    /// [`confirm_explicitly`](Poller::confirm_explicitly), handing out confirms nothing: this
    /// confirms what [`confirm_to`](Poller::confirm_to) was given.
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

    /// One `getUpdates`; `None` when stopped while a prompt poller waited for it.
    fn fetch(&mut self) -> Option<Result<UpdateBatch, Error>> {
        let request = self.request();
        if !self.prompt {
            return Some(self.bot.get_update_batch(request));
        }
        if self.fetcher.is_none() {
            let (requests, requests_rx) = mpsc::channel::<GetUpdates>();
            let (results_tx, results) = mpsc::channel();
            let bot = self.bot.clone();
            let spawned = std::thread::Builder::new()
                .name("telegram-poll".into())
                .spawn(move || {
                    for request in requests_rx {
                        if results_tx.send(bot.get_update_batch(request)).is_err() {
                            break;
                        }
                    }
                });
            if spawned.is_err() {
                // No thread to spare: poll on this one.
                return Some(self.bot.get_update_batch(request));
            }
            self.fetcher = Some(Fetcher { requests, results });
        }
        let fetcher = self.fetcher.as_ref()?;
        if let Err(mpsc::SendError(request)) = fetcher.requests.send(request) {
            self.fetcher = None;
            return Some(self.bot.get_update_batch(request));
        }
        loop {
            match fetcher.results.recv_timeout(Duration::from_millis(50)) {
                Ok(result) => return Some(result),
                Err(mpsc::RecvTimeoutError::Timeout) if !self.stop.is_stopped() => {}
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    // Abandoned: the thread ends once the request returns.
                    self.fetcher = None;
                    return None;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    // The thread is gone (it panicked): poll on this one.
                    self.fetcher = None;
                    return Some(self.bot.get_update_batch(self.request()));
                }
            }
        }
    }

    /// The next `getUpdates`.
    fn request(&self) -> GetUpdates {
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
        request
    }

    /// One `getUpdates` and what follows it: the updates not handed out yet, in `update_id`
    /// order, after the pause that a poll that came back too early calls for; or the failure
    /// (waited out before the next request when it is transient). `None` when stopped.
    fn poll(&mut self) -> Option<Result<Vec<Update>, Error>> {
        if self.stop.is_stopped() {
            return None;
        }
        if let Some(wait) = self.retry_wait.take() {
            self.pause(wait);
            if self.stop.is_stopped() {
                return None;
            }
        }
        let started = Instant::now();
        let sent = self.offset;
        match self.fetch()? {
            Ok(batch) => {
                self.failures = 0;
                let all_skipped = batch.updates.is_empty() && !batch.skipped.is_empty();
                // Updates handed out and not confirmed yet, back as they should be.
                let waiting = batch
                    .updates
                    .iter()
                    .any(|u| sent.is_none_or(|o| u.update_id >= o));
                let fresh = self.accept(batch);
                let early = started.elapsed().as_secs_f64() < f64::from(self.timeout) * 0.9;
                if !fresh.is_empty() || waiting {
                    self.idle = 0;
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
                Some(Ok(fresh))
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
                self.retry_wait = Some(wait);
                Some(Err(e))
            }
            Err(e) => Some(Err(e)),
        }
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
                self.hand_out(update.update_id);
                return Some(Ok(update));
            }
            match self.poll() {
                None => {
                    self.done = true;
                    return None;
                }
                Some(Ok(fresh)) => self.buffer.extend(fresh),
                Some(Err(e)) if e.is_transient() => {}
                Some(Err(e)) => {
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

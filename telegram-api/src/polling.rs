//! [`Poller`]: long polling as an iterator of updates.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::retry::backoff;
use crate::{Bot, Error, Update, UpdateType};

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
/// - **Confirmation.** An update is confirmed to Telegram (by the `offset` of the next
///   `getUpdates`) only after it was handed to the caller. Updates fetched but not yet handed out
///   when the poller is dropped are delivered again next time; [`Poller::confirm`] confirms the
///   ones handed out without waiting for the next fetch.
/// - **Faults.** Connection failures, timeouts, 5xx answers and proxy error pages are retried
///   with exponential backoff; flood control (429) waits as long as Telegram asks. No update is
///   lost, repeated or reordered by a retry. Other errors (an invalid token, a conflicting
///   webhook or poller) are returned once, and the iteration ends.
/// - **Stopping.** [`StopHandle::stop`] (from another thread, a signal handler, ...) ends the
///   iteration after the current request returns (at most the long-poll timeout).
pub struct Poller {
    bot: Bot,
    offset: Option<i64>,
    timeout: u32,
    limit: Option<u32>,
    allowed_updates: Option<Vec<UpdateType>>,
    buffer: VecDeque<Update>,
    backoff: (Duration, Duration),
    failures: u32,
    stop: StopHandle,
    done: bool,
    on_retry: Option<RetryHook>,
}

/// Called with each retried failure and the wait before the retry.
type RetryHook = Box<dyn FnMut(&Error, Duration) + Send>;

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
            buffer: VecDeque::new(),
            backoff: (Duration::from_millis(250), Duration::from_secs(30)),
            failures: 0,
            stop: StopHandle::default(),
            done: false,
            on_retry: None,
        }
    }
}

impl Poller {
    /// How long each `getUpdates` may wait for updates, in seconds (30 by default; 0 is short
    /// polling).
    pub fn timeout(mut self, seconds: u32) -> Self {
        self.timeout = seconds;
        self
    }

    /// At most this many updates per request (1-100; Telegram's default is 100).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Receive only these kinds of updates (Telegram remembers the setting).
    pub fn allowed_updates(mut self, kinds: impl IntoIterator<Item = UpdateType>) -> Self {
        self.allowed_updates = Some(kinds.into_iter().collect());
        self
    }

    /// Starts from this offset (the identifier of the first update wanted) instead of the
    /// first unconfirmed update.
    pub fn offset(mut self, offset: i64) -> Self {
        self.offset = Some(offset);
        self
    }

    /// The wait after a transient failure: `first`, doubled each time up to `max`
    /// (250 ms to 30 s by default).
    pub fn backoff(mut self, first: Duration, max: Duration) -> Self {
        self.backoff = (first, max);
        self
    }

    /// Calls `f` with each failure that is retried and the wait before the retry (for logging).
    pub fn on_retry(mut self, f: impl FnMut(&Error, Duration) + Send + 'static) -> Self {
        self.on_retry = Some(Box::new(f));
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
    /// before exiting). Updates fetched but not handed out stay unconfirmed.
    pub fn confirm(&mut self) -> Result<(), Error> {
        let Some(offset) = self.offset else {
            return Ok(());
        };
        // Telegram confirms everything below `offset`; the one update this may return is
        // not confirmed, and stays first in the buffer.
        let fetched = self
            .bot
            .get_updates()
            .offset(offset)
            .limit(1)
            .timeout(0)
            .call()?;
        if self.buffer.is_empty() {
            self.buffer
                .extend(fetched.into_iter().filter(|u| u.update_id >= offset));
        }
        Ok(())
    }

    fn fetch(&self) -> Result<Vec<Update>, Error> {
        let mut call = self.bot.get_updates().timeout(i64::from(self.timeout));
        if let Some(offset) = self.offset {
            call = call.offset(offset);
        }
        if let Some(limit) = self.limit {
            call = call.limit(i64::from(limit));
        }
        if let Some(kinds) = &self.allowed_updates {
            call = call.allowed_updates(kinds.clone());
        }
        call.call()
    }

    /// Sleeps `wait`, waking early when stopped.
    fn pause(&self, wait: Duration) {
        let until = Instant::now() + wait;
        while !self.stop.is_stopped() {
            let now = Instant::now();
            if now >= until {
                break;
            }
            std::thread::sleep((until - now).min(Duration::from_millis(50)));
        }
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
                self.offset = Some(update.update_id + 1);
                return Some(Ok(update));
            }
            if self.stop.is_stopped() {
                self.done = true;
                return None;
            }
            match self.fetch() {
                Ok(batch) => {
                    self.failures = 0;
                    // Never hand out an update again, or out of order.
                    let mut last = self.offset.map_or(i64::MIN, |o| o - 1);
                    for update in batch {
                        if update.update_id > last {
                            last = update.update_id;
                            self.buffer.push_back(update);
                        }
                    }
                }
                Err(e) if e.is_transient() => {
                    self.failures += 1;
                    let wait = e
                        .retry_after()
                        .unwrap_or_else(|| backoff(self.backoff.0, self.backoff.1, self.failures));
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

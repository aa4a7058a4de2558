//! The runners: [`Application::run_polling`], and the stop conditions shared with the webhook
//! runner (a stop handle, Ctrl-C and SIGTERM).

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::Error;
use crate::ext::application::{Application, Inner};
#[cfg(doc)]
use crate::{Poller, Retry};

/// Why a runner returned with an error.
#[derive(Debug)]
#[non_exhaustive]
pub enum RunError {
    /// Telegram refused a request for good (an invalid token, a webhook set while polling,
    /// another poller running, ...).
    Api(Error),
    /// The webhook server could not listen, or a thread could not be started.
    Io(std::io::Error),
    /// A [`post_init`](crate::ext::ApplicationBuilder::post_init) hook failed; the runner did not
    /// start.
    Init(crate::ext::BoxError),
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Api(e) => write!(f, "{e}"),
            RunError::Io(e) => write!(f, "{e}"),
            RunError::Init(e) => write!(f, "post_init failed: {e}"),
        }
    }
}

impl std::error::Error for RunError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            // The message is (or includes) the wrapped error's: go on with the first cause it
            // does not already tell.
            RunError::Api(e) => e.source(),
            RunError::Io(e) => crate::ext::store::untold_cause(&self.to_string(), e),
            RunError::Init(e) => crate::ext::store::untold_cause(&self.to_string(), &**e),
        }
    }
}

impl From<Error> for RunError {
    fn from(e: Error) -> Self {
        RunError::Api(e)
    }
}

impl From<std::io::Error> for RunError {
    fn from(e: std::io::Error) -> Self {
        RunError::Io(e)
    }
}

/// How often waiting loops look at the stop conditions.
pub(crate) const TICK: Duration = Duration::from_millis(50);

/// While updates are in flight, `getUpdates` (whose offset cannot pass them without confirming
/// them) is repeated at most this often unless one finishes earlier.
const BUSY_POLL: Duration = Duration::from_millis(100);

/// Without an inbox, a poll while updates are in flight returns them again (from the offset
/// they hold back) before any new one: it waits at most this long for the pool to bring the
/// updates in flight down to a tenth of a batch, so that it fetches mostly new ones.
const BUSY_SETTLE: Duration = Duration::from_millis(20);

/// The stop handle and, while a runner runs, SIGINT and SIGTERM.
pub(crate) struct Stop {
    inner: Arc<Inner>,
    signalled: Arc<AtomicBool>,
    ids: Vec<signal_hook::SigId>,
}

impl Stop {
    pub(crate) fn new(inner: &Arc<Inner>) -> Stop {
        let signalled = Arc::new(AtomicBool::new(false));
        let mut ids = Vec::new();
        if inner.config.handle_signals {
            for signal in SIGNALS {
                // A second signal, once the first asked to stop, ends the process at once.
                if let Ok(id) = signal_hook::flag::register_conditional_shutdown(
                    signal,
                    128 + signal,
                    signalled.clone(),
                ) {
                    ids.push(id);
                }
                if let Ok(id) = signal_hook::flag::register(signal, signalled.clone()) {
                    ids.push(id);
                }
                // The stop handle itself, for the loops that look only at it (the poller's).
                if let Ok(id) = signal_hook::flag::register(signal, inner.stop.0.clone()) {
                    ids.push(id);
                }
            }
        }
        Stop {
            inner: inner.clone(),
            signalled,
            ids,
        }
    }

    pub(crate) fn is_stopped(&self) -> bool {
        if self.signalled.load(Ordering::SeqCst) {
            self.inner.stop.stop();
        }
        self.inner.stop.is_stopped()
    }
}

/// The signals that stop a runner.
const SIGNALS: [i32; 2] = [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM];

impl Drop for Stop {
    fn drop(&mut self) {
        if self.ids.is_empty() {
            return;
        }
        for id in self.ids.drain(..) {
            signal_hook::low_level::unregister(id);
        }
        // Unregistering does not give the signals their default action back; ending the
        // process on them is the closest to it.
        for signal in SIGNALS {
            let _ = signal_hook::flag::register_conditional_shutdown(
                signal,
                128 + signal,
                Arc::new(AtomicBool::new(true)),
            );
        }
    }
}

impl Application {
    /// Receives updates by long polling and handles them until stopped (the
    /// [`stop_handle`](Application::stop_handle), Ctrl-C or SIGTERM), or until Telegram
    /// refuses `getUpdates` for good.
    ///
    /// - Updates go to the ordered worker pool: one chat at a time in order, chats in parallel.
    /// - **Nothing is lost on a crash.** With a store that keeps an inbox (the file store, the
    ///   Redis store), a batch is written to it in one transaction and then confirmed to
    ///   Telegram (by the offset of the next `getUpdates`): nothing is fetched twice, slow
    ///   handlers hold back nothing but their own chat, and after a crash or `kill -9` the next
    ///   run handles what the inbox kept before polling (with the Redis store, the other
    ///   processes sharing it handle it as well). Without one (the memory store), an update is confirmed
    ///   only once it and every earlier update have been handled, so the next run gets again
    ///   exactly the updates that were not done; the price: while an update is in flight,
    ///   `getUpdates` keeps asking from it (Telegram returns at most 100 updates from the
    ///   offset), so a handler that takes very long holds back updates more than 100 behind it.
    /// - The polling is a [`Poller`]'s (with [`Poller::confirm_explicitly`]: the offset is what
    ///   the pool says is done), with its guarantees.
    /// - Connection failures, 5xx answers and flood control are retried with backoff (250 ms
    ///   doubled up to 30 s, or the
    ///   [`poll_backoff`](crate::ext::ApplicationBuilder::poll_backoff)); a 429
    ///   waits its `retry_after`, at least [`Retry::MIN_FLOOD_WAIT`] and at most
    ///   [`Poller::MAX_POLL_WAIT`]. Each failure is logged (`warn`) and given to the error
    ///   handler as [`HandlerError::Receive`](crate::ext::HandlerError::Receive).
    /// - A batch is handed to the pool in `update_id` order. A poll that comes back too early
    ///   (as the [`Poller`] defines it: nothing new, sooner than asked) gets a pause before the
    ///   next one ([`Poller::IDLE_BACKOFF`], doubled up to [`Poller::IDLE_BACKOFF_MAX`] while it
    ///   goes on, or the
    ///   [`poll_idle_backoff`](crate::ext::ApplicationBuilder::poll_idle_backoff)), so a server that does not long-poll is never flooded with requests.
    /// - Stopping: no more fetching (a long poll in progress is abandoned, and what it returns
    ///   stays unconfirmed), the handlers in flight get the
    ///   [`stop_timeout`](crate::ext::ApplicationBuilder::stop_timeout) to finish, the handled
    ///   updates are confirmed, and the call returns.
    ///
    /// The update types asked for are [`allowed_updates`](Application::allowed_updates). When
    /// Telegram refuses to poll because a webhook is set (left from an earlier deployment), the
    /// webhook is deleted (`deleteWebhook`, the updates waiting at Telegram kept) and polling
    /// goes on.
    ///
    /// With [`drop_pending_updates`](crate::ext::ApplicationBuilder::drop_pending_updates), the
    /// updates waiting at Telegram when it starts are dropped instead (`deleteWebhook` with
    /// `drop_pending_updates`, before the first poll).
    ///
    /// The [`post_init`](crate::ext::ApplicationBuilder::post_init) hooks run before the first poll,
    /// the [`post_stop`](crate::ext::ApplicationBuilder::post_stop) hooks after the last update.
    ///
    /// # Errors
    ///
    /// Fails with [`RunError::Init`] when a `post_init` hook fails, [`RunError::Io`] when a
    /// thread cannot be started, and [`RunError::Api`] when the `deleteWebhook` that drops
    /// pending updates fails, or `getUpdates` fails with an error that repeating does not cure ([`Error::is_transient`] is
    /// false), such as an invalid token or a webhook that is set.
    pub fn run_polling(&self) -> Result<(), RunError> {
        let stop = Stop::new(&self.inner);
        if stop.is_stopped() {
            return Ok(());
        }
        let inner = &self.inner;
        inner.started(self)?;
        if inner.config.drop_pending_updates {
            inner
                .bot
                .delete_webhook()
                .drop_pending_updates(true)
                .call()
                .map_err(RunError::Api)?;
        }
        let pool = self.start_pool()?;

        // The poller confirms what the pool says is done; it polls on a thread of its own, so
        // that a long poll can be abandoned when stopping.
        let mut poller = inner
            .bot
            .updates()
            .timeout(inner.config.poll_timeout)
            .allowed_updates(self.allowed_updates())
            .confirm_explicitly()
            .stop_promptly()
            .stopped_by(inner.stop.clone())
            .on_skipped({
                let inner = inner.clone();
                move |e| inner.report_skipped(e)
            });
        if let Some(limit) = inner.config.poll_limit {
            poller = poller.limit(limit);
        }
        if let Some((first, max)) = inner.config.poll_backoff {
            poller = poller.backoff(first, max);
        }
        if let Some((first, max)) = inner.config.poll_idle_backoff {
            poller = poller.idle_backoff(first, max);
        }

        let mut result = Ok(());
        let mut webhook_deleted = false;
        // The offset the last request sent (what Telegram has been told is confirmed).
        let mut sent: Option<i64> = None;
        // The highest update id handed to the pool.
        let mut last: Option<i64> = None;
        'run: loop {
            if stop.is_stopped() {
                break;
            }
            // Without an inbox, updates in flight hold the offset back: poll again soon, once
            // most of them are done.
            let mut busy = !pool.has_inbox() && pool.pending() > 0;
            if busy {
                let low = inner.config.poll_limit.unwrap_or(100) as usize / 10;
                pool.wait_until(None, Some(low), BUSY_SETTLE);
                busy = pool.pending() > 0;
            }
            let offset = pool.confirmed_offset();
            if let Some(offset) = offset {
                poller.confirm_to(offset);
            }
            poller.set_timeout(if busy { 0 } else { inner.config.poll_timeout });
            sent = poller.next_offset().or(sent);
            let Some(fetched) = poller.next_batch() else {
                break;
            };
            match fetched {
                Ok(batch) => {
                    // In update_id order, without the updates handed to the pool before.
                    let mut fresh = VecDeque::from(batch);
                    let new = fresh.len();
                    if let Some(update) = fresh.back() {
                        last = Some(update.update_id);
                    }
                    // Handed over under one lock, as many at a time as the queue has room for.
                    while !fresh.is_empty() {
                        pool.submit_some(&mut fresh, TICK);
                        if !fresh.is_empty() && stop.is_stopped() {
                            break 'run;
                        }
                    }
                    if new > 0 && pool.has_inbox() {
                        // The next poll confirms the batch: once it is in the inbox.
                        let want = last.map(|l| l + 1);
                        while pool.confirmed_offset() < want {
                            if stop.is_stopped() {
                                break 'run;
                            }
                            pool.wait_until(want, None, TICK);
                        }
                    } else if new == 0 && pool.pending() > 0 {
                        // Only updates in flight came back: wait for one to finish.
                        let deadline = Instant::now() + BUSY_POLL;
                        let past = offset.map(|o| o + 1);
                        while !stop.is_stopped() && Instant::now() < deadline {
                            pool.wait_until(past, None, TICK.min(BUSY_POLL));
                            if pool.confirmed_offset() != offset {
                                break;
                            }
                        }
                    }
                }
                // The poller waits it out before its next request.
                Err(e) if e.is_transient() => {
                    let wait = poller.retry_wait().unwrap_or_default();
                    inner.report_receiving(e, wait);
                }
                // A webhook left from an earlier deployment: polling takes over.
                Err(e) if !webhook_deleted && webhook_is_set(&e) => {
                    webhook_deleted = true;
                    log::info!(
                        target: "telegram_api",
                        "a webhook is set: deleting it (pending updates kept) to poll instead"
                    );
                    if let Err(e) = inner.bot.delete_webhook().call() {
                        result = Err(RunError::Api(e));
                        break;
                    }
                }
                Err(e) => {
                    result = Err(RunError::Api(e));
                    break;
                }
            }
        }
        drop(poller);
        let offset = pool.shutdown(inner.config.stop_timeout);
        // Confirm what was handled since the last request.
        if let Some(offset) = offset
            && sent.is_none_or(|s| offset > s)
        {
            let confirmed = inner
                .bot
                .get_updates()
                .offset(offset)
                .limit(1)
                .timeout(0)
                .call();
            match confirmed {
                Ok(_) => {}
                Err(e) if result.is_ok() && !e.is_transient() => result = Err(RunError::Api(e)),
                Err(_) => {}
            }
        }
        inner.stopped(self);
        result
    }
}

/// Whether `error` is Telegram's refusal to poll because a webhook is set (409 Conflict).
fn webhook_is_set(error: &Error) -> bool {
    error.is_conflict()
        && error
            .api()
            .is_some_and(|a| a.description.contains("webhook"))
}

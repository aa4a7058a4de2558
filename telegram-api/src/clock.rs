//! [`Clock`]: where the application reads the time, so that tests can move it. Built for `ext`,
//! which exports it, and for the test kit, whose world runs on a [`ManualClock`] (without `ext`
//! too, where only its `new`, `now` and `advance` are used).

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;

/// The time source of an [`Application`](crate::ext::Application): conversation timeouts and job
/// schedules read it. The system clock by default; [`ManualClock`] gives one that only moves
/// when told to, for tests.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> Timestamp + Send + Sync>);

impl Clock {
    /// The system's clock.
    pub fn system() -> Clock {
        Clock(Arc::new(Timestamp::now))
    }

    /// A clock that reads the time from `now`.
    pub fn from_fn(now: impl Fn() -> Timestamp + Send + Sync + 'static) -> Clock {
        Clock(Arc::new(now))
    }

    /// The current time.
    pub fn now(&self) -> Timestamp {
        (self.0)()
    }
}

impl Default for Clock {
    fn default() -> Clock {
        Clock::system()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Clock").field(&self.now()).finish()
    }
}

/// A clock that stands still until moved: for tests of timeouts and schedules without
/// sleeping.
///
/// ```
/// # #[cfg(feature = "ext")] { // exported by ext only
/// use std::time::Duration;
/// use telegram_api::ext::ManualClock;
///
/// let manual = ManualClock::new("2026-03-29T00:30:00Z".parse().unwrap());
/// let clock = manual.clock();
/// manual.advance(Duration::from_secs(90));
/// assert_eq!(clock.now().to_string(), "2026-03-29T00:31:30Z");
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct ManualClock(Arc<Mutex<Timestamp>>);

impl ManualClock {
    /// A clock showing `start`.
    pub fn new(start: Timestamp) -> ManualClock {
        ManualClock(Arc::new(Mutex::new(start)))
    }

    /// The [`Clock`] to give the application; it reads this clock.
    pub fn clock(&self) -> Clock {
        let shared = self.0.clone();
        Clock::from_fn(move || *shared.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// The time shown.
    pub fn now(&self) -> Timestamp {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Moves the clock to `at` (also backwards).
    pub fn set(&self, at: Timestamp) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = at;
    }

    /// Moves the clock forward by `by` (saturating at the latest time jiff represents).
    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let span = jiff::SignedDuration::try_from(by).unwrap_or(jiff::SignedDuration::MAX);
        *now = now.saturating_add(span).unwrap_or(Timestamp::MAX);
    }
}

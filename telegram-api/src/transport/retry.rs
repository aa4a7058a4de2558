//! [`Retry`]: when a failed call is repeated.

use std::time::Duration;

use crate::Error;

/// When a failed request is sent again. Off by default: set it for a bot with
/// [`Bot::with_retry`](crate::Bot::with_retry) or for one call with
/// [`Call::retry`](crate::Call::retry).
///
/// Two kinds of failure can be retried:
/// - flood control (429): Telegram refused the request and says how long to wait
///   (`retry_after`, at least [`Retry::MIN_FLOOD_WAIT`]). Repeating it is safe: the first
///   attempt did nothing.
/// - transient failures ([`Retry::transient`]): connection failures, timeouts, 5xx answers and
///   proxy error pages. Here the first attempt may have reached Telegram before the connection
///   broke, so repeating a send can send the message twice. Allow it for idempotent requests
///   (reading, editing, answering a callback), or where a duplicate is acceptable.
///
/// A request uploading from an [`InputFile::reader`](crate::InputFile::reader) is never
/// repeated, whatever the `Retry`: the reader was used up by the first attempt, and its error
/// (the 429 or 5xx) is returned as it was.
///
/// ```
/// use std::time::Duration;
/// use telegram_api::{Bot, Retry};
/// // Wait out flood control up to a minute, at most 3 times.
/// let bot = Bot::new("123456:ABC-DEF").with_retry(Retry::flood_control().attempts(3));
/// // Also retry transient failures, with backoff from 500 ms.
/// let reads = Retry::flood_control().transient(true).backoff(Duration::from_millis(500), Duration::from_secs(10));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Retry {
    attempts: u32,
    flood_control: bool,
    max_flood_wait: Duration,
    transient: bool,
    backoff: Duration,
    max_backoff: Duration,
}

impl Retry {
    /// The shortest wait after flood control (429), whatever `retry_after` says: 1 second, so
    /// that a server that answers `retry_after: 0` is not asked again at once.
    pub const MIN_FLOOD_WAIT: Duration = Duration::from_secs(1);

    /// Never retry (the default).
    #[must_use]
    pub const fn none() -> Retry {
        Retry {
            attempts: 0,
            flood_control: false,
            max_flood_wait: Duration::from_secs(60),
            transient: false,
            backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
        }
    }

    /// Retry flood control (429) after the wait Telegram asks for, up to a minute, at most
    /// 3 times.
    #[must_use]
    pub const fn flood_control() -> Retry {
        Retry {
            attempts: 3,
            flood_control: true,
            ..Retry::none()
        }
    }

    /// How many times a request may be repeated.
    #[must_use]
    pub const fn attempts(mut self, attempts: u32) -> Retry {
        self.attempts = attempts;
        self
    }

    /// The longest flood-control wait honoured; a longer one is returned as the error.
    #[must_use]
    pub const fn max_flood_wait(mut self, wait: Duration) -> Retry {
        self.max_flood_wait = wait;
        self
    }

    /// Also retry connection failures, timeouts and server errors (see the type's docs on
    /// duplicates).
    #[must_use]
    pub const fn transient(mut self, transient: bool) -> Retry {
        self.transient = transient;
        self
    }

    /// The first wait before repeating after a transient failure, doubled each time up to
    /// `max`.
    #[must_use]
    pub const fn backoff(mut self, first: Duration, max: Duration) -> Retry {
        self.backoff = first;
        self.max_backoff = max;
        self
    }

    /// How long to wait before attempt `retry` (1 for the first repetition) after `error`, or
    /// `None` to give up.
    pub(crate) fn wait(&self, error: &Error, retry: u32) -> Option<Duration> {
        if retry > self.attempts {
            return None;
        }
        if let Some(wait) = error.retry_after() {
            let wait = wait.max(Retry::MIN_FLOOD_WAIT);
            return (self.flood_control && wait <= self.max_flood_wait).then_some(wait);
        }
        if self.transient && error.is_transient() {
            return Some(backoff(self.backoff, self.max_backoff, retry));
        }
        None
    }
}

impl Default for Retry {
    fn default() -> Self {
        Retry::none()
    }
}

/// `first` doubled `attempt - 1` times, at most `max`.
pub(crate) fn backoff(first: Duration, max: Duration, attempt: u32) -> Duration {
    let factor = 1u32
        .checked_shl(attempt.saturating_sub(1).min(20))
        .unwrap_or(u32::MAX);
    first.saturating_mul(factor).min(max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ApiError, ResponseParameters};

    fn flood(secs: i64) -> Error {
        let mut parameters: ResponseParameters = serde_json::from_str("{}").unwrap();
        parameters.retry_after = Some(secs);
        Error::Api(ApiError {
            method: "sendMessage",
            error_code: 429,
            description: format!("Too Many Requests: retry after {secs}"),
            parameters: Some(parameters),
        })
    }

    fn reset() -> Error {
        Error::Transport {
            method: "sendMessage",
            source: std::io::ErrorKind::ConnectionReset.into(),
        }
    }

    #[test]
    fn off_by_default() {
        assert_eq!(Retry::default().wait(&flood(1), 1), None);
        assert_eq!(Retry::default().wait(&reset(), 1), None);
    }

    #[test]
    fn flood_control_waits_as_asked_within_bounds() {
        let r = Retry::flood_control();
        assert_eq!(r.wait(&flood(5), 1), Some(Duration::from_secs(5)));
        assert_eq!(r.wait(&flood(5), 4), None, "at most 3 retries");
        assert_eq!(r.wait(&flood(3600), 1), None, "longer than max_flood_wait");
        assert_eq!(
            r.wait(&flood(i64::MAX), 1),
            None,
            "longer than max_flood_wait"
        );
        assert_eq!(
            r.wait(&flood(0), 1),
            Some(Retry::MIN_FLOOD_WAIT),
            "never at once"
        );
        assert_eq!(
            r.wait(&flood(-5), 1),
            Some(Retry::MIN_FLOOD_WAIT),
            "never at once"
        );
        assert_eq!(
            r.wait(&reset(), 1),
            None,
            "transient failures need opting in"
        );
    }

    #[test]
    fn transient_failures_back_off() {
        let r = Retry::none()
            .attempts(5)
            .transient(true)
            .backoff(Duration::from_millis(100), Duration::from_millis(350));
        let waits: Vec<_> = (1..=6).map(|i| r.wait(&reset(), i)).collect();
        let ms = |m| Some(Duration::from_millis(m));
        assert_eq!(waits, [ms(100), ms(200), ms(350), ms(350), ms(350), None]);
    }
}

//! Waiting for an event in a test, with a deadline: on a [`Log`] that handlers write to (woken
//! by each entry), or on a condition only a look can tell ([`wait_until`]: a file, a child
//! process, a counter of a server).

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long a test waits for an event that takes milliseconds when all is well.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// Waits until `condition` holds, looking again every millisecond; panics saying `what` did
/// not happen when `timeout` passes first. For what no one signals (a file another process
/// writes, a process's exit); what a handler of the test records goes in a [`Log`].
pub fn wait_until(timeout: Duration, what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !condition() {
        assert!(Instant::now() < deadline, "{what}: not within {timeout:?}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Entries that threads append to (handlers, servers) and the test waits on.
#[derive(Debug)]
pub struct Log<T> {
    entries: Mutex<Vec<T>>,
    added: Condvar,
}

impl<T> Default for Log<T> {
    fn default() -> Self {
        Log {
            entries: Mutex::new(Vec::new()),
            added: Condvar::new(),
        }
    }
}

impl<T: Clone> Log<T> {
    fn lock(&self) -> MutexGuard<'_, Vec<T>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends `entry` and wakes the waiters.
    pub fn push(&self, entry: T) {
        self.lock().push(entry);
        self.added.notify_all();
    }

    /// The entries so far, in order.
    pub fn entries(&self) -> Vec<T> {
        self.lock().clone()
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// Waits until `condition` holds of the entries, and returns them; panics saying `what`
    /// did not happen when [`PATIENCE`] passes first.
    pub fn wait_for(&self, what: &str, condition: impl Fn(&[T]) -> bool) -> Vec<T> {
        self.wait_for_within(PATIENCE, what, condition)
    }

    /// [`wait_for`](Self::wait_for) with a deadline of its own.
    pub fn wait_for_within(
        &self,
        timeout: Duration,
        what: &str,
        condition: impl Fn(&[T]) -> bool,
    ) -> Vec<T> {
        let deadline = Instant::now() + timeout;
        let mut entries = self.lock();
        while !condition(&entries) {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "{what}: not within {timeout:?}");
            entries = self
                .added
                .wait_timeout(entries, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        entries.clone()
    }

    /// Waits until there are at least `n` entries, and returns them all.
    pub fn wait_len(&self, n: usize) -> Vec<T> {
        self.wait_for(&format!("{n} entries"), |entries| entries.len() >= n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_log_wakes_its_waiter_on_the_entry_it_waits_for() {
        let log = Arc::new(Log::default());
        let writer = {
            let log = log.clone();
            std::thread::spawn(move || (1..=3).for_each(|i| log.push(i)))
        };
        assert_eq!(log.wait_for("a 3", |e| e.contains(&3)), [1, 2, 3]);
        writer.join().unwrap();
        wait_until(PATIENCE, "three entries", || log.len() == 3);
    }
}

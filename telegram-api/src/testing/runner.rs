//! What runs an [`Application`] in a world: its runner on a thread, the webhook's deliveries,
//! and the wait for the application to settle (the `ext` feature).

use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::ext::{Application, Clock, RunError, Webhook};

use super::{SETTLE_LIMIT, Shared, World};

pub(super) struct Runner {
    app: Application,
    thread: JoinHandle<Result<(), RunError>>,
    poster: Option<JoinHandle<()>>,
}

impl World {
    /// The world's clock, for `ApplicationBuilder::clock`: it moves only with
    /// [`advance`](World::advance).
    pub fn clock(&self) -> Clock {
        self.shared.clock.clock()
    }

    /// Runs `app` by long polling on a thread of its own, until [`stop`](World::stop) or the
    /// world is dropped; returns once it asked for updates the first time.
    ///
    /// # Panics
    ///
    /// When an application already runs, or when `app` has not asked for updates after 20
    /// seconds (its `post_init` hook failed, say).
    pub fn run(&self, app: &Application) {
        self.start(app, None);
    }

    /// Runs `app` on a webhook (on `127.0.0.1`, a free port, with a secret token) on a thread
    /// of its own, and delivers updates to it one at a time as Telegram would, until
    /// [`stop`](World::stop) or the world is dropped.
    ///
    /// # Panics
    ///
    /// When an application already runs, or when the local port cannot be opened.
    pub fn run_webhook(&self, app: &Application) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap_or_else(|e| panic!("cannot open a local port for the webhook: {e}"));
        let address = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("cannot read the webhook's port: {e}"));
        self.start(app, Some((listener, format!("http://{address}/"))));
    }

    fn start(&self, app: &Application, webhook: Option<(std::net::TcpListener, String)>) {
        let mut runner = self.shared.runner.lock().unwrap_or_else(|e| e.into_inner());
        assert!(
            runner.is_none(),
            "an application already runs in this world"
        );
        {
            let mut state = self.shared.lock();
            state.closed = false;
            state.polls = 0;
        }
        let secret = "testing-secret";
        let running = app.clone();
        let (thread, poster) = match webhook {
            None => (std::thread::spawn(move || running.run_polling()), None),
            Some((listener, url)) => {
                {
                    let mut state = self.shared.lock();
                    state.allowed = Some(
                        app.allowed_updates()
                            .iter()
                            .map(|u| u.as_str().to_owned())
                            .collect(),
                    );
                    state.polls = 1;
                }
                let webhook = Webhook::from_listener(listener).secret_token(secret);
                let thread = std::thread::spawn(move || running.run_webhook(webhook));
                let shared = self.shared.clone();
                let poster = std::thread::spawn(move || post_updates(&shared, &url, secret));
                (thread, Some(poster))
            }
        };
        *runner = Some(Runner {
            app: app.clone(),
            thread,
            poster,
        });
        drop(runner);
        let deadline = Instant::now() + SETTLE_LIMIT;
        let mut state = self.shared.lock();
        while state.polls == 0 {
            let now = Instant::now();
            assert!(
                now < deadline,
                "the application did not ask for updates within {SETTLE_LIMIT:?}"
            );
            state = self
                .shared
                .changed
                .wait_timeout(state, (deadline - now).min(Duration::from_millis(50)))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Stops the application the world runs, and returns what its runner returned (`Ok` when
    /// none runs).
    ///
    /// # Errors
    ///
    /// Fails with the runner's [`RunError`].
    pub fn stop(&self) -> Result<(), RunError> {
        self.shared.stop()
    }
}

impl Drop for World {
    fn drop(&mut self) {
        let _ = self.shared.stop();
    }
}

impl Shared {
    pub(super) fn stop(&self) -> Result<(), RunError> {
        let runner = self.runner.lock().unwrap_or_else(|e| e.into_inner()).take();
        let Some(runner) = runner else {
            return Ok(());
        };
        runner.app.stop_handle().stop();
        self.lock().closed = true;
        self.changed.notify_all();
        let result = runner
            .thread
            .join()
            .unwrap_or_else(|_| Err(RunError::Io(std::io::Error::other("the runner panicked"))));
        if let Some(poster) = runner.poster {
            let _ = poster.join();
        }
        result
    }

    pub(super) fn settle(&self) {
        let app = match &*self.runner.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(runner) => runner.app.clone(),
            None => return,
        };
        let deadline = Instant::now() + SETTLE_LIMIT;
        loop {
            let delivered = self.lock().pending.is_empty();
            let store = app.store();
            let inbox_empty = !store.has_inbox() || store.inbox().is_ok_and(|kept| kept.is_empty());
            let now = app.inner.clock.now();
            let jobs_done = app.next_job_at().is_none_or(|at| at > now);
            if delivered && inbox_empty && jobs_done {
                return;
            }
            let pending = self.lock().pending.len();
            assert!(
                Instant::now() < deadline,
                "the application is still busy after {SETTLE_LIMIT:?}: {pending} updates not \
                 handled, inbox empty: {inbox_empty}, jobs due: {}",
                !jobs_done
            );
            let state = self.lock();
            drop(
                self.changed
                    .wait_timeout(state, Duration::from_millis(10))
                    .unwrap_or_else(|e| e.into_inner()),
            );
        }
    }
}

/// Delivers the world's updates to a webhook one at a time; a 200 confirms one.
fn post_updates(shared: &Shared, url: &str, secret: &str) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    loop {
        let next = {
            let mut state = shared.lock();
            loop {
                if state.closed {
                    return;
                }
                if let Some((id, _, update)) = state.pending.front() {
                    break (*id, update.to_string());
                }
                state = shared
                    .changed
                    .wait_timeout(state, Duration::from_millis(50))
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
        };
        let status = agent
            .post(url)
            .header("content-type", "application/json")
            .header("X-Telegram-Bot-Api-Secret-Token", secret)
            .send(next.1.as_bytes())
            .map_or(0, |r| r.status().as_u16());
        if status == 200 {
            let mut state = shared.lock();
            state.pending.retain(|(id, _, _)| *id != next.0);
            shared.changed.notify_all();
        } else {
            // Not taken (the server is starting, or busy): Telegram tries again later.
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

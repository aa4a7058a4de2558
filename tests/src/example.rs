//! Replaying the `telegram_api::ext` examples' bots on their fixtures, so that every request
//! they make is checked against exchanges written from the documented wire format.
//!
//! A test builds an example's [`Application`] from the [`Bot`] of an [`Offline`] run, which
//! serves the example's fixture under `tests/fixtures/`:
//!
//! - the updates of the fixture's `getUpdates` exchanges are served the way Telegram serves
//!   them, by offset: the ext poller decides how often it asks (it asks again while updates
//!   are in flight, and confirms only what was handled), so these requests are not compared one
//!   by one; every `getUpdates` must ask for the `allowed_updates` of the fixture's first one;
//! - every other request (what the handlers send) is checked in order against the fixture's
//!   other exchanges by the [`Replay`] server;
//! - once every update was confirmed and every exchange used, the application is stopped.
//!
//! An example whose application reads a clock (jobs, timeouts) uses
//! [`Offline::polling_with_clock`]:
//! offline, its clock is a [`ManualClock`] that starts at the first update's `date`; an update
//! is served once the clock reached its `date`, and whenever the application is idle (every
//! update served was handled, no job is due) the clock moves to the next update's `date` or the
//! next job's due time, whichever comes first. So the run never sleeps for a job.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use telegram_api::Bot;
use telegram_api::ext::jiff::Timestamp;
use telegram_api::ext::{Application, Clock, ManualClock, RunError, Webhook};

use crate::http::{Reply, Request, Server};
use crate::replay::{Fixture, PLACEHOLDER_TOKEN, Replay};

/// How long an offline run may take before it is stopped as stuck.
const DEADLINE: Duration = Duration::from_secs(20);

/// The `date` of an update's payload (its message, ...), in Unix seconds.
fn update_date(update: &Value) -> Option<i64> {
    update
        .as_object()?
        .values()
        .find_map(|payload| payload.get("date")?.as_i64())
}

/// The secret token of offline webhook runs.
pub const OFFLINE_SECRET: &str = "offline-secret_0123";

/// An example's fixture served offline: updates by offset, the other exchanges in order.
pub struct Offline {
    replay: Replay,
    feed: Option<Feed>,
    /// The clock of a [`polling_with_clock`](Offline::polling_with_clock) run.
    clock: Option<ManualClock>,
}

/// The `getUpdates` side of an offline run.
struct Feed {
    server: Server,
    /// The highest `update_id` served.
    last_id: i64,
    /// The highest offset asked with.
    confirmed: Arc<AtomicI64>,
    /// Problems seen on `getUpdates` requests.
    problems: Arc<Mutex<Vec<String>>>,
    /// The `update_id` and `date` of each update, in order.
    dates: Vec<(i64, Option<i64>)>,
}

impl Offline {
    /// Serves `fixture` for [`run_polling`](Offline::run_polling).
    pub fn polling(fixture: &str) -> Offline {
        Offline::serve_polling(fixture, None)
    }

    /// Serves `fixture` for [`run_polling`](Offline::run_polling) on a clock the run moves
    /// (see the module's documentation); [`clock`](Offline::clock) is the application's.
    pub fn polling_with_clock(fixture: &str) -> Offline {
        let start = Fixture::load(fixture)
            .exchanges
            .iter()
            .filter(|e| e.request.method.as_deref() == Some("getUpdates"))
            .filter_map(|e| e.response.body_json())
            .flat_map(|body| body["result"].as_array().cloned().unwrap_or_default())
            .filter_map(|u| update_date(&u))
            .min()
            .expect("a fixture with dated updates");
        let start = Timestamp::from_second(start).expect("an update date");
        Offline::serve_polling(fixture, Some(ManualClock::new(start)))
    }

    /// The clock of the application: the run's, or the system clock.
    pub fn clock(&self) -> Clock {
        self.clock
            .as_ref()
            .map_or_else(Clock::system, ManualClock::clock)
    }

    fn serve_polling(fixture: &str, clock: Option<ManualClock>) -> Offline {
        let mut fixture = Fixture::load(fixture);
        let (polls, rest): (Vec<_>, Vec<_>) = fixture
            .exchanges
            .drain(..)
            .partition(|e| e.request.method.as_deref() == Some("getUpdates"));
        fixture.exchanges = rest;
        let allowed = polls
            .first()
            .and_then(|p| p.request.json.as_ref())
            .and_then(|j| j.get("allowed_updates").cloned());
        let mut updates: Vec<Value> = polls
            .iter()
            .filter_map(|p| p.response.body_json())
            .flat_map(|body| body["result"].as_array().cloned().unwrap_or_default())
            .collect();
        updates.sort_by_key(|u| u["update_id"].as_i64());
        updates.dedup_by_key(|u| u["update_id"].as_i64());
        let last_id = updates
            .last()
            .and_then(|u| u["update_id"].as_i64())
            .unwrap_or(0);
        let dates = updates
            .iter()
            .map(|u| (u["update_id"].as_i64().unwrap_or(0), update_date(u)))
            .collect();

        let replay = Replay::serve(fixture);
        let confirmed = Arc::new(AtomicI64::new(0));
        let problems = Arc::new(Mutex::new(Vec::new()));
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let upstream = replay.url();
        let server = {
            let (confirmed, problems) = (confirmed.clone(), problems.clone());
            let clock = clock.clone();
            Server::start(move |request| {
                if request.api_method() != "getUpdates" {
                    return forward(&agent, &upstream, request);
                }
                let params = request.json();
                if params.get("allowed_updates") != allowed.as_ref() {
                    problems.lock().unwrap().push(format!(
                        "getUpdates asked for allowed_updates {}, the fixture for {}",
                        params.get("allowed_updates").unwrap_or(&Value::Null),
                        allowed.as_ref().unwrap_or(&Value::Null)
                    ));
                }
                let offset = params["offset"].as_i64().unwrap_or(0);
                confirmed.fetch_max(offset, Ordering::SeqCst);
                let limit = params["limit"].as_u64().unwrap_or(100) as usize;
                // On a moved clock, only the updates whose time has come.
                let now = clock.as_ref().map(|c| c.now().as_second());
                let batch: Vec<&Value> = updates
                    .iter()
                    .filter(|u| u["update_id"].as_i64().unwrap_or(0) >= offset)
                    .take_while(|u| now.is_none_or(|now| update_date(u).is_none_or(|d| d <= now)))
                    .take(limit)
                    .collect();
                if batch.is_empty() && params["timeout"].as_u64().unwrap_or(0) > 0 {
                    // A long poll with nothing to deliver: wait a little, as Telegram would.
                    std::thread::sleep(Duration::from_millis(50));
                }
                Reply::ok(&serde_json::to_string(&batch).unwrap())
            })
        };
        Offline {
            replay,
            feed: Some(Feed {
                server,
                last_id,
                confirmed,
                problems,
                dates,
            }),
            clock,
        }
    }

    /// Serves `fixture` for [`run_webhook`](Offline::run_webhook).
    pub fn webhook(fixture: &str) -> Offline {
        Offline {
            replay: Replay::serve(Fixture::load(fixture)),
            feed: None,
            clock: None,
        }
    }

    /// A bot talking to the offline servers.
    pub fn bot(&self) -> Bot {
        match &self.feed {
            Some(feed) => Bot::new(PLACEHOLDER_TOKEN).with_api_url(feed.server.url()),
            None => self.replay.bot(),
        }
    }

    /// The replay server answering the handlers' requests.
    pub fn replay(&self) -> &Replay {
        &self.replay
    }

    /// Whether every recorded exchange has had its request.
    fn exchanges_used(&self) -> bool {
        self.replay.requests().len() >= self.replay.fixture().exchanges.len()
    }

    /// Runs `app` by long polling until every update was confirmed and every exchange used.
    pub fn run_polling(&self, app: &Application) -> Result<(), RunError> {
        self.poll_until(app, || self.exchanges_used())
    }

    /// Runs `app.run_polling()` until every update was confirmed, whatever the bot sent: for
    /// updates delivered again that the bot handled before, and so answers with nothing.
    pub fn run_polling_until_confirmed(&self, app: &Application) -> Result<(), RunError> {
        self.poll_until(app, || true)
    }

    /// Polls until every update was confirmed and `done` says so, or [`DEADLINE`] passed.
    fn poll_until(
        &self,
        app: &Application,
        done: impl Fn() -> bool + Sync,
    ) -> Result<(), RunError> {
        let feed = self.feed.as_ref().expect("an Offline::polling fixture");
        let stop = app.stop_handle();
        std::thread::scope(|s| {
            s.spawn(|| {
                let start = Instant::now();
                while start.elapsed() < DEADLINE
                    && !(feed.confirmed.load(Ordering::SeqCst) > feed.last_id && done())
                {
                    if let Some(clock) = &self.clock {
                        self.move_clock(clock, feed, app);
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
                stop.stop();
            });
            app.run_polling()
        })
    }

    /// When `app` is idle (every update served was handled — confirmed, and out of the store's
    /// inbox when it keeps one —, no job due or running), moves
    /// `clock` to the next update's date or the next job's due time, whichever is first.
    fn move_clock(&self, clock: &ManualClock, feed: &Feed, app: &Application) {
        let now = clock.now();
        let served = |d: &Option<i64>| d.is_none_or(|d| d <= now.as_second());
        let last_served = feed
            .dates
            .iter()
            .take_while(|(_, d)| served(d))
            .last()
            .map(|(id, _)| *id);
        if last_served.is_some_and(|id| feed.confirmed.load(Ordering::SeqCst) <= id) {
            return;
        }
        // With a store that keeps an inbox, an update is confirmed once it is in the inbox,
        // before it is handled: it is handled once its entry is gone.
        let store = app.store();
        if store.has_inbox() && store.inbox().is_ok_and(|kept| !kept.is_empty()) {
            return;
        }
        let job = app.next_job_at();
        if job.is_some_and(|at| at <= now) {
            return;
        }
        let update = feed
            .dates
            .iter()
            .find(|(_, d)| !served(d))
            .and_then(|(_, d)| Timestamp::from_second((*d)?).ok());
        let next = match (update, job) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if let Some(next) = next {
            clock.set(next);
        }
    }

    /// Runs `app` on a local webhook, posts `posts` to it with the right secret token, and
    /// stops it once every exchange was used. Returns the status each post got.
    pub fn run_webhook(&self, app: &Application, posts: &[&str]) -> Result<Vec<u16>, RunError> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let url = format!("http://{}/", listener.local_addr()?);
        let webhook = Webhook::from_listener(listener).secret_token(OFFLINE_SECRET);
        let stop = app.stop_handle();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        std::thread::scope(|s| {
            let poster = s.spawn(|| {
                let statuses: Vec<u16> = posts
                    .iter()
                    .map(|body| {
                        agent
                            .post(&url)
                            .header("Content-Type", "application/json")
                            .header("X-Telegram-Bot-Api-Secret-Token", OFFLINE_SECRET)
                            .send(body.as_bytes())
                            .map_or(0, |r| r.status().as_u16())
                    })
                    .collect();
                let start = Instant::now();
                while start.elapsed() < DEADLINE && !self.exchanges_used() {
                    std::thread::sleep(Duration::from_millis(10));
                }
                stop.stop();
                statuses
            });
            let run = app.run_webhook(webhook);
            let statuses = poster.join().expect("the poster thread");
            run.map(|()| statuses)
        })
    }

    /// Ends the run without checking the fixture's exchanges or confirmations (see
    /// [`Replay::discard`]); the updates were served all the same.
    pub fn discard(self) {
        self.replay.discard();
    }

    /// Ends the run: panics with a report when a request differed from the fixture, an
    /// exchange was not used, or an update was not confirmed.
    pub fn finish(self) {
        if let Some(feed) = &self.feed {
            let problems = feed.problems.lock().unwrap();
            assert!(problems.is_empty(), "{}", problems.join("\n"));
            let confirmed = feed.confirmed.load(Ordering::SeqCst);
            assert!(
                confirmed > feed.last_id,
                "updates up to {} were served, only those before {confirmed} confirmed",
                feed.last_id
            );
        }
        self.replay.finish();
    }
}

/// Sends `request` on to the replay server at `upstream` and returns its answer.
fn forward(agent: &ureq::Agent, upstream: &str, request: &Request) -> Reply {
    let mut call = agent.post(format!("{upstream}{}", request.path));
    if let Some(content_type) = request.header("content-type") {
        call = call.header("Content-Type", content_type);
    }
    match call.send(&request.body[..]) {
        Ok(mut response) => Reply::Respond {
            status: response.status().as_u16(),
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: response.body_mut().read_to_vec().unwrap_or_default(),
        },
        Err(e) => Reply::json(
            502,
            format!(r#"{{"ok":false,"error_code":502,"description":"{e}"}}"#),
        ),
    }
}

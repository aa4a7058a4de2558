//! A store that fails while `telegram_api::ext` handles an update: a read inside a handler
//! (whatever the handler does with its error), a conversation's state read and a job listing
//! void the attempt, as a failed commit does. The error handler gets the store's error, the
//! attempt's changes are dropped, and the update is handled again from the start; its state
//! changes happen once, and it is confirmed to Telegram only after that. A job's run likewise.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use serde_derive::{Deserialize, Serialize};
use telegram_api::ext::store::{Change, Commit, Key, MemoryStore, Store, StoreError};
use telegram_api::ext::{
    Application, ApplicationBuilder, Context, Conversation, Handler, HandlerError, Next, filters,
};
use telegram_api::{Bot, Update};
use telegram_api_tests::fake_api::FakeApi;
use telegram_api_tests::updates;
use telegram_api_tests::wait::{Log, PATIENCE};

/// What the store answers to a failed read.
const OUTAGE: &str = "the server went away";

/// A [`MemoryStore`] whose reads fail while told to: the next `reads` reads (`get` and
/// `values`), or every `get` while `down` is set.
#[derive(Default)]
struct Faulty {
    inner: MemoryStore,
    reads: AtomicUsize,
    down: AtomicBool,
    /// How many reads failed.
    failed: AtomicUsize,
}

impl Faulty {
    fn failing(reads: usize) -> Faulty {
        let store = Faulty::default();
        store.reads.store(reads, Ordering::SeqCst);
        store
    }

    fn fails_now(&self, while_down: bool) -> Result<(), StoreError> {
        let once = self
            .reads
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if once || (while_down && self.down.load(Ordering::SeqCst)) {
            self.failed.fetch_add(1, Ordering::SeqCst);
            return Err(StoreError::Backend(OUTAGE.into()));
        }
        Ok(())
    }
}

impl Store for Faulty {
    fn get(&self, key: &Key) -> Result<Option<Vec<u8>>, StoreError> {
        self.fails_now(true)?;
        self.inner.get(key)
    }
    fn is_applied(&self, update_id: i64) -> Result<bool, StoreError> {
        self.inner.is_applied(update_id)
    }
    fn commit(&self, update_id: Option<i64>, changes: &[Change]) -> Result<Commit, StoreError> {
        self.inner.commit(update_id, changes)
    }
    fn forget_applied_below(&self, update_id: i64) -> Result<(), StoreError> {
        self.inner.forget_applied_below(update_id)
    }
    fn values(
        &self,
        scope: &telegram_api::ext::store::Scope,
        prefix: &str,
    ) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        self.fails_now(false)?;
        self.inner.values(scope, prefix)
    }
}

/// The `Store` trait is implemented for a shared store too, so the test keeps a handle on it.
struct SharedStore(Arc<Faulty>);

impl Store for SharedStore {
    fn get(&self, key: &Key) -> Result<Option<Vec<u8>>, StoreError> {
        self.0.get(key)
    }
    fn is_applied(&self, update_id: i64) -> Result<bool, StoreError> {
        self.0.is_applied(update_id)
    }
    fn commit(&self, update_id: Option<i64>, changes: &[Change]) -> Result<Commit, StoreError> {
        self.0.commit(update_id, changes)
    }
    fn forget_applied_below(&self, update_id: i64) -> Result<(), StoreError> {
        self.0.forget_applied_below(update_id)
    }
    fn values(
        &self,
        scope: &telegram_api::ext::store::Scope,
        prefix: &str,
    ) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        self.0.values(scope, prefix)
    }
}

/// What the error handler got: whether it was a store error, and its text.
type Reports = Arc<Log<(bool, String)>>;

/// An application on the fake API's bot with `handler`, `store`, and an error handler that
/// records what it gets.
fn app(
    api: &FakeApi,
    store: impl Store + 'static,
    handler: Handler,
) -> (ApplicationBuilder, Reports) {
    let reports = Reports::default();
    let seen = reports.clone();
    let builder = Application::builder(Bot::new("1:T").with_api_url(api.server.url()))
        .handle_signals(false)
        .poll_timeout(1)
        .store(store)
        .handler(handler)
        .error_handler(move |_, e: &HandlerError| {
            seen.push((matches!(e, HandlerError::Store(_)), e.to_string()));
        });
    (builder, reports)
}

fn text(update_id: i64, chat: i64, text: &str) -> Update {
    updates::text(update_id, chat, text).update()
}

/// Counts the chat's messages: reads the count, says the next one, stores it.
fn counter(swallow: bool) -> Handler {
    Handler::message(filters::text(), move |ctx: &Context| {
        let count: u32 = if swallow {
            // A handler that ignores the store's error: the attempt is void all the same.
            ctx.chat_data("count").ok().flatten().unwrap_or(0)
        } else {
            ctx.chat_data("count")?.unwrap_or(0)
        };
        ctx.reply(format!("message {}", count + 1)).call()?;
        ctx.set_chat_data("count", &(count + 1))?;
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
    })
}

/// The stored count of chat `chat`.
fn count(store: &dyn Store, chat: i64) -> Option<u32> {
    let bytes = store.get(&Key::chat(chat, "count")).unwrap()?;
    Some(serde_json::from_slice(&bytes).unwrap())
}

#[test]
fn a_failed_read_in_a_handler_is_reported_and_the_update_handled_again_once() {
    let api = FakeApi::start(Vec::new());
    let (builder, reports) = app(&api, Faulty::failing(1), counter(false));
    let app = builder.build();
    app.process_update(text(1, 7, "a"));
    app.process_update(text(2, 7, "b"));
    // The first attempt at update 1 failed before its reply: one reply per update, and the
    // count moved once per update.
    assert_eq!(api.sent.entries(), ["message 1", "message 2"]);
    assert_eq!(count(app.store(), 7), Some(2));
    assert!(app.store().is_applied(1).unwrap() && app.store().is_applied(2).unwrap());
    // The error handler saw the store's error, once, and not the handler's failure.
    let reports = reports.entries();
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(reports[0].0, "{reports:?}");
    assert_eq!(reports[0].1, format!("store: {OUTAGE}"));
}

#[test]
fn the_handler_gets_the_store_error_as_the_error_handler_does() {
    let api = FakeApi::start(Vec::new());
    let got: Arc<Log<String>> = Arc::default();
    let handler = {
        let got = got.clone();
        Handler::message(filters::text(), move |ctx: &Context| {
            if let Err(e) = ctx.chat_data::<u32>("count") {
                got.push(e.to_string());
                assert!(std::error::Error::source(&e).is_none(), "{e:?}");
            }
            Ok::<_, std::io::Error>(())
        })
    };
    let (builder, reports) = app(&api, Faulty::failing(1), handler);
    builder.build().process_update(text(1, 7, "a"));
    assert_eq!(got.entries(), [format!("store: {OUTAGE}")]);
    assert_eq!(reports.entries(), [(true, format!("store: {OUTAGE}"))]);
}

#[test]
fn a_handler_that_swallows_the_error_does_not_commit_what_it_did_after_it() {
    let api = FakeApi::start(Vec::new());
    let (builder, reports) = app(&api, Faulty::failing(1), counter(true));
    let app = builder.build();
    app.process_update(text(1, 7, "a"));
    // The void attempt read nothing and went on: its reply went out (what a handler does
    // outside the store happens again), its change did not stay.
    assert_eq!(api.sent.entries(), ["message 1", "message 1"]);
    assert_eq!(count(app.store(), 7), Some(1));
    assert!(app.store().is_applied(1).unwrap());
    let reports = reports.entries();
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(reports[0].0 && reports[0].1.contains(OUTAGE), "{reports:?}");
}

#[test]
fn the_changes_of_earlier_groups_are_dropped_with_the_attempt() {
    let api = FakeApi::start(Vec::new());
    let runs = Arc::new(AtomicUsize::new(0));
    let first = {
        let runs = runs.clone();
        Handler::update(
            |_| true,
            move |ctx: &Context| {
                // Adds to the bot's total without reading it: only a commit makes it stay.
                let n = runs.fetch_add(1, Ordering::SeqCst) as u32 + 1;
                ctx.set_bot_data("runs", &n)
            },
        )
    };
    let store = Arc::new(Faulty::failing(1));
    let (builder, reports) = app(&api, SharedStore(store.clone()), first);
    let app = builder.handler_in(1, counter(false)).build();
    app.process_update(text(1, 7, "a"));
    assert_eq!(runs.load(Ordering::SeqCst), 2);
    // The second attempt's value, not a mix: the first attempt's was dropped with it.
    assert_eq!(
        app.store().get(&Key::bot("runs")).unwrap(),
        Some(b"2".to_vec())
    );
    assert_eq!(count(app.store(), 7), Some(1));
    assert_eq!(api.sent.entries(), ["message 1"]);
    assert_eq!(reports.len(), 1);
    assert_eq!(store.failed.load(Ordering::SeqCst), 1);
}

#[derive(Serialize, Deserialize, PartialEq, Clone, Debug)]
enum Step {
    Name,
}

#[test]
fn a_failed_read_in_a_middleware_voids_the_attempt_too() {
    let api = FakeApi::start(Vec::new());
    let passed = Arc::new(AtomicUsize::new(0));
    let (builder, reports) = app(&api, Faulty::failing(1), counter(false));
    let app = {
        let passed = passed.clone();
        builder
            // Throttling: reads the user's last update, and goes on whatever the store said.
            .middleware(move |ctx, next| {
                let last: Option<i64> = ctx.user_data("last").ok().flatten();
                passed.fetch_add(1, Ordering::SeqCst);
                ctx.set_user_data("last", &last.map_or(1, |n| n + 1))?;
                next(ctx);
                Ok::<_, telegram_api::ext::store::DataError>(())
            })
            .build()
    };
    app.process_update(text(1, 7, "a"));
    // The middleware ran twice; the handlers only in the attempt that stayed.
    assert_eq!(passed.load(Ordering::SeqCst), 2);
    assert_eq!(api.sent.entries(), ["message 1"]);
    assert_eq!(count(app.store(), 7), Some(1));
    let last = app.store().get(&Key::user(7, "last")).unwrap();
    assert_eq!(last, Some(b"1".to_vec()));
    assert_eq!(reports.entries(), [(true, format!("store: {OUTAGE}"))]);
}

#[test]
fn a_conversation_whose_state_cannot_be_read_moves_once_when_it_can() {
    let api = FakeApi::start(Vec::new());
    let conversation = Conversation::new("form")
        .entry(Handler::command("start", |ctx: &Context| {
            ctx.reply("name?").call()?;
            Ok::<_, telegram_api::Error>(Next::To(Step::Name))
        }))
        .state(
            Step::Name,
            Handler::message(filters::text(), |ctx: &Context| {
                ctx.reply("thanks").call()?;
                Ok::<_, telegram_api::Error>(Next::End)
            }),
        );
    let store = Arc::new(Faulty::default());
    let (builder, reports) = app(&api, SharedStore(store.clone()), conversation.build());
    let app = builder.build();
    app.process_update(text(1, 7, "/start"));
    // The state read of the next update fails twice, in matching: no handler runs then.
    store.reads.store(2, Ordering::SeqCst);
    app.process_update(text(2, 7, "Ann"));
    assert_eq!(api.sent.entries(), ["name?", "thanks"]);
    assert_eq!(store.failed.load(Ordering::SeqCst), 2);
    let reports = reports.entries();
    assert_eq!(reports.len(), 2, "{reports:?}");
    assert!(reports.iter().all(|(store, _)| *store), "{reports:?}");
    // Ended: a new /start starts again.
    app.process_update(text(3, 7, "/start"));
    assert_eq!(api.sent.entries(), ["name?", "thanks", "name?"]);
}

#[test]
fn a_failed_job_listing_voids_the_attempt() {
    let api = FakeApi::start(Vec::new());
    let handler = Handler::message(filters::text(), |ctx: &Context| {
        // The job listing fails; the handler goes on with a made-up count, which must not stay.
        let jobs = ctx.all_jobs().map(|j| j.len()).unwrap_or(99);
        ctx.set_bot_data("jobs seen", &jobs)
    });
    let (builder, reports) = app(&api, Faulty::failing(1), handler);
    let app = builder
        .job("tick", |_: &Context| Ok::<_, std::io::Error>(()))
        .build();
    app.process_update(text(1, 7, "a"));
    assert_eq!(reports.len(), 1);
    assert!(reports.entries()[0].0);
    assert_eq!(
        app.store().get(&Key::bot("jobs seen")).unwrap(),
        Some(b"0".to_vec())
    );
    assert!(app.store().is_applied(1).unwrap());
}

#[test]
fn polling_confirms_an_update_only_once_the_store_can_be_read() {
    let api = FakeApi::start(vec![
        (1, updates::text(1, 7, "a").json()),
        (2, updates::text(2, 8, "b").json()),
    ]);
    let store = Arc::new(Faulty::default());
    store.down.store(true, Ordering::SeqCst);
    let (builder, reports) = app(&api, SharedStore(store.clone()), counter(false));
    let app = builder.workers(2).build();
    let stop = app.stop_handle();
    let runner = std::thread::spawn(move || app.run_polling());
    // Both updates fail, and again: neither can be confirmed while the store is down.
    reports.wait_for("two failures of each update", |r| r.len() >= 4);
    assert!(api.confirmed() <= 1, "confirmed {}", api.confirmed());
    assert!(api.sent.is_empty());
    store.down.store(false, Ordering::SeqCst);
    api.wait_confirmed(3, PATIENCE);
    stop.stop();
    runner.join().unwrap().unwrap();
    let mut sent = api.sent.entries();
    sent.sort();
    assert_eq!(sent, ["message 1", "message 1"]);
    assert_eq!(count(&*store, 7), Some(1));
    assert_eq!(count(&*store, 8), Some(1));
    assert!(
        reports
            .entries()
            .iter()
            .all(|(store, text)| *store && text.contains(OUTAGE))
    );
}

#[test]
fn a_failed_read_in_a_job_runs_it_again_and_its_changes_happen_once() {
    use telegram_api::ext::ManualClock;
    use telegram_api::ext::jiff::Timestamp;
    use telegram_api::ext::schedule::Schedule;

    let api = FakeApi::start(Vec::new());
    let start: Timestamp = "2026-06-01T10:00:00Z".parse().unwrap();
    let clock = ManualClock::new(start);
    let store = Arc::new(Faulty::default());
    let (builder, reports) = app(&api, SharedStore(store.clone()), counter(false));
    let app = builder
        .clock(clock.clock())
        .job("tick", |ctx: &Context| {
            let ticks: u32 = ctx.chat_data("ticks")?.unwrap_or(0);
            ctx.reply(format!("tick {}", ticks + 1)).call()?;
            ctx.set_chat_data("ticks", &(ticks + 1))?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        })
        .build();
    let at = start + std::time::Duration::from_secs(60);
    app.schedule_job_for(7, "tick", Schedule::once(at), &())
        .unwrap();
    clock.set(at);
    // The first read is the job's stored record (read again until it works), the second the
    // job's own: its run is void and runs again.
    store.reads.store(2, Ordering::SeqCst);
    assert_eq!(app.run_due_jobs(), 1);
    assert_eq!(store.failed.load(Ordering::SeqCst), 2);
    assert_eq!(api.sent.entries(), ["tick 1"]);
    let ticks = store.get(&Key::chat(7, "ticks")).unwrap();
    assert_eq!(ticks, Some(b"1".to_vec()));
    assert!(app.all_jobs().unwrap().is_empty());
    let reports = reports.entries();
    assert_eq!(reports.len(), 2, "{reports:?}");
    assert!(reports.iter().all(|(store, _)| *store), "{reports:?}");
}

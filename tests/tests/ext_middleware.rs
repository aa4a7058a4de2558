//! Middlewares around the handling of every update, and the runners' `post_init` and
//! `post_stop` hooks.

use std::sync::Arc;

use telegram_api::Bot;
use telegram_api::ext::store::{Key, MemoryStore, Store};
use telegram_api::ext::{Application, Context, Handler, HandlerError, RunError};
use telegram_api_tests::fake_api::FakeApi;
use telegram_api_tests::updates;
use telegram_api_tests::wait::Log;

/// A bot whose API is never reached (the handlers here send nothing).
fn bot() -> Bot {
    Bot::new("1:T").with_api_url("http://127.0.0.1:9")
}

#[test]
fn middlewares_wrap_the_handlers_in_order_and_can_stop_an_update() {
    let log: Arc<Log<String>> = Arc::default();
    let app = {
        let (a, b, h, e) = (log.clone(), log.clone(), log.clone(), log.clone());
        Application::builder(bot())
            .middleware(move |ctx, next| {
                let id = ctx.update().unwrap().update_id;
                a.push(format!("a before {id}"));
                // Updates of user 666 go no further.
                if ctx.effective_user().is_some_and(|u| u.id == 666) {
                    return Ok::<_, std::io::Error>(());
                }
                next(ctx);
                a.push(format!("a after {id}"));
                Ok(())
            })
            .middleware(move |ctx, next| {
                b.push(format!("b before {}", ctx.update().unwrap().update_id));
                next(ctx);
                b.push(format!("b after {}", ctx.update().unwrap().update_id));
                Err("b failed after the handlers")
            })
            .handler(Handler::update(
                |_| true,
                move |ctx: &Context| {
                    h.push(format!("handler {}", ctx.update().unwrap().update_id));
                    Ok::<_, std::io::Error>(())
                },
            ))
            .error_handler(move |ctx, error| {
                e.push(format!(
                    "error {} {error}",
                    ctx.update().map_or(0, |u| u.update_id)
                ));
            })
            .build()
    };
    app.process_update(updates::text(1, 10, "hi").from_user(10).update());
    app.process_update(updates::text(2, 666, "hi").from_user(666).update());
    assert_eq!(
        log.entries(),
        [
            "a before 1",
            "b before 1",
            "handler 1",
            "b after 1",
            "error 1 handler failed: b failed after the handlers",
            "a after 1",
            "a before 2",
        ]
    );
}

#[test]
fn what_a_middleware_stores_is_committed_with_the_update() {
    let store = Arc::new(MemoryStore::new());
    let app = Application::builder(bot())
        .store(Shared(store.clone()))
        .middleware(|ctx, next| {
            // A per-update setting, read by the handlers.
            ctx.set_user_data("language", "de")?;
            next(ctx);
            Ok::<_, telegram_api::ext::store::DataError>(())
        })
        .handler(Handler::update(
            |_| true,
            |ctx: &Context| {
                let language: Option<String> = ctx.user_data("language")?;
                ctx.set_chat_data("seen", &language)?;
                Ok::<_, telegram_api::ext::store::DataError>(())
            },
        ))
        .build();
    app.process_update(updates::text(7, 20, "hi").from_user(20).update());
    assert!(store.is_applied(7).unwrap());
    assert_eq!(
        store.get(&Key::user(20, "language")).unwrap(),
        Some(br#""de""#.to_vec())
    );
    assert_eq!(
        store.get(&Key::chat(20, "seen")).unwrap(),
        Some(br#""de""#.to_vec())
    );
}

#[test]
fn a_panicking_middleware_is_reported_and_the_next_update_is_handled() {
    let errors: Arc<Log<String>> = Arc::default();
    let handled: Arc<Log<i64>> = Arc::default();
    let app = {
        let (errors, handled) = (errors.clone(), handled.clone());
        Application::builder(bot())
            .middleware(|ctx, next| {
                if ctx.update().unwrap().update_id == 1 {
                    panic!("middleware broke");
                }
                next(ctx);
                Ok::<_, std::io::Error>(())
            })
            .handler(Handler::update(
                |_| true,
                move |ctx: &Context| {
                    handled.push(ctx.update().unwrap().update_id);
                    Ok::<_, std::io::Error>(())
                },
            ))
            .error_handler(move |ctx, error| {
                if let HandlerError::Panicked(m) = error {
                    errors.push(format!("{} {m}", ctx.update().map_or(0, |u| u.update_id)));
                }
            })
            .build()
    };
    app.process_update(updates::text(1, 5, "a").update());
    app.process_update(updates::text(2, 5, "b").update());
    assert_eq!(errors.entries(), ["1 middleware broke"]);
    assert_eq!(handled.entries(), [2]);
}

#[test]
fn post_init_runs_before_polling_and_post_stop_after_the_last_update() {
    let api = FakeApi::start(vec![(1, updates::text(1, 5, "hi").json())]);
    let log: Arc<Log<String>> = Arc::default();
    let app = {
        let (init, stop, h) = (log.clone(), log.clone(), log.clone());
        let offsets = api.offsets.clone();
        Application::builder(Bot::new("1:T").with_api_url(api.server.url()))
            .handle_signals(false)
            .poll_timeout(1)
            .post_init(move |_: &Application| {
                init.push(format!("init, {} polls", offsets.len()));
                Ok::<_, std::io::Error>(())
            })
            .post_stop(move |_| stop.push("stopped".into()))
            .handler(Handler::update(
                |_| true,
                move |ctx: &Context| {
                    h.push(format!("handled {}", ctx.update().unwrap().update_id));
                    Ok::<_, std::io::Error>(())
                },
            ))
            .build()
    };
    let stop = app.stop_handle();
    let runner = std::thread::spawn(move || app.run_polling());
    log.wait_for("the update handled", |l| l.len() >= 2);
    stop.stop();
    runner.join().unwrap().unwrap();
    assert_eq!(log.entries(), ["init, 0 polls", "handled 1", "stopped"]);
}

#[test]
fn a_failing_post_init_stops_the_runner_before_it_polls() {
    let api = FakeApi::start(Vec::new());
    let app = Application::builder(Bot::new("1:T").with_api_url(api.server.url()))
        .handle_signals(false)
        .post_init(|_| Err("no database"))
        .build();
    let error = app.run_polling().unwrap_err();
    assert!(matches!(error, RunError::Init(_)));
    assert_eq!(error.to_string(), "post_init failed: no database");
    // Nothing was asked of Telegram.
    assert!(api.offsets.is_empty());
}

/// A store shared with the test, to look into it while the application uses it.
struct Shared(Arc<MemoryStore>);

impl Store for Shared {
    fn get(&self, key: &Key) -> Result<Option<Vec<u8>>, telegram_api::ext::store::StoreError> {
        self.0.get(key)
    }
    fn is_applied(&self, update_id: i64) -> Result<bool, telegram_api::ext::store::StoreError> {
        self.0.is_applied(update_id)
    }
    fn commit(
        &self,
        update_id: Option<i64>,
        changes: &[telegram_api::ext::store::Change],
    ) -> Result<telegram_api::ext::store::Commit, telegram_api::ext::store::StoreError> {
        self.0.commit(update_id, changes)
    }
    fn forget_applied_below(
        &self,
        update_id: i64,
    ) -> Result<(), telegram_api::ext::store::StoreError> {
        self.0.forget_applied_below(update_id)
    }
    fn values(
        &self,
        scope: &telegram_api::ext::store::Scope,
        prefix: &str,
    ) -> Result<Vec<(String, Vec<u8>)>, telegram_api::ext::store::StoreError> {
        self.0.values(scope, prefix)
    }
}

#[test]
fn the_webhook_runner_runs_the_hooks_too() {
    let log: Arc<Log<String>> = Arc::default();
    let app = {
        let (init, stop) = (log.clone(), log.clone());
        Application::builder(bot())
            .handle_signals(false)
            .post_init(move |_: &Application| {
                init.push("init".into());
                Ok::<_, std::io::Error>(())
            })
            .post_stop(move |_| stop.push("stopped".into()))
            .build()
    };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let stop = app.stop_handle();
    let runner = std::thread::spawn(move || {
        app.run_webhook(telegram_api::ext::Webhook::from_listener(listener))
    });
    log.wait_for("post_init ran", |l| l == ["init"]);
    stop.stop();
    runner.join().unwrap().unwrap();
    assert_eq!(log.entries(), ["init", "stopped"]);
}

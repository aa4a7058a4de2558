//! The durable inbox of a file store: updates are written there before Telegram is told they
//! arrived, handled from there in order, and leave it when handled; the records of received
//! and of applied updates stay bounded whichever runner feeds the application.

use std::sync::Arc;
use std::time::Duration;

use telegram_api::Bot;
use telegram_api::ext::store::{
    Change, Commit, FileStore, Key, MemoryStore, RECEIVED_WINDOW, Store,
};
use telegram_api::ext::{Application, Context, Handler};
use telegram_api_tests::slow_polling::poll_while_a_handler_is_slow;
use telegram_api_tests::temp::temp_dir;
use telegram_api_tests::updates;
use telegram_api_tests::wait::{Log, wait_until};

fn rows(ids: impl IntoIterator<Item = i64>) -> Vec<(i64, Vec<u8>)> {
    ids.into_iter()
        .map(|id| (id, updates::text(id, id % 7, "hi").json().into_bytes()))
        .collect()
}

#[test]
fn the_file_store_inbox_keeps_updates_until_handled_and_recognises_them_again() {
    let dir = temp_dir("inbox-store");
    let path = dir.join("state.redb");
    let store = FileStore::open(&path).unwrap();
    assert!(store.has_inbox());
    assert_eq!(store.inbox_add(&rows([3, 1, 2])).unwrap(), vec![3, 1, 2]);
    // Delivered again: not written twice.
    assert_eq!(store.inbox_add(&rows([2, 4])).unwrap(), vec![4]);
    let ids: Vec<i64> = store.inbox().unwrap().iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, vec![1, 2, 3, 4], "in update_id order");
    assert_eq!(
        store.inbox().unwrap()[0].1,
        rows([1])[0].1,
        "the update as written"
    );

    // Handled with changes: leaves the inbox in the commit; without: by inbox_remove.
    let key = Key::chat(1, "n");
    assert_eq!(
        store
            .commit(Some(1), &[Change::Put(key.clone(), b"1".to_vec())])
            .unwrap(),
        Commit::Applied
    );
    store.inbox_remove(&[2]).unwrap();
    let ids: Vec<i64> = store.inbox().unwrap().iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, vec![3, 4]);
    // Handled updates are still recognised when delivered again.
    assert_eq!(store.inbox_add(&rows([1, 2, 5])).unwrap(), vec![5]);

    // All of it is on disk.
    drop(store);
    let store = FileStore::open(&path).unwrap();
    let ids: Vec<i64> = store.inbox().unwrap().iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, vec![3, 4, 5]);
    assert_eq!(store.get(&key).unwrap(), Some(b"1".to_vec()));
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_record_of_received_updates_keeps_the_last_ids_only() {
    let dir = temp_dir("inbox-window");
    let store = FileStore::open(dir.join("state.redb")).unwrap();
    let last = RECEIVED_WINDOW + 2_000;
    for chunk in (1..=last).collect::<Vec<_>>().chunks(2_000) {
        store.inbox_add(&rows(chunk.iter().copied())).unwrap();
        store.inbox_remove(chunk).unwrap();
    }
    assert!(store.inbox().unwrap().is_empty());
    // Far below the highest: forgotten, so taken as new; recent ones are recognised.
    assert_eq!(store.inbox_add(&rows([1])).unwrap(), vec![1]);
    assert_eq!(
        store.inbox_add(&rows([last - 5, last])).unwrap(),
        Vec::<i64>::new()
    );
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_record_of_applied_updates_stays_bounded_outside_polling() {
    // Each update commits a change, so each is recorded as applied.
    let store = Arc::new(MemoryStore::new());
    let app = Application::builder(Bot::new("1:T").with_api_url("http://127.0.0.1:9"))
        .handle_signals(false)
        .store(SharedStore(store.clone()))
        .handler(Handler::update(
            |_| true,
            |ctx: &Context| ctx.set_chat_data("last", &ctx.update().unwrap().update_id),
        ))
        .build();
    let total = RECEIVED_WINDOW * 2;
    for id in 1..=total {
        app.process_update(updates::text(id, 1 + id % 5, "x").update());
    }
    assert!(store.is_applied(total).unwrap());
    assert!(store.is_applied(total - RECEIVED_WINDOW + 1).unwrap());
    assert!(!store.is_applied(1).unwrap(), "old records are pruned");
    assert!(!store.is_applied(total - RECEIVED_WINDOW - 1_000).unwrap());
}

/// A store shared with the test, to look into it while the application uses it.
struct SharedStore(Arc<MemoryStore>);

impl Store for SharedStore {
    fn get(&self, key: &Key) -> Result<Option<Vec<u8>>, telegram_api::ext::store::StoreError> {
        self.0.get(key)
    }
    fn is_applied(&self, update_id: i64) -> Result<bool, telegram_api::ext::store::StoreError> {
        self.0.is_applied(update_id)
    }
    fn commit(
        &self,
        update_id: Option<i64>,
        changes: &[Change],
    ) -> Result<Commit, telegram_api::ext::store::StoreError> {
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
fn polling_with_an_inbox_fetches_each_update_once_while_a_handler_is_slow() {
    let dir = temp_dir("inbox-polling");
    let path = dir.join("state.redb");
    poll_while_a_handler_is_slow(|builder| builder.store_path(&path).unwrap());
    let store = FileStore::open(dir.join("state.redb")).unwrap();
    assert!(
        store.inbox().unwrap().is_empty(),
        "the inbox is empty once all is handled"
    );
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_webhook_with_an_inbox_answers_once_the_update_is_written_and_handles_it_after_a_restart() {
    let dir = temp_dir("inbox-webhook");
    let path = dir.join("state.redb");
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let release_rx = std::sync::Mutex::new(release_rx);
    let handled: Arc<Log<(u32, i64)>> = Arc::default();
    // The first run: the handler waits until released.
    let first = {
        let handled = handled.clone();
        Application::builder(Bot::new("1:T").with_api_url("http://127.0.0.1:9"))
            .handle_signals(false)
            .stop_timeout(Duration::from_millis(100))
            .store_path(&path)
            .unwrap()
            .handler(Handler::update(
                |_| true,
                move |ctx: &Context| {
                    handled.push((1, ctx.update().unwrap().update_id));
                    let _ = release_rx.lock().unwrap().recv();
                    Ok::<_, std::io::Error>(())
                },
            ))
            .build()
    };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = first.stop_handle();
    let runner = std::thread::spawn(move || {
        first.run_webhook(telegram_api::ext::Webhook::from_listener(listener).path("/hook"))
    });
    let update = updates::text(77, 5, "hi").json();
    let status =
        telegram_api_tests::http::post_update(addr, "/hook", None, &update, Duration::from_secs(5));
    // Answered while its handler is still held: it is in the inbox.
    assert_eq!(status, 200);
    handled.wait_for("the first run took it", |h| h == [(1, 77)]);
    stop.stop();
    runner.join().unwrap().unwrap();
    // The handler finishes after the stop: the update stays in the inbox.
    release_tx.send(()).unwrap();

    // The second run handles it from the inbox; nothing is posted again.
    let second = {
        let handled = handled.clone();
        let open = || {
            Application::builder(Bot::new("1:T").with_api_url("http://127.0.0.1:9"))
                .handle_signals(false)
                .store_path(&path)
        };
        // The first run's store closes once its last worker let go of it.
        let mut builder = None;
        wait_until(
            Duration::from_secs(5),
            "the first run's store closed",
            || {
                builder = open().ok();
                builder.is_some()
            },
        );
        builder
            .unwrap()
            .handler(Handler::update(
                |_| true,
                move |ctx: &Context| {
                    handled.push((2, ctx.update().unwrap().update_id));
                    Ok::<_, std::io::Error>(())
                },
            ))
            .build()
    };
    let pool = second.start_pool().unwrap();
    handled.wait_for("the second run handled it", |h| h.len() == 2);
    pool.shutdown(Duration::from_secs(5));
    assert_eq!(handled.entries(), [(1, 77), (2, 77)]);
    assert!(second.store().inbox().unwrap().is_empty());
    drop(second);
    let _ = std::fs::remove_dir_all(&dir);
}

//! Albums (media groups) of `telegram_api::ext`: `Handler::album` gets each album once, whole,
//! after a quiet window since its latest part, timed by a clock the tests control (no test
//! sleeps for the window to pass): parts in order, windows moved by late parts, chats and
//! albums kept apart, restarts with a file store, filters, channel posts, failures of the
//! handler and of the store, and the chat's turn on the worker pool. The parts are updates
//! written from the Bot API's wire format (`Message.media_group_id`, `Message.photo` as an
//! array of `PhotoSize`); replies go to a loopback Bot API server, which records them.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use telegram_api::ext::jiff::Timestamp;
use telegram_api::ext::schedule::Schedule;
use telegram_api::ext::store::{
    Change, Commit, FileStore, Key, MemoryStore, Scope, Store, StoreError,
};
use telegram_api::ext::{
    Album, Application, ApplicationBuilder, Context, Handler, HandlerError, ManualClock, filters,
};
use telegram_api::{Bot, Update};
use telegram_api_tests::http::{Reply, Request, Server};
use telegram_api_tests::temp::temp_store;
use telegram_api_tests::updates::{self, DATE};
use telegram_api_tests::wait::Log;

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// A Bot API server answering `sendMessage` and `sendMediaGroup` with messages of the bot.
fn server() -> Server {
    const SENT: &str = r#"{"message_id": 900, "date": 1700000100, "chat": {"id": 7, "type": "private", "first_name": "U7"}}"#;
    Server::start(|req| match req.api_method() {
        "sendMessage" => Reply::ok(SENT),
        "sendMediaGroup" => Reply::ok(&format!("[{SENT}]")),
        m => panic!("unexpected {m}"),
    })
}

/// The requests sent: each method and its JSON body.
fn sent(server: &Server) -> Vec<(String, Value)> {
    server
        .requests()
        .iter()
        .map(|r: &Request| (r.api_method().to_owned(), r.json()))
        .collect()
}

/// The texts of the `sendMessage` requests, in order.
fn texts(server: &Server) -> Vec<String> {
    sent(server)
        .into_iter()
        .filter(|(method, _)| method == "sendMessage")
        .map(|(_, body)| body["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn ts(s: &str) -> Timestamp {
    s.parse().expect("a timestamp")
}

/// Update `update_id`: message `message_id` of chat `chat` ([`updates::chat`]), a photo (two
/// sizes, file ids `small-<message_id>` and `photo-<message_id>`) of the album `group`. Sent by
/// the user of the chat's id in a private chat, by user 42 in a group.
fn photo(update_id: i64, chat: i64, message_id: i64, group: &str) -> Value {
    let from = if chat > 0 { chat } else { 42 };
    json!({
        "update_id": update_id,
        "message": {
            "message_id": message_id,
            "from": updates::user(from),
            "date": DATE,
            "chat": updates::chat(chat),
            "media_group_id": group,
            "photo": [
                {
                    "file_id": format!("small-{message_id}"),
                    "file_unique_id": format!("s{message_id}"),
                    "width": 90,
                    "height": 67,
                    "file_size": 1200
                },
                {
                    "file_id": format!("photo-{message_id}"),
                    "file_unique_id": format!("p{message_id}"),
                    "width": 1280,
                    "height": 960,
                    "file_size": 98000
                }
            ]
        }
    })
}

/// `part` with a caption, and a bold entity over its first `bold` UTF-16 units.
fn captioned(mut part: Value, caption: &str, bold: usize) -> Value {
    part["message"]["caption"] = json!(caption);
    part["message"]["caption_entities"] = json!([{"type": "bold", "offset": 0, "length": bold}]);
    part
}

fn update(value: &Value) -> Update {
    updates::decode(value)
}

/// What an album handler saw: `<chat> <media_group_id>: <message ids> <caption>`.
fn summary(album: &Album) -> String {
    let ids: Vec<String> = album
        .messages()
        .iter()
        .map(|m| m.message_id.to_string())
        .collect();
    format!(
        "{} {}: {} {:?}",
        album.messages()[0].chat.id,
        album.media_group_id(),
        ids.join(","),
        album.caption()
    )
}

/// An application whose album handler records each album in `albums` and replies with how
/// many photos it had; other messages are answered "other: <text>".
fn app(server: &Server, clock: &ManualClock, albums: &Arc<Log<String>>) -> ApplicationBuilder {
    let albums = albums.clone();
    Application::builder(Bot::new("123:abc").with_api_url(server.url()))
        .bot_username("test_bot")
        .clock(clock.clock())
        .handler(Handler::album(
            move |ctx: &Context, album: &Album| -> Result {
                albums.push(summary(album));
                ctx.reply(format!("{} photos", album.len())).call()?;
                Ok(())
            },
        ))
        .message(filters::all(), |ctx: &Context| -> Result {
            let message = ctx.effective_message().ok_or("a message")?;
            let text = message.text.as_deref().unwrap_or("(media)");
            ctx.reply(format!("other: {text}")).call()?;
            Ok(())
        })
}

/// The records of jobs left in `store` (albums waiting included).
fn job_records(store: &dyn Store) -> usize {
    store.values(&Scope::Bot, "job/").unwrap().len()
}

#[test]
fn three_parts_make_one_call_with_every_message_in_order_after_the_quiet_window() {
    let server = server();
    let clock = ManualClock::new(ts("2026-06-01T10:00:00Z"));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let app = Application::builder(Bot::new("123:abc").with_api_url(server.url()))
        .clock(clock.clock())
        .handler(Handler::album({
            let seen = seen.clone();
            move |ctx: &Context, album: &Album| -> Result {
                seen.lock().unwrap().push((
                    summary(album),
                    ctx.effective_message().map(|m| m.message_id),
                    ctx.job().is_some(),
                ));
                ctx.reply(format!("{} photos", album.len())).call()?;
                ctx.reply_media_group(album.input_media()).call()?;
                Ok(())
            }
        }))
        .build();
    // Parts may be handled in any order: the album is in message_id order.
    let first = captioned(photo(10, 7, 100, "13570001"), "Trip to Rome", 4);
    app.process_update(update(&first));
    clock.advance(Duration::from_millis(200));
    app.process_update(update(&photo(12, 7, 102, "13570001")));
    clock.advance(Duration::from_millis(200));
    app.process_update(update(&photo(11, 7, 101, "13570001")));
    // Waiting, out of the lists of jobs, due one second after the last part.
    assert!(app.all_jobs().unwrap().is_empty());
    assert_eq!(app.next_job_at(), Some(ts("2026-06-01T10:00:01.4Z")));
    assert_eq!(job_records(app.store()), 1);

    clock.set(ts("2026-06-01T10:00:01.399Z"));
    assert_eq!(app.run_due_jobs(), 0);
    assert!(seen.lock().unwrap().is_empty());
    assert!(server.requests().is_empty());

    clock.set(ts("2026-06-01T10:00:01.4Z"));
    assert_eq!(app.run_due_jobs(), 1);
    assert_eq!(
        *seen.lock().unwrap(),
        [(
            r#"7 13570001: 100,101,102 Some("Trip to Rome")"#.to_owned(),
            Some(100),
            false
        )]
    );
    assert_eq!(
        sent(&server),
        [
            (
                "sendMessage".to_owned(),
                json!({"chat_id": 7, "text": "3 photos"})
            ),
            (
                "sendMediaGroup".to_owned(),
                json!({"chat_id": 7, "media": [
                    {
                        "type": "photo",
                        "media": "photo-100",
                        "caption": "Trip to Rome",
                        "caption_entities": [{"type": "bold", "offset": 0, "length": 4}]
                    },
                    {"type": "photo", "media": "photo-101"},
                    {"type": "photo", "media": "photo-102"}
                ]})
            )
        ]
    );
    // Handled once: the record went with the run.
    assert_eq!(job_records(app.store()), 0);
    assert_eq!(app.next_job_at(), None);
    clock.advance(Duration::from_secs(3600));
    assert_eq!(app.run_due_jobs(), 0);
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[test]
fn a_waiting_album_is_in_no_list_of_jobs_nor_of_bot_data() {
    let server = server();
    let clock = ManualClock::new(ts("2026-06-01T10:00:00Z"));
    let albums: Arc<Log<String>> = Arc::default();
    let app = Application::builder(Bot::new("123:abc").with_api_url(server.url()))
        .bot_username("test_bot")
        .clock(clock.clock())
        .album({
            let albums = albums.clone();
            move |_: &Context, album: &Album| -> Result {
                albums.push(summary(album));
                Ok(())
            }
        })
        .job("say", |_: &Context| -> Result { Ok(()) })
        .command("lists", |ctx: &Context| -> Result {
            let jobs: Vec<String> = ctx.all_jobs()?.iter().map(|j| j.id().to_owned()).collect();
            let data = ctx.bot_data_names()?;
            ctx.reply(format!("jobs {jobs:?}, data {data:?}")).call()?;
            Ok(())
        })
        .build();
    app.schedule_job_as(
        "mine",
        "say",
        Schedule::once(ts("2026-06-02T00:00:00Z")),
        &(),
    )
    .unwrap();
    app.process_update(update(&photo(1, 7, 10, "g")));
    app.process_update(updates::text(2, 7, "/lists").message_id(11).update());
    assert_eq!(texts(&server), [r#"jobs ["mine"], data []"#]);
    let ids: Vec<String> = app
        .all_jobs()
        .unwrap()
        .iter()
        .map(|j| j.id().to_owned())
        .collect();
    assert_eq!(ids, ["mine"]);
    assert!(app.jobs("telegram_api/album/0").unwrap().is_empty());
    assert_eq!(job_records(app.store()), 2);
    clock.advance(Duration::from_secs(1));
    assert_eq!(app.run_due_jobs(), 1);
    assert_eq!(albums.entries(), ["7 g: 10 None"]);
    assert_eq!(app.all_jobs().unwrap().len(), 1);
}

#[test]
fn albums_of_one_chat_and_of_different_chats_are_kept_apart() {
    let server = server();
    let clock = ManualClock::new(ts("2026-06-01T10:00:00Z"));
    let albums: Arc<Log<String>> = Arc::default();
    let app = app(&server, &clock, &albums).build();
    // Two albums in chat 7, one in group -5 with the same media_group_id as one of them,
    // their parts interleaved.
    let parts = [
        photo(1, 7, 10, "a"),
        photo(2, 7, 20, "b"),
        photo(3, -5, 10, "a"),
        photo(4, 7, 11, "a"),
        photo(5, -5, 11, "a"),
        photo(6, 7, 21, "b"),
        photo(7, 7, 12, "a"),
    ];
    for part in &parts {
        app.process_update(update(part));
    }
    clock.advance(Duration::from_secs(1));
    assert_eq!(app.run_due_jobs(), 3);
    let mut got = albums.entries();
    got.sort();
    assert_eq!(
        got,
        ["-5 a: 10,11 None", "7 a: 10,11,12 None", "7 b: 20,21 None"]
    );
    // In the group, the reply quotes the album's first part.
    let mut replies: Vec<Value> = sent(&server).into_iter().map(|(_, body)| body).collect();
    replies.sort_by_key(|body| body.to_string());
    assert_eq!(
        replies,
        [
            json!({
                "chat_id": -5,
                "text": "2 photos",
                "reply_parameters": {"message_id": 10, "allow_sending_without_reply": true}
            }),
            json!({"chat_id": 7, "text": "2 photos"}),
            json!({"chat_id": 7, "text": "3 photos"}),
        ]
    );
    assert_eq!(job_records(app.store()), 0);
}

#[test]
fn a_part_within_the_window_extends_it_and_one_after_it_is_an_album_of_its_own() {
    let server = server();
    let clock = ManualClock::new(ts("2026-06-01T10:00:00Z"));
    let albums: Arc<Log<String>> = Arc::default();
    let app = app(&server, &clock, &albums).build();
    app.process_update(update(&photo(1, 7, 10, "g")));
    clock.advance(Duration::from_millis(900));
    app.process_update(update(&photo(2, 7, 11, "g")));
    // One second after the first part: not yet, the second moved the window.
    clock.advance(Duration::from_millis(100));
    assert_eq!(app.run_due_jobs(), 0);
    assert!(albums.is_empty());
    clock.advance(Duration::from_millis(899));
    assert_eq!(app.run_due_jobs(), 0);
    clock.advance(Duration::from_millis(1));
    assert_eq!(app.run_due_jobs(), 1);
    assert_eq!(albums.entries(), ["7 g: 10,11 None"]);
    // Later than the window: a part of the same album is an album of its own.
    app.process_update(update(&photo(3, 7, 12, "g")));
    clock.advance(Duration::from_secs(1));
    assert_eq!(app.run_due_jobs(), 1);
    assert_eq!(albums.entries(), ["7 g: 10,11 None", "7 g: 12 None"]);
    assert_eq!(texts(&server), ["2 photos", "1 photos"]);
}

#[test]
fn the_quiet_window_is_set_on_the_handler() {
    let server = server();
    let clock = ManualClock::new(ts("2026-06-01T10:00:00Z"));
    let albums: Arc<Log<String>> = Arc::default();
    let app = Application::builder(Bot::new("123:abc").with_api_url(server.url()))
        .clock(clock.clock())
        .handler(
            Handler::album({
                let albums = albums.clone();
                move |_: &Context, album: &Album| -> Result {
                    albums.push(summary(album));
                    Ok(())
                }
            })
            .quiet(Duration::from_secs(5)),
        )
        .build();
    app.process_update(update(&photo(1, 7, 10, "g")));
    assert_eq!(app.next_job_at(), Some(ts("2026-06-01T10:00:05Z")));
    clock.advance(Duration::from_millis(4999));
    assert_eq!(app.run_due_jobs(), 0);
    clock.advance(Duration::from_millis(1));
    assert_eq!(app.run_due_jobs(), 1);
    assert_eq!(albums.entries(), ["7 g: 10 None"]);
}

#[test]
fn a_restart_within_the_window_loses_no_part_and_handles_the_album_once() {
    let server = server();
    let path = temp_store("album-restart");
    let clock = ManualClock::new(ts("2026-06-01T10:00:00Z"));
    let albums: Arc<Log<String>> = Arc::default();
    let parts = [
        photo(1, 7, 10, "g"),
        captioned(photo(2, 7, 11, "g"), "late caption", 4),
        photo(3, 7, 12, "g"),
    ];
    {
        let app = app(&server, &clock, &albums)
            .store_path(&path)
            .unwrap()
            .build();
        app.process_update(update(&parts[0]));
        app.process_update(update(&parts[1]));
    }
    // Back within the window: Telegram sends the second part again (it was not confirmed),
    // then the third.
    clock.advance(Duration::from_millis(500));
    {
        let app = app(&server, &clock, &albums)
            .store_path(&path)
            .unwrap()
            .build();
        assert_eq!(app.next_job_at(), Some(ts("2026-06-01T10:00:01Z")));
        app.process_update(update(&parts[1]));
        app.process_update(update(&parts[2]));
        assert_eq!(app.next_job_at(), Some(ts("2026-06-01T10:00:01.5Z")));
        clock.advance(Duration::from_secs(1));
        assert_eq!(app.run_due_jobs(), 1);
        assert_eq!(albums.entries(), [r#"7 g: 10,11,12 Some("late caption")"#]);
    }
    // Started again: nothing left to run.
    clock.advance(Duration::from_secs(60));
    {
        let app = app(&server, &clock, &albums)
            .store_path(&path)
            .unwrap()
            .build();
        assert_eq!(app.run_due_jobs(), 0);
        assert_eq!(job_records(app.store()), 0);
    }
    assert_eq!(albums.len(), 1);
    assert_eq!(texts(&server), ["3 photos"]);
    let _ = std::fs::remove_file(&path);
}

#[test]
fn an_album_due_while_the_bot_was_down_is_handled_once_at_start_even_when_late_jobs_are_skipped() {
    let server = server();
    let path = temp_store("album-down");
    let clock = ManualClock::new(ts("2026-06-01T10:00:00Z"));
    let albums: Arc<Log<String>> = Arc::default();
    {
        let app = app(&server, &clock, &albums)
            .store_path(&path)
            .unwrap()
            .build();
        app.process_update(update(&photo(1, -5, 10, "g")));
        app.process_update(update(&photo(2, -5, 11, "g")));
    }
    clock.advance(Duration::from_secs(3600));
    for _ in 0..2 {
        let app = app(&server, &clock, &albums)
            .skip_late_jobs(Duration::from_secs(30))
            .store_path(&path)
            .unwrap()
            .build();
        app.run_due_jobs();
    }
    assert_eq!(albums.entries(), ["-5 g: 10,11 None"]);
    assert_eq!(texts(&server), ["2 photos"]);
    let reopened = FileStore::open(&path).unwrap();
    assert_eq!(job_records(&reopened), 0);
    drop(reopened);
    let _ = std::fs::remove_file(&path);
}

#[test]
fn messages_of_no_album_go_to_the_other_handlers_and_parts_only_to_other_groups() {
    let server = server();
    let clock = ManualClock::new(ts("2026-06-01T10:00:00Z"));
    let albums: Arc<Log<String>> = Arc::default();
    let logged: Arc<Log<i64>> = Arc::default();
    let app = app(&server, &clock, &albums)
        .handler_in(
            -1,
            Handler::message(filters::all(), {
                let logged = logged.clone();
                move |ctx: &Context| -> Result {
                    logged.push(ctx.effective_message().ok_or("message")?.message_id);
                    Ok(())
                }
            }),
        )
        .build();
    let mut single = photo(1, 7, 10, "x");
    single["message"]
        .as_object_mut()
        .unwrap()
        .remove("media_group_id");
    app.process_update(update(&single));
    app.process_update(update(&photo(2, 7, 11, "g")));
    app.process_update(updates::text(3, 7, "hello").message_id(12).update());
    assert_eq!(job_records(app.store()), 1);
    clock.advance(Duration::from_secs(1));
    assert_eq!(app.run_due_jobs(), 1);
    assert_eq!(albums.entries(), ["7 g: 11 None"]);
    assert_eq!(logged.entries(), [10, 11, 12]);
    assert_eq!(
        texts(&server),
        ["other: (media)", "other: hello", "1 photos"]
    );
}

#[test]
fn an_album_handler_takes_only_the_parts_its_filter_passes() {
    let server = server();
    let clock = ManualClock::new(ts("2026-06-01T10:00:00Z"));
    let albums: Arc<Log<String>> = Arc::default();
    let app = Application::builder(Bot::new("123:abc").with_api_url(server.url()))
        .clock(clock.clock())
        .handler(
            Handler::album({
                let albums = albums.clone();
                move |_: &Context, album: &Album| -> Result {
                    albums.push(summary(album));
                    Ok(())
                }
            })
            .filter(filters::groups()),
        )
        .handler(Handler::message(
            filters::all(),
            |ctx: &Context| -> Result {
                ctx.reply("not an album of a group").call()?;
                Ok(())
            },
        ))
        .build();
    app.process_update(update(&photo(1, 7, 10, "g")));
    app.process_update(update(&photo(2, -5, 10, "g")));
    clock.advance(Duration::from_secs(1));
    assert_eq!(app.run_due_jobs(), 1);
    assert_eq!(albums.entries(), ["-5 g: 10 None"]);
    assert_eq!(
        sent(&server),
        [(
            "sendMessage".to_owned(),
            json!({"chat_id": 7, "text": "not an album of a group"})
        )]
    );
}

#[test]
fn a_failing_album_handler_is_reported_once_and_its_parts_are_not_kept() {
    let server = server();
    let clock = ManualClock::new(ts("2026-06-01T10:00:00Z"));
    let reports: Arc<Log<String>> = Arc::default();
    let app = Application::builder(Bot::new("123:abc").with_api_url(server.url()))
        .clock(clock.clock())
        .handler(Handler::album(|ctx: &Context, album: &Album| -> Result {
            // Dropped with the failure.
            ctx.set_chat_data("albums", &1)?;
            Err(format!("cannot take {} parts", album.len()).into())
        }))
        .error_handler({
            let reports = reports.clone();
            move |_: &Context, error: &HandlerError| reports.push(error.to_string())
        })
        .build();
    app.process_update(update(&photo(1, 7, 10, "g")));
    app.process_update(update(&photo(2, 7, 11, "g")));
    clock.advance(Duration::from_secs(1));
    assert_eq!(app.run_due_jobs(), 1);
    assert_eq!(reports.entries(), ["handler failed: cannot take 2 parts"]);
    assert_eq!(job_records(app.store()), 0);
    let stored = app.store().get(&Key::chat(7, "albums")).unwrap();
    assert_eq!(stored, None);
    clock.advance(Duration::from_secs(60));
    assert_eq!(app.run_due_jobs(), 0);
    assert_eq!(reports.len(), 1);
}

/// `part` as a post of channel -100 (`channel_post`, signed by the channel, no sender).
fn in_channel(mut part: Value) -> Value {
    let mut message = part.as_object_mut().unwrap().remove("message").unwrap();
    let channel = json!({"id": -100, "type": "channel", "title": "News"});
    message["chat"] = channel.clone();
    message["sender_chat"] = channel;
    message.as_object_mut().unwrap().remove("from");
    part["channel_post"] = message;
    part
}

#[test]
fn channel_posts_are_taken_when_asked_and_albums_of_two_groups_are_collected_by_each() {
    let server = server();
    let clock = ManualClock::new(ts("2026-06-01T10:00:00Z"));
    let albums: Arc<Log<String>> = Arc::default();
    let record = |tag: &'static str| {
        let albums = albums.clone();
        move |_: &Context, album: &Album| -> Result {
            albums.push(format!("{tag} {}", summary(album)));
            Ok(())
        }
    };
    let app = Application::builder(Bot::new("123:abc").with_api_url(server.url()))
        .clock(clock.clock())
        .handler(Handler::album(record("messages")))
        .handler_in(1, Handler::album(record("posts too")).channel_posts())
        .build();
    let kinds: Vec<String> = app
        .allowed_updates()
        .iter()
        .map(|t| t.as_str().to_string())
        .collect();
    assert_eq!(kinds, ["message", "channel_post"]);
    app.process_update(update(&in_channel(photo(1, 7, 10, "c"))));
    app.process_update(update(&in_channel(photo(2, 7, 11, "c"))));
    app.process_update(update(&photo(3, 7, 12, "m")));
    clock.advance(Duration::from_secs(1));
    assert_eq!(app.run_due_jobs(), 3);
    let mut got = albums.entries();
    got.sort();
    assert_eq!(
        got,
        [
            "messages 7 m: 12 None",
            "posts too -100 c: 10,11 None",
            "posts too 7 m: 12 None"
        ]
    );
    assert_eq!(job_records(app.store()), 0);
}

/// A [`MemoryStore`] whose next read of the key `fails` fails.
struct FailsOnce {
    inner: MemoryStore,
    fails: Mutex<Option<Key>>,
}

impl Store for FailsOnce {
    fn get(&self, key: &Key) -> std::result::Result<Option<Vec<u8>>, StoreError> {
        let mut fails = self.fails.lock().unwrap();
        if fails.as_ref() == Some(key) {
            *fails = None;
            return Err(StoreError::Backend("the disk went away".into()));
        }
        drop(fails);
        self.inner.get(key)
    }
    fn is_applied(&self, update_id: i64) -> std::result::Result<bool, StoreError> {
        self.inner.is_applied(update_id)
    }
    fn commit(
        &self,
        update_id: Option<i64>,
        changes: &[Change],
    ) -> std::result::Result<Commit, StoreError> {
        self.inner.commit(update_id, changes)
    }
    fn forget_applied_below(&self, update_id: i64) -> std::result::Result<(), StoreError> {
        self.inner.forget_applied_below(update_id)
    }
    fn values(
        &self,
        scope: &Scope,
        prefix: &str,
    ) -> std::result::Result<Vec<(String, Vec<u8>)>, StoreError> {
        self.inner.values(scope, prefix)
    }
}

#[test]
fn a_store_failure_in_the_album_handler_voids_the_attempt_and_the_album_is_handled_again() {
    let server = server();
    let clock = ManualClock::new(ts("2026-06-01T10:00:00Z"));
    let attempts: Arc<Log<Option<u32>>> = Arc::default();
    let reports: Arc<Log<String>> = Arc::default();
    let store = FailsOnce {
        inner: MemoryStore::new(),
        fails: Mutex::new(Some(Key::chat(7, "albums"))),
    };
    let app = Application::builder(Bot::new("123:abc").with_api_url(server.url()))
        .clock(clock.clock())
        .store(store)
        .handler(Handler::album({
            let attempts = attempts.clone();
            move |ctx: &Context, album: &Album| -> Result {
                // The first read fails: whatever the handler does with the error, the attempt
                // is void.
                let before: Option<u32> = ctx.chat_data("albums").unwrap_or(None);
                attempts.push(before);
                ctx.set_chat_data("albums", &(before.unwrap_or(0) + 1))?;
                ctx.reply(format!("{} photos", album.len())).call()?;
                Ok(())
            }
        }))
        .error_handler({
            let reports = reports.clone();
            move |_: &Context, error: &HandlerError| reports.push(error.to_string())
        })
        .build();
    app.process_update(update(&photo(1, 7, 10, "g")));
    app.process_update(update(&photo(2, 7, 11, "g")));
    clock.advance(Duration::from_secs(1));
    assert_eq!(app.run_due_jobs(), 1);
    assert_eq!(attempts.entries(), [None, None]);
    assert_eq!(reports.entries(), ["store: the disk went away"]);
    let albums = app.store().get(&Key::chat(7, "albums")).unwrap();
    assert_eq!(albums.as_deref(), Some(&b"1"[..]));
    assert_eq!(job_records(app.store()), 0);
    // The void attempt's reply was sent too, as a void attempt's are.
    assert_eq!(texts(&server), ["2 photos", "2 photos"]);
}

#[test]
fn on_the_pool_an_album_runs_in_its_chats_turn_after_the_updates_before_it() {
    let server = server();
    let clock = ManualClock::new(ts("2026-06-01T10:00:00Z"));
    let events: Arc<Log<String>> = Arc::default();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let release_rx = Mutex::new(release_rx);
    let app = Application::builder(Bot::new("123:abc").with_api_url(server.url()))
        .bot_username("test_bot")
        .clock(clock.clock())
        .workers(4)
        .handler(Handler::album({
            let events = events.clone();
            move |_: &Context, album: &Album| -> Result {
                events.push(format!("album {}", summary(album)));
                Ok(())
            }
        }))
        .command("slow", {
            let events = events.clone();
            move |_: &Context| -> Result {
                events.push("slow start".into());
                // Holds chat 7 until the test lets it go.
                release_rx.lock().unwrap().recv()?;
                events.push("slow end".into());
                Ok(())
            }
        })
        .message(filters::text(), {
            let events = events.clone();
            move |ctx: &Context| -> Result {
                let message = ctx.effective_message().ok_or("message")?;
                events.push(format!("text {}", message.text.as_deref().unwrap_or("")));
                Ok(())
            }
        })
        .build();
    let pool = app.start_pool().unwrap();
    for part in [
        photo(1, 7, 10, "a"),
        photo(2, 8, 10, "b"),
        photo(3, 7, 11, "a"),
        photo(4, 8, 11, "b"),
    ] {
        pool.submit(update(&part));
    }
    assert!(pool.wait_idle(Duration::from_secs(10)));
    pool.submit(updates::text(5, 7, "/slow").message_id(12).update());
    events.wait_for("the update of chat 7 started", |e| {
        e.contains(&"slow start".to_owned())
    });
    pool.submit(updates::text(6, 7, "during").message_id(13).update());
    // Both albums are due: chat 8's runs, chat 7's waits for its chat's updates.
    clock.advance(Duration::from_secs(1));
    events.wait_for("the album of chat 8", |e| {
        e.contains(&"album 8 b: 10,11 None".to_owned())
    });
    release_tx.send(()).unwrap();
    let order = events.wait_len(5);
    pool.shutdown(Duration::from_secs(5));
    assert_eq!(
        order,
        [
            "slow start",
            "album 8 b: 10,11 None",
            "slow end",
            "text during",
            "album 7 a: 10,11 None"
        ]
    );
    assert_eq!(job_records(app.store()), 0);
}

//! Conversation timeouts of `telegram_api::ext` that fire at the deadline, as jobs timed by a
//! clock the tests control (no test sleeps for a deadline): not before it, moved by activity,
//! cancelled by the end, once across restarts with a file store, once when an update comes
//! first, and for the chat and user of the conversation. Updates are in the documented wire
//! format; messages go to a loopback Bot API server, which records them.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_derive::{Deserialize, Serialize};
use telegram_api::ext::jiff::Timestamp;
use telegram_api::ext::store::{Change, Key, Scope, Store};
use telegram_api::ext::{
    Application, ApplicationBuilder, Context, Conversation, Handler, HandlerError, ManualClock,
    Next, Per, Regex, filters,
};
use telegram_api::{Bot, Update};
use telegram_api_tests::http::{Reply, Server};
use telegram_api_tests::temp::temp_store;
use telegram_api_tests::updates;
use telegram_api_tests::wait::{PATIENCE, wait_until};

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// A loopback server that answers what the handlers send.
fn server() -> Server {
    Server::start(|req| match req.api_method() {
        "sendMessage" | "editMessageText" => Reply::ok(
            r#"{"message_id": 900, "date": 1788256900, "chat": {"id": 1, "type": "private", "first_name": "A"}}"#,
        ),
        m => panic!("unexpected {m}"),
    })
}

/// The messages sent (`chat_id: text`) and edited (`edit message_id: text`), in order.
fn sent(server: &Server) -> Vec<String> {
    server
        .requests()
        .iter()
        .map(|r| {
            let json = r.json();
            let text = json["text"].as_str().unwrap_or("").to_owned();
            match r.api_method() {
                "editMessageText" => format!("edit {}: {text}", json["message_id"]),
                _ => format!("{}: {text}", json["chat_id"]),
            }
        })
        .collect()
}

fn ts(s: &str) -> Timestamp {
    s.parse().expect("a timestamp")
}

const START: &str = "2026-12-02T10:00:00Z";

/// The time `seconds` after [`START`].
fn at(seconds: u64) -> Timestamp {
    ts(START) + Duration::from_secs(seconds)
}

/// A text message from user `from` in chat `chat_id` (a group when negative).
fn text(update_id: i64, chat_id: i64, from: i64, text: &str) -> Update {
    updates::text(update_id, chat_id, text)
        .from_user(from)
        .date(1788256900)
        .update()
}

/// A press on a button with `data`, on message `message_id` of chat `chat_id`.
fn press(update_id: i64, chat_id: i64, from: i64, message_id: i64, data: &str) -> Update {
    updates::callback_query(update_id, from, data)
        .on_message(chat_id, message_id)
        .update()
}

#[derive(Serialize, Deserialize, PartialEq, Clone, Debug)]
enum Step {
    Name,
    Age,
}

type Outcome = Result<Next<Step>>;

fn say(ctx: &Context, text: &str) -> std::result::Result<(), telegram_api::Error> {
    ctx.reply(text).call().map(drop)
}

/// The timeout handler: tells whether it runs at the deadline (as a job) or with an update.
fn timed_out(ctx: &Context) -> std::result::Result<(), telegram_api::Error> {
    match ctx.job() {
        Some(_) => say(ctx, "timed out at the deadline"),
        None => say(ctx, "timed out with an update"),
    }
}

/// `/start` asks a name, a name asks an age, a non-number age stays, a number ends;
/// `/cancel` ends in any state. Idle for 300 s, it times out.
fn form(timeout: u64) -> Conversation<Step> {
    let typed = || filters::text() & !filters::command();
    Conversation::new("form")
        .timeout(Duration::from_secs(timeout))
        .on_timeout(timed_out)
        .entry(Handler::command("start", |ctx: &Context| -> Outcome {
            say(ctx, "name?")?;
            Ok(Next::To(Step::Name))
        }))
        .state(
            Step::Name,
            Handler::message(typed(), |ctx: &Context| -> Outcome {
                let name = ctx.effective_message().unwrap().text.clone().unwrap();
                say(ctx, &format!("age, {name}?"))?;
                Ok(Next::To(Step::Age))
            }),
        )
        .state(
            Step::Age,
            Handler::message(typed(), |ctx: &Context| -> Outcome {
                let text = ctx.effective_message().unwrap().text.clone().unwrap();
                if text.parse::<u32>().is_err() {
                    say(ctx, "a number please")?;
                    return Ok(Next::Stay);
                }
                say(ctx, &format!("age {text} noted"))?;
                Ok(Next::End)
            }),
        )
        .fallback(Handler::command("cancel", |ctx: &Context| -> Outcome {
            say(ctx, "cancelled")?;
            Ok(Next::End)
        }))
}

/// An application on `server` with `handler`, timed by `clock`, that fails the test on any
/// error it reports.
fn strict(server: &Server, clock: &ManualClock, handler: Handler) -> ApplicationBuilder {
    Application::builder(Bot::new("1:T").with_api_url(server.url()))
        .bot_username("test_bot")
        .clock(clock.clock())
        .handler(handler)
        .error_handler(|ctx, e| panic!("update {}: {e}", ctx.update().map_or(0, |u| u.update_id)))
}

/// The stored jobs, the library's own included: their ids.
fn stored_jobs(store: &dyn Store) -> Vec<String> {
    store
        .values(&Scope::Bot, "job/")
        .unwrap()
        .into_iter()
        .map(|(name, _)| name)
        .collect()
}

fn state_key(conversation: &str) -> Key {
    Key::conversation(conversation, "state")
}

#[test]
fn the_timeout_handler_runs_at_the_deadline_in_the_conversations_chat_and_not_before() {
    let server = server();
    let clock = ManualClock::new(ts(START));
    let app = strict(&server, &clock, form(300).build())
        .job("remind", |_: &Context| Ok::<_, std::io::Error>(()))
        .build();
    // User 1 in a group: the chat is not the user.
    app.process_update(text(1, -500, 1, "/start"));
    assert_eq!(app.next_job_at(), Some(at(300)));
    // The timeout's job is stored, and not one of the jobs listed.
    assert_eq!(stored_jobs(app.store()).len(), 1);
    assert!(app.all_jobs().unwrap().is_empty());
    app.schedule_job(
        "remind",
        telegram_api::ext::schedule::Schedule::once(at(900)),
        &(),
    )
    .unwrap();
    let listed: Vec<String> = app
        .all_jobs()
        .unwrap()
        .iter()
        .map(|j| j.name().to_owned())
        .collect();
    assert_eq!(listed, ["remind"]);

    clock.set(at(299));
    assert_eq!(app.run_due_jobs(), 0);
    assert_eq!(sent(&server), ["-500: name?"]);
    assert!(
        app.store()
            .get(&state_key("form:c-500u1"))
            .unwrap()
            .is_some()
    );

    clock.set(at(300));
    assert_eq!(app.run_due_jobs(), 1);
    assert_eq!(
        sent(&server),
        ["-500: name?", "-500: timed out at the deadline"]
    );
    assert_eq!(server.requests()[1].json()["chat_id"], -500);
    // Ended: its state and its job are gone, and a name is no longer taken.
    assert_eq!(app.store().get(&state_key("form:c-500u1")).unwrap(), None);
    assert_eq!(app.next_job_at(), Some(at(900)));
    clock.set(at(600));
    assert_eq!(app.run_due_jobs(), 0);
    app.process_update(text(2, -500, 1, "Ann"));
    assert_eq!(sent(&server).len(), 2);
}

#[test]
fn a_continuing_update_moves_the_deadline_and_so_does_a_stay() {
    let server = server();
    let clock = ManualClock::new(ts(START));
    let app = strict(&server, &clock, form(300).build()).build();
    app.process_update(text(1, 7, 7, "/start"));
    clock.set(at(200));
    app.process_update(text(2, 7, 7, "Ann"));
    assert_eq!(app.next_job_at(), Some(at(500)));
    // The first deadline passes: nothing.
    clock.set(at(300));
    assert_eq!(app.run_due_jobs(), 0);
    clock.set(at(450));
    app.process_update(text(3, 7, 7, "old"));
    assert_eq!(app.next_job_at(), Some(at(750)));
    clock.set(at(749));
    assert_eq!(app.run_due_jobs(), 0);
    assert_eq!(
        sent(&server),
        ["7: name?", "7: age, Ann?", "7: a number please"]
    );
    clock.set(at(750));
    assert_eq!(app.run_due_jobs(), 1);
    assert_eq!(
        sent(&server),
        [
            "7: name?",
            "7: age, Ann?",
            "7: a number please",
            "7: timed out at the deadline"
        ]
    );
    assert_eq!(app.next_job_at(), None);
}

#[test]
fn ending_the_conversation_cancels_its_timeout() {
    let server = server();
    let clock = ManualClock::new(ts(START));
    let app = strict(&server, &clock, form(300).build()).build();
    // Ended by a state's handler (7) and by the fallback (8).
    for u in [
        text(1, 7, 7, "/start"),
        text(2, 7, 7, "Ann"),
        text(3, 7, 7, "30"),
        text(4, 8, 8, "/start"),
        text(5, 8, 8, "/cancel"),
    ] {
        clock.set(clock.now() + Duration::from_secs(10));
        app.process_update(u);
    }
    assert_eq!(app.next_job_at(), None);
    assert!(stored_jobs(app.store()).is_empty());
    clock.set(at(3600));
    assert_eq!(app.run_due_jobs(), 0);
    assert_eq!(
        sent(&server),
        [
            "7: name?",
            "7: age, Ann?",
            "7: age 30 noted",
            "8: name?",
            "8: cancelled"
        ]
    );
}

#[test]
fn the_timeout_fires_once_across_restarts() {
    let server = server();
    let path = temp_store("ext-conversation-timeout-restart");
    let clock = ManualClock::new(ts(START));
    let build = || {
        strict(&server, &clock, form(300).build())
            .store_path(&path)
            .unwrap()
            .build()
    };
    {
        let app = build();
        app.process_update(text(1, 7, 7, "/start"));
    }
    // Restarted before the deadline: the job waits for it.
    clock.set(at(100));
    {
        let app = build();
        assert_eq!(app.next_job_at(), Some(at(300)));
        assert_eq!(app.run_due_jobs(), 0);
    }
    // Down past the deadline: it fires once when the bot is back.
    clock.set(at(3600));
    {
        let app = build();
        assert_eq!(app.run_due_jobs(), 1);
        assert_eq!(app.run_due_jobs(), 0);
    }
    {
        let app = build();
        assert_eq!(app.next_job_at(), None);
        assert_eq!(app.run_due_jobs(), 0);
        // The conversation is over: a name is not taken.
        app.process_update(text(2, 7, 7, "Ann"));
    }
    assert_eq!(sent(&server), ["7: name?", "7: timed out at the deadline"]);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn a_late_timeout_fires_even_when_late_jobs_are_skipped() {
    let server = server();
    let path = temp_store("ext-conversation-timeout-late");
    let clock = ManualClock::new(ts(START));
    let build = || {
        strict(&server, &clock, form(300).build())
            .skip_late_jobs(Duration::from_secs(1))
            .store_path(&path)
            .unwrap()
            .build()
    };
    build().process_update(text(1, 7, 7, "/start"));
    clock.set(at(3600));
    let app = build();
    assert_eq!(app.run_due_jobs(), 1);
    assert_eq!(sent(&server), ["7: name?", "7: timed out at the deadline"]);
    assert_eq!(app.store().get(&state_key("form:c7u7")).unwrap(), None);
    drop(app);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn an_update_after_the_deadline_before_the_job_ran_times_out_once() {
    let server = server();
    let clock = ManualClock::new(ts(START));
    let app = strict(&server, &clock, form(300).build()).build();
    app.process_update(text(1, 7, 7, "/start"));
    // Past the deadline, the job has not run yet: the update finds the conversation timed
    // out, and is then no entry.
    clock.set(at(400));
    app.process_update(text(2, 7, 7, "Ann"));
    assert_eq!(app.next_job_at(), None);
    assert_eq!(app.run_due_jobs(), 0);
    assert_eq!(sent(&server), ["7: name?", "7: timed out with an update"]);
}

#[test]
fn after_a_restart_an_update_that_comes_before_the_job_times_out_once() {
    let server = server();
    let path = temp_store("ext-conversation-timeout-update-first");
    let clock = ManualClock::new(ts(START));
    let build = || {
        strict(&server, &clock, form(300).build())
            .store_path(&path)
            .unwrap()
            .build()
    };
    build().process_update(text(1, 7, 7, "/start"));
    clock.set(at(3600));
    let app = build();
    // The first thing after the restart is an entry: it times the old conversation out,
    // starts a new one, and its job replaces the old one.
    app.process_update(text(2, 7, 7, "/start"));
    assert_eq!(app.next_job_at(), Some(at(3900)));
    assert_eq!(app.run_due_jobs(), 0);
    clock.set(at(3900));
    assert_eq!(app.run_due_jobs(), 1);
    assert_eq!(
        sent(&server),
        [
            "7: name?",
            "7: timed out with an update",
            "7: name?",
            "7: timed out at the deadline"
        ]
    );
    drop(app);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn a_job_that_finds_the_conversation_active_since_waits_for_the_new_deadline() {
    let server = server();
    let path = temp_store("ext-conversation-timeout-longer");
    let clock = ManualClock::new(ts(START));
    {
        let app = strict(&server, &clock, form(300).build())
            .store_path(&path)
            .unwrap()
            .build();
        app.process_update(text(1, 7, 7, "/start"));
    }
    // The next version of the bot waits 600 s: the job of the old deadline finds the
    // conversation idle for 300 s only, and waits.
    clock.set(at(300));
    let app = strict(&server, &clock, form(600).build())
        .store_path(&path)
        .unwrap()
        .build();
    assert_eq!(app.run_due_jobs(), 1);
    assert_eq!(app.next_job_at(), Some(at(600)));
    assert_eq!(sent(&server), ["7: name?"]);
    // Another process moved the conversation on (active at 500 s) without moving the job.
    let key = state_key("form:c7u7");
    let active = serde_json::json!({"state": "Age", "at": at(500).as_millisecond()});
    app.store()
        .commit(None, &[Change::Put(key, active.to_string().into_bytes())])
        .unwrap();
    clock.set(at(600));
    assert_eq!(app.run_due_jobs(), 1);
    assert_eq!(app.next_job_at(), Some(at(1100)));
    assert_eq!(sent(&server), ["7: name?"]);
    clock.set(at(1100));
    assert_eq!(app.run_due_jobs(), 1);
    assert_eq!(sent(&server), ["7: name?", "7: timed out at the deadline"]);
    assert_eq!(app.next_job_at(), None);
    drop(app);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn a_per_user_conversation_times_out_in_the_chat_of_its_last_update() {
    let server = server();
    let clock = ManualClock::new(ts(START));
    let app = strict(&server, &clock, form(300).per(Per::User).build()).build();
    app.process_update(text(1, -500, 1, "/start"));
    clock.set(at(100));
    // The user goes on in their private chat.
    app.process_update(text(2, 1, 1, "Ann"));
    clock.set(at(400));
    assert_eq!(app.run_due_jobs(), 1);
    assert_eq!(
        sent(&server),
        [
            "-500: name?",
            "1: age, Ann?",
            "1: timed out at the deadline"
        ]
    );
}

#[test]
fn per_message_conversations_time_out_each_on_its_own() {
    #[derive(Serialize, Deserialize, PartialEq, Clone, Debug)]
    enum Votes {
        Voted,
    }
    let server = server();
    let clock = ManualClock::new(ts(START));
    let vote = |ctx: &Context| -> Result<Next<Votes>> {
        ctx.edit_text("voted").call()?;
        Ok(Next::To(Votes::Voted))
    };
    let closed = |ctx: &Context| -> Result {
        ctx.reply("poll closed").call()?;
        Ok(())
    };
    let conversation = Conversation::new("poll")
        .per(Per::Chat)
        .per_message(true)
        .timeout(Duration::from_secs(300))
        .on_timeout(closed)
        .entry(Handler::callback_data(Regex::new("^vote$").unwrap(), vote));
    let app = strict(&server, &clock, conversation.build()).build();
    app.process_update(press(1, -500, 1, 10, "vote"));
    clock.set(at(100));
    app.process_update(press(2, -500, 2, 11, "vote"));
    clock.set(at(300));
    assert_eq!(app.run_due_jobs(), 1);
    // Message 10's conversation is over; message 11's is not.
    assert_eq!(app.store().get(&state_key("poll:c-500m10")).unwrap(), None);
    assert!(
        app.store()
            .get(&state_key("poll:c-500m11"))
            .unwrap()
            .is_some()
    );
    // A press on message 10 starts its conversation again.
    app.process_update(press(3, -500, 1, 10, "vote"));
    assert_eq!(app.next_job_at(), Some(at(400)));
    clock.set(at(400));
    assert_eq!(app.run_due_jobs(), 1);
    assert_eq!(app.next_job_at(), Some(at(600)));
    assert_eq!(
        sent(&server),
        [
            "edit 10: voted",
            "edit 11: voted",
            "-500: poll closed",
            "edit 10: voted",
            "-500: poll closed"
        ]
    );
}

#[test]
fn a_failed_timeout_handler_is_reported_and_runs_again_with_the_next_update() {
    let server = server();
    let clock = ManualClock::new(ts(START));
    let calls = Arc::new(Mutex::new(0));
    let seen = calls.clone();
    let conversation = form(300).on_timeout(move |ctx: &Context| -> Result {
        let mut calls = seen.lock().unwrap();
        *calls += 1;
        if *calls == 1 {
            return Err("the first try fails".into());
        }
        timed_out(ctx)?;
        Ok(())
    });
    let errors = Arc::new(Mutex::new(Vec::new()));
    let reported = errors.clone();
    let app = Application::builder(Bot::new("1:T").with_api_url(server.url()))
        .clock(clock.clock())
        .handler(conversation.build())
        .error_handler(move |ctx: &Context, e: &HandlerError| {
            let what = ctx.job().map_or("an update", |_| "a job");
            reported.lock().unwrap().push(format!("{what}: {e}"));
        })
        .build();
    app.process_update(text(1, 7, 7, "/start"));
    clock.set(at(300));
    assert_eq!(app.run_due_jobs(), 1);
    assert_eq!(
        *errors.lock().unwrap(),
        ["a job: handler failed: the first try fails"]
    );
    // Its changes were dropped: the conversation is still there, timed out, and the next
    // update ends it.
    assert!(app.store().get(&state_key("form:c7u7")).unwrap().is_some());
    assert_eq!(app.next_job_at(), None);
    app.process_update(text(2, 7, 7, "Ann"));
    assert_eq!(app.store().get(&state_key("form:c7u7")).unwrap(), None);
    assert_eq!(sent(&server), ["7: name?", "7: timed out with an update"]);
    assert_eq!(*calls.lock().unwrap(), 2);
}

#[test]
fn on_the_pool_the_timeout_fires_at_the_deadline_by_itself() {
    let server = server();
    let clock = ManualClock::new(ts(START));
    let app = strict(&server, &clock, form(300).build())
        .workers(2)
        .build();
    let pool = app.start_pool().unwrap();
    pool.submit(text(1, 7, 7, "/start"));
    wait_until(PATIENCE, "the timeout scheduled", || {
        app.next_job_at() == Some(at(300))
    });
    clock.set(at(300));
    wait_until(PATIENCE, "the timeout handler's message", || {
        server.requests().len() == 2
    });
    pool.shutdown(Duration::from_secs(5));
    assert_eq!(sent(&server), ["7: name?", "7: timed out at the deadline"]);
    assert_eq!(app.next_job_at(), None);
}

#[test]
fn handlers_do_not_see_the_timeout_jobs_among_the_jobs() {
    let server = server();
    let clock = ManualClock::new(ts(START));
    let counts = Arc::new(Mutex::new(Vec::new()));
    let seen = counts.clone();
    // In a later group, on the same updates: the jobs as this update left them so far.
    let count = Handler::update(
        |_| true,
        move |ctx: &Context| -> Result {
            seen.lock().unwrap().push(ctx.all_jobs()?.len());
            Ok(())
        },
    );
    let app = strict(&server, &clock, form(300).build())
        .handler_in(1, count)
        .build();
    app.process_update(text(1, 7, 7, "/start"));
    app.process_update(text(2, 7, 7, "Ann"));
    assert_eq!(*counts.lock().unwrap(), [0, 0]);
    assert_eq!(stored_jobs(app.store()).len(), 1);
}

/// A conversation in a forum, one a topic, per user: `/start` asks for a name (again, when
/// sent again), and after a minute without one the timeout handler says so.
fn forum_app(world: &telegram_api::testing::World) -> Application {
    let ask = Conversation::new("ask")
        .entry(Handler::command(
            "start",
            |ctx: &Context| -> Result<Next<Step>> {
                ctx.reply("Your name?").call()?;
                Ok(Next::To(Step::Name))
            },
        ))
        .state(
            Step::Name,
            Handler::message(
                filters::text() & !filters::command(),
                |ctx: &Context| -> Result<Next<Step>> {
                    ctx.reply("Thanks.").call()?;
                    Ok(Next::End)
                },
            ),
        )
        .allow_reentry(true)
        .per_topic(true)
        .timeout(Duration::from_secs(60))
        .on_timeout(|ctx: &Context| -> Result {
            ctx.reply("Timed out.").call()?;
            Ok(())
        });
    Application::builder(world.bot())
        .clock(world.clock())
        .handler(ask.into())
        .build()
}

#[test]
fn a_timeout_in_a_forum_topic_replies_in_that_topic_and_one_outside_topics_in_the_chat() {
    let world = telegram_api::testing::World::new();
    world.run(&forum_app(&world));
    let forum = world.forum("Rust Forum");
    let help = forum.topic("Help");
    let news = forum.topic("News");
    let alice = world.user("Alice");
    alice.send_in_topic(&help, "/start");
    alice.send_in_topic(&news, "/start");
    alice.send_in(&forum, "/start");
    world.advance(Duration::from_secs(30));
    // Activity in the news topic moves its deadline only.
    alice.send_in_topic(&news, "/start");
    world.advance(Duration::from_secs(31));

    // Both due at once, in either order.
    let mut timed_out: Vec<Option<i64>> = world
        .params_of("sendMessage")
        .iter()
        .filter(|p| p["text"] == "Timed out.")
        .map(|p| p["message_thread_id"].as_i64())
        .collect();
    timed_out.sort();
    assert_eq!(timed_out, [None, Some(help.thread_id())]);
    assert_eq!(help.last_message().text(), "Timed out.");
    assert_eq!(news.last_message().text(), "Your name?");

    world.advance(Duration::from_secs(30));
    assert_eq!(news.last_message().text(), "Timed out.");
    let last = world.params_of("sendMessage").pop().unwrap();
    assert_eq!(last["message_thread_id"], news.thread_id());
}

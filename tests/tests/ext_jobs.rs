//! Scheduled jobs of `telegram_api::ext`, timed by a clock the tests control (no test sleeps
//! for a job to fall due): one-off, repeating, daily across a daylight-saving change, monthly on
//! the 31st, cancelling, failures, restarts with a file store, and ordering with a chat's
//! updates on the worker pool. Messages go to a loopback Bot API server, which records them.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use telegram_api::ext::jiff::Timestamp;
use telegram_api::ext::jiff::civil::time;
use telegram_api::ext::schedule::{Schedule, Weekdays};
use telegram_api::ext::store::{FileStore, Key, Store};
use telegram_api::ext::{
    Application, ApplicationBuilder, Context, HandlerError, Job, JobError, ManualClock,
};
use telegram_api::{Bot, Update};
use telegram_api_tests::http::{Reply, Server};
use telegram_api_tests::temp::temp_store;
use telegram_api_tests::updates;
use telegram_api_tests::wait::Log;

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn server() -> Server {
    Server::start(|req| match req.api_method() {
        "sendMessage" => Reply::ok(
            r#"{"message_id": 900, "date": 1788256900, "chat": {"id": 1, "type": "private", "first_name": "A"}}"#,
        ),
        m => panic!("unexpected {m}"),
    })
}

/// The messages sent, as `chat_id: text`, in order.
fn sent(server: &Server) -> Vec<String> {
    server
        .requests()
        .iter()
        .filter(|r| r.api_method() == "sendMessage")
        .map(|r| {
            let json = r.json();
            format!(
                "{}: {}",
                json["chat_id"],
                json["text"].as_str().unwrap_or("")
            )
        })
        .collect()
}

fn ts(s: &str) -> Timestamp {
    s.parse().expect("a timestamp")
}

/// A text message from user `chat_id` in their private chat.
fn text(update_id: i64, chat_id: i64, text: &str) -> Update {
    updates::text(update_id, chat_id, text)
        .date(1788256900)
        .update()
}

/// A job that sends its data (a string) to its chat.
fn say(ctx: &Context) -> Result {
    let job = ctx.job().ok_or("not a job")?;
    let text: String = job.data()?;
    ctx.reply(text).call()?;
    Ok(())
}

fn app(server: &Server, clock: &ManualClock) -> ApplicationBuilder {
    Application::builder(Bot::new("123:abc").with_api_url(server.url()))
        .bot_username("test_bot")
        .clock(clock.clock())
        .job("say", say)
        // `/remind SECONDS TEXT` schedules `say` in the chat.
        .command("remind", |ctx: &Context| -> Result {
            let seconds: u64 = ctx.args().first().ok_or("seconds")?.parse()?;
            let text = ctx.args()[1..].join(" ");
            let at = ctx.now() + Duration::from_secs(seconds);
            ctx.schedule_job("say", Schedule::once(at), &text)?;
            Ok(())
        })
        .command("clear", |ctx: &Context| -> Result {
            let n = ctx.cancel_jobs("say")?;
            ctx.reply(format!("cancelled {n}")).call()?;
            Ok(())
        })
}

/// Moves `clock` from one due job to the next, up to `until`, running each; the times at which
/// jobs ran.
fn run_until(app: &Application, clock: &ManualClock, until: Timestamp) -> Vec<Timestamp> {
    let mut ran = Vec::new();
    while let Some(next) = app.next_job_at() {
        if next > until {
            break;
        }
        clock.set(next.max(clock.now()));
        let n = app.run_due_jobs();
        assert!(n > 0, "a job due at {next} did not run");
        ran.extend(std::iter::repeat_n(clock.now(), n));
    }
    clock.set(until);
    ran
}

#[test]
fn a_one_off_job_runs_once_at_its_time_in_its_chat() {
    let server = server();
    let clock = ManualClock::new(ts("2026-06-01T10:00:00Z"));
    let app = app(&server, &clock).build();
    app.process_update(text(1, 7, "/remind 90 take a break"));
    let jobs = app.all_jobs().unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].name(), "say");
    assert_eq!(jobs[0].chat_id(), Some(7));
    assert_eq!(jobs[0].user_id(), Some(7));
    assert_eq!(jobs[0].next_run(), ts("2026-06-01T10:01:30Z"));
    assert_eq!(jobs[0].data::<String>().unwrap(), "take a break");

    clock.advance(Duration::from_secs(89));
    assert_eq!(app.run_due_jobs(), 0);
    assert!(sent(&server).is_empty());
    clock.advance(Duration::from_secs(1));
    assert_eq!(app.run_due_jobs(), 1);
    assert_eq!(sent(&server), ["7: take a break"]);
    assert!(app.all_jobs().unwrap().is_empty());
    clock.advance(Duration::from_secs(3600));
    assert_eq!(app.run_due_jobs(), 0);
    assert_eq!(sent(&server).len(), 1);
}

#[test]
fn a_job_scheduled_under_an_id_of_ours_is_one_instance_found_replaced_and_cancelled_by_it() {
    let server = server();
    let clock = ManualClock::new(ts("2026-06-01T10:00:00Z"));
    let app = app(&server, &clock)
        // `/snooze SECONDS TEXT`: this chat's one reminder, moved by each /snooze.
        .command("snooze", |ctx: &Context| -> Result {
            let seconds: u64 = ctx.args().first().ok_or("seconds")?.parse()?;
            let text = ctx.args()[1..].join(" ");
            let id = format!("reminder:{}", ctx.effective_chat().ok_or("chat")?.id);
            let before = ctx
                .find_job(&id)?
                .map(|job| job.data::<String>())
                .transpose()?;
            let at = ctx.now() + Duration::from_secs(seconds);
            ctx.schedule_job_as(&id, "say", Schedule::once(at), &text)?;
            // Seen at once by this update.
            let now = ctx.find_job(&id)?.ok_or("scheduled")?.data::<String>()?;
            ctx.reply(format!("{before:?} -> {now}")).call()?;
            Ok(())
        })
        .command("unsnooze", |ctx: &Context| -> Result {
            ctx.cancel_job(&format!(
                "reminder:{}",
                ctx.effective_chat().ok_or("chat")?.id
            ))?;
            Ok(())
        })
        .build();
    app.process_update(text(1, 7, "/snooze 60 tea"));
    app.process_update(text(2, 7, "/snooze 120 coffee"));
    app.process_update(text(3, 8, "/snooze 30 water"));
    app.process_update(text(4, 9, "/snooze 30 juice"));
    app.process_update(text(5, 9, "/unsnooze"));
    assert_eq!(
        sent(&server),
        [
            "7: None -> tea",
            r#"7: Some("tea") -> coffee"#,
            "8: None -> water",
            "9: None -> juice"
        ]
    );
    let jobs = app.all_jobs().unwrap();
    let ids: Vec<&str> = jobs.iter().map(Job::id).collect();
    assert_eq!(ids, ["reminder:8", "reminder:7"]);
    let seven = app.find_job("reminder:7").unwrap().unwrap();
    assert_eq!(seven.next_run(), ts("2026-06-01T10:02:00Z"));
    assert_eq!(app.find_job("reminder:9").unwrap(), None);

    clock.advance(Duration::from_secs(3600));
    assert_eq!(app.run_due_jobs(), 2);
    assert_eq!(&sent(&server)[4..], ["8: water", "7: coffee"]);

    // From the application: replaced under the same id, then cancelled by it.
    let at = ts("2026-06-02T00:00:00Z");
    app.schedule_job_as("nightly", "say", Schedule::once(at), "a")
        .unwrap();
    app.schedule_job_as("nightly", "say", Schedule::once(at), "b")
        .unwrap();
    let nightly = app.find_job("nightly").unwrap().unwrap();
    assert_eq!(
        (
            app.all_jobs().unwrap().len(),
            nightly.data::<String>().unwrap()
        ),
        (1, "b".into())
    );
    app.cancel_job("nightly").unwrap();
    assert!(app.all_jobs().unwrap().is_empty());
}

#[test]
fn a_repeating_job_keeps_its_interval_and_does_not_make_up_missed_runs() {
    let server = server();
    let clock = ManualClock::new(ts("2026-06-01T10:00:00Z"));
    let app = app(&server, &clock).build();
    let first = ts("2026-06-01T10:05:00Z");
    let every = Schedule::every(Duration::from_secs(60), first).unwrap();
    let id = app.schedule_job_for(5, "say", every, "tick").unwrap();
    let ran = run_until(&app, &clock, ts("2026-06-01T10:08:30Z"));
    assert_eq!(
        ran,
        [
            first,
            ts("2026-06-01T10:06:00Z"),
            ts("2026-06-01T10:07:00Z"),
            ts("2026-06-01T10:08:00Z")
        ]
    );
    // Down for ten minutes: one late run, then back on the grid after the time it ran.
    clock.set(ts("2026-06-01T10:19:10Z"));
    assert_eq!(app.run_due_jobs(), 1);
    assert_eq!(app.run_due_jobs(), 0);
    let job = app.all_jobs().unwrap().remove(0);
    assert_eq!(job.id(), id);
    assert_eq!(job.next_run(), ts("2026-06-01T10:20:00Z"));
    assert_eq!(sent(&server).len(), 5);
    assert!(sent(&server).iter().all(|s| s == "5: tick"));
}

#[test]
fn a_daily_job_keeps_its_wall_clock_time_across_daylight_saving_changes() {
    let server = server();
    let clock = ManualClock::new(ts("2026-03-27T12:00:00Z"));
    let app = app(&server, &clock).build();
    let daily = Schedule::daily(time(9, 0, 0, 0), "Europe/Berlin").unwrap();
    app.schedule_job_for(3, "say", daily, "good morning")
        .unwrap();
    // Berlin moves from UTC+1 to UTC+2 on 2026-03-29 and back on 2026-10-25.
    let spring = run_until(&app, &clock, ts("2026-03-31T00:00:00Z"));
    assert_eq!(
        spring,
        [
            ts("2026-03-28T08:00:00Z"),
            ts("2026-03-29T07:00:00Z"),
            ts("2026-03-30T07:00:00Z")
        ]
    );
    clock.set(ts("2026-10-23T12:00:00Z"));
    // One late run for the months skipped, then the schedule again.
    assert_eq!(app.run_due_jobs(), 1);
    let autumn = run_until(&app, &clock, ts("2026-10-27T00:00:00Z"));
    assert_eq!(
        autumn,
        [
            ts("2026-10-24T07:00:00Z"),
            ts("2026-10-25T08:00:00Z"),
            ts("2026-10-26T08:00:00Z")
        ]
    );
}

#[test]
fn a_daily_job_on_chosen_weekdays_skips_the_others() {
    let server = server();
    let clock = ManualClock::new(ts("2026-06-01T00:00:00Z")); // a Monday
    let app = app(&server, &clock).build();
    use telegram_api::ext::jiff::civil::Weekday::{Saturday, Sunday};
    let weekend = Schedule::daily(time(10, 30, 0, 0), "UTC")
        .unwrap()
        .on(Weekdays::of([Saturday, Sunday]));
    app.schedule_job_for(3, "say", weekend, "weekend").unwrap();
    let ran = run_until(&app, &clock, ts("2026-06-15T00:00:00Z"));
    assert_eq!(
        ran,
        [
            ts("2026-06-06T10:30:00Z"),
            ts("2026-06-07T10:30:00Z"),
            ts("2026-06-13T10:30:00Z"),
            ts("2026-06-14T10:30:00Z")
        ]
    );
}

#[test]
fn a_monthly_job_on_the_31st_runs_on_the_last_day_of_shorter_months() {
    let server = server();
    let clock = ManualClock::new(ts("2026-01-01T00:00:00Z"));
    let app = app(&server, &clock).build();
    let monthly = Schedule::monthly(31, time(18, 0, 0, 0), "UTC").unwrap();
    app.schedule_job_for(3, "say", monthly, "month end")
        .unwrap();
    let ran = run_until(&app, &clock, ts("2026-07-01T00:00:00Z"));
    assert_eq!(
        ran,
        [
            ts("2026-01-31T18:00:00Z"),
            ts("2026-02-28T18:00:00Z"),
            ts("2026-03-31T18:00:00Z"),
            ts("2026-04-30T18:00:00Z"),
            ts("2026-05-31T18:00:00Z"),
            ts("2026-06-30T18:00:00Z")
        ]
    );
    assert_eq!(sent(&server).len(), 6);
}

#[test]
fn jobs_are_cancelled_by_id_and_by_name() {
    let server = server();
    let clock = ManualClock::new(ts("2026-06-01T10:00:00Z"));
    let app = app(&server, &clock).build();
    app.process_update(text(1, 7, "/remind 60 one"));
    app.process_update(text(2, 7, "/remind 120 two"));
    app.process_update(text(3, 8, "/remind 60 other chat"));
    let every = Schedule::every(Duration::from_secs(30), clock.now()).unwrap();
    let repeating = app.schedule_job_for(9, "say", every, "rep").unwrap();
    assert_eq!(app.all_jobs().unwrap().len(), 4);

    app.cancel_job(&repeating).unwrap();
    assert_eq!(app.all_jobs().unwrap().len(), 3);
    assert_eq!(app.jobs("say").unwrap().len(), 3);
    assert!(app.jobs("count").unwrap().is_empty());
    // `/clear` cancels every `say` job, whichever chat.
    app.process_update(text(4, 7, "/clear"));
    assert_eq!(sent(&server), ["7: cancelled 3"]);
    assert!(app.all_jobs().unwrap().is_empty());
    clock.advance(Duration::from_secs(600));
    assert_eq!(app.run_due_jobs(), 0);
    assert_eq!(sent(&server).len(), 1);
}

#[test]
fn scheduling_from_a_failed_handler_is_dropped_like_its_other_changes() {
    let server = server();
    let clock = ManualClock::new(ts("2026-06-01T10:00:00Z"));
    let app = app(&server, &clock)
        .command("fail", |ctx: &Context| -> Result {
            ctx.schedule_job("say", Schedule::once(ctx.now()), "never")?;
            // Seen by this update before it is committed.
            assert_eq!(ctx.jobs("say")?.len(), 1);
            Err("refused".into())
        })
        .error_handler(|_, _| {})
        .build();
    app.process_update(text(1, 7, "/fail"));
    assert!(app.all_jobs().unwrap().is_empty());
    assert_eq!(app.run_due_jobs(), 0);
}

#[test]
fn an_unregistered_job_name_is_an_error() {
    let server = server();
    let clock = ManualClock::new(ts("2026-06-01T10:00:00Z"));
    let app = app(&server, &clock).build();
    let at = Schedule::once(clock.now());
    match app.schedule_job("nope", at, &()) {
        Err(JobError::Unregistered(name)) => assert_eq!(name, "nope"),
        other => panic!("expected Unregistered, got {other:?}"),
    }
    let past = Schedule::every(Duration::from_secs(1), clock.now()).unwrap();
    assert!(app.schedule_job("say", past, "x").is_ok());
}

#[test]
fn a_job_that_fails_or_panics_is_reported_and_keeps_its_schedule() {
    let server = server();
    let clock = ManualClock::new(ts("2026-06-01T10:00:00Z"));
    let reports = Arc::new(Mutex::new(Vec::new()));
    let app = app(&server, &clock)
        .job("flaky", |ctx: &Context| -> Result {
            // Its changes are dropped when it fails.
            ctx.set_chat_data("touched", &true)?;
            let n: u32 = ctx.job().unwrap().data()?;
            if ctx.now().as_second() % 120 == 0 {
                panic!("boom {n}");
            }
            Err("failed".into())
        })
        .error_handler({
            let reports = reports.clone();
            move |ctx: &Context, error: &HandlerError| {
                let job = ctx.job().map(|j| j.name().to_owned());
                let kind = match error {
                    HandlerError::Panicked(m) => format!("panicked: {m}"),
                    HandlerError::Failed(e) => format!("failed: {e}"),
                    other => format!("other: {other}"),
                };
                reports.lock().unwrap().push((job, kind));
            }
        })
        .build();
    let every = Schedule::every(Duration::from_secs(60), ts("2026-06-01T10:01:00Z")).unwrap();
    app.schedule_job_for(4, "flaky", every, &1u32).unwrap();
    let ran = run_until(&app, &clock, ts("2026-06-01T10:02:30Z"));
    assert_eq!(ran.len(), 2);
    assert_eq!(
        *reports.lock().unwrap(),
        [
            (Some("flaky".to_owned()), "failed: failed".to_owned()),
            (Some("flaky".to_owned()), "panicked: boom 1".to_owned()),
        ]
    );
    assert_eq!(
        app.all_jobs().unwrap()[0].next_run(),
        ts("2026-06-01T10:03:00Z")
    );
    let touched = app.store().get(&Key::chat(4, "touched")).unwrap();
    assert_eq!(touched, None);
}

#[test]
fn a_run_commits_its_changes_with_the_next_run() {
    let server = server();
    let clock = ManualClock::new(ts("2026-06-01T10:00:00Z"));
    let app = app(&server, &clock)
        .job("count", |ctx: &Context| -> Result {
            let n: u32 = ctx.chat_data("runs")?.unwrap_or(0);
            ctx.set_chat_data("runs", &(n + 1))?;
            // The last run removes the job itself.
            if n + 1 == 3 {
                ctx.cancel_job(ctx.job().unwrap().id())?;
            }
            Ok(())
        })
        .build();
    let every = Schedule::every(Duration::from_secs(10), clock.now()).unwrap();
    app.schedule_job_for(-100, "count", every, &()).unwrap();
    let ran = run_until(&app, &clock, ts("2026-06-01T10:10:00Z"));
    assert_eq!(ran.len(), 3);
    let runs = app.store().get(&Key::chat(-100, "runs")).unwrap();
    assert_eq!(runs.as_deref(), Some(&b"3"[..]));
    assert!(app.all_jobs().unwrap().is_empty());
}

#[test]
fn jobs_due_while_the_bot_was_down_run_once_after_a_restart() {
    let server = server();
    let path = temp_store("jobs-restart");
    let clock = ManualClock::new(ts("2026-06-01T10:00:00Z"));
    {
        let app = app(&server, &clock).store_path(&path).unwrap().build();
        app.process_update(text(1, 7, "/remind 60 after the restart"));
        let daily = Schedule::daily(time(12, 0, 0, 0), "UTC").unwrap();
        app.schedule_job_for(8, "say", daily, "noon").unwrap();
    }
    // Down for two days.
    clock.set(ts("2026-06-03T11:00:00Z"));
    {
        let app = app(&server, &clock).store_path(&path).unwrap().build();
        assert_eq!(app.all_jobs().unwrap().len(), 2);
        assert_eq!(app.run_due_jobs(), 2);
        assert_eq!(app.run_due_jobs(), 0);
        let mut texts = sent(&server);
        texts.sort();
        assert_eq!(texts, ["7: after the restart", "8: noon"]);
        let jobs = app.all_jobs().unwrap();
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].next_run(), ts("2026-06-03T12:00:00Z"));
    }
    // Started again at once: nothing runs twice.
    {
        let app = app(&server, &clock).store_path(&path).unwrap().build();
        assert_eq!(app.run_due_jobs(), 0);
        assert_eq!(sent(&server).len(), 2);
    }
    let _ = std::fs::remove_file(&path);
}

#[test]
fn late_runs_are_skipped_when_asked() {
    let server = server();
    let path = temp_store("jobs-skip");
    let clock = ManualClock::new(ts("2026-06-01T10:00:00Z"));
    {
        let app = app(&server, &clock).store_path(&path).unwrap().build();
        app.process_update(text(1, 7, "/remind 60 too late"));
        app.process_update(text(2, 7, "/remind 3600 in time"));
        let every = Schedule::every(Duration::from_secs(600), ts("2026-06-01T10:10:00Z")).unwrap();
        app.schedule_job_for(8, "say", every, "every ten minutes")
            .unwrap();
    }
    clock.set(ts("2026-06-01T11:00:20Z"));
    let app = app(&server, &clock)
        .skip_late_jobs(Duration::from_secs(30))
        .store_path(&path)
        .unwrap()
        .build();
    assert_eq!(app.run_due_jobs(), 3);
    // Only the run 20 s late (within the grace) was sent.
    assert_eq!(sent(&server), ["7: in time"]);
    let jobs = app.all_jobs().unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].next_run(), ts("2026-06-01T11:10:00Z"));
    drop(app);
    let _ = std::fs::remove_file(&path);
}

#[test]
fn a_record_changed_by_another_process_wins() {
    let server = server();
    let path = temp_store("jobs-shared-record");
    let clock = ManualClock::new(ts("2026-06-01T10:00:00Z"));
    let app = app(&server, &clock).store_path(&path).unwrap().build();
    let id = app
        .schedule_job_for(7, "say", Schedule::once(ts("2026-06-01T10:01:00Z")), "x")
        .unwrap();
    assert_eq!(app.next_job_at(), Some(ts("2026-06-01T10:01:00Z")));
    // Another writer removes the record behind this application's back.
    let key = Key::bot(format!("job/{id}"));
    app.store()
        .commit(None, &[telegram_api::ext::store::Change::Delete(key)])
        .unwrap();
    clock.advance(Duration::from_secs(120));
    assert_eq!(app.run_due_jobs(), 1);
    assert!(sent(&server).is_empty());
    assert_eq!(app.next_job_at(), None);
    drop(app);
    let reopened = FileStore::open(&path).unwrap();
    assert!(
        reopened
            .values(&telegram_api::ext::store::Scope::Bot, "job/")
            .unwrap()
            .is_empty()
    );
    drop(reopened);
    let _ = std::fs::remove_file(&path);
}

#[test]
fn on_the_pool_a_job_waits_for_its_chats_update_and_not_for_other_chats() {
    let server = server();
    let events: Arc<Log<String>> = Arc::default();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let release_rx = Mutex::new(release_rx);
    let app = Application::builder(Bot::new("123:abc").with_api_url(server.url()))
        .bot_username("test_bot")
        .workers(4)
        .job("mark", {
            let events = events.clone();
            move |ctx: &Context| -> Result {
                let chat = ctx.job().unwrap().chat_id().unwrap();
                events.push(format!("job {chat}"));
                Ok(())
            }
        })
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
        .build();
    let pool = app.start_pool().unwrap();
    pool.submit(text(1, 7, "/slow"));
    events.wait_for("the update of chat 7 handled", |e| {
        e.contains(&"slow start".to_owned())
    });
    // Job 7 is scheduled first, both are due at once: by the time job 8 has run, job 7 was
    // handed out too, and waits for chat 7's update.
    let now = Timestamp::now();
    app.schedule_job_for(7, "mark", Schedule::once(now), &())
        .unwrap();
    app.schedule_job_for(8, "mark", Schedule::once(now), &())
        .unwrap();
    events.wait_for("job 8 run", |e| e.contains(&"job 8".to_owned()));
    release_tx.send(()).unwrap();
    let order = events.wait_len(4);
    pool.shutdown(Duration::from_secs(5));
    assert_eq!(order, ["slow start", "job 8", "slow end", "job 7"]);
    assert!(app.all_jobs().unwrap().is_empty());
}

#[test]
fn the_application_cancels_jobs_by_name_at_once() {
    let server = server();
    let clock = ManualClock::new(ts("2026-06-01T10:00:00Z"));
    let app = app(&server, &clock).build();
    let every = Schedule::every(Duration::from_secs(30), clock.now()).unwrap();
    app.schedule_job_for(9, "say", every.clone(), "rep")
        .unwrap();
    app.schedule_job("say", every, "bot-wide").unwrap();
    assert_eq!(app.jobs("say").unwrap().len(), 2);
    assert_eq!(app.cancel_jobs("say").unwrap(), 2);
    assert!(app.all_jobs().unwrap().is_empty());
    assert_eq!(app.cancel_jobs("say").unwrap(), 0);
    clock.advance(Duration::from_secs(600));
    assert_eq!(app.run_due_jobs(), 0);
    assert!(sent(&server).is_empty());
}

//! Crash safety of conversations on a file store: a bot (`src/bin/ext_state_crash_bot.rs`)
//! runs a scripted mix of 1,000 updates over 100 chats (`EXT_CRASH_PER_CHAT` scales it) from a
//! fake Bot API that delivers again what was not confirmed (and fails every 7th `getUpdates`
//! with a 502), or posts them to its webhook until each is answered 200, and is killed with
//! SIGKILL at 10 random points, each time started again.
//! Afterwards every chat's conversation is in the state the script leads to, and its record of
//! applied updates holds each of its updates exactly once, in order: no update lost, no state
//! transition applied twice. The file store keeps an inbox: the bot confirms an update once it
//! is written there, and after a kill handles what the inbox kept before polling again.
//!
//! The same holds for the other kinds of state, each with a bot of its own
//! (`src/bin/ext_kinds_crash_bot.rs`) killed at the moments that matter to it: albums killed
//! inside their quiet window, conversation timeouts killed while due and while their handler
//! runs, menus killed while users navigate them. The kill points are found by waiting for what
//! the bot sends (a reply held back by the fake Bot API keeps a handler running until the
//! kill), never by sleeping.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

use serde_json::Value;
use telegram_api::ext::store::{FileStore, Key, Scope, Store};
use telegram_api_tests::fake_api::FakeApi;
use telegram_api_tests::temp::{temp_dir, temp_store};
use telegram_api_tests::updates;

const CHATS: i64 = 100;
const KILLS: usize = 10;

/// Updates per chat: 10 (1,000 in all), or `EXT_CRASH_PER_CHAT`.
fn per_chat() -> usize {
    std::env::var("EXT_CRASH_PER_CHAT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10)
}

/// A small seeded generator (xorshift), so that a failing mix can be run again.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The conversation's states, as the bot stores them (`None`: no conversation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Name,
    Age,
    Confirm,
}

/// Where the bot's rules lead from `state` on `text` (and whether it saved).
fn model(state: Option<Step>, text: &str) -> (Option<Step>, bool) {
    match (state, text) {
        (_, "/start") => (Some(Step::Name), false),
        (Some(_), "/cancel") => (None, false),
        (None, _) => (None, false),
        (Some(Step::Name), _) => (Some(Step::Age), false),
        (Some(Step::Age), t) if t.parse::<u32>().is_ok() => (Some(Step::Confirm), false),
        (Some(Step::Age), _) => (Some(Step::Age), false),
        (Some(Step::Confirm), "yes") => (None, true),
        (Some(Step::Confirm), "no") => (Some(Step::Name), false),
        (Some(Step::Confirm), _) => (Some(Step::Confirm), false),
    }
}

/// The store after the kills, with every update received handled (its inbox empty) and,
/// when `no_job` says what would be left, no stored job left waiting.
fn reopened(path: &std::path::Path, no_job: Option<&str>) -> FileStore {
    let store = FileStore::open(path).expect("the store opens after the kills");
    assert_eq!(
        store.inbox().unwrap().len(),
        0,
        "every update received was handled"
    );
    if let Some(left) = no_job {
        assert_eq!(
            store.values(&Scope::Bot, "job/").unwrap().len(),
            0,
            "{left}"
        );
    }
    store
}

#[test]
fn conversations_survive_sigkills_without_loss_or_double_application() {
    survive_sigkills(false);
}

#[test]
fn conversations_on_a_webhook_survive_sigkills_without_loss_or_double_application() {
    survive_sigkills(true);
}

/// POSTs `body` to the webhook at `addr`: its status, or `None` when no answer came (the bot
/// is down or was killed during the request).
fn try_post(addr: &str, body: &str) -> Option<u16> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    response.split(' ').nth(1)?.parse().ok()
}

/// The crash test, receiving by polling or (`webhook`) by a webhook to which a fake Telegram
/// posts every update in order, each until it is answered 200, across the kills.
fn survive_sigkills(webhook: bool) {
    let seed = std::env::var("EXT_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_2026_u64);
    let mut rng = Rng(seed);
    const WORDS: [&str; 9] = [
        "/start", "/start", "Ann", "abc", "42", "yes", "no", "/cancel", "hello",
    ];
    // Each chat's texts, then interleaved at random into one stream of update ids.
    let mut scripts: Vec<Vec<&str>> = (0..CHATS)
        .map(|_| {
            (0..per_chat())
                .map(|i| match i {
                    0 => "/start",
                    _ => WORDS[rng.below(WORDS.len() as u64) as usize],
                })
                .collect()
        })
        .collect();
    let mut updates = Vec::new();
    let mut expected: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    let mut texts: BTreeMap<i64, Vec<&str>> = BTreeMap::new();
    let mut id = 1;
    while scripts.iter().any(|s| !s.is_empty()) {
        let open: Vec<usize> = (0..scripts.len())
            .filter(|&c| !scripts[c].is_empty())
            .collect();
        let c = open[rng.below(open.len() as u64) as usize];
        let text = scripts[c].remove(0);
        let chat = 1000 + c as i64;
        updates.push((id, updates::text(id, chat, text).json()));
        expected.entry(chat).or_default().push(id);
        texts.entry(chat).or_default().push(text);
        id += 1;
    }
    let total = updates.len() as i64;
    let posts = updates.clone();
    // Polling meets a failing proxy now and then: every 7th getUpdates is a 502.
    let api = if webhook {
        FakeApi::start(Vec::new())
    } else {
        FakeApi::start_with_faults(updates, 7)
    };
    // The webhook's address: a free port, taken again by every run.
    let address = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().to_string()
    };
    // Telegram's side of a webhook: every update posted in order until answered 200.
    let delivered = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(0));
    let sender = webhook.then(|| {
        let (address, delivered) = (address.clone(), delivered.clone());
        std::thread::spawn(move || {
            for (id, body) in posts {
                while try_post(&address, &body) != Some(200) {
                    // The bot is down (killed, or starting again): try again shortly.
                    std::thread::sleep(Duration::from_millis(5));
                }
                delivered.store(id, std::sync::atomic::Ordering::SeqCst);
            }
        })
    });

    let path = temp_store(&format!("ext-state-crash-{webhook}"));
    let spawn = || {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_ext_state_crash_bot"));
        command
            .env("TELEGRAM_API_URL", api.server.url())
            .env("EXT_STORE", &path);
        if webhook {
            command.env("EXT_WEBHOOK", &address);
        }
        command.spawn().expect("start the bot")
    };
    let deadline = Instant::now() + Duration::from_secs(60 * (per_chat() as u64 / 10).max(1));
    let mut kills = 0;
    let mut offsets = Vec::new();
    // Kill points: after a random number of replies, spread over most of the stream (about
    // four updates in five get a reply).
    let mut targets: Vec<usize> = (0..KILLS)
        .map(|_| 1 + rng.below(total as u64 * 7 / 10) as usize)
        .collect();
    targets.sort_unstable();
    for target in targets {
        let mut child = spawn();
        // At least one more reply in each run, so that every run makes progress.
        let target = target.max(api.sent.len() + 1);
        api.sent.wait_for_within(
            deadline.saturating_duration_since(Instant::now()),
            &format!("run {}: {target} replies", kills + 1),
            |sent| sent.len() >= target,
        );
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        kills += 1;
        offsets.push(if webhook {
            delivered.load(std::sync::atomic::Ordering::SeqCst) + 1
        } else {
            api.confirmed()
        });
    }
    // The last run: until Telegram was told that every update arrived (they are in the
    // store's inbox then, or handled), and a graceful stop, which handles what is queued.
    let polls = api.offsets.entries().len();
    let child = spawn();
    if let Some(sender) = sender {
        sender.join().unwrap();
        // Running (it answers), so its signal handlers are set.
        telegram_api_tests::wait::wait_until(
            deadline.saturating_duration_since(Instant::now()),
            "the last run listens",
            || std::net::TcpStream::connect(&address).is_ok(),
        );
    } else {
        // A poll of this run (so it is running) that confirms the last update.
        api.offsets.wait_for_within(
            deadline.saturating_duration_since(Instant::now()),
            "the last run polled past the last update",
            |offsets| offsets.len() > polls && offsets[polls..].iter().any(|o| *o > total),
        );
    }
    terminate(child);

    let store = reopened(&path, None);
    let mut duplicates = 0;
    let mut lost = 0;
    for (chat, ids) in &expected {
        let applied: Vec<i64> = store
            .get(&Key::chat(*chat, "applied"))
            .unwrap()
            .map(|bytes| serde_json::from_slice(&bytes).unwrap())
            .unwrap_or_default();
        duplicates += applied.len().saturating_sub(ids.len());
        lost += ids.iter().filter(|id| !applied.contains(id)).count();
        assert_eq!(&applied, ids, "chat {chat}: the updates applied, in order");

        let (mut state, mut saved) = (None, 0u32);
        for text in &texts[chat] {
            let (next, save) = model(state, text);
            state = next;
            saved += u32::from(save);
        }
        let stored = store
            .get(&Key::conversation(
                format!("signup:c{chat}u{chat}"),
                "state",
            ))
            .unwrap()
            .map(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).unwrap());
        let stored_state = stored
            .as_ref()
            .map(|r| r["state"].as_str().unwrap().to_owned());
        assert_eq!(
            stored_state,
            state.map(|s| format!("{s:?}")),
            "chat {chat}: the conversation's state after {:?}",
            texts[chat]
        );
        let stored_saved: u32 = store
            .get(&Key::chat(*chat, "saved"))
            .unwrap()
            .map(|bytes| serde_json::from_slice(&bytes).unwrap())
            .unwrap_or(0);
        assert_eq!(stored_saved, saved, "chat {chat}: forms saved");
    }
    // Replies are sent before the commit: those of updates in flight at a kill are sent again
    // (what exactly-once state does not cover). Count them for the figures.
    let sent = api.sent.entries();
    let mut seen = std::collections::BTreeSet::new();
    let resent = sent.iter().filter(|t| !seen.insert(t.as_str())).count();
    let how = if webhook { "webhook" } else { "polling" };
    eprintln!(
        "{how}: {kills} kills (confirmed offsets {offsets:?}), {total} updates over {CHATS} chats: \
         {duplicates} applied twice, {lost} lost; {} replies, {resent} sent again",
        sent.len()
    );
    assert_eq!((duplicates, lost), (0, 0));
    drop(store);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

/// Starts the bot of `kind` (`src/bin/ext_kinds_crash_bot.rs`) on the store `path`, polling
/// `api`, with the variables `env`.
fn spawn_kind(kind: &str, api: &FakeApi, path: &Path, env: &[(&str, &str)]) -> Child {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_ext_kinds_crash_bot"));
    command
        .env("TELEGRAM_API_URL", api.server.url())
        .env("EXT_STORE", path)
        .env("EXT_CRASH_KIND", kind)
        .stdout(std::process::Stdio::piped());
    for (name, value) in env {
        command.env(name, value);
    }
    command.spawn().expect("start the bot")
}

/// Stops `child` with SIGTERM, a graceful stop, and checks that it exits with success.
fn terminate(mut child: Child) {
    let term = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success(), "kill -TERM {}: {term}", child.id());
    let status = child.wait().unwrap();
    assert!(status.success(), "the bot stops on SIGTERM: {status}");
}

/// Kills `child` with SIGKILL.
fn kill(mut child: Child) {
    child.kill().unwrap();
    child.wait().unwrap();
}

/// Once `child` is running (it says `ready` when its signal handlers are set) and a poll of
/// the run started after `polls` polls confirmed every update up to `last` (they are handled,
/// or in the store's inbox), stops it with SIGTERM: a graceful stop, which handles what is
/// queued.
fn stop_after_confirming(api: &FakeApi, polls: usize, last: i64, mut child: Child) {
    use std::io::BufRead;
    let mut line = String::new();
    let stdout = child.stdout.take().expect("the bot's output");
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "ready", "the last run started");
    api.offsets.wait_for_within(
        Duration::from_secs(20),
        "the last run polled past the last update",
        |offsets| offsets.len() > polls && offsets[polls..].iter().any(|o| *o > last),
    );
    terminate(child);
}

/// The chat's value `name` in `store`, or the default.
fn chat_value<T: serde::de::DeserializeOwned + Default>(
    store: &FileStore,
    chat: i64,
    name: &str,
) -> T {
    store
        .get(&Key::chat(chat, name))
        .unwrap()
        .map(|bytes| serde_json::from_slice(&bytes).unwrap())
        .unwrap_or_default()
}

/// An update of a script, made from its update id.
type Make = Box<dyn Fn(i64) -> Value>;

/// Each chat's updates, in order.
type Scripts = BTreeMap<i64, Vec<Make>>;

/// Update ids by chat, in order.
type IdsByChat = BTreeMap<i64, Vec<i64>>;

/// Interleaves the chats' scripts at random into one stream (each chat's order kept), with
/// update ids from `*next`: the stream, and each chat's ids in order.
fn interleave(
    rng: &mut Rng,
    mut scripts: Scripts,
    next: &mut i64,
) -> (Vec<(i64, String)>, IdsByChat) {
    let mut stream = Vec::new();
    let mut ids = IdsByChat::new();
    loop {
        let open: Vec<i64> = scripts
            .iter()
            .filter(|(_, s)| !s.is_empty())
            .map(|(c, _)| *c)
            .collect();
        if open.is_empty() {
            return (stream, ids);
        }
        let chat = open[rng.below(open.len() as u64) as usize];
        let make = scripts.get_mut(&chat).unwrap().remove(0);
        stream.push((*next, make(*next).to_string()));
        ids.entry(chat).or_default().push(*next);
        *next += 1;
    }
}

/// How many of the texts sent so far satisfy `what`.
fn count_sent(api: &FakeApi, what: impl Fn(&str) -> bool) -> usize {
    api.sent.entries().iter().filter(|t| what(t)).count()
}

/// Albums: in each of 4 runs, 8 chats send a text, all but the last photo of an album of 2 to
/// 4 photos, and another text; the bot is killed once every update of the run is in its inbox
/// and after a random number of the texts' replies, before any album was handled: inside the
/// quiet window of the run's albums, their parts collected in the album's record or only in
/// the inbox, and their last parts still to come. Each run starts with the last parts of the
/// albums of the run before, which the bot receives after its restart (the window is 2 s, a
/// restart takes a fraction of that). Restarted on the same store, every album is handled
/// exactly once, with all its parts, after them; every update is applied once, in its chat's
/// order; no album's record is left.
#[test]
fn albums_survive_sigkills_inside_their_quiet_window() {
    const CHATS: i64 = 8;
    const RUNS: usize = 4;
    let mut rng = Rng(0xa1b0_2026);
    let api = FakeApi::start(Vec::new());
    let dir = temp_dir("ext-state-crash-albums");
    let path = dir.join("state.redb");
    let env = [("EXT_QUIET_MS", "2000")];
    let mut next = 1;
    let mut expected = IdsByChat::new();
    // Each album by id: its chat and its parts' message ids.
    let mut albums: BTreeMap<String, (i64, Vec<i64>)> = BTreeMap::new();
    // The update ids of each album's parts.
    let mut part_ids: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    let mut message_ids: BTreeMap<i64, i64> = BTreeMap::new();
    // The last part of each chat's album of the run before: its album and message id.
    let mut held: BTreeMap<i64, (String, i64)> = BTreeMap::new();
    let mut polls = 0;
    let mut last_child = None;
    for run in 0..=RUNS {
        let mut scripts = Scripts::new();
        for c in 0..CHATS {
            let chat = 1000 + c;
            let mut script: Vec<Make> = Vec::new();
            if let Some((group, message_id)) = held.remove(&chat) {
                script.push(Box::new(move |id| {
                    updates::album_photo(id, chat, message_id, &group)
                }));
            }
            if run < RUNS {
                let group = format!("r{run}c{chat}");
                let parts = 2 + rng.below(3) as i64;
                let first = *message_ids.entry(chat).or_insert(1);
                message_ids.insert(chat, first + parts + 2);
                let before = format!("r{run} before");
                script.push(Box::new(move |id| {
                    updates::text(id, chat, &before).message_id(first).value()
                }));
                for p in 0..parts - 1 {
                    let group = group.clone();
                    script.push(Box::new(move |id| {
                        updates::album_photo(id, chat, first + 1 + p, &group)
                    }));
                }
                let after = format!("r{run} after");
                script.push(Box::new(move |id| {
                    updates::text(id, chat, &after)
                        .message_id(first + 1 + parts)
                        .value()
                }));
                albums.insert(group.clone(), (chat, (first + 1..=first + parts).collect()));
                held.insert(chat, (group, first + parts));
            }
            scripts.insert(chat, script);
        }
        let (stream, ids) = interleave(&mut rng, scripts, &mut next);
        for (id, json) in &stream {
            let update: Value = serde_json::from_str(json).unwrap();
            if let Some(group) = update["message"]["media_group_id"].as_str() {
                part_ids.entry(group.to_owned()).or_default().push(*id);
            }
        }
        for (chat, chat_ids) in ids {
            expected.entry(chat).or_default().extend(chat_ids);
        }
        let last = next - 1;
        if run == RUNS {
            polls = api.offsets.entries().len();
        }
        let child = spawn_kind("album", &api, &path, &env);
        api.push(stream);
        if run == RUNS {
            last_child = Some(child);
            break;
        }
        // Every update of the run in the inbox, and a random number of this run's replies.
        let marker = format!(": r{run} ");
        let target = rng.below(2 * CHATS as u64 + 1) as usize;
        api.wait_confirmed(last + 1, Duration::from_secs(20));
        api.sent.wait_for_within(
            Duration::from_secs(20),
            &format!("run {run}: {target} replies"),
            |sent| sent.iter().filter(|t| t.contains(&marker)).count() >= target,
        );
        kill(child);
        let early = count_sent(&api, |t| t.starts_with(&format!("album r{run}c")));
        assert_eq!(
            early, 0,
            "run {run}: killed inside the albums' quiet window"
        );
    }
    // The last run: until every album was handled, and a graceful stop.
    let child = last_child.unwrap();
    api.sent
        .wait_for_within(Duration::from_secs(20), "every album handled", |sent| {
            albums
                .keys()
                .all(|group| sent.contains(&format!("album {group}")))
        });
    stop_after_confirming(&api, polls, next - 1, child);

    let store = reopened(&path, Some("no album is left waiting"));
    let (mut duplicates, mut lost) = (0, 0);
    for (chat, ids) in &expected {
        let applied: Vec<i64> = chat_value(&store, *chat, "applied");
        duplicates += applied.len().saturating_sub(ids.len());
        lost += ids.iter().filter(|id| !applied.contains(id)).count();
        assert_eq!(&applied, ids, "chat {chat}: the updates applied, in order");
        let handled: Vec<(String, Vec<i64>, usize)> = chat_value(&store, *chat, "albums");
        let mine: Vec<_> = albums.iter().filter(|(_, (c, _))| c == chat).collect();
        for (group, (_, parts)) in &mine {
            let runs: Vec<_> = handled.iter().filter(|(g, _, _)| g == *group).collect();
            assert_eq!(runs.len(), 1, "chat {chat}: album {group} handled once");
            let (_, got, applied_before) = runs[0];
            assert_eq!(got, parts, "chat {chat}: album {group} whole, in order");
            for part in &part_ids[*group] {
                let position = ids.iter().position(|id| id == part).unwrap();
                assert!(
                    *applied_before > position,
                    "chat {chat}: album {group} handled after its part {part}"
                );
            }
        }
        assert_eq!(handled.len(), mine.len(), "chat {chat}: no other album");
    }
    eprintln!(
        "albums: {RUNS} kills inside the window, {} albums, {} updates: {duplicates} applied \
         twice, {lost} lost",
        albums.len(),
        next - 1
    );
    assert_eq!((duplicates, lost), (0, 0));
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Conversation timeouts: in each of 3 runs, 6 new chats start a conversation (`/start`, then
/// a text, which starts its timeout again) that times out after 200 ms. The timeout handler's
/// reply is held back after a random number of them, and the bot is killed while that handler
/// waits for it; the timeouts not run yet are due while the bot is down. Restarted on the same
/// store, every conversation timed out exactly once: its handler's change applied once, after
/// the conversation's updates, and the conversation's state and job gone.
#[test]
fn conversation_timeouts_survive_sigkills_while_due_and_while_handled() {
    const CHATS: i64 = 6;
    const RUNS: usize = 3;
    let mut rng = Rng(0x71e0_2026);
    let api = FakeApi::start(Vec::new());
    let dir = temp_dir("ext-state-crash-timeouts");
    let path = dir.join("state.redb");
    let env = [("EXT_TIMEOUT_MS", "200")];
    let mut next = 1;
    let mut expected: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    let is_timeout = |t: &str| t.starts_with("timeout ");
    for run in 0..RUNS {
        let mut scripts = Scripts::new();
        for c in 0..CHATS {
            let chat = 2000 + 100 * run as i64 + c;
            scripts.insert(
                chat,
                vec![
                    Box::new(move |id| updates::text(id, chat, "/start").value()),
                    Box::new(move |id| updates::text(id, chat, "hello").value()),
                ],
            );
        }
        let (stream, ids) = interleave(&mut rng, scripts, &mut next);
        expected.extend(ids);
        let passes = rng.below(CHATS as u64) as usize;
        api.hold_replies("timeout ", passes);
        let before = count_sent(&api, is_timeout);
        let child = spawn_kind("timeout", &api, &path, &env);
        api.push(stream);
        // The handlers of `passes` timeouts replied; the next one waits for its reply.
        api.sent.wait_for_within(
            Duration::from_secs(20),
            &format!("run {run}: {} timeouts handled", passes + 1),
            |sent| sent.iter().filter(|t| is_timeout(t)).count() > before + passes,
        );
        kill(child);
    }
    api.release_replies();
    let polls = api.offsets.entries().len();
    let child = spawn_kind("timeout", &api, &path, &env);
    api.sent.wait_for_within(
        Duration::from_secs(20),
        "every conversation timed out",
        |sent| {
            expected
                .keys()
                .all(|chat| sent.contains(&format!("timeout {chat}")))
        },
    );
    stop_after_confirming(&api, polls, next - 1, child);

    let store = reopened(&path, Some("no timeout is left waiting"));
    let mut twice = 0;
    for (chat, ids) in &expected {
        let timeouts: u32 = chat_value(&store, *chat, "timeouts");
        twice += timeouts.saturating_sub(1);
        assert_eq!(timeouts, 1, "chat {chat}: timed out once");
        let applied: Vec<i64> = chat_value(&store, *chat, "applied");
        let mut order = ids.clone();
        order.push(0);
        assert_eq!(
            applied, order,
            "chat {chat}: its updates, then its timeout, once each"
        );
        let state = store
            .get(&Key::conversation(format!("wait:c{chat}u{chat}"), "state"))
            .unwrap();
        assert!(state.is_none(), "chat {chat}: the conversation ended");
    }
    let sent_timeouts = count_sent(&api, is_timeout);
    eprintln!(
        "timeouts: {RUNS} kills, {} conversations: {twice} timed out twice; {sent_timeouts} \
         timeout replies sent",
        expected.len()
    );
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The callback data of the button labelled `label` in the `reply_markup` of `request`.
fn button_data(request: &Value, label: &str) -> String {
    request["reply_markup"]["inline_keyboard"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_array)
        .flatten()
        .find(|b| b["text"] == label)
        .and_then(|b| b["callback_data"].as_str())
        .unwrap_or_else(|| panic!("no button {label:?} in {request}"))
        .to_owned()
}

/// Menus: 10 chats press the buttons of a menu and its submenu at random, 10 presses each: a
/// counter in the menu, a step in the submenu, the buttons that open the submenu (one declared,
/// one whose code opens it) and back. The bot is killed at 5 random points of the stream.
/// Afterwards every press was applied exactly once, in its chat's order; the counter and the
/// step are what the presses lead to, and the menu last drawn in each chat shows the menu and
/// the values the last press leads to.
#[test]
fn menus_survive_sigkills_during_navigation_without_a_press_applied_twice() {
    const CHATS: i64 = 10;
    const PRESSES: usize = 10;
    const KILLS: usize = 5;
    let mut rng = Rng(0x3e00_2026);
    // The menus as the bot sends them, for their buttons' data.
    let api = FakeApi::start(vec![
        (1, updates::text(1, 1, "/menu").json()),
        (2, updates::text(2, 1, "/sub").json()),
    ]);
    let dir = temp_dir("ext-state-crash-menus");
    let path = dir.join("state.redb");
    let mut child = Some(spawn_kind("menu", &api, &path, &[]));
    api.sent.wait_len(2);
    let sent = api.calls("sendMessage");
    let main = sent.iter().find(|m| m["text"] == "Count 0").unwrap();
    let sub = sent.iter().find(|m| m["text"] == "Step 0").unwrap();
    let buttons = [
        ("plus", button_data(main, "+1 (0)")),
        ("settings", button_data(main, "Settings")),
        ("jump", button_data(main, "Jump")),
        ("step", button_data(sub, "Next step after 0")),
        ("back", button_data(sub, "Back")),
    ];

    // Each chat's presses, and what they lead to: the count, the step, the menu shown.
    let mut scripts = Scripts::new();
    let mut model: BTreeMap<i64, (u32, u32, &str)> = BTreeMap::new();
    for c in 0..CHATS {
        let chat = 3000 + c;
        let (mut count, mut step, mut shown) = (0, 0, "main");
        let mut script: Vec<Make> = Vec::new();
        for _ in 0..PRESSES {
            let (name, data) = buttons[rng.below(buttons.len() as u64) as usize].clone();
            match name {
                "plus" => (count, shown) = (count + 1, "main"),
                "step" => (step, shown) = ((step + 1) % 3, "sub"),
                "back" => shown = "main",
                _ => shown = "sub",
            }
            script.push(Box::new(move |id| {
                updates::callback_query(id, chat, &data)
                    .on_message(chat, 1)
                    .value()
            }));
        }
        scripts.insert(chat, script);
        model.insert(chat, (count, step, shown));
    }
    let mut next = 3;
    let (stream, expected) = interleave(&mut rng, scripts, &mut next);
    let last = next - 1;
    let total = stream.len() as u64;
    api.push(stream);

    let answers = |requests: &[telegram_api_tests::http::Request]| {
        requests
            .iter()
            .filter(|r| r.api_method() == "answerCallbackQuery")
            .count()
    };
    let mut targets: Vec<usize> = (0..KILLS)
        .map(|_| 1 + rng.below(total * 8 / 10) as usize)
        .collect();
    targets.sort_unstable();
    for (run, target) in targets.into_iter().enumerate() {
        let child = child
            .take()
            .unwrap_or_else(|| spawn_kind("menu", &api, &path, &[]));
        let target = target.max(answers(&api.server.requests()) + 1);
        api.server
            .wait_for(&format!("run {run}: {target} presses answered"), |r| {
                answers(r) >= target
            });
        kill(child);
    }
    let polls = api.offsets.entries().len();
    let child = spawn_kind("menu", &api, &path, &[]);
    stop_after_confirming(&api, polls, last, child);

    let store = reopened(&path, None);
    let edits = api.calls("editMessageText");
    let (mut duplicates, mut lost) = (0, 0);
    for (chat, ids) in &expected {
        let applied: Vec<i64> = chat_value(&store, *chat, "applied");
        duplicates += applied.len().saturating_sub(ids.len());
        lost += ids.iter().filter(|id| !applied.contains(id)).count();
        assert_eq!(&applied, ids, "chat {chat}: the presses applied, in order");
        let (count, step, shown) = model[chat];
        assert_eq!(
            chat_value::<u32>(&store, *chat, "count"),
            count,
            "chat {chat}: count"
        );
        assert_eq!(
            chat_value::<u32>(&store, *chat, "step"),
            step,
            "chat {chat}: step"
        );
        let drawn = edits
            .iter()
            .rfind(|e| e["chat_id"] == *chat)
            .unwrap_or_else(|| panic!("chat {chat}: no menu drawn"));
        let (text, first) = match shown {
            "main" => (format!("Count {count}"), format!("+1 ({count})")),
            _ => (format!("Step {step}"), format!("Next step after {step}")),
        };
        assert_eq!(
            drawn["text"],
            text.as_str(),
            "chat {chat}: the menu shown last"
        );
        assert_eq!(
            drawn["reply_markup"]["inline_keyboard"][0][0]["text"],
            first.as_str(),
            "chat {chat}: its first button"
        );
    }
    eprintln!(
        "menus: {KILLS} kills, {} presses over {CHATS} chats: {duplicates} applied twice, \
         {lost} lost; {} answers, {} redraws",
        total,
        answers(&api.server.requests()),
        edits.len()
    );
    assert_eq!((duplicates, lost), (0, 0));
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

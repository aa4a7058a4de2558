//! A bot process serving a webhook (`src/bin/ext_redis_webhook_bot.rs`), and deliveries to it
//! as Telegram makes them: for the tests of several processes sharing a Redis store.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::http::post_update;
use crate::wait::Log;

/// A running bot process: its webhook port, and the lines it printed after the port.
pub struct BotProcess {
    child: Child,
    /// The port of its webhook, on the loopback.
    pub port: u16,
    /// What it printed after its first line (`port N`), line by line.
    pub lines: Arc<Log<String>>,
}

impl BotProcess {
    /// Starts the program `exe` with the environment `env`; it prints `port N` first.
    pub fn start(exe: &str, env: &[(&str, &str)]) -> BotProcess {
        let mut command = Command::new(exe);
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the bot starts");
        let mut out = BufReader::new(child.stdout.take().expect("its standard output"));
        let mut line = String::new();
        out.read_line(&mut line).expect("its first line");
        let port = line
            .trim()
            .strip_prefix("port ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {line:?}"));
        let lines = Arc::new(Log::default());
        let log = lines.clone();
        // Read to the end, so that the bot never blocks on (or fails writing to) a full pipe.
        std::thread::spawn(move || {
            for line in out.lines() {
                let Ok(line) = line else { break };
                log.push(line);
            }
        });
        BotProcess { child, port, lines }
    }

    /// Closes its standard input, which stops it, and waits for it: it must exit successfully.
    pub fn stop(mut self) {
        drop(self.child.stdin.take());
        let status = self.child.wait().expect("the bot's exit");
        assert!(status.success(), "{status}");
    }

    /// Kills it with `SIGKILL` (nothing of it runs after), and waits for it.
    pub fn kill(mut self) {
        self.child.kill().expect("the bot is killed");
        let _ = self.child.wait();
    }
}

/// POSTs `body` to the webhook on `port`; the status code.
pub fn post(port: u16, body: &str) -> u16 {
    post_update(
        ([127, 0, 0, 1], port).into(),
        "/",
        None,
        body,
        Duration::from_secs(30),
    )
}

/// Delivers `body` to `port` until it is answered 200, as Telegram does (503 means: send it
/// again); panics on another answer, or when no 200 came within a minute.
pub fn deliver(port: u16, body: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match post(port, body) {
            200 => return,
            503 if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            status => panic!("answered {status}"),
        }
    }
}

/// Checks the record the bot keeps of each chat's applied updates (its value `applied`, a JSON
/// list of update ids, in `store`): chats `1..=chats` got updates `seq * chats + chat` for
/// `seq` in `0..per_chat`, and each record must hold its chat's, each once, in the order sent.
/// Returns how many updates were applied.
pub fn assert_applied_once_in_order(
    store: &dyn telegram_api::ext::store::Store,
    chats: i64,
    per_chat: i64,
) -> usize {
    let mut applied_total = 0;
    for chat in 1..=chats {
        let stored = store
            .get(&telegram_api::ext::store::Key::chat(chat, "applied"))
            .unwrap()
            .unwrap_or_else(|| panic!("chat {chat}: nothing applied"));
        let applied: Vec<i64> = serde_json::from_slice(&stored).unwrap();
        let sent: Vec<i64> = (0..per_chat).map(|seq| seq * chats + chat).collect();
        assert_eq!(applied, sent, "chat {chat}: each update once, in order");
        applied_total += applied.len();
    }
    applied_total
}

//! A fake Bot API on a loopback server, for the tests of `telegram_api::ext`'s polling: its
//! `getUpdates` honours `offset` as Telegram does (an offset confirms every update below it,
//! for good, and the updates from it are delivered again until confirmed), and it records the
//! messages the bot sends.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::http::{Reply, Server};
use crate::wait::Log;

/// The fake Bot API: updates wait, in id order, to be confirmed.
pub struct FakeApi {
    /// The server; its URL is the API URL of the bot under test.
    pub server: Server,
    /// The `offset` of every `getUpdates`, in the order received.
    pub offsets: Arc<Log<i64>>,
    /// The `text` of every `sendMessage`, in the order received.
    pub sent: Arc<Log<String>>,
    /// How many updates every `getUpdates` answer held, in order.
    pub served: Arc<Log<usize>>,
}

impl FakeApi {
    /// Serves `updates` (id and JSON, in id order).
    pub fn start(updates: Vec<(i64, String)>) -> FakeApi {
        FakeApi::start_with_faults(updates, 0)
    }

    /// Serves `updates`, answering every `every`th `getUpdates` (none when 0) with a 502 and
    /// an HTML page, as a proxy in front of the Bot API does when it fails.
    pub fn start_with_faults(updates: Vec<(i64, String)>, every: usize) -> FakeApi {
        let polls = std::sync::atomic::AtomicUsize::new(0);
        let offsets = Arc::new(Log::default());
        let sent = Arc::new(Log::default());
        let served = Arc::new(Log::default());
        let updates = Arc::new(Mutex::new(updates));
        let server = {
            let (offsets, sent, served) = (offsets.clone(), sent.clone(), served.clone());
            Server::start(move |req| match req.api_method() {
                "getUpdates"
                    if every > 0
                        && polls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) % every
                            == every - 1 =>
                {
                    Reply::json(502, "<html><body>502 Bad Gateway</body></html>")
                }
                "getUpdates" => {
                    let params = req.json();
                    let offset = params["offset"].as_i64().unwrap_or(0);
                    let limit = params["limit"].as_u64().unwrap_or(100) as usize;
                    let timeout = params["timeout"].as_u64().unwrap_or(0);
                    offsets.push(offset);
                    let until = Instant::now() + Duration::from_secs(timeout);
                    loop {
                        let batch: Vec<String> = {
                            let mut all = updates.lock().unwrap();
                            all.retain(|(id, _)| *id >= offset);
                            all.iter().take(limit).map(|(_, u)| u.clone()).collect()
                        };
                        if !batch.is_empty() || Instant::now() >= until {
                            served.push(batch.len());
                            return Reply::ok(&format!("[{}]", batch.join(",")));
                        }
                        std::thread::sleep(Duration::from_millis(20));
                    }
                }
                "sendMessage" => {
                    let params = req.json();
                    let text = params["text"].as_str().unwrap_or("").to_owned();
                    let chat = params["chat_id"].as_i64().unwrap_or(0);
                    sent.push(text);
                    Reply::ok(&format!(
                        r#"{{"message_id": 1, "date": 1700000000, "chat": {{"id": {chat}, "type": "private", "first_name": "U"}}}}"#
                    ))
                }
                "getMe" => Reply::ok(
                    r#"{"id": 42, "is_bot": true, "first_name": "B", "username": "b_bot"}"#,
                ),
                m => panic!("unexpected method {m}"),
            })
        };
        FakeApi {
            server,
            offsets,
            sent,
            served,
        }
    }

    /// The highest offset any `getUpdates` sent: every update below it is confirmed.
    pub fn confirmed(&self) -> i64 {
        self.offsets.entries().into_iter().max().unwrap_or(0)
    }

    /// Waits until every update below `offset` is confirmed.
    pub fn wait_confirmed(&self, offset: i64, timeout: Duration) {
        self.offsets.wait_for_within(
            timeout,
            &format!("the updates below {offset} confirmed"),
            |offsets| offsets.iter().any(|o| *o >= offset),
        );
    }
}

//! A fake Bot API on a loopback server, for the tests of `telegram_api::ext`'s polling: its
//! `getUpdates` honours `offset` as Telegram does (an offset confirms every update below it,
//! for good, and the updates from it are delivered again until confirmed), and it records the
//! messages the bot sends. Updates can be added while it runs ([`FakeApi::push`]), the presses
//! on buttons are answered (once each) and the messages edited as Telegram does, and replies
//! can be held back ([`FakeApi::hold_replies`]), so that a test can stop the bot while a
//! handler waits for one.

use std::sync::{Arc, Condvar, Mutex};
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
    /// The updates not confirmed yet, in id order.
    updates: Arc<Mutex<Vec<(i64, String)>>>,
    /// The replies held back.
    hold: Arc<Hold>,
}

/// Which replies wait, and how many more may pass.
#[derive(Default)]
struct Hold {
    state: Mutex<HoldState>,
    changed: Condvar,
}

#[derive(Default)]
struct HoldState {
    /// The start of the texts held back (none when nothing is).
    prefix: Option<String>,
    /// How many more of them may pass.
    passes: usize,
    /// Raised by every change of the rule: a reply held under an older rule is let go (its
    /// sender is gone, killed by the test).
    epoch: u64,
}

impl Hold {
    /// Waits while a reply saying `text` is held back.
    fn wait(&self, text: &str) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if !state.prefix.as_deref().is_some_and(|p| text.starts_with(p)) {
            return;
        }
        let epoch = state.epoch;
        while state.epoch == epoch && state.passes == 0 {
            state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        if state.epoch == epoch {
            state.passes -= 1;
        }
    }

    fn set(&self, prefix: Option<String>, passes: usize) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.prefix = prefix;
        state.passes = passes;
        state.epoch += 1;
        self.changed.notify_all();
    }
}

/// A message of the bot in chat `chat`, as `sendMessage` and `editMessageText` return it.
fn bot_message(chat: i64, message_id: i64) -> String {
    format!(
        r#"{{"message_id": {message_id}, "date": 1700000000, "chat": {{"id": {chat}, "type": "private", "first_name": "U"}}, "text": "x"}}"#
    )
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
        let hold = Arc::new(Hold::default());
        let server = {
            let (offsets, sent, served) = (offsets.clone(), sent.clone(), served.clone());
            let (updates, hold) = (updates.clone(), hold.clone());
            let answered = Mutex::new(std::collections::HashSet::new());
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
                    sent.push(text.clone());
                    hold.wait(&text);
                    Reply::ok(&bot_message(chat, 1))
                }
                "editMessageText" | "editMessageReplyMarkup" => {
                    let params = req.json();
                    let chat = params["chat_id"].as_i64().unwrap_or(0);
                    let message = params["message_id"].as_i64().unwrap_or(0);
                    Reply::ok(&bot_message(chat, message))
                }
                // As Telegram does, a query is answered once: a second answer is refused.
                "answerCallbackQuery" => {
                    let id = req.json()["callback_query_id"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned();
                    if answered
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(id)
                    {
                        Reply::ok("true")
                    } else {
                        Reply::json(
                            400,
                            r#"{"ok":false,"error_code":400,"description":"Bad Request: query is too old and response timeout expired or query ID is invalid"}"#,
                        )
                    }
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
            updates,
            hold,
        }
    }

    /// Adds `more` updates (id and JSON, with ids above those given so far) to be delivered.
    pub fn push(&self, more: impl IntoIterator<Item = (i64, String)>) {
        self.updates
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(more);
    }

    /// From now on, the `sendMessage` requests whose text starts with `prefix` are answered
    /// only for the next `passes` of them; the others wait until the rule changes (which lets
    /// them go, unanswered until then). Each request is in [`sent`](Self::sent) before it
    /// waits.
    pub fn hold_replies(&self, prefix: &str, passes: usize) {
        self.hold.set(Some(prefix.to_owned()), passes);
    }

    /// Answers every reply again, those waiting too.
    pub fn release_replies(&self) {
        self.hold.set(None, 0);
    }

    /// The requests of method `method` the bot sent, as JSON, in order.
    pub fn calls(&self, method: &str) -> Vec<serde_json::Value> {
        self.server
            .requests()
            .iter()
            .filter(|r| r.api_method() == method)
            .map(|r| r.json())
            .collect()
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

impl Drop for FakeApi {
    /// Lets go the replies still held, so that their threads end.
    fn drop(&mut self) {
        self.release_replies();
    }
}

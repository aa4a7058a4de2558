//! A fake Bot API on a loopback server, for the tests of `telegram_api::ext`'s polling: its
//! `getUpdates` honours `offset` as Telegram does (an offset confirms every update below it,
//! for good, and the updates from it are delivered again until confirmed), and it records the
//! messages the bot sends.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::http::{Reply, Server};

/// The fake Bot API: updates wait, in id order, to be confirmed.
pub struct FakeApi {
    /// The server; its URL is the API URL of the bot under test.
    pub server: Server,
    /// The highest offset any `getUpdates` sent.
    pub confirmed: Arc<AtomicI64>,
    /// The `text` of every `sendMessage`, in the order received.
    pub sent: Arc<Mutex<Vec<String>>>,
}

/// A text message update from the private chat `chat` (its user has the same id).
pub fn message_update(id: i64, chat: i64, message_id: usize, text: &str) -> String {
    format!(
        r#"{{"update_id": {id}, "message": {{"message_id": {message_id}, "date": 1700000000, "chat": {{"id": {chat}, "type": "private", "first_name": "U"}}, "from": {{"id": {chat}, "is_bot": false, "first_name": "U"}}, "text": {text:?}{entities}}}}}"#,
        entities = if text.starts_with('/') {
            let len = text.split(' ').next().unwrap_or("").encode_utf16().count();
            format!(r#", "entities": [{{"type": "bot_command", "offset": 0, "length": {len}}}]"#)
        } else {
            String::new()
        }
    )
}

impl FakeApi {
    /// Serves `updates` (id and JSON, in id order).
    pub fn start(updates: Vec<(i64, String)>) -> FakeApi {
        let confirmed = Arc::new(AtomicI64::new(0));
        let sent = Arc::new(Mutex::new(Vec::new()));
        let updates = Arc::new(Mutex::new(updates));
        let server = {
            let (confirmed, sent) = (confirmed.clone(), sent.clone());
            Server::start(move |req| match req.api_method() {
                "getUpdates" => {
                    let params = req.json();
                    let offset = params["offset"].as_i64().unwrap_or(0);
                    let limit = params["limit"].as_u64().unwrap_or(100) as usize;
                    let timeout = params["timeout"].as_u64().unwrap_or(0);
                    confirmed.fetch_max(offset, Ordering::SeqCst);
                    let until = Instant::now() + Duration::from_secs(timeout);
                    loop {
                        let batch: Vec<String> = {
                            let mut all = updates.lock().unwrap();
                            all.retain(|(id, _)| *id >= offset);
                            all.iter().take(limit).map(|(_, u)| u.clone()).collect()
                        };
                        if !batch.is_empty() || Instant::now() >= until {
                            return Reply::ok(&format!("[{}]", batch.join(",")));
                        }
                        std::thread::sleep(Duration::from_millis(20));
                    }
                }
                "sendMessage" => {
                    let params = req.json();
                    let text = params["text"].as_str().unwrap_or("").to_owned();
                    let chat = params["chat_id"].as_i64().unwrap_or(0);
                    sent.lock().unwrap().push(text);
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
            confirmed,
            sent,
        }
    }
}

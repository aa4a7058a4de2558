//! A fake Telegram in the test's own process, to test a bot without a network or a token
//! (cargo feature `testing`).
//!
//! A [`World`] is a small model of Telegram: users with private chats, groups, forums with
//! topics, channels, messages with ids, edits and deletions, inline keyboards and button
//! presses, inline queries, polls and votes, invoices and payments, members joining and
//! leaving, files uploaded and downloaded.
//! Its [`bot`](World::bot) is a real [`Bot`] whose requests the world answers in-process, as
//! the Bot API would, after the same encoding a real request goes through. The bot's
//! [`Application`](crate::ext::Application) runs on its real runner ([`run`](World::run) for long polling,
//! [`run_webhook`](World::run_webhook) for a webhook), so its ordering, its confirmations and
//! its store are those of production; each action of a user returns once the bot has handled
//! everything it caused.
//!
//! ```
//! # #[cfg(feature = "ext")] {
//! use telegram_api::ext::{Application, Context, Handler};
//! use telegram_api::testing::World;
//! use telegram_api::{InlineKeyboardButton, InlineKeyboardMarkup};
//!
//! fn bot(bot: telegram_api::Bot) -> Application {
//!     Application::builder(bot)
//!         .command("start", |ctx: &Context| {
//!             let yes_no = InlineKeyboardMarkup::from_rows([[
//!                 InlineKeyboardButton::callback("Yes", "yes"),
//!                 InlineKeyboardButton::callback("No", "no"),
//!             ]]);
//!             ctx.reply("Do you like Rust?").reply_markup(yes_no).call()?;
//!             Ok::<_, telegram_api::Error>(())
//!         })
//!         .handler(Handler::callback_query(|ctx: &Context| {
//!             ctx.answer_callback().text("Noted").call()?;
//!             let choice = ctx.callback_data().unwrap_or_default().to_owned();
//!             ctx.edit_text(format!("You said {choice}.")).call()?;
//!             Ok::<_, telegram_api::Error>(())
//!         }))
//!         .build()
//! }
//!
//! let world = World::new();
//! world.run(&bot(world.bot()));
//! let alice = world.user("Alice");
//! alice.send("/start");
//! assert_eq!(alice.last_message().text(), "Do you like Rust?");
//! assert_eq!(alice.last_message().buttons(), ["Yes", "No"]);
//! let answer = alice.press("Yes");
//! assert_eq!(answer.text(), Some("Noted"));
//! assert_eq!(alice.last_message().text(), "You said yes.");
//! // Every request the bot made, in order (long polls left out).
//! assert_eq!(
//!     world.calls(),
//!     ["sendMessage", "answerCallbackQuery", "editMessageText"]
//! );
//! # }
//! ```
//!
//! # Strict by default
//!
//! Every request is checked against the generated description of its method before it is
//! answered: a parameter the method does not have (Telegram ignores it, which hides typos),
//! a required one left out, a value of the wrong type, a message text that is empty or over
//! 4096 UTF-16 code units, a caption over 1024, a button's callback data over 64 bytes. The
//! request is refused as Telegram refuses it: an [`Error::Api`](crate::Error::Api) with code
//! 400 and Telegram's description where Telegram has one. The usual refusals of Telegram are
//! modelled too: a chat that does not exist, a user who blocked the bot
//! ([`Person::block`]), a message to edit or delete that is gone, an edit that changes
//! nothing, a callback query answered twice or too late (15 minutes, on the world's clock);
//! [`World::fail_next`] makes any method fail once with any error, such as a flood-control
//! 429 ([`Refusal::flood`]). [`World::set_strict`] turns the description checks off.
//!
//! A method the world does not model is refused with a description that says so; give it an
//! answer with [`World::answer_with`].
//!
//! # Time
//!
//! The world has a clock that moves only when told ([`World::advance`]): message dates come
//! from it, and an application built with `.clock(world.clock())` reads it too, so jobs and
//! conversation timeouts run when the test moves the clock past them, without sleeping.
//!
//! # What is not modelled
//!
//! Inline messages (edits by `inline_message_id`), business
//! connections and stories; formatting other than HTML (a `MarkdownV2` text is kept as
//! written, an HTML one is shown without its tags); message entities other than a command's.

mod fake;
#[cfg(feature = "ext")]
mod runner;
pub(crate) mod spec;

use std::fmt;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use serde_json::{Map, Value, json};

use crate::transport::encode::Upload;
use crate::{Bot, Message, User};
use fake::{Author, ChatRecord, State, UserRecord};

/// The token of every world's bot (it reaches no server).
const TOKEN: &str = "123456789:testing-token-reaches-no-server";

/// How long an action waits for the bot to handle what it caused before the test fails.
#[cfg(feature = "ext")]
const SETTLE_LIMIT: Duration = Duration::from_secs(20);

/// Where the world's clock starts: 2026-01-05 09:00 UTC, a Monday.
const START: i64 = 1_767_603_600;

/// What answers the requests of a bot instead of a server: the world of `telegram_api::testing`.
pub(crate) trait Fake: Send + Sync {
    /// Answers a request to `method` with these parameters and uploads: the HTTP status and
    /// the body, as the Bot API would send them.
    fn exchange(
        &self,
        method: &'static str,
        params: Map<String, Value>,
        uploads: Vec<Upload>,
    ) -> (u16, Vec<u8>);

    /// Answers the download of `path` (a `file_path` from `getFile`).
    fn download(&self, path: &str) -> (u16, Vec<u8>);
}

/// A refusal of a request, as Telegram words it: an error code and a description, and for a
/// 429 how long to wait.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    code: u16,
    description: String,
    retry_after: Option<u32>,
}

impl Refusal {
    /// A refusal with this code (400, 403, 429, ...) and description.
    pub fn new(code: u16, description: impl Into<String>) -> Refusal {
        Refusal {
            code,
            description: description.into(),
            retry_after: None,
        }
    }

    /// A 400 `Bad Request: <what>`.
    pub fn bad_request(what: impl fmt::Display) -> Refusal {
        Refusal::new(400, format!("Bad Request: {what}"))
    }

    /// A 403 `Forbidden: <what>`.
    pub fn forbidden(what: impl fmt::Display) -> Refusal {
        Refusal::new(403, format!("Forbidden: {what}"))
    }

    /// Flood control: a 429 `Too Many Requests: retry after <seconds>`, with `retry_after`.
    pub fn flood(seconds: u32) -> Refusal {
        Refusal {
            retry_after: Some(seconds),
            ..Refusal::new(429, format!("Too Many Requests: retry after {seconds}"))
        }
    }

    /// The error code.
    pub fn code(&self) -> u16 {
        self.code
    }

    /// The description.
    pub fn description(&self) -> &str {
        &self.description
    }

    fn body(&self) -> Value {
        let mut body = json!({
            "ok": false,
            "error_code": self.code,
            "description": self.description,
        });
        if let Some(seconds) = self.retry_after {
            body["parameters"] = json!({ "retry_after": seconds });
        }
        body
    }
}

/// A request the bot made, with its parameters as JSON (uploads as `attach://<name>`), and
/// the refusal it got, if it was refused.
#[derive(Clone, Debug)]
pub struct Request {
    method: String,
    params: Value,
    refusal: Option<Refusal>,
}

impl Request {
    /// The method, as in `sendMessage`.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The parameters, a JSON object.
    pub fn params(&self) -> &Value {
        &self.params
    }

    /// One parameter (`Value::Null` when it was not sent).
    pub fn param(&self, name: &str) -> &Value {
        &self.params[name]
    }

    /// The refusal the request got, or `None` when it was answered.
    pub fn refusal(&self) -> Option<&Refusal> {
        self.refusal.as_ref()
    }
}

/// A message in a chat of the world, as the chat shows it now.
#[derive(Clone, Debug)]
pub struct ChatMessage {
    json: Value,
    message: Message,
    by_bot: bool,
}

impl ChatMessage {
    fn new(json: Value, by_bot: bool) -> ChatMessage {
        let message = serde_json::from_value(json.clone())
            .unwrap_or_else(|e| panic!("the world made a message that does not decode: {e}"));
        ChatMessage {
            json,
            message,
            by_bot,
        }
    }

    /// Its id in its chat.
    pub fn id(&self) -> i64 {
        self.message.message_id
    }

    /// Its text, or its caption, or `""`.
    pub fn text(&self) -> &str {
        self.message
            .text
            .as_deref()
            .or(self.message.caption.as_deref())
            .unwrap_or_default()
    }

    /// The labels of its inline keyboard's buttons, row after row.
    pub fn buttons(&self) -> Vec<String> {
        self.keyboard().into_iter().flatten().collect()
    }

    /// The labels of its inline keyboard's buttons, by row.
    pub fn keyboard(&self) -> Vec<Vec<String>> {
        spec::keyboard_rows(&self.json["reply_markup"])
            .map(|row| {
                row.iter()
                    .map(|b| b["text"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .collect()
    }

    /// Whether the bot sent it.
    pub fn is_from_bot(&self) -> bool {
        self.by_bot
    }

    /// The message, typed.
    pub fn message(&self) -> &Message {
        &self.message
    }

    /// The message as JSON, as the Bot API sends it.
    pub fn json(&self) -> &Value {
        &self.json
    }
}

/// The answer the bot gave to a button press or an inline query: the parameters of its
/// `answerCallbackQuery` or `answerInlineQuery`, if it answered.
#[derive(Clone, Debug, Default)]
pub struct QueryAnswer {
    params: Option<Value>,
}

impl QueryAnswer {
    /// Whether the bot answered (a button that is not answered spins on the user's screen).
    pub fn is_answered(&self) -> bool {
        self.params.is_some()
    }

    /// The notice shown (`text`).
    pub fn text(&self) -> Option<&str> {
        self.params.as_ref()?["text"].as_str()
    }

    /// Whether the notice is an alert to dismiss rather than a passing notice.
    pub fn show_alert(&self) -> bool {
        self.params
            .as_ref()
            .is_some_and(|p| p["show_alert"] == true)
    }

    /// The results of an inline query's answer (JSON objects), in order.
    pub fn results(&self) -> &[Value] {
        self.params
            .as_ref()
            .and_then(|p| p["results"].as_array())
            .map_or(&[], Vec::as_slice)
    }

    /// Every parameter of the answer.
    pub fn params(&self) -> Option<&Value> {
        self.params.as_ref()
    }
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    clock: WorldClock,
    #[cfg(feature = "ext")]
    runner: Mutex<Option<runner::Runner>>,
}

/// The world's clock, which moves only when told: the application's, when the world runs one.
type WorldClock = crate::clock::ManualClock;

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn now(&self) -> i64 {
        self.clock.now().as_second()
    }

    fn get_updates(&self, params: &Map<String, Value>) -> Value {
        let limit = params
            .get("limit")
            .and_then(Value::as_u64)
            .map_or(100, |l| l.clamp(1, 100)) as usize;
        let timeout = params.get("timeout").and_then(Value::as_u64).unwrap_or(0);
        let deadline = Instant::now() + Duration::from_secs(timeout);
        let mut state = self.lock();
        state.polls += 1;
        if let Some(allowed) = params.get("allowed_updates").and_then(Value::as_array) {
            state.allowed = Some(
                allowed
                    .iter()
                    .filter_map(|a| a.as_str().map(str::to_owned))
                    .collect(),
            );
        }
        if let Some(offset) = params.get("offset").and_then(Value::as_i64) {
            state.pending.retain(|(id, _, _)| *id >= offset);
        }
        // Updates of kinds the bot does not take are never delivered: gone.
        let pending = std::mem::take(&mut state.pending);
        state.pending = pending
            .into_iter()
            .filter(|(_, kind, _)| state.allows(kind))
            .collect();
        self.changed.notify_all();
        loop {
            let batch: Vec<Value> = state
                .pending
                .iter()
                .take(limit)
                .map(|(_, _, u)| u.clone())
                .collect();
            let now = Instant::now();
            if !batch.is_empty() || state.closed || now >= deadline {
                return Value::Array(batch);
            }
            state = self
                .changed
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

impl Fake for Shared {
    fn exchange(
        &self,
        method: &'static str,
        params: Map<String, Value>,
        uploads: Vec<Upload>,
    ) -> (u16, Vec<u8>) {
        let answer = if method == "getUpdates" {
            Ok(self.get_updates(&params))
        } else {
            let now = self.now();
            let mut state = self.lock();
            let answer = state.answer(method, &params, &uploads, now);
            state.requests.push(Request {
                method: method.to_owned(),
                params: Value::Object(params),
                refusal: answer.as_ref().err().cloned(),
            });
            self.changed.notify_all();
            answer
        };
        match answer {
            Ok(result) => (
                200,
                json!({"ok": true, "result": result}).to_string().into(),
            ),
            Err(refusal) => (refusal.code, refusal.body().to_string().into()),
        }
    }

    fn download(&self, path: &str) -> (u16, Vec<u8>) {
        match self.lock().download(path) {
            Some(bytes) => (200, bytes),
            None => (
                404,
                Refusal::new(404, "Not Found").body().to_string().into(),
            ),
        }
    }
}

/// A fake Telegram: its users and chats, and the bot under test. See the
/// [module](self) for a whole test.
///
/// Dropping the world stops the application it runs.
pub struct World {
    shared: Arc<Shared>,
}

impl Default for World {
    fn default() -> World {
        World::new()
    }
}

impl fmt::Debug for World {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.lock();
        f.debug_struct("World")
            .field("users", &state.users.len())
            .field("chats", &state.chats.len())
            .field("messages", &state.messages.len())
            .field("requests", &state.requests.len())
            .finish()
    }
}

impl World {
    /// A world with a bot called Test Bot (`@test_bot`) and no one else; strict; its clock at
    /// 2026-01-05 09:00 UTC.
    pub fn new() -> World {
        World::with_bot_username("test_bot")
    }

    /// A world whose bot has this username.
    pub fn with_bot_username(username: &str) -> World {
        let bot = json!({
            "id": 123_456_789,
            "is_bot": true,
            "first_name": "Test Bot",
            "username": username,
            "can_join_groups": true,
            "can_read_all_group_messages": false,
            "supports_inline_queries": true,
        });
        let start = Timestamp::from_second(START).expect("a valid time");
        World {
            shared: Arc::new(Shared {
                state: Mutex::new(State::new(bot)),
                changed: Condvar::new(),
                clock: WorldClock::new(start),
                #[cfg(feature = "ext")]
                runner: Mutex::new(None),
            }),
        }
    }

    /// The bot of the world: a [`Bot`] whose requests this world answers. Build the
    /// application under test from it.
    pub fn bot(&self) -> Bot {
        Bot::with_fake(TOKEN, self.shared.clone())
    }

    /// The time on the world's clock.
    pub fn now(&self) -> Timestamp {
        self.shared.clock.now()
    }

    /// Moves the world's clock on by `by`, then waits until the application has run what fell
    /// due (jobs, timeouts).
    ///
    /// # Panics
    ///
    /// When the application is still busy after 20 seconds.
    pub fn advance(&self, by: Duration) {
        self.shared.clock.advance(by);
        self.settle();
    }

    /// Checks every request against the description of its method (the default), or not.
    pub fn set_strict(&self, strict: bool) {
        self.shared.lock().strict = strict;
    }

    /// A new user, with a private chat with the bot (which they have not started). `name` is
    /// a first name, or a first and a last name; the username is the name in lower case
    /// without spaces.
    pub fn user(&self, name: &str) -> Person {
        let mut state = self.shared.lock();
        let id = state.next_user_id;
        state.next_user_id += 1;
        let (first, last) = match name.split_once(' ') {
            Some((first, last)) => (first, Some(last)),
            None => (name, None),
        };
        let username: String = name
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_lowercase();
        let mut user = json!({
            "id": id,
            "is_bot": false,
            "first_name": first,
            "username": username,
            "language_code": "en",
        });
        let mut chat =
            json!({"id": id, "type": "private", "first_name": first, "username": username});
        if let Some(last) = last {
            user["last_name"] = last.into();
            chat["last_name"] = last.into();
        }
        state.users.insert(
            id,
            UserRecord {
                json: user,
                blocked: false,
            },
        );
        let bot_id = state.bot["id"].as_i64().unwrap_or_default();
        state.chats.insert(
            id,
            ChatRecord {
                json: chat,
                next_message_id: 1,
                members: [(id, "member".to_owned()), (bot_id, "member".to_owned())].into(),
                topics: Default::default(),
            },
        );
        Person {
            shared: self.shared.clone(),
            id,
        }
    }

    /// A new supergroup titled `title`, with the bot as an administrator and no one else
    /// (see [`Person::join`] and [`Group::add`]).
    pub fn group(&self, title: &str) -> Group {
        let mut state = self.shared.lock();
        let id = -state.next_group_id;
        state.next_group_id += 1;
        let bot_id = state.bot["id"].as_i64().unwrap_or_default();
        state.chats.insert(
            id,
            ChatRecord {
                json: json!({"id": id, "title": title, "type": "supergroup"}),
                next_message_id: 1,
                members: [(bot_id, "administrator".to_owned())].into(),
                topics: Default::default(),
            },
        );
        Group {
            shared: self.shared.clone(),
            id,
        }
    }

    /// A new supergroup titled `title` that is a forum: its messages are in topics
    /// ([`Group::topic`]), or in its General topic without one.
    pub fn forum(&self, title: &str) -> Group {
        let group = self.group(title);
        let mut state = self.shared.lock();
        if let Some(chat) = state.chats.get_mut(&group.id) {
            chat.json["is_forum"] = true.into();
        }
        group
    }

    /// A new channel titled `title`, public as `@username`, with the bot as an administrator.
    /// Its posts reach the bot as `channel_post` updates ([`Channel::post`]).
    pub fn channel(&self, title: &str, username: &str) -> Channel {
        let mut state = self.shared.lock();
        let id = -state.next_group_id;
        state.next_group_id += 1;
        let bot_id = state.bot["id"].as_i64().unwrap_or_default();
        state.chats.insert(
            id,
            ChatRecord {
                json: json!({"id": id, "title": title, "username": username, "type": "channel"}),
                next_message_id: 1,
                members: [(bot_id, "administrator".to_owned())].into(),
                topics: Default::default(),
            },
        );
        Channel {
            shared: self.shared.clone(),
            id,
        }
    }

    /// Waits until the application has handled every update delivered to it, and run every
    /// job due on its clock. Each action of a [`Person`] does this before it returns.
    ///
    /// # Panics
    ///
    /// When the application is still busy after 20 seconds.
    pub fn settle(&self) {
        self.shared.settle();
    }

    /// Every request the bot made, in order, without `getUpdates`.
    pub fn requests(&self) -> Vec<Request> {
        self.shared.lock().requests.clone()
    }

    /// The method of every request the bot made, in order, without `getUpdates`.
    pub fn calls(&self) -> Vec<String> {
        let state = self.shared.lock();
        state.requests.iter().map(|r| r.method.clone()).collect()
    }

    /// The parameters of every request to `method`, in order.
    pub fn params_of(&self, method: &str) -> Vec<Value> {
        let state = self.shared.lock();
        state
            .requests
            .iter()
            .filter(|r| r.method == method)
            .map(|r| r.params.clone())
            .collect()
    }

    /// Forgets the requests made so far, so that the next assertions see only new ones.
    pub fn clear_requests(&self) {
        self.shared.lock().requests.clear();
    }

    /// The next request to `method` (as in `sendMessage`) is refused with `refusal`; each
    /// call adds one refusal.
    pub fn fail_next(&self, method: &str, refusal: Refusal) {
        self.shared
            .lock()
            .failures
            .push_back((method.to_owned(), refusal));
    }

    /// Requests to `method` are answered by `answer` from their parameters (after the strict
    /// checks): for methods the world does not model, or to answer differently.
    pub fn answer_with(
        &self,
        method: &str,
        answer: impl FnMut(&Map<String, Value>) -> Result<Value, Refusal> + Send + 'static,
    ) {
        let name = spec::method(method).map_or(method, |m| m.name);
        self.shared
            .lock()
            .answers
            .insert(name.to_owned(), Box::new(answer));
    }

    /// Sends a request to the world as the bot would send it, by the method's name and with
    /// parameters as JSON, past the typed API: what the world answers, or its refusal. For
    /// requests the typed API cannot make (a parameter left out, a value of the wrong type).
    ///
    /// # Errors
    ///
    /// Fails with the [`Refusal`] a request gets.
    pub fn raw_request(&self, method: &str, params: Value) -> Result<Value, Refusal> {
        let params = params.as_object().cloned().unwrap_or_default();
        let now = self.shared.now();
        let mut state = self.shared.lock();
        let answer = state.answer(method, &params, &[], now);
        state.requests.push(Request {
            method: method.to_owned(),
            params: Value::Object(params),
            refusal: answer.as_ref().err().cloned(),
        });
        answer
    }

    /// What happened in the world so far, one line each: messages sent (by whom, to which
    /// chat, with their buttons), edits and deletions by the bot, presses, queries and their
    /// answers, votes, payments, members coming and going. For a test's failure message, or
    /// an offline example's output.
    pub fn transcript(&self) -> String {
        let state = self.shared.lock();
        let mut text = state.transcript.join("\n");
        text.push('\n');
        text
    }

    /// The bot's command menu, as the last `setMyCommands` set it.
    pub fn commands(&self) -> Value {
        self.shared.lock().commands.clone()
    }

    /// Delivers an update of `kind` (as in `message`, `chat_boost`) with this payload, for the
    /// updates no [`Person`] action makes; then waits as actions do. Its id is given here.
    pub fn deliver(&self, kind: &str, payload: Value) {
        self.shared.lock().push_update(kind, payload);
        self.shared.changed.notify_all();
        self.shared.settle();
    }
}

impl Shared {
    /// Waits until the application the world runs has handled everything: there is none
    /// without the `ext` feature.
    #[cfg(not(feature = "ext"))]
    fn settle(&self) {}

    /// Queues an update and waits for the bot to handle it.
    fn act(&self, kind: &str, payload: Value) -> Option<i64> {
        let id = self.lock().push_update(kind, payload);
        self.changed.notify_all();
        self.settle();
        id
    }

    fn user_json(&self, id: i64) -> Value {
        self.lock().users[&id].json.clone()
    }

    fn chat_messages(&self, chat: i64) -> Vec<ChatMessage> {
        let state = self.lock();
        state
            .messages
            .iter()
            .filter(|m| m.chat_id == chat && !m.deleted)
            .map(|m| ChatMessage::new(m.json.clone(), m.by_bot))
            .collect()
    }

    fn last_from_bot(&self, chat: i64, whose: &str) -> ChatMessage {
        self.chat_messages(chat)
            .into_iter()
            .rev()
            .find(ChatMessage::is_from_bot)
            .unwrap_or_else(|| panic!("the bot sent nothing to {whose}"))
    }
}

/// A user of the world, and what they do. Each action returns once the bot has handled what
/// it caused (see [`World::settle`]).
#[derive(Clone)]
pub struct Person {
    shared: Arc<Shared>,
    id: i64,
}

impl fmt::Debug for Person {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Person").field("id", &self.id).finish()
    }
}

/// A supergroup of the world.
#[derive(Clone)]
pub struct Group {
    shared: Arc<Shared>,
    id: i64,
}

impl fmt::Debug for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Group").field("id", &self.id).finish()
    }
}

impl Group {
    /// The group's chat id.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// A new topic named `name` in this forum ([`World::forum`]).
    ///
    /// # Panics
    ///
    /// When the group is not a forum.
    pub fn topic(&self, name: &str) -> Topic {
        let mut state = self.shared.lock();
        let chat = state.chats.get_mut(&self.id).expect("a chat of the world");
        assert!(chat.json["is_forum"] == true, "the group is not a forum");
        // A topic's thread id is the id of the message that created it.
        let thread = chat.next_message_id;
        chat.next_message_id += 1;
        chat.topics.insert(thread, name.to_owned());
        Topic {
            shared: self.shared.clone(),
            chat: self.id,
            thread,
        }
    }

    /// Makes `person` a member without telling the bot (a member from before the test).
    pub fn add(&self, person: &Person) {
        let mut state = self.shared.lock();
        if let Some(chat) = state.chats.get_mut(&self.id) {
            chat.members.insert(person.id, "member".into());
        }
    }

    /// The messages of the group, oldest first (deleted ones left out).
    pub fn messages(&self) -> Vec<ChatMessage> {
        self.shared.chat_messages(self.id)
    }

    /// The last message the bot sent to the group.
    ///
    /// # Panics
    ///
    /// When the bot sent nothing there.
    pub fn last_message(&self) -> ChatMessage {
        self.shared.last_from_bot(self.id, "the group")
    }
}

/// A topic of a forum ([`Group::topic`]).
#[derive(Clone)]
pub struct Topic {
    shared: Arc<Shared>,
    chat: i64,
    thread: i64,
}

impl fmt::Debug for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Topic")
            .field("chat", &self.chat)
            .field("thread", &self.thread)
            .finish()
    }
}

impl Topic {
    /// The topic's thread id (`message_thread_id`).
    pub fn thread_id(&self) -> i64 {
        self.thread
    }

    /// The messages of the topic, oldest first.
    pub fn messages(&self) -> Vec<ChatMessage> {
        let thread = Some(self.thread);
        self.shared
            .chat_messages(self.chat)
            .into_iter()
            .filter(|m| m.message.message_thread_id == thread)
            .collect()
    }

    /// The last message the bot sent to the topic.
    ///
    /// # Panics
    ///
    /// When the bot sent nothing there.
    pub fn last_message(&self) -> ChatMessage {
        self.messages()
            .into_iter()
            .rev()
            .find(ChatMessage::is_from_bot)
            .unwrap_or_else(|| panic!("the bot sent nothing to the topic"))
    }
}

/// A channel of the world ([`World::channel`]).
#[derive(Clone)]
pub struct Channel {
    shared: Arc<Shared>,
    id: i64,
}

impl fmt::Debug for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Channel").field("id", &self.id).finish()
    }
}

impl Channel {
    /// The channel's chat id.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// Posts `text` in the channel (as the channel, by one of its administrators): a
    /// `channel_post` update; returns once the bot handled it.
    pub fn post(&self, text: &str) -> ChatMessage {
        let message = {
            let mut state = self.shared.lock();
            let now = self.shared.now();
            let admin = json!({"id": 0, "is_bot": false, "first_name": "admin"});
            state.add_message(self.id, Author::User(&admin), text_fields(text), now)
        };
        self.shared.act("channel_post", message.clone());
        ChatMessage::new(message, false)
    }

    /// The channel's posts, oldest first (deleted ones left out).
    pub fn messages(&self) -> Vec<ChatMessage> {
        self.shared.chat_messages(self.id)
    }

    /// The last post the bot made in the channel.
    ///
    /// # Panics
    ///
    /// When the bot posted nothing there.
    pub fn last_message(&self) -> ChatMessage {
        self.shared.last_from_bot(self.id, "the channel")
    }
}

impl Person {
    /// The user's id, also the id of their private chat with the bot.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// The user, as updates show them.
    pub fn user(&self) -> User {
        serde_json::from_value(self.shared.user_json(self.id))
            .unwrap_or_else(|e| panic!("the world made a user that does not decode: {e}"))
    }

    /// Sends `text` to the bot in the private chat (a text starting with `/` is a command,
    /// marked as Telegram marks it); the message sent.
    pub fn send(&self, text: &str) -> ChatMessage {
        self.send_to(self.id, text_fields(text))
    }

    /// Sends `text` in `group`.
    pub fn send_in(&self, group: &Group, text: &str) -> ChatMessage {
        self.send_to(group.id, text_fields(text))
    }

    /// Sends `text` in `topic` of a forum.
    pub fn send_in_topic(&self, topic: &Topic, text: &str) -> ChatMessage {
        let mut fields = text_fields(text);
        fields.insert("message_thread_id".into(), topic.thread.into());
        self.send_to(topic.chat, fields)
    }

    /// Sends a message with these fields (as in `{"photo": [...], "caption": "..."}` or
    /// `{"location": {...}}`) in the private chat: for content no other action sends.
    pub fn send_fields(&self, fields: Value) -> ChatMessage {
        self.send_to(self.id, fields.as_object().cloned().unwrap_or_default())
    }

    /// Sends a file as a document in the private chat; the bot can `getFile` and download it.
    pub fn send_document(&self, file_name: &str, bytes: &[u8]) -> ChatMessage {
        let (file_id, size) = self.shared.lock().add_file(Some(bytes.to_vec()));
        let fields = json!({"document": {
            "file_id": file_id,
            "file_unique_id": fake::unique_id(&file_id),
            "file_name": file_name,
            "file_size": size,
        }});
        self.send_fields(fields)
    }

    /// Sends a photo (of these bytes) with an optional caption in the private chat.
    pub fn send_photo(&self, bytes: &[u8], caption: Option<&str>) -> ChatMessage {
        let mut fields = json!({"photo": self.add_photo(bytes)});
        if let Some(caption) = caption {
            fields["caption"] = caption.into();
        }
        self.send_fields(fields)
    }

    /// Sends an album of photos (one per item of `photos`, 2 to 10) in the private chat, the
    /// caption on the first, as Telegram delivers one: a message per photo, sharing a
    /// `media_group_id`, each returning once the bot handled it.
    ///
    /// # Panics
    ///
    /// When `photos` has fewer than 2 or more than 10 items.
    pub fn send_album(&self, photos: &[&[u8]], caption: Option<&str>) -> Vec<ChatMessage> {
        assert!(
            (2..=10).contains(&photos.len()),
            "an album has 2 to 10 items, not {}",
            photos.len()
        );
        let group = {
            let mut state = self.shared.lock();
            state.next_media_group += 1;
            format!("{}", 13_000_000_000_000_000u64 + state.next_media_group)
        };
        photos
            .iter()
            .enumerate()
            .map(|(i, bytes)| {
                let mut fields = json!({
                    "media_group_id": group,
                    "photo": self.add_photo(bytes),
                });
                if let (0, Some(caption)) = (i, caption) {
                    fields["caption"] = caption.into();
                }
                self.send_fields(fields)
            })
            .collect()
    }

    /// A photo of these bytes kept by the world: its sizes, as a message carries them (one,
    /// 800 by 600).
    fn add_photo(&self, bytes: &[u8]) -> Value {
        let (file_id, size) = self.shared.lock().add_file(Some(bytes.to_vec()));
        json!([{
            "file_id": file_id,
            "file_unique_id": fake::unique_id(&file_id),
            "width": 800,
            "height": 600,
            "file_size": size,
        }])
    }

    /// Replies to `message` with `text`, in its chat.
    pub fn reply_to(&self, message: &ChatMessage, text: &str) -> ChatMessage {
        let mut fields = text_fields(text);
        fields.insert("reply_to_message".into(), message.json.clone());
        self.send_to(message.message.chat.id, fields)
    }

    /// Edits their own `message` to read `text` (an `edited_message` update).
    ///
    /// # Panics
    ///
    /// When `message` is not theirs, or no longer exists.
    pub fn edit(&self, message: &ChatMessage, text: &str) -> ChatMessage {
        let chat = message.message.chat.id;
        let edited = {
            let mut state = self.shared.lock();
            let now = self.shared.now();
            let record = state
                .messages
                .iter_mut()
                .find(|m| m.chat_id == chat && m.message_id == message.id() && !m.deleted)
                .unwrap_or_else(|| panic!("message {} is gone", message.id()));
            assert!(
                record.json["from"]["id"] == self.id,
                "message {} is not theirs to edit",
                message.id()
            );
            record.json["text"] = text.into();
            record.json["edit_date"] = now.into();
            record.json.clone()
        };
        self.shared.act("edited_message", edited.clone());
        ChatMessage::new(edited, false)
    }

    fn send_to(&self, chat: i64, fields: Map<String, Value>) -> ChatMessage {
        let message = {
            let mut state = self.shared.lock();
            assert!(
                state.chats.contains_key(&chat),
                "chat {chat} is not in the world"
            );
            let from = state.users[&self.id].json.clone();
            let now = self.shared.now();
            state.add_message(chat, Author::User(&from), fields, now)
        };
        self.shared.act("message", message.clone());
        ChatMessage::new(message, false)
    }

    /// The labels of the reply keyboard the bot gave the private chat, by row (empty when it
    /// gave none, or removed it).
    pub fn keyboard(&self) -> Vec<Vec<String>> {
        let state = self.shared.lock();
        let rows = state.keyboards.get(&self.id).map(|k| k["keyboard"].clone());
        rows.and_then(|r| r.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .map(|row| {
                row.as_array()
                    .into_iter()
                    .flatten()
                    .map(|b| {
                        b.as_str()
                            .or(b["text"].as_str())
                            .unwrap_or_default()
                            .to_owned()
                    })
                    .collect()
            })
            .collect()
    }

    /// Taps the button `label` of the reply keyboard the bot gave the private chat: its text is
    /// sent as a message, as Telegram does.
    ///
    /// # Panics
    ///
    /// When the keyboard has no such button.
    pub fn tap(&self, label: &str) -> ChatMessage {
        assert!(
            self.keyboard().iter().flatten().any(|b| b == label),
            "the bot's reply keyboard has no button {label:?}: {:?}",
            self.keyboard()
        );
        self.send(label)
    }

    /// The messages of the private chat with the bot, oldest first (deleted ones left out).
    pub fn messages(&self) -> Vec<ChatMessage> {
        self.shared.chat_messages(self.id)
    }

    /// The last message the bot sent to the private chat, as it is now.
    ///
    /// # Panics
    ///
    /// When the bot sent nothing there.
    pub fn last_message(&self) -> ChatMessage {
        self.shared.last_from_bot(self.id, "this user")
    }

    /// Presses the inline button labelled `label` under the latest message of the bot in the
    /// private chat that has one; the bot's answer.
    ///
    /// # Panics
    ///
    /// When no message of the bot there has such a button, or the button does not send
    /// callback data (it opens a link, say).
    pub fn press(&self, label: &str) -> QueryAnswer {
        let message = self
            .shared
            .chat_messages(self.id)
            .into_iter()
            .rev()
            .find(|m| m.is_from_bot() && m.buttons().iter().any(|b| b == label))
            .unwrap_or_else(|| panic!("no message of the bot has a button {label:?}"));
        self.press_on(&message, label)
    }

    /// Presses the inline button labelled `label` under `message`; the bot's answer.
    ///
    /// # Panics
    ///
    /// When `message` has no such button, or it does not send callback data.
    pub fn press_on(&self, message: &ChatMessage, label: &str) -> QueryAnswer {
        let chat = message.message.chat.id;
        let (query_id, payload) = {
            let mut state = self.shared.lock();
            let current = state
                .message(chat, message.id())
                .map(|m| m.json.clone())
                .unwrap_or_else(|| panic!("message {} is gone", message.id()));
            let button = spec::keyboard_rows(&current["reply_markup"])
                .flatten()
                .find(|b| b["text"] == label)
                .cloned()
                .unwrap_or_else(|| panic!("message {} has no button {label:?}", message.id()));
            let data = button["callback_data"]
                .as_str()
                .unwrap_or_else(|| panic!("the button {label:?} sends no callback data"))
                .to_owned();
            let id = state.new_query(self.shared.now());
            let line = format!("{} pressed [{label}]", self.first_name(&state));
            state.say(line);
            let payload = json!({
                "id": id,
                "from": state.users[&self.id].json.clone(),
                "message": current,
                "chat_instance": format!("{}", chat.unsigned_abs() * 7 + 3),
                "data": data,
            });
            (id, payload)
        };
        self.shared.act("callback_query", payload);
        self.answer_to(&query_id)
    }

    fn answer_to(&self, query_id: &str) -> QueryAnswer {
        let state = self.shared.lock();
        QueryAnswer {
            params: state.queries.get(query_id).and_then(|q| q.answer.clone()),
        }
    }

    /// Types `@bot query` in a chat: an inline query; the bot's answer.
    pub fn inline_query(&self, query: &str) -> QueryAnswer {
        let (id, payload) = {
            let mut state = self.shared.lock();
            let id = state.new_query(self.shared.now());
            let line = format!(
                "{} typed an inline query: {query:?}",
                self.first_name(&state)
            );
            state.say(line);
            let payload = json!({
                "id": id,
                "from": state.users[&self.id].json.clone(),
                "query": query,
                "offset": "",
                "chat_type": "sender",
            });
            (id, payload)
        };
        self.shared.act("inline_query", payload);
        self.answer_to(&id)
    }

    /// Votes for the options at `options` (none: takes the vote back) in the poll of
    /// `message`: a `poll_answer` update when the poll is not anonymous, and the poll's new
    /// counts in a `poll` update.
    ///
    /// # Panics
    ///
    /// When `message` has no poll, or the poll is closed.
    pub fn vote(&self, message: &ChatMessage, options: &[usize]) {
        let chat = message.message.chat.id;
        let (poll, anonymous) = {
            let mut state = self.shared.lock();
            let poll_id = state
                .message(chat, message.id())
                .unwrap_or_else(|| panic!("message {} is gone", message.id()))
                .json["poll"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("message {} has no poll", message.id()))
                .to_owned();
            // Who voted for what is the world's own, as Telegram keeps it.
            let before = state
                .votes
                .insert((poll_id, self.id), options.to_vec())
                .unwrap_or_default();
            let record = state
                .messages
                .iter_mut()
                .find(|m| m.chat_id == chat && m.message_id == message.id())
                .expect("found above");
            let poll = &mut record.json["poll"];
            assert!(poll["is_closed"] != true, "the poll is closed");
            let mut add = |i: usize, by: i64| {
                if let Some(count) = poll["options"][i]["voter_count"].as_i64() {
                    poll["options"][i]["voter_count"] = (count + by).max(0).into();
                }
            };
            for &i in &before {
                add(i, -1);
            }
            for &i in options {
                add(i, 1);
            }
            let total = poll["total_voter_count"].as_i64().unwrap_or(0);
            let total = match (before.is_empty(), options.is_empty()) {
                (true, false) => total + 1,
                (false, true) => total - 1,
                _ => total,
            };
            poll["total_voter_count"] = total.into();
            (poll.clone(), poll["is_anonymous"] == true)
        };
        let mut state = self.shared.lock();
        let line = format!("{} voted for {options:?}", self.first_name(&state));
        state.say(line);
        if !anonymous {
            let ids: Vec<Value> = options.iter().map(|&i| i.into()).collect();
            let persistent: Vec<Value> = options.iter().map(|i| i.to_string().into()).collect();
            let payload = json!({
                "poll_id": poll["id"].clone(),
                "user": state.users[&self.id].json.clone(),
                "option_ids": ids,
                "option_persistent_ids": persistent,
            });
            state.push_update("poll_answer", payload);
        }
        state.push_update("poll", poll);
        drop(state);
        self.shared.changed.notify_all();
        self.shared.settle();
    }

    /// Pays the invoice of `message`: the bot gets the pre-checkout query, and when it
    /// accepts, the `successful_payment` message follows in the chat. Whether the payment
    /// went through.
    ///
    /// # Panics
    ///
    /// When `message` holds no invoice.
    pub fn pay(&self, message: &ChatMessage) -> bool {
        let chat = message.message.chat.id;
        let (query_id, payload, invoice) = {
            let mut state = self.shared.lock();
            let invoice = message.json["invoice"].clone();
            assert!(
                invoice.is_object(),
                "message {} holds no invoice",
                message.id()
            );
            let payload = state
                .payloads
                .get(&(chat, message.id()))
                .cloned()
                .unwrap_or_default();
            let id = state.new_query(self.shared.now());
            let line = format!("{} pays the invoice", self.first_name(&state));
            state.say(line);
            let query = json!({
                "id": id,
                "from": state.users[&self.id].json.clone(),
                "currency": invoice["currency"].clone(),
                "total_amount": invoice["total_amount"].clone(),
                "invoice_payload": payload,
            });
            (id, query, invoice)
        };
        self.shared.act("pre_checkout_query", payload.clone());
        let ok = self
            .answer_to(&query_id)
            .params()
            .is_some_and(|p| p["ok"] == true);
        if ok {
            let charge = format!("kit-charge-{query_id}");
            let mut fields = Map::new();
            fields.insert(
                "successful_payment".into(),
                json!({
                    "currency": invoice["currency"].clone(),
                    "total_amount": invoice["total_amount"].clone(),
                    "invoice_payload": payload["invoice_payload"].clone(),
                    "telegram_payment_charge_id": charge,
                    "provider_payment_charge_id": "",
                }),
            );
            self.send_to(chat, fields);
        }
        ok
    }

    /// Joins `group`: a `chat_member` update (for a bot that asks for them) and the
    /// `new_chat_members` service message.
    pub fn join(&self, group: &Group) {
        self.change_membership(group.id, "member", "new_chat_members");
    }

    /// Leaves `group`: a `chat_member` update and the `left_chat_member` service message.
    pub fn leave(&self, group: &Group) {
        self.change_membership(group.id, "left", "left_chat_member");
    }

    fn first_name(&self, state: &State) -> String {
        state.users[&self.id].json["first_name"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    fn change_membership(&self, chat: i64, status: &str, service: &str) {
        let mut state = self.shared.lock();
        let now = self.shared.now();
        let user = state.users[&self.id].json.clone();
        let record = state.chats.get_mut(&chat).expect("a chat of the world");
        let old = record
            .members
            .insert(self.id, status.to_owned())
            .unwrap_or_else(|| "left".into());
        let chat_json = record.json.clone();
        let change = json!({
            "chat": chat_json,
            "from": user.clone(),
            "date": now,
            "old_chat_member": fake::member_json(&old, user.clone()),
            "new_chat_member": fake::member_json(status, user.clone()),
        });
        state.push_update("chat_member", change);
        let service_value = if service == "new_chat_members" {
            json!([user])
        } else {
            user.clone()
        };
        let mut fields = Map::new();
        fields.insert(service.into(), service_value);
        let message = state.add_message(chat, Author::User(&user), fields, now);
        state.push_update("message", message);
        drop(state);
        self.shared.changed.notify_all();
        self.shared.settle();
    }

    /// Blocks the bot: what the bot sends them is refused (403), and the bot gets a
    /// `my_chat_member` update.
    pub fn block(&self) {
        self.set_blocked(true);
    }

    /// Unblocks the bot (and restarts it, as a user does): a `my_chat_member` update.
    pub fn unblock(&self) {
        self.set_blocked(false);
    }

    fn set_blocked(&self, blocked: bool) {
        let mut state = self.shared.lock();
        let now = self.shared.now();
        let user = state.users[&self.id].json.clone();
        let bot = state.bot.clone();
        if let Some(record) = state.users.get_mut(&self.id) {
            record.blocked = blocked;
        }
        let line = format!(
            "{} {} the bot",
            self.first_name(&state),
            if blocked { "blocked" } else { "unblocked" }
        );
        state.say(line);
        let (old, new) = if blocked {
            ("member", "kicked")
        } else {
            ("kicked", "member")
        };
        let chat = state.chats[&self.id].json.clone();
        let change = json!({
            "chat": chat,
            "from": user,
            "date": now,
            "old_chat_member": fake::member_json(old, bot.clone()),
            "new_chat_member": fake::member_json(new, bot),
        });
        state.push_update("my_chat_member", change);
        drop(state);
        self.shared.changed.notify_all();
        self.shared.settle();
    }
}

/// A message's fields for `text`: a leading `/word` is marked as a bot command.
fn text_fields(text: &str) -> Map<String, Value> {
    let mut fields = Map::new();
    fields.insert("text".into(), text.into());
    if text.starts_with('/') {
        let command = text.split_whitespace().next().unwrap_or(text);
        fields.insert(
            "entities".into(),
            json!([{"type": "bot_command", "offset": 0, "length": crate::text::utf16_len(command)}]),
        );
    }
    fields
}

/// The methods of the Bot API with the parameters each requires, from the description this
/// crate was generated from; the strict checks refuse a request without one of them.
pub fn required_params() -> Vec<(&'static str, Vec<&'static str>)> {
    spec::required_params().collect()
}

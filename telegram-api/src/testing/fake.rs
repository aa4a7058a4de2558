//! The model of Telegram behind the fake Bot API: users, chats, messages, updates waiting to
//! be fetched, files, and the answers to each method.

use std::collections::{BTreeMap, HashMap, VecDeque};

use serde_json::{Map, Value, json};

use super::spec;
use super::{Refusal, Request};
use crate::transport::encode::Upload;

/// The update kinds Telegram leaves out unless asked for by name in `allowed_updates`.
const ASKED_FOR_ONLY: [&str; 3] = ["chat_member", "message_reaction", "message_reaction_count"];

/// How long a callback query can be answered.
const QUERY_LIFETIME: i64 = 15 * 60;

/// A user of the fake Telegram.
pub(super) struct UserRecord {
    pub json: Value,
    pub blocked: bool,
}

/// A chat of the fake Telegram.
pub(super) struct ChatRecord {
    pub json: Value,
    pub next_message_id: i64,
    /// The status of each member (`creator`, `administrator`, `member`, `left`, `kicked`).
    pub members: BTreeMap<i64, String>,
    /// The topics of a forum, by thread id.
    pub topics: BTreeMap<i64, String>,
}

/// A message, as the chat shows it.
pub(super) struct MessageRecord {
    pub chat_id: i64,
    pub message_id: i64,
    pub json: Value,
    pub deleted: bool,
    /// Whether the bot sent it.
    pub by_bot: bool,
}

/// Who writes a message.
#[derive(Clone, Copy)]
pub(super) enum Author<'a> {
    /// The bot.
    Bot,
    /// A user (in a channel: one of its administrators, posting as the channel).
    User(&'a Value),
}

/// A callback or inline query sent to the bot, and its answer once given.
pub(super) struct Query {
    pub at: i64,
    pub answer: Option<Value>,
}

/// A file on the fake Telegram's servers.
pub(super) struct FileRecord {
    pub file_id: String,
    pub bytes: Option<Vec<u8>>,
}

/// The state of the fake Telegram.
pub(super) struct State {
    pub strict: bool,
    pub closed: bool,
    pub bot: Value,
    pub next_user_id: i64,
    pub next_group_id: i64,
    pub next_update_id: i64,
    pub next_query_id: u64,
    /// Updates not yet confirmed, in id order: id, kind, update.
    pub pending: VecDeque<(i64, String, Value)>,
    /// The last `allowed_updates` asked for (Telegram keeps it between calls).
    pub allowed: Option<Vec<String>>,
    /// How many `getUpdates` arrived.
    pub polls: u64,
    pub users: BTreeMap<i64, UserRecord>,
    pub chats: BTreeMap<i64, ChatRecord>,
    pub messages: Vec<MessageRecord>,
    pub requests: Vec<Request>,
    pub queries: HashMap<String, Query>,
    pub files: Vec<FileRecord>,
    pub failures: VecDeque<(String, Refusal)>,
    pub answers: HashMap<String, Answerer>,
    pub commands: Value,
    /// The payload of each invoice, by chat and message: it comes back with the payment.
    pub payloads: HashMap<(i64, i64), String>,
    /// The options each user voted for in each poll.
    pub votes: HashMap<(String, i64), Vec<usize>>,
    /// What happened, one line each, for [`World::transcript`](super::World::transcript).
    pub transcript: Vec<String>,
    /// The reply keyboard the bot last gave each chat.
    pub keyboards: HashMap<i64, Value>,
    /// How many albums users sent.
    pub next_media_group: u64,
}

/// An answer of the test's own to a method: the result, or a refusal.
pub(super) type Answerer = Box<dyn FnMut(&Map<String, Value>) -> Result<Value, Refusal> + Send>;

impl State {
    pub(super) fn new(bot: Value) -> State {
        State {
            strict: true,
            closed: false,
            bot,
            next_user_id: 1_000_001,
            next_group_id: 1_000_000_000_001,
            next_update_id: 1,
            next_query_id: 1,
            pending: VecDeque::new(),
            allowed: None,
            polls: 0,
            users: BTreeMap::new(),
            chats: BTreeMap::new(),
            messages: Vec::new(),
            requests: Vec::new(),
            queries: HashMap::new(),
            files: Vec::new(),
            failures: VecDeque::new(),
            answers: HashMap::new(),
            commands: json!([]),
            payloads: HashMap::new(),
            votes: HashMap::new(),
            transcript: Vec::new(),
            keyboards: HashMap::new(),
            next_media_group: 0,
        }
    }

    /// Whether an update of `kind` is delivered under the current `allowed_updates`.
    pub(super) fn allows(&self, kind: &str) -> bool {
        match &self.allowed {
            Some(allowed) if !allowed.is_empty() => allowed.iter().any(|a| a == kind),
            _ => !ASKED_FOR_ONLY.contains(&kind),
        }
    }

    /// Queues an update of `kind` with `payload`, unless the bot does not take that kind.
    pub(super) fn push_update(&mut self, kind: &str, payload: Value) -> Option<i64> {
        if self.polls > 0 && !self.allows(kind) {
            return None;
        }
        let id = self.next_update_id;
        self.next_update_id += 1;
        let mut update = Map::new();
        update.insert("update_id".into(), id.into());
        update.insert(kind.into(), payload);
        self.pending
            .push_back((id, kind.to_owned(), Value::Object(update)));
        Some(id)
    }

    /// Adds a message to `chat_id` by `author` with `fields`; its JSON.
    pub(super) fn add_message(
        &mut self,
        chat_id: i64,
        author: Author<'_>,
        mut fields: Map<String, Value>,
        date: i64,
    ) -> Value {
        let bot = self.bot.clone();
        let chat = self.chats.get_mut(&chat_id).expect("a chat of the world");
        let message_id = chat.next_message_id;
        chat.next_message_id += 1;
        let channel = chat.json["type"] == "channel";
        let mut message = Map::new();
        message.insert("message_id".into(), message_id.into());
        match author {
            // In a channel, a post is the channel's: no sender user.
            _ if channel => {
                message.insert("sender_chat".into(), chat.json.clone());
            }
            Author::Bot => {
                message.insert("from".into(), bot);
            }
            Author::User(user) => {
                message.insert("from".into(), user.clone());
            }
        }
        message.insert("chat".into(), chat.json.clone());
        message.insert("date".into(), date.into());
        let topic = fields
            .get("message_thread_id")
            .and_then(Value::as_i64)
            .and_then(|thread| chat.topics.get(&thread).cloned());
        if topic.is_some() {
            fields.insert("is_topic_message".into(), true.into());
        }
        message.extend(fields);
        let json = Value::Object(message);
        let mut place = self.chat_name(chat_id);
        if let Some(topic) = topic {
            place = format!("{place} / {topic}");
        }
        let line = match author {
            Author::Bot => format!("bot → {place}: {}", summary(&json)),
            Author::User(_) if channel => format!("{place} posted: {}", summary(&json)),
            Author::User(user) => {
                let who = user["first_name"].as_str().unwrap_or("someone");
                let to = if chat_id > 0 { "bot" } else { place.as_str() };
                format!("{who} → {to}: {}", summary(&json))
            }
        };
        self.say(line);
        self.messages.push(MessageRecord {
            chat_id,
            message_id,
            json: json.clone(),
            deleted: false,
            by_bot: matches!(author, Author::Bot),
        });
        json
    }

    /// Adds a line to the transcript.
    pub(super) fn say(&mut self, line: String) {
        self.transcript.push(line);
    }

    /// A chat as the transcript names it: a user's first name, or a group's title.
    pub(super) fn chat_name(&self, chat_id: i64) -> String {
        let chat = self.chats.get(&chat_id).map(|c| &c.json);
        chat.and_then(|c| c["first_name"].as_str().or(c["title"].as_str()))
            .unwrap_or("an unknown chat")
            .to_owned()
    }

    pub(super) fn message(&self, chat_id: i64, message_id: i64) -> Option<&MessageRecord> {
        self.messages
            .iter()
            .find(|m| m.chat_id == chat_id && m.message_id == message_id && !m.deleted)
    }

    fn message_mut(&mut self, chat_id: i64, message_id: i64) -> Option<&mut MessageRecord> {
        self.messages
            .iter_mut()
            .find(|m| m.chat_id == chat_id && m.message_id == message_id && !m.deleted)
    }

    /// A new query (a press, an inline query, a pre-checkout query) made at `now`, not
    /// answered yet: its id.
    pub(super) fn new_query(&mut self, now: i64) -> String {
        let id = self.next_query_id;
        self.next_query_id += 1;
        let id = format!("{}", 4_000_000_000_000_000_000u64 + id);
        self.queries.insert(
            id.clone(),
            Query {
                at: now,
                answer: None,
            },
        );
        id
    }

    /// A file kept under a new id.
    pub(super) fn add_file(&mut self, bytes: Option<Vec<u8>>) -> (String, usize) {
        let n = self.files.len() + 1;
        let file_id = format!("kit-file-{n}");
        let size = bytes.as_ref().map_or(0, Vec::len);
        self.files.push(FileRecord {
            file_id: file_id.clone(),
            bytes,
        });
        (file_id, size)
    }

    /// The bytes of a file for a download of `path` (`files/<file_id>`).
    pub(super) fn download(&self, path: &str) -> Option<Vec<u8>> {
        let id = path.strip_prefix("files/")?;
        self.files
            .iter()
            .find(|f| f.file_id == id)
            .and_then(|f| f.bytes.clone())
    }

    /// Answers a request: the result, or a refusal.
    pub(super) fn answer(
        &mut self,
        method: &str,
        params: &Map<String, Value>,
        uploads: &[Upload],
        now: i64,
    ) -> Result<Value, Refusal> {
        if let Some(i) = self.failures.iter().position(|(m, _)| m == method) {
            let (_, refusal) = self.failures.remove(i).expect("found");
            return Err(refusal);
        }
        let Some(spec) = spec::method(method) else {
            return Err(Refusal::new(404, "Not Found"));
        };
        if self.strict {
            spec::check(spec, params)?;
        }
        if let Some(answer) = self.answers.get_mut(spec.name) {
            return answer(params);
        }
        let p = Params(params);
        match spec.name {
            "getMe" => Ok(self.bot.clone()),
            "logOut" | "close" => Ok(true.into()),
            "deleteWebhook" | "setWebhook" => Ok(true.into()),
            "getWebhookInfo" => Ok(json!({
                "url": "",
                "has_custom_certificate": false,
                "pending_update_count": self.pending.len(),
            })),
            "setMyCommands" => {
                self.commands = params.get("commands").cloned().unwrap_or(json!([]));
                Ok(true.into())
            }
            "getMyCommands" => Ok(self.commands.clone()),
            "deleteMyCommands" => {
                self.commands = json!([]);
                Ok(true.into())
            }
            "sendChatAction"
            | "setMessageReaction"
            | "pinChatMessage"
            | "unpinChatMessage"
            | "unpinAllChatMessages" => {
                self.writable_chat(&p)?;
                Ok(true.into())
            }
            "sendMessage" => {
                let chat = self.writable_chat(&p)?;
                let mut fields = Map::new();
                fields.insert("text".into(), shown_text(&p, "text").into());
                self.send(chat, fields, &p, now)
            }
            "sendPhoto" | "sendDocument" | "sendVideo" | "sendAudio" | "sendVoice"
            | "sendAnimation" | "sendSticker" | "sendVideoNote" => {
                let chat = self.writable_chat(&p)?;
                let field = media_field(spec.name);
                let file = self.file_param(p.get(field), uploads)?;
                let mut fields = Map::new();
                fields.insert(field.into(), media_value(field, &file, &p));
                if let Some(caption) = p.str("caption") {
                    fields.insert("caption".into(), caption.into());
                }
                self.send(chat, fields, &p, now)
            }
            "sendMediaGroup" => {
                let chat = self.writable_chat(&p)?;
                let media = p.get("media").and_then(Value::as_array).cloned();
                let media = media.unwrap_or_default();
                if !(2..=10).contains(&media.len()) {
                    return Err(Refusal::bad_request(
                        "wrong number of messages in the media group: 2 to 10",
                    ));
                }
                self.next_media_group += 1;
                let group_id = format!("{}", 13_000_000_000_000_000u64 + self.next_media_group);
                let mut sent = Vec::new();
                for item in &media {
                    let kind = item.get("type").and_then(Value::as_str).unwrap_or("photo");
                    let file = self.file_param(item.get("media"), uploads)?;
                    let item_params = item.as_object().cloned().unwrap_or_default();
                    let mut fields = Map::new();
                    fields.insert(kind.into(), media_value(kind, &file, &Params(&item_params)));
                    fields.insert("media_group_id".into(), group_id.clone().into());
                    if let Some(caption) = item.get("caption").and_then(Value::as_str) {
                        fields.insert("caption".into(), caption.into());
                    }
                    sent.push(self.send(chat, fields, &p, now)?);
                }
                Ok(Value::Array(sent))
            }
            "sendLocation" => {
                let chat = self.writable_chat(&p)?;
                let mut fields = Map::new();
                fields.insert("location".into(), location(&p));
                self.send(chat, fields, &p, now)
            }
            "sendVenue" => {
                let chat = self.writable_chat(&p)?;
                let mut fields = Map::new();
                fields.insert(
                    "venue".into(),
                    json!({
                        "location": location(&p),
                        "title": p.str("title").unwrap_or_default(),
                        "address": p.str("address").unwrap_or_default(),
                    }),
                );
                self.send(chat, fields, &p, now)
            }
            "sendContact" => {
                let chat = self.writable_chat(&p)?;
                let mut contact = Map::new();
                for name in ["phone_number", "first_name", "last_name", "vcard"] {
                    if let Some(v) = p.get(name) {
                        contact.insert(name.into(), v.clone());
                    }
                }
                let mut fields = Map::new();
                fields.insert("contact".into(), Value::Object(contact));
                self.send(chat, fields, &p, now)
            }
            "sendDice" => {
                let chat = self.writable_chat(&p)?;
                let emoji = p.str("emoji").unwrap_or("🎲");
                let next = self.chats.get(&chat).map_or(1, |c| c.next_message_id);
                let sides = if emoji == "🎰" { 64 } else { 6 };
                let mut fields = Map::new();
                fields.insert(
                    "dice".into(),
                    json!({"emoji": emoji, "value": 1 + next.rem_euclid(sides)}),
                );
                self.send(chat, fields, &p, now)
            }
            "sendPoll" => {
                let chat = self.writable_chat(&p)?;
                let poll_id = format!("{}", 5_000_000_000_000_000_000u64 + now as u64 % 1_000_000);
                let poll_id = format!("{poll_id}{}", self.messages.len());
                let options: Vec<Value> = p
                    .get("options")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                    .map(|(i, o)| {
                        json!({
                            "persistent_id": i.to_string(),
                            "text": o.get("text").cloned().unwrap_or_default(),
                            "voter_count": 0,
                        })
                    })
                    .collect();
                let mut poll = json!({
                    "id": poll_id,
                    "question": p.str("question").unwrap_or_default(),
                    "options": options,
                    "total_voter_count": 0,
                    "is_closed": p.bool("is_closed"),
                    "is_anonymous": p.get("is_anonymous").and_then(Value::as_bool).unwrap_or(true),
                    "type": p.str("type").unwrap_or("regular"),
                    "allows_multiple_answers": p.bool("allows_multiple_answers"),
                    "allows_revoting": p.get("allows_revoting").and_then(Value::as_bool).unwrap_or(true),
                    "members_only": p.bool("members_only"),
                });
                for name in [
                    "correct_option_ids",
                    "explanation",
                    "open_period",
                    "close_date",
                ] {
                    if let Some(v) = p.get(name) {
                        poll[name] = v.clone();
                    }
                }
                let mut fields = Map::new();
                fields.insert("poll".into(), poll);
                self.send(chat, fields, &p, now)
            }
            "stopPoll" => {
                let (chat, id) = self.target(&p)?;
                let record = self
                    .message_mut(chat, id)
                    .ok_or_else(|| Refusal::bad_request("message with poll to stop not found"))?;
                let Some(poll) = record.json.get_mut("poll") else {
                    return Err(Refusal::bad_request("message with poll to stop not found"));
                };
                if poll["is_closed"] == true {
                    return Err(Refusal::bad_request("poll has already been closed"));
                }
                poll["is_closed"] = true.into();
                Ok(poll.clone())
            }
            "sendInvoice" => {
                let chat = self.writable_chat(&p)?;
                let total: i64 = p
                    .get("prices")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|price| price.get("amount").and_then(Value::as_i64))
                    .sum();
                let mut fields = Map::new();
                fields.insert(
                    "invoice".into(),
                    json!({
                        "title": p.str("title").unwrap_or_default(),
                        "description": p.str("description").unwrap_or_default(),
                        "start_parameter": p.str("start_parameter").unwrap_or_default(),
                        "currency": p.str("currency").unwrap_or_default(),
                        "total_amount": total,
                    }),
                );
                // The payload comes back with the payment, never shown.
                let message = self.send(chat, fields, &p, now)?;
                if let (Some(id), Some(payload)) =
                    (message["message_id"].as_i64(), p.str("payload"))
                {
                    self.payloads.insert((chat, id), payload.to_owned());
                }
                Ok(message)
            }
            "editMessageText" | "editMessageCaption" | "editMessageReplyMarkup" => {
                self.edit(spec.name, &p, now)
            }
            "deleteMessage" => {
                let (chat, id) = self.target(&p)?;
                let record = self
                    .message_mut(chat, id)
                    .ok_or_else(|| Refusal::bad_request("message to delete not found"))?;
                record.deleted = true;
                let line = format!("bot deleted message {id} in {}", self.chat_name(chat));
                self.say(line);
                Ok(true.into())
            }
            "deleteMessages" => {
                let chat = self.writable_chat(&p)?;
                let ids: Vec<i64> = p
                    .get("message_ids")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_i64)
                    .collect();
                for id in ids {
                    if let Some(record) = self.message_mut(chat, id) {
                        record.deleted = true;
                    }
                }
                Ok(true.into())
            }
            "forwardMessage" | "copyMessage" => {
                let chat = self.writable_chat(&p)?;
                let from = p
                    .get("from_chat_id")
                    .and_then(Value::as_i64)
                    .ok_or_else(|| Refusal::bad_request("chat not found"))?;
                let id = p.i64("message_id").unwrap_or_default();
                let original = self
                    .message(from, id)
                    .ok_or_else(|| Refusal::bad_request("message to forward not found"))?
                    .json
                    .clone();
                let mut fields = content_of(&original);
                if !MEDIA
                    .iter()
                    .chain(&OTHER_CONTENT)
                    .any(|k| fields.contains_key(*k))
                {
                    return Err(Refusal::bad_request("message can't be copied"));
                }
                if spec.name == "forwardMessage" {
                    fields.insert(
                        "forward_origin".into(),
                        json!({
                            "type": "user",
                            "sender_user": original["from"].clone(),
                            "date": original["date"].clone(),
                        }),
                    );
                    self.send(chat, fields, &p, now)
                } else {
                    if let Some(caption) = p.get("caption") {
                        fields.insert("caption".into(), caption.clone());
                    }
                    let sent = self.send(chat, fields, &p, now)?;
                    Ok(json!({"message_id": sent["message_id"]}))
                }
            }
            "answerCallbackQuery"
            | "answerInlineQuery"
            | "answerShippingQuery"
            | "answerPreCheckoutQuery" => {
                let key = match spec.name {
                    "answerCallbackQuery" => "callback_query_id",
                    "answerInlineQuery" => "inline_query_id",
                    "answerShippingQuery" => "shipping_query_id",
                    _ => "pre_checkout_query_id",
                };
                let id = p.str(key).unwrap_or_default().to_owned();
                let too_old = || {
                    Refusal::bad_request(
                        "query is too old and response timeout expired or query ID is invalid",
                    )
                };
                let query = self.queries.get_mut(&id).ok_or_else(too_old)?;
                if query.answer.is_some() || now - query.at > QUERY_LIFETIME {
                    return Err(too_old());
                }
                query.answer = Some(Value::Object(params.clone()));
                let line = match spec.name {
                    "answerInlineQuery" => {
                        let n = p
                            .get("results")
                            .and_then(Value::as_array)
                            .map_or(0, Vec::len);
                        format!("bot answered the inline query with {n} results")
                    }
                    "answerCallbackQuery" => match p.str("text") {
                        Some(text) => format!("bot answered the press: {text:?}"),
                        None => "bot answered the press".to_owned(),
                    },
                    _ if p.bool("ok") => "bot accepted the order".to_owned(),
                    _ => format!(
                        "bot refused the order: {}",
                        p.str("error_message").unwrap_or_default()
                    ),
                };
                self.say(line);
                Ok(true.into())
            }
            "getFile" => {
                let id = p.str("file_id").unwrap_or_default();
                let file = self
                    .files
                    .iter()
                    .find(|f| f.file_id == id)
                    .ok_or_else(|| Refusal::bad_request("invalid file_id"))?;
                let mut answer = json!({
                    "file_id": file.file_id,
                    "file_unique_id": unique_id(&file.file_id),
                    "file_path": format!("files/{}", file.file_id),
                });
                if let Some(bytes) = &file.bytes {
                    answer["file_size"] = bytes.len().into();
                }
                Ok(answer)
            }
            "getChatMember" => {
                let chat = self.known_chat(&p)?;
                let user_id = p.i64("user_id").unwrap_or_default();
                let user = self
                    .users
                    .get(&user_id)
                    .map(|u| u.json.clone())
                    .or_else(|| (self.bot["id"] == user_id).then(|| self.bot.clone()))
                    .ok_or_else(|| Refusal::bad_request("user not found"))?;
                let status = self.chats[&chat]
                    .members
                    .get(&user_id)
                    .cloned()
                    .unwrap_or_else(|| "left".into());
                Ok(member_json(&status, user))
            }
            "banChatMember" | "unbanChatMember" => {
                let chat = self.known_chat(&p)?;
                let user_id = p.i64("user_id").unwrap_or_default();
                let status = if spec.name == "banChatMember" {
                    "kicked"
                } else {
                    "left"
                };
                if let Some(record) = self.chats.get_mut(&chat) {
                    record.members.insert(user_id, status.into());
                }
                Ok(true.into())
            }
            name => Err(Refusal::bad_request(format!(
                "{name} is not modelled by telegram_api::testing: answer it with \
                 World::answer_with"
            ))),
        }
    }

    /// The chat a request writes to, if the bot can write there.
    fn writable_chat(&self, p: &Params<'_>) -> Result<i64, Refusal> {
        let chat = self.known_chat(p)?;
        if let Some(user) = self.users.get(&chat)
            && user.blocked
        {
            return Err(Refusal::new(403, "Forbidden: bot was blocked by the user"));
        }
        Ok(chat)
    }

    fn known_chat(&self, p: &Params<'_>) -> Result<i64, Refusal> {
        let found = match p.get("chat_id") {
            Some(Value::Number(n)) => n.as_i64().filter(|id| self.chats.contains_key(id)),
            Some(Value::String(name)) => self.chats.iter().find_map(|(id, c)| {
                let username = c.json.get("username").and_then(Value::as_str)?;
                (name.strip_prefix('@') == Some(username)).then_some(*id)
            }),
            _ => None,
        };
        found.ok_or_else(|| Refusal::bad_request("chat not found"))
    }

    /// The chat and message id a request is about.
    fn target(&self, p: &Params<'_>) -> Result<(i64, i64), Refusal> {
        if p.get("inline_message_id").is_some() {
            return Err(Refusal::bad_request(
                "inline messages are not modelled by telegram_api::testing",
            ));
        }
        let chat = self.known_chat(p)?;
        Ok((chat, p.i64("message_id").unwrap_or_default()))
    }

    /// A message the bot sends: the reply and keyboard of the request applied.
    fn send(
        &mut self,
        chat: i64,
        mut fields: Map<String, Value>,
        p: &Params<'_>,
        now: i64,
    ) -> Result<Value, Refusal> {
        if let Some(reply) = p.get("reply_parameters") {
            let id = reply.get("message_id").and_then(Value::as_i64);
            let in_chat = reply.get("chat_id").and_then(Value::as_i64).unwrap_or(chat);
            match id.and_then(|id| self.message(in_chat, id)) {
                Some(original) => {
                    let mut original = original.json.clone();
                    if let Some(o) = original.as_object_mut() {
                        o.remove("reply_to_message");
                    }
                    fields.insert("reply_to_message".into(), original);
                }
                None if reply["allow_sending_without_reply"] == true => {}
                None => return Err(Refusal::bad_request("message to be replied not found")),
            }
        }
        if let Some(markup) = p.get("reply_markup") {
            if markup.get("inline_keyboard").is_some() {
                fields.insert("reply_markup".into(), markup.clone());
            } else if markup.get("keyboard").is_some() {
                // A reply keyboard replaces the user's keyboard until removed.
                self.keyboards.insert(chat, markup.clone());
            } else if markup["remove_keyboard"] == true {
                self.keyboards.remove(&chat);
            }
        }
        if let Some(thread) = p.get("message_thread_id") {
            fields.insert("message_thread_id".into(), thread.clone());
        }
        if let Some(thread) = fields.get("message_thread_id").and_then(Value::as_i64) {
            let record = &self.chats[&chat];
            if record.json["is_forum"] == true && !record.topics.contains_key(&thread) {
                return Err(Refusal::bad_request("message thread not found"));
            }
        }
        Ok(self.add_message(chat, Author::Bot, fields, now))
    }

    fn edit(&mut self, method: &str, p: &Params<'_>, now: i64) -> Result<Value, Refusal> {
        let (chat, id) = self.target(p)?;
        let record = self
            .message_mut(chat, id)
            .ok_or_else(|| Refusal::bad_request("message to edit not found"))?;
        let message = record.json.as_object_mut().expect("a message is an object");
        let markup = p
            .get("reply_markup")
            .filter(|m| m.get("inline_keyboard").is_some())
            .cloned();
        let mut changed = message.get("reply_markup") != markup.as_ref();
        match method {
            "editMessageText" => {
                if !message.contains_key("text") {
                    return Err(Refusal::bad_request(
                        "there is no text in the message to edit",
                    ));
                }
                let text = shown_text(p, "text");
                changed |= message.get("text").and_then(Value::as_str) != Some(&text);
                message.insert("text".into(), text.into());
            }
            "editMessageCaption" => {
                let caption = p.str("caption").map(str::to_owned);
                changed |= message.get("caption").and_then(Value::as_str) != caption.as_deref();
                match caption {
                    Some(c) => message.insert("caption".into(), c.into()),
                    None => message.remove("caption"),
                };
            }
            _ => {}
        }
        if !changed {
            return Err(Refusal::bad_request(
                "message is not modified: specified new message content and reply markup are \
                 exactly the same as a current content and reply markup of the message",
            ));
        }
        match markup {
            Some(m) => message.insert("reply_markup".into(), m),
            None => message.remove("reply_markup"),
        };
        message.insert("edit_date".into(), now.into());
        let edited = record.json.clone();
        let line = format!(
            "bot edited message {id} in {}: {}",
            self.chat_name(chat),
            summary(&edited)
        );
        self.say(line);
        Ok(edited)
    }

    /// The file a parameter names: an upload, a file id the world knows, or a URL.
    fn file_param(&mut self, value: Option<&Value>, uploads: &[Upload]) -> Result<File, Refusal> {
        let value = value.and_then(Value::as_str).unwrap_or_default();
        if let Some(name) = value.strip_prefix("attach://") {
            let upload = uploads
                .iter()
                .find(|u| u.name == name)
                .ok_or_else(|| Refusal::bad_request(format!("file {name} was not uploaded")))?;
            let (file_id, size) = self.add_file(Some(upload.bytes.clone()));
            return Ok(File {
                file_id,
                size: Some(size),
                file_name: upload.file_name.clone(),
            });
        }
        if let Some(file) = self.files.iter().find(|f| f.file_id == value) {
            return Ok(File {
                file_id: file.file_id.clone(),
                size: file.bytes.as_ref().map(Vec::len),
                file_name: None,
            });
        }
        if value.starts_with("http://") || value.starts_with("https://") {
            let (file_id, _) = self.add_file(None);
            return Ok(File {
                file_id,
                size: None,
                file_name: None,
            });
        }
        Err(Refusal::bad_request(
            "wrong file identifier/HTTP URL specified",
        ))
    }
}

/// A file a message holds.
pub(super) struct File {
    file_id: String,
    size: Option<usize>,
    file_name: Option<String>,
}

/// The message field that holds what `method` sends.
fn media_field(method: &str) -> &'static str {
    match method {
        "sendPhoto" => "photo",
        "sendDocument" => "document",
        "sendVideo" => "video",
        "sendAudio" => "audio",
        "sendVoice" => "voice",
        "sendAnimation" => "animation",
        "sendSticker" => "sticker",
        _ => "video_note",
    }
}

/// The object a message holds for a file sent as `field`.
fn media_value(field: &str, file: &File, p: &Params<'_>) -> Value {
    let mut object = json!({
        "file_id": file.file_id,
        "file_unique_id": unique_id(&file.file_id),
    });
    if let Some(size) = file.size {
        object["file_size"] = size.into();
    }
    let duration = p.i64("duration").unwrap_or(1);
    match field {
        "photo" => {
            object["width"] = p.i64("width").unwrap_or(800).into();
            object["height"] = p.i64("height").unwrap_or(600).into();
            return json!([object]);
        }
        "document" => {
            if let Some(name) = &file.file_name {
                object["file_name"] = name.clone().into();
            }
        }
        "video" | "animation" => {
            object["width"] = p.i64("width").unwrap_or(640).into();
            object["height"] = p.i64("height").unwrap_or(360).into();
            object["duration"] = duration.into();
        }
        "audio" | "voice" => object["duration"] = duration.into(),
        "sticker" => {
            object["type"] = "regular".into();
            object["width"] = 512.into();
            object["height"] = 512.into();
            object["is_animated"] = false.into();
            object["is_video"] = false.into();
        }
        _ => {
            object["length"] = 240.into();
            object["duration"] = duration.into();
        }
    }
    object
}

fn location(p: &Params<'_>) -> Value {
    json!({
        "latitude": p.get("latitude").cloned().unwrap_or(0.into()),
        "longitude": p.get("longitude").cloned().unwrap_or(0.into()),
    })
}

pub(super) fn unique_id(file_id: &str) -> String {
    format!("u-{file_id}")
}

/// The fields of a message that hold a file or a place: what a message is, shown in the
/// transcript.
const MEDIA: [&str; 11] = [
    "photo",
    "document",
    "video",
    "audio",
    "voice",
    "animation",
    "sticker",
    "video_note",
    "location",
    "venue",
    "contact",
];

/// The fields of a message that hold content besides [`MEDIA`] (a message with none of
/// them is a service message, which cannot be copied or forwarded).
const OTHER_CONTENT: [&str; 5] = ["text", "poll", "dice", "game", "story"];

/// What a copy of `message` holds: its content, without who sent it where and when.
fn content_of(message: &Value) -> Map<String, Value> {
    let mut fields = message.as_object().cloned().unwrap_or_default();
    for key in [
        "message_id",
        "from",
        "chat",
        "date",
        "edit_date",
        "reply_to_message",
        "forward_origin",
        "reply_markup",
        "media_group_id",
    ] {
        fields.remove(key);
    }
    fields
}

/// The JSON of a member of a chat with `status`.
pub(super) fn member_json(status: &str, user: Value) -> Value {
    match status {
        "creator" => json!({"status": "creator", "user": user, "is_anonymous": false}),
        "kicked" => json!({"status": "kicked", "user": user, "until_date": 0}),
        "administrator" => json!({
            "status": "administrator",
            "user": user,
            "can_be_edited": false,
            "is_anonymous": false,
            "can_manage_chat": true,
            "can_delete_messages": true,
            "can_manage_video_chats": true,
            "can_restrict_members": true,
            "can_promote_members": false,
            "can_change_info": true,
            "can_invite_users": true,
            "can_post_stories": false,
            "can_edit_stories": false,
            "can_delete_stories": false,
        }),
        other => json!({"status": other, "user": user}),
    }
}

/// A text as a chat shows it: HTML tags gone and entities decoded when the request says
/// `parse_mode: HTML` (other modes are shown as written).
fn shown_text(p: &Params<'_>, name: &str) -> String {
    let text = p.str(name).unwrap_or_default();
    if p.str("parse_mode") != Some("HTML") {
        return text.to_owned();
    }
    let mut shown = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => shown.push(c),
            _ => {}
        }
    }
    shown
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// A message in one line: its text or caption, or what it holds, and its buttons.
pub(super) fn summary(message: &Value) -> String {
    let text = message["text"].as_str().or(message["caption"].as_str());
    let mut line = String::new();
    let held = MEDIA.into_iter().find(|k| message.get(*k).is_some());
    if let Some(kind) = held {
        line.push_str(&format!("[{kind}]"));
        if let Some(name) = message["document"]["file_name"].as_str() {
            line.push_str(&format!(" {name}"));
        }
    }
    if let Some(question) = message["poll"]["question"].as_str() {
        let options: Vec<&str> = message["poll"]["options"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|o| o["text"].as_str())
            .collect();
        line.push_str(&format!("[poll] {question} ({})", options.join(" / ")));
    }
    if let Some(dice) = message.get("dice") {
        line.push_str(&format!(
            "[dice {} = {}]",
            dice["emoji"].as_str().unwrap_or(""),
            dice["value"]
        ));
    }
    if let Some(title) = message["invoice"]["title"].as_str() {
        line.push_str(&format!(
            "[invoice] {title}: {} {}",
            message["invoice"]["total_amount"],
            message["invoice"]["currency"].as_str().unwrap_or_default()
        ));
    }
    if let Some(paid) = message.get("successful_payment") {
        line.push_str(&format!(
            "(paid {} {})",
            paid["total_amount"],
            paid["currency"].as_str().unwrap_or_default()
        ));
    }
    if message.get("new_chat_members").is_some() {
        line.push_str("(joined)");
    }
    if message.get("left_chat_member").is_some() {
        line.push_str("(left)");
    }
    if message.get("pinned_message").is_some() {
        line.push_str("(pinned a message)");
    }
    if line.is_empty() && text.is_none() {
        // Another service message: named by its field.
        let known = [
            "message_id",
            "from",
            "chat",
            "date",
            "edit_date",
            "reply_to_message",
        ];
        if let Some(field) = message
            .as_object()
            .and_then(|m| m.keys().find(|k| !known.contains(&k.as_str())))
        {
            line.push_str(&format!("({field})"));
        }
    }
    if let Some(text) = text {
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(text);
    }
    let buttons: Vec<String> = spec::keyboard_rows(&message["reply_markup"])
        .flatten()
        .filter_map(|b| b["text"].as_str())
        .map(|label| format!("[{label}]"))
        .collect();
    if !buttons.is_empty() {
        line.push_str("  ");
        line.push_str(&buttons.join(" "));
    }
    line
}

/// Typed reads of a request's parameters.
struct Params<'a>(&'a Map<String, Value>);

impl Params<'_> {
    fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    fn str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(Value::as_str)
    }

    fn i64(&self, name: &str) -> Option<i64> {
        self.get(name).and_then(Value::as_i64)
    }

    fn bool(&self, name: &str) -> bool {
        self.get(name).and_then(Value::as_bool).unwrap_or(false)
    }
}

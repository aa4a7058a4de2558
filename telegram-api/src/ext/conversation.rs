//! [`Conversation`]: a handler that is a state machine, kept in the application's store.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::BoxError;
use super::context::Context;
use super::handler::{Callback, Handler, Matched};
use super::jobs::{INTERNAL_PREFIX, JobCallback, JobError};
use super::schedule::Schedule;
use super::store::{DataError, Key};
use crate::{MaybeInaccessibleMessage, UpdateType};

/// What a conversation's handler decides: the conversation's next step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next<S> {
    /// Stays in the current state (an entry handler that stays starts nothing).
    Stay,
    /// Moves to this state (from an entry handler: starts the conversation in it).
    To(S),
    /// Ends the conversation.
    End,
}

/// Whose a conversation is: which updates share one state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Per {
    /// One conversation per chat, whoever writes.
    Chat,
    /// One conversation per user, in whatever chat.
    User,
    /// One conversation per user in each chat (the default).
    #[default]
    ChatUser,
}

/// A handler that is a state machine, like a form filled in over several messages.
///
/// - **Entry** handlers start it: the first that takes an update runs, and the [`Next`] it
///   returns is the first state (or [`Next::Stay`] to start nothing).
/// - In a state, the handlers of that **state** are tried in the order added, then the
///   **fallbacks** (a `/cancel`), then, with [`allow_reentry`](Conversation::allow_reentry), the
///   entry handlers. The first that takes the update runs and decides the next step.
/// - The state is a type of yours (an enum deriving `Serialize`, `Deserialize` and
///   `PartialEq`), kept in the application's [store](super::store) under the conversation's key:
///   one per (chat, user) by default ([`Per`]), and per message with
///   [`per_message`](Conversation::per_message). With a persistent store it survives restarts,
///   and moves exactly once per update (see [`ApplicationBuilder::store`](super::ApplicationBuilder::store)).
/// - With a [`timeout`](Conversation::timeout), a conversation idle for that long ends at its
///   deadline: the [`on_timeout`](Conversation::on_timeout) handler runs, and the state is
///   removed. Each state change (a stay too) schedules the conversation's timeout
///   [job](super::jobs) at the new deadline, replacing the one before, in the same commit as
///   the state; ending the conversation cancels it. So with a persistent store the timeout
///   fires once, also across a restart. The job runs where the application runs its jobs (its
///   runners, its [pool](super::Application::start_pool),
///   [`run_due_jobs`](super::Application::run_due_jobs)), for the chat and user of the update
///   that last moved the conversation: the handler's [`reply`](Context::reply) goes to that
///   chat, and [`Context::job`] tells it from an update's context. A job is not one of the
///   [listed](Context::all_jobs) jobs.
/// - An update of a conversation that reaches it after its deadline, before the job ran (the
///   bot was down), ends it instead, and cancels the job: the handler runs with that update,
///   then the update is routed as for a conversation that has not started. Either way the
///   handler runs once per timeout. A handler that fails is reported and its changes dropped,
///   and the conversation ends when its next update arrives, running the handler again then.
///
/// A stored state that no longer decodes (the type changed) reaches the error handler as a
/// [`DataError`] naming the key and the type; the stored value is left as it is.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use telegram_api::ext::{Context, Conversation, Handler, Next, filters};
///
/// #[derive(Serialize, Deserialize, PartialEq, Clone, Debug)]
/// enum Step {
///     Name,
/// }
///
/// fn start(ctx: &Context) -> Result<Next<Step>, telegram_api::Error> {
///     ctx.reply("What is your name?").call()?;
///     Ok(Next::To(Step::Name))
/// }
///
/// fn name(ctx: &Context) -> Result<Next<Step>, telegram_api::Error> {
///     let name = ctx.effective_message().and_then(|m| m.text.as_deref()).unwrap_or("");
///     ctx.reply(format!("Nice to meet you, {name}!")).call()?;
///     Ok(Next::End)
/// }
///
/// let handler: Handler = Conversation::new("greeting")
///     .entry(Handler::command("start", start))
///     .state(Step::Name, Handler::message(filters::text() & !filters::command(), name))
///     .fallback(Handler::command("cancel", |ctx: &Context| {
///         ctx.reply("Cancelled.").call()?;
///         Ok::<_, telegram_api::Error>(Next::End)
///     }))
///     // Ten minutes without an answer: the conversation ends, saying so.
///     .timeout(std::time::Duration::from_secs(600))
///     .on_timeout(|ctx: &Context| ctx.reply("Never mind, then.").call().map(drop))
///     .into();
/// # let _ = handler;
/// ```
pub struct Conversation<S> {
    name: String,
    entries: Vec<Handler<Next<S>>>,
    states: Vec<(S, Handler<Next<S>>)>,
    fallbacks: Vec<Handler<Next<S>>>,
    per: Per,
    per_message: bool,
    allow_reentry: bool,
    timeout: Option<Duration>,
    on_timeout: Option<Callback<()>>,
}

impl<S> Conversation<S>
where
    S: Serialize + DeserializeOwned + PartialEq + Send + Sync + 'static,
{
    /// A conversation named `name`; the name is part of its stored key, so keep it stable
    /// across versions of the bot.
    pub fn new(name: impl Into<String>) -> Conversation<S> {
        Conversation {
            name: name.into(),
            entries: Vec::new(),
            states: Vec::new(),
            fallbacks: Vec::new(),
            per: Per::default(),
            per_message: false,
            allow_reentry: false,
            timeout: None,
            on_timeout: None,
        }
    }

    /// Adds an entry handler.
    pub fn entry(mut self, handler: Handler<Next<S>>) -> Self {
        self.entries.push(handler);
        self
    }

    /// Adds a handler for the state `state`.
    pub fn state(mut self, state: S, handler: Handler<Next<S>>) -> Self {
        self.states.push((state, handler));
        self
    }

    /// Adds a fallback: tried in every state after that state's handlers.
    pub fn fallback(mut self, handler: Handler<Next<S>>) -> Self {
        self.fallbacks.push(handler);
        self
    }

    /// Whose the conversation is (default [`Per::ChatUser`]).
    pub fn per(mut self, per: Per) -> Self {
        self.per = per;
        self
    }

    /// One conversation per message as well: for conversations driven by the inline buttons
    /// of a message, where each message has its own state. Only callback queries have a
    /// message to be keyed by, so every handler of such a conversation should take callback
    /// queries.
    pub fn per_message(mut self, on: bool) -> Self {
        self.per_message = on;
        self
    }

    /// Whether the entry handlers also take updates while the conversation is in a state
    /// (after the state's handlers and the fallbacks), restarting it (default false).
    pub fn allow_reentry(mut self, on: bool) -> Self {
        self.allow_reentry = on;
        self
    }

    /// Ends a conversation in which nothing happened for `idle`, at its deadline (see the
    /// type's docs).
    pub fn timeout(mut self, idle: Duration) -> Self {
        self.timeout = Some(idle);
        self
    }

    /// Runs `f` when a conversation times out: at its deadline, in a context for the chat and
    /// user of the update that last moved it ([`Context::job`] is set), or with the update
    /// that finds it timed out when that one comes first.
    pub fn on_timeout<F, E>(mut self, f: F) -> Self
    where
        F: Fn(&Context) -> Result<(), E> + Send + Sync + 'static,
        E: Into<BoxError>,
    {
        self.on_timeout = Some(Arc::new(move |ctx: &Context| f(ctx).map_err(Into::into)));
        self
    }

    /// The handler to register with the application.
    pub fn build(self) -> Handler {
        let inner = Arc::new(self);
        let routes: Arc<dyn Routes> = inner.clone();
        Handler::conversation(routes, Arc::new(move |ctx: &Context| inner.run(ctx)))
    }

    /// The key of the conversation `ctx`'s update belongs to.
    fn key(&self, ctx: &Context) -> Option<String> {
        let chat = ctx.effective_chat().map(|c| c.id);
        let user = ctx.effective_user().map(|u| u.id);
        let mut key = match self.per {
            Per::Chat => format!("c{}", chat?),
            Per::User => format!("u{}", user?),
            Per::ChatUser => format!("c{}u{}", chat?, user?),
        };
        if self.per_message {
            let query = ctx.update().callback_query()?;
            match (&query.inline_message_id, query.message.as_deref()) {
                (Some(inline), _) => key.push_str(&format!("i{inline}")),
                (None, Some(MaybeInaccessibleMessage::Message(m))) => {
                    key.push_str(&format!("m{}", m.message_id))
                }
                (None, Some(MaybeInaccessibleMessage::InaccessibleMessage(m))) => {
                    key.push_str(&format!("m{}", m.message_id))
                }
                (None, _) => return None,
            }
        }
        Some(format!("{}:{key}", self.name))
    }

    fn section(&self, section: Section) -> Vec<&Handler<Next<S>>> {
        match section {
            Section::Entry => self.entries.iter().collect(),
            Section::Fallback => self.fallbacks.iter().collect(),
            Section::State => self.states.iter().map(|(_, h)| h).collect(),
        }
    }

    /// Runs what [`Routes::find`] decided.
    fn run(&self, ctx: &Context) -> Result<(), BoxError> {
        let Some(route) = ctx.take_route() else {
            return Ok(());
        };
        let (key, conversation) = (route.key, route.conversation);
        if let Some(error) = route.error {
            return Err(Box::new(error));
        }
        let mut current = route.state;
        if route.expired {
            // Timed out before its timeout job ran: the job is cancelled with the state, so
            // the timeout handler runs here only.
            ctx.remove(&key);
            ctx.cancel_job(&timeout_job_id(&conversation));
            current = None;
            if let Some(on_timeout) = &self.on_timeout {
                on_timeout(ctx)?;
            }
        }
        let Some((section, index)) = route.pick else {
            return Ok(());
        };
        let Some(handler) = self.section(section).get(index).copied() else {
            return Ok(());
        };
        let at = ctx.now().as_millisecond();
        match (handler.callback)(ctx)? {
            // Staying is activity: the timeout starts again.
            Next::Stay => {
                if let Some(state) = current {
                    ctx.set(&key, &record(&key, state, at)?)?;
                    self.schedule_timeout(ctx, &conversation, at)?;
                }
            }
            Next::To(state) => {
                ctx.set(&key, &record(&key, state, at)?)?;
                self.schedule_timeout(ctx, &conversation, at)?;
            }
            Next::End => {
                ctx.remove(&key);
                if self.timeout.is_some() {
                    ctx.cancel_job(&timeout_job_id(&conversation));
                }
            }
        }
        Ok(())
    }

    /// The timeout in milliseconds.
    fn limit(&self) -> Option<i64> {
        self.timeout
            .map(|t| i64::try_from(t.as_millis()).unwrap_or(i64::MAX))
    }

    /// Schedules the job that times out the conversation `conversation` (its key), last
    /// active at `at` (Unix time in milliseconds), or moves it to the new deadline: committed
    /// with the state. Without a timeout, or with a deadline past the end of time, there is
    /// none.
    fn schedule_timeout(&self, ctx: &Context, conversation: &str, at: i64) -> Result<(), BoxError> {
        let Some(limit) = self.limit() else {
            return Ok(());
        };
        let Ok(due) = jiff::Timestamp::from_millisecond(at.saturating_add(limit)) else {
            return Ok(());
        };
        let data = serde_json::json!({ "key": conversation, "at": at });
        let id = timeout_job_id(conversation);
        match ctx.schedule_job_as(
            &id,
            &timeout_job_name(&self.name),
            Schedule::once(due),
            &data,
        ) {
            Ok(()) => Ok(()),
            // Not run by an application that registered it (a context made by hand): the
            // timeout is noticed when the next update arrives.
            Err(JobError::Unregistered(name)) => {
                log::debug!(
                    target: "telegram_api",
                    "no timeout job for conversation {conversation}: {name:?} is not registered"
                );
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The code of the timeout job of a conversation: ends it when it has been idle for the
    /// timeout, running the timeout handler; a conversation active since waits for its new
    /// deadline.
    fn time_out(&self, ctx: &Context) -> Result<(), BoxError> {
        let Some(job) = ctx.job() else {
            return Ok(());
        };
        let data = job.raw_data();
        let (Some(conversation), Some(_)) = (
            data.get("key").and_then(serde_json::Value::as_str),
            data.get("at").and_then(serde_json::Value::as_i64),
        ) else {
            let source = <serde_json::Error as serde::de::Error>::custom(
                "not a conversation timeout {\"key\": ..., \"at\": ...}",
            );
            return Err(Box::new(DataError::decode::<TimeoutData>(
                job.key(),
                data.to_string(),
                source,
            )));
        };
        let conversation = conversation.to_owned();
        let key = Key::conversation(conversation.clone(), "state");
        // Ended since, or a record that is not one (reported when its next update arrives).
        let Some((_, at)) = ctx.get::<serde_json::Value>(&key)?.and_then(parse_record) else {
            return Ok(());
        };
        let Some(limit) = self.limit() else {
            return Ok(());
        };
        if ctx.now().as_millisecond().saturating_sub(at) < limit {
            return self.schedule_timeout(ctx, &conversation, at);
        }
        ctx.remove(&key);
        if let Some(on_timeout) = &self.on_timeout {
            on_timeout(ctx)?;
        }
        Ok(())
    }
}

/// The data of a conversation's timeout job, as its decoding errors name it:
/// `{"key": <the conversation's key>, "at": <when it was last active>}`.
struct TimeoutData;

/// The name of the job that times out the conversations named `name`.
fn timeout_job_name(name: &str) -> String {
    format!("{INTERNAL_PREFIX}conversation/{name}")
}

/// The id of the job that times out the conversation of key `conversation`.
fn timeout_job_id(conversation: &str) -> String {
    format!("{INTERNAL_PREFIX}conversation-timeout/{conversation}")
}

impl<S> From<Conversation<S>> for Handler
where
    S: Serialize + DeserializeOwned + PartialEq + Send + Sync + 'static,
{
    fn from(conversation: Conversation<S>) -> Handler {
        conversation.build()
    }
}

impl<S: fmt::Debug> fmt::Debug for Conversation<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Conversation")
            .field("name", &self.name)
            .field("entries", &self.entries)
            .field("states", &self.states)
            .field("fallbacks", &self.fallbacks)
            .field("per", &self.per)
            .field("per_message", &self.per_message)
            .field("allow_reentry", &self.allow_reentry)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// A conversation's stored record: `{"state": <the state>, "at": <when it was last active,
/// Unix time in milliseconds>}`.
fn record(key: &Key, state: impl Serialize, at: i64) -> Result<serde_json::Value, DataError> {
    let state = serde_json::to_value(state).map_err(|source| DataError::Encode {
        key: key.clone(),
        source,
    })?;
    let mut fields = serde_json::Map::new();
    fields.insert("state".into(), state);
    fields.insert("at".into(), at.into());
    Ok(serde_json::Value::Object(fields))
}

/// The state and time of a stored record, or `None` when it is not one.
fn parse_record(record: serde_json::Value) -> Option<(serde_json::Value, i64)> {
    let serde_json::Value::Object(mut fields) = record else {
        return None;
    };
    let at = fields.get("at")?.as_i64()?;
    Some((fields.remove("state")?, at))
}

/// Which list of a conversation a handler is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Section {
    Entry,
    Fallback,
    /// The handlers of the states (index into all of them).
    State,
}

/// What a conversation decided to do with an update, from its matching to its running.
pub(crate) struct Route {
    /// The key of the conversation's state.
    key: Key,
    /// The key of the conversation (its name and whose it is).
    conversation: String,
    /// The stored state (before a timeout), as JSON.
    state: Option<serde_json::Value>,
    /// The stored state timed out.
    expired: bool,
    /// The handler to run.
    pick: Option<(Section, usize)>,
    /// The stored state does not decode.
    error: Option<DataError>,
}

/// The part of a conversation that matching sees, whatever its state type.
pub(crate) trait Routes: Send + Sync {
    fn name(&self) -> &str;
    fn update_types(&self) -> Option<Vec<UpdateType>>;
    fn find(&self, ctx: &Context, username: &dyn Fn() -> Option<String>) -> Option<Matched>;
    /// The jobs the conversation runs on its own, by name: its timeouts.
    fn jobs(self: Arc<Self>) -> Vec<(String, JobCallback)>;
}

impl<S> Routes for Conversation<S>
where
    S: Serialize + DeserializeOwned + PartialEq + Send + Sync + 'static,
{
    fn name(&self) -> &str {
        &self.name
    }

    fn update_types(&self) -> Option<Vec<UpdateType>> {
        let mut all = Vec::new();
        let handlers = self
            .entries
            .iter()
            .chain(self.fallbacks.iter())
            .chain(self.states.iter().map(|(_, h)| h));
        for handler in handlers {
            for kind in handler.update_types()? {
                if !all.contains(&kind) {
                    all.push(kind);
                }
            }
        }
        Some(all)
    }

    fn jobs(self: Arc<Self>) -> Vec<(String, JobCallback)> {
        let name = timeout_job_name(&self.name);
        let time_out: JobCallback = Arc::new(move |ctx: &Context| self.time_out(ctx));
        vec![(name, time_out)]
    }

    fn find(&self, ctx: &Context, username: &dyn Fn() -> Option<String>) -> Option<Matched> {
        let conversation = self.key(ctx)?;
        let key = Key::conversation(conversation.clone(), "state");
        let broken = |key: Key, error: DataError| Matched {
            route: Some(Route {
                key,
                conversation: conversation.clone(),
                state: None,
                expired: false,
                pick: None,
                error: Some(error),
            }),
            ..Matched::default()
        };
        let stored = match ctx.get::<serde_json::Value>(&key) {
            Ok(stored) => stored,
            Err(error) => return Some(broken(key, error)),
        };
        let (mut current, mut expired) = (None, false);
        if let Some(stored) = stored {
            let text = stored.to_string();
            let Some((state, at)) = parse_record(stored) else {
                let source = <serde_json::Error as serde::de::Error>::custom(
                    "not a conversation record {\"state\": ..., \"at\": ...}",
                );
                return Some(broken(
                    key.clone(),
                    DataError::decode::<S>(key, text, source),
                ));
            };
            let idle = ctx.now().as_millisecond().saturating_sub(at);
            if self.limit().is_some_and(|limit| idle >= limit) {
                expired = true;
            } else {
                // Decoded as `S` here, so that a state that no longer decodes is reported.
                match S::deserialize(&state) {
                    Ok(decoded) => current = Some((decoded, state)),
                    Err(source) => {
                        return Some(broken(
                            key.clone(),
                            DataError::decode::<S>(key, text, source),
                        ));
                    }
                }
            }
        }
        let mut candidates: Vec<(Section, usize, &Handler<Next<S>>)> = Vec::new();
        match &current {
            Some((state, _)) => {
                for (i, (s, h)) in self.states.iter().enumerate() {
                    if s == state {
                        candidates.push((Section::State, i, h));
                    }
                }
                for (i, h) in self.fallbacks.iter().enumerate() {
                    candidates.push((Section::Fallback, i, h));
                }
                if self.allow_reentry {
                    for (i, h) in self.entries.iter().enumerate() {
                        candidates.push((Section::Entry, i, h));
                    }
                }
            }
            None => {
                for (i, h) in self.entries.iter().enumerate() {
                    candidates.push((Section::Entry, i, h));
                }
            }
        }
        let found = candidates
            .into_iter()
            .find_map(|(section, i, h)| Some(((section, i), h.matches(ctx, username)?)));
        let (pick, matched) = match found {
            Some((pick, matched)) => (Some(pick), matched),
            // An expired conversation is ended even when no handler takes the update.
            None if expired => (None, Matched::default()),
            None => return None,
        };
        Some(Matched {
            route: Some(Route {
                key,
                conversation,
                state: current.map(|(_, json)| json),
                expired,
                pick,
                error: None,
            }),
            ..matched
        })
    }
}

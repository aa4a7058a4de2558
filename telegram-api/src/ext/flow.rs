//! [`Flow`]: a conversation written as one straight-line function that asks and waits, kept
//! in the application's store as the answers it got, and replayed from them.

use std::convert::Infallible;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::BoxError;
use super::context::Context;
use super::conversation::{Per, Routes, timeout_data};
use super::filters::Filter;
use super::handler::{Callback, Handler, Matched};
use super::jobs::{INTERNAL_PREFIX, JobCallback, JobError};
use super::schedule::Schedule;
use super::store::{DataError, Key};
use crate::{Message, Update, UpdateType};

/// The function of a flow.
type Body = Arc<dyn Fn(&mut FlowCtx<'_>) -> Result<(), FlowError> + Send + Sync>;

/// A conversation written as one function, from its first question to its end: each
/// [`ask`](FlowCtx::ask) sends a question and returns the answer, as if the function waited
/// for it.
///
/// ```
/// use telegram_api::ext::{Application, filters};
/// use telegram_api::ext::flow::{Flow, FlowCtx, FlowError};
/// # let bot = telegram_api::Bot::new("123:TOKEN");
///
/// fn signup(flow: &mut FlowCtx) -> Result<(), FlowError> {
///     let text = || filters::text() & !filters::command();
///     let name = flow.ask("What is your name?", text())?.text().to_owned();
///     // The function checks the answer itself, and asks again.
///     let age: u32 = loop {
///         let answer = flow.ask("How old are you?", text())?;
///         match answer.text().trim().parse() {
///             Ok(age) => break age,
///             Err(_) => flow.say("Please send a number.")?,
///         };
///     };
///     flow.say(format!("Thanks {name}, {age}."))?;
///     Ok(())
/// }
///
/// let app = Application::builder(bot)
///     .handler(
///         Flow::new("signup", signup)
///             .entry(filters::commands(["signup"]))
///             .cancel_on(filters::commands(["cancel"]))
///             .on_cancel(|ctx| ctx.reply("Cancelled.").call().map(drop))
///             .timeout(std::time::Duration::from_secs(600))
///             .into(),
///     )
///     .build();
/// # drop(app);
/// ```
///
/// # How it waits
///
/// The function does not block a thread while the user thinks. An update that passes the
/// [`entry`](Flow::entry) filter starts the flow: the function runs until it waits for an
/// answer it does not have yet. There [`ask`](FlowCtx::ask) (and [`wait`](FlowCtx::wait),
/// ...) returns [`FlowError::Suspended`], which the function passes on with `?`; the flow is
/// then *in progress*, and its record (the update that started it, and every step so far) is
/// written to the application's [store](super::store) under the flow's key: one per (chat,
/// user) by default ([`per`](Flow::per)).
///
/// When the next update of that key arrives, the function runs again **from the start**, with
/// the recorded steps:
///
/// - an `ask` that was answered returns its recorded answer at once, and does not send its
///   question again;
/// - a [`say`](FlowCtx::say), and any [`run`](FlowCtx::run), that ran before returns the
///   value it returned then, without reaching Telegram again;
/// - the `ask` that was waiting takes the new update as its answer when the update passes its
///   filter, and the function goes on, live: what it sends now reaches Telegram, and is
///   recorded, until it waits again or returns.
///
/// # The rules the function keeps
///
/// Replaying is correct when the function does, given the same answers, the same steps in the
/// same order:
///
/// - **Deterministic given its answers**: what it does depends only on the answers (and the
///   values its steps returned), not on the clock, randomness, the store or anything else
///   read directly. Read those through the flow: [`now`](FlowCtx::now), or
///   [`run`](FlowCtx::run) for anything else (a random number, a value from the store, a
///   request to another service), whose result is recorded and returned again on replay.
/// - **Side effects only through the flow**: send with [`say`](FlowCtx::say),
///   [`ask`](FlowCtx::ask) or [`run`](FlowCtx::run), so that they happen once. Anything done
///   outside them happens again on every replay, so it must be harmless to repeat (a log line).
/// - **[`FlowError::Suspended`] passed on**: with `?` (or by returning it). A function that
///   catches it and goes on would act while it has no answer.
///
/// A replay that meets a step of another kind than the one recorded (an answer where a value
/// was recorded, or the other way) stops with [`FlowError::Diverged`], which reaches the
/// error handler; the record stays as it was, and the flow can still be cancelled or time out.
/// A recorded value that no longer decodes as the type asked for (the type changed) is
/// reported the same way, as a [`DataError`]; so is a record that is not one, which a
/// [`cancel_on`](Flow::cancel_on) update still removes.
///
/// # Exactly once
///
/// The record moves like any state: its change (the new answer and the steps after it) is
/// committed with the record that the update was handled, in one transaction
/// ([`ApplicationBuilder::store`](super::ApplicationBuilder::store)). An update delivered again
/// is not applied twice; with a persistent store a flow survives restarts, and a new process
/// goes on where the old one stopped without sending again what was sent. When the function
/// fails (an error of its own, or a request Telegram refused), the error handler gets the
/// error and the update's changes are dropped: the answer is not recorded, the flow waits
/// where it was, and the requests made before the failure in that attempt are made again by
/// the next one.
///
/// # Answers that do not fit, cancel, timeout
///
/// - A flow in progress takes every update of its key of its
///   [`update_types`](Flow::update_types) (new messages and button presses by default); the
///   other handlers of its group do not see them. Among them, an update that passes a
///   [`cancel_on`](Flow::cancel_on) filter ends the flow (its record removed) and runs
///   [`on_cancel`](Flow::on_cancel); with [`allow_reentry`](Flow::allow_reentry), one that
///   passes the [`entry`](Flow::entry) filter and not the waiting `ask`'s starts it again.
/// - An update the waiting step does not take is not an answer: [`ask`](FlowCtx::ask) sends
///   its question again, [`ask_or`](FlowCtx::ask_or) its own reminder, [`wait`](FlowCtx::wait)
///   nothing; a button press among them is answered (silently), so that its button stops
///   loading. A press that is an answer is the function's to answer
///   (`flow.run(|ctx| ctx.answer_callback().call())`). To check an answer's content (a number), take any text and loop in the
///   function, as in the example above.
/// - The function ends the flow by returning `Ok(())`, or `Err(`[`FlowError::Cancelled`]`)`
///   from deep inside helper functions, which runs [`on_cancel`](Flow::on_cancel) too.
/// - With a [`timeout`](Flow::timeout), a flow idle for that long ends at its deadline:
///   [`on_timeout`](Flow::on_timeout) runs for the chat and user of the flow, and the record is
///   removed. Each update the flow takes moves the deadline; the library's timeout job is
///   scheduled in the same commit as the record, as for a
///   [`Conversation`](super::Conversation), so it fires once, across restarts too. An update
///   that finds the flow past its deadline before the job ran ends it the same way first.
pub struct Flow {
    name: String,
    body: Body,
    entry: Option<Filter>,
    cancel: Option<Filter>,
    on_cancel: Option<Callback<()>>,
    per: Per,
    per_topic: bool,
    allow_reentry: bool,
    timeout: Option<Duration>,
    on_timeout: Option<Callback<()>>,
    update_types: Vec<UpdateType>,
}

impl Flow {
    /// A flow named `name` running `body`. The name is part of its stored key: keep it stable
    /// across versions of the bot. It starts nothing until given an [`entry`](Flow::entry).
    pub fn new<F>(name: impl Into<String>, body: F) -> Flow
    where
        F: Fn(&mut FlowCtx<'_>) -> Result<(), FlowError> + Send + Sync + 'static,
    {
        Flow {
            name: name.into(),
            body: Arc::new(body),
            entry: None,
            cancel: None,
            on_cancel: None,
            per: Per::default(),
            per_topic: false,
            allow_reentry: false,
            timeout: None,
            on_timeout: None,
            update_types: vec![UpdateType::Message, UpdateType::CallbackQuery],
        }
    }

    /// The updates that start the flow: those that pass `filter` (`filters::commands(["signup"])`).
    /// Given more than once, any of them.
    #[must_use]
    pub fn entry(mut self, filter: Filter) -> Flow {
        self.entry = Some(match self.entry.take() {
            Some(old) => old | filter,
            None => filter,
        });
        self
    }

    /// The updates that cancel a flow in progress (`filters::commands(["cancel"])`): its record
    /// is removed and [`on_cancel`](Flow::on_cancel) runs. Given more than once, any of them.
    #[must_use]
    pub fn cancel_on(mut self, filter: Filter) -> Flow {
        self.cancel = Some(match self.cancel.take() {
            Some(old) => old | filter,
            None => filter,
        });
        self
    }

    /// Runs `f` when the flow is cancelled: by an update that passes
    /// [`cancel_on`](Flow::cancel_on), in its context, or by the function returning
    /// [`FlowError::Cancelled`].
    #[must_use]
    pub fn on_cancel<F, E>(mut self, f: F) -> Flow
    where
        F: Fn(&Context) -> Result<(), E> + Send + Sync + 'static,
        E: Into<BoxError>,
    {
        self.on_cancel = Some(Arc::new(move |ctx: &Context| f(ctx).map_err(Into::into)));
        self
    }

    /// Whose the flow is (default [`Per::ChatUser`]).
    #[must_use]
    pub fn per(mut self, per: Per) -> Flow {
        self.per = per;
        self
    }

    /// Whether each forum topic has its own flows (default false): on top of [`per`](Flow::per),
    /// the key of a flow started in a topic names the topic, so that the same user can be in
    /// one flow per topic, and the messages of other topics are not its answers.
    #[must_use]
    pub fn per_topic(mut self, on: bool) -> Flow {
        self.per_topic = on;
        self
    }

    /// Whether the [`entry`](Flow::entry) filter also starts the flow again while it is in
    /// progress, when the waiting step does not take the update (default false).
    #[must_use]
    pub fn allow_reentry(mut self, on: bool) -> Flow {
        self.allow_reentry = on;
        self
    }

    /// Ends a flow in which nothing happened for `idle`, at its deadline (see the type's docs).
    #[must_use]
    pub fn timeout(mut self, idle: Duration) -> Flow {
        self.timeout = Some(idle);
        self
    }

    /// Runs `f` when a flow times out: at its deadline, in a context for the chat and user of
    /// the flow ([`Context::job`] is set), or with the update that finds it timed out when that
    /// one comes first.
    #[must_use]
    pub fn on_timeout<F, E>(mut self, f: F) -> Flow
    where
        F: Fn(&Context) -> Result<(), E> + Send + Sync + 'static,
        E: Into<BoxError>,
    {
        self.on_timeout = Some(Arc::new(move |ctx: &Context| f(ctx).map_err(Into::into)));
        self
    }

    /// The types of update the flow takes, to start and to answer (default new messages and
    /// callback queries); the application asks Telegram for them.
    #[must_use]
    pub fn update_types(mut self, types: impl IntoIterator<Item = UpdateType>) -> Flow {
        self.update_types = types.into_iter().collect();
        self
    }

    /// The handler to register with the application.
    #[must_use]
    pub fn build(self) -> Handler {
        let inner = Arc::new(self);
        let routes: Arc<dyn Routes> = inner.clone();
        Handler::conversation(routes, Arc::new(move |ctx: &Context, _| inner.handle(ctx)))
    }

    /// The key of the flow `ctx`'s update belongs to.
    fn key(&self, ctx: &Context) -> Option<String> {
        let key = self.per.key(ctx, self.per_topic)?;
        Some(format!("{}:{key}", self.name))
    }

    /// Whether `update` starts the flow.
    fn enters(&self, update: &Update) -> bool {
        self.entry.as_ref().is_some_and(|f| f.matches(update))
    }

    /// The timeout in milliseconds.
    fn limit(&self) -> Option<i64> {
        self.timeout
            .map(|t| i64::try_from(t.as_millis()).unwrap_or(i64::MAX))
    }

    /// Whether a flow last active at `at` has timed out at `now`.
    fn expired(&self, at: i64, now: i64) -> bool {
        self.limit()
            .is_some_and(|limit| now.saturating_sub(at) >= limit)
    }

    /// The stored record of the flow at `key`, if any.
    fn read(&self, ctx: &Context, key: &Key) -> Result<Option<Record>, DataError> {
        let Some(stored) = ctx.get::<Value>(key)? else {
            return Ok(None);
        };
        let text = stored.to_string();
        Record::parse(stored)
            .map(Some)
            .map_err(|source| DataError::decode::<Record>(key.clone(), text, source))
    }

    /// Handles an update the flow took.
    fn handle(&self, ctx: &Context) -> Result<(), BoxError> {
        let Some(conversation) = self.key(ctx) else {
            return Ok(());
        };
        let key = Key::conversation(conversation.clone(), "flow");
        let now = ctx.now().as_millisecond();
        let Some(update) = ctx.update() else {
            return Ok(());
        };
        let mut record = match self.read(ctx, &key) {
            Ok(record) => record,
            // A record that no longer decodes (written by another version of the bot) can still
            // be cancelled; otherwise it is reported, and left as it is.
            Err(DataError::Decode(_))
                if self.cancel.as_ref().is_some_and(|f| f.matches(update)) =>
            {
                return self.cancel(ctx, &key, &conversation);
            }
            Err(e) => return Err(e.into()),
        };
        if record.as_ref().is_some_and(|r| self.expired(r.at, now)) {
            // Timed out before its job ran: the job is cancelled with the record, so the
            // timeout handler runs here only.
            self.end(ctx, &key, &conversation);
            record = None;
            if let Some(on_timeout) = &self.on_timeout {
                on_timeout(ctx)?;
            }
        }
        match record {
            Some(record) => {
                if self.cancel.as_ref().is_some_and(|f| f.matches(update)) {
                    return self.cancel(ctx, &key, &conversation);
                }
                let played =
                    self.play(ctx, &key, record.entry.clone(), record.log, Some(update))?;
                match played {
                    Played::Finished => self.end(ctx, &key, &conversation),
                    Played::Cancelled => return self.cancel(ctx, &key, &conversation),
                    Played::Waiting {
                        log, taken: true, ..
                    } => {
                        self.save(ctx, &key, &conversation, &record.entry, &log, now)?;
                    }
                    Played::Waiting {
                        log,
                        taken: false,
                        reminder,
                    } => {
                        if self.allow_reentry && self.enters(update) {
                            return self.start(ctx, &key, &conversation, now);
                        }
                        // A press that is no answer is answered all the same, so that its
                        // button stops loading.
                        if update.callback_query().is_some() {
                            ctx.answer_callback().call()?;
                        }
                        if let Some(text) = reminder {
                            ctx.reply(text).call()?;
                        }
                        // Taken all the same: activity, for the timeout.
                        self.save(ctx, &key, &conversation, &record.entry, &log, now)?;
                    }
                }
                Ok(())
            }
            None if self.enters(update) => self.start(ctx, &key, &conversation, now),
            None => Ok(()),
        }
    }

    /// Starts the flow with the update of `ctx` (again, if it was in progress).
    fn start(
        &self,
        ctx: &Context,
        key: &Key,
        conversation: &str,
        now: i64,
    ) -> Result<(), BoxError> {
        let Some(entry) = ctx.update().cloned() else {
            return Ok(());
        };
        match self.play(ctx, key, entry.clone(), Vec::new(), None)? {
            Played::Finished => self.end(ctx, key, conversation),
            Played::Cancelled => return self.cancel(ctx, key, conversation),
            Played::Waiting { log, .. } => self.save(ctx, key, conversation, &entry, &log, now)?,
        }
        Ok(())
    }

    /// Runs the function with the recorded `log`, `incoming` the update offered to the step
    /// that waits.
    fn play(
        &self,
        ctx: &Context,
        key: &Key,
        entry: Update,
        log: Vec<Step>,
        incoming: Option<&Update>,
    ) -> Result<Played, BoxError> {
        let mut flow = FlowCtx {
            ctx,
            key,
            entry: Answer { update: entry },
            log,
            cursor: 0,
            incoming,
            taken: false,
            reminder: None,
        };
        match (self.body)(&mut flow) {
            Ok(()) => Ok(Played::Finished),
            Err(FlowError::Cancelled) => Ok(Played::Cancelled),
            Err(FlowError::Suspended) => Ok(Played::Waiting {
                taken: flow.taken,
                reminder: flow.reminder,
                log: flow.log,
            }),
            Err(FlowError::Diverged { step }) => Err(Box::new(Diverged {
                flow: key.clone(),
                step,
            })),
            Err(FlowError::Failed(e)) => Err(e),
        }
    }

    /// Writes the record of a flow in progress, and moves its timeout.
    fn save(
        &self,
        ctx: &Context,
        key: &Key,
        conversation: &str,
        entry: &Update,
        log: &[Step],
        at: i64,
    ) -> Result<(), BoxError> {
        let record = Record::encode(entry, log, at).map_err(|source| DataError::Encode {
            key: key.clone(),
            source,
        })?;
        ctx.set(key, &record)?;
        self.schedule_timeout(ctx, conversation, at)
    }

    /// Ends the flow: its record removed, its timeout cancelled.
    fn end(&self, ctx: &Context, key: &Key, conversation: &str) {
        ctx.remove(key);
        if self.timeout.is_some() {
            ctx.unschedule(&timeout_job_id(conversation));
        }
    }

    /// Ends the flow and runs the cancel handler.
    fn cancel(&self, ctx: &Context, key: &Key, conversation: &str) -> Result<(), BoxError> {
        self.end(ctx, key, conversation);
        if let Some(on_cancel) = &self.on_cancel {
            on_cancel(ctx)?;
        }
        Ok(())
    }

    /// Schedules the job that times out the flow `conversation` (its key), last active at
    /// `at`, or moves it to the new deadline: committed with the record.
    fn schedule_timeout(&self, ctx: &Context, conversation: &str, at: i64) -> Result<(), BoxError> {
        let Some(limit) = self.limit() else {
            return Ok(());
        };
        let Ok(due) = jiff::Timestamp::from_millisecond(at.saturating_add(limit)) else {
            return Ok(());
        };
        let data = timeout_data(ctx, conversation, at);
        match ctx.schedule_job_as(
            &timeout_job_id(conversation),
            &timeout_job_name(&self.name),
            Schedule::once(due),
            &data,
        ) {
            Ok(()) => Ok(()),
            // Not run by an application that registered it (a context made by hand): the
            // timeout is noticed when the next update arrives.
            Err(JobError::Unregistered(_)) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// The code of the timeout job of a flow: ends it when it has been idle for the timeout,
    /// running the timeout handler; a flow active since waits for its new deadline.
    fn time_out(&self, ctx: &Context) -> Result<(), BoxError> {
        let Some(job) = ctx.job() else {
            return Ok(());
        };
        let Some(conversation) = job.raw_data().get("key").and_then(Value::as_str) else {
            let source = <serde_json::Error as serde::de::Error>::custom(
                "not a flow timeout {\"key\": ..., \"at\": ...}",
            );
            return Err(Box::new(DataError::decode::<Record>(
                job.key(),
                job.raw_data().to_string(),
                source,
            )));
        };
        let conversation = conversation.to_owned();
        // Replies of the timeout handler go to the forum topic the flow was last active in.
        ctx.topic
            .set(job.raw_data().get("topic").and_then(Value::as_i64));
        let key = Key::conversation(conversation.clone(), "flow");
        // Ended since, or a record that is not one (reported when its next update arrives).
        let Ok(Some(record)) = self.read(ctx, &key) else {
            return Ok(());
        };
        let now = ctx.now().as_millisecond();
        if !self.expired(record.at, now) {
            return self.schedule_timeout(ctx, &conversation, record.at);
        }
        ctx.remove(&key);
        if let Some(on_timeout) = &self.on_timeout {
            on_timeout(ctx)?;
        }
        Ok(())
    }
}

impl From<Flow> for Handler {
    fn from(flow: Flow) -> Handler {
        flow.build()
    }
}

impl fmt::Debug for Flow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Flow")
            .field("name", &self.name)
            .field("entry", &self.entry)
            .field("cancel_on", &self.cancel)
            .field("per", &self.per)
            .field("per_topic", &self.per_topic)
            .field("allow_reentry", &self.allow_reentry)
            .field("timeout", &self.timeout)
            .field("update_types", &self.update_types)
            .finish_non_exhaustive()
    }
}

impl Routes for Flow {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> &'static str {
        "flow"
    }

    fn update_types(&self) -> Option<Vec<UpdateType>> {
        Some(self.update_types.clone())
    }

    fn find(&self, ctx: &Context, _username: &dyn Fn() -> Option<String>) -> Option<Matched> {
        let update = ctx.update()?;
        let kind = update.kind.update_type()?;
        if !self.update_types.contains(&kind) {
            return None;
        }
        let conversation = self.key(ctx)?;
        match ctx.get::<Value>(&Key::conversation(conversation, "flow")) {
            // In progress (or a record the handler reports as broken, or a store error that
            // voids the attempt anyway): the flow takes the update.
            Ok(Some(_)) | Err(_) => Some(Matched::default()),
            Ok(None) => self.enters(update).then(Matched::default),
        }
    }

    fn jobs(self: Arc<Self>) -> Vec<(String, JobCallback)> {
        let name = timeout_job_name(&self.name);
        let time_out: JobCallback = Arc::new(move |ctx: &Context| self.time_out(ctx));
        vec![(name, time_out)]
    }
}

/// The name of the job that times out the flows named `name`.
fn timeout_job_name(name: &str) -> String {
    format!("{INTERNAL_PREFIX}flow/{name}")
}

/// The id of the job that times out the flow of key `conversation`.
fn timeout_job_id(conversation: &str) -> String {
    format!("{INTERNAL_PREFIX}flow-timeout/{conversation}")
}

/// What a run of the function came to.
enum Played {
    /// It returned `Ok`.
    Finished,
    /// It returned [`FlowError::Cancelled`].
    Cancelled,
    /// It waits for an answer.
    Waiting {
        /// The steps, the new ones included.
        log: Vec<Step>,
        /// Whether the update offered was taken as an answer.
        taken: bool,
        /// What the waiting step sends for an update it does not take.
        reminder: Option<String>,
    },
}

/// A recorded step of a flow.
enum Step {
    /// An update taken as an answer.
    Answer(Update),
    /// What a [`FlowCtx::run`] returned.
    Value(Value),
}

/// A flow's stored record: `{"entry": <update>, "log": [{"answer": <update>} or {"value":
/// <json>}, ...], "at": <when it was last active, Unix time in milliseconds>}`.
struct Record {
    entry: Update,
    log: Vec<Step>,
    at: i64,
}

impl Record {
    fn encode(entry: &Update, log: &[Step], at: i64) -> Result<Value, serde_json::Error> {
        let mut steps = Vec::with_capacity(log.len());
        for step in log {
            steps.push(match step {
                Step::Answer(update) => serde_json::json!({ "answer": update }),
                Step::Value(value) => serde_json::json!({ "value": value }),
            });
        }
        Ok(serde_json::json!({
            "entry": serde_json::to_value(entry)?,
            "log": steps,
            "at": at,
        }))
    }

    fn parse(stored: Value) -> Result<Record, serde_json::Error> {
        let invalid = || {
            <serde_json::Error as serde::de::Error>::custom(
                "not a flow record {\"entry\": ..., \"log\": [...], \"at\": ...}",
            )
        };
        let Value::Object(mut fields) = stored else {
            return Err(invalid());
        };
        let at = fields
            .get("at")
            .and_then(Value::as_i64)
            .ok_or_else(invalid)?;
        let entry: Update = crate::json::from_value(&fields.remove("entry").ok_or_else(invalid)?)?;
        let Some(Value::Array(steps)) = fields.remove("log") else {
            return Err(invalid());
        };
        let mut log = Vec::with_capacity(steps.len());
        for step in steps {
            let Value::Object(mut step) = step else {
                return Err(invalid());
            };
            log.push(if let Some(update) = step.remove("answer") {
                Step::Answer(crate::json::from_value(&update)?)
            } else {
                Step::Value(step.remove("value").ok_or_else(invalid)?)
            });
        }
        Ok(Record { entry, log, at })
    }
}

/// What the function of a [`Flow`] gets: asks, waits, and acts through it, so that a replay
/// neither waits nor acts again (see [`Flow`]).
pub struct FlowCtx<'a> {
    ctx: &'a Context,
    key: &'a Key,
    entry: Answer,
    log: Vec<Step>,
    /// How many recorded steps this run went past.
    cursor: usize,
    /// The update offered to the step that waits (`None` when the flow starts with it).
    incoming: Option<&'a Update>,
    /// Whether `incoming` was taken as an answer.
    taken: bool,
    /// What the waiting step sends for an update it does not take.
    reminder: Option<String>,
}

/// Which updates a waiting step takes.
enum Takes {
    /// New messages (`message` updates) that pass the filter.
    Messages(Filter),
    /// Any update that passes the filter.
    Updates(Filter),
}

impl Takes {
    fn matches(&self, update: &Update) -> bool {
        match self {
            Takes::Messages(filter) => update.message().is_some() && filter.matches(update),
            Takes::Updates(filter) => filter.matches(update),
        }
    }
}

impl FlowCtx<'_> {
    /// Sends `question` to the chat, and waits for a new message that passes `filter`: its
    /// answer. A message (or button press) that does not pass is not one, and gets the
    /// question again. On a replay, an answered `ask` returns its answer at once, without
    /// sending anything.
    ///
    /// # Errors
    ///
    /// [`FlowError::Suspended`] while it has no answer (pass it on with `?`);
    /// [`FlowError::Failed`] when Telegram refuses the question.
    pub fn ask(
        &mut self,
        question: impl Into<String>,
        filter: Filter,
    ) -> Result<Answer, FlowError> {
        let question = question.into();
        self.say(question.clone())?;
        self.wait_step(Takes::Messages(filter), Some(question))
    }

    /// Like [`ask`](FlowCtx::ask), but an update that does not pass `filter` gets `otherwise`
    /// (`"Please send a photo."`) instead of the question again.
    ///
    /// # Errors
    ///
    /// As [`ask`](FlowCtx::ask).
    pub fn ask_or(
        &mut self,
        question: impl Into<String>,
        filter: Filter,
        otherwise: impl Into<String>,
    ) -> Result<Answer, FlowError> {
        self.say(question)?;
        self.wait_step(Takes::Messages(filter), Some(otherwise.into()))
    }

    /// Waits for a new message that passes `filter`, sending nothing (after a question sent
    /// with [`run`](FlowCtx::run), with buttons say). Other updates are taken and ignored.
    ///
    /// # Errors
    ///
    /// [`FlowError::Suspended`] while it has no answer (pass it on with `?`).
    pub fn wait(&mut self, filter: Filter) -> Result<Answer, FlowError> {
        self.wait_step(Takes::Messages(filter), None)
    }

    /// Waits for any update of the flow (of its [`update_types`](Flow::update_types)) that
    /// passes `filter`: a button press, say, with
    /// `filters::update_kind(UpdateType::CallbackQuery)`. Other updates are taken and ignored.
    ///
    /// # Errors
    ///
    /// [`FlowError::Suspended`] while it has no answer (pass it on with `?`).
    pub fn wait_update(&mut self, filter: Filter) -> Result<Answer, FlowError> {
        self.wait_step(Takes::Updates(filter), None)
    }

    /// Sends `text` to the chat, once: on a replay, returns the message it sent then.
    ///
    /// # Errors
    ///
    /// [`FlowError::Failed`] when Telegram refuses it.
    pub fn say(&mut self, text: impl Into<String>) -> Result<Message, FlowError> {
        let text = text.into();
        self.run(|ctx| ctx.reply(text).call())
    }

    /// Runs `f` once: the first time the function gets here, `f` runs with the context of the
    /// update being handled, and what it returns is recorded; on a replay, `f` does not run,
    /// and the recorded value is returned. For requests with options
    /// (`flow.run(|ctx| ctx.reply("Sure?").reply_markup(buttons).call())`), answering a button
    /// press, reading or writing the store, and anything not deterministic (a random number).
    ///
    /// # Errors
    ///
    /// [`FlowError::Failed`] with `f`'s error, or when the value does not encode as JSON or a
    /// recorded one does not decode as a `T`; [`FlowError::Diverged`] when the record has an
    /// answer here.
    pub fn run<T, E, F>(&mut self, f: F) -> Result<T, FlowError>
    where
        T: Serialize + DeserializeOwned,
        E: Into<BoxError>,
        F: FnOnce(&Context) -> Result<T, E>,
    {
        if let Some(step) = self.log.get(self.cursor) {
            let Step::Value(value) = step else {
                return Err(FlowError::Diverged { step: self.cursor });
            };
            self.cursor += 1;
            return T::deserialize(value).map_err(|source| {
                FlowError::Failed(Box::new(DataError::decode::<T>(
                    self.key.clone(),
                    value.to_string(),
                    source,
                )))
            });
        }
        if self.incoming.is_some() && !self.taken {
            // Past the point the record reaches without the new update: the function acts
            // before it waits (it caught `Suspended`, or does not replay as it ran).
            return Err(FlowError::Diverged { step: self.cursor });
        }
        let result = f(self.ctx).map_err(|e| FlowError::Failed(e.into()))?;
        let value = serde_json::to_value(&result).map_err(|source| {
            FlowError::Failed(Box::new(DataError::Encode {
                key: self.key.clone(),
                source,
            }))
        })?;
        self.log.push(Step::Value(value));
        self.cursor += 1;
        Ok(result)
    }

    /// The time, once: the application's clock the first time the function gets here, the
    /// same time on a replay.
    ///
    /// # Errors
    ///
    /// As [`run`](FlowCtx::run).
    pub fn now(&mut self) -> Result<jiff::Timestamp, FlowError> {
        let millis = self.run(|ctx| Ok::<_, Infallible>(ctx.now().as_millisecond()))?;
        jiff::Timestamp::from_millisecond(millis).map_err(|e| FlowError::Failed(Box::new(e)))
    }

    /// The update that started the flow (the `/signup` command, with its arguments).
    pub fn entry(&self) -> &Answer {
        &self.entry
    }

    /// Whether the function is replaying recorded steps (what it does next was done before),
    /// rather than acting live.
    pub fn is_replaying(&self) -> bool {
        self.cursor < self.log.len()
    }

    /// A step that waits for an answer `takes` takes; `reminder` is sent for an update it does
    /// not take.
    fn wait_step(&mut self, takes: Takes, reminder: Option<String>) -> Result<Answer, FlowError> {
        if let Some(step) = self.log.get(self.cursor) {
            let Step::Answer(update) = step else {
                return Err(FlowError::Diverged { step: self.cursor });
            };
            self.cursor += 1;
            return Ok(Answer {
                update: update.clone(),
            });
        }
        match self.incoming {
            Some(update) if !self.taken && takes.matches(update) => {
                self.taken = true;
                self.log.push(Step::Answer(update.clone()));
                self.cursor += 1;
                Ok(Answer {
                    update: update.clone(),
                })
            }
            Some(_) if !self.taken => {
                self.reminder = reminder;
                Err(FlowError::Suspended)
            }
            _ => Err(FlowError::Suspended),
        }
    }
}

impl fmt::Debug for FlowCtx<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlowCtx")
            .field("key", &self.key)
            .field("steps", &self.log.len())
            .field("cursor", &self.cursor)
            .finish_non_exhaustive()
    }
}

/// An update a flow took: the answer to an [`ask`](FlowCtx::ask) or a wait, or the update that
/// started it.
#[derive(Clone, Debug)]
pub struct Answer {
    update: Update,
}

impl Answer {
    /// The update.
    pub fn update(&self) -> &Update {
        &self.update
    }

    /// The update, owned.
    pub fn into_update(self) -> Update {
        self.update
    }

    /// The new message, when the update is one.
    pub fn message(&self) -> Option<&Message> {
        self.update.message()
    }

    /// The text of the new message; empty when it has none (a photo, a button press).
    pub fn text(&self) -> &str {
        self.message()
            .and_then(|m| m.text.as_deref())
            .unwrap_or_default()
    }

    /// The data of the button pressed, when the update is a callback query that has some.
    pub fn callback_data(&self) -> Option<&str> {
        self.update.callback_query()?.data.as_deref()
    }
}

/// How the function of a [`Flow`] stops short of its end. The operator `?` turns any error
/// (this crate's, `std::io::Error`, a string, ...) into [`FlowError::Failed`].
#[non_exhaustive]
pub enum FlowError {
    /// The flow waits for an answer it does not have yet. Not a failure: returned by the step
    /// that waits ([`FlowCtx::ask`], ...), for the function to pass on with `?`; the flow
    /// goes on from there with the next update. Only the flow makes it.
    #[non_exhaustive]
    Suspended,
    /// The function ends the flow as cancelled: its record is removed and
    /// [`on_cancel`](Flow::on_cancel) runs (returning `Ok(())` ends it without that).
    Cancelled,
    /// A replay met a step of another kind than the one recorded at this place (counted from
    /// 0): the function does not do the same given the same answers. Reported to the error
    /// handler; the record stays as it was.
    Diverged {
        /// The place of the step in the record.
        step: usize,
    },
    /// The function failed: reported to the error handler, the update's changes dropped.
    Failed(BoxError),
}

impl<E: Into<BoxError>> From<E> for FlowError {
    fn from(error: E) -> FlowError {
        FlowError::Failed(error.into())
    }
}

impl fmt::Debug for FlowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FlowError::Suspended => f.write_str("Suspended"),
            FlowError::Cancelled => f.write_str("Cancelled"),
            FlowError::Diverged { step } => f.debug_struct("Diverged").field("step", step).finish(),
            FlowError::Failed(e) => f.debug_tuple("Failed").field(e).finish(),
        }
    }
}

impl fmt::Display for FlowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FlowError::Suspended => f.write_str("the flow waits for an answer"),
            FlowError::Cancelled => f.write_str("the flow was cancelled"),
            FlowError::Diverged { step } => {
                write!(f, "the flow did not replay as it ran, at step {step}")
            }
            FlowError::Failed(e) => e.fmt(f),
        }
    }
}

/// The error a flow whose replay diverged reports.
#[derive(Debug)]
struct Diverged {
    flow: Key,
    step: usize,
}

impl fmt::Display for Diverged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the flow {} did not replay as it ran: step {} is not the one recorded",
            self.flow, self.step
        )
    }
}

impl std::error::Error for Diverged {}

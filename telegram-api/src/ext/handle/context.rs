//! [`Context`]: what a handler gets: the bot, the update, and replies that need no ids.

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

use jiff::Timestamp;
use serde::Serialize;
use serde::de::DeserializeOwned;

use regex::Regex;

use crate::clock::Clock;
use crate::ext::Command;
use crate::ext::jobs::{self, Job, JobError, JobHost, Jobs, Late, job_key};
use crate::ext::schedule::Schedule;
use crate::ext::shortcuts::reply_with;
use crate::ext::store::{
    self, Change, DataError, Key, MemoryStore, Pending, Scope, Store, StoreError,
};
#[allow(unused_imports)]
use crate::methods::{
    AnswerCallbackQuery, AnswerInlineQuery, AnswerPreCheckoutQuery, AnswerShippingQuery,
    EditMessageReplyMarkup, EditMessageText, SendMessage,
};
use crate::{
    Bot, Call, Chat, InlineKeyboardMarkup, InlineQueryResult, MaybeInaccessibleMessage, Message,
    Update, User,
};

/// The capture groups of a handler's pattern: on the callback data
/// ([`Handler::callback_data`](crate::ext::Handler::callback_data)), an inline query's text
/// ([`Handler::inline_query_pattern`](crate::ext::Handler::inline_query_pattern)) or an invoice
/// payload ([`Handler::pre_checkout_payload`](crate::ext::Handler::pre_checkout_payload),
/// [`Handler::shipping_payload`](crate::ext::Handler::shipping_payload)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Captures {
    groups: Vec<Option<String>>,
    names: Vec<(String, usize)>,
}

impl Captures {
    pub(crate) fn new(re: &Regex, caps: &regex::Captures<'_>) -> Captures {
        Captures {
            groups: caps
                .iter()
                .map(|m| m.map(|m| m.as_str().to_string()))
                .collect(),
            names: re
                .capture_names()
                .enumerate()
                .filter_map(|(i, n)| Some((n?.to_string(), i)))
                .collect(),
        }
    }

    /// Group `i` (0 is the whole match), when it took part in the match.
    pub fn get(&self, i: usize) -> Option<&str> {
        self.groups.get(i)?.as_deref()
    }

    /// The group named `name` (`(?P<name>...)`), when it took part in the match.
    pub fn name(&self, name: &str) -> Option<&str> {
        let (_, i) = self.names.iter().find(|(n, _)| n == name)?;
        self.get(*i)
    }

    /// How many groups the pattern has, counting the whole match.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// Whether there are no groups (never the case after a match).
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

/// What a [`Context`] serves ([`Context::serving`]).
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum Serving<'a> {
    /// An update, which the middlewares and handlers handle.
    Update(&'a Update),
    /// A run of a scheduled job ([`ApplicationBuilder::job`](crate::ext::ApplicationBuilder::job)).
    Job(&'a Job),
    /// The application's own work, for no update and no job: receiving updates, writing them
    /// to the store's inbox, loading the jobs, or reading an item of a `getUpdates` batch that
    /// is not an update. Only the error handler gets such a context, and the
    /// [`HandlerError`](crate::ext::HandlerError) it gets says what failed.
    Application,
}

/// What a context is for, and holds.
enum Subject {
    Update(Update),
    Job(Job),
    Application(Work),
}

/// The application's own work that a context for no update and no job is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Work {
    /// Writing received updates to the store's inbox.
    Inbox,
    /// Asking Telegram for updates (`getUpdates`).
    Receiving,
    /// Loading the scheduled jobs.
    Jobs,
    /// An item of a `getUpdates` batch that is not an update, skipped.
    Skipped,
}

impl Work {
    fn name(self) -> &'static str {
        match self {
            Work::Inbox => "writing the inbox",
            Work::Receiving => "receiving updates",
            Work::Jobs => "loading the jobs",
            Work::Skipped => "reading an update",
        }
    }
}

/// What a handler gets: the bot, the update, what its handler matched, and shortcuts that
/// reply without ids.
///
/// ```no_run
/// use telegram_api::ext::Context;
/// fn greet(ctx: &Context) -> Result<(), telegram_api::Error> {
///     let name = ctx.effective_user().map_or("there", |u| u.first_name.as_str());
///     ctx.reply(format!("Hi {name}!")).call()?;
///     Ok(())
/// }
/// ```
///
/// A job's code gets a context too, for its run: it has no update
/// ([`update`](Context::update) is `None`, [`job`](Context::job) is the job), and the chat and
/// user it replies to and keeps data of are the job's. The error handler gets the context of
/// what failed: an update's, a job's, or one for the application's own work
/// ([`serving`](Context::serving) tells which).
///
/// The shortcuts ([`reply`](Context::reply), [`reply_photo`](Context::reply_photo) and the
/// other kinds of content, [`answer_callback`](Context::answer_callback),
/// [`edit_text`](Context::edit_text), [`delete_message`](Context::delete_message), ...)
/// return the request unsent, so any optional parameter can still be set on it before
/// `.call()`. Used on an update that has no target for them (a reply to a poll update), the
/// call fails with [`Error::NotForThisUpdate`](crate::Error::NotForThisUpdate) and sends
/// nothing. Replies quote the message they answer in groups, by default
/// ([`Quote`](crate::Quote)); [`with_chat_action`](Context::with_chat_action) shows
/// "typing..." (or another action) while slow work runs.
///
/// State: [`get`](Context::get), [`set`](Context::set) and [`remove`](Context::remove) read
/// and change values of the application's [store](crate::ext::store) as any serde type, and
/// [`user_data`](Context::user_data), [`chat_data`](Context::chat_data) and
/// [`bot_data`](Context::bot_data) do so for the update's user, its chat, or the whole bot;
/// [`user_data_names`](Context::user_data_names), [`remove_user_data`](Context::remove_user_data)
/// and [`clear_user_data`](Context::clear_user_data) (and their `chat` and `bot` twins) list,
/// remove and clear them.
/// Changes are seen at once by the handlers of this update, and written when the update is
/// done, in one transaction with the record that it was handled; the changes of a handler that
/// fails or panics are dropped.
///
/// A store that fails while an update is handled (a read through this context, whatever the
/// handler then does with the error, even nothing) makes that attempt void, as a failed commit
/// does: its changes are dropped, the error handler gets the [`HandlerError::Store`] (not the
/// handler's own outcome), and the update is handled again from the first group after a
/// backoff, until the store works or the application stops; it is never confirmed as handled
/// before. What a handler did outside the store in the void attempt (a message sent after the
/// failed read) is done again. The same holds for a job's run.
///
/// [`HandlerError::Store`]: crate::ext::HandlerError::Store
pub struct Context {
    bot: Bot,
    subject: Subject,
    command: Option<Command>,
    captures: Option<Captures>,
    stop: Cell<bool>,
    store: Arc<dyn Store>,
    pending: RefCell<Pending>,
    clock: Clock,
    jobs: Arc<Jobs>,
    /// The quoting the handler chose for its replies ([`Context::set_quote`]), over the bot's.
    pub(in crate::ext) quote: Cell<Option<crate::Quote>>,
    /// The forum topic the replies of a context without a message go to: a conversation's
    /// timeout sets the topic of the update that last moved the conversation.
    pub(in crate::ext) topic: Cell<Option<i64>>,
    /// The first store error met while handling the update, kept for the application to
    /// report; the attempt is void.
    fault: RefCell<Option<Arc<StoreError>>>,
}

impl Context {
    /// A context for `update`, with a store in memory of its own and the system clock (for
    /// trying a handler on its own; the application gives its handlers its store and clock).
    pub fn new(bot: Bot, update: Update) -> Context {
        let jobs = Arc::new(Jobs::new(Default::default(), Late::Run));
        Context::with(
            bot,
            update,
            Arc::new(MemoryStore::new()),
            Clock::system(),
            jobs,
        )
    }

    pub(crate) fn with(
        bot: Bot,
        update: Update,
        store: Arc<dyn Store>,
        clock: Clock,
        jobs: Arc<Jobs>,
    ) -> Context {
        Context::build(bot, Subject::Update(update), store, clock, jobs)
    }

    fn build(
        bot: Bot,
        subject: Subject,
        store: Arc<dyn Store>,
        clock: Clock,
        jobs: Arc<Jobs>,
    ) -> Context {
        Context {
            bot,
            subject,
            command: None,
            captures: None,
            stop: Cell::new(false),
            store,
            pending: RefCell::new(Pending::new()),
            clock,
            jobs,
            quote: Cell::new(None),
            topic: Cell::new(None),
            fault: RefCell::new(None),
        }
    }

    /// A context for a run of `job`: no update, the job's chat and user.
    pub(crate) fn for_job(
        bot: Bot,
        job: Job,
        store: Arc<dyn Store>,
        clock: Clock,
        jobs: Arc<Jobs>,
    ) -> Context {
        Context::build(bot, Subject::Job(job), store, clock, jobs)
    }

    /// A context for the application's own `work`, for no update and no job, given to the
    /// error handler when that work fails; its store is one in memory of its own.
    pub(crate) fn for_application(bot: Bot, work: Work) -> Context {
        let jobs = Arc::new(Jobs::new(Default::default(), Late::Run));
        let store = Arc::new(MemoryStore::new());
        Context::build(
            bot,
            Subject::Application(work),
            store,
            Clock::system(),
            jobs,
        )
    }

    /// What this context serves: an update, a job's run, or the application's own work.
    pub fn serving(&self) -> Serving<'_> {
        match &self.subject {
            Subject::Update(update) => Serving::Update(update),
            Subject::Job(job) => Serving::Job(job),
            Subject::Application(_) => Serving::Application,
        }
    }

    /// The job being run, when this context is a job's rather than an update's.
    pub fn job(&self) -> Option<&Job> {
        match &self.subject {
            Subject::Job(job) => Some(job),
            _ => None,
        }
    }

    /// What the context serves, for the log: `update 5`, `job remind (3f2a...)`, or the
    /// application's work.
    pub(crate) fn describe(&self) -> String {
        match &self.subject {
            Subject::Update(update) => format!("update {}", update.update_id),
            Subject::Job(job) => format!("job {} ({})", job.name(), job.id()),
            Subject::Application(work) => work.name().to_owned(),
        }
    }

    /// The chat the update happened in, or the job is for.
    pub(in crate::ext) fn chat_id(&self) -> Option<i64> {
        match &self.subject {
            Subject::Job(job) => job.chat_id(),
            _ => self.effective_chat().map(|c| c.id),
        }
    }

    /// The user who caused the update, or the job is for.
    pub(in crate::ext) fn user_id(&self) -> Option<i64> {
        match &self.subject {
            Subject::Job(job) => job.user_id(),
            _ => self.effective_user().map(|u| u.id),
        }
    }

    /// Schedules the job registered as `name`
    /// ([`ApplicationBuilder::job`](crate::ext::ApplicationBuilder::job)) to run on `schedule` with
    /// `data`, for the update's chat and user (a job's, when called from a job). Returns the
    /// job's id. Like [`set`](Context::set), it is committed when the update is done, and
    /// dropped if the handler fails. The same as
    /// [`Application::schedule_job`](crate::ext::Application::schedule_job), which schedules for no
    /// chat and commits at once.
    ///
    /// # Errors
    ///
    /// Fails with [`JobError::Unregistered`] when no job is registered as `name`,
    /// [`JobError::NoRun`] when `schedule` has no run from now on, and
    /// [`JobError::UnnamedZone`] or [`JobError::Data`] when the job cannot be stored.
    pub fn schedule_job<T: Serialize + ?Sized>(
        &self,
        name: &str,
        schedule: Schedule,
        data: &T,
    ) -> Result<String, JobError> {
        jobs::schedule(self, None, name, schedule, self.job_scope(), data)
    }

    /// Like [`schedule_job`](Context::schedule_job), for the chat `chat_id` (and no user): its
    /// runs are ordered with that chat's updates.
    ///
    /// # Errors
    ///
    /// As [`schedule_job`](Context::schedule_job).
    pub fn schedule_job_for<T: Serialize + ?Sized>(
        &self,
        chat_id: i64,
        name: &str,
        schedule: Schedule,
        data: &T,
    ) -> Result<String, JobError> {
        jobs::schedule(self, None, name, schedule, (Some(chat_id), None), data)
    }

    /// Like [`schedule_job`](Context::schedule_job), under the id `id` of your choosing, which
    /// names this instance of the job ("this chat's reminder"): scheduling again under the same
    /// id replaces it, and [`find_job`](Context::find_job) and
    /// [`cancel_job`](Context::cancel_job) take it. Choose ids that cannot be taken for the
    /// hexadecimal ones given to other jobs, such as `"reminder:<chat id>"`.
    ///
    /// ```no_run
    /// # use telegram_api::ext::{Context, jiff::SignedDuration, schedule::Schedule};
    /// # fn f(ctx: &Context) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    /// let chat = ctx.effective_chat().ok_or("no chat")?.id;
    /// let at = ctx.now() + SignedDuration::from_mins(10);
    /// // A second /remind in this chat moves the reminder instead of adding one.
    /// ctx.schedule_job_as(&format!("reminder:{chat}"), "remind", Schedule::once(at), "tea")?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`schedule_job`](Context::schedule_job).
    pub fn schedule_job_as<T: Serialize + ?Sized>(
        &self,
        id: &str,
        name: &str,
        schedule: Schedule,
        data: &T,
    ) -> Result<(), JobError> {
        jobs::schedule(self, Some(id), name, schedule, self.job_scope(), data)?;
        Ok(())
    }

    /// The scheduled job `id`, as this update left it so far (scheduled or cancelled by it
    /// included).
    ///
    /// # Errors
    ///
    /// Fails with [`JobError::Store`] when the store cannot be read, which voids this attempt at
    /// the update as for [`get`](Context::get): it is handled again.
    pub fn find_job(&self, id: &str) -> Result<Option<Job>, JobError> {
        jobs::find(self, id)
    }

    /// The scheduled jobs named `name`, as this update left them so far (scheduled and
    /// cancelled ones included), by next run.
    ///
    /// # Errors
    ///
    /// Fails with [`JobError::Store`] when the store cannot be read, which voids this attempt at
    /// the update as for [`get`](Context::get): it is handled again.
    pub fn jobs(&self, name: &str) -> Result<Vec<Job>, JobError> {
        jobs::named(self, name)
    }

    /// Every scheduled job, as this update left them so far, by next run.
    ///
    /// # Errors
    ///
    /// Fails with [`JobError::Store`] when the store cannot be read, which voids this attempt at
    /// the update as for [`get`](Context::get): it is handled again.
    pub fn all_jobs(&self) -> Result<Vec<Job>, JobError> {
        self.job_list()
    }

    /// Cancels the job `id` (when the update is done, like [`remove`](Context::remove));
    /// nothing happens when there is none. Cancelling the running job from its own code ends
    /// it after this run.
    ///
    /// # Errors
    ///
    /// None: the cancellation is committed with the update, and fails with it. The `Result`
    /// is [`Application::cancel_job`](crate::ext::Application::cancel_job)'s, which commits at once.
    pub fn cancel_job(&self, id: &str) -> Result<(), JobError> {
        jobs::cancel(self, id)
    }

    /// Cancels every job named `name`; how many there were.
    ///
    /// # Errors
    ///
    /// Fails with [`JobError::Store`] when the store cannot be read, which voids this attempt at
    /// the update as for [`get`](Context::get): it is handled again.
    pub fn cancel_jobs(&self, name: &str) -> Result<usize, JobError> {
        jobs::cancel_named(self, name)
    }

    /// Cancels the job `id` with the update: [`cancel_job`](Context::cancel_job), for the
    /// library's own jobs.
    pub(crate) fn unschedule(&self, id: &str) {
        self.pending.borrow_mut().insert(job_key(id), None);
    }

    /// Gives the handler about to run what its matching found: the command, or the pattern's
    /// captures.
    pub(crate) fn set_matched(&mut self, command: Option<Command>, captures: Option<Captures>) {
        self.command = command;
        self.captures = captures;
    }

    /// The changes made so far.
    pub(crate) fn pending(&self) -> Pending {
        self.pending.borrow().clone()
    }

    /// Puts back the changes as they were (when a handler failed).
    pub(crate) fn restore(&self, pending: Pending) {
        *self.pending.borrow_mut() = pending;
    }

    pub(crate) fn take_pending(&self) -> Pending {
        std::mem::take(&mut *self.pending.borrow_mut())
    }

    /// A context for `update` with this one's bot, store, clock and jobs, and no changes of
    /// its own yet (an album handler's, for the album's first part); what it changes and meets
    /// comes back with [`absorb`](Context::absorb).
    pub(crate) fn for_update(&self, update: Update) -> Context {
        Context::with(
            self.bot.clone(),
            update,
            self.store.clone(),
            self.clock.clone(),
            self.jobs.clone(),
        )
    }

    /// Takes into this context the changes made through `other` (one made by
    /// [`for_update`](Context::for_update)) and the store error it met, if any.
    pub(crate) fn absorb(&self, other: Context) {
        self.pending.borrow_mut().extend(other.pending.into_inner());
        if let Some(fault) = other.fault.into_inner() {
            self.fault.borrow_mut().get_or_insert(fault);
        }
    }

    /// Notes that the store failed (the attempt is void; the first error is kept for the
    /// report); the error to give the handler, which prints the same.
    fn store_failed(&self, error: StoreError) -> StoreError {
        let error = Arc::new(error);
        self.fault.borrow_mut().get_or_insert_with(|| error.clone());
        StoreError::shared(error)
    }

    /// Whether the store failed in this attempt (it is void).
    pub(crate) fn has_fault(&self) -> bool {
        self.fault.borrow().is_some()
    }

    /// The store error met since the last call, if any: the attempt is void. The error
    /// itself once the handler dropped its copy, as it mostly has.
    pub(crate) fn take_fault(&self) -> Option<StoreError> {
        let fault = self.fault.borrow_mut().take()?;
        Some(Arc::try_unwrap(fault).unwrap_or_else(StoreError::shared))
    }

    /// The committed bot-wide values whose names start with `prefix` ([`Store::values`]);
    /// a store that fails voids the attempt, as for [`get`](Context::get).
    pub(crate) fn bot_values(&self, prefix: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        self.store
            .values(&Scope::Bot, prefix)
            .map_err(|e| self.store_failed(e))
    }

    /// Whether this update changed a bot-wide value whose name starts with `prefix`.
    pub(crate) fn changed_bot_values(&self, prefix: &str) -> bool {
        let pending = self.pending.borrow();
        let mut after = pending.range(Key::bot(prefix)..);
        after
            .next()
            .is_some_and(|(key, _)| key.scope == Scope::Bot && key.name.starts_with(prefix))
    }

    /// The time, from the application's [`Clock`].
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// The value of `key` as a `T`: as changed while handling this update, or else as stored.
    ///
    /// # Errors
    ///
    /// Fails with [`DataError::Store`] when the store cannot be read, and [`DataError::Decode`]
    /// naming the key and the type when the stored value does not decode as a `T` (the stored value
    /// stays as it is).
    ///
    /// A store that cannot be read voids this attempt at the update (see [the type's
    /// docs](Context)): whatever the handler does with the error, the application reports it,
    /// drops the attempt's changes and handles the update again, from the start, after a
    /// backoff. Returning the error is the simplest.
    pub fn get<T: DeserializeOwned>(&self, key: &Key) -> Result<Option<T>, DataError> {
        store::read(&*self.store, &self.pending.borrow(), key).map_err(|e| match e {
            DataError::Store(e) => DataError::Store(self.store_failed(e)),
            e => e,
        })
    }

    /// Sets `key` to `value` (written when the update is done).
    ///
    /// # Errors
    ///
    /// Fails with [`DataError::Encode`] when `value` does not encode as JSON.
    pub fn set<T: Serialize + ?Sized>(&self, key: &Key, value: &T) -> Result<(), DataError> {
        let bytes = store::encode(key, value)?;
        self.pending.borrow_mut().insert(key.clone(), Some(bytes));
        Ok(())
    }

    /// Removes `key` (when the update is done).
    pub fn remove(&self, key: &Key) {
        self.pending.borrow_mut().insert(key.clone(), None);
    }

    /// The key `name` of the update's user.
    ///
    /// # Errors
    ///
    /// Fails with [`DataError::NoScope`] when the update (or the job) has no user.
    pub fn user_key(&self, name: &str) -> Result<Key, DataError> {
        let user = self.user_id().ok_or(DataError::NoScope("user"))?;
        Ok(Key::user(user, name))
    }

    /// The key `name` of the update's chat.
    ///
    /// # Errors
    ///
    /// Fails with [`DataError::NoScope`] when the update (or the job) has no chat.
    pub fn chat_key(&self, name: &str) -> Result<Key, DataError> {
        let chat = self.chat_id().ok_or(DataError::NoScope("chat"))?;
        Ok(Key::chat(chat, name))
    }

    /// The value `name` of the update's user.
    ///
    /// # Errors
    ///
    /// Fails with [`DataError::NoScope`] when there is no user, and as [`get`](Context::get) does
    /// (a store that cannot be read voids this attempt at the update: it is handled again).
    pub fn user_data<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, DataError> {
        self.get(&self.user_key(name)?)
    }

    /// Sets the value `name` of the update's user.
    ///
    /// # Errors
    ///
    /// Fails with [`DataError::NoScope`] when there is no user, and [`DataError::Encode`] when
    /// `value` does not encode as JSON.
    pub fn set_user_data<T: Serialize + ?Sized>(
        &self,
        name: &str,
        value: &T,
    ) -> Result<(), DataError> {
        self.set(&self.user_key(name)?, value)
    }

    /// The value `name` of the update's chat.
    ///
    /// # Errors
    ///
    /// Fails with [`DataError::NoScope`] when there is no chat, and as [`get`](Context::get) does
    /// (a store that cannot be read voids this attempt at the update: it is handled again).
    pub fn chat_data<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, DataError> {
        self.get(&self.chat_key(name)?)
    }

    /// Sets the value `name` of the update's chat.
    ///
    /// # Errors
    ///
    /// Fails with [`DataError::NoScope`] when there is no chat, and [`DataError::Encode`] when
    /// `value` does not encode as JSON.
    pub fn set_chat_data<T: Serialize + ?Sized>(
        &self,
        name: &str,
        value: &T,
    ) -> Result<(), DataError> {
        self.set(&self.chat_key(name)?, value)
    }

    /// The bot-wide value `name`.
    ///
    /// # Errors
    ///
    /// Fails as [`get`](Context::get) does (a store that cannot be read voids this attempt at
    /// the update: it is handled again).
    pub fn bot_data<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, DataError> {
        self.get(&Key::bot(name))
    }

    /// Sets the bot-wide value `name`.
    ///
    /// # Errors
    ///
    /// Fails with [`DataError::Encode`] when `value` does not encode as JSON.
    pub fn set_bot_data<T: Serialize + ?Sized>(
        &self,
        name: &str,
        value: &T,
    ) -> Result<(), DataError> {
        self.set(&Key::bot(name), value)
    }

    /// The names of the values of `scope`, as this update left them so far (values set by
    /// its handlers included, removed ones left out), in name order. Bot-wide, the records of
    /// scheduled jobs (names starting with [`JOB_PREFIX`](crate::ext::jobs::JOB_PREFIX)) and of
    /// stored callback data ([`callback_data::KEY_PREFIX`](crate::ext::callback_data::KEY_PREFIX))
    /// are left out.
    ///
    /// # Errors
    ///
    /// Fails with [`DataError::Store`] when the store cannot be read, which voids this attempt
    /// at the update as for [`get`](Context::get): it is handled again.
    pub fn data_names(&self, scope: &Scope) -> Result<Vec<String>, DataError> {
        let stored = self
            .store
            .values(scope, "")
            .map_err(|e| DataError::Store(self.store_failed(e)))?;
        let mut names: BTreeSet<String> = stored.into_iter().map(|(name, _)| name).collect();
        for (key, value) in self.pending.borrow().iter() {
            if key.scope != *scope {
                continue;
            }
            match value {
                Some(_) => names.insert(key.name.clone()),
                None => names.remove(&key.name),
            };
        }
        if *scope == Scope::Bot {
            names.retain(|name| {
                !name.starts_with(crate::ext::jobs::JOB_PREFIX)
                    && !name.starts_with(crate::ext::callback_data::KEY_PREFIX)
            });
        }
        Ok(names.into_iter().collect())
    }

    /// Removes every value of `scope` (when the update is done, like
    /// [`remove`](Context::remove)); how many there were. Bot-wide, scheduled jobs and stored
    /// callback data stay.
    ///
    /// # Errors
    ///
    /// Fails as [`data_names`](Context::data_names) does.
    pub fn clear_data(&self, scope: &Scope) -> Result<usize, DataError> {
        let names = self.data_names(scope)?;
        let mut pending = self.pending.borrow_mut();
        for name in &names {
            let key = Key {
                scope: scope.clone(),
                name: name.clone(),
            };
            pending.insert(key, None);
        }
        Ok(names.len())
    }

    /// The scope of the update's user (a job's, when called from a job).
    fn user_scope(&self) -> Result<Scope, DataError> {
        self.user_id()
            .map(Scope::User)
            .ok_or(DataError::NoScope("user"))
    }

    /// The scope of the update's chat (a job's, when called from a job).
    fn chat_scope(&self) -> Result<Scope, DataError> {
        self.chat_id()
            .map(Scope::Chat)
            .ok_or(DataError::NoScope("chat"))
    }

    /// The names of the update's user's values, in name order (see
    /// [`data_names`](Context::data_names)).
    ///
    /// ```no_run
    /// # use telegram_api::ext::Context;
    /// # fn show(ctx: &Context) -> Result<(), Box<dyn std::error::Error>> {
    /// let names = ctx.user_data_names()?;
    /// ctx.reply(format!("I keep {} about you: {}", names.len(), names.join(", ")))
    ///     .call()?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// Fails with [`DataError::NoScope`] when the update has no user, and as
    /// [`data_names`](Context::data_names) does.
    pub fn user_data_names(&self) -> Result<Vec<String>, DataError> {
        self.data_names(&self.user_scope()?)
    }

    /// The names of the update's chat's values, in name order (see
    /// [`data_names`](Context::data_names)).
    ///
    /// # Errors
    ///
    /// Fails with [`DataError::NoScope`] when the update has no chat, and as
    /// [`data_names`](Context::data_names) does.
    pub fn chat_data_names(&self) -> Result<Vec<String>, DataError> {
        self.data_names(&self.chat_scope()?)
    }

    /// The names of the bot-wide values, in name order, scheduled jobs left out (see
    /// [`data_names`](Context::data_names)).
    ///
    /// # Errors
    ///
    /// Fails as [`data_names`](Context::data_names) does.
    pub fn bot_data_names(&self) -> Result<Vec<String>, DataError> {
        self.data_names(&Scope::Bot)
    }

    /// Removes the value `name` of the update's user (when the update is done).
    ///
    /// # Errors
    ///
    /// Fails with [`DataError::NoScope`] when the update has no user.
    pub fn remove_user_data(&self, name: &str) -> Result<(), DataError> {
        self.remove(&self.user_key(name)?);
        Ok(())
    }

    /// Removes the value `name` of the update's chat (when the update is done).
    ///
    /// # Errors
    ///
    /// Fails with [`DataError::NoScope`] when the update has no chat.
    pub fn remove_chat_data(&self, name: &str) -> Result<(), DataError> {
        self.remove(&self.chat_key(name)?);
        Ok(())
    }

    /// Removes the bot-wide value `name` (when the update is done).
    pub fn remove_bot_data(&self, name: &str) {
        self.remove(&Key::bot(name));
    }

    /// Removes every value of the update's user (when the update is done); how many there
    /// were.
    ///
    /// # Errors
    ///
    /// Fails with [`DataError::NoScope`] when the update has no user, and as
    /// [`data_names`](Context::data_names) does.
    pub fn clear_user_data(&self) -> Result<usize, DataError> {
        self.clear_data(&self.user_scope()?)
    }

    /// Removes every value of the update's chat (when the update is done); how many there
    /// were.
    ///
    /// # Errors
    ///
    /// Fails with [`DataError::NoScope`] when the update has no chat, and as
    /// [`data_names`](Context::data_names) does.
    pub fn clear_chat_data(&self) -> Result<usize, DataError> {
        self.clear_data(&self.chat_scope()?)
    }

    /// Removes every bot-wide value but the scheduled jobs and stored callback data (when the
    /// update is done); how many there were.
    ///
    /// # Errors
    ///
    /// Fails as [`data_names`](Context::data_names) does.
    pub fn clear_bot_data(&self) -> Result<usize, DataError> {
        self.clear_data(&Scope::Bot)
    }

    pub(crate) fn take_stop(&self) -> bool {
        self.stop.replace(false)
    }

    /// The update this context served, if it served one.
    pub(crate) fn into_update(self) -> Option<Update> {
        match self.subject {
            Subject::Update(update) => Some(update),
            _ => None,
        }
    }

    /// The bot.
    pub fn bot(&self) -> &Bot {
        &self.bot
    }

    /// The update being handled: always `Some` in a handler and a middleware; `None` in a
    /// job's run ([`job`](Context::job)) and in the error handler's context for a failure of
    /// the application's own work (see [`serving`](Context::serving)).
    pub fn update(&self) -> Option<&Update> {
        match &self.subject {
            Subject::Update(update) => Some(update),
            _ => None,
        }
    }

    /// The chat the update happened in ([`Update::effective_chat`]); `None` without an update.
    pub fn effective_chat(&self) -> Option<&Chat> {
        self.update()?.effective_chat()
    }

    /// The user who caused the update ([`Update::effective_user`]); `None` without an update.
    pub fn effective_user(&self) -> Option<&User> {
        self.update()?.effective_user()
    }

    /// The message of the update ([`Update::effective_message`]); `None` without an update.
    pub fn effective_message(&self) -> Option<&Message> {
        self.update()?.effective_message()
    }

    /// The command a [`Handler::command`](crate::ext::Handler::command) matched.
    pub fn command(&self) -> Option<&Command> {
        self.command.as_ref()
    }

    /// The arguments of the command, split like a shell splits them (empty for other handlers).
    pub fn args(&self) -> &[String] {
        self.command.as_ref().map_or(&[], |c| &c.args)
    }

    /// Argument `index` (from 0) of the command as a `T` ([`Command::arg`]):
    /// `let minutes: u32 = ctx.arg(0)?;` for `/remind 10`.
    ///
    /// # Errors
    ///
    /// Fails with [`ArgError::NoCommand`](crate::ext::ArgError::NoCommand) outside a command
    /// handler, and as [`Command::arg`] does; the error prints for the user to read.
    pub fn arg<T>(&self, index: usize) -> Result<T, crate::ext::ArgError>
    where
        T: std::str::FromStr,
        T::Err: fmt::Display,
    {
        self.command
            .as_ref()
            .ok_or(crate::ext::ArgError::NoCommand)?
            .arg(index)
    }

    /// The capture groups the handler's pattern matched ([`Captures`]).
    pub fn captures(&self) -> Option<&Captures> {
        self.captures.as_ref()
    }

    /// Runs no handler of the groups after this handler's group for this update.
    pub fn stop_groups(&self) {
        self.stop.set(true);
    }

    /// A message `text` to the chat of the update (to the private chat of the effective user
    /// when the update has no chat), in the same forum topic, direct-messages topic and business
    /// connection as the update's message. In a conversation's
    /// [`on_timeout`](crate::ext::Conversation::on_timeout) handler run at the deadline, the chat
    /// and forum topic are those of the update that last moved the conversation. In groups it
    /// answers the update's message as a reply to it, by default (see
    /// [`set_quote`](Context::set_quote)).
    ///
    /// On an update with neither a chat nor a user (a poll's), the call fails with
    /// [`Error::NotForThisUpdate`](crate::Error::NotForThisUpdate) and sends nothing.
    pub fn reply(&self, text: impl Into<String>) -> Call<'_, SendMessage> {
        reply_with!(self, "reply", |chat| SendMessage::new(chat, text), all)
    }

    /// An answer to the callback query (stops the button's loading animation; set `.text(...)`
    /// for a notification). On an update that is not a callback query, the call fails with
    /// [`Error::NotForThisUpdate`](crate::Error::NotForThisUpdate) and sends nothing.
    pub fn answer_callback(&self) -> Call<'_, AnswerCallbackQuery> {
        let id = self
            .update()
            .and_then(|u| u.callback_query())
            .map(|q| q.id.as_str());
        self.answer(
            id,
            |id: &str| AnswerCallbackQuery::new(id),
            "answer_callback",
            "callback query",
        )
    }

    /// The answer to the inline query: `results` of any kind of inline result
    /// (`InlineQueryResultArticle`, ...), converted to [`InlineQueryResult`] here. On an update
    /// that is not an inline query, the call fails with
    /// [`Error::NotForThisUpdate`](crate::Error::NotForThisUpdate) and sends nothing.
    pub fn answer_inline_query<R: Into<InlineQueryResult>>(
        &self,
        results: impl IntoIterator<Item = R>,
    ) -> Call<'_, AnswerInlineQuery> {
        let results = results.into_iter().map(Into::into).collect();
        let id = self
            .update()
            .and_then(|u| u.inline_query())
            .map(|q| q.id.as_str());
        let request = |id: &str| AnswerInlineQuery::new(id, results);
        self.answer(id, request, "answer_inline_query", "inline query")
    }

    /// The answer to the shipping query: `ok` to go on (set `.shipping_options(...)`), or not
    /// (set `.error_message(...)`). On an update that is not a shipping query, the call fails
    /// with [`Error::NotForThisUpdate`](crate::Error::NotForThisUpdate) and sends nothing.
    pub fn answer_shipping_query(&self, ok: bool) -> Call<'_, AnswerShippingQuery> {
        let id = self
            .update()
            .and_then(|u| u.shipping_query())
            .map(|q| q.id.as_str());
        let request = |id: &str| AnswerShippingQuery::new(id, ok);
        self.answer(id, request, "answer_shipping_query", "shipping query")
    }

    /// The answer to the pre-checkout query: `ok` to take the payment, or not (set
    /// `.error_message(...)`). On an update that is not a pre-checkout query, the call fails
    /// with [`Error::NotForThisUpdate`](crate::Error::NotForThisUpdate) and sends nothing.
    pub fn answer_pre_checkout_query(&self, ok: bool) -> Call<'_, AnswerPreCheckoutQuery> {
        let id = self
            .update()
            .and_then(|u| u.pre_checkout_query())
            .map(|q| q.id.as_str());
        let request = |id: &str| AnswerPreCheckoutQuery::new(id, ok);
        self.answer(
            id,
            request,
            "answer_pre_checkout_query",
            "pre-checkout query",
        )
    }

    /// The data of the pressed button, for a callback query that has some.
    pub fn callback_data(&self) -> Option<&str> {
        self.update()?.callback_query()?.data.as_deref()
    }

    /// The answer to the update's query `id`, or, when the update has none, a call that fails
    /// without sending anything.
    fn answer<M: crate::Method>(
        &self,
        id: Option<&str>,
        request: impl FnOnce(&str) -> M,
        shortcut: &'static str,
        needs: &'static str,
    ) -> Call<'_, M> {
        match id {
            Some(id) => Call::new(&self.bot, request(id)),
            None => self.refused(request(""), shortcut, needs),
        }
    }

    /// A call that fails with [`Error::NotForThisUpdate`](crate::Error::NotForThisUpdate)
    /// without sending anything: `shortcut` was used on an update without `needs`.
    pub(in crate::ext) fn refused<M: crate::Method>(
        &self,
        request: M,
        shortcut: &'static str,
        needs: &'static str,
    ) -> Call<'_, M> {
        Call::refused(
            &self.bot,
            request,
            crate::Error::NotForThisUpdate { shortcut, needs },
        )
    }

    /// Replaces the text of the message the pressed button was on (or of the update's
    /// message). On an update with neither, the call fails with
    /// [`Error::NotForThisUpdate`](crate::Error::NotForThisUpdate) and sends nothing.
    pub fn edit_text(&self, text: impl Into<String>) -> Call<'_, EditMessageText> {
        let request = EditMessageText::new().text(text);
        match self.button_target() {
            Some(target) => Call::new(&self.bot, at_target!(request, target)),
            None => self.refused(request, "edit_text", "message to edit"),
        }
    }

    /// Replaces the inline keyboard of the message the pressed button was on (or of the
    /// update's message). On an update with neither, the call fails with
    /// [`Error::NotForThisUpdate`](crate::Error::NotForThisUpdate) and sends nothing.
    pub fn edit_reply_markup(
        &self,
        markup: InlineKeyboardMarkup,
    ) -> Call<'_, EditMessageReplyMarkup> {
        let request = EditMessageReplyMarkup::new().reply_markup(markup);
        match self.button_target() {
            Some(target) => Call::new(&self.bot, at_target!(request, target)),
            None => self.refused(request, "edit_reply_markup", "message to edit"),
        }
    }

    /// The update's message, or for a callback query the message its button was on.
    pub(in crate::ext) fn message_or_button_message(&self) -> Option<&Message> {
        if let Some(query) = self.update()?.callback_query() {
            return match query.message.as_deref()? {
                MaybeInaccessibleMessage::Message(m) => Some(m),
                _ => None,
            };
        }
        self.effective_message()
    }

    /// The message a callback query's button was on, or the update's message.
    pub(in crate::ext) fn button_target(&self) -> Option<Target> {
        let message = match self.update()?.callback_query() {
            Some(query) => {
                if let Some(inline) = &query.inline_message_id {
                    return Some(Target::Inline(inline.clone()));
                }
                match query.message.as_deref()? {
                    MaybeInaccessibleMessage::Message(m) => m,
                    MaybeInaccessibleMessage::InaccessibleMessage(m) => {
                        return Some(Target::Message {
                            chat: m.chat.id,
                            message: m.message_id,
                            business: None,
                        });
                    }
                }
            }
            None => self.effective_message()?,
        };
        Some(Target::Message {
            chat: message.chat.id,
            message: message.message_id,
            business: message.business_connection_id.clone(),
        })
    }
}

/// The message an edit is for.
pub(in crate::ext) enum Target {
    /// A message sent through inline mode, by its id.
    Inline(String),
    /// A message of a chat (of a business connection).
    Message {
        chat: i64,
        message: i64,
        business: Option<String>,
    },
}

/// `request` (an edit, which has the same parameters for every target) aimed at `target`.
macro_rules! at_target {
    ($request:expr, $target:expr) => {
        match $target {
            Target::Inline(id) => $request.inline_message_id(id),
            Target::Message {
                chat,
                message,
                business,
            } => {
                let request = $request.chat_id(chat).message_id(message);
                match business {
                    Some(b) => request.business_connection_id(b),
                    None => request,
                }
            }
        }
    };
}
pub(in crate::ext) use at_target;

/// A context commits the changes to the jobs with its update, and sees them before.
impl jobs::JobHost for Context {
    fn job_index(&self) -> &Jobs {
        &self.jobs
    }

    fn job_clock(&self) -> Timestamp {
        self.now()
    }

    fn job_scope(&self) -> (Option<i64>, Option<i64>) {
        (self.chat_id(), self.user_id())
    }

    fn job_list(&self) -> Result<Vec<Job>, JobError> {
        self.jobs
            .load(&*self.store, false)
            .map_err(|e| self.store_failed(e))?;
        let pending = self.pending.borrow();
        let mut jobs: Vec<Job> = self
            .jobs
            .list()
            .into_iter()
            .filter(|job| !pending.contains_key(&job.key()))
            .collect();
        for (key, value) in pending.iter() {
            if let (Some(id), Some(bytes)) = (crate::ext::jobs::job_id(key), value)
                && let Some(job) = Job::decode(id, bytes)
            {
                jobs.push(job);
            }
        }
        jobs.retain(|job| !crate::ext::jobs::is_internal(job));
        jobs.sort_by(|a, b| (a.next_run(), a.id()).cmp(&(b.next_run(), b.id())));
        Ok(jobs)
    }

    fn write_jobs(&self, changes: Vec<Change>) -> Result<(), JobError> {
        let mut pending = self.pending.borrow_mut();
        for change in changes {
            match change {
                Change::Put(key, record) => pending.insert(key, Some(record)),
                Change::Delete(key) => pending.insert(key, None),
            };
        }
        Ok(())
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("serving", &self.describe())
            .field("kind", &self.update().map(|u| u.kind.name()))
            .field("command", &self.command)
            .field("captures", &self.captures)
            .finish()
    }
}

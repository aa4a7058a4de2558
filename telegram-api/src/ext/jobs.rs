//! Scheduled jobs: code registered by name at build time and scheduled with data, kept in the
//! application's store so that they survive a restart.
//!
//! ```no_run
//! use std::time::Duration;
//! use telegram_api::Bot;
//! use telegram_api::ext::{Application, Context, schedule::Schedule};
//!
//! fn remind(ctx: &Context) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//!     let text: String = ctx.job().expect("run as a job").data()?;
//!     ctx.reply(text).call()?; // to the chat the job is for
//!     Ok(())
//! }
//!
//! fn later(ctx: &Context) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//!     let at = ctx.now() + Duration::from_secs(90);
//!     ctx.schedule_job("remind", Schedule::once(at), "take a break")?;
//!     ctx.reply("I will remind you in 90 seconds.").call()?;
//!     Ok(())
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let app = Application::builder(Bot::from_env()?)
//!     .job("remind", remind)
//!     .command("later", later)
//!     .store_path("bot.redb")?
//!     .build();
//! app.run_polling()?;
//! # Ok(())
//! # }
//! ```
//!
//! - A job is for a chat (and a user): scheduled from a handler, those of the update; it runs
//!   on the worker pool, one at a time with that chat's updates, and its context's
//!   [`reply`](Context::reply), [`chat_data`](Context::chat_data) and
//!   [`user_data`](Context::user_data) are that chat's and user's.
//! - Scheduling and cancelling from a handler are changes like [`Context::set`]: committed
//!   with the update, dropped when the handler fails.
//! - A run commits what its code changed together with the job's next run (or its removal,
//!   after its last run) in one transaction. So with a persistent store a job never runs twice
//!   for one due time; a run interrupted by a crash before its commit runs again on restart.
//! - A job has an id, new for each job scheduled, unless it is scheduled under an id of your
//!   own ([`Context::schedule_job_as`]: `"reminder:<chat>"`), which names one instance: to
//!   find it ([`Context::find_job`]), cancel it, or replace it by scheduling again under that id.
//! - A job that was due while the bot was down runs once when it starts, then keeps its
//!   schedule (missed runs of a repeating job are not made up);
//!   [`skip_late_jobs`](super::ApplicationBuilder::skip_late_jobs) skips runs that are late by
//!   more than a grace period instead.
//! - A job that fails or panics is reported to the error handler like a handler (its changes
//!   dropped) and keeps its schedule.
//! - [`run_polling`](super::Application::run_polling) and
//!   [`run_webhook`](super::Application::run_webhook) run due jobs, reading the application's
//!   [`Clock`](super::Clock) every 50 ms; [`Application::run_due_jobs`](super::Application::run_due_jobs)
//!   runs them on the calling thread, for tests with a [`ManualClock`](super::ManualClock).
//! - The library runs jobs of its own, named `telegram_api/...`: a
//!   [`Conversation`](super::Conversation)'s [timeouts](super::Conversation::timeout), and an
//!   album handler's wait for an album's last part ([`Handler::album`](super::Handler::album)).
//!   They are registered with their handlers, run as the others do, however late (also with
//!   `skip_late_jobs`), and are left out of the lists of jobs ([`Context::all_jobs`],
//!   [`Context::jobs`], [`Application::all_jobs`](super::Application::all_jobs), ...).
//! - With a store shared by several processes, each process runs the jobs it knows of (reading
//!   the store again every 10 s), under the lease of the job's chat, and a run first checks the
//!   stored record: a due time another process already handled does not run again.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use jiff::Timestamp;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::BoxError;
use super::context::Context;
use super::schedule::Schedule;
use super::store::{Change, DataError, Key, Scope, Store, StoreError};

/// The prefix of the bot-wide values ([`Key::bot`]) that hold jobs: `job/<id>`.
pub const JOB_PREFIX: &str = "job/";

/// The prefix of the names (and ids) of the jobs the library schedules for itself, such as a
/// [`Conversation`](super::Conversation)'s timeouts or an album handler's
/// ([`Handler::album`](super::Handler::album)): they are left out of the lists of jobs
/// ([`Context::all_jobs`], [`Application::all_jobs`](super::Application::all_jobs), ...).
pub(crate) const INTERNAL_PREFIX: &str = "telegram_api/";

/// Whether `job` is one of the library's own (see [`INTERNAL_PREFIX`]).
pub(crate) fn is_internal(job: &Job) -> bool {
    job.name.starts_with(INTERNAL_PREFIX)
}

/// The code of a job.
pub(crate) type JobCallback = Arc<dyn Fn(&Context) -> Result<(), BoxError> + Send + Sync>;

/// A scheduled job, as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    id: String,
    name: String,
    chat_id: Option<i64>,
    user_id: Option<i64>,
    schedule: Schedule,
    next: Timestamp,
    data: Value,
}

impl Job {
    /// Its identifier (unique among the jobs of a store).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The name of the code it runs, as registered with
    /// [`ApplicationBuilder::job`](super::ApplicationBuilder::job).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The chat it is for.
    pub fn chat_id(&self) -> Option<i64> {
        self.chat_id
    }

    /// The user it is for.
    pub fn user_id(&self) -> Option<i64> {
        self.user_id
    }

    /// When it runs.
    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    /// When it runs next (while it runs: the due time of this run).
    pub fn next_run(&self) -> Timestamp {
        self.next
    }

    /// Its data, as a `T`.
    ///
    /// # Errors
    ///
    /// Fails with [`DataError::Decode`], naming the job's key and the type, when the data does not
    /// decode as a `T`.
    pub fn data<T: DeserializeOwned>(&self) -> Result<T, DataError> {
        T::deserialize(&self.data)
            .map_err(|source| DataError::decode::<T>(self.key(), self.data.to_string(), source))
    }

    /// Its data as stored (JSON).
    pub fn raw_data(&self) -> &Value {
        &self.data
    }

    /// The key of its record: `job/<id>`, bot-wide.
    pub fn key(&self) -> Key {
        job_key(&self.id)
    }

    /// The record: `{"name", "chat_id", "user_id", "schedule", "next", "data"}`; `None` for a
    /// schedule that cannot be stored.
    pub(crate) fn encode(&self) -> Option<Vec<u8>> {
        let record = json!({
            "name": self.name,
            "chat_id": self.chat_id,
            "user_id": self.user_id,
            "schedule": self.schedule.to_json()?,
            "next": self.next.to_string(),
            "data": self.data,
        });
        serde_json::to_vec(&record).ok()
    }

    /// The job `id` of a stored record; `None` when the record is not one.
    pub(crate) fn decode(id: &str, bytes: &[u8]) -> Option<Job> {
        let record: Value = serde_json::from_slice(bytes).ok()?;
        let id_of = |name: &str| record.get(name).and_then(Value::as_i64);
        Some(Job {
            id: id.to_owned(),
            name: record.get("name")?.as_str()?.to_owned(),
            chat_id: id_of("chat_id"),
            user_id: id_of("user_id"),
            schedule: Schedule::from_json(record.get("schedule")?)?,
            next: record.get("next")?.as_str()?.parse().ok()?,
            data: record.get("data").cloned().unwrap_or(Value::Null),
        })
    }

    /// The same job, next due at `next`.
    pub(crate) fn at(&self, next: Timestamp) -> Job {
        Job {
            next,
            ..self.clone()
        }
    }

    /// What orders its runs with updates: its chat (or user), as the pool and leases name
    /// them.
    pub(crate) fn order_id(&self) -> Option<i64> {
        self.chat_id.or(self.user_id)
    }
}

/// The key of the record of job `id`.
pub(crate) fn job_key(id: &str) -> Key {
    Key::bot(format!("{JOB_PREFIX}{id}"))
}

/// The job id of `key`, when it is a job's record.
pub(crate) fn job_id(key: &Key) -> Option<&str> {
    match key.scope {
        Scope::Bot => key.name.strip_prefix(JOB_PREFIX),
        _ => None,
    }
}

/// Why a job could not be scheduled (or the jobs could not be listed).
#[derive(Debug)]
#[non_exhaustive]
pub enum JobError {
    /// No code is registered under this name
    /// ([`ApplicationBuilder::job`](super::ApplicationBuilder::job)).
    Unregistered(String),
    /// The schedule has no run from now on.
    NoRun,
    /// The schedule's time zone has no IANA name (a fixed offset), so it cannot be stored;
    /// use a named zone such as `UTC` or `Europe/Berlin`.
    UnnamedZone,
    /// The data does not encode as JSON.
    Data(DataError),
    /// The store failed.
    Store(StoreError),
}

impl fmt::Display for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JobError::Unregistered(name) => write!(f, "no job is registered as {name:?}"),
            JobError::NoRun => f.write_str("the schedule has no run from now on"),
            JobError::UnnamedZone => {
                f.write_str("a schedule in a time zone without an IANA name cannot be stored")
            }
            JobError::Data(e) => write!(f, "job data: {e}"),
            JobError::Store(e) => e.fmt(f),
        }
    }
}

/// The message includes the wrapped error's, so `source()` goes on with that error's cause.
impl std::error::Error for JobError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            JobError::Data(e) => e.source(),
            JobError::Store(e) => e.source(),
            _ => None,
        }
    }
}

impl From<StoreError> for JobError {
    fn from(e: StoreError) -> Self {
        JobError::Store(e)
    }
}

/// Where jobs are scheduled, listed and cancelled: the [`Application`](super::Application),
/// which commits each change at once, or an update's [`Context`], which commits them with the
/// update. The job methods of both (`schedule_job`, `schedule_job_for`, `schedule_job_as`,
/// `find_job`, `jobs`, `all_jobs`, `cancel_job`, `cancel_jobs`) are the functions below, so
/// they take the same arguments and fail alike.
pub(crate) trait JobHost {
    /// The application's jobs.
    fn job_index(&self) -> &Jobs;
    /// The clock's time.
    fn job_clock(&self) -> Timestamp;
    /// Whom a job is for when not told: the update's chat and user, or no one.
    fn job_scope(&self) -> (Option<i64>, Option<i64>);
    /// Every job but the library's own, as this host sees them, by next run (then id).
    ///
    /// # Errors
    ///
    /// [`JobError::Store`] when the store cannot be read.
    fn job_list(&self) -> Result<Vec<Job>, JobError>;
    /// Writes changes to the jobs (at once, or with the update).
    ///
    /// # Errors
    ///
    /// [`JobError::Store`] when the store cannot be read or the commit fails.
    fn write_jobs(&self, changes: Vec<Change>) -> Result<(), JobError>;
}

/// Schedules the job `name` under `id` (or a new id) for `scope`; its id.
pub(crate) fn schedule<H: JobHost + ?Sized, T: Serialize + ?Sized>(
    host: &H,
    id: Option<&str>,
    name: &str,
    schedule: Schedule,
    scope: (Option<i64>, Option<i64>),
    data: &T,
) -> Result<String, JobError> {
    let (job, record) = host
        .job_index()
        .make(id, name, schedule, scope, data, host.job_clock())?;
    host.write_jobs(vec![Change::Put(job.key(), record)])?;
    Ok(job.id)
}

/// The job `id`.
pub(crate) fn find<H: JobHost + ?Sized>(host: &H, id: &str) -> Result<Option<Job>, JobError> {
    Ok(host.job_list()?.into_iter().find(|job| job.id() == id))
}

/// The jobs named `name`.
pub(crate) fn named<H: JobHost + ?Sized>(host: &H, name: &str) -> Result<Vec<Job>, JobError> {
    let mut jobs = host.job_list()?;
    jobs.retain(|job| job.name() == name);
    Ok(jobs)
}

/// Cancels the job `id`.
pub(crate) fn cancel<H: JobHost + ?Sized>(host: &H, id: &str) -> Result<(), JobError> {
    host.write_jobs(vec![Change::Delete(job_key(id))])
}

/// Cancels the jobs named `name`; how many there were.
pub(crate) fn cancel_named<H: JobHost + ?Sized>(host: &H, name: &str) -> Result<usize, JobError> {
    let jobs = named(host, name)?;
    host.write_jobs(jobs.iter().map(|job| Change::Delete(job.key())).collect())?;
    Ok(jobs.len())
}

/// What to do with a run found late.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Late {
    /// Run it (once, however many runs were missed).
    Run,
    /// Skip it when it is later than this.
    Skip(Duration),
}

/// The jobs an application knows of: the registered code and an index of the stored jobs by
/// due time.
pub(crate) struct Jobs {
    handlers: HashMap<String, JobCallback>,
    pub(crate) late: Late,
    state: Mutex<State>,
    /// The next id's number; ids also carry `seed`, random per process.
    counter: AtomicU64,
    seed: u64,
}

#[derive(Default)]
struct State {
    loaded: bool,
    by_id: HashMap<String, Job>,
    /// Jobs waiting for their time, by due time.
    due: BTreeSet<(Timestamp, String)>,
    /// Jobs taken to run and not finished, with the due time of the run.
    running: HashMap<String, Timestamp>,
}

impl State {
    fn remove(&mut self, id: &str) {
        if let Some(old) = self.by_id.remove(id) {
            self.due.remove(&(old.next, old.id));
        }
    }

    fn insert(&mut self, job: Job, handlers: &HashMap<String, JobCallback>) {
        self.remove(&job.id);
        if handlers.contains_key(&job.name) {
            self.due.insert((job.next, job.id.clone()));
        } else {
            log::warn!(
                target: "telegram_api",
                "job {} is for {:?}, which is not registered: it does not run",
                job.id,
                job.name
            );
        }
        self.by_id.insert(job.id.clone(), job);
    }
}

impl Jobs {
    pub(crate) fn new(handlers: HashMap<String, JobCallback>, late: Late) -> Jobs {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        Jobs {
            handlers,
            late,
            state: Mutex::new(State::default()),
            counter: AtomicU64::new(0),
            seed: hasher.finish(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether any job code is registered (else no scheduler is needed).
    pub(crate) fn has_handlers(&self) -> bool {
        !self.handlers.is_empty()
    }

    pub(crate) fn handler(&self, name: &str) -> Option<&JobCallback> {
        self.handlers.get(name)
    }

    /// A new job id: unique among processes and restarts with near certainty.
    fn new_id(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        format!("{:016x}{n:x}", self.seed)
    }

    /// A new job with `data`, checked (registered, storable, with a run from `now` on), and
    /// its record.
    /// `id` names the job (`None` for a new id), `(chat_id, user_id)` whom it is for.
    pub(crate) fn make<T: Serialize + ?Sized>(
        &self,
        id: Option<&str>,
        name: &str,
        schedule: Schedule,
        (chat_id, user_id): (Option<i64>, Option<i64>),
        data: &T,
        now: Timestamp,
    ) -> Result<(Job, Vec<u8>), JobError> {
        if !self.handlers.contains_key(name) {
            return Err(JobError::Unregistered(name.to_owned()));
        }
        let data = serde_json::to_value(data).map_err(|source| {
            JobError::Data(DataError::Encode {
                key: Key::bot(format!("{JOB_PREFIX}{name}")),
                source,
            })
        })?;
        let next = match schedule {
            // A one-off in the past runs at once.
            Schedule::Once { at } => at,
            _ => {
                let before = now
                    .checked_sub(jiff::SignedDuration::from_nanos(1))
                    .unwrap_or(now);
                schedule.next_after(before).ok_or(JobError::NoRun)?
            }
        };
        let job = Job {
            id: id.map_or_else(|| self.new_id(), str::to_owned),
            name: name.to_owned(),
            chat_id,
            user_id,
            schedule,
            next,
            data,
        };
        let record = job.encode().ok_or(JobError::UnnamedZone)?;
        Ok((job, record))
    }

    /// Reads the stored jobs, once (or again with `again`, for a store other processes
    /// change).
    pub(crate) fn load(&self, store: &dyn Store, again: bool) -> Result<(), StoreError> {
        let mut state = self.lock();
        if state.loaded && !again {
            return Ok(());
        }
        // The lock is held while reading, so no commit's change is applied in between.
        let stored = store.values(&Scope::Bot, JOB_PREFIX)?;
        state.by_id.clear();
        state.due.clear();
        for (name, bytes) in stored {
            let id = &name[JOB_PREFIX.len()..];
            match Job::decode(id, &bytes) {
                Some(job) => state.insert(job, &self.handlers),
                None => log::warn!(
                    target: "telegram_api",
                    "the stored job {name} is not a job record; it is left as it is"
                ),
            }
        }
        state.loaded = true;
        Ok(())
    }

    /// Takes what `changes` (just committed) did to jobs into the index.
    pub(crate) fn apply(&self, changes: &[Change]) {
        let mut state = None;
        for change in changes {
            let (key, value) = match change {
                Change::Put(key, value) => (key, Some(value)),
                Change::Delete(key) => (key, None),
            };
            let Some(id) = job_id(key) else { continue };
            let state = state.get_or_insert_with(|| self.lock());
            match value.and_then(|v| Job::decode(id, v)) {
                Some(job) => state.insert(job, &self.handlers),
                None => state.remove(id),
            }
        }
    }

    /// The jobs due at `now` and not running, in due order, marked as running: each id, due
    /// time, and what orders it ([`Job::order_id`]).
    pub(crate) fn take_due(&self, now: Timestamp) -> Vec<(String, Timestamp, Option<i64>)> {
        let mut state = self.lock();
        let mut taken = Vec::new();
        while let Some((at, id)) = state.due.first().cloned() {
            if at > now {
                break;
            }
            state.due.pop_first();
            if state.running.contains_key(&id) {
                continue;
            }
            state.running.insert(id.clone(), at);
            let order = state.by_id.get(&id).and_then(Job::order_id);
            taken.push((id, at, order));
        }
        taken
    }

    /// The job `id` as the index has it.
    pub(crate) fn get(&self, id: &str) -> Option<Job> {
        self.lock().by_id.get(id).cloned()
    }

    /// The run of `id` is over.
    pub(crate) fn finish(&self, id: &str) {
        let mut state = self.lock();
        state.running.remove(id);
        // A record the run left due again (another process's, say) waits for its time.
        if let Some(job) = state.by_id.get(id)
            && self.handlers.contains_key(&job.name)
        {
            let entry = (job.next, job.id.clone());
            state.due.insert(entry);
        }
    }

    /// The earliest due time of the jobs waiting or running.
    pub(crate) fn next_at(&self) -> Option<Timestamp> {
        let state = self.lock();
        let waiting = state.due.first().map(|(at, _)| *at);
        let running = state.running.values().min().copied();
        match (waiting, running) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The jobs of the index but the library's own, by due time (then id).
    pub(crate) fn list(&self) -> Vec<Job> {
        let state = self.lock();
        let mut jobs: Vec<Job> = state
            .by_id
            .values()
            .filter(|job| !is_internal(job))
            .cloned()
            .collect();
        jobs.sort_by(|a, b| (a.next, &a.id).cmp(&(b.next, &b.id)));
        jobs
    }

    /// How many jobs the index holds.
    pub(crate) fn len(&self) -> usize {
        self.lock().by_id.len()
    }
}

impl fmt::Debug for Jobs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&String> = self.handlers.keys().collect();
        names.sort();
        f.debug_struct("Jobs")
            .field("registered", &names)
            .field("scheduled", &self.len())
            .finish()
    }
}

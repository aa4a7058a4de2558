//! [`Pool`]: the ordered worker pool. One chat's updates run one at a time in the order they
//! were submitted; other chats run in parallel.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::fmt;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use jiff::Timestamp;

#[allow(unused_imports)]
use crate::Update;
use crate::ext::HandlerError;
use crate::ext::context::Context;
use crate::ext::jobs::{Job, Jobs};
use crate::ext::store::{Change, Store};

/// What orders updates: by default one chat (or one user, for updates without a chat) at a
/// time; see [`OrderBy`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Key {
    /// A chat id, or a user id for updates without a chat (a private chat's id is its user's).
    Id(i64),
    /// A forum topic: the chat's id and the topic's thread id.
    Topic(i64, i64),
    /// A key of an [`OrderBy::custom`] function.
    Custom(u64),
    /// An update with neither, which waits for nothing: keyed by its own id.
    Alone(i64),
    /// A job for no chat and no user: keyed by a hash of its id.
    Job(u64),
}

/// Told whether an update was handled and its changes committed (`true`), or not (`false`:
/// the pool stopped first, or the store kept failing).
pub(crate) type Done = Box<dyn FnOnce(bool) + Send>;

/// What waits in a key's queue.
enum Item {
    /// An update, and who is told when it was handled.
    Update(Update, Option<Done>),
    /// A job's id and the due time of the run.
    Job(String, jiff::Timestamp),
    /// An update found in a shared inbox by [the scan](scan), received by another process:
    /// handled only if its key's lease is free at once.
    Found(Update),
}

/// How often a scheduler reads a store shared with other processes again, for the jobs they
/// scheduled.
const RELOAD_SHARED: Duration = Duration::from_secs(10);

/// How often the scheduler looks for due jobs.
const SCHEDULER_TICK: Duration = Duration::from_millis(50);

/// Which updates an application handles one at a time, in the order they arrived; updates of
/// different keys are handled in parallel. Set with
/// [`ApplicationBuilder::order_by`](crate::ext::ApplicationBuilder::order_by).
///
/// A job for a chat is ordered with that chat's updates under [`OrderBy::Chat`] (and with
/// the key of the same id under the others).
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum OrderBy {
    /// One chat at a time (one user at a time for updates without a chat, such as inline
    /// queries): the default. Conversations and chat data see a chat's updates in order.
    #[default]
    Chat,
    /// One user at a time (one chat at a time for updates without a user, such as channel
    /// posts): a user's updates in every chat are in order, a busy group runs in parallel.
    User,
    /// One forum topic at a time in supergroups with topics, one chat at a time elsewhere.
    ChatTopic,
    /// No order: every update is handled as soon as a worker is free.
    Unordered,
    /// A function of yours gives each update its key; `None` orders it with nothing.
    Custom(KeyFn),
}

/// The function of an [`OrderBy::Custom`].
pub type KeyFn = Arc<dyn Fn(&Update) -> Option<u64> + Send + Sync>;

impl OrderBy {
    /// [`OrderBy::Custom`] with `f`: updates with the same key are handled one at a time.
    pub fn custom(f: impl Fn(&Update) -> Option<u64> + Send + Sync + 'static) -> OrderBy {
        OrderBy::Custom(Arc::new(f))
    }
}

impl fmt::Debug for OrderBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OrderBy::Chat => "Chat",
            OrderBy::User => "User",
            OrderBy::ChatTopic => "ChatTopic",
            OrderBy::Unordered => "Unordered",
            OrderBy::Custom(_) => "Custom(..)",
        })
    }
}

fn key_of(update: &Update, order: &OrderBy) -> Key {
    let chat = || update.effective_chat().map(|c| c.id);
    let user = || update.effective_user().map(|u| u.id);
    let id = match order {
        OrderBy::Chat => chat().or_else(user),
        OrderBy::User => user().or_else(chat),
        OrderBy::ChatTopic => {
            let topic = update
                .effective_message()
                .filter(|m| m.is_topic_message == Some(true))
                .and_then(|m| m.message_thread_id);
            if let (Some(chat), Some(topic)) = (chat(), topic) {
                return Key::Topic(chat, topic);
            }
            chat().or_else(user)
        }
        OrderBy::Unordered => None,
        OrderBy::Custom(f) => match f(update) {
            Some(key) => return Key::Custom(key),
            None => None,
        },
    };
    match id {
        Some(id) => Key::Id(id),
        None => Key::Alone(update.update_id),
    }
}

/// The name of what orders `update`, for leases: `chat/<id>`, `topic/<chat>/<thread>`,
/// `key/<key>`, or `update/<id>` for an update that waits for nothing.
pub(crate) fn order_key(update: &Update, order: &OrderBy) -> String {
    match key_of(update, order) {
        Key::Id(id) => chat_order_key(id),
        Key::Topic(chat, thread) => format!("topic/{chat}/{thread}"),
        Key::Custom(key) => format!("key/{key:x}"),
        Key::Alone(id) => format!("update/{id}"),
        Key::Job(hash) => format!("job/{hash:x}"),
    }
}

fn chat_order_key(id: i64) -> String {
    format!("chat/{id}")
}

/// The name of what orders the runs of `job`, for leases: its chat's, the same as that chat's
/// updates, or `job/<id>` for a job for no chat and no user.
pub(crate) fn job_order_key(job: &Job) -> String {
    match job.order_id() {
        Some(chat) => chat_order_key(chat),
        None => format!("job/{}", job.id()),
    }
}

/// The pool's key for the runs of job `id` that is for `chat` (or no chat).
fn job_pool_key(id: &str, chat: Option<i64>) -> Key {
    match chat {
        Some(chat) => Key::Id(chat),
        None => {
            let mut hasher = std::hash::DefaultHasher::new();
            std::hash::Hash::hash(id, &mut hasher);
            Key::Job(std::hash::Hasher::finish(&hasher))
        }
    }
}

#[derive(Default)]
struct State {
    /// The pending updates of each key that is queued or running.
    queues: HashMap<Key, VecDeque<Item>>,
    /// Keys with pending updates and no update running.
    ready: VecDeque<Key>,
    /// Updates submitted and not started.
    queued: usize,
    /// Updates submitted and not finished.
    outstanding: BTreeSet<i64>,
    /// Updates that finished without being done (the application stopped before their
    /// changes were committed): never confirmed.
    held: BTreeSet<i64>,
    /// The highest update id submitted.
    last_submitted: Option<i64>,
    /// Stop taking updates out of the queue.
    closed: bool,
    /// Worker threads running.
    alive: usize,
    /// Workers waiting for work (signalling `work` without any costs a system call).
    idle: usize,
    /// Workers signalled on `work` and not yet awake: a key made ready wakes another only
    /// when there are more ready keys than these.
    waking: usize,
    /// What the runner waits for, if it waits: see [`Pool::wait_until`].
    settle: Option<Settle>,
    /// Threads waiting on `progress`.
    watchers: usize,
    /// With a store that keeps an inbox: updates submitted and not yet written to it, and who
    /// is told once they are.
    intake: Vec<(Update, Option<Done>)>,
    /// With a store that keeps an inbox: the highest update id written to it (every update
    /// below it is in the inbox or handled, so Telegram may be told it arrived).
    received: Option<i64>,
    /// With a store that keeps an inbox: updates handled whose entries are still to be taken
    /// out of it (several at a time, by the inbox's writer).
    handled: Vec<i64>,
    /// With a store that keeps an inbox: updates handled whose changes are still to be
    /// committed (several in one transaction, by the inbox's writer), each with its key, which
    /// waits for the commit (the key's next update must see it), and who is told.
    commits: Vec<(Key, Deferred, Option<Done>)>,
    /// With a shared inbox: the updates [the scan](scan) queued ([`Item::Found`]) and that are
    /// not finished.
    found: HashSet<i64>,
}

/// What [`Pool::wait_until`] waits for: whichever comes first.
#[derive(Clone, Copy)]
struct Settle {
    /// The confirmed offset at or past this.
    offset: Option<i64>,
    /// At most this many updates pending.
    pending: Option<usize>,
}

impl Settle {
    fn reached(&self, state: &State) -> bool {
        self.pending
            .is_some_and(|most| state.outstanding.len() <= most)
            || self
                .offset
                .is_some_and(|want| confirmed(state).is_some_and(|now| now >= want))
    }
}

struct Shared {
    state: Mutex<State>,
    /// Signalled when an update is queued, or the pool closes.
    work: Condvar,
    /// Signalled when an update is taken out of the queue or finished.
    progress: Condvar,
    /// Signalled when an update waits to be written to the inbox, or the pool closes.
    arrived: Condvar,
    /// Signalled when what the runner waits for ([`State::settle`]) is reached, or the pool
    /// closes.
    settled: Condvar,
    /// Signalled when the pool closes, for [the scan](scan), which otherwise waits its interval.
    closing: Condvar,
    capacity: usize,
    /// Whether updates go through the store's inbox.
    inbox: bool,
    /// Whether the inbox is shared with other processes
    /// ([`Store::is_shared`](crate::ext::store::Store::is_shared)): each update is handled under its key's lease, after the key's earlier ones in the
    /// inbox, and [the scan](scan) looks for the updates other processes received.
    shared_inbox: bool,
    /// Whether the changes of updates from the inbox are committed by the inbox's writer,
    /// several at a time (a store with an inbox, of this process only), instead of by the
    /// worker that handled each.
    deferring: bool,
    /// What orders updates.
    order: OrderBy,
}

impl Shared {
    /// Waits on `progress` for at most `wait` (without limit when `None`).
    fn wait_progress<'a>(
        &self,
        mut state: MutexGuard<'a, State>,
        wait: Option<Duration>,
    ) -> MutexGuard<'a, State> {
        state.watchers += 1;
        let mut state = match wait {
            None => self.progress.wait(state).unwrap_or_else(|e| e.into_inner()),
            Some(wait) => {
                self.progress
                    .wait_timeout(state, wait)
                    .unwrap_or_else(|e| e.into_inner())
                    .0
            }
        };
        state.watchers -= 1;
        state
    }

    fn notify_progress(&self, state: &State) {
        if state.watchers > 0 {
            self.progress.notify_all();
        }
        if state.settle.is_some_and(|settle| settle.reached(state)) {
            self.settled.notify_all();
        }
    }

    /// Puts `item` at the end of `key`'s queue.
    fn queue(&self, state: &mut State, key: Key, item: Item) {
        match state.queues.get_mut(&key) {
            Some(queue) => queue.push_back(item),
            None => {
                state.queues.insert(key, VecDeque::from([item]));
                state.ready.push_back(key);
                self.wake(state);
            }
        }
    }

    /// Wakes an idle worker for a key just made ready, unless the workers already woken are
    /// as many as the ready keys (each takes one; a busy worker takes the next when done).
    fn wake(&self, state: &mut State) {
        if state.idle > state.waking && state.ready.len() > state.waking {
            state.waking += 1;
            self.work.notify_one();
        }
    }

    /// Takes a submitted update: to the inbox's writer when the store keeps an inbox (the
    /// caller signals `arrived`), else straight to its key's queue.
    fn take(&self, state: &mut State, update: Update, done: Option<Done>) {
        if self.inbox {
            state.intake.push((update, done));
        } else {
            let key = key_of(&update, &self.order);
            self.queue(state, key, Item::Update(update, done));
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Handlers run outside the lock, so a poisoned lock only means a panic in this module's
        // own bookkeeping, which does not leave the state half-changed.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The ordered worker pool of an [`Application`](crate::ext::Application), for feeding it updates
/// from your own source (the runners use it; [`Application::start_pool`](crate::ext::Application::start_pool)
/// starts one).
///
/// - Updates of one chat (of one user, for updates without a chat) are handled one at a time,
///   in the order submitted; other chats are handled in parallel by the workers.
/// - At most the configured capacity of updates wait in the queue: [`submit`](Pool::submit)
///   blocks while it is full.
/// - [`confirmed_offset`](Pool::confirmed_offset) is what may be confirmed to Telegram. With a
///   store that keeps an inbox ([`Store::has_inbox`](crate::ext::store::Store::has_inbox), the file
///   store, the Redis store), every update below it is written to the inbox, from which it is
///   handled, also after a crash; the pool writes what is submitted together, several updates
///   per transaction. Without one (the memory store), every update below it has been handled (its
///   handler returned, or failed and the error handler ran).
/// - At start, a file store's inbox is read: the updates received and not handled before (the
///   process stopped or died) are handled first, in order.
/// - With an inbox shared by several processes (the `RedisStore`), each update is handled
///   under its key's lease, after the key's earlier updates still in the inbox, whichever
///   process received them; the pool also looks at the inbox every
///   [`inbox_scan_interval`](crate::ext::ApplicationBuilder::inbox_scan_interval) for the updates
///   other processes received and did not handle (busy, or dead: their leases expire after
///   [`lease_ttl`](crate::ext::ApplicationBuilder::lease_ttl)). At start, the inbox is not read at
///   once: the first looks find what waits there.
pub struct Pool {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
    scheduler: Option<JoinHandle<()>>,
    intake: Option<JoinHandle<()>>,
    /// With a shared inbox: [the scan](scan).
    scanner: Option<JoinHandle<()>>,
    store: Arc<dyn crate::ext::store::Store>,
}

/// The pool's settings, from the application's builder.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    /// How many worker threads.
    pub(crate) workers: usize,
    /// How many updates may wait in the queues.
    pub(crate) queue_capacity: usize,
    /// The stack size of each thread of the pool.
    pub(crate) stack_size: usize,
    /// How often a shared inbox is scanned for updates other processes left.
    pub(crate) inbox_scan: Duration,
    /// What orders updates.
    pub(crate) order_by: OrderBy,
}

/// What the pool hands its work to: the pool decides which update or job runs when, and in
/// which order; this handles it (the application: middlewares, handlers, commit).
pub(crate) trait Dispatch: Send + Sync + 'static {
    /// The store: its inbox, and the jobs' records.
    fn store(&self) -> &Arc<dyn Store>;
    /// The index of the scheduled jobs.
    fn jobs(&self) -> &Jobs;
    /// The time now, on the application's clock.
    fn now(&self) -> Timestamp;
    /// Handles `update` and commits its changes; whether it is done (false: stopped first).
    /// `from_inbox`: it was taken from the store's inbox.
    fn dispatch(&self, update: Update, from_inbox: bool) -> bool;
    /// Handles `update` from a shared inbox under its key's lease, waiting for the lease when
    /// `wait`; `None` when left to the process that holds the lease, else whether it is done.
    fn dispatch_shared(&self, update: Update, wait: bool) -> Option<bool>;
    /// Handles `update`, taken from the store's inbox, leaving the commit of its changes to
    /// [`commit_deferred`](Dispatch::commit_deferred).
    fn dispatch_deferring(&self, update: Update) -> Handled;
    /// Commits the changes [`dispatch_deferring`](Dispatch::dispatch_deferring) left; the
    /// outcome of each, in order, by update id.
    fn commit_deferred(&self, deferred: Vec<Deferred>) -> Vec<(i64, Committed)>;
    /// Runs the job `id` for its run due at `due`.
    fn run_job(&self, id: &str, due: Timestamp);
    /// Writes `updates` to the store's inbox: the ids written (not received before), or
    /// `None` when stopped first.
    fn receive(&self, updates: &[(i64, Vec<u8>)]) -> Option<Vec<i64>>;
    /// The update `id` of the inbox, decoded from `json` (dropped from the inbox when it does
    /// not decode).
    fn decode_inbox_entry(&self, id: i64, json: &[u8]) -> Option<Update>;
    /// Notes that update `id` of the inbox has the ordering key `key`.
    fn remember_inbox_key(&self, id: i64, key: String);
    /// Forgets the ordering keys of updates no longer in the inbox (`pending` are in it).
    fn forget_inbox_keys(&self, pending: &HashSet<i64>);
    /// Reports a failure of the jobs as a whole.
    fn report_jobs(&self, error: &HandlerError);
}

/// What [`Dispatch::dispatch_deferring`] did with an update.
pub(crate) enum Handled {
    /// Nothing to commit: handled (`true`), or not (the application stopped first).
    Done(bool),
    /// Handled, with changes to commit ([`Dispatch::commit_deferred`]).
    Commit(Box<Deferred>),
}

/// An update handled, and the changes it left to commit.
pub(crate) struct Deferred {
    /// The update's id.
    pub(crate) id: i64,
    /// The context it was handled with, for reporting a failed commit.
    pub(crate) ctx: Context,
    /// The changes to commit.
    pub(crate) changes: Vec<Change>,
}

/// What [`Dispatch::commit_deferred`] did with an update's changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Committed {
    /// Committed: the update left the inbox in the same transaction.
    Applied,
    /// Committed before: the update is done, its entry still to be taken out of the inbox.
    Done,
    /// Not committed: the application stopped first.
    NotDone,
}

impl Pool {
    pub(crate) fn start(inner: Arc<dyn Dispatch>, settings: Settings) -> std::io::Result<Pool> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            work: Condvar::new(),
            progress: Condvar::new(),
            arrived: Condvar::new(),
            settled: Condvar::new(),
            closing: Condvar::new(),
            capacity: settings.queue_capacity.max(1),
            inbox: inner.store().has_inbox(),
            shared_inbox: inner.store().has_inbox() && inner.store().is_shared(),
            deferring: inner.store().has_inbox() && !inner.store().is_shared(),
            order: settings.order_by.clone(),
        });
        // What was received before and not handled goes first; in a shared inbox, the scan
        // finds it (another process may be handling it).
        if shared.inbox && !shared.shared_inbox {
            let kept = inner.store().inbox().map_err(std::io::Error::other)?;
            let mut state = shared.lock();
            for (id, json) in kept {
                match crate::webhook::parse_update(&json) {
                    Ok(update) => {
                        state.outstanding.insert(id);
                        state.queued += 1;
                        state.last_submitted = Some(state.last_submitted.map_or(id, |l| l.max(id)));
                        shared.queue(
                            &mut state,
                            key_of(&update, &shared.order),
                            Item::Update(update, None),
                        );
                    }
                    Err(e) => {
                        log::error!(
                            target: "telegram_api",
                            "update {id} in the inbox does not decode, dropped: {e}"
                        );
                        if let Err(e) = inner.store().inbox_remove(&[id]) {
                            log::warn!(target: "telegram_api", "update {id}: {e}");
                        }
                    }
                }
                state.received = Some(state.received.map_or(id, |r| r.max(id)));
            }
        }
        let mut threads = Vec::with_capacity(settings.workers);
        for i in 0..settings.workers.max(1) {
            let shared = shared.clone();
            shared.lock().alive += 1;
            let spawned = thread::Builder::new()
                .name(format!("telegram-worker-{i}"))
                .stack_size(settings.stack_size)
                .spawn({
                    let (shared, inner) = (shared.clone(), inner.clone());
                    move || work(&shared, &*inner)
                });
            match spawned {
                Ok(t) => threads.push(t),
                Err(e) => {
                    shared.lock().alive -= 1;
                    let pool = Pool {
                        shared,
                        threads,
                        scheduler: None,
                        intake: None,
                        scanner: None,
                        store: inner.store().clone(),
                    };
                    pool.close();
                    return Err(e);
                }
            }
        }
        let mut pool = Pool {
            shared,
            threads,
            scheduler: None,
            intake: None,
            scanner: None,
            store: inner.store().clone(),
        };
        let stack = settings.stack_size;
        if pool.shared.inbox {
            let (shared, inner) = (pool.shared.clone(), inner.clone());
            pool.intake =
                Some(pool.start_thread("telegram-inbox", stack, move || intake(&shared, &*inner))?);
        }
        if pool.shared.shared_inbox {
            let (shared, inner) = (pool.shared.clone(), inner.clone());
            let interval = settings.inbox_scan;
            pool.scanner = Some(pool.start_thread("telegram-inbox-scan", stack, move || {
                scan(&shared, &*inner, interval)
            })?);
        }
        if inner.jobs().has_handlers() {
            let shared = pool.shared.clone();
            pool.scheduler = Some(
                pool.start_thread("telegram-jobs", stack, move || schedule(&shared, &*inner))?,
            );
        }
        Ok(pool)
    }

    /// Queues `update`, waiting while the queue is full. Updates must be submitted in
    /// `update_id` order; an update whose id was already submitted is ignored.
    pub fn submit(&self, update: Update) {
        let _ = self.submit_timeout(update, None);
    }

    /// Queues `update`, waiting at most `wait` while the queue is full.
    ///
    /// # Errors
    ///
    /// Gives `update` back when the queue has no room within `wait`, or the pool is stopping.
    pub fn try_submit(&self, update: Update, wait: Duration) -> Result<(), Update> {
        self.submit_timeout(update, Some(wait))
    }

    /// The state, locked, once the queue has room: waiting at most `wait` (or for good);
    /// `None` when the wait ran out or the pool is stopping.
    fn room(&self, wait: Option<Duration>) -> Option<MutexGuard<'_, State>> {
        let deadline = wait.map(|w| Instant::now() + w);
        let mut state = self.shared.lock();
        while state.queued >= self.shared.capacity && !state.closed {
            match deadline {
                None => state = self.shared.wait_progress(state, None),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return None;
                    }
                    state = self.shared.wait_progress(state, Some(deadline - now));
                }
            }
        }
        (!state.closed).then_some(state)
    }

    fn submit_timeout(&self, update: Update, wait: Option<Duration>) -> Result<(), Update> {
        let Some(mut state) = self.room(wait) else {
            return Err(update);
        };
        let id = update.update_id;
        if state.last_submitted.is_some_and(|last| id <= last) {
            return Ok(());
        }
        state.last_submitted = Some(id);
        state.outstanding.insert(id);
        state.queued += 1;
        self.shared.take(&mut state, update, None);
        if self.shared.inbox {
            self.shared.arrived.notify_one();
        }
        Ok(())
    }

    /// Queues the updates at the front of `updates`, in order, as [`submit`](Pool::submit)
    /// does, as many as the queue has room for, all under one lock (waiting at most `wait`
    /// for room); the rest stay in `updates`.
    pub(crate) fn submit_some(&self, updates: &mut VecDeque<Update>, wait: Duration) {
        let Some(mut state) = self.room(Some(wait)) else {
            return;
        };
        let mut taken = false;
        while state.queued < self.shared.capacity
            && let Some(update) = updates.pop_front()
        {
            let id = update.update_id;
            if state.last_submitted.is_some_and(|last| id <= last) {
                continue;
            }
            state.last_submitted = Some(id);
            state.outstanding.insert(id);
            state.queued += 1;
            self.shared.take(&mut state, update, None);
            taken = true;
        }
        if taken && self.shared.inbox {
            self.shared.arrived.notify_one();
        }
    }

    /// Waits at most `wait` until the confirmed offset is at least `offset`, or at most
    /// `pending` updates are pending (whichever is given and comes first), or the pool
    /// closes. Unlike [`wait_progress`](Pool::wait_progress), the waiting thread is woken
    /// only then, not at each update handled. One thread at a time (the runner's).
    pub(crate) fn wait_until(&self, offset: Option<i64>, pending: Option<usize>, wait: Duration) {
        let settle = Settle { offset, pending };
        let deadline = Instant::now() + wait;
        let mut state = self.shared.lock();
        while !settle.reached(&state) && !state.closed {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            state.settle = Some(settle);
            state = self
                .shared
                .settled
                .wait_timeout(state, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
            state.settle = None;
        }
    }

    /// Queues `update`, as it arrives (not necessarily in `update_id` order), waiting at most
    /// `wait` while the queue is full; `done` is told once it may be confirmed to Telegram
    /// (written to the store's inbox, or without one, handled and committed), or that it may
    /// not. An update already in the pool (delivered again while it is handled)
    /// is not queued twice: `done` is told `false` at once. One handled before is handled
    /// again, which the store's record of handled updates turns into nothing.
    ///
    /// # Errors
    ///
    /// Gives `update` and `done` back when the queue has no room within `wait`, or the pool is
    /// stopping.
    pub(crate) fn try_submit_with(
        &self,
        update: Update,
        wait: Duration,
        done: Done,
    ) -> Result<(), (Update, Done)> {
        let Some(mut state) = self.room(Some(wait)) else {
            return Err((update, done));
        };
        let id = update.update_id;
        if !state.outstanding.insert(id) {
            drop(state);
            done(false);
            return Ok(());
        }
        state.last_submitted = Some(state.last_submitted.map_or(id, |last| last.max(id)));
        state.queued += 1;
        self.shared.take(&mut state, update, Some(done));
        if self.shared.inbox {
            self.shared.arrived.notify_one();
        }
        Ok(())
    }

    /// The offset to confirm to Telegram: every update submitted with a lower id has been
    /// written to the store's inbox, or without one, handled. `None` before the first update.
    pub fn confirmed_offset(&self) -> Option<i64> {
        let state = self.shared.lock();
        confirmed(&state)
    }

    /// Whether updates go through the store's inbox ([`Store::has_inbox`](crate::ext::store::Store::has_inbox)):
    /// then [`confirmed_offset`](Pool::confirmed_offset) moves once they are written to it.
    pub fn has_inbox(&self) -> bool {
        self.shared.inbox
    }

    /// How many updates are submitted and not yet handled (queued or running).
    pub fn pending(&self) -> usize {
        self.shared.lock().outstanding.len()
    }

    /// How many updates wait in the queue, not yet started.
    pub fn queued(&self) -> usize {
        self.shared.lock().queued
    }

    /// Waits at most `wait` for [`confirmed_offset`](Pool::confirmed_offset) to differ from
    /// `from`, and returns it.
    pub fn wait_progress(&self, from: Option<i64>, wait: Duration) -> Option<i64> {
        let deadline = Instant::now() + wait;
        let mut state = self.shared.lock();
        loop {
            let now = confirmed(&state);
            if now != from {
                return now;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return now;
            }
            state = self.shared.wait_progress(state, Some(left));
        }
    }

    /// Waits at most `wait` until every submitted update was handled; whether they were.
    pub fn wait_idle(&self, wait: Duration) -> bool {
        let deadline = Instant::now() + wait;
        let mut state = self.shared.lock();
        while !state.outstanding.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            state = self.shared.wait_progress(state, Some(left));
        }
        true
    }

    /// Stops the pool: handles what is queued and running for at most `deadline`, then stops
    /// the workers. Updates still running then are left to finish on their own (they stay
    /// unconfirmed); queued ones are dropped. Returns the final
    /// [`confirmed_offset`](Pool::confirmed_offset).
    pub fn shutdown(mut self, deadline: Duration) -> Option<i64> {
        self.wait_idle(deadline);
        self.close();
        let offset = self.confirmed_offset();
        // Join the workers that are done; a handler still running keeps its thread.
        let mut state = self.shared.lock();
        let until = Instant::now() + Duration::from_millis(100);
        while state.alive > 0 && Instant::now() < until {
            state = self
                .shared
                .wait_progress(state, Some(Duration::from_millis(10)));
        }
        let all_done = state.alive == 0;
        drop(state);
        if all_done {
            for t in self.threads.drain(..) {
                let _ = t.join();
            }
        }
        if let Some(t) = self.scheduler.take() {
            let _ = t.join();
        }
        if let Some(t) = self.scanner.take() {
            let _ = t.join();
        }
        if let Some(t) = self.intake.take() {
            let _ = t.join();
            // The last handled updates leave the inbox, so that the next start does not
            // handle them again.
            let handled = std::mem::take(&mut self.shared.lock().handled);
            if !handled.is_empty()
                && let Err(e) = self.store.inbox_remove(&handled)
            {
                log::warn!(target: "telegram_api", "updates {handled:?} stay in the inbox: {e}");
            }
            if let Err(e) = self.store.sync() {
                log::warn!(target: "telegram_api", "cannot sync the store: {e}");
            }
        }
        offset
    }

    /// Starts a thread of the pool; when it cannot start, closes the pool (the threads started
    /// so far finish) and returns the error.
    fn start_thread(
        &self,
        name: &str,
        stack_size: usize,
        run: impl FnOnce() + Send + 'static,
    ) -> std::io::Result<JoinHandle<()>> {
        let spawned = thread::Builder::new()
            .name(name.into())
            .stack_size(stack_size)
            .spawn(run);
        if spawned.is_err() {
            self.close();
        }
        spawned
    }

    fn close(&self) {
        let mut state = self.shared.lock();
        state.closed = true;
        self.shared.work.notify_all();
        self.shared.progress.notify_all();
        self.shared.arrived.notify_all();
        self.shared.settled.notify_all();
        self.shared.closing.notify_all();
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.close();
    }
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.lock();
        f.debug_struct("Pool")
            .field("workers", &self.threads.len())
            .field("capacity", &self.shared.capacity)
            .field("queued", &state.queued)
            .field("pending", &state.outstanding.len())
            .field("confirmed_offset", &confirmed(&state))
            .finish()
    }
}

fn confirmed(state: &State) -> Option<i64> {
    if let Some(received) = state.received {
        return Some(received + 1);
    }
    match (state.outstanding.first(), state.held.first()) {
        (Some(&a), Some(&b)) => Some(a.min(b)),
        (Some(&first), None) | (None, Some(&first)) => Some(first),
        (None, None) => state.last_submitted.map(|last| last + 1),
    }
}

/// A worker: takes the next ready chat's first update, handles it, puts the chat back.
fn work(shared: &Shared, inner: &dyn Dispatch) {
    let mut state = shared.lock();
    loop {
        if state.closed {
            break;
        }
        let Some(key) = state.ready.pop_front() else {
            state.idle += 1;
            state = shared.work.wait(state).unwrap_or_else(|e| e.into_inner());
            state.idle -= 1;
            state.waking = state.waking.saturating_sub(1);
            continue;
        };
        let Some(item) = state.queues.get_mut(&key).and_then(VecDeque::pop_front) else {
            state.queues.remove(&key);
            continue;
        };
        match item {
            Item::Update(update, tell) => {
                state.queued -= 1;
                shared.notify_progress(&state);
                drop(state);

                let id = update.update_id;
                // In a pool with an inbox, every update comes from the inbox.
                let done = if shared.deferring {
                    match inner.dispatch_deferring(update) {
                        Handled::Done(done) => done,
                        Handled::Commit(deferred) => {
                            // The key waits for the commit: the inbox's writer puts it back.
                            state = shared.lock();
                            state.commits.push((key, *deferred, tell));
                            if state.commits.len() == 1 {
                                shared.arrived.notify_one();
                            }
                            continue;
                        }
                    }
                } else if shared.shared_inbox {
                    // Received here: waits for its key's lease; it leaves the inbox under it.
                    inner.dispatch_shared(update, true).unwrap_or(false)
                } else {
                    inner.dispatch(update, shared.inbox)
                };
                if let Some(tell) = tell {
                    tell(done);
                }

                state = shared.lock();
                if shared.inbox && !shared.shared_inbox && done {
                    // Handled: its entry goes (one with changes went in its commit already).
                    state.handled.push(id);
                    if state.handled.len() == 1 {
                        shared.arrived.notify_one();
                    }
                }
                state.outstanding.remove(&id);
                if !done {
                    state.held.insert(id);
                }
            }
            Item::Job(id, due) => {
                drop(state);
                inner.run_job(&id, due);
                state = shared.lock();
            }
            Item::Found(update) => {
                drop(state);
                let id = update.update_id;
                // Left to the process holding its key's lease, if one does: the scan finds it
                // again while it is in the inbox.
                let _ = inner.dispatch_shared(update, false);
                state = shared.lock();
                state.found.remove(&id);
            }
        }
        match state.queues.get(&key) {
            // This worker takes the next ready key itself, so no other needs waking.
            Some(queue) if !queue.is_empty() => state.ready.push_back(key),
            _ => {
                state.queues.remove(&key);
            }
        }
        shared.notify_progress(&state);
    }
    state.alive -= 1;
    shared.notify_progress(&state);
}

/// How long the inbox's writer waits for more to write before it makes the commits of handled
/// updates durable on their own.
const SYNC_DELAY: Duration = Duration::from_millis(20);

/// The longest the commits of handled updates wait to be made durable while updates keep
/// being handled.
const SYNC_EVERY: Duration = Duration::from_millis(50);

/// Makes the store's deferred commits durable, logging a failure (a later sync or batch
/// retries it; a crash before then has those updates handled again).
fn sync(inner: &dyn Dispatch) {
    if let Err(e) = inner.store().sync() {
        log::warn!(target: "telegram_api", "cannot sync the store: {e}");
    }
}

/// The inbox's writer: writes what was submitted since its last write in one transaction, tells
/// each update's submitter, and queues the updates not received before; until the pool closes.
/// Updates not written by then are told `false` and dropped (Telegram delivers them again).
fn intake(shared: &Shared, inner: &dyn Dispatch) {
    let mut state = shared.lock();
    // Whether commits were written since the last durable write, and when that was.
    let mut unsynced = false;
    let mut synced = Instant::now();
    loop {
        while state.intake.is_empty()
            && state.handled.is_empty()
            && state.commits.is_empty()
            && !state.closed
        {
            if !unsynced {
                state = shared
                    .arrived
                    .wait(state)
                    .unwrap_or_else(|e| e.into_inner());
                continue;
            }
            let (waited, timeout) = shared
                .arrived
                .wait_timeout(state, SYNC_DELAY)
                .unwrap_or_else(|e| e.into_inner());
            state = waited;
            if timeout.timed_out()
                && state.intake.is_empty()
                && state.handled.is_empty()
                && state.commits.is_empty()
            {
                // Quiet for a moment: what the workers committed goes to disk now.
                drop(state);
                sync(inner);
                (unsynced, synced) = (false, Instant::now());
                state = shared.lock();
            }
        }
        // Updates waiting to be received go first: polling waits for them to be in the inbox.
        let commits = if state.intake.is_empty() || state.closed {
            std::mem::take(&mut state.commits)
        } else {
            Vec::new()
        };
        drop(state);
        if !commits.is_empty() {
            // Not synced (the updates are in the inbox): the next synced write carries them.
            unsynced = true;
            commit(shared, inner, commits);
            if synced.elapsed() >= SYNC_EVERY {
                // Busy with handled updates only: a crash redoes at most this much.
                sync(inner);
                (unsynced, synced) = (false, Instant::now());
            }
        }
        state = shared.lock();
        let batch = std::mem::take(&mut state.intake);
        let handled = std::mem::take(&mut state.handled);
        let closed = state.closed;
        drop(state);
        if !handled.is_empty() {
            unsynced = true;
            if let Err(e) = inner.store().inbox_remove(&handled) {
                // Left in the inbox: handled again at the next start.
                log::warn!(target: "telegram_api", "updates {handled:?} stay in the inbox: {e}");
            }
            if synced.elapsed() >= SYNC_EVERY {
                // Busy with handled updates only: a crash redoes at most this much.
                sync(inner);
                (unsynced, synced) = (false, Instant::now());
            }
        }
        if batch.is_empty() {
            state = shared.lock();
            if closed
                && state.intake.is_empty()
                && state.handled.is_empty()
                && state.commits.is_empty()
            {
                break;
            }
            continue;
        }
        let written = if closed {
            None
        } else {
            let rows: Vec<(i64, Vec<u8>)> = batch
                .iter()
                .map(|(update, _)| {
                    // Serialising a decoded update cannot fail: its unknown parts are JSON.
                    let json = serde_json::to_vec(update).unwrap_or_default();
                    (update.update_id, json)
                })
                .collect();
            let written = inner.receive(&rows);
            if written.is_some() {
                // A durable write: it carries every commit before it to disk.
                (unsynced, synced) = (false, Instant::now());
            }
            written
        };
        state = shared.lock();
        let mut tell = Vec::with_capacity(batch.len());
        let ok = written.is_some();
        let added: std::collections::HashSet<i64> = written.into_iter().flatten().collect();
        for (update, done) in batch {
            let id = update.update_id;
            if ok {
                state.received = Some(state.received.map_or(id, |r| r.max(id)));
            }
            if added.contains(&id) {
                shared.queue(
                    &mut state,
                    key_of(&update, &shared.order),
                    Item::Update(update, None),
                );
            } else {
                // Received before (it is in the inbox or was handled), or not written.
                state.outstanding.remove(&id);
                state.queued -= 1;
            }
            if let Some(done) = done {
                tell.push(done);
            }
        }
        shared.notify_progress(&state);
        drop(state);
        for done in tell {
            done(ok);
        }
        state = shared.lock();
        if closed && state.intake.is_empty() && state.commits.is_empty() {
            break;
        }
    }
}

/// With an inbox shared with other processes: every
/// [`inbox_scan_interval`](crate::ext::ApplicationBuilder::inbox_scan_interval), reads the ids in the
/// inbox, and queues the updates that were there at the previous look too and that this
/// process is not handling (received by another process that is busy, or died), lowest id
/// first and as many as the queue has room for; until the pool closes. Between looks it waits
/// on a condition variable that only the pool's closing signals: no busy loop.
///
/// An update is queued as [`Item::Found`]: handled only when its key's lease is free at once
/// (see [`Dispatch::dispatch_shared`]), else left to the process that holds it. The updates this
/// process receives are queued by the inbox's writer as they are written, not by the scan.
fn scan(shared: &Shared, inner: &dyn Dispatch, interval: Duration) {
    // The ids in the inbox at the previous look.
    let mut before: HashSet<i64> = HashSet::new();
    let mut failing = false;
    let mut state = shared.lock();
    loop {
        state = shared
            .closing
            .wait_timeout_while(state, interval, |state| !state.closed)
            .unwrap_or_else(|e| e.into_inner())
            .0;
        if state.closed {
            break;
        }
        drop(state);
        let ids = match inner.store().inbox_ids(i64::MAX) {
            Ok(ids) => {
                failing = false;
                ids
            }
            Err(e) => {
                // Logged once per run of failures; the workers report the store's errors.
                if !failing {
                    log::warn!(target: "telegram_api", "cannot read the shared inbox: {e}");
                }
                failing = true;
                state = shared.lock();
                continue;
            }
        };
        let now: HashSet<i64> = ids.iter().copied().collect();
        inner.forget_inbox_keys(&now);
        let take: Vec<i64> = {
            let state = shared.lock();
            let room = shared
                .capacity
                .saturating_sub(state.queued + state.found.len());
            ids.iter()
                .copied()
                .filter(|id| {
                    before.contains(id)
                        && !state.outstanding.contains(id)
                        && !state.found.contains(id)
                })
                .take(room)
                .collect()
        };
        before = now;
        if !take.is_empty() {
            match inner.store().inbox_get(&take) {
                Ok(entries) => {
                    let mut found = Vec::with_capacity(entries.len());
                    for (id, json) in entries {
                        if let Some(update) = inner.decode_inbox_entry(id, &json) {
                            let key = order_key(&update, &shared.order);
                            inner.remember_inbox_key(id, key);
                            found.push(update);
                        }
                    }
                    let mut state = shared.lock();
                    if !state.closed {
                        for update in found {
                            log::debug!(
                                target: "telegram_api",
                                "update {} found in the shared inbox",
                                update.update_id
                            );
                            state.found.insert(update.update_id);
                            let key = key_of(&update, &shared.order);
                            shared.queue(&mut state, key, Item::Found(update));
                        }
                    }
                }
                Err(e) => {
                    log::warn!(target: "telegram_api", "cannot read the shared inbox: {e}");
                }
            }
        }
        state = shared.lock();
    }
}

/// Commits the changes of `commits` together, tells each update's submitter, and puts each
/// key back (ready when more of its updates wait).
fn commit(shared: &Shared, inner: &dyn Dispatch, commits: Vec<(Key, Deferred, Option<Done>)>) {
    let mut keys = Vec::with_capacity(commits.len());
    let mut tell = Vec::with_capacity(commits.len());
    let mut deferred = Vec::with_capacity(commits.len());
    for (key, d, done) in commits {
        keys.push(key);
        tell.push(done);
        deferred.push(d);
    }
    let outcomes = inner.commit_deferred(deferred);
    for ((_, outcome), done) in outcomes.iter().zip(tell) {
        if let Some(done) = done {
            done(*outcome != Committed::NotDone);
        }
    }
    let mut state = shared.lock();
    for (key, (id, outcome)) in keys.into_iter().zip(outcomes) {
        match outcome {
            // Its entry left the inbox with the commit.
            Committed::Applied => {}
            Committed::Done => state.handled.push(id),
            Committed::NotDone => {
                state.held.insert(id);
            }
        }
        state.outstanding.remove(&id);
        match state.queues.get(&key) {
            Some(queue) if !queue.is_empty() => {
                state.ready.push_back(key);
                shared.wake(&mut state);
            }
            _ => {
                state.queues.remove(&key);
            }
        }
    }
    shared.notify_progress(&state);
}

/// The scheduler: every [`SCHEDULER_TICK`], queues the jobs that fell due, each behind its
/// chat's updates; until the pool closes.
fn schedule(shared: &Shared, inner: &dyn Dispatch) {
    let mut loaded: Option<Instant> = None;
    let mut failing = false;
    while !shared.lock().closed {
        let again =
            inner.store().is_shared() && loaded.is_some_and(|t| t.elapsed() >= RELOAD_SHARED);
        match inner.jobs().load(&**inner.store(), again) {
            Ok(()) => {
                if again || loaded.is_none() {
                    loaded = Some(Instant::now());
                }
                failing = false;
            }
            Err(e) => {
                // Reported once per run of failures; the index keeps what it had.
                if !failing {
                    inner.report_jobs(&HandlerError::Store(e));
                }
                failing = true;
            }
        }
        let due = inner.jobs().take_due(inner.now());
        if !due.is_empty() {
            let mut state = shared.lock();
            for (id, at, chat) in due {
                let key = job_pool_key(&id, chat);
                shared.queue(&mut state, key, Item::Job(id, at));
            }
        }
        thread::sleep(SCHEDULER_TICK);
    }
}

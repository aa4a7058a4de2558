//! [`Application`]: handlers in groups, an error handler, and the settings of the worker pool.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::context::{Context, Work};
use super::handler::{Handler, Matched};
use super::jobs::{self, Job, JobCallback, JobError, JobHost, Jobs, Late, is_internal};
use super::pool::{
    self, Committed, Deferred, Dispatch, Handled, OrderBy, Pool, job_order_key, order_key,
};
use super::schedule::Schedule;
use super::store::{self, Change, Commit, FileStore, MemoryStore, Store, StoreError};
use super::{BoxError, Filter};
use crate::clock::Clock;
use crate::methods::SetMyCommands;
use crate::{Bot, BotCommand, Call, Defaults, StopHandle, Update, UpdateKind, UpdateType};

/// Why a handler did not handle an update, as the error handler receives it.
#[derive(Debug)]
#[non_exhaustive]
pub enum HandlerError {
    /// The handler returned an error.
    Failed(BoxError),
    /// The handler panicked; the panic's message.
    Panicked(String),
    /// The update arrived but a part of it could not be decoded (it is kept as
    /// [`UpdateKind::Unknown`]); the decoding error. No handler but [`Handler::update`] sees it.
    /// Also an item of a `getUpdates` batch that is not an update at all (no readable
    /// `update_id`), with a context whose update is number 0, of the unknown kind `skipped`;
    /// polling goes on past it.
    Undecodable(String),
    /// The store failed while the update was handled: reading the record of handled updates,
    /// a read of a handler ([`Context::get`], ...: the handler's attempt is then void, whatever
    /// it did with the error, and the update is handled again from the start), or committing
    /// the update's changes. The application tries again until it succeeds or stops, and
    /// reports each failure; the update is not confirmed before.
    Store(StoreError),
    /// Receiving updates failed: a `getUpdates` call failed in a way that asking again may
    /// cure (a connection failure, a 5xx answer, flood control). Polling goes on after a
    /// pause; the context's update is number 0, of the unknown kind `receiving`.
    Receive(crate::Error),
}

impl fmt::Display for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandlerError::Failed(e) => write!(f, "handler failed: {e}"),
            HandlerError::Panicked(m) => write!(f, "handler panicked: {m}"),
            HandlerError::Undecodable(m) => write!(f, "undecodable update: {m}"),
            HandlerError::Store(e) => e.fmt(f),
            HandlerError::Receive(e) => write!(f, "receiving updates failed: {e}"),
        }
    }
}

/// The message includes the wrapped error's, so `source()` goes on with that error's cause
/// (the first one the message does not already tell).
impl std::error::Error for HandlerError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            HandlerError::Failed(e) => store::untold_cause(&self.to_string(), &**e),
            HandlerError::Store(e) => e.source(),
            HandlerError::Receive(e) => e.source(),
            _ => None,
        }
    }
}

type ErrorCallback = Arc<dyn Fn(&Context, &HandlerError) + Send + Sync>;

/// A middleware: the update's context and the rest of its handling.
type Middleware =
    Arc<dyn Fn(&mut Context, &mut dyn FnMut(&mut Context)) -> Result<(), BoxError> + Send + Sync>;

/// A hook run when a runner starts.
type StartHook = Arc<dyn Fn(&Application) -> Result<(), BoxError> + Send + Sync>;

/// A hook run when a runner stopped.
type StopHook = Arc<dyn Fn(&Application) + Send + Sync>;

/// Settings of the application's runners and pool.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub(crate) workers: usize,
    pub(crate) queue_capacity: usize,
    pub(crate) stack_size: usize,
    pub(crate) allowed_updates: Option<Vec<UpdateType>>,
    pub(crate) handle_signals: bool,
    pub(crate) stop_timeout: Duration,
    pub(crate) poll_timeout: u32,
    pub(crate) poll_limit: Option<u32>,
    /// `getUpdates`' [`Poller::backoff`](crate::Poller::backoff), when set.
    pub(crate) poll_backoff: Option<(Duration, Duration)>,
    /// `getUpdates`' [`Poller::idle_backoff`](crate::Poller::idle_backoff), when set.
    pub(crate) poll_idle_backoff: Option<(Duration, Duration)>,
    pub(crate) drop_pending_updates: bool,
    pub(crate) lease_ttl: Duration,
    pub(crate) inbox_scan: Duration,
    pub(crate) order_by: OrderBy,
}

/// How often a process looks at a shared inbox, unless
/// [`inbox_scan_interval`](ApplicationBuilder::inbox_scan_interval) says otherwise.
const DEFAULT_INBOX_SCAN: Duration = Duration::from_millis(250);

/// Builds an [`Application`]: handlers, groups, the error handler, and settings.
///
/// Made by [`Application::builder`].
pub struct ApplicationBuilder {
    bot: Bot,
    groups: BTreeMap<i32, Vec<Handler>>,
    error_handler: Option<ErrorCallback>,
    username: Option<String>,
    config: Config,
    store: Arc<dyn Store>,
    clock: Clock,
    jobs: HashMap<String, JobCallback>,
    late: Late,
    middlewares: Vec<Middleware>,
    post_init: Vec<StartHook>,
    post_stop: Vec<StopHook>,
    /// The menus registered with [`menu`](ApplicationBuilder::menu), which one handler serves.
    menus: Option<Arc<super::menu::Registry>>,
}

impl ApplicationBuilder {
    /// The default stack of each worker thread
    /// ([`worker_stack_size`](ApplicationBuilder::worker_stack_size)): 8 MiB.
    pub const DEFAULT_STACK_SIZE: usize = 8 << 20;

    /// Runs `f` around the handling of every update: `f` gets the update's context and `next`,
    /// which runs the rest (the middlewares added after this one, then the handlers of every
    /// group). Code before `next(ctx)` runs before the handlers, code after it after them; not
    /// calling `next` stops the update there (it counts as handled). What `f` stores through
    /// the context is committed with the handlers' changes. An error or a panic of `f` goes to
    /// the error handler as [`HandlerError::Failed`] or [`HandlerError::Panicked`]; a store
    /// error of a read through the context voids the attempt, as in a handler (see
    /// [`Context`]): the update is handled again, middlewares included.
    ///
    /// Logging, metrics, access control, throttling and a per-update setting are middlewares:
    ///
    /// ```
    /// use std::time::Instant;
    /// use telegram_api::Bot;
    /// use telegram_api::ext::Application;
    ///
    /// const BANNED: [i64; 1] = [666];
    /// let app = Application::builder(Bot::new("123:TOKEN"))
    ///     // Access control: updates of banned users reach no handler.
    ///     .middleware(|ctx, next| {
    ///         if ctx.effective_user().is_some_and(|u| BANNED.contains(&u.id)) {
    ///             return Ok::<_, std::io::Error>(());
    ///         }
    ///         next(ctx);
    ///         Ok(())
    ///     })
    ///     // Timing: how long the handlers took.
    ///     .middleware(|ctx, next| {
    ///         let started = Instant::now();
    ///         next(ctx);
    ///         let id = ctx.update().map(|u| u.update_id);
    ///         log::info!("update {id:?} took {:?}", started.elapsed());
    ///         Ok::<_, std::io::Error>(())
    ///     })
    ///     .build();
    /// # drop(app);
    /// ```
    #[must_use]
    pub fn middleware<F, E>(mut self, f: F) -> Self
    where
        F: Fn(&mut Context, &mut dyn FnMut(&mut Context)) -> Result<(), E> + Send + Sync + 'static,
        E: Into<BoxError>,
    {
        self.middlewares
            .push(Arc::new(move |ctx, next| f(ctx, next).map_err(Into::into)));
        self
    }

    /// Runs `f` when a runner ([`run_polling`](Application::run_polling),
    /// [`run_webhook`](Application::run_webhook)) starts, before it receives anything: to
    /// schedule jobs, set the bot's commands ([`Application::my_commands`]), check settings.
    /// Hooks run in the order added.
    ///
    /// # Errors
    ///
    /// An error of `f` stops the runner before it starts, as [`RunError::Init`](super::RunError::Init).
    #[must_use]
    pub fn post_init<F, E>(mut self, f: F) -> Self
    where
        F: Fn(&Application) -> Result<(), E> + Send + Sync + 'static,
        E: Into<BoxError>,
    {
        self.post_init
            .push(Arc::new(move |app| f(app).map_err(Into::into)));
        self
    }

    /// Runs `f` when a runner stopped, after the last handler finished: to close what
    /// [`post_init`](ApplicationBuilder::post_init) opened, flush metrics. Hooks run in the
    /// order added.
    #[must_use]
    pub fn post_stop(mut self, f: impl Fn(&Application) + Send + Sync + 'static) -> Self {
        self.post_stop.push(Arc::new(f));
        self
    }

    /// Which updates are handled one at a time, in order ([`OrderBy::Chat`] by default: one
    /// chat at a time, chats in parallel).
    #[must_use]
    pub fn order_by(mut self, order: OrderBy) -> Self {
        self.config.order_by = order;
        self
    }

    /// Adds `handler` to group 0.
    #[must_use]
    pub fn handler(self, handler: Handler) -> Self {
        self.handler_in(0, handler)
    }

    /// Adds `handler` to `group`. Groups run in increasing order; within a group, the first
    /// handler (in the order added) that takes the update runs, and the others of the group do
    /// not. A handler stops the later groups with [`Context::stop_groups`].
    #[must_use]
    pub fn handler_in(mut self, group: i32, handler: Handler) -> Self {
        self.groups.entry(group).or_default().push(handler);
        self
    }

    /// Adds [`Handler::command`] to group 0.
    #[must_use]
    pub fn command<F, E>(self, name: &str, f: F) -> Self
    where
        F: Fn(&Context) -> Result<(), E> + Send + Sync + 'static,
        E: Into<BoxError>,
    {
        self.handler(Handler::command(name, f))
    }

    /// Adds [`Handler::message`] to group 0.
    #[must_use]
    pub fn message<F, E>(self, filter: Filter, f: F) -> Self
    where
        F: Fn(&Context) -> Result<(), E> + Send + Sync + 'static,
        E: Into<BoxError>,
    {
        self.handler(Handler::message(filter, f))
    }

    /// Adds [`Handler::callback_query`] to group 0.
    #[must_use]
    pub fn callback_query<F, E>(self, f: F) -> Self
    where
        F: Fn(&Context) -> Result<(), E> + Send + Sync + 'static,
        E: Into<BoxError>,
    {
        self.handler(Handler::callback_query(f))
    }

    /// Adds [`Handler::album`] to group 0.
    ///
    /// ```
    /// use telegram_api::Bot;
    /// use telegram_api::ext::{Album, Application, Context};
    ///
    /// let app = Application::builder(Bot::new("123:TOKEN"))
    ///     .album(|ctx: &Context, album: &Album| {
    ///         ctx.reply(format!("Got {} files", album.len())).call()?;
    ///         Ok::<_, telegram_api::Error>(())
    ///     })
    ///     .build();
    /// # drop(app);
    /// ```
    #[must_use]
    pub fn album<F, E>(self, f: F) -> Self
    where
        F: Fn(&Context, &super::Album) -> Result<(), E> + Send + Sync + 'static,
        E: Into<BoxError>,
    {
        self.handler(Handler::album(f))
    }

    /// Registers `menu` and its submenus ([`Menu`](super::Menu)): the presses on their
    /// buttons (callback data starting with [`menu::DATA_PREFIX`](super::menu::DATA_PREFIX))
    /// go to them. The first call adds, to group 0 at this place, the one handler that serves
    /// every registered menu and answers the presses on buttons of menus the bot no longer has.
    ///
    /// ```
    /// use telegram_api::Bot;
    /// use telegram_api::ext::{Application, BoxError, Context, Menu};
    ///
    /// let menu = Menu::new("main")
    ///     .text(|_| "Main menu".into())
    ///     .button("Hello", |_| Ok::<_, BoxError>("Hello to you"));
    /// let shown = menu.clone();
    /// let app = Application::builder(Bot::new("123:TOKEN"))
    ///     .menu(menu)
    ///     .command("menu", move |ctx: &Context| shown.send(ctx).map(drop))
    ///     .build();
    /// # drop(app);
    /// ```
    #[must_use]
    pub fn menu(mut self, menu: super::Menu) -> Self {
        if let Some(menus) = &self.menus {
            menus.add(&menu);
            return self;
        }
        let menus = Arc::new(super::menu::Registry::default());
        menus.add(&menu);
        self.menus = Some(menus.clone());
        self.handler(super::menu::handler(menus))
    }

    /// Receives every handler error and panic, and every update that could not be decoded,
    /// with the update's context. The default logs them (`log::error!`, target
    /// `telegram_api`): the library itself never writes to standard error.
    #[must_use]
    pub fn error_handler(
        mut self,
        f: impl Fn(&Context, &HandlerError) + Send + Sync + 'static,
    ) -> Self {
        self.error_handler = Some(Arc::new(f));
        self
    }

    /// How many worker threads handle updates (default: the available parallelism x 4, as
    /// handlers mostly wait on the network).
    #[must_use]
    pub fn workers(mut self, workers: usize) -> Self {
        self.config.workers = workers.max(1);
        self
    }

    /// At most this many updates wait for a worker (default 1024); when the queue is full,
    /// polling (or the webhook server) waits.
    #[must_use]
    pub fn queue_capacity(mut self, capacity: usize) -> Self {
        self.config.queue_capacity = capacity.max(1);
        self
    }

    /// The stack size of each worker thread, and of the threads that fetch and serve updates
    /// and schedule jobs (default [`DEFAULT_STACK_SIZE`](Self::DEFAULT_STACK_SIZE), 8 MiB,
    /// like a main thread; std's default for other threads is 2 MiB). Decoding, which happens
    /// on these threads, needs up to 256 KiB in a release build and 1 MiB in a debug one for
    /// the deepest update accepted (see the crate's docs on types); handlers need what their
    /// own code uses on top. The memory is reserved, and only used as far as it is touched.
    #[must_use]
    pub fn worker_stack_size(mut self, bytes: usize) -> Self {
        self.config.stack_size = bytes;
        self
    }

    /// The bot's username, for telling `/cmd@this_bot` from `/cmd@other_bot`. By default it
    /// is asked with `getMe` once, when first needed.
    #[must_use]
    pub fn bot_username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self
    }

    /// Sends `defaults` with every method that has the parameter, unless the call sets it:
    /// they are set on the application's bot ([`Bot::with_defaults`]), so they reach every
    /// reply, job and call a handler makes through the [`Context`]. See [`Defaults`] for the
    /// rules.
    #[must_use]
    pub fn defaults(mut self, defaults: Defaults) -> Self {
        self.bot = self.bot.with_defaults(defaults);
        self
    }

    /// The update types to ask Telegram for, instead of those the registered handlers take.
    #[must_use]
    pub fn allowed_updates(mut self, kinds: impl IntoIterator<Item = UpdateType>) -> Self {
        self.config.allowed_updates = Some(kinds.into_iter().collect());
        self
    }

    /// Whether [`run_polling`](Application::run_polling) and
    /// [`run_webhook`](Application::run_webhook) stop on Ctrl-C (SIGINT) and SIGTERM (default
    /// true). A second signal while stopping ends the process, and so does any signal after the
    /// runner returned.
    #[must_use]
    pub fn handle_signals(mut self, on: bool) -> Self {
        self.config.handle_signals = on;
        self
    }

    /// How long a stopping application waits for the handlers in flight (default 10 s).
    #[must_use]
    pub fn stop_timeout(mut self, timeout: Duration) -> Self {
        self.config.stop_timeout = timeout;
        self
    }

    /// The long-poll timeout of `getUpdates` in seconds (default 30).
    #[must_use]
    pub fn poll_timeout(mut self, seconds: u32) -> Self {
        self.config.poll_timeout = seconds;
        self
    }

    /// Whether [`run_polling`](Application::run_polling) drops the updates that waited at
    /// Telegram while the bot was not running (default `false`: they are handled). With
    /// `true`, it starts with `deleteWebhook` and `drop_pending_updates`, which also removes a
    /// webhook left set. The updates kept in the store's inbox by an earlier run are handled
    /// either way: they were confirmed to Telegram already.
    #[must_use]
    pub fn drop_pending_updates(mut self, drop: bool) -> Self {
        self.config.drop_pending_updates = drop;
        self
    }

    /// At most this many updates per `getUpdates` (1-100; Telegram's default is 100).
    #[must_use]
    pub fn poll_limit(mut self, limit: u32) -> Self {
        self.config.poll_limit = Some(limit);
        self
    }

    /// The wait of [`run_polling`](Application::run_polling) after a failed `getUpdates`:
    /// `first`, doubled after each failure in a row up to `max` (250 ms to 30 s by default; see
    /// [`Poller::backoff`](crate::Poller::backoff)).
    #[must_use]
    pub fn poll_backoff(mut self, first: Duration, max: Duration) -> Self {
        self.config.poll_backoff = Some((first, max));
        self
    }

    /// The pause of [`run_polling`](Application::run_polling) after a `getUpdates` that came
    /// back too early: `first`, doubled after each such poll up to `max`
    /// ([`Poller::IDLE_BACKOFF`](crate::Poller::IDLE_BACKOFF) to
    /// [`Poller::IDLE_BACKOFF_MAX`](crate::Poller::IDLE_BACKOFF_MAX) by default; see
    /// [`Poller::idle_backoff`](crate::Poller::idle_backoff)).
    #[must_use]
    pub fn poll_idle_backoff(mut self, first: Duration, max: Duration) -> Self {
        self.config.poll_idle_backoff = Some((first, max));
        self
    }

    /// Where state lives (conversations, [`Context::set`], ...); default a [`MemoryStore`],
    /// which ends with the process.
    ///
    /// **Exactly-once state changes.** The changes made while handling an update are committed
    /// in one transaction with the record that this update was handled. An update Telegram
    /// delivers again (it does so for updates not confirmed when the bot stopped or crashed)
    /// whose changes were committed is recognised by its `update_id` and not handled again. So
    /// with a persistent store every state transition happens once, though delivery is
    /// at-least-once. Not covered: what a handler did outside the store before the commit (a
    /// message it sent, a file it wrote) happens again when it crashed before the commit, and an
    /// update that changed nothing is not recorded, so its handlers run again when it is
    /// delivered again.
    ///
    /// A store shared by several processes ([`Store::is_shared`]) also gets a lease per chat
    /// (see [`lease_ttl`](ApplicationBuilder::lease_ttl)), so one process at a time handles
    /// a chat.
    #[must_use]
    pub fn store(mut self, store: impl Store + 'static) -> Self {
        self.store = Arc::new(store);
        self
    }

    /// Keeps state in the file `path`: a [`FileStore`], created when missing.
    ///
    /// # Errors
    ///
    /// Fails with [`StoreError::Open`] when the file cannot be opened or created, or is not a
    /// store.
    pub fn store_path(self, path: impl AsRef<std::path::Path>) -> Result<Self, StoreError> {
        Ok(self.store(FileStore::open(path)?))
    }

    /// How long a lease on a chat lasts in a shared store (default 60 s): a process that died
    /// while handling an update of a chat blocks that chat for at most this long (and the
    /// updates it left in a shared inbox wait that long for another process). Handling an
    /// update must take less.
    #[must_use]
    pub fn lease_ttl(mut self, ttl: Duration) -> Self {
        self.config.lease_ttl = ttl.max(Duration::from_millis(1));
        self
    }

    /// How often a process looks for updates in a store's inbox that it did not receive
    /// itself, when the inbox is shared with other processes ([`Store::is_shared`] and
    /// [`Store::has_inbox`]: the `RedisStore`): those another process received and has not
    /// handled yet because it is busy, or died. Default 250 ms; at least 10 ms. Each look is
    /// one round trip to the store (the ids in the inbox) and, when there are updates to take,
    /// one more to read them; between looks the process waits, it does not poll in a loop.
    /// The updates a process receives itself are handled at once, without waiting for a look.
    #[must_use]
    pub fn inbox_scan_interval(mut self, interval: Duration) -> Self {
        self.config.inbox_scan = interval.max(Duration::from_millis(10));
        self
    }

    /// The clock conversation timeouts and jobs read (default the system clock; see
    /// [`ManualClock`](super::ManualClock) for tests).
    #[must_use]
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Registers `f` as the code of the jobs named `name`, which
    /// [`Context::schedule_job`] and [`Application::schedule_job`] schedule. Jobs are stored
    /// by name, so a job stored by an earlier run finds its code again when the application
    /// registers the same name (see [`jobs`](super::jobs)). Registering a name again replaces
    /// its code. Names that start with `telegram_api/` are the library's own (a
    /// [`Conversation`](super::Conversation)'s timeouts, an album handler's wait,
    /// [`Handler::album`]): do not register them.
    #[must_use]
    pub fn job<F, E>(mut self, name: &str, f: F) -> Self
    where
        F: Fn(&Context) -> Result<(), E> + Send + Sync + 'static,
        E: Into<BoxError>,
    {
        let f: JobCallback = Arc::new(move |ctx: &Context| f(ctx).map_err(Into::into));
        self.jobs.insert(name.to_owned(), f);
        self
    }

    /// Skips a job's run found later than `grace` after its due time (the bot was down, or
    /// busy), instead of running it late once (the default). A skipped run still moves the job
    /// to its next run, or removes a one-off job. The jobs the library runs for itself (a
    /// [`Conversation`](super::Conversation)'s timeout, an album's wait, [`Handler::album`])
    /// are never skipped: nothing would make up for them.
    #[must_use]
    pub fn skip_late_jobs(mut self, grace: Duration) -> Self {
        self.late = Late::Skip(grace);
        self
    }

    /// The application.
    pub fn build(mut self) -> Application {
        // The jobs that handlers run on their own (a conversation's timeouts, albums); album
        // handlers are numbered in the order of the groups and of registration.
        let albums = self.groups.values_mut().flatten().filter(|h| h.is_album());
        for (n, handler) in albums.enumerate() {
            handler.register_album(n);
        }
        for handler in self.groups.values().flatten() {
            self.jobs.extend(handler.jobs());
        }
        let groups = self.groups.into_values().collect();
        Application {
            inner: Arc::new(Inner {
                bot: self.bot,
                groups,
                error_handler: self.error_handler,
                username: Mutex::new(self.username),
                config: self.config,
                stop: StopHandle::default(),
                store: self.store,
                clock: self.clock,
                holder: lease_holder(),
                jobs: Arc::new(Jobs::new(self.jobs, self.late)),
                middlewares: self.middlewares,
                post_init: self.post_init,
                post_stop: self.post_stop,
                highest: AtomicI64::new(i64::MIN),
                handled: AtomicU64::new(0),
                inbox_keys: Mutex::new(HashMap::new()),
            }),
        }
    }
}

impl fmt::Debug for ApplicationBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApplicationBuilder")
            .field("bot", &self.bot)
            .field("groups", &self.groups)
            .field("config", &self.config)
            .finish()
    }
}

pub(crate) struct Inner {
    pub(crate) bot: Bot,
    groups: Vec<Vec<Handler>>,
    error_handler: Option<ErrorCallback>,
    username: Mutex<Option<String>>,
    pub(crate) config: Config,
    pub(crate) stop: StopHandle,
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Clock,
    /// This process's name in leases.
    holder: String,
    pub(crate) jobs: Arc<Jobs>,
    middlewares: Vec<Middleware>,
    post_init: Vec<StartHook>,
    post_stop: Vec<StopHook>,
    /// The highest update id handled.
    highest: AtomicI64,
    /// How many updates were handled.
    handled: AtomicU64,
    /// With a shared inbox: the ordering key of updates in the inbox that this process read,
    /// by id (so that it reads an update once to learn its key); kept to the ids in the inbox
    /// by [`forget_inbox_keys`](Inner::forget_inbox_keys).
    inbox_keys: Mutex<HashMap<i64, String>>,
}

/// The record of applied updates is pruned once every this many updates handled.
const PRUNE_EVERY: u64 = 256;

/// A name for this process in leases: its id and start time, unique enough among processes.
fn lease_holder() -> String {
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{}-{started:x}", std::process::id())
}

/// A bot application: updates in, handlers run, errors reported.
///
/// ```no_run
/// use telegram_api::Bot;
/// use telegram_api::ext::{Application, Context, Handler};
///
/// fn start(ctx: &Context) -> Result<(), telegram_api::Error> {
///     ctx.reply("Hi! Send me anything.").call()?;
///     Ok(())
/// }
///
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let app = Application::builder(Bot::from_env()?)
///         .command("start", start)
///         .handler(Handler::callback_query(|ctx: &Context| {
///             ctx.answer_callback().text("Pressed").call()?;
///             Ok::<_, telegram_api::Error>(())
///         }))
///         .build();
///     app.run_polling()?; // until Ctrl-C
///     Ok(())
/// }
/// ```
///
/// An `Application` is cheap to clone; clones share handlers, settings and the stop handle.
#[derive(Clone)]
pub struct Application {
    pub(crate) inner: Arc<Inner>,
}

impl Application {
    /// The bot's command menu from the command handlers that have a
    /// [`description`](Handler::description), in the order of their groups and registration
    /// (a name given twice: the first); a `setMyCommands` call to send, with a scope or a
    /// language set on it where wanted.
    ///
    /// ```no_run
    /// # fn demo(app: &telegram_api::ext::Application) -> Result<(), telegram_api::Error> {
    /// app.my_commands().call()?;
    /// app.my_commands().language_code("de").call()?; // after describing them in German
    /// # Ok(())
    /// # }
    /// ```
    pub fn my_commands(&self) -> Call<'_, SetMyCommands> {
        let mut commands: Vec<BotCommand> = Vec::new();
        for (names, description) in self.inner.groups.iter().flatten().filter_map(Handler::menu) {
            for name in names {
                if !commands.iter().any(|c| c.command == name) {
                    commands.push(BotCommand::new(name, description));
                }
            }
        }
        self.inner.bot.set_my_commands(commands)
    }
}

impl Application {
    /// Starts building an application for `bot`.
    #[must_use]
    pub fn builder(bot: Bot) -> ApplicationBuilder {
        let workers = std::thread::available_parallelism().map_or(4, |n| n.get()) * 4;
        ApplicationBuilder {
            bot,
            groups: BTreeMap::new(),
            error_handler: None,
            username: None,
            store: Arc::new(MemoryStore::new()),
            clock: Clock::system(),
            jobs: HashMap::new(),
            late: Late::Run,
            middlewares: Vec::new(),
            post_init: Vec::new(),
            post_stop: Vec::new(),
            menus: None,
            config: Config {
                workers,
                queue_capacity: 1024,
                stack_size: ApplicationBuilder::DEFAULT_STACK_SIZE,
                allowed_updates: None,
                handle_signals: true,
                stop_timeout: Duration::from_secs(10),
                poll_timeout: 30,
                poll_limit: None,
                poll_backoff: None,
                poll_idle_backoff: None,
                drop_pending_updates: false,
                lease_ttl: Duration::from_secs(60),
                inbox_scan: DEFAULT_INBOX_SCAN,
                order_by: OrderBy::Chat,
            },
        }
    }

    /// The bot.
    pub fn bot(&self) -> &Bot {
        &self.inner.bot
    }

    /// Stops [`run_polling`](Application::run_polling) or
    /// [`run_webhook`](Application::run_webhook) from any thread. A stopped application stays
    /// stopped: running it again returns at once.
    pub fn stop_handle(&self) -> StopHandle {
        self.inner.stop.clone()
    }

    /// The update types asked for: those set with
    /// [`ApplicationBuilder::allowed_updates`], or else those the registered handlers take
    /// (every type when a [`Handler::update`] is registered), in the documented order.
    pub fn allowed_updates(&self) -> Vec<UpdateType> {
        if let Some(kinds) = &self.inner.config.allowed_updates {
            return kinds.clone();
        }
        let mut wanted: Vec<UpdateType> = Vec::new();
        for handler in self.inner.groups.iter().flatten() {
            match handler.update_types() {
                None => return UpdateType::ALL.to_vec(),
                Some(kinds) => {
                    for kind in kinds {
                        if !wanted.contains(&kind) {
                            wanted.push(kind);
                        }
                    }
                }
            }
        }
        let mut ordered: Vec<UpdateType> = UpdateType::ALL
            .iter()
            .filter(|t| wanted.contains(t))
            .cloned()
            .collect();
        ordered.extend(wanted.into_iter().filter(|t| !UpdateType::ALL.contains(t)));
        ordered
    }

    /// Handles `update` now, on this thread: the handlers of each group, the error handler
    /// for failures and panics. For updates from a source of your own; see also
    /// [`start_pool`](Application::start_pool).
    pub fn process_update(&self, update: Update) {
        self.inner.dispatch(update, false);
    }

    /// The application's store.
    pub fn store(&self) -> &dyn Store {
        &*self.inner.store
    }

    /// Starts the ordered worker pool, to feed it updates from a source of your own. The
    /// pool also runs the [jobs](super::jobs) as they fall due.
    ///
    /// # Errors
    ///
    /// Fails with the system's error when a thread of the pool cannot be started.
    pub fn start_pool(&self) -> std::io::Result<Pool> {
        Pool::start(self.inner.clone(), self.inner.pool_settings())
    }

    /// Schedules the job registered as `name`
    /// ([`ApplicationBuilder::job`]) to run on `schedule` with `data`, for no chat (a job of
    /// the whole bot); committed at once. Returns the job's id. The same as
    /// [`Context::schedule_job`], which schedules for the update's chat and user, with the
    /// update.
    ///
    /// # Errors
    ///
    /// Fails with [`JobError::Unregistered`] when no job is registered as `name`,
    /// [`JobError::NoRun`] when `schedule` has no run from now on, [`JobError::UnnamedZone`] or
    /// [`JobError::Data`] when the job cannot be stored, and [`JobError::Store`] when the store
    /// cannot be read or the commit fails.
    pub fn schedule_job<T: serde::Serialize + ?Sized>(
        &self,
        name: &str,
        schedule: Schedule,
        data: &T,
    ) -> Result<String, JobError> {
        jobs::schedule(self, None, name, schedule, self.job_scope(), data)
    }

    /// Like [`schedule_job`](Application::schedule_job), for the chat `chat_id` (and no user):
    /// its runs are ordered with the chat's updates. The same as [`Context::schedule_job_for`].
    ///
    /// # Errors
    ///
    /// As [`schedule_job`](Application::schedule_job).
    pub fn schedule_job_for<T: serde::Serialize + ?Sized>(
        &self,
        chat_id: i64,
        name: &str,
        schedule: Schedule,
        data: &T,
    ) -> Result<String, JobError> {
        jobs::schedule(self, None, name, schedule, (Some(chat_id), None), data)
    }

    /// Like [`schedule_job`](Application::schedule_job), under the id `id` of your choosing
    /// (replacing the job of that id, if any): the same as [`Context::schedule_job_as`].
    ///
    /// # Errors
    ///
    /// As [`schedule_job`](Application::schedule_job).
    pub fn schedule_job_as<T: serde::Serialize + ?Sized>(
        &self,
        id: &str,
        name: &str,
        schedule: Schedule,
        data: &T,
    ) -> Result<(), JobError> {
        jobs::schedule(self, Some(id), name, schedule, self.job_scope(), data)?;
        Ok(())
    }

    /// The scheduled job `id`.
    ///
    /// # Errors
    ///
    /// Fails with [`JobError::Store`] when the store cannot be read.
    pub fn find_job(&self, id: &str) -> Result<Option<Job>, JobError> {
        jobs::find(self, id)
    }

    /// The scheduled jobs named `name`, by next run.
    ///
    /// # Errors
    ///
    /// Fails with [`JobError::Store`] when the store cannot be read.
    pub fn jobs(&self, name: &str) -> Result<Vec<Job>, JobError> {
        jobs::named(self, name)
    }

    /// Every scheduled job, by next run.
    ///
    /// # Errors
    ///
    /// Fails with [`JobError::Store`] when the store cannot be read.
    pub fn all_jobs(&self) -> Result<Vec<Job>, JobError> {
        self.job_list()
    }

    /// Cancels the job `id` (nothing happens when there is none); committed at once.
    ///
    /// # Errors
    ///
    /// Fails with [`JobError::Store`] when the store cannot be read or the commit fails.
    pub fn cancel_job(&self, id: &str) -> Result<(), JobError> {
        jobs::cancel(self, id)
    }

    /// Cancels every job named `name`; how many there were. Committed at once.
    ///
    /// # Errors
    ///
    /// Fails with [`JobError::Store`] when the store cannot be read or the commit fails.
    pub fn cancel_jobs(&self, name: &str) -> Result<usize, JobError> {
        jobs::cancel_named(self, name)
    }

    /// When the next job is due (the earliest due time of the jobs waiting or running), for
    /// a test that moves a [`ManualClock`](super::ManualClock) from one run to the next.
    pub fn next_job_at(&self) -> Option<jiff::Timestamp> {
        // A store that cannot be read has no jobs to tell of; running them reports why.
        let _ = self.inner.jobs.load(&*self.inner.store, false);
        self.inner.jobs.next_at()
    }

    /// Runs the jobs due at the clock's time, on this thread, one after the other; how many
    /// ran (skipped late runs included). The pool and the runners do this on their own; this
    /// is for tests with a [`ManualClock`](super::ManualClock), and for an application fed
    /// with [`process_update`](Application::process_update).
    pub fn run_due_jobs(&self) -> usize {
        let inner = &self.inner;
        if let Err(e) = inner.jobs.load(&*inner.store, false) {
            inner.report_jobs(&HandlerError::Store(e));
            return 0;
        }
        let due = inner.jobs.take_due(inner.clock.now());
        for (id, at, _) in &due {
            inner.run_job(id, *at);
        }
        due.len()
    }
}

/// The application commits each change to the jobs at once.
impl jobs::JobHost for Application {
    fn job_index(&self) -> &Jobs {
        &self.inner.jobs
    }

    fn job_clock(&self) -> jiff::Timestamp {
        self.inner.clock.now()
    }

    fn job_scope(&self) -> (Option<i64>, Option<i64>) {
        (None, None)
    }

    fn job_list(&self) -> Result<Vec<Job>, JobError> {
        self.inner.jobs.load(&*self.inner.store, false)?;
        Ok(self.inner.jobs.list())
    }

    fn write_jobs(&self, changes: Vec<Change>) -> Result<(), JobError> {
        let inner = &self.inner;
        inner.jobs.load(&*inner.store, false)?;
        if !changes.is_empty() {
            inner.store.commit(None, &changes)?;
            inner.jobs.apply(&changes);
        }
        Ok(())
    }
}

impl fmt::Debug for Application {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Application")
            .field("bot", &self.inner.bot)
            .field("groups", &self.inner.groups)
            .field("config", &self.inner.config)
            .finish()
    }
}

/// Runs the code of a handler or job; how it failed, if it did (an error or a panic).
fn failure_of(f: impl FnOnce() -> Result<(), BoxError>) -> Option<HandlerError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(HandlerError::Failed(e)),
        Err(payload) => Some(HandlerError::Panicked(panic_message(&*payload))),
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
}

impl Inner {
    /// The bot's username: the configured one, or `getMe`'s (asked until it succeeds, then kept
    /// by the bot: [`Bot::me`]).
    pub(crate) fn username(&self) -> Option<String> {
        let mut cached = self.username.lock().unwrap_or_else(|e| e.into_inner());
        if cached.is_none()
            && let Ok(me) = self.bot.me()
        {
            *cached = me.username;
        }
        cached.clone()
    }

    /// The settings of the pool that runs this application.
    fn pool_settings(&self) -> pool::Settings {
        pool::Settings {
            workers: self.config.workers,
            queue_capacity: self.config.queue_capacity,
            stack_size: self.config.stack_size,
            inbox_scan: self.config.inbox_scan,
            order_by: self.config.order_by.clone(),
        }
    }

    /// The context of a handler of `update`.
    fn context(&self, update: Update) -> Context {
        Context::with(
            self.bot.clone(),
            update,
            self.store.clone(),
            self.clock.clone(),
            self.jobs.clone(),
        )
    }

    /// Handles `update`: routes it through the groups, reports failures, and commits its
    /// changes. Whether it is done (false: the application stopped before its changes could
    /// be committed, so it must not be confirmed to Telegram).
    ///
    /// `from_inbox`: the update was taken from the store's inbox. Its changes were not
    /// committed then (a commit takes its update out of the inbox in the same transaction, and
    /// a redelivered update is not written to the inbox again), so the store is not asked
    /// whether they were; [`commit`](super::store::Store::commit) still refuses a second.
    pub(crate) fn dispatch(&self, update: Update, from_inbox: bool) -> bool {
        let lease = self
            .store
            .is_shared()
            .then(|| format!("lease/{}", order_key(&update, &self.config.order_by)));
        let id = update.update_id;
        let mut ctx = self.context(update);
        if let Some(name) = &lease
            && !self.lease(name, &ctx)
        {
            return false;
        }
        let done = self.handle(id, &mut ctx, from_inbox);
        if let Some(name) = &lease {
            self.unlease(name, &ctx);
        }
        drop(ctx.into_update());
        self.finished(id, done);
        done
    }

    /// Handles `update`, taken from a store's inbox that other processes share, under the lease
    /// of its ordering key: first the earlier updates of the same key still in the inbox
    /// (received by another process, which has not handled them yet), lowest id first, then
    /// `update` itself, unless another process handled it meanwhile. Each leaves the inbox
    /// before the lease is given up: with its commit, or on its own when it had nothing to
    /// commit. So, across processes, the updates of a key are handled one at a time, in
    /// `update_id` order.
    ///
    /// `wait`: wait for the lease while another process holds it (an update this process
    /// received). Without, `None` when another process holds it: the update (found in the
    /// inbox by the pool's scan) is left to that process. Else whether `update` is done
    /// (false: the application stopped first, or the lease was lost).
    pub(crate) fn dispatch_shared(&self, update: Update, wait: bool) -> Option<bool> {
        let key = order_key(&update, &self.config.order_by);
        let lease = format!("lease/{key}");
        let id = update.update_id;
        let mut ctx = self.context(update);
        if wait {
            if !self.lease(&lease, &ctx) {
                return Some(false);
            }
        } else {
            let ttl = self.config.lease_ttl;
            match self.store.acquire_lease(&lease, &self.holder, ttl) {
                Ok(true) => {}
                Ok(false) => return None,
                Err(e) => {
                    self.report(&ctx, &HandlerError::Store(e));
                    return None;
                }
            }
        }
        let done = self.handle_in_order(&key, &lease, id, &mut ctx);
        self.unlease(&lease, &ctx);
        drop(ctx.into_update());
        Some(done)
    }

    /// Under the lease `lease` of `key`: handles the earlier updates of `key` in the inbox,
    /// then the update `id` of `ctx` if it is still there. Whether that update is done.
    fn handle_in_order(&self, key: &str, lease: &str, id: i64, ctx: &mut Context) -> bool {
        let Some(ids) = self.retry(ctx, || self.store.inbox_ids(id)) else {
            return false;
        };
        let Some(earlier) = ids.strip_suffix(&[id]) else {
            // Handled by another process since it was queued here.
            log::debug!(target: "telegram_api", "update {id} was handled by another process");
            self.forget_inbox_key(id);
            return true;
        };
        let Some(earlier) = self.earlier_of(key, earlier, ctx) else {
            return false;
        };
        let renewing = !earlier.is_empty();
        for update in earlier {
            let earlier_id = update.update_id;
            let mut earlier_ctx = self.context(update);
            if !self.renew(lease, &earlier_ctx) || !self.handle_entry(earlier_id, &mut earlier_ctx)
            {
                return false;
            }
        }
        (!renewing || self.renew(lease, ctx)) && self.handle_entry(id, ctx)
    }

    /// The updates of `key` among the inbox's `ids`, in order: read from the store, except
    /// those known to be of another key.
    fn earlier_of(&self, key: &str, ids: &[i64], ctx: &Context) -> Option<Vec<Update>> {
        let wanted: Vec<i64> = {
            let keys = self.inbox_keys.lock().unwrap_or_else(|e| e.into_inner());
            ids.iter()
                .copied()
                .filter(|id| keys.get(id).is_none_or(|k| k == key))
                .collect()
        };
        if wanted.is_empty() {
            return Some(Vec::new());
        }
        let found = self.retry(ctx, || self.store.inbox_get(&wanted))?;
        let mut earlier = Vec::new();
        for (id, json) in found {
            let Some(update) = self.decode_inbox_entry(id, &json) else {
                continue;
            };
            let its_key = order_key(&update, &self.config.order_by);
            let same = its_key == key;
            self.remember_inbox_key(id, its_key);
            if same {
                earlier.push(update);
            }
        }
        Some(earlier)
    }

    /// Renews the lease `lease` before handling one more update under it: false when it was
    /// lost (it expired, and another process holds it now) or cannot be renewed.
    fn renew(&self, lease: &str, ctx: &Context) -> bool {
        match self
            .store
            .acquire_lease(lease, &self.holder, self.config.lease_ttl)
        {
            Ok(true) => true,
            Ok(false) => {
                log::warn!(
                    target: "telegram_api",
                    "{}: the lease {lease} expired and another process holds it; \
                     handling a key's updates must take less than the lease's time to live",
                    ctx.describe()
                );
                false
            }
            Err(e) => {
                self.report(ctx, &HandlerError::Store(e));
                false
            }
        }
    }

    /// Handles the update `id` of `ctx`, from a shared inbox, under its key's lease: as without
    /// an inbox (skipped when its changes were committed before), and takes it out of the inbox.
    /// Whether it is done.
    fn handle_entry(&self, id: i64, ctx: &mut Context) -> bool {
        let remove = |ctx: &Context| self.retry(ctx, || self.store.inbox_remove(&[id])).is_some();
        let done = match self.run(id, ctx, false) {
            Ran::Done(false) => false,
            // Nothing committed (or committed before): it leaves the inbox before the lease goes.
            Ran::Done(true) => remove(ctx),
            Ran::Changes(changes) => match self.commit_changes(id, ctx, &changes) {
                // It left the inbox in its commit.
                Some(Commit::Applied) => true,
                Some(Commit::AlreadyApplied) => remove(ctx),
                None => false,
            },
        };
        self.forget_inbox_key(id);
        self.finished(id, done);
        done
    }

    /// The update `id` of the inbox, decoded from `json`; `None` (and the entry taken out of
    /// the inbox, with an error logged) when it does not decode.
    pub(crate) fn decode_inbox_entry(&self, id: i64, json: &[u8]) -> Option<Update> {
        match crate::webhook::parse_update(json) {
            Ok(update) => Some(update),
            Err(e) => {
                log::error!(
                    target: "telegram_api",
                    "update {id} in the inbox does not decode, dropped: {e}"
                );
                if let Err(e) = self.store.inbox_remove(&[id]) {
                    log::warn!(target: "telegram_api", "update {id}: {e}");
                }
                None
            }
        }
    }

    /// Notes that update `id` of the inbox has the ordering key `key`.
    pub(crate) fn remember_inbox_key(&self, id: i64, key: String) {
        let mut keys = self.inbox_keys.lock().unwrap_or_else(|e| e.into_inner());
        keys.insert(id, key);
    }

    fn forget_inbox_key(&self, id: i64) {
        let mut keys = self.inbox_keys.lock().unwrap_or_else(|e| e.into_inner());
        keys.remove(&id);
    }

    /// Forgets the ordering keys of updates no longer in the inbox (`pending` are those in it).
    pub(crate) fn forget_inbox_keys(&self, pending: &std::collections::HashSet<i64>) {
        let mut keys = self.inbox_keys.lock().unwrap_or_else(|e| e.into_inner());
        keys.retain(|id, _| pending.contains(id));
    }

    /// Handles `update`, taken from the store's inbox, as [`dispatch`](Inner::dispatch) does,
    /// but leaves the commit of its changes, if it has any, to the caller
    /// ([`commit_deferred`](Inner::commit_deferred), several updates at a time). For a store of
    /// this process only (no leases).
    pub(crate) fn dispatch_deferring(&self, update: Update) -> Handled {
        let id = update.update_id;
        let mut ctx = self.context(update);
        match self.run(id, &mut ctx, true) {
            Ran::Done(done) => {
                drop(ctx.into_update());
                self.finished(id, done);
                Handled::Done(done)
            }
            Ran::Changes(changes) => Handled::Commit(Box::new(Deferred { id, ctx, changes })),
        }
    }

    /// Commits the changes that [`dispatch_deferring`](Inner::dispatch_deferring) left, in one
    /// call to the store ([`Store::commit_many`]), and then those that failed one by one, each
    /// tried again while the store fails (as [`dispatch`](Inner::dispatch) does). The outcome
    /// of each, in order.
    pub(crate) fn commit_deferred(&self, deferred: Vec<Deferred>) -> Vec<(i64, Committed)> {
        let commits: Vec<(Option<i64>, &[Change])> = deferred
            .iter()
            .map(|d| (Some(d.id), d.changes.as_slice()))
            .collect();
        let results = self.store.commit_many(&commits);
        drop(commits);
        let mut failed = false;
        let mut outcomes: Vec<Option<Committed>> = Vec::with_capacity(deferred.len());
        for (d, result) in deferred.iter().zip(results) {
            outcomes.push(match result {
                Ok(Commit::Applied) => {
                    self.jobs.apply(&d.changes);
                    Some(Committed::Applied)
                }
                Ok(Commit::AlreadyApplied) => Some(Committed::Done),
                Err(e) => {
                    failed = true;
                    self.report(&d.ctx, &HandlerError::Store(e));
                    None
                }
            });
        }
        let again = failed && self.back_off(1);
        deferred
            .into_iter()
            .zip(outcomes)
            .map(|(d, outcome)| {
                let id = d.id;
                let outcome = match outcome {
                    Some(outcome) => outcome,
                    None if !again => Committed::NotDone,
                    None => match self.commit_changes(id, &d.ctx, &d.changes) {
                        Some(Commit::Applied) => Committed::Applied,
                        Some(Commit::AlreadyApplied) => Committed::Done,
                        None => Committed::NotDone,
                    },
                };
                drop(d);
                self.finished(id, outcome != Committed::NotDone);
                (id, outcome)
            })
            .collect()
    }

    /// Notes that update `id` was handled (`done`), or not.
    fn finished(&self, id: i64, done: bool) {
        if done {
            log::debug!(target: "telegram_api", "update {id} handled");
            self.prune(id);
        }
    }

    /// Takes the lease `name` in a shared store, waiting while another process holds it;
    /// false when the application stops first.
    fn lease(&self, name: &str, ctx: &Context) -> bool {
        let ttl = self.config.lease_ttl;
        let mut waits = 0u32;
        loop {
            match self.store.acquire_lease(name, &self.holder, ttl) {
                Ok(true) => return true,
                Ok(false) => waits += 1,
                Err(e) => {
                    waits += 1;
                    self.report(ctx, &HandlerError::Store(e));
                }
            }
            if self.stop.is_stopped() {
                return false;
            }
            std::thread::sleep(Duration::from_millis(5 << waits.min(5)));
        }
    }

    fn unlease(&self, name: &str, ctx: &Context) {
        if let Err(e) = self.store.release_lease(name, &self.holder) {
            self.report(ctx, &HandlerError::Store(e));
        }
    }

    /// Runs the job `id` for its run due at `due` (taken from the index by
    /// [`Jobs::take_due`]), and marks it finished.
    pub(crate) fn run_job(&self, id: &str, due: jiff::Timestamp) {
        if let Some(job) = self.jobs.get(id) {
            let lease = self
                .store
                .is_shared()
                .then(|| format!("lease/{}", job_order_key(&job)));
            let mut ctx = Context::for_job(
                self.bot.clone(),
                job,
                self.store.clone(),
                self.clock.clone(),
                self.jobs.clone(),
            );
            if lease.as_deref().is_none_or(|name| self.lease(name, &ctx)) {
                self.run_job_leased(&mut ctx, due);
                if let Some(name) = &lease {
                    self.unlease(name, &ctx);
                }
            }
        }
        self.jobs.finish(id);
    }

    fn run_job_leased(&self, ctx: &mut Context, due: jiff::Timestamp) {
        let Some(mut job) = ctx.job().cloned() else {
            return;
        };
        let key = job.key();
        // The stored record decides: another process may have run, moved or cancelled it.
        let Some(stored) = self.retry(ctx, || self.store.get(&key)) else {
            return;
        };
        match stored.as_deref().and_then(|b| Job::decode(job.id(), b)) {
            None => return self.jobs.apply(&[Change::Delete(key)]),
            Some(record) if record.next_run() != due => {
                if let Some(bytes) = record.encode() {
                    self.jobs.apply(&[Change::Put(key, bytes)]);
                }
                return;
            }
            Some(record) => job = record,
        }
        let Some(callback) = self.jobs.handler(job.name()).cloned() else {
            return;
        };
        let now = self.clock.now();
        let late = super::schedule::until(due, now);
        // The library's own jobs (a conversation's timeout, an album's) are never skipped:
        // nothing would make up for them.
        let skip =
            !is_internal(&job) && matches!(self.jobs.late, Late::Skip(grace) if late > grace);
        if skip {
            log::info!(
                target: "telegram_api",
                "job {} ({}) skipped: {late:?} late",
                job.name(),
                job.id()
            );
        } else {
            // A store error in the job's code voids the run, as for an update: it runs again.
            let mut failures = 0u32;
            loop {
                let failure = failure_of(|| callback(ctx));
                if let Some(fault) = ctx.take_fault() {
                    ctx.restore(Default::default());
                    failures += 1;
                    self.report(ctx, &HandlerError::Store(fault));
                    if !self.back_off(failures) {
                        return;
                    }
                    continue;
                }
                if let Some(failure) = failure {
                    ctx.restore(Default::default());
                    self.report(ctx, &failure);
                }
                break;
            }
        }
        let mut pending = ctx.take_pending();
        // Unless its own code moved or cancelled it, the job moves to its next run from now
        // (runs missed while it was late are not made up), or goes after its last.
        pending.entry(key).or_insert_with(|| {
            let next = job.schedule().next_after(now.max(due))?;
            job.at(next).encode()
        });
        let changes = store::into_changes(pending);
        if self
            .retry(ctx, || self.store.commit(None, &changes))
            .is_some()
        {
            self.jobs.apply(&changes);
        }
    }

    /// Writes `updates` to the store's inbox, trying again while the store fails (each failure
    /// reported): the ids written (not received before), or `None` when the application
    /// stopped first.
    pub(crate) fn receive(&self, updates: &[(i64, Vec<u8>)]) -> Option<Vec<i64>> {
        let ctx = Context::for_application(self.bot.clone(), Work::Inbox);
        let added = self.retry(&ctx, || self.store.inbox_add(updates))?;
        if log::log_enabled!(target: "telegram_api", log::Level::Debug) {
            for (id, _) in updates {
                let new = if added.contains(id) { "" } else { " (again)" };
                log::debug!(target: "telegram_api", "update {id} received{new}");
            }
        }
        Some(added)
    }

    /// Forgets the record of applied updates far below the highest one handled, every so
    /// many updates: a store's record stays the size of the last [`store::RECEIVED_WINDOW`]
    /// updates, whichever runner feeds the application.
    fn prune(&self, update_id: i64) {
        let highest = self
            .highest
            .fetch_max(update_id, Ordering::Relaxed)
            .max(update_id);
        if self.handled.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY != PRUNE_EVERY - 1 {
            return;
        }
        if let Err(e) = self
            .store
            .forget_applied_below(highest.saturating_sub(store::RECEIVED_WINDOW))
        {
            log::warn!(target: "telegram_api", "cannot clear the record of handled updates: {e}");
        }
    }

    /// Reports a failed `getUpdates` that polling retries after `wait`: a `log` record, and the
    /// error handler when there is one.
    pub(crate) fn report_receiving(&self, error: crate::Error, wait: Duration) {
        log::warn!(
            target: "telegram_api",
            "getUpdates failed, asking again in {wait:?}: {error}"
        );
        if self.error_handler.is_some() {
            let ctx = Context::for_application(self.bot.clone(), Work::Receiving);
            self.report(&ctx, &HandlerError::Receive(error));
        }
    }

    /// Runs the [`post_init`](ApplicationBuilder::post_init) hooks of `app`.
    pub(crate) fn started(&self, app: &Application) -> Result<(), super::RunError> {
        for hook in &self.post_init {
            hook(app).map_err(super::RunError::Init)?;
        }
        Ok(())
    }

    /// Runs the [`post_stop`](ApplicationBuilder::post_stop) hooks of `app`.
    pub(crate) fn stopped(&self, app: &Application) {
        for hook in &self.post_stop {
            if let Err(payload) = catch_unwind(AssertUnwindSafe(|| hook(app))) {
                log::error!(
                    target: "telegram_api",
                    "a post_stop hook panicked: {}",
                    panic_message(&*payload)
                );
            }
        }
    }

    /// Reports a failure of the jobs as a whole (the store could not be read).
    pub(crate) fn report_jobs(&self, error: &HandlerError) {
        let ctx = Context::for_application(self.bot.clone(), Work::Jobs);
        self.report(&ctx, error);
    }

    /// Reports an item of a `getUpdates` batch that is not an update (no readable
    /// `update_id`), as [`HandlerError::Undecodable`] with a context for no update.
    pub(crate) fn report_skipped(&self, error: &crate::Error) {
        let ctx = Context::for_application(self.bot.clone(), Work::Skipped);
        self.report(&ctx, &HandlerError::Undecodable(error.to_string()));
    }

    fn handle(&self, id: i64, ctx: &mut Context, from_inbox: bool) -> bool {
        match self.run(id, ctx, from_inbox) {
            Ran::Done(done) => done,
            Ran::Changes(changes) => self.commit_changes(id, ctx, &changes).is_some(),
        }
    }

    /// Commits the changes of the update `id` of `ctx`, trying again while the store fails
    /// (each failure reported); `None` when the application stops first.
    fn commit_changes(&self, id: i64, ctx: &Context, changes: &[Change]) -> Option<Commit> {
        let commit = self.retry(ctx, || self.store.commit(Some(id), changes))?;
        if commit == Commit::Applied {
            self.jobs.apply(changes);
        }
        Some(commit)
    }

    /// Runs the middlewares and handlers on the update `id` of `ctx` (unless its changes were
    /// committed before), and gives the changes to commit, if any.
    fn run(&self, id: i64, ctx: &mut Context, from_inbox: bool) -> Ran {
        // Delivered again, and its changes were committed before: already handled.
        if !from_inbox {
            match self.retry(ctx, || self.store.is_applied(id)) {
                Some(true) => return Ran::Done(true),
                Some(false) => {}
                None => return Ran::Done(false),
            }
        }
        if let Some(UpdateKind::Unknown(unknown)) = ctx.update().map(|u| &u.kind)
            && let Some(error) = &unknown.error
        {
            let error = HandlerError::Undecodable(format!("{}: {error}", unknown.name));
            self.report(ctx, &error);
        }
        // A store error while handling voids the attempt, as a failed commit does: its changes
        // are dropped, and the update is handled again from the start.
        let mut failures = 0u32;
        loop {
            self.run_middlewares(0, ctx);
            let Some(fault) = ctx.take_fault() else {
                break;
            };
            ctx.take_pending();
            ctx.take_stop();
            failures += 1;
            self.report(ctx, &HandlerError::Store(fault));
            if !self.back_off(failures) {
                return Ran::Done(false);
            }
        }
        let changes = store::into_changes(ctx.take_pending());
        if changes.is_empty() {
            return Ran::Done(true);
        }
        Ran::Changes(changes)
    }

    /// Runs the middlewares from the `i`th on, and then the handlers. After a store error
    /// (left in the context for [`handle`](Inner::handle)), the attempt is void: what fails
    /// after it is not reported, and no later handler runs.
    fn run_middlewares(&self, i: usize, ctx: &mut Context) {
        let Some(middleware) = self.middlewares.get(i) else {
            self.run_handlers(ctx);
            return;
        };
        let mut next = |ctx: &mut Context| self.run_middlewares(i + 1, ctx);
        if let Some(failure) = failure_of(|| middleware(ctx, &mut next)) {
            self.report_unless_void(ctx, &failure);
        }
    }

    /// Runs the handlers of each group: the first that takes the update in each, until one
    /// stops the groups, or the store fails (reading through the context, or matching a
    /// conversation).
    fn run_handlers(&self, ctx: &mut Context) {
        let username = || self.username();
        for group in &self.groups {
            let found = group
                .iter()
                .find_map(|h| h.matches(ctx, &username).map(|m| (h, m)));
            if ctx.has_fault() {
                return;
            }
            let Some((handler, matched)) = found else {
                continue;
            };
            let Matched {
                command,
                captures,
                route,
            } = matched;
            ctx.set_matched(command, captures);
            let before = ctx.pending();
            if let Some(failure) = failure_of(|| handler.run(ctx, route)) {
                // What a failed handler changed is not kept.
                ctx.restore(before);
                self.report_unless_void(ctx, &failure);
            }
            if ctx.has_fault() || ctx.take_stop() {
                return;
            }
        }
    }

    /// Reports `failure`, unless the store failed in this attempt: the store's error is the
    /// one reported then, and what failed after it is moot.
    fn report_unless_void(&self, ctx: &Context, failure: &HandlerError) {
        if ctx.has_fault() {
            log::debug!(
                target: "telegram_api",
                "{}: after the store failed: {failure}",
                ctx.describe()
            );
        } else {
            self.report(ctx, failure);
        }
    }

    /// Calls `f` until it succeeds, reporting each failure and waiting more each time (up to
    /// 5 s); `None` when the application stops first.
    fn retry<T>(&self, ctx: &Context, mut f: impl FnMut() -> Result<T, StoreError>) -> Option<T> {
        let mut failures = 0u32;
        loop {
            match f() {
                Ok(v) => return Some(v),
                Err(e) => {
                    failures += 1;
                    self.report(ctx, &HandlerError::Store(e));
                }
            }
            if !self.back_off(failures) {
                return None;
            }
        }
    }

    /// Waits after the `failures`-th failure in a row of the store, longer each time (up to
    /// 5 s); false when the application stops first.
    fn back_off(&self, failures: u32) -> bool {
        let wait = Duration::from_millis(50 << failures.min(7)).min(Duration::from_secs(5));
        let until = std::time::Instant::now() + wait;
        while std::time::Instant::now() < until {
            if self.stop.is_stopped() {
                return false;
            }
            std::thread::sleep(Duration::from_millis(10).min(wait));
        }
        true
    }

    fn report(&self, ctx: &Context, error: &HandlerError) {
        let what = ctx.describe();
        let outcome = catch_unwind(AssertUnwindSafe(|| match &self.error_handler {
            Some(f) => {
                // The error handler decides what to show; a record stays for the log.
                log::debug!(target: "telegram_api", "{what}: {error}");
                f(ctx, error)
            }
            None => log::error!(target: "telegram_api", "{what}: {error}"),
        }));
        if let Err(payload) = outcome {
            log::error!(
                target: "telegram_api",
                "{what}: the error handler panicked ({}) on: {error}",
                panic_message(&*payload)
            );
        }
    }
}

/// What running the handlers on an update left.
enum Ran {
    /// Nothing to commit: handled (`true`), or not (the application stopped first).
    Done(bool),
    /// Changes to commit.
    Changes(Vec<Change>),
}

/// The pool hands the application its updates and jobs.
impl Dispatch for Inner {
    fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    fn jobs(&self) -> &Jobs {
        &self.jobs
    }

    fn now(&self) -> jiff::Timestamp {
        self.clock.now()
    }

    fn dispatch(&self, update: Update, from_inbox: bool) -> bool {
        Inner::dispatch(self, update, from_inbox)
    }

    fn dispatch_shared(&self, update: Update, wait: bool) -> Option<bool> {
        Inner::dispatch_shared(self, update, wait)
    }

    fn dispatch_deferring(&self, update: Update) -> Handled {
        Inner::dispatch_deferring(self, update)
    }

    fn commit_deferred(&self, deferred: Vec<Deferred>) -> Vec<(i64, Committed)> {
        Inner::commit_deferred(self, deferred)
    }

    fn run_job(&self, id: &str, due: jiff::Timestamp) {
        Inner::run_job(self, id, due)
    }

    fn receive(&self, updates: &[(i64, Vec<u8>)]) -> Option<Vec<i64>> {
        Inner::receive(self, updates)
    }

    fn decode_inbox_entry(&self, id: i64, json: &[u8]) -> Option<Update> {
        Inner::decode_inbox_entry(self, id, json)
    }

    fn remember_inbox_key(&self, id: i64, key: String) {
        Inner::remember_inbox_key(self, id, key)
    }

    fn forget_inbox_keys(&self, pending: &std::collections::HashSet<i64>) {
        Inner::forget_inbox_keys(self, pending)
    }

    fn report_jobs(&self, error: &HandlerError) {
        Inner::report_jobs(self, error)
    }
}

//! [`Store`]: where a bot's state lives, and the record of which updates changed it.
//!
//! Handling an update may change state (a conversation moves on, a setting is saved). The
//! changes made while handling one update are committed together with the record that this
//! update was applied, in one transaction ([`Store::commit`]). Telegram delivers an update
//! again when a bot stopped before confirming it; the record recognises such an update by its
//! `update_id`, so its changes are never applied twice.
//!
//! What this does not cover: what a handler did outside the store before the commit. A reply
//! sent by a handler whose update was not committed yet (the process died in between) is sent
//! again when the update is handled again. Measured by `tests/tests/ext_state_crash.rs`, which
//! kills a bot on a file store with `SIGKILL` 10 times at random points of a scripted
//! conversation mix over 100 chats, each time starting it again, receiving by polling (through
//! a proxy failing every 7th `getUpdates`) and by webhook: every chat ends in the right state,
//! no state change was applied twice and no update lost, with 1,000 updates (the test's
//! default) and with 10,000 (`EXT_CRASH_PER_CHAT=100`). Replies sent again, of 10,000 updates:
//! by webhook 18 of 7,068 (those of updates in flight at a kill); by polling 128 of 7,178,
//! since polling fills the inbox ahead of the handlers and the commits of handled updates are
//! made durable together, at most 50 ms apart, so a kill redoes the updates handled in the last
//! moments as well.
//!
//! A store may also keep an inbox of received updates ([`Store::has_inbox`]; the file store
//! and the Redis store do): the application then writes each update there before telling
//! Telegram it arrived, and handles it from there; the update leaves the inbox in the commit of
//! its changes. A store shared by several processes ([`Store::is_shared`], the Redis store)
//! shares its inbox too: any process handles what any process received, a chat at a time
//! under the chat's lease, lowest `update_id` first (see `RedisStore`).
//!
//! When the store fails while an update is handled (a Redis server away, a full disk), the
//! update is not lost and not half applied: reading the record of handled updates, a read of a
//! handler through its [`Context`](super::Context) (whatever the handler does with the error,
//! even if it ignores it), and the commit are each retried with a growing backoff (up to 5 s),
//! each failure reported to the error handler as
//! [`HandlerError::Store`](super::HandlerError::Store). A failed read voids the handlers'
//! attempt: its changes are dropped and the update is handled again from the start. The update
//! counts as handled only once its changes are committed (without an inbox, it is confirmed to
//! Telegram only then); when the application stops first, it is handled again at the next
//! start. A [`FileStore`] whose file had an I/O error opens it again on its next use, so it
//! works again as soon as the disk does.
//!
//! The stores that come with the crate, behind this one trait:
//! - [`MemoryStore`]: in memory, nothing written (state ends with the process);
//! - [`FileStore`]: an embedded transactional database in one file (redb): no server to run,
//!   a commit is on disk when it returns, and it keeps an inbox;
//! - `RedisStore` (feature `redis`): a Redis server, shared by several processes of a bot,
//!   which take leases on chats; it keeps an inbox, shared by those processes too.
//!
//! Values are bytes to a store; [`Data`] reads and writes them as any serde type, as JSON, and
//! a value that no longer decodes (its type changed) is an error naming the key and the type,
//! with the stored value left as it is.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError, RwLock};
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

#[cfg(test)]
mod file_faults;
#[cfg(feature = "redis")]
mod redis;
#[cfg(feature = "redis")]
pub use redis::RedisStore;

/// Whose a value is.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// The whole bot.
    Bot,
    /// A chat, by identifier.
    Chat(i64),
    /// A user, by identifier.
    User(i64),
    /// A conversation, by its key.
    Conversation(String),
}

/// The name of a stored value: a scope and a name within it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    /// Whose the value is.
    pub scope: Scope,
    /// Its name.
    pub name: String,
}

impl Key {
    /// A bot-wide value.
    pub fn bot(name: impl Into<String>) -> Key {
        Key {
            scope: Scope::Bot,
            name: name.into(),
        }
    }

    /// A value of the chat `chat_id`.
    pub fn chat(chat_id: i64, name: impl Into<String>) -> Key {
        Key {
            scope: Scope::Chat(chat_id),
            name: name.into(),
        }
    }

    /// A value of the user `user_id`.
    pub fn user(user_id: i64, name: impl Into<String>) -> Key {
        Key {
            scope: Scope::User(user_id),
            name: name.into(),
        }
    }

    /// The state of the conversation `conversation`.
    pub fn conversation(conversation: impl Into<String>, name: impl Into<String>) -> Key {
        Key {
            scope: Scope::Conversation(conversation.into()),
            name: name.into(),
        }
    }

    /// The key as stored: `bot/<name>`, `chat/<id>/<name>`, `user/<id>/<name>`,
    /// `conversation/<key>/<name>`.
    pub fn encode(&self) -> String {
        format!("{}{}", Key::scope_prefix(&self.scope), self.name)
    }

    /// What the stored keys of `scope` start with (`chat/<id>/`, ...).
    pub(crate) fn scope_prefix(scope: &Scope) -> String {
        match scope {
            Scope::Bot => "bot/".to_owned(),
            Scope::Chat(id) => format!("chat/{id}/"),
            Scope::User(id) => format!("user/{id}/"),
            Scope::Conversation(c) => format!("conversation/{}/", escape_slashes(c)),
        }
    }
}

/// A conversation key may hold `/`: it is escaped so that keys stay unambiguous.
fn escape_slashes(s: &str) -> String {
    s.replace('%', "%25").replace('/', "%2F")
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.encode())
    }
}

/// A change to commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// Sets the value of a key.
    Put(Key, Vec<u8>),
    /// Removes a key.
    Delete(Key),
}

/// What a commit did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Commit {
    /// The changes were written (and the update recorded).
    Applied,
    /// The update had been applied before: nothing was written.
    AlreadyApplied,
}

/// A store failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// The store's file cannot be opened or is damaged.
    Open {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A read or a commit failed.
    Backend(Box<dyn std::error::Error + Send + Sync>),
}

pub(crate) use crate::transport::error::untold_cause;

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Open { path, source } => {
                write!(f, "cannot open the store {}: {source}", path.display())
            }
            // A store error passed on by a store wrapping another one already says "store".
            StoreError::Backend(e) if e.is::<StoreError>() || e.is::<Shared>() => e.fmt(f),
            StoreError::Backend(e) => write!(f, "store: {e}"),
        }
    }
}

/// The message includes the backend's, so `source()` goes on with the first cause that the
/// message does not already tell (a backend error may include its own cause's text too).
impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Open { source, .. } => untold_cause(&self.to_string(), &**source),
            StoreError::Backend(e) => untold_cause(&self.to_string(), &**e),
        }
    }
}

/// A store error that a handler got while the application keeps it too, to report it (see
/// [`Context::get`](super::Context::get)). It prints as the error it shares.
#[derive(Debug)]
struct Shared(std::sync::Arc<StoreError>);

impl fmt::Display for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The message is the shared error's: `source()` goes on with that error's cause.
impl std::error::Error for Shared {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl StoreError {
    /// `error`, for one more holder: the same message and causes.
    pub(crate) fn shared(error: std::sync::Arc<StoreError>) -> StoreError {
        StoreError::Backend(Box::new(Shared(error)))
    }
}

fn backend(e: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::Backend(Box::new(e))
}

/// How many update ids below the highest one the records of received and of applied updates
/// keep at least: an update is delivered again only shortly after its first delivery (an
/// answer or a confirmation that was lost), long before this many later updates arrived.
pub const RECEIVED_WINDOW: i64 = 10_000;

/// Where state lives: values by [`Key`], and the set of updates whose changes were applied.
///
/// Implementations are shared between worker threads.
pub trait Store: Send + Sync {
    /// The value of `key`.
    ///
    /// # Errors
    ///
    /// Fails with [`StoreError::Backend`] when the store cannot be read.
    fn get(&self, key: &Key) -> Result<Option<Vec<u8>>, StoreError>;

    /// Whether the changes of update `update_id` were committed.
    ///
    /// # Errors
    ///
    /// Fails with [`StoreError::Backend`] when the store cannot be read.
    fn is_applied(&self, update_id: i64) -> Result<bool, StoreError>;

    /// Writes `changes` and, with `update_id`, records that update as applied and takes it out
    /// of the inbox (when the store keeps one), in one transaction: either all of it is stored
    /// or none of it. When `update_id` was recorded before, nothing is written and the answer
    /// is [`Commit::AlreadyApplied`].
    ///
    /// The commit is durable when this returns, except that of an update taken out of the
    /// inbox, which a store may leave to a later durable write ([`sync`](Store::sync), or the
    /// next [`inbox_add`](Store::inbox_add)): lost in a crash before then, it is lost whole,
    /// with the update still in the inbox, to be handled again.
    ///
    /// # Errors
    ///
    /// Fails with [`StoreError::Backend`] when the transaction cannot be written; then nothing of
    /// it is stored.
    fn commit(&self, update_id: Option<i64>, changes: &[Change]) -> Result<Commit, StoreError>;

    /// Commits each of `commits` (an update id or none, and its changes) in order, as
    /// [`commit`](Store::commit) does, and returns each one's outcome. A store may write them
    /// all in one transaction, sharing its cost; then either all of them are stored or none,
    /// and each is told the same error. The default commits them one by one.
    ///
    /// The application commits this way the changes of several updates from the inbox that
    /// were handled at about the same time, each of a different chat.
    fn commit_many(&self, commits: &[(Option<i64>, &[Change])]) -> Vec<Result<Commit, StoreError>> {
        commits
            .iter()
            .map(|(update_id, changes)| self.commit(*update_id, changes))
            .collect()
    }

    /// Forgets the record of updates below `update_id`: once Telegram has been told they were
    /// handled (the `getUpdates` offset passed them), it never delivers them again.
    ///
    /// # Errors
    ///
    /// Fails with [`StoreError::Backend`] when the store cannot be written.
    fn forget_applied_below(&self, update_id: i64) -> Result<(), StoreError>;

    /// The values of `scope` whose names start with `prefix` (all of them with `""`), as
    /// (name, value), in name order. The application keeps its scheduled jobs this way
    /// (bot-wide, under [`JOB_PREFIX`](super::jobs::JOB_PREFIX)), and
    /// [`Context::data_names`](super::Context::data_names) lists a user's or a chat's values.
    ///
    /// # Errors
    ///
    /// Fails with [`StoreError::Backend`] when the store cannot be read.
    fn values(&self, scope: &Scope, prefix: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError>;

    /// Whether the store keeps a durable inbox of received updates
    /// ([`inbox_add`](Store::inbox_add)). The application then confirms an update to Telegram
    /// as soon as it is in the inbox, and handles it from there, also after a crash. Without
    /// one (the default), an update is confirmed only once it was handled. Default: false.
    ///
    /// A store that is also [shared](Store::is_shared) shares its inbox between the processes
    /// that use it: each handles what any of them received, under the lease of the update's
    /// chat, the chat's updates lowest id first ([`inbox_ids`](Store::inbox_ids)); it must then
    /// take an update out of the inbox in the same step as the update's commit, and at once in
    /// [`inbox_remove`](Store::inbox_remove) (no deferring to [`sync`](Store::sync)), as the
    /// next holder of the lease looks at the inbox to know what was handled.
    fn has_inbox(&self) -> bool {
        false
    }

    /// Writes `updates` (each an `update_id` and the update as JSON) to the inbox, all in one
    /// transaction that is durable when this returns, and returns the ids written. An update
    /// received before (in the inbox, or handled since) is not written again. The record of
    /// received updates keeps at least the last [`RECEIVED_WINDOW`] ids below the highest.
    ///
    /// # Errors
    ///
    /// Fails with [`StoreError::Backend`] when the transaction cannot be written (nothing of it is
    /// stored then). The default, for a store without an inbox, always fails.
    fn inbox_add(&self, updates: &[(i64, Vec<u8>)]) -> Result<Vec<i64>, StoreError> {
        let _ = updates;
        Err(StoreError::Backend("this store keeps no inbox".into()))
    }

    /// The updates in the inbox (received and not yet handled), in `update_id` order.
    ///
    /// # Errors
    ///
    /// Fails with [`StoreError::Backend`] when the store cannot be read. The default (no inbox)
    /// returns nothing.
    fn inbox(&self) -> Result<Vec<(i64, Vec<u8>)>, StoreError> {
        Ok(Vec::new())
    }

    /// Takes the updates `update_ids`, handled, out of the inbox (those that had changes to
    /// commit left it in their [`commit`](Store::commit) already). This need not be durable at
    /// once: an entry that comes back after a crash is handled again.
    ///
    /// # Errors
    ///
    /// Fails with [`StoreError::Backend`] when the store cannot be written. The default (no inbox)
    /// does nothing.
    fn inbox_remove(&self, update_ids: &[i64]) -> Result<(), StoreError> {
        let _ = update_ids;
        Ok(())
    }

    /// The ids of the updates in the inbox up to `through` (included), in order: what a
    /// process sharing the inbox with others looks at to find the updates it did not receive
    /// itself, and the earlier updates of a chat before handling a later one. The default
    /// reads the whole inbox ([`inbox`](Store::inbox)); a shared store reads the ids only.
    ///
    /// # Errors
    ///
    /// Fails with [`StoreError::Backend`] when the store cannot be read.
    fn inbox_ids(&self, through: i64) -> Result<Vec<i64>, StoreError> {
        Ok(self
            .inbox()?
            .into_iter()
            .map(|(id, _)| id)
            .take_while(|&id| id <= through)
            .collect())
    }

    /// The updates `update_ids` (each an `update_id` and the update as JSON) that are still in
    /// the inbox, in `update_id` order; those no longer there are left out. The default reads
    /// the whole inbox ([`inbox`](Store::inbox)).
    ///
    /// # Errors
    ///
    /// Fails with [`StoreError::Backend`] when the store cannot be read.
    fn inbox_get(&self, update_ids: &[i64]) -> Result<Vec<(i64, Vec<u8>)>, StoreError> {
        let wanted: BTreeSet<i64> = update_ids.iter().copied().collect();
        let mut found = self.inbox()?;
        found.retain(|(id, _)| wanted.contains(id));
        Ok(found)
    }

    /// Makes every commit so far durable, for a store that defers writing some of them to
    /// disk (a [`commit`](Store::commit) of an update in the inbox may be deferred). The
    /// application calls it when it has nothing else to do, and when it stops. Default: nothing
    /// to do.
    ///
    /// # Errors
    ///
    /// Fails with [`StoreError::Backend`] when the store cannot be written.
    fn sync(&self) -> Result<(), StoreError> {
        Ok(())
    }

    /// Whether processes other than this one use the store at the same time. The application
    /// then takes a lease ([`acquire_lease`](Store::acquire_lease)) on a chat before handling an
    /// update of it, so that one process at a time handles a chat. Default: false.
    fn is_shared(&self) -> bool {
        false
    }

    /// Takes the lease `name` for `holder`, or renews it when `holder` holds it, for `ttl`:
    /// whether `holder` holds it now. A lease that is not renewed expires after `ttl`, so a
    /// process that died does not keep it. The default (a store of one process) always grants it.
    ///
    /// # Errors
    ///
    /// The default never fails; a shared store fails with [`StoreError::Backend`] when it cannot
    /// reach its backend.
    fn acquire_lease(&self, name: &str, holder: &str, ttl: Duration) -> Result<bool, StoreError> {
        let _ = (name, holder, ttl);
        Ok(true)
    }

    /// Gives up the lease `name` when `holder` holds it (a lease held by another is left).
    ///
    /// # Errors
    ///
    /// The default never fails; a shared store fails with [`StoreError::Backend`] when it cannot
    /// reach its backend.
    fn release_lease(&self, name: &str, holder: &str) -> Result<(), StoreError> {
        let _ = (name, holder);
        Ok(())
    }
}

/// A store in memory: nothing is written, state ends with the process.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Memory>,
}

#[derive(Debug, Default)]
struct Memory {
    values: BTreeMap<Key, Vec<u8>>,
    applied: BTreeSet<i64>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Memory> {
        // Every change is made whole under the lock, so a panic elsewhere leaves it consistent.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Store for MemoryStore {
    fn get(&self, key: &Key) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.lock().values.get(key).cloned())
    }

    fn is_applied(&self, update_id: i64) -> Result<bool, StoreError> {
        Ok(self.lock().applied.contains(&update_id))
    }

    fn commit(&self, update_id: Option<i64>, changes: &[Change]) -> Result<Commit, StoreError> {
        let mut memory = self.lock();
        if let Some(id) = update_id
            && !memory.applied.insert(id)
        {
            return Ok(Commit::AlreadyApplied);
        }
        for change in changes {
            match change {
                Change::Put(key, value) => {
                    memory.values.insert(key.clone(), value.clone());
                }
                Change::Delete(key) => {
                    memory.values.remove(key);
                }
            }
        }
        Ok(Commit::Applied)
    }

    fn forget_applied_below(&self, update_id: i64) -> Result<(), StoreError> {
        let mut memory = self.lock();
        memory.applied = memory.applied.split_off(&update_id);
        Ok(())
    }

    fn values(&self, scope: &Scope, prefix: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let memory = self.lock();
        let from = Key {
            scope: scope.clone(),
            name: prefix.to_owned(),
        };
        Ok(memory
            .values
            .range(from..)
            .take_while(|(k, _)| k.scope == *scope && k.name.starts_with(prefix))
            .map(|(k, v)| (k.name.clone(), v.clone()))
            .collect())
    }
}

/// The record of received updates is pruned when its oldest id is this far past the
/// [`RECEIVED_WINDOW`].
const PRUNE_STEP: i64 = 1_000;

const VALUES: redb::TableDefinition<&str, &[u8]> = redb::TableDefinition::new("values");
const APPLIED: redb::TableDefinition<i64, ()> = redb::TableDefinition::new("applied_updates");
const INBOX: redb::TableDefinition<i64, &[u8]> = redb::TableDefinition::new("inbox");
const RECEIVED: redb::TableDefinition<i64, ()> = redb::TableDefinition::new("received_updates");

/// A store in one file, an embedded transactional database (redb, pure Rust): no server to
/// run. A commit is on disk (`fsync`ed) when it returns, so a crash, even `kill -9` or a power
/// cut, keeps every committed change and loses no record of an applied update. It keeps an
/// inbox of received updates ([`Store::has_inbox`]): a batch of received updates is written
/// with one `fsync`, and the commit of an update from the inbox is synced with the next batch
/// (or when the application is idle), so that many updates share one `fsync`; the application
/// commits the changes of several updates from the inbox in one transaction
/// ([`Store::commit_many`]).
///
/// After an I/O error (a full disk, say) the database refuses every use until it is opened
/// again: the store then closes it, and opens it again on its next use (repairing it from its
/// last commit), so it works again as soon as the disk does, without a restart. Until then each
/// read and commit fails with [`StoreError::Backend`].
pub struct FileStore {
    /// The open database, none after an I/O error until the next use opens it again.
    db: RwLock<Opened>,
    /// Opens the database, at first and again.
    opener: Opener,
    path: PathBuf,
}

/// Opens a store's database.
type Opener = Box<dyn Fn() -> Result<redb::Database, redb::DatabaseError> + Send + Sync>;

/// The database of a [`FileStore`] as it is now.
struct Opened {
    db: Option<FileDb>,
    /// How many times it was opened: an error closes the database it came from, not a newer one.
    generation: u64,
}

/// An open database of a [`FileStore`]: where its reads and commits happen.
struct FileDb(redb::Database);

impl fmt::Debug for FileStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileStore")
            .field("path", &self.path)
            .finish()
    }
}

impl FileStore {
    /// Opens the store at `path`, creating it when there is none.
    ///
    /// # Errors
    ///
    /// Fails with [`StoreError::Open`] when the file cannot be opened or created, is not a store,
    /// or is damaged beyond what the database repairs; the file is left as it is.
    pub fn open(path: impl AsRef<Path>) -> Result<FileStore, StoreError> {
        let path = path.as_ref().to_owned();
        let file = path.clone();
        FileStore::with_opener(path, Box::new(move || redb::Database::create(&file)))
    }

    /// The store of the database that `opener` opens (a file's, or one on a storage backend
    /// of a test), named `path`.
    fn with_opener(path: PathBuf, opener: Opener) -> Result<FileStore, StoreError> {
        let db = open_db(&opener).map_err(|source| StoreError::Open {
            path: path.clone(),
            source,
        })?;
        Ok(FileStore {
            db: RwLock::new(Opened {
                db: Some(db),
                generation: 1,
            }),
            opener,
            path,
        })
    }

    /// The store's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `op` on the database, opening it again first when an I/O error closed it, and
    /// closing it when `op` meets one.
    fn using<T>(&self, op: impl FnOnce(&FileDb) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let mut opened = self.opened();
        if opened.db.is_none() {
            drop(opened);
            self.reopen()?;
            opened = self.opened();
        }
        let generation = opened.generation;
        let result = match &opened.db {
            Some(db) => op(db),
            // Closed again by another thread's error in between.
            None => return Err(StoreError::Backend(CLOSED.into())),
        };
        drop(opened);
        if let Err(e) = &result
            && needs_reopening(e)
        {
            let mut opened = self.db.write().unwrap_or_else(PoisonError::into_inner);
            if opened.generation == generation && opened.db.take().is_some() {
                log::warn!(
                    target: "telegram_api",
                    "the store {} is closed after an I/O error, and opened again on its next use",
                    self.path.display()
                );
            }
        }
        result
    }

    fn opened(&self) -> std::sync::RwLockReadGuard<'_, Opened> {
        // The database is replaced whole under the lock: a panic elsewhere leaves it consistent.
        self.db.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Opens the database again, unless another thread just did.
    fn reopen(&self) -> Result<(), StoreError> {
        let mut opened = self.db.write().unwrap_or_else(PoisonError::into_inner);
        if opened.db.is_none() {
            opened.db = Some(open_db(&self.opener).map_err(StoreError::Backend)?);
            opened.generation += 1;
            log::info!(
                target: "telegram_api",
                "the store {} is open again",
                self.path.display()
            );
        }
        Ok(())
    }
}

/// What a use of a [`FileStore`] whose database another thread has just closed fails with.
const CLOSED: &str =
    "the database was closed after an I/O error; it is opened again on its next use";

/// Opens the database with `opener`, with its tables.
fn open_db(opener: &Opener) -> Result<FileDb, Box<dyn std::error::Error + Send + Sync>> {
    // redb checks some damage (a truncated file) with assertions: a panic there is the
    // damaged file's error, not the application's.
    let opened = std::panic::catch_unwind(std::panic::AssertUnwindSafe(opener))
        .map_err(|_| "the file is damaged (truncated?)")?;
    let db = opened?;
    // Create the tables once, so reads never meet a missing table.
    let txn = db.begin_write()?;
    txn.open_table(VALUES)?;
    txn.open_table(APPLIED)?;
    txn.open_table(INBOX)?;
    txn.open_table(RECEIVED)?;
    txn.commit()?;
    Ok(FileDb(db))
}

/// Whether `e` says that the database had an I/O error: redb then refuses every use
/// (`PreviousIo`) until it is opened again.
fn needs_reopening(e: &StoreError) -> bool {
    let StoreError::Backend(e) = e else {
        return false;
    };
    let storage = if let Some(e) = e.downcast_ref::<redb::StorageError>() {
        Some(e)
    } else if let Some(redb::TransactionError::Storage(e)) = e.downcast_ref() {
        Some(e)
    } else if let Some(redb::TableError::Storage(e)) = e.downcast_ref() {
        Some(e)
    } else if let Some(redb::CommitError::Storage(e)) = e.downcast_ref() {
        Some(e)
    } else {
        None
    };
    matches!(
        storage,
        Some(redb::StorageError::Io(_) | redb::StorageError::PreviousIo)
    )
}

impl Store for FileStore {
    fn get(&self, key: &Key) -> Result<Option<Vec<u8>>, StoreError> {
        self.using(|db| db.get(key))
    }

    fn is_applied(&self, update_id: i64) -> Result<bool, StoreError> {
        self.using(|db| db.is_applied(update_id))
    }

    fn commit(&self, update_id: Option<i64>, changes: &[Change]) -> Result<Commit, StoreError> {
        self.using(|db| db.commit(update_id, changes))
    }

    fn commit_many(&self, commits: &[(Option<i64>, &[Change])]) -> Vec<Result<Commit, StoreError>> {
        match self.using(|db| db.commit_many(commits)) {
            Ok(done) => done.into_iter().map(Ok).collect(),
            Err(e) => {
                let e = std::sync::Arc::new(e);
                commits
                    .iter()
                    .map(|_| Err(StoreError::shared(e.clone())))
                    .collect()
            }
        }
    }

    fn forget_applied_below(&self, update_id: i64) -> Result<(), StoreError> {
        self.using(|db| db.forget_applied_below(update_id))
    }

    fn values(&self, scope: &Scope, prefix: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        self.using(|db| db.values(scope, prefix))
    }

    fn has_inbox(&self) -> bool {
        true
    }

    fn inbox_add(&self, updates: &[(i64, Vec<u8>)]) -> Result<Vec<i64>, StoreError> {
        self.using(|db| db.inbox_add(updates))
    }

    fn inbox(&self) -> Result<Vec<(i64, Vec<u8>)>, StoreError> {
        self.using(|db| db.inbox())
    }

    fn inbox_remove(&self, update_ids: &[i64]) -> Result<(), StoreError> {
        self.using(|db| db.inbox_remove(update_ids))
    }

    fn sync(&self) -> Result<(), StoreError> {
        self.using(|db| db.sync())
    }
}

impl FileDb {
    fn get(&self, key: &Key) -> Result<Option<Vec<u8>>, StoreError> {
        let txn = self.0.begin_read().map_err(backend)?;
        let table = txn.open_table(VALUES).map_err(backend)?;
        let value = table.get(key.encode().as_str()).map_err(backend)?;
        Ok(value.map(|v| v.value().to_vec()))
    }

    fn is_applied(&self, update_id: i64) -> Result<bool, StoreError> {
        let txn = self.0.begin_read().map_err(backend)?;
        let table = txn.open_table(APPLIED).map_err(backend)?;
        Ok(table.get(update_id).map_err(backend)?.is_some())
    }

    fn commit(&self, update_id: Option<i64>, changes: &[Change]) -> Result<Commit, StoreError> {
        let mut done = self.commit_many(&[(update_id, changes)])?;
        Ok(done.pop().unwrap_or(Commit::Applied))
    }

    /// The commits of `commits` in one transaction (a single commit is one of them). The
    /// transaction is synced unless every commit took its update out of the inbox; an update
    /// already applied changes nothing.
    fn commit_many(&self, commits: &[(Option<i64>, &[Change])]) -> Result<Vec<Commit>, StoreError> {
        let mut txn = self.0.begin_write().map_err(backend)?;
        let mut done = Vec::with_capacity(commits.len());
        let mut all_from_inbox = true;
        {
            let mut applied = txn.open_table(APPLIED).map_err(backend)?;
            let mut inbox = txn.open_table(INBOX).map_err(backend)?;
            let mut values = txn.open_table(VALUES).map_err(backend)?;
            for (update_id, changes) in commits {
                if let Some(id) = *update_id {
                    if applied.insert(id, ()).map_err(backend)?.is_some() {
                        done.push(Commit::AlreadyApplied);
                        continue;
                    }
                    // The update stays in the inbox on disk until a later synced write (the
                    // next batch received, or `sync`) makes this commit durable too; a crash
                    // before then loses the commit whole, and the update is handled again.
                    all_from_inbox &= inbox.remove(id).map_err(backend)?.is_some();
                } else {
                    all_from_inbox = false;
                }
                for change in *changes {
                    match change {
                        Change::Put(key, value) => {
                            values
                                .insert(key.encode().as_str(), value.as_slice())
                                .map_err(backend)?;
                        }
                        Change::Delete(key) => {
                            values.remove(key.encode().as_str()).map_err(backend)?;
                        }
                    }
                }
                done.push(Commit::Applied);
            }
        }
        if all_from_inbox {
            // As for one commit of an update from the inbox: durable with the next synced
            // write, and lost whole before it, with the updates still in the inbox.
            txn.set_durability(redb::Durability::None);
        }
        txn.commit().map_err(backend)?;
        Ok(done)
    }

    fn sync(&self) -> Result<(), StoreError> {
        let txn = self.0.begin_write().map_err(backend)?;
        txn.commit().map_err(backend)
    }

    fn forget_applied_below(&self, update_id: i64) -> Result<(), StoreError> {
        let mut txn = self.0.begin_write().map_err(backend)?;
        // Not synced: a record that comes back after a crash is only forgotten again later.
        txn.set_durability(redb::Durability::None);
        {
            let mut applied = txn.open_table(APPLIED).map_err(backend)?;
            applied
                .retain_in(..update_id, |_, _| false)
                .map_err(backend)?;
        }
        txn.commit().map_err(backend)
    }

    fn inbox_add(&self, updates: &[(i64, Vec<u8>)]) -> Result<Vec<i64>, StoreError> {
        use redb::ReadableTable;
        let txn = self.0.begin_write().map_err(backend)?;
        let mut added = Vec::with_capacity(updates.len());
        {
            let mut received = txn.open_table(RECEIVED).map_err(backend)?;
            let mut inbox = txn.open_table(INBOX).map_err(backend)?;
            for (id, update) in updates {
                if received.insert(*id, ()).map_err(backend)?.is_none() {
                    inbox.insert(*id, update.as_slice()).map_err(backend)?;
                    added.push(*id);
                }
            }
            // The record of received updates keeps the last ids only.
            let highest = received.last().map_err(backend)?.map(|(id, _)| id.value());
            if let Some(below) = highest.map(|h| h.saturating_sub(RECEIVED_WINDOW)) {
                let oldest = received.first().map_err(backend)?.map(|(id, _)| id.value());
                // Pruned in steps, so that most transactions only add.
                if oldest.is_some_and(|o| o < below.saturating_sub(PRUNE_STEP)) {
                    received.retain_in(..below, |_, _| false).map_err(backend)?;
                }
            }
        }
        txn.commit().map_err(backend)?;
        Ok(added)
    }

    fn inbox(&self) -> Result<Vec<(i64, Vec<u8>)>, StoreError> {
        use redb::ReadableTable;
        let txn = self.0.begin_read().map_err(backend)?;
        let table = txn.open_table(INBOX).map_err(backend)?;
        let mut found = Vec::new();
        for entry in table.iter().map_err(backend)? {
            let (id, update) = entry.map_err(backend)?;
            found.push((id.value(), update.value().to_vec()));
        }
        Ok(found)
    }

    fn inbox_remove(&self, update_ids: &[i64]) -> Result<(), StoreError> {
        let mut txn = self.0.begin_write().map_err(backend)?;
        // Not synced: made durable by the next synced commit; one that is lost in a crash
        // leaves an entry that is handled again.
        txn.set_durability(redb::Durability::None);
        {
            let mut inbox = txn.open_table(INBOX).map_err(backend)?;
            for id in update_ids {
                inbox.remove(*id).map_err(backend)?;
            }
        }
        txn.commit().map_err(backend)
    }

    fn values(&self, scope: &Scope, prefix: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let txn = self.0.begin_read().map_err(backend)?;
        let table = txn.open_table(VALUES).map_err(backend)?;
        let base = Key::scope_prefix(scope);
        let from = format!("{base}{prefix}");
        let mut found = Vec::new();
        for entry in table.range(from.as_str()..).map_err(backend)? {
            let (key, value) = entry.map_err(backend)?;
            let Some(name) = key.value().strip_prefix(base.as_str()) else {
                break;
            };
            if !name.starts_with(prefix) {
                break;
            }
            found.push((name.to_owned(), value.value().to_vec()));
        }
        Ok(found)
    }
}

/// A stored value that no longer decodes as the type asked for (the type changed since it was
/// written). The stored value is left as it is.
#[derive(Debug)]
pub struct DecodeError {
    /// The value's key.
    pub key: Key,
    /// The type it was read as.
    pub type_name: &'static str,
    /// The stored JSON, as text (lossy for bytes that are not UTF-8).
    pub stored: String,
    /// Why it does not decode.
    pub source: serde_json::Error,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the stored value of {} does not decode as {}: {}",
            self.key, self.type_name, self.source
        )
    }
}

/// The message includes the decode error's, so `source()` goes on with its cause.
impl std::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        untold_cause(&self.to_string(), &self.source)
    }
}

/// Reading or writing a typed value failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum DataError {
    /// The store failed.
    Store(StoreError),
    /// The stored value does not decode as the type asked for.
    Decode(DecodeError),
    /// The update has no chat (or no user) whose data was asked for.
    NoScope(&'static str),
    /// The value does not encode as JSON (a map with keys that are not strings, say).
    Encode {
        /// The value's key.
        key: Key,
        /// Why.
        source: serde_json::Error,
    },
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataError::Store(e) => e.fmt(f),
            DataError::Decode(e) => e.fmt(f),
            DataError::NoScope(what) => write!(f, "the update has no {what} to keep data for"),
            DataError::Encode { key, source } => write!(f, "cannot encode {key}: {source}"),
        }
    }
}

impl std::error::Error for DataError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            // Each message includes the wrapped error's: go on with that error's cause.
            DataError::Store(e) => e.source(),
            DataError::Decode(e) => e.source(),
            DataError::Encode { source, .. } => untold_cause(&self.to_string(), source),
            DataError::NoScope(_) => None,
        }
    }
}

impl From<StoreError> for DataError {
    fn from(e: StoreError) -> Self {
        DataError::Store(e)
    }
}

/// Typed values over a [`Store`], read as committed and written as changes to commit with an
/// update: the changes made while handling one update, applied all together or not at all.
///
/// ```
/// use telegram_api::ext::store::{Commit, Data, Key, MemoryStore};
///
/// #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
/// struct Settings { language: String }
///
/// let store = MemoryStore::new();
/// let mut data = Data::new(&store);
/// let key = Key::user(1234567890, "settings");
/// data.set(&key, &Settings { language: "en".into() })?;
/// // Seen before the commit by the same handler, not by others.
/// assert_eq!(data.get::<Settings>(&key)?.unwrap().language, "en");
/// assert_eq!(data.commit(Some(815000001))?, Commit::Applied);
/// // Delivered again: recognised, nothing applied twice.
/// let mut again = Data::new(&store);
/// again.set(&key, &Settings { language: "de".into() })?;
/// assert_eq!(again.commit(Some(815000001))?, Commit::AlreadyApplied);
/// assert_eq!(Data::new(&store).get::<Settings>(&key)?.unwrap().language, "en");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Data<'s> {
    store: &'s dyn Store,
    changes: Pending,
}

impl fmt::Debug for Data<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Data")
            .field("pending", &self.changes.len())
            .finish_non_exhaustive()
    }
}

impl<'s> Data<'s> {
    /// Values of `store`, with no pending change.
    pub fn new(store: &'s dyn Store) -> Data<'s> {
        Data {
            store,
            changes: BTreeMap::new(),
        }
    }

    /// The value of `key` as a `T`: the pending change if there is one, else what is stored.
    ///
    /// # Errors
    ///
    /// Fails with [`DataError::Store`] when the store cannot be read, and [`DataError::Decode`]
    /// when the value does not decode as a `T`.
    pub fn get<T: DeserializeOwned>(&self, key: &Key) -> Result<Option<T>, DataError> {
        read(self.store, &self.changes, key)
    }

    /// Sets `key` to `value` (at the commit).
    ///
    /// # Errors
    ///
    /// Fails with [`DataError::Encode`] when `value` does not encode as JSON.
    pub fn set<T: Serialize + ?Sized>(&mut self, key: &Key, value: &T) -> Result<(), DataError> {
        self.changes.insert(key.clone(), Some(encode(key, value)?));
        Ok(())
    }

    /// Removes `key` (at the commit).
    pub fn remove(&mut self, key: &Key) {
        self.changes.insert(key.clone(), None);
    }

    /// Whether there are changes to commit.
    pub fn is_changed(&self) -> bool {
        !self.changes.is_empty()
    }

    /// Commits the changes, recording `update_id` as applied (see [`Store::commit`]).
    ///
    /// # Errors
    ///
    /// Fails as [`Store::commit`] does: with [`StoreError::Backend`] when the transaction cannot be
    /// written, and then nothing of it is stored.
    pub fn commit(self, update_id: Option<i64>) -> Result<Commit, StoreError> {
        self.store.commit(update_id, &into_changes(self.changes))
    }
}

/// Changes not yet committed: a value, or `None` for a removal, by key.
pub(crate) type Pending = BTreeMap<Key, Option<Vec<u8>>>;

/// The changes to commit for `pending`.
pub(crate) fn into_changes(pending: Pending) -> Vec<Change> {
    pending
        .into_iter()
        .map(|(key, value)| match value {
            Some(value) => Change::Put(key, value),
            None => Change::Delete(key),
        })
        .collect()
}

/// The value of `key` as a `T`: the pending change if there is one, else what is stored.
pub(crate) fn read<T: DeserializeOwned>(
    store: &dyn Store,
    pending: &Pending,
    key: &Key,
) -> Result<Option<T>, DataError> {
    let bytes = match pending.get(key) {
        Some(pending) => pending.clone(),
        None => store.get(key)?,
    };
    let Some(bytes) = bytes else {
        return Ok(None);
    };
    serde_json::from_slice(&bytes).map(Some).map_err(|source| {
        DataError::decode::<T>(
            key.clone(),
            String::from_utf8_lossy(&bytes).into_owned(),
            source,
        )
    })
}

/// `value` as stored.
pub(crate) fn encode<T: Serialize + ?Sized>(key: &Key, value: &T) -> Result<Vec<u8>, DataError> {
    serde_json::to_vec(value).map_err(|source| DataError::Encode {
        key: key.clone(),
        source,
    })
}

impl DataError {
    /// `stored`, the value of `key`, does not decode as a `T`.
    pub(crate) fn decode<T>(key: Key, stored: String, source: serde_json::Error) -> DataError {
        DataError::Decode(DecodeError {
            key,
            type_name: std::any::type_name::<T>(),
            stored,
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_path(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("telegram-api-store-{}-{name}", std::process::id()));
        let _ = std::fs::remove_file(&dir);
        dir
    }

    /// What every store must do.
    pub(super) fn behaves(store: &dyn Store) {
        let a = Key::chat(-100, "state");
        let b = Key::user(7, "name");
        assert_eq!(store.get(&a).unwrap(), None);
        assert!(!store.is_applied(1).unwrap());
        let changes = [
            Change::Put(a.clone(), b"1".to_vec()),
            Change::Put(b.clone(), b"2".to_vec()),
        ];
        assert_eq!(store.commit(Some(1), &changes).unwrap(), Commit::Applied);
        assert!(store.is_applied(1).unwrap());
        assert_eq!(store.get(&a).unwrap().as_deref(), Some(&b"1"[..]));
        // The same update again: nothing written.
        let again = [
            Change::Put(a.clone(), b"9".to_vec()),
            Change::Delete(b.clone()),
        ];
        assert_eq!(
            store.commit(Some(1), &again).unwrap(),
            Commit::AlreadyApplied
        );
        assert_eq!(store.get(&a).unwrap().as_deref(), Some(&b"1"[..]));
        assert_eq!(store.get(&b).unwrap().as_deref(), Some(&b"2"[..]));
        // Another update deletes; a commit without an update (a job, say) always applies.
        assert_eq!(
            store.commit(Some(2), &[Change::Delete(b.clone())]).unwrap(),
            Commit::Applied
        );
        assert_eq!(store.get(&b).unwrap(), None);
        assert_eq!(
            store
                .commit(None, &[Change::Put(b.clone(), vec![])])
                .unwrap(),
            Commit::Applied
        );
        assert_eq!(store.commit(None, &[]).unwrap(), Commit::Applied);
        assert_eq!(store.get(&b).unwrap().as_deref(), Some(&b""[..]));
        // Forgetting the record below an update.
        store.commit(Some(5), &[]).unwrap();
        store.forget_applied_below(5).unwrap();
        assert!(!store.is_applied(1).unwrap() && !store.is_applied(2).unwrap());
        assert!(store.is_applied(5).unwrap());
        // Bot-wide values by prefix, in name order; other scopes and prefixes left out.
        let jobs = [
            Change::Put(Key::bot("job/2"), b"b".to_vec()),
            Change::Put(Key::bot("job/1"), b"a".to_vec()),
            Change::Put(Key::bot("jobs"), b"x".to_vec()),
            Change::Put(Key::bot("ja"), b"y".to_vec()),
            Change::Put(Key::chat(1, "job/3"), b"z".to_vec()),
        ];
        store.commit(None, &jobs).unwrap();
        assert_eq!(
            store.values(&Scope::Bot, "job/").unwrap(),
            [
                ("job/1".to_string(), b"a".to_vec()),
                ("job/2".to_string(), b"b".to_vec())
            ]
        );
        assert_eq!(store.values(&Scope::Bot, "job/*").unwrap(), []);
        assert_eq!(store.values(&Scope::Bot, "nothing").unwrap(), []);
        // Any scope's values, and only that scope's: chat 1's are not chat 10's or user 1's.
        let others = [
            Change::Put(Key::chat(10, "a"), b"c10".to_vec()),
            Change::Put(Key::chat(1, "b"), b"c1".to_vec()),
            Change::Put(Key::user(1, "a"), b"u1".to_vec()),
            Change::Put(Key::conversation("x/1", "state"), b"s".to_vec()),
        ];
        store.commit(None, &others).unwrap();
        let names = |scope: Scope| -> Vec<String> {
            let values = store.values(&scope, "").unwrap();
            values.into_iter().map(|(name, _)| name).collect()
        };
        assert_eq!(names(Scope::Chat(1)), ["b", "job/3"]);
        assert_eq!(names(Scope::Chat(10)), ["a"]);
        assert_eq!(names(Scope::User(1)), ["a"]);
        assert_eq!(names(Scope::Conversation("x/1".into())), ["state"]);
        assert_eq!(names(Scope::User(2)), Vec::<String>::new());
    }

    #[test]
    fn memory_store() {
        behaves(&MemoryStore::new());
    }

    #[test]
    fn file_store_keeps_everything_across_reopening() {
        let path = temp_path("reopen");
        behaves(&FileStore::open(&path).unwrap());
        let store = FileStore::open(&path).unwrap();
        assert!(store.is_applied(5).unwrap());
        assert_eq!(
            store.get(&Key::chat(-100, "state")).unwrap().as_deref(),
            Some(&b"1"[..])
        );
        assert_eq!(store.commit(Some(5), &[]).unwrap(), Commit::AlreadyApplied);
        drop(store);
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn a_damaged_file_is_an_error_not_a_panic() {
        // Not a store at all.
        let path = temp_path("garbage");
        std::fs::write(&path, b"this is not a database").unwrap();
        let e = FileStore::open(&path).unwrap_err();
        assert!(matches!(e, StoreError::Open { .. }), "{e}");
        assert!(e.to_string().contains(&*path.to_string_lossy()));
        assert_eq!(std::fs::read(&path).unwrap(), b"this is not a database");
        std::fs::remove_file(&path).unwrap();

        // A real store, truncated.
        let path = temp_path("truncated");
        let store = FileStore::open(&path).unwrap();
        for id in 0..50 {
            let value = vec![b'x'; 1000];
            store
                .commit(Some(id), &[Change::Put(Key::chat(id, "v"), value)])
                .unwrap();
        }
        drop(store);
        let len = std::fs::metadata(&path).unwrap().len();
        let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        file.set_len(len / 3).unwrap();
        drop(file);
        // Either refused with an error, or repaired: never a panic, never wrong data.
        match FileStore::open(&path) {
            Err(e) => assert!(matches!(e, StoreError::Open { .. })),
            Ok(store) => {
                for id in 0..50 {
                    if let Ok(Some(v)) = store.get(&Key::chat(id, "v")) {
                        assert_eq!(v, vec![b'x'; 1000]);
                    }
                }
            }
        }
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn keys() {
        assert_eq!(Key::bot("count").encode(), "bot/count");
        assert_eq!(Key::chat(-100123, "s").encode(), "chat/-100123/s");
        assert_eq!(Key::user(7, "s").to_string(), "user/7/s");
        // Conversation keys cannot collide through a slash.
        assert_ne!(
            Key::conversation("a/b", "c").encode(),
            Key::conversation("a", "b/c").encode()
        );
    }

    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct V1 {
        name: String,
    }

    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct V2 {
        name: String,
        age: u32,
    }

    #[test]
    fn a_value_that_no_longer_decodes() {
        let store = MemoryStore::new();
        let key = Key::user(1, "profile");
        let mut data = Data::new(&store);
        data.set(&key, &V1 { name: "Ann".into() }).unwrap();
        data.commit(Some(1)).unwrap();
        let data = Data::new(&store);
        let DataError::Decode(e) = data.get::<V2>(&key).unwrap_err() else {
            panic!("a decode error");
        };
        assert_eq!(e.key, key);
        assert!(e.type_name.ends_with("V2"));
        assert_eq!(e.stored, r#"{"name":"Ann"}"#);
        let message = DataError::Decode(e).to_string();
        assert!(
            message.contains("user/1/profile") && message.contains("V2"),
            "{message}"
        );
        // The stored value is still there, readable as what it was.
        assert_eq!(
            data.get::<V1>(&key).unwrap(),
            Some(V1 { name: "Ann".into() })
        );
    }

    #[test]
    fn pending_changes_are_seen_by_their_handler_only() {
        let store = MemoryStore::new();
        let key = Key::bot("n");
        let mut data = Data::new(&store);
        data.set(&key, &1).unwrap();
        assert_eq!(data.get::<i32>(&key).unwrap(), Some(1));
        assert_eq!(Data::new(&store).get::<i32>(&key).unwrap(), None);
        data.remove(&key);
        assert!(data.is_changed());
        assert_eq!(data.get::<i32>(&key).unwrap(), None);
        // Dropped without a commit: nothing applied.
        drop(data);
        assert!(!store.is_applied(1).unwrap());
        let encode = Data::new(&store).set(&key, &std::collections::HashMap::from([((1, 2), 3)]));
        assert!(matches!(encode, Err(DataError::Encode { .. })));
    }
}

//! [`RedisStore`]: state in a Redis server, shared by every process of a bot. The type's
//! documentation (the module is private) tells the data layout in Redis, what is atomic, the
//! round trips of each operation and what happens when the server goes away.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use redis::{Client, Connection, IntoConnectionInfo, RedisError, RedisResult, Script};

use super::{Change, Commit, Key, Scope, Store, StoreError, backend};

/// The prefix of every key unless [`RedisStore::with_prefix`] sets another.
const DEFAULT_PREFIX: &str = "telegram:";

/// How long connecting, sending or waiting for a reply may take unless
/// [`RedisStore::with_timeout`] sets another.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// Idle connections kept for the next calls; more are closed when they are given back.
const MAX_IDLE: usize = 32;

/// The longest lease, in milliseconds (Redis refuses an expiry past its clock's range).
const MAX_TTL_MS: u128 = 1 << 52;

/// KEYS[1]: the applied set; KEYS[2]: the inbox (ids); KEYS[3]: the inbox's updates (bodies);
/// KEYS[4..]: the keys of the changes, in order.
/// ARGV[1]: the update id, or '' for none; then for each change an operation, `P` (put) or `D`
/// (delete), and a value ('' for a delete).
/// Returns 1 when the changes were written (and the update recorded as applied and taken out
/// of the inbox), 0 when the update was applied before.
const COMMIT_SCRIPT: &str = r"
local id = ARGV[1]
if id ~= '' and redis.call('ZSCORE', KEYS[1], id) then
  return 0
end
for i = 4, #KEYS do
  local j = 2 * (i - 3)
  if ARGV[j] == 'P' then
    redis.call('SET', KEYS[i], ARGV[j + 1])
  else
    redis.call('DEL', KEYS[i])
  end
end
if id ~= '' then
  redis.call('ZADD', KEYS[1], id, id)
  redis.call('ZREM', KEYS[2], id)
  redis.call('HDEL', KEYS[3], id)
end
return 1
";

/// KEYS[1]: the received set; KEYS[2]: the inbox (ids); KEYS[3]: the inbox's updates (bodies);
/// KEYS[4]: the applied set.
/// ARGV[1]: how many ids below the highest the received set keeps; then for each update its id
/// and its JSON.
/// Writes each update neither received nor applied before to the inbox, records it as
/// received, prunes the received set, and returns the ids written.
const INBOX_ADD_SCRIPT: &str = r"
local added = {}
for i = 2, #ARGV, 2 do
  local id = ARGV[i]
  if not redis.call('ZSCORE', KEYS[1], id) and not redis.call('ZSCORE', KEYS[4], id) then
    redis.call('ZADD', KEYS[1], id, id)
    redis.call('ZADD', KEYS[2], id, id)
    redis.call('HSET', KEYS[3], id, ARGV[i + 1])
    added[#added + 1] = id
  end
end
local highest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if highest[2] then
  local below = tonumber(highest[2]) - tonumber(ARGV[1])
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. string.format('%.0f', below))
end
return added
";

/// KEYS[1]: the lease; ARGV[1]: the holder; ARGV[2]: the time to live in milliseconds.
/// Returns 1 when the holder holds the lease now (taken or renewed), 0 when another holds it.
const ACQUIRE_SCRIPT: &str = r"
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 1
end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
";

/// KEYS[1]: the lease; ARGV[1]: the holder. Deletes the lease when the holder holds it.
const RELEASE_SCRIPT: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// A store in a Redis server (feature `redis`): state shared by every process of a bot, which
/// take [leases](Store::acquire_lease) so that one process at a time handles a chat.
///
/// ```no_run
/// use telegram_api::ext::store::{Change, Commit, Key, RedisStore, Store};
///
/// let store = RedisStore::open("redis://127.0.0.1:6379/")?.with_prefix("echo-bot:");
/// let key = Key::chat(-100123, "greeted");
/// let commit = store.commit(Some(815000001), &[Change::Put(key.clone(), b"true".to_vec())])?;
/// assert_eq!(commit, Commit::Applied);
/// assert_eq!(store.get(&key)?.as_deref(), Some(&b"true"[..]));
/// # Ok::<(), telegram_api::ext::store::StoreError>(())
/// ```
///
/// Several processes behind one webhook (or one polling and others serving a webhook): each
/// writes the updates that reach it to the shared [inbox](RedisStore#the-inbox) and confirms
/// them to Telegram once they are there; any process handles them, a chat at a time across
/// processes (its lease), a chat's updates in `update_id` order. Tested with two processes and
/// a driver playing Telegram (`tests/tests/ext_redis_webhook.rs`): 1,000 updates over 50 chats
/// spread over both, 100 of them delivered to both at once; every chat's record held each of
/// its updates exactly once, in order. And with one of two processes killed (`SIGKILL`) while
/// it held leases and had updates waiting in the inbox (`tests/tests/ext_redis_inbox.rs`):
/// the other handled every update, none twice, each chat's in order.
///
/// # Data layout
///
/// Every key starts with the store's prefix (`telegram:` unless
/// [`with_prefix`](RedisStore::with_prefix) says otherwise), so that several bots can share a
/// server (or a database of one):
///
/// | key | type | holds |
/// |---|---|---|
/// | `<prefix>v:<key>` | string | the value of a [`Key`], by [`Key::encode`]: `telegram:v:chat/-100/state` |
/// | `<prefix>applied` | sorted set | the applied updates: member the update id in decimal, score the id |
/// | `<prefix>lease:<name>` | string with an expiry | the holder of the lease `name` |
/// | `<prefix>inbox` | sorted set | the updates in the inbox: member the update id in decimal, score the id |
/// | `<prefix>inbox:updates` | hash | the updates in the inbox: field the update id in decimal, value the update as JSON |
/// | `<prefix>received` | sorted set | the updates received (written to the inbox once), the last [`RECEIVED_WINDOW`](super::RECEIVED_WINDOW) ids below the highest |
///
/// # Atomicity and round trips
///
/// A commit is one Lua script (`EVALSHA`, which the server runs with no other command in
/// between): it looks for the update in the applied set and returns when it is there;
/// otherwise it writes every change, adds the update to the set and takes it out of the inbox
/// (both the id and the update). The script checks everything before its first write, so it
/// writes all or nothing. Writing received updates to the inbox is one script too, which
/// leaves out each update received or applied before. A lease is taken, renewed and given up
/// by scripts as well, which compare the holder and act in the same step.
///
/// | operation | round trips | commands |
/// |---|---:|---|
/// | [`get`](Store::get) | 1 | `GET` |
/// | [`is_applied`](Store::is_applied) | 1 | `ZSCORE` |
/// | [`commit`](Store::commit) | 1 (0 with nothing to write) | `EVALSHA` of the commit script |
/// | [`forget_applied_below`](Store::forget_applied_below) | 1 | `ZREMRANGEBYSCORE` |
/// | [`acquire_lease`](Store::acquire_lease) | 1 | `EVALSHA`: `SET NX PX`, or `PEXPIRE` for the holder |
/// | [`release_lease`](Store::release_lease) | 1 | `EVALSHA`: `DEL` when the holder matches |
/// | [`inbox_add`](Store::inbox_add) | 1 (0 with no update) | `EVALSHA` of the inbox script |
/// | [`inbox`](Store::inbox) | 1 | `HGETALL` |
/// | [`inbox_ids`](Store::inbox_ids) | 1 | `ZRANGEBYSCORE` |
/// | [`inbox_get`](Store::inbox_get) | 1 (0 with no id) | `HMGET` |
/// | [`inbox_remove`](Store::inbox_remove) | 1 (0 with no id) | `MULTI`, `ZREM`, `HDEL`, `EXEC` (one round trip) |
///
/// A server that does not know a script yet (the first call after it started) answers
/// `NOSCRIPT`; the script is then loaded and run again: two more round trips, once per script
/// and server start. Opening a connection costs the handshake on top (`HELLO`/`SELECT`/`AUTH` as
/// the URL asks; none for `redis://host:port/`), once per connection.
///
/// A read-modify-write of one value while handling an update is therefore two round trips: the
/// `GET` and the commit. Handled from the inbox, an update costs four more: the lease taken and
/// given up, the ids in the inbox up to it (`inbox_ids`, to find the chat's earlier ones), and
/// whether it was applied (`is_applied`); one more (`inbox_remove`) when it had nothing to
/// commit, and one (`inbox_get`) to read the updates in the inbox that the process did not
/// receive itself. Receiving costs one script per batch.
///
/// # The inbox
///
/// The inbox is shared: the process that received an update (over its webhook, or by polling)
/// need not be the one that handles it. This is how the application uses it:
///
/// - **Receiving.** A process writes what it received to the inbox ([`Store::inbox_add`]), tells
///   Telegram the updates arrived (the webhook's `200`, the next `getUpdates` offset), and
///   queues those it wrote on its own workers.
/// - **Handling, in order.** A worker takes the lease of the update's chat (more exactly, of its
///   [ordering key](crate::ext::OrderBy)), reads the ids in the inbox up to its update, and
///   handles first, in `update_id` order, the earlier ones of the same chat that are still
///   there (received by another process, say). An update no longer in the inbox was handled
///   by another process: it is skipped. Each is handled as without an inbox (its record of
///   applied updates looked at first); its commit takes it out of the inbox, and one with
///   nothing to commit is taken out ([`Store::inbox_remove`]) before the lease is given up. So
///   across processes a chat's updates are handled one at a time, lowest id first.
/// - **Picking up the others'.** Each process looks at the ids in the inbox every
///   [`inbox_scan_interval`](crate::ext::ApplicationBuilder::inbox_scan_interval) (250 ms
///   unless set; a plain wait between looks, no spinning and no blocking command). An update
///   that was already there at its previous look and that it is not handling itself (received
///   by another process that is busy, or that died) is read and queued on its workers, which
///   take its chat's lease only if it is free at once: while another process holds it, the
///   update is left to that process, and looked at again at the next look. The leases of a
///   process that died expire after [`lease_ttl`](crate::ext::ApplicationBuilder::lease_ttl):
///   then its updates are handled by the others.
/// - **Stopping.** A process that stops handles what it can within its
///   [`stop_timeout`](crate::ext::ApplicationBuilder::stop_timeout), but a worker waiting for
///   a lease that another process holds gives up at once: what it leaves stays in the inbox,
///   for the other processes or the next start. So a `200` (or a confirmed offset) says that an
///   update is in the inbox, not that it was handled: a test or a deployment that must know
///   that everything was handled waits for the inbox to be empty ([`Store::inbox_ids`]).
///
/// # Connections
///
/// Each call takes an idle connection, or opens one when none is idle, so worker threads do not
/// wait on each other's round trips; up to 32 idle connections are kept. A connection that fails
/// is dropped, never used again: when the server goes away, calls return
/// [`StoreError::Backend`] errors, and once it is back the next call connects again. When a
/// connection that was idle turns out to be closed (the server restarted, or closed idle
/// clients), the other idle ones are dropped too and the call is made once more on a new
/// connection. Such a command mostly never reached a server; should it have run before the
/// connection broke, running it again is harmless (a commit of an update finds its own record
/// and answers [`Commit::AlreadyApplied`], a commit without one writes the same values). A call
/// that timed out is not repeated. Connecting, sending and each reply wait at most the
/// [timeout](RedisStore::with_timeout) (5 seconds unless set).
///
/// # Durability and limits
///
/// A commit, and an update written to the inbox, is in the server's memory when the call
/// returns; whether it survives a crash or restart of the server is the server's persistence
/// setting, not this store's: with `appendonly yes` and `appendfsync always`, nothing that was
/// acknowledged is lost (the guarantee of [`FileStore`](super::FileStore)); with `appendfsync
/// everysec` (Redis's default when the append-only file is on), a crash of the server (or of
/// its machine) can lose the last second or so of writes: updates already confirmed to
/// Telegram, and commits; with no persistence, everything. [`Store::sync`] has nothing to do.
///
/// The applied set orders updates by a floating-point score, so
/// [`forget_applied_below`](Store::forget_applied_below) is exact for update ids up to
/// 2<sup>53</sup> in magnitude (Telegram's are far below); the record of each id is exact.
///
/// The `redis://` and `redis+unix://` URLs are supported; `rediss://` (TLS) needs a TLS feature
/// of the `redis` crate, which this crate does not enable. Redis Cluster is not supported (a
/// commit writes keys of several hash slots).
pub struct RedisStore {
    client: Client,
    /// The URL without its password, for messages.
    url: String,
    prefix: String,
    timeout: Duration,
    idle: Mutex<Vec<Connection>>,
    commit_script: Script,
    inbox_add_script: Script,
    acquire_script: Script,
    release_script: Script,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("url", &self.url)
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Connects to the server at `url` (`redis://[user:password@]host[:port][/db]`, or
    /// `redis+unix:///path/to/socket[?db=N]`).
    ///
    /// # Errors
    ///
    /// Fails with [`StoreError::Open`], naming the URL without its password, when the URL does not
    /// parse, or the server cannot be reached or refuses the connection.
    pub fn open(url: &str) -> Result<RedisStore, StoreError> {
        let redacted = redact(url);
        let open_error = |e: RedisError| StoreError::Open {
            path: PathBuf::from(&redacted),
            source: Box::new(e),
        };
        let info = url.into_connection_info().map_err(open_error)?;
        // No `CLIENT SETINFO` in the handshake: a round trip less per connection, and its reply,
        // whose errors the client ignores, cannot stretch a connection past the timeout.
        let settings = info.redis_settings().clone().set_skip_set_lib_name();
        let client = Client::open(info.set_redis_settings(settings)).map_err(open_error)?;
        let store = RedisStore {
            client,
            url: redacted.clone(),
            prefix: DEFAULT_PREFIX.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            idle: Mutex::new(Vec::new()),
            commit_script: Script::new(COMMIT_SCRIPT),
            inbox_add_script: Script::new(INBOX_ADD_SCRIPT),
            acquire_script: Script::new(ACQUIRE_SCRIPT),
            release_script: Script::new(RELEASE_SCRIPT),
        };
        // Connect once now, so that a wrong URL or an absent server shows when the bot starts.
        let mut con = store.connect().map_err(open_error)?;
        redis::cmd("PING")
            .query::<()>(&mut con)
            .map_err(open_error)?;
        store.give_back(con);
        Ok(store)
    }

    /// Starts every key with `prefix` instead of `telegram:`, so that bots sharing a server
    /// keep apart (see [the data layout](RedisStore#data-layout)).
    #[must_use]
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> RedisStore {
        self.prefix = prefix.into();
        self
    }

    /// Waits at most `timeout` to connect, to send a command and for each reply (5 seconds
    /// unless set; at least a millisecond). A call that times out is a
    /// [`StoreError::Backend`] error.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> RedisStore {
        self.timeout = timeout.max(Duration::from_millis(1));
        // Connections already open keep the timeout they were opened with: start afresh.
        self.idle_connections().clear();
        self
    }

    /// The prefix of every key this store writes.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn value_key(&self, key: &Key) -> String {
        format!("{}v:{}", self.prefix, key.encode())
    }

    fn applied_key(&self) -> String {
        format!("{}applied", self.prefix)
    }

    fn inbox_key(&self) -> String {
        format!("{}inbox", self.prefix)
    }

    fn inbox_updates_key(&self) -> String {
        format!("{}inbox:updates", self.prefix)
    }

    fn received_key(&self) -> String {
        format!("{}received", self.prefix)
    }

    fn lease_key(&self, name: &str) -> String {
        format!("{}lease:{name}", self.prefix)
    }

    fn idle_connections(&self) -> MutexGuard<'_, Vec<Connection>> {
        // The list is changed whole under the lock: a panic elsewhere leaves it consistent.
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn connect(&self) -> RedisResult<Connection> {
        let con = self.client.get_connection_with_timeout(self.timeout)?;
        con.set_read_timeout(Some(self.timeout))?;
        con.set_write_timeout(Some(self.timeout))?;
        Ok(con)
    }

    fn give_back(&self, con: Connection) {
        let mut idle = self.idle_connections();
        if idle.len() < MAX_IDLE {
            idle.push(con);
        }
    }

    /// Runs `op` on an idle connection or a new one. A connection whose call failed is dropped;
    /// one that had been idle and turns out closed is replaced, and `op` runs once more.
    fn run<T>(&self, op: impl Fn(&mut Connection) -> RedisResult<T>) -> Result<T, StoreError> {
        let taken = self.idle_connections().pop();
        if let Some(mut con) = taken {
            match op(&mut con) {
                Ok(v) => {
                    self.give_back(con);
                    return Ok(v);
                }
                Err(e) if closed_while_idle(&e) => {
                    // The others were opened before the same event (a restart of the server,
                    // say) and are likely closed as well.
                    self.idle_connections().clear();
                }
                Err(e) => return Err(backend(e)),
            }
        }
        let mut con = self.connect().map_err(backend)?;
        let v = op(&mut con).map_err(backend)?;
        self.give_back(con);
        Ok(v)
    }
}

/// Whether an error on a connection taken from the idle ones means that it had been closed
/// meanwhile, so that the command is worth sending again on a new connection. A timeout is not
/// such an error (the server may still be running the command).
fn closed_while_idle(e: &RedisError) -> bool {
    e.is_connection_dropped() && !e.is_timeout()
}

/// `url` without the password (`redis://user:***@host/`).
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return url.to_owned();
    };
    let user = match userinfo.split_once(':') {
        Some((user, _password)) => format!("{user}:***"),
        // `redis://password@host`: a lone userinfo is the password.
        None => "***".to_owned(),
    };
    format!("{scheme}://{user}@{host}{path}")
}

/// A lease's time to live in whole milliseconds, rounded up (a lease never ends before its
/// holder expects), from 1 ms to [`MAX_TTL_MS`].
fn ttl_millis(ttl: Duration) -> u64 {
    let ms = ttl.as_nanos().div_ceil(1_000_000).clamp(1, MAX_TTL_MS);
    u64::try_from(ms).unwrap_or(u64::MAX)
}

impl Store for RedisStore {
    fn get(&self, key: &Key) -> Result<Option<Vec<u8>>, StoreError> {
        let key = self.value_key(key);
        self.run(|con| redis::cmd("GET").arg(&key).query(con))
    }

    fn values(&self, scope: &Scope, prefix: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        // SCAN with a pattern; the pattern's special characters in the prefix are escaped.
        let base = self.value_key(&Key {
            scope: scope.clone(),
            name: String::new(),
        });
        let pattern = format!("{}*", glob_escape(&format!("{base}{prefix}")));
        let mut keys: Vec<String> = Vec::new();
        let mut cursor: u64 = 0;
        loop {
            let (next, batch): (u64, Vec<String>) = self.run(|con| {
                redis::cmd("SCAN")
                    .arg(cursor)
                    .arg("MATCH")
                    .arg(&pattern)
                    .arg("COUNT")
                    .arg(1000)
                    .query(con)
            })?;
            keys.extend(batch);
            if next == 0 {
                break;
            }
            cursor = next;
        }
        keys.sort();
        keys.dedup();
        let mut found = Vec::with_capacity(keys.len());
        // One round trip per 500 values; a key deleted since the scan is left out.
        for chunk in keys.chunks(500) {
            let values: Vec<Option<Vec<u8>>> =
                self.run(|con| redis::cmd("MGET").arg(chunk).query(con))?;
            for (key, value) in chunk.iter().zip(values) {
                if let (Some(value), Some(name)) = (value, key.strip_prefix(&base)) {
                    found.push((name.to_owned(), value));
                }
            }
        }
        Ok(found)
    }

    fn is_applied(&self, update_id: i64) -> Result<bool, StoreError> {
        let applied = self.applied_key();
        let score: Option<f64> =
            self.run(|con| redis::cmd("ZSCORE").arg(&applied).arg(update_id).query(con))?;
        Ok(score.is_some())
    }

    fn commit(&self, update_id: Option<i64>, changes: &[Change]) -> Result<Commit, StoreError> {
        if update_id.is_none() && changes.is_empty() {
            return Ok(Commit::Applied);
        }
        let mut invocation = self.commit_script.prepare_invoke();
        invocation
            .key(self.applied_key())
            .key(self.inbox_key())
            .key(self.inbox_updates_key());
        match update_id {
            Some(id) => invocation.arg(id),
            None => invocation.arg(""),
        };
        for change in changes {
            match change {
                Change::Put(key, value) => {
                    invocation
                        .key(self.value_key(key))
                        .arg("P")
                        .arg(value.as_slice());
                }
                Change::Delete(key) => {
                    invocation.key(self.value_key(key)).arg("D").arg("");
                }
            }
        }
        let written: i64 = self.run(|con| invocation.invoke(con))?;
        Ok(if written == 1 {
            Commit::Applied
        } else {
            Commit::AlreadyApplied
        })
    }

    fn forget_applied_below(&self, update_id: i64) -> Result<(), StoreError> {
        let applied = self.applied_key();
        let below = format!("({update_id}");
        let _removed: i64 = self.run(|con| {
            redis::cmd("ZREMRANGEBYSCORE")
                .arg(&applied)
                .arg("-inf")
                .arg(&below)
                .query(con)
        })?;
        Ok(())
    }

    /// True: the inbox is in the server, shared by every process of the bot (see
    /// [the inbox](RedisStore#the-inbox)).
    fn has_inbox(&self) -> bool {
        true
    }

    /// Writes the updates neither received nor applied before, in one script; the record of
    /// received updates is pruned in the same script. Durable as far as the server's
    /// persistence setting makes it (see [durability](RedisStore#durability-and-limits)).
    fn inbox_add(&self, updates: &[(i64, Vec<u8>)]) -> Result<Vec<i64>, StoreError> {
        if updates.is_empty() {
            return Ok(Vec::new());
        }
        let mut invocation = self.inbox_add_script.prepare_invoke();
        invocation
            .key(self.received_key())
            .key(self.inbox_key())
            .key(self.inbox_updates_key())
            .key(self.applied_key())
            .arg(super::RECEIVED_WINDOW);
        for (id, update) in updates {
            invocation.arg(*id).arg(update.as_slice());
        }
        self.run(|con| invocation.invoke(con))
    }

    /// Every update in the inbox: one `HGETALL`.
    fn inbox(&self) -> Result<Vec<(i64, Vec<u8>)>, StoreError> {
        let updates = self.inbox_updates_key();
        let found: BTreeMap<i64, Vec<u8>> =
            self.run(|con| redis::cmd("HGETALL").arg(&updates).query(con))?;
        Ok(found.into_iter().collect())
    }

    /// The ids only: one `ZRANGEBYSCORE`.
    fn inbox_ids(&self, through: i64) -> Result<Vec<i64>, StoreError> {
        let inbox = self.inbox_key();
        // Scores are floating-point: exact up to 2^53, so the range is one wider and the ids,
        // exact as members, are filtered and ordered here.
        let most = if through == i64::MAX {
            "+inf".to_owned()
        } else {
            format!("{}", through.saturating_add(1))
        };
        let mut ids: Vec<i64> = self.run(|con| {
            redis::cmd("ZRANGEBYSCORE")
                .arg(&inbox)
                .arg("-inf")
                .arg(&most)
                .query(con)
        })?;
        ids.retain(|&id| id <= through);
        ids.sort_unstable();
        Ok(ids)
    }

    /// One `HMGET`.
    fn inbox_get(&self, update_ids: &[i64]) -> Result<Vec<(i64, Vec<u8>)>, StoreError> {
        if update_ids.is_empty() {
            return Ok(Vec::new());
        }
        let updates = self.inbox_updates_key();
        let found: Vec<Option<Vec<u8>>> =
            self.run(|con| redis::cmd("HMGET").arg(&updates).arg(update_ids).query(con))?;
        let mut found: Vec<(i64, Vec<u8>)> = update_ids
            .iter()
            .zip(found)
            .filter_map(|(id, update)| Some((*id, update?)))
            .collect();
        found.sort_by_key(|(id, _)| *id);
        found.dedup_by_key(|(id, _)| *id);
        Ok(found)
    }

    /// `ZREM` and `HDEL` in one `MULTI`/`EXEC`.
    fn inbox_remove(&self, update_ids: &[i64]) -> Result<(), StoreError> {
        if update_ids.is_empty() {
            return Ok(());
        }
        let (inbox, updates) = (self.inbox_key(), self.inbox_updates_key());
        self.run(|con| {
            redis::pipe()
                .atomic()
                .cmd("ZREM")
                .arg(&inbox)
                .arg(update_ids)
                .ignore()
                .cmd("HDEL")
                .arg(&updates)
                .arg(update_ids)
                .ignore()
                .query::<()>(con)
        })
    }

    /// Nothing to do: every write is in the server when it returns, and what reaches its disk
    /// when is the server's persistence setting (see
    /// [durability](RedisStore#durability-and-limits)).
    fn sync(&self) -> Result<(), StoreError> {
        Ok(())
    }

    /// True: other processes may use the same server.
    fn is_shared(&self) -> bool {
        true
    }

    /// Takes the lease `name` for `holder` when nobody holds it (`SET NX PX`), or renews it
    /// (`PEXPIRE`) when `holder` holds it, in one script. `ttl` is rounded up to whole
    /// milliseconds.
    fn acquire_lease(&self, name: &str, holder: &str, ttl: Duration) -> Result<bool, StoreError> {
        let mut invocation = self.acquire_script.key(self.lease_key(name));
        invocation.arg(holder).arg(ttl_millis(ttl));
        let held: i64 = self.run(|con| invocation.invoke(con))?;
        Ok(held == 1)
    }

    /// Deletes the lease `name` when `holder` holds it, in one script.
    fn release_lease(&self, name: &str, holder: &str) -> Result<(), StoreError> {
        let mut invocation = self.release_script.key(self.lease_key(name));
        invocation.arg(holder);
        let _deleted: i64 = self.run(|con| invocation.invoke(con))?;
        Ok(())
    }
}

/// `s` with the characters special in a Redis `MATCH` pattern escaped.
fn glob_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\' | '^' | '-') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The server of the tests (`REDIS_URL`), emptied of this test's keys. The tests that use
    /// it are ignored unless asked for (`--include-ignored`); asked for without `REDIS_URL`,
    /// they fail.
    fn test_store(test: &str) -> RedisStore {
        let url = std::env::var("REDIS_URL").expect(
            "REDIS_URL is not set: this test needs a redis-server (redis://127.0.0.1:6379/)",
        );
        let prefix = format!("telegram-api-test:{}:{test}:", std::process::id());
        let store = RedisStore::open(&url)
            .unwrap_or_else(|e| panic!("REDIS_URL={url}: {e}"))
            .with_prefix(prefix);
        clear(&store);
        store
    }

    /// A connection of the tests' own, outside the store.
    fn connection(store: &RedisStore) -> Connection {
        store.client.get_connection().unwrap()
    }

    /// Every key of the store's prefix, sorted.
    fn keys_under(store: &RedisStore) -> Vec<String> {
        let mut keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{}*", store.prefix()))
            .query(&mut connection(store))
            .unwrap();
        keys.sort();
        keys
    }

    /// Deletes every key of the store's prefix.
    fn clear(store: &RedisStore) {
        let keys = keys_under(store);
        if !keys.is_empty() {
            let _: i64 = redis::cmd("DEL")
                .arg(&keys)
                .query(&mut connection(store))
                .unwrap();
        }
    }

    #[test]
    #[ignore = "needs REDIS_URL"]
    fn behaves() {
        let store = test_store("behaves");
        super::super::tests::behaves(&store);
        // The keys are where the module documentation says.
        let prefix = store.prefix().to_owned();
        let keys = keys_under(&store);
        let mut con = connection(&store);
        let expected = [
            "applied",
            "v:chat/-100/state",
            "v:user/7/name",
            "v:bot/ja",
            "v:bot/job/1",
            "v:bot/job/2",
            "v:bot/jobs",
            "v:chat/1/job/3",
            "v:chat/10/a",
            "v:chat/1/b",
            "v:user/1/a",
            "v:conversation/x%2F1/state",
        ]
        .map(|k| format!("{prefix}{k}"));
        let mut sorted = expected.to_vec();
        sorted.sort();
        assert_eq!(keys, sorted);
        let value: Option<Vec<u8>> = redis::cmd("GET").arg(&expected[1]).query(&mut con).unwrap();
        assert_eq!(value.as_deref(), Some(&b"1"[..]));
        let applied: Vec<(i64, f64)> = redis::cmd("ZRANGE")
            .arg(&expected[0])
            .arg(0)
            .arg(-1)
            .arg("WITHSCORES")
            .query(&mut con)
            .unwrap();
        assert_eq!(applied, [(5, 5.0)]);
        assert!(
            store
                .acquire_lease("chat/1", "me", Duration::from_secs(5))
                .unwrap()
        );
        let holder: Option<String> = redis::cmd("GET")
            .arg(format!("{prefix}lease:chat/1"))
            .query(&mut con)
            .unwrap();
        assert_eq!(holder.as_deref(), Some("me"));
        clear(&store);
    }

    #[test]
    #[ignore = "needs REDIS_URL"]
    fn binary_values_and_many_changes() {
        let store = test_store("binary");
        let all_bytes: Vec<u8> = (0..=255).collect();
        let mut changes: Vec<Change> = (0..100)
            .map(|i| Change::Put(Key::chat(i, "v"), all_bytes.clone()))
            .collect();
        changes.push(Change::Delete(Key::chat(3, "v")));
        changes.push(Change::Put(Key::conversation("a/b%c", "x y"), Vec::new()));
        assert_eq!(store.commit(Some(-7), &changes).unwrap(), Commit::Applied);
        assert!(store.is_applied(-7).unwrap());
        assert_eq!(store.get(&Key::chat(99, "v")).unwrap(), Some(all_bytes));
        assert_eq!(store.get(&Key::chat(3, "v")).unwrap(), None);
        let conversation = store.get(&Key::conversation("a/b%c", "x y")).unwrap();
        assert_eq!(conversation, Some(Vec::new()));
        // Negative and large ids are recorded exactly.
        store.commit(Some(i64::MAX), &[]).unwrap();
        assert!(store.is_applied(i64::MAX).unwrap());
        assert!(!store.is_applied(i64::MAX - 1).unwrap());
        store.forget_applied_below(0).unwrap();
        assert!(!store.is_applied(-7).unwrap());
        assert!(store.is_applied(i64::MAX).unwrap());
        clear(&store);
    }

    #[test]
    #[ignore = "needs REDIS_URL"]
    fn prefixes_keep_bots_apart() {
        let one = test_store("one");
        let two = test_store("two");
        let key = Key::bot("name");
        one.commit(Some(1), &[Change::Put(key.clone(), b"one".to_vec())])
            .unwrap();
        assert_eq!(two.get(&key).unwrap(), None);
        assert!(!two.is_applied(1).unwrap());
        assert_eq!(
            two.commit(Some(1), &[Change::Put(key.clone(), b"two".to_vec())])
                .unwrap(),
            Commit::Applied
        );
        assert!(
            one.acquire_lease("chat/1", "a", Duration::from_secs(5))
                .unwrap()
        );
        assert!(
            two.acquire_lease("chat/1", "b", Duration::from_secs(5))
                .unwrap()
        );
        assert_eq!(one.get(&key).unwrap().as_deref(), Some(&b"one"[..]));
        clear(&one);
        clear(&two);
    }

    #[test]
    #[ignore = "needs REDIS_URL"]
    fn inbox() {
        let store = test_store("inbox");
        assert!(store.has_inbox() && store.is_shared());
        let body = |s: &str| s.as_bytes().to_vec();
        let none: [i64; 0] = [];
        let added = store
            .inbox_add(&[(3, body("three")), (1, body("one")), (2, body("two"))])
            .unwrap();
        assert_eq!(added, [3, 1, 2]);
        // Written twice (a redelivery, or the copy another process received): once, the first
        // body kept.
        let again = store
            .inbox_add(&[(2, body("again")), (4, body("four")), (4, body("twice"))])
            .unwrap();
        assert_eq!(again, [4]);
        assert_eq!(store.inbox_add(&[]).unwrap(), none);
        // In update_id order.
        let all = [
            (1, body("one")),
            (2, body("two")),
            (3, body("three")),
            (4, body("four")),
        ];
        assert_eq!(store.inbox().unwrap(), all);
        assert_eq!(store.inbox_ids(i64::MAX).unwrap(), [1, 2, 3, 4]);
        assert_eq!(store.inbox_ids(2).unwrap(), [1, 2]);
        assert_eq!(store.inbox_ids(0).unwrap(), none);
        let some = store.inbox_get(&[4, 2, 9, 2]).unwrap();
        assert_eq!(some, [(2, body("two")), (4, body("four"))]);
        assert_eq!(store.inbox_get(&[]).unwrap(), []);
        // A commit takes its update out of the inbox, in the same step as its changes.
        let key = Key::chat(1, "v");
        let put = [Change::Put(key.clone(), body("x"))];
        assert_eq!(store.commit(Some(2), &put).unwrap(), Commit::Applied);
        assert_eq!(store.inbox_ids(i64::MAX).unwrap(), [1, 3, 4]);
        assert_eq!(store.inbox_get(&[2]).unwrap(), []);
        assert_eq!(store.get(&key).unwrap(), Some(body("x")));
        assert_eq!(store.commit(Some(2), &put).unwrap(), Commit::AlreadyApplied);
        // Handled, or applied without the inbox: not written again.
        assert_eq!(store.inbox_add(&[(2, body("two"))]).unwrap(), none);
        store.commit(Some(10), &[]).unwrap();
        assert_eq!(store.inbox_add(&[(10, body("ten"))]).unwrap(), none);
        // Taken out without a commit (handled with nothing to commit).
        store.inbox_remove(&[1, 4, 99]).unwrap();
        store.inbox_remove(&[]).unwrap();
        assert_eq!(store.inbox().unwrap(), [(3, body("three"))]);
        assert_eq!(store.inbox_add(&[(1, body("one"))]).unwrap(), none);
        store.sync().unwrap();
        // The record of received updates keeps the last RECEIVED_WINDOW ids below the highest.
        let far = crate::ext::store::RECEIVED_WINDOW + 100;
        assert_eq!(store.inbox_add(&[(far, body("far"))]).unwrap(), [far]);
        let mut con = connection(&store);
        let prefix = store.prefix().to_owned();
        let received: Vec<i64> = redis::cmd("ZRANGE")
            .arg(format!("{prefix}received"))
            .arg(0)
            .arg(-1)
            .query(&mut con)
            .unwrap();
        assert_eq!(received, [far]);
        assert_eq!(store.inbox_ids(i64::MAX).unwrap(), [3, far]);
        // Every key under the prefix, where the documentation says.
        let keys = keys_under(&store);
        let expected = [
            "applied",
            "inbox",
            "inbox:updates",
            "received",
            "v:chat/1/v",
        ]
        .map(|k| format!("{prefix}{k}"));
        assert_eq!(keys, expected);
        clear(&store);
    }

    #[test]
    fn urls_lose_their_password() {
        assert_eq!(redact("redis://127.0.0.1:6379/"), "redis://127.0.0.1:6379/");
        assert_eq!(
            redact("redis://bot:s3cr@t@redis.internal:6380/2"),
            "redis://bot:***@redis.internal:6380/2"
        );
        assert_eq!(redact("redis://hunter2@host"), "redis://***@host");
        assert_eq!(redact("not a url"), "not a url");
        assert_eq!(
            redact("redis+unix:///run/redis.sock"),
            "redis+unix:///run/redis.sock"
        );
    }

    #[test]
    fn a_bad_url_is_an_open_error() {
        let e = RedisStore::open("http://user:pw@example/").unwrap_err();
        assert!(matches!(e, StoreError::Open { .. }), "{e}");
        let message = e.to_string();
        assert!(!message.contains("pw@"), "{message}");
        // Nothing listens on port 1 of the loopback.
        let e = RedisStore::open("redis://127.0.0.1:1/").unwrap_err();
        assert!(matches!(e, StoreError::Open { .. }), "{e}");
    }

    #[test]
    fn lease_times_to_live() {
        assert_eq!(ttl_millis(Duration::ZERO), 1);
        assert_eq!(ttl_millis(Duration::from_micros(1500)), 2);
        assert_eq!(ttl_millis(Duration::from_secs(30)), 30_000);
        assert_eq!(ttl_millis(Duration::MAX), 1 << 52);
    }
}

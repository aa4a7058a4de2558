//! `RedisStore` against a real server (`--features redis`): leases, read-modify-write commits
//! from several threads, stores and processes under a lease, and the server going away and
//! coming back.
//!
//! The tests need `REDIS_URL` (`redis://127.0.0.1:6379/`), so they are ignored unless asked for
//! (`-- --include-ignored`); asked for without it, they fail. The one that stops a server
//! starts its own `redis-server`, and fails when there is no such program.
#![cfg(feature = "redis")]

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use telegram_api::ext::store::{Change, Commit, Key, RedisStore, Store, StoreError};

/// The URL of the test server; a test asked for without `REDIS_URL` fails.
fn redis_url() -> String {
    std::env::var("REDIS_URL")
        .expect("REDIS_URL is not set: this test needs a redis-server (redis://127.0.0.1:6379/)")
}

/// A prefix no other test (nor another run at the same time) uses.
fn unique_prefix(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("telegram-api-test:{}:{nanos}:{test}:", std::process::id())
}

fn open(url: &str, prefix: &str) -> RedisStore {
    RedisStore::open(url)
        .unwrap_or_else(|e| panic!("{url}: {e}"))
        .with_prefix(prefix)
}

/// Deletes what a test wrote (a failed test leaves its keys, which no other test reads).
fn clear(store: &RedisStore, keys: &[Key]) {
    let changes: Vec<Change> = keys.iter().cloned().map(Change::Delete).collect();
    store.commit(None, &changes).unwrap();
    store.forget_applied_below(i64::MAX).unwrap();
}

#[test]
#[ignore = "needs REDIS_URL"]
fn a_lease_is_exclusive_renewed_by_its_holder_and_expires() {
    let url = redis_url();
    let prefix = unique_prefix("lease");
    let a = open(&url, &prefix);
    // Another store on the same prefix: another process, as far as the server can tell.
    let b = open(&url, &prefix);
    assert!(a.is_shared() && b.is_shared());
    let long = Duration::from_secs(30);

    assert!(a.acquire_lease("chat/1", "process-a", long).unwrap());
    assert!(!b.acquire_lease("chat/1", "process-b", long).unwrap());
    // Another name is another lease.
    assert!(b.acquire_lease("chat/2", "process-b", long).unwrap());
    // The holder renews it.
    assert!(a.acquire_lease("chat/1", "process-a", long).unwrap());
    // Released by another than its holder: nothing happens.
    b.release_lease("chat/1", "process-b").unwrap();
    assert!(!b.acquire_lease("chat/1", "process-b", long).unwrap());
    // Released by its holder: free for the next.
    a.release_lease("chat/1", "process-a").unwrap();
    assert!(b.acquire_lease("chat/1", "process-b", long).unwrap());
    assert!(!a.acquire_lease("chat/1", "process-a", long).unwrap());
    b.release_lease("chat/1", "process-b").unwrap();
    b.release_lease("chat/2", "process-b").unwrap();

    // A holder that stops renewing (it died) loses the lease after its time to live.
    let short = Duration::from_millis(300);
    assert!(a.acquire_lease("chat/3", "dead", short).unwrap());
    assert!(!b.acquire_lease("chat/3", "alive", long).unwrap());
    thread::sleep(Duration::from_millis(400));
    assert!(b.acquire_lease("chat/3", "alive", long).unwrap());

    // Renewing extends the time to live from now.
    assert!(a.acquire_lease("chat/4", "renewer", short).unwrap());
    for _ in 0..4 {
        thread::sleep(Duration::from_millis(150));
        assert!(a.acquire_lease("chat/4", "renewer", short).unwrap());
    }
    assert!(!b.acquire_lease("chat/4", "other", long).unwrap());
    // A time to live below a millisecond still holds the lease (for at least one).
    assert!(a.acquire_lease("chat/5", "brief", Duration::ZERO).unwrap());
    b.release_lease("chat/3", "alive").unwrap();
    a.release_lease("chat/4", "renewer").unwrap();
}

/// Adds 1 to the counter of chat 1 `n` times, each time under the chat's lease: reads it, then
/// commits the new value with a new update id (`id_base + i`).
fn add_under_lease(store: &dyn Store, holder: &str, id_base: i64, n: i64) {
    let key = Key::chat(1, "counter");
    for i in 0..n {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !store
            .acquire_lease("chat/1", holder, Duration::from_secs(10))
            .unwrap()
        {
            assert!(Instant::now() < deadline, "{holder}: no lease in 30 s");
            thread::sleep(Duration::from_millis(1));
        }
        let count: u64 = match store.get(&key).unwrap() {
            Some(bytes) => String::from_utf8(bytes).unwrap().parse().unwrap(),
            None => 0,
        };
        let next = (count + 1).to_string().into_bytes();
        let commit = store
            .commit(Some(id_base + i), &[Change::Put(key.clone(), next)])
            .unwrap();
        assert_eq!(commit, Commit::Applied);
        store.release_lease("chat/1", holder).unwrap();
    }
}

fn counter(store: &dyn Store) -> u64 {
    let bytes = store.get(&Key::chat(1, "counter")).unwrap().unwrap();
    String::from_utf8(bytes).unwrap().parse().unwrap()
}

#[test]
#[ignore = "needs REDIS_URL"]
fn read_modify_writes_under_a_lease_lose_nothing() {
    let url = redis_url();
    let prefix = unique_prefix("rmw");
    // Two stores (two connection pools), four threads on each.
    let stores = [Arc::new(open(&url, &prefix)), Arc::new(open(&url, &prefix))];
    let per_thread = 50;
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let store = Arc::clone(&stores[t % 2]);
            thread::spawn(move || {
                add_under_lease(&*store, &format!("thread-{t}"), t as i64 * 1000, per_thread)
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(counter(&*stores[0]), 8 * per_thread as u64);
    clear(&stores[0], &[Key::chat(1, "counter")]);
}

/// The environment variable that makes [`read_modify_writes_from_two_processes_lose_nothing`]
/// do a child process's part: the prefix and the child's number.
const CHILD: &str = "TELEGRAM_API_TEST_REDIS_CHILD";

/// Runs in three processes: this one, and two children running this test of this executable
/// with [`CHILD`] set.
#[test]
#[ignore = "needs REDIS_URL"]
fn read_modify_writes_from_two_processes_lose_nothing() {
    let url = redis_url();
    if let Ok(task) = std::env::var(CHILD) {
        let (prefix, p) = task.split_once(' ').expect("a prefix and a number");
        let p: i64 = p.parse().unwrap();
        let store = open(&url, prefix);
        add_under_lease(&store, &format!("process-{p}"), p * 1000, 100);
        return;
    }
    let prefix = unique_prefix("processes");
    let store = open(&url, &prefix);
    let exe = std::env::current_exe().unwrap();
    let children: Vec<Child> = (0..2)
        .map(|p| {
            Command::new(&exe)
                .args([
                    "read_modify_writes_from_two_processes_lose_nothing",
                    "--exact",
                    "--include-ignored",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(CHILD, format!("{prefix} {p}"))
                .stdout(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    // This process takes part as well.
    add_under_lease(&store, "parent", 100_000, 100);
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    assert_eq!(counter(&store), 300);
    clear(&store, &[Key::chat(1, "counter")]);
}

/// A `redis-server` of this test's own, on `port`, with nothing saved.
struct Server {
    child: Child,
}

impl Server {
    fn start(port: u16) -> Server {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("redis-server (this test starts its own): {e}"));
        let server = Server { child };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            thread::sleep(Duration::from_millis(20));
        }
        server
    }

    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
#[ignore = "needs a redis-server program"]
fn the_server_going_away_gives_errors_until_it_is_back() {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let server = Server::start(port);
    let url = format!("redis://127.0.0.1:{port}/");
    let store = Arc::new(
        RedisStore::open(&url)
            .unwrap()
            .with_timeout(Duration::from_secs(2)),
    );
    let key = Key::chat(1, "v");
    let put = |id: i64| Change::Put(key.clone(), id.to_string().into_bytes());

    // Several idle connections, as workers leave them.
    let workers: Vec<_> = (0..4)
        .map(|t| {
            let store = Arc::clone(&store);
            let put = put(t);
            thread::spawn(move || store.commit(Some(t), &[put]).unwrap())
        })
        .collect();
    for w in workers {
        assert_eq!(w.join().unwrap(), Commit::Applied);
    }

    server.kill();
    type Call<'a> = Box<dyn Fn() -> Result<(), StoreError> + 'a>;
    let calls: [(&str, Call); 6] = [
        ("get", Box::new(|| store.get(&key).map(drop))),
        ("is_applied", Box::new(|| store.is_applied(1).map(drop))),
        (
            "commit",
            Box::new(|| store.commit(Some(10), &[put(10)]).map(drop)),
        ),
        ("forget", Box::new(|| store.forget_applied_below(1))),
        (
            "acquire",
            Box::new(|| {
                store
                    .acquire_lease("l", "h", Duration::from_secs(1))
                    .map(drop)
            }),
        ),
        ("release", Box::new(|| store.release_lease("l", "h"))),
    ];
    for (name, call) in &calls {
        for _ in 0..3 {
            match call() {
                Err(StoreError::Backend(_)) => {}
                other => panic!("{name} with the server gone: {other:?}"),
            }
        }
    }

    // Back on the same port (empty: nothing was saved).
    let server = Server::start(port);
    assert_eq!(store.get(&key).unwrap(), None);
    for (name, call) in &calls {
        call().unwrap_or_else(|e| panic!("{name} with the server back: {e}"));
    }
    assert!(store.is_applied(10).unwrap());
    assert_eq!(
        store.commit(Some(10), &[put(11)]).unwrap(),
        Commit::AlreadyApplied
    );

    // Restarted while the store was idle: the connections it kept are closed, and the next
    // calls open new ones without an error.
    server.kill();
    let server = Server::start(port);
    let workers: Vec<_> = (0..4)
        .map(|t| {
            let store = Arc::clone(&store);
            thread::spawn(move || store.is_applied(t).unwrap())
        })
        .collect();
    for w in workers {
        assert!(!w.join().unwrap());
    }
    drop(server);
}

#[test]
fn a_server_that_does_not_answer_times_out() {
    // A listener that takes connections and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        let held = listener.accept();
        thread::sleep(Duration::from_secs(20));
        drop(held);
    });
    let started = Instant::now();
    let e = RedisStore::open(&format!("redis://127.0.0.1:{port}/")).unwrap_err();
    let waited = started.elapsed();
    assert!(matches!(e, StoreError::Open { .. }), "{e}");
    // The default timeout is 5 seconds.
    assert!(
        waited > Duration::from_secs(4) && waited < Duration::from_secs(7),
        "{waited:?}"
    );
}

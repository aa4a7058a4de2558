//! Cost of `RedisStore`: round trips per update and latency, against `MemoryStore`.
//!
//! `REDIS_URL=redis://127.0.0.1:6379/ cargo bench -p telegram-api-tests --bench redis --features redis`
//! (it fails, saying so, when `REDIS_URL` is not set). Use a server nothing else talks to: the
//! round trips are counted from the server's `INFO commandstats`, before and after.
//!
//! - **Round trips per update** of a read-modify-write: the handler reads a counter (`get`),
//!   then commits the new value with the update id (`commit`); the commands the server ran,
//!   per update, those the store sent and those the commit script ran inside.
//! - **Latency** of `commit` alone (one 100-byte value and the update id), of the
//!   read-modify-write, and of a read-modify-write under the chat's lease (acquire, get,
//!   commit, release), sequentially: median, 99th percentile and mean, against `MemoryStore`
//!   (and `FileStore`, which syncs every commit to disk, for reference).
//! - **Throughput** of read-modify-writes from 1 and 8 threads (a chat each) sharing one store.
//!
//! `BENCH_UPDATES` (default 10,000) is the number of updates of each sequential measurement.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use telegram_api::ext::store::{Change, FileStore, Key, MemoryStore, RedisStore, Store};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Calls of each command the server ran so far (`INFO commandstats`).
fn command_calls(con: &mut redis::Connection) -> BTreeMap<String, u64> {
    let info: String = redis::cmd("INFO").arg("commandstats").query(con).unwrap();
    info.lines()
        .filter_map(|line| {
            let (name, rest) = line.strip_prefix("cmdstat_")?.split_once(':')?;
            let calls = rest.split(',').find_map(|f| f.strip_prefix("calls="))?;
            Some((name.to_owned(), calls.parse().ok()?))
        })
        .collect()
}

/// Reads the counter of `chat`, adds one and commits it with `update_id`.
fn read_modify_write(store: &dyn Store, chat: i64, update_id: i64) {
    let key = Key::chat(chat, "counter");
    let count: u64 = store
        .get(&key)
        .unwrap()
        .map(|v| String::from_utf8(v).unwrap().parse().unwrap())
        .unwrap_or(0);
    let next = (count + 1).to_string().into_bytes();
    store
        .commit(Some(update_id), &[Change::Put(key, next)])
        .unwrap();
}

/// Under the chat's lease, as a process of several sharing the store does.
fn read_modify_write_leased(store: &dyn Store, chat: i64, update_id: i64) {
    let lease = format!("chat/{chat}");
    assert!(
        store
            .acquire_lease(&lease, "bench", Duration::from_secs(30))
            .unwrap()
    );
    read_modify_write(store, chat, update_id);
    store.release_lease(&lease, "bench").unwrap();
}

struct Latency {
    median: Duration,
    p99: Duration,
    mean: Duration,
}

/// Runs `op(i)` for each `i` in `ids`, timing each call.
fn latency(ids: std::ops::Range<i64>, mut op: impl FnMut(i64)) -> Latency {
    let mut times: Vec<Duration> = ids
        .map(|i| {
            let start = Instant::now();
            op(i);
            start.elapsed()
        })
        .collect();
    times.sort();
    let n = times.len().max(1);
    Latency {
        median: times.get(n / 2).copied().unwrap_or_default(),
        p99: times.get(n * 99 / 100).copied().unwrap_or_default(),
        mean: times.iter().sum::<Duration>() / n as u32,
    }
}

fn micros(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

fn print_row(what: &str, l: &Latency) {
    println!(
        "| {what} | {} | {} | {} |",
        micros(l.median),
        micros(l.p99),
        micros(l.mean)
    );
}

/// Updates per second of `threads` threads doing `per_thread` read-modify-writes each, on a
/// chat each.
fn throughput(store: &Arc<dyn Store>, threads: i64, per_thread: i64, id_base: i64) -> f64 {
    let start = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let store = Arc::clone(store);
            thread::spawn(move || {
                for i in 0..per_thread {
                    read_modify_write(&*store, 1000 + t, id_base + t * per_thread + i);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    (threads * per_thread) as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let url = std::env::var("REDIS_URL").expect(
        "REDIS_URL is not set: this benchmark needs a redis-server nothing else talks to (redis://127.0.0.1:6379/)",
    );
    let n = env("BENCH_UPDATES", 10_000) as i64;
    let prefix = format!("telegram-api-bench:{}:", std::process::id());
    let redis_store = RedisStore::open(&url)
        .unwrap_or_else(|e| panic!("{e}"))
        .with_prefix(prefix.clone());
    let mut con = redis::Client::open(url.as_str())
        .and_then(|c| c.get_connection())
        .unwrap();

    // Round trips: a warm-up loads the script, then the counted run.
    for i in 0..100 {
        read_modify_write(&redis_store, 1, -1000 + i);
    }
    let before = command_calls(&mut con);
    for i in 0..n {
        read_modify_write(&redis_store, 1, i);
    }
    let after = command_calls(&mut con);
    let sent_by_store = ["get", "evalsha", "eval", "script"];
    println!("Round trips per update, read-modify-write (get + commit), {n} updates:");
    let mut round_trips = 0.0;
    for (name, calls) in &after {
        // The INFO of this measurement is counted too.
        let delta = calls - before.get(name).copied().unwrap_or(0) - u64::from(name == "info");
        if delta == 0 {
            continue;
        }
        let per_update = delta as f64 / n as f64;
        let by = if sent_by_store.contains(&name.as_str()) {
            round_trips += per_update;
            "sent by the store"
        } else {
            "run by the commit script"
        };
        println!("  {name}: {per_update:.3} per update ({by})");
    }
    println!("  round trips: {round_trips:.3} per update");

    // Latency, sequential.
    let value = vec![b'x'; 100];
    let memory = MemoryStore::new();
    let path = std::env::temp_dir().join(format!("telegram-api-bench-{}.redb", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let file = FileStore::open(&path).unwrap();
    let commit = |store: &dyn Store, i: i64| {
        store
            .commit(
                Some(i),
                &[Change::Put(Key::chat(i % 1000, "v"), value.clone())],
            )
            .unwrap();
    };
    let file_n = (n / 20).max(10);
    println!();
    println!("| {n} updates, sequential | median | 99th percentile | mean |");
    println!("|---|---:|---:|---:|");
    let m = latency(n..2 * n, |i| commit(&memory, i));
    print_row("commit, `MemoryStore`", &m);
    let r = latency(n..2 * n, |i| commit(&redis_store, i));
    print_row("commit, `RedisStore`", &r);
    let f = latency(0..file_n, |i| commit(&file, i));
    print_row(&format!("commit, `FileStore` ({file_n} updates)"), &f);
    let m = latency(2 * n..3 * n, |i| read_modify_write(&memory, 2, i));
    print_row("get + commit, `MemoryStore`", &m);
    let r = latency(2 * n..3 * n, |i| read_modify_write(&redis_store, 2, i));
    print_row("get + commit, `RedisStore`", &r);
    let m = latency(3 * n..4 * n, |i| read_modify_write_leased(&memory, 3, i));
    print_row("lease + get + commit + release, `MemoryStore`", &m);
    let r = latency(3 * n..4 * n, |i| {
        read_modify_write_leased(&redis_store, 3, i)
    });
    print_row("lease + get + commit + release, `RedisStore`", &r);
    drop(file);
    let _ = std::fs::remove_file(&path);

    // Throughput from several threads sharing the store.
    let shared: Arc<dyn Store> = Arc::new(redis_store);
    let one = throughput(&shared, 1, n, 4 * n);
    let eight = throughput(&shared, 8, n / 8, 5 * n);
    println!();
    println!(
        "read-modify-writes, `RedisStore`: {one:.0} updates/s from 1 thread, {eight:.0} from 8 ({:.2}x)",
        eight / one
    );

    // Leave the server as it was.
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query(&mut con)
        .unwrap();
    if !keys.is_empty() {
        let _: i64 = redis::cmd("DEL").arg(&keys).query(&mut con).unwrap();
    }
}

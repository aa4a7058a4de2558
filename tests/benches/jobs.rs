//! Cost of the job scheduler of `telegram_api::ext` with many pending jobs.
//!
//! `cargo bench -p telegram-api-tests --bench jobs`. With `BENCH_JOBS` (100,000) jobs pending,
//! each due at its own second, on the in-memory store and a manual clock (see `BENCHMARKS.md`):
//!
//! - **Scheduling**: `Application::schedule_job_for` per job, against the baseline of committing
//!   the same record to the store directly (what scheduling adds: checks, the record, the
//!   index).
//! - **Firing one**: moving the clock to the next due job and `run_due_jobs` (a no-op job:
//!   re-read of its record, the run, the commit of its removal, the index), with all the
//!   others pending, against the same with a single job pending.
//! - **Memory per job**: bytes allocated and still held after scheduling, divided by the jobs
//!   (store and index together), counted by a counting allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use telegram_api::Bot;
use telegram_api::ext::jiff::Timestamp;
use telegram_api::ext::schedule::Schedule;
use telegram_api::ext::store::{Change, Key, MemoryStore, Store};
use telegram_api::ext::{Application, Context, ManualClock};

struct Counting;

static HELD: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        HELD.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        HELD.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

const START: i64 = 1_800_000_000;

fn app(clock: &ManualClock) -> Application {
    Application::builder(Bot::new("1:T"))
        .clock(clock.clock())
        .job("noop", |_: &Context| Ok::<_, std::io::Error>(()))
        .build()
}

fn at(second: usize) -> Timestamp {
    Timestamp::from_second(START + 1 + second as i64).unwrap()
}

/// Schedules `n` jobs, the i-th due at `at(i)`, for chat i; the time per job.
fn schedule(app: &Application, n: usize) -> Duration {
    let started = Instant::now();
    for i in 0..n {
        app.schedule_job_for(i as i64, "noop", Schedule::once(at(i)), "data")
            .unwrap();
    }
    started.elapsed() / n as u32
}

/// Fires the next `fires` jobs one by one; the time per fire.
fn fire(app: &Application, clock: &ManualClock, fires: usize) -> Duration {
    let started = Instant::now();
    for _ in 0..fires {
        clock.set(app.next_job_at().expect("a pending job"));
        assert_eq!(app.run_due_jobs(), 1);
    }
    started.elapsed() / fires as u32
}

fn main() {
    let jobs = env("BENCH_JOBS", 100_000);
    let fires = env("BENCH_FIRES", 2_000).min(jobs);

    // Baseline: the same number of records committed straight to a store.
    let store = MemoryStore::new();
    let record = br#"{"name":"noop","chat_id":12345,"user_id":null,"schedule":{"once":"2027-01-15T08:00:01Z"},"next":"2027-01-15T08:00:01Z","data":"data"}"#;
    let started = Instant::now();
    for i in 0..jobs {
        let key = Key::bot(format!("job/{i:020x}"));
        store
            .commit(None, &[Change::Put(key, record.to_vec())])
            .unwrap();
    }
    let commit = started.elapsed() / jobs as u32;
    drop(store);

    let clock = ManualClock::new(Timestamp::from_second(START).unwrap());
    let many = app(&clock);
    assert!(many.all_jobs().unwrap().is_empty());
    let before = HELD.load(Ordering::Relaxed);
    let scheduling = schedule(&many, jobs);
    let held = HELD.load(Ordering::Relaxed) - before;
    let fire_many = fire(&many, &clock, fires);
    assert_eq!(many.all_jobs().unwrap().len(), jobs - fires);

    // Baseline for firing: one job pending at a time.
    let clock = ManualClock::new(Timestamp::from_second(START).unwrap());
    let one = app(&clock);
    let mut firing = Duration::ZERO;
    for i in 0..fires {
        one.schedule_job_for(i as i64, "noop", Schedule::once(at(i)), "data")
            .unwrap();
        let started = Instant::now();
        clock.set(one.next_job_at().expect("a pending job"));
        assert_eq!(one.run_due_jobs(), 1);
        firing += started.elapsed();
    }
    let fire_one = firing / fires as u32;

    println!("jobs pending: {jobs}, fired: {fires}");
    println!(
        "schedule one: {:.2} us (commit of the record alone: {:.2} us, ratio {:.2})",
        scheduling.as_secs_f64() * 1e6,
        commit.as_secs_f64() * 1e6,
        scheduling.as_secs_f64() / commit.as_secs_f64()
    );
    println!(
        "fire one with {jobs} pending: {:.2} us (with 1 pending: {:.2} us, ratio {:.2})",
        fire_many.as_secs_f64() * 1e6,
        fire_one.as_secs_f64() * 1e6,
        fire_many.as_secs_f64() / fire_one.as_secs_f64().max(1e-9)
    );
    println!(
        "memory per pending job (store and index): {} bytes",
        held / jobs as isize
    );
}

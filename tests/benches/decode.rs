//! Decoding and encoding throughput of `telegram_api::Update` against `serde_json::Value`.
//!
//! Run with `cargo bench -p telegram-api-tests --bench decode` (see `BENCHMARKS.md`). Every case
//! works on the same generated corpus (`telegram_api_tests::corpus`) and its ratio is taken
//! against the `serde_json::Value` baseline measured in the same run.
//!
//! Each measurement runs in a fresh process (this binary started again with `BENCH_CASE` set),
//! and the cases take turns, round after round. The corpus goes to the child processes as one
//! JSON Lines file, read into a single buffer, so that every case starts with the same, empty
//! heap. Run in one process, the cases share the allocator's heap, and what one case, or the
//! generator, left in it moved the others' results by up to a tenth in either direction: more
//! than the differences worth measuring. A bot only ever runs one of them.
//!
//! Environment variables:
//! - `BENCH_UPDATES`: how many updates the corpus has (default 50000);
//! - `BENCH_ROUNDS`: how many processes each case runs in, in turn (default 6);
//! - `BENCH_PASSES`: timed passes over the corpus in each process, after one untimed (default 3);
//! - `BENCH_SEED`: the corpus seed (default `corpus::DEFAULT_SEED`);
//! - `BENCH_BY_KIND=1`: also compare decoding of each kind of update on its own;
//! - `BENCH_CASE`: run one case in this process and print its timings, as the rounds do; with
//!   `BENCH_PASSES=30` this is the way to profile one case (`decode-update`, `decode-value`,
//!   `decode-ignored`, `encode-update`, `encode-value`, `decode-update-str`,
//!   `decode-value-str`); `BENCH_KIND` restricts it to one kind.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::de::IgnoredAny;
use serde_json::Value;
use telegram_api::{Message, Update};
use telegram_api_tests::corpus::{self, Kind};

/// The targets the design sets; the report says whether each holds.
const DECODE_TARGET: f64 = 1.5;
const ENCODE_TARGET: f64 = 1.0;
const UPDATE_SIZE_LIMIT: usize = 64;
const MESSAGE_SIZE_LIMIT: usize = 1280;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a valid value")),
        Err(_) => default,
    }
}

/// The benchmark's settings, read from the environment.
#[derive(Clone)]
struct Settings {
    updates: usize,
    rounds: usize,
    passes: usize,
    seed: u64,
}

impl Settings {
    fn from_env(benching: bool) -> Settings {
        let settings = Settings {
            updates: env_or("BENCH_UPDATES", if benching { 50_000 } else { 300 }),
            rounds: env_or("BENCH_ROUNDS", if benching { 6 } else { 1 }),
            passes: env_or("BENCH_PASSES", if benching { 3 } else { 1 }),
            seed: env_or("BENCH_SEED", corpus::DEFAULT_SEED),
        };
        assert!(
            settings.updates > 0 && settings.rounds > 0 && settings.passes > 0,
            "BENCH_UPDATES, BENCH_ROUNDS and BENCH_PASSES must be positive"
        );
        settings
    }
}

/// The updates of the corpus, all of them or those of one kind, as JSON Lines.
fn corpus_lines(settings: &Settings, kind: Option<Kind>) -> Vec<u8> {
    let updates: Vec<Vec<u8>> = corpus::generate_labeled(settings.seed, settings.updates)
        .into_iter()
        .filter(|(k, _)| kind.is_none_or(|kind| kind == *k))
        .map(|(_, json)| json)
        .collect();
    corpus::json_lines(&updates)
}

/// The updates in JSON Lines text (JSON strings cannot hold a raw line break).
fn lines(text: &[u8]) -> Vec<&[u8]> {
    text.split(|&b| b == b'\n')
        .filter(|line| !line.is_empty())
        .collect()
}

fn kind_by_name(name: &str) -> Kind {
    Kind::ALL
        .into_iter()
        .find(|k| format!("{k:?}") == name)
        .unwrap_or_else(|| panic!("BENCH_KIND={name:?} is not a corpus::Kind"))
}

/// Decodes every update on its own with `read`, as a webhook or `getUpdates` delivers them.
fn decode<'a, T>(updates: &[&'a [u8]], read: impl Fn(&'a [u8]) -> serde_json::Result<T>) {
    for json in updates {
        let value: T = read(black_box(json)).expect("decodes");
        black_box(value);
    }
}

/// Decodes from text: the bytes are checked to be UTF-8 once, then each value is read from the
/// `&str` with `read` (serde_json does not check the strings in a `&str` again).
fn decode_str<'a, T>(updates: &[&'a [u8]], read: impl Fn(&'a str) -> serde_json::Result<T>) {
    for json in updates {
        let text = std::str::from_utf8(black_box(json)).expect("UTF-8");
        let value: T = read(text).expect("decodes");
        black_box(value);
    }
}

fn encode<T: serde::Serialize>(values: &[T]) {
    for value in values {
        black_box(serde_json::to_vec(black_box(value)).expect("encodes"));
    }
}

fn encoded_len<T: serde::Serialize>(values: &[T]) -> usize {
    values
        .iter()
        .map(|v| serde_json::to_vec(v).expect("encodes").len())
        .sum()
}

fn decoded<'a, T: serde::Deserialize<'a>>(updates: &[&'a [u8]]) -> Vec<T> {
    updates
        .iter()
        .map(|json| serde_json::from_slice(json).expect("decodes"))
        .collect()
}

/// Times `passes` runs of `run` after an untimed one.
fn time_passes(passes: usize, run: impl Fn()) -> Vec<Duration> {
    run();
    (0..passes)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed()
        })
        .collect()
}

/// Runs one case in this process and prints `bytes=<n> ns=<t1>,<t2>,...`: the bytes one pass
/// reads (decoding) or writes (encoding), and the time of each pass.
///
/// The corpus is read from the file `BENCH_CORPUS` names, or else generated here.
fn run_case(case: &str, settings: &Settings, kind: Option<Kind>) {
    let text = match std::env::var_os("BENCH_CORPUS") {
        Some(path) => std::fs::read(&path).expect("the corpus file can be read"),
        None => corpus_lines(settings, kind),
    };
    let updates = lines(&text);
    let input = updates.iter().map(|json| json.len()).sum();
    let passes = settings.passes;
    // A decoding case reads the whole input in a pass.
    let decoding = |run: &dyn Fn()| (input, time_passes(passes, run));
    let (bytes, times) = match case {
        "decode-value" => decoding(&|| decode(&updates, serde_json::from_slice::<Value>)),
        "decode-ignored" => decoding(&|| decode(&updates, serde_json::from_slice::<IgnoredAny>)),
        "decode-update" => decoding(&|| decode(&updates, telegram_api::json::from_slice::<Update>)),
        "decode-update-serde" => decoding(&|| decode(&updates, serde_json::from_slice::<Update>)),
        "decode-value-str" => decoding(&|| decode_str(&updates, serde_json::from_str::<Value>)),
        "decode-update-str" => {
            decoding(&|| decode_str(&updates, telegram_api::json::from_str::<Update>))
        }
        "encode-value" => {
            let values: Vec<Value> = decoded(&updates);
            let out = encoded_len(&values);
            (out, time_passes(passes, || encode(&values)))
        }
        "encode-update" => {
            let values: Vec<Update> = decoded(&updates);
            let out = encoded_len(&values);
            (out, time_passes(passes, || encode(&values)))
        }
        other => panic!("BENCH_CASE={other:?} is not a case"),
    };
    let ns: Vec<String> = times.iter().map(|t| t.as_nanos().to_string()).collect();
    println!("bytes={bytes} ns={}", ns.join(","));
}

/// A case measured in child processes.
struct Case {
    id: &'static str,
    name: &'static str,
    bytes: usize,
    samples: Vec<Duration>,
}

impl Case {
    fn new(id: &'static str, name: &'static str) -> Case {
        Case {
            id,
            name,
            bytes: 0,
            samples: Vec::new(),
        }
    }

    /// Runs the case once more in a child process, on the corpus in the file `corpus`, and
    /// records its passes.
    fn run(&mut self, settings: &Settings, corpus: &Path) {
        let exe = std::env::current_exe().expect("the benchmark's own path");
        let output = Command::new(exe)
            .arg("--bench")
            .env("BENCH_CASE", self.id)
            .env("BENCH_CORPUS", corpus)
            .env("BENCH_PASSES", settings.passes.to_string())
            .output()
            .expect("the benchmark starts again");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "case {} failed: {stdout}{}",
            self.id,
            String::from_utf8_lossy(&output.stderr)
        );
        let line = stdout
            .lines()
            .find_map(|l| l.strip_prefix("bytes="))
            .unwrap_or_else(|| panic!("case {} printed no result: {stdout}", self.id));
        let (bytes, ns) = line.split_once(" ns=").expect("bytes=<n> ns=<list>");
        self.bytes = bytes.parse().expect("a byte count");
        self.samples.extend(
            ns.split(',')
                .map(|t| Duration::from_nanos(t.parse().expect("nanoseconds"))),
        );
    }

    fn best(&self) -> Duration {
        *self.samples.iter().min().expect("measured at least once")
    }

    fn median(&self) -> Duration {
        let mut sorted = self.samples.clone();
        sorted.sort();
        sorted[sorted.len() / 2]
    }
}

/// Runs every case `rounds` times on `updates`, each time in a new process, starting each round
/// with the next case.
fn measure(cases: &mut [Case], settings: &Settings, updates: &[&Vec<u8>]) {
    let corpus = CorpusFile::new(updates);
    for round in 0..settings.rounds {
        for i in 0..cases.len() {
            let k = (round + i) % cases.len();
            cases[k].run(settings, &corpus.0);
        }
    }
}

/// A corpus written to a temporary file for the child processes, removed when dropped.
struct CorpusFile(PathBuf);

impl CorpusFile {
    fn new(updates: &[&Vec<u8>]) -> CorpusFile {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "telegram-api-bench-{}-{}.jsonl",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(name);
        let mut text = Vec::new();
        for update in updates {
            text.extend_from_slice(update);
            text.push(b'\n');
        }
        std::fs::write(&path, text).expect("the corpus file can be written");
        CorpusFile(path)
    }
}

impl Drop for CorpusFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn mb_per_s(bytes: usize, time: Duration) -> f64 {
    bytes as f64 / time.as_secs_f64() / 1e6
}

/// Prints a group of cases; the first is the baseline the ratios refer to.
///
/// The fastest pass of each case is the headline: on a shared machine, other processes only
/// ever make a pass slower, so the best one is the least disturbed. The median is shown beside
/// it; when the two disagree much, the machine was busy.
fn report(title: &str, cases: &[Case], count: usize, target: Option<(usize, f64)>) {
    println!("{title}");
    println!(
        "  {:<48} {:>9} {:>11} {:>9} {:>11} {:>9}",
        "case", "MB/s", "updates/s", "vs Value", "median MB/s", "median vs"
    );
    let base = &cases[0];
    for (i, case) in cases.iter().enumerate() {
        let best = case.best();
        let median = case.median();
        let ratio = base.best().as_secs_f64() / best.as_secs_f64();
        let median_ratio = base.median().as_secs_f64() / median.as_secs_f64();
        let verdict = match target {
            Some((index, at_least)) if index == i => {
                let met = if ratio >= at_least { "met" } else { "NOT met" };
                format!("  (target >= {at_least:.1}x: {met})")
            }
            _ => String::new(),
        };
        println!(
            "  {:<48} {:>9.1} {:>11.0} {:>8.2}x {:>11.1} {:>8.2}x{verdict}",
            case.name,
            mb_per_s(case.bytes, best),
            count as f64 / best.as_secs_f64(),
            ratio,
            mb_per_s(case.bytes, median),
            median_ratio,
        );
    }
    println!();
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs this without it, and then a
    // small corpus and a single round only check that everything works.
    let benching = std::env::args().any(|a| a == "--bench");
    let settings = Settings::from_env(benching);
    if let Ok(case) = std::env::var("BENCH_CASE") {
        let kind = std::env::var("BENCH_KIND").ok().map(|k| kind_by_name(&k));
        run_case(&case, &settings, kind);
        return;
    }
    let by_kind = env_or("BENCH_BY_KIND", 0u8) != 0;

    let started = Instant::now();
    let labeled = corpus::generate_labeled(settings.seed, settings.updates);
    let generated = started.elapsed();
    let count = labeled.len();
    let bytes: usize = labeled.iter().map(|(_, json)| json.len()).sum();
    // Every update must decode, the same way through both paths measured: a benchmark that
    // measures errors measures nothing.
    for (_, json) in &labeled {
        let direct: Update = serde_json::from_slice(json).expect("every update decodes");
        let fast: Update = telegram_api::json::from_slice(json).expect("every update decodes");
        assert_eq!(direct, fast, "the decoding paths disagree");
    }

    println!("telegram-api decode/encode benchmark");
    if !benching {
        println!(
            "(a check that the benchmark works, not a measurement: run `cargo bench` for that)"
        );
    }
    println!(
        "corpus: {count} updates, {:.1} MB ({} B/update on average), seed {:#x}, generated in {:.2} s",
        bytes as f64 / 1e6,
        bytes / count,
        settings.seed,
        generated.as_secs_f64()
    );
    println!(
        "{} rounds x {} passes per case, each round in a new process, cases in turn; MB/s, updates/s and ratios of the fastest pass, then of the median one",
        settings.rounds, settings.passes
    );
    let update_size = std::mem::size_of::<Update>();
    let message_size = std::mem::size_of::<Message>();
    let verdict = |size, limit| if size <= limit { "ok" } else { "EXCEEDED" };
    println!(
        "size_of::<Update>() = {update_size} bytes (limit {UPDATE_SIZE_LIMIT}: {}), size_of::<Message>() = {message_size} bytes (limit {MESSAGE_SIZE_LIMIT}: {})",
        verdict(update_size, UPDATE_SIZE_LIMIT),
        verdict(message_size, MESSAGE_SIZE_LIMIT),
    );
    println!();

    let mut cases = [
        Case::new("decode-value", "serde_json::from_slice::<Value> (baseline)"),
        Case::new(
            "decode-ignored",
            "serde_json::from_slice::<IgnoredAny> (ceiling)",
        ),
        Case::new("decode-update", "telegram_api::json::from_slice::<Update>"),
        Case::new("decode-update-serde", "serde_json::from_slice::<Update>"),
        Case::new("encode-value", "serde_json::to_vec(&Value) (baseline)"),
        Case::new("encode-update", "serde_json::to_vec(&Update)"),
        Case::new(
            "decode-value-str",
            "serde_json::from_str::<Value> (baseline)",
        ),
        Case::new(
            "decode-update-str",
            "telegram_api::json::from_str::<Update>",
        ),
    ];
    let all: Vec<&Vec<u8>> = labeled.iter().map(|(_, json)| json).collect();
    measure(&mut cases, &settings, &all);
    let (decoding, rest) = cases.split_at(4);
    let (encoding, from_str) = rest.split_at(2);
    report(
        "decoding every update on its own (MB/s of input)",
        decoding,
        count,
        Some((2, DECODE_TARGET)),
    );
    report(
        "encoding: serde_json::to_vec(&decoded) for every update (MB/s of output)",
        encoding,
        count,
        Some((1, ENCODE_TARGET)),
    );
    report(
        "decoding from text, after str::from_utf8(update)? (MB/s of input)",
        from_str,
        count,
        None,
    );
    println!();

    if by_kind {
        println!("decoding by kind (fastest pass)");
        println!(
            "  {:<16} {:>7} {:>7} {:>11} {:>11} {:>9} {:>11}",
            "kind", "count", "avg B", "Value MB/s", "Update MB/s", "vs Value", "IgnoredAny"
        );
        for kind in Kind::ALL {
            let subset: Vec<&Vec<u8>> = labeled
                .iter()
                .filter(|(k, _)| *k == kind)
                .map(|(_, json)| json)
                .collect();
            if subset.is_empty() {
                continue;
            }
            let subset_bytes: usize = subset.iter().map(|json| json.len()).sum();
            let mut cases = [
                Case::new("decode-value", "Value"),
                Case::new("decode-update", "Update"),
                Case::new("decode-ignored", "IgnoredAny"),
            ];
            measure(&mut cases, &settings, &subset);
            let [value, update, ignored] = &cases;
            println!(
                "  {:<16} {:>7} {:>7} {:>11.1} {:>11.1} {:>8.2}x {:>10.2}x",
                kind.name(),
                subset.len(),
                subset_bytes / subset.len(),
                mb_per_s(subset_bytes, value.best()),
                mb_per_s(subset_bytes, update.best()),
                value.best().as_secs_f64() / update.best().as_secs_f64(),
                value.best().as_secs_f64() / ignored.best().as_secs_f64(),
            );
        }
        println!();
    }
    println!("total time: {:.1} s", started.elapsed().as_secs_f64());
}

//! `cargo xtask build-bench`: what a user's build of an echo bot costs, against other crates.
//!
//! Writes one small echo bot per library (a bot that replies with the text it got, by long
//! polling) into a directory of its own, then builds them one after another, each in its own
//! empty target directory with `-j2`: a clean release build (wall and CPU time, stripped binary
//! size), a clean debug build, and the edit loop (a string in `main.rs` changed, debug rebuild).
//! Dependencies are downloaded before any timing starts. The bots use the default release and
//! debug profiles, as a user's new crate does.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// A bot to build: its name, its `[dependencies]` and its `main.rs` (with `EDIT_MARK` in a
/// string the edit loop changes).
struct Bot {
    name: &'static str,
    label: &'static str,
    dependencies: String,
    main: &'static str,
    /// Whether the crate can use the workspace's lock file (the bots on this crate).
    ours: bool,
}

const EDIT_MARK: &str = "edit-0";

const EXT_MAIN: &str = r#"//! An echo bot on telegram_api::ext: every text comes back to its chat.
use telegram_api::Bot;
use telegram_api::ext::{Application, Context, filters};

fn echo(ctx: &Context) -> Result<(), telegram_api::Error> {
    let text = ctx.effective_message().and_then(|m| m.text.clone()).unwrap_or_default();
    ctx.reply(text).call()?;
    Ok(())
}

fn main() {
    println!("echo bot (edit-0)");
    let bot = Bot::from_env().expect("TELEGRAM_BOT_TOKEN");
    let app = Application::builder(bot).message(filters::text(), echo).build();
    if let Err(e) = app.run_polling() {
        eprintln!("{e}");
    }
}
"#;

const API_MAIN: &str = r#"//! An echo bot on the pure API: its own long-polling loop.
use telegram_api::Bot;

fn main() {
    println!("echo bot (edit-0)");
    let bot = Bot::from_env().expect("TELEGRAM_BOT_TOKEN");
    let mut offset = 0;
    loop {
        let updates = match bot.get_updates().offset(offset).timeout(30).call() {
            Ok(updates) => updates,
            Err(e) => {
                eprintln!("{e}");
                std::thread::sleep(std::time::Duration::from_secs(1));
                continue;
            }
        };
        for update in updates {
            offset = update.update_id + 1;
            if let Some(message) = update.message() {
                if let Some(text) = &message.text {
                    if let Err(e) = bot.send_message(message.chat.id, text.clone()).call() {
                        eprintln!("{e}");
                    }
                }
            }
        }
    }
}
"#;

const TELOXIDE_MAIN: &str = r#"//! An echo bot on teloxide: every text comes back to its chat.
use teloxide::prelude::*;

#[tokio::main]
async fn main() {
    println!("echo bot (edit-0)");
    let bot = Bot::from_env();
    teloxide::repl(bot, |bot: Bot, msg: Message| async move {
        if let Some(text) = msg.text() {
            bot.send_message(msg.chat.id, text).await?;
        }
        Ok(())
    })
    .await;
}
"#;

const FRANKENSTEIN_MAIN: &str = r#"//! An echo bot on frankenstein's blocking client: its own long-polling loop.
use frankenstein::TelegramApi;
use frankenstein::client_ureq::Bot;
use frankenstein::methods::{GetUpdatesParams, SendMessageParams};
use frankenstein::updates::UpdateContent;

fn main() {
    println!("echo bot (edit-0)");
    let token = std::env::var("TELEGRAM_BOT_TOKEN").expect("TELEGRAM_BOT_TOKEN");
    let bot = Bot::new(&token);
    let mut params = GetUpdatesParams::builder().timeout(30).build();
    loop {
        let response = match bot.get_updates(&params) {
            Ok(response) => response,
            Err(e) => {
                eprintln!("{e}");
                std::thread::sleep(std::time::Duration::from_secs(1));
                continue;
            }
        };
        for update in response.result {
            params.offset = Some(i64::from(update.update_id) + 1);
            if let UpdateContent::Message(message) = update.content {
                if let Some(text) = message.text {
                    let send = SendMessageParams::builder().chat_id(message.chat.id).text(text).build();
                    if let Err(e) = bot.send_message(&send) {
                        eprintln!("{e}");
                    }
                }
            }
        }
    }
}
"#;

fn bots(ours: &Path) -> Vec<Bot> {
    let path = ours.display();
    vec![
        Bot {
            name: "ta-ext",
            label: "telegram-api, `ext` (default features)",
            dependencies: format!("telegram-api = {{ path = \"{path}\" }}\n"),
            main: EXT_MAIN,
            ours: true,
        },
        Bot {
            name: "ta-api",
            label: "telegram-api, pure API (no default features)",
            dependencies: format!(
                "telegram-api = {{ path = \"{path}\", default-features = false }}\n"
            ),
            main: API_MAIN,
            ours: true,
        },
        Bot {
            name: "teloxide",
            label: "teloxide (default features)",
            dependencies: "teloxide = \"*\"\ntokio = { version = \"1\", features = [\"rt-multi-thread\", \"macros\"] }\n".into(),
            main: TELOXIDE_MAIN,
            ours: false,
        },
        Bot {
            name: "frankenstein",
            label: "frankenstein, `client-ureq`",
            dependencies: "frankenstein = { version = \"*\", features = [\"client-ureq\"] }\n"
                .into(),
            main: FRANKENSTEIN_MAIN,
            ours: false,
        },
    ]
}

/// One bot's figures.
#[derive(Default)]
struct Figures {
    version: String,
    release_wall: f64,
    release_cpu: f64,
    release_load: (f64, f64),
    stripped: u64,
    unstripped: u64,
    debug_wall: f64,
    debug_cpu: f64,
    debug_load: (f64, f64),
    edit: Vec<f64>,
}

const BENCH_USAGE: &str = "\
usage: cargo xtask build-bench [--dir DIR] [--only NAME,...] [--edits N] [--keep-targets]
                               [--crate PATH] [--release-only]

  --dir DIR        where the bots are written and built (default /tmp/buildbench)
  --only NAMES     build only these bots (ta-ext, ta-api, teloxide, frankenstein)
  --edits N        edit-loop rebuilds per bot, the median is reported (default 3)
  --keep-targets   keep the target directories (for cargo bloat, nm...) instead of deleting them
  --release-only   only the clean release build (no debug build, no edit loop)
  --crate PATH     the telegram-api crate the bots on it use (default: this repository's), to
                   compare with another version of it
";

pub fn run(args: &[&str]) -> Result<(), String> {
    let mut args = args.to_vec();
    if crate::take_flag(&mut args, "--help") {
        print!("{BENCH_USAGE}");
        return Ok(());
    }
    let dir = PathBuf::from(crate::take_option(&mut args, "--dir")?.unwrap_or("/tmp/buildbench"));
    let only: Option<Vec<String>> =
        crate::take_option(&mut args, "--only")?.map(|s| s.split(',').map(str::to_owned).collect());
    let edits: usize = match crate::take_option(&mut args, "--edits")? {
        Some(n) => n
            .parse()
            .map_err(|_| format!("--edits: not a number: {n}"))?,
        None => 3,
    };
    let keep = crate::take_flag(&mut args, "--keep-targets");
    let release_only = crate::take_flag(&mut args, "--release-only");
    let root = crate::root();
    let ours = match crate::take_option(&mut args, "--crate")? {
        Some(path) => std::fs::canonicalize(path).map_err(|e| format!("--crate {path}: {e}"))?,
        None => root.join("telegram-api"),
    };
    if !args.is_empty() {
        return Err(format!("unexpected arguments {args:?}\n\n{BENCH_USAGE}"));
    }
    let mut bots = bots(&ours);
    if let Some(only) = &only {
        bots.retain(|b| only.iter().any(|o| o == b.name));
    }
    let rustc = output(Command::new("rustc").arg("--version"))?;
    let start_load = loadavg();
    let mut results = Vec::new();
    for bot in &bots {
        let crate_dir = dir.join(bot.name);
        write_bot(&root, &crate_dir, bot)?;
        eprintln!("== {}: fetching dependencies", bot.name);
        cargo(&crate_dir, &["fetch"])?;
        let version = package_version(&crate_dir, bot)?;
        let target = crate_dir.join("target");
        let figures = measure(&crate_dir, &target, bot, edits, version, release_only)?;
        if !keep {
            remove_dir(&target)?;
        }
        results.push(figures);
    }
    let report = report(&bots, &results, &rustc, start_load, edits);
    print!("{report}");
    crate::write(&dir.join("report.md"), &report)?;
    eprintln!("written to {}", dir.join("report.md").display());
    Ok(())
}

fn write_bot(root: &Path, crate_dir: &Path, bot: &Bot) -> Result<(), String> {
    let manifest = format!(
        "[package]\nname = \"echo-{}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n\
         # Its own workspace: not a member of any project around it.\n[workspace]\n\n\
         [dependencies]\n{}",
        bot.name, bot.dependencies
    );
    crate::write(&crate_dir.join("Cargo.toml"), &manifest)?;
    crate::write(&crate_dir.join("src/main.rs"), bot.main)?;
    let lock = crate_dir.join("Cargo.lock");
    if bot.ours {
        // The versions this repository is tested with; cargo drops what the bot does not use.
        std::fs::copy(root.join("Cargo.lock"), &lock)
            .map_err(|e| format!("cannot copy Cargo.lock: {e}"))?;
    } else if lock.exists() {
        // The newest versions of the peers, as a new user gets them.
        std::fs::remove_file(&lock)
            .map_err(|e| format!("cannot remove {}: {e}", lock.display()))?;
    }
    Ok(())
}

fn measure(
    crate_dir: &Path,
    target: &Path,
    bot: &Bot,
    edits: usize,
    version: String,
    release_only: bool,
) -> Result<Figures, String> {
    let mut f = Figures {
        version,
        ..Figures::default()
    };
    let main_rs = crate_dir.join("src/main.rs");

    remove_dir(target)?;
    eprintln!("== {}: clean release build", bot.name);
    let load = loadavg();
    let (wall, cpu) = timed_build(crate_dir, &["build", "--release", "-j2"])?;
    f.release_wall = wall;
    f.release_cpu = cpu;
    f.release_load = (load, loadavg());
    let binary = target.join("release").join(format!("echo-{}", bot.name));
    f.unstripped = size(&binary)?;
    let stripped = target.join(format!("echo-{}.stripped", bot.name));
    let status = Command::new("strip")
        .arg("-o")
        .arg(&stripped)
        .arg(&binary)
        .status()
        .map_err(|e| format!("cannot run strip: {e}"))?;
    if !status.success() {
        return Err(format!("strip failed on {}", binary.display()));
    }
    f.stripped = size(&stripped)?;
    if release_only {
        return Ok(f);
    }

    remove_dir(&target.join("debug"))?;
    eprintln!("== {}: clean debug build", bot.name);
    let load = loadavg();
    let (wall, cpu) = timed_build(crate_dir, &["build", "-j2"])?;
    f.debug_wall = wall;
    f.debug_cpu = cpu;
    f.debug_load = (load, loadavg());

    for i in 1..=edits {
        eprintln!("== {}: edit loop {i}/{edits}", bot.name);
        let text = bot.main.replace(EDIT_MARK, &format!("edit-{i}"));
        crate::write(&main_rs, &text)?;
        let (wall, _) = timed_build(crate_dir, &["build", "-j2"])?;
        f.edit.push(wall);
    }
    crate::write(&main_rs, bot.main)?;
    Ok(f)
}

/// Runs cargo in `dir`, returning the wall time and the CPU time (user and system) of cargo and
/// everything it ran, in seconds.
fn timed_build(dir: &Path, args: &[&str]) -> Result<(f64, f64), String> {
    let before = children_cpu()?;
    let start = Instant::now();
    cargo(dir, args)?;
    let wall = start.elapsed().as_secs_f64();
    Ok((wall, children_cpu()? - before))
}

fn cargo(dir: &Path, args: &[&str]) -> Result<(), String> {
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(args)
        .current_dir(dir)
        // The bot's own target directory and profiles, whatever the caller's environment says.
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_JOBS")
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "cargo {} failed in {}",
            args.join(" "),
            dir.display()
        ))
    }
}

/// CPU time of the waited-for children of this process, from `/proc/self/stat` (Linux; clock
/// ticks of 1/100 s).
fn children_cpu() -> Result<f64, String> {
    let stat = crate::read(Path::new("/proc/self/stat"))?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Fields 16 and 17 of the file (cutime, cstime) are the 14th and 15th after the name.
    let tick = |i: usize| -> Result<f64, String> {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .ok_or_else(|| "cannot read /proc/self/stat".to_owned())
    };
    Ok((tick(13)? + tick(14)?) / 100.0)
}

/// The one-minute load average.
fn loadavg() -> f64 {
    crate::read(Path::new("/proc/loadavg"))
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(f64::NAN)
}

fn size(path: &Path) -> Result<u64, String> {
    std::fs::metadata(path)
        .map(|m| m.len())
        .map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn remove_dir(path: &Path) -> Result<(), String> {
    match std::fs::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("cannot remove {}: {e}", path.display())),
    }
}

fn output(cmd: &mut Command) -> Result<String, String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The version of the library the bot resolved to, from its lock file.
fn package_version(crate_dir: &Path, bot: &Bot) -> Result<String, String> {
    let lib = bot.dependencies.split(' ').next().unwrap_or_default();
    let lock = crate::read(&crate_dir.join("Cargo.lock"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == format!("name = \"{lib}\"")
            && let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = "))
        {
            return Ok(v.trim_matches('"').to_owned());
        }
    }
    Ok(String::new())
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn report(bots: &[Bot], results: &[Figures], rustc: &str, start_load: f64, edits: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Echo bots built one after another, each in its own empty target directory, `-j2`, \
         default profiles; {rustc}; {} cores; load average (1 min) {start_load:.2} at the start \
         (the machine may be shared: see the load beside each build).\n",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let _ = writeln!(
        out,
        "| bot | version | release wall | release CPU | stripped | debug wall | debug CPU | edit loop (median of {edits}) | load during release / debug |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|---:|---|");
    for (bot, f) in bots.iter().zip(results) {
        let _ = writeln!(
            out,
            "| {} | {} | {:.0} s | {:.0} s | {:.2} MB | {:.0} s | {:.0} s | {:.2} s | {:.1}-{:.1} / {:.1}-{:.1} |",
            bot.label,
            f.version,
            f.release_wall,
            f.release_cpu,
            f.stripped as f64 / 1e6,
            f.debug_wall,
            f.debug_cpu,
            median(&f.edit),
            f.release_load.0,
            f.release_load.1,
            f.debug_load.0,
            f.debug_load.1,
        );
    }
    let base = bots.iter().zip(results).find(|(b, _)| b.name == "teloxide");
    if let Some((_, t)) = base {
        let _ = writeln!(
            out,
            "\nAgainst teloxide, same run (below 1.00x: smaller or faster):\n"
        );
        let _ = writeln!(
            out,
            "| bot | release wall | release CPU | stripped | debug wall | edit loop |"
        );
        let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|");
        for (bot, f) in bots.iter().zip(results) {
            let _ = writeln!(
                out,
                "| {} | {:.2}x | {:.2}x | {:.2}x | {:.2}x | {:.2}x |",
                bot.label,
                f.release_wall / t.release_wall,
                f.release_cpu / t.release_cpu,
                f.stripped as f64 / t.stripped as f64,
                f.debug_wall / t.debug_wall,
                median(&f.edit) / median(&t.edit),
            );
        }
    }
    let _ = writeln!(
        out,
        "\nUnstripped release binaries (symbols and debug sections):"
    );
    for (bot, f) in bots.iter().zip(results) {
        let _ = writeln!(out, "- {}: {:.2} MB", bot.name, f.unstripped as f64 / 1e6);
    }
    out
}

//! Project tasks: `cargo xtask <command>`. Run `cargo xtask help` for the list.
//!
//! Every file this project generates is written here; `codegen` itself does no I/O.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod bench_cmd;
mod codegen_cmd;
mod spec_cmd;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  spec import <file> [--history OLDER...] [--out PATH]
                                    import a Bot API description into api-spec/bot-api.json
                                    (or PATH): a saved official HTML page or a community JSON
                                    file, told apart by content; --history dates every field
                                    against older releases (see api-spec/README.md)
  spec fetch [--url URL] [--out PATH]
                                    download the official page (default
                                    https://core.telegram.org/bots/api) and import it
  spec schema                       write api-spec/schema.json, the JSON Schema of the format
  spec check [--source FILE [--history OLDER...]]
                                    check api-spec/bot-api.json against the model and that
                                    api-spec/schema.json is current; with --source, also that
                                    it is a complete, current import of FILE
  spec diff <old> <new> [--api-only]
                                    print the API changes between two spec files
  codegen [--check]                 render api-spec/bot-api.json into telegram-api/src/generated;
                                    with --check, fail naming stale, missing or orphaned files
  build-bench [--dir DIR] [--only NAMES] [--edits N] [--keep-targets]
                                    build echo bots on this crate, teloxide and frankenstein
                                    one after another (release, debug, edit loop) and print
                                    times and stripped sizes (see BENCHMARKS.md)
  help                              print this text
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["spec", rest @ ..] => spec_cmd::run(rest),
        ["codegen", rest @ ..] => codegen_cmd::run(rest),
        ["build-bench", rest @ ..] => bench_cmd::run(rest),
        ["help"] | ["--help"] | ["-h"] => {
            print!("{USAGE}");
            Ok(())
        }
        _ => Err(format!("unknown command\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The repository root (the parent of this crate).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// Reads a file, naming it in the error.
pub fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Writes a file, creating its directory, naming it in the error.
pub fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Takes `--name VALUE` out of `args`.
pub fn take_option<'a>(args: &mut Vec<&'a str>, name: &str) -> Result<Option<&'a str>, String> {
    match args.iter().position(|a| *a == name) {
        None => Ok(None),
        Some(i) if i + 1 < args.len() => {
            let v = args.remove(i + 1);
            args.remove(i);
            Ok(Some(v))
        }
        Some(_) => Err(format!("{name} needs a value")),
    }
}

/// Takes the flag `name` out of `args`, returning whether it was there.
pub fn take_flag(args: &mut Vec<&str>, name: &str) -> bool {
    let before = args.len();
    args.retain(|a| *a != name);
    args.len() != before
}

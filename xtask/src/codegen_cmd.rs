//! `cargo xtask codegen [--check]`: renders api-spec/bot-api.json into
//! telegram-api/src/generated/. `--spec FILE --out DIR` renders another description into
//! another directory (CI builds the crate from the oldest supported release so).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::{read, root, spec_cmd, take_option, write};

/// Where the generated files live.
pub fn generated_dir() -> PathBuf {
    root().join("telegram-api/src/generated")
}

const USAGE: &str = "usage: cargo xtask codegen [--check | --spec FILE --out DIR]";

pub fn run(args: &[&str]) -> Result<(), String> {
    let mut args = args.to_vec();
    let spec = take_option(&mut args, "--spec")?.map(PathBuf::from);
    let out = take_option(&mut args, "--out")?.map(PathBuf::from);
    match (args.as_slice(), spec, out) {
        ([], None, None) => generate(&spec_cmd::spec_path(), &generated_dir()),
        (["--check"], None, None) => check(),
        ([], Some(spec), Some(out)) => generate(&spec, &out),
        _ => Err(USAGE.into()),
    }
}

fn render(spec: &Path) -> Result<Vec<codegen::emit::File>, String> {
    let spec = spec_cmd::load(spec)?;
    codegen::emit::generate(&spec)
        .map_err(|errors| format!("code generation failed:\n  {}", errors.join("\n  ")))
}

/// The `.rs` files now under `dir`, relative to it.
fn existing(dir: &Path) -> Result<BTreeSet<String>, String> {
    let dir = dir.to_path_buf();
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.clone()];
    while let Some(d) = stack.pop() {
        let entries = match std::fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(format!("cannot list {}: {e}", d.display())),
        };
        for entry in entries {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                let rel = path.strip_prefix(&dir).expect("under dir");
                out.insert(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    Ok(out)
}

fn generate(spec: &Path, dir: &Path) -> Result<(), String> {
    let files = render(spec)?;
    let mut changed = 0;
    for f in &files {
        let path = dir.join(&f.path);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(f.contents.as_str()) {
            write(&path, &f.contents)?;
            changed += 1;
        }
    }
    let produced: BTreeSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    for orphan in existing(dir)?
        .iter()
        .filter(|p| !produced.contains(p.as_str()))
    {
        let path = dir.join(orphan);
        std::fs::remove_file(&path)
            .map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
        eprintln!("removed orphaned {}", path.display());
    }
    eprintln!(
        "generated {} files into {} ({changed} changed)",
        files.len(),
        dir.display()
    );
    Ok(())
}

/// Fails naming every stale, missing or orphaned generated file.
pub fn check() -> Result<(), String> {
    let files = render(&spec_cmd::spec_path())?;
    let dir = generated_dir();
    let mut problems = Vec::new();
    for f in &files {
        let path = dir.join(&f.path);
        match read(&path) {
            Ok(text) if text == f.contents => {}
            Ok(_) => problems.push(format!("stale: {}", f.path)),
            Err(_) => problems.push(format!("missing: {}", f.path)),
        }
    }
    let produced: BTreeSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    for orphan in existing(&dir)?
        .iter()
        .filter(|p| !produced.contains(p.as_str()))
    {
        problems.push(format!("orphaned: {orphan}"));
    }
    if problems.is_empty() {
        eprintln!("telegram-api/src/generated is current");
        Ok(())
    } else {
        Err(format!(
            "telegram-api/src/generated does not match api-spec/bot-api.json:\n  {}\nrun `cargo xtask codegen` and commit",
            problems.join("\n  ")
        ))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn generated_code_is_current() {
        if let Err(e) = super::check() {
            panic!("{e}");
        }
    }
}

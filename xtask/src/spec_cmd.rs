//! `cargo xtask spec ...`: import, fetch, schema, check, diff.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::{read, root, take_flag, take_option, write};

pub fn run(args: &[&str]) -> Result<(), String> {
    let mut args = args.to_vec();
    match args.first().copied() {
        Some("import") => {
            args.remove(0);
            let out = take_option(&mut args, "--out")?.map(PathBuf::from);
            let history = take_list(&mut args, "--history")?;
            let [file] = args.as_slice() else {
                return Err(
                    "usage: cargo xtask spec import <file> [--history OLDER...] [--out PATH]"
                        .into(),
                );
            };
            import(Path::new(file), &history, out)
        }
        Some("fetch") => {
            args.remove(0);
            let url = take_option(&mut args, "--url")?.unwrap_or(codegen::html::OFFICIAL_URL);
            let out = take_option(&mut args, "--out")?.map(PathBuf::from);
            if !args.is_empty() {
                return Err("usage: cargo xtask spec fetch [--url URL] [--out PATH]".into());
            }
            fetch(url, out)
        }
        Some("schema") if args.len() == 1 => {
            let path = root().join("api-spec/schema.json");
            write(&path, &codegen::spec_schema())?;
            eprintln!("wrote {}", path.display());
            Ok(())
        }
        Some("check") => {
            args.remove(0);
            let source = take_option(&mut args, "--source")?;
            let history = take_list(&mut args, "--history")?;
            if !args.is_empty() || (source.is_none() && !history.is_empty()) {
                return Err(
                    "usage: cargo xtask spec check [--source FILE [--history OLDER...]]".into(),
                );
            }
            check(source.map(Path::new), &history)
        }
        Some("diff") => {
            args.remove(0);
            let api_only = take_flag(&mut args, "--api-only");
            let [old, new] = args.as_slice() else {
                return Err("usage: cargo xtask spec diff <old> <new> [--api-only]".into());
            };
            let old = load(Path::new(old))?;
            let new = load(Path::new(new))?;
            print!("{}", codegen::diff::diff(&old, &new, api_only));
            Ok(())
        }
        _ => Err("usage: cargo xtask spec <import|fetch|schema|check|diff> ...".into()),
    }
}

/// The committed spec file.
pub fn spec_path() -> PathBuf {
    root().join("api-spec/bot-api.json")
}

/// Imports a description file (community JSON or the official HTML page, told apart by
/// content) with the committed overrides.
fn import_file(file: &Path) -> Result<codegen::Imported, String> {
    let text = read(file)?;
    // Record where the description came from without any machine-specific directory.
    let location = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.display().to_string());
    import_text(&text, &location, &file.display().to_string())
}

/// Imports a description with the committed overrides; `shown` names it in errors.
fn import_text(text: &str, location: &str, shown: &str) -> Result<codegen::Imported, String> {
    let overrides = read(&overrides_path())?;
    codegen::import_any(text, location, &overrides)
        .map_err(|errors| format!("import of {shown} failed:\n  {}", errors.join("\n  ")))
}

fn overrides_path() -> PathBuf {
    root().join("api-spec/overrides.json")
}

/// Takes `--name A B ...` out of `args`: the values up to the next option.
fn take_list<'a>(args: &mut Vec<&'a str>, name: &str) -> Result<Vec<&'a str>, String> {
    let Some(i) = args.iter().position(|a| *a == name) else {
        return Ok(Vec::new());
    };
    let end = args[i + 1..]
        .iter()
        .position(|a| a.starts_with("--"))
        .map_or(args.len(), |n| i + 1 + n);
    let values: Vec<&str> = args.drain(i..end).skip(1).collect();
    if values.is_empty() {
        return Err(format!("{name} needs at least one file"));
    }
    Ok(values)
}

/// Imports `file`, dating its fields against the older releases in `history` (descriptions in
/// either format, imported with the same rules).
fn import_dated(file: &Path, history: &[&str]) -> Result<codegen::Imported, String> {
    let mut imported = import_file(file)?;
    let older = history
        .iter()
        .map(|h| import_file(Path::new(h)).map(|i| i.spec))
        .collect::<Result<Vec<_>, _>>()?;
    codegen::history::date_fields(&mut imported.spec, &older)?;
    Ok(imported)
}

fn import(file: &Path, history: &[&str], out: Option<PathBuf>) -> Result<(), String> {
    write_import(import_dated(file, history)?, out)
}

/// Downloads the official page (or `url`) and imports it.
fn fetch(url: &str, out: Option<PathBuf>) -> Result<(), String> {
    let page = download(url).map_err(|reason| {
        format!(
            "could not download {url}: {reason}; check the network or pass a saved page to \
             `cargo xtask spec import`"
        )
    })?;
    eprintln!("downloaded {url} ({} bytes)", page.len());
    write_import(import_text(&page, url, url)?, out)
}

/// The body of `url` as text. Errors are the reason alone, for the caller to word.
fn download(url: &str) -> Result<String, String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into();
    let mut response = agent.get(url).call().map_err(|e| e.to_string())?;
    response
        .body_mut()
        .with_config()
        .limit(32 * 1024 * 1024)
        .read_to_string()
        .map_err(|e| e.to_string())
}

fn write_import(imported: codegen::Imported, out: Option<PathBuf>) -> Result<(), String> {
    for w in &imported.warnings {
        eprintln!("note: {w}");
    }
    let out = out.unwrap_or_else(spec_path);
    write(&out, &codegen::spec_to_json(&imported.spec))?;
    let s = &imported.spec;
    eprintln!(
        "wrote {} (Bot API {}, {}: {} methods, {} types, {} enumerations)",
        out.display(),
        s.api.version,
        s.api.release_date,
        s.methods.len(),
        s.types.len(),
        s.enums.len()
    );
    Ok(())
}

/// Reads and checks a spec file.
pub fn load(path: &Path) -> Result<codegen::Spec, String> {
    codegen::spec_from_json(&read(path)?)
        .map_err(|errors| format!("{}:\n  {}", path.display(), errors.join("\n  ")))
}

fn check(source: Option<&Path>, history: &[&str]) -> Result<(), String> {
    let spec = load(&spec_path())?;
    if let Some(source) = source {
        // The committed file is exactly what the importer makes of its source today, and states
        // everything the source documents.
        let imported = import_dated(source, history)?;
        if codegen::spec_to_json(&imported.spec) != read(&spec_path())? {
            let history = if history.is_empty() {
                String::new()
            } else {
                format!(" --history {}", history.join(" "))
            };
            return Err(format!(
                "api-spec/bot-api.json differs from a fresh import of {}; run \
                 `cargo xtask spec import {}{history}` and commit",
                source.display(),
                source.display()
            ));
        }
        let problems = codegen::compare_with_any(&read(source)?, &spec, &read(&overrides_path())?);
        if !problems.is_empty() {
            return Err(format!(
                "api-spec/bot-api.json does not state all of {}:\n  {}",
                source.display(),
                problems.join("\n  ")
            ));
        }
        eprintln!(
            "api-spec/bot-api.json is a complete, current import of {}",
            source.display()
        );
    }
    // The committed file must be exactly what the model writes back (no hand formatting).
    if codegen::spec_to_json(&spec) != read(&spec_path())? {
        return Err(
            "api-spec/bot-api.json is not in canonical form; re-run `cargo xtask spec import`"
                .into(),
        );
    }
    let schema_path = root().join("api-spec/schema.json");
    if read(&schema_path)? != codegen::spec_schema() {
        return Err(
            "api-spec/schema.json is stale; run `cargo xtask spec schema` and commit".into(),
        );
    }
    eprintln!(
        "api-spec is consistent (Bot API {}, {} methods, {} types)",
        spec.api.version,
        spec.methods.len(),
        spec.types.len()
    );
    Ok(())
}

//! `cargo xtask spec ...`: import, schema, check, diff.

use std::path::{Path, PathBuf};

use crate::{read, root, take_flag, take_option, write};

pub fn run(args: &[&str]) -> Result<(), String> {
    let mut args = args.to_vec();
    match args.first().copied() {
        Some("import") => {
            args.remove(0);
            let out = take_option(&mut args, "--out")?.map(PathBuf::from);
            let [file] = args.as_slice() else {
                return Err("usage: cargo xtask spec import <file> [--out PATH]".into());
            };
            import(Path::new(file), out)
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
            if !args.is_empty() {
                return Err("usage: cargo xtask spec check [--source FILE]".into());
            }
            check(source.map(Path::new))
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
        _ => Err("usage: cargo xtask spec <import|schema|check|diff> ...".into()),
    }
}

/// The committed spec file.
pub fn spec_path() -> PathBuf {
    root().join("api-spec/bot-api.json")
}

/// Imports a description file with the committed overrides.
fn import_file(file: &Path) -> Result<codegen::Imported, String> {
    let text = read(file)?;
    let overrides = read(&overrides_path())?;
    // Record where the description came from without any machine-specific directory.
    let location = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.display().to_string());
    codegen::import_community(&text, &location, &overrides).map_err(|errors| {
        format!(
            "import of {} failed:\n  {}",
            file.display(),
            errors.join("\n  ")
        )
    })
}

fn overrides_path() -> PathBuf {
    root().join("api-spec/overrides.json")
}

fn import(file: &Path, out: Option<PathBuf>) -> Result<(), String> {
    let imported = import_file(file)?;
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

fn check(source: Option<&Path>) -> Result<(), String> {
    let spec = load(&spec_path())?;
    if let Some(source) = source {
        // The committed file is exactly what the importer makes of its source today, and states
        // everything the source documents.
        let imported = import_file(source)?;
        if codegen::spec_to_json(&imported.spec) != read(&spec_path())? {
            return Err(format!(
                "api-spec/bot-api.json differs from a fresh import of {}; run \
                 `cargo xtask spec import {}` and commit",
                source.display(),
                source.display()
            ));
        }
        let problems =
            codegen::compare_with_community(&read(source)?, &spec, &read(&overrides_path())?);
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

//! The Bot API code generator: our typed description of the API (`api-spec/`), the importers
//! that produce it, and the emitters that turn it into the `telegram-api` crate.
//!
//! This crate is pure: it reads and returns strings. All file and network I/O lives in `xtask`.

pub mod complete;
pub mod diff;
pub mod emit;
pub mod history;
pub mod html;
pub mod lower;
pub mod overrides;
pub mod raw;
pub mod spec;
pub mod validate;

pub use lower::Imported;
pub use overrides::Overrides;
pub use spec::Spec;

/// Imports an API description (the community JSON format) with the given overrides.
///
/// `location` is recorded as the source: a file name or URL, never a machine-specific path.
pub fn import_community(
    text: &str,
    location: &str,
    overrides: &str,
) -> Result<Imported, Vec<String>> {
    let raw = raw::parse_community_json(text).map_err(|e| vec![e])?;
    let overrides = Overrides::parse(overrides).map_err(|e| vec![e])?;
    let source = spec::Source {
        format: spec::SourceFormat::CommunityJson,
        location: location.to_string(),
    };
    lower::lower(&raw, source, &overrides)
}

/// Imports the official Bot API documentation page (the HTML of
/// [`html::OFFICIAL_URL`]) with the given overrides.
///
/// `location` is recorded as the source: a file name or URL, never a machine-specific path.
pub fn import_html(text: &str, location: &str, overrides: &str) -> Result<Imported, Vec<String>> {
    let raw = html::parse_html(text)?;
    let overrides = Overrides::parse(overrides).map_err(|e| vec![e])?;
    let source = spec::Source {
        format: spec::SourceFormat::OfficialHtml,
        location: location.to_string(),
    };
    lower::lower(&raw, source, &overrides)
}

/// Tells the two description formats apart by content: the official HTML page or the
/// community JSON scrape.
pub fn detect_format(text: &str) -> Result<spec::SourceFormat, String> {
    if html::looks_like_html(text) {
        Ok(spec::SourceFormat::OfficialHtml)
    } else if text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with('{')
    {
        Ok(spec::SourceFormat::CommunityJson)
    } else {
        Err("neither the official Bot API HTML page nor a community JSON file".into())
    }
}

/// Imports a description in either format ([`detect_format`]).
pub fn import_any(text: &str, location: &str, overrides: &str) -> Result<Imported, Vec<String>> {
    match detect_format(text).map_err(|e| vec![e])? {
        spec::SourceFormat::OfficialHtml => import_html(text, location, overrides),
        spec::SourceFormat::CommunityJson => import_community(text, location, overrides),
    }
}

/// Renders a spec as the committed file: pretty-printed JSON with a final newline.
pub fn spec_to_json(spec: &Spec) -> String {
    let mut s = serde_json::to_string_pretty(spec).expect("a spec always serializes");
    s.push('\n');
    s
}

/// Parses a spec file, rejecting unknown keys, and checks its invariants.
pub fn spec_from_json(text: &str) -> Result<Spec, Vec<String>> {
    let spec: Spec =
        serde_json::from_str(text).map_err(|e| vec![format!("invalid spec file: {e}")])?;
    if spec.format != spec::FORMAT_VERSION {
        return Err(vec![format!(
            "spec format {} is not the supported format {}",
            spec.format,
            spec::FORMAT_VERSION
        )]);
    }
    let errors = validate::validate(&spec);
    if errors.is_empty() {
        Ok(spec)
    } else {
        Err(errors)
    }
}

/// The JSON Schema of the spec format, as committed in `api-spec/schema.json`.
pub fn spec_schema() -> String {
    let schema = schemars::schema_for!(Spec);
    let mut s = serde_json::to_string_pretty(&schema).expect("a schema always serializes");
    s.push('\n');
    s
}

/// Checks that `spec` states every method, type, field and parameter of a community JSON file
/// with its documented required flag.
pub fn compare_with_community(text: &str, spec: &Spec, overrides: &str) -> Vec<String> {
    match (raw::parse_community_json(text), Overrides::parse(overrides)) {
        (Ok(raw), Ok(o)) => complete::compare_with_source(&raw, spec, &o),
        (Err(e), _) | (_, Err(e)) => vec![e],
    }
}

/// Like [`compare_with_community`], for a description in either format ([`detect_format`]).
pub fn compare_with_any(text: &str, spec: &Spec, overrides: &str) -> Vec<String> {
    let raw = match detect_format(text) {
        Ok(spec::SourceFormat::OfficialHtml) => html::parse_html(text),
        Ok(spec::SourceFormat::CommunityJson) => {
            raw::parse_community_json(text).map_err(|e| vec![e])
        }
        Err(e) => Err(vec![e]),
    };
    match (raw, Overrides::parse(overrides)) {
        (Ok(raw), Ok(o)) => complete::compare_with_source(&raw, spec, &o),
        (Err(e), _) => e,
        (_, Err(e)) => vec![e],
    }
}

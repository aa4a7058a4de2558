//! Dating fields against older releases: which release added each field of a type, and since
//! when a field is required.
//!
//! A crate generated from the newest release reads what servers at older releases send. The
//! importer compares the new description with the older ones it is given and records, on every
//! field of every type, the release that added it (`since`) and, for a required field that was
//! optional or missing before, the release since which it is required (`required_since`). A field
//! already present in the oldest release given carries neither: it is dated "that release or
//! earlier", and counts as present in every release the crate supports.

use crate::spec::{Field, History, Spec};

/// Dates every field of `new` against `older` (any order; each must be an older release).
/// Fails when a version in `older` is not older than `new`, or appears twice.
pub fn date_fields(new: &mut Spec, older: &[Spec]) -> Result<(), String> {
    let mut older: Vec<&Spec> = older.iter().collect();
    older.sort_by_key(|s| version_key(&s.api.version));
    for pair in older.windows(2) {
        if pair[0].api.version == pair[1].api.version {
            return Err(format!("release {} given twice", pair[0].api.version));
        }
    }
    if let Some(last) = older
        .last()
        .filter(|last| version_key(&last.api.version) >= version_key(&new.api.version))
    {
        return Err(format!(
            "release {} is not older than the imported {}",
            last.api.version, new.api.version
        ));
    }
    if older.is_empty() {
        new.history = None;
        return Ok(());
    }
    let new_version = new.api.version.clone();
    for t in &mut new.types {
        let owner = t.name.clone();
        let crate::spec::TypeKind::Object { fields, .. } = &mut t.kind else {
            continue;
        };
        for f in fields.iter_mut() {
            date_field(f, &owner, &older, &new_version);
        }
    }
    new.history = Some(History {
        releases: older.iter().map(|s| s.api.version.clone()).collect(),
    });
    Ok(())
}

fn date_field(f: &mut Field, owner: &str, older: &[&Spec], new_version: &str) {
    // (version, present, required) in every older release, oldest first, then the new one.
    let states: Vec<(&str, Option<bool>)> = older
        .iter()
        .map(|s| {
            let found = s
                .type_def(owner)
                .and_then(|t| t.fields().iter().find(|g| g.name == f.name));
            (s.api.version.as_str(), found.map(|g| g.required))
        })
        .chain(std::iter::once((new_version, Some(f.required))))
        .collect();
    // Added: after the last release that lacks it.
    let since = states
        .iter()
        .rposition(|(_, s)| s.is_none())
        .map(|i| states[i + 1].0);
    f.since = since.map(str::to_owned);
    f.required_since = None;
    if f.required {
        // Required since: after the last release where it was absent or optional.
        let last_not_required = states.iter().rposition(|(_, s)| *s != Some(true));
        if let Some(i) = last_not_required {
            let v = states[i + 1].0;
            if Some(v) != since {
                f.required_since = Some(v.to_owned());
            }
        }
    }
}

/// Orders versions such as `9.2` and `10.0` numerically.
pub fn version_key(v: &str) -> Vec<u64> {
    v.split('.').map(|p| p.parse().unwrap_or(0)).collect()
}

/// The release before which a required field of an object may be absent from what a server
/// sends: the release that added the field, or made it required, when that is later than the
/// oldest release of the spec's history and later than the type itself. `fields` are the
/// type's fields, `f` one of them.
///
/// A type that appeared after the oldest release has every field dated by that release (see
/// [`date_fields`]): no server older than the type sends it, so those fields are in every
/// payload of it. Only a field dated later than all of its type's fields' earliest date can be
/// missing. Optional fields and fields present in the oldest release give `None`.
pub fn absent_before<'a>(fields: &'a [Field], f: &'a Field) -> Option<&'a str> {
    if !f.required {
        return None;
    }
    let dated = f.required_since.as_deref().or(f.since.as_deref())?;
    // Every field dated: the type is as old as its oldest field.
    let type_since = fields
        .iter()
        .map(|g| g.since.as_deref())
        .collect::<Option<Vec<&str>>>()
        .and_then(|dates| dates.into_iter().min_by_key(|v| version_key(v)));
    match type_since {
        Some(t) if version_key(dated) <= version_key(t) => None,
        _ => Some(dated),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(version: &str, fields: &str) -> Spec {
        let text = format!(
            r#"{{"format": 1,
                "api": {{"version": "{version}", "release_date": "2026-01-01"}},
                "source": {{"format": "community_json", "location": "api-{version}.json"}},
                "methods": [], "types": [{{"name": "Poll", "doc_url": "u", "description": "P.",
                "direction": "unused", "kind": "object", "fields": [{fields}]}}], "enums": []}}"#
        );
        crate::spec_from_json(&text).unwrap()
    }

    fn field(name: &str, required: bool) -> String {
        format!(
            r#"{{"name": "{name}", "type": {{"kind": "boolean"}}, "required": {required}, "description": "d"}}"#
        )
    }

    #[test]
    fn fields_are_dated_by_the_release_that_added_them() {
        let old = spec("9.2", &[field("id", true), field("flag", false)].join(","));
        let mid = spec("10.0", &[field("id", true), field("flag", true)].join(","));
        let mut new = spec(
            "10.3",
            &[field("id", true), field("flag", true), field("fresh", true)].join(","),
        );
        // Given in any order.
        date_fields(&mut new, &[mid, old]).unwrap();
        let f = |n: &str| {
            new.types[0]
                .fields()
                .iter()
                .find(|f| f.name == n)
                .unwrap()
                .clone()
        };
        assert_eq!((f("id").since, f("id").required_since), (None, None));
        assert_eq!(f("flag").since, None);
        assert_eq!(f("flag").required_since.as_deref(), Some("10.0"));
        assert_eq!(f("fresh").since.as_deref(), Some("10.3"));
        assert_eq!(f("fresh").required_since, None);
        let fields = new.types[0].fields();
        let absent = |n: &str| absent_before(fields, fields.iter().find(|f| f.name == n).unwrap());
        assert_eq!(absent("flag"), Some("10.0"));
        assert_eq!(absent("fresh"), Some("10.3"));
        assert_eq!(absent("id"), None);
        assert_eq!(
            new.history.unwrap().releases,
            vec!["9.2".to_string(), "10.0".to_string()]
        );
    }

    #[test]
    fn the_fields_of_a_type_newer_than_the_history_are_never_absent() {
        let old = spec("9.2", "");
        let mut mid = spec("10.0", &field("id", true));
        mid.types[0].name = "Quiz".into();
        let mut new = spec(
            "10.3",
            &[field("id", true), field("late", true), field("opt", false)].join(","),
        );
        new.types[0].name = "Quiz".into();
        date_fields(&mut new, &[old, mid]).unwrap();
        let fields = new.types[0].fields();
        let absent = |n: &str| absent_before(fields, fields.iter().find(|f| f.name == n).unwrap());
        // `Quiz` came in 10.0 with `id`; `late` was added to it in 10.3.
        assert_eq!(fields[0].since.as_deref(), Some("10.0"));
        assert_eq!(absent("id"), None);
        assert_eq!(absent("late"), Some("10.3"));
        assert_eq!(absent("opt"), None);
    }

    #[test]
    fn a_field_dropped_and_added_again_is_dated_by_its_return() {
        let old = spec("9.2", &field("x", true));
        let mid = spec("10.0", "");
        let mut new = spec("10.1", &field("x", true));
        date_fields(&mut new, &[old, mid]).unwrap();
        assert_eq!(new.types[0].fields()[0].since.as_deref(), Some("10.1"));
    }

    #[test]
    fn only_older_releases_are_accepted() {
        let mut new = spec("10.0", "");
        assert!(date_fields(&mut new, &[spec("10.1", "")]).is_err());
        assert!(date_fields(&mut new, &[spec("9.2", ""), spec("9.2", "")]).is_err());
    }
}

//! What changed between two descriptions, written as a changelog.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::spec::{Discriminator, EnumDef, Field, Spec, TypeDef, TypeKind};

/// Lists the changes from `old` to `new` as Markdown. With `api_only`, descriptions, URLs and
/// provenance are ignored, and two descriptions of the same API give an empty string.
pub fn diff(old: &Spec, new: &Spec, api_only: bool) -> String {
    let mut methods = Vec::new();
    let mut types = Vec::new();
    let mut enums = Vec::new();

    for (name, change) in pair(&old.methods, &new.methods, |m| &m.name) {
        match change {
            Pair::Added(m) => methods.push(format!(
                "- added `{name}` ({} parameters, returns {})",
                m.params.len(),
                m.returns.display()
            )),
            Pair::Removed => methods.push(format!("- removed `{name}`")),
            Pair::Both(a, b) => {
                if a.returns != b.returns {
                    methods.push(format!(
                        "- `{name}`: returns {} instead of {}",
                        b.returns.display(),
                        a.returns.display()
                    ));
                }
                fields(
                    &mut methods,
                    name,
                    "parameter",
                    &a.params,
                    &b.params,
                    api_only,
                );
                if !api_only {
                    if a.description != b.description {
                        methods.push(format!("- `{name}`: description changed"));
                    }
                    if a.doc_url != b.doc_url {
                        methods.push(format!("- `{name}`: documented at {}", b.doc_url));
                    }
                }
            }
        }
    }

    for (name, change) in pair(&old.types, &new.types, |t| &t.name) {
        match change {
            Pair::Added(t) => types.push(format!("- added `{name}` ({})", kind_summary(t))),
            Pair::Removed => types.push(format!("- removed `{name}`")),
            Pair::Both(a, b) => type_changes(&mut types, a, b, api_only),
        }
    }

    for (name, change) in pair(&old.enums, &new.enums, |e| &e.name) {
        match change {
            Pair::Added(e) => enums.push(format!("- added `{name}`: {}", values(e))),
            Pair::Removed => enums.push(format!("- removed `{name}`")),
            Pair::Both(a, b) => {
                let before: Vec<&str> = a.values.iter().map(|v| v.value.as_str()).collect();
                let after: Vec<&str> = b.values.iter().map(|v| v.value.as_str()).collect();
                for v in after.iter().filter(|v| !before.contains(v)) {
                    enums.push(format!("- `{name}`: added value \"{v}\""));
                }
                for v in before.iter().filter(|v| !after.contains(v)) {
                    enums.push(format!("- `{name}`: removed value \"{v}\""));
                }
                let gained: Vec<&str> = b
                    .used_by
                    .iter()
                    .filter(|u| !a.used_by.contains(u))
                    .map(String::as_str)
                    .collect();
                let lost: Vec<&str> = a
                    .used_by
                    .iter()
                    .filter(|u| !b.used_by.contains(u))
                    .map(String::as_str)
                    .collect();
                if !gained.is_empty() {
                    enums.push(format!(
                        "- `{name}`: now also taken by {}",
                        gained.join(", ")
                    ));
                }
                if !lost.is_empty() {
                    enums.push(format!(
                        "- `{name}`: no longer taken by {}",
                        lost.join(", ")
                    ));
                }
                let names = |e: &EnumDef| -> Vec<Option<String>> {
                    e.values.iter().map(|v| v.name.clone()).collect()
                };
                if names(a) != names(b) && before == after {
                    enums.push(format!("- `{name}`: value names changed"));
                }
            }
        }
    }

    let mut out = String::new();
    let sections = [
        ("Methods", methods),
        ("Types", types),
        ("Enumerations", enums),
    ];
    let release_changed = old.api != new.api || old.source != new.source;
    if !api_only && release_changed {
        let _ = writeln!(
            out,
            "# Bot API {} ({}) -> Bot API {} ({})\n",
            old.api.version, old.api.release_date, new.api.version, new.api.release_date
        );
        if old.source != new.source {
            let _ = writeln!(
                out,
                "Source: {} -> {}\n",
                old.source.location, new.source.location
            );
        }
    }
    for (title, lines) in sections {
        if lines.is_empty() {
            continue;
        }
        let _ = writeln!(out, "## {title}\n");
        for l in lines {
            let _ = writeln!(out, "{l}");
        }
        out.push('\n');
    }
    out
}

enum Pair<'a, T> {
    Added(&'a T),
    Removed,
    Both(&'a T, &'a T),
}

/// Matches two lists by name: every item of `new` in its order, then what `old` alone had.
fn pair<'a, T>(
    old: &'a [T],
    new: &'a [T],
    name: impl Fn(&T) -> &String,
) -> Vec<(&'a String, Pair<'a, T>)> {
    let by_name: BTreeMap<&String, &'a T> = old.iter().map(|x| (name(x), x)).collect();
    let mut out: Vec<(&String, Pair<T>)> = new
        .iter()
        .map(|x| match by_name.get(name(x)) {
            Some(o) => (name(x), Pair::Both(*o, x)),
            None => (name(x), Pair::Added(x)),
        })
        .collect();
    let kept: Vec<&String> = new.iter().map(&name).collect();
    out.extend(
        old.iter()
            .filter(|x| !kept.contains(&name(x)))
            .map(|x| (name(x), Pair::Removed)),
    );
    out
}

fn fields(
    out: &mut Vec<String>,
    owner: &str,
    what: &str,
    a: &[Field],
    b: &[Field],
    api_only: bool,
) {
    for (name, change) in pair(a, b, |f| &f.name) {
        match change {
            Pair::Added(f) => out.push(format!(
                "- `{owner}`: added {what} `{name}` ({}, {})",
                f.ty.display(),
                if f.required { "required" } else { "optional" }
            )),
            Pair::Removed => out.push(format!("- `{owner}`: removed {what} `{name}`")),
            Pair::Both(x, y) => {
                if x.ty != y.ty {
                    out.push(format!(
                        "- `{owner}.{name}`: {} instead of {}",
                        y.ty.display(),
                        x.ty.display()
                    ));
                }
                if x.required != y.required {
                    out.push(format!(
                        "- `{owner}.{name}` is now {}",
                        if y.required { "required" } else { "optional" }
                    ));
                }
                if !api_only && x.description != y.description {
                    out.push(format!("- `{owner}.{name}`: description changed"));
                }
            }
        }
    }
    let order = |fs: &[Field]| -> Vec<String> {
        fs.iter()
            .filter(|f| a.iter().any(|g| g.name == f.name) && b.iter().any(|g| g.name == f.name))
            .map(|f| f.name.clone())
            .collect()
    };
    if order(a) != order(b) {
        out.push(format!("- `{owner}`: {what}s reordered"));
    }
}

fn type_changes(out: &mut Vec<String>, a: &TypeDef, b: &TypeDef, api_only: bool) {
    let name = &a.name;
    match (&a.kind, &b.kind) {
        (
            TypeKind::Object {
                fields: fa,
                one_optional: oa,
            },
            TypeKind::Object {
                fields: fb,
                one_optional: ob,
            },
        ) => {
            fields(out, name, "field", fa, fb, api_only);
            if oa != ob {
                out.push(format!("- `{name}`: at most one optional field: {ob}"));
            }
        }
        (
            TypeKind::Union {
                discriminator: da,
                members: ma,
            },
            TypeKind::Union {
                discriminator: db,
                members: mb,
            },
        ) => {
            if da != db {
                out.push(format!(
                    "- `{name}`: told apart {} instead of {}",
                    discriminator(db),
                    discriminator(da)
                ));
            }
            for m in mb.iter().filter(|m| !ma.iter().any(|o| o.ty == m.ty)) {
                out.push(format!("- `{name}`: added member {}", member(m)));
            }
            for m in ma.iter().filter(|m| !mb.iter().any(|o| o.ty == m.ty)) {
                out.push(format!("- `{name}`: removed member {}", member(m)));
            }
            for m in mb {
                if let Some(o) = ma.iter().find(|o| o.ty == m.ty && o.tag != m.tag) {
                    out.push(format!(
                        "- `{name}`: {} instead of {}",
                        member(m),
                        member(o)
                    ));
                }
            }
        }
        (x, y) if x != y => out.push(format!(
            "- `{name}`: now {} (was {})",
            kind_summary(b),
            kind_summary(a)
        )),
        _ => {}
    }
    if !api_only {
        if a.description != b.description {
            out.push(format!("- `{name}`: description changed"));
        }
        if a.doc_url != b.doc_url {
            out.push(format!("- `{name}`: documented at {}", b.doc_url));
        }
    }
}

fn member(m: &crate::spec::UnionMember) -> String {
    match &m.tag {
        Some(tag) => format!("`{}` (\"{tag}\")", m.ty.display()),
        None => format!("`{}`", m.ty.display()),
    }
}

fn discriminator(d: &Discriminator) -> String {
    match d {
        Discriminator::Field { field } => format!("by field `{field}`"),
        Discriminator::ZeroField { field, zero_member } => {
            format!("by `{field}` == 0 for {zero_member}")
        }
        Discriminator::Shape => "by shape".into(),
        Discriminator::JsonKind { field } => format!("by JSON kind and field `{field}`"),
    }
}

fn kind_summary(t: &TypeDef) -> String {
    match &t.kind {
        TypeKind::Object { fields, .. } => format!("object, {} fields", fields.len()),
        TypeKind::Empty => "empty object".into(),
        TypeKind::Union { members, .. } => format!(
            "union of {}",
            members
                .iter()
                .map(|m| m.ty.display())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        TypeKind::InputFile => "file upload".into(),
    }
}

fn values(e: &EnumDef) -> String {
    e.values
        .iter()
        .map(|v| format!("\"{}\"", v.value))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(version: &str, methods: &str, types: &str, enums: &str) -> Spec {
        let text = format!(
            r#"{{"format": 1,
                "api": {{"version": "{version}", "release_date": "2026-01-01"}},
                "source": {{"format": "community_json", "location": "api-{version}.json"}},
                "methods": [{methods}], "types": [{types}], "enums": [{enums}]}}"#
        );
        crate::spec_from_json(&text).unwrap()
    }

    const SEND: &str = r#"{"name": "send", "doc_url": "u", "description": "Sends.",
        "params": [{"name": "chat_id", "type": {"kind": "chat_id"}, "required": true, "description": "Chat"}],
        "returns": {"kind": "true"}}"#;
    const SEND_V2: &str = r#"{"name": "send", "doc_url": "u", "description": "Sends a message.",
        "params": [{"name": "chat_id", "type": {"kind": "chat_id"}, "required": true, "description": "Chat"},
                   {"name": "mood", "type": {"kind": "enum", "name": "Mood"}, "required": false, "description": "Mood"}],
        "returns": {"kind": "true"}}"#;
    const PING: &str = r#"{"name": "ping", "doc_url": "u", "description": "Pings.", "params": [],
        "returns": {"kind": "ref", "name": "Reply"}}"#;
    const REPLY: &str = r#"{"name": "Reply", "doc_url": "u", "description": "A reply.", "direction": "received",
        "kind": "object", "fields": [{"name": "id", "type": {"kind": "integer"}, "required": true, "description": "Id"}]}"#;
    const REPLY_V2: &str = r#"{"name": "Reply", "doc_url": "u", "description": "A reply.", "direction": "unused",
        "kind": "object", "fields": [{"name": "id", "type": {"kind": "integer"}, "required": false, "description": "Id"},
                                     {"name": "text", "type": {"kind": "string"}, "required": false, "description": "Text"}]}"#;
    const MOOD: &str =
        r#"{"name": "Mood", "values": [{"value": "calm"}], "used_by": ["send.mood"]}"#;

    #[test]
    fn same_api_prints_nothing_with_api_only() {
        let a = spec("1.0", &format!("{SEND},{PING}"), REPLY, "");
        let mut b = a.clone();
        b.api.version = "1.1".into();
        b.methods[0].description = "Other words.".into();
        assert_eq!(diff(&a, &b, true), "");
        let full = diff(&a, &b, false);
        assert!(
            full.contains("Bot API 1.0 (2026-01-01) -> Bot API 1.1"),
            "{full}"
        );
        assert!(full.contains("- `send`: description changed"), "{full}");
    }

    #[test]
    fn lists_api_changes() {
        let a = spec("1.0", &format!("{SEND},{PING}"), REPLY, "");
        let b = spec("1.1", SEND_V2, REPLY_V2, MOOD);
        let out = diff(&a, &b, true);
        let expected = "\
## Methods

- `send`: added parameter `mood` (enum Mood, optional)
- removed `ping`

## Types

- `Reply.id` is now optional
- `Reply`: added field `text` (String, optional)

## Enumerations

- added `Mood`: \"calm\"

";
        assert_eq!(out, expected);
    }
}

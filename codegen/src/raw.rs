//! The Bot API as the documentation states it, before any rule is applied.
//!
//! Both importers produce this form: the community JSON scrape maps onto it one to one, and the
//! HTML importer reads the official page into it. [`crate::lower`] turns it into a [`crate::Spec`].

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

/// An API description in documentation terms.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RawApi {
    /// Version number, such as `10.3`.
    pub version: String,
    /// Release date as the documentation writes it, such as `August 24, 2026`.
    pub release_date: String,
    /// URL of the changelog entry.
    pub changelog: Option<String>,
    /// Methods, in documentation order.
    pub methods: Vec<RawMethod>,
    /// Types, in documentation order.
    pub types: Vec<RawType>,
}

/// A method as documented.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RawMethod {
    /// Official name.
    pub name: String,
    /// Documentation URL.
    pub href: String,
    /// Description paragraphs and list items, one per entry.
    pub description: Vec<String>,
    /// Return type alternatives, as written (`Message`, `Boolean`, `Array of Update`).
    pub returns: Vec<String>,
    /// Parameters.
    pub fields: Vec<RawField>,
    /// Anchor of the documentation chapter it is in (`available-types`), where the source says
    /// so: the official page does, the community JSON does not.
    pub section: Option<String>,
}

/// A type as documented.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RawType {
    /// Official name.
    pub name: String,
    /// Documentation URL.
    pub href: String,
    /// Description paragraphs and list items.
    pub description: Vec<String>,
    /// Fields (empty for unions and empty objects).
    pub fields: Vec<RawField>,
    /// Members, for a union (`ChatMember` lists `ChatMemberOwner`, ...).
    pub subtypes: Vec<String>,
    /// Anchor of the documentation chapter it is in (`available-types`), where the source says
    /// so: the official page does, the community JSON does not.
    pub section: Option<String>,
}

/// A field or parameter as documented.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawField {
    /// Official name.
    pub name: String,
    /// Type alternatives, as written (`Integer`, `String`, `Array of PhotoSize`).
    pub types: Vec<String>,
    /// Whether the field is always present or the parameter must be passed.
    pub required: bool,
    /// Description as written, including a leading `Optional.` for optional fields.
    pub description: String,
}

/// Reads the community JSON scrape format.
pub fn parse_community_json(text: &str) -> Result<RawApi, String> {
    let doc: CommunityDoc = serde_json::from_str(text)
        .map_err(|e| format!("not a community Bot API JSON file: {e}"))?;
    let version = match doc.api_version {
        Some(v) => v,
        None => doc
            .version
            .strip_prefix("Bot API ")
            .ok_or_else(|| format!("version {:?} does not start with \"Bot API \"", doc.version))?
            .to_string(),
    };
    let methods = doc
        .methods
        .0
        .into_iter()
        .map(|(key, m)| {
            check_key("method", &key, &m.name)?;
            Ok(RawMethod {
                name: m.name,
                href: m.href,
                description: m.description.iter().map(|l| escape_markdown(l)).collect(),
                returns: m.returns,
                fields: m.fields.into_iter().map(escape_field).collect(),
                section: None,
            })
        })
        .collect::<Result<_, String>>()?;
    let types = doc
        .types
        .0
        .into_iter()
        .map(|(key, t)| {
            check_key("type", &key, &t.name)?;
            Ok(RawType {
                name: t.name,
                href: t.href,
                description: t.description.iter().map(|l| escape_markdown(l)).collect(),
                fields: t.fields.into_iter().map(escape_field).collect(),
                subtypes: t.subtypes,
                section: None,
            })
        })
        .collect::<Result<_, String>>()?;
    Ok(RawApi {
        version,
        release_date: doc.release_date,
        changelog: doc.changelog,
        methods,
        types,
    })
}

/// The scrape's descriptions are plain text; descriptions in a [`RawApi`] are Markdown.
fn escape_field(f: RawField) -> RawField {
    RawField {
        description: escape_markdown(&f.description),
        ..f
    }
}

/// Plain text as Markdown that shows it unchanged: the characters Markdown (and rustdoc) would
/// read as markup are backslash-escaped. A leading `- ` list marker is kept.
pub fn escape_markdown(text: &str) -> String {
    let (marker, body) = match text.strip_prefix("- ") {
        Some(rest) => ("- ", rest),
        None => ("", text),
    };
    let mut out = String::from(marker);
    for c in body.chars() {
        if matches!(c, '\\' | '`' | '*' | '[' | ']' | '<' | '>') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn check_key(what: &str, key: &str, name: &str) -> Result<(), String> {
    if key == name {
        Ok(())
    } else {
        Err(format!("{what} listed under key {key:?} is named {name:?}"))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CommunityDoc {
    version: String,
    #[serde(default)]
    api_version: Option<String>,
    release_date: String,
    #[serde(default)]
    changelog: Option<String>,
    methods: Ordered<CommunityMethod>,
    types: Ordered<CommunityType>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CommunityMethod {
    name: String,
    href: String,
    #[serde(default)]
    description: Vec<String>,
    returns: Vec<String>,
    #[serde(default)]
    fields: Vec<RawField>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CommunityType {
    name: String,
    href: String,
    #[serde(default)]
    description: Vec<String>,
    #[serde(default)]
    fields: Vec<RawField>,
    #[serde(default)]
    subtypes: Vec<String>,
    #[serde(default)]
    #[allow(dead_code)] // The inverse of `subtypes`; unions are read from their own side.
    subtype_of: Vec<String>,
}

/// A JSON object read as a list of entries in document order (the scrape's maps are in
/// documentation order, which a sorted map would lose).
struct Ordered<T>(Vec<(String, T)>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Ordered<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Ordered<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out: Vec<(String, T)> = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, T>()? {
                    if out.iter().any(|(seen, _)| *seen == k) {
                        return Err(de::Error::custom(format!("duplicate key {k:?}")));
                    }
                    out.push((k, v));
                }
                Ok(Ordered(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_document_order_and_reads_version() {
        let text = r#"{
            "version": "Bot API 9.9", "release_date": "May 1, 2026",
            "methods": {
                "zeta": {"name": "zeta", "href": "h", "description": ["d"], "returns": ["Boolean"]},
                "alpha": {"name": "alpha", "href": "h", "returns": ["User"], "fields": [
                    {"name": "x", "types": ["Integer"], "required": true, "description": "X"}]}
            },
            "types": {"User": {"name": "User", "href": "h", "fields": []}}
        }"#;
        let api = parse_community_json(text).unwrap();
        assert_eq!(api.version, "9.9");
        assert_eq!(api.methods[0].name, "zeta");
        assert_eq!(api.methods[1].name, "alpha");
        assert_eq!(api.methods[1].fields[0].types, ["Integer"]);
    }

    #[test]
    fn plain_text_becomes_markdown() {
        assert_eq!(
            escape_markdown("Pass \"attach://<name>\", 6 * 3600 [sic]"),
            "Pass \"attach://\\<name\\>\", 6 \\* 3600 \\[sic\\]"
        );
        assert_eq!(escape_markdown("- ChatMemberOwner"), "- ChatMemberOwner");
    }

    #[test]
    fn rejects_mismatched_keys_and_unknown_keys() {
        let mismatched = r#"{"version": "Bot API 1.0", "release_date": "x",
            "methods": {"a": {"name": "b", "href": "h", "returns": []}}, "types": {}}"#;
        assert!(
            parse_community_json(mismatched)
                .unwrap_err()
                .contains("named \"b\"")
        );
        let unknown = r#"{"version": "Bot API 1.0", "release_date": "x", "methods": {},
            "types": {"T": {"name": "T", "href": "h", "colour": 1}}}"#;
        assert!(
            parse_community_json(unknown)
                .unwrap_err()
                .contains("colour")
        );
    }
}

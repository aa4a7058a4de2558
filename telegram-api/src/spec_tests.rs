//! Decoding and re-encoding every received type with every field present, and every value of
//! every enumeration. Sample values are built from `api-spec/bot-api.json`, the description the
//! types were generated from, so a type or field the generated code missed fails here.
//!
//! The table of parameters `Defaults` fill, generated for every method, is checked against the
//! parameters the description lists.
//!
//! The same samples, built with the fields an older Bot API release defines (read from its
//! community description in the shared folder `TELEGRAM_API_SHARED` names), check that what a
//! server of that release sends decodes and re-encodes unchanged.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::generated::registry::{defaultable, enum_value, round_trip};

fn spec() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../api-spec/bot-api.json");
    let text = std::fs::read_to_string(path).expect("api-spec/bot-api.json is in the repository");
    serde_json::from_str(&text).expect("valid JSON")
}

struct Samples<'a> {
    types: BTreeMap<&'a str, &'a Value>,
    enums: BTreeMap<&'a str, &'a Value>,
    /// The `types` map of an older release's community description: samples then carry the
    /// fields that release defines, and union members it has.
    release: Option<&'a Map<String, Value>>,
    counter: i64,
}

/// A field of a sample: name, whether it is required, type expression.
type SampleField = (String, bool, Value);

/// The type expression of a field the crate's description no longer has, from the scalar
/// types of a community description.
fn community_type(types: &Value) -> Value {
    let names: Vec<&str> = types
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    let kind = match names.as_slice() {
        ["Integer"] => "integer",
        ["Float"] => "float",
        ["String"] => "string",
        ["Boolean"] => "boolean",
        ["True"] => "true",
        other => panic!("no sample for a removed field of type {other:?}"),
    };
    json!({ "kind": kind })
}

impl<'a> Samples<'a> {
    fn new(spec: &'a Value) -> Self {
        let by_name = |key: &str| {
            spec[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| (t["name"].as_str().unwrap(), t))
                .collect::<BTreeMap<_, _>>()
        };
        Samples {
            types: by_name("types"),
            enums: by_name("enums"),
            release: None,
            counter: 0,
        }
    }

    /// Samples of what a server of an older release sends: `release` is the `types` map of its
    /// community description.
    fn of_release(spec: &'a Value, release: &'a Map<String, Value>) -> Self {
        Samples {
            release: Some(release),
            ..Samples::new(spec)
        }
    }

    /// Whether the release sampled has the type.
    fn exists(&self, name: &str) -> bool {
        self.release.is_none_or(|r| r.contains_key(name))
    }

    /// The fields of an object type, as the release sampled defines them; their types come
    /// from the crate's description (a field's type does not change between releases), except
    /// for fields it no longer has.
    fn fields(&self, name: &str) -> Vec<SampleField> {
        let current = self.types[name]["fields"].as_array().unwrap();
        let entry = |f: &Value| {
            (
                f["name"].as_str().unwrap().to_owned(),
                f["required"].as_bool().unwrap(),
            )
        };
        match self.release {
            None => current
                .iter()
                .map(|f| {
                    let (n, r) = entry(f);
                    (n, r, f["type"].clone())
                })
                .collect(),
            Some(release) => release[name]["fields"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|f| {
                    let (n, r) = entry(f);
                    let ty = current
                        .iter()
                        .find(|c| c["name"] == n.as_str())
                        .map(|c| c["type"].clone())
                        .unwrap_or_else(|| community_type(&f["types"]));
                    (n, r, ty)
                })
                .collect(),
        }
    }

    /// The first member of a `one_of` or `media_group` type the release sampled has.
    fn first_member(&self, ty: &'a Value) -> &'a str {
        ty["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_str().unwrap())
            .find(|m| self.exists(m))
            .unwrap()
    }

    /// The members of a union the release sampled has.
    fn members(&self, name: &str) -> Vec<&'a Value> {
        self.types[name]["members"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| {
                m["type"]["kind"] != "ref" || self.exists(m["type"]["name"].as_str().unwrap())
            })
            .collect()
    }

    fn next(&mut self) -> i64 {
        self.counter += 1;
        self.counter
    }

    /// A value of a type expression; `depth` bounds recursion through optional fields.
    fn value(&mut self, ty: &Value, depth: usize) -> Value {
        match ty["kind"].as_str().unwrap() {
            "integer" => json!(1000 + self.next()),
            "float" => json!(self.next() as f64 + 0.25),
            "boolean" | "true" | "message_or_true" => json!(true),
            "string" => json!(format!("text {}", self.next())),
            "literal" => ty["value"].clone(),
            "array" if depth > 3 => json!([]),
            "array" => json!([self.value(&ty["items"], depth + 1)]),
            "ref" => self.object(ty["name"].as_str().unwrap(), depth + 1, None),
            "enum" => self.enums[ty["name"].as_str().unwrap()]["values"][0]["value"].clone(),
            "parse_mode" => json!("HTML"),
            "chat_id" => json!(-1001234567890i64),
            "input_file" | "input_file_or_string" | "attachable" => json!("AgACAgIAAxkBAAIB"),
            "reply_markup" => self.object("InlineKeyboardMarkup", depth + 1, None),
            "media_group" => json!([self.object(self.first_member(ty), depth + 1, None)]),
            "one_of" => self.object(self.first_member(ty), depth + 1, None),
            other => panic!("no sample for kind {other}"),
        }
    }

    /// A value of a named type: objects with every field (required ones only when deep), for
    /// a union its member `member` (or its first).
    fn object(&mut self, name: &str, depth: usize, member: Option<usize>) -> Value {
        let t = self.types[name];
        match t["kind"].as_str().unwrap() {
            "object" => {
                let one_optional = t["one_optional"].as_bool().unwrap_or(false);
                let mut map = Map::new();
                let mut optional_index = 0;
                for (field, required, ty) in self.fields(name) {
                    if !required {
                        if one_optional {
                            // At most one optional field: the `member`-th.
                            let chosen = optional_index == member.unwrap_or(0);
                            optional_index += 1;
                            if !chosen {
                                continue;
                            }
                        } else if depth > 2 {
                            continue;
                        }
                    }
                    let v = self.value(&ty, depth);
                    map.insert(field, v);
                }
                Value::Object(map)
            }
            "empty" => json!({}),
            "union" => {
                let members = self.members(name);
                let by = t["discriminator"]["by"].as_str().unwrap();
                if by == "json_kind" && depth > 2 {
                    return json!("plain");
                }
                let m = members[member.unwrap_or(0)];
                match (m["type"]["kind"].as_str().unwrap(), by) {
                    ("ref", "zero_field") if member.is_none() => {
                        // The member that is not zero: a regular value.
                        let zero = t["discriminator"]["zero_member"].as_str().unwrap();
                        let other = members
                            .iter()
                            .map(|m| m["type"]["name"].as_str().unwrap())
                            .find(|n| *n != zero)
                            .unwrap();
                        self.object(other, depth, None)
                    }
                    ("ref", "zero_field") => {
                        // The member told apart by a zero field has it zero.
                        let mut v = self.object(m["type"]["name"].as_str().unwrap(), depth, None);
                        let field = t["discriminator"]["field"].as_str().unwrap();
                        if m["type"]["name"] == t["discriminator"]["zero_member"] {
                            v[field] = json!(0);
                        }
                        v
                    }
                    ("ref", _) => self.object(m["type"]["name"].as_str().unwrap(), depth, None),
                    _ => self.value(&m["type"], depth),
                }
            }
            "input_file" => json!("AgACAgIAAxkBAAIB"),
            other => panic!("{name}: no sample for kind {other}"),
        }
    }

    /// How many variants of a type need a sample of their own.
    fn variants(&self, name: &str) -> usize {
        let t = self.types[name];
        match t["kind"].as_str().unwrap() {
            "union" => self.members(name).len(),
            "object" if t["one_optional"].as_bool() == Some(true) => {
                self.fields(name).iter().filter(|(_, r, _)| !r).count()
            }
            _ => 1,
        }
    }
}

#[test]
fn every_received_type_round_trips_with_every_field() {
    let spec = spec();
    let mut samples = Samples::new(&spec);
    let names: Vec<&str> = samples.types.keys().copied().collect();
    let mut checked = 0;
    for name in names {
        let t = samples.types[name];
        if t["direction"] == "sent" || t["kind"] == "input_file" {
            continue;
        }
        for variant in 0..samples.variants(name) {
            let sample = samples.object(name, 0, Some(variant));
            let text = sample.to_string();
            let (back, debug) = round_trip(name, &text)
                .unwrap_or_else(|| panic!("{name} is not decodable"))
                .unwrap_or_else(|e| panic!("{name} does not decode {text}: {e}"));
            assert_eq!(back, sample, "{name}: re-encoding changed the value");
            // Every field was recognised: nothing fell back to the unknown-field store or to
            // an unknown union member.
            assert!(
                !debug.contains("Extra(Some"),
                "{name}: unknown field in {debug}"
            );
            assert!(
                !debug.contains("Unknown("),
                "{name}: unknown member in {debug}"
            );
            checked += 1;
        }
    }
    assert!(checked > 300, "only {checked} samples");
    eprintln!("{checked} samples decoded and re-encoded");
}

/// The older releases whose payloads the crate reads, in the shared folder.
const OLDER_RELEASES: [&str; 3] = ["9.2", "10.0", "10.1"];

/// What decoding the samples of one release gave.
#[derive(Default)]
struct ReleaseRun {
    /// Every failure, as "type: why".
    failures: Vec<String>,
    /// Object types tried, and how many of them failed.
    objects: usize,
    failed_objects: usize,
    /// Union members tried, and how many of them failed.
    members: usize,
    failed_members: usize,
}

/// Builds a sample of every received type with every field an older release defines (every
/// member of a union, every kind of an update), decodes it and re-encodes it.
fn round_trip_release(spec: &Value, release: &Map<String, Value>) -> ReleaseRun {
    let mut samples = Samples::of_release(spec, release);
    let names: Vec<&str> = samples
        .types
        .keys()
        .copied()
        .filter(|n| release.contains_key(*n))
        .collect();
    let mut run = ReleaseRun::default();
    for name in names {
        let t = samples.types[name];
        if t["direction"] == "sent" || t["kind"] == "input_file" {
            continue;
        }
        let union = t["kind"] == "union";
        let mut failed = 0;
        let variants = samples.variants(name);
        for variant in 0..variants {
            let sample = samples.object(name, 0, Some(variant));
            let text = sample.to_string();
            let failure = match round_trip(name, &text) {
                None => Some("not decodable".to_owned()),
                Some(Err(e)) => Some(format!("{e} in {text}")),
                Some(Ok((back, _))) if back != sample => {
                    Some(format!("re-encoded as {back}, sent {text}"))
                }
                Some(Ok(_)) => None,
            };
            if let Some(why) = failure {
                run.failures.push(format!("{name}: {why}"));
                failed += 1;
            }
        }
        if union {
            run.members += variants;
            run.failed_members += failed;
        } else {
            run.objects += 1;
            run.failed_objects += usize::from(failed > 0);
        }
    }
    run
}

#[test]
#[ignore = "needs ../shared (TELEGRAM_API_SHARED)"]
fn payloads_of_older_releases_round_trip() {
    let shared = std::env::var_os("TELEGRAM_API_SHARED").expect(
        "TELEGRAM_API_SHARED is not set: this test needs the shared folder of the Bot API releases (../shared)",
    );
    let spec = spec();
    let mut failures = Vec::new();
    for version in OLDER_RELEASES {
        let path = std::path::Path::new(&shared).join(format!("bot-api/api-{version}.json"));
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let description: Value = serde_json::from_str(&text).expect("valid JSON");
        let release = description["types"].as_object().expect("a types map");
        let run = round_trip_release(&spec, release);
        eprintln!(
            "Bot API {version}: {} of {} object types and {} of {} union members failed",
            run.failed_objects, run.objects, run.failed_members, run.members
        );
        assert!(run.objects > 100, "only {} object types", run.objects);
        failures.extend(
            run.failures
                .iter()
                .map(|f| format!("Bot API {version}: {f}")),
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_enumeration_value_is_known() {
    let spec = spec();
    for e in spec["enums"].as_array().unwrap() {
        let name = e["name"].as_str().unwrap();
        for v in e["values"].as_array().unwrap() {
            let value = v["value"].as_str().unwrap();
            let (wire, known) = enum_value(name, value).unwrap_or_else(|| panic!("no enum {name}"));
            assert_eq!(wire, value);
            assert!(known, "{name}: {value} is not a variant");
        }
        let (wire, known) = enum_value(name, "a value from the future").unwrap();
        assert_eq!(wire, "a value from the future");
        assert!(!known);
    }
}

#[test]
fn every_method_has_the_defaultable_parameters_the_spec_lists() {
    let spec = spec();
    let mut filled = 0;
    for m in spec["methods"].as_array().unwrap() {
        let name = m["name"].as_str().unwrap();
        let table = defaultable(name).unwrap_or_else(|| panic!("{name} has no request type"));
        let params: BTreeMap<&str, &Value> = m["params"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["name"].as_str().unwrap(), p))
            .collect();
        let has = |param: &str| params.contains_key(param);
        assert_eq!(table.parse_mode.is_some(), has("parse_mode"), "{name}");
        assert_eq!(
            table.disable_notification,
            has("disable_notification"),
            "{name}"
        );
        assert_eq!(table.protect_content, has("protect_content"), "{name}");
        assert_eq!(
            table.link_preview_options,
            has("link_preview_options"),
            "{name}"
        );
        // The parameter that rules out the default parse mode is the one the description says
        // is given instead of it.
        let instead: Vec<&str> = params
            .iter()
            .filter(|(_, p)| {
                p["description"]
                    .as_str()
                    .unwrap()
                    .contains("instead of parse_mode")
            })
            .map(|(n, _)| *n)
            .collect();
        assert_eq!(
            table.parse_mode.into_iter().collect::<Vec<_>>(),
            instead,
            "{name}"
        );
        if let Some(entities) = table.parse_mode {
            assert_eq!(
                params[entities]["type"],
                json!({"kind": "array", "items": {"kind": "ref", "name": "MessageEntity"}}),
                "{name}.{entities}"
            );
        }
        filled += usize::from(table != crate::model::Defaultable::NONE);
    }
    assert!(defaultable("noSuchMethod").is_none());
    assert!(filled >= 30, "only {filled} methods take a default");
    eprintln!("{filled} methods take a default");
}

//! Decoding and re-encoding every received type with every field present, and every value of
//! every enumeration. Sample values are built from `api-spec/bot-api.json`, the description the
//! types were generated from, so a type or field the generated code missed fails here.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::generated::registry::{enum_value, round_trip};

fn spec() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../api-spec/bot-api.json");
    let text = std::fs::read_to_string(path).expect("api-spec/bot-api.json is in the repository");
    serde_json::from_str(&text).expect("valid JSON")
}

struct Samples<'a> {
    types: BTreeMap<&'a str, &'a Value>,
    enums: BTreeMap<&'a str, &'a Value>,
    counter: i64,
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
            counter: 0,
        }
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
            "media_group" => {
                json!([self.object(ty["members"][0].as_str().unwrap(), depth + 1, None)])
            }
            "one_of" => self.object(ty["members"][0].as_str().unwrap(), depth + 1, None),
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
                for f in t["fields"].as_array().unwrap() {
                    let required = f["required"].as_bool().unwrap();
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
                    let v = self.value(&f["type"], depth);
                    map.insert(f["name"].as_str().unwrap().to_owned(), v);
                }
                Value::Object(map)
            }
            "empty" => json!({}),
            "union" => {
                let members = t["members"].as_array().unwrap();
                let by = t["discriminator"]["by"].as_str().unwrap();
                if by == "json_kind" && depth > 2 {
                    return json!("plain");
                }
                let m = &members[member.unwrap_or(0)];
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
            "union" => t["members"].as_array().unwrap().len(),
            "object" if t["one_optional"].as_bool() == Some(true) => t["fields"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| !f["required"].as_bool().unwrap())
                .count(),
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

//! [`Anonymizer`]: keeps the bot token and the people of a recording out of the fixtures.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde_derive::{Deserialize, Serialize};
use serde_json::Value;

/// Fields whose integer values identify a user or a chat.
pub const ID_FIELDS: &[&str] = &[
    "id",
    "user_id",
    "chat_id",
    "sender_chat_id",
    "from_chat_id",
    "linked_chat_id",
    "migrate_to_chat_id",
    "migrate_from_chat_id",
];

/// Fields whose string values name a person or say how to reach them.
pub const PERSON_FIELDS: &[&str] = &[
    "first_name",
    "last_name",
    "username",
    "phone_number",
    "email",
];

/// Integers under [`ID_FIELDS`] smaller than this (in absolute value) are not identifiers of
/// people (a story's `id`, say) and are kept unless the mapping names them.
pub const MIN_AUTO_ID: i64 = 100_000;

/// What the bot token becomes in recorded text.
pub const TOKEN_REPLACEMENT: &str = "<token>";

/// The mapping from real values to fixture values, as kept in the anonymizer file.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// Real user and chat ids (decimal text) and the ids the fixtures use instead.
    #[serde(default)]
    pub ids: BTreeMap<String, i64>,
    /// Real names, usernames, phone numbers, e-mail addresses (any whole string) and the
    /// strings the fixtures use instead.
    #[serde(default)]
    pub strings: BTreeMap<String, String>,
}

/// Replaces the values that identify real people in what a recording writes, and the other way
/// round in what it sends, so that tests written against fixture values run against a real bot.
///
/// The rules, applied to every response body before it is written to a fixture or returned to
/// the test:
///
/// 1. The bot token is replaced by `<token>` wherever it occurs (request paths are never
///    written: a fixture names the method only).
/// 2. An integer under one of [`ID_FIELDS`] (`id`, `user_id`, `chat_id`, ...) is replaced by the
///    fixture id the mapping gives; one the mapping does not know, if at least [`MIN_AUTO_ID`]
///    in absolute value, gets a new fixture id (`2000000001`, `2000000002`... for users, the
///    same under `-1002…` for supergroups and channels and `-2…` for basic groups), which is
///    added to the mapping.
/// 3. A string equal to a real string of the mapping, wherever it is, is replaced by its fixture
///    string; one under [`PERSON_FIELDS`] (`first_name`, `last_name`, `username`,
///    `phone_number`, `email`) that the mapping does not know gets a new fixture string
///    (`Person3`, `Surname4`, `user5`, `+15550000006`, `person7@example.com`), which is added.
///    Longer texts (a message's `text`) are not searched: map such strings explicitly.
///
/// Only these scalar values change; the rest of the body (field order, spacing, escapes) stays
/// exactly as received.
///
/// Requests go the other way: before a recorded request is forwarded, integers under
/// [`ID_FIELDS`] and whole strings that are fixture values of the mapping are replaced by their
/// real values. So a test that sends to the fixture's chat `1234567890` reaches the real chat
/// that the mapping maps to `1234567890`, and ids the test read from earlier (anonymized)
/// responses reach the right chats.
///
/// The mapping lives in a JSON file ([`Mapping`]: `{"ids": {"<real id>": <fixture id>},
/// "strings": {"<real>": "<fixture>"}}`), by default `target/telegram-anonymizer.json`, never
/// committed. Write the entries the fixtures expect before recording (your own account to
/// `1234567890` and `John`, your bot to `987654321`, `Hello Bot` and `hello_bot`); recording adds
/// the rest.
#[derive(Debug)]
pub struct Anonymizer {
    token: String,
    mapping: Mutex<Mapping>,
    path: Option<PathBuf>,
}

impl Anonymizer {
    /// An anonymizer for recordings made with `token`, starting from `mapping`.
    pub fn new(token: impl Into<String>, mapping: Mapping) -> Anonymizer {
        Anonymizer {
            token: token.into(),
            mapping: Mutex::new(mapping),
            path: None,
        }
    }

    /// An anonymizer whose mapping is read from `path` (when it exists) and written back to it
    /// by [`save`](Self::save).
    pub fn from_file(token: impl Into<String>, path: impl Into<PathBuf>) -> Anonymizer {
        let path = path.into();
        let mapping = match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("anonymizer mapping {}: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Mapping::default(),
            Err(e) => panic!("cannot read {}: {e}", path.display()),
        };
        Anonymizer {
            path: Some(path),
            ..Anonymizer::new(token, mapping)
        }
    }

    /// The mapping as it stands.
    pub fn mapping(&self) -> Mapping {
        self.mapping.lock().unwrap().clone()
    }

    /// Where the mapping is kept.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Writes the mapping back to its file.
    pub fn save(&self) {
        let Some(path) = &self.path else { return };
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let text = serde_json::to_string_pretty(&self.mapping()).expect("a mapping serializes");
        std::fs::write(path, text + "\n")
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }

    /// `text` without the token.
    pub fn remove_token(&self, text: &str) -> String {
        if self.token.is_empty() {
            text.to_owned()
        } else {
            text.replace(&self.token, TOKEN_REPLACEMENT)
        }
    }

    /// A received body with the token removed and people replaced (rules 1 to 3). Text that is
    /// not JSON only loses the token.
    pub fn anonymize_body(&self, text: &str) -> String {
        let text = self.remove_token(text);
        let mut mapping = self.mapping.lock().unwrap();
        rewrite_scalars(&text, |key, scalar| match scalar {
            Scalar::Number(raw) => {
                let id: i64 = raw.parse().ok()?;
                if !key.is_some_and(|k| ID_FIELDS.contains(&k)) {
                    return None;
                }
                mapping.fixture_id(id).map(|f| f.to_string())
            }
            Scalar::String(s) => {
                let replaced = mapping.fixture_string(key, &s)?;
                Some(serde_json::to_string(&replaced).expect("a string serializes"))
            }
        })
        .unwrap_or(text)
    }

    /// A request's JSON parameters with fixture values replaced by real ones.
    pub fn to_real(&self, value: &mut Value) {
        let mapping = self.mapping.lock().unwrap();
        to_real(&mapping, None, value);
    }

    /// A form field's text with fixture values replaced by real ones: JSON objects and arrays
    /// inside, an id when the field is one of [`ID_FIELDS`], or the whole text.
    pub fn field_to_real(&self, name: &str, text: &str) -> String {
        match serde_json::from_str::<Value>(text) {
            Ok(mut v @ (Value::Object(_) | Value::Array(_) | Value::Number(_))) => {
                let mapping = self.mapping.lock().unwrap();
                to_real(&mapping, Some(name), &mut v);
                v.to_string()
            }
            _ => {
                let mapping = self.mapping.lock().unwrap();
                mapping
                    .strings
                    .iter()
                    .find(|(_, fixture)| *fixture == text)
                    .map(|(real, _)| real.clone())
                    .unwrap_or_else(|| text.to_owned())
            }
        }
    }
}

impl Mapping {
    /// The fixture id for a real id under an id field, assigning one when needed.
    fn fixture_id(&mut self, real: i64) -> Option<i64> {
        if let Some(&f) = self.ids.get(&real.to_string()) {
            return Some(f);
        }
        if real.abs() < MIN_AUTO_ID {
            return None;
        }
        let n = self.ids.len() as i64 + 1;
        let fixture = if real > 0 {
            2_000_000_000 + n
        } else if real <= -1_000_000_000_000 {
            -1_002_000_000_000 - n
        } else {
            -200_000_000 - n
        };
        self.ids.insert(real.to_string(), fixture);
        Some(fixture)
    }

    /// The fixture string for a real string, assigning one under a person field.
    fn fixture_string(&mut self, key: Option<&str>, real: &str) -> Option<String> {
        if let Some(f) = self.strings.get(real) {
            return Some(f.clone());
        }
        let key = key.filter(|k| PERSON_FIELDS.contains(k))?;
        if real.is_empty() || self.strings.values().any(|f| f == real) {
            // Already a fixture value (a second recording of anonymized data).
            return None;
        }
        let n = self.strings.len() + 1;
        let fixture = match key {
            "first_name" => format!("Person{n}"),
            "last_name" => format!("Surname{n}"),
            "username" => format!("user{n}"),
            "phone_number" => format!("+1555{n:07}"),
            _ => format!("person{n}@example.com"),
        };
        self.strings.insert(real.to_owned(), fixture.clone());
        Some(fixture)
    }
}

fn to_real(mapping: &Mapping, key: Option<&str>, value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                to_real(mapping, Some(k), v);
            }
        }
        Value::Array(items) => {
            for v in items {
                to_real(mapping, key, v);
            }
        }
        Value::Number(n) if key.is_some_and(|k| ID_FIELDS.contains(&k)) => {
            if let Some(id) = n.as_i64()
                && let Some((real, _)) = mapping.ids.iter().find(|(_, f)| **f == id)
                && let Ok(real) = real.parse::<i64>()
            {
                *value = Value::from(real);
            }
        }
        Value::String(s) => {
            if let Some((real, _)) = mapping.strings.iter().find(|(_, f)| *f == s) {
                *s = real.clone();
            }
        }
        _ => {}
    }
}

/// A scalar met by [`rewrite_scalars`].
enum Scalar<'a> {
    /// A number, as written.
    Number(&'a str),
    /// A string, decoded.
    String(String),
}

/// Walks JSON text and lets `f` replace string and number values (given the key of the member
/// they are the value of, or of the array holding them), copying everything else byte for byte.
/// `None` when the text is not JSON.
fn rewrite_scalars(
    text: &str,
    mut f: impl FnMut(Option<&str>, Scalar<'_>) -> Option<String>,
) -> Option<String> {
    serde_json::from_str::<serde::de::IgnoredAny>(text).ok()?;
    // Each open container: whether it is an object, whether a key comes next, and the key of
    // the member being read (for an array: the key it is the value of).
    struct Frame {
        object: bool,
        expect_key: bool,
        key: Option<String>,
    }
    let bytes = text.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'{' | b'[' => {
                let key = stack.last().and_then(|f| f.key.clone());
                stack.push(Frame {
                    object: c == b'{',
                    expect_key: c == b'{',
                    key,
                });
                out.push(c as char);
                i += 1;
            }
            b'}' | b']' => {
                stack.pop();
                out.push(c as char);
                i += 1;
            }
            b',' => {
                if let Some(top) = stack.last_mut()
                    && top.object
                {
                    top.expect_key = true;
                }
                out.push(',');
                i += 1;
            }
            b':' => {
                if let Some(top) = stack.last_mut() {
                    top.expect_key = false;
                }
                out.push(':');
                i += 1;
            }
            b'"' => {
                let start = i;
                i += 1;
                while bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                let raw = &text[start..i];
                let decoded: String = serde_json::from_str(raw).ok()?;
                match stack.last_mut() {
                    Some(top) if top.object && top.expect_key => {
                        top.key = Some(decoded);
                        out.push_str(raw);
                    }
                    top => {
                        let key = top.and_then(|t| t.key.as_deref());
                        match f(key, Scalar::String(decoded)) {
                            Some(new) => out.push_str(&new),
                            None => out.push_str(raw),
                        }
                    }
                }
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                while i < bytes.len()
                    && matches!(bytes[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                {
                    i += 1;
                }
                let raw = &text[start..i];
                let key = stack.last().and_then(|t| t.key.as_deref());
                match f(key, Scalar::Number(raw)) {
                    Some(new) => out.push_str(&new),
                    None => out.push_str(raw),
                }
            }
            _ => {
                // Whitespace and the letters of true, false and null; multi-byte characters
                // occur only inside strings.
                out.push(c as char);
                i += 1;
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_only_the_mapped_scalars_and_keeps_the_rest() {
        let a = Anonymizer::new(
            "555:SECRET",
            Mapping {
                ids: [("777000111".to_owned(), 1234567890)].into(),
                strings: [("Realname".to_owned(), "John".to_owned())].into(),
            },
        );
        let body = "{\"ok\":true, \"result\": {\"id\": 777000111, \"first_name\": \"Realname\", \
                    \"last_name\": \"Kr\\u00fcger\", \"text\": \"Realname, hi \\u263a\", \
                    \"date\": 777000111, \"url\": \"https://x/bot555:SECRET/y\", \
                    \"users\": [{\"id\": 5}, {\"id\": 4444444444}], \"n\": [1.5e3, -2]}}";
        let out = a.anonymize_body(body);
        assert_eq!(
            out,
            "{\"ok\":true, \"result\": {\"id\": 1234567890, \"first_name\": \"John\", \
             \"last_name\": \"Surname2\", \"text\": \"Realname, hi \\u263a\", \
             \"date\": 777000111, \"url\": \"https://x/bot<token>/y\", \
             \"users\": [{\"id\": 5}, {\"id\": 2000000002}], \"n\": [1.5e3, -2]}}"
        );
        let m = a.mapping();
        assert_eq!(m.strings["Krüger"], "Surname2");
        assert_eq!(m.ids["4444444444"], 2000000002);

        let mut request = serde_json::json!({"chat_id": 1234567890, "text": "John",
            "reply_parameters": {"message_id": 1234567890, "chat_id": 2000000002}});
        a.to_real(&mut request);
        assert_eq!(
            request,
            serde_json::json!({"chat_id": 777000111, "text": "Realname",
                "reply_parameters": {"message_id": 1234567890, "chat_id": 4444444444i64}})
        );
        assert_eq!(a.field_to_real("chat_id", "1234567890"), "777000111");
        assert_eq!(a.field_to_real("caption", "John"), "Realname");
        assert_eq!(a.field_to_real("caption", "Johnny"), "Johnny");
    }

    #[test]
    fn channels_and_groups_keep_their_shape_and_other_text_only_loses_the_token() {
        let a = Anonymizer::new("9:T", Mapping::default());
        let out = a.anonymize_body(r#"[{"chat_id":-1001234567890},{"chat_id":-4567890}]"#);
        assert_eq!(
            out,
            r#"[{"chat_id":-1002000000001},{"chat_id":-200000002}]"#
        );
        assert_eq!(a.anonymize_body("<html>9:T</html>"), "<html><token></html>");
    }
}

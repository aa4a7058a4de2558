//! Reading a received request into its recorded form, and comparing the two.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{FilePart, Multipart, RecordedRequest};
use crate::http::Request;

/// A received request in the recorded form: method (or download path) from the URL, the media
/// type, and the parameters. The token in the URL is not kept.
///
/// Multipart fields whose text is a JSON number, boolean, object or array are kept as that JSON
/// value, any other text as a string; uploads are kept as file name, size and SHA-256.
pub fn observe(request: &Request) -> Result<RecordedRequest, String> {
    let path = request.path.split('?').next().unwrap_or(&request.path);
    let mut recorded = RecordedRequest {
        http_method: request.method.clone(),
        ..RecordedRequest::default()
    };
    // What follows the token, without the test environment's `test/` (which is noted).
    let mut after_token = |rest: &str| -> Result<String, String> {
        let (token, rest) = rest.split_once('/').unwrap_or((rest, ""));
        if token.is_empty() || rest.is_empty() {
            return Err(format!("the path {path:?} is not /bot<token>/<method>"));
        }
        Ok(match rest.strip_prefix("test/") {
            Some(r) => {
                recorded.test_environment = true;
                r.to_owned()
            }
            None => rest.to_owned(),
        })
    };
    if let Some(rest) = path.strip_prefix("/file/bot") {
        let rest = after_token(rest)?;
        recorded.download = Some(rest);
    } else if let Some(rest) = path.strip_prefix("/bot") {
        let rest = after_token(rest)?;
        if rest.contains('/') {
            return Err(format!("the path {path:?} is not /bot<token>/<method>"));
        }
        recorded.method = Some(rest);
    } else {
        return Err(format!(
            "the path {path:?} is neither a Bot API call nor a download"
        ));
    }
    match request.media_type() {
        None if request.body.is_empty() => {}
        None => return Err("a body without a content type".into()),
        Some("application/json") => {
            recorded.content_type = Some("application/json".into());
            recorded.json = Some(
                serde_json::from_slice(&request.body)
                    .map_err(|e| format!("the application/json body is not JSON: {e}"))?,
            );
        }
        Some("multipart/form-data") => {
            recorded.content_type = Some("multipart/form-data".into());
            let mut multipart = Multipart::default();
            for part in request.multipart() {
                let duplicate = match &part.filename {
                    Some(filename) => multipart
                        .files
                        .insert(
                            part.name.clone(),
                            FilePart::of(filename.clone(), &part.body),
                        )
                        .is_some(),
                    None => multipart
                        .fields
                        .insert(part.name.clone(), field_value(&part.body))
                        .is_some(),
                };
                if duplicate
                    || (multipart.files.contains_key(&part.name)
                        && multipart.fields.contains_key(&part.name))
                {
                    return Err(format!(
                        "the multipart body has two parts named {:?}",
                        part.name
                    ));
                }
            }
            recorded.multipart = Some(multipart);
        }
        Some(other) => {
            recorded.content_type = Some(other.to_owned());
            return Err(format!("unexpected content type {other}"));
        }
    }
    Ok(recorded)
}

/// A form field as recorded: JSON numbers, booleans, objects and arrays as JSON, any other text
/// as a string.
fn field_value(bytes: &[u8]) -> Value {
    let text = String::from_utf8_lossy(bytes).into_owned();
    match serde_json::from_str::<Value>(&text) {
        Ok(v @ (Value::Number(_) | Value::Bool(_) | Value::Object(_) | Value::Array(_))) => v,
        _ => Value::String(text),
    }
}

/// How `got` differs from `expected`, one line per difference (empty when they match).
pub(super) fn differences(expected: &RecordedRequest, got: &RecordedRequest) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = |what: &str, e: String, g: String| {
        if e != g {
            out.push(format!("{what}: expected {e}, got {g}"));
        }
    };
    field("target", expected.target(), got.target());
    field(
        "test environment",
        expected.test_environment.to_string(),
        got.test_environment.to_string(),
    );
    field(
        "HTTP method",
        expected.http_method.clone(),
        got.http_method.clone(),
    );
    let ct = |r: &RecordedRequest| r.content_type.clone().unwrap_or_else(|| "(none)".into());
    field("content type", ct(expected), ct(got));
    if !out.is_empty() {
        return out;
    }
    if let (Some(e), Some(g)) = (&expected.json, &got.json) {
        out.extend(json_differences(e, g));
    }
    if let (Some(e), Some(g)) = (&expected.multipart, &got.multipart) {
        out.extend(multipart_differences(e, g));
    }
    out
}

fn multipart_differences(expected: &Multipart, got: &Multipart) -> Vec<String> {
    let mut out = Vec::new();
    let names: BTreeSet<&String> = expected.fields.keys().chain(got.fields.keys()).collect();
    for name in names {
        match (expected.fields.get(name), got.fields.get(name)) {
            (Some(e), None) => out.push(format!("field {name:?}: missing (expected {e})")),
            (None, Some(g)) => out.push(format!("field {name:?}: unexpected, {g}")),
            (Some(e), Some(g)) => {
                for d in field_differences(e, g) {
                    out.push(format!("field {name:?}{d}"));
                }
            }
            (None, None) => {}
        }
    }
    let names: BTreeSet<&String> = expected.files.keys().chain(got.files.keys()).collect();
    for name in names {
        let show = |f: &FilePart| {
            format!(
                "{:?} ({} bytes, sha256 {})",
                f.filename,
                f.size,
                &f.sha256[..f.sha256.len().min(16)]
            )
        };
        match (expected.files.get(name), got.files.get(name)) {
            (Some(e), None) => out.push(format!("file {name:?}: missing (expected {})", show(e))),
            (None, Some(g)) => out.push(format!("file {name:?}: unexpected, {}", show(g))),
            (Some(e), Some(g)) if e != g => out.push(format!(
                "file {name:?}: expected {}, got {}",
                show(e),
                show(g)
            )),
            _ => {}
        }
    }
    out
}

/// Compares a recorded form field with a received one: a recorded string is the exact text,
/// anything else the JSON value of the text.
fn field_differences(expected: &Value, got: &Value) -> Vec<String> {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match expected {
        Value::String(e) => {
            let g = text(got);
            if *e == g {
                Vec::new()
            } else {
                vec![format!(": expected the text {e:?}, got {g:?}")]
            }
        }
        _ => {
            let g = match got {
                Value::String(s) => match serde_json::from_str::<Value>(s) {
                    Ok(v) => v,
                    Err(_) => {
                        return vec![format!(
                            ": expected the JSON {expected}, got the text {s:?}"
                        )];
                    }
                },
                other => other.clone(),
            };
            json_differences(expected, &g)
                .into_iter()
                .map(|d| format!(" at {d}"))
                .collect()
        }
    }
}

/// The differences between two JSON values, each as `<JSON pointer>: ...`, in document order.
/// Objects are compared by key (order does not matter), arrays by position, numbers by value
/// (`1` equals `1.0`).
pub fn json_differences(expected: &Value, got: &Value) -> Vec<String> {
    let mut out = Vec::new();
    diff(expected, got, &mut String::new(), &mut out);
    out
}

/// Compares the member `segment` (an object key or array index) of two values, either of
/// which may lack it.
fn member(
    segment: &str,
    expected: Option<&Value>,
    got: Option<&Value>,
    pointer: &mut String,
    out: &mut Vec<String>,
) {
    let len = pointer.len();
    pointer.push('/');
    pointer.push_str(segment);
    match (expected, got) {
        (Some(ev), Some(gv)) => diff(ev, gv, pointer, out),
        (Some(ev), None) => out.push(format!("{pointer}: missing (expected {ev})")),
        (None, Some(gv)) => out.push(format!("{pointer}: unexpected {gv}")),
        (None, None) => {}
    }
    pointer.truncate(len);
}

fn diff(expected: &Value, got: &Value, pointer: &mut String, out: &mut Vec<String>) {
    let here = |p: &String| {
        if p.is_empty() {
            "/".to_owned()
        } else {
            p.clone()
        }
    };
    match (expected, got) {
        (Value::Object(e), Value::Object(g)) => {
            let keys: BTreeSet<&String> = e.keys().chain(g.keys()).collect();
            for key in keys {
                let segment = key.replace('~', "~0").replace('/', "~1");
                member(&segment, e.get(key), g.get(key), pointer, out);
            }
        }
        (Value::Array(e), Value::Array(g)) => {
            for i in 0..e.len().max(g.len()) {
                member(&i.to_string(), e.get(i), g.get(i), pointer, out);
            }
        }
        (Value::Number(e), Value::Number(g)) => {
            let int = |n: &serde_json::Number| {
                n.as_i64()
                    .map(i128::from)
                    .or_else(|| n.as_u64().map(i128::from))
            };
            let same = match (int(e), int(g)) {
                (Some(a), Some(b)) => a == b,
                _ => e.as_f64() == g.as_f64(),
            };
            if !same {
                out.push(format!("{}: expected {e}, got {g}", here(pointer)));
            }
        }
        (e, g) if e == g => {}
        (e, g) => out.push(format!("{}: expected {e}, got {g}", here(pointer))),
    }
}

/// A request for a report: target, then the parameters as indented JSON.
pub(super) fn show_request(r: &RecordedRequest) -> String {
    let mut out = format!(
        "{} {}{}",
        r.http_method,
        r.target(),
        r.content_type
            .as_deref()
            .map(|c| format!(" ({c})"))
            .unwrap_or_default()
    );
    if let Some(json) = &r.json {
        out.push('\n');
        out.push_str(&serde_json::to_string_pretty(json).unwrap_or_default());
    }
    if let Some(m) = &r.multipart {
        out.push('\n');
        out.push_str(&serde_json::to_string_pretty(m).unwrap_or_default());
    }
    out
}

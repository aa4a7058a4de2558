//! Request bodies: `application/json` without uploads, streamed `multipart/form-data` with them.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Cursor, Read};
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Map, Value};

use crate::model::Token;
use crate::model::input_file::uploads;
use crate::{Defaults, Error, InputFile, Method};

/// An encoded request body.
pub(crate) enum Body {
    /// `application/json`.
    Json(Vec<u8>),
    /// `multipart/form-data`, read part by part as it is sent.
    Multipart(Multipart),
}

/// A multipart body: the content type (with its boundary), the reader producing it, and its
/// length when every upload's length is known.
pub(crate) struct Multipart {
    pub content_type: String,
    pub reader: Parts,
    pub len: Option<u64>,
    /// Whether every upload can be read again.
    pub rebuildable: bool,
}

impl Body {
    /// Whether encoding the request again gives the same body (false when an upload comes from
    /// a reader, which the first attempt uses up).
    pub(crate) fn rebuildable(&self) -> bool {
        match self {
            Body::Json(_) => true,
            Body::Multipart(m) => m.rebuildable,
        }
    }
}

/// Encodes a request: as JSON when it carries no upload, as multipart when it does; with the
/// `defaults` it does not set added.
pub(crate) fn encode<M: Method>(request: &M, defaults: Option<&Defaults>) -> Result<Body, Error> {
    let (json, files) = uploads::collect(|| serde_json::to_vec(request));
    let mut json =
        json.map_err(|e| Error::Config(format!("{}: cannot encode the request: {e}", M::NAME)))?;
    let defaults = defaults.filter(|d| d.apply_to(&M::defaultable(Token)));
    let defaults_error =
        |e| Error::Config(format!("{}: cannot add the bot's defaults: {e}", M::NAME));
    if files.is_empty() {
        if let Some(defaults) = defaults {
            defaults
                .add_to_json(&M::defaultable(Token), &mut json)
                .map_err(defaults_error)?;
        }
        return Ok(Body::Json(json));
    }
    let mut fields: Map<String, Value> = serde_json::from_slice(&json)
        .map_err(|e| Error::Config(format!("{}: the request is not an object: {e}", M::NAME)))?;
    if let Some(defaults) = defaults {
        defaults
            .add_to_fields(&M::defaultable(Token), &mut fields)
            .map_err(defaults_error)?;
    }
    multipart(fields, files, M::file_params(Token)).map(Body::Multipart)
}

/// A file uploaded with a request, read in full: for `telegram_api::testing`.
#[cfg(feature = "testing")]
pub(crate) struct Upload {
    /// The name the request's `attach://` reference gives it (`file0`, ...).
    pub name: String,
    /// The file name given with it.
    pub file_name: Option<String>,
    /// The contents.
    pub bytes: Vec<u8>,
}

/// A request's parameters as JSON values, with the `defaults` it does not set added, and its
/// uploads read in full, referred to from the parameters as `attach://<name>`: what the fake
/// Bot API of `telegram_api::testing` is handed instead of a body.
#[cfg(feature = "testing")]
pub(crate) fn fields<M: Method>(
    request: &M,
    defaults: Option<&Defaults>,
) -> Result<(Map<String, Value>, Vec<Upload>), Error> {
    let (json, files) = uploads::collect(|| serde_json::to_vec(request));
    let json =
        json.map_err(|e| Error::Config(format!("{}: cannot encode the request: {e}", M::NAME)))?;
    let mut fields: Map<String, Value> = serde_json::from_slice(&json)
        .map_err(|e| Error::Config(format!("{}: the request is not an object: {e}", M::NAME)))?;
    if let Some(defaults) = defaults.filter(|d| d.apply_to(&M::defaultable(Token))) {
        defaults
            .add_to_fields(&M::defaultable(Token), &mut fields)
            .map_err(|e| {
                Error::Config(format!("{}: cannot add the bot's defaults: {e}", M::NAME))
            })?;
    }
    let mut uploads = Vec::with_capacity(files.len());
    for (index, file) in files.iter().enumerate() {
        let file_name = file.file_name();
        let mut bytes = Vec::new();
        file.open()
            .and_then(|(mut reader, _)| reader.read_to_end(&mut bytes))
            .map_err(|source| Error::Io {
                context: format!(
                    "cannot read the upload {:?}",
                    file_name.clone().unwrap_or_default()
                ),
                source,
            })?;
        uploads.push(Upload {
            name: uploads::part_name(index),
            file_name,
            bytes,
        });
    }
    Ok((fields, uploads))
}

/// Builds the parts: each parameter as a field (objects and arrays as JSON text), an upload
/// passed directly as one of the `file_params` under the parameter's name, and every nested
/// upload under the name its `attach://` reference gives.
pub(crate) fn multipart(
    fields: Map<String, Value>,
    files: Vec<InputFile>,
    file_params: &[&str],
) -> Result<Multipart, Error> {
    let boundary = boundary();
    let mut files: Vec<Option<InputFile>> = files.into_iter().map(Some).collect();
    let mut parts = Parts::default();
    let mut len = Some(0u64);
    let rebuildable = files.iter().flatten().all(InputFile::is_rebuildable);
    let add_file = |parts: &mut Parts,
                    len: &mut Option<u64>,
                    name: &str,
                    file: &InputFile|
     -> Result<(), Error> {
        let file_name = file.file_name().unwrap_or_default();
        let (reader, size) = file.open().map_err(|source| Error::Io {
            context: format!("cannot read the upload {file_name:?}"),
            source,
        })?;
        // A source that ends before (or runs past) the length announced is an error, not a
        // body shorter than its Content-Length, on which the send would wait forever.
        let reader: Box<dyn Read + Send> = match size {
            Some(size) => Box::new(Exact::new(reader, size)),
            None => reader,
        };
        parts.push_bytes(format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
            quote(name),
            quote(&file_name)
        ));
        parts.push_reader(reader);
        parts.push_bytes("\r\n".to_owned());
        *len = match (*len, size) {
            (Some(l), Some(s)) => l.checked_add(s),
            _ => None,
        };
        Ok(())
    };
    for (name, value) in fields {
        // An upload passed as a file parameter itself goes under the parameter's name; any
        // other text, whatever it reads, is text.
        if let Value::String(s) = &value
            && file_params.contains(&name.as_str())
            && let Some(index) = attached_index(s)
            && let Some(file) = files.get_mut(index).and_then(Option::take)
        {
            add_file(&mut parts, &mut len, &name, &file)?;
            continue;
        }
        let text = match value {
            Value::String(s) => s,
            other => other.to_string(),
        };
        parts.push_bytes(format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"\r\n\r\n{text}\r\n",
            quote(&name)
        ));
    }
    for (index, file) in files.into_iter().enumerate() {
        if let Some(file) = file {
            add_file(&mut parts, &mut len, &uploads::part_name(index), &file)?;
        }
    }
    parts.push_bytes(format!("--{boundary}--\r\n"));
    let len = len.and_then(|l| l.checked_add(parts.bytes_len));
    Ok(Multipart {
        content_type: format!("multipart/form-data; boundary={boundary}"),
        reader: parts,
        len,
        rebuildable,
    })
}

/// Why an upload's source failed: it changed size while it was sent.
#[derive(Debug)]
struct SourceChanged(&'static str);

impl std::fmt::Display for SourceChanged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for SourceChanged {}

/// Whether `e` says an upload's source changed size while it was sent.
pub(crate) fn is_source_change(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<SourceChanged>())
}

/// A reader that yields exactly `remaining` bytes of `inner`, or fails.
struct Exact<R> {
    inner: R,
    remaining: u64,
}

impl<R: Read> Exact<R> {
    fn new(inner: R, len: u64) -> Self {
        Exact {
            inner,
            remaining: len,
        }
    }
}

impl<R: Read> Read for Exact<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.remaining == 0 {
            // One byte more than announced would be sent as the next part's start.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    SourceChanged("the upload's source grew while it was sent"),
                )),
            };
        }
        let want = buf
            .len()
            .min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                SourceChanged("the upload's source ended early (it shrank while it was sent)"),
            ));
        }
        self.remaining = self.remaining.saturating_sub(n as u64);
        Ok(n)
    }
}

/// The index of an upload reference written by the serializer (`attach://file3` is 3).
fn attached_index(s: &str) -> Option<usize> {
    let index = s.strip_prefix("attach://")?.strip_prefix("file")?;
    if index.is_empty() || !index.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let i: usize = index.parse().ok()?;
    (uploads::part_name(i) == s["attach://".len()..]).then_some(i)
}

/// A form-data name or file name as a quoted-string: quotes and line breaks escaped.
fn quote(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A boundary that does not occur in the body: random, from the standard library's hasher
/// keys and a counter.
fn boundary() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    let a = h.finish();
    h.write_u64(a);
    format!("telegram-api-{a:016x}{:016x}", h.finish())
}

/// The parts of a multipart body, read one after the other.
#[derive(Default)]
pub(crate) struct Parts {
    segments: std::collections::VecDeque<Box<dyn Read + Send>>,
    bytes_len: u64,
}

impl Parts {
    fn push_bytes(&mut self, text: String) {
        self.bytes_len += text.len() as u64;
        self.segments
            .push_back(Box::new(Cursor::new(text.into_bytes())));
    }

    fn push_reader(&mut self, reader: Box<dyn Read + Send>) {
        self.segments.push_back(reader);
    }
}

impl Read for Parts {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while let Some(front) = self.segments.front_mut() {
            let n = front.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            self.segments.pop_front();
        }
        Ok(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(m: Multipart) -> String {
        let mut reader = m.reader;
        let mut out = Vec::new();
        reader.read_to_end(&mut out).unwrap();
        assert_eq!(m.len, Some(out.len() as u64), "declared length");
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn direct_and_nested_uploads() {
        let fields: Map<String, Value> = serde_json::from_str(
            r#"{"chat_id": 42, "photo": "attach://file0", "caption": "a \"cat\"",
                "media": [{"type": "photo", "media": "attach://file1"}]}"#,
        )
        .unwrap();
        let files = vec![
            InputFile::bytes("cat.jpg", b"JPEGDATA".to_vec()),
            InputFile::bytes("dog\".png", b"PNG".to_vec()),
        ];
        let m = multipart(fields, files, &["photo"]).unwrap();
        let boundary = m.content_type.split("boundary=").nth(1).unwrap().to_owned();
        let text = body(m);
        let b = format!("--{boundary}");
        assert!(text.contains(&format!(
            "{b}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"cat.jpg\"\r\nContent-Type: application/octet-stream\r\n\r\nJPEGDATA\r\n"
        )));
        assert!(text.contains(&format!(
            "{b}\r\nContent-Disposition: form-data; name=\"file1\"; filename=\"dog%22.png\"\r\nContent-Type: application/octet-stream\r\n\r\nPNG\r\n"
        )));
        assert!(text.contains("name=\"chat_id\"\r\n\r\n42\r\n"));
        assert!(text.contains("name=\"caption\"\r\n\r\na \"cat\"\r\n"));
        assert!(
            text.contains(
                r#"name="media"

[{"media":"attach://file1","type":"photo"}]"#
                    .replace('\n', "\r\n")
                    .as_str()
            )
        );
        assert!(text.ends_with(&format!("{b}--\r\n")));
        assert!(
            !text.contains("name=\"file0\""),
            "the direct upload is not repeated"
        );
    }

    #[test]
    fn unknown_length_for_readers() {
        let fields = Map::new();
        let m = multipart(
            fields,
            vec![InputFile::reader("a.bin", Cursor::new(vec![1u8; 10]))],
            &[],
        )
        .unwrap();
        assert_eq!(m.len, None);
    }

    #[test]
    fn text_that_reads_like_a_reference_stays_text() {
        let fields: Map<String, Value> =
            serde_json::from_str(r#"{"photo": "attach://file0", "caption": "attach://file0"}"#)
                .unwrap();
        let m = multipart(
            fields,
            vec![InputFile::bytes("a.jpg", b"JPEG".to_vec())],
            &["photo"],
        )
        .unwrap();
        let text = body(m);
        assert!(text.contains("name=\"photo\"; filename=\"a.jpg\""));
        assert!(text.contains("name=\"caption\"\r\n\r\nattach://file0\r\n"));
    }

    #[test]
    fn a_source_that_changes_size_is_an_error() {
        let mut short = Exact::new(Cursor::new(vec![1u8; 5]), 8);
        let mut out = Vec::new();
        let e = short.read_to_end(&mut out).unwrap_err();
        assert!(is_source_change(&e), "{e}");
        assert_eq!(out.len(), 5);
        let mut long = Exact::new(Cursor::new(vec![1u8; 9]), 8);
        let mut out = Vec::new();
        let e = long.read_to_end(&mut out).unwrap_err();
        assert!(is_source_change(&e), "{e}");
        let mut exact = Exact::new(Cursor::new(vec![1u8; 8]), 8);
        let mut out = Vec::new();
        assert_eq!(exact.read_to_end(&mut out).unwrap(), 8);
    }

    #[test]
    fn reader_uploads_cannot_be_rebuilt() {
        let reader = multipart(
            Map::new(),
            vec![InputFile::reader("a.bin", Cursor::new(vec![1u8; 3]))],
            &[],
        )
        .unwrap();
        assert!(!Body::Multipart(reader).rebuildable());
        let bytes = multipart(Map::new(), vec![InputFile::bytes("a", vec![1u8])], &[]).unwrap();
        assert!(Body::Multipart(bytes).rebuildable());
    }

    #[test]
    fn only_serializer_references_are_uploads() {
        assert_eq!(attached_index("attach://file12"), Some(12));
        assert_eq!(attached_index("attach://file012"), None);
        assert_eq!(attached_index("attach://photo"), None);
        assert_eq!(attached_index("file0"), None);
    }
}

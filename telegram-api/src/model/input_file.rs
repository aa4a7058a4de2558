//! [`InputFile`]: a file to send, by reference or as an upload.

use std::cell::RefCell;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A file to send: one already on Telegram's servers (its `file_id`), one Telegram fetches from
/// an HTTP URL, or one uploaded with the request (from a path, from memory, or from a reader).
///
/// ```
/// use telegram_api::InputFile;
/// let by_id = InputFile::file_id("AgACAgIAAxkBAAIB");
/// let by_url = InputFile::url("https://example.com/cat.jpg");
/// let from_disk = InputFile::path("cat.jpg");
/// let from_memory = InputFile::bytes("cat.jpg", vec![0xFF, 0xD8]);
/// assert!(!by_id.is_upload() && !by_url.is_upload());
/// assert!(from_disk.is_upload() && from_memory.is_upload());
/// ```
///
/// Uploads are sent as `multipart/form-data` parts, streamed from their source: a file on disk is
/// read while the request is written, never loaded whole. Uploads nested in objects (the `media`
/// of an [`InputMediaPhoto`](crate::InputMediaPhoto), a sticker's file) are referenced as
/// `attach://<name>`. Serialized outside a request (for instance by `Display`), an upload shows as
/// `attach://<file name>`.
#[derive(Clone)]
pub struct InputFile(Source, Option<Progress>);

/// Told how much of an upload was read into the request.
type Progress = Arc<Mutex<dyn FnMut(u64, Option<u64>) + Send>>;

#[derive(Clone)]
enum Source {
    Remote(String),
    Path(PathBuf),
    Memory { name: String, data: Arc<[u8]> },
    Reader { name: String, reader: SharedReader },
}

type SharedReader = Arc<Mutex<Option<Box<dyn Read + Send>>>>;

impl InputFile {
    fn of(source: Source) -> InputFile {
        InputFile(source, None)
    }

    /// Calls `progress(done, total)` as the upload is read into the request: `done` bytes of
    /// this file so far, of `total` when its size is known (a path, bytes; not a reader). For
    /// a file that is not uploaded it is never called.
    ///
    /// ```
    /// use telegram_api::InputFile;
    /// let video = InputFile::path("video.mp4").with_progress(|done, total| {
    ///     if let Some(total) = total {
    ///         eprint!("\r{}%", done * 100 / total.max(1));
    ///     }
    /// });
    /// ```
    #[must_use]
    pub fn with_progress(
        mut self,
        progress: impl FnMut(u64, Option<u64>) + Send + 'static,
    ) -> Self {
        self.1 = Some(Arc::new(Mutex::new(progress)));
        self
    }

    /// Whether the upload can be read again for a retry (not for a reader).
    pub(crate) fn is_rebuildable(&self) -> bool {
        !matches!(self.0, Source::Reader { .. })
    }

    /// A file already on Telegram's servers, by its `file_id`.
    pub fn file_id(id: impl Into<String>) -> InputFile {
        InputFile::of(Source::Remote(id.into()))
    }

    /// A file Telegram downloads from an HTTP URL.
    pub fn url(url: impl Into<String>) -> InputFile {
        InputFile::of(Source::Remote(url.into()))
    }

    /// A file on disk, uploaded under its file name. It is opened when the request is sent.
    pub fn path(path: impl Into<PathBuf>) -> InputFile {
        InputFile::of(Source::Path(path.into()))
    }

    /// Bytes in memory, uploaded under `file_name`.
    pub fn bytes(file_name: impl Into<String>, data: impl Into<Vec<u8>>) -> InputFile {
        InputFile::of(Source::Memory {
            name: file_name.into(),
            data: data.into().into(),
        })
    }

    /// The contents of a reader, uploaded under `file_name`. A reader can be sent once; clones
    /// of this value share it. A request carrying it is therefore never retried
    /// ([`Retry`](crate::Retry)): when the first attempt fails, its error is returned.
    pub fn reader(file_name: impl Into<String>, reader: impl Read + Send + 'static) -> InputFile {
        InputFile::of(Source::Reader {
            name: file_name.into(),
            reader: Arc::new(Mutex::new(Some(Box::new(reader)))),
        })
    }

    /// Whether this file is uploaded with the request (rather than referenced).
    pub fn is_upload(&self) -> bool {
        !matches!(self.0, Source::Remote(_))
    }

    /// The file_id or URL, for a file that is not uploaded.
    pub fn as_reference(&self) -> Option<&str> {
        match &self.0 {
            Source::Remote(s) => Some(s),
            _ => None,
        }
    }

    /// The name an upload is sent under.
    pub fn file_name(&self) -> Option<String> {
        match &self.0 {
            Source::Remote(_) => None,
            Source::Path(p) => Some(
                p.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "file".to_owned()),
            ),
            Source::Memory { name, .. } | Source::Reader { name, .. } => Some(name.clone()),
        }
    }

    /// Opens an upload for reading: the reader and, when known, its length in bytes.
    pub(crate) fn open(&self) -> std::io::Result<(Box<dyn Read + Send>, Option<u64>)> {
        let (reader, len) = self.open_source()?;
        match &self.1 {
            Some(progress) => Ok((
                Box::new(Counted {
                    inner: reader,
                    done: 0,
                    total: len,
                    progress: progress.clone(),
                }),
                len,
            )),
            None => Ok((reader, len)),
        }
    }

    fn open_source(&self) -> std::io::Result<(Box<dyn Read + Send>, Option<u64>)> {
        match &self.0 {
            Source::Remote(_) => Err(std::io::Error::other("not an upload")),
            Source::Path(p) => {
                let file = std::fs::File::open(p).map_err(|e| {
                    std::io::Error::new(e.kind(), format!("cannot open {}: {e}", p.display()))
                })?;
                // The size of a regular file; a pipe or device has none worth announcing.
                let len = file
                    .metadata()
                    .ok()
                    .filter(|m| m.is_file())
                    .map(|m| m.len());
                Ok((Box::new(file), len))
            }
            Source::Memory { data, .. } => {
                let len = data.len() as u64;
                Ok((
                    Box::new(std::io::Cursor::new(SharedBytes(data.clone()))),
                    Some(len),
                ))
            }
            Source::Reader { reader, .. } => {
                let taken = reader
                    .lock()
                    .map_err(|_| std::io::Error::other("reader lock poisoned"))?
                    .take();
                match taken {
                    Some(r) => Ok((r, None)),
                    None => Err(std::io::Error::other(
                        "this reader was already sent; an InputFile::reader can be sent once",
                    )),
                }
            }
        }
    }
}

/// A reader that reports how much was read from it.
struct Counted {
    inner: Box<dyn Read + Send>,
    done: u64,
    total: Option<u64>,
    progress: Progress,
}

impl Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n > 0 {
            self.done = self.done.saturating_add(n as u64);
            if let Ok(mut progress) = self.progress.lock() {
                progress(self.done, self.total);
            }
        }
        Ok(n)
    }
}

struct SharedBytes(Arc<[u8]>);

impl AsRef<[u8]> for SharedBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for InputFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Source::Remote(s) => f.debug_tuple("InputFile").field(s).finish(),
            Source::Path(p) => f.debug_struct("InputFile").field("path", p).finish(),
            Source::Memory { name, data } => f
                .debug_struct("InputFile")
                .field("name", name)
                .field("bytes", &data.len())
                .finish(),
            Source::Reader { name, .. } => f
                .debug_struct("InputFile")
                .field("name", name)
                .field("reader", &"..")
                .finish(),
        }
    }
}

impl PartialEq for InputFile {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (Source::Remote(a), Source::Remote(b)) => a == b,
            (Source::Path(a), Source::Path(b)) => a == b,
            (Source::Memory { name: a, data: x }, Source::Memory { name: b, data: y }) => {
                a == b && x == y
            }
            (Source::Reader { reader: a, .. }, Source::Reader { reader: b, .. }) => {
                Arc::ptr_eq(a, b)
            }
            _ => false,
        }
    }
}

impl From<&str> for InputFile {
    /// A file_id or an HTTP URL.
    fn from(reference: &str) -> Self {
        InputFile::of(Source::Remote(reference.to_owned()))
    }
}

impl From<String> for InputFile {
    /// A file_id or an HTTP URL.
    fn from(reference: String) -> Self {
        InputFile::of(Source::Remote(reference))
    }
}

impl From<&Path> for InputFile {
    fn from(path: &Path) -> Self {
        InputFile::path(path)
    }
}

impl From<PathBuf> for InputFile {
    fn from(path: PathBuf) -> Self {
        InputFile::path(path)
    }
}

impl Serialize for InputFile {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Source::Remote(reference) => s.serialize_str(reference),
            _ => match uploads::register(self) {
                Some(name) => s.serialize_str(&format!("attach://{name}")),
                None => s.serialize_str(&format!(
                    "attach://{}",
                    self.file_name().unwrap_or_default()
                )),
            },
        }
    }
}

impl<'de> Deserialize<'de> for InputFile {
    /// A file_id or URL, as it appears in JSON.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(InputFile::from)
    }
}

/// Collects the uploads met while a request is serialized, naming them `file0`, `file1`, ...
/// in the order they are written.
pub(crate) mod uploads {
    use super::*;

    thread_local! {
        static COLLECTED: RefCell<Option<Vec<InputFile>>> = const { RefCell::new(None) };
    }

    /// The part name of the upload with this index.
    pub(crate) fn part_name(index: usize) -> String {
        format!("file{index}")
    }

    /// Runs `f` (which serializes a request) and returns the uploads it met, in order.
    pub(crate) fn collect<T>(f: impl FnOnce() -> T) -> (T, Vec<InputFile>) {
        struct Restore(Option<Vec<InputFile>>);
        impl Drop for Restore {
            fn drop(&mut self) {
                let previous = self.0.take();
                COLLECTED.with(|c| *c.borrow_mut() = previous);
            }
        }
        let previous = COLLECTED.with(|c| c.borrow_mut().replace(Vec::new()));
        let restore = Restore(previous);
        let out = f();
        let files = COLLECTED
            .with(|c| c.borrow_mut().take())
            .unwrap_or_default();
        drop(restore);
        (out, files)
    }

    /// Records an upload met during [`collect`], returning its part name.
    pub(super) fn register(file: &InputFile) -> Option<String> {
        COLLECTED.with(|c| {
            let mut c = c.borrow_mut();
            let files = c.as_mut()?;
            files.push(file.clone());
            Some(part_name(files.len() - 1))
        })
    }
}

//! [`Bot`]: the blocking client.

use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::model::Token;
use crate::transport::encode::{self, Body};
use crate::transport::error::{ApiError, Redactor, excerpt_redacted};
use crate::transport::flood::Limiter;
use crate::transport::resolver::CachingResolver;
use crate::{Defaults, Error, File, FloodControl, Method, ResponseParameters, Retry, User};

/// The largest response body read (a getUpdates batch is far smaller).
const MAX_RESPONSE: u64 = 64 * 1024 * 1024;

/// The size of the pieces a download is copied in (and so how often progress is reported).
const DOWNLOAD_CHUNK: usize = 64 * 1024;

/// A Telegram bot: the token, where the Bot API server is, and a connection pool.
///
/// Every Bot API method is a method of `Bot`, in snake_case and under its exact official name:
/// the required parameters are arguments, the optional ones are set on the returned [`Call`],
/// and [`Call::call`] sends the request.
///
/// ```no_run
/// use telegram_api::{Bot, ParseMode};
/// # fn main() -> Result<(), telegram_api::Error> {
/// let bot = Bot::new("123456:ABC-DEF"); // no I/O yet
/// let me = bot.get_me().call()?; // the same as bot.getMe().call()?
/// println!("{me}");
/// bot.send_message(1234567890, "Hi *there*")
///     .parse_mode(ParseMode::MarkdownV2)
///     .call()?;
/// # Ok(())
/// # }
/// ```
///
/// A `Bot` is cheap to clone and can be shared between threads; clones share the connection
/// pool. Neither its `Debug` output nor any [`Error`] contains the token: the token (and
/// `bot<token>`) in anything kept from a server's answer (an error page echoing the requested
/// URL, a description) is replaced by `<token>`.
///
/// The client never follows a redirect (the Bot API does not redirect): a 3xx answer is an
/// [`Error::InvalidResponse`].
///
/// [`Call`]: crate::Call
/// [`Call::call`]: crate::Call::call
#[derive(Clone)]
pub struct Bot(Arc<Inner>);

#[derive(Clone)]
struct Inner {
    token: String,
    redactor: Redactor,
    local_files: Option<PathBuf>,
    api_url: String,
    test_environment: bool,
    agent: ureq::Agent,
    timeout: Duration,
    long_poll_margin: Duration,
    retry: Retry,
    flood: Option<Arc<Limiter>>,
    defaults: Option<Arc<Defaults>>,
    /// The bot's own user, once `getMe` answered (see [`Bot::me`]).
    me: OnceLock<User>,
    /// The fake Bot API of `telegram_api::testing` that answers instead of a server.
    #[cfg(feature = "testing")]
    fake: Option<Arc<dyn crate::testing::Fake>>,
}

impl Bot {
    /// The official Bot API server.
    pub const DEFAULT_API_URL: &str = "https://api.telegram.org";

    /// The default timeout of a request that is not a long poll: 30 seconds.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

    /// How much longer than its `timeout` a long poll may take before it is abandoned:
    /// 10 seconds.
    pub const LONG_POLL_MARGIN: Duration = Duration::from_secs(10);

    /// A bot with the token from @BotFather, talking to the official Bot API server.
    /// Nothing is sent until a request is made.
    pub fn new(token: impl Into<String>) -> Bot {
        let token: String = token.into();
        Bot(Arc::new(Inner {
            redactor: Redactor::new(&token),
            token,
            local_files: None,
            api_url: Bot::DEFAULT_API_URL.to_owned(),
            test_environment: false,
            agent: default_agent(Bot::DEFAULT_TIMEOUT),
            timeout: Bot::DEFAULT_TIMEOUT,
            long_poll_margin: Bot::LONG_POLL_MARGIN,
            retry: Retry::none(),
            flood: None,
            defaults: None,
            me: OnceLock::new(),
            #[cfg(feature = "testing")]
            fake: None,
        }))
    }

    /// A bot whose requests `fake` answers in this process, with no server.
    #[cfg(feature = "testing")]
    pub(crate) fn with_fake(token: &str, fake: Arc<dyn crate::testing::Fake>) -> Bot {
        let mut bot = Bot::new(token);
        bot.inner_mut().fake = Some(fake);
        bot
    }

    /// A bot configured from the environment: the token from `TELEGRAM_BOT_TOKEN`, and the
    /// server from `TELEGRAM_API_URL` when it is set.
    ///
    /// # Errors
    ///
    /// Fails with [`Error::Config`] when `TELEGRAM_BOT_TOKEN` is not set or is blank.
    pub fn from_env() -> Result<Bot, Error> {
        let token = std::env::var("TELEGRAM_BOT_TOKEN")
            .ok()
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| Error::Config("TELEGRAM_BOT_TOKEN is not set".into()))?;
        let bot = Bot::new(token.trim());
        match std::env::var("TELEGRAM_API_URL") {
            Ok(url) if !url.trim().is_empty() => Ok(bot.with_api_url(url.trim())),
            _ => Ok(bot),
        }
    }

    /// Talks to the Bot API server at `url` (its root, such as `http://127.0.0.1:8081` for a
    /// local Bot API server): requests go to `<url>/bot<token>/<method>`.
    #[must_use]
    pub fn with_api_url(mut self, url: impl Into<String>) -> Bot {
        let url: String = url.into();
        let inner = self.inner_mut();
        inner.api_url = url.trim_end_matches('/').to_owned();
        // Another server may know another bot.
        inner.me = OnceLock::new();
        self
    }

    /// Reads files from the disk of a local Bot API server (one started with `--local`, which
    /// gives an absolute `file_path` from [`getFile`](Bot::get_file)), but only those under
    /// `dir`, the server's working directory (its `--dir`).
    ///
    /// Without this, a download whose `file_path` is absolute fails with [`Error::Config`] and
    /// nothing on the disk is read: otherwise any server, or anyone in the middle of a plain
    /// `http` connection, could make the bot read its files. A path that leads outside `dir`
    /// (through `..` or a symbolic link) is refused the same way.
    #[must_use]
    pub fn with_local_files(mut self, dir: impl Into<PathBuf>) -> Bot {
        self.inner_mut().local_files = Some(dir.into());
        self
    }

    /// The directory [`with_local_files`](Bot::with_local_files) allows reading from.
    pub fn local_files(&self) -> Option<&Path> {
        self.0.local_files.as_deref()
    }

    /// Uses Telegram's test environment (`/bot<token>/test/<method>`).
    #[must_use]
    pub fn with_test_environment(mut self, test: bool) -> Bot {
        let inner = self.inner_mut();
        inner.test_environment = test;
        // The test environment's bots are other accounts.
        inner.me = OnceLock::new();
        self
    }

    /// The timeout of requests that are not long polls (30 seconds by default): for connecting,
    /// sending the request, and each phase of receiving the response. Long polls wait for their
    /// `timeout` plus [`Bot::LONG_POLL_MARGIN`].
    ///
    /// Downloads and uploads of any length are not cut off by it: a download fails when no byte
    /// arrives for this long (a deadline per read, not for the whole body), an upload when no
    /// byte can be written for this long.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Bot {
        let inner = self.inner_mut();
        inner.timeout = timeout;
        inner.agent = default_agent(timeout);
        self
    }

    /// How much longer than its `timeout` a long poll may take before it is abandoned
    /// ([`Bot::LONG_POLL_MARGIN`] by default).
    #[must_use]
    pub fn with_long_poll_margin(mut self, margin: Duration) -> Bot {
        self.inner_mut().long_poll_margin = margin;
        self
    }

    /// Repeats failed requests as `retry` says (never, by default). A [`Call`](crate::Call)
    /// can set its own. A request uploading from an [`InputFile::reader`](crate::InputFile::reader)
    /// is never repeated (the reader is used up by the first attempt): its first error is
    /// returned.
    #[must_use]
    pub fn with_retry(mut self, retry: Retry) -> Bot {
        self.inner_mut().retry = retry;
        self
    }

    /// Waits for a free slot under Telegram's rate limits before each request, and waits out
    /// 429 answers, as `flood_control` says (off by default). Clones of the bot made after this
    /// share the limits. See [`FloodControl`].
    #[must_use]
    pub fn with_flood_control(mut self, flood_control: FloodControl) -> Bot {
        self.inner_mut().flood = Some(Arc::new(Limiter::new(flood_control)));
        self
    }

    /// Sends `defaults` (a parse mode, silent messages, protected content, link preview
    /// options) with every method that has the parameter, unless the call sets it (none by
    /// default). Replaces any defaults set before; clones of the bot made after this share them.
    /// See [`Defaults`] for the rules.
    #[must_use]
    pub fn with_defaults(mut self, defaults: Defaults) -> Bot {
        self.inner_mut().defaults = Some(Arc::new(defaults));
        self
    }

    /// The defaults set with [`with_defaults`](Bot::with_defaults).
    pub fn defaults(&self) -> Option<&Defaults> {
        self.0.defaults.as_deref()
    }

    /// Sends requests with this HTTP agent (for a proxy, custom TLS or pool settings). Its
    /// error-status setting does not matter: error bodies are always read.
    #[must_use]
    pub fn with_agent(mut self, agent: ureq::Agent) -> Bot {
        self.inner_mut().agent = agent;
        self
    }

    /// The root URL of the Bot API server.
    pub fn api_url(&self) -> &str {
        &self.0.api_url
    }

    /// Whether requests go to Telegram's test environment.
    pub fn is_test_environment(&self) -> bool {
        self.0.test_environment
    }

    /// The timeout of requests that are not long polls.
    pub fn timeout(&self) -> Duration {
        self.0.timeout
    }

    /// `text` with the token replaced by a marker.
    pub(crate) fn redact_text(&self, text: &str) -> String {
        self.0.redactor.text(text)
    }

    /// `error` with the token replaced by a marker in every text it keeps.
    pub(crate) fn redact_error(&self, error: Error) -> Error {
        self.0.redactor.error(error)
    }

    /// The bot's own user, as `getMe` gives it: asked once, then kept (also by the clones of
    /// this `Bot`), so that code that needs the bot's username asks only once.
    ///
    /// # Errors
    ///
    /// Fails as [`Call::call`](crate::Call::call) does while `getMe` has not yet answered; the
    /// next call asks again.
    pub fn me(&self) -> Result<User, Error> {
        if let Some(me) = self.0.me.get() {
            return Ok(me.clone());
        }
        let me = self.get_me().call()?;
        Ok(self.0.me.get_or_init(|| me).clone())
    }

    fn inner_mut(&mut self) -> &mut Inner {
        Arc::make_mut(&mut self.0)
    }

    fn method_url(&self, method: &str) -> String {
        let test = if self.0.test_environment { "test/" } else { "" };
        format!("{}/bot{}/{test}{method}", self.0.api_url, self.0.token)
    }

    /// Sends a request and returns its result.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), telegram_api::Error> {
    /// use telegram_api::methods::SendMessage;
    /// let bot = telegram_api::Bot::new("123456:ABC-DEF");
    /// let message = bot.execute(&SendMessage::new(1234567890, "Hi"))?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// Fails with [`Error::Api`] when Telegram refuses the request, [`Error::Transport`] or
    /// [`Error::Timeout`] when the connection fails or times out, [`Error::InvalidResponse`] or
    /// [`Error::Decode`] when the answer is not the method's result, [`Error::Io`] when a file to
    /// upload cannot be read, and [`Error::Config`] when the request cannot be encoded. With a
    /// retry policy, this is the last attempt's error.
    pub fn execute<M: Method>(&self, request: &M) -> Result<M::Response, Error> {
        self.execute_with(request, &self.0.retry)
    }

    /// Sends a request, repeating it as `retry` says.
    pub(crate) fn execute_with<M: Method>(
        &self,
        request: &M,
        retry: &Retry,
    ) -> Result<M::Response, Error> {
        let mut retries: u32 = 0;
        let mut permit = self.0.flood.as_deref().map(|flood| flood.permit(request));
        loop {
            let (result, rebuildable) = match &permit {
                Some(permit) => permit.send(|| self.send(request)),
                None => self.send(request),
            };
            match result {
                Err(e) if !rebuildable => return Err(e),
                Err(e) if permit.as_mut().is_some_and(|p| p.retry_after_error(&e)) => {}
                Err(e) => {
                    retries = retries.saturating_add(1);
                    match retry.wait(&e, retries) {
                        Some(wait) => std::thread::sleep(wait),
                        None => return Err(e),
                    }
                }
                ok => return ok,
            }
        }
    }

    /// Sends a request once; says too whether its body can be built again for a retry.
    fn send<M: Method>(&self, request: &M) -> (Result<M::Response, Error>, bool) {
        #[cfg(feature = "testing")]
        if let Some(fake) = &self.0.fake {
            let result = encode::fields(request, self.0.defaults.as_deref()).and_then(
                |(fields, uploads)| {
                    let (status, body) = fake.exchange(M::NAME, fields, uploads);
                    decode_response_redacted::<M>(status, &body, Some(&self.0.redactor))
                },
            );
            return (result.map_err(|e| self.0.redactor.error(e)), true);
        }
        let body = match encode::encode(request, self.0.defaults.as_deref()) {
            Ok(body) => body,
            Err(e) => return (Err(self.0.redactor.error(e)), true),
        };
        let rebuildable = body.rebuildable();
        let result = self
            .send_body(request, body)
            .map_err(|e| self.0.redactor.error(e));
        (result, rebuildable)
    }

    fn send_body<M: Method>(&self, request: &M, body: Body) -> Result<M::Response, Error> {
        let method = M::NAME;
        let read_timeout = match request.long_poll() {
            Some(poll) => poll.saturating_add(self.0.long_poll_margin),
            None => self.0.timeout,
        };
        let url = self.method_url(method);
        let builder = self
            .0
            .agent
            .post(&url)
            .config()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_recv_response(Some(read_timeout))
            .timeout_recv_body(Some(read_timeout))
            .timeout_per_write(Some(self.0.timeout))
            .build();
        let sent = match body {
            Body::Json(json) => builder
                .header("content-type", "application/json")
                .send(&json[..]),
            Body::Multipart(m) => {
                let builder = builder.header("content-type", &m.content_type);
                let builder = match m.len {
                    Some(len) => builder.header("content-length", len.to_string()),
                    None => builder,
                };
                builder.send(ureq::SendBody::from_owned_reader(m.reader))
            }
        };
        let mut response = sent.map_err(|e| self.transport_error(method, e))?;
        if response.status().is_redirection() {
            return Err(redirected(method, response.status().as_u16()));
        }
        let status = response.status().as_u16();
        let bytes = response
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE)
            .read_to_vec()
            .map_err(|e| self.transport_error(method, e))?;
        decode_response_redacted::<M>(status, &bytes, Some(&self.0.redactor))
    }

    /// Downloads a file (from [`getFile`](Bot::get_file)) into memory.
    ///
    /// # Errors
    ///
    /// Fails with [`Error::Config`] when `file` has no `file_path`, or an absolute one the bot may
    /// not read; [`Error::Api`] or [`Error::InvalidResponse`] when the server does not send the
    /// file; [`Error::Transport`] or [`Error::Timeout`] when the connection fails; [`Error::Io`]
    /// when a local server's file cannot be read.
    pub fn download_file(&self, file: &File) -> Result<Vec<u8>, Error> {
        let mut out = Vec::with_capacity(file.file_size.unwrap_or(0).clamp(0, 1 << 24) as usize);
        self.download_file_to(file, &mut out)?;
        Ok(out)
    }

    /// Downloads a file into `path`, returning the number of bytes written.
    ///
    /// The file is written beside `path` under a temporary name and renamed to `path` once it is
    /// complete: a download that fails leaves nothing at `path` (and removes what it wrote).
    ///
    /// # Errors
    ///
    /// Fails as [`download_file_to`](Bot::download_file_to) does, and with [`Error::Io`] when the
    /// file beside `path` cannot be created, written or renamed to `path`.
    pub fn download_file_to_path(&self, file: &File, path: impl AsRef<Path>) -> Result<u64, Error> {
        self.download_file_to_path_with_progress(file, path, |_, _| {})
    }

    /// [`download_file_to_path`](Bot::download_file_to_path), calling `progress` as
    /// [`download_file_with_progress`](Bot::download_file_with_progress) does.
    ///
    /// # Errors
    ///
    /// Fails as [`download_file_to_path`](Bot::download_file_to_path) does.
    pub fn download_file_to_path_with_progress(
        &self,
        file: &File,
        path: impl AsRef<Path>,
        progress: impl FnMut(u64, Option<u64>),
    ) -> Result<u64, Error> {
        let path = path.as_ref();
        let (temp, mut out) = temporary_beside(path)?;
        let result = self
            .download_file_with_progress(file, &mut out, progress)
            .and_then(|n| {
                out.sync_all().map_err(|source| Error::Io {
                    context: format!("cannot write {}", temp.display()),
                    source,
                })?;
                drop(out);
                std::fs::rename(&temp, path).map_err(|source| Error::Io {
                    context: format!("cannot rename {} to {}", temp.display(), path.display()),
                    source,
                })?;
                Ok(n)
            });
        if result.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        result
    }

    /// Downloads a file into a writer, streaming it, and returns the number of bytes written.
    ///
    /// The download fails with [`Error::Timeout`] when no byte arrives for the bot's
    /// [`timeout`](Bot::with_timeout); it may take as long as it needs while bytes keep coming.
    ///
    /// An absolute `file_path` (from a local Bot API server) is read from the disk only when
    /// the bot was told where that server keeps its files ([`Bot::with_local_files`]), and only
    /// under that directory; otherwise it is an [`Error::Config`].
    ///
    /// # Errors
    ///
    /// Fails with [`Error::Config`] when `file` has no `file_path`, or an absolute one the bot may
    /// not read; [`Error::Api`] or [`Error::InvalidResponse`] when the server does not send the
    /// file; [`Error::Transport`] or [`Error::Timeout`] when the connection fails; [`Error::Io`]
    /// when `out` cannot be written or a local server's file cannot be read.
    pub fn download_file_to(&self, file: &File, out: &mut dyn Write) -> Result<u64, Error> {
        self.download_file_with_progress(file, out, |_, _| {})
    }

    /// [`download_file_to`](Bot::download_file_to), calling `progress(done, total)` after every
    /// piece written (and once before the first): `done` is the number of bytes written so far,
    /// `total` the size when known (the response's `Content-Length`, else the `file_size` of
    /// `file`).
    ///
    /// ```no_run
    /// # fn demo(bot: &telegram_api::Bot) -> Result<(), telegram_api::Error> {
    /// let file = bot.get_file("BQACAgIAAxkBAAIB").call()?;
    /// let mut out = std::fs::File::create("video.mp4").map_err(|e| telegram_api::Error::Io {
    ///     context: "video.mp4".into(),
    ///     source: e,
    /// })?;
    /// bot.download_file_with_progress(&file, &mut out, |done, total| match total {
    ///     Some(total) => eprint!("\r{done} of {total} bytes"),
    ///     None => eprint!("\r{done} bytes"),
    /// })?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// Fails as [`download_file_to`](Bot::download_file_to) does.
    pub fn download_file_with_progress(
        &self,
        file: &File,
        out: &mut dyn Write,
        mut progress: impl FnMut(u64, Option<u64>),
    ) -> Result<u64, Error> {
        self.download(file, out, &mut progress)
            .map_err(|e| self.0.redactor.error(e))
    }

    fn download(
        &self,
        file: &File,
        out: &mut dyn Write,
        progress: &mut dyn FnMut(u64, Option<u64>),
    ) -> Result<u64, Error> {
        const METHOD: &str = "download";
        let path = file.file_path.as_deref().ok_or_else(|| {
            Error::Config(format!(
                "file {} has no file_path; call getFile first",
                file.file_id
            ))
        })?;
        let known_size = file.file_size.and_then(|s| u64::try_from(s).ok());
        if Path::new(path).is_absolute() {
            let local = self.local_file(path)?;
            let total = local.metadata().ok().map(|m| m.len()).or(known_size);
            let mut local = local;
            return copy_with_progress(&mut local, out, total, progress).map_err(|e| match e {
                Copy::Read(source) => Error::Io {
                    context: format!("cannot read {path} (a local Bot API server's file)"),
                    source,
                },
                Copy::Write(source) => Error::Io {
                    context: "cannot write the download".into(),
                    source,
                },
            });
        }
        #[cfg(feature = "testing")]
        if let Some(fake) = &self.0.fake {
            let (status, bytes) = fake.download(path);
            if status != 200 {
                let redactor = Some(&self.0.redactor);
                return Err(
                    match decode_response_redacted::<Download>(status, &bytes, redactor) {
                        Err(e @ Error::Api(_)) => e,
                        _ => Error::InvalidResponse {
                            method: METHOD,
                            status,
                            reason: "the file was not sent".into(),
                            excerpt: excerpt_redacted(&bytes, redactor),
                        },
                    },
                );
            }
            let total = Some(bytes.len() as u64);
            return copy_with_progress(&mut &bytes[..], out, total, progress).map_err(|e| {
                let (Copy::Read(source) | Copy::Write(source)) = e;
                Error::Io {
                    context: "cannot write the download".into(),
                    source,
                }
            });
        }
        let test = if self.0.test_environment { "test/" } else { "" };
        let url = format!("{}/file/bot{}/{test}{path}", self.0.api_url, self.0.token);
        let response = self
            .0
            .agent
            .get(&url)
            .config()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_recv_response(Some(self.0.timeout))
            .timeout_recv_body(None)
            .timeout_per_read(Some(self.0.timeout))
            .build()
            .call()
            .map_err(|e| self.transport_error(METHOD, e))?;
        let status = response.status().as_u16();
        if response.status().is_redirection() {
            return Err(redirected(METHOD, status));
        }
        let total = response
            .headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .or(known_size);
        let mut body = response.into_body();
        if status != 200 {
            let bytes = body
                .with_config()
                .limit(64 * 1024)
                .read_to_vec()
                .unwrap_or_default();
            let redactor = Some(&self.0.redactor);
            return Err(
                match decode_response_redacted::<Download>(status, &bytes, redactor) {
                    Err(e @ Error::Api(_)) => e,
                    _ => Error::InvalidResponse {
                        method: METHOD,
                        status,
                        reason: "the file was not sent".into(),
                        excerpt: excerpt_redacted(&bytes, redactor),
                    },
                },
            );
        }
        let mut reader = body.with_config().limit(u64::MAX).reader();
        copy_with_progress(&mut reader, out, total, progress).map_err(|e| match e {
            Copy::Read(source) => self.io_to_transport(METHOD, source),
            Copy::Write(source) => Error::Io {
                context: "cannot write the download".into(),
                source,
            },
        })
    }

    /// Opens a local Bot API server's file, if the bot may read it.
    fn local_file(&self, path: &str) -> Result<std::fs::File, Error> {
        let Some(root) = &self.0.local_files else {
            return Err(Error::Config(format!(
                "the server gave an absolute file_path ({path}); files on this machine's disk are \
                 read only under the directory given to Bot::with_local_files"
            )));
        };
        let io = |context: String| move |source| Error::Io { context, source };
        let root = std::fs::canonicalize(root)
            .map_err(io(format!("cannot open the directory {}", root.display())))?;
        let target = std::fs::canonicalize(path).map_err(io(format!(
            "cannot open {path} (a local Bot API server's file)"
        )))?;
        if !target.starts_with(&root) {
            return Err(Error::Config(format!(
                "the server gave the file_path {path}, outside {} (Bot::with_local_files)",
                root.display()
            )));
        }
        std::fs::File::open(&target).map_err(io(format!(
            "cannot open {path} (a local Bot API server's file)"
        )))
    }

    /// Turns an HTTP client error into ours, without the URL (it holds the token).
    fn transport_error(&self, method: &'static str, e: ureq::Error) -> Error {
        match e {
            ureq::Error::Timeout(phase) => Error::Timeout { method, phase },
            ureq::Error::Io(io) => self.io_to_transport(method, io),
            ureq::Error::BodyExceedsLimit(limit) => Error::InvalidResponse {
                method,
                status: 200,
                reason: format!("the response is larger than {limit} bytes"),
                excerpt: String::new(),
            },
            other => Error::Transport {
                method,
                source: std::io::Error::other(self.0.redactor.text(&other.to_string())),
            },
        }
    }

    fn io_to_transport(&self, method: &'static str, e: std::io::Error) -> Error {
        if encode::is_source_change(&e) {
            return Error::Io {
                context: format!("{method}: an upload's source changed while it was sent"),
                source: e,
            };
        }
        // A body reader's error carries the HTTP client's own error (a timeout) inside.
        if let Some(ureq::Error::Timeout(phase)) = e
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<ureq::Error>())
        {
            return Error::Timeout {
                method,
                phase: *phase,
            };
        }
        if matches!(
            e.kind(),
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
        ) {
            return Error::Timeout {
                method,
                phase: ureq::Timeout::PerRead,
            };
        }
        // An error of the socket is kept as it is; one that wraps another (the HTTP client's,
        // which may show the URL in its `Debug`) becomes its message, the token taken out.
        let source = match e.get_ref() {
            None => e,
            Some(inner) => std::io::Error::new(e.kind(), self.0.redactor.text(&inner.to_string())),
        };
        Error::Transport { method, source }
    }
}

/// The error for a redirect, which the Bot API never sends.
fn redirected(method: &'static str, status: u16) -> Error {
    Error::InvalidResponse {
        method,
        status,
        reason: "a redirect (the Bot API does not redirect; it is not followed)".into(),
        excerpt: String::new(),
    }
}

/// Why a copy stopped.
enum Copy {
    Read(std::io::Error),
    Write(std::io::Error),
}

/// Copies `from` into `to` in pieces, reporting progress after each.
fn copy_with_progress(
    from: &mut dyn Read,
    to: &mut dyn Write,
    total: Option<u64>,
    progress: &mut dyn FnMut(u64, Option<u64>),
) -> Result<u64, Copy> {
    let mut buf = vec![0u8; DOWNLOAD_CHUNK];
    let mut done = 0u64;
    progress(0, total);
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Copy::Read(e)),
        };
        to.write_all(&buf[..n]).map_err(Copy::Write)?;
        done = done.saturating_add(n as u64);
        progress(done, total);
    }
    to.flush().map_err(Copy::Write)?;
    Ok(done)
}

/// Creates a new file beside `path` to download into.
fn temporary_beside(path: &Path) -> Result<(PathBuf, std::fs::File), Error> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "download".into());
    let dir = path.parent().unwrap_or(Path::new(""));
    let mut attempt = 0;
    loop {
        let temp = dir.join(format!(
            ".{name}.{}-{}.part",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
        {
            Ok(file) => return Ok((temp, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(source) => {
                return Err(Error::Io {
                    context: format!("cannot create {}", temp.display()),
                    source,
                });
            }
        }
    }
}

impl fmt::Debug for Bot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bot")
            .field("token", &"<redacted>")
            .field("api_url", &self.0.api_url)
            .field("test_environment", &self.0.test_environment)
            .field("timeout", &self.0.timeout)
            .field("local_files", &self.0.local_files)
            .field("defaults", &self.0.defaults)
            .finish()
    }
}

/// The agent of a bot: error bodies are read, timeouts cover every phase but host name
/// resolution (which would cost a thread per request), and resolutions are remembered.
fn default_agent(timeout: Duration) -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(timeout))
        .timeout_send_request(Some(timeout))
        .timeout_recv_response(Some(timeout))
        .timeout_recv_body(Some(timeout))
        .timeout_per_write(Some(timeout))
        .max_redirects(0)
        .user_agent(concat!("telegram-api/", env!("CARGO_PKG_VERSION")))
        .build();
    ureq::Agent::with_parts(
        config,
        ureq::unversioned::transport::DefaultConnector::default(),
        CachingResolver::default(),
    )
}

/// A stand-in method for reading the error body of a failed download.
struct Download;

impl serde::Serialize for Download {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_unit()
    }
}

impl Method for Download {
    const NAME: &'static str = "download";
    type Response = IgnoredAny;
}

/// Reads a Bot API response body: the result, or Telegram's refusal, or why the body is not a
/// Bot API response at all.
/// The token is taken out of excerpts (before they are cut).
pub(crate) fn decode_response_redacted<M: Method>(
    status: u16,
    body: &[u8],
    redactor: Option<&Redactor>,
) -> Result<M::Response, Error> {
    let method = M::NAME;
    let invalid = |reason: String| Error::InvalidResponse {
        method,
        status,
        reason,
        excerpt: excerpt_redacted(body, redactor),
    };
    let envelope: Envelope = crate::json::from_slice(body).map_err(|e| {
        invalid(if body.is_empty() {
            "empty body".into()
        } else {
            format!("not JSON: {e}")
        })
    })?;
    match envelope.ok {
        Some(true) => {
            let result = envelope
                .result
                .ok_or_else(|| invalid("\"ok\": true without a result".into()))?;
            M::decode_result(result.get(), Token).map_err(|e| decode_error::<M>(result.get(), e))
        }
        Some(false) => Err(Error::Api(ApiError {
            method,
            error_code: envelope.error_code.unwrap_or(i64::from(status)),
            description: envelope.description.unwrap_or_default(),
            parameters: envelope.parameters,
        })),
        None => Err(invalid("no \"ok\" field".into())),
    }
}

/// A decode error with the JSON path where it happened.
fn decode_error<M: Method>(result: &str, e: serde_json::Error) -> Error {
    let (path, message) =
        M::trace_result(result, Token).unwrap_or_else(|| (".".into(), e.to_string()));
    let path = if path == "." {
        "result".to_owned()
    } else {
        format!("result.{path}")
    };
    Error::Decode {
        method: M::NAME,
        path,
        message,
    }
}

/// The fields of a response: `ok`, and `result` or the error.
struct Envelope<'a> {
    ok: Option<bool>,
    result: Option<&'a RawValue>,
    error_code: Option<i64>,
    description: Option<String>,
    parameters: Option<ResponseParameters>,
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for Envelope<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Envelope<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a Bot API response object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Envelope<'a>, A::Error> {
                let mut e = Envelope {
                    ok: None,
                    result: None,
                    error_code: None,
                    description: None,
                    parameters: None,
                };
                while let Some(key) = map.next_key::<std::borrow::Cow<'_, str>>()? {
                    match key.as_ref() {
                        "ok" => e.ok = Some(map.next_value()?),
                        "result" => e.result = Some(map.next_value()?),
                        "error_code" => e.error_code = map.next_value()?,
                        "description" => e.description = map.next_value()?,
                        "parameters" => e.parameters = map.next_value()?,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(e)
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

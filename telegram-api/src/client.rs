//! [`Bot`]: the blocking client.

use std::fmt;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::encode::{self, Body};
use crate::error::{ApiError, excerpt};
use crate::flood::Limiter;
use crate::resolver::CachingResolver;
use crate::{Error, File, FloodControl, Method, ResponseParameters, Retry};

/// The official Bot API server.
pub const DEFAULT_API_URL: &str = "https://api.telegram.org";

/// The client's default timeout for a request that is not a long poll.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How much longer than its `timeout` a long poll may take before it is abandoned.
pub const LONG_POLL_MARGIN: Duration = Duration::from_secs(10);

/// The largest response body read (a getUpdates batch is far smaller).
const MAX_RESPONSE: u64 = 64 * 1024 * 1024;

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
/// pool. Neither its `Debug` output nor any [`Error`] contains the token.
///
/// [`Call`]: crate::Call
/// [`Call::call`]: crate::Call::call
#[derive(Clone)]
pub struct Bot(Arc<Inner>);

#[derive(Clone)]
struct Inner {
    token: String,
    api_url: String,
    test_environment: bool,
    agent: ureq::Agent,
    timeout: Duration,
    long_poll_margin: Duration,
    retry: Retry,
    flood: Option<Arc<Limiter>>,
}

impl Bot {
    /// A bot with the token from @BotFather, talking to the official Bot API server.
    /// Nothing is sent until a request is made.
    pub fn new(token: impl Into<String>) -> Bot {
        Bot(Arc::new(Inner {
            token: token.into(),
            api_url: DEFAULT_API_URL.to_owned(),
            test_environment: false,
            agent: default_agent(DEFAULT_TIMEOUT),
            timeout: DEFAULT_TIMEOUT,
            long_poll_margin: LONG_POLL_MARGIN,
            retry: Retry::none(),
            flood: None,
        }))
    }

    /// A bot configured from the environment: the token from `TELEGRAM_BOT_TOKEN`, and the
    /// server from `TELEGRAM_API_URL` when it is set.
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
    pub fn with_api_url(mut self, url: impl Into<String>) -> Bot {
        let url: String = url.into();
        self.inner_mut().api_url = url.trim_end_matches('/').to_owned();
        self
    }

    /// Uses Telegram's test environment (`/bot<token>/test/<method>`).
    pub fn with_test_environment(mut self, test: bool) -> Bot {
        self.inner_mut().test_environment = test;
        self
    }

    /// The timeout of requests that are not long polls (30 seconds by default): for connecting,
    /// sending the request, and each phase of receiving the response. Long polls wait for their
    /// `timeout` plus [`LONG_POLL_MARGIN`].
    pub fn with_timeout(mut self, timeout: Duration) -> Bot {
        let inner = self.inner_mut();
        inner.timeout = timeout;
        inner.agent = default_agent(timeout);
        self
    }

    /// How much longer than its `timeout` a long poll may take before it is abandoned
    /// ([`LONG_POLL_MARGIN`] by default).
    pub fn with_long_poll_margin(mut self, margin: Duration) -> Bot {
        self.inner_mut().long_poll_margin = margin;
        self
    }

    /// Repeats failed requests as `retry` says (never, by default). A [`Call`](crate::Call)
    /// can set its own.
    pub fn with_retry(mut self, retry: Retry) -> Bot {
        self.inner_mut().retry = retry;
        self
    }

    /// Waits for a free slot under Telegram's rate limits before each request, and waits out
    /// 429 answers, as `flood_control` says (off by default). Clones of the bot made after this
    /// share the limits. See [`FloodControl`].
    pub fn with_flood_control(mut self, flood_control: FloodControl) -> Bot {
        self.inner_mut().flood = Some(Arc::new(Limiter::new(flood_control)));
        self
    }

    /// Sends requests with this HTTP agent (for a proxy, custom TLS or pool settings). Its
    /// error-status setting does not matter: error bodies are always read.
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
    pub fn execute<M: Method>(&self, request: &M) -> Result<M::Response, Error> {
        self.execute_with(request, &self.0.retry)
    }

    /// Sends a request, repeating it as `retry` says.
    pub(crate) fn execute_with<M: Method>(
        &self,
        request: &M,
        retry: &Retry,
    ) -> Result<M::Response, Error> {
        let mut retries = 0;
        let mut permit = self.0.flood.as_deref().map(|flood| flood.permit(request));
        loop {
            let sent = match &permit {
                Some(permit) => permit.send(|| self.send(request)),
                None => self.send(request),
            };
            match sent {
                Err(e) if permit.as_mut().is_some_and(|p| p.retry_after_error(&e)) => {}
                Err(e) => {
                    retries += 1;
                    match retry.wait(&e, retries) {
                        Some(wait) => std::thread::sleep(wait),
                        None => return Err(e),
                    }
                }
                ok => return ok,
            }
        }
    }

    /// Sends a request once.
    fn send<M: Method>(&self, request: &M) -> Result<M::Response, Error> {
        let method = M::NAME;
        let body = encode::encode(request)?;
        let read_timeout = match request.long_poll() {
            Some(poll) => poll + self.0.long_poll_margin,
            None => self.0.timeout,
        };
        let url = self.method_url(method);
        let builder = self
            .0
            .agent
            .post(&url)
            .config()
            .http_status_as_error(false)
            .timeout_recv_response(Some(read_timeout))
            .timeout_recv_body(Some(read_timeout))
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
        let status = response.status().as_u16();
        let bytes = response
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE)
            .read_to_vec()
            .map_err(|e| self.transport_error(method, e))?;
        decode_response::<M>(status, &bytes)
    }

    /// Downloads a file (from [`getFile`](Bot::get_file)) into memory.
    pub fn download_file(&self, file: &File) -> Result<Vec<u8>, Error> {
        let mut out = Vec::with_capacity(file.file_size.unwrap_or(0).clamp(0, 1 << 24) as usize);
        self.download_file_to(file, &mut out)?;
        Ok(out)
    }

    /// Downloads a file into `path`, returning the number of bytes written.
    pub fn download_file_to_path(&self, file: &File, path: impl AsRef<Path>) -> Result<u64, Error> {
        let path = path.as_ref();
        let mut out = std::fs::File::create(path).map_err(|source| Error::Io {
            context: format!("cannot create {}", path.display()),
            source,
        })?;
        self.download_file_to(file, &mut out)
    }

    /// Downloads a file into a writer, streaming it, and returns the number of bytes written.
    ///
    /// A local Bot API server gives an absolute `file_path` on its own disk; such a file is read
    /// from there directly.
    pub fn download_file_to(&self, file: &File, out: &mut dyn Write) -> Result<u64, Error> {
        const METHOD: &str = "download";
        let path = file.file_path.as_deref().ok_or_else(|| {
            Error::Config(format!(
                "file {} has no file_path; call getFile first",
                file.file_id
            ))
        })?;
        let copy = |reader: &mut dyn Read, out: &mut dyn Write| {
            std::io::copy(reader, out).map_err(|source| Error::Io {
                context: format!("cannot download {path}"),
                source,
            })
        };
        if Path::new(path).is_absolute() {
            let mut local = std::fs::File::open(path).map_err(|source| Error::Io {
                context: format!("cannot open {path} (a local Bot API server's file)"),
                source,
            })?;
            return copy(&mut local, out);
        }
        let test = if self.0.test_environment { "test/" } else { "" };
        let url = format!("{}/file/bot{}/{test}{path}", self.0.api_url, self.0.token);
        let response = self
            .0
            .agent
            .get(&url)
            .config()
            .http_status_as_error(false)
            .timeout_recv_response(Some(self.0.timeout))
            .build()
            .call()
            .map_err(|e| self.transport_error(METHOD, e))?;
        let status = response.status().as_u16();
        let mut body = response.into_body();
        if status != 200 {
            let bytes = body
                .with_config()
                .limit(64 * 1024)
                .read_to_vec()
                .unwrap_or_default();
            return Err(match decode_response::<Download>(status, &bytes) {
                Err(e @ Error::Api(_)) => e,
                _ => Error::InvalidResponse {
                    method: METHOD,
                    status,
                    reason: "the file was not sent".into(),
                    excerpt: excerpt(&bytes),
                },
            });
        }
        let mut reader = body.as_reader();
        copy(&mut reader, out).map_err(|e| match e {
            Error::Io { source, .. } => self.io_to_transport(METHOD, source),
            other => other,
        })
    }

    /// Turns an HTTP client error into ours, without the URL (it holds the token).
    fn transport_error(&self, method: &'static str, e: ureq::Error) -> Error {
        match e {
            ureq::Error::Timeout(phase) => Error::Timeout {
                method,
                phase: phase.to_string(),
            },
            ureq::Error::Io(io) => self.io_to_transport(method, io),
            ureq::Error::BodyExceedsLimit(limit) => Error::InvalidResponse {
                method,
                status: 200,
                reason: format!("the response is larger than {limit} bytes"),
                excerpt: String::new(),
            },
            other => Error::Transport {
                method,
                message: self.redact(&other.to_string()),
                kind: None,
            },
        }
    }

    fn io_to_transport(&self, method: &'static str, e: std::io::Error) -> Error {
        if matches!(
            e.kind(),
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
        ) {
            return Error::Timeout {
                method,
                phase: "read".into(),
            };
        }
        Error::Transport {
            method,
            message: self.redact(&e.to_string()),
            kind: Some(e.kind()),
        }
    }

    /// `text` with the token replaced.
    fn redact(&self, text: &str) -> String {
        if self.0.token.is_empty() {
            text.to_owned()
        } else {
            text.replace(&self.0.token, "<token>")
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
pub(crate) fn decode_response<M: Method>(status: u16, body: &[u8]) -> Result<M::Response, Error> {
    let method = M::NAME;
    let invalid = |reason: String| Error::InvalidResponse {
        method,
        status,
        reason,
        excerpt: excerpt(body),
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
            M::decode_result(result.get()).map_err(|e| decode_error::<M>(result.get(), e))
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
    let mut de = serde_json::Deserializer::from_str(result);
    let traced = crate::de::read_as_text(|| {
        serde_path_to_error::deserialize::<_, M::Response>(&mut de).map(drop)
    });
    let (path, message) = match traced {
        Err(traced) => (traced.path().to_string(), traced.inner().to_string()),
        Ok(_) => (String::from("."), e.to_string()),
    };
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

//! [`Error`]: everything that can go wrong calling the Bot API.

use std::fmt;
use std::time::Duration;

use crate::ResponseParameters;

/// An error from a Bot API call.
///
/// Telegram's own refusals are [`Error::Api`], with the code, description and parameters
/// Telegram sent; the helpers ([`is_too_many_requests`](Error::is_too_many_requests),
/// [`retry_after`](Error::retry_after), ...) classify any error without matching on it.
/// No variant ever contains the bot token: errors from the HTTP client are reduced to messages
/// with the token removed.
///
/// ```
/// # fn demo(bot: &telegram_api::Bot) {
/// match bot.send_message(1234567890, "Hi!").call() {
///     Ok(message) => println!("sent {}", message.message_id),
///     Err(e) if e.is_forbidden() => println!("the user blocked the bot"),
///     Err(e) => match e.retry_after() {
///         Some(wait) => println!("flood control: retry in {wait:?}"),
///         None => eprintln!("{e}"),
///     },
/// }
/// # }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Telegram refused the request (`"ok": false`).
    Api(ApiError),
    /// The connection failed: refused, reset or closed before the response was complete, the
    /// host not found, TLS.
    Transport {
        /// The method called (or `"download"`).
        method: &'static str,
        /// What went wrong: the socket's error as it was (its [`kind`](std::io::Error::kind)
        /// says refused, reset, ...), or, for the HTTP client's other failures (a host not
        /// found, TLS), an error of kind [`Other`](std::io::ErrorKind::Other) with the client's
        /// message, the bot token taken out.
        source: std::io::Error,
    },
    /// No answer within the timeout.
    Timeout {
        /// The method called (or `"download"`).
        method: &'static str,
        /// The phase that timed out: [`Connect`](ureq::Timeout::Connect),
        /// [`RecvResponse`](ureq::Timeout::RecvResponse), ..., or
        /// [`PerRead`](ureq::Timeout::PerRead) for a read of a body that waited too long.
        phase: ureq::Timeout,
    },
    /// The body is not a Bot API response: an HTML error page from a proxy, a truncated or
    /// empty body.
    InvalidResponse {
        /// The method called (or `"download"`).
        method: &'static str,
        /// The HTTP status.
        status: u16,
        /// Why the body was rejected.
        reason: String,
        /// The start of the body, for diagnosis.
        excerpt: String,
    },
    /// The response's `result` does not decode as the method's result type.
    Decode {
        /// The method called.
        method: &'static str,
        /// Where in the response decoding failed, such as `result.chat.id`.
        path: String,
        /// What was wrong there.
        message: String,
    },
    /// A file could not be read for upload, or a download could not be written.
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The client is not usable as configured (no token in the environment, an invalid URL,
    /// a request that cannot be encoded).
    Config(String),
    /// A shortcut was used on an update it does not apply to (answering a callback query on a
    /// plain message, editing the message of a button when there was no button): nothing was
    /// sent.
    NotForThisUpdate {
        /// The shortcut, such as `answer_callback`.
        shortcut: &'static str,
        /// What the update lacks, such as `a callback query`.
        needs: &'static str,
    },
}

/// Telegram's refusal of a request: the body of an `"ok": false` response.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    /// The method called.
    pub method: &'static str,
    /// The error code (usually the HTTP status): 400, 401, 403, 404, 409, 429, 5xx.
    pub error_code: i64,
    /// Telegram's description, such as `Bad Request: chat not found`.
    pub description: String,
    /// What can be done about it: when to retry, or the chat's new identifier.
    pub parameters: Option<ResponseParameters>,
}

/// The classes of Bot API errors, by code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiErrorKind {
    /// 400: the request is wrong (chat not found, message too long, ...).
    BadRequest,
    /// 401: the token is invalid.
    Unauthorized,
    /// 403: the bot may not do this (blocked by the user, kicked from the chat).
    Forbidden,
    /// 404: no such method.
    NotFound,
    /// 409: another instance is polling or a webhook is set.
    Conflict,
    /// 429: flood control; see [`ApiError::retry_after`].
    TooManyRequests,
    /// 5xx: Telegram's side failed.
    ServerError,
    /// Any other code.
    Other,
}

impl ApiError {
    /// The class of this error.
    pub fn kind(&self) -> ApiErrorKind {
        match self.error_code {
            400 => ApiErrorKind::BadRequest,
            401 => ApiErrorKind::Unauthorized,
            403 => ApiErrorKind::Forbidden,
            404 => ApiErrorKind::NotFound,
            409 => ApiErrorKind::Conflict,
            429 => ApiErrorKind::TooManyRequests,
            500..=599 => ApiErrorKind::ServerError,
            _ => ApiErrorKind::Other,
        }
    }

    /// How long to wait before repeating the request (flood control).
    pub fn retry_after(&self) -> Option<Duration> {
        let secs = self.parameters.as_ref()?.retry_after?;
        Some(Duration::from_secs(secs.max(0) as u64))
    }

    /// The new identifier of a group that became a supergroup.
    pub fn migrate_to_chat_id(&self) -> Option<i64> {
        self.parameters.as_ref()?.migrate_to_chat_id
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: telegram error {}: {}",
            self.method, self.error_code, self.description
        )?;
        if let Some(wait) = self.retry_after() {
            write!(f, " (retry after {}s)", wait.as_secs())?;
        }
        if let Some(chat) = self.migrate_to_chat_id() {
            write!(f, " (migrated to chat {chat})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

impl Error {
    /// Telegram's refusal, when this is one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The class of Telegram's refusal, when this is one.
    pub fn api_kind(&self) -> Option<ApiErrorKind> {
        self.api().map(ApiError::kind)
    }

    /// Telegram's error code, when this is a refusal.
    pub fn error_code(&self) -> Option<i64> {
        self.api().map(|e| e.error_code)
    }

    /// 400: the request is wrong.
    pub fn is_bad_request(&self) -> bool {
        self.api_kind() == Some(ApiErrorKind::BadRequest)
    }

    /// 401: the token is invalid.
    pub fn is_unauthorized(&self) -> bool {
        self.api_kind() == Some(ApiErrorKind::Unauthorized)
    }

    /// 403: the bot may not do this.
    pub fn is_forbidden(&self) -> bool {
        self.api_kind() == Some(ApiErrorKind::Forbidden)
    }

    /// 404: no such method.
    pub fn is_not_found(&self) -> bool {
        self.api_kind() == Some(ApiErrorKind::NotFound)
    }

    /// 409: another getUpdates request or a webhook is in the way.
    pub fn is_conflict(&self) -> bool {
        self.api_kind() == Some(ApiErrorKind::Conflict)
    }

    /// 429: flood control.
    pub fn is_too_many_requests(&self) -> bool {
        self.api_kind() == Some(ApiErrorKind::TooManyRequests)
    }

    /// A 5xx answer, from Telegram or from the proxy in front of it.
    pub fn is_server_error(&self) -> bool {
        match self {
            Error::Api(e) => e.kind() == ApiErrorKind::ServerError,
            Error::InvalidResponse { status, .. } => (500..600).contains(status),
            _ => false,
        }
    }

    /// Whether no answer came within the timeout.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. })
    }

    /// Whether the connection failed or timed out.
    pub fn is_transport(&self) -> bool {
        matches!(self, Error::Transport { .. } | Error::Timeout { .. })
    }

    /// Whether repeating the request later may succeed: connection failures, timeouts, server
    /// errors and proxy error pages, and flood control.
    pub fn is_transient(&self) -> bool {
        self.is_transport()
            || self.is_server_error()
            || self.is_too_many_requests()
            || matches!(self, Error::InvalidResponse { .. })
    }

    /// How long Telegram asks to wait before repeating the request (flood control).
    pub fn retry_after(&self) -> Option<Duration> {
        self.api()?.retry_after()
    }

    /// The new identifier of a group that became a supergroup.
    pub fn migrate_to_chat_id(&self) -> Option<i64> {
        self.api()?.migrate_to_chat_id()
    }

    /// The method whose call failed.
    pub fn method(&self) -> Option<&'static str> {
        match self {
            Error::Api(e) => Some(e.method),
            Error::Transport { method, .. }
            | Error::Timeout { method, .. }
            | Error::InvalidResponse { method, .. }
            | Error::Decode { method, .. } => Some(method),
            Error::Io { .. } | Error::Config(_) | Error::NotForThisUpdate { .. } => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(e) => e.fmt(f),
            Error::Transport { method, source } => {
                write!(f, "{method}: connection failed: {source}")
            }
            Error::Timeout { method, phase } => write!(f, "{method}: timed out ({phase})"),
            Error::InvalidResponse {
                method,
                status,
                reason,
                excerpt,
            } => write!(
                f,
                "{method}: HTTP {status} without a Bot API response ({reason}): {excerpt:?}"
            ),
            Error::Decode {
                method,
                path,
                message,
            } => write!(f, "{method}: cannot decode {path}: {message}"),
            Error::Io { context, source } => write!(f, "{context}: {source}"),
            Error::Config(message) => write!(f, "configuration: {message}"),
            Error::NotForThisUpdate { shortcut, needs } => {
                write!(f, "{shortcut}: the update has no {needs}; nothing was sent")
            }
        }
    }
}

/// Each error prints its cause once: `Display` includes the text of the error it wraps, so
/// `source()` goes on with the first cause that text does not already tell (an error report
/// that walks the chain does not repeat a message).
impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Api(e) => e.source(),
            Error::Transport { source, .. } | Error::Io { source, .. } => {
                untold_cause(&self.to_string(), source)
            }
            _ => None,
        }
    }
}

/// The first cause of `e` whose message `told` (a message that includes `e`'s) does not
/// already include: where an error's `source()` goes on, so that a report walking the chain
/// names each cause once.
pub(crate) fn untold_cause<'e>(
    told: &str,
    e: &'e (dyn std::error::Error + 'static),
) -> Option<&'e (dyn std::error::Error + 'static)> {
    let mut next = e.source();
    while let Some(cause) = next {
        if !told.contains(&cause.to_string()) {
            return Some(cause);
        }
        next = cause.source();
    }
    None
}

/// What stands in for the bot token in anything kept from a server's answer.
pub(crate) const TOKEN_MARKER: &str = "<token>";

/// Removes a bot token from text that came from a server (an error page echoing the requested
/// URL, a description): the token as written, and percent-encoded (`:` as `%3A`).
#[derive(Clone)]
pub(crate) struct Redactor {
    forms: Vec<String>,
}

impl Redactor {
    pub(crate) fn new(token: &str) -> Redactor {
        let mut forms = Vec::new();
        if !token.is_empty() {
            forms.push(token.to_owned());
            for colon in ["%3A", "%3a"] {
                let encoded = token.replace(':', colon);
                if encoded != token {
                    forms.push(encoded);
                }
            }
        }
        Redactor { forms }
    }

    /// `text` with every form of the token replaced by [`TOKEN_MARKER`] (so `bot<token>` in
    /// a URL reads `bot<token>` with the marker).
    pub(crate) fn text(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for form in &self.forms {
            if out.contains(form.as_str()) {
                out = out.replace(form.as_str(), TOKEN_MARKER);
            }
        }
        out
    }

    fn in_place(&self, text: &mut String) {
        if self.forms.iter().any(|f| text.contains(f.as_str())) {
            *text = self.text(text);
        }
    }

    /// `error` as it was, or, when its message has the token, an error of the same kind with
    /// the message redacted (its causes dropped with the token).
    fn io(&self, error: &mut std::io::Error) {
        let text = error.to_string();
        if self.forms.iter().any(|f| text.contains(f.as_str())) {
            *error = std::io::Error::new(error.kind(), self.text(&text));
        }
    }

    fn value(&self, value: &mut serde_json::Value) {
        match value {
            serde_json::Value::String(s) => self.in_place(s),
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| self.value(v)),
            serde_json::Value::Object(map) => {
                let keys: Vec<String> = map.keys().cloned().collect();
                for key in keys {
                    let redacted = self.text(&key);
                    if let Some(mut v) = map.remove(&key) {
                        self.value(&mut v);
                        map.insert(redacted, v);
                    }
                }
            }
            _ => {}
        }
    }

    /// `error` with the token removed from every text it keeps.
    pub(crate) fn error(&self, mut error: Error) -> Error {
        if self.forms.is_empty() {
            return error;
        }
        match &mut error {
            Error::Api(e) => {
                self.in_place(&mut e.description);
                if let Some(parameters) = &mut e.parameters {
                    let extra = std::mem::take(&mut parameters.extra);
                    for (key, mut value) in extra.iter().map(|(k, v)| (k.clone(), v.clone())) {
                        self.value(&mut value);
                        parameters.extra.insert(self.text(&key), value);
                    }
                }
            }
            Error::Transport { source, .. } => self.io(source),
            // The HTTP client's own names of phases.
            Error::Timeout { .. } => {}
            Error::InvalidResponse {
                reason, excerpt, ..
            } => {
                self.in_place(reason);
                self.in_place(excerpt);
            }
            Error::Decode { path, message, .. } => {
                self.in_place(path);
                self.in_place(message);
            }
            Error::Io { context, source } => {
                self.in_place(context);
                self.io(source);
            }
            Error::Config(message) => self.in_place(message),
            // Static texts of this crate's own.
            Error::NotForThisUpdate { .. } => {}
        }
        error
    }
}

/// The first characters of a body, for error messages.
#[cfg(test)]
pub(crate) fn excerpt(body: &[u8]) -> String {
    excerpt_redacted(body, None)
}

/// The first characters of a body with the token removed, for error messages. The whole body is
/// redacted before it is cut, so a token straddling the cut cannot leave a piece behind.
pub(crate) fn excerpt_redacted(body: &[u8], redactor: Option<&Redactor>) -> String {
    const MAX: usize = 200;
    let lossy;
    let text = match redactor {
        Some(r) => {
            lossy = r.text(&String::from_utf8_lossy(body));
            let mut end = lossy.len().min(MAX * 4);
            while !lossy.is_char_boundary(end) {
                end -= 1;
            }
            lossy[..end].to_owned()
        }
        None => String::from_utf8_lossy(&body[..body.len().min(MAX * 4)]).into_owned(),
    };
    let collapsed: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match collapsed.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}...", &collapsed[..i]),
        None => collapsed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_by_code() {
        let e = |code: i64| {
            Error::Api(ApiError {
                method: "sendMessage",
                error_code: code,
                description: "x".into(),
                parameters: None,
            })
        };
        assert!(e(400).is_bad_request());
        assert!(e(401).is_unauthorized());
        assert!(e(403).is_forbidden());
        assert!(e(404).is_not_found());
        assert!(e(409).is_conflict());
        assert!(e(429).is_too_many_requests() && e(429).is_transient());
        assert!(e(502).is_server_error() && e(502).is_transient());
        assert!(!e(400).is_transient());
        assert_eq!(e(418).api_kind(), Some(ApiErrorKind::Other));
        assert_eq!(e(400).method(), Some("sendMessage"));
    }

    #[test]
    fn the_token_is_taken_out_of_everything_kept() {
        let token = "123:ABC";
        let r = Redactor::new(token);
        assert_eq!(
            r.text("GET /bot123:ABC/getMe and /bot123%3AABC/x, 123%3aABC"),
            "GET /bot<token>/getMe and /bot<token>/x, <token>"
        );
        let mut parameters: ResponseParameters =
            serde_json::from_str(r#"{"retry_after": 3, "url": ["/bot123:ABC/x"], "123:ABC": 1}"#)
                .unwrap();
        parameters.migrate_to_chat_id = None;
        let e = r.error(Error::Api(ApiError {
            method: "getMe",
            error_code: 400,
            description: "no 123:ABC here".into(),
            parameters: Some(parameters),
        }));
        let text = format!("{e} {e:?}");
        assert!(!text.contains(token), "{text}");
        assert!(text.contains("no <token> here") && text.contains("/bot<token>/x"));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
        // Cut after redaction: no piece of a token at the end of an excerpt.
        let body = format!("{}/bot123:ABC/getMe", "x".repeat(193));
        let cut = excerpt_redacted(body.as_bytes(), Some(&r));
        assert!(cut.ends_with("/bot<to..."), "{cut}");
        assert!(excerpt(body.as_bytes()).ends_with("/bot123..."));
        // Without a token nothing changes.
        assert_eq!(Redactor::new("").text("a:b"), "a:b");
    }

    #[test]
    fn excerpts_are_short_and_on_one_line() {
        let page = format!(
            "<html>\n<head><title>502 Bad Gateway</title></head>\n{}",
            "x".repeat(1000)
        );
        let short = excerpt(page.as_bytes());
        assert!(short.starts_with("<html> <head><title>502 Bad Gateway</title></head>"));
        assert!(short.chars().count() <= 203);
        assert_eq!(excerpt("é".repeat(300).as_bytes()).chars().count(), 203);
    }
}

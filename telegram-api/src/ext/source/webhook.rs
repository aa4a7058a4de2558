//! [`Webhook`] and [`Application::run_webhook`]: the HTTP server receiving updates from
//! Telegram (hyper, on a single-threaded tokio runtime of its own, driven by the calling
//! thread), with the user's extra routes ([`WebhookRequest`], [`WebhookResponse`]).

use std::collections::HashMap;
use std::convert::Infallible;
use std::fmt;
use std::future::{Future, poll_fn};
use std::hash::{BuildHasher, Hasher};
use std::net::TcpListener;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::task::Poll;
use std::time::Duration;

use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::{Body, Bytes, Incoming};
use hyper::header::{CONNECTION, CONTENT_TYPE, HeaderName, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::{Semaphore, oneshot, watch};

use crate::Update;
use crate::ext::application::Application;
use crate::ext::pool::{Done, Pool};
use crate::ext::source::polling::{RunError, Stop, TICK};
use crate::webhook::{SECRET_TOKEN_HEADER, parse_update, verify_secret_token};

/// How long, once stopped and the pool shut down, answers still owed are given to reach their
/// clients before the remaining connections are closed.
const ANSWER_GRACE: Duration = Duration::from_secs(1);

/// A handler of an extra route ([`Webhook::route`]).
type RouteHandler = dyn Fn(WebhookRequest) -> WebhookResponse + Send + Sync;

/// Where and how [`Application::run_webhook`] receives updates.
///
/// The server speaks plain HTTP unless TLS is configured with `Webhook::tls` (the
/// `webhook-tls` feature). Without it, put it behind a reverse proxy (nginx, Caddy, a cloud
/// load balancer) that terminates TLS on one of the ports Telegram accepts (443, 80, 88,
/// 8443) and forwards the path to [`listen`](Webhook::new); with it, the server can face
/// Telegram itself.
///
/// No client can hold the server up: every connection is served on its own, the request head
/// must arrive within [`header_timeout`](Webhook::header_timeout) and the body within
/// [`body_timeout`](Webhook::body_timeout), bodies are capped
/// ([`max_body`](Webhook::max_body)), and at most
/// [`connection_limit`](Webhook::connection_limit) connections are open at once (the others
/// wait to be accepted).
///
/// ```no_run
/// # fn demo(app: telegram_api::ext::Application) -> Result<(), telegram_api::ext::RunError> {
/// use telegram_api::ext::Webhook;
/// app.run_webhook(
///     Webhook::new("127.0.0.1:8080")
///         .url("https://bot.example.com/telegram")
///         .path("/telegram")
///         .health("/health")
///         .drop_pending_updates(true),
/// )?;
/// # Ok(())
/// # }
/// ```
pub struct Webhook {
    listen: Listen,
    url: Option<String>,
    path: String,
    secret_token: Option<String>,
    drop_pending_updates: bool,
    max_connections: Option<u32>,
    header_timeout: Duration,
    body_timeout: Duration,
    connection_limit: usize,
    max_body: usize,
    health: Option<String>,
    routes: HashMap<String, Arc<RouteHandler>>,
    #[cfg(feature = "webhook-tls")]
    tls: Option<(std::path::PathBuf, std::path::PathBuf)>,
}

enum Listen {
    Address(String),
    Listener(TcpListener),
}

impl Webhook {
    /// Listens on `address` (`"0.0.0.0:8080"`, `"127.0.0.1:8080"`, ...).
    pub fn new(address: impl Into<String>) -> Webhook {
        Webhook::with(Listen::Address(address.into()))
    }

    /// Listens on an already bound socket.
    #[must_use]
    pub fn from_listener(listener: TcpListener) -> Webhook {
        Webhook::with(Listen::Listener(listener))
    }

    fn with(listen: Listen) -> Webhook {
        Webhook {
            listen,
            url: None,
            path: "/".into(),
            secret_token: None,
            drop_pending_updates: false,
            max_connections: None,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            connection_limit: 256,
            max_body: 1 << 20,
            health: None,
            routes: HashMap::new(),
            #[cfg(feature = "webhook-tls")]
            tls: None,
        }
    }

    /// The public HTTPS URL Telegram is to POST to. When set, `setWebhook` is called with it
    /// at start; when not, the webhook must have been set already (with the same
    /// [`secret_token`](Webhook::secret_token)).
    #[must_use]
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// The path requests must have (default `/`); other paths get 404.
    #[must_use]
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// The secret Telegram sends in every request (1-256 of `A-Z a-z 0-9 _ -`). By default a
    /// random one is made when [`url`](Webhook::url) is set. Requests without it get 403.
    #[must_use]
    pub fn secret_token(mut self, token: impl Into<String>) -> Self {
        self.secret_token = Some(token.into());
        self
    }

    /// Drop the updates waiting at Telegram when setting the webhook.
    #[must_use]
    pub fn drop_pending_updates(mut self, drop: bool) -> Self {
        self.drop_pending_updates = drop;
        self
    }

    /// At most this many simultaneous connections from Telegram (1-100, default 40), as told
    /// to `setWebhook`. What the server itself accepts is
    /// [`connection_limit`](Webhook::connection_limit).
    #[must_use]
    pub fn max_connections(mut self, n: u32) -> Self {
        self.max_connections = Some(n);
        self
    }

    /// How long a client has to send a request's head, from the moment the connection waits
    /// for one (default 10 s); a connection that takes longer, or stays idle between requests
    /// longer, is closed.
    #[must_use]
    pub fn header_timeout(mut self, timeout: Duration) -> Self {
        self.header_timeout = timeout;
        self
    }

    /// How long a client has to send a request's whole body once its head arrived (default
    /// 10 s); one that takes longer is answered 408 and its connection closed.
    #[must_use]
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.body_timeout = timeout;
        self
    }

    /// At most this many connections open at once (default 256, at least 1); further ones
    /// wait in the listening socket's backlog until one closes. Idle connections are closed
    /// after [`header_timeout`](Webhook::header_timeout), so waiting ones get their turn.
    #[must_use]
    pub fn connection_limit(mut self, n: usize) -> Self {
        self.connection_limit = n.max(1);
        self
    }

    /// The largest request body accepted, updates and [`route`](Webhook::route) requests alike
    /// (default 1 MiB; Telegram's updates are far smaller); a larger one is answered 413.
    #[must_use]
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// Answers GET (and HEAD) requests to `path` with 200 `ok`, without a secret token: for a
    /// load balancer's or an orchestrator's health checks.
    #[must_use]
    pub fn health(mut self, path: impl Into<String>) -> Self {
        self.health = Some(path.into());
        self
    }

    /// Serves requests to `path` (any method, any query) with `handler`, on the same port as the
    /// updates: a payment provider's notifications, a Mini App's backend calls, and so on.
    ///
    /// The handler is a plain blocking function: it runs on a thread of its own per request,
    /// never holding up the server, and may call the Bot API, read files or sleep. Its body is
    /// read in full first (within [`body_timeout`](Webhook::body_timeout) and
    /// [`max_body`](Webhook::max_body)); no secret token is checked: the handler checks what its
    /// caller signs. A handler that panics gets its request answered 500. Once the application
    /// is stopping, requests are answered 503 without it; one still running when
    /// [`run_webhook`](Application::run_webhook) returns finishes on its own thread, its
    /// answer unsent.
    ///
    /// ```no_run
    /// # fn demo(app: telegram_api::ext::Application) -> Result<(), telegram_api::ext::RunError> {
    /// use telegram_api::ext::{Webhook, WebhookResponse};
    /// app.run_webhook(
    ///     Webhook::new("0.0.0.0:8080")
    ///         .path("/telegram")
    ///         .route("/orders", |request| {
    ///             if request.method != "POST" {
    ///                 return WebhookResponse::text(405, "POST only");
    ///             }
    ///             let order = request.query.unwrap_or_default();
    ///             println!("order {order}: {} bytes", request.body.len());
    ///             WebhookResponse::json(200, r#"{"ok":true}"#)
    ///         }),
    /// )?;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn route(
        mut self,
        path: impl Into<String>,
        handler: impl Fn(WebhookRequest) -> WebhookResponse + Send + Sync + 'static,
    ) -> Self {
        self.routes.insert(path.into(), Arc::new(handler));
        self
    }
}

#[cfg(feature = "webhook-tls")]
impl Webhook {
    /// Serves HTTPS with the certificate chain and private key in these PEM files (the
    /// `webhook-tls` feature): the leaf certificate first, then its intermediates; the key
    /// in PKCS #8, PKCS #1 or SEC1 form. TLS 1.2 and 1.3 through rustls; the handshake must
    /// end within [`header_timeout`](Webhook::header_timeout).
    ///
    /// Telegram accepts a certificate of a public authority, or a self-signed one uploaded with
    /// `setWebhook` (call it yourself then, with the certificate, and leave
    /// [`url`](Webhook::url) unset).
    ///
    /// ```no_run
    /// # fn demo(app: telegram_api::ext::Application) -> Result<(), telegram_api::ext::RunError> {
    /// use telegram_api::ext::Webhook;
    /// app.run_webhook(
    ///     Webhook::new("0.0.0.0:8443")
    ///         .url("https://bot.example.com:8443/telegram")
    ///         .path("/telegram")
    ///         .tls("/etc/bot/fullchain.pem", "/etc/bot/privkey.pem"),
    /// )?;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn tls(
        mut self,
        cert_chain_pem: impl Into<std::path::PathBuf>,
        key_pem: impl Into<std::path::PathBuf>,
    ) -> Self {
        self.tls = Some((cert_chain_pem.into(), key_pem.into()));
        self
    }
}

/// The TLS of the connections, when configured.
#[derive(Clone, Default)]
struct Tls(#[cfg(feature = "webhook-tls")] Option<tokio_rustls::TlsAcceptor>);

impl Tls {
    /// Reads the certificate chain and key of `webhook`, when it has them.
    #[cfg(feature = "webhook-tls")]
    fn of(webhook: &Webhook) -> std::io::Result<Tls> {
        use rustls_pki_types::pem::PemObject;
        use rustls_pki_types::{CertificateDer, PrivateKeyDer};
        use tokio_rustls::rustls;

        let Some((chain, key)) = &webhook.tls else {
            return Ok(Tls(None));
        };
        let invalid = |what: &std::path::Path, e: &dyn fmt::Display| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("webhook TLS: {}: {e}", what.display()),
            )
        };
        let certs = CertificateDer::pem_file_iter(chain)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .map_err(|e| invalid(chain, &e))?;
        if certs.is_empty() {
            return Err(invalid(chain, &"no certificate in the file"));
        }
        let key = PrivateKeyDer::from_pem_file(key).map_err(|e| invalid(key, &e))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .and_then(|b| b.with_no_client_auth().with_single_cert(certs, key))
            .map_err(|e| invalid(chain, &e))?;
        Ok(Tls(Some(tokio_rustls::TlsAcceptor::from(Arc::new(config)))))
    }

    #[cfg(not(feature = "webhook-tls"))]
    fn of(_: &Webhook) -> std::io::Result<Tls> {
        Ok(Tls())
    }
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let listen = match &self.listen {
            Listen::Address(a) => a.clone(),
            Listen::Listener(l) => format!("{:?}", l.local_addr().ok()),
        };
        let mut routes: Vec<&String> = self.routes.keys().collect();
        routes.sort();
        let mut f = f.debug_struct("Webhook");
        f.field("listen", &listen)
            .field("url", &self.url)
            .field("path", &self.path)
            .field(
                "secret_token",
                &self.secret_token.as_ref().map(|_| "<hidden>"),
            )
            .field("drop_pending_updates", &self.drop_pending_updates)
            .field("max_connections", &self.max_connections)
            .field("header_timeout", &self.header_timeout)
            .field("body_timeout", &self.body_timeout)
            .field("connection_limit", &self.connection_limit)
            .field("max_body", &self.max_body)
            .field("health", &self.health)
            .field("routes", &routes);
        #[cfg(feature = "webhook-tls")]
        f.field("tls", &self.tls);
        f.finish()
    }
}

/// A request to an extra route of the webhook server ([`Webhook::route`]), its body read in
/// full.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct WebhookRequest {
    /// The method (`GET`, `POST`, ...).
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The query string, without the `?`, when there is one.
    pub query: Option<String>,
    /// The headers in the order received, names in lower case; values that are not UTF-8
    /// have their invalid bytes replaced.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl WebhookRequest {
    /// The first header called `name` (in any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The answer of an extra route's handler ([`Webhook::route`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebhookResponse {
    /// The status code (an invalid one is sent as 500).
    pub status: u16,
    /// The headers to send (`Content-Length` is added); a header that is not valid HTTP makes
    /// the answer a 500, with a `log::warn!` record.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl WebhookResponse {
    /// An answer with this status, no headers and an empty body.
    #[must_use]
    pub fn new(status: u16) -> WebhookResponse {
        WebhookResponse {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A `text/plain; charset=utf-8` answer.
    pub fn text(status: u16, body: impl Into<String>) -> WebhookResponse {
        WebhookResponse::new(status)
            .header("content-type", "text/plain; charset=utf-8")
            .body(body.into())
    }

    /// An `application/json` answer; `body` is JSON text.
    pub fn json(status: u16, body: impl Into<String>) -> WebhookResponse {
        WebhookResponse::new(status)
            .header("content-type", "application/json")
            .body(body.into())
    }

    /// Adds a header.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body.
    #[must_use]
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }
}

/// A random secret token: 32 characters of `A-Za-z0-9`, from the operating system's random
/// keys of std's hasher (SipHash keyed with random keys is unpredictable without them).
fn random_token() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut token = String::with_capacity(32);
    for i in 0..4u64 {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(i);
        let mut bits = hasher.finish();
        for _ in 0..8 {
            token.push(ALPHABET[(bits % ALPHABET.len() as u64) as usize] as char);
            bits /= ALPHABET.len() as u64;
        }
    }
    token
}

/// An update on its way to the pool, with what answers its request.
type Submission = (Update, Done);

/// What every connection's requests are served with.
struct Shared {
    path: String,
    secret: Option<String>,
    max_body: usize,
    body_timeout: Duration,
    /// Also the time a TLS handshake may take.
    #[cfg_attr(not(feature = "webhook-tls"), allow(dead_code))]
    header_timeout: Duration,
    health: Option<String>,
    routes: HashMap<String, Arc<RouteHandler>>,
    /// To the submitting thread.
    submit: mpsc::Sender<Submission>,
    /// Set once the application stops: new updates and route requests get 503.
    stopping: Arc<AtomicBool>,
    /// Says `true` once the pool was shut down: updates still unanswered then (their handlers
    /// outlived the stop timeout) are answered 503.
    finished: watch::Receiver<bool>,
}

type Answer = Response<Full<Bytes>>;

fn answer(status: u16, body: &'static str) -> Answer {
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    if !body.is_empty() {
        response.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
    }
    response
}

/// An answer after which the connection is closed (its body was not read to the end).
fn closing(status: u16, body: &'static str) -> Answer {
    let mut response = answer(status, body);
    response
        .headers_mut()
        .insert(CONNECTION, HeaderValue::from_static("close"));
    response
}

fn not_handled() -> Answer {
    answer(503, "not handled, send it again")
}

/// Reads a whole body within the server's limits, or says how to answer instead.
async fn read_body(body: Incoming, shared: &Shared) -> Result<Bytes, Answer> {
    // A declared length over the cap is refused before anything is read (and before a client
    // that asked `Expect: 100-continue` is told to send it).
    if body
        .size_hint()
        .exact()
        .is_some_and(|len| len > shared.max_body as u64)
    {
        return Err(closing(413, "body too large"));
    }
    let collect = Limited::new(body, shared.max_body).collect();
    match tokio::time::timeout(shared.body_timeout, collect).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => {
            Err(closing(413, "body too large"))
        }
        Ok(Err(e)) => {
            log::debug!(target: "telegram_api", "webhook: reading a request body failed: {e}");
            Err(closing(400, "unreadable body"))
        }
        Err(_) => {
            log::debug!(
                target: "telegram_api",
                "webhook: a request body did not arrive within {:?}",
                shared.body_timeout
            );
            Err(closing(408, "body not received in time"))
        }
    }
}

/// Answers one request.
async fn serve(request: Request<Incoming>, shared: Arc<Shared>) -> Answer {
    let path = request.uri().path();
    if shared.health.as_deref() == Some(path) {
        return match *request.method() {
            Method::GET | Method::HEAD => answer(200, "ok"),
            _ => answer(405, "GET only"),
        };
    }
    if let Some(handler) = shared.routes.get(path) {
        let handler = handler.clone();
        return serve_route(request, handler, &shared).await;
    }
    if path != shared.path {
        return answer(404, "not found");
    }
    if request.method() != Method::POST {
        return answer(405, "POST only");
    }
    if let Some(secret) = &shared.secret {
        let header = request
            .headers()
            .get(SECRET_TOKEN_HEADER)
            .and_then(|v| v.to_str().ok());
        if !verify_secret_token(secret, header) {
            return answer(403, "forbidden");
        }
    }
    if shared.stopping.load(Ordering::SeqCst) {
        return not_handled();
    }
    let body = match read_body(request.into_body(), &shared).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let update = match parse_update(&body) {
        Ok(update) => update,
        Err(e) => {
            log::warn!(
                target: "telegram_api",
                "webhook: rejected a body of {} bytes: {e}",
                body.len()
            );
            return answer(400, "not an update");
        }
    };
    // Answered once handled and committed: 200 confirms it to Telegram, 503 has it sent again.
    // A `done` dropped without being called (the pool gone) counts as not handled.
    let (tx, rx) = oneshot::channel();
    let done: Done = Box::new(move |handled| {
        let _ = tx.send(handled);
    });
    if let Err(mpsc::SendError((_, done))) = shared.submit.send((update, done)) {
        done(false);
    }
    if handled(rx, shared.finished.clone()).await {
        answer(200, "")
    } else {
        not_handled()
    }
}

/// Whether the update was handled: what its `done` says, or `false` once the pool was shut
/// down without saying it.
async fn handled(done: oneshot::Receiver<bool>, mut finished: watch::Receiver<bool>) -> bool {
    let mut done = pin!(done);
    let mut finished = pin!(async move {
        let _ = finished.wait_for(|f| *f).await;
    });
    poll_fn(|cx| {
        if let Poll::Ready(handled) = done.as_mut().poll(cx) {
            return Poll::Ready(handled.unwrap_or(false));
        }
        if finished.as_mut().poll(cx).is_ready() {
            return Poll::Ready(false);
        }
        Poll::Pending
    })
    .await
}

/// Answers a request to an extra route with its handler, on a blocking thread.
async fn serve_route(
    request: Request<Incoming>,
    handler: Arc<RouteHandler>,
    shared: &Shared,
) -> Answer {
    if shared.stopping.load(Ordering::SeqCst) {
        return answer(503, "stopping");
    }
    let (parts, body) = request.into_parts();
    let body = match read_body(body, shared).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let request = WebhookRequest {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                (name.as_str().to_owned(), value)
            })
            .collect(),
        body: body.to_vec(),
    };
    let path = request.path.clone();
    // The handler may block for as long as it likes: tokio's blocking threads, started as
    // needed, keep it off the thread that serves the connections.
    match tokio::task::spawn_blocking(move || handler(request)).await {
        Ok(response) => route_answer(&path, response),
        Err(_) => {
            log::error!(target: "telegram_api", "webhook: the handler of route {path} panicked");
            answer(500, "internal error")
        }
    }
}

/// The HTTP answer of a route handler's [`WebhookResponse`].
fn route_answer(path: &str, response: WebhookResponse) -> Answer {
    let mut answer = Response::new(Full::new(Bytes::from(response.body)));
    *answer.status_mut() =
        StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in &response.headers {
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            (Ok(name), Ok(value)) => {
                answer.headers_mut().append(name, value);
            }
            _ => {
                log::warn!(
                    target: "telegram_api",
                    "webhook: the handler of route {path} answered an invalid header {name:?}"
                );
                return self::answer(500, "internal error");
            }
        }
    }
    answer
}

/// Serves one accepted connection, after its TLS handshake when there is TLS (which must end
/// within the header timeout). `permit` is its place under the connection limit.
async fn connection(
    stream: tokio::net::TcpStream,
    tls: Tls,
    builder: http1::Builder,
    shared: Arc<Shared>,
    stopped: watch::Receiver<bool>,
    permit: tokio::sync::OwnedSemaphorePermit,
) {
    #[cfg(feature = "webhook-tls")]
    if let Some(acceptor) = tls.0 {
        match tokio::time::timeout(shared.header_timeout, acceptor.accept(stream)).await {
            Ok(Ok(stream)) => serve_connection(stream, builder, shared, stopped, permit).await,
            Ok(Err(e)) => {
                log::debug!(target: "telegram_api", "webhook: a TLS handshake failed: {e}")
            }
            Err(_) => log::debug!(target: "telegram_api", "webhook: a TLS handshake took too long"),
        }
        return;
    }
    let _ = tls;
    serve_connection(stream, builder, shared, stopped, permit).await;
}

/// Serves one connection until it closes, shutting it down gracefully once `stopped` says so
/// (the request in progress is answered, then the connection closes). `_permit` is its place
/// under the connection limit.
async fn serve_connection<S>(
    stream: S,
    builder: http1::Builder,
    shared: Arc<Shared>,
    mut stopped: watch::Receiver<bool>,
    _permit: tokio::sync::OwnedSemaphorePermit,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |request| {
        let shared = shared.clone();
        async move { Ok::<_, Infallible>(serve(request, shared).await) }
    });
    let mut connection = pin!(builder.serve_connection(TokioIo::new(stream), service));
    let mut stop = pin!(async move {
        let _ = stopped.wait_for(|s| *s).await;
    });
    let mut shutting_down = false;
    let result = poll_fn(|cx| {
        if !shutting_down && stop.as_mut().poll(cx).is_ready() {
            shutting_down = true;
            connection.as_mut().graceful_shutdown();
        }
        connection.as_mut().poll(cx)
    })
    .await;
    if let Err(e) = result {
        // A client that was too slow, went away or spoke something else than HTTP/1.
        log::debug!(target: "telegram_api", "webhook: a connection ended: {e}");
    }
}

/// Accepts connections while there is room under the limit, each served by a task of its own.
async fn accept(
    listener: tokio::net::TcpListener,
    tls: Tls,
    limit: Arc<Semaphore>,
    builder: http1::Builder,
    shared: Arc<Shared>,
    stopped: watch::Receiver<bool>,
) {
    loop {
        let Ok(permit) = limit.clone().acquire_owned().await else {
            return;
        };
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors, say: wait a little rather than spin.
                log::warn!(target: "telegram_api", "webhook: accepting a connection failed: {e}");
                tokio::time::sleep(TICK).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(connection(
            stream,
            tls.clone(),
            builder.clone(),
            shared.clone(),
            stopped.clone(),
            permit,
        ));
    }
}

/// Hands the updates the connections parsed to the pool, in the order they came, until the
/// application stops; then tells every update not handed over that it was not handled, and
/// shuts the pool down.
///
/// It runs on a thread of its own rather than on tokio's blocking threads: handing over waits
/// while the pool's queue is full, and one thread waiting in turn keeps the arrival order and
/// holds no more than one thread however many updates wait (at most one per connection).
fn submit_updates(
    pool: Pool,
    updates: &mpsc::Receiver<Submission>,
    stopping: &AtomicBool,
    stop_timeout: Duration,
) {
    'updates: while !stopping.load(Ordering::SeqCst) {
        let (mut update, mut done) = match updates.recv_timeout(TICK) {
            Ok(submission) => submission,
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            // The server is gone (it failed to start): nothing more will come.
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        };
        let id = update.update_id;
        loop {
            match pool.try_submit_with(update, TICK, done) {
                Ok(()) => {
                    log::trace!(target: "telegram_api", "webhook: update {id} queued");
                    break;
                }
                Err((back, tell)) if stopping.load(Ordering::SeqCst) => {
                    drop(back);
                    tell(false);
                    break 'updates;
                }
                Err((back, tell)) => (update, done) = (back, tell),
            }
        }
    }
    while let Ok((_, done)) = updates.try_recv() {
        done(false);
    }
    pool.shutdown(stop_timeout);
}

impl Application {
    /// Receives updates by webhook and handles them until stopped (the
    /// [`stop_handle`](Application::stop_handle), Ctrl-C or SIGTERM).
    ///
    /// With [`Webhook::url`] set, first calls `setWebhook` with the URL, the secret token, the
    /// [`allowed_updates`](Application::allowed_updates) and the drop-pending option. Then
    /// serves: each POST to the path with the right secret token (compared in constant time)
    /// and an update as body is handed to the ordered worker pool, and answered 200 once it is
    /// safe: written to the store's inbox with a store that keeps one (the file store, several
    /// updates per `fsync`; the Redis store, whose inbox every process shares), else once its
    /// handlers ran and their changes were committed (so with an inbox, a slow handler delays
    /// no answer). A wrong or missing token gets 403, a
    /// body that is not an update 400 (and a `log::warn!` record), a body over
    /// [`Webhook::max_body`] 413, a body that does not arrive within
    /// [`Webhook::body_timeout`] 408, another path 404 (unless it is the
    /// [`health`](Webhook::health) path or a [`route`](Webhook::route) of the user's),
    /// another method 405. Every connection is served on its own: requests are answered as
    /// their updates finish, and a slow or stalled client holds up nobody else. Telegram
    /// sends one chat's updates one after the other, waiting for each answer, so the pool
    /// handles them in order.
    ///
    /// The [`post_init`](crate::ext::ApplicationBuilder::post_init) hooks run before the server
    /// starts, the [`post_stop`](crate::ext::ApplicationBuilder::post_stop) hooks once it stopped.
    ///
    /// The 200 answer is what confirms an update to Telegram, so nothing is lost when the
    /// process dies: an update not answered yet is sent again, one in the inbox is handled by
    /// the next run, and one whose changes were
    /// committed but whose answer was not sent is recognised by its `update_id` and not
    /// applied twice. An update that could not be handled (the store kept failing, or the
    /// application stopped before its turn) gets 503, and Telegram sends it again later; so
    /// does one delivered again while the first delivery is still being handled.
    ///
    /// When stopped, the server stops accepting connections, updates still waiting for their
    /// turn are answered 503, the pool is given the
    /// [`stop_timeout`](crate::ext::ApplicationBuilder::stop_timeout) to finish the ones being
    /// handled, and the call returns once their answers were sent (or a second later). An
    /// update whose handler outlives the stop timeout is answered 503 too: it stays
    /// unconfirmed, and when Telegram sends it again, the store's record of handled updates
    /// keeps it from being applied twice.
    ///
    /// The server runs on the calling thread (a single-threaded event loop serves all the
    /// connections), with one more thread that hands updates to the pool; handlers run on
    /// the pool's threads, [`route`](Webhook::route) handlers on threads started as needed.
    ///
    /// # Errors
    ///
    /// Fails with [`RunError::Init`] when a `post_init` hook fails, [`RunError::Io`] when the
    /// server cannot listen, a thread cannot be started or
    /// the TLS certificate or key (`Webhook::tls`) cannot be read, and [`RunError::Api`] when
    /// `setWebhook` fails.
    pub fn run_webhook(&self, webhook: Webhook) -> Result<(), RunError> {
        let stop = Stop::new(&self.inner);
        if stop.is_stopped() {
            return Ok(());
        }
        self.inner.started(self)?;
        let tls = Tls::of(&webhook)?;
        let listener = match webhook.listen {
            Listen::Address(a) => TcpListener::bind(a.as_str())?,
            Listen::Listener(l) => l,
        };
        listener.set_nonblocking(true)?;

        let secret = match (&webhook.secret_token, &webhook.url) {
            (Some(s), _) => Some(s.clone()),
            (None, Some(_)) => Some(random_token()),
            (None, None) => None,
        };
        if let Some(url) = &webhook.url {
            let mut call = self
                .bot()
                .set_webhook(url.clone())
                .allowed_updates(self.allowed_updates())
                .drop_pending_updates(webhook.drop_pending_updates);
            if let Some(secret) = &secret {
                call = call.secret_token(secret.clone());
            }
            if let Some(n) = webhook.max_connections {
                call = call.max_connections(i64::from(n));
            }
            call.call()?;
        }

        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()?;
        let pool = self.start_pool()?;
        let stopping = Arc::new(AtomicBool::new(false));
        let (submit, updates) = mpsc::channel();
        let (submitted_tx, submitted_rx) = oneshot::channel::<()>();
        let submitter = {
            let stopping = stopping.clone();
            let stop_timeout = self.inner.config.stop_timeout;
            std::thread::Builder::new()
                .name("webhook-submit".into())
                .spawn(move || {
                    submit_updates(pool, &updates, &stopping, stop_timeout);
                    let _ = submitted_tx.send(());
                })?
        };

        let (finished_tx, finished) = watch::channel(false);
        let shared = Arc::new(Shared {
            path: webhook.path,
            secret,
            max_body: webhook.max_body,
            body_timeout: webhook.body_timeout,
            header_timeout: webhook.header_timeout,
            health: webhook.health,
            routes: webhook.routes,
            submit,
            stopping: stopping.clone(),
            finished,
        });
        let mut builder = http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(webhook.header_timeout)
            .keep_alive(true);
        let connections = webhook
            .connection_limit
            .min(Semaphore::MAX_PERMITS)
            .min(u32::MAX as usize);
        let limit = Arc::new(Semaphore::new(connections));
        let (stopped_tx, stopped_rx) = watch::channel(false);

        let served = runtime.block_on(async {
            let listener = tokio::net::TcpListener::from_std(listener)?;
            let acceptor = tokio::spawn(accept(
                listener,
                tls,
                limit.clone(),
                builder,
                shared,
                stopped_rx,
            ));
            while !stop.is_stopped() {
                tokio::time::sleep(TICK).await;
            }
            // No more connections; the open ones finish the request in progress and close.
            acceptor.abort();
            stopping.store(true, Ordering::SeqCst);
            let _ = stopped_tx.send(true);
            // The pool finishes or gives back what it holds; every update's answer is owed.
            let _ = submitted_rx.await;
            let _ = finished_tx.send(true);
            let _ =
                tokio::time::timeout(ANSWER_GRACE, limit.acquire_many(connections as u32)).await;
            Ok::<_, std::io::Error>(())
        });
        // Route handlers still running are left to finish on their own threads.
        runtime.shutdown_background();
        // The thread has ended, unless the event loop failed to start: then it ends within a
        // tick, once told to stop.
        stopping.store(true, Ordering::SeqCst);
        let _ = submitter.join();
        self.inner.stopped(self);
        served?;
        Ok(())
    }
}

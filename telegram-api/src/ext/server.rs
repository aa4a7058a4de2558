//! [`Webhook`] and [`Application::run_webhook`]: a blocking HTTP server (tiny_http) receiving
//! updates from Telegram.

use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::io::Read;
use std::net::TcpListener;

use super::application::Application;
use super::pool::Done;
use super::runner::{RunError, Stop, TICK};
use crate::webhook::{SECRET_TOKEN_HEADER, parse_update, verify_secret_token};

/// The largest request body accepted (Telegram's updates are far smaller).
const MAX_BODY: u64 = 16 << 20;

/// Where and how [`Application::run_webhook`] receives updates.
///
/// The server speaks plain HTTP: put it behind a reverse proxy (nginx, Caddy, a cloud load
/// balancer) that terminates TLS on one of the ports Telegram accepts (443, 80, 88, 8443) and
/// forwards the path to [`listen`](Webhook::new).
///
/// ```no_run
/// # fn demo(app: telegram_api::ext::Application) -> Result<(), telegram_api::ext::RunError> {
/// use telegram_api::ext::Webhook;
/// app.run_webhook(
///     Webhook::new("127.0.0.1:8080")
///         .url("https://bot.example.com/telegram")
///         .path("/telegram")
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
        }
    }

    /// The public HTTPS URL Telegram is to POST to. When set, `setWebhook` is called with it
    /// at start; when not, the webhook must have been set already (with the same
    /// [`secret_token`](Webhook::secret_token)).
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// The path requests must have (default `/`); other paths get 404.
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// The secret Telegram sends in every request (1-256 of `A-Z a-z 0-9 _ -`). By default a
    /// random one is made when [`url`](Webhook::url) is set. Requests without it get 403.
    pub fn secret_token(mut self, token: impl Into<String>) -> Self {
        self.secret_token = Some(token.into());
        self
    }

    /// Drop the updates waiting at Telegram when setting the webhook.
    pub fn drop_pending_updates(mut self, drop: bool) -> Self {
        self.drop_pending_updates = drop;
        self
    }

    /// At most this many simultaneous connections from Telegram (1-100, default 40).
    pub fn max_connections(mut self, n: u32) -> Self {
        self.max_connections = Some(n);
        self
    }
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let listen = match &self.listen {
            Listen::Address(a) => a.clone(),
            Listen::Listener(l) => format!("{:?}", l.local_addr().ok()),
        };
        f.debug_struct("Webhook")
            .field("listen", &listen)
            .field("url", &self.url)
            .field("path", &self.path)
            .field(
                "secret_token",
                &self.secret_token.as_ref().map(|_| "<hidden>"),
            )
            .field("drop_pending_updates", &self.drop_pending_updates)
            .field("max_connections", &self.max_connections)
            .finish()
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

fn respond(request: tiny_http::Request, status: u16, body: &str) {
    let response = tiny_http::Response::from_string(body).with_status_code(status);
    // The client may be gone; nothing to do then.
    let _ = request.respond(response);
}

/// The answer an update's request is owed: 200 once the update was handled and committed,
/// 503 (Telegram sends it again) when it was not, including when the pool drops it unhandled
/// at shutdown.
struct Answer(Option<tiny_http::Request>);

impl Answer {
    fn send(mut self, handled: bool) {
        if let Some(request) = self.0.take() {
            if handled {
                respond(request, 200, "");
            } else {
                respond(request, 503, "not handled, send it again");
            }
        }
    }
}

impl Drop for Answer {
    fn drop(&mut self) {
        if let Some(request) = self.0.take() {
            respond(request, 503, "not handled, send it again");
        }
    }
}

impl Application {
    /// Receives updates by webhook and handles them until stopped (the
    /// [`stop_handle`](Application::stop_handle), Ctrl-C or SIGTERM).
    ///
    /// With [`Webhook::url`] set, first calls `setWebhook` with the URL, the secret token, the
    /// [`allowed_updates`](Application::allowed_updates) and the drop-pending option. Then
    /// serves: each POST to the path with the right secret token (compared in constant time)
    /// and an update as body is handed to the ordered worker pool, and answered 200 once its
    /// handlers ran and their changes were committed; a wrong or missing token gets 403, a
    /// body that is not an update 400 (and a `log::warn!` record), another path 404,
    /// another method 405. Requests are answered as their updates finish, while the server
    /// goes on taking others. Telegram sends one chat's updates one after the other, waiting
    /// for each answer, so the pool handles them in order.
    ///
    /// The 200 answer is what confirms an update to Telegram, so nothing is lost when the
    /// process dies: an update not answered yet is sent again, and one whose changes were
    /// committed but whose answer was not sent is recognised by its `update_id` and not
    /// applied twice. An update that could not be handled (the store kept failing, or the
    /// application stopped before its turn) gets 503, and Telegram sends it again later; so
    /// does one delivered again while the first delivery is still being handled.
    ///
    /// # Errors
    ///
    /// Fails with [`RunError::Io`] when the server cannot listen or a thread cannot be started, and
    /// [`RunError::Api`] when `setWebhook` fails.
    pub fn run_webhook(&self, webhook: Webhook) -> Result<(), RunError> {
        let stop = Stop::new(&self.inner);
        if stop.is_stopped() {
            return Ok(());
        }
        let server = match webhook.listen {
            Listen::Address(a) => tiny_http::Server::http(a.as_str()),
            Listen::Listener(l) => tiny_http::Server::from_listener(l, None),
        }
        .map_err(|e| RunError::Io(std::io::Error::other(e.to_string())))?;

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

        let pool = self.start_pool()?;
        while !stop.is_stopped() {
            let mut request = match server.recv_timeout(TICK) {
                Ok(Some(r)) => r,
                Ok(None) => continue,
                Err(e) => {
                    log::warn!(target: "telegram_api", "webhook: accepting a request failed: {e}");
                    continue;
                }
            };
            let path = request.url().split('?').next().unwrap_or("");
            if path != webhook.path {
                respond(request, 404, "not found");
                continue;
            }
            if *request.method() != tiny_http::Method::Post {
                respond(request, 405, "POST only");
                continue;
            }
            if let Some(secret) = &secret {
                let header = request
                    .headers()
                    .iter()
                    .find(|h| h.field.equiv(SECRET_TOKEN_HEADER))
                    .map(|h| h.value.as_str().to_string());
                if !verify_secret_token(secret, header.as_deref()) {
                    respond(request, 403, "forbidden");
                    continue;
                }
            }
            let mut body = Vec::new();
            if let Err(e) = request.as_reader().take(MAX_BODY).read_to_end(&mut body) {
                log::warn!(target: "telegram_api", "webhook: reading a request body failed: {e}");
                respond(request, 400, "unreadable body");
                continue;
            }
            match parse_update(&body) {
                Ok(update) => {
                    // Answered once handled and committed: 200 confirms it to Telegram, 503
                    // has it sent again. The loop goes on serving meanwhile.
                    let answer = Answer(Some(request));
                    let mut done: Done = Box::new(move |handled| answer.send(handled));
                    let mut update = update;
                    while let Err((back, tell)) = pool.try_submit_with(update, TICK, done) {
                        if stop.is_stopped() {
                            tell(false);
                            break;
                        }
                        (update, done) = (back, tell);
                    }
                }
                Err(e) => {
                    log::warn!(
                        target: "telegram_api",
                        "webhook: rejected a body of {} bytes: {e}",
                        body.len()
                    );
                    respond(request, 400, "not an update");
                }
            }
        }
        drop(server);
        pool.shutdown(self.inner.config.stop_timeout);
        Ok(())
    }
}

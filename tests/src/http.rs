//! The loopback HTTP/1.1 server of the tests, on `127.0.0.1:0`: it records every request and
//! answers as a handler says. [`Server::start`] takes whole [`Reply`]s, including the failures
//! a real network produces (a reset, a connection closed mid-response, a server that never
//! answers), on kept-alive connections. [`Server::start_raw`] lets the handler read the body
//! and write each answer itself, byte by byte if it likes, one request per connection: for
//! what a hostile or broken server does (a body trickled slowly, a body that stops, a
//! redirect, an error page echoing the URL).

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::wait::Log;

/// A request as the server received it.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// The HTTP method.
    pub method: String,
    /// The request target (path and query).
    pub path: String,
    /// The headers, names in lower case, in order.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked (empty on a [`Server::start_raw`] server, whose handler reads it).
    pub body: Vec<u8>,
    /// Which connection (in accept order) carried the request.
    pub connection: usize,
    /// When its head was read.
    pub at: Instant,
}

impl Request {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The media type of the body, without parameters (`multipart/form-data`).
    pub fn media_type(&self) -> Option<&str> {
        self.header("content-type")
            .map(|v| v.split(';').next().unwrap_or(v).trim())
    }

    /// The last path segment: the Bot API method (`sendMessage`).
    pub fn api_method(&self) -> &str {
        let path = self.path.split('?').next().unwrap_or(&self.path);
        path.rsplit('/').next().unwrap_or(path)
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    /// The parts of a `multipart/form-data` body.
    pub fn multipart(&self) -> Vec<Part> {
        let content_type = self.header("content-type").expect("a content type");
        let boundary = content_type
            .split(';')
            .filter_map(|p| p.trim().strip_prefix("boundary="))
            .next()
            .expect("a multipart boundary")
            .trim_matches('"');
        parse_multipart(&self.body, boundary)
    }
}

/// A part of a `multipart/form-data` body.
#[derive(Clone, Debug, PartialEq)]
pub struct Part {
    /// The form field name.
    pub name: String,
    /// The file name, for a file part.
    pub filename: Option<String>,
    /// The part's content type, when given.
    pub content_type: Option<String>,
    /// The part's bytes.
    pub body: Vec<u8>,
}

impl Part {
    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Splits a multipart body into parts.
pub fn parse_multipart(body: &[u8], boundary: &str) -> Vec<Part> {
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut rest = body;
    let Some(start) = find(rest, delimiter.as_bytes()) else {
        return parts;
    };
    rest = &rest[start + delimiter.len()..];
    loop {
        if rest.starts_with(b"--") {
            break;
        }
        rest = rest.strip_prefix(b"\r\n").unwrap_or(rest);
        let Some(header_end) = find(rest, b"\r\n\r\n") else {
            break;
        };
        let head = String::from_utf8_lossy(&rest[..header_end]).into_owned();
        rest = &rest[header_end + 4..];
        let next = format!("\r\n--{boundary}");
        let Some(end) = find(rest, next.as_bytes()) else {
            break;
        };
        let content = rest[..end].to_vec();
        rest = &rest[end + next.len()..];
        let mut part = Part {
            name: String::new(),
            filename: None,
            content_type: None,
            body: content,
        };
        for line in head.split("\r\n") {
            let (name, value) = line.split_once(':').unwrap_or((line, ""));
            match name.trim().to_ascii_lowercase().as_str() {
                "content-disposition" => {
                    for param in value.split(';').skip(1) {
                        let (k, v) = param.split_once('=').unwrap_or((param, ""));
                        let v = v.trim().trim_matches('"').to_owned();
                        match k.trim() {
                            "name" => part.name = v,
                            "filename" => part.filename = Some(v),
                            _ => {}
                        }
                    }
                }
                "content-type" => part.content_type = Some(value.trim().to_owned()),
                _ => {}
            }
        }
        parts.push(part);
    }
    parts
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// How the server answers a request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A complete response.
    Respond {
        /// The status code.
        status: u16,
        /// The headers (content-length is added).
        headers: Vec<(String, String)>,
        /// The body.
        body: Vec<u8>,
    },
    /// Headers announcing `declared` body bytes, then only `body`, then the connection closes.
    Truncated {
        /// The status code.
        status: u16,
        /// The bytes sent of the body.
        body: Vec<u8>,
        /// The content-length announced.
        declared: usize,
    },
    /// The connection is closed without an answer.
    Close,
    /// Nothing is sent for this long; then the connection is closed.
    Stall(Duration),
}

impl Reply {
    /// A JSON response with the given status.
    pub fn json(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        Reply::Respond {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.into(),
        }
    }

    /// A successful Bot API response carrying `result` (JSON text).
    pub fn ok(result: &str) -> Reply {
        Reply::json(200, format!(r#"{{"ok":true,"result":{result}}}"#))
    }
}

/// The handler deciding each reply.
pub type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

/// Panics of a test server's handler (a failed assertion on a request, say). The handler runs on
/// the server's threads, where a panic would only drop the connection; it is caught, the
/// connection is closed, and the owner of the server fails with it when dropped
/// ([`HandlerPanics::fail_on_drop`]).
#[derive(Clone, Debug, Default)]
pub struct HandlerPanics(Arc<PanicState>);

#[derive(Debug, Default)]
struct PanicState {
    messages: Mutex<Vec<String>>,
    running: AtomicUsize,
}

/// How long a dropped server waits for handlers still running before it looks at their panics.
const HANDLER_GRACE: Duration = Duration::from_secs(2);

impl HandlerPanics {
    /// Runs `f`, keeping its panic instead of unwinding the server's thread.
    pub fn catch<T>(&self, f: impl FnOnce() -> T) -> Option<T> {
        self.0.running.fetch_add(1, Ordering::SeqCst);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        let value = match result {
            Ok(value) => Some(value),
            Err(payload) => {
                let message = payload
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic without a message".to_owned());
                self.lock().push(message);
                None
            }
        };
        self.0.running.fetch_sub(1, Ordering::SeqCst);
        value
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<String>> {
        self.0.messages.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The panics so far.
    pub fn messages(&self) -> Vec<String> {
        self.lock().clone()
    }

    /// Panics with every handler panic, unless the thread is panicking already (the test has
    /// failed, and the handler's panics were printed as they happened). Handlers still running
    /// get a moment (two seconds) to finish first.
    pub fn fail_on_drop(&self) {
        if thread::panicking() {
            return;
        }
        let until = std::time::Instant::now() + HANDLER_GRACE;
        while self.0.running.load(Ordering::SeqCst) > 0 && std::time::Instant::now() < until {
            thread::sleep(Duration::from_millis(10));
        }
        let messages = self.messages();
        if !messages.is_empty() {
            panic!(
                "the test server's handler panicked:\n  {}",
                messages.join("\n  ")
            );
        }
    }
}

/// The handler of a [`Server::start_raw`] server: it reads the body if it needs it and writes
/// the answer; the connection is closed after it.
pub type RawHandler = dyn Fn(&Request, &mut Conn) -> io::Result<()> + Send + Sync;

/// How a server answers.
#[derive(Clone)]
enum Answer {
    Replies(Arc<Handler>),
    Raw(Arc<RawHandler>),
}

/// A running server; it stops when dropped.
pub struct Server {
    addr: std::net::SocketAddr,
    requests: Arc<Log<Request>>,
    record: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
    panics: HandlerPanics,
}

impl Server {
    /// Starts a server answering every request with `handler`.
    pub fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Server {
        Server::with(Answer::Replies(Arc::new(handler)))
    }

    /// Starts a server whose `handler` reads each request's body if it likes ([`Conn::body`])
    /// and writes the answer itself; each connection carries one request.
    pub fn start_raw(
        handler: impl Fn(&Request, &mut Conn) -> io::Result<()> + Send + Sync + 'static,
    ) -> Server {
        Server::with(Answer::Raw(Arc::new(handler)))
    }

    fn with(answer: Answer) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let addr = listener.local_addr().expect("a local address");
        let requests = Arc::new(Log::default());
        let stop = Arc::new(AtomicBool::new(false));
        let record = Arc::new(AtomicBool::new(true));
        let panics = HandlerPanics::default();
        let accept = {
            let (requests, stop, record) = (requests.clone(), stop.clone(), record.clone());
            let panics = panics.clone();
            let connections = AtomicUsize::new(0);
            thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let connection = Connection {
                        id: connections.fetch_add(1, Ordering::SeqCst),
                        requests: requests.clone(),
                        stop: stop.clone(),
                        record: record.clone(),
                        panics: panics.clone(),
                    };
                    let answer = answer.clone();
                    thread::spawn(move || {
                        let _ = match answer {
                            Answer::Replies(handler) => connection.serve(stream, &*handler),
                            Answer::Raw(handler) => connection.serve_raw(stream, &*handler),
                        };
                    });
                }
            })
        };
        Server {
            addr,
            requests,
            record,
            stop,
            accept: Some(accept),
            panics,
        }
    }

    /// The handler's panics so far (each also fails the test when the server is dropped).
    pub fn handler_panics(&self) -> Vec<String> {
        self.panics.messages()
    }

    /// Stops (or resumes) keeping requests, for benchmarks that send many.
    pub fn set_recording(&self, on: bool) {
        self.record.store(on, Ordering::SeqCst);
    }

    /// The server's root URL, such as `http://127.0.0.1:40123`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.entries()
    }

    /// How many requests were received so far.
    pub fn count(&self) -> usize {
        self.requests.len()
    }

    /// Waits until `condition` holds of the requests received, and returns them; panics saying
    /// `what` did not come when the wait is over ([`PATIENCE`](crate::wait::PATIENCE)).
    pub fn wait_for(&self, what: &str, condition: impl Fn(&[Request]) -> bool) -> Vec<Request> {
        self.requests.wait_for(what, condition)
    }

    /// Waits until `n` requests were received, and returns them all.
    pub fn wait_for_requests(&self, n: usize) -> Vec<Request> {
        self.wait_for(&format!("{n} requests"), |r| r.len() >= n)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect(self.addr);
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
        self.panics.fail_on_drop();
    }
}

/// One accepted connection and what its thread shares with the server.
struct Connection {
    id: usize,
    requests: Arc<Log<Request>>,
    stop: Arc<AtomicBool>,
    record: Arc<AtomicBool>,
    panics: HandlerPanics,
}

impl Connection {
    /// Keeps `request` when the server keeps requests.
    fn keep(&self, request: &Request) {
        if self.record.load(Ordering::Relaxed) {
            self.requests.push(request.clone());
        }
    }

    /// Serves the requests of the connection with whole replies, keeping it alive between them.
    fn serve(&self, stream: TcpStream, handler: &Handler) -> io::Result<()> {
        stream.set_nodelay(true)?;
        let mut reader = BufReader::new(stream.try_clone()?);
        let mut writer = stream;
        loop {
            let Some(mut request) = read_head(&mut reader)? else {
                return Ok(());
            };
            request.body = read_body(&mut reader, &request)?;
            if self.stop.load(Ordering::SeqCst) {
                return Ok(());
            }
            request.connection = self.id;
            self.keep(&request);
            let Some(reply) = self.panics.catch(|| handler(&request)) else {
                let _ = writer.shutdown(Shutdown::Both);
                return Ok(());
            };
            match reply {
                Reply::Respond {
                    status,
                    headers,
                    body,
                } => {
                    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
                    for (n, v) in &headers {
                        head.push_str(&format!("{n}: {v}\r\n"));
                    }
                    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
                    writer.write_all(head.as_bytes())?;
                    writer.write_all(&body)?;
                    writer.flush()?;
                }
                Reply::Truncated {
                    status,
                    body,
                    declared,
                } => {
                    let head = format!(
                        "HTTP/1.1 {status} {}\r\nContent-Type: application/json\r\nContent-Length: {declared}\r\n\r\n",
                        reason(status)
                    );
                    writer.write_all(head.as_bytes())?;
                    writer.write_all(&body)?;
                    writer.flush()?;
                    let _ = writer.shutdown(Shutdown::Both);
                    return Ok(());
                }
                Reply::Close => {
                    let _ = writer.shutdown(Shutdown::Both);
                    return Ok(());
                }
                Reply::Stall(d) => {
                    thread::sleep(d);
                    let _ = writer.shutdown(Shutdown::Both);
                    return Ok(());
                }
            }
        }
    }

    /// Serves the one request of the connection with a handler that writes the answer.
    fn serve_raw(&self, stream: TcpStream, handler: &RawHandler) -> io::Result<()> {
        let writer = stream.try_clone()?;
        let mut reader = BufReader::new(stream);
        let Some(mut request) = read_head(&mut reader)? else {
            return Ok(());
        };
        request.connection = self.id;
        self.keep(&request);
        let mut conn = Conn {
            reader,
            writer,
            request: request.clone(),
        };
        // A panic in the handler drops the connection and fails the test when the server is
        // dropped.
        self.panics
            .catch(|| handler(&request, &mut conn))
            .unwrap_or(Ok(()))
    }
}

/// One connection of a [`Server::start_raw`] server, as its handler sees it: read the body if
/// needed, then write the answer.
pub struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    request: Request,
}

impl Conn {
    /// Reads the request body (by `Content-Length`, or de-chunked).
    pub fn body(&mut self) -> io::Result<Vec<u8>> {
        read_body(&mut self.reader, &self.request)
    }

    /// Writes the status line and headers (plus `Connection: close`), without a body.
    pub fn head(&mut self, status: u16, headers: &[(&str, &str)]) -> io::Result<()> {
        let mut text = format!("HTTP/1.1 {status} {}\r\n", reason(status));
        for (name, value) in headers {
            text.push_str(&format!("{name}: {value}\r\n"));
        }
        text.push_str("Connection: close\r\n\r\n");
        self.write(text.as_bytes())
    }

    /// Writes raw bytes and flushes them.
    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.writer.write_all(bytes)?;
        self.writer.flush()
    }

    /// A whole answer with this content type.
    pub fn respond(&mut self, status: u16, content_type: &str, body: &[u8]) -> io::Result<()> {
        let len = body.len().to_string();
        self.head(
            status,
            &[("Content-Type", content_type), ("Content-Length", &len)],
        )?;
        self.write(body)
    }

    /// A JSON answer.
    pub fn json(&mut self, status: u16, body: &str) -> io::Result<()> {
        self.respond(status, "application/json", body.as_bytes())
    }

    /// A successful Bot API answer with this `result`.
    pub fn ok(&mut self, result: &str) -> io::Result<()> {
        self.json(200, &format!(r#"{{"ok":true,"result":{result}}}"#))
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// Reads the request line and headers of the next request; `None` at the end of the
/// connection. The body is left to read.
fn read_head(reader: &mut impl BufRead) -> io::Result<Option<Request>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let at = Instant::now();
    let mut words = line.split_whitespace();
    let method = words.next().unwrap_or_default().to_owned();
    let path = words.next().unwrap_or_default().to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 {
            return Ok(None);
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((n, v)) = h.split_once(':') {
            headers.push((n.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    Ok(Some(Request {
        method,
        path,
        headers,
        body: Vec::new(),
        connection: 0,
        at,
    }))
}

/// Reads the body of `request`, de-chunked, or as long as its `Content-Length`.
fn read_body(reader: &mut impl BufRead, request: &Request) -> io::Result<Vec<u8>> {
    let invalid = |e| io::Error::new(io::ErrorKind::InvalidData, e);
    let mut body = Vec::new();
    if request
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let size = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16)
                .map_err(|e| invalid(e.to_string()))?;
            if size == 0 {
                let mut end = String::new();
                reader.read_line(&mut end)?;
                break;
            }
            let start = body.len();
            body.resize(start + size, 0);
            reader.read_exact(&mut body[start..])?;
            let mut crlf = [0u8; 2];
            reader.read_exact(&mut crlf)?;
        }
    } else if let Some(len) = request.header("content-length") {
        let len: usize = len
            .trim()
            .parse()
            .map_err(|_| invalid("bad content-length".into()))?;
        body.resize(len, 0);
        reader.read_exact(&mut body)?;
    }
    Ok(body)
}

/// POSTs `body` as JSON to `path` on `addr`, as Telegram posts an update to a webhook (with its
/// secret token header when `secret` is given), and returns the response's status code. Waits
/// at most `timeout` for the answer.
pub fn post_update(
    addr: std::net::SocketAddr,
    path: &str,
    secret: Option<&str>,
    body: &str,
    timeout: Duration,
) -> u16 {
    let mut stream = TcpStream::connect(addr).expect("the webhook accepts");
    stream
        .set_read_timeout(Some(timeout))
        .expect("a read timeout");
    let secret = secret.map_or(String::new(), |s| {
        format!("X-Telegram-Bot-Api-Secret-Token: {s}\r\n")
    });
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{secret}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("the request is sent");
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {response:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_multipart_bodies() {
        let body = b"--B\r\nContent-Disposition: form-data; name=\"chat_id\"\r\n\r\n42\r\n--B\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n\x00\x01\r\n\r\n--B--\r\n";
        let parts = parse_multipart(body, "B");
        assert_eq!(parts.len(), 2);
        assert_eq!(
            (parts[0].name.as_str(), parts[0].text().as_str()),
            ("chat_id", "42")
        );
        assert_eq!(parts[1].filename.as_deref(), Some("a.jpg"));
        assert_eq!(parts[1].body, b"\x00\x01\r\n");
    }
}

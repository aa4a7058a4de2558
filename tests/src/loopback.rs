//! A loopback HTTP/1.1 server whose handler writes each answer itself, byte by byte if it
//! likes: for tests of what a hostile or broken server does (a body trickled slowly, a body
//! that stops, a redirect, an error page echoing the URL), which a server answering whole
//! replies cannot show.
//!
//! Each connection carries one request; every answer closes the connection.

use crate::http::HandlerPanics;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// The request line and headers of a request.
#[derive(Clone, Debug)]
pub struct Head {
    /// The HTTP method.
    pub method: String,
    /// The request target (path and query).
    pub path: String,
    /// The headers, names in lower case, in order.
    pub headers: Vec<(String, String)>,
    /// When the head was read.
    pub at: Instant,
}

impl Head {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The last path segment: the Bot API method (`getUpdates`).
    pub fn api_method(&self) -> &str {
        let path = self.path.split('?').next().unwrap_or(&self.path);
        path.rsplit('/').next().unwrap_or(path)
    }
}

/// One connection, as the handler sees it: read the body if needed, then write the answer.
pub struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    head: Head,
}

impl Conn {
    /// Reads the request body (by `Content-Length`, or de-chunked).
    pub fn body(&mut self) -> io::Result<Vec<u8>> {
        let mut body = Vec::new();
        if let Some(len) = self.head.header("content-length") {
            let len: usize = len
                .trim()
                .parse()
                .map_err(|_| io::Error::other("bad content-length"))?;
            body.resize(len, 0);
            self.reader.read_exact(&mut body)?;
        } else if self
            .head
            .header("transfer-encoding")
            .is_some_and(|t| t.eq_ignore_ascii_case("chunked"))
        {
            loop {
                let mut line = String::new();
                self.reader.read_line(&mut line)?;
                let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
                    .map_err(|_| io::Error::other("bad chunk size"))?;
                let start = body.len();
                body.resize(start + size, 0);
                self.reader.read_exact(&mut body[start..])?;
                let mut crlf = [0u8; 2];
                self.reader.read_exact(&mut crlf)?;
                if size == 0 {
                    break;
                }
            }
        }
        Ok(body)
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
        404 => "Not Found",
        429 => "Too Many Requests",
        502 => "Bad Gateway",
        _ => "Status",
    }
}

type Handler = dyn Fn(&Head, &mut Conn) -> io::Result<()> + Send + Sync;

/// The server: it runs until dropped.
pub struct Loopback {
    url: String,
    heads: Arc<Mutex<Vec<Head>>>,
    stop: Arc<AtomicBool>,
    addr: std::net::SocketAddr,
    panics: HandlerPanics,
}

impl Loopback {
    /// Starts a server on `127.0.0.1:0`; `handler` answers each request on its own thread.
    pub fn start(
        handler: impl Fn(&Head, &mut Conn) -> io::Result<()> + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let addr = listener.local_addr().expect("a local address");
        let heads = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        let panics = HandlerPanics::default();
        {
            let (heads, stop, panics) = (heads.clone(), stop.clone(), panics.clone());
            thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let (heads, handler, panics) = (heads.clone(), handler.clone(), panics.clone());
                    thread::spawn(move || {
                        // A panic in the handler drops the connection and fails the test when
                        // the server is dropped.
                        let _ = panics.catch(|| serve(stream, &heads, &*handler));
                    });
                }
            });
        }
        Loopback {
            url: format!("http://{addr}"),
            heads,
            stop,
            addr,
            panics,
        }
    }

    /// The server's root URL (`http://127.0.0.1:port`).
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// The heads of the requests received so far, in order.
    pub fn requests(&self) -> Vec<Head> {
        self.heads.lock().unwrap().clone()
    }

    /// How many requests were received so far.
    pub fn count(&self) -> usize {
        self.heads.lock().unwrap().len()
    }
}

impl Drop for Loopback {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accepting thread so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
        self.panics.fail_on_drop();
    }
}

fn serve(stream: TcpStream, heads: &Mutex<Vec<Head>>, handler: &Handler) -> io::Result<()> {
    let writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(());
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let path = parts.next().unwrap_or_default().to_owned();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    let head = Head {
        method,
        path,
        headers,
        at: Instant::now(),
    };
    heads.lock().unwrap().push(head.clone());
    let mut conn = Conn {
        reader,
        writer,
        head: head.clone(),
    };
    handler(&head, &mut conn)
}

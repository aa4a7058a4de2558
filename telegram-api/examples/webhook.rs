//! A webhook: Telegram POSTs each update to your server, which checks the secret token and
//! answers. The HTTP server here is a few dozen lines of `std::net`; any web framework works
//! the same way, calling `telegram_api::webhook::receive` in its handler.
//!
//! ```sh
//! cargo run --example webhook            # offline: plays Telegram's part against the server
//! TELEGRAM_BOT_TOKEN=123456:ABC-DEF WEBHOOK_SECRET=my-secret_42 WEBHOOK_ADDR=127.0.0.1:8080 \
//!     cargo run --example webhook        # live: serves the webhook on that address
//! ```
//!
//! Every request is checked: the `X-Telegram-Bot-Api-Secret-Token` header must hold the secret
//! given to `setWebhook` (compared in constant time, so timing reveals nothing about it), else
//! the answer is 403; a body that is not an update gets 400; an update gets 200 once it was
//! handled (here: text messages are answered "You said: ...").
//!
//! # Going live
//!
//! Telegram posts only to a public HTTPS URL (on port 443, 80, 88 or 8443). Put a reverse proxy
//! that holds the certificate (nginx, Caddy, a tunnel...) in front of this server and have it
//! forward to `WEBHOOK_ADDR` (default `127.0.0.1:8080`). Then tell Telegram the URL and the
//! secret (1-256 characters out of `A-Z`, `a-z`, `0-9`, `_` and `-`), once:
//!
//! ```ignore
//! bot.set_webhook("https://bot.example.com/telegram")
//!     .secret_token("my-secret_42")
//!     .call()?;
//! ```
//!
//! This example does that call at start only when asked to, with
//! `WEBHOOK_URL=https://bot.example.com/telegram`. While a webhook is set, `getUpdates` (and so
//! the other examples) fails with 409 Conflict; `bot.delete_webhook().call()` goes back to long
//! polling.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use telegram_api::testing::World;
use telegram_api::webhook::{self, SECRET_TOKEN_HEADER, WebhookError};
use telegram_api::{Bot, Error, Update};

/// Any error: a Bot API call that failed, or the network.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn main() -> Result<(), BoxError> {
    match Bot::from_env() {
        Ok(bot) => live(&bot),
        Err(_) => {
            println!(
                "No TELEGRAM_BOT_TOKEN: playing Telegram's part, with a fake Telegram, offline."
            );
            offline()
        }
    }
}

/// Serves the webhook on `WEBHOOK_ADDR`, after setting it when `WEBHOOK_URL` is given.
fn live(bot: &Bot) -> Result<(), BoxError> {
    let secret = std::env::var("WEBHOOK_SECRET").map_err(|_| {
        Error::Config("set WEBHOOK_SECRET to the secret token given to setWebhook".into())
    })?;
    let addr = std::env::var("WEBHOOK_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".to_owned());
    if let Ok(url) = std::env::var("WEBHOOK_URL") {
        bot.set_webhook(&url).secret_token(&secret).call()?;
        println!("Telegram now posts updates to {url}");
    }
    let listener = TcpListener::bind(&addr)?;
    println!("Using TELEGRAM_BOT_TOKEN: serving the webhook on http://{addr}, Ctrl-C to stop.");
    serve(bot, &listener, &secret, None)?;
    Ok(())
}

/// The secret token of the offline run.
const OFFLINE_SECRET: &str = "offline-secret_0123";

/// Starts the server on a free local port and plays Telegram: an update with the right secret
/// token, the same with a wrong one, and a body that is not an update. The bot's answers go
/// to a fake Telegram in this process (`telegram_api::testing`).
fn offline() -> Result<(), BoxError> {
    let world = World::new();
    let john = world.user("John Doe");
    // An update as Telegram posts it: John wrote "Hello, webhook!".
    let update = serde_json::json!({
        "update_id": 1,
        "message": {
            "message_id": 1,
            "from": john.user(),
            "chat": {"id": john.id(), "type": "private", "first_name": "John"},
            "date": world.now().as_second(),
            "text": "Hello, webhook!",
        },
    })
    .to_string();
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let bot = world.bot();
    let server = std::thread::spawn(move || serve(&bot, &listener, OFFLINE_SECRET, Some(3)));

    // What Telegram would send, and the answer each must get.
    let requests = [
        (
            "an update with the right secret token",
            Some(OFFLINE_SECRET),
            update.as_str(),
            200,
        ),
        (
            "the update with a wrong secret token",
            Some("guess"),
            update.as_str(),
            403,
        ),
        (
            "a body that is not an update",
            Some(OFFLINE_SECRET),
            "<html>hi</html>",
            400,
        ),
    ];
    for (what, secret, body, expected) in requests {
        println!("Telegram posts {what}:");
        let status = post_update(addr, secret, body)?;
        if status != expected {
            return Err(format!("answered {status} instead of {expected}").into());
        }
    }

    server.join().map_err(|_| "the webhook server panicked")??;
    print!("{}", world.transcript());
    Ok(())
}

/// Answers the requests coming to `listener`, one at a time, until `max_requests` were answered
/// (forever when `None`).
pub fn serve(
    bot: &Bot,
    listener: &TcpListener,
    secret: &str,
    max_requests: Option<usize>,
) -> io::Result<()> {
    let mut answered = 0;
    while max_requests.is_none_or(|max| answered < max) {
        let (stream, peer) = listener.accept()?;
        answered += 1;
        // A broken connection concerns that request only.
        if let Err(e) = answer(bot, stream, secret) {
            eprintln!("{peer}: {e}");
        }
    }
    Ok(())
}

/// The largest body accepted (updates are a few kilobytes).
const MAX_BODY: usize = 1024 * 1024;

/// Reads one request from `stream`, handles it, and writes the answer.
fn answer(bot: &Bot, stream: TcpStream, secret: &str) -> io::Result<()> {
    // A client that stops sending must not hold the server up.
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(&stream);
    let head = read_head(&mut reader)?;

    let status = if head.method != "POST" {
        405
    } else {
        match head.content_length {
            None => 411,
            Some(length) if length > MAX_BODY => 413,
            Some(length) => {
                let mut body = vec![0; length];
                reader.read_exact(&mut body)?;
                // Checks the secret token (in constant time), then decodes the update.
                match webhook::receive(secret, head.secret_token.as_deref(), &body) {
                    Ok(update) => {
                        println!(
                            "  {} {}: update {}",
                            head.method, head.path, update.update_id
                        );
                        handle(bot, &update);
                        200
                    }
                    Err(e) => {
                        println!("  {} {}: rejected, {e}", head.method, head.path);
                        match e {
                            WebhookError::Unauthorized => 403,
                            _ => 400,
                        }
                    }
                }
            }
        }
    };

    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        405 => "Method Not Allowed",
        411 => "Length Required",
        413 => "Content Too Large",
        _ => "",
    };
    println!("  answered {status} {reason}");
    let mut stream = &stream;
    write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    stream.flush()
}

/// Handles an update: answers text messages. Telegram is answered 200 whatever happens here:
/// delivering the update again would not help.
fn handle(bot: &Bot, update: &Update) {
    let Some(message) = update.message() else {
        return;
    };
    let Some(text) = &message.text else {
        return;
    };
    match bot
        .send_message(message.chat.id, format!("You said: {text}"))
        .call()
    {
        Ok(_) => println!("  chat {}: answered {text:?}", message.chat.id),
        Err(e) => eprintln!("  chat {}: {e}", message.chat.id),
    }
}

/// The request line and the headers the webhook needs.
struct Head {
    method: String,
    path: String,
    content_length: Option<usize>,
    secret_token: Option<String>,
}

/// Reads the request line and the headers, up to the empty line before the body.
fn read_head(reader: &mut impl BufRead) -> io::Result<Head> {
    let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
    // Lines longer than this, or more lines than this, are not from Telegram.
    const MAX_LINE: u64 = 8 * 1024;
    const MAX_LINES: usize = 100;

    let mut line = String::new();
    (&mut *reader).take(MAX_LINE).read_line(&mut line)?;
    let mut words = line.split_whitespace();
    let (Some(method), Some(path)) = (words.next(), words.next()) else {
        return Err(invalid("not an HTTP request"));
    };
    let mut head = Head {
        method: method.to_owned(),
        path: path.to_owned(),
        content_length: None,
        secret_token: None,
    };
    for _ in 0..MAX_LINES {
        line.clear();
        (&mut *reader).take(MAX_LINE).read_line(&mut line)?;
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            return Ok(head);
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(invalid("a header without a colon"));
        };
        // Header names are case-insensitive.
        let (name, value) = (name.trim(), value.trim());
        if name.eq_ignore_ascii_case("content-length") {
            let length = value.parse().map_err(|_| invalid("a bad Content-Length"))?;
            head.content_length = Some(length);
        } else if name.eq_ignore_ascii_case(SECRET_TOKEN_HEADER) {
            head.secret_token = Some(value.to_owned());
        }
    }
    Err(invalid("too many headers"))
}

/// Posts `body` to the webhook at `addr` as Telegram does, with `secret` in the secret token
/// header when given. Returns the HTTP status of the answer.
pub fn post_update(addr: SocketAddr, secret: Option<&str>, body: &str) -> io::Result<u16> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut request = format!(
        "POST /telegram HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    if let Some(secret) = secret {
        request.push_str(&format!("{SECRET_TOKEN_HEADER}: {secret}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes())?;

    // "HTTP/1.1 200 OK": the status is the second word.
    let mut status_line = String::new();
    BufReader::new(stream).read_line(&mut status_line)?;
    status_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("not an HTTP answer: {status_line:?}"),
            )
        })
}

//! A Mini App's backend: `POST /check` with `Telegram.WebApp.initData` as the body answers who
//! opened the app, or 403 when Telegram did not sign the data.
//!
//! Offline (no `TELEGRAM_BOT_TOKEN`), it signs init data itself as Telegram does, with a
//! made-up token, and posts it and a tampered copy to the server on a loopback port. With
//! `TELEGRAM_BOT_TOKEN` set it serves on `127.0.0.1:8080` (put it behind your HTTPS server, and
//! have the Mini App `fetch("/check", {method: "POST", body: Telegram.WebApp.initData})`).
//!
//! ```sh
//! cargo run -p telegram-api --example web_app_check --features web-app
//! ```

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use telegram_api::web_app::Validator;

/// Init data older than this is refused: a captured copy is useless after an hour.
const MAX_AGE: Duration = Duration::from_secs(3600);

fn main() -> std::io::Result<()> {
    match std::env::var("TELEGRAM_BOT_TOKEN") {
        Ok(token) => {
            let listener = TcpListener::bind("127.0.0.1:8080")?;
            println!("serving POST /check on http://{}", listener.local_addr()?);
            serve(&listener, &token, usize::MAX)
        }
        Err(_) => offline(),
    }
}

/// Answers `count` requests.
fn serve(listener: &TcpListener, token: &str, count: usize) -> std::io::Result<()> {
    for stream in listener.incoming().take(count) {
        let mut stream = stream?;
        let (status, body) = match read_post_body(&mut stream)? {
            Some(init_data) => check(&init_data, token),
            None => ("404 Not Found", "POST /check only".to_string()),
        };
        write!(
            stream,
            "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )?;
    }
    Ok(())
}

/// The whole check: the signature, the age, and who it is.
fn check(init_data: &str, token: &str) -> (&'static str, String) {
    match Validator::new(MAX_AGE).validate(init_data, token) {
        Ok(data) => match data.user {
            Some(user) => ("200 OK", format!("hello {} ({})", user.first_name, user.id)),
            None => ("200 OK", "hello, whoever you are".to_string()),
        },
        // The error says what is wrong (never with the token); the client gets no details.
        Err(e) => {
            eprintln!("server: refused init data: {e}");
            ("403 Forbidden", "forbidden".to_string())
        }
    }
}

/// The body of a `POST /check`, or `None` for any other request.
fn read_post_body(stream: &mut TcpStream) -> std::io::Result<Option<String>> {
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    if !request_line.starts_with("POST /check ") || length > 64 * 1024 {
        return Ok(None);
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok(Some(String::from_utf8_lossy(&body).into_owned()))
}

fn offline() -> std::io::Result<()> {
    println!("No TELEGRAM_BOT_TOKEN: signing init data with a made-up token, offline.");
    let token = "110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let address = listener.local_addr()?;
    let server = std::thread::spawn(move || serve(&listener, token, 2));

    let init_data = sign_like_telegram(token);
    println!("client: init data {init_data}");
    println!("client: answer {:?}", post(address, &init_data)?);
    let tampered = init_data.replace("Ann", "Eve");
    println!(
        "client: tampered copy answered {:?}",
        post(address, &tampered)?
    );
    server.join().expect("the server thread")
}

fn post(address: std::net::SocketAddr, body: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(address)?;
    write!(
        stream,
        "POST /check HTTP/1.1\r\nHost: {address}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response.lines().next().unwrap_or_default();
    let body = response.split("\r\n\r\n").nth(1).unwrap_or_default();
    Ok(format!("{status}: {body}"))
}

/// What Telegram does: the data-check string is every field but `hash`, sorted, as
/// `key=value` lines; the hash is HMAC-SHA256 keyed by HMAC-SHA256("WebAppData", token).
fn sign_like_telegram(token: &str) -> String {
    use hmac::{Hmac, Mac};
    type HmacSha256 = Hmac<sha2::Sha256>;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_secs();
    let mut fields = [
        ("auth_date", now.to_string()),
        ("query_id", "AAHdF6IQAAAAAN0XohDhrOrc".to_string()),
        (
            "user",
            r#"{"id":1234567890,"first_name":"Ann","language_code":"en"}"#.to_string(),
        ),
    ];
    fields.sort();
    let check_string = fields
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut secret = HmacSha256::new_from_slice(b"WebAppData").expect("any key length");
    secret.update(token.as_bytes());
    let mut mac =
        HmacSha256::new_from_slice(&secret.finalize().into_bytes()).expect("any key length");
    mac.update(check_string.as_bytes());
    let hash: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&fields)
        .append_pair("hash", &hash)
        .finish()
}

//! The bot token never comes back in an error, even when a server's answer echoes it (a proxy's
//! error page quoting the requested URL, a description), for calls and downloads alike.

use std::error::Error as _;

use telegram_api::{Bot, Error, File};
use telegram_api_tests::http::Server;

const TOKEN: &str = "123456789:AAE-secret-TOKEN_value";

/// Everything an error can show: Display, Debug and the Display and Debug of its sources.
fn everything(e: &Error) -> String {
    let mut text = format!("{e}\n{e:?}\n");
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(&format!("{s}\n{s:?}\n"));
        source = s.source();
    }
    text
}

#[track_caller]
fn assert_redacted(e: &Error) {
    let text = everything(e);
    for leak in [TOKEN, "AAE-secret", "123456789:", "123456789%3A"] {
        assert!(!text.contains(leak), "{leak} in {text}");
    }
    assert!(text.contains("<token>"), "the marker stands in: {text}");
}

/// A server that echoes the requested path (which holds `bot<token>`) in every answer.
fn echoing() -> Server {
    Server::start_raw(|head, conn| {
        conn.body()?;
        let encoded = head.path.replace(':', "%3A");
        if head.path.starts_with("/file/") {
            let page = format!(
                "<html><body><h1>502 Bad Gateway</h1><p>could not reach \
                 https://api.telegram.org{} ({encoded})</p></body></html>",
                head.path
            );
            return conn.respond(502, "text/html", page.as_bytes());
        }
        match head.api_method() {
            "getMe" => {
                // A long page: the token sits across the point where excerpts are cut.
                let page = format!(
                    "<html>{}<p>upstream https://api.telegram.org{} failed</p></html>",
                    "x".repeat(140),
                    head.path
                );
                conn.respond(502, "text/html", page.as_bytes())
            }
            "sendMessage" => conn.json(
                400,
                &serde_json::json!({
                    "ok": false,
                    "error_code": 400,
                    "description": format!("Bad Request: {} is not {TOKEN} ({encoded})", head.path),
                    "parameters": {"retry_after": 1, "echo": {"url": head.path, TOKEN: [TOKEN]}},
                })
                .to_string(),
            ),
            _ => conn.ok(&serde_json::json!({"id": head.path}).to_string()),
        }
    })
}

#[test]
fn a_502_page_quoting_the_url() {
    let server = echoing();
    let bot = Bot::new(TOKEN).with_api_url(server.url());
    let e = bot.get_me().call().unwrap_err();
    assert!(
        matches!(e, Error::InvalidResponse { status: 502, .. }),
        "{e:?}"
    );
    assert_redacted(&e);
}

#[test]
fn a_400_whose_description_holds_the_token() {
    let server = echoing();
    let bot = Bot::new(TOKEN).with_api_url(server.url());
    let e = bot.send_message(1, "hi").call().unwrap_err();
    let api = e.api().expect("Telegram's refusal");
    assert_eq!(api.error_code, 400);
    assert!(
        api.description
            .starts_with("Bad Request: /bot<token>/sendMessage is not <token>")
    );
    assert_redacted(&e);
}

#[test]
fn a_decode_error_quoting_the_token() {
    // `getChat` expects a ChatFullInfo; the echoed path is not one.
    let server = echoing();
    let bot = Bot::new(TOKEN).with_api_url(server.url());
    let e = bot.get_chat(1).call().unwrap_err();
    assert!(matches!(e, Error::Decode { .. }), "{e:?}");
    assert_redacted(&e);
}

#[test]
fn a_failed_download_quoting_the_url() {
    let server = echoing();
    let bot = Bot::new(TOKEN).with_api_url(server.url());
    let file: File = serde_json::from_str(
        r#"{"file_id": "AgAD", "file_unique_id": "AQAD", "file_path": "photos/file_1.jpg"}"#,
    )
    .unwrap();
    let e = bot.download_file(&file).unwrap_err();
    assert!(
        matches!(e, Error::InvalidResponse { status: 502, .. }),
        "{e:?}"
    );
    assert_redacted(&e);
}

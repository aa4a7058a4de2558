//! The blocking client against a loopback server: encodings, responses, every error class,
//! timeouts, downloads, and the token kept out of every message.

use std::time::{Duration, Instant};

use serde_json::json;
use telegram_api::methods::SendMediaGroup;
use telegram_api::*;
use telegram_api_tests::http::{Reply, Server};

const TOKEN: &str = "123456789:AAE-secret-TOKEN_value";

const MESSAGE: &str = r#"{"message_id": 7, "date": 1700000000, "chat": {"id": 1234567890, "type": "private", "first_name": "John"}, "from": {"id": 987654321, "is_bot": true, "first_name": "Hello Bot", "username": "hello_bot"}, "text": "Hi John!"}"#;

fn bot(server: &Server) -> Bot {
    Bot::new(TOKEN).with_api_url(server.url())
}

/// Asserts the token appears in neither the message nor the debug form of `e`.
#[track_caller]
fn assert_redacted(e: &Error) {
    let (display, debug) = (e.to_string(), format!("{e:?}"));
    assert!(
        !display.contains(TOKEN) && !display.contains("secret"),
        "{display}"
    );
    assert!(
        !debug.contains(TOKEN) && !debug.contains("secret"),
        "{debug}"
    );
}

#[test]
fn get_me_and_send_message_as_json() {
    let server = Server::start(|r| match r.api_method() {
        "getMe" => Reply::ok(r#"{"id": 987654321, "is_bot": true, "first_name": "Hello Bot"}"#),
        "sendMessage" => Reply::ok(MESSAGE),
        _ => Reply::json(
            404,
            r#"{"ok":false,"error_code":404,"description":"Not Found"}"#,
        ),
    });
    let bot = bot(&server);
    let me = bot.get_me().call().unwrap();
    assert_eq!(me.first_name, "Hello Bot");
    let me_again = bot.getMe().call().unwrap();
    assert_eq!(me, me_again);
    let sent = bot
        .send_message(1234567890, "Hi John!")
        .parse_mode(ParseMode::Html)
        .call()
        .unwrap();
    assert_eq!(sent.text.as_deref(), Some("Hi John!"));
    let sent = bot.sendMessage("@channel", "hi").call().unwrap();
    assert_eq!(sent.message_id, 7);

    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    assert_eq!(requests[0].path, format!("/bot{TOKEN}/getMe"));
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[2].media_type(), Some("application/json"));
    assert_eq!(
        requests[2].json(),
        json!({"chat_id": 1234567890, "text": "Hi John!", "parse_mode": "HTML"})
    );
    assert_eq!(
        requests[3].json(),
        json!({"chat_id": "@channel", "text": "hi"})
    );
    // One kept-alive connection serves every call.
    assert!(
        requests
            .iter()
            .all(|r| r.connection == requests[0].connection)
    );
}

#[test]
fn execute_and_message_or_true() {
    // A message is returned unless the edited message is an inline one.
    let server = Server::start(|r| match r.json()["inline_message_id"].as_str() {
        None => Reply::ok(MESSAGE),
        Some(_) => Reply::ok("true"),
    });
    let bot = bot(&server);
    let sent = bot
        .execute(&methods::SendMessage::new(1234567890, "Hi"))
        .unwrap();
    assert_eq!(sent.chat.id, 1234567890);
    let edited = bot
        .edit_message_text()
        .text("new text")
        .chat_id(1234567890)
        .message_id(7)
        .call()
        .unwrap();
    assert!(matches!(edited, MessageOrTrue::Message(m) if m.message_id == 7));
    let inline = bot
        .edit_message_text()
        .text("new text")
        .inline_message_id("AgAAAH")
        .call()
        .unwrap();
    assert_eq!(inline, MessageOrTrue::True);
}

#[test]
fn uploads_go_as_multipart_with_attach_references() {
    let server = Server::start(|_| Reply::ok(&format!("[{MESSAGE},{MESSAGE}]")));
    let bot = bot(&server);
    let dir = std::env::temp_dir().join(format!("telegram-api-upload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("cat.jpg");
    std::fs::write(&path, b"\xFF\xD8cat").unwrap();
    let media: Vec<InputMedia> = vec![
        InputMediaPhoto::new(InputFile::path(&path))
            .caption("a cat")
            .into(),
        InputMediaVideo::new(InputFile::bytes("clip.mp4", b"MP4DATA".to_vec()))
            .thumbnail(InputFile::bytes("thumb.jpg", b"THUMB".to_vec()))
            .cover(InputFile::file_id("AgACAgIAAxkBAAIC"))
            .into(),
    ];
    let sent = bot
        .send_media_group(-1001234567890i64, media)
        .call()
        .unwrap();
    assert_eq!(sent.len(), 2);

    let request = &server.requests()[0];
    assert_eq!(request.media_type(), Some("multipart/form-data"));
    let parts = request.multipart();
    let part = |name: &str| {
        parts
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("no part {name}: {parts:?}"))
    };
    assert_eq!(part("chat_id").text(), "-1001234567890");
    let media: serde_json::Value = serde_json::from_str(&part("media").text()).unwrap();
    assert_eq!(
        media,
        json!([
            {"type": "photo", "media": "attach://file0", "caption": "a cat"},
            {"type": "video", "media": "attach://file1", "thumbnail": "attach://file2",
             "cover": "AgACAgIAAxkBAAIC"}
        ])
    );
    assert_eq!(part("file0").filename.as_deref(), Some("cat.jpg"));
    assert_eq!(part("file0").body, b"\xFF\xD8cat");
    assert_eq!(part("file1").body, b"MP4DATA");
    assert_eq!(part("file2").filename.as_deref(), Some("thumb.jpg"));
    assert_eq!(parts.len(), 5);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_direct_upload_takes_the_parameter_name_and_references_stay_json() {
    let server = Server::start(|_| Reply::ok(MESSAGE));
    let bot = bot(&server);
    bot.send_photo(42, InputFile::bytes("me.png", b"PNG".to_vec()))
        .caption("me")
        .call()
        .unwrap();
    bot.send_photo(42, "AgACAgIAAxkBAAIB").call().unwrap();
    let requests = server.requests();
    let parts = requests[0].multipart();
    let photo = parts.iter().find(|p| p.name == "photo").unwrap();
    assert_eq!(
        (photo.filename.as_deref(), photo.body.as_slice()),
        (Some("me.png"), &b"PNG"[..])
    );
    assert!(parts.iter().all(|p| !p.name.starts_with("file")));
    assert_eq!(requests[1].media_type(), Some("application/json"));
    assert_eq!(requests[1].json()["photo"], "AgACAgIAAxkBAAIB");
}

#[test]
fn every_api_error_class() {
    let server = Server::start(|r| {
        let (code, description, parameters) = match r.json()["text"].as_str().unwrap_or("") {
            "400" => (400, "Bad Request: chat not found", None),
            "401" => (401, "Unauthorized", None),
            "403" => (403, "Forbidden: bot was blocked by the user", None),
            "404" => (404, "Not Found", None),
            "409" => (
                409,
                "Conflict: terminated by other getUpdates request",
                None,
            ),
            "429" => (
                429,
                "Too Many Requests: retry after 17",
                Some(r#"{"retry_after":17}"#),
            ),
            "migrate" => (
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                Some(r#"{"migrate_to_chat_id":-1001234567890}"#),
            ),
            _ => (500, "Internal Server Error", None),
        };
        let parameters = parameters
            .map(|p| format!(r#","parameters":{p}"#))
            .unwrap_or_default();
        Reply::json(
            code,
            format!(
                r#"{{"ok":false,"error_code":{code},"description":"{description}"{parameters}}}"#
            ),
        )
    });
    let bot = bot(&server);
    let fail = |text: &str| bot.send_message(1, text).call().unwrap_err();

    let e = fail("400");
    assert!(e.is_bad_request());
    assert_eq!(e.api().unwrap().description, "Bad Request: chat not found");
    assert_eq!(
        e.to_string(),
        "sendMessage: telegram error 400: Bad Request: chat not found"
    );
    assert!(fail("401").is_unauthorized());
    assert!(fail("403").is_forbidden());
    assert!(fail("404").is_not_found());
    assert!(fail("409").is_conflict());
    let e = fail("429");
    assert!(e.is_too_many_requests() && e.is_transient());
    assert_eq!(e.retry_after(), Some(Duration::from_secs(17)));
    let e = fail("migrate");
    assert_eq!(e.migrate_to_chat_id(), Some(-1001234567890));
    let e = fail("500");
    assert!(e.is_server_error());
    for text in ["400", "401", "403", "404", "409", "429", "migrate", "500"] {
        assert_redacted(&fail(text));
    }
}

#[test]
fn proxy_html_pages_and_broken_bodies() {
    let server = Server::start(|r| {
        match r.api_method() {
        "getMe" => Reply::Respond {
            status: 502,
            headers: vec![("Content-Type".into(), "text/html".into())],
            body: b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body><center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n".to_vec(),
        },
        "getWebhookInfo" => Reply::json(200, r#"{"ok":true,"result":{"url":"","has_custom_certif"#),
        "logOut" => Reply::Truncated {
            status: 200,
            body: br#"{"ok":true,"res"#.to_vec(),
            declared: 200,
        },
        "close" => Reply::Close,
        "getMyStarBalance" => Reply::ok(r#"{"amount": "many"}"#),
        _ => Reply::json(200, ""),
    }
    });
    let bot = bot(&server);

    let e = bot.get_me().call().unwrap_err();
    match &e {
        Error::InvalidResponse {
            status, excerpt, ..
        } => {
            assert_eq!(*status, 502);
            assert!(excerpt.contains("502 Bad Gateway"), "{excerpt}");
        }
        other => panic!("{other:?}"),
    }
    assert!(e.is_server_error() && e.is_transient());

    let e = bot.get_webhook_info().call().unwrap_err();
    assert!(
        matches!(&e, Error::InvalidResponse { status: 200, reason, .. } if reason.contains("not JSON")),
        "{e:?}"
    );

    let e = bot.log_out().call().unwrap_err();
    assert!(e.is_transport(), "connection closed mid-response: {e:?}");

    let e = bot.close().call().unwrap_err();
    assert!(e.is_transport(), "{e:?}");

    let e = bot.get_my_star_balance().call().unwrap_err();
    match &e {
        Error::Decode { method, path, .. } => {
            assert_eq!(*method, "getMyStarBalance");
            assert_eq!(path, "result.amount");
        }
        other => panic!("{other:?}"),
    }
    for e in [
        bot.get_me().call().unwrap_err(),
        bot.log_out().call().unwrap_err(),
        bot.get_my_star_balance().call().unwrap_err(),
    ] {
        assert_redacted(&e);
    }
}

#[test]
fn refused_connections_and_unknown_hosts_are_transport_errors() {
    // Nothing can listen on port 0: a connection there is refused, whatever else runs.
    let bot = Bot::new(TOKEN).with_api_url("http://127.0.0.1:0");
    let e = bot.get_me().call().unwrap_err();
    assert!(e.is_transport(), "{e:?}");
    assert!(format!("{e:?}").contains("ConnectionRefused"), "{e:?}");
    assert_redacted(&e);
    let bot = Bot::new(TOKEN).with_api_url("http://no-such-host.invalid");
    let e = bot.get_me().call().unwrap_err();
    assert!(e.is_transport(), "{e:?}");
    assert_redacted(&e);
}

#[test]
fn a_server_that_never_answers_times_out() {
    let server = Server::start(|_| Reply::Stall(Duration::from_secs(5)));
    let bot = bot(&server).with_timeout(Duration::from_millis(300));
    let started = Instant::now();
    let e = bot.get_me().call().unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_redacted(&e);
}

#[test]
fn long_polls_wait_longer_than_the_default_timeout() {
    let server = Server::start(|r| {
        std::thread::sleep(Duration::from_millis(600));
        if r.api_method() == "getUpdates" {
            assert_eq!(r.json()["timeout"], 1);
        }
        Reply::ok("[]")
    });
    // The default timeout is shorter than the poll; the poll's timeout plus the margin is not.
    let bot = bot(&server).with_timeout(Duration::from_millis(200));
    let updates = bot.get_updates().timeout(1).call().unwrap();
    assert!(updates.is_empty());
    assert!(bot.get_me().call().unwrap_err().is_timeout());
}

#[test]
fn one_undecodable_update_does_not_fail_the_batch() {
    let server = Server::start(|_| {
        Reply::ok(&format!(
            r#"[{{"update_id": 1, "message": {MESSAGE}}},
                {{"update_id": 2, "message": {{"message_id": "seven", "date": 1}}}},
                {{"update_id": 3, "callback_query": {{"id": "9", "from": {{"id": 5, "is_bot": false, "first_name": "A"}}, "chat_instance": "1", "data": "x"}}}}]"#
        ))
    });
    let updates = bot(&server).get_updates().call().unwrap();
    assert_eq!(
        updates.iter().map(|u| u.update_id).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert!(updates[0].message().is_some());
    match &updates[1].kind {
        UpdateKind::Unknown(u) => {
            assert_eq!(u.name, "message");
            assert_eq!(u.value["message_id"], "seven");
            assert!(
                u.error.as_deref().unwrap().contains("invalid type"),
                "{:?}",
                u.error
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        updates[2].callback_query().unwrap().data.as_deref(),
        Some("x")
    );
}

#[test]
fn test_environment_and_debug_output() {
    let server = Server::start(|_| Reply::ok("true"));
    let bot = bot(&server).with_test_environment(true);
    assert!(bot.log_out().call().unwrap());
    assert_eq!(
        server.requests()[0].path,
        format!("/bot{TOKEN}/test/logOut")
    );
    let debug = format!("{bot:?}");
    assert!(
        !debug.contains(TOKEN) && debug.contains("<redacted>"),
        "{debug}"
    );
    let call = bot.send_message(1, "x");
    assert!(!format!("{call:?}").contains(TOKEN));
}

#[test]
fn downloads_remote_and_local_files() {
    let server = Server::start(|r| {
        if r.path == format!("/file/bot{TOKEN}/photos/file_1.jpg") {
            Reply::Respond {
                status: 200,
                headers: vec![],
                body: b"JPEG bytes".to_vec(),
            }
        } else {
            Reply::json(
                404,
                r#"{"ok":false,"error_code":404,"description":"Not Found"}"#,
            )
        }
    });
    let bot = bot(&server);
    let file: File = serde_json::from_str(
        r#"{"file_id": "AgAD", "file_unique_id": "AQAD", "file_size": 10, "file_path": "photos/file_1.jpg"}"#,
    )
    .unwrap();
    assert_eq!(bot.download_file(&file).unwrap(), b"JPEG bytes");
    let mut missing = file.clone();
    missing.file_path = Some("photos/none.jpg".into());
    let e = bot.download_file(&missing).unwrap_err();
    assert!(e.is_not_found(), "{e:?}");
    assert_redacted(&e);

    // A local Bot API server hands out absolute paths on its own disk, read when allowed.
    let bot = bot.with_local_files(std::env::temp_dir());
    let local = std::env::temp_dir().join(format!("telegram-api-local-{}.bin", std::process::id()));
    std::fs::write(&local, b"local bytes").unwrap();
    let mut on_disk = file.clone();
    on_disk.file_path = Some(local.to_string_lossy().into_owned());
    let mut out = Vec::new();
    assert_eq!(bot.download_file_to(&on_disk, &mut out).unwrap(), 11);
    assert_eq!(out, b"local bytes");
    std::fs::remove_file(&local).unwrap();
}

#[test]
fn bot_is_shareable() {
    fn assert_traits<T: Clone + Send + Sync + 'static>() {}
    assert_traits::<Bot>();
    let server = Server::start(|_| Reply::ok(MESSAGE));
    let bot = bot(&server);
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let bot = bot.clone();
            std::thread::spawn(move || bot.send_message(i, "x").call().unwrap().message_id)
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), 7);
    }
    let _: SendMediaGroup = SendMediaGroup::new(1, vec![]);
}

#[test]
fn the_bots_own_user_is_asked_once_and_again_only_after_a_failure() {
    let answers = std::sync::atomic::AtomicUsize::new(0);
    let server = Server::start(move |req| {
        assert_eq!(req.api_method(), "getMe");
        // The first answer fails: the next call must ask again.
        match answers.fetch_add(1, std::sync::atomic::Ordering::SeqCst) {
            0 => Reply::json(
                502,
                r#"{"ok": false, "error_code": 502, "description": "Bad Gateway"}"#,
            ),
            _ => Reply::ok(
                r#"{"id": 987654321, "is_bot": true, "first_name": "Hello Bot", "username": "hello_bot"}"#,
            ),
        }
    });
    let bot = bot(&server);
    assert!(bot.me().is_err());
    let clone = bot.clone();
    assert_eq!(bot.me().unwrap().username.as_deref(), Some("hello_bot"));
    assert_eq!(clone.me().unwrap().id, 987654321);
    assert_eq!(bot.me().unwrap().first_name, "Hello Bot");
    assert_eq!(server.count(), 2, "getMe once after the failure, then kept");
    // Another server may know another bot: asked again.
    let elsewhere = bot.clone().with_api_url(server.url());
    elsewhere.me().unwrap();
    assert_eq!(server.count(), 3);
}

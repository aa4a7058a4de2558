//! Decoding deeply nested payloads on threads with small stacks.
//!
//! Objects nest at most 64 deep (deeper payloads are an error); a reply chain that deep must
//! decode on a thread with a 256 KiB stack in a release build (1 MiB unoptimized), whatever
//! way it nests and whichever entry point reads it. Run in release with
//! `cargo test --release -p telegram-api --test stack`.

use std::process::Command;

use serde_json::Value;
use telegram_api::{MaybeInaccessibleMessage, Update};

/// How deep objects may nest.
const MAX_DEPTH: usize = 64;

/// The stack the tests decode on, as documented in the crate's docs.
const STACK: usize = if cfg!(debug_assertions) {
    1 << 20
} else {
    256 << 10
};

/// A message whose `link` field holds a message that holds one ... `messages` messages in
/// all; the innermost one has no `date` when `broken`.
fn messages(link: &str, messages: usize, broken: bool) -> String {
    let mut json = String::new();
    for level in 1..messages {
        json.push_str(&format!(
            r#"{{"message_id": {level}, "date": 1700000000, "chat": {{"id": 42, "type": "private", "first_name": "Ann"}}, "from": {{"id": 42, "is_bot": false, "first_name": "Ann"}}, "text": "level {level}", "entities": [{{"type": "bold", "offset": 0, "length": 5}}], "{link}": "#
        ));
    }
    let date = if broken {
        ""
    } else {
        r#""date": 1700000000, "#
    };
    json.push_str(&format!(
        r#"{{"message_id": 0, {date}"chat": {{"id": 42, "type": "private"}}, "text": "first"}}"#
    ));
    json.push_str(&"}".repeat(messages - 1));
    json
}

/// An update whose objects nest `depth` deep through `link`: the update, its messages, and the
/// innermost message's chat.
fn chain(link: &str, depth: usize, broken: bool) -> String {
    format!(
        r#"{{"update_id": 1, "message": {}}}"#,
        messages(link, depth - 2, broken)
    )
}

/// A callback query whose message is a reply chain, nesting `depth` deep: the update, the
/// query, its messages, the innermost chat.
fn callback_chain(depth: usize) -> String {
    format!(
        r#"{{"update_id": 2, "callback_query": {{"id": "7", "from": {{"id": 42, "is_bot": false, "first_name": "Ann"}}, "chat_instance": "-1", "data": "yes", "message": {}}}}}"#,
        messages("reply_to_message", depth - 3, false)
    )
}

/// An HTTP server on a local port that answers one request with `body` (JSON): its URL.
fn answer_once(body: &str) -> String {
    use std::io::{BufRead, BufReader, Read, Write};

    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("local address"));
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n{body}",
        body.len()
    );
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().expect("accept");
        let mut reader = BufReader::new(stream);
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).expect("read the request");
            let line = line.trim_end().to_ascii_lowercase();
            if line.is_empty() {
                break;
            }
            if let Some(n) = line.strip_prefix("content-length:") {
                length = n.trim().parse().expect("a content length");
            }
        }
        let mut request = vec![0; length];
        reader
            .read_exact(&mut request)
            .expect("read the request's body");
        let mut stream = reader.into_inner();
        stream.write_all(response.as_bytes()).expect("answer");
    });
    url
}

/// Runs `f` on a thread with `stack` bytes of stack.
fn on_stack<T: Send + 'static>(stack: usize, f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(stack)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("the decoding thread panicked")
}

/// How many messages deep `update` nests through `link`.
fn chain_length(update: &Update, link: &str) -> usize {
    let mut message = update.message();
    let mut length = 0;
    while let Some(m) = message {
        length += 1;
        message = match link {
            "reply_to_message" => m.reply_to_message.as_deref(),
            _ => match m.pinned_message.as_deref() {
                Some(MaybeInaccessibleMessage::Message(m)) => Some(m),
                _ => None,
            },
        };
    }
    length
}

/// Decodes `json` every way the crate reads updates, checks it decoded as a chain of `length`
/// messages through `link`, and that it encodes back to the same JSON.
fn decode_all_ways(json: &str, link: &str, length: usize) {
    let expected: Value = serde_json::from_str(json).unwrap();
    let update: Update = telegram_api::json::from_str(json).unwrap();
    assert!(update.undecoded().is_none(), "{:?}", update.decode_error());
    assert_eq!(chain_length(&update, link), length);
    assert_eq!(serde_json::to_value(&update).unwrap(), expected);

    let update: Update = serde_json::from_str(json).unwrap();
    assert_eq!(chain_length(&update, link), length);

    let batch: Vec<Update> =
        telegram_api::json::from_slice(format!("[{json}]").as_bytes()).unwrap();
    assert_eq!(chain_length(&batch[0], link), length);

    let update = telegram_api::webhook::parse_update(json.as_bytes()).unwrap();
    assert_eq!(chain_length(&update, link), length);
}

#[test]
fn a_reply_chain_as_deep_as_allowed_decodes_on_a_small_stack() {
    let json = chain("reply_to_message", MAX_DEPTH, false);
    on_stack(STACK, move || {
        decode_all_ways(&json, "reply_to_message", MAX_DEPTH - 2)
    });
}

#[test]
fn a_chain_of_pinned_messages_as_deep_as_allowed_decodes_on_a_small_stack() {
    let json = chain("pinned_message", MAX_DEPTH, false);
    on_stack(STACK, move || {
        decode_all_ways(&json, "pinned_message", MAX_DEPTH - 2)
    });
}

#[test]
fn a_callback_querys_deep_message_decodes_on_a_small_stack() {
    let json = callback_chain(MAX_DEPTH);
    let expected: Value = serde_json::from_str(&json).unwrap();
    let update = on_stack(STACK, move || {
        telegram_api::webhook::parse_update(json.as_bytes()).unwrap()
    });
    assert!(update.undecoded().is_none(), "{:?}", update.decode_error());
    let query = update.callback_query().unwrap();
    let Some(MaybeInaccessibleMessage::Message(first)) = query.message.as_deref() else {
        panic!("the query's message did not decode as a message");
    };
    let mut message: &telegram_api::Message = first;
    let mut length = 1;
    while let Some(m) = message.reply_to_message.as_deref() {
        length += 1;
        message = m;
    }
    assert_eq!(length, MAX_DEPTH - 3);
    assert_eq!(serde_json::to_value(&update).unwrap(), expected);
}

#[test]
fn one_level_deeper_is_an_error_not_a_crash() {
    for link in ["reply_to_message", "pinned_message"] {
        let json = chain(link, MAX_DEPTH + 1, false);
        let error = on_stack(STACK, move || {
            telegram_api::json::from_str::<Update>(&json)
                .unwrap_err()
                .to_string()
        });
        assert!(error.contains("nested deeper than 64 levels"), "{error}");
    }
    // Far deeper than any limit: still an error, on the same small stack.
    let json = chain("reply_to_message", 10_000, false);
    let error = on_stack(STACK, move || {
        telegram_api::json::from_str::<Update>(&json)
            .unwrap_err()
            .to_string()
    });
    assert!(error.contains("nested deeper"), "{error}");
}

#[test]
fn a_deep_update_that_does_not_decode_is_salvaged_on_a_small_stack() {
    // The innermost message lacks its required `date`: the update is kept as undecoded, both
    // from a webhook and in a batch, with its payload as it came.
    let json = chain("reply_to_message", MAX_DEPTH, true);
    let expected: Value = serde_json::from_str(&json).unwrap();
    // What `getUpdates` answers, decoded as the client decodes it: a bot asks a server that
    // answers with this batch.
    let bot = telegram_api::Bot::new("1:token").with_api_url(answer_once(&format!(
        r#"{{"ok": true, "result": [{json}, {{"update_id": 2}}]}}"#
    )));
    let (single, batch) = on_stack(STACK, move || {
        let single = telegram_api::webhook::parse_update(json.as_bytes()).unwrap();
        let batch = bot.get_updates().call().unwrap();
        (single, batch)
    });
    for update in [&single, &batch[0]] {
        let failed = update.undecoded().expect("kept as undecoded");
        assert_eq!(failed.name, "message");
        assert!(update.decode_error().unwrap().contains("date"));
        assert_eq!(failed.value, expected["message"]);
    }
    assert_eq!(batch[1].update_id, 2);
}

/// The environment variable that makes
/// [`the_stack_the_deepest_chain_needs_is_within_the_documented_bound`] a probe: it decodes the
/// deepest reply chain on a thread with this many bytes of stack.
const PROBE: &str = "TELEGRAM_API_STACK_PROBE";

/// The smallest stack, to 4 KiB, on which a child process decodes the deepest reply chain,
/// found by running this test as a probe in children (a stack overflow aborts the process).
fn needed_stack() -> usize {
    let exe = std::env::current_exe().unwrap();
    let decodes = |stack: usize| {
        Command::new(&exe)
            .args([
                "--exact",
                "the_stack_the_deepest_chain_needs_is_within_the_documented_bound",
                "--quiet",
                "--test-threads=1",
            ])
            .env(PROBE, stack.to_string())
            .output()
            .unwrap()
            .status
            .success()
    };
    let (mut low, mut high) = (4 << 10, 16 << 20);
    assert!(decodes(high), "the probe fails even on a 16 MiB stack");
    while high - low > 4 << 10 {
        let middle = (low + high) / 2;
        if decodes(middle) {
            high = middle
        } else {
            low = middle
        }
    }
    high
}

/// Finds the stack needed by running itself as a probe in child processes.
#[test]
fn the_stack_the_deepest_chain_needs_is_within_the_documented_bound() {
    if let Ok(stack) = std::env::var(PROBE) {
        // A probe: decodes the deepest reply chain on the stack the parent process asks for.
        let json = chain("reply_to_message", MAX_DEPTH, false);
        on_stack(stack.parse().unwrap(), move || {
            decode_all_ways(&json, "reply_to_message", MAX_DEPTH - 2)
        });
        return;
    }
    let needed = needed_stack();
    eprintln!(
        "decoding a reply chain {MAX_DEPTH} levels deep needs {} KiB of stack",
        needed >> 10
    );
    assert!(
        needed <= STACK,
        "needs {} KiB, more than {} KiB",
        needed >> 10,
        STACK >> 10
    );
}

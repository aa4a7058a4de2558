//! Every error of the crate names each cause once: no message repeats the text of the error its
//! `source()` gives, so a report that walks the chain (`anyhow`'s `{:#}`) repeats nothing. The
//! errors here are made the way the crate makes them, with causes that have causes of their own.

use std::error::Error as StdError;
use std::io;

use telegram_api::ext::callback_data::{CallbackData, CallbackDataError};
use telegram_api::ext::jiff::civil::Time;
use telegram_api::ext::schedule::Schedule;
use telegram_api::ext::store::{Data, DataError, FileStore, Key, MemoryStore, StoreError};
use telegram_api::ext::{HandlerError, JobError, RunError};
use telegram_api::webhook::{self, WebhookError};

/// An error with a cause, that prints only itself (the other convention, which users' errors
/// may follow).
#[derive(Debug)]
struct Outer(io::Error);

impl std::fmt::Display for Outer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("outer failure")
    }
}

impl StdError for Outer {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&self.0)
    }
}

/// The messages of `error` and its causes; fails when one includes the next one's text.
fn chain(error: &(dyn StdError + 'static)) -> Vec<String> {
    let mut messages = vec![error.to_string()];
    let mut current = error;
    while let Some(cause) = current.source() {
        let (told, text) = (current.to_string(), cause.to_string());
        assert!(
            !told.contains(&text),
            "{told:?} repeats the text of its source {text:?} (chain so far: {messages:?})"
        );
        messages.push(text);
        current = cause;
    }
    messages
}

/// A cause that has a cause: an I/O error wrapping [`Outer`], which wraps another.
fn deep_cause() -> io::Error {
    io::Error::other(Outer(io::Error::new(io::ErrorKind::NotFound, "root cause")))
}

/// The chain of `error` names every cause: "root cause" appears exactly once in the report.
fn reports_root_once(error: &(dyn StdError + 'static)) -> Vec<String> {
    let messages = chain(error);
    let report = messages.join(": ");
    assert_eq!(report.matches("root cause").count(), 1, "{report}");
    messages
}

#[test]
fn the_bindings_errors() {
    let transport = telegram_api::Error::Transport {
        method: "getMe",
        source: deep_cause(),
    };
    let messages = reports_root_once(&transport);
    assert_eq!(messages[0], "getMe: connection failed: outer failure");
    // The socket's error is kept as it was, typed.
    let telegram_api::Error::Transport { source, .. } = &transport else {
        unreachable!()
    };
    assert!(source.get_ref().is_some_and(|e| e.is::<Outer>()));

    let io = telegram_api::Error::Io {
        context: "cannot read cat.jpg".into(),
        source: deep_cause(),
    };
    reports_root_once(&io);

    let timeout = telegram_api::Error::Timeout {
        method: "getUpdates",
        phase: telegram_api::ureq::Timeout::RecvResponse,
    };
    assert_eq!(
        chain(&timeout),
        ["getUpdates: timed out (receive response)"]
    );

    // serde_json's message includes the I/O error's, which is also its source.
    let reader = std::io::BufReader::new(FailingReader);
    let json = serde_json::from_reader::<_, serde_json::Value>(reader).unwrap_err();
    let error = WebhookError::InvalidBody(json);
    let messages = chain(&error);
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(messages[0].contains("root cause"), "{messages:?}");

    let invalid = webhook::receive("", None, b"{").unwrap_err();
    chain(&invalid);
}

struct FailingReader;

impl io::Read for FailingReader {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Err(io::Error::other("root cause"))
    }
}

#[test]
fn the_application_errors() {
    let store = |source: io::Error| StoreError::Backend(Box::new(source));
    reports_root_once(&store(deep_cause()));
    // A store passing on another store's error.
    let nested = StoreError::Backend(Box::new(store(deep_cause())));
    let messages = reports_root_once(&nested);
    assert_eq!(messages[0].matches("store").count(), 1, "{messages:?}");

    reports_root_once(&DataError::Store(store(deep_cause())));
    reports_root_once(&JobError::Store(store(deep_cause())));
    reports_root_once(&JobError::Data(DataError::Store(store(deep_cause()))));
    reports_root_once(&HandlerError::Store(store(deep_cause())));
    reports_root_once(&HandlerError::Failed(Box::new(store(deep_cause()))));
    reports_root_once(&HandlerError::Failed(Box::new(Outer(io::Error::other(
        "root cause",
    )))));
    reports_root_once(&HandlerError::Receive(telegram_api::Error::Transport {
        method: "getUpdates",
        source: deep_cause(),
    }));
    reports_root_once(&RunError::Io(deep_cause()));
    reports_root_once(&RunError::Init(Box::new(deep_cause())));
    reports_root_once(&RunError::Api(telegram_api::Error::Io {
        context: "x".into(),
        source: deep_cause(),
    }));
    reports_root_once(&CallbackDataError::Store(DataError::Store(store(
        deep_cause(),
    ))));

    // Made by the crate: a damaged store file, a stored value of another type, data of a type
    // that does not decode, an unknown time zone.
    let dir = std::env::temp_dir().join(format!("error-chains-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("damaged.redb");
    std::fs::write(&path, b"not a store").unwrap();
    let open = FileStore::open(&path).map(drop).unwrap_err();
    chain(&open);

    std::fs::remove_dir_all(&dir).unwrap();

    let store = MemoryStore::new();
    let mut data = Data::new(&store);
    let key = Key::bot("count");
    data.set(&key, "text").unwrap();
    let decode = data.get::<u32>(&key).unwrap_err();
    assert!(matches!(decode, DataError::Decode(_)), "{decode:?}");
    chain(&decode);

    #[derive(Debug, serde::Serialize, serde::Deserialize)]
    struct Pick {
        n: u8,
    }
    impl CallbackData for Pick {
        const PREFIX: &'static str = "p";
    }
    let bad = Pick::from_data("p:300").unwrap_err();
    assert!(matches!(bad, CallbackDataError::Decode { .. }), "{bad:?}");
    chain(&bad);

    let zone = Schedule::daily(Time::constant(9, 0, 0, 0), "Mars/Olympus_Mons").unwrap_err();
    let messages = chain(&zone);
    assert!(messages[0].contains("Mars/Olympus_Mons"), "{messages:?}");
}

//! Every error prints each cause once: an error whose message includes the text of the error it
//! wraps does not also return that error from `source()`, so a report that walks the chain (as
//! `anyhow`'s `{:#}` does) never repeats a message.

use std::error::Error as StdError;
use std::fmt;
use std::io;

/// An error with a cause of its own, to see that the chain goes on past a wrapper.
#[derive(Debug)]
struct Outer(Inner);

#[derive(Debug)]
struct Inner;

impl fmt::Display for Outer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the disk refused")
    }
}

impl StdError for Outer {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&self.0)
    }
}

impl fmt::Display for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("sector 7 is bad")
    }
}

impl StdError for Inner {}

/// An error that prints its cause's message as its own and also returns that cause from
/// `source()`, as some libraries' errors do (a client error that is an I/O error).
#[cfg(feature = "ext")]
#[derive(Debug)]
struct Echo(Outer);

#[cfg(feature = "ext")]
impl fmt::Display for Echo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(feature = "ext")]
impl StdError for Echo {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&self.0)
    }
}

/// Every message of the chain, outermost first.
fn chain(e: &(dyn StdError + 'static)) -> Vec<String> {
    let mut out = vec![e.to_string()];
    let mut current = e;
    while let Some(next) = current.source() {
        out.push(next.to_string());
        current = next;
    }
    out
}

/// No message of the chain contains the one after it, and every message is there once.
#[track_caller]
fn assert_cause_once(e: &(dyn StdError + 'static), expected: &[&str]) {
    let messages = chain(e);
    for pair in messages.windows(2) {
        assert!(
            !pair[0].contains(&pair[1]),
            "{:?} repeats its cause {:?}",
            pair[0],
            pair[1]
        );
    }
    let report = messages.join(": ");
    for text in expected {
        assert_eq!(
            report.matches(text).count(),
            1,
            "{text:?} should appear once in the report {report:?}"
        );
    }
}

#[test]
fn a_file_error_names_its_cause_once_and_the_chain_goes_on() {
    let e = telegram_api::Error::Io {
        context: "cannot read cat.jpg".into(),
        source: io::Error::other(Outer(Inner)),
    };
    assert_eq!(e.to_string(), "cannot read cat.jpg: the disk refused");
    assert_cause_once(
        &e,
        &["cannot read cat.jpg", "the disk refused", "sector 7 is bad"],
    );
}

#[test]
fn a_body_that_is_not_an_update_names_the_decode_error_once() {
    let e = telegram_api::webhook::receive("s3cret", Some("s3cret"), b"{\"update_id\": \"x\"}")
        .unwrap_err();
    let text = e.to_string();
    assert!(text.starts_with("the body is not an update: "), "{text}");
    assert_cause_once(&e, &["the body is not an update"]);
}

#[cfg(feature = "ext")]
mod ext {
    use super::*;
    use telegram_api::ext::store::{DataError, StoreError};
    use telegram_api::ext::{HandlerError, JobError, RunError};

    #[test]
    fn a_store_error_in_a_handler_says_store_once() {
        let e = HandlerError::Store(StoreError::Backend(Box::new(Outer(Inner))));
        assert_eq!(e.to_string(), "store: the disk refused");
        assert_cause_once(&e, &["store", "the disk refused", "sector 7 is bad"]);
    }

    #[test]
    fn a_failed_handler_shows_its_error_once() {
        let e = HandlerError::Failed(Box::new(Outer(Inner)));
        assert_eq!(e.to_string(), "handler failed: the disk refused");
        assert_cause_once(&e, &["the disk refused", "sector 7 is bad"]);
    }

    fn backend_echoing_its_cause() -> StoreError {
        StoreError::Backend(Box::new(Echo(Outer(Inner))))
    }

    #[test]
    fn a_backend_error_that_repeats_its_cause_is_not_repeated() {
        let e = backend_echoing_its_cause();
        assert_eq!(e.to_string(), "store: the disk refused");
        assert_cause_once(&e, &["store", "the disk refused", "sector 7 is bad"]);
        let e = StoreError::Open {
            path: "state.redb".into(),
            source: Box::new(Echo(Outer(Inner))),
        };
        assert_eq!(
            e.to_string(),
            "cannot open the store state.redb: the disk refused"
        );
        assert_cause_once(&e, &["state.redb", "the disk refused", "sector 7 is bad"]);
    }

    #[test]
    fn a_store_wrapping_a_store_says_store_once() {
        // A store over another one, passing its error on.
        let e = StoreError::Backend(Box::new(backend_echoing_its_cause()));
        assert_eq!(e.to_string(), "store: the disk refused");
        assert_cause_once(&e, &["store", "the disk refused", "sector 7 is bad"]);
    }

    #[test]
    fn store_errors_wrapped_again_name_each_cause_once() {
        let data = DataError::Store(backend_echoing_its_cause());
        assert_eq!(data.to_string(), "store: the disk refused");
        assert_cause_once(&data, &["store", "the disk refused", "sector 7 is bad"]);
        // A handler that returned the data error.
        let failed = HandlerError::Failed(Box::new(DataError::Store(backend_echoing_its_cause())));
        assert_eq!(
            failed.to_string(),
            "handler failed: store: the disk refused"
        );
        assert_cause_once(&failed, &["store", "the disk refused", "sector 7 is bad"]);
        let failed = HandlerError::Failed(Box::new(Echo(Outer(Inner))));
        assert_cause_once(&failed, &["the disk refused", "sector 7 is bad"]);
        let store = HandlerError::Store(backend_echoing_its_cause());
        assert_cause_once(&store, &["store", "the disk refused", "sector 7 is bad"]);
        let job = JobError::Store(backend_echoing_its_cause());
        assert_eq!(job.to_string(), "store: the disk refused");
        assert_cause_once(&job, &["store", "the disk refused", "sector 7 is bad"]);
        let job = JobError::Data(DataError::Store(backend_echoing_its_cause()));
        assert_eq!(job.to_string(), "job data: store: the disk refused");
        assert_cause_once(&job, &["store", "the disk refused", "sector 7 is bad"]);
    }

    #[test]
    fn a_value_that_does_not_encode_names_its_cause_once() {
        let mut data = std::collections::HashMap::new();
        data.insert((1, 2), 3);
        let store = telegram_api::ext::store::MemoryStore::new();
        let e = telegram_api::ext::store::Data::new(&store)
            .set(&telegram_api::ext::store::Key::bot("map"), &data)
            .unwrap_err();
        assert!(e.to_string().starts_with("cannot encode bot/map: "), "{e}");
        assert_cause_once(&e, &["cannot encode bot/map"]);
    }

    #[test]
    fn a_runner_error_names_its_cause_once() {
        let e = RunError::Io(io::Error::other(Outer(Inner)));
        assert_eq!(e.to_string(), "the disk refused");
        assert_cause_once(&e, &["the disk refused", "sector 7 is bad"]);
        let e = RunError::Api(telegram_api::Error::Io {
            context: "cannot bind 127.0.0.1:8443".into(),
            source: io::Error::other(Outer(Inner)),
        });
        assert_cause_once(
            &e,
            &[
                "cannot bind 127.0.0.1:8443",
                "the disk refused",
                "sector 7 is bad",
            ],
        );
    }

    #[cfg(feature = "redis")]
    #[test]
    fn a_redis_server_that_cannot_be_reached_is_named_once() {
        // A port nobody listens on: taken from the system, then let go.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("redis://127.0.0.1:{port}/");
        let e = telegram_api::ext::store::RedisStore::open(&url).unwrap_err();
        let text = e.to_string();
        assert!(text.starts_with("cannot open the store redis://"), "{text}");
        // The client's error prints its I/O error's message and returns it as its source too.
        assert_cause_once(&e, &["cannot open the store"]);
    }

    #[test]
    fn a_store_that_cannot_open_names_its_cause_once() {
        let dir = std::env::temp_dir().join(format!("errors-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // A directory is not a store file.
        let e = telegram_api::ext::store::FileStore::open(&dir).unwrap_err();
        std::fs::remove_dir_all(&dir).unwrap();
        let text = e.to_string();
        assert!(text.starts_with("cannot open the store "), "{text}");
        assert_cause_once(&e, &["cannot open the store"]);
    }
}

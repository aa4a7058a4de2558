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
    use telegram_api::ext::HandlerError;
    use telegram_api::ext::store::StoreError;

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

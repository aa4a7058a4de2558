//! The log records of `telegram_api` in a test binary, kept so that a test can read them or
//! wait for one: what the library logs is how a test sees events that nothing else shows (a
//! client that read a 429, a webhook that queued a request).

use std::sync::OnceLock;

use crate::wait::Log;

/// One record: its level and its message.
#[derive(Clone, Debug)]
pub struct Record {
    /// The record's level.
    pub level: log::Level,
    /// The record's message.
    pub message: String,
}

/// Every `telegram_api` record of this test binary so far, at any level; the first call
/// installs the logger that keeps them (a binary has one logger, so every test of it shares
/// the records: look for your own update ids or chats).
pub fn records() -> &'static Log<Record> {
    static RECORDS: OnceLock<&'static Log<Record>> = OnceLock::new();
    RECORDS.get_or_init(|| {
        struct Keep(&'static Log<Record>);
        impl log::Log for Keep {
            fn enabled(&self, metadata: &log::Metadata) -> bool {
                metadata.target() == "telegram_api"
            }
            fn log(&self, record: &log::Record) {
                if self.enabled(record.metadata()) {
                    self.0.push(Record {
                        level: record.level(),
                        message: record.args().to_string(),
                    });
                }
            }
            fn flush(&self) {}
        }
        let records: &'static Log<Record> = Box::leak(Box::default());
        log::set_boxed_logger(Box::new(Keep(records))).expect("the only logger of the binary");
        log::set_max_level(log::LevelFilter::Trace);
        records
    })
}

/// Waits until a record's message contains `text`, and returns that message. Call [`records`]
/// first, before what logs it can happen.
pub fn wait_for_message(text: &str) -> String {
    let records = records().wait_for(&format!("a log record containing {text:?}"), |r| {
        r.iter().any(|r| r.message.contains(text))
    });
    records
        .into_iter()
        .find(|r| r.message.contains(text))
        .map(|r| r.message)
        .expect("waited for")
}

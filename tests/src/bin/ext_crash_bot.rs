//! A bot for the crash-safety test of `telegram_api::ext` (`tests/tests/ext_polling.rs`): it
//! polls `TELEGRAM_API_URL`, and appends the id of every update it handled to the file
//! `EXT_CRASH_LOG`, one per line. The test kills it with SIGKILL mid-stream.

use std::fs::OpenOptions;
use std::io::Write;
use std::sync::Mutex;
use std::time::Duration;

use telegram_api::Bot;
use telegram_api::ext::{Application, Context, Handler};

fn main() {
    let url = std::env::var("TELEGRAM_API_URL").expect("TELEGRAM_API_URL");
    let path = std::env::var("EXT_CRASH_LOG").expect("EXT_CRASH_LOG");
    let log = Mutex::new(
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .expect("the log file"),
    );
    let app = Application::builder(Bot::new("42:crash").with_api_url(url))
        .workers(4)
        .poll_limit(10)
        .poll_timeout(1)
        .handler(Handler::update(
            |_| true,
            move |ctx: &Context| {
                let id = ctx.update().unwrap().update_id;
                // Uneven work, so that some chats are ahead of others when the kill comes.
                std::thread::sleep(Duration::from_millis(2 + (id * 7 % 9) as u64));
                let mut file = log.lock().unwrap();
                file.write_all(format!("{id}\n").as_bytes())?;
                Ok::<_, std::io::Error>(())
            },
        ))
        .build();
    if let Err(e) = app.run_polling() {
        eprintln!("{e}");
        std::process::exit(1);
    }
}

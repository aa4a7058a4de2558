//! Fresh directories and store files for the tests, under the system's temporary directory.
//!
//! Each name is this process's: the test binaries run at once, and their tests in parallel, so
//! a test names its directory after itself and gets an empty one, whatever an earlier run left.

use std::path::PathBuf;

/// An empty directory of this process named after `name` (what an earlier run left there is
/// removed).
pub fn temp_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("telegram-api-tests-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The path of a store file (`state.redb`, not yet made) in [`temp_dir`]`(name)`.
pub fn temp_store(name: &str) -> PathBuf {
    temp_dir(name).join("state.redb")
}

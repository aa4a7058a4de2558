//! A [`FileStore`] on a disk that fills up and then has room again: its commits fail while the
//! disk is full, and work again after, without opening the store by hand; nothing committed is
//! lost, before or after.

use std::io;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use super::{Change, Commit, FileStore, Key, Store, StoreError};

/// A file that refuses to be written to or grown while `full` is set, like a full disk.
#[derive(Debug)]
struct FillingDisk {
    file: redb::backends::FileBackend,
    full: Arc<AtomicBool>,
    /// How many writes it refused.
    refused: Arc<AtomicUsize>,
}

impl FillingDisk {
    fn check(&self) -> io::Result<()> {
        if self.full.load(Ordering::SeqCst) {
            self.refused.fetch_add(1, Ordering::SeqCst);
            return Err(io::Error::new(
                io::ErrorKind::StorageFull,
                "no space left on device",
            ));
        }
        Ok(())
    }
}

impl redb::StorageBackend for FillingDisk {
    fn len(&self) -> io::Result<u64> {
        self.file.len()
    }

    fn read(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        self.file.read(offset, len)
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        if len > self.file.len()? {
            self.check()?;
        }
        self.file.set_len(len)
    }

    fn sync_data(&self, eventual: bool) -> io::Result<()> {
        self.file.sync_data(eventual)
    }

    fn write(&self, offset: u64, data: &[u8]) -> io::Result<()> {
        self.check()?;
        self.file.write(offset, data)
    }
}

/// A store on the file `path` of a disk that is full while `full` is set.
fn store_on_disk(path: &Path, full: &Arc<AtomicBool>, refused: &Arc<AtomicUsize>) -> FileStore {
    let (file, full, refused) = (path.to_owned(), full.clone(), refused.clone());
    let opener = move || {
        let opened = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&file)?;
        redb::Builder::new().create_with_backend(FillingDisk {
            file: redb::backends::FileBackend::new(opened)?,
            full: full.clone(),
            refused: refused.clone(),
        })
    };
    FileStore::with_opener(path.to_owned(), Box::new(opener)).unwrap()
}

fn put(update_id: i64, name: &str) -> (Option<i64>, Vec<Change>) {
    let value = format!("\"{name}\"").into_bytes();
    (Some(update_id), vec![Change::Put(Key::bot(name), value)])
}

fn commit(store: &FileStore, update_id: i64, name: &str) -> Result<Commit, StoreError> {
    let (id, changes) = put(update_id, name);
    store.commit(id, &changes)
}

/// Every value and record of `store`: what was committed, and only that.
fn assert_holds(store: &FileStore, committed: &[(i64, &str)], not: &[(i64, &str)]) {
    for (id, name) in committed {
        let value = store.get(&Key::bot(*name)).unwrap();
        assert_eq!(value, Some(format!("\"{name}\"").into_bytes()), "{name}");
        assert!(store.is_applied(*id).unwrap(), "update {id}");
    }
    for (id, name) in not {
        assert_eq!(store.get(&Key::bot(*name)).unwrap(), None, "{name}");
        assert!(!store.is_applied(*id).unwrap(), "update {id}");
    }
}

#[test]
fn a_full_disk_fails_commits_until_it_has_room_again() {
    let dir = std::env::temp_dir().join(format!("telegram-api-file-faults-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.redb");
    let full = Arc::new(AtomicBool::new(false));
    let refused = Arc::new(AtomicUsize::new(0));
    let store = store_on_disk(&path, &full, &refused);
    assert_eq!(commit(&store, 1, "before").unwrap(), Commit::Applied);

    full.store(true, Ordering::SeqCst);
    for attempt in 0..3 {
        let e = commit(&store, 2, "while full").unwrap_err();
        assert!(matches!(e, StoreError::Backend(_)), "{attempt}: {e}");
    }
    assert!(refused.load(Ordering::SeqCst) > 0);
    // Reads meanwhile: the committed value or an error (opening the database again needs to
    // write), never a panic or a wrong answer.
    if let Ok(value) = store.get(&Key::bot("before")) {
        assert_eq!(value.as_deref(), Some(&b"\"before\""[..]));
    }

    // Room again: the store works on its own, and nothing of the failed commits is there.
    full.store(false, Ordering::SeqCst);
    assert_eq!(commit(&store, 3, "after").unwrap(), Commit::Applied);
    assert_holds(&store, &[(1, "before"), (3, "after")], &[(2, "while full")]);
    // The update whose commits failed is committed now, once.
    assert_eq!(commit(&store, 2, "while full").unwrap(), Commit::Applied);
    assert_eq!(
        commit(&store, 2, "while full").unwrap(),
        Commit::AlreadyApplied
    );
    let all = [(1, "before"), (2, "while full"), (3, "after")];
    assert_holds(&store, &all, &[]);

    // All of it is in the file.
    drop(store);
    let store = FileStore::open(&path).unwrap();
    assert_holds(&store, &all, &[]);
    drop(store);
    std::fs::remove_dir_all(&dir).unwrap();
}

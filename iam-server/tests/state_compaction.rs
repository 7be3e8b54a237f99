//! A served account with a long history restarts with a bounded replay (issue #12): the
//! journal is folded into a snapshot whenever it passes its threshold, so after 10,000
//! changes — and a stop without a clean shutdown — a start replays fewer records than the
//! threshold and serves the identical account; a clean stop leaves nothing to replay.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use iam_server::state::{Compaction, Journal, ServerClock};
use iam_server::{Server, ServerOptions};
use serde_json::json;
use std::path::Path;
use std::sync::Arc;

/// A temporary directory on tmpfs when there is one: the test makes 10,000 durable changes,
/// each `fdatasync`ed, and the disk's speed is not what it is about.
fn tempdir() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        if let Ok(d) = tempfile::tempdir_in(shm) {
            return d;
        }
    }
    tempfile::tempdir().expect("tempdir")
}

const THRESHOLD: u64 = 1_000;

fn reopen(dir: &Path) -> iam_server::state::Restored {
    let clock = Arc::new(ServerClock::new(Arc::new(iam_account::SystemClock)));
    Journal::open(dir, None, None, &clock).expect("reopens")
}

#[test]
fn ten_thousand_changes_restart_with_a_bounded_replay_and_the_same_account() {
    let dir = tempdir();
    let options = ServerOptions {
        state: Some(dir.path().to_path_buf()),
        compaction: Compaction {
            records: THRESHOLD,
            bytes: u64::MAX,
        },
        ..ServerOptions::default()
    };
    let server = Server::start(&options, None).expect("starts");
    let door = server.door();
    let account = server.account();
    let mut changes = 0;
    // Through the same journaled path as the endpoint's writes (clock pinned, randomness
    // recorded, appended, fsynced, compacted when due).
    for i in 0..5_000 {
        let mut a = account.write().unwrap();
        let root = a.root_caller();
        let mut call = |op: &str, name: String| {
            door.call(&mut a, "iam", op, &json!({"UserName": name}), &root)
                .unwrap_or_else(|e| panic!("{op}: {}", e.error().message));
            changes += 1;
        };
        call("CreateUser", format!("u{i}"));
        if i >= 100 {
            call("DeleteUser", format!("u{}", i - 100));
        }
    }
    assert_eq!(changes, 9_900);
    let expected = account.read().unwrap().snapshot();
    let live = account.read().unwrap().users_iter().count();
    assert_eq!(live, 100);
    // No clean shutdown (as after `kill -9`): the server is abandoned as it stands.
    std::mem::forget(server);
    let r = reopen(dir.path());
    assert!(r.from_snapshot);
    assert!(
        (r.replayed as u64) < THRESHOLD,
        "replayed {} records: more than the threshold",
        r.replayed
    );
    assert!(r.journal.pending().0 < THRESHOLD);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!(r.account.snapshot(), expected, "the identical account");
    drop(r);

    // A clean stop folds the rest of the journal into the snapshot: nothing left to replay.
    let mut server = Server::start(&options, None).expect("restarts");
    assert!(server.warnings().is_empty(), "{:?}", server.warnings());
    server.stop();
    assert_eq!(
        std::fs::metadata(Journal::path_in(dir.path()))
            .map(|m| m.len())
            .unwrap_or(u64::MAX),
        0
    );
    let r = reopen(dir.path());
    assert_eq!(r.replayed, 0);
    assert_eq!(r.account.snapshot(), expected);
}

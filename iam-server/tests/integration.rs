//! The integration tests of `iam-server`, one test binary (see
//! `test-support/integration_modules.rs`). A new `tests/*.rs` file goes in the list below.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

include!("../../test-support/integration_modules.rs");

integration_modules! {
    separate: [],
    modules: [
        e2e_expired_session,
        endpoint,
        read_path,
        state_compaction,
    ],
}

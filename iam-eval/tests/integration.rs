//! The integration tests of `iam-eval`, one test binary (see
//! `test-support/integration_modules.rs`). A new `tests/*.rs` file goes in the list below.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

include!("../../test-support/integration_modules.rs");

integration_modules! {
    separate: ["alloc_free"],
    modules: [
        conformance,
        notprincipal_boundary,
        properties,
        unnamed_principal,
    ],
}

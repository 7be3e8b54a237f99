//! The integration tests of `iam-parser`, one test binary (see
//! `test-support/integration_modules.rs`). A new `tests/*.rs` file goes in the list below.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

include!("../../test-support/integration_modules.rs");

integration_modules! {
    separate: [],
    modules: [
        catalog_findings,
        cli_config,
        cli_files,
        exposure,
        gaad,
        managed_policies,
        moto_cases,
        recovery,
        recycling,
        robustness,
    ],
}

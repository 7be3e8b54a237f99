//! The integration tests of `iam-analysis`, one test binary (see
//! `test-support/integration_modules.rs`). A new `tests/*.rs` file goes in the list below.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

include!("../../test-support/integration_modules.rs");

integration_modules! {
    separate: [],
    modules: [
        analysis_layers,
        analysis_snapshot,
        check_cases,
        check_managed,
        check_properties,
        matrix_rows,
        org_reach,
        org_resources,
        reach,
        unknown_actions,
        who_can_classes,
    ],
}

// The benchmarks' synthetic-account generator is tested here, with its own unit tests:
// scripts/test-all.sh leaves iamkit-benches out of `cargo test` (it holds benchmarks only, and
// testing it would build criterion and the peer simulators for this one test).
#[path = "../../benches/src/synthetic.rs"]
#[allow(dead_code)]
mod synthetic;

//! The integration tests of `iam-account`, one test binary (see
//! `test-support/integration_modules.rs`). A new `tests/*.rs` file goes in the list below.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

include!("../../test-support/integration_modules.rs");

integration_modules! {
    separate: [],
    modules: [
        account_authz,
        account_aws_owned,
        account_credentials,
        account_gaad,
        account_quotas,
        account_secrets,
        account_sts,
        enforce,
        gaad_compact,
        operations_mfa,
        read_operations,
        simulate_caller,
        sts_story,
    ],
}

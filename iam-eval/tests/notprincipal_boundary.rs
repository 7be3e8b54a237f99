//! NotPrincipal + Deny always denies a principal that has a permissions boundary (spec §5.9;
//! https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html).
//! The engine must know the caller has a boundary from the boundary *layer* alone, so callers
//! (such as the Python API) need not also flag the principal.
#![allow(clippy::unwrap_used)]

use iam_eval::{Decision, Engine, Principal, Request};
use iam_model::PolicyType;

const BUCKET_POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/alice"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
  {"Effect": "Deny", "NotPrincipal": {"AWS": ["arn:aws:iam::111122223333:user/alice", "arn:aws:iam::111122223333:root"]},
   "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"}]}"#;
const BOUNDARY: &str = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}"#;

#[test]
fn boundary_layer_alone_makes_notprincipal_deny_apply() {
    let bucket = iam_parser::parse_policy(BUCKET_POLICY, PolicyType::Resource).unwrap();
    let boundary = iam_parser::parse_policy(BOUNDARY, PolicyType::PermissionsBoundary).unwrap();
    let alice = Principal::parse("arn:aws:iam::111122223333:user/alice").unwrap();
    let req = Request::new(&alice, "s3:GetObject", "arn:aws:s3:::b/k")
        .with_resource_account("111122223333");

    let without = Engine::builder().resource(&bucket).build().unwrap();
    assert_eq!(
        without.evaluate(&req),
        Decision::Allowed,
        "listed in NotPrincipal: exempt"
    );

    let with = Engine::builder()
        .resource(&bucket)
        .permissions_boundary(&boundary)
        .build()
        .unwrap();
    assert_eq!(
        with.evaluate(&req),
        Decision::ExplicitDeny,
        "a boundary makes the NotPrincipal Deny apply"
    );
    assert_eq!(with.explain(&req).decision, Decision::ExplicitDeny);
}

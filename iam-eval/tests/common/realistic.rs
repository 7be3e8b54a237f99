//! A realistic principal, shared by the allocation test and the benchmark: an IAM user with 12
//! AWS managed policies (bundled in iam-model/data), a permissions boundary, a bucket policy
//! with conditions and three SCP levels.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, missing_docs)]

use iam_eval::{Context, Engine, Principal};
use iam_model::{Policy, PolicyType};

macro_rules! managed {
    ($($name:literal),* $(,)?) => {
        [$(($name, include_str!(concat!("../../../iam-model/data/aws-managed-policies/policies/", $name, ".json")))),*]
    };
}

/// The 12 AWS managed policies attached to the user.
pub const MANAGED: [(&str, &str); 12] = managed!(
    "ReadOnlyAccess",
    "PowerUserAccess",
    "AmazonS3FullAccess",
    "AmazonEC2ReadOnlyAccess",
    "AmazonDynamoDBFullAccess",
    "AWSLambda_FullAccess",
    "CloudWatchReadOnlyAccess",
    "AmazonSQSFullAccess",
    "AmazonSNSFullAccess",
    "AmazonRDSReadOnlyAccess",
    "AmazonVPCReadOnlyAccess",
    "SecurityAudit",
);

pub const BOUNDARY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Services", "Effect": "Allow",
     "Action": ["s3:*", "ec2:*", "dynamodb:*", "lambda:*", "sqs:*", "sns:*", "cloudwatch:*", "logs:*", "rds:Describe*"],
     "Resource": "*"},
    {"Sid": "NoIamWrites", "Effect": "Deny", "Action": ["iam:Create*", "iam:Put*", "iam:Attach*", "iam:Delete*"], "Resource": "*"},
    {"Sid": "HomeOnly", "Effect": "Deny", "Action": "s3:PutObject",
     "NotResource": ["arn:aws:s3:::corp-data/home/${aws:username}/*", "arn:aws:s3:::corp-data/reports/*"]}
  ]
}"#;

pub const BUCKET_POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "OrgRead", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
     "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": ["arn:aws:s3:::corp-data", "arn:aws:s3:::corp-data/*"],
     "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-exampleorg"},
                   "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:*"}}},
    {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
     "Resource": ["arn:aws:s3:::corp-data", "arn:aws:s3:::corp-data/*"],
     "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    {"Sid": "CorpNetwork", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
     "Resource": "arn:aws:s3:::corp-data/*",
     "Condition": {"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]},
                   "StringNotEqualsIfExists": {"aws:PrincipalTag/team": ["data", "platform"]}}}
  ]
}"#;

pub const SCP_FULL: &str = r#"{"Version": "2012-10-17", "Statement": [{"Sid": "FullAWSAccess", "Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;

pub const SCP_REGIONS: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "DenyOtherRegions", "Effect": "Deny",
     "NotAction": ["iam:*", "organizations:*", "sts:*", "support:*", "cloudfront:*", "route53:*"],
     "Resource": "*",
     "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}},
    {"Sid": "ProtectSecurity", "Effect": "Deny", "Action": ["guardduty:Delete*", "cloudtrail:StopLogging"], "Resource": "*"}
  ]
}"#;

pub const SCP_ACCOUNT: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": "*", "Resource": "*"},
    {"Sid": "KeepBuckets", "Effect": "Deny", "Action": ["s3:DeleteBucket", "s3:PutBucketPolicy"], "Resource": "*",
     "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/Admin"}}}
  ]
}"#;

/// Parsed policies (the one-time "prepare" step).
pub struct Policies {
    pub identity: Vec<(&'static str, Policy)>,
    pub boundary: Policy,
    pub bucket: Policy,
    pub scp_full: Policy,
    pub scp_regions: Policy,
    pub scp_account: Policy,
}

pub fn policies() -> Policies {
    let p = |t, s: &str| iam_parser::parse_policy(s, t).expect("bundled policy parses");
    Policies {
        identity: MANAGED
            .iter()
            .map(|(n, s)| (*n, p(PolicyType::Identity, s)))
            .collect(),
        boundary: p(PolicyType::PermissionsBoundary, BOUNDARY),
        bucket: p(PolicyType::Resource, BUCKET_POLICY),
        scp_full: p(PolicyType::Scp, SCP_FULL),
        scp_regions: p(PolicyType::Scp, SCP_REGIONS),
        scp_account: p(PolicyType::Scp, SCP_ACCOUNT),
    }
}

pub fn engine(p: &Policies) -> Engine {
    let mut b = Engine::builder();
    for (name, pol) in &p.identity {
        b = b.identity_named(name, pol);
    }
    b.permissions_boundary(&p.boundary)
        .resource(&p.bucket)
        .scp_level([&p.scp_full])
        .scp_level([&p.scp_full, &p.scp_regions])
        .scp_level([&p.scp_account])
        .build()
        .expect("policies compile")
}

pub fn principal() -> Principal {
    Principal::parse("arn:aws:iam::111122223333:user/analytics/alice")
        .unwrap()
        .with_unique_id("AIDAEXAMPLEALICE0001")
        .with_tag("team", "data")
        .with_tag("cost-center", "1234")
        .with_org("o-exampleorg", &["o-exampleorg/r-ab12/ou-ab12-11111111/"])
        .with_permissions_boundary(true)
}

pub const ACTION: &str = "s3:GetObject";
pub const RESOURCE: &str = "arn:aws:s3:::corp-data/reports/2024/q1.csv";

/// The request context (borrowing: building it allocates nothing).
pub fn context() -> Context<'static> {
    let mut c = Context::new();
    c.insert("aws:SourceIp", "203.0.113.42")
        .insert_bool("aws:SecureTransport", true)
        .insert("aws:RequestedRegion", "us-east-1")
        .insert("aws:CurrentTime", "2024-05-01T12:00:00Z")
        .insert("aws:UserAgent", "aws-cli/2.15.0")
        .insert_bool("aws:MultiFactorAuthPresent", true);
    c
}

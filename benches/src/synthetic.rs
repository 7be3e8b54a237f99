//! A deterministic synthetic account of any size, as `get-account-authorization-details` JSON
//! (issue #14: the 50,000-principal figures). The mix follows how real accounts are organized:
//! most users get their permissions from groups (users of one department share the same
//! groups), customer managed policies are shared by many principals, a minority of users and
//! more roles carry inline policies of their own, some have permissions boundaries, a few use
//! policy variables (`${aws:username}`) or `aws:PrincipalTag` conditions, and a few hold AWS
//! managed policies directly (ReadOnlyAccess, PowerUserAccess, AdministratorAccess ...).
//!
//! Four in five principals are users, one in five roles (trusting a service, the account or
//! another role). Nothing is random: principal `i` is built from `i` alone, so every run, the
//! Rust benches and the Python bench script (`cargo run --release -p iamkit-benches --example
//! synthetic_account -- 50000 FILE`) see the same account.
// `%` rather than `is_multiple_of`: this file is also compiled into iam-analysis's tests,
// whose minimum Rust version (1.85) predates it.
#![allow(clippy::manual_is_multiple_of)]

use serde_json::{Value, json};

/// The account id of the synthetic accounts.
pub const ACCOUNT_ID: &str = "123456789012";

/// Customer managed policies in the shared pool.
pub const MANAGED_POOL: usize = 240;
/// Groups.
pub const GROUPS: usize = 80;
/// Departments: users of one department are in the same 1-3 groups.
pub const DEPARTMENTS: usize = 150;

const SERVICES: [&str; 12] = [
    "s3",
    "dynamodb",
    "sqs",
    "sns",
    "logs",
    "kms",
    "ec2",
    "lambda",
    "ecr",
    "cloudwatch",
    "ssm",
    "secretsmanager",
];

const AWS_MANAGED: [&str; 6] = [
    "arn:aws:iam::aws:policy/ReadOnlyAccess",
    "arn:aws:iam::aws:policy/PowerUserAccess",
    "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
    "arn:aws:iam::aws:policy/AmazonEC2FullAccess",
    "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
    "arn:aws:iam::aws:policy/AdministratorAccess",
];

/// A small deterministic mix of `i` (SplitMix64's finalizer).
fn mix(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn pick(i: usize, salt: u64, n: usize) -> usize {
    usize::try_from(mix((i as u64) << 8 | salt) % (n as u64)).unwrap_or(0)
}

/// An identity policy of 2-5 statements, varied by `i` (which service, resources, whether it
/// has conditions, denies, `iam:PassRole`).
fn policy(i: usize, owner: Option<&str>) -> Value {
    let svc = SERVICES[i % SERVICES.len()];
    let other = SERVICES[(i / SERVICES.len() + 3) % SERVICES.len()];
    let arn = |s: &str| {
        if s == "s3" {
            format!("arn:aws:s3:::app{i}-data/*")
        } else {
            format!("arn:aws:{s}:us-east-1:{ACCOUNT_ID}:*app{i}*")
        }
    };
    let mut st = vec![
        json!({"Sid": "Read", "Effect": "Allow",
               "Action": [format!("{svc}:Get*"), format!("{svc}:List*"), format!("{svc}:Describe*")],
               "Resource": arn(svc)}),
        json!({"Sid": "Write", "Effect": "Allow",
               "Action": [format!("{other}:Put*"), format!("{other}:Update*"), format!("{other}:Create*")],
               "Resource": arn(other),
               "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}}),
    ];
    if i % 3 == 0 {
        st.push(
            json!({"Sid": "NoDelete", "Effect": "Deny", "Action": format!("{svc}:Delete*"),
                       "Resource": "*",
                       "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}),
        );
    }
    if i % 7 == 0 {
        st.push(
            json!({"Sid": "Pass", "Effect": "Allow", "Action": ["iam:PassRole", "iam:GetRole"],
                       "Resource": format!("arn:aws:iam::{ACCOUNT_ID}:role/app{}-*", i % 50)}),
        );
    }
    if i % 11 == 0 {
        st.push(json!({"Sid": "Everything", "Effect": "Allow", "Action": format!("{svc}:*"), "Resource": "*"}));
    }
    if let Some(user) = owner {
        st.push(json!({"Sid": "Own", "Effect": "Allow", "Action": ["iam:GetUser", "iam:ListAccessKeys", "iam:CreateAccessKey"],
                       "Resource": format!("arn:aws:iam::{ACCOUNT_ID}:user/{user}")}));
    }
    json!({"Version": "2012-10-17", "Statement": st})
}

/// A policy whose answer depends on the principal (a variable, a principal tag).
fn personal_policy(i: usize) -> Value {
    json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Home", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
         "Resource": "arn:aws:s3:::home/${aws:username}/*"},
        {"Sid": "Team", "Effect": "Allow", "Action": "ec2:*Instances", "Resource": "*",
         "Condition": {"StringEquals": {"aws:PrincipalTag/team": format!("team{}", i % 9)}}}
    ]})
}

fn boundary(k: usize) -> Value {
    let svcs: Vec<String> = (0..4)
        .map(|j| format!("{}:*", SERVICES[(k * 4 + j) % SERVICES.len()]))
        .chain(["iam:Get*".to_string(), "iam:List*".to_string()])
        .collect();
    json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": svcs, "Resource": "*"},
        {"Effect": "Deny", "Action": "iam:*AccessKey*", "Resource": "*"}
    ]})
}

fn attached(arns: &[String]) -> Value {
    Value::Array(
        arns.iter()
            .map(|a| json!({"PolicyArn": a, "PolicyName": a.rsplit('/').next().unwrap_or(a)}))
            .collect(),
    )
}

fn id(prefix: &str, i: usize) -> String {
    format!("{prefix}{:017X}", mix(i as u64))
}

fn managed_arn(k: usize) -> String {
    format!("arn:aws:iam::{ACCOUNT_ID}:policy/pool/shared-{k}")
}

fn boundary_arn(k: usize) -> String {
    format!("arn:aws:iam::{ACCOUNT_ID}:policy/boundaries/boundary-{k}")
}

fn group_policies(g: usize) -> Vec<String> {
    let mut out = vec![managed_arn(g * 3 % MANAGED_POOL)];
    if g % 2 == 0 {
        out.push(managed_arn((g * 3 + 1) % MANAGED_POOL));
    }
    match g % 10 {
        0 => out.push(AWS_MANAGED[0].to_string()),
        3 => out.push(AWS_MANAGED[2].to_string()),
        6 => out.push(AWS_MANAGED[4].to_string()),
        _ => {}
    }
    out
}

fn department_groups(d: usize) -> Vec<usize> {
    let n = 1 + d % 3;
    let mut g: Vec<usize> = (0..n).map(|k| pick(d, 10 + k as u64, GROUPS)).collect();
    g.sort_unstable();
    g.dedup();
    g
}

const DATE: &str = "2024-01-02T03:04:05Z";

/// The `get-account-authorization-details` document of a synthetic account of `principals`
/// users and roles (see the module docs). `principals / 5` are roles.
pub fn authorization_details(principals: usize) -> Value {
    let roles = principals / 5;
    let users = principals - roles;
    let mut policies = Vec::new();
    let policy_detail = |arn: String, name: String, path: &str, doc: Value, k: usize| {
        json!({"PolicyName": name, "PolicyId": id("ANPA", 1_000_000 + k), "Arn": arn, "Path": path,
               "DefaultVersionId": "v1", "AttachmentCount": 1, "PermissionsBoundaryUsageCount": 0,
               "IsAttachable": true, "CreateDate": DATE, "UpdateDate": DATE,
               "PolicyVersionList": [{"Document": doc, "VersionId": "v1", "IsDefaultVersion": true,
                                      "CreateDate": DATE}]})
    };
    for k in 0..MANAGED_POOL {
        policies.push(policy_detail(
            managed_arn(k),
            format!("shared-{k}"),
            "/pool/",
            policy(10_000 + k, None),
            k,
        ));
    }
    for k in 0..4 {
        policies.push(policy_detail(
            boundary_arn(k),
            format!("boundary-{k}"),
            "/boundaries/",
            boundary(k),
            MANAGED_POOL + k,
        ));
    }
    let groups: Vec<Value> = (0..GROUPS)
        .map(|g| {
            let inline: Vec<Value> = if g % 5 == 0 {
                vec![json!({"PolicyName": "group-inline", "PolicyDocument": policy(20_000 + g, None)})]
            } else {
                Vec::new()
            };
            json!({"Path": "/", "GroupName": format!("group-{g}"), "GroupId": id("AGPA", g),
                   "Arn": format!("arn:aws:iam::{ACCOUNT_ID}:group/group-{g}"), "CreateDate": DATE,
                   "GroupPolicyList": inline, "AttachedManagedPolicies": attached(&group_policies(g))})
        })
        .collect();
    let mut user_list = Vec::with_capacity(users);
    for i in 0..users {
        let name = format!("user-{i}");
        let dept = pick(i, 1, DEPARTMENTS);
        let group_names: Vec<String> = department_groups(dept)
            .into_iter()
            .map(|g| format!("group-{g}"))
            .collect();
        let roll = pick(i, 2, 1000);
        let mut inline = Vec::new();
        if roll < 50 {
            // 5 %: an inline policy of their own
            inline.push(json!({"PolicyName": "own", "PolicyDocument": policy(i, Some(&name))}));
        } else if roll < 70 {
            // 2 %: policies that depend on who they are
            inline.push(json!({"PolicyName": "personal", "PolicyDocument": personal_policy(i)}));
        }
        let mut direct = Vec::new();
        if (70..110).contains(&roll) {
            direct.push(managed_arn(pick(i, 3, MANAGED_POOL)));
        }
        if (110..130).contains(&roll) {
            direct.push(AWS_MANAGED[pick(i, 4, 5)].to_string());
        }
        if roll >= 997 {
            direct.push(AWS_MANAGED[5].to_string());
        }
        let mut u = json!({"Path": "/", "UserName": name, "UserId": id("AIDA", i),
            "Arn": format!("arn:aws:iam::{ACCOUNT_ID}:user/{name}"), "CreateDate": DATE,
            "UserPolicyList": inline, "GroupList": group_names, "AttachedManagedPolicies": attached(&direct),
            "Tags": [{"Key": "team", "Value": format!("team{}", i % 9)}]});
        if (130..160).contains(&roll) {
            u["PermissionsBoundary"] = json!({"PermissionsBoundaryType": "Policy",
                                               "PermissionsBoundaryArn": boundary_arn(pick(i, 5, 4))});
        }
        user_list.push(u);
    }
    let mut role_list = Vec::with_capacity(roles);
    for j in 0..roles {
        let name = if j % 10 == 0 {
            format!("app{}-role-{j}", j % 50)
        } else {
            format!("role-{j}")
        };
        let trusted = match j % 4 {
            0 => json!({"Service": ["lambda.amazonaws.com"]}),
            1 => json!({"Service": "ec2.amazonaws.com"}),
            2 => json!({"AWS": format!("arn:aws:iam::{ACCOUNT_ID}:root")}),
            _ => {
                json!({"AWS": format!("arn:aws:iam::{ACCOUNT_ID}:user/user-{}", pick(j, 6, users.max(1)))})
            }
        };
        let trust = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": trusted, "Action": "sts:AssumeRole"}]});
        let roll = pick(j, 7, 1000);
        let mut managed = vec![managed_arn(pick(j, 8, MANAGED_POOL / 2))];
        if roll < 400 {
            managed.push(managed_arn(MANAGED_POOL / 2 + pick(j, 9, MANAGED_POOL / 2)));
        }
        if roll >= 995 {
            managed.push(AWS_MANAGED[5].to_string());
        } else if roll >= 950 {
            managed.push(AWS_MANAGED[1].to_string());
        }
        let inline: Vec<Value> = if roll % 10 < 2 {
            // 20 %: an inline policy of their own
            vec![json!({"PolicyName": "inline", "PolicyDocument": policy(100_000 + j, None)})]
        } else {
            Vec::new()
        };
        let mut r = json!({"Path": "/", "RoleName": name, "RoleId": id("AROA", j),
            "Arn": format!("arn:aws:iam::{ACCOUNT_ID}:role/{name}"), "CreateDate": DATE,
            "AssumeRolePolicyDocument": trust, "InstanceProfileList": [],
            "RolePolicyList": inline, "AttachedManagedPolicies": attached(&managed), "Tags": []});
        if (500..600).contains(&roll) {
            r["PermissionsBoundary"] = json!({"PermissionsBoundaryType": "Policy",
                                               "PermissionsBoundaryArn": boundary_arn(pick(j, 10, 4))});
        }
        role_list.push(r);
    }
    json!({"UserDetailList": user_list, "GroupDetailList": groups, "RoleDetailList": role_list,
           "Policies": policies})
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_sized() {
        let a = authorization_details(500);
        assert_eq!(a, authorization_details(500));
        assert_eq!(a["UserDetailList"].as_array().map(Vec::len), Some(400));
        assert_eq!(a["RoleDetailList"].as_array().map(Vec::len), Some(100));
        let acct = iam_account::Account::from_authorization_details(
            &iam_parser::gaad::parse_authorization_details(&a.to_string()).unwrap(),
        )
        .unwrap();
        assert_eq!(iam_analysis::Target::from(&acct).principals().len(), 500);
    }
}

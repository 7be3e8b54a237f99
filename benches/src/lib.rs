//! Shared helpers of the iamkit benchmarks.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};

/// The directory of the bundled AWS managed policies (`iam-model/data/aws-managed-policies/policies`).
pub fn managed_policy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../iam-model/data/aws-managed-policies/policies")
}

/// One document of the managed-policy corpus.
#[derive(Debug, Clone)]
pub struct CorpusDoc {
    /// File name, such as `AdministratorAccess.json`.
    pub name: String,
    /// The document text, as stored.
    pub text: String,
}

/// Reads every `*.json` file of the managed-policy corpus, sorted by file name.
///
/// # Errors
/// When the directory or a file cannot be read, or a file is not UTF-8.
pub fn load_managed_policies() -> std::io::Result<Vec<CorpusDoc>> {
    let mut docs = Vec::new();
    for entry in std::fs::read_dir(managed_policy_dir())? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&path)?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            docs.push(CorpusDoc { name, text });
        }
    }
    docs.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(docs)
}

/// Total size in bytes of a set of documents.
pub fn total_bytes(docs: &[CorpusDoc]) -> u64 {
    docs.iter().map(|d| d.text.len() as u64).sum()
}

/// A deterministic synthetic organization for the organization benchmarks (issue #14 part 3),
/// as iamkit's organization layout (JSON text, every account inline).
///
/// Shape: `accounts` member accounts (the first is the management account) under a tree of
/// 4 first-level OUs × 3 second-level × 2 third-level (40 OUs; accounts spread over the
/// third level, every tenth on a second-level OU); SCPs at the root, on each first-level OU,
/// on some second-level OUs and on every 25th account; RCPs at the root and on two first-level
/// OUs. Each account holds `principals` principals: 60 % users, 40 % roles. Users hold one of
/// ten customer managed policies of the account (2–4 statements), an inline policy, 1 in 50
/// `AdministratorAccess`, 1 in 10 a group's `iam:PassRole` + `lambda:*` grant; 1 in 5 may
/// `sts:AssumeRole` on `arn:aws:iam::*:role/cross-*`. Roles trust the account (half), a
/// service (Lambda, EC2) or, for every tenth role (`cross-…`), another account's root or a
/// role ARN in another account.
///
/// # Errors
/// When an IAM operation refuses the generated input (a bug of the generator).
pub fn synthetic_org_layout(
    accounts: usize,
    principals: usize,
) -> Result<String, iam_model::entities::IamError> {
    use iam_account::{Account, Organization};
    use iam_model::entities::OrgPolicyType;
    let id_of = |i: usize| format!("{:012}", 100_000_000_000u64 + i as u64);
    let doc =
        |statements: &str| format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#);
    let mut built = Vec::with_capacity(accounts);
    for i in 0..accounts {
        let id = id_of(i);
        let mut a = Account::new(&id)?;
        let mut arns = Vec::new();
        for p in 0..10 {
            let svc = [
                "s3", "dynamodb", "ec2", "sqs", "sns", "kms", "logs", "lambda", "rds", "ssm",
            ][p];
            let write = if svc == "s3" {
                format!("arn:aws:s3:::app{p}-*")
            } else {
                format!("arn:aws:{svc}:*:{id}:*")
            };
            let text = doc(&format!(
                r#"{{"Sid":"Read","Effect":"Allow","Action":["{svc}:Get*","{svc}:List*","{svc}:Describe*"],"Resource":"*"}},
                   {{"Sid":"Write","Effect":"Allow","Action":"{svc}:Put*","Resource":"{write}"}},
                   {{"Sid":"NoDelete","Effect":"Deny","Action":"{svc}:Delete*","Resource":"*","Condition":{{"StringNotEquals":{{"aws:PrincipalTag/team":"ops"}}}}}}"#
            ));
            arns.push(
                a.create_policy(&format!("app-{p}"), &text, None, None)?
                    .arn
                    .clone(),
            );
        }
        a.create_group("deployers", None)?;
        a.put_group_policy(
            "deployers",
            "deploy",
            &doc(r#"{"Effect":"Allow","Action":["iam:PassRole","lambda:CreateFunction","lambda:InvokeFunction"],"Resource":"*"}"#),
        )?;
        let users = principals * 3 / 5;
        for u in 0..users {
            let name = format!("user-{u}");
            a.create_user(&name, None)?;
            a.attach_user_policy(&name, &arns[u % 10])?;
            let assume = if u % 5 == 0 {
                r#",{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::*:role/cross-*"}"#
            } else {
                ""
            };
            a.put_user_policy(
                &name,
                "own",
                &doc(&format!(
                    r#"{{"Effect":"Allow","Action":["iam:GetUser","iam:ListAccessKeys","iam:CreateAccessKey"],"Resource":"arn:aws:iam::{id}:user/${{aws:username}}"}}{assume}"#
                )),
            )?;
            if u % 50 == 7 {
                a.attach_user_policy(&name, "arn:aws:iam::aws:policy/AdministratorAccess")?;
            }
            if u % 10 == 3 {
                a.add_user_to_group("deployers", &name)?;
            }
        }
        for r in 0..principals - users {
            let (name, trust) = if r % 10 == 0 {
                let other = (i + 1 + r / 10) % accounts;
                let principal = if r % 20 == 0 {
                    format!("arn:aws:iam::{}:root", id_of(other))
                } else {
                    format!("arn:aws:iam::{}:role/cross-{}", id_of(other), r % 40)
                };
                (format!("cross-{r}"), principal)
            } else if r % 2 == 0 {
                (format!("role-{r}"), format!("arn:aws:iam::{id}:root"))
            } else {
                (format!("svc-{r}"), String::new())
            };
            let trust = if trust.is_empty() {
                let svc = if r % 4 == 1 {
                    "lambda.amazonaws.com"
                } else {
                    "ec2.amazonaws.com"
                };
                doc(&format!(
                    r#"{{"Effect":"Allow","Principal":{{"Service":"{svc}"}},"Action":"sts:AssumeRole"}}"#
                ))
            } else {
                doc(&format!(
                    r#"{{"Effect":"Allow","Principal":{{"AWS":"{trust}"}},"Action":"sts:AssumeRole"}}"#
                ))
            };
            a.create_role(&name, &trust)?;
            a.attach_role_policy(&name, &arns[(r + 3) % 10])?;
            if r % 25 == 0 {
                a.attach_role_policy(&name, "arn:aws:iam::aws:policy/AdministratorAccess")?;
            }
        }
        built.push(a);
    }
    let mut it = built.into_iter();
    let Some(management) = it.next() else {
        return Err(iam_model::entities::IamError::invalid_input("no accounts"));
    };
    let mut org = Organization::with_ids(management, "o-bench00000", "r-bnch")?;
    let root = org.root_id().to_string();
    let mut leaves = Vec::new();
    let mut second = Vec::new();
    let mut first = Vec::new();
    for x in 0..4 {
        let l1 = org.create_organizational_unit_with_id(
            &root,
            &format!("L1-{x}"),
            &format!("ou-bnch-1000000{x}"),
        )?;
        first.push(l1.clone());
        for y in 0..3 {
            let l2 = org.create_organizational_unit_with_id(
                &l1,
                &format!("L2-{x}{y}"),
                &format!("ou-bnch-200000{x}{y}"),
            )?;
            second.push(l2.clone());
            for z in 0..2 {
                leaves.push(org.create_organizational_unit_with_id(
                    &l2,
                    &format!("L3-{x}{y}{z}"),
                    &format!("ou-bnch-30000{x}{y}{z}"),
                )?);
            }
        }
    }
    for (i, a) in it.enumerate() {
        let parent = if i % 10 == 9 {
            &second[i % second.len()]
        } else {
            &leaves[i % leaves.len()]
        };
        org.add_account(a, parent)?;
    }
    let scp = |org: &mut Organization,
               name: &str,
               body: &str,
               target: &str|
     -> Result<(), iam_model::entities::IamError> {
        let id = format!("p-{:0>8}", name.to_ascii_lowercase().replace('-', ""));
        if org.policies().all(|p| p.id != id) {
            org.create_policy_with_id(&id, name, OrgPolicyType::ServiceControlPolicy, &doc(body))?;
        }
        org.attach_policy(&id, target)
    };
    scp(
        &mut org,
        "NoLeave",
        r#"{"Effect":"Deny","Action":["organizations:LeaveOrganization","account:CloseAccount"],"Resource":"*"}"#,
        &root,
    )?;
    for (x, l1) in first.iter().enumerate() {
        scp(
            &mut org,
            &format!("Regions{x}"),
            r#"{"Effect":"Deny","NotAction":["iam:*","sts:*","organizations:*"],"Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]}}}"#,
            l1,
        )?;
    }
    for l2 in second.iter().step_by(3) {
        scp(
            &mut org,
            "NoUsers",
            r#"{"Effect":"Deny","Action":["iam:CreateUser","iam:CreateAccessKey"],"Resource":"*"}"#,
            l2,
        )?;
    }
    let ids: Vec<String> = org.accounts().map(|a| a.id().to_string()).collect();
    for id in ids.iter().skip(1).step_by(25) {
        scp(
            &mut org,
            "NoAssume",
            r#"{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"arn:aws:iam::*:role/cross-*"}"#,
            id,
        )?;
    }
    let rcp = |org: &mut Organization,
               name: &str,
               body: &str,
               target: &str|
     -> Result<(), iam_model::entities::IamError> {
        let id = format!("p-{:0>8}", name.to_ascii_lowercase().replace('-', ""));
        if org.policies().all(|p| p.id != id) {
            org.create_policy_with_id(&id, name, OrgPolicyType::ResourceControlPolicy, &doc(body))?;
        }
        org.attach_policy(&id, target)
    };
    rcp(
        &mut org,
        "OrgOnly",
        r#"{"Effect":"Deny","Principal":"*","Action":["s3:*","sts:AssumeRole"],"Resource":"*","Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-bench00000"},"BoolIfExists":{"aws:PrincipalIsAWSService":"false"}}}"#,
        &root,
    )?;
    for l1 in first.iter().take(2) {
        rcp(
            &mut org,
            "NoPlainHttp",
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"BoolIfExists":{"aws:SecureTransport":"false"}}}"#,
            l1,
        )?;
    }
    Ok(org.to_layout().to_string())
}

pub mod synthetic;

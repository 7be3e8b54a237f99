//! The bundled AWS managed policies (1,594 current + 50 deprecated, `data/aws-managed-policies*`),
//! addressable by ARN `arn:aws:iam::aws:policy/<path><name>`; read-only.
//!
//! The documents are packed at build time (`build.rs`: whitespace between tokens stripped, one
//! blob plus an offset table) and the metadata index is parsed on first use.

use std::collections::HashMap;
use std::sync::OnceLock;

include!(concat!(env!("OUT_DIR"), "/aws_managed_table.rs"));
static BLOB: &str = include_str!(concat!(env!("OUT_DIR"), "/aws_managed_blob.json"));
static INDEX: &str = include_str!("../../data/aws-managed-policies/index.json");
static POLICY_IDS: &str = include_str!("../../data/aws-managed-policies/policy-ids.json");
static DEPRECATED_INDEX: &str =
    include_str!("../../data/aws-managed-policies-deprecated/index.json");

/// One AWS managed policy (its default version).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsManagedPolicy {
    /// `PolicyName`.
    pub name: String,
    /// `arn:aws:iam::aws:policy/<path><name>`.
    pub arn: String,
    /// `Path`.
    pub path: String,
    /// `DefaultVersionId`.
    pub default_version_id: String,
    /// `CreateDate` as published.
    pub create_date: String,
    /// `UpdateDate` as published: when the newest (default) version was created (IAM API
    /// reference, Policy: "When a policy has more than one version, this field contains the
    /// date and time when the most recent policy version was created"); the creation date for
    /// policies without one in the data.
    pub update_date: String,
    /// True for the 50 deprecated policies (cannot be newly attached in AWS; kept so existing
    /// attachments resolve).
    pub deprecated: bool,
    /// The default version's document (JSON, whitespace between tokens removed).
    pub document: &'static str,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct IndexEntry {
    policy_name: String,
    arn: Option<String>,
    path: Option<String>,
    default_version_id: Option<String>,
    create_date: Option<String>,
    update_date: Option<String>,
}

struct Catalog {
    policies: Vec<AwsManagedPolicy>,
    by_arn: HashMap<String, usize>,
}

fn load(
    index: &str,
    table: &[(&str, usize, usize)],
    deprecated: bool,
    out: &mut Vec<AwsManagedPolicy>,
) {
    let entries: Vec<IndexEntry> = serde_json::from_str(index).unwrap_or_default();
    for e in entries {
        let Some(&(_, off, len)) = table.iter().find(|(n, _, _)| *n == e.policy_name) else {
            continue;
        };
        let Some(document) = BLOB.get(off..off + len) else {
            continue;
        };
        // The deprecated index has no path for most entries: `/` is assumed (their documented
        // ARNs, e.g. arn:aws:iam::aws:policy/AWSConfigRole, have none).
        let path = e.path.unwrap_or_else(|| "/".to_string());
        let arn = e
            .arn
            .unwrap_or_else(|| format!("arn:aws:iam::aws:policy{path}{}", e.policy_name));
        out.push(AwsManagedPolicy {
            name: e.policy_name,
            arn,
            path,
            default_version_id: e.default_version_id.unwrap_or_else(|| "v1".to_string()),
            update_date: e
                .update_date
                .or_else(|| e.create_date.clone())
                .unwrap_or_default(),
            create_date: e.create_date.unwrap_or_default(),
            deprecated,
            document,
        });
    }
}

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let mut policies = Vec::with_capacity(CURRENT.len() + DEPRECATED.len());
        load(INDEX, CURRENT, false, &mut policies);
        load(DEPRECATED_INDEX, DEPRECATED, true, &mut policies);
        let mut by_arn = HashMap::with_capacity(policies.len());
        for (i, p) in policies.iter().enumerate() {
            by_arn.entry(p.arn.clone()).or_insert(i);
        }
        Catalog { policies, by_arn }
    })
}

/// The AWS managed policy with this ARN.
///
/// ```
/// use iam_model::entities::aws_managed_policy;
/// let p = aws_managed_policy("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess").unwrap();
/// assert_eq!(p.path, "/job-function/");
/// assert!(p.document.starts_with('{'));
/// assert!(aws_managed_policy("arn:aws:iam::aws:policy/NoSuchPolicy").is_none());
/// ```
pub fn aws_managed_policy(arn: &str) -> Option<&'static AwsManagedPolicy> {
    let c = catalog();
    c.by_arn.get(arn).and_then(|i| c.policies.get(*i))
}

/// Every bundled AWS managed policy (current first, then deprecated).
///
/// ```
/// let all = iam_model::entities::aws_managed_policies();
/// assert_eq!(all.iter().filter(|p| !p.deprecated).count(), 1594);
/// assert_eq!(all.iter().filter(|p| p.deprecated).count(), 50);
/// ```
pub fn aws_managed_policies() -> &'static [AwsManagedPolicy] {
    &catalog().policies
}

/// The `PolicyId` of an AWS managed policy, for the policies whose id the bundled data has
/// (`data/aws-managed-policies/policy-ids.json`, see its SOURCE note): ids are global constants
/// of AWS, the same in every account.
///
/// ```
/// use iam_model::entities::aws_managed_policy_id;
/// assert_eq!(aws_managed_policy_id("arn:aws:iam::aws:policy/AdministratorAccess"), Some("ANPAIWMBCKSKIEE64ZLYK"));
/// assert_eq!(aws_managed_policy_id("arn:aws:iam::aws:policy/NoSuchPolicy"), None);
/// ```
pub fn aws_managed_policy_id(arn: &str) -> Option<&'static str> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Entry {
        arn: String,
        policy_id: String,
    }
    static IDS: OnceLock<HashMap<String, String>> = OnceLock::new();
    IDS.get_or_init(|| {
        let entries: Vec<Entry> = serde_json::from_str(POLICY_IDS).unwrap_or_default();
        entries.into_iter().map(|e| (e.arn, e.policy_id)).collect()
    })
    .get(arn)
    .map(String::as_str)
}

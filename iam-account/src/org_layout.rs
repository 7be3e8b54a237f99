//! The organization layout: one JSON document describing an [`Organization`] — its ids, the OU
//! tree, each member account's IAM state (`get-account-authorization-details`, inline or in a
//! file beside the layout) and the SCPs / RCPs with their attachments. The format is iamkit's
//! own (documented in `docs/organization.md`); its names follow the Organizations API
//! (`DescribeOrganization`, `ListOrganizationalUnitsForParent`, `ListAccountsForParent`,
//! `DescribePolicy`, `ListTargetsForPolicy`):
//!
//! ```json
//! {
//!   "Organization": {"Id": "o-a1b2c3d4e5", "RootId": "r-ab12", "ManagementAccountId": "111111111111"},
//!   "OrganizationalUnits": [{"Id": "ou-ab12-11111111", "Name": "Prod", "ParentId": "r-ab12"}],
//!   "Accounts": [
//!     {"Id": "111111111111", "Name": "management", "ParentId": "r-ab12", "AuthorizationDetails": {}},
//!     {"Id": "222222222222", "ParentId": "ou-ab12-11111111", "AuthorizationDetailsFile": "prod.json"}],
//!   "Policies": [{"Id": "p-12345678", "Name": "NoLeaving", "Type": "SERVICE_CONTROL_POLICY",
//!                 "Content": {"Version": "2012-10-17", "Statement": []}, "Targets": ["r-ab12"]}]
//! }
//! ```
//!
//! `FullAWSAccess` (`p-FullAWSAccess`) and `RCPFullAWSAccess` are attached to every root, OU and
//! account, as AWS attaches them by default
//! (<https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html>):
//! listing `p-FullAWSAccess` in `Policies` with `Targets` makes those its only attachments (every
//! target must keep at least one SCP); `RCPFullAWSAccess` cannot be detached
//! (<https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html>),
//! so it is never listed.
//!
//! Every error names the JSON path of the field at fault (`Accounts[3].ParentId`), never drops
//! it: an unknown key, an attachment to an unknown target, a cycle in the OU tree, a policy
//! Organizations would refuse (`MalformedPolicyDocumentException` and its message).

use super::Account;
use super::organization::Organization;
use iam_model::entities::{IamError, OrgPolicyType};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

/// The id of the AWS-managed `FullAWSAccess` SCP.
pub const FULL_AWS_ACCESS_ID: &str = "p-FullAWSAccess";
/// The id of the AWS-managed `RCPFullAWSAccess` RCP.
pub const RCP_FULL_AWS_ACCESS_ID: &str = "p-RCPFullAWSAccess";

/// OUs nest at most five levels below the root ("Quotas for AWS Organizations":
/// <https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html>).
const MAX_OU_DEPTH: usize = 5;

/// A layout that could not be loaded: the JSON path of the field at fault and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutError {
    /// JSON path (`Accounts[2].AuthorizationDetailsFile`, `Policies[0].Content`); empty for
    /// the document itself.
    pub path: String,
    /// What is wrong (AWS's code and message when Organizations or IAM would refuse it).
    pub message: String,
}

impl fmt::Display for LayoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for LayoutError {}

fn err(path: impl Into<String>, message: impl Into<String>) -> LayoutError {
    LayoutError {
        path: path.into(),
        message: message.into(),
    }
}

fn iam_err(path: impl Into<String>, e: &IamError) -> LayoutError {
    err(path, format!("{}: {}", e.code.as_str(), e.message))
}

fn join(base: &str, key: &str) -> String {
    if base.is_empty() {
        key.to_string()
    } else {
        format!("{base}.{key}")
    }
}

/// The members of an object, refusing keys outside `allowed`.
fn object<'a>(
    v: &'a Value,
    path: &str,
    allowed: &[&str],
) -> Result<&'a Map<String, Value>, LayoutError> {
    let Some(m) = v.as_object() else {
        return Err(err(path, format!("expected an object, got {}", kind(v))));
    };
    if let Some(k) = m.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(err(
            join(path, k),
            format!("unknown field; expected one of {}", allowed.join(", ")),
        ));
    }
    Ok(m)
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn string<'a>(
    m: &'a Map<String, Value>,
    path: &str,
    key: &str,
) -> Result<Option<&'a str>, LayoutError> {
    match m.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(v) => Err(err(
            join(path, key),
            format!("expected a string, got {}", kind(v)),
        )),
    }
}

fn required<'a>(m: &'a Map<String, Value>, path: &str, key: &str) -> Result<&'a str, LayoutError> {
    string(m, path, key)?.ok_or_else(|| err(join(path, key), "missing required field"))
}

fn array<'a>(m: &'a Map<String, Value>, path: &str, key: &str) -> Result<&'a [Value], LayoutError> {
    match m.get(key) {
        None => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(v) => Err(err(
            join(path, key),
            format!("expected an array, got {}", kind(v)),
        )),
    }
}

/// Where an account's `get-account-authorization-details` comes from.
enum Source<'v> {
    Inline(&'v Value),
    /// The inline object's text, kept by [`Organization::from_layout_json`].
    Raw(&'v str),
    File(&'v str),
}

/// A layout as [`Organization::from_layout_json`]'s fast path reads it: the accounts'
/// authorization details as raw text, everything else as JSON values.
#[derive(serde::Deserialize)]
struct RawLayout<'a> {
    #[serde(rename = "Accounts", borrow)]
    accounts: Option<Vec<RawAccount<'a>>>,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

/// One entry of `Accounts` in [`RawLayout`].
#[derive(serde::Deserialize)]
struct RawAccount<'a> {
    #[serde(rename = "AuthorizationDetails", borrow)]
    details: Option<&'a serde_json::value::RawValue>,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

/// An account entry whose fields are checked, before its IAM state is built.
struct Pending<'v> {
    id: String,
    name: Option<String>,
    parent: String,
    path: String,
    source: Source<'v>,
    entry: &'v Map<String, Value>,
}

impl Pending<'_> {
    /// The account's IAM state: its authorization details (read from the inline object
    /// without writing it back to text, or from its file) and its resource policies.
    fn build(self, base_dir: Option<&Path>) -> Result<AccountEntry, LayoutError> {
        let path = &self.path;
        let details = match self.source {
            Source::Inline(d) => {
                let where_ = join(path, "AuthorizationDetails");
                <iam_parser::gaad::AuthorizationDetails as serde::Deserialize>::deserialize(d)
                    .map_err(|e| {
                        err(
                            &where_,
                            format!("not get-account-authorization-details JSON: {e}"),
                        )
                    })?
            }
            Source::Raw(text) => {
                let where_ = join(path, "AuthorizationDetails");
                iam_parser::gaad::parse_authorization_details(text).map_err(|e| {
                    err(
                        &where_,
                        format!("not get-account-authorization-details JSON: {e}"),
                    )
                })?
            }
            Source::File(f) => {
                let p = join(path, "AuthorizationDetailsFile");
                let file = resolve(f, base_dir).map_err(|m| err(&p, m))?;
                let text = std::fs::read_to_string(&file)
                    .map_err(|e| err(&p, format!("cannot read {}: {e}", file.display())))?;
                iam_parser::gaad::parse_authorization_details(&text).map_err(|e| {
                    err(
                        &p,
                        format!("not get-account-authorization-details JSON: {e}"),
                    )
                })?
            }
        };
        let mut account = Account::from_authorization_details_in(&details, &self.id)
            .map_err(|e| iam_err(join(path, "Id"), &e))?;
        resource_policies(self.entry, path, &mut account)?;
        Ok(AccountEntry {
            id: self.id,
            name: self.name,
            parent: self.parent,
            path: self.path,
            account,
        })
    }
}

/// [`Pending::build`] of every entry on up to `available_parallelism` threads; the results in
/// the entries' order (the first error in that order is returned).
fn build_accounts(
    pending: Vec<Pending<'_>>,
    base_dir: Option<&Path>,
) -> Result<Vec<AccountEntry>, LayoutError> {
    let n = pending.len();
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(n);
    if threads <= 1 {
        return pending.into_iter().map(|p| p.build(base_dir)).collect();
    }
    let work: std::sync::Mutex<std::vec::IntoIter<(usize, Pending<'_>)>> = std::sync::Mutex::new(
        pending
            .into_iter()
            .enumerate()
            .collect::<Vec<_>>()
            .into_iter(),
    );
    let mut done: Vec<(usize, Result<AccountEntry, LayoutError>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let next = work
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .next();
                        let Some((i, p)) = next else { break };
                        out.push((i, p.build(base_dir)));
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    if done.len() != n {
        // A worker panicked (nothing here panics on any input): report it, never drop an account.
        return Err(err(
            "Accounts",
            "internal error: an account could not be built",
        ));
    }
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// One account entry before the organization is built.
struct AccountEntry {
    id: String,
    name: Option<String>,
    parent: String,
    path: String,
    account: Account,
}

impl Organization {
    /// Loads a layout from JSON text; `base_dir` resolves `AuthorizationDetailsFile` paths
    /// (the layout file's directory). See the [module docs](crate::Organization::from_layout).
    pub fn from_layout_json(
        text: &str,
        base_dir: Option<&Path>,
    ) -> Result<Organization, LayoutError> {
        // Fast path: each account's inline `AuthorizationDetails` (nearly all of a large
        // layout's text) is kept as its raw text and parsed once, straight into the
        // authorization-details shapes, instead of into a JSON tree first. Anything the fast
        // path cannot read is loaded the ordinary way, which reports the error.
        if let Ok(fast) = serde_json::from_str::<RawLayout<'_>>(text)
            && let Some(accounts) = fast.accounts
        {
            let mut raw = Vec::with_capacity(accounts.len());
            let mut list = Vec::with_capacity(accounts.len());
            for a in accounts {
                let mut m = a.rest;
                match a.details {
                    Some(d) if d.get().trim_start().starts_with('{') => {
                        m.insert("AuthorizationDetails".into(), Value::Object(Map::new()));
                        raw.push(Some(d.get()));
                    }
                    Some(d) => {
                        let v = serde_json::from_str(d.get()).unwrap_or(Value::Null);
                        m.insert("AuthorizationDetails".into(), v);
                        raw.push(None);
                    }
                    None => raw.push(None),
                }
                list.push(Value::Object(m));
            }
            let mut top = fast.rest;
            top.insert("Accounts".into(), Value::Array(list));
            return Organization::from_layout_with(&Value::Object(top), base_dir, &raw);
        }
        let v: Value = serde_json::from_str(text).map_err(|e| {
            err(
                "",
                format!("not JSON: {e} (line {}, column {})", e.line(), e.column()),
            )
        })?;
        Organization::from_layout(&v, base_dir)
    }

    /// Loads an organization layout (iamkit's format, described in `docs/organization.md`):
    /// the organization's ids, the OU tree, each account's `get-account-authorization-details`
    /// (inline or a file relative to `base_dir`) and the SCPs / RCPs with their targets.
    ///
    /// ```
    /// use iam_account::Organization;
    /// use serde_json::json;
    /// let layout = json!({
    ///   "Organization": {"Id": "o-a1b2c3d4e5", "RootId": "r-ab12", "ManagementAccountId": "111111111111"},
    ///   "OrganizationalUnits": [{"Id": "ou-ab12-11111111", "Name": "Prod", "ParentId": "r-ab12"}],
    ///   "Accounts": [
    ///     {"Id": "111111111111", "ParentId": "r-ab12", "AuthorizationDetails": {}},
    ///     {"Id": "222222222222", "ParentId": "ou-ab12-11111111", "AuthorizationDetails": {}}],
    ///   "Policies": [{"Id": "p-nos3delete", "Name": "NoS3Delete", "Type": "SERVICE_CONTROL_POLICY",
    ///     "Content": {"Version": "2012-10-17", "Statement": [
    ///       {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}]},
    ///     "Targets": ["ou-ab12-11111111"]}]});
    /// let org = Organization::from_layout(&layout, None).unwrap();
    /// assert_eq!(org.path_of("222222222222"), ["r-ab12", "ou-ab12-11111111", "222222222222"]);
    /// assert_eq!(org.to_layout(), layout.clone()); // FullAWSAccess everywhere: not listed
    ///
    /// let mut bad = layout.clone();
    /// bad["Policies"][0]["Targets"] = json!(["333333333333"]);
    /// let e = Organization::from_layout(&bad, None).unwrap_err();
    /// assert_eq!(e.path, "Policies[0].Targets[0]");
    /// ```
    pub fn from_layout(
        layout: &Value,
        base_dir: Option<&Path>,
    ) -> Result<Organization, LayoutError> {
        Organization::from_layout_with(layout, base_dir, &[])
    }

    /// [`from_layout`](Self::from_layout) where `raw[i]`, when given, is the text of
    /// `Accounts[i].AuthorizationDetails` (an object; the layout holds `{}` in its place).
    fn from_layout_with(
        layout: &Value,
        base_dir: Option<&Path>,
        raw: &[Option<&str>],
    ) -> Result<Organization, LayoutError> {
        let top = object(
            layout,
            "",
            &[
                "Organization",
                "OrganizationalUnits",
                "Accounts",
                "Policies",
            ],
        )?;
        let o = top
            .get("Organization")
            .ok_or_else(|| err("Organization", "missing required field"))?;
        // The `Organization` object of `aws organizations describe-organization` is accepted as
        // it is: the API still names the management account `MasterAccountId`
        // (https://docs.aws.amazon.com/organizations/latest/APIReference/API_Organization.html);
        // its other fields are informational, except `FeatureSet`: SCPs and RCPs exist only in
        // an organization with all features enabled, so consolidated billing is refused rather
        // than analysed as if its policies applied.
        let o = object(
            o,
            "Organization",
            &[
                "Id",
                "RootId",
                "ManagementAccountId",
                "MasterAccountId",
                "Arn",
                "FeatureSet",
                "MasterAccountArn",
                "MasterAccountEmail",
                "AvailablePolicyTypes",
            ],
        )?;
        if let Some(f) = string(o, "Organization", "FeatureSet")?
            && f != "ALL"
        {
            return Err(err(
                "Organization.FeatureSet",
                format!(
                    "{f}: only an organization with all features (FeatureSet ALL) has SCPs and RCPs; iamkit analyses that kind"
                ),
            ));
        }
        let management = match (
            string(o, "Organization", "ManagementAccountId")?,
            string(o, "Organization", "MasterAccountId")?,
        ) {
            (Some(m), Some(legacy)) if m != legacy => {
                return Err(err(
                    "Organization.MasterAccountId",
                    format!("{legacy} differs from ManagementAccountId {m}"),
                ));
            }
            (Some(m), _) | (None, Some(m)) => m.to_string(),
            (None, None) => {
                return Err(err(
                    "Organization.ManagementAccountId",
                    "missing required field (or MasterAccountId, as describe-organization names it)",
                ));
            }
        };
        let org_id = string(o, "Organization", "Id")?
            .map_or_else(|| format!("o-{management}"), str::to_string);
        let root_id = string(o, "Organization", "RootId")?.unwrap_or("r-root");
        // --- OUs: ids, parents, no cycle, at most five levels.
        let mut ous: Vec<(String, String, String, String)> = Vec::new(); // id, name, parent, path
        for (i, v) in array(top, "", "OrganizationalUnits")?.iter().enumerate() {
            let path = format!("OrganizationalUnits[{i}]");
            let m = object(v, &path, &["Id", "Name", "ParentId"])?;
            let id = required(m, &path, "Id")?;
            let name = required(m, &path, "Name")?;
            let parent = required(m, &path, "ParentId")?;
            if ous.iter().any(|o| o.0 == id) || id == root_id {
                return Err(err(join(&path, "Id"), format!("duplicate id {id}")));
            }
            ous.push((id.into(), name.into(), parent.into(), path));
        }
        let ou_index: BTreeMap<&str, usize> = ous
            .iter()
            .enumerate()
            .map(|(i, o)| (o.0.as_str(), i))
            .collect();
        let mut order: Vec<usize> = Vec::new(); // parents first
        let mut depth: BTreeMap<usize, usize> = BTreeMap::new();
        for start in 0..ous.len() {
            let mut chain = vec![start];
            let mut cur = start;
            loop {
                if depth.contains_key(&cur) {
                    break;
                }
                let parent = ous[cur].2.as_str();
                if parent == root_id {
                    break;
                }
                let Some(&p) = ou_index.get(parent) else {
                    return Err(err(
                        join(&ous[cur].3, "ParentId"),
                        format!(
                            "unknown parent {parent}: not the root ({root_id}) or an OU of the layout"
                        ),
                    ));
                };
                if chain.contains(&p) {
                    let names: Vec<&str> = chain.iter().map(|&c| ous[c].0.as_str()).collect();
                    return Err(err(
                        join(&ous[cur].3, "ParentId"),
                        format!("cycle in the OU tree: {} → {parent}", names.join(" → ")),
                    ));
                }
                chain.push(p);
                cur = p;
            }
            for &c in chain.iter().rev() {
                if depth.contains_key(&c) {
                    continue;
                }
                let d = match ou_index.get(ous[c].2.as_str()) {
                    Some(p) => depth.get(p).copied().unwrap_or(0) + 1,
                    None => 1,
                };
                if d > MAX_OU_DEPTH {
                    return Err(err(
                        join(&ous[c].3, "ParentId"),
                        format!(
                            "OU {} would be {d} levels below the root; AWS Organizations allows at most {MAX_OU_DEPTH}",
                            ous[c].0
                        ),
                    ));
                }
                depth.insert(c, d);
                order.push(c);
            }
        }
        // --- Accounts.
        let mut pending: Vec<Pending<'_>> = Vec::new();
        let mut seen = BTreeSet::new();
        for (i, v) in array(top, "", "Accounts")?.iter().enumerate() {
            let path = format!("Accounts[{i}]");
            let m = object(
                v,
                &path,
                &[
                    "Id",
                    "Name",
                    "ParentId",
                    "AuthorizationDetails",
                    "AuthorizationDetailsFile",
                    "ResourcePolicies",
                ],
            )?;
            let id = required(m, &path, "Id")?.to_string();
            if !seen.insert(id.clone()) {
                return Err(err(join(&path, "Id"), format!("duplicate account {id}")));
            }
            let parent = required(m, &path, "ParentId")?.to_string();
            if parent != root_id && !ou_index.contains_key(parent.as_str()) {
                return Err(err(
                    join(&path, "ParentId"),
                    format!(
                        "unknown parent {parent}: not the root ({root_id}) or an OU of the layout"
                    ),
                ));
            }
            let name = string(m, &path, "Name")?.map(str::to_string);
            let source = match (
                m.get("AuthorizationDetails"),
                m.get("AuthorizationDetailsFile"),
            ) {
                (Some(_), Some(_)) => {
                    return Err(err(
                        join(&path, "AuthorizationDetailsFile"),
                        "give AuthorizationDetails or AuthorizationDetailsFile, not both",
                    ));
                }
                (Some(d), None) => {
                    if !d.is_object() {
                        return Err(err(
                            join(&path, "AuthorizationDetails"),
                            format!(
                                "expected the get-account-authorization-details object, got {}",
                                kind(d)
                            ),
                        ));
                    }
                    match raw.get(i).copied().flatten() {
                        Some(text) => Source::Raw(text),
                        None => Source::Inline(d),
                    }
                }
                (None, Some(Value::String(f))) => Source::File(f),
                (None, Some(v)) => {
                    return Err(err(
                        join(&path, "AuthorizationDetailsFile"),
                        format!("expected a path string, got {}", kind(v)),
                    ));
                }
                (None, None) => {
                    return Err(err(
                        &path,
                        "missing AuthorizationDetails (the get-account-authorization-details object) or AuthorizationDetailsFile (its path)",
                    ));
                }
            };
            pending.push(Pending {
                id,
                name,
                parent,
                path,
                source,
                entry: m,
            });
        }
        // Each account's IAM state is independent of the others: built on every core (the
        // 200-account layout of the benchmarks parses ~52,000 policy documents), the results
        // taken in layout order so that the first error reported is the serial run's.
        let entries: Vec<AccountEntry> = build_accounts(pending, base_dir)?;
        let Some(mi) = entries.iter().position(|e| e.id == management) else {
            return Err(err(
                "Organization.ManagementAccountId",
                format!("the management account {management} is not in Accounts"),
            ));
        };
        // --- Build.
        let mut entries = entries;
        let m = entries.remove(mi);
        let mut org = Organization::with_ids(m.account, &org_id, root_id).map_err(|e| {
            let field = if e.message.contains("root id") {
                "RootId"
            } else {
                "Id"
            };
            iam_err(format!("Organization.{field}"), &e)
        })?;
        let (m_parent, m_path, m_name) = (m.parent, m.path, m.name);
        for &i in &order {
            let (id, name, parent, path) = &ous[i];
            org.create_organizational_unit_with_id(parent, name, id)
                .map_err(|e| iam_err(path.clone(), &e))?;
        }
        org.move_account(&management, &m_parent)
            .map_err(|e| iam_err(join(&m_path, "ParentId"), &e))?;
        if let Some(n) = m_name {
            org.account_names.insert(management.clone(), n);
        }
        for e in entries {
            org.add_account(e.account, &e.parent)
                .map_err(|x| iam_err(join(&e.path, "Id"), &x))?;
            if let Some(n) = e.name {
                org.account_names.insert(e.id, n);
            }
        }
        // --- Policies.
        for (i, v) in array(top, "", "Policies")?.iter().enumerate() {
            let path = format!("Policies[{i}]");
            let m = object(
                v,
                &path,
                &["Id", "Name", "Type", "Content", "Targets", "Description"],
            )?;
            let id = required(m, &path, "Id")?;
            let targets = array(m, &path, "Targets")?;
            let mut target_ids = Vec::new();
            for (j, t) in targets.iter().enumerate() {
                let tp = format!("{path}.Targets[{j}]");
                let Some(t) = t.as_str() else {
                    return Err(err(
                        tp,
                        format!("expected a target id string, got {}", kind(t)),
                    ));
                };
                if !org.target_exists(t) {
                    return Err(err(
                        tp,
                        format!(
                            "unknown target {t}: not the root, an OU or an account of the layout"
                        ),
                    ));
                }
                if target_ids.contains(&t) {
                    return Err(err(tp, format!("target {t} listed twice")));
                }
                target_ids.push(t);
            }
            if id == RCP_FULL_AWS_ACCESS_ID {
                return Err(err(
                    join(&path, "Id"),
                    "RCPFullAWSAccess is attached to every root, OU and account and cannot be detached: do not list it",
                ));
            }
            if id == FULL_AWS_ACCESS_ID {
                if m.contains_key("Content") {
                    return Err(err(
                        join(&path, "Content"),
                        "FullAWSAccess is AWS managed: its content cannot be given",
                    ));
                }
                for list in org.attachments.values_mut() {
                    list.retain(|p| p != FULL_AWS_ACCESS_ID);
                }
                for t in target_ids {
                    org.attachments
                        .entry(t.to_string())
                        .or_default()
                        .insert(0, FULL_AWS_ACCESS_ID.to_string());
                }
                continue;
            }
            let name = required(m, &path, "Name")?;
            let t = match required(m, &path, "Type")? {
                "SERVICE_CONTROL_POLICY" => OrgPolicyType::ServiceControlPolicy,
                "RESOURCE_CONTROL_POLICY" => OrgPolicyType::ResourceControlPolicy,
                other => {
                    return Err(err(
                        join(&path, "Type"),
                        format!(
                            "unknown policy type {other:?}; expected SERVICE_CONTROL_POLICY or RESOURCE_CONTROL_POLICY"
                        ),
                    ));
                }
            };
            let content = match m.get("Content") {
                Some(Value::String(s)) => s.clone(),
                Some(v @ Value::Object(_)) => v.to_string(),
                Some(v) => {
                    return Err(err(
                        join(&path, "Content"),
                        format!(
                            "expected the policy document (an object or JSON text), got {}",
                            kind(v)
                        ),
                    ));
                }
                None => return Err(err(join(&path, "Content"), "missing required field")),
            };
            org.create_policy_with_id(id, name, t, &content)
                .map_err(|e| {
                    let field =
                        if e.message.contains("policy id") || e.message.contains("already used") {
                            "Id"
                        } else if e.message.starts_with("1 validation error")
                            && e.message.contains("name")
                        {
                            "Name"
                        } else {
                            "Content"
                        };
                    iam_err(join(&path, field), &e)
                })?;
            for (j, t) in target_ids.iter().enumerate() {
                org.attach_policy(id, t)
                    .map_err(|e| iam_err(format!("{path}.Targets[{j}]"), &e))?;
            }
        }
        // Every target keeps at least one SCP (AttachPolicy / DetachPolicy rule).
        let full_path = array(top, "", "Policies")?
            .iter()
            .position(|p| p.get("Id").and_then(Value::as_str) == Some(FULL_AWS_ACCESS_ID))
            .map_or_else(
                || "Policies".to_string(),
                |i| format!("Policies[{i}].Targets"),
            );
        let mut targets = vec![org.root_id.clone()];
        targets.extend(org.ous.iter().map(|o| o.id.clone()));
        targets.extend(org.accounts.keys().cloned());
        for t in targets {
            let has_scp = org.attached_policies(&t).iter().any(|p| {
                org.policies
                    .get(p)
                    .is_some_and(|x| x.policy_type == OrgPolicyType::ServiceControlPolicy)
            });
            if !has_scp {
                return Err(err(
                    &full_path,
                    format!(
                        "{t} has no SCP attached: AWS keeps at least one on every root, OU and account (attach FullAWSAccess or another SCP)"
                    ),
                ));
            }
        }
        Ok(org)
    }

    /// The layout of this organization ([`from_layout`](Self::from_layout) gives it back),
    /// every account's state inline (`AuthorizationDetails`).
    pub fn to_layout(&self) -> Value {
        self.layout_with(|a| {
            serde_json::from_str(&a.to_authorization_details().to_json()).unwrap_or(Value::Null)
        })
    }

    /// [`to_layout`](Self::to_layout) with each account's `AuthorizationDetails` from `details`.
    fn layout_with(&self, details: impl Fn(&Account) -> Value) -> Value {
        let mut o = Map::new();
        o.insert("Id".into(), json!(self.id));
        o.insert("RootId".into(), json!(self.root_id));
        o.insert("ManagementAccountId".into(), json!(self.management_account));
        let ous: Vec<Value> = self
            .ous
            .iter()
            .map(|u| json!({"Id": u.id, "Name": u.name, "ParentId": u.parent_id}))
            .collect();
        let mut accounts = Vec::new();
        for (id, a) in &self.accounts {
            let mut m = Map::new();
            m.insert("Id".into(), json!(id));
            if let Some(n) = self.account_names.get(id) {
                m.insert("Name".into(), json!(n));
            }
            m.insert(
                "ParentId".into(),
                json!(
                    self.parents
                        .get(id)
                        .cloned()
                        .unwrap_or_else(|| self.root_id.clone())
                ),
            );
            m.insert("AuthorizationDetails".into(), details(a));
            let rps = resource_policies_layout(a);
            if !rps.is_empty() {
                m.insert("ResourcePolicies".into(), Value::Array(rps));
            }
            accounts.push(Value::Object(m));
        }
        // Targets in tree order: root, OUs, accounts.
        let mut all_targets = vec![self.root_id.clone()];
        all_targets.extend(self.ous.iter().map(|o| o.id.clone()));
        all_targets.extend(self.accounts.keys().cloned());
        let targets_of = |pid: &str| -> Vec<String> {
            all_targets
                .iter()
                .filter(|t| self.attached_policies(t).iter().any(|p| p == pid))
                .cloned()
                .collect()
        };
        let mut policies = Vec::new();
        let full = targets_of(FULL_AWS_ACCESS_ID);
        if full.len() != all_targets.len() {
            policies.push(json!({"Id": FULL_AWS_ACCESS_ID, "Targets": full}));
        }
        for p in self.policies.values().filter(|p| !p.aws_managed) {
            let content: Value = serde_json::from_str(p.document.text())
                .unwrap_or_else(|_| Value::String(p.document.text().to_string()));
            policies.push(json!({
                "Id": p.id, "Name": p.name, "Type": p.policy_type.as_str(),
                "Content": content, "Targets": targets_of(&p.id),
            }));
        }
        json!({
            "Organization": o,
            "OrganizationalUnits": ous,
            "Accounts": accounts,
            "Policies": policies,
        })
    }

    /// A copy of this organization (ids, OU tree, policies and attachments) holding only the
    /// member accounts `account_ids` and the management account (an organization always has
    /// it), copied through their `get-account-authorization-details` form: the piece an
    /// analysis task needs (`iamkit.Organization` ships these to workers as layouts).
    pub fn subset(&self, account_ids: &[&str]) -> Result<Organization, IamError> {
        let mut accounts = BTreeMap::new();
        let management = [self.management_account.as_str()];
        for id in account_ids.iter().chain(management.iter()) {
            if accounts.contains_key(*id) {
                continue;
            }
            let a = self.account(id)?;
            let mut copy =
                Account::from_authorization_details_in(&a.to_authorization_details(), id)?;
            copy_resource_policies(a, &mut copy)?;
            accounts.insert((*id).to_string(), copy);
        }
        let keep = |t: &String| !self.accounts.contains_key(t) || accounts.contains_key(t);
        Ok(Organization {
            id: self.id.clone(),
            root_id: self.root_id.clone(),
            management_account: self.management_account.clone(),
            ous: self.ous.clone(),
            parents: self
                .parents
                .iter()
                .filter(|(k, _)| accounts.contains_key(*k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            policies: self.policies.clone(),
            attachments: self
                .attachments
                .iter()
                .filter(|(k, _)| keep(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            account_names: self
                .account_names
                .iter()
                .filter(|(k, _)| accounts.contains_key(*k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            accounts,
        })
    }
}

/// Reads an account's `ResourcePolicies`: `[{"ResourceArn", "Policy", "Role"?}]`, the
/// resource-based policies of the account's resources (S3 bucket policies, KMS key policies,
/// Lambda function policies, SQS / SNS policies, …) that a
/// `get-account-authorization-details` snapshot does not hold. `Role` is the role of the
/// account a resource runs code as (a Lambda function's execution role).
fn resource_policies(
    m: &Map<String, Value>,
    path: &str,
    account: &mut Account,
) -> Result<(), LayoutError> {
    let id = account.id().to_string();
    for (j, v) in array(m, path, "ResourcePolicies")?.iter().enumerate() {
        let rp = format!("{path}.ResourcePolicies[{j}]");
        let e = object(v, &rp, &["ResourceArn", "Policy", "Role"])?;
        let arn = required(e, &rp, "ResourceArn")?;
        let arn_path = join(&rp, "ResourceArn");
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        let [prefix, partition, service, _region, owner, resource] = parts.as_slice() else {
            return Err(err(
                arn_path,
                format!("{arn:?} is not an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)"),
            ));
        };
        if *prefix != "arn" || partition.is_empty() || service.is_empty() || resource.is_empty() {
            return Err(err(
                arn_path,
                format!("{arn:?} is not an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)"),
            ));
        }
        // A resource policy belongs to the account that owns the resource; S3 bucket ARNs
        // name no account.
        if !owner.is_empty() && *owner != id {
            return Err(err(
                arn_path,
                format!("{arn} belongs to account {owner}, not to account {id}"),
            ));
        }
        if *service == "iam" {
            return Err(err(
                arn_path,
                "IAM resources have no resource-based policy besides a role's trust policy, which AuthorizationDetails holds",
            ));
        }
        if account.resource_policies.contains_key(arn) {
            return Err(err(arn_path, format!("{arn} listed twice")));
        }
        let policy_path = join(&rp, "Policy");
        let text = match e.get("Policy") {
            Some(Value::String(t)) => t.clone(),
            Some(v @ Value::Object(_)) => v.to_string(),
            Some(v) => {
                return Err(err(
                    policy_path,
                    format!(
                        "expected the policy document (an object or JSON text), got {}",
                        kind(v)
                    ),
                ));
            }
            None => return Err(err(policy_path, "missing required field")),
        };
        // What the service would refuse: the parser's errors, then the validator's ERROR
        // findings for a resource policy (no Principal, …).
        account
            .put_resource_policy(arn, &text)
            .map_err(|x| iam_err(&policy_path, &x))?;
        if let Some(f) = iam_parser::validate(&text, iam_model::PolicyType::Resource)
            .into_iter()
            .find(|f| f.is_error())
        {
            return Err(err(
                policy_path,
                format!(
                    "MalformedPolicyDocument: {} ({} at line {}, column {})",
                    f.message, f.code, f.span.start.line, f.span.start.column
                ),
            ));
        }
        if let Some(r) = string(e, &rp, "Role")? {
            account
                .set_resource_role(arn, r)
                .map_err(|x| iam_err(join(&rp, "Role"), &x))?;
        }
    }
    Ok(())
}

/// An account's resource policies as the layout writes them.
fn resource_policies_layout(a: &Account) -> Vec<Value> {
    a.resource_policies()
        .map(|(arn, doc)| {
            let policy: Value = serde_json::from_str(doc.text())
                .unwrap_or_else(|_| Value::String(doc.text().to_string()));
            let mut m = Map::new();
            m.insert("ResourceArn".into(), json!(arn));
            m.insert("Policy".into(), policy);
            if let Some(r) = a.resource_role(arn) {
                m.insert("Role".into(), json!(r));
            }
            Value::Object(m)
        })
        .collect()
}

/// Copies `from`'s resource policies and resource roles into `to` (same account id).
fn copy_resource_policies(from: &Account, to: &mut Account) -> Result<(), IamError> {
    for (arn, doc) in from.resource_policies() {
        to.resource_policies.insert(arn.to_string(), doc.clone());
        if let Some(r) = from.resource_role(arn) {
            to.set_resource_role(arn, r)?;
        }
    }
    Ok(())
}

/// A layout's file reference: absolute, or relative to the layout file's directory.
fn resolve(file: &str, base_dir: Option<&Path>) -> Result<PathBuf, String> {
    let p = Path::new(file);
    if p.is_absolute() {
        return Ok(p.to_path_buf());
    }
    match base_dir {
        Some(b) => Ok(b.join(p)),
        None => Err(format!(
            "relative path {file:?} but the layout was not read from a file: load it from its file, or give an absolute path or AuthorizationDetails inline"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Value {
        json!({
          "Organization": {"Id": "o-a1b2c3d4e5", "RootId": "r-ab12", "ManagementAccountId": "111111111111"},
          "OrganizationalUnits": [
            {"Id": "ou-ab12-11111111", "Name": "Prod", "ParentId": "r-ab12"},
            {"Id": "ou-ab12-22222222", "Name": "Web", "ParentId": "ou-ab12-11111111"}],
          "Accounts": [
            {"Id": "111111111111", "ParentId": "r-ab12", "AuthorizationDetails": {}},
            {"Id": "222222222222", "Name": "web", "ParentId": "ou-ab12-22222222", "AuthorizationDetails": {}}],
          "Policies": []
        })
    }

    fn error_of(v: &Value) -> LayoutError {
        Organization::from_layout(v, None).unwrap_err()
    }

    #[test]
    fn a_layout_round_trips_and_builds_the_tree() {
        let org = Organization::from_layout(&base(), None).unwrap();
        assert_eq!(
            org.path_of("222222222222"),
            [
                "r-ab12",
                "ou-ab12-11111111",
                "ou-ab12-22222222",
                "222222222222"
            ]
        );
        assert_eq!(org.account_name("222222222222"), Some("web"));
        let again = Organization::from_layout(&org.to_layout(), None).unwrap();
        assert_eq!(again.to_layout(), org.to_layout());
    }

    #[test]
    fn children_may_come_before_their_parents() {
        let mut v = base();
        let ous = v["OrganizationalUnits"].as_array_mut().unwrap();
        ous.reverse();
        let org = Organization::from_layout(&v, None).unwrap();
        assert_eq!(org.path_of("222222222222").len(), 4);
    }

    #[test]
    fn a_cycle_is_named_with_its_path() {
        let mut v = base();
        v["OrganizationalUnits"][0]["ParentId"] = json!("ou-ab12-22222222");
        let e = error_of(&v);
        assert_eq!(e.path, "OrganizationalUnits[1].ParentId");
        assert!(e.message.contains("cycle in the OU tree"), "{e}");
    }

    #[test]
    fn too_deep_an_ou_tree_is_refused() {
        let mut v = base();
        let mut ous = vec![];
        let mut parent = "r-ab12".to_string();
        for i in 0..6 {
            let id = format!("ou-ab12-0000000{i}");
            ous.push(json!({"Id": id, "Name": format!("L{i}"), "ParentId": parent}));
            parent = id;
        }
        v["OrganizationalUnits"] = Value::Array(ous);
        v["Accounts"][1]["ParentId"] = json!("r-ab12");
        let e = error_of(&v);
        assert_eq!(e.path, "OrganizationalUnits[5].ParentId");
        assert!(e.message.contains("at most 5"), "{e}");
    }

    #[test]
    fn unknown_fields_targets_and_parents_are_errors() {
        let mut v = base();
        v["Accounts"][1]["Parent"] = json!("r-ab12");
        assert_eq!(error_of(&v).path, "Accounts[1].Parent");
        let mut v = base();
        v["Accounts"][1]["ParentId"] = json!("ou-ab12-99999999");
        assert_eq!(error_of(&v).path, "Accounts[1].ParentId");
        let mut v = base();
        v["Policies"] = json!([{"Id": "p-12345678", "Name": "x", "Type": "SERVICE_CONTROL_POLICY",
            "Content": {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]},
            "Targets": ["r-ab12", "999999999999"]}]);
        let e = error_of(&v);
        assert_eq!(e.path, "Policies[0].Targets[1]");
        assert!(e.message.contains("unknown target 999999999999"));
        let mut v = base();
        v["Organization"]["ManagementAccountId"] = json!("333333333333");
        assert_eq!(error_of(&v).path, "Organization.ManagementAccountId");
    }

    /// `aws organizations describe-organization`'s own `Organization` object is accepted as the
    /// layout's (https://docs.aws.amazon.com/organizations/latest/APIReference/API_Organization.html).
    #[test]
    fn describe_organization_output_is_accepted() {
        let mut v = base();
        v["Organization"] = json!({
            "Id": "o-a1b2c3d4e5", "Arn": "arn:aws:organizations::111111111111:organization/o-a1b2c3d4e5",
            "FeatureSet": "ALL", "MasterAccountArn": "arn:aws:organizations::111111111111:account/o-a1b2c3d4e5/111111111111",
            "MasterAccountId": "111111111111", "MasterAccountEmail": "admin@example.com",
            "AvailablePolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}]});
        v["OrganizationalUnits"] = json!([]);
        v["Accounts"][0]["ParentId"] = json!("r-root");
        v["Accounts"][1]["ParentId"] = json!("r-root");
        let org = Organization::from_layout(&v, None).unwrap();
        assert_eq!(org.management_account_id(), "111111111111");
        // Both names, disagreeing: refused, naming the legacy field.
        let mut w = base();
        w["Organization"]["MasterAccountId"] = json!("222222222222");
        assert_eq!(error_of(&w).path, "Organization.MasterAccountId");
        // Neither: the required field is named.
        let mut w = base();
        w["Organization"] = json!({"Id": "o-a1b2c3d4e5"});
        let e = error_of(&w);
        assert_eq!(e.path, "Organization.ManagementAccountId");
        assert!(e.message.contains("missing required field"), "{e}");
        // Consolidated billing only: no SCPs or RCPs exist there, so it is not analysed as if they did.
        let mut w = base();
        w["Organization"]["FeatureSet"] = json!("CONSOLIDATED_BILLING");
        let e = error_of(&w);
        assert_eq!(e.path, "Organization.FeatureSet");
        assert!(e.message.contains("all features"), "{e}");
    }

    #[test]
    fn a_malformed_policy_gets_organizations_message() {
        let mut v = base();
        v["Policies"] = json!([{"Id": "p-12345678", "Name": "x", "Type": "SERVICE_CONTROL_POLICY",
            "Content": "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Deny\", \"Action\": \"*\"",
            "Targets": []}]);
        let e = error_of(&v);
        assert_eq!(e.path, "Policies[0].Content");
        assert!(e.message.starts_with("MalformedPolicyDocument"), "{e}");
        let mut v = base();
        v["Policies"] = json!([{"Id": "p-12345678", "Name": "x", "Type": "SERVICE_CONTROL_POLICY",
            "Content": {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}]},
            "Targets": []}]);
        let e = error_of(&v);
        assert_eq!(e.path, "Policies[0].Content");
        assert!(e.message.starts_with("MalformedPolicyDocument"), "{e}");
    }

    #[test]
    fn full_aws_access_can_be_replaced_but_every_target_keeps_an_scp() {
        let deny = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]});
        let mut v = base();
        v["Policies"] = json!([
            {"Id": "p-FullAWSAccess", "Targets": ["r-ab12", "ou-ab12-11111111", "111111111111", "222222222222"]},
            {"Id": "p-onlys3only", "Name": "OnlyS3", "Type": "SERVICE_CONTROL_POLICY", "Content": deny,
             "Targets": ["ou-ab12-22222222"]}]);
        let org = Organization::from_layout(&v, None).unwrap();
        assert_eq!(
            org.attached_policies("ou-ab12-22222222"),
            ["p-RCPFullAWSAccess", "p-onlys3only"]
        );
        let ctx = iam_eval::Context::new();
        let d = org
            .authorize("arn:aws:iam::222222222222:root", "iam:ListUsers", "*", &ctx)
            .unwrap();
        assert_eq!(d.decision, iam_eval::Decision::ImplicitDeny);
        assert_eq!(
            Organization::from_layout(&org.to_layout(), None)
                .unwrap()
                .to_layout(),
            org.to_layout()
        );
        // Without an SCP on the Web OU: refused.
        v["Policies"].as_array_mut().unwrap().pop();
        let e = error_of(&v);
        assert_eq!(e.path, "Policies[0].Targets");
        assert!(e.message.contains("ou-ab12-22222222 has no SCP"), "{e}");
    }

    #[test]
    fn files_are_read_relative_to_the_layout() {
        let dir = std::env::temp_dir().join(format!("iamkit-org-layout-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("web.json"),
            r#"{"UserDetailList": [{"UserName": "u", "UserId": "AIDAEXAMPLEEXAMPLE01", "Arn": "arn:aws:iam::222222222222:user/u", "Path": "/", "CreateDate": "2020-01-01T00:00:00Z", "GroupList": [], "AttachedManagedPolicies": [], "UserPolicyList": []}], "GroupDetailList": [], "RoleDetailList": [], "Policies": []}"#,
        )
        .unwrap();
        let mut v = base();
        v["Accounts"][1] = json!({"Id": "222222222222", "ParentId": "r-ab12", "AuthorizationDetailsFile": "web.json"});
        let org = Organization::from_layout(&v, Some(&dir)).unwrap();
        assert!(org.account("222222222222").unwrap().get_user("u").is_ok());
        let e = error_of(&v);
        assert_eq!(e.path, "Accounts[1].AuthorizationDetailsFile");
        v["Accounts"][1]["AuthorizationDetailsFile"] = json!("missing.json");
        let e = Organization::from_layout(&v, Some(&dir)).unwrap_err();
        assert!(e.message.starts_with("cannot read"), "{e}");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn a_subset_keeps_the_tree_and_policies() {
        let org = Organization::from_layout(&base(), None).unwrap();
        let s = org.subset(&["222222222222"]).unwrap();
        assert_eq!(s.path_of("222222222222"), org.path_of("222222222222"));
        assert_eq!(s.accounts().count(), 2); // the management account stays
        let again = Organization::from_layout(&s.to_layout(), None).unwrap();
        assert_eq!(again.to_layout(), s.to_layout());
        assert!(org.subset(&["999999999999"]).is_err());
    }

    fn with_resource_policies(entries: Value) -> Value {
        let mut v = base();
        v["Accounts"][1]["AuthorizationDetails"] = json!({"RoleDetailList": [{
            "RoleName": "exec", "RoleId": "AROAEXAMPLEEXEC00001", "Path": "/",
            "Arn": "arn:aws:iam::222222222222:role/exec",
            "CreateDate": "2024-01-01T00:00:00Z",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
            "RolePolicyList": [], "AttachedManagedPolicies": [], "InstanceProfileList": [], "Tags": []}]});
        v["Accounts"][1]["ResourcePolicies"] = entries;
        v
    }

    #[test]
    fn resource_policies_load_round_trip_and_survive_a_subset() {
        let f = "arn:aws:lambda:us-east-1:222222222222:function:f";
        let v = with_resource_policies(json!([
            {"ResourceArn": "arn:aws:s3:::web-bucket", "Policy": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": "111111111111"}, "Action": "s3:GetObject",
                 "Resource": "arn:aws:s3:::web-bucket/*"}]}},
            {"ResourceArn": f, "Role": "arn:aws:iam::222222222222:role/exec",
             "Policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"111111111111\"},\"Action\":\"lambda:InvokeFunction\",\"Resource\":\"*\"}]}"}
        ]));
        let org = Organization::from_layout(&v, None).unwrap();
        let b = org.account("222222222222").unwrap();
        assert_eq!(b.resource_policies().count(), 2);
        assert_eq!(
            b.resource_role(f),
            Some("arn:aws:iam::222222222222:role/exec")
        );
        let again = Organization::from_layout(&org.to_layout(), None).unwrap();
        assert_eq!(again.to_layout(), org.to_layout());
        let s = org.subset(&["222222222222"]).unwrap();
        assert_eq!(
            s.to_layout()["Accounts"][1]["ResourcePolicies"],
            org.to_layout()["Accounts"][1]["ResourcePolicies"]
        );
    }

    #[test]
    fn bad_resource_policies_name_their_json_path() {
        let doc = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}]});
        let cases = [
            (
                json!({"ResourceArn": "arn:aws:s3:::b", "Policy": doc, "Extra": 1}),
                "Accounts[1].ResourcePolicies[0].Extra",
                "unknown field",
            ),
            (
                json!({"ResourceArn": "bucket", "Policy": doc}),
                "Accounts[1].ResourcePolicies[0].ResourceArn",
                "not an ARN",
            ),
            (
                json!({"ResourceArn": "arn:aws:sqs:us-east-1:333333333333:q", "Policy": doc}),
                "Accounts[1].ResourcePolicies[0].ResourceArn",
                "belongs to account 333333333333",
            ),
            (
                json!({"ResourceArn": "arn:aws:s3:::b", "Policy": 3}),
                "Accounts[1].ResourcePolicies[0].Policy",
                "expected the policy document",
            ),
            (
                json!({"ResourceArn": "arn:aws:s3:::b", "Policy": "{not json"}),
                "Accounts[1].ResourcePolicies[0].Policy",
                "MalformedPolicyDocument",
            ),
            (
                json!({"ResourceArn": "arn:aws:s3:::b", "Policy": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}),
                "Accounts[1].ResourcePolicies[0].Policy",
                "MalformedPolicyDocument",
            ),
            (
                json!({"ResourceArn": "arn:aws:s3:::b", "Policy": doc, "Role": "arn:aws:iam::222222222222:role/nope"}),
                "Accounts[1].ResourcePolicies[0].Role",
                "NoSuchEntity",
            ),
        ];
        for (entry, path, message) in cases {
            let e = error_of(&with_resource_policies(json!([entry])));
            assert_eq!(e.path, path, "{e}");
            assert!(e.message.contains(message), "{e}");
        }
        let twice = json!({"ResourceArn": "arn:aws:s3:::b", "Policy": doc});
        let e = error_of(&with_resource_policies(json!([twice.clone(), twice])));
        assert_eq!(e.path, "Accounts[1].ResourcePolicies[1].ResourceArn");
    }

    #[test]
    fn accounts_built_in_parallel_report_the_first_error_in_layout_order() {
        let mut v = base();
        let mut accounts = vec![v["Accounts"][0].clone()];
        for i in 0..12 {
            accounts.push(
                json!({"Id": format!("3000000000{i:02}"), "ParentId": "r-ab12",
                "AuthorizationDetails": {"UserDetailList": []}}),
            );
        }
        // Two bad accounts: the load reports the first one, whichever thread finished first.
        accounts[4]["AuthorizationDetails"] = json!({"UserDetailList": 3});
        accounts[9]["AuthorizationDetails"] = json!({"RoleDetailList": "x"});
        v["Accounts"] = json!(accounts);
        for _ in 0..5 {
            let e = error_of(&v);
            assert_eq!(e.path, "Accounts[4].AuthorizationDetails", "{e}");
            assert!(
                e.message
                    .contains("not get-account-authorization-details JSON"),
                "{e}"
            );
        }
        v["Accounts"][4]["AuthorizationDetails"] = json!({});
        v["Accounts"][9]["AuthorizationDetails"] = json!({});
        let org = Organization::from_layout(&v, None).unwrap();
        assert_eq!(org.accounts().count(), 13);
        assert_eq!(
            Organization::from_layout(&org.to_layout(), None)
                .unwrap()
                .to_layout(),
            org.to_layout()
        );
    }

    #[test]
    fn the_text_fast_path_loads_and_fails_as_the_value_path() {
        let mut v = with_resource_policies(json!([
            {"ResourceArn": "arn:aws:s3:::b", "Policy": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}]}}]));
        let text = v.to_string();
        let fast = Organization::from_layout_json(&text, None).unwrap();
        let slow = Organization::from_layout(&v, None).unwrap();
        assert_eq!(fast.to_layout(), slow.to_layout());
        let exec = fast
            .account("222222222222")
            .unwrap()
            .get_role("exec")
            .unwrap();
        assert_eq!(exec.arn, "arn:aws:iam::222222222222:role/exec");
        // Errors inside, or about, an account's details name the same path either way.
        for bad in [json!({"RoleDetailList": 3}), json!(7), json!("x")] {
            v["Accounts"][1]["AuthorizationDetails"] = bad;
            let by_value = Organization::from_layout(&v, None).unwrap_err();
            let by_text = Organization::from_layout_json(&v.to_string(), None).unwrap_err();
            assert_eq!(by_text.path, by_value.path);
            assert_eq!(by_text.path, "Accounts[1].AuthorizationDetails");
        }
        // A layout the fast path cannot read is reported by the ordinary one.
        let mut b = base();
        b["Accounts"] = json!(3);
        let e = Organization::from_layout_json(&b.to_string(), None).unwrap_err();
        assert_eq!(
            (e.path.as_str(), e.message.as_str()),
            ("Accounts", "expected an array, got a number")
        );
        let e = Organization::from_layout_json("{", None).unwrap_err();
        assert!(e.message.starts_with("not JSON"), "{e}");
    }
}

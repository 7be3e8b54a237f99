//! Import and export of an [`Account`] in the `aws iam get-account-authorization-details` format
//! (spec §6, [`iam_parser::gaad`]).
//!
//! [`Account::from_authorization_details`] loads users, groups and memberships, roles with their
//! trust policies and instance profiles, inline policies, customer managed policies with every
//! stored version and the default, attachments (customer and AWS managed), permissions
//! boundaries, tags, ids, ARNs, paths and dates exactly as the file gives them. Stored
//! documents are *not* put through IAM's save-time check (real accounts hold documents IAM
//! would refuse today); a document that is not a policy at all is kept as text, grants nothing,
//! and is reported by [`Account::import_warnings`].
//!
//! [`Account::to_authorization_details`] writes the account back. An imported account that was
//! not changed gives back the source's JSON value exactly (member order, `null`s, unknown
//! members, the form of every document, date texts): each entity remembers its source shape
//! and a snapshot of what it imported as; an unchanged entity is written from its source, a
//! changed one is rebuilt from the model, keeping the source's representation of every value
//! that did not change.
//!
//! AWS managed policies listed in the file's `Policies` (with their own documents, often older
//! versions) are kept as they are and *take precedence* over the bundled copies when the
//! account authorizes: the file says what the account had.
//!
//! ```
//! use iam_account::Account;
//! use iam_parser::gaad::parse_authorization_details;
//! let text = r#"{"UserDetailList": [{"Path": "/", "UserName": "alice", "UserId": "AIDAEXAMPLE",
//!   "Arn": "arn:aws:iam::111122223333:user/alice", "CreateDate": "2020-01-02 03:04:05+00:00",
//!   "UserPolicyList": [{"PolicyName": "s3", "PolicyDocument": {"Version": "2012-10-17",
//!     "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}],
//!   "GroupList": [], "AttachedManagedPolicies": [], "Tags": []}],
//!   "GroupDetailList": [], "RoleDetailList": [], "Policies": []}"#;
//! let details = parse_authorization_details(text).unwrap();
//! let acct = Account::from_authorization_details(&details).unwrap();
//! assert_eq!(acct.id(), "111122223333");
//! assert_eq!(acct.to_authorization_details(), details);
//! assert_eq!(acct.to_authorization_details().to_json(), details.to_json());
//! ```

use super::policies::parse;
use super::{Account, key};
use iam_model::entities::{
    ErrorCode, Group, IamError, InlinePolicy, InstanceProfile, ManagedPolicy, PolicyDocument,
    PolicyVersion, Role, Tags, Timestamp, User, aws_managed_policy,
};
use iam_model::{Policy, PolicyType};
use iam_parser::gaad::{self, AuthorizationDetails, DocumentForm};
use std::collections::{BTreeMap, HashMap, HashSet};

/// The account id used when the file names no account (no ARN with a 12-digit account).
pub const DEFAULT_IMPORT_ACCOUNT: &str = "123456789012";

/// What an imported account remembers of its source, for an exact export.
#[derive(Clone, Default)]
pub(crate) struct Provenance {
    /// The top-level object with its lists emptied (layout, `IsTruncated`, `Marker`, extras).
    top: AuthorizationDetails,
    /// `(source shape, entity as imported)` in file order (the map key is the entity name's).
    users: Vec<(Compact<gaad::UserDetail>, User)>,
    groups: Vec<(Compact<gaad::GroupDetail>, Group)>,
    roles: Vec<(
        Compact<gaad::RoleDetail>,
        Role,
        Vec<Option<InstanceProfile>>,
    )>,
    /// `(ARN, source shape, policy as imported)`; AWS managed ones live in `aws_overrides`.
    policies: Vec<(String, Compact<gaad::ManagedPolicyDetail>, ManagedPolicy)>,
    /// AWS managed policies attached at import but not listed in the file (the export does
    /// not add them; ones attached later are added).
    unlisted_aws: HashSet<String>,
    /// The form most documents had (new documents are written in it).
    form: Option<DocumentForm>,
    /// Problems found while importing (documents that are not policies, odd dates, tags).
    warnings: Vec<String>,
}

// ------------------------------------------------------------------------------------ dates

/// Reads the date texts found in real files: `2020-01-02T03:04:05Z`, with fractions, with a
/// space instead of `T`, with a `+HH:MM` / `-HH:MM` offset (Python's `str(datetime)`).
pub(crate) fn parse_date(text: &str) -> Option<Timestamp> {
    let t = text.trim();
    if let Ok(ts) = t.parse::<Timestamp>() {
        return Some(ts);
    }
    let b = t.as_bytes();
    if b.len() < 19 || b.get(4) != Some(&b'-') || !matches!(b.get(10), Some(b'T' | b' ')) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| t.get(r).and_then(|x| x.parse::<u32>().ok());
    let base = Timestamp::from_ymd_hms(
        i64::from(num(0..4)?),
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
    )?;
    let mut rest = t.get(19..)?;
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        rest = frac.get(n..)?;
    }
    let offset = match rest {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let hm = rest.get(1..)?.replace(':', "");
            if hm.len() != 4 {
                return None;
            }
            let h = i64::from(hm.get(0..2)?.parse::<u32>().ok()?);
            let m = i64::from(hm.get(2..4)?.parse::<u32>().ok()?);
            sign * (h * 3600 + m * 60)
        }
    };
    Some(Timestamp(base.0 - offset))
}

/// The source's date text when it still says `t`, else IAM's form of `t`.
fn date_text(src: Option<&String>, t: Timestamp) -> String {
    match src {
        Some(s) if parse_date(s) == Some(t) => s.clone(),
        _ => t.to_string(),
    }
}

// ------------------------------------------------------------------------------------ import

struct Importer {
    warnings: Vec<String>,
    forms: HashMap<DocumentForm, usize>,
}

impl Importer {
    fn date(&mut self, what: &str, text: Option<&String>) -> Timestamp {
        match text {
            None => Timestamp(0),
            Some(t) => parse_date(t).unwrap_or_else(|| {
                self.warnings.push(format!(
                    "{what}: date {t:?} is not ISO 8601; read as 1970-01-01"
                ));
                Timestamp(0)
            }),
        }
    }

    /// A stored document: parsed without IAM's save-time check; one that is not a policy at
    /// all is kept as text with no statements.
    fn document(
        &mut self,
        what: &str,
        doc: Option<&gaad::PolicyDocument>,
        t: PolicyType,
    ) -> PolicyDocument {
        let Some(doc) = doc else {
            return PolicyDocument::new(String::new(), Policy::new(None, Vec::new()));
        };
        *self.forms.entry(doc.form()).or_default() += 1;
        let text = doc.text().into_owned();
        match parse(&text, t) {
            Ok(d) => d,
            Err(e) => {
                self.warnings.push(format!(
                    "{what}: the document is not a policy ({}); it grants nothing",
                    e.message
                ));
                PolicyDocument::new(text, Policy::new(None, Vec::new()))
            }
        }
    }

    fn tags(&mut self, what: &str, tags: &[gaad::Tag], mut out: Tags, quota: &str) -> Tags {
        let pairs: Vec<(String, String)> = tags
            .iter()
            .map(|t| {
                (
                    t.key.clone().unwrap_or_default(),
                    t.value.clone().unwrap_or_default(),
                )
            })
            .collect();
        if let Err(e) = out.tag(&pairs, quota) {
            // One by one, keeping what IAM would accept.
            self.warnings.push(format!("{what}: tags: {}", e.message));
            for p in pairs {
                let _ = out.tag(std::slice::from_ref(&p), quota);
            }
        }
        out
    }

    fn inline(
        &mut self,
        what: &str,
        list: &[gaad::PolicyDetail],
        t: PolicyType,
    ) -> Vec<InlinePolicy> {
        list.iter()
            .map(|p| {
                let name = p.policy_name.clone().unwrap_or_default();
                let document = self.document(
                    &format!("{what} policy {name}"),
                    p.policy_document.as_ref(),
                    t,
                );
                InlinePolicy { name, document }
            })
            .collect()
    }
}

fn missing(what: &str, member: &str) -> IamError {
    IamError::invalid_input(format!("{what} has no {member}."))
}

fn attached_arns(list: &[gaad::AttachedPolicy]) -> Vec<String> {
    list.iter().filter_map(|a| a.policy_arn.clone()).collect()
}

fn boundary_arn(b: Option<&gaad::AttachedPermissionsBoundary>) -> Option<String> {
    b.and_then(|b| b.permissions_boundary_arn.clone())
}

/// The account id the file is about: the most frequent 12-digit account of its users',
/// groups', roles' and customer managed policies' ARNs.
fn account_of(d: &AuthorizationDetails) -> Option<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let arns = d
        .user_detail_list
        .iter()
        .filter_map(|u| u.arn.as_deref())
        .chain(d.group_detail_list.iter().filter_map(|g| g.arn.as_deref()))
        .chain(d.role_detail_list.iter().filter_map(|r| r.arn.as_deref()))
        .chain(d.policies.iter().filter_map(|p| p.arn.as_deref()));
    for arn in arns {
        if let Some(acct) = arn.split(':').nth(4) {
            if acct.len() == 12 && acct.bytes().all(|b| b.is_ascii_digit()) {
                *counts.entry(acct).or_default() += 1;
            }
        }
    }
    counts
        .into_iter()
        .max_by_key(|(a, n)| (*n, std::cmp::Reverse(*a)))
        .map(|(a, _)| a.to_string())
}

fn version_number(id: &str) -> u32 {
    id.strip_prefix('v')
        .and_then(|n| n.split('.').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

impl Account {
    /// Loads an account from `get-account-authorization-details` output (see the [module
    /// docs](self)). The account id is taken from the entities' ARNs
    /// ([`DEFAULT_IMPORT_ACCOUNT`] when none has one). Fails with `InvalidInput` when an entity
    /// has no name, and with `EntityAlreadyExists` when two entities of a kind share a name
    /// (case-insensitively).
    pub fn from_authorization_details(d: &AuthorizationDetails) -> Result<Account, IamError> {
        let id = account_of(d).unwrap_or_else(|| DEFAULT_IMPORT_ACCOUNT.to_string());
        Account::from_authorization_details_in(d, &id)
    }

    /// [`from_authorization_details`](Self::from_authorization_details) into an account with
    /// the given id.
    pub fn from_authorization_details_in(
        d: &AuthorizationDetails,
        account_id: &str,
    ) -> Result<Account, IamError> {
        let mut acct = Account::new(account_id)?;
        let mut im = Importer {
            warnings: Vec::new(),
            forms: HashMap::new(),
        };
        let mut prov = Provenance {
            top: AuthorizationDetails {
                user_detail_list: Vec::new(),
                group_detail_list: Vec::new(),
                role_detail_list: Vec::new(),
                policies: Vec::new(),
                ..d.clone_top()
            },
            ..Provenance::default()
        };

        // Managed policies first (attachments refer to them).
        let mut policies = Vec::new();
        for p in &d.policies {
            let arn = p.arn.clone().ok_or_else(|| missing("A policy", "Arn"))?;
            let name = p
                .policy_name
                .clone()
                .unwrap_or_else(|| arn.rsplit('/').next().unwrap_or_default().to_string());
            let what = format!("policy {arn}");
            let versions: Vec<PolicyVersion> = p
                .policy_version_list
                .iter()
                .map(|v| {
                    let vid = v.version_id.clone().unwrap_or_default();
                    PolicyVersion {
                        document: im.document(
                            &format!("{what} version {vid}"),
                            v.document.as_ref(),
                            PolicyType::Identity,
                        ),
                        create_date: im.date(&what, v.create_date.as_ref()),
                        version_id: vid,
                    }
                })
                .collect();
            let default_version_id = p.default_version_id.clone().unwrap_or_else(|| {
                p.policy_version_list
                    .iter()
                    .find(|v| v.is_default_version == Some(true))
                    .and_then(|v| v.version_id.clone())
                    .unwrap_or_default()
            });
            let next_version = versions
                .iter()
                .map(|v| version_number(&v.version_id))
                .max()
                .unwrap_or(0)
                + 1;
            let m = ManagedPolicy {
                name,
                path: p.path.clone().unwrap_or_else(|| "/".to_string()),
                id: p.policy_id.clone().unwrap_or_default(),
                arn: arn.clone(),
                description: p.description.clone(),
                create_date: im.date(&what, p.create_date.as_ref()),
                update_date: im.date(&what, p.update_date.as_ref()),
                versions,
                default_version_id,
                next_version,
                attachment_count: usize::try_from(p.attachment_count.unwrap_or(0)).unwrap_or(0),
                permissions_boundary_usage_count: usize::try_from(
                    p.permissions_boundary_usage_count.unwrap_or(0),
                )
                .unwrap_or(0),
                tags: Tags::case_sensitive(),
            };
            if arn.starts_with("arn:aws:iam::aws:") || arn.split(':').nth(4) == Some("aws") {
                acct.aws_overrides.insert(arn.clone(), m.clone());
            } else {
                if acct.policy_names.contains_key(&key(&m.name)) || acct.policies.contains_key(&arn)
                {
                    return Err(IamError::new(
                        ErrorCode::EntityAlreadyExists,
                        format!(
                            "A policy called {} already exists. Duplicate names are not allowed.",
                            m.name
                        ),
                    ));
                }
                acct.policy_names.insert(key(&m.name), arn.clone());
                acct.policies.insert(arn.clone(), m.clone());
            }
            policies.push((arn, p.clone(), m));
        }

        // Groups.
        for g in &d.group_detail_list {
            let name = g
                .group_name
                .clone()
                .ok_or_else(|| missing("A group", "GroupName"))?;
            if acct.groups.contains_key(&key(&name)) {
                return Err(IamError::already_exists("Group", &name));
            }
            let what = format!("group {name}");
            let path = g.path.clone().unwrap_or_else(|| "/".to_string());
            let group = Group {
                arn: g
                    .arn
                    .clone()
                    .unwrap_or_else(|| acct.arn("group", &path, &name)),
                id: g.group_id.clone().unwrap_or_default(),
                create_date: im.date(&what, g.create_date.as_ref()),
                inline_policies: im.inline(&what, &g.group_policy_list, PolicyType::Identity),
                attached_policies: attached_arns(&g.attached_managed_policies),
                users: Vec::new(),
                name: name.clone(),
                path,
            };
            acct.groups.insert(key(&name), group);
        }

        // Users (and memberships, in the users' GroupList order).
        for u in &d.user_detail_list {
            let name = u
                .user_name
                .clone()
                .ok_or_else(|| missing("A user", "UserName"))?;
            if acct.users.contains_key(&key(&name)) {
                return Err(IamError::already_exists("User", &name));
            }
            let what = format!("user {name}");
            let path = u.path.clone().unwrap_or_else(|| "/".to_string());
            let user = User {
                arn: u
                    .arn
                    .clone()
                    .unwrap_or_else(|| acct.arn("user", &path, &name)),
                id: u.user_id.clone().unwrap_or_default(),
                create_date: im.date(&what, u.create_date.as_ref()),
                inline_policies: im.inline(&what, &u.user_policy_list, PolicyType::Identity),
                attached_policies: attached_arns(&u.attached_managed_policies),
                permissions_boundary: boundary_arn(u.permissions_boundary.as_ref()),
                groups: u.group_list.clone(),
                access_keys: Vec::new(),
                login_profile: None,
                mfa_devices: Vec::new(),
                ssh_public_keys: Vec::new(),
                signing_certificates: Vec::new(),
                service_specific_credentials: Vec::new(),
                tags: im.tags(&what, &u.tags, Tags::case_insensitive(), "TagsPerUser"),
                name: name.clone(),
                path,
            };
            for g in &user.groups {
                if let Some(group) = acct.groups.get_mut(&key(g)) {
                    group.users.push(name.clone());
                } else {
                    im.warnings.push(format!(
                        "{what}: member of group {g}, which is not in the file"
                    ));
                }
            }
            acct.users.insert(key(&name), user);
        }

        // Roles and their instance profiles.
        let mut roles = Vec::new();
        for r in &d.role_detail_list {
            let name = r
                .role_name
                .clone()
                .ok_or_else(|| missing("A role", "RoleName"))?;
            if acct.roles.contains_key(&key(&name)) {
                return Err(IamError::already_exists("Role", &name));
            }
            let what = format!("role {name}");
            let path = r.path.clone().unwrap_or_else(|| "/".to_string());
            let service_linked = path
                .strip_prefix("/aws-service-role/")
                .and_then(|s| s.split('/').next())
                .filter(|s| !s.is_empty())
                .map(str::to_string);
            let mut profiles = Vec::new();
            for ip in &r.instance_profile_list {
                let Some(ip_name) = ip.instance_profile_name.clone() else {
                    im.warnings
                        .push(format!("{what}: an instance profile has no name; skipped"));
                    continue;
                };
                let k = key(&ip_name);
                if !acct.instance_profiles.contains_key(&k) {
                    let ip_path = ip.path.clone().unwrap_or_else(|| "/".to_string());
                    let what_ip = format!("instance profile {ip_name}");
                    let profile = InstanceProfile {
                        arn: ip
                            .arn
                            .clone()
                            .unwrap_or_else(|| acct.arn("instance-profile", &ip_path, &ip_name)),
                        id: ip.instance_profile_id.clone().unwrap_or_default(),
                        create_date: im.date(&what_ip, ip.create_date.as_ref()),
                        roles: Vec::new(),
                        tags: im.tags(
                            &what_ip,
                            &ip.tags,
                            Tags::case_sensitive(),
                            "TagsPerInstanceProfile",
                        ),
                        name: ip_name.clone(),
                        path: ip_path,
                    };
                    acct.instance_profiles.insert(k.clone(), profile);
                }
                if let Some(p) = acct.instance_profiles.get_mut(&k) {
                    if !p.roles.iter().any(|x| key(x) == key(&name)) {
                        p.roles.push(name.clone());
                    }
                }
                profiles.push(ip_name);
            }
            let role = Role {
                arn: r
                    .arn
                    .clone()
                    .unwrap_or_else(|| acct.arn("role", &path, &name)),
                id: r.role_id.clone().unwrap_or_default(),
                create_date: im.date(&what, r.create_date.as_ref()),
                trust_policy: im.document(
                    &format!("{what} trust policy"),
                    r.assume_role_policy_document.as_ref(),
                    PolicyType::Trust,
                ),
                description: r.description.clone(),
                max_session_duration: r
                    .max_session_duration
                    .and_then(|m| u32::try_from(m).ok())
                    .unwrap_or(3600),
                inline_policies: im.inline(&what, &r.role_policy_list, PolicyType::Identity),
                attached_policies: attached_arns(&r.attached_managed_policies),
                permissions_boundary: boundary_arn(r.permissions_boundary.as_ref()),
                tags: im.tags(&what, &r.tags, Tags::case_insensitive(), "TagsPerRole"),
                instance_profiles: profiles,
                service_linked,
                name: name.clone(),
                path,
            };
            acct.roles.insert(key(&name), role);
            roles.push((key(&name), r.clone()));
        }

        // Attachments that resolve nowhere are kept (the export writes them back) but grant
        // nothing; say so.
        let mut unresolved = HashSet::new();
        let all_attached = acct
            .users
            .values()
            .flat_map(|u| u.attached_policies.iter().chain(&u.permissions_boundary))
            .chain(
                acct.groups
                    .values()
                    .flat_map(|g| g.attached_policies.iter()),
            )
            .chain(
                acct.roles
                    .values()
                    .flat_map(|r| r.attached_policies.iter().chain(&r.permissions_boundary)),
            );
        for arn in all_attached {
            if acct.policies.contains_key(arn) || acct.aws_overrides.contains_key(arn) {
                continue;
            }
            if aws_managed_policy(arn).is_some() {
                prov.unlisted_aws.insert(arn.clone());
            } else {
                unresolved.insert(arn.clone());
            }
        }
        let mut unresolved: Vec<_> = unresolved.into_iter().collect();
        unresolved.sort();
        for arn in unresolved {
            im.warnings.push(format!(
                "policy {arn} is attached but neither in the file nor a known AWS managed policy; it grants nothing"
            ));
        }

        // Snapshots for the exact export.
        prov.users = d
            .user_detail_list
            .iter()
            .filter_map(|u| {
                let k = key(u.user_name.as_deref()?);
                let snap = acct.users.get(&k)?.clone();
                Some((compact_user(u.clone(), &snap), snap))
            })
            .collect();
        prov.groups = d
            .group_detail_list
            .iter()
            .filter_map(|g| {
                let k = key(g.group_name.as_deref()?);
                let snap = acct.groups.get(&k)?.clone();
                Some((compact_group(g.clone(), &snap), snap))
            })
            .collect();
        prov.roles = roles
            .into_iter()
            .filter_map(|(k, r): (String, gaad::RoleDetail)| {
                let role = acct.roles.get(&k)?.clone();
                let r = compact_role(r, &role);
                let profiles = role
                    .instance_profiles
                    .iter()
                    .map(|n| acct.instance_profiles.get(&key(n)).cloned())
                    .collect();
                Some((r, role, profiles))
            })
            .collect();
        // (`filter_map` collects grow by doubling: give the spare capacity back.)
        prov.users.shrink_to_fit();
        prov.groups.shrink_to_fit();
        prov.roles.shrink_to_fit();
        prov.policies = policies
            .into_iter()
            .map(|(arn, mut src, snap)| {
                for (v, m) in src.policy_version_list.iter_mut().zip(&snap.versions) {
                    hollow(&mut v.document, &m.document);
                }
                (arn, Compact::new(&src), snap)
            })
            .collect();
        prov.form = im
            .forms
            .iter()
            .max_by_key(|(f, n)| (**n, **f == DocumentForm::Json))
            .map(|(f, _)| *f);
        prov.warnings = im.warnings;
        acct.gaad = Some(Box::new(prov));
        Ok(acct)
    }

    /// Problems noticed by [`from_authorization_details`](Self::from_authorization_details):
    /// documents that are not policies, unreadable dates, attachments of unknown policies,
    /// memberships of groups not in the file. Empty for an account built by operations.
    pub fn import_warnings(&self) -> &[String] {
        self.gaad.as_ref().map_or(&[], |p| &p.warnings)
    }

    /// The AWS managed policies the imported file listed with their own documents (they take
    /// precedence over the bundled copies), by ARN.
    pub fn imported_aws_managed_policies(&self) -> impl Iterator<Item = &ManagedPolicy> {
        self.aws_overrides.values()
    }

    // -------------------------------------------------------------------------------- export

    /// The account as `get-account-authorization-details` output: every user, group and role
    /// with inline policies, attachments, boundaries, tags and instance profiles, and every
    /// customer managed policy with all its versions, plus the AWS managed policies that are
    /// attached (the imported copies when the source listed them, else the bundled ones).
    ///
    /// For an imported account, entities come in the source's order (new ones after) and an
    /// unchanged account gives back the source exactly (see the [module docs](self)).
    ///
    /// ```
    /// let mut a = iam_account::Account::new("123456789012").unwrap();
    /// a.create_user("bob", None).unwrap();
    /// a.attach_user_policy("bob", "arn:aws:iam::aws:policy/ReadOnlyAccess").unwrap();
    /// let d = a.to_authorization_details();
    /// assert_eq!(d.user_detail_list[0].user_name.as_deref(), Some("bob"));
    /// assert_eq!(d.policies[0].policy_name.as_deref(), Some("ReadOnlyAccess"));
    /// let back = iam_account::Account::from_authorization_details(&d).unwrap();
    /// assert_eq!(back.get_user("bob").unwrap().attached_policies, ["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
    /// ```
    pub fn to_authorization_details(&self) -> AuthorizationDetails {
        self.export_details(None)
    }

    /// [`to_authorization_details`](Self::to_authorization_details) with every policy document
    /// that does not come unchanged from an imported source written as its exact text (a JSON
    /// string, [`DocumentForm::JsonText`]) rather than re-serialized: imported back, each policy
    /// has the very text, and so the statement positions (line, column), of this account's. The
    /// form for shipping an account to another process for analysis (Python's `executor=`);
    /// like every authorization-details output it holds no secret (no access keys, passwords or
    /// MFA seeds).
    ///
    /// ```
    /// let mut a = iam_account::Account::new("123456789012").unwrap();
    /// a.create_user("bob", None).unwrap();
    /// let text = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": {\"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"*\"}}";
    /// a.put_user_policy("bob", "p", text).unwrap();
    /// let d = a.to_authorization_details_exact();
    /// let back = iam_account::Account::from_authorization_details(&d).unwrap();
    /// assert_eq!(back.get_user_policy("bob", "p").unwrap().document.text(), text);
    /// ```
    pub fn to_authorization_details_exact(&self) -> AuthorizationDetails {
        self.export_details(Some(DocumentForm::JsonText))
    }

    /// True when the account was imported from authorization details and remembers that
    /// source (its order, document forms, date texts) for [`to_authorization_details`](Self::to_authorization_details).
    pub fn has_import_source(&self) -> bool {
        self.gaad.is_some()
    }

    /// Forgets the import source: from now on the account exports as if it had been built by
    /// API calls (entities in name order, documents as JSON objects). For a copy rebuilt from
    /// [`to_authorization_details_exact`](Self::to_authorization_details_exact) of an account
    /// that had no import source, this makes the copy export exactly as the original does.
    ///
    /// ```
    /// let mut a = iam_account::Account::new("123456789012").unwrap();
    /// a.create_user("bob", None).unwrap();
    /// a.put_user_policy("bob", "p", "{ \"Version\": \"2012-10-17\", \"Statement\": {\"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"*\"}}").unwrap();
    /// let mut b = iam_account::Account::from_authorization_details(&a.to_authorization_details_exact()).unwrap();
    /// assert!(b.has_import_source());
    /// b.forget_import_source();
    /// assert_eq!(b.to_authorization_details().to_json(), a.to_authorization_details().to_json());
    /// ```
    pub fn forget_import_source(&mut self) {
        self.gaad = None;
    }

    fn export_details(&self, forced: Option<DocumentForm>) -> AuthorizationDetails {
        let empty = Provenance::default();
        let prov = self.gaad.as_deref().unwrap_or(&empty);
        let form = forced.unwrap_or_else(|| prov.form.unwrap_or(DocumentForm::Json));
        let ex = Exporter { acct: self, form };
        let mut out = prov.top.clone();

        // Users.
        let mut seen = HashSet::new();
        for (src, snap) in &prov.users {
            let k = key(&snap.name);
            if let Some(u) = self.users.get(&k) {
                seen.insert(k);
                let src = source_user(src, snap);
                out.user_detail_list.push(if u == snap {
                    src
                } else {
                    ex.user(u, Some(&src))
                });
            }
        }
        for (k, u) in &self.users {
            if !seen.contains(k) {
                out.user_detail_list.push(ex.user(u, None));
            }
        }

        // Groups.
        let mut seen = HashSet::new();
        for (src, snap) in &prov.groups {
            let k = key(&snap.name);
            if let Some(g) = self.groups.get(&k) {
                seen.insert(k);
                let src = source_group(src, snap);
                out.group_detail_list.push(if g == snap {
                    src
                } else {
                    ex.group(g, Some(&src))
                });
            }
        }
        for (k, g) in &self.groups {
            if !seen.contains(k) {
                out.group_detail_list.push(ex.group(g, None));
            }
        }

        // Roles.
        let mut seen = HashSet::new();
        for (src, snap, snap_profiles) in &prov.roles {
            let k = key(&snap.name);
            if let Some(r) = self.roles.get(&k) {
                seen.insert(k);
                let profiles: Vec<Option<InstanceProfile>> = r
                    .instance_profiles
                    .iter()
                    .map(|n| self.instance_profiles.get(&key(n)).cloned())
                    .collect();
                let src = source_role(src, snap);
                out.role_detail_list
                    .push(if r == snap && &profiles == snap_profiles {
                        src
                    } else {
                        ex.role(r, Some(&src))
                    });
            }
        }
        for (k, r) in &self.roles {
            if !seen.contains(k) {
                out.role_detail_list.push(ex.role(r, None));
            }
        }

        // Policies: the source's (customer and AWS managed), then new customer managed ones,
        // then AWS managed ones attached since.
        let mut seen = HashSet::new();
        for (arn, src, snap) in &prov.policies {
            let current = self
                .policies
                .get(arn)
                .or_else(|| self.aws_overrides.get(arn));
            if let Some(p) = current {
                seen.insert(arn.clone());
                let src = source_policy(src, snap);
                out.policies.push(if p == snap {
                    src
                } else {
                    ex.policy(p, Some(&src))
                });
            }
        }
        for (arn, p) in self.policies.iter().chain(&self.aws_overrides) {
            if !seen.contains(arn) {
                seen.insert(arn.clone());
                out.policies.push(ex.policy(p, None));
            }
        }
        let mut aws_attached: Vec<&String> = Vec::new();
        let attached = self
            .users
            .values()
            .flat_map(|u| u.attached_policies.iter().chain(&u.permissions_boundary))
            .chain(
                self.groups
                    .values()
                    .flat_map(|g| g.attached_policies.iter()),
            )
            .chain(
                self.roles
                    .values()
                    .flat_map(|r| r.attached_policies.iter().chain(&r.permissions_boundary)),
            );
        for arn in attached {
            if !seen.contains(arn)
                && !prov.unlisted_aws.contains(arn)
                && aws_managed_policy(arn).is_some()
            {
                seen.insert(arn.clone());
                aws_attached.push(arn);
            }
        }
        for arn in aws_attached {
            if let Some(p) = ex.aws_policy(arn) {
                out.policies.push(p);
            }
        }
        out
    }
}

/// The top-level members of a response other than its four lists.
trait CloneTop {
    fn clone_top(&self) -> AuthorizationDetails;
}

impl CloneTop for AuthorizationDetails {
    fn clone_top(&self) -> AuthorizationDetails {
        AuthorizationDetails {
            user_detail_list: Vec::new(),
            group_detail_list: Vec::new(),
            role_detail_list: Vec::new(),
            policies: Vec::new(),
            is_truncated: self.is_truncated,
            marker: self.marker.clone(),
            extra: self.extra.clone(),
            layout: self.layout.clone(),
        }
    }
}

// ----------------------------------------------------------------- compact source documents
//
// The source shapes kept for the exact export hold every policy document once more (the CLI's
// form is a JSON tree: several times the text's size). Most of them can be rebuilt exactly
// from the model's document text, which the account keeps anyway: such a source document is
// replaced at import by an empty placeholder of its form, and rebuilt when exported.

/// A placeholder document of `form`: marks a source document rebuilt from the model's text.
/// Each survives the JSON text of [`Compact`]: `null` reads back as an absent document (told
/// apart from a source without one by the model's text, which is then empty), `"{"` as JSON
/// text, `""` as URL-encoded text.
fn placeholder(form: DocumentForm) -> gaad::PolicyDocument {
    match form {
        DocumentForm::Json => gaad::PolicyDocument::from_json_value(serde_json::Value::Null),
        DocumentForm::JsonText => gaad::PolicyDocument::from_json_text("{"),
        DocumentForm::UrlEncoded => gaad::PolicyDocument::url_encode_text(""),
    }
}

/// Whether `d` is a [`placeholder`]. (A real JSON text `{` or URL-encoded `""` document is
/// taken for one too, harmlessly: its model text rebuilds it as it was.)
fn is_placeholder(d: &gaad::PolicyDocument) -> bool {
    match d.form() {
        DocumentForm::Json => d.as_json().is_some_and(serde_json::Value::is_null),
        DocumentForm::JsonText => d.text() == "{",
        DocumentForm::UrlEncoded => d.as_url_encoded() == Some(""),
    }
}

/// The source document of `form` rebuilt from its text.
fn rebuild(form: DocumentForm, text: &str) -> gaad::PolicyDocument {
    match form {
        DocumentForm::Json => gaad::PolicyDocument::parse_json(text)
            .unwrap_or_else(|_| gaad::PolicyDocument::from_json_text(text)),
        DocumentForm::JsonText => gaad::PolicyDocument::from_json_text(text),
        DocumentForm::UrlEncoded => gaad::PolicyDocument::url_encode_text(text),
    }
}

/// True when a JSON value holds a non-integer number (without serde_json's
/// `float_roundtrip`, printing and reading a float back may change its last bit).
fn has_float(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Number(n) => n.is_f64(),
        serde_json::Value::Array(a) => a.iter().any(has_float),
        serde_json::Value::Object(o) => o.values().any(has_float),
        _ => false,
    }
}

/// Replaces the source document `doc` by a placeholder when [`rebuild`] gives it back exactly
/// from `model`'s text (which is the source document's text: see `Importer::document`): a JSON
/// object without floats (printing a `serde_json` value and reading it back gives an equal
/// value, member order kept by `preserve_order`), a JSON text, or URL-encoded text in the
/// encoding `url_encode` writes. Anything else is kept as it is.
fn hollow(doc: &mut Option<gaad::PolicyDocument>, model: &PolicyDocument) {
    let Some(d) = doc.as_ref() else { return };
    if model.text().is_empty() {
        return;
    }
    let rebuildable = match d.form() {
        DocumentForm::Json => d.as_json().is_some_and(|v| v.is_object() && !has_float(v)),
        DocumentForm::JsonText => d.text() == model.text(),
        DocumentForm::UrlEncoded => {
            d.text() == model.text()
                && d.as_url_encoded() == Some(gaad::url_encode(model.text()).as_str())
        }
    };
    if rebuildable {
        *doc = Some(placeholder(d.form()));
    }
}

/// Puts back a document [`hollow`] replaced.
fn fill(doc: &mut Option<gaad::PolicyDocument>, model: &PolicyDocument) {
    let text = model.text();
    match doc {
        // A JSON placeholder read back from `Compact` text (a source without a document has
        // an empty model text).
        None if !text.is_empty() => *doc = Some(rebuild(DocumentForm::Json, text)),
        Some(d) if is_placeholder(d) => *doc = Some(rebuild(d.form(), text)),
        _ => {}
    }
}

fn hollow_inline(src: &mut [gaad::PolicyDetail], model: &[InlinePolicy]) {
    for (s, m) in src.iter_mut().zip(model) {
        hollow(&mut s.policy_document, &m.document);
    }
}

fn fill_inline(src: &mut [gaad::PolicyDetail], model: &[InlinePolicy]) {
    for (s, m) in src.iter_mut().zip(model) {
        fill(&mut s.policy_document, &m.document);
    }
}

// Source strings the model holds verbatim (a user's `UserName`, `Arn`, `UserId`, `Path`, ...:
// the import copies a present value into the entity unchanged) are kept as `""` in the
// compact shape — their presence (and `null`s, member order) stays — and put back from the
// entity as imported.

/// Empties a source string the model holds verbatim.
fn hollow_str(field: &mut Option<String>) {
    if let Some(v) = field {
        v.clear();
    }
}

/// Puts back a string [`hollow_str`] emptied.
fn fill_str(field: &mut Option<String>, model: &str) {
    if let Some(v) = field {
        model.clone_into(v);
    }
}

fn hollow_names(src: &mut [gaad::PolicyDetail]) {
    for p in src {
        hollow_str(&mut p.policy_name);
    }
}

fn fill_names(src: &mut [gaad::PolicyDetail], model: &[InlinePolicy]) {
    for (s, m) in src.iter_mut().zip(model) {
        fill_str(&mut s.policy_name, &m.name);
    }
}

/// Empties the `PolicyArn`s of attachments when every attachment has one (the entity then
/// lists the same ARNs in the same order).
fn hollow_attached(src: &mut [gaad::AttachedPolicy], model: &[String]) {
    if src.len() == model.len() && src.iter().all(|a| a.policy_arn.is_some()) {
        for a in src {
            hollow_str(&mut a.policy_arn);
        }
    }
}

fn fill_attached(src: &mut [gaad::AttachedPolicy], model: &[String]) {
    if src.len() == model.len() && src.iter().all(|a| a.policy_arn.is_some()) {
        for (a, m) in src.iter_mut().zip(model) {
            fill_str(&mut a.policy_arn, m);
        }
    }
}

fn compact_user(mut u: gaad::UserDetail, snap: &User) -> Compact<gaad::UserDetail> {
    hollow_inline(&mut u.user_policy_list, &snap.inline_policies);
    hollow_names(&mut u.user_policy_list);
    for f in [&mut u.path, &mut u.user_name, &mut u.user_id, &mut u.arn] {
        hollow_str(f);
    }
    hollow_attached(&mut u.attached_managed_policies, &snap.attached_policies);
    // The entity's groups are the source's list.
    u.group_list.clear();
    Compact::new(&u)
}

fn compact_group(mut g: gaad::GroupDetail, snap: &Group) -> Compact<gaad::GroupDetail> {
    hollow_inline(&mut g.group_policy_list, &snap.inline_policies);
    hollow_names(&mut g.group_policy_list);
    for f in [&mut g.path, &mut g.group_name, &mut g.group_id, &mut g.arn] {
        hollow_str(f);
    }
    hollow_attached(&mut g.attached_managed_policies, &snap.attached_policies);
    Compact::new(&g)
}

fn compact_role(mut r: gaad::RoleDetail, snap: &Role) -> Compact<gaad::RoleDetail> {
    hollow(&mut r.assume_role_policy_document, &snap.trust_policy);
    hollow_inline(&mut r.role_policy_list, &snap.inline_policies);
    hollow_names(&mut r.role_policy_list);
    for f in [
        &mut r.path,
        &mut r.role_name,
        &mut r.role_id,
        &mut r.arn,
        &mut r.description,
    ] {
        hollow_str(f);
    }
    hollow_attached(&mut r.attached_managed_policies, &snap.attached_policies);
    Compact::new(&r)
}

/// A source shape kept as its compact JSON text (the shapes serialize back exactly, member
/// order, `null`s and unknown members included): a few hundred bytes instead of the parsed
/// shape's strings, vectors and maps. Read back only when the account is exported.
#[derive(Clone, Default)]
struct Compact<T> {
    json: Box<str>,
    shape: std::marker::PhantomData<T>,
}

impl<T: serde::Serialize + serde::de::DeserializeOwned + Default> Compact<T> {
    fn new(shape: &T) -> Compact<T> {
        Compact {
            // Serializing a shape cannot fail (string keys, no non-finite floats).
            json: serde_json::to_string(shape).unwrap_or_default().into(),
            shape: std::marker::PhantomData,
        }
    }

    /// The shape again (its own output always reads back).
    fn get(&self) -> T {
        serde_json::from_str(&self.json).unwrap_or_default()
    }
}

/// The source shape of a user, its documents put back.
fn source_user(src: &Compact<gaad::UserDetail>, snap: &User) -> gaad::UserDetail {
    let mut out = src.get();
    fill_inline(&mut out.user_policy_list, &snap.inline_policies);
    fill_names(&mut out.user_policy_list, &snap.inline_policies);
    fill_str(&mut out.path, &snap.path);
    fill_str(&mut out.user_name, &snap.name);
    fill_str(&mut out.user_id, &snap.id);
    fill_str(&mut out.arn, &snap.arn);
    fill_attached(&mut out.attached_managed_policies, &snap.attached_policies);
    out.group_list.clone_from(&snap.groups);
    out
}

fn source_group(src: &Compact<gaad::GroupDetail>, snap: &Group) -> gaad::GroupDetail {
    let mut out = src.get();
    fill_inline(&mut out.group_policy_list, &snap.inline_policies);
    fill_names(&mut out.group_policy_list, &snap.inline_policies);
    fill_str(&mut out.path, &snap.path);
    fill_str(&mut out.group_name, &snap.name);
    fill_str(&mut out.group_id, &snap.id);
    fill_str(&mut out.arn, &snap.arn);
    fill_attached(&mut out.attached_managed_policies, &snap.attached_policies);
    out
}

fn source_role(src: &Compact<gaad::RoleDetail>, snap: &Role) -> gaad::RoleDetail {
    let mut out = src.get();
    fill(&mut out.assume_role_policy_document, &snap.trust_policy);
    fill_inline(&mut out.role_policy_list, &snap.inline_policies);
    fill_names(&mut out.role_policy_list, &snap.inline_policies);
    fill_str(&mut out.path, &snap.path);
    fill_str(&mut out.role_name, &snap.name);
    fill_str(&mut out.role_id, &snap.id);
    fill_str(&mut out.arn, &snap.arn);
    fill_str(
        &mut out.description,
        snap.description.as_deref().unwrap_or_default(),
    );
    fill_attached(&mut out.attached_managed_policies, &snap.attached_policies);
    out
}

fn source_policy(
    src: &Compact<gaad::ManagedPolicyDetail>,
    snap: &ManagedPolicy,
) -> gaad::ManagedPolicyDetail {
    let mut out = src.get();
    for (v, m) in out.policy_version_list.iter_mut().zip(&snap.versions) {
        fill(&mut v.document, &m.document);
    }
    out
}

// ------------------------------------------------------------------------------------ export

struct Exporter<'a> {
    acct: &'a Account,
    form: DocumentForm,
}

impl Exporter<'_> {
    /// The source's document when it still has the same text, else a new one in the file's form.
    fn doc(
        &self,
        src: Option<&gaad::PolicyDocument>,
        d: &PolicyDocument,
    ) -> Option<gaad::PolicyDocument> {
        if let Some(s) = src {
            if s.text() == d.text() {
                return Some(s.clone());
            }
        }
        if d.text().is_empty() {
            return None;
        }
        let form = src.map_or(self.form, gaad::PolicyDocument::form);
        Some(match form {
            DocumentForm::UrlEncoded => gaad::PolicyDocument::url_encode_text(d.text()),
            DocumentForm::JsonText => gaad::PolicyDocument::from_json_text(d.text()),
            DocumentForm::Json => gaad::PolicyDocument::parse_json(d.text())
                .unwrap_or_else(|_| gaad::PolicyDocument::from_json_text(d.text())),
        })
    }

    fn inline(&self, list: &[InlinePolicy], src: &[gaad::PolicyDetail]) -> Vec<gaad::PolicyDetail> {
        list.iter()
            .map(|p| {
                let s = src
                    .iter()
                    .find(|s| s.policy_name.as_deref() == Some(p.name.as_str()));
                let mut out = s.cloned().unwrap_or_default();
                out.policy_name = Some(p.name.clone());
                out.policy_document =
                    self.doc(s.and_then(|s| s.policy_document.as_ref()), &p.document);
                out
            })
            .collect()
    }

    fn policy_name(&self, arn: &str) -> String {
        if let Some(p) = self
            .acct
            .policies
            .get(arn)
            .or_else(|| self.acct.aws_overrides.get(arn))
        {
            return p.name.clone();
        }
        if let Some(p) = aws_managed_policy(arn) {
            return p.name.clone();
        }
        arn.rsplit('/').next().unwrap_or_default().to_string()
    }

    fn attached(&self, arns: &[String], src: &[gaad::AttachedPolicy]) -> Vec<gaad::AttachedPolicy> {
        arns.iter()
            .map(|arn| {
                src.iter()
                    .find(|s| s.policy_arn.as_deref() == Some(arn.as_str()))
                    .cloned()
                    .unwrap_or_else(|| gaad::AttachedPolicy {
                        policy_name: Some(self.policy_name(arn)),
                        policy_arn: Some(arn.clone()),
                        ..Default::default()
                    })
            })
            .collect()
    }

    fn boundary(
        arn: Option<&String>,
        src: Option<&gaad::AttachedPermissionsBoundary>,
    ) -> Option<gaad::AttachedPermissionsBoundary> {
        let arn = arn?;
        match src {
            Some(s) if s.permissions_boundary_arn.as_ref() == Some(arn) => Some(s.clone()),
            _ => Some(gaad::AttachedPermissionsBoundary {
                permissions_boundary_type: Some("PermissionsBoundaryPolicy".to_string()),
                permissions_boundary_arn: Some(arn.clone()),
                ..Default::default()
            }),
        }
    }

    fn tags(tags: &Tags, src: &[gaad::Tag]) -> Vec<gaad::Tag> {
        tags.iter()
            .map(|t| {
                src.iter()
                    .find(|s| {
                        s.key.as_deref() == Some(t.key.as_str())
                            && s.value.as_deref().unwrap_or_default() == t.value
                    })
                    .cloned()
                    .unwrap_or_else(|| gaad::Tag {
                        key: Some(t.key.clone()),
                        value: Some(t.value.clone()),
                        ..Default::default()
                    })
            })
            .collect()
    }

    fn user(&self, u: &User, src: Option<&gaad::UserDetail>) -> gaad::UserDetail {
        let mut d = src.cloned().unwrap_or_default();
        d.path = Some(u.path.clone());
        d.user_name = Some(u.name.clone());
        d.user_id = Some(u.id.clone());
        d.arn = Some(u.arn.clone());
        d.create_date = Some(date_text(
            src.and_then(|s| s.create_date.as_ref()),
            u.create_date,
        ));
        d.user_policy_list =
            self.inline(&u.inline_policies, src.map_or(&[], |s| &s.user_policy_list));
        d.group_list.clone_from(&u.groups);
        d.attached_managed_policies = self.attached(
            &u.attached_policies,
            src.map_or(&[], |s| &s.attached_managed_policies),
        );
        d.permissions_boundary = Self::boundary(
            u.permissions_boundary.as_ref(),
            src.and_then(|s| s.permissions_boundary.as_ref()),
        );
        d.tags = Self::tags(&u.tags, src.map_or(&[], |s| &s.tags));
        d
    }

    fn group(&self, g: &Group, src: Option<&gaad::GroupDetail>) -> gaad::GroupDetail {
        let mut d = src.cloned().unwrap_or_default();
        d.path = Some(g.path.clone());
        d.group_name = Some(g.name.clone());
        d.group_id = Some(g.id.clone());
        d.arn = Some(g.arn.clone());
        d.create_date = Some(date_text(
            src.and_then(|s| s.create_date.as_ref()),
            g.create_date,
        ));
        d.group_policy_list = self.inline(
            &g.inline_policies,
            src.map_or(&[], |s| &s.group_policy_list),
        );
        d.attached_managed_policies = self.attached(
            &g.attached_policies,
            src.map_or(&[], |s| &s.attached_managed_policies),
        );
        d
    }

    /// A role as it appears inside an instance profile (`Roles[]`).
    fn profile_role(&self, r: &Role, src: Option<&gaad::Role>) -> gaad::Role {
        let mut d = src.cloned().unwrap_or_default();
        d.path = Some(r.path.clone());
        d.role_name = Some(r.name.clone());
        d.role_id = Some(r.id.clone());
        d.arn = Some(r.arn.clone());
        d.create_date = Some(date_text(
            src.and_then(|s| s.create_date.as_ref()),
            r.create_date,
        ));
        d.assume_role_policy_document = self.doc(
            src.and_then(|s| s.assume_role_policy_document.as_ref()),
            &r.trust_policy,
        );
        d
    }

    fn profile(
        &self,
        ip: &InstanceProfile,
        src: Option<&gaad::InstanceProfile>,
    ) -> gaad::InstanceProfile {
        let mut d = src.cloned().unwrap_or_default();
        d.path = Some(ip.path.clone());
        d.instance_profile_name = Some(ip.name.clone());
        d.instance_profile_id = Some(ip.id.clone());
        d.arn = Some(ip.arn.clone());
        d.create_date = Some(date_text(
            src.and_then(|s| s.create_date.as_ref()),
            ip.create_date,
        ));
        d.roles = ip
            .roles
            .iter()
            .filter_map(|n| self.acct.roles.get(&key(n)))
            .map(|r| {
                let s = src.and_then(|s| {
                    s.roles
                        .iter()
                        .find(|x| x.role_name.as_deref() == Some(r.name.as_str()))
                });
                self.profile_role(r, s)
            })
            .collect();
        d.tags = Self::tags(&ip.tags, src.map_or(&[], |s| &s.tags));
        d
    }

    fn role(&self, r: &Role, src: Option<&gaad::RoleDetail>) -> gaad::RoleDetail {
        let mut d = src.cloned().unwrap_or_default();
        d.path = Some(r.path.clone());
        d.role_name = Some(r.name.clone());
        d.role_id = Some(r.id.clone());
        d.arn = Some(r.arn.clone());
        d.create_date = Some(date_text(
            src.and_then(|s| s.create_date.as_ref()),
            r.create_date,
        ));
        d.assume_role_policy_document = self.doc(
            src.and_then(|s| s.assume_role_policy_document.as_ref()),
            &r.trust_policy,
        );
        d.instance_profile_list = r
            .instance_profiles
            .iter()
            .filter_map(|n| self.acct.instance_profiles.get(&key(n)))
            .map(|ip| {
                let s = src.and_then(|s| {
                    s.instance_profile_list
                        .iter()
                        .find(|x| x.instance_profile_name.as_deref() == Some(ip.name.as_str()))
                });
                self.profile(ip, s)
            })
            .collect();
        d.role_policy_list =
            self.inline(&r.inline_policies, src.map_or(&[], |s| &s.role_policy_list));
        d.attached_managed_policies = self.attached(
            &r.attached_policies,
            src.map_or(&[], |s| &s.attached_managed_policies),
        );
        d.permissions_boundary = Self::boundary(
            r.permissions_boundary.as_ref(),
            src.and_then(|s| s.permissions_boundary.as_ref()),
        );
        d.tags = Self::tags(&r.tags, src.map_or(&[], |s| &s.tags));
        if src.is_none() {
            d.role_last_used = Some(gaad::RoleLastUsed::default());
        }
        // botocore's RoleDetail has neither member: written only when the source had them or
        // the role has a value other than IAM's default.
        let had = |k: &str| src.is_some_and(|s| s.layout.keys().any(|x| x == k));
        d.description = r
            .description
            .clone()
            .filter(|_| had("Description") || src.is_none());
        d.max_session_duration = (had("MaxSessionDuration") || r.max_session_duration != 3600)
            .then_some(i64::from(r.max_session_duration));
        d
    }

    fn policy(
        &self,
        p: &ManagedPolicy,
        src: Option<&gaad::ManagedPolicyDetail>,
    ) -> gaad::ManagedPolicyDetail {
        let mut d = src.cloned().unwrap_or_default();
        d.policy_name = Some(p.name.clone());
        d.policy_id = Some(p.id.clone());
        d.arn = Some(p.arn.clone());
        d.path = Some(p.path.clone());
        d.default_version_id = Some(p.default_version_id.clone());
        d.attachment_count = Some(i64::try_from(p.attachment_count).unwrap_or(i64::MAX));
        d.permissions_boundary_usage_count =
            Some(i64::try_from(p.permissions_boundary_usage_count).unwrap_or(i64::MAX));
        if d.is_attachable.is_none() {
            d.is_attachable = Some(true);
        }
        d.description = p.description.clone();
        d.create_date = Some(date_text(
            src.and_then(|s| s.create_date.as_ref()),
            p.create_date,
        ));
        d.update_date = Some(date_text(
            src.and_then(|s| s.update_date.as_ref()),
            p.update_date,
        ));
        d.policy_version_list = p
            .versions
            .iter()
            .map(|v| {
                let s = src.and_then(|s| {
                    s.policy_version_list
                        .iter()
                        .find(|x| x.version_id.as_deref() == Some(v.version_id.as_str()))
                });
                let mut o = s.cloned().unwrap_or_default();
                o.document = self.doc(s.and_then(|s| s.document.as_ref()), &v.document);
                o.version_id = Some(v.version_id.clone());
                o.is_default_version = Some(v.version_id == p.default_version_id);
                o.create_date = Some(date_text(
                    s.and_then(|s| s.create_date.as_ref()),
                    v.create_date,
                ));
                o
            })
            .collect();
        d
    }

    /// A bundled AWS managed policy as a `ManagedPolicyDetail` (its default version only).
    fn aws_policy(&self, arn: &str) -> Option<gaad::ManagedPolicyDetail> {
        let m = aws_managed_policy(arn)?;
        let text = m.document;
        let document = match self.form {
            DocumentForm::UrlEncoded => gaad::PolicyDocument::url_encode_text(text),
            DocumentForm::JsonText => gaad::PolicyDocument::from_json_text(text),
            DocumentForm::Json => gaad::PolicyDocument::parse_json(text).ok()?,
        };
        let count = |pred: &dyn Fn(&String) -> bool| {
            let a = &self.acct;
            a.users
                .values()
                .flat_map(|u| &u.attached_policies)
                .filter(|x| pred(x))
                .count()
                + a.groups
                    .values()
                    .flat_map(|g| &g.attached_policies)
                    .filter(|x| pred(x))
                    .count()
                + a.roles
                    .values()
                    .flat_map(|r| &r.attached_policies)
                    .filter(|x| pred(x))
                    .count()
        };
        let boundaries = self
            .acct
            .users
            .values()
            .filter_map(|u| u.permissions_boundary.as_ref())
            .chain(
                self.acct
                    .roles
                    .values()
                    .filter_map(|r| r.permissions_boundary.as_ref()),
            )
            .filter(|b| *b == arn)
            .count();
        Some(gaad::ManagedPolicyDetail {
            policy_name: Some(m.name.clone()),
            policy_id: None,
            arn: Some(m.arn.clone()),
            path: Some(m.path.clone()),
            default_version_id: Some(m.default_version_id.clone()),
            attachment_count: Some(i64::try_from(count(&|x| x == arn)).unwrap_or(0)),
            permissions_boundary_usage_count: Some(i64::try_from(boundaries).unwrap_or(0)),
            is_attachable: Some(true),
            description: None,
            create_date: (!m.create_date.is_empty()).then(|| m.create_date.clone()),
            update_date: None,
            policy_version_list: vec![gaad::PolicyVersion {
                document: Some(document),
                version_id: Some(m.default_version_id.clone()),
                is_default_version: Some(true),
                create_date: None,
                ..Default::default()
            }],
            ..Default::default()
        })
    }
}

//! AWS Organizations (spec §5.8, §5.10): a root, nested OUs, member accounts and the
//! management account; SCPs and RCPs attached at any level (`FullAWSAccess` and
//! `RCPFullAWSAccess` attached to every target by default). Requests are decided with the
//! SCPs of the principal's account path and the RCPs of the resource's account path; the
//! management account is exempt from both.

use super::Account;
use super::authorize::Scope;
use super::policies::parse;
use super::secrets::hex;
use super::sts::{AssumeRoleRequest, Credentials, assume_role};
use iam_eval::{Context, Explanation};
use iam_model::entities::{
    ErrorCode, FULL_AWS_ACCESS, IamError, OrgPolicy, OrgPolicyType, OrgUnit, RCP_FULL_AWS_ACCESS,
    validate,
};
use iam_model::{Policy, PolicyType};
use std::collections::BTreeMap;
use std::sync::Arc;

/// An organization holding several [`Account`]s.
///
/// ```
/// use iam_account::{Account, Organization};
/// use iam_model::entities::OrgPolicyType;
/// let mut org = Organization::new(Account::new("111111111111").unwrap()).unwrap();
/// let ou = org.create_organizational_unit(&org.root_id().to_string(), "Prod").unwrap();
/// org.add_account(Account::new("222222222222").unwrap(), &ou).unwrap();
/// let deny = org.create_policy("NoS3Delete", OrgPolicyType::ServiceControlPolicy,
///     r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}"#).unwrap();
/// org.attach_policy(&deny, &ou).unwrap();
/// let ctx = iam_eval::Context::new();
/// let d = org.authorize("arn:aws:iam::222222222222:root", "s3:DeleteBucket", "arn:aws:s3:::b", &ctx).unwrap();
/// assert_eq!(d.decision, iam_eval::Decision::ExplicitDeny);
/// ```
#[derive(Debug)]
pub struct Organization {
    pub(crate) id: String,
    pub(crate) root_id: String,
    pub(crate) management_account: String,
    pub(crate) ous: Vec<OrgUnit>,
    pub(crate) parents: BTreeMap<String, String>,
    pub(crate) policies: BTreeMap<String, OrgPolicy>,
    pub(crate) attachments: BTreeMap<String, Vec<String>>,
    pub(crate) accounts: BTreeMap<String, Account>,
    /// Account names (`ListAccounts`' `Name`), when known.
    pub(crate) account_names: BTreeMap<String, String>,
}

const FULL_SCP: &str = "p-FullAWSAccess";
const FULL_RCP: &str = "p-RCPFullAWSAccess";

/// Checks an Organizations id: `prefix` then `min..=max` lower-case letters and digits
/// (`mixed`: also upper-case letters and `_`, as policy ids allow).
pub(crate) fn check_id(
    what: &str,
    id: &str,
    prefix: &str,
    min: usize,
    max: usize,
    mixed: bool,
) -> Result<(), IamError> {
    let ok = id.strip_prefix(prefix).is_some_and(|rest| {
        (min..=max).contains(&rest.len())
            && rest.bytes().all(|b| {
                b.is_ascii_digit()
                    || b.is_ascii_lowercase()
                    || (mixed && (b.is_ascii_uppercase() || b == b'_'))
            })
    });
    if ok {
        Ok(())
    } else {
        Err(IamError::new(
            ErrorCode::InvalidInput,
            format!(
                "The {what} {id:?} is not valid: expected {prefix} and {min} to {max} {}.",
                if mixed {
                    "letters, digits or underscores"
                } else {
                    "lower-case letters or digits"
                }
            ),
        ))
    }
}

fn not_found(what: &str, id: &str) -> IamError {
    IamError::new(
        ErrorCode::NoSuchEntity,
        format!("The {what} {id} cannot be found."),
    )
}

impl Organization {
    /// A new organization whose management account is `management`.
    pub fn new(management: Account) -> Result<Organization, IamError> {
        let id = format!("o-{}", hex(5)?);
        let root_id = format!("r-{}", &hex(2)?);
        Organization::with_ids(management, &id, &root_id)
    }

    /// A new organization with the given organization id (`o-` and 10–32 lower-case letters or
    /// digits) and root id (`r-` and 4–32), as `DescribeOrganization` and `ListRoots` name them
    /// (the patterns of the Organizations API reference, `Organization.Id` and `Root.Id`).
    ///
    /// ```
    /// use iam_account::{Account, Organization};
    /// let org = Organization::with_ids(Account::new("111111111111").unwrap(), "o-a1b2c3d4e5", "r-ab12").unwrap();
    /// assert_eq!((org.id(), org.root_id()), ("o-a1b2c3d4e5", "r-ab12"));
    /// assert!(Organization::with_ids(Account::new("111111111111").unwrap(), "o-x", "r-ab12").is_err());
    /// ```
    pub fn with_ids(
        management: Account,
        id: &str,
        root_id: &str,
    ) -> Result<Organization, IamError> {
        check_id("organization id", id, "o-", 10, 32, false)?;
        check_id("root id", root_id, "r-", 4, 32, false)?;
        let (id, root_id) = (id.to_string(), root_id.to_string());
        let mut policies = BTreeMap::new();
        for (pid, name, t, doc, pt) in [
            (
                FULL_SCP,
                "FullAWSAccess",
                OrgPolicyType::ServiceControlPolicy,
                FULL_AWS_ACCESS,
                PolicyType::Scp,
            ),
            (
                FULL_RCP,
                "RCPFullAWSAccess",
                OrgPolicyType::ResourceControlPolicy,
                RCP_FULL_AWS_ACCESS,
                PolicyType::Rcp,
            ),
        ] {
            let document = parse(doc, pt)?;
            policies.insert(
                pid.to_string(),
                OrgPolicy {
                    id: pid.to_string(),
                    name: name.to_string(),
                    policy_type: t,
                    aws_managed: true,
                    document,
                },
            );
        }
        let mut org = Organization {
            id,
            root_id: root_id.clone(),
            management_account: management.id.clone(),
            ous: Vec::new(),
            parents: BTreeMap::new(),
            policies,
            attachments: BTreeMap::new(),
            accounts: BTreeMap::new(),
            account_names: BTreeMap::new(),
        };
        org.attach_defaults(&root_id);
        let mid = management.id.clone();
        org.attach_defaults(&mid);
        org.parents.insert(mid.clone(), root_id);
        org.accounts.insert(mid, management);
        Ok(org)
    }

    fn attach_defaults(&mut self, target: &str) {
        self.attachments.insert(
            target.to_string(),
            vec![FULL_SCP.to_string(), FULL_RCP.to_string()],
        );
    }

    /// `o-…`
    pub fn id(&self) -> &str {
        &self.id
    }
    /// `r-…`
    pub fn root_id(&self) -> &str {
        &self.root_id
    }
    /// The management account id.
    pub fn management_account_id(&self) -> &str {
        &self.management_account
    }

    pub(crate) fn target_exists(&self, id: &str) -> bool {
        id == self.root_id || self.ous.iter().any(|o| o.id == id) || self.accounts.contains_key(id)
    }

    /// `CreateOrganizationalUnit` under the root or another OU.
    pub fn create_organizational_unit(
        &mut self,
        parent_id: &str,
        name: &str,
    ) -> Result<String, IamError> {
        let id = format!("ou-{}-{}", self.root_id.trim_start_matches("r-"), hex(4)?);
        self.create_organizational_unit_with_id(parent_id, name, &id)
    }

    /// [`create_organizational_unit`](Self::create_organizational_unit) with a given id
    /// (`ou-`, 4–32 lower-case letters or digits, `-`, 8–32 more: the API reference's
    /// pattern), as a layout file or `ListOrganizationalUnitsForParent` names it.
    pub fn create_organizational_unit_with_id(
        &mut self,
        parent_id: &str,
        name: &str,
        id: &str,
    ) -> Result<String, IamError> {
        let valid = id
            .strip_prefix("ou-")
            .and_then(|r| r.split_once('-'))
            .is_some_and(|(a, b)| {
                let ok = |s: &str, min: usize| {
                    (min..=32).contains(&s.len())
                        && s.bytes()
                            .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase())
                };
                ok(a, 4) && ok(b, 8)
            });
        if !valid {
            return Err(IamError::new(
                ErrorCode::InvalidInput,
                format!(
                    "The OU id {id:?} is not valid: expected ou-, 4 to 32 lower-case letters or digits, -, and 8 to 32 more."
                ),
            ));
        }
        if self.target_exists(id) {
            return Err(IamError::new(
                ErrorCode::EntityAlreadyExists,
                format!("The id {id} is already used in this organization."),
            ));
        }
        validate::length("name", name, 1, 128)?;
        if parent_id != self.root_id && !self.ous.iter().any(|o| o.id == parent_id) {
            return Err(not_found("parent", parent_id));
        }
        if self
            .ous
            .iter()
            .any(|o| o.parent_id == parent_id && o.name == name)
        {
            return Err(IamError::new(
                ErrorCode::EntityAlreadyExists,
                format!("An OU with name {name} already exists."),
            ));
        }
        let id = id.to_string();
        self.ous.push(OrgUnit {
            id: id.clone(),
            name: name.to_string(),
            parent_id: parent_id.to_string(),
        });
        self.attach_defaults(&id);
        Ok(id)
    }

    /// Adds a member account under `parent_id` (the root or an OU).
    pub fn add_account(&mut self, account: Account, parent_id: &str) -> Result<(), IamError> {
        if parent_id != self.root_id && !self.ous.iter().any(|o| o.id == parent_id) {
            return Err(not_found("parent", parent_id));
        }
        if self.accounts.contains_key(&account.id) {
            return Err(IamError::new(
                ErrorCode::EntityAlreadyExists,
                format!("The account {} is already a member.", account.id),
            ));
        }
        let id = account.id.clone();
        self.attach_defaults(&id);
        self.parents.insert(id.clone(), parent_id.to_string());
        self.accounts.insert(id, account);
        Ok(())
    }

    /// `MoveAccount`.
    pub fn move_account(
        &mut self,
        account_id: &str,
        destination_parent_id: &str,
    ) -> Result<(), IamError> {
        if !self.accounts.contains_key(account_id) {
            return Err(not_found("account", account_id));
        }
        if destination_parent_id != self.root_id
            && !self.ous.iter().any(|o| o.id == destination_parent_id)
        {
            return Err(not_found("parent", destination_parent_id));
        }
        self.parents
            .insert(account_id.to_string(), destination_parent_id.to_string());
        Ok(())
    }

    /// Every member account, in id order.
    pub fn accounts(&self) -> impl Iterator<Item = &Account> {
        self.accounts.values()
    }

    /// A member account.
    pub fn account(&self, id: &str) -> Result<&Account, IamError> {
        self.accounts
            .get(id)
            .ok_or_else(|| not_found("account", id))
    }
    /// A member account, to change it.
    pub fn account_mut(&mut self, id: &str) -> Result<&mut Account, IamError> {
        self.accounts
            .get_mut(id)
            .ok_or_else(|| not_found("account", id))
    }

    /// `CreatePolicy` (Organizations): an SCP (≤5,120 bytes, every character counts) or an RCP
    /// (≤5,120 characters). Returns the policy id.
    pub fn create_policy(
        &mut self,
        name: &str,
        policy_type: OrgPolicyType,
        content: &str,
    ) -> Result<String, IamError> {
        let id = format!("p-{}", hex(4)?);
        self.create_policy_with_id(&id, name, policy_type, content)
    }

    /// [`create_policy`](Self::create_policy) with a given id (`p-` and 8–128 letters, digits or
    /// underscores), as a layout file or `ListPolicies` names it.
    pub fn create_policy_with_id(
        &mut self,
        id: &str,
        name: &str,
        policy_type: OrgPolicyType,
        content: &str,
    ) -> Result<String, IamError> {
        check_id("policy id", id, "p-", 8, 128, true)?;
        if self.policies.contains_key(id) {
            return Err(IamError::new(
                ErrorCode::EntityAlreadyExists,
                format!("The policy id {id} is already used in this organization."),
            ));
        }
        validate::length("name", name, 1, 128)?;
        let (limit, size, pt) = match policy_type {
            OrgPolicyType::ServiceControlPolicy => (5120, content.len(), PolicyType::Scp),
            OrgPolicyType::ResourceControlPolicy => {
                (5120, content.chars().count(), PolicyType::Rcp)
            }
        };
        if size > limit {
            return Err(IamError::new(
                ErrorCode::ConstraintViolation,
                "You provided a policy document that exceeds the maximum size allowed.",
            ));
        }
        let document = parse(content, pt)?;
        // Organizations' own check (MalformedPolicyDocumentException): what the parser
        // accepts but the policy type forbids (a Principal in an SCP, an RCP without
        // `Principal: "*"`, ...), as the validator's ERROR findings.
        if let Some(f) = iam_parser::validate(content, pt)
            .into_iter()
            .find(|f| f.is_error())
        {
            return Err(IamError::new(
                ErrorCode::MalformedPolicyDocument,
                format!(
                    "{} ({} at line {}, column {})",
                    f.message, f.code, f.span.start.line, f.span.start.column
                ),
            ));
        }
        let id = id.to_string();
        self.policies.insert(
            id.clone(),
            OrgPolicy {
                id: id.clone(),
                name: name.to_string(),
                policy_type,
                aws_managed: false,
                document,
            },
        );
        Ok(id)
    }

    /// `AttachPolicy` to the root, an OU or an account.
    pub fn attach_policy(&mut self, policy_id: &str, target_id: &str) -> Result<(), IamError> {
        if !self.policies.contains_key(policy_id) {
            return Err(not_found("policy", policy_id));
        }
        if !self.target_exists(target_id) {
            return Err(not_found("target", target_id));
        }
        let list = self.attachments.entry(target_id.to_string()).or_default();
        if list.iter().any(|p| p == policy_id) {
            return Err(IamError::new(
                ErrorCode::EntityAlreadyExists,
                "The selected policy is already attached to the target.",
            ));
        }
        list.push(policy_id.to_string());
        Ok(())
    }

    /// `DetachPolicy`. `RCPFullAWSAccess` cannot be detached, and every target keeps at least
    /// one SCP.
    pub fn detach_policy(&mut self, policy_id: &str, target_id: &str) -> Result<(), IamError> {
        if policy_id == FULL_RCP {
            return Err(IamError::new(
                ErrorCode::ConstraintViolation,
                "You cannot detach the RCPFullAWSAccess policy.",
            ));
        }
        let ptype = self
            .policies
            .get(policy_id)
            .map(|p| p.policy_type)
            .ok_or_else(|| not_found("policy", policy_id))?;
        let scp_count = |list: &Vec<String>| {
            list.iter()
                .filter(|p| {
                    self.policies
                        .get(*p)
                        .is_some_and(|x| x.policy_type == OrgPolicyType::ServiceControlPolicy)
                })
                .count()
        };
        let list = self
            .attachments
            .get(target_id)
            .ok_or_else(|| not_found("target", target_id))?;
        if !list.iter().any(|p| p == policy_id) {
            return Err(IamError::new(
                ErrorCode::NoSuchEntity,
                "The policy is not attached to the target.",
            ));
        }
        if ptype == OrgPolicyType::ServiceControlPolicy && scp_count(list) <= 1 {
            return Err(IamError::new(
                ErrorCode::ConstraintViolation,
                "You cannot remove the last service control policy attached to this target.",
            ));
        }
        if let Some(list) = self.attachments.get_mut(target_id) {
            list.retain(|p| p != policy_id);
        }
        Ok(())
    }

    /// The organizational units, parents before children.
    pub fn organizational_units(&self) -> &[OrgUnit] {
        &self.ous
    }

    /// The parent (root or OU id) of a member account.
    pub fn parent_of(&self, account_id: &str) -> Option<&str> {
        self.parents.get(account_id).map(String::as_str)
    }

    /// Every SCP and RCP, in id order (the AWS-managed `FullAWSAccess` and `RCPFullAWSAccess`
    /// included).
    pub fn policies(&self) -> impl Iterator<Item = &OrgPolicy> {
        self.policies.values()
    }

    /// The ids of the policies attached to a target (root, OU or account), in attachment order.
    pub fn attached_policies(&self, target_id: &str) -> &[String] {
        self.attachments.get(target_id).map_or(&[], Vec::as_slice)
    }

    /// The name of a member account, when known.
    pub fn account_name(&self, account_id: &str) -> Option<&str> {
        self.account_names.get(account_id).map(String::as_str)
    }

    /// Sets the name of a member account (`ListAccounts`' `Name`).
    pub fn set_account_name(&mut self, account_id: &str, name: &str) -> Result<(), IamError> {
        if !self.accounts.contains_key(account_id) {
            return Err(not_found("account", account_id));
        }
        self.account_names
            .insert(account_id.to_string(), name.to_string());
        Ok(())
    }

    /// The ids from the root to the account: root, OUs (outermost first), the account.
    ///
    /// ```
    /// use iam_account::{Account, Organization};
    /// let mut org = Organization::new(Account::new("111111111111").unwrap()).unwrap();
    /// let root = org.root_id().to_string();
    /// let ou = org.create_organizational_unit(&root, "Prod").unwrap();
    /// org.add_account(Account::new("222222222222").unwrap(), &ou).unwrap();
    /// assert_eq!(org.path_of("222222222222"), [root, ou, "222222222222".to_string()]);
    /// ```
    pub fn path_of(&self, account_id: &str) -> Vec<String> {
        self.path(account_id)
    }

    /// Root, OUs (outermost first) and the account: the levels of the account's path.
    fn path(&self, account_id: &str) -> Vec<String> {
        let mut chain = vec![account_id.to_string()];
        let mut cur = self.parents.get(account_id).cloned();
        while let Some(p) = cur {
            chain.push(p.clone());
            cur = self
                .ous
                .iter()
                .find(|o| o.id == p)
                .map(|o| o.parent_id.clone());
            if chain.len() > 8 {
                break;
            }
        }
        chain.reverse();
        chain
    }

    /// The policies of each level of an account's path (root first, the account last).
    pub(crate) fn levels(&self, account_id: &str, t: OrgPolicyType) -> Vec<Vec<Arc<Policy>>> {
        self.path(account_id)
            .iter()
            .map(|target| {
                self.attachments
                    .get(target)
                    .into_iter()
                    .flatten()
                    .filter_map(|p| self.policies.get(p))
                    .filter(|p| p.policy_type == t)
                    .map(|p| p.document.shared())
                    .collect()
            })
            .collect()
    }

    /// `aws:PrincipalOrgPaths` of an account: `o-…/r-…/ou-…/`.
    pub(crate) fn org_paths(&self, account_id: &str) -> Vec<String> {
        let path = self.path(account_id);
        let mut s = format!("{}/", self.id);
        for p in path.iter().take(path.len().saturating_sub(1)) {
            s.push_str(p);
            s.push('/');
        }
        vec![s]
    }

    fn scope(&self) -> Scope<'_> {
        Scope {
            single: None,
            org: Some(self),
        }
    }

    /// Decides a request by a principal of any member account on a resource of any member
    /// account: both sides (spec §5.8), the principal account's SCPs, the resource account's
    /// RCPs, management-account exemptions (§5.10).
    pub fn authorize(
        &self,
        principal_arn: &str,
        action: &str,
        resource: &str,
        context: &Context<'_>,
    ) -> Result<Explanation, IamError> {
        self.scope()
            .authorize(principal_arn, action, resource, context)
    }

    /// `AssumeRole` across the organization's accounts; the session is stored in the role's account.
    pub fn assume_role(&mut self, req: &AssumeRoleRequest) -> Result<Credentials, IamError> {
        let (session, creds, account) = assume_role(self.scope(), req)?;
        self.account_mut(&account)?
            .sessions
            .insert(session.access_key_id.clone(), session);
        Ok(creds)
    }

    /// [`Account::simulate_principal_policy`] with the organization's SCPs
    /// (`OrganizationsDecisionDetail`).
    pub fn simulate_principal_policy(
        &self,
        params: &serde_json::Value,
    ) -> Result<serde_json::Value, IamError> {
        super::simulate::simulate(self.scope(), params)
    }
}

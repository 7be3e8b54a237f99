//! Policies in the account: inline policies (`Put/Get/Delete{User,Group,Role}Policy`, size
//! quota on the sum per entity, spec §1.10), managed-policy attachments and permissions
//! boundaries, customer managed policies and their versions (spec §6.5), and resource-based
//! policies registered for resources (S3 buckets, KMS keys, SQS queues, …).

use super::identities::protected;
use super::secrets::unique_id;
use super::{Account, key};
use iam_model::entities::{
    ErrorCode, IamError, IdPrefix, InlinePolicy, MAX_POLICY_VERSIONS, ManagedPolicy,
    PolicyDocument, PolicyVersion, Tags, aws_managed_policy, validate,
};
use iam_model::{Policy, PolicyType};
use iam_parser::save_check::{self, SaveKind, check_iam_policy, policy_size};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Runs IAM's save-time check for `kind` and parses the document.
pub(crate) fn document(text: &str, kind: SaveKind) -> Result<PolicyDocument, IamError> {
    check_iam_policy(text, kind).map_err(|e| {
        let code = match e.code {
            save_check::ErrorCode::MalformedPolicyDocument => ErrorCode::MalformedPolicyDocument,
            save_check::ErrorCode::LimitExceeded => ErrorCode::LimitExceeded,
            save_check::ErrorCode::ValidationError => ErrorCode::ValidationError,
        };
        IamError::new(code, e.message)
    })?;
    let t = if kind == SaveKind::Trust {
        PolicyType::Trust
    } else {
        PolicyType::Identity
    };
    parse(text, t)
}

/// Parses a document already known to be acceptable (or not checked by IAM: resource policies).
pub(crate) fn parse(text: &str, t: PolicyType) -> Result<PolicyDocument, IamError> {
    let policy = iam_parser::parse_policy(text, t)
        .map_err(|e| IamError::new(ErrorCode::MalformedPolicyDocument, e.to_string()))?;
    Ok(PolicyDocument::new(text.to_string(), policy))
}

/// The parsed default version of an AWS managed policy (parsed once per process).
pub(crate) fn aws_managed_parsed(arn: &str) -> Option<Arc<Policy>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Policy>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut map = cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(p) = map.get(arn) {
        return Some(Arc::clone(p));
    }
    let m = aws_managed_policy(arn)?;
    let p = Arc::new(iam_parser::parse_policy(m.document, PolicyType::Identity).ok()?);
    map.insert(arn.to_string(), Arc::clone(&p));
    Some(p)
}

#[derive(Clone, Copy)]
enum Holder {
    User,
    Group,
    Role,
}

impl Holder {
    fn kind(self) -> SaveKind {
        match self {
            Holder::User => SaveKind::InlineUser,
            Holder::Group => SaveKind::InlineGroup,
            Holder::Role => SaveKind::InlineRole,
        }
    }
    fn word(self) -> &'static str {
        match self {
            Holder::User => "user",
            Holder::Group => "group",
            Holder::Role => "role",
        }
    }
}

fn no_policy(h: Holder, name: &str) -> IamError {
    IamError::new(
        ErrorCode::NoSuchEntity,
        format!("The {} policy with name {name} cannot be found.", h.word()),
    )
}

fn not_attachable(arn: &str) -> IamError {
    IamError::new(
        ErrorCode::NoSuchEntity,
        format!("Policy {arn} does not exist or is not attachable."),
    )
}

/// True for an AWS managed policy ARN, `arn:PARTITION:iam::aws:policy/...` (whether or not it
/// is in the bundled catalog).
fn is_aws_owned_policy(arn: &str) -> bool {
    let mut parts = arn.splitn(6, ':');
    matches!(
        (parts.next(), parts.nth(1), parts.next(), parts.next(), parts.next()),
        (Some("arn"), Some("iam"), Some(""), Some("aws"), Some(r)) if r.starts_with("policy/")
    )
}

fn check_arn(field: &str, arn: &str) -> Result<(), IamError> {
    validate::length(field, arn, 20, 2048)
}

impl Account {
    fn inline_mut(&mut self, h: Holder, entity: &str) -> Result<&mut Vec<InlinePolicy>, IamError> {
        Ok(match h {
            Holder::User => &mut self.user_mut(entity)?.inline_policies,
            Holder::Group => &mut self.group_mut(entity)?.inline_policies,
            Holder::Role => {
                let r = self.role_mut(entity)?;
                protected(r)?;
                &mut r.inline_policies
            }
        })
    }

    fn inline(&self, h: Holder, entity: &str) -> Result<&Vec<InlinePolicy>, IamError> {
        Ok(match h {
            Holder::User => &self.get_user(entity)?.inline_policies,
            Holder::Group => &self.get_group(entity)?.inline_policies,
            Holder::Role => &self.get_role(entity)?.inline_policies,
        })
    }

    fn put_inline(
        &mut self,
        h: Holder,
        entity: &str,
        name: &str,
        text: &str,
    ) -> Result<(), IamError> {
        validate::name("policyName", name, 128)?;
        let kind = h.kind();
        let doc = document(text, kind)?;
        let list = self.inline_mut(h, entity)?;
        // Spec §1.10: the quota is on the sum of the entity's inline policies (whitespace excluded).
        let others: usize = list
            .iter()
            .filter(|p| p.name != name)
            .map(|p| policy_size(p.document.text()))
            .sum();
        let limit = kind.size_limit();
        if others + policy_size(text) > limit {
            return Err(IamError::new(
                ErrorCode::LimitExceeded,
                format!(
                    "Maximum policy size of {limit} bytes exceeded for {} {entity}",
                    h.word()
                ),
            ));
        }
        let p = InlinePolicy {
            name: name.to_string(),
            document: doc,
        };
        match list.iter_mut().find(|x| x.name == name) {
            Some(slot) => *slot = p,
            None => list.push(p),
        }
        Ok(())
    }

    fn get_inline(&self, h: Holder, entity: &str, name: &str) -> Result<&InlinePolicy, IamError> {
        validate::name("policyName", name, 128)?;
        self.inline(h, entity)?
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| no_policy(h, name))
    }

    fn delete_inline(&mut self, h: Holder, entity: &str, name: &str) -> Result<(), IamError> {
        validate::name("policyName", name, 128)?;
        let list = self.inline_mut(h, entity)?;
        let before = list.len();
        list.retain(|p| p.name != name);
        if list.len() == before {
            return Err(no_policy(h, name));
        }
        Ok(())
    }

    /// `PutUserPolicy`: adds or replaces an inline policy (≤2,048 characters summed over the
    /// user's inline policies, whitespace excluded).
    pub fn put_user_policy(
        &mut self,
        user: &str,
        policy_name: &str,
        document: &str,
    ) -> Result<(), IamError> {
        self.put_inline(Holder::User, user, policy_name, document)
    }
    /// `PutGroupPolicy` (≤5,120 characters summed per group).
    pub fn put_group_policy(
        &mut self,
        group: &str,
        policy_name: &str,
        document: &str,
    ) -> Result<(), IamError> {
        self.put_inline(Holder::Group, group, policy_name, document)
    }
    /// `PutRolePolicy` (≤10,240 characters summed per role).
    pub fn put_role_policy(
        &mut self,
        role: &str,
        policy_name: &str,
        document: &str,
    ) -> Result<(), IamError> {
        self.put_inline(Holder::Role, role, policy_name, document)
    }
    /// `GetUserPolicy`.
    pub fn get_user_policy(
        &self,
        user: &str,
        policy_name: &str,
    ) -> Result<&InlinePolicy, IamError> {
        self.get_inline(Holder::User, user, policy_name)
    }
    /// `GetGroupPolicy`.
    pub fn get_group_policy(
        &self,
        group: &str,
        policy_name: &str,
    ) -> Result<&InlinePolicy, IamError> {
        self.get_inline(Holder::Group, group, policy_name)
    }
    /// `GetRolePolicy`.
    pub fn get_role_policy(
        &self,
        role: &str,
        policy_name: &str,
    ) -> Result<&InlinePolicy, IamError> {
        self.get_inline(Holder::Role, role, policy_name)
    }
    /// `DeleteUserPolicy`.
    pub fn delete_user_policy(&mut self, user: &str, policy_name: &str) -> Result<(), IamError> {
        self.delete_inline(Holder::User, user, policy_name)
    }
    /// `DeleteGroupPolicy`.
    pub fn delete_group_policy(&mut self, group: &str, policy_name: &str) -> Result<(), IamError> {
        self.delete_inline(Holder::Group, group, policy_name)
    }
    /// `DeleteRolePolicy`.
    pub fn delete_role_policy(&mut self, role: &str, policy_name: &str) -> Result<(), IamError> {
        self.delete_inline(Holder::Role, role, policy_name)
    }

    /// The attachable managed policy: customer managed in this account, or AWS managed.
    fn attachable(&self, arn: &str) -> Result<(), IamError> {
        check_arn("policyArn", arn)?;
        if self.policies.contains_key(arn)
            || self.aws_overrides.contains_key(arn)
            || aws_managed_policy(arn).is_some_and(|p| !p.deprecated)
        {
            Ok(())
        } else {
            Err(not_attachable(arn))
        }
    }

    fn attach(&mut self, h: Holder, entity: &str, arn: &str) -> Result<(), IamError> {
        self.attachable(arn)?;
        let q = self.quotas;
        let (list, limit, quota) = match h {
            Holder::User => (
                &mut self.user_mut(entity)?.attached_policies,
                q.managed_policies_per_user,
                "PoliciesPerUser",
            ),
            Holder::Group => (
                &mut self.group_mut(entity)?.attached_policies,
                q.managed_policies_per_group,
                "PoliciesPerGroup",
            ),
            Holder::Role => {
                let r = self.role_mut(entity)?;
                protected(r)?;
                (
                    &mut r.attached_policies,
                    q.managed_policies_per_role,
                    "PoliciesPerRole",
                )
            }
        };
        if list.iter().any(|a| a == arn) {
            return Ok(());
        }
        if list.len() >= limit {
            return Err(IamError::quota(quota, limit));
        }
        list.push(arn.to_string());
        if let Some(p) = self.policies.get_mut(arn) {
            p.attachment_count += 1;
        }
        Ok(())
    }

    fn detach(&mut self, h: Holder, entity: &str, arn: &str) -> Result<(), IamError> {
        check_arn("policyArn", arn)?;
        let list = match h {
            Holder::User => &mut self.user_mut(entity)?.attached_policies,
            Holder::Group => &mut self.group_mut(entity)?.attached_policies,
            Holder::Role => {
                let r = self.role_mut(entity)?;
                protected(r)?;
                &mut r.attached_policies
            }
        };
        let before = list.len();
        list.retain(|a| a != arn);
        if list.len() == before {
            return Err(IamError::new(
                ErrorCode::NoSuchEntity,
                format!("Policy {arn} was not found."),
            ));
        }
        if let Some(p) = self.policies.get_mut(arn) {
            p.attachment_count = p.attachment_count.saturating_sub(1);
        }
        Ok(())
    }

    /// `AttachUserPolicy` (≤10 managed policies per user by default).
    pub fn attach_user_policy(&mut self, user: &str, policy_arn: &str) -> Result<(), IamError> {
        self.attach(Holder::User, user, policy_arn)
    }
    /// `AttachGroupPolicy` (≤10 per group).
    pub fn attach_group_policy(&mut self, group: &str, policy_arn: &str) -> Result<(), IamError> {
        self.attach(Holder::Group, group, policy_arn)
    }
    /// `AttachRolePolicy` (≤10 per role by default).
    pub fn attach_role_policy(&mut self, role: &str, policy_arn: &str) -> Result<(), IamError> {
        self.attach(Holder::Role, role, policy_arn)
    }
    /// `DetachUserPolicy`.
    pub fn detach_user_policy(&mut self, user: &str, policy_arn: &str) -> Result<(), IamError> {
        self.detach(Holder::User, user, policy_arn)
    }
    /// `DetachGroupPolicy`.
    pub fn detach_group_policy(&mut self, group: &str, policy_arn: &str) -> Result<(), IamError> {
        self.detach(Holder::Group, group, policy_arn)
    }
    /// `DetachRolePolicy`.
    pub fn detach_role_policy(&mut self, role: &str, policy_arn: &str) -> Result<(), IamError> {
        self.detach(Holder::Role, role, policy_arn)
    }

    pub(crate) fn boundary_target(&self, arn: &str) -> Result<(), IamError> {
        check_arn("permissionsBoundary", arn)?;
        if self.policies.contains_key(arn) || aws_managed_policy(arn).is_some() {
            Ok(())
        } else {
            Err(IamError::invalid_input(format!(
                "ARN {arn} is not valid: the permissions boundary must be a managed policy that exists."
            )))
        }
    }

    pub(crate) fn boundary_usage(&mut self, arn: &str, add: bool) {
        if let Some(p) = self.policies.get_mut(arn) {
            p.permissions_boundary_usage_count = if add {
                p.permissions_boundary_usage_count + 1
            } else {
                p.permissions_boundary_usage_count.saturating_sub(1)
            };
        }
    }

    /// `PutUserPermissionsBoundary`: one managed policy (customer or AWS managed).
    pub fn put_user_permissions_boundary(
        &mut self,
        user: &str,
        policy_arn: &str,
    ) -> Result<(), IamError> {
        self.boundary_target(policy_arn)?;
        let old = self
            .user_mut(user)?
            .permissions_boundary
            .replace(policy_arn.to_string());
        if let Some(o) = old {
            self.boundary_usage(&o, false);
        }
        self.boundary_usage(policy_arn, true);
        Ok(())
    }

    /// `PutRolePermissionsBoundary` (not for service-linked roles, spec §5.5).
    pub fn put_role_permissions_boundary(
        &mut self,
        role: &str,
        policy_arn: &str,
    ) -> Result<(), IamError> {
        self.boundary_target(policy_arn)?;
        let r = self.role_mut(role)?;
        protected(r)?;
        let old = r.permissions_boundary.replace(policy_arn.to_string());
        if let Some(o) = old {
            self.boundary_usage(&o, false);
        }
        self.boundary_usage(policy_arn, true);
        Ok(())
    }

    /// `DeleteUserPermissionsBoundary`.
    pub fn delete_user_permissions_boundary(&mut self, user: &str) -> Result<(), IamError> {
        let old = self.user_mut(user)?.permissions_boundary.take();
        match old {
            Some(o) => {
                self.boundary_usage(&o, false);
                Ok(())
            }
            None => Err(IamError::new(
                ErrorCode::NoSuchEntity,
                format!("The user with name {user} does not have a permissions boundary."),
            )),
        }
    }

    /// `DeleteRolePermissionsBoundary`.
    pub fn delete_role_permissions_boundary(&mut self, role: &str) -> Result<(), IamError> {
        let r = self.role_mut(role)?;
        protected(r)?;
        match r.permissions_boundary.take() {
            Some(o) => {
                self.boundary_usage(&o, false);
                Ok(())
            }
            None => Err(IamError::new(
                ErrorCode::NoSuchEntity,
                format!("The role with name {role} does not have a permissions boundary."),
            )),
        }
    }

    // ---------------------------------------------------------------- managed policies

    /// `CreatePolicy`: a customer managed policy with version `v1` as default. Names are
    /// unique in the account (case-insensitively); the document is checked as
    /// `SaveKind::Managed` (≤6,144 characters).
    ///
    /// ```
    /// let mut a = iam_account::Account::new("123456789012").unwrap();
    /// let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
    /// let p = a.create_policy("s3-all", doc, Some("/team/"), None).unwrap();
    /// assert_eq!(p.arn, "arn:aws:iam::123456789012:policy/team/s3-all");
    /// assert_eq!(p.default_version_id, "v1");
    /// ```
    pub fn create_policy(
        &mut self,
        name: &str,
        policy_document: &str,
        path: Option<&str>,
        description: Option<&str>,
    ) -> Result<&ManagedPolicy, IamError> {
        validate::name("policyName", name, 128)?;
        let path = match path {
            Some(p) => {
                validate::policy_path("path", p)?;
                p.to_string()
            }
            None => "/".to_string(),
        };
        if let Some(d) = description {
            validate::length("description", d, 0, 1000)?;
        }
        let doc = document(policy_document, SaveKind::Managed)?;
        if self.policy_names.contains_key(&key(name)) {
            return Err(IamError::new(
                ErrorCode::EntityAlreadyExists,
                format!("A policy called {name} already exists. Duplicate names are not allowed."),
            ));
        }
        if self.policies.len() >= self.quotas.policies {
            return Err(IamError::quota("PoliciesPerAccount", self.quotas.policies));
        }
        let now = self.clock.now();
        let arn = self.arn("policy", &path, name);
        let p = ManagedPolicy {
            name: name.to_string(),
            path,
            id: unique_id(IdPrefix::Policy)?,
            arn: arn.clone(),
            description: description.map(str::to_string),
            create_date: now,
            update_date: now,
            versions: vec![PolicyVersion {
                version_id: "v1".to_string(),
                document: doc,
                create_date: now,
            }],
            default_version_id: "v1".to_string(),
            next_version: 2,
            attachment_count: 0,
            permissions_boundary_usage_count: 0,
            tags: Tags::case_sensitive(),
        };
        self.policy_names.insert(key(name), arn.clone());
        Ok(self.policies.entry(arn).or_insert(p))
    }

    /// `GetPolicy` (customer managed in this account).
    pub fn get_policy(&self, arn: &str) -> Result<&ManagedPolicy, IamError> {
        check_arn("policyArn", arn)?;
        self.policies.get(arn).ok_or_else(|| {
            IamError::new(
                ErrorCode::NoSuchEntity,
                format!("Policy {arn} was not found."),
            )
        })
    }

    /// A customer managed policy of this account to change with `action`
    /// (`iam:CreatePolicyVersion`, ...).
    ///
    /// AWS managed policies (`arn:PARTITION:iam::aws:policy/...`) belong to AWS, not to the
    /// account: "You can't change the permissions in AWS managed policies" (IAM User Guide,
    /// managed and inline policies; spec §5.12). The IAM API model lists no dedicated error for
    /// this, and IAM authorizes a call before running it, so the answer is the authorization
    /// failure, `AccessDenied` — for every caller (our evaluator never allows these actions on
    /// such an ARN, spec §5.12). The account's operations act as its root user, hence the
    /// message names `arn:…:root` (the format of the access-denied troubleshooting page,
    /// spec §13).
    fn policy_mut(&mut self, arn: &str, action: &str) -> Result<&mut ManagedPolicy, IamError> {
        check_arn("policyArn", arn)?;
        if is_aws_owned_policy(arn) {
            return Err(IamError::new(
                ErrorCode::AccessDenied,
                format!(
                    "User: arn:{}:iam::{}:root is not authorized to perform: {action} on resource: policy {arn}",
                    arn.split(':').nth(1).unwrap_or("aws"),
                    self.id()
                ),
            ));
        }
        self.policies.get_mut(arn).ok_or_else(|| {
            IamError::new(
                ErrorCode::NoSuchEntity,
                format!("Policy {arn} was not found."),
            )
        })
    }

    /// `ListPolicies(Scope=Local, PathPrefix)`.
    pub fn list_policies(
        &self,
        path_prefix: Option<&str>,
    ) -> Result<Vec<&ManagedPolicy>, IamError> {
        let p = super::prefix_or_root(path_prefix)?;
        Ok(self
            .policies
            .values()
            .filter(|m| m.path.starts_with(p))
            .collect())
    }

    /// `CreatePolicyVersion(SetAsDefault)`: at most 5 stored versions (spec §6.5).
    pub fn create_policy_version(
        &mut self,
        arn: &str,
        policy_document: &str,
        set_as_default: bool,
    ) -> Result<&PolicyVersion, IamError> {
        self.policy_mut(arn, "iam:CreatePolicyVersion")?;
        let doc = document(policy_document, SaveKind::Managed)?;
        let now = self.clock.now();
        let p = self.policy_mut(arn, "iam:CreatePolicyVersion")?;
        if p.versions.len() >= MAX_POLICY_VERSIONS {
            return Err(IamError::new(
                ErrorCode::LimitExceeded,
                format!(
                    "A managed policy can have up to {MAX_POLICY_VERSIONS} versions. Before you create a new version, you must delete an existing version."
                ),
            ));
        }
        let id = format!("v{}", p.next_version);
        p.next_version += 1;
        p.versions.push(PolicyVersion {
            version_id: id.clone(),
            document: doc,
            create_date: now,
        });
        if set_as_default {
            p.default_version_id.clone_from(&id);
        }
        p.update_date = now;
        p.versions
            .last()
            .ok_or_else(|| IamError::invalid_input("no version"))
    }

    /// `GetPolicyVersion`.
    pub fn get_policy_version(
        &self,
        arn: &str,
        version_id: &str,
    ) -> Result<&PolicyVersion, IamError> {
        self.get_policy(arn)?
            .version(version_id)
            .ok_or_else(|| no_version(arn, version_id))
    }

    /// `SetDefaultPolicyVersion`.
    pub fn set_default_policy_version(
        &mut self,
        arn: &str,
        version_id: &str,
    ) -> Result<(), IamError> {
        check_version_id(version_id)?;
        let now = self.clock.now();
        let p = self.policy_mut(arn, "iam:SetDefaultPolicyVersion")?;
        if p.version(version_id).is_none() {
            return Err(no_version(arn, version_id));
        }
        p.default_version_id = version_id.to_string();
        p.update_date = now;
        Ok(())
    }

    /// `DeletePolicyVersion`: never the default version.
    pub fn delete_policy_version(&mut self, arn: &str, version_id: &str) -> Result<(), IamError> {
        check_version_id(version_id)?;
        let p = self.policy_mut(arn, "iam:DeletePolicyVersion")?;
        if p.version(version_id).is_none() {
            return Err(no_version(arn, version_id));
        }
        if p.default_version_id == version_id {
            return Err(IamError::delete_conflict(
                "Cannot delete the default version of a policy.",
            ));
        }
        p.versions.retain(|v| v.version_id != version_id);
        Ok(())
    }

    /// `DeletePolicy`: no attachments (users, groups, roles, boundaries) and no non-default
    /// versions may remain (spec §6.8).
    pub fn delete_policy(&mut self, arn: &str) -> Result<(), IamError> {
        let p = self.policy_mut(arn, "iam:DeletePolicy")?;
        if p.attachment_count > 0 || p.permissions_boundary_usage_count > 0 {
            return Err(IamError::delete_conflict(
                "Cannot delete a policy attached to entities.",
            ));
        }
        if p.versions.len() > 1 {
            return Err(IamError::delete_conflict(
                "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
            ));
        }
        let name = key(&p.name);
        self.policies.remove(arn);
        self.policy_names.remove(&name);
        Ok(())
    }

    /// `TagPolicy` (case-sensitive keys, ≤50).
    pub fn tag_policy(&mut self, arn: &str, tags: &[(String, String)]) -> Result<(), IamError> {
        self.policy_mut(arn, "iam:TagPolicy")?
            .tags
            .tag(tags, "TagsPerPolicy")
    }

    /// `UntagPolicy`.
    pub fn untag_policy(&mut self, arn: &str, keys: &[String]) -> Result<(), IamError> {
        self.policy_mut(arn, "iam:UntagPolicy")?.tags.untag(keys)
    }

    /// The parsed default version of a managed policy (customer managed here, or AWS managed).
    /// The name and operative (default-version) document of a managed policy: a customer
    /// managed policy of this account or an AWS managed policy of the bundled set (`None` when
    /// neither knows the ARN).
    ///
    /// ```
    /// let a = iam_account::Account::new("111122223333").unwrap();
    /// let (name, p) = a.managed_policy_document("arn:aws:iam::aws:policy/AdministratorAccess").unwrap();
    /// assert_eq!((name.as_str(), p.statements.len()), ("AdministratorAccess", 1));
    /// ```
    pub fn managed_policy_document(&self, arn: &str) -> Option<(String, Arc<Policy>)> {
        self.managed_policy_doc(arn)
    }

    pub(crate) fn managed_policy_doc(&self, arn: &str) -> Option<(String, Arc<Policy>)> {
        if let Some(p) = self
            .policies
            .get(arn)
            .or_else(|| self.aws_overrides.get(arn))
        {
            return p
                .default_version()
                .map(|v| (p.name.clone(), v.document.shared()));
        }
        let m = aws_managed_policy(arn)?;
        aws_managed_parsed(arn).map(|p| (m.name.clone(), p))
    }

    // ---------------------------------------------------------------- resource policies

    /// Registers the resource-based policy of a resource of this account (an S3 bucket ARN
    /// `arn:aws:s3:::bucket`, a KMS key, an SQS queue, …). Requests on the resource (for S3,
    /// also on its objects `arn:aws:s3:::bucket/key`) are decided with it. The document is
    /// parsed as a resource policy (IAM's save-time check does not apply to other services).
    pub fn put_resource_policy(
        &mut self,
        resource_arn: &str,
        policy_document: &str,
    ) -> Result<(), IamError> {
        validate::length("resourceArn", resource_arn, 1, 2048)?;
        let doc = parse(policy_document, PolicyType::Resource)?;
        self.resource_policies.insert(resource_arn.to_string(), doc);
        Ok(())
    }

    /// Removes a resource-based policy (and the resource's role, if one was set).
    pub fn delete_resource_policy(&mut self, resource_arn: &str) -> Result<(), IamError> {
        self.resource_roles.remove(resource_arn);
        self.resource_policies
            .remove(resource_arn)
            .map(|_| ())
            .ok_or_else(|| {
                IamError::new(
                    ErrorCode::NoSuchEntity,
                    format!("No resource policy is registered for {resource_arn}."),
                )
            })
    }

    /// Records that `resource_arn` (which must have a resource-based policy) runs code as
    /// role `role_arn` of this account: a Lambda function's execution role
    /// (`FunctionConfiguration.Role`,
    /// <https://docs.aws.amazon.com/lambda/latest/api/API_FunctionConfiguration.html>). The
    /// reach graph turns a grant of the function's code or invocation into an edge onto the role.
    ///
    /// ```
    /// let mut a = iam_account::Account::new("222222222222").unwrap();
    /// a.create_role("exec", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
    ///   "Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#).unwrap();
    /// let f = "arn:aws:lambda:us-east-1:222222222222:function:f";
    /// a.put_resource_policy(f, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
    ///   "Principal":{"AWS":"111111111111"},"Action":"lambda:InvokeFunction","Resource":"*"}]}"#).unwrap();
    /// a.set_resource_role(f, "arn:aws:iam::222222222222:role/exec").unwrap();
    /// assert_eq!(a.resource_role(f), Some("arn:aws:iam::222222222222:role/exec"));
    /// assert!(a.set_resource_role(f, "arn:aws:iam::222222222222:role/none").is_err());
    /// ```
    pub fn set_resource_role(
        &mut self,
        resource_arn: &str,
        role_arn: &str,
    ) -> Result<(), IamError> {
        if !self.resource_policies.contains_key(resource_arn) {
            return Err(IamError::new(
                ErrorCode::NoSuchEntity,
                format!("No resource policy is registered for {resource_arn}."),
            ));
        }
        self.check_own_role(role_arn)?;
        self.resource_roles
            .insert(resource_arn.to_string(), role_arn.to_string());
        Ok(())
    }

    /// [`put_resource_policy`](Self::put_resource_policy) and, with `role`,
    /// [`set_resource_role`](Self::set_resource_role), all or nothing: a role that is not one of
    /// this account's (or a policy that does not parse) changes nothing. Without `role`, a role
    /// set before stays.
    ///
    /// ```
    /// let mut a = iam_account::Account::new("222222222222").unwrap();
    /// a.create_role("exec", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
    ///   "Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#).unwrap();
    /// let f = "arn:aws:lambda:us-east-1:222222222222:function:f";
    /// let open = |who: &str| format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow",
    ///   "Principal":{{"AWS":"{who}"}},"Action":"lambda:InvokeFunction","Resource":"*"}}]}}"#);
    /// let exec = "arn:aws:iam::222222222222:role/exec";
    /// a.put_resource_policy_with_role(f, &open("111111111111"), Some(exec)).unwrap();
    /// // An unknown role: the earlier policy and role are kept as they were.
    /// let e = a.put_resource_policy_with_role(f, &open("333333333333"),
    ///     Some("arn:aws:iam::222222222222:role/none")).unwrap_err();
    /// assert!(e.message.contains("is not a role of account"));
    /// let (_, doc) = a.resource_policies().next().unwrap();
    /// assert!(doc.text().contains("111111111111"));
    /// assert_eq!(a.resource_role(f), Some(exec));
    /// ```
    pub fn put_resource_policy_with_role(
        &mut self,
        resource_arn: &str,
        policy_document: &str,
        role: Option<&str>,
    ) -> Result<(), IamError> {
        if let Some(r) = role {
            self.check_own_role(r)?;
        }
        self.put_resource_policy(resource_arn, policy_document)?;
        if let Some(r) = role {
            self.set_resource_role(resource_arn, r)?;
        }
        Ok(())
    }

    /// `NoSuchEntity` unless `role_arn` is the ARN of a role of this account.
    fn check_own_role(&self, role_arn: &str) -> Result<(), IamError> {
        let name = role_arn.rsplit('/').next().unwrap_or_default();
        let known = role_arn.starts_with(&format!("arn:aws:iam::{}:role/", self.id))
            && self
                .roles
                .get(&key(name))
                .is_some_and(|r| r.arn == role_arn);
        if known {
            Ok(())
        } else {
            Err(IamError::new(
                ErrorCode::NoSuchEntity,
                format!("The role {role_arn} is not a role of account {}.", self.id),
            ))
        }
    }

    /// The role a resource runs code as ([`set_resource_role`](Self::set_resource_role)).
    pub fn resource_role(&self, resource_arn: &str) -> Option<&str> {
        self.resource_roles.get(resource_arn).map(String::as_str)
    }

    /// The resource-based policies registered in this account, by resource ARN (in ARN order).
    pub fn resource_policies(&self) -> impl Iterator<Item = (&str, &PolicyDocument)> {
        self.resource_policies.iter().map(|(k, v)| (k.as_str(), v))
    }
}

fn check_version_id(v: &str) -> Result<(), IamError> {
    let ok = v.strip_prefix('v').is_some_and(|n| {
        let digits: &str = n.split('.').next().unwrap_or("");
        !digits.is_empty() && !digits.starts_with('0') && digits.bytes().all(|b| b.is_ascii_digit())
    });
    if ok {
        Ok(())
    } else {
        Err(IamError::validation(
            "versionId",
            v,
            r"Member must satisfy regular expression pattern: v[1-9][0-9]*(\.[A-Za-z0-9-]*)?",
        ))
    }
}

fn no_version(arn: &str, v: &str) -> IamError {
    IamError::new(
        ErrorCode::NoSuchEntity,
        format!("Policy {arn} version {v} does not exist."),
    )
}

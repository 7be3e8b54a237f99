//! Users, groups, roles (incl. service-linked roles), instance profiles and their tags:
//! IAM's operations with the patterns of spec §6.2, the quotas of §6.7 and the deletion
//! prerequisites of §6.8.

use super::policies::document;
use super::secrets::unique_id;
use super::{Account, key, path_or_root, prefix_or_root};
use iam_model::entities::{
    ErrorCode, Group, IamError, IdPrefix, InstanceProfile, ROLE_SESSION_DURATION, Role, Tags, User,
    validate,
};
use iam_parser::save_check::SaveKind;

/// Optional parameters of [`Account::create_role_with`] (`CreateRole`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreateRoleOptions {
    /// `Path` (default `/`).
    pub path: Option<String>,
    /// `Description` (≤1000 characters).
    pub description: Option<String>,
    /// `MaxSessionDuration` in seconds (3600-43200, default 3600).
    pub max_session_duration: Option<u32>,
    /// `PermissionsBoundary` (a managed policy ARN).
    pub permissions_boundary: Option<String>,
    /// `Tags`.
    pub tags: Vec<(String, String)>,
}

/// Refuses changes to roles only AWS may modify (spec §5.12): service-linked roles (path
/// `/aws-service-role/`) and the roles IAM Identity Center provisions (path
/// `/aws-reserved/sso.amazonaws.com/`). AWS answers both with `UnmodifiableEntity` and this
/// message (the operations listing `UnmodifiableEntityException` in the IAM API model:
/// AttachRolePolicy, DetachRolePolicy, PutRolePolicy, DeleteRolePolicy, DeleteRole,
/// UpdateRole, UpdateRoleDescription, UpdateAssumeRolePolicy, Put/DeleteRolePermissionsBoundary,
/// AddRoleToInstanceProfile, RemoveRoleFromInstanceProfile). `TagRole` / `UntagRole` do not
/// list it ("The role can be a regular role or a service-linked role"), so tags stay editable.
pub(crate) fn protected(role: &Role) -> Result<(), IamError> {
    if role.service_linked.is_some()
        || role.path.starts_with("/aws-service-role/")
        || role.path.starts_with("/aws-reserved/sso.amazonaws.com/")
    {
        return Err(IamError::new(
            ErrorCode::UnmodifiableEntity,
            format!(
                "Cannot perform the operation on the protected role '{}' - this role is only modifiable by AWS",
                role.name
            ),
        ));
    }
    Ok(())
}

impl Account {
    // ---------------------------------------------------------------- users

    /// `CreateUser`: name `[\w+=,.@-]+` 1-64, unique case-insensitively; optional path.
    ///
    /// ```
    /// let mut a = iam_account::Account::new("123456789012").unwrap();
    /// let u = a.create_user("alice", Some("/eng/")).unwrap();
    /// assert_eq!(u.arn, "arn:aws:iam::123456789012:user/eng/alice");
    /// assert!(u.id.starts_with("AIDA") && u.id.len() == 21);
    /// ```
    pub fn create_user(&mut self, name: &str, path: Option<&str>) -> Result<&User, IamError> {
        validate::name("userName", name, 64)?;
        let path = path_or_root(path)?;
        if self.users.contains_key(&key(name)) {
            return Err(IamError::already_exists("User", name));
        }
        if self.users.len() >= self.quotas.users {
            return Err(IamError::quota("UsersPerAccount", self.quotas.users));
        }
        let user = User {
            name: name.to_string(),
            arn: self.arn("user", &path, name),
            path,
            id: unique_id(IdPrefix::User)?,
            create_date: self.clock.now(),
            inline_policies: Vec::new(),
            attached_policies: Vec::new(),
            permissions_boundary: None,
            groups: Vec::new(),
            access_keys: Vec::new(),
            login_profile: None,
            mfa_devices: Vec::new(),
            ssh_public_keys: Vec::new(),
            signing_certificates: Vec::new(),
            service_specific_credentials: Vec::new(),
            tags: Tags::case_insensitive(),
        };
        Ok(self.users.entry(key(name)).or_insert(user))
    }

    /// `GetUser`.
    pub fn get_user(&self, name: &str) -> Result<&User, IamError> {
        validate::name("userName", name, 128)?;
        self.users
            .get(&key(name))
            .ok_or_else(|| IamError::no_such_entity("user", name))
    }

    pub(crate) fn user_mut(&mut self, name: &str) -> Result<&mut User, IamError> {
        validate::name("userName", name, 128)?;
        self.users
            .get_mut(&key(name))
            .ok_or_else(|| IamError::no_such_entity("user", name))
    }

    /// `ListUsers(PathPrefix)`.
    pub fn list_users(&self, path_prefix: Option<&str>) -> Result<Vec<&User>, IamError> {
        let p = prefix_or_root(path_prefix)?;
        Ok(self
            .users
            .values()
            .filter(|u| u.path.starts_with(p))
            .collect())
    }

    /// `UpdateUser`: renames and/or moves a user (group memberships follow).
    pub fn update_user(
        &mut self,
        name: &str,
        new_name: Option<&str>,
        new_path: Option<&str>,
    ) -> Result<(), IamError> {
        self.get_user(name)?;
        if let Some(n) = new_name {
            validate::name("newUserName", n, 64)?;
            if key(n) != key(name) && self.users.contains_key(&key(n)) {
                return Err(IamError::already_exists("User", n));
            }
        }
        let path = new_path
            .map(|p| validate::path("newPath", p).map(|()| p.to_string()))
            .transpose()?;
        let Some(mut user) = self.users.remove(&key(name)) else {
            return Err(IamError::no_such_entity("user", name));
        };
        let old = user.name.clone();
        if let Some(n) = new_name {
            user.name = n.to_string();
        }
        if let Some(p) = path {
            user.path = p;
        }
        user.arn = self.arn("user", &user.path, &user.name);
        for g in &user.groups {
            if let Some(group) = self.groups.get_mut(&key(g)) {
                for m in group.users.iter_mut().filter(|m| **m == old) {
                    m.clone_from(&user.name);
                }
            }
        }
        for owner in self
            .key_owners
            .values_mut()
            .flatten()
            .filter(|o| **o == old)
        {
            owner.clone_from(&user.name);
        }
        self.users.insert(key(&user.name), user);
        Ok(())
    }

    /// `UpdateGroup`: a new name (unique case-insensitively) and/or path; the members keep
    /// their membership under the new name.
    pub fn update_group(
        &mut self,
        name: &str,
        new_name: Option<&str>,
        new_path: Option<&str>,
    ) -> Result<(), IamError> {
        self.get_group(name)?;
        if let Some(n) = new_name {
            validate::name("newGroupName", n, 128)?;
            if key(n) != key(name) && self.groups.contains_key(&key(n)) {
                return Err(IamError::already_exists("Group", n));
            }
        }
        let path = new_path
            .map(|p| validate::path("newPath", p).map(|()| p.to_string()))
            .transpose()?;
        let Some(mut group) = self.groups.remove(&key(name)) else {
            return Err(IamError::no_such_entity("group", name));
        };
        let old = group.name.clone();
        if let Some(n) = new_name {
            group.name = n.to_string();
        }
        if let Some(p) = path {
            group.path = p;
        }
        group.arn = self.arn("group", &group.path, &group.name);
        for u in &group.users {
            if let Some(user) = self.users.get_mut(&key(u)) {
                for g in user.groups.iter_mut().filter(|g| **g == old) {
                    g.clone_from(&group.name);
                }
            }
        }
        self.groups.insert(key(&group.name), group);
        Ok(())
    }

    /// `DeleteUser`: fails with `DeleteConflict` while the user has a login profile, access
    /// keys, MFA devices, inline or attached policies, or group memberships (spec §6.8).
    pub fn delete_user(&mut self, name: &str) -> Result<(), IamError> {
        let u = self.get_user(name)?;
        let conflict = if u.login_profile.is_some() {
            Some("Cannot delete entity, must delete login profile first.")
        } else if !u.access_keys.is_empty() {
            Some("Cannot delete entity, must delete access keys first.")
        } else if !u.signing_certificates.is_empty() {
            Some("Cannot delete entity, must delete signing certificates first.")
        } else if !u.ssh_public_keys.is_empty() {
            Some("Cannot delete entity, must delete SSH public keys first.")
        } else if !u.service_specific_credentials.is_empty() {
            Some("Cannot delete entity, must delete service specific credentials first.")
        } else if !u.mfa_devices.is_empty() {
            Some("Cannot delete entity, must delete MFA device first.")
        } else if !u.inline_policies.is_empty() {
            Some("Cannot delete entity, must delete policies first.")
        } else if !u.attached_policies.is_empty() {
            Some("Cannot delete entity, must detach all policies first.")
        } else if !u.groups.is_empty() {
            Some("Cannot delete entity, must remove user from all groups first.")
        } else {
            None
        };
        if let Some(m) = conflict {
            return Err(IamError::delete_conflict(m));
        }
        if let Some(b) = u.permissions_boundary.clone() {
            self.boundary_usage(&b, false);
        }
        self.users.remove(&key(name));
        Ok(())
    }

    /// `TagUser` (keys case-insensitive, ≤50 tags).
    pub fn tag_user(&mut self, name: &str, tags: &[(String, String)]) -> Result<(), IamError> {
        self.user_mut(name)?.tags.tag(tags, "TagsPerUser")
    }

    /// `UntagUser`.
    pub fn untag_user(&mut self, name: &str, keys: &[String]) -> Result<(), IamError> {
        self.user_mut(name)?.tags.untag(keys)
    }

    // ---------------------------------------------------------------- groups

    /// `CreateGroup`: name `[\w+=,.@-]+` 1-128, unique case-insensitively.
    pub fn create_group(&mut self, name: &str, path: Option<&str>) -> Result<&Group, IamError> {
        validate::name("groupName", name, 128)?;
        let path = path_or_root(path)?;
        if self.groups.contains_key(&key(name)) {
            return Err(IamError::already_exists("Group", name));
        }
        if self.groups.len() >= self.quotas.groups {
            return Err(IamError::quota("GroupsPerAccount", self.quotas.groups));
        }
        let group = Group {
            name: name.to_string(),
            arn: self.arn("group", &path, name),
            path,
            id: unique_id(IdPrefix::Group)?,
            create_date: self.clock.now(),
            inline_policies: Vec::new(),
            attached_policies: Vec::new(),
            users: Vec::new(),
        };
        Ok(self.groups.entry(key(name)).or_insert(group))
    }

    /// `GetGroup`.
    pub fn get_group(&self, name: &str) -> Result<&Group, IamError> {
        validate::name("groupName", name, 128)?;
        self.groups
            .get(&key(name))
            .ok_or_else(|| IamError::no_such_entity("group", name))
    }

    pub(crate) fn group_mut(&mut self, name: &str) -> Result<&mut Group, IamError> {
        validate::name("groupName", name, 128)?;
        self.groups
            .get_mut(&key(name))
            .ok_or_else(|| IamError::no_such_entity("group", name))
    }

    /// `ListGroups(PathPrefix)`.
    pub fn list_groups(&self, path_prefix: Option<&str>) -> Result<Vec<&Group>, IamError> {
        let p = prefix_or_root(path_prefix)?;
        Ok(self
            .groups
            .values()
            .filter(|g| g.path.starts_with(p))
            .collect())
    }

    /// `ListGroupsForUser`.
    pub fn list_groups_for_user(&self, user: &str) -> Result<Vec<&Group>, IamError> {
        let u = self.get_user(user)?;
        Ok(u.groups
            .iter()
            .filter_map(|g| self.groups.get(&key(g)))
            .collect())
    }

    /// `AddUserToGroup` (≤10 groups per user; adding again is a no-op).
    pub fn add_user_to_group(&mut self, group: &str, user: &str) -> Result<(), IamError> {
        let gname = self.get_group(group)?.name.clone();
        let limit = self.quotas.groups_per_user;
        let u = self.user_mut(user)?;
        if u.groups.iter().any(|g| key(g) == key(&gname)) {
            return Ok(());
        }
        if u.groups.len() >= limit {
            return Err(IamError::quota("GroupsPerUser", limit));
        }
        u.groups.push(gname.clone());
        let uname = u.name.clone();
        self.group_mut(&gname)?.users.push(uname);
        Ok(())
    }

    /// `RemoveUserFromGroup`.
    pub fn remove_user_from_group(&mut self, group: &str, user: &str) -> Result<(), IamError> {
        let gname = self.get_group(group)?.name.clone();
        let u = self.user_mut(user)?;
        let before = u.groups.len();
        u.groups.retain(|g| key(g) != key(&gname));
        if u.groups.len() == before {
            return Err(IamError::new(
                ErrorCode::NoSuchEntity,
                format!("The user with name {user} is not a member of group {group}."),
            ));
        }
        let uname = u.name.clone();
        self.group_mut(&gname)?
            .users
            .retain(|m| key(m) != key(&uname));
        Ok(())
    }

    /// `DeleteGroup`: the group must have no members and no policies (spec §6.8).
    pub fn delete_group(&mut self, name: &str) -> Result<(), IamError> {
        let g = self.get_group(name)?;
        if !g.users.is_empty() {
            return Err(IamError::delete_conflict(
                "Cannot delete entity, must remove users from group first.",
            ));
        }
        if !g.inline_policies.is_empty() {
            return Err(IamError::delete_conflict(
                "Cannot delete entity, must delete policies first.",
            ));
        }
        if !g.attached_policies.is_empty() {
            return Err(IamError::delete_conflict(
                "Cannot delete entity, must detach all policies first.",
            ));
        }
        self.groups.remove(&key(name));
        Ok(())
    }

    // ---------------------------------------------------------------- roles

    /// `CreateRole` with default options (path `/`, 1-hour maximum session).
    ///
    /// ```
    /// let mut a = iam_account::Account::new("123456789012").unwrap();
    /// let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    /// let r = a.create_role("web", trust).unwrap();
    /// assert!(r.id.starts_with("AROA"));
    /// assert_eq!(r.max_session_duration, 3600);
    /// ```
    pub fn create_role(&mut self, name: &str, trust_policy: &str) -> Result<&Role, IamError> {
        self.create_role_with(name, trust_policy, &CreateRoleOptions::default())
    }

    /// `CreateRole` with its optional parameters.
    pub fn create_role_with(
        &mut self,
        name: &str,
        trust_policy: &str,
        opts: &CreateRoleOptions,
    ) -> Result<&Role, IamError> {
        validate::name("roleName", name, 64)?;
        let path = path_or_root(opts.path.as_deref())?;
        if path.starts_with("/aws-service-role/") {
            return Err(IamError::invalid_input(
                "The path prefix /aws-service-role/ is reserved for service-linked roles; use CreateServiceLinkedRole.",
            ));
        }
        self.new_role(name, path, trust_policy, opts, None)
    }

    fn new_role(
        &mut self,
        name: &str,
        path: String,
        trust_policy: &str,
        opts: &CreateRoleOptions,
        service: Option<String>,
    ) -> Result<&Role, IamError> {
        if let Some(d) = &opts.description {
            validate::description(d)?;
        }
        let max = opts.max_session_duration.unwrap_or(3600);
        check_max_session_duration(max)?;
        let trust = document(trust_policy, SaveKind::Trust)?;
        if self.roles.contains_key(&key(name)) {
            return Err(IamError::already_exists("Role", name));
        }
        if self.roles.len() >= self.quotas.roles {
            return Err(IamError::quota("RolesPerAccount", self.quotas.roles));
        }
        let mut tags = Tags::case_insensitive();
        tags.tag(&opts.tags, "TagsPerRole")?;
        if let Some(b) = &opts.permissions_boundary {
            self.boundary_target(b)?;
        }
        let role = Role {
            name: name.to_string(),
            arn: self.arn("role", &path, name),
            path,
            id: unique_id(IdPrefix::Role)?,
            create_date: self.clock.now(),
            trust_policy: trust,
            description: opts.description.clone(),
            max_session_duration: max,
            inline_policies: Vec::new(),
            attached_policies: Vec::new(),
            permissions_boundary: opts.permissions_boundary.clone(),
            tags,
            instance_profiles: Vec::new(),
            service_linked: service,
        };
        if let Some(b) = &opts.permissions_boundary {
            self.boundary_usage(b, true);
        }
        Ok(self.roles.entry(key(name)).or_insert(role))
    }

    /// `CreateServiceLinkedRole`: role `AWSServiceRoleFor<Service>` (+ `_<suffix>`) at path
    /// `/aws-service-role/<service>/`, trusted by the service; modifiable only by AWS (§5.10).
    ///
    /// ```
    /// let mut a = iam_account::Account::new("123456789012").unwrap();
    /// let r = a.create_service_linked_role("elasticbeanstalk.amazonaws.com", None, None).unwrap();
    /// assert!(r.arn.starts_with("arn:aws:iam::123456789012:role/aws-service-role/elasticbeanstalk.amazonaws.com/AWSServiceRoleFor"));
    /// ```
    pub fn create_service_linked_role(
        &mut self,
        service: &str,
        description: Option<&str>,
        custom_suffix: Option<&str>,
    ) -> Result<&Role, IamError> {
        validate::length("aWSServiceName", service, 1, 128)?;
        let Some(short) = service
            .strip_suffix(".amazonaws.com")
            .filter(|s| !s.is_empty() && !s.contains('/'))
        else {
            return Err(IamError::invalid_input(format!(
                "Unrecognized service principal {service}."
            )));
        };
        if let Some(s) = custom_suffix {
            validate::name("customSuffix", s, 64)?;
        }
        let name = service_linked_role_name(short, custom_suffix);
        validate::name("roleName", &name, 64)?;
        // The name taken is InvalidInput, not EntityAlreadyExists: CreateServiceLinkedRole's
        // modeled errors are InvalidInput, LimitExceeded, NoSuchEntity and ServiceFailure
        // (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateServiceLinkedRole.html).
        if self.roles.contains_key(&key(&name)) {
            return Err(IamError::invalid_input(format!(
                "Service role name {name} has been taken in this account, please try a different suffix."
            )));
        }
        let trust = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Service":"{service}"}},"Action":"sts:AssumeRole"}}]}}"#
        );
        let opts = CreateRoleOptions {
            description: description.map(str::to_string),
            ..Default::default()
        };
        self.new_role(
            &name,
            format!("/aws-service-role/{service}/"),
            &trust,
            &opts,
            Some(service.to_string()),
        )
    }

    /// `GetRole`.
    pub fn get_role(&self, name: &str) -> Result<&Role, IamError> {
        validate::name("roleName", name, 64)?;
        self.roles
            .get(&key(name))
            .ok_or_else(|| IamError::no_such_entity("role", name))
    }

    pub(crate) fn role_mut(&mut self, name: &str) -> Result<&mut Role, IamError> {
        validate::name("roleName", name, 64)?;
        self.roles
            .get_mut(&key(name))
            .ok_or_else(|| IamError::no_such_entity("role", name))
    }

    /// `ListRoles(PathPrefix)`.
    pub fn list_roles(&self, path_prefix: Option<&str>) -> Result<Vec<&Role>, IamError> {
        let p = prefix_or_root(path_prefix)?;
        Ok(self
            .roles
            .values()
            .filter(|r| r.path.starts_with(p))
            .collect())
    }

    /// `UpdateRole`: description and/or `MaxSessionDuration` (3600-43200).
    pub fn update_role(
        &mut self,
        name: &str,
        description: Option<&str>,
        max_session_duration: Option<u32>,
    ) -> Result<(), IamError> {
        if let Some(d) = description {
            validate::description(d)?;
        }
        if let Some(m) = max_session_duration {
            check_max_session_duration(m)?;
        }
        let role = self.role_mut(name)?;
        protected(role)?;
        if let Some(d) = description {
            role.description = Some(d.to_string());
        }
        if let Some(m) = max_session_duration {
            role.max_session_duration = m;
        }
        Ok(())
    }

    /// `UpdateAssumeRolePolicy`: replaces the trust policy (checked as `SaveKind::Trust`).
    pub fn update_assume_role_policy(
        &mut self,
        name: &str,
        policy_document: &str,
    ) -> Result<(), IamError> {
        protected(self.get_role(name)?)?;
        let doc = document(policy_document, SaveKind::Trust)?;
        self.role_mut(name)?.trust_policy = doc;
        Ok(())
    }

    /// `DeleteRole`: no inline or attached policies, no instance profile may hold it (spec §6.8);
    /// service-linked roles need `DeleteServiceLinkedRole`.
    pub fn delete_role(&mut self, name: &str) -> Result<(), IamError> {
        let r = self.get_role(name)?;
        protected(r)?;
        role_deletable(r)?;
        if let Some(b) = r.permissions_boundary.clone() {
            self.boundary_usage(&b, false);
        }
        self.roles.remove(&key(name));
        Ok(())
    }

    /// `DeleteServiceLinkedRole` (completes at once here; AWS runs it as a task).
    pub fn delete_service_linked_role(&mut self, name: &str) -> Result<(), IamError> {
        let r = self.get_role(name)?;
        if r.service_linked.is_none() {
            return Err(IamError::invalid_input(format!(
                "Role {name} is not a service-linked role."
            )));
        }
        role_deletable(r)?;
        self.roles.remove(&key(name));
        Ok(())
    }

    /// `TagRole` (keys case-insensitive, ≤50 tags).
    pub fn tag_role(&mut self, name: &str, tags: &[(String, String)]) -> Result<(), IamError> {
        self.role_mut(name)?.tags.tag(tags, "TagsPerRole")
    }

    /// `UntagRole`.
    pub fn untag_role(&mut self, name: &str, keys: &[String]) -> Result<(), IamError> {
        self.role_mut(name)?.tags.untag(keys)
    }

    // ---------------------------------------------------------------- instance profiles

    /// `CreateInstanceProfile`.
    pub fn create_instance_profile(
        &mut self,
        name: &str,
        path: Option<&str>,
    ) -> Result<&InstanceProfile, IamError> {
        validate::name("instanceProfileName", name, 128)?;
        let path = path_or_root(path)?;
        if self.instance_profiles.contains_key(&key(name)) {
            return Err(IamError::new(
                ErrorCode::EntityAlreadyExists,
                format!("Instance Profile {name} already exists."),
            ));
        }
        if self.instance_profiles.len() >= self.quotas.instance_profiles {
            return Err(IamError::quota(
                "InstanceProfilesPerAccount",
                self.quotas.instance_profiles,
            ));
        }
        let ip = InstanceProfile {
            name: name.to_string(),
            arn: self.arn("instance-profile", &path, name),
            path,
            id: unique_id(IdPrefix::InstanceProfile)?,
            create_date: self.clock.now(),
            roles: Vec::new(),
            tags: Tags::case_sensitive(),
        };
        Ok(self.instance_profiles.entry(key(name)).or_insert(ip))
    }

    /// `GetInstanceProfile`.
    pub fn get_instance_profile(&self, name: &str) -> Result<&InstanceProfile, IamError> {
        validate::name("instanceProfileName", name, 128)?;
        self.instance_profiles.get(&key(name)).ok_or_else(|| {
            IamError::new(
                ErrorCode::NoSuchEntity,
                format!("Instance Profile {name} cannot be found."),
            )
        })
    }

    /// `AddRoleToInstanceProfile` (an instance profile holds at most one role).
    pub fn add_role_to_instance_profile(
        &mut self,
        profile: &str,
        role: &str,
    ) -> Result<(), IamError> {
        let ip = self.get_instance_profile(profile)?;
        let r = self.get_role(role)?;
        protected(r)?;
        let rname = r.name.clone();
        if !ip.roles.is_empty() {
            return Err(IamError::quota("InstanceSessionsPerInstanceProfile", 1));
        }
        let pname = ip.name.clone();
        self.role_mut(&rname)?.instance_profiles.push(pname.clone());
        if let Some(ip) = self.instance_profiles.get_mut(&key(&pname)) {
            ip.roles.push(rname);
        }
        Ok(())
    }

    /// `RemoveRoleFromInstanceProfile`.
    pub fn remove_role_from_instance_profile(
        &mut self,
        profile: &str,
        role: &str,
    ) -> Result<(), IamError> {
        let ip = self.get_instance_profile(profile)?;
        if !ip.roles.iter().any(|r| key(r) == key(role)) {
            return Err(IamError::no_such_entity("role", role));
        }
        protected(self.get_role(role)?)?;
        let pname = ip.name.clone();
        if let Some(ip) = self.instance_profiles.get_mut(&key(&pname)) {
            ip.roles.retain(|r| key(r) != key(role));
        }
        self.role_mut(role)?
            .instance_profiles
            .retain(|p| key(p) != key(&pname));
        Ok(())
    }

    /// `DeleteInstanceProfile`: it must hold no role.
    pub fn delete_instance_profile(&mut self, name: &str) -> Result<(), IamError> {
        if !self.get_instance_profile(name)?.roles.is_empty() {
            return Err(IamError::delete_conflict(
                "Cannot delete entity, must remove roles from instance profile first.",
            ));
        }
        self.instance_profiles.remove(&key(name));
        Ok(())
    }

    /// `TagInstanceProfile` (case-sensitive keys).
    pub fn tag_instance_profile(
        &mut self,
        name: &str,
        tags: &[(String, String)],
    ) -> Result<(), IamError> {
        self.get_instance_profile(name)?;
        match self.instance_profiles.get_mut(&key(name)) {
            Some(ip) => ip.tags.tag(tags, "TagsPerInstanceProfile"),
            None => Err(IamError::no_such_entity("instance profile", name)),
        }
    }

    /// `UntagInstanceProfile`.
    pub fn untag_instance_profile(&mut self, name: &str, keys: &[String]) -> Result<(), IamError> {
        self.get_instance_profile(name)?;
        match self.instance_profiles.get_mut(&key(name)) {
            Some(ip) => ip.tags.untag(keys),
            None => Err(IamError::no_such_entity("instance profile", name)),
        }
    }

    /// `ListInstanceProfiles(PathPrefix)`.
    pub fn list_instance_profiles(
        &self,
        path_prefix: Option<&str>,
    ) -> Result<Vec<&InstanceProfile>, IamError> {
        let p = prefix_or_root(path_prefix)?;
        Ok(self
            .instance_profiles
            .values()
            .filter(|ip| ip.path.starts_with(p))
            .collect())
    }

    /// `ListInstanceProfilesForRole`.
    pub fn list_instance_profiles_for_role(
        &self,
        role: &str,
    ) -> Result<Vec<&InstanceProfile>, IamError> {
        let r = self.get_role(role)?;
        Ok(r.instance_profiles
            .iter()
            .filter_map(|n| self.instance_profiles.get(&key(n)))
            .collect())
    }
}

fn check_max_session_duration(max: u32) -> Result<(), IamError> {
    if !ROLE_SESSION_DURATION.contains(&max) {
        let c = if max < *ROLE_SESSION_DURATION.start() {
            "Member must have value greater than or equal to 3600"
        } else {
            "Member must have value less than or equal to 43200"
        };
        return Err(IamError::validation(
            "maxSessionDuration",
            &max.to_string(),
            c,
        ));
    }
    Ok(())
}

fn role_deletable(r: &Role) -> Result<(), IamError> {
    if !r.instance_profiles.is_empty() {
        return Err(IamError::delete_conflict(
            "Cannot delete entity, must remove roles from instance profile first.",
        ));
    }
    if !r.inline_policies.is_empty() {
        return Err(IamError::delete_conflict(
            "Cannot delete entity, must delete policies first.",
        ));
    }
    if !r.attached_policies.is_empty() {
        return Err(IamError::delete_conflict(
            "Cannot delete entity, must detach all policies first.",
        ));
    }
    Ok(())
}

/// The role names services give their service-linked roles, as AWS spells them (each service's
/// "Using service-linked roles" page of its guide, listed from IAM User Guide, "AWS services that
/// work with IAM"): `AWSServiceRoleFor` + this, by service principal without `.amazonaws.com`.
const SERVICE_LINKED_ROLE_NAMES: &[(&str, &str)] = &[
    ("access-analyzer", "AccessAnalyzer"),
    ("autoscaling", "AutoScaling"),
    ("cloudtrail", "CloudTrail"),
    ("config", "Config"),
    (
        "dynamodb.application-autoscaling",
        "ApplicationAutoScaling_DynamoDBTable",
    ),
    (
        "ec2.application-autoscaling",
        "ApplicationAutoScaling_EC2SpotFleetRequest",
    ),
    (
        "ecs.application-autoscaling",
        "ApplicationAutoScaling_ECSService",
    ),
    ("ecs", "ECS"),
    ("eks", "AmazonEKS"),
    ("eks-nodegroup", "AmazonEKSNodegroup"),
    ("elasticache", "ElastiCache"),
    ("elasticbeanstalk", "ElasticBeanstalk"),
    ("elasticfilesystem", "AmazonElasticFileSystem"),
    ("elasticloadbalancing", "ElasticLoadBalancing"),
    ("elasticmapreduce", "EMRCleanup"),
    ("es", "AmazonElasticsearchService"),
    ("opensearchservice", "AmazonOpenSearchService"),
    ("guardduty", "AmazonGuardDuty"),
    ("inspector2", "AmazonInspector2"),
    ("macie", "AmazonMacie"),
    ("organizations", "Organizations"),
    ("rds", "RDS"),
    ("redshift", "Redshift"),
    ("securityhub", "SecurityHub"),
    ("spot", "EC2Spot"),
    ("spotfleet", "EC2SpotFleet"),
    ("ec2fleet", "EC2Fleet"),
    ("ssm", "AmazonSSM"),
    ("sso", "SSO"),
    ("support", "Support"),
    ("trustedadvisor", "TrustedAdvisor"),
];

/// The name `CreateServiceLinkedRole` gives the role of service `short` (the principal without
/// `.amazonaws.com`): `AWSServiceRoleFor<Service>` as AWS spells it for the services it lists
/// ([`SERVICE_LINKED_ROLE_NAMES`]), else each dot- or dash-separated part capitalised; plus
/// `_<suffix>` with a `CustomSuffix` (CreateServiceLinkedRole API reference: "the string that
/// you provide is combined with the service-provided prefix to form the complete role name").
pub(crate) fn service_linked_role_name(short: &str, custom_suffix: Option<&str>) -> String {
    let mut name = String::from("AWSServiceRoleFor");
    if let Some((_, known)) = SERVICE_LINKED_ROLE_NAMES
        .iter()
        .find(|(s, _)| s.eq_ignore_ascii_case(short))
    {
        name.push_str(known);
        if let Some(s) = custom_suffix {
            name.push('_');
            name.push_str(s);
        }
        return name;
    }
    for part in short.split(['.', '-']) {
        let mut c = part.chars();
        if let Some(f) = c.next() {
            name.extend(f.to_uppercase());
            name.push_str(c.as_str());
        }
    }
    if let Some(s) = custom_suffix {
        name.push('_');
        name.push_str(s);
    }
    name
}

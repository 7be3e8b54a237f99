//! The account-level authorizer: gathers the policy layers that apply to a request from the
//! model (spec §5.1) — the principal's identity policies (user inline + attached + each group's
//! inline + attached; or the role's), its permissions boundary (§5.5), session policies (§5.4),
//! the resource's resource-based policy (a role's trust policy for `sts:AssumeRole*`, §5.6), the
//! SCPs of the principal's account path and the RCPs of the resource's account path (§5.8,
//! §5.10) — and asks the [`Engine`].

use super::organization::Organization;
use super::sts::SessionKind;
use super::{Account, key};
use iam_eval::{Context, Engine, Explanation, Principal, PrincipalKind, Request};
use iam_model::entities::InlinePolicy;
use iam_model::entities::{ErrorCode, IamError};
use iam_model::{Policy, PolicyType};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// What an identity policy is, for the simulator's `SourcePolicyType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// An inline policy of a user.
    User,
    /// An inline policy of a group.
    Group,
    /// An inline policy of a role.
    Role,
    /// An AWS managed policy.
    AwsManaged,
    /// A customer managed policy.
    UserManaged,
    /// A policy given as input (the simulator's `PolicyInputList`).
    Input,
}

impl Source {
    /// The simulator's `SourcePolicyType` spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::User => "user",
            Source::Group => "group",
            Source::Role => "role",
            Source::AwsManaged => "aws-managed",
            Source::UserManaged => "user-managed",
            Source::Input => "IAM Policy",
        }
    }
}

/// A named policy of a layer.
#[derive(Debug, Clone)]
pub struct Named {
    /// The policy's name.
    pub name: String,
    /// Where it comes from.
    pub source: Source,
    /// The policy.
    pub policy: Arc<Policy>,
}

/// Every layer of one request, owned (borrowed by [`Layers::engine`]).
#[derive(Debug, Clone, Default)]
pub struct Layers {
    /// Identity policies (inline and attached, the user's groups' included).
    pub identity: Vec<Named>,
    /// The permissions boundary.
    pub boundary: Option<Named>,
    /// Session policies.
    pub session: Vec<Named>,
    /// The resource-based policy and its type.
    pub resource: Option<(Arc<Policy>, PolicyType)>,
    /// SCP levels of the principal's account, root first.
    pub scps: Vec<Vec<Arc<Policy>>>,
    /// RCP levels of the resource's account, root first.
    pub rcps: Vec<Vec<Arc<Policy>>>,
}

impl Layers {
    /// Compiles the layers into an engine.
    pub fn engine(&self) -> Result<Engine, IamError> {
        let mut b = Engine::builder();
        for n in &self.identity {
            b = b.identity_shared(Some(&n.name), &n.policy);
        }
        if let Some(n) = &self.boundary {
            b = b.permissions_boundary_shared(&n.policy);
        }
        for n in &self.session {
            b = b.session_shared(&n.policy);
        }
        if let Some((p, t)) = &self.resource {
            b = b.resource_shared(p, *t);
        }
        for l in &self.scps {
            b = b.scp_level_shared(l);
        }
        for l in &self.rcps {
            b = b.rcp_level_shared(l);
        }
        b.build()
            .map_err(|e| IamError::new(ErrorCode::MalformedPolicyDocument, e.to_string()))
    }
}

/// How many compiled engines [`Layers::cached_engine`] keeps (the map is emptied past it).
const CACHED_ENGINES: usize = 4096;

/// A compiled engine remembered by [`Layers::cached_engine`], with the policies of its key
/// (so their addresses cannot be reused while it lives) and the identity policy names.
struct EngineEntry {
    _pins: Vec<Arc<Policy>>,
    names: Vec<String>,
    engine: Arc<Engine>,
}

impl Layers {
    /// [`Layers::engine`] through a process-wide cache keyed by the layer structure and the
    /// addresses of its policies. A shared policy is never changed in place (every mutation of
    /// the model stores a new document), so an equal key means equal policies: any mutation
    /// that changes what applies to a request (policies, attachments, group membership,
    /// boundaries, resource, trust and organization policies) changes the key; tags and
    /// everything else about the principal are read from the request, not the engine.
    /// [`Self::engine`], cached per set of policies.
    pub fn cached_engine(&self) -> Result<Arc<Engine>, IamError> {
        use std::collections::HashMap;
        use std::sync::{Mutex, OnceLock};
        static CACHE: OnceLock<Mutex<HashMap<Vec<usize>, EngineEntry>>> = OnceLock::new();
        const SEP: usize = usize::MAX;
        let addr = |p: &Arc<Policy>| Arc::as_ptr(p) as usize;
        let mut key = Vec::with_capacity(self.identity.len() + 16);
        key.extend(self.identity.iter().map(|n| addr(&n.policy)));
        key.push(SEP);
        key.extend(self.boundary.iter().map(|n| addr(&n.policy)));
        key.push(SEP);
        key.extend(self.session.iter().map(|n| addr(&n.policy)));
        key.push(SEP);
        if let Some((p, t)) = &self.resource {
            key.push(addr(p));
            key.push(*t as usize);
        }
        for levels in [&self.scps, &self.rcps] {
            key.push(SEP);
            for level in levels {
                key.push(SEP - 1);
                key.extend(level.iter().map(addr));
            }
        }
        let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
        let lock = || {
            cache
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        let names_match = |names: &[String]| {
            names.len() == self.identity.len()
                && names.iter().zip(&self.identity).all(|(a, n)| *a == n.name)
        };
        if let Some(e) = lock().get(&key).filter(|e| names_match(&e.names)) {
            return Ok(Arc::clone(&e.engine));
        }
        let engine = Arc::new(self.engine()?);
        let pins: Vec<Arc<Policy>> = self
            .identity
            .iter()
            .chain(self.boundary.iter())
            .chain(self.session.iter())
            .map(|n| Arc::clone(&n.policy))
            .chain(self.resource.iter().map(|(p, _)| Arc::clone(p)))
            .chain(self.scps.iter().flatten().cloned())
            .chain(self.rcps.iter().flatten().cloned())
            .collect();
        let entry = EngineEntry {
            _pins: pins,
            names: self.identity.iter().map(|n| n.name.clone()).collect(),
            engine: Arc::clone(&engine),
        };
        let mut map = lock();
        if map.len() >= CACHED_ENGINES {
            map.clear();
        }
        map.insert(key, entry);
        Ok(engine)
    }
}

/// The resource a request targets, resolved against the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthzTarget {
    /// The account owning the resource.
    pub account: String,
    /// The ARN of the resource-based policy that applies, if any.
    pub policy_arn: Option<String>,
}

/// Which accounts (and organization) a request is decided in.
#[derive(Clone, Copy)]
pub struct Scope<'a> {
    /// A single account, outside any organization.
    pub single: Option<&'a Account>,
    /// The organization the accounts belong to.
    pub org: Option<&'a Organization>,
}

/// Principal, layers and resource account of a request.
pub struct Prepared {
    /// The caller.
    pub principal: Principal,
    /// Its policy layers for this request.
    pub layers: Layers,
    /// The account that owns the resource.
    pub resource_account: String,
    /// True when that account is an organization's management account.
    pub resource_in_management: bool,
}

/// What [`Scope::prepare`] gathers for a user or a role, as the attachments it is gathered
/// from (borrowed from the model, nothing resolved): its account, whether it is a user or a
/// role, its inline policies (by name and document), its attached managed policy ARNs, its
/// groups (users) and its permissions boundary. Two principals with equal classes in one
/// scope get the very same layers (the same policies, with the same names and sources, in the
/// same order), resource account and SCPs/RCPs for any action and resource: only the principal
/// itself (ARN, unique id, tags) differs. The converse does not hold (two classes may still
/// gather the same policies). From [`Scope::layer_class`]; the analyses use it to gather the
/// layers once per class of principals.
#[derive(Debug, Clone, Copy)]
pub struct LayerClass<'a> {
    account: &'a str,
    role: bool,
    /// A service-linked role (path `/aws-service-role/`): SCPs and RCPs do not apply to it
    /// (spec §5.10), so it never shares a class with an ordinary role.
    service_linked: bool,
    inline: &'a [InlinePolicy],
    attached: &'a [String],
    groups: &'a [String],
    boundary: Option<&'a str>,
}

impl PartialEq for LayerClass<'_> {
    fn eq(&self, other: &Self) -> bool {
        // Inline documents by identity: a shared document is never changed in place (every
        // mutation of the model stores a new one), so the same address is the same policy.
        let same_inline = |a: &InlinePolicy, b: &InlinePolicy| {
            a.name == b.name && std::ptr::eq(a.document.policy(), b.document.policy())
        };
        self.account == other.account
            && self.role == other.role
            && self.service_linked == other.service_linked
            && self.inline.len() == other.inline.len()
            && self
                .inline
                .iter()
                .zip(other.inline)
                .all(|(a, b)| same_inline(a, b))
            && self.attached == other.attached
            && self.groups == other.groups
            && self.boundary == other.boundary
    }
}

impl Eq for LayerClass<'_> {}

impl Hash for LayerClass<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.account.hash(state);
        self.role.hash(state);
        self.service_linked.hash(state);
        self.inline.len().hash(state);
        for p in self.inline {
            p.name.hash(state);
            std::ptr::hash(p.document.policy(), state);
        }
        self.attached.hash(state);
        self.groups.hash(state);
        self.boundary.hash(state);
    }
}

impl<'a> LayerClass<'a> {
    fn user(acct: &'a Account, u: &'a iam_model::entities::User) -> Self {
        LayerClass {
            account: &acct.id,
            role: false,
            service_linked: false,
            inline: &u.inline_policies,
            attached: &u.attached_policies,
            groups: &u.groups,
            boundary: u.permissions_boundary.as_deref(),
        }
    }

    fn role(acct: &'a Account, r: &'a iam_model::entities::Role) -> Self {
        LayerClass {
            account: &acct.id,
            role: true,
            // As `iam_eval::Principal::is_service_linked_role` tells them apart.
            service_linked: r.arn.contains(":role/aws-service-role/"),
            inline: &r.inline_policies,
            attached: &r.attached_policies,
            groups: &[],
            boundary: r.permissions_boundary.as_deref(),
        }
    }

    /// The class of `user`, a user of `account`: what [`Scope::layer_class`] gives for its ARN
    /// in a scope holding `account`, without looking the user up again (`None` when it would
    /// give none: an ARN naming another account or another user).
    pub fn of_user(account: &'a Account, user: &'a iam_model::entities::User) -> Option<Self> {
        // Users are stored under `key(name)`, so an ARN of this account whose name is the
        // user's resolves to this very user.
        IamArn::parse(&user.arn)
            .filter(|a| a.user && a.account == account.id && a.name == user.name)
            .map(|_| LayerClass::user(account, user))
    }

    /// The class of `role`, a role of `account` (as [`LayerClass::of_user`]; `None` too when a
    /// live session is named after the role).
    pub fn of_role(account: &'a Account, role: &'a iam_model::entities::Role) -> Option<Self> {
        let ok = IamArn::parse(&role.arn)
            .is_some_and(|a| !a.user && a.account == account.id && a.name == role.name);
        if !ok {
            return None;
        }
        if account.sessions.is_empty() {
            return Some(LayerClass::role(account, role));
        }
        Scope {
            single: Some(account),
            org: None,
        }
        .layer_class(&role.arn)
    }
}

/// The entity stored under `key(name)` (without a lower-cased copy when `name` has no capital).
fn by_name<'m, V>(map: &'m std::collections::BTreeMap<String, V>, name: &str) -> Option<&'m V> {
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        map.get(&key(name))
    } else {
        map.get(name)
    }
}

/// The parts of an IAM user or role ARN that [`Principal::parse`] reads.
struct IamArn<'a> {
    account: &'a str,
    user: bool,
    name: &'a str,
}

impl<'a> IamArn<'a> {
    /// `arn:P:iam::A:user/…/N` or `arn:P:iam::A:role/…/N` (N not empty), as `Principal::parse`
    /// splits them (six `:`-separated fields, the last one holding any further colons).
    fn parse(arn: &'a str) -> Option<Self> {
        let mut f = arn.splitn(6, ':');
        let (Some("arn"), Some(_), Some("iam"), Some(_), Some(account), Some(res)) =
            (f.next(), f.next(), f.next(), f.next(), f.next(), f.next())
        else {
            return None;
        };
        let (user, path) = if let Some(p) = res.strip_prefix("user/") {
            (true, p)
        } else {
            (false, res.strip_prefix("role/")?)
        };
        let name = path.rsplit('/').next().filter(|n| !n.is_empty())?;
        Some(IamArn {
            account,
            user,
            name,
        })
    }
}

fn is_assume(action: &str) -> bool {
    let a = action.to_ascii_lowercase();
    a.starts_with("sts:assumerole")
        || a == "sts:tagsession"
        || a == "sts:setsourceidentity"
        || a == "sts:setcontext"
}

impl<'a> Scope<'a> {
    /// The account with this id in scope.
    pub fn account(&self, id: &str) -> Option<&'a Account> {
        if let Some(o) = self.org {
            return o.accounts.get(id);
        }
        self.single.filter(|a| a.id == id)
    }

    fn all(&self) -> Vec<&'a Account> {
        match (self.org, self.single) {
            (Some(o), _) => o.accounts.values().collect(),
            (None, Some(a)) => vec![a],
            _ => Vec::new(),
        }
    }

    /// The account that owns `resource` and the resource-based policy that applies to it.
    pub(crate) fn resource(
        &self,
        principal_account: &str,
        action: &str,
        resource: &str,
    ) -> (String, Option<(Arc<Policy>, PolicyType)>) {
        let parts: Vec<&str> = resource.splitn(6, ':').collect();
        let (service, account, res) = match parts.as_slice() {
            [_, _, s, _, a, r] => (*s, *a, *r),
            _ => return (principal_account.to_string(), None),
        };
        if service == "iam" && res.starts_with("role/") && is_assume(action) {
            let name = res.rsplit('/').next().unwrap_or_default();
            let trust = self
                .account(account)
                .and_then(|a| a.roles.get(&key(name)))
                .filter(|r| r.arn == resource)
                .map(|r| (r.trust_policy.shared(), PolicyType::Trust));
            return (account.to_string(), trust);
        }
        let lookup = |a: &Account| -> Option<Arc<Policy>> {
            if let Some(p) = a.resource_policies.get(resource) {
                return Some(p.shared());
            }
            if service == "s3" {
                let bucket = res.split('/').next().unwrap_or_default();
                return a
                    .resource_policies
                    .get(&format!("arn:aws:s3:::{bucket}"))
                    .map(|p| p.shared());
            }
            None
        };
        if !account.is_empty() {
            let p = self
                .account(account)
                .and_then(lookup)
                .map(|p| (p, PolicyType::Resource));
            return (account.to_string(), p);
        }
        // ARNs without an account (S3): the account that registered the bucket's policy owns it.
        for a in self.all() {
            if let Some(p) = lookup(a) {
                return (a.id.clone(), Some((p, PolicyType::Resource)));
            }
        }
        (principal_account.to_string(), None)
    }

    /// Resolves a principal ARN and gathers every layer for a request.
    pub fn prepare(
        &self,
        principal_arn: &str,
        action: &str,
        resource: &str,
    ) -> Result<Prepared, IamError> {
        let parsed =
            Principal::parse(principal_arn).map_err(|e| IamError::invalid_input(e.to_string()))?;
        let mut layers = Layers::default();
        let principal = match parsed.kind() {
            PrincipalKind::Service | PrincipalKind::Anonymous => parsed,
            _ => {
                let acct = self.account(parsed.account()).ok_or_else(|| {
                    IamError::new(
                        ErrorCode::NoSuchEntity,
                        format!("The account {} is not in this model.", parsed.account()),
                    )
                })?;
                acct.principal_layers(principal_arn, parsed, &mut layers)?
            }
        };
        let (resource_account, resource_policy) =
            self.resource(principal.account(), action, resource);
        layers.resource = resource_policy;
        let mut principal = principal;
        let mut resource_in_management = false;
        if let Some(org) = self.org {
            if org.accounts.contains_key(principal.account()) {
                layers.scps = org.levels(
                    principal.account(),
                    iam_model::entities::OrgPolicyType::ServiceControlPolicy,
                );
                let paths = org.org_paths(principal.account());
                let path_refs: Vec<&str> = paths.iter().map(String::as_str).collect();
                let mgmt = principal.account() == org.management_account;
                principal = principal
                    .with_org(&org.id, &path_refs)
                    .in_management_account(mgmt);
            }
            if org.accounts.contains_key(&resource_account) {
                layers.rcps = org.levels(
                    &resource_account,
                    iam_model::entities::OrgPolicyType::ResourceControlPolicy,
                );
                resource_in_management = resource_account == org.management_account;
            }
        }
        // A stand-alone account that knows its organization policies (spec §5.8, §5.10;
        // `org_policies.rs`): SCPs for its principals, RCPs for its resources.
        if self.org.is_none()
            && let Some(acct) = self.single
            && let Some(op) = &acct.org_policies
        {
            if principal.account() == acct.id
                && !matches!(
                    principal.kind(),
                    PrincipalKind::Service | PrincipalKind::Anonymous
                )
            {
                if op.management_account {
                    principal = principal.in_management_account(true);
                } else {
                    layers.scps = op.scps.clone();
                    if let Some(org_id) = &op.organization_id {
                        principal = principal.with_org(org_id, &[]);
                    }
                }
            }
            if resource_account == acct.id {
                if op.management_account {
                    resource_in_management = true;
                } else {
                    layers.rcps = op.rcps.clone();
                }
            }
        }
        Ok(Prepared {
            principal,
            layers,
            resource_account,
            resource_in_management,
        })
    }

    /// The [`LayerClass`] of a user or role ARN of this scope (a role as the session named
    /// after itself, as [`Scope::prepare`] takes it), or `None` when there is none to give:
    /// not a user or role ARN, a principal the scope does not have (`prepare` says why), or a
    /// role with a live session of that name (whose session policies and tags are its own).
    ///
    /// ```
    /// use iam_account::{Account, Scope};
    /// let mut a = Account::new("111122223333").unwrap();
    /// for u in ["alice", "bob", "carol"] { a.create_user(u, None).unwrap(); }
    /// a.attach_user_policy("carol", "arn:aws:iam::aws:policy/ReadOnlyAccess").unwrap();
    /// let scope = Scope { single: Some(&a), org: None };
    /// let class = |u: &str| scope.layer_class(&format!("arn:aws:iam::111122223333:user/{u}"));
    /// assert!(class("alice").is_some());
    /// assert_eq!(class("alice"), class("bob"));
    /// assert_ne!(class("alice"), class("carol"));
    /// assert_eq!(class("nobody"), None);
    /// ```
    pub fn layer_class(&self, principal_arn: &str) -> Option<LayerClass<'a>> {
        // Resolved exactly as `prepare` / `principal_layers` resolve it (`Principal::parse`
        // takes `arn:P:iam::A:user/…/N` as user N and `arn:P:iam::A:role/…/N` as the session
        // of role N named N), without building the principal.
        let arn = IamArn::parse(principal_arn)?;
        let acct = self.account(arn.account)?;
        if arn.user {
            let u = by_name(&acct.users, arn.name)?;
            (u.arn == principal_arn).then(|| LayerClass::user(acct, u))
        } else {
            let r = by_name(&acct.roles, arn.name)?;
            if acct.sessions.is_empty() {
                return Some(LayerClass::role(acct, r));
            }
            let parsed = Principal::parse(principal_arn).ok()?;
            let now = acct.clock.now();
            let live = acct
                .sessions
                .values()
                .any(|s| s.arn == parsed.arn() && s.expiration > now);
            (!live).then(|| LayerClass::role(acct, r))
        }
    }

    /// Decides one request.
    pub(crate) fn authorize(
        &self,
        principal_arn: &str,
        action: &str,
        resource: &str,
        context: &Context<'_>,
    ) -> Result<Explanation, IamError> {
        let p = self.prepare(principal_arn, action, resource)?;
        let engine = p.layers.cached_engine()?;
        let mut req = Request::new(&p.principal, action, resource)
            .with_context(context)
            .with_resource_account(&p.resource_account);
        req.resource_in_management_account = p.resource_in_management;
        Ok(engine.explain(&req))
    }
}

fn named(name: &str, source: Source, policy: Arc<Policy>) -> Named {
    Named {
        name: name.to_string(),
        source,
        policy,
    }
}

impl Account {
    /// Adds a user's identity policies (own and groups') and boundary to `layers`.
    pub(crate) fn user_layers(&self, user: &iam_model::entities::User, layers: &mut Layers) {
        for p in &user.inline_policies {
            layers
                .identity
                .push(named(&p.name, Source::User, p.document.shared()));
        }
        self.attached_layers(&user.attached_policies, layers);
        for g in user.groups.iter().filter_map(|g| self.groups.get(&key(g))) {
            for p in &g.inline_policies {
                layers
                    .identity
                    .push(named(&p.name, Source::Group, p.document.shared()));
            }
            self.attached_layers(&g.attached_policies, layers);
        }
        layers.boundary = user
            .permissions_boundary
            .as_deref()
            .and_then(|b| self.managed_named(b));
    }

    fn managed_named(&self, arn: &str) -> Option<Named> {
        let source = if self.policies.contains_key(arn) {
            Source::UserManaged
        } else {
            Source::AwsManaged
        };
        self.managed_policy_doc(arn)
            .map(|(name, p)| named(&name, source, p))
    }

    fn attached_layers(&self, arns: &[String], layers: &mut Layers) {
        layers
            .identity
            .extend(arns.iter().filter_map(|a| self.managed_named(a)));
    }

    pub(crate) fn role_layers(&self, role: &iam_model::entities::Role, layers: &mut Layers) {
        for p in &role.inline_policies {
            layers
                .identity
                .push(named(&p.name, Source::Role, p.document.shared()));
        }
        self.attached_layers(&role.attached_policies, layers);
        layers.boundary = role
            .permissions_boundary
            .as_deref()
            .and_then(|b| self.managed_named(b));
    }

    /// Resolves a principal of this account and fills its identity-side layers.
    fn principal_layers(
        &self,
        arn: &str,
        parsed: Principal,
        layers: &mut Layers,
    ) -> Result<Principal, IamError> {
        let not_found = || {
            IamError::new(
                ErrorCode::NoSuchEntity,
                format!(
                    "The principal {arn} cannot be found in account {}.",
                    self.id
                ),
            )
        };
        match parsed.kind() {
            PrincipalKind::Root => Ok(parsed),
            PrincipalKind::User => {
                let name = parsed.name().unwrap_or_default();
                let u = self
                    .users
                    .get(&key(name))
                    .filter(|u| u.arn == arn)
                    .ok_or_else(not_found)?;
                self.user_layers(u, layers);
                let mut p = parsed
                    .with_unique_id(&u.id)
                    .with_permissions_boundary(u.permissions_boundary.is_some());
                for t in u.tags.iter() {
                    p = p.with_tag(&t.key, &t.value);
                }
                Ok(p)
            }
            PrincipalKind::RoleSession => {
                let role_arn = parsed.role_arn().unwrap_or_default().to_string();
                let rname = role_arn.rsplit('/').next().unwrap_or_default();
                let role = self.roles.get(&key(rname)).ok_or_else(not_found)?;
                self.role_layers(role, layers);
                let session_name = parsed.name().unwrap_or(rname).to_string();
                let mut p = Principal::role_session(&role.arn, &session_name)
                    .map_err(|e| IamError::invalid_input(e.to_string()))?
                    .with_unique_id(&role.id)
                    .with_permissions_boundary(role.permissions_boundary.is_some());
                for t in role.tags.iter() {
                    p = p.with_tag(&t.key, &t.value);
                }
                let now = self.clock.now();
                let session = self
                    .sessions
                    .values()
                    .filter(|s| s.arn == parsed.arn() && s.expiration > now)
                    .max_by_key(|s| s.expiration);
                if let Some(s) = session {
                    for (n, d) in &s.policies {
                        layers.session.push(named(n, Source::Input, d.shared()));
                    }
                    for (k, v) in &s.tags {
                        p = p.with_tag(k, v);
                    }
                }
                Ok(p)
            }
            PrincipalKind::FederatedUser => {
                let now = self.clock.now();
                let s = self
                    .sessions
                    .values()
                    .filter(|s| s.arn == arn && s.expiration > now)
                    .max_by_key(|s| s.expiration)
                    .ok_or_else(not_found)?;
                let SessionKind::FederatedUser { user_name } = &s.kind else {
                    return Err(not_found());
                };
                let mut p = parsed;
                if let Some(u) = user_name.as_deref().and_then(|u| self.users.get(&key(u))) {
                    self.user_layers(u, layers);
                    p = p
                        .with_federating_user(&u.arn)
                        .with_permissions_boundary(u.permissions_boundary.is_some());
                }
                for (n, d) in &s.policies {
                    layers.session.push(named(n, Source::Input, d.shared()));
                }
                Ok(p)
            }
            PrincipalKind::Service | PrincipalKind::Anonymous => Ok(parsed),
        }
    }

    /// Decides a request by a principal of this account (user, role — as a session named after
    /// the role —, assumed-role session, federated user, root) with every applicable layer
    /// gathered from the model. For several accounts and SCPs/RCPs use
    /// [`Organization::authorize`].
    ///
    /// ```
    /// use iam_account::Account;
    /// use iam_eval::{Context, Decision};
    /// let mut a = Account::new("111122223333").unwrap();
    /// a.create_group("readers", None).unwrap();
    /// a.attach_group_policy("readers", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess").unwrap();
    /// a.create_user("bob", None).unwrap();
    /// a.add_user_to_group("readers", "bob").unwrap();
    /// let bob = "arn:aws:iam::111122223333:user/bob";
    /// let ctx = Context::new();
    /// assert_eq!(a.authorize(bob, "s3:GetObject", "arn:aws:s3:::b/k", &ctx).unwrap().decision, Decision::Allowed);
    /// assert_eq!(a.authorize(bob, "s3:PutObject", "arn:aws:s3:::b/k", &ctx).unwrap().decision, Decision::ImplicitDeny);
    /// ```
    pub fn authorize(
        &self,
        principal_arn: &str,
        action: &str,
        resource: &str,
        context: &Context<'_>,
    ) -> Result<Explanation, IamError> {
        Scope {
            single: Some(self),
            org: None,
        }
        .authorize(principal_arn, action, resource, context)
    }

    /// Where a resource's policy comes from: its owning account and the ARN of the resource
    /// whose policy applies (the role for trust policies, the bucket for S3 objects).
    pub fn resource_target(&self, action: &str, resource: &str) -> AuthzTarget {
        let (account, p) = Scope {
            single: Some(self),
            org: None,
        }
        .resource(&self.id, action, resource);
        let policy_arn = p.map(|_| {
            if resource.starts_with("arn:aws:s3:::")
                && !self.resource_policies.contains_key(resource)
            {
                let bucket = resource
                    .trim_start_matches("arn:aws:s3:::")
                    .split('/')
                    .next()
                    .unwrap_or_default();
                format!("arn:aws:s3:::{bucket}")
            } else {
                resource.to_string()
            }
        });
        AuthzTarget {
            account,
            policy_arn,
        }
    }
}

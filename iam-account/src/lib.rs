//! The account model (spec §5.4-§5.10, §6, §8): an [`Account`] holding IAM entities with IAM's
//! operations (`create_user`, `put_role_policy`, `create_policy_version`, …) and their
//! patterns, quotas and deletion rules; an [`Organization`] with OUs, member accounts, SCPs
//! and RCPs; STS ([`Account::assume_role`], [`Account::get_federation_token`]); and the
//! authorizer ([`Account::authorize`], [`Account::simulate_principal_policy`]) that gathers a
//! principal's policy layers from the model and asks the [`Engine`](iam_eval::Engine).
//!
//! ```
//! use iam_account::Account;
//! use iam_eval::{Context, Decision};
//!
//! let mut acct = Account::new("111122223333").unwrap();
//! acct.create_user("alice", None).unwrap();
//! acct.put_user_policy("alice", "read", r#"{"Version":"2012-10-17","Statement":[
//!     {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/*"}]}"#).unwrap();
//! let ex = acct.authorize("arn:aws:iam::111122223333:user/alice", "s3:GetObject",
//!     "arn:aws:s3:::bucket/k", &Context::new()).unwrap();
//! assert_eq!(ex.decision, Decision::Allowed);
//! assert_eq!(acct.create_user("ALICE", None).unwrap_err().message, "User with name ALICE already exists.");
//! ```

mod authorize;
mod caller;
mod clock;
mod context_keys;
mod credentials;
mod enforce;
mod gaad;
mod identities;
mod last_accessed;
pub mod mfa;
pub mod model;
pub mod operations;
mod org_layout;
mod org_policies;
mod organization;
pub mod paginate;
mod policies;
mod providers;
pub mod reports;
mod secrets;
mod session_token;
mod simulate;
pub mod snapshot;
mod sts;
pub mod sts_operations;
mod user_credentials;
mod web_identity;

pub use authorize::AuthzTarget;
pub use authorize::{LayerClass, Layers, Named, Scope, Source};
pub use caller::{Caller, CallerKind};
pub use clock::{Clock, FixedClock, SystemClock};
pub use context_keys::context_keys;
pub use credentials::CreatedAccessKey;
pub use enforce::{
    CallCheck, CallError, CheckDecision, Denial, Enforcement, RequestContext, acts_on_calling_user,
};
pub use gaad::DEFAULT_IMPORT_ACCOUNT;
pub use identities::CreateRoleOptions;
pub use org_layout::{FULL_AWS_ACCESS_ID, LayoutError, RCP_FULL_AWS_ACCESS_ID};
pub use org_policies::OrganizationPolicies;
pub use organization::Organization;
pub use secrets::{account_of_access_key, record_randomness, replay_randomness};
pub use session_token::SessionTokenRequest;
pub use simulate::simulate_custom_policy;
pub use sts::{AssumeRoleRequest, Credentials, FederationTokenRequest, Session, SessionKind};
pub use user_credentials::CreatedServiceSpecificCredential;
pub use web_identity::{ProviderKey, WebIdentityCredentials, WebIdentityRequest, parse_jwks};

use iam_model::entities::{
    Group, IamError, InstanceProfile, ManagedPolicy, OidcProvider, PasswordPolicy, PolicyDocument,
    Role, RootUser, SamlProvider, ServerCertificate, User, validate,
};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

/// Account-level quotas (spec §6.7). [`Quotas::default`] holds IAM's defaults; raise them the
/// way a quota increase would.
///
/// ```
/// let q = iam_account::Quotas::default();
/// assert_eq!((q.roles, q.managed_policies_per_role), (1000, 10));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quotas {
    /// `UsersPerAccount` (5,000, fixed).
    pub users: usize,
    /// `GroupsPerAccount` (300, max 500).
    pub groups: usize,
    /// `RolesPerAccount` (1,000, max 5,000).
    pub roles: usize,
    /// `PoliciesPerAccount` (customer managed; 1,500, max 5,000).
    pub policies: usize,
    /// `InstanceProfilesPerAccount` (1,000, max 5,000).
    pub instance_profiles: usize,
    /// `AttachedPoliciesPerUserQuota` (10, max 20).
    pub managed_policies_per_user: usize,
    /// `AttachedPoliciesPerRoleQuota` (10, max 25).
    pub managed_policies_per_role: usize,
    /// `AttachedPoliciesPerGroupQuota` (10, fixed).
    pub managed_policies_per_group: usize,
    /// `GroupsPerUserQuota` (10, fixed).
    pub groups_per_user: usize,
    /// `AssumeRolePolicySizeQuota` (2,048, max 4,096).
    pub trust_policy_size: usize,
    /// SAML providers per account (100, fixed).
    pub saml_providers: usize,
    /// OpenID Connect providers per account (100, max 700).
    pub oidc_providers: usize,
    /// `ServerCertificatesQuota` (20, max 1,000).
    pub server_certificates: usize,
}

impl Default for Quotas {
    fn default() -> Self {
        Quotas {
            users: 5000,
            groups: 300,
            roles: 1000,
            policies: 1500,
            instance_profiles: 1000,
            managed_policies_per_user: 10,
            managed_policies_per_role: 10,
            managed_policies_per_group: 10,
            groups_per_user: 10,
            trust_policy_size: 2048,
            saml_providers: 100,
            oidc_providers: 100,
            server_certificates: 20,
        }
    }
}

/// One AWS account's IAM state. Names are unique case-insensitively (case preserved); every
/// operation validates its arguments and fails with IAM's [`IamError`]. `Debug` never shows a
/// secret (access-key secrets and session tokens are held in redacted [`Secret`](iam_model::entities::Secret)s,
/// passwords only as salted hashes).
pub struct Account {
    pub(crate) id: String,
    pub(crate) alias: Option<String>,
    pub(crate) root: RootUser,
    pub(crate) users: BTreeMap<String, User>,
    pub(crate) groups: BTreeMap<String, Group>,
    pub(crate) roles: BTreeMap<String, Role>,
    pub(crate) instance_profiles: BTreeMap<String, InstanceProfile>,
    /// Customer managed policies by ARN.
    pub(crate) policies: BTreeMap<String, ManagedPolicy>,
    /// Lower-case policy name → ARN (names are unique in the account).
    pub(crate) policy_names: HashMap<String, String>,
    pub(crate) password_policy: Option<PasswordPolicy>,
    pub(crate) resource_policies: BTreeMap<String, PolicyDocument>,
    /// Resource ARN → the ARN of the role of this account the resource runs code as (a Lambda
    /// function's execution role), for resources with a resource-based policy.
    pub(crate) resource_roles: BTreeMap<String, String>,
    /// Access key id → owner user name (`None` = the root user).
    pub(crate) key_owners: HashMap<String, Option<String>>,
    pub(crate) sessions: HashMap<String, Session>,
    /// SAML providers by ARN.
    pub(crate) saml_providers: BTreeMap<String, SamlProvider>,
    /// OIDC providers by ARN.
    pub(crate) oidc_providers: BTreeMap<String, OidcProvider>,
    /// Server certificates by lower-case name.
    pub(crate) server_certificates: BTreeMap<String, ServerCertificate>,
    pub(crate) quotas: Quotas,
    pub(crate) clock: Arc<dyn Clock>,
    /// AWS managed policies as an imported file listed them (by ARN); they take precedence
    /// over the bundled copies (see [`Account::from_authorization_details`]).
    pub(crate) aws_overrides: BTreeMap<String, ManagedPolicy>,
    /// The source of an imported account, for an exact export.
    pub(crate) gaad: Option<Box<gaad::Provenance>>,
    /// What the account does with calls their callers may not make.
    pub(crate) enforcement: Enforcement,
    /// Denials recorded under [`Enforcement::Soft`] (behind a lock: calls that only read the
    /// account record theirs on a shared borrow).
    pub(crate) denials: std::sync::Mutex<Vec<Denial>>,
    /// When this account (its root user) was created: `GetUser`'s `CreateDate` for the root.
    pub(crate) created: iam_model::entities::Timestamp,
    /// Virtual MFA devices by serial number (ARN).
    pub(crate) virtual_mfa_devices: BTreeMap<String, mfa::VirtualMfaDevice>,
    /// What the account has seen: key use, service last accessed, reports.
    pub(crate) activity: reports::Activity,
    /// SCPs/RCPs of the account's organization path when it stands alone (`from_boto3`).
    pub(crate) org_policies: Option<OrganizationPolicies>,
    /// Signing keys registered for OIDC providers (iamkit extension), by provider ARN.
    pub(crate) oidc_keys: BTreeMap<String, Vec<web_identity::ProviderKey>>,
    /// Encoded authorization messages (iamkit extension) → their decoded JSON.
    pub(crate) encoded_messages: HashMap<String, String>,
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("id", &self.id)
            .field("alias", &self.alias)
            .field("root", &self.root)
            .field("users", &self.users.values().collect::<Vec<_>>())
            .field("groups", &self.groups.values().collect::<Vec<_>>())
            .field("roles", &self.roles.values().collect::<Vec<_>>())
            .field(
                "instance_profiles",
                &self.instance_profiles.values().collect::<Vec<_>>(),
            )
            .field("policies", &self.policies.values().collect::<Vec<_>>())
            .field("password_policy", &self.password_policy)
            .field("resource_policies", &self.resource_policies)
            .field("sessions", &self.sessions.values().collect::<Vec<_>>())
            .field(
                "saml_providers",
                &self.saml_providers.values().collect::<Vec<_>>(),
            )
            .field(
                "oidc_providers",
                &self.oidc_providers.values().collect::<Vec<_>>(),
            )
            .field(
                "server_certificates",
                &self.server_certificates.values().collect::<Vec<_>>(),
            )
            .field(
                "virtual_mfa_devices",
                &self.virtual_mfa_devices.values().collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "account {}{}: {} users, {} groups, {} roles, {} customer managed policies, {} sessions",
            self.id,
            self.alias
                .as_deref()
                .map(|a| format!(" ({a})"))
                .unwrap_or_default(),
            self.users.len(),
            self.groups.len(),
            self.roles.len(),
            self.policies.len(),
            self.sessions.len()
        )
    }
}

/// The map key of a case-insensitively unique name.
pub(crate) fn key(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// Checks an optional path argument; `/` when absent.
pub(crate) fn path_or_root(path: Option<&str>) -> Result<String, IamError> {
    match path {
        Some(p) => {
            validate::path("path", p)?;
            Ok(p.to_string())
        }
        None => Ok("/".to_string()),
    }
}

/// Checks an optional `PathPrefix` filter.
pub(crate) fn prefix_or_root(prefix: Option<&str>) -> Result<&str, IamError> {
    match prefix {
        Some(p) => {
            validate::path_prefix("pathPrefix", p)?;
            Ok(p)
        }
        None => Ok("/"),
    }
}

impl Account {
    /// An empty account with the system clock.
    ///
    /// ```
    /// let a = iam_account::Account::new("123456789012").unwrap();
    /// assert_eq!(a.id(), "123456789012");
    /// assert!(iam_account::Account::new("1234").is_err());
    /// ```
    pub fn new(id: &str) -> Result<Account, IamError> {
        Account::with_clock(id, Arc::new(SystemClock))
    }

    /// When the account (its root user) was created (for an imported account: when it was
    /// loaded). `GetUser` called by the root user reports it as `CreateDate`.
    pub fn create_date(&self) -> iam_model::entities::Timestamp {
        self.created
    }

    /// An empty account reading the time from `clock`.
    pub fn with_clock(id: &str, clock: Arc<dyn Clock>) -> Result<Account, IamError> {
        if !validate::is_account_id(id) {
            return Err(IamError::validation(
                "accountId",
                id,
                r"Member must satisfy regular expression pattern: \d{12}",
            ));
        }
        Ok(Account {
            id: id.to_string(),
            alias: None,
            root: RootUser::default(),
            users: BTreeMap::new(),
            groups: BTreeMap::new(),
            roles: BTreeMap::new(),
            instance_profiles: BTreeMap::new(),
            policies: BTreeMap::new(),
            policy_names: HashMap::new(),
            password_policy: None,
            resource_policies: BTreeMap::new(),
            resource_roles: BTreeMap::new(),
            key_owners: HashMap::new(),
            sessions: HashMap::new(),
            saml_providers: BTreeMap::new(),
            oidc_providers: BTreeMap::new(),
            server_certificates: BTreeMap::new(),
            quotas: Quotas::default(),
            created: clock.now(),
            clock,
            aws_overrides: BTreeMap::new(),
            gaad: None,
            enforcement: Enforcement::default(),
            denials: std::sync::Mutex::new(Vec::new()),
            virtual_mfa_devices: BTreeMap::new(),
            activity: reports::Activity::default(),
            org_policies: None,
            oidc_keys: BTreeMap::new(),
            encoded_messages: HashMap::new(),
        })
    }

    /// Replaces the clock the account reads the time from (an endpoint pins it per call so
    /// that a replayed write-ahead log sees the same times).
    pub fn set_clock(&mut self, clock: Arc<dyn Clock>) {
        self.clock = clock;
    }

    /// The clock the account reads the time from.
    pub fn clock(&self) -> Arc<dyn Clock> {
        Arc::clone(&self.clock)
    }

    /// Sets when the account was created ([`Account::create_date`]), for an account restored
    /// from saved state.
    pub fn set_create_date(&mut self, t: iam_model::entities::Timestamp) {
        self.created = t;
    }

    /// Replaces the account's quotas (as a quota increase would).
    pub fn set_quotas(&mut self, quotas: Quotas) {
        self.quotas = quotas;
    }

    /// The quotas in force.
    pub fn quotas(&self) -> Quotas {
        self.quotas
    }

    /// The 12-digit account id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The account's users, in name order (case-insensitive key).
    pub fn users_iter(&self) -> impl Iterator<Item = &User> {
        self.users.values()
    }

    /// The account's roles, in name order (case-insensitive key).
    pub fn roles_iter(&self) -> impl Iterator<Item = &Role> {
        self.roles.values()
    }

    /// `arn:aws:iam::ACCT:root`.
    pub fn root_arn(&self) -> String {
        format!("arn:aws:iam::{}:root", self.id)
    }

    /// The account alias.
    pub fn alias(&self) -> Option<&str> {
        self.alias.as_deref()
    }

    /// `CreateAccountAlias` (an account has at most one alias).
    ///
    /// ```
    /// let mut a = iam_account::Account::new("123456789012").unwrap();
    /// a.create_account_alias("example-corp").unwrap();
    /// assert_eq!(a.alias(), Some("example-corp"));
    /// assert!(a.create_account_alias("other").is_err());
    /// ```
    pub fn create_account_alias(&mut self, alias: &str) -> Result<(), IamError> {
        validate::account_alias(alias)?;
        if self.alias.is_some() {
            return Err(IamError::quota("AccountAliasesPerAccount", 1));
        }
        self.alias = Some(alias.to_string());
        Ok(())
    }

    /// `DeleteAccountAlias`.
    pub fn delete_account_alias(&mut self, alias: &str) -> Result<(), IamError> {
        if self.alias.as_deref() != Some(alias) {
            return Err(IamError::new(
                iam_model::entities::ErrorCode::NoSuchEntity,
                format!("The account alias {alias} cannot be found."),
            ));
        }
        self.alias = None;
        Ok(())
    }

    pub(crate) fn arn(&self, kind: &str, path: &str, name: &str) -> String {
        format!("arn:aws:iam::{}:{kind}{path}{name}", self.id)
    }

    /// `GetAccountSummary`: the `SummaryMap` (spec §6.7).
    ///
    /// ```
    /// let mut a = iam_account::Account::new("123456789012").unwrap();
    /// a.create_user("bob", None).unwrap();
    /// let s = a.get_account_summary();
    /// assert_eq!(s["Users"], 1);
    /// assert_eq!(s["AccessKeysPerUserQuota"], 2);
    /// ```
    pub fn get_account_summary(&self) -> BTreeMap<&'static str, u64> {
        let n = |x: usize| x as u64;
        let mfa_in_use: usize = self
            .users
            .values()
            .map(|u| u.mfa_devices.len())
            .sum::<usize>()
            + self.root.mfa_devices.len();
        let versions: usize = self.policies.values().map(|p| p.versions.len()).sum();
        let q = self.quotas;
        BTreeMap::from([
            ("Users", n(self.users.len())),
            ("UsersQuota", n(q.users)),
            ("Groups", n(self.groups.len())),
            ("GroupsQuota", n(q.groups)),
            ("ServerCertificates", n(self.server_certificates.len())),
            ("ServerCertificatesQuota", n(q.server_certificates)),
            ("UserPolicySizeQuota", 2048),
            ("GroupPolicySizeQuota", 5120),
            ("GroupsPerUserQuota", n(q.groups_per_user)),
            ("SigningCertificatesPerUserQuota", 2),
            ("AccessKeysPerUserQuota", 2),
            // "The number of MFA devices in the account, including those assigned and
            // unassigned" (GetAccountSummary): the virtual devices, plus any assigned device
            // that is not one of them.
            (
                "MFADevices",
                n(self.virtual_mfa_devices.len()
                    + self
                        .users
                        .values()
                        .flat_map(|u| &u.mfa_devices)
                        .chain(&self.root.mfa_devices)
                        .filter(|d| !self.virtual_mfa_devices.contains_key(&d.serial_number))
                        .count()),
            ),
            ("MFADevicesInUse", n(mfa_in_use)),
            (
                "AccountMFAEnabled",
                u64::from(!self.root.mfa_devices.is_empty()),
            ),
            (
                "AccountAccessKeysPresent",
                u64::from(!self.root.access_keys.is_empty()),
            ),
            ("AccountPasswordPresent", 1),
            ("AccountSigningCertificatesPresent", 0),
            (
                "AttachedPoliciesPerGroupQuota",
                n(q.managed_policies_per_group),
            ),
            (
                "AttachedPoliciesPerRoleQuota",
                n(q.managed_policies_per_role),
            ),
            (
                "AttachedPoliciesPerUserQuota",
                n(q.managed_policies_per_user),
            ),
            ("Policies", n(self.policies.len())),
            ("PoliciesQuota", n(q.policies)),
            ("PolicySizeQuota", 6144),
            ("PolicyVersionsInUse", n(versions)),
            ("PolicyVersionsInUseQuota", 10000),
            ("VersionsPerPolicyQuota", 5),
            ("GlobalEndpointTokenVersion", 1),
            ("AssumeRolePolicySizeQuota", n(q.trust_policy_size)),
            ("InstanceProfiles", n(self.instance_profiles.len())),
            ("InstanceProfilesQuota", n(q.instance_profiles)),
            (
                "Providers",
                n(self.saml_providers.len() + self.oidc_providers.len()),
            ),
            ("RolePolicySizeQuota", 10240),
            ("Roles", n(self.roles.len())),
            ("RolesQuota", n(q.roles)),
        ])
    }
}

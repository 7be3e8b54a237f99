//! Credentials (spec §6.6): access keys (secret kept for signature checks, never shown), login profiles (password
//! kept only as a salted hash), MFA devices, the account password policy, and [`Secret`], the
//! wrapper that keeps secrets out of `Debug` and `Display`.

use super::time::Timestamp;
use std::fmt;

/// A secret value (an access key secret, a session token, a password). `Debug` and `Display`
/// print `<redacted>`; only [`Secret::expose`] gives the text.
///
/// ```
/// use iam_model::entities::Secret;
/// let s = Secret::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".to_string());
/// assert_eq!(format!("{s:?} {s}"), "<redacted> <redacted>");
/// assert_eq!(s.expose().len(), 40);
/// ```
///
/// Equality compares in constant time (for the length of the shorter text), so checking a
/// presented secret against a stored one does not leak how many leading characters matched.
#[derive(Clone)]
pub struct Secret(String);

impl PartialEq for Secret {
    fn eq(&self, other: &Secret) -> bool {
        self.matches(&other.0)
    }
}

impl Eq for Secret {}

impl Secret {
    /// True when `presented` is this secret, compared in constant time (every byte is looked
    /// at whatever the first difference; only the lengths may be learned from timing).
    ///
    /// ```
    /// use iam_model::entities::Secret;
    /// let s = Secret::new("abc".to_string());
    /// assert!(s.matches("abc"));
    /// assert!(!s.matches("abd") && !s.matches("ab") && !s.matches(""));
    /// ```
    pub fn matches(&self, presented: &str) -> bool {
        let (a, b) = (self.0.as_bytes(), presented.as_bytes());
        let mut diff = u8::from(a.len() != b.len());
        for (x, y) in a.iter().zip(b) {
            diff |= x ^ y;
        }
        std::hint::black_box(diff) == 0
    }
    /// Wraps a secret.
    pub fn new(text: String) -> Secret {
        Secret(text)
    }
    /// The secret text. Handle with care.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A salted one-way hash (PHC string) of a secret; printed as `<hash>`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretHash(pub String);

impl fmt::Debug for SecretHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<hash>")
    }
}

/// The status of an access key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccessKeyStatus {
    /// Usable.
    Active,
    /// Disabled (still counts against the quota).
    Inactive,
}

impl AccessKeyStatus {
    /// `Active` or `Inactive`.
    pub const fn as_str(self) -> &'static str {
        match self {
            AccessKeyStatus::Active => "Active",
            AccessKeyStatus::Inactive => "Inactive",
        }
    }
}

impl std::str::FromStr for AccessKeyStatus {
    type Err = super::IamError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "Active" => Ok(AccessKeyStatus::Active),
            "Inactive" => Ok(AccessKeyStatus::Inactive),
            _ => Err(super::IamError::validation(
                "status",
                s,
                "Member must satisfy enum value set: [Active, Inactive, Expired]",
            )),
        }
    }
}

/// The most access keys a user (or the root user) can have (spec §6.7).
pub const MAX_ACCESS_KEYS: usize = 2;
/// The most MFA devices a user can have in use (spec §6.7).
pub const MAX_MFA_DEVICES: usize = 8;

/// A long-term access key. The secret is kept (request signatures — SigV4 — are computed
/// from it, so a one-way hash cannot verify them) inside a [`Secret`]: never printed, never
/// exported or pickled, compared in constant time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKey {
    /// `AKIA…` (20 characters).
    pub id: String,
    /// The 40-character secret access key.
    pub secret_access_key: Secret,
    /// Active or inactive.
    pub status: AccessKeyStatus,
    /// Creation time.
    pub create_date: Timestamp,
}

/// A console password. Only the salted Argon2 hash is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginProfile {
    /// Argon2id PHC string.
    pub password_hash: SecretHash,
    /// Hashes of earlier passwords, newest last (for `PasswordReusePrevention`).
    pub history: Vec<SecretHash>,
    /// `PasswordResetRequired`.
    pub password_reset_required: bool,
    /// Creation time.
    pub create_date: Timestamp,
}

/// An MFA device assigned to a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MfaDevice {
    /// The serial number (ARN of a virtual device, or a hardware serial).
    pub serial_number: String,
    /// When it was enabled.
    pub enable_date: Timestamp,
}

/// The account password policy (`UpdateAccountPasswordPolicy`).
///
/// ```
/// use iam_model::entities::PasswordPolicy;
/// let p = PasswordPolicy { minimum_password_length: 10, require_symbols: true, ..PasswordPolicy::default() };
/// assert!(p.check("short!").is_err());
/// assert!(p.check("long-enough!").is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// `MinimumPasswordLength` (6-128; API default 6).
    pub minimum_password_length: u32,
    /// `RequireSymbols`.
    pub require_symbols: bool,
    /// `RequireNumbers`.
    pub require_numbers: bool,
    /// `RequireUppercaseCharacters`.
    pub require_uppercase_characters: bool,
    /// `RequireLowercaseCharacters`.
    pub require_lowercase_characters: bool,
    /// `AllowUsersToChangePassword`.
    pub allow_users_to_change_password: bool,
    /// `MaxPasswordAge` in days (1-1095), if passwords expire.
    pub max_password_age: Option<u32>,
    /// `PasswordReusePrevention` (1-24), if set.
    pub password_reuse_prevention: Option<u32>,
    /// `HardExpiry`.
    pub hard_expiry: bool,
}

impl Default for PasswordPolicy {
    /// The values `UpdateAccountPasswordPolicy` uses for omitted parameters.
    fn default() -> Self {
        PasswordPolicy {
            minimum_password_length: 6,
            require_symbols: false,
            require_numbers: false,
            require_uppercase_characters: false,
            require_lowercase_characters: false,
            allow_users_to_change_password: false,
            max_password_age: None,
            password_reuse_prevention: None,
            hard_expiry: false,
        }
    }
}

/// Symbols IAM accepts for `RequireSymbols`.
const SYMBOLS: &str = "!@#$%^&*()_+-=[]{}|'";

impl PasswordPolicy {
    /// Checks a password against the policy (length and character classes; reuse is checked by
    /// the account against the stored hashes). The error never contains the password.
    pub fn check(&self, password: &str) -> Result<(), super::IamError> {
        let n = password.chars().count();
        let fail = |why: &str| {
            Err(super::IamError::new(
                super::ErrorCode::PasswordPolicyViolation,
                format!("Password does not conform to the account password policy. {why}"),
            ))
        };
        if n < self.minimum_password_length as usize {
            return fail(&format!(
                "Password should have a minimum length of {}",
                self.minimum_password_length
            ));
        }
        if self.require_symbols && !password.chars().any(|c| SYMBOLS.contains(c)) {
            return fail("Password should have at least one symbol");
        }
        if self.require_numbers && !password.chars().any(|c| c.is_ascii_digit()) {
            return fail("Password should have at least one number");
        }
        if self.require_uppercase_characters && !password.chars().any(|c| c.is_ascii_uppercase()) {
            return fail("Password should have at least one uppercase letter");
        }
        if self.require_lowercase_characters && !password.chars().any(|c| c.is_ascii_lowercase()) {
            return fail("Password should have at least one lowercase letter");
        }
        Ok(())
    }
}

/// The most SSH public keys a user can have (spec §6.7).
pub const MAX_SSH_PUBLIC_KEYS: usize = 5;
/// The most signing certificates a user can have (spec §6.7).
pub const MAX_SIGNING_CERTIFICATES: usize = 2;
/// The most service-specific credentials a user can have for one service.
pub const MAX_SERVICE_SPECIFIC_CREDENTIALS: usize = 2;

/// An SSH public key uploaded for a user (`UploadSSHPublicKey`, used by CodeCommit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshPublicKey {
    /// `APKA…` (20 characters).
    pub id: String,
    /// The public key text as uploaded (public material).
    pub body: String,
    /// Active or inactive (inactive keys still count against the quota).
    pub status: AccessKeyStatus,
    /// Upload time.
    pub upload_date: Timestamp,
}

/// An X.509 signing certificate uploaded for a user (`UploadSigningCertificate`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningCertificate {
    /// 28 characters of `A-Z2-7` (AWS: 24 to 128 word characters).
    pub id: String,
    /// The PEM certificate body (public material).
    pub body: String,
    /// Active or inactive (inactive certificates still count against the quota).
    pub status: AccessKeyStatus,
    /// Upload time.
    pub upload_date: Timestamp,
}

/// A service-specific credential (`CreateServiceSpecificCredential`): a user name and a
/// password for one service. The password is kept only as a salted hash; it is returned once,
/// at creation or reset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSpecificCredential {
    /// `ACCA…` (21 characters).
    pub id: String,
    /// The service, e.g. `codecommit.amazonaws.com`.
    pub service_name: String,
    /// The generated user name for the service (`<user>-at-<account id>`).
    pub service_user_name: String,
    /// The hash of the generated password.
    pub password_hash: SecretHash,
    /// Active or inactive.
    pub status: AccessKeyStatus,
    /// Creation time.
    pub create_date: Timestamp,
}

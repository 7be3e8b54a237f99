//! Credentials (spec §6.6): access keys (secret from the OS CSPRNG, returned once, kept in a
//! redacted [`Secret`] for signature checks — SigV4 signs with the secret itself), login profiles (salted Argon2id password hash, the account password
//! policy enforced, reuse prevention), MFA devices and the account password policy.

use super::Account;
use super::secrets::{access_key_id_for, hash, secret_text, verify};
use iam_model::entities::{
    AccessKey, AccessKeyStatus, ErrorCode, IamError, IdPrefix, LoginProfile, MAX_ACCESS_KEYS,
    PasswordPolicy, Secret, Timestamp, validate,
};

/// What `CreateAccessKey` returns: the only time the secret is available.
/// `Debug` shows `<redacted>` for the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedAccessKey {
    /// The owner (`None` = the root user).
    pub user_name: Option<String>,
    /// `AKIA…`
    pub access_key_id: String,
    /// The 40-character secret.
    pub secret_access_key: Secret,
    /// `Active`.
    pub status: AccessKeyStatus,
    /// Creation time.
    pub create_date: Timestamp,
}

const PASSWORD_SYMBOLS: &str = "!@#$%^&*()_+-=[]{}|'";

impl Account {
    fn keys_mut(&mut self, user: Option<&str>) -> Result<&mut Vec<AccessKey>, IamError> {
        match user {
            Some(u) => Ok(&mut self.user_mut(u)?.access_keys),
            None => Ok(&mut self.root.access_keys),
        }
    }

    /// `CreateAccessKey` for a user (or the root user with `None`): at most 2 keys, inactive
    /// ones included.
    ///
    /// ```
    /// let mut a = iam_account::Account::new("123456789012").unwrap();
    /// a.create_user("ci", None).unwrap();
    /// let k = a.create_access_key(Some("ci")).unwrap();
    /// assert!(k.access_key_id.starts_with("AKIA") && k.access_key_id.len() == 20);
    /// assert_eq!(k.secret_access_key.expose().len(), 40);
    /// assert!(!format!("{k:?}").contains(k.secret_access_key.expose()));
    /// assert!(a.verify_access_key(&k.access_key_id, k.secret_access_key.expose()));
    /// ```
    pub fn create_access_key(&mut self, user: Option<&str>) -> Result<CreatedAccessKey, IamError> {
        let now = self.clock.now();
        let owner = match user {
            Some(u) => Some(self.get_user(u)?.name.clone()),
            None => None,
        };
        if self.keys_mut(user)?.len() >= MAX_ACCESS_KEYS {
            return Err(IamError::quota("AccessKeysPerUser", MAX_ACCESS_KEYS));
        }
        let id = access_key_id_for(IdPrefix::AccessKey, &self.id)?;
        let secret = secret_text(40)?;
        let key = AccessKey {
            id: id.clone(),
            secret_access_key: secret.clone(),
            status: AccessKeyStatus::Active,
            create_date: now,
        };
        self.keys_mut(user)?.push(key);
        self.key_owners.insert(id.clone(), owner.clone());
        Ok(CreatedAccessKey {
            user_name: owner,
            access_key_id: id,
            secret_access_key: secret,
            status: AccessKeyStatus::Active,
            create_date: now,
        })
    }

    fn key_mut(&mut self, user: Option<&str>, key_id: &str) -> Result<&mut AccessKey, IamError> {
        validate::length("accessKeyId", key_id, 16, 128)?;
        self.keys_mut(user)?
            .iter_mut()
            .find(|k| k.id == key_id)
            .ok_or_else(|| {
                IamError::new(
                    ErrorCode::NoSuchEntity,
                    format!("The Access Key with id {key_id} cannot be found."),
                )
            })
    }

    /// `UpdateAccessKey`: `Active` or `Inactive`.
    pub fn update_access_key(
        &mut self,
        user: Option<&str>,
        key_id: &str,
        status: AccessKeyStatus,
    ) -> Result<(), IamError> {
        self.key_mut(user, key_id)?.status = status;
        Ok(())
    }

    /// `DeleteAccessKey`.
    pub fn delete_access_key(&mut self, user: Option<&str>, key_id: &str) -> Result<(), IamError> {
        self.key_mut(user, key_id)?;
        self.keys_mut(user)?.retain(|k| k.id != key_id);
        self.key_owners.remove(key_id);
        Ok(())
    }

    /// `ListAccessKeys` (metadata only: no secret is ever retrievable).
    pub fn list_access_keys(&self, user: Option<&str>) -> Result<Vec<&AccessKey>, IamError> {
        match user {
            Some(u) => Ok(self.get_user(u)?.access_keys.iter().collect()),
            None => Ok(self.root.access_keys.iter().collect()),
        }
    }

    /// True when `secret` is the secret of the active long-term key or of the unexpired
    /// temporary key `key_id`.
    pub fn verify_access_key(&self, key_id: &str, secret: &str) -> bool {
        if let Some(s) = self.sessions.get(key_id) {
            return s.expiration > self.clock.now() && s.secret_access_key.matches(secret);
        }
        let Some(owner) = self.key_owners.get(key_id) else {
            return false;
        };
        let keys = match owner {
            Some(u) => match self.users.get(&super::key(u)) {
                Some(u) => &u.access_keys,
                None => return false,
            },
            None => &self.root.access_keys,
        };
        keys.iter().any(|k| {
            k.id == key_id
                && k.status == AccessKeyStatus::Active
                && k.secret_access_key.matches(secret)
        })
    }

    // ---------------------------------------------------------------- passwords

    /// The account password policy, if one was set.
    pub fn get_account_password_policy(&self) -> Result<&PasswordPolicy, IamError> {
        self.password_policy.as_ref().ok_or_else(|| {
            IamError::new(
                ErrorCode::NoSuchEntity,
                format!(
                    "The Password Policy with domain name {} cannot be found.",
                    self.id
                ),
            )
        })
    }

    /// `UpdateAccountPasswordPolicy` (MinimumPasswordLength 6-128, PasswordReusePrevention
    /// 1-24, MaxPasswordAge 1-1095).
    pub fn update_account_password_policy(
        &mut self,
        policy: PasswordPolicy,
    ) -> Result<(), IamError> {
        let range = |field: &str, v: u32, lo: u32, hi: u32| -> Result<(), IamError> {
            if v < lo {
                return Err(IamError::validation(
                    field,
                    &v.to_string(),
                    &format!("Member must have value greater than or equal to {lo}"),
                ));
            }
            if v > hi {
                return Err(IamError::validation(
                    field,
                    &v.to_string(),
                    &format!("Member must have value less than or equal to {hi}"),
                ));
            }
            Ok(())
        };
        range(
            "minimumPasswordLength",
            policy.minimum_password_length,
            6,
            128,
        )?;
        if let Some(r) = policy.password_reuse_prevention {
            range("passwordReusePrevention", r, 1, 24)?;
        }
        if let Some(m) = policy.max_password_age {
            range("maxPasswordAge", m, 1, 1095)?;
        }
        self.password_policy = Some(policy);
        Ok(())
    }

    /// `DeleteAccountPasswordPolicy`.
    pub fn delete_account_password_policy(&mut self) -> Result<(), IamError> {
        self.get_account_password_policy()?;
        self.password_policy = None;
        Ok(())
    }

    /// The password rules: the account's policy, or AWS's default when none is set (at least 8
    /// characters and 3 of: upper case, lower case, digits, symbols).
    fn check_password(&self, password: &str) -> Result<(), IamError> {
        validate::password_shape(password)?;
        match &self.password_policy {
            Some(p) => p.check(password),
            None => {
                let classes = [
                    password.chars().any(|c| c.is_ascii_uppercase()),
                    password.chars().any(|c| c.is_ascii_lowercase()),
                    password.chars().any(|c| c.is_ascii_digit()),
                    password
                        .chars()
                        .any(|c| PASSWORD_SYMBOLS.contains(c) || !c.is_ascii_alphanumeric()),
                ];
                if password.chars().count() < 8 || classes.iter().filter(|x| **x).count() < 3 {
                    return Err(IamError::new(
                        ErrorCode::PasswordPolicyViolation,
                        "Password does not conform to the account password policy. The default policy requires at least 8 characters and three of: uppercase letters, lowercase letters, numbers, symbols.",
                    ));
                }
                Ok(())
            }
        }
    }

    /// `CreateLoginProfile`: a console password (stored only as a salted Argon2id hash).
    ///
    /// ```
    /// let mut a = iam_account::Account::new("123456789012").unwrap();
    /// a.create_user("alice", None).unwrap();
    /// a.create_login_profile("alice", "Correct-Horse-9", false).unwrap();
    /// assert!(a.verify_password("alice", "Correct-Horse-9"));
    /// assert!(!a.verify_password("alice", "wrong"));
    /// assert_eq!(a.create_login_profile("bob", "x", false).unwrap_err().code, iam_model::entities::ErrorCode::NoSuchEntity);
    /// ```
    pub fn create_login_profile(
        &mut self,
        user: &str,
        password: &str,
        reset_required: bool,
    ) -> Result<(), IamError> {
        let u = self.get_user(user)?;
        if u.login_profile.is_some() {
            return Err(IamError::new(
                ErrorCode::EntityAlreadyExists,
                format!("Login Profile for user {} already exists.", u.name),
            ));
        }
        self.check_password(password)?;
        let now = self.clock.now();
        let h = hash(password)?;
        self.user_mut(user)?.login_profile = Some(LoginProfile {
            password_hash: h,
            history: Vec::new(),
            password_reset_required: reset_required,
            create_date: now,
        });
        Ok(())
    }

    fn no_login_profile(user: &str) -> IamError {
        IamError::new(
            ErrorCode::NoSuchEntity,
            format!("Login Profile for User {user} cannot be found."),
        )
    }

    /// `GetLoginProfile` (metadata; the hash is never shown).
    pub fn get_login_profile(&self, user: &str) -> Result<&LoginProfile, IamError> {
        self.get_user(user)?
            .login_profile
            .as_ref()
            .ok_or_else(|| Account::no_login_profile(user))
    }

    /// `UpdateLoginProfile`: new password (policy and reuse prevention enforced) and/or the
    /// reset-required flag.
    pub fn update_login_profile(
        &mut self,
        user: &str,
        password: Option<&str>,
        reset_required: Option<bool>,
    ) -> Result<(), IamError> {
        let profile = self.get_login_profile(user)?;
        let new_hash = match password {
            Some(pw) => {
                self.check_password(pw)?;
                let reuse = self
                    .password_policy
                    .as_ref()
                    .and_then(|p| p.password_reuse_prevention)
                    .unwrap_or(0) as usize;
                if reuse > 0 {
                    let recent = std::iter::once(&profile.password_hash)
                        .chain(profile.history.iter().rev())
                        .take(reuse);
                    for h in recent {
                        if verify(pw, h) {
                            return Err(IamError::new(
                                ErrorCode::PasswordPolicyViolation,
                                format!(
                                    "Password does not conform to the account password policy. Password was used within the last {reuse} passwords"
                                ),
                            ));
                        }
                    }
                }
                Some(hash(pw)?)
            }
            None => None,
        };
        let Some(p) = self.user_mut(user)?.login_profile.as_mut() else {
            return Err(Account::no_login_profile(user));
        };
        let changed = new_hash.is_some();
        if let Some(h) = new_hash {
            let old = std::mem::replace(&mut p.password_hash, h);
            p.history.push(old);
            if p.history.len() > 24 {
                p.history.remove(0);
            }
        }
        if let Some(r) = reset_required {
            p.password_reset_required = r;
        }
        if changed {
            let now = self.clock.now();
            self.activity.password_changed.insert(super::key(user), now);
        }
        Ok(())
    }

    /// `DeleteLoginProfile`.
    pub fn delete_login_profile(&mut self, user: &str) -> Result<(), IamError> {
        self.get_login_profile(user)?;
        self.user_mut(user)?.login_profile = None;
        Ok(())
    }

    /// True when `password` is the user's console password.
    pub fn verify_password(&self, user: &str, password: &str) -> bool {
        self.users
            .get(&super::key(user))
            .and_then(|u| u.login_profile.as_ref())
            .is_some_and(|p| verify(password, &p.password_hash))
    }
}

//! What the account has seen and the reports IAM builds from it (issue #11 part 4): access
//! keys' last use (`GetAccessKeyLastUsed`), the credential report (`GenerateCredentialReport`
//! / `GetCredentialReport`), service and action last accessed
//! (`GenerateServiceLastAccessedDetails`, `GetServiceLastAccessedDetails[WithEntities]`), and
//! `ChangePassword`.
//!
//! Every call that reaches authorization is recorded ([`Account::record_call`]): "The service
//! last accessed data includes all attempts to access an Amazon Web Services API, not just the
//! successful ones" (IAM API reference, GenerateServiceLastAccessedDetails). Only the calls
//! made to this account (IAM and STS) are seen.
//!
//! Sources: <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html>,
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccessKeyLastUsed.html>,
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_GenerateServiceLastAccessedDetails.html>,
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_ChangePassword.html>.

use super::caller::{Caller, CallerKind};
use super::sts::SessionKind;
use super::{Account, key};
use iam_model::catalog::Catalog;
use iam_model::entities::{AccessKeyStatus, ErrorCode, IamError, Timestamp};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// "When an access key is used more than once in a 15-minute span, only the first use is
/// recorded" (IAM User Guide, credential report format).
const KEY_USE_SPAN: i64 = 15 * 60;

/// A credential report is served for four hours: "If the existing report is more than four
/// hours old, IAM generates a new one" (IAM User Guide, "Getting credential reports").
const REPORT_LIFETIME: i64 = 4 * 3600;

/// The credential report's columns, in AWS's order (IAM User Guide, "Credential report
/// format").
pub const CREDENTIAL_REPORT_COLUMNS: [&str; 22] = [
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "password_next_rotation",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_1_last_used_region",
    "access_key_1_last_used_service",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
    "access_key_2_last_used_region",
    "access_key_2_last_used_service",
    "cert_1_active",
    "cert_1_last_rotated",
    "cert_2_active",
    "cert_2_last_rotated",
];

/// The last recorded use of an access key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyLastUsed {
    /// `LastUsedDate`.
    pub date: Timestamp,
    /// `ServiceName`: the service namespace (`iam`, `sts`).
    pub service: String,
    /// `Region` ("N/A" when the request did not say).
    pub region: String,
}

/// One last access of a service or action by an entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LastAccess {
    pub(crate) time: Timestamp,
    pub(crate) region: String,
}

/// A generated credential report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialReport {
    /// When it was generated (`GeneratedTime`).
    pub generated: Timestamp,
    /// The CSV text (`Content`, `text/csv`).
    pub csv: String,
}

/// A service-last-accessed job: what was known when it was generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LastAccessedJob {
    pub(crate) arn: String,
    pub(crate) action_level: bool,
    pub(crate) created: Timestamp,
    /// The users and roles whose activity counts for the entity: (ARN, name, type, id, path).
    pub(crate) entities: Vec<EntityRef>,
    /// Service namespaces the entity's policies allow.
    pub(crate) services: BTreeSet<String>,
    /// Snapshot of the records of `entities`.
    pub(crate) service_access: BTreeMap<(String, String), LastAccess>,
    pub(crate) action_access: BTreeMap<(String, String), LastAccess>,
}

/// A user or role as `EntityInfo` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EntityRef {
    pub(crate) arn: String,
    pub(crate) name: String,
    pub(crate) kind: &'static str,
    pub(crate) id: String,
    pub(crate) path: String,
}

/// The records every call updates, allowed or not: access keys' last use and the service and
/// action last accessed by users and roles.
#[derive(Debug, Default)]
pub(crate) struct Usage {
    /// Access key id → its last use.
    pub(crate) key_use: HashMap<String, KeyLastUsed>,
    /// (entity ARN, service namespace) → last access.
    pub(crate) service_access: BTreeMap<(String, String), LastAccess>,
    /// (entity ARN, `service:Action`) → last access.
    pub(crate) action_access: BTreeMap<(String, String), LastAccess>,
}

/// What the account has seen.
#[derive(Debug, Default)]
pub(crate) struct Activity {
    /// Key last used, service and action last accessed: behind a lock of their own, so that
    /// calls running on a shared borrow of the account — the operations that only read it
    /// (`operations::call_read`), several at once — record their use too. AWS itself records
    /// use asynchronously ("Recent activity usually appears within four hours"; IAM API
    /// reference, GenerateServiceLastAccessedDetails), so nothing here has to be durable
    /// before a read's response.
    pub(crate) usage: Mutex<Usage>,
    /// User (lower-case name) → when its password last changed.
    pub(crate) password_changed: HashMap<String, Timestamp>,
    pub(crate) credential_report: Option<CredentialReport>,
    pub(crate) jobs: BTreeMap<String, LastAccessedJob>,
}

/// ISO 8601 as the credential report writes it (`2026-12-01T00:00:10+00:00`).
fn report_time(t: Timestamp) -> String {
    let s = t.to_string();
    match s.strip_suffix('Z') {
        Some(x) => format!("{x}+00:00"),
        None => s,
    }
}

fn tf(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

impl Account {
    /// Records a call by `caller` to `operation` of `service` (IAM's last-used data): the
    /// access key's last use (long-term keys; the first use in any 15-minute span) and the
    /// calling user's or role's service and action last accessed.
    pub fn record_call(&self, caller: &Caller, service: &str, operation: &str) {
        let now = self.clock.now();
        let region = caller.region.clone().unwrap_or_else(|| "N/A".to_string());
        let mut usage = self.usage();
        if let Some(k) = &caller.access_key_id
            && self.key_owners.contains_key(k)
        {
            let fresh = usage
                .key_use
                .get(k)
                .is_none_or(|u| now.0 - u.date.0 >= KEY_USE_SPAN);
            if fresh {
                usage.key_use.insert(
                    k.clone(),
                    KeyLastUsed {
                        date: now,
                        service: service.to_string(),
                        region: region.clone(),
                    },
                );
            }
        }
        let entity = match &caller.kind {
            CallerKind::User { name } => self.users.get(&key(name)).map(|u| u.arn.clone()),
            CallerKind::Session { access_key_id } => {
                self.sessions
                    .get(access_key_id)
                    .and_then(|s| match &s.kind {
                        SessionKind::Role { role_name, .. } => {
                            self.roles.get(&key(role_name)).map(|r| r.arn.clone())
                        }
                        SessionKind::SessionToken { user_name: Some(u) } => {
                            self.users.get(&key(u)).map(|u| u.arn.clone())
                        }
                        _ => None,
                    })
            }
            CallerKind::Root => None,
        };
        if let Some(entity) = entity {
            let access = LastAccess { time: now, region };
            let action = Catalog::get()
                .service_action(service, operation)
                .map_or_else(
                    || format!("{service}:{operation}"),
                    |(s, a)| format!("{}:{}", s.prefix, a.name),
                );
            usage
                .service_access
                .insert((entity.clone(), service.to_string()), access.clone());
            usage.action_access.insert((entity, action), access);
        }
    }

    /// The usage records, locked (a panic while they were held leaves them usable: each
    /// update is one insert).
    pub(crate) fn usage(&self) -> MutexGuard<'_, Usage> {
        self.activity
            .usage
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// `GetAccessKeyLastUsed`: the key's owner (`None` for a root key) and its last use
    /// (`None` when never used: `ServiceName` and `Region` are then "N/A").
    pub fn access_key_last_used(
        &self,
        access_key_id: &str,
    ) -> Result<(Option<String>, Option<KeyLastUsed>), IamError> {
        let owner = self.key_owners.get(access_key_id).ok_or_else(|| {
            IamError::new(
                ErrorCode::AccessDenied,
                format!(
                    "The access key {access_key_id} does not exist in this account or is not visible to the caller."
                ),
            )
        })?;
        let owner = match owner {
            Some(u) => Some(self.get_user(u)?.name.clone()),
            None => None,
        };
        Ok((owner, self.usage().key_use.get(access_key_id).cloned()))
    }

    /// `ChangePassword`: the calling IAM user's own password. The old password must match;
    /// the new one must satisfy the account password policy (and its reuse prevention);
    /// `PasswordResetRequired` is cleared. The root user and sessions that are not a user's
    /// get `InvalidUserType` ("The Amazon Web Services account root user password is not
    /// affected by this operation").
    pub fn change_password(
        &mut self,
        caller: &Caller,
        old_password: &str,
        new_password: &str,
    ) -> Result<(), IamError> {
        let Some(user) = self.calling_user_name(caller) else {
            return Err(IamError::new(
                ErrorCode::InvalidUserType,
                "The request was rejected because the type of user for the transaction was incorrect.",
            ));
        };
        self.get_login_profile(&user)?;
        if !self.verify_password(&user, old_password) {
            // AWS does not document the answer to a wrong old password (UNSPECIFIED); the
            // console's wording for a refused change is an authorization failure.
            return Err(IamError::new(
                ErrorCode::AccessDenied,
                "The old password is incorrect.",
            ));
        }
        self.update_login_profile(&user, Some(new_password), Some(false))?;
        let now = self.clock.now();
        self.activity.password_changed.insert(key(&user), now);
        Ok(())
    }

    /// Whether the account password policy lets every IAM user change their own password
    /// without an `iam:ChangePassword` permission (`AllowUsersToChangePassword`; IAM User
    /// Guide, "Permitting IAM users to change their own passwords").
    pub(crate) fn users_may_change_password(&self) -> bool {
        self.password_policy
            .as_ref()
            .is_some_and(|p| p.allow_users_to_change_password)
    }

    fn credential_report_csv(&self) -> String {
        let now_na = |t: Option<Timestamp>| t.map_or_else(|| "N/A".to_string(), report_time);
        let mut out = CREDENTIAL_REPORT_COLUMNS.join(",");
        out.push('\n');
        let usage = self.usage();
        let key_cells = |keys: &[iam_model::entities::AccessKey], i: usize| -> Vec<String> {
            match keys.get(i) {
                Some(k) => {
                    let used = usage.key_use.get(&k.id);
                    vec![
                        tf(k.status == AccessKeyStatus::Active).to_string(),
                        report_time(k.create_date),
                        now_na(used.map(|u| u.date)),
                        used.map_or("N/A".to_string(), |u| u.region.clone()),
                        used.map_or("N/A".to_string(), |u| u.service.clone()),
                    ]
                }
                None => vec![
                    "false".into(),
                    "N/A".into(),
                    "N/A".into(),
                    "N/A".into(),
                    "N/A".into(),
                ],
            }
        };
        // The root user: its password fields are "not_supported".
        let mut row = vec![
            "<root_account>".to_string(),
            self.root_arn(),
            report_time(self.created),
            "not_supported".into(),
            "no_information".into(),
            "not_supported".into(),
            "not_supported".into(),
            tf(!self.root.mfa_devices.is_empty()).into(),
        ];
        row.extend(key_cells(&self.root.access_keys, 0));
        row.extend(key_cells(&self.root.access_keys, 1));
        row.extend(["false", "N/A", "false", "N/A"].map(String::from));
        out.push_str(&row.join(","));
        out.push('\n');
        let max_age = self
            .password_policy
            .as_ref()
            .and_then(|p| p.max_password_age);
        for u in self.users.values() {
            let changed = u.login_profile.as_ref().map(|lp| {
                self.activity
                    .password_changed
                    .get(&key(&u.name))
                    .copied()
                    .unwrap_or(lp.create_date)
            });
            let next = match (changed, max_age) {
                (Some(c), Some(days)) => Some(c + i64::from(days) * 86_400),
                _ => None,
            };
            let mut row = vec![
                u.name.clone(),
                u.arn.clone(),
                report_time(u.create_date),
                tf(u.login_profile.is_some()).into(),
                // Console sign-ins are not modelled: a password that exists has no
                // sign-in information; no password is "N/A".
                if u.login_profile.is_some() {
                    "no_information".into()
                } else {
                    "N/A".into()
                },
                now_na(changed),
                now_na(next),
                tf(!u.mfa_devices.is_empty()).into(),
            ];
            row.extend(key_cells(&u.access_keys, 0));
            row.extend(key_cells(&u.access_keys, 1));
            for i in 0..2 {
                match u.signing_certificates.get(i) {
                    Some(c) => {
                        row.push(tf(c.status == AccessKeyStatus::Active).into());
                        row.push(report_time(c.upload_date));
                    }
                    None => row.extend(["false", "N/A"].map(String::from)),
                }
            }
            out.push_str(&row.join(","));
            out.push('\n');
        }
        out
    }

    /// `GenerateCredentialReport`: `("STARTED", Some(description))` when a new report is made,
    /// `("COMPLETE", None)` while the last one is less than four hours old. Reports are made
    /// at once (no `INPROGRESS` state is ever seen).
    pub fn generate_credential_report(&mut self) -> (&'static str, Option<&'static str>) {
        let now = self.clock.now();
        if self
            .activity
            .credential_report
            .as_ref()
            .is_some_and(|r| now.0 - r.generated.0 < REPORT_LIFETIME)
        {
            return ("COMPLETE", None);
        }
        let csv = self.credential_report_csv();
        self.activity.credential_report = Some(CredentialReport {
            generated: now,
            csv,
        });
        (
            "STARTED",
            Some("No report exists. Starting a new report generation task"),
        )
    }

    /// `GetCredentialReport`: the last report; `ReportNotPresent` before any, `ReportExpired`
    /// once it is four hours old (messages from the IAM service model's error documentation).
    pub fn get_credential_report(&self) -> Result<&CredentialReport, IamError> {
        let r = self.activity.credential_report.as_ref().ok_or_else(|| {
            IamError::new(
                ErrorCode::ReportNotPresent,
                "The request was rejected because the credential report does not exist. To \
                 generate a credential report, use GenerateCredentialReport.",
            )
        })?;
        if self.clock.now().0 - r.generated.0 >= REPORT_LIFETIME {
            return Err(IamError::new(
                ErrorCode::ReportExpired,
                "The request was rejected because the most recent credential report has \
                 expired. To generate a new credential report, use GenerateCredentialReport.",
            ));
        }
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Clock, FixedClock};
    use std::sync::Arc;

    #[test]
    fn credential_report_columns_rows_and_lifetime() {
        let clock = Arc::new(FixedClock::at("2026-12-01T00:00:10Z").unwrap());
        let mut a = Account::with_clock("111122223333", clock.clone()).unwrap();
        assert_eq!(
            a.get_credential_report().unwrap_err().code,
            ErrorCode::ReportNotPresent
        );
        a.create_user("alice", None).unwrap();
        a.create_login_profile("alice", "Correct-Horse-9!", true)
            .unwrap();
        let k = a.create_access_key(Some("alice")).unwrap();
        let alice = a
            .authenticate(&k.access_key_id, k.secret_access_key.expose(), None)
            .unwrap();
        a.record_call(&alice, "iam", "ListUsers");
        assert_eq!(a.generate_credential_report().0, "STARTED");
        assert_eq!(a.generate_credential_report().0, "COMPLETE");
        let r = a.get_credential_report().unwrap();
        let lines: Vec<&str> = r.csv.lines().collect();
        assert_eq!(lines[0].split(',').count(), 22);
        assert!(lines[1].starts_with(
            "<root_account>,arn:aws:iam::111122223333:root,2026-12-01T00:00:10+00:00,not_supported"
        ));
        let alice_row: Vec<&str> = lines[2].split(',').collect();
        assert_eq!(alice_row[0], "alice");
        assert_eq!(alice_row[3], "true");
        assert_eq!(alice_row[8], "true");
        assert_eq!(alice_row[10], "2026-12-01T00:00:10+00:00");
        assert_eq!(alice_row[11], "N/A");
        assert_eq!(alice_row[12], "iam");
        assert_eq!(alice_row[13], "false");
        clock.advance(REPORT_LIFETIME);
        assert_eq!(
            a.get_credential_report().unwrap_err().code,
            ErrorCode::ReportExpired
        );
        assert_eq!(a.generate_credential_report().0, "STARTED");
    }

    #[test]
    fn key_use_keeps_the_first_use_of_each_15_minutes() {
        let clock = Arc::new(FixedClock::at("2026-12-01T00:00:00Z").unwrap());
        let mut a = Account::with_clock("111122223333", clock.clone()).unwrap();
        a.create_user("bob", None).unwrap();
        let k = a.create_access_key(Some("bob")).unwrap();
        let (owner, used) = a.access_key_last_used(&k.access_key_id).unwrap();
        assert_eq!((owner.as_deref(), used), (Some("bob"), None));
        let mut bob = a
            .authenticate(&k.access_key_id, k.secret_access_key.expose(), None)
            .unwrap();
        bob.region = Some("eu-west-1".into());
        a.record_call(&bob, "sts", "GetCallerIdentity");
        clock.advance(60);
        a.record_call(&bob, "iam", "ListUsers");
        let used = a.access_key_last_used(&k.access_key_id).unwrap().1.unwrap();
        assert_eq!(
            (used.service.as_str(), used.region.as_str()),
            ("sts", "eu-west-1")
        );
        clock.advance(KEY_USE_SPAN);
        a.record_call(&bob, "iam", "ListUsers");
        let used = a.access_key_last_used(&k.access_key_id).unwrap().1.unwrap();
        assert_eq!(used.service, "iam");
        assert_eq!(used.date, clock.now());
        assert_eq!(
            a.access_key_last_used("AKIAAAAAAAAAAAAAAAAA")
                .unwrap_err()
                .code,
            ErrorCode::AccessDenied
        );
    }
}

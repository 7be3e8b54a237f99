//! Account snapshots: the whole state of an [`Account`] as one JSON value, and back — what an
//! endpoint's state directory keeps so that a restart does not replay every change ever made
//! (`iam-server`'s journal compaction).
//!
//! The snapshot is exact: every field of the account and of every entity is written (the
//! writers destructure each struct without `..`, and the reader builds the account with a full
//! struct literal, so a field added later fails to compile here until it is saved too).
//! Policy documents are kept as the text that was saved and parsed again when read (a document
//! without text — a managed policy passed to a session by ARN — is kept as its parsed form,
//! written back as JSON).
//!
//! Two things are not in it, on purpose:
//! - what an imported account remembers of its source file (used for an exact export): it never
//!   changes after the import, so the reader keeps the one of the account it is applied to — the
//!   account rebuilt from the same import ([`Account::restore_snapshot`]);
//! - the denials recorded under [`Enforcement::Soft`](crate::Enforcement::Soft) (a running
//!   session's diagnostics, like a replayed journal which does not keep them either).
//!
//! **The snapshot holds secrets** — access-key secret keys, session tokens, MFA seeds (the
//! keys must keep working after a restart) — and password hashes: keep it where only its owner
//! can read it (`iam-server` writes it with mode 0600 in a 0700 directory). It is never printed.

use super::enforce::Enforcement;
use super::mfa::VirtualMfaDevice;
use super::org_policies::OrganizationPolicies;
use super::reports::{
    Activity, CredentialReport, EntityRef, KeyLastUsed, LastAccess, LastAccessedJob, Usage,
};
use super::sts::{Session, SessionKind};
use super::{Account, Quotas};
use iam_model::entities::{
    AccessKey, AccessKeyStatus, Group, InlinePolicy, InstanceProfile, LoginProfile, ManagedPolicy,
    MfaDevice, OidcProvider, PasswordPolicy, PolicyDocument, PolicyVersion, Role, RootUser,
    SamlProvider, Secret, SecretHash, ServerCertificate, ServiceSpecificCredential,
    SigningCertificate, SshPublicKey, Tags, Timestamp, User,
};
use iam_model::{Policy, PolicyType};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

/// The layout version written in `"snapshot"`.
pub const SNAPSHOT_VERSION: u64 = 1;

// ------------------------------------------------------------------------------------ writing

fn ts(t: Timestamp) -> Value {
    json!(t.0)
}

fn ots(t: Option<Timestamp>) -> Value {
    t.map_or(Value::Null, ts)
}

fn doc(d: &PolicyDocument) -> Value {
    if d.text().is_empty() {
        json!({ "parsed": serde_json::to_value(d.policy()).unwrap_or(Value::Null) })
    } else {
        Value::String(d.text().to_string())
    }
}

fn tags(t: &Tags) -> Value {
    let items: Vec<Value> = t.iter().map(|t| json!([t.key, t.value])).collect();
    json!({ "case_insensitive": t.is_case_insensitive(), "items": items })
}

fn inline(ps: &[InlinePolicy]) -> Value {
    ps.iter()
        .map(|InlinePolicy { name, document }| json!({ "name": name, "document": doc(document) }))
        .collect()
}

fn access_key(k: &AccessKey) -> Value {
    let AccessKey {
        id,
        secret_access_key,
        status,
        create_date,
    } = k;
    json!({ "id": id, "secret_access_key": secret_access_key.expose(), "status": status.as_str(),
        "create_date": ts(*create_date) })
}

fn mfa_device(d: &MfaDevice) -> Value {
    let MfaDevice {
        serial_number,
        enable_date,
    } = d;
    json!({ "serial_number": serial_number, "enable_date": ts(*enable_date) })
}

fn map_of<'a, K: AsRef<str> + 'a, V: 'a>(
    it: impl Iterator<Item = (&'a K, &'a V)>,
    f: impl Fn(&V) -> Value,
) -> Value {
    // Sorted by key, so that the same account always gives the same text.
    let sorted: BTreeMap<&str, Value> = it.map(|(k, v)| (k.as_ref(), f(v))).collect();
    Value::Object(
        sorted
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

fn user(u: &User) -> Value {
    let User {
        name,
        path,
        id,
        arn,
        create_date,
        inline_policies,
        attached_policies,
        permissions_boundary,
        groups,
        access_keys,
        login_profile,
        mfa_devices,
        ssh_public_keys,
        signing_certificates,
        service_specific_credentials,
        tags: t,
    } = u;
    let login = login_profile.as_ref().map(|l| {
        let LoginProfile {
            password_hash,
            history,
            password_reset_required,
            create_date,
        } = l;
        json!({ "password_hash": password_hash.0,
            "history": history.iter().map(|h| h.0.clone()).collect::<Vec<_>>(),
            "password_reset_required": password_reset_required, "create_date": ts(*create_date) })
    });
    let ssh: Vec<Value> = ssh_public_keys
        .iter()
        .map(|k| {
            let SshPublicKey {
                id,
                body,
                status,
                upload_date,
            } = k;
            json!({ "id": id, "body": body, "status": status.as_str(), "upload_date": ts(*upload_date) })
        })
        .collect();
    let certs: Vec<Value> = signing_certificates
        .iter()
        .map(|c| {
            let SigningCertificate {
                id,
                body,
                status,
                upload_date,
            } = c;
            json!({ "id": id, "body": body, "status": status.as_str(), "upload_date": ts(*upload_date) })
        })
        .collect();
    let sscs: Vec<Value> = service_specific_credentials
        .iter()
        .map(|c| {
            let ServiceSpecificCredential {
                id,
                service_name,
                service_user_name,
                password_hash,
                status,
                create_date,
            } = c;
            json!({ "id": id, "service_name": service_name, "service_user_name": service_user_name,
                "password_hash": password_hash.0, "status": status.as_str(),
                "create_date": ts(*create_date) })
        })
        .collect();
    json!({
        "name": name, "path": path, "id": id, "arn": arn, "create_date": ts(*create_date),
        "inline_policies": inline(inline_policies), "attached_policies": attached_policies,
        "permissions_boundary": permissions_boundary, "groups": groups,
        "access_keys": access_keys.iter().map(access_key).collect::<Vec<_>>(),
        "login_profile": login, "mfa_devices": mfa_devices.iter().map(mfa_device).collect::<Vec<_>>(),
        "ssh_public_keys": ssh, "signing_certificates": certs,
        "service_specific_credentials": sscs, "tags": tags(t),
    })
}

fn group(g: &Group) -> Value {
    let Group {
        name,
        path,
        id,
        arn,
        create_date,
        inline_policies,
        attached_policies,
        users,
    } = g;
    json!({ "name": name, "path": path, "id": id, "arn": arn, "create_date": ts(*create_date),
        "inline_policies": inline(inline_policies), "attached_policies": attached_policies,
        "users": users })
}

fn role(r: &Role) -> Value {
    let Role {
        name,
        path,
        id,
        arn,
        create_date,
        trust_policy,
        description,
        max_session_duration,
        inline_policies,
        attached_policies,
        permissions_boundary,
        tags: t,
        instance_profiles,
        service_linked,
    } = r;
    json!({ "name": name, "path": path, "id": id, "arn": arn, "create_date": ts(*create_date),
        "trust_policy": doc(trust_policy), "description": description,
        "max_session_duration": max_session_duration, "inline_policies": inline(inline_policies),
        "attached_policies": attached_policies, "permissions_boundary": permissions_boundary,
        "tags": tags(t), "instance_profiles": instance_profiles, "service_linked": service_linked })
}

fn instance_profile(p: &InstanceProfile) -> Value {
    let InstanceProfile {
        name,
        path,
        id,
        arn,
        create_date,
        roles,
        tags: t,
    } = p;
    json!({ "name": name, "path": path, "id": id, "arn": arn, "create_date": ts(*create_date),
        "roles": roles, "tags": tags(t) })
}

fn managed_policy(p: &ManagedPolicy) -> Value {
    let ManagedPolicy {
        name,
        path,
        id,
        arn,
        description,
        create_date,
        update_date,
        versions,
        default_version_id,
        next_version,
        attachment_count,
        permissions_boundary_usage_count,
        tags: t,
    } = p;
    let versions: Vec<Value> = versions
        .iter()
        .map(|v| {
            let PolicyVersion {
                version_id,
                document,
                create_date,
            } = v;
            json!({ "version_id": version_id, "document": doc(document), "create_date": ts(*create_date) })
        })
        .collect();
    json!({ "name": name, "path": path, "id": id, "arn": arn, "description": description,
        "create_date": ts(*create_date), "update_date": ts(*update_date), "versions": versions,
        "default_version_id": default_version_id, "next_version": next_version,
        "attachment_count": attachment_count,
        "permissions_boundary_usage_count": permissions_boundary_usage_count, "tags": tags(t) })
}

fn password_policy(p: &PasswordPolicy) -> Value {
    let PasswordPolicy {
        minimum_password_length,
        require_symbols,
        require_numbers,
        require_uppercase_characters,
        require_lowercase_characters,
        allow_users_to_change_password,
        max_password_age,
        password_reuse_prevention,
        hard_expiry,
    } = p;
    json!({ "minimum_password_length": minimum_password_length, "require_symbols": require_symbols,
        "require_numbers": require_numbers,
        "require_uppercase_characters": require_uppercase_characters,
        "require_lowercase_characters": require_lowercase_characters,
        "allow_users_to_change_password": allow_users_to_change_password,
        "max_password_age": max_password_age, "password_reuse_prevention": password_reuse_prevention,
        "hard_expiry": hard_expiry })
}

fn session(s: &Session) -> Value {
    let Session {
        access_key_id,
        secret_access_key,
        session_token,
        issued,
        mfa_authenticated_at,
        arn,
        user_id,
        expiration,
        kind,
        policies,
        tags: t,
        transitive_tag_keys,
        source_identity,
    } = s;
    let kind = match kind {
        SessionKind::Role {
            role_name,
            session_name,
            chained,
        } => json!({ "type": "role", "role_name": role_name, "session_name": session_name,
            "chained": chained }),
        SessionKind::FederatedUser { user_name } => {
            json!({ "type": "federated_user", "user_name": user_name })
        }
        SessionKind::SessionToken { user_name } => {
            json!({ "type": "session_token", "user_name": user_name })
        }
    };
    json!({ "access_key_id": access_key_id, "secret_access_key": secret_access_key.expose(),
        "session_token": session_token.expose(), "issued": ts(*issued),
        "mfa_authenticated_at": ots(*mfa_authenticated_at), "arn": arn, "user_id": user_id,
        "expiration": ts(*expiration), "kind": kind,
        "policies": policies.iter().map(|(n, d)| json!([n, doc(d)])).collect::<Vec<_>>(),
        "tags": t.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
        "transitive_tag_keys": transitive_tag_keys, "source_identity": source_identity })
}

fn quotas(q: &Quotas) -> Value {
    let Quotas {
        users,
        groups,
        roles,
        policies,
        instance_profiles,
        managed_policies_per_user,
        managed_policies_per_role,
        managed_policies_per_group,
        groups_per_user,
        trust_policy_size,
        saml_providers,
        oidc_providers,
        server_certificates,
    } = q;
    json!({ "users": users, "groups": groups, "roles": roles, "policies": policies,
        "instance_profiles": instance_profiles,
        "managed_policies_per_user": managed_policies_per_user,
        "managed_policies_per_role": managed_policies_per_role,
        "managed_policies_per_group": managed_policies_per_group,
        "groups_per_user": groups_per_user, "trust_policy_size": trust_policy_size,
        "saml_providers": saml_providers, "oidc_providers": oidc_providers,
        "server_certificates": server_certificates })
}

fn virtual_mfa(d: &VirtualMfaDevice) -> Value {
    let VirtualMfaDevice {
        serial_number,
        seed,
        create_date,
        user,
        enable_date,
        tags: t,
        last_step,
        drift,
    } = d;
    json!({ "serial_number": serial_number, "seed": seed.expose(), "create_date": ts(*create_date),
        "user": user, "enable_date": ots(*enable_date), "tags": tags(t), "last_step": last_step,
        "drift": drift })
}

fn accesses(m: &BTreeMap<(String, String), LastAccess>) -> Value {
    m.iter()
        .map(|((a, b), LastAccess { time, region })| json!([a, b, ts(*time), region]))
        .collect()
}

fn activity(a: &Activity) -> Value {
    let Activity {
        usage,
        password_changed,
        credential_report,
        jobs,
    } = a;
    let usage = usage.lock().unwrap_or_else(PoisonError::into_inner);
    let Usage {
        key_use,
        service_access,
        action_access,
    } = &*usage;
    let report = credential_report.as_ref().map(
        |CredentialReport { generated, csv }| json!({ "generated": ts(*generated), "csv": csv }),
    );
    let job = |j: &LastAccessedJob| {
        let LastAccessedJob {
            arn,
            action_level,
            created,
            entities,
            services,
            service_access,
            action_access,
        } = j;
        let entities: Vec<Value> = entities
            .iter()
            .map(
                |EntityRef {
                     arn,
                     name,
                     kind,
                     id,
                     path,
                 }| {
                    json!({ "arn": arn, "name": name, "kind": kind, "id": id, "path": path })
                },
            )
            .collect();
        json!({ "arn": arn, "action_level": action_level, "created": ts(*created),
            "entities": entities, "services": services, "service_access": accesses(service_access),
            "action_access": accesses(action_access) })
    };
    json!({
        "key_use": map_of(key_use.iter(), |KeyLastUsed { date, service, region }| {
            json!({ "date": ts(*date), "service": service, "region": region })
        }),
        "service_access": accesses(service_access),
        "action_access": accesses(action_access),
        "password_changed": map_of(password_changed.iter(), |t| ts(*t)),
        "credential_report": report,
        "jobs": map_of(jobs.iter(), job),
    })
}

fn org_policies(o: &OrganizationPolicies) -> Value {
    let OrganizationPolicies {
        scps,
        rcps,
        management_account,
        organization_id,
    } = o;
    let levels = |ls: &Vec<Vec<Arc<Policy>>>| -> Value {
        ls.iter()
            .map(|l| {
                l.iter()
                    .map(|p| serde_json::to_value(&**p).unwrap_or(Value::Null))
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    json!({ "scps": levels(scps), "rcps": levels(rcps), "management_account": management_account,
        "organization_id": organization_id })
}

impl Account {
    /// The whole state of the account as JSON (see the [module](self) documentation): read
    /// back by [`Account::restore_snapshot`]. **Holds the account's secrets**: store it
    /// privately, never print it.
    ///
    /// ```
    /// let mut a = iam_account::Account::new("111122223333").unwrap();
    /// a.create_user("alice", None).unwrap();
    /// let key = a.create_access_key(Some("alice")).unwrap();
    /// let snap = a.snapshot();
    /// let mut b = iam_account::Account::new("111122223333").unwrap();
    /// b.restore_snapshot(&snap).unwrap();
    /// assert_eq!(b.snapshot(), snap);
    /// assert!(b.authenticate(&key.access_key_id, key.secret_access_key.expose(), None).is_ok());
    /// ```
    pub fn snapshot(&self) -> Value {
        let Account {
            id,
            alias,
            root,
            users,
            groups,
            roles,
            instance_profiles,
            policies,
            policy_names,
            password_policy: pw,
            resource_policies,
            resource_roles,
            key_owners,
            sessions,
            saml_providers,
            oidc_providers,
            server_certificates,
            quotas: q,
            clock: _,
            aws_overrides,
            gaad,
            enforcement,
            denials: _,
            created,
            virtual_mfa_devices,
            activity: act,
            org_policies: orgp,
            oidc_keys,
            encoded_messages,
        } = self;
        let RootUser {
            access_keys,
            mfa_devices,
        } = root;
        json!({
            "snapshot": SNAPSHOT_VERSION,
            "id": id,
            "alias": alias,
            "root": { "access_keys": access_keys.iter().map(access_key).collect::<Vec<_>>(),
                      "mfa_devices": mfa_devices.iter().map(mfa_device).collect::<Vec<_>>() },
            "users": map_of(users.iter(), user),
            "groups": map_of(groups.iter(), group),
            "roles": map_of(roles.iter(), role),
            "instance_profiles": map_of(instance_profiles.iter(), instance_profile),
            "policies": map_of(policies.iter(), managed_policy),
            "policy_names": map_of(policy_names.iter(), |a| json!(a)),
            "password_policy": pw.as_ref().map(password_policy),
            "resource_policies": map_of(resource_policies.iter(), doc),
            "resource_roles": map_of(resource_roles.iter(), |r| json!(r)),
            "key_owners": map_of(key_owners.iter(), |o| json!(o)),
            "sessions": map_of(sessions.iter(), session),
            "saml_providers": map_of(saml_providers.iter(), |p| {
                let SamlProvider { name, arn, metadata_document, create_date } = p;
                json!({ "name": name, "arn": arn, "metadata_document": metadata_document,
                    "create_date": ts(*create_date) })
            }),
            "oidc_providers": map_of(oidc_providers.iter(), |p| {
                let OidcProvider { url, arn, client_ids, thumbprints, create_date } = p;
                json!({ "url": url, "arn": arn, "client_ids": client_ids,
                    "thumbprints": thumbprints, "create_date": ts(*create_date) })
            }),
            "server_certificates": map_of(server_certificates.iter(), |c| {
                let ServerCertificate { name, path, id, arn, body, private_key_hash, upload_date } = c;
                json!({ "name": name, "path": path, "id": id, "arn": arn, "body": body,
                    "private_key_hash": private_key_hash.0, "upload_date": ts(*upload_date) })
            }),
            "quotas": quotas(q),
            "aws_overrides": map_of(aws_overrides.iter(), managed_policy),
            "imported": gaad.is_some(),
            "enforcement": enforcement.as_str(),
            "created": ts(*created),
            "virtual_mfa_devices": map_of(virtual_mfa_devices.iter(), virtual_mfa),
            "activity": activity(act),
            "org_policies": orgp.as_ref().map(org_policies),
            "oidc_keys": map_of(oidc_keys.iter(), |ks: &Vec<crate::ProviderKey>| {
                Value::Array(ks.iter().map(crate::ProviderKey::to_jwk).collect())
            }),
            "encoded_messages": map_of(encoded_messages.iter(), |m| json!(m)),
        })
    }

    /// Replaces the account's whole state with a [`snapshot`](Account::snapshot), keeping its
    /// clock and — for an imported account — what it remembers of its source file (which the
    /// snapshot does not hold: apply the snapshot to the account rebuilt from the same import).
    /// All or nothing: on an error (with what was wrong and where) the account is unchanged.
    ///
    /// ```
    /// let mut a = iam_account::Account::new("111122223333").unwrap();
    /// let mut snap = a.snapshot();
    /// snap["id"] = serde_json::json!(7);
    /// assert_eq!(a.restore_snapshot(&snap).unwrap_err(), "`id` is not a string");
    /// assert_eq!(a.id(), "111122223333");
    /// ```
    pub fn restore_snapshot(&mut self, snapshot: &Value) -> Result<(), String> {
        let v = snapshot;
        match v.get("snapshot").and_then(Value::as_u64) {
            Some(SNAPSHOT_VERSION) => {}
            other => {
                return Err(format!(
                    "not an account snapshot of layout {SNAPSHOT_VERSION} (\"snapshot\": {other:?})"
                ));
            }
        }
        let imported = b(v, "imported")?;
        if imported != self.gaad.is_some() {
            return Err(if imported {
                "the snapshot is of an imported account: apply it to the account rebuilt from its import"
                    .to_string()
            } else {
                "the snapshot is of an account that was not imported, but this one was".to_string()
            });
        }
        let root = field(v, "root")?;
        let acct = Account {
            id: s(v, "id")?,
            alias: os(v, "alias")?,
            root: RootUser {
                access_keys: list(root, "access_keys", r_access_key).map_err(ctx("root"))?,
                mfa_devices: list(root, "mfa_devices", r_mfa_device).map_err(ctx("root"))?,
            },
            users: map(v, "users", r_user)?,
            groups: map(v, "groups", r_group)?,
            roles: map(v, "roles", r_role)?,
            instance_profiles: map(v, "instance_profiles", r_instance_profile)?,
            policies: map(v, "policies", r_managed_policy)?,
            policy_names: map(v, "policy_names", |x| {
                x.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| "not a string".to_string())
            })?,
            password_policy: match field(v, "password_policy")? {
                Value::Null => None,
                p => Some(r_password_policy(p).map_err(ctx("password_policy"))?),
            },
            resource_policies: map(v, "resource_policies", |d| r_doc(d, PolicyType::Resource))?,
            // Absent from snapshots written before resource roles existed.
            resource_roles: match v.get("resource_roles") {
                None | Some(Value::Null) => BTreeMap::new(),
                Some(_) => map(v, "resource_roles", |r| {
                    r.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| "not a string".to_string())
                })?,
            },
            key_owners: map(v, "key_owners", |o| match o {
                Value::Null => Ok(None),
                Value::String(s) => Ok(Some(s.clone())),
                _ => Err("not a user name or null".to_string()),
            })?,
            sessions: map(v, "sessions", r_session)?,
            saml_providers: map(v, "saml_providers", |p| {
                Ok(SamlProvider {
                    name: s(p, "name")?,
                    arn: s(p, "arn")?,
                    metadata_document: s(p, "metadata_document")?,
                    create_date: t(p, "create_date")?,
                })
            })?,
            oidc_providers: map(v, "oidc_providers", |p| {
                Ok(OidcProvider {
                    url: s(p, "url")?,
                    arn: s(p, "arn")?,
                    client_ids: strs(p, "client_ids")?,
                    thumbprints: strs(p, "thumbprints")?,
                    create_date: t(p, "create_date")?,
                })
            })?,
            server_certificates: map(v, "server_certificates", |c| {
                Ok(ServerCertificate {
                    name: s(c, "name")?,
                    path: s(c, "path")?,
                    id: s(c, "id")?,
                    arn: s(c, "arn")?,
                    body: s(c, "body")?,
                    private_key_hash: SecretHash(s(c, "private_key_hash")?),
                    upload_date: t(c, "upload_date")?,
                })
            })?,
            quotas: r_quotas(field(v, "quotas")?).map_err(ctx("quotas"))?,
            clock: Arc::clone(&self.clock),
            aws_overrides: map(v, "aws_overrides", r_managed_policy)?,
            gaad: None,
            enforcement: s(v, "enforcement")?
                .parse::<Enforcement>()
                .map_err(|e| format!("`enforcement`: {}", e.message))?,
            denials: Mutex::new(Vec::new()),
            created: t(v, "created")?,
            virtual_mfa_devices: map(v, "virtual_mfa_devices", r_virtual_mfa)?,
            activity: r_activity(field(v, "activity")?).map_err(ctx("activity"))?,
            org_policies: match field(v, "org_policies")? {
                Value::Null => None,
                o => Some(r_org_policies(o).map_err(ctx("org_policies"))?),
            },
            oidc_keys: map(v, "oidc_keys", |ks| {
                let text = json!({ "keys": ks }).to_string();
                crate::parse_jwks(&text).map_err(|e| e.message)
            })?,
            encoded_messages: map(v, "encoded_messages", |m| {
                m.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| "not a string".to_string())
            })?,
        };
        let gaad = self.gaad.take();
        *self = acct;
        self.gaad = gaad;
        Ok(())
    }
}

// ------------------------------------------------------------------------------------ reading

fn ctx(what: &'static str) -> impl Fn(String) -> String {
    move |e| format!("{what}: {e}")
}

fn field<'a>(v: &'a Value, k: &str) -> Result<&'a Value, String> {
    v.get(k).ok_or_else(|| format!("`{k}` is missing"))
}

fn s(v: &Value, k: &str) -> Result<String, String> {
    field(v, k)?
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("`{k}` is not a string"))
}

fn os(v: &Value, k: &str) -> Result<Option<String>, String> {
    match field(v, k)? {
        Value::Null => Ok(None),
        Value::String(x) => Ok(Some(x.clone())),
        _ => Err(format!("`{k}` is not a string or null")),
    }
}

fn i(v: &Value, k: &str) -> Result<i64, String> {
    field(v, k)?
        .as_i64()
        .ok_or_else(|| format!("`{k}` is not an integer"))
}

fn n<T: TryFrom<u64>>(v: &Value, k: &str) -> Result<T, String> {
    field(v, k)?
        .as_u64()
        .and_then(|x| T::try_from(x).ok())
        .ok_or_else(|| format!("`{k}` is not a count"))
}

fn on<T: TryFrom<u64>>(v: &Value, k: &str) -> Result<Option<T>, String> {
    match field(v, k)? {
        Value::Null => Ok(None),
        _ => n(v, k).map(Some),
    }
}

fn t(v: &Value, k: &str) -> Result<Timestamp, String> {
    i(v, k).map(Timestamp)
}

fn ot(v: &Value, k: &str) -> Result<Option<Timestamp>, String> {
    match field(v, k)? {
        Value::Null => Ok(None),
        _ => t(v, k).map(Some),
    }
}

fn b(v: &Value, k: &str) -> Result<bool, String> {
    field(v, k)?
        .as_bool()
        .ok_or_else(|| format!("`{k}` is not true or false"))
}

fn arr<'a>(v: &'a Value, k: &str) -> Result<&'a Vec<Value>, String> {
    field(v, k)?
        .as_array()
        .ok_or_else(|| format!("`{k}` is not a list"))
}

fn strs(v: &Value, k: &str) -> Result<Vec<String>, String> {
    arr(v, k)?
        .iter()
        .map(|x| x.as_str().map(str::to_string))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| format!("`{k}` is not a list of strings"))
}

fn list<T>(v: &Value, k: &str, f: impl Fn(&Value) -> Result<T, String>) -> Result<Vec<T>, String> {
    arr(v, k)?
        .iter()
        .enumerate()
        .map(|(ix, x)| f(x).map_err(|e| format!("{k}[{ix}]: {e}")))
        .collect()
}

fn map<M: FromIterator<(String, T)>, T>(
    v: &Value,
    k: &str,
    f: impl Fn(&Value) -> Result<T, String>,
) -> Result<M, String> {
    field(v, k)?
        .as_object()
        .ok_or_else(|| format!("`{k}` is not an object"))?
        .iter()
        .map(|(key, x)| {
            f(x).map(|y| (key.clone(), y))
                .map_err(|e| format!("{k}[{key:?}]: {e}"))
        })
        .collect()
}

fn status(v: &Value, k: &str) -> Result<AccessKeyStatus, String> {
    s(v, k)?
        .parse()
        .map_err(|_| format!("`{k}` is not Active or Inactive"))
}

fn r_doc(v: &Value, pt: PolicyType) -> Result<PolicyDocument, String> {
    match v {
        Value::String(text) => iam_parser::parse_policy(text, pt)
            .map(|p| PolicyDocument::new(text.clone(), p))
            .map_err(|e| format!("a saved policy document no longer parses: {e}")),
        Value::Object(o) => {
            let text = o
                .get("parsed")
                .map(Value::to_string)
                .ok_or("a policy document without text or `parsed`")?;
            iam_parser::parse_policy(&text, pt)
                .map(|p| PolicyDocument::new(String::new(), p))
                .map_err(|e| format!("a saved policy no longer parses: {e}"))
        }
        _ => Err("a policy document is neither text nor an object".to_string()),
    }
}

fn r_tags(v: &Value) -> Result<Tags, String> {
    let mut out = if b(v, "case_insensitive")? {
        Tags::case_insensitive()
    } else {
        Tags::case_sensitive()
    };
    let pairs = list(v, "items", |p| match p.as_array().map(Vec::as_slice) {
        Some([Value::String(k), Value::String(x)]) => Ok((k.clone(), x.clone())),
        _ => Err("not a [key, value] pair".to_string()),
    })?;
    out.tag(&pairs, "TagsPerResource")
        .map_err(|e| format!("tags: {}", e.message))?;
    Ok(out)
}

fn r_inline(v: &Value, k: &str) -> Result<Vec<InlinePolicy>, String> {
    list(v, k, |p| {
        Ok(InlinePolicy {
            name: s(p, "name")?,
            document: r_doc(field(p, "document")?, PolicyType::Identity)?,
        })
    })
}

fn r_access_key(v: &Value) -> Result<AccessKey, String> {
    Ok(AccessKey {
        id: s(v, "id")?,
        secret_access_key: Secret::new(s(v, "secret_access_key")?),
        status: status(v, "status")?,
        create_date: t(v, "create_date")?,
    })
}

fn r_mfa_device(v: &Value) -> Result<MfaDevice, String> {
    Ok(MfaDevice {
        serial_number: s(v, "serial_number")?,
        enable_date: t(v, "enable_date")?,
    })
}

fn r_user(v: &Value) -> Result<User, String> {
    Ok(User {
        name: s(v, "name")?,
        path: s(v, "path")?,
        id: s(v, "id")?,
        arn: s(v, "arn")?,
        create_date: t(v, "create_date")?,
        inline_policies: r_inline(v, "inline_policies")?,
        attached_policies: strs(v, "attached_policies")?,
        permissions_boundary: os(v, "permissions_boundary")?,
        groups: strs(v, "groups")?,
        access_keys: list(v, "access_keys", r_access_key)?,
        login_profile: match field(v, "login_profile")? {
            Value::Null => None,
            l => Some(LoginProfile {
                password_hash: SecretHash(s(l, "password_hash")?),
                history: strs(l, "history")?.into_iter().map(SecretHash).collect(),
                password_reset_required: b(l, "password_reset_required")?,
                create_date: t(l, "create_date")?,
            }),
        },
        mfa_devices: list(v, "mfa_devices", r_mfa_device)?,
        ssh_public_keys: list(v, "ssh_public_keys", |k| {
            Ok(SshPublicKey {
                id: s(k, "id")?,
                body: s(k, "body")?,
                status: status(k, "status")?,
                upload_date: t(k, "upload_date")?,
            })
        })?,
        signing_certificates: list(v, "signing_certificates", |c| {
            Ok(SigningCertificate {
                id: s(c, "id")?,
                body: s(c, "body")?,
                status: status(c, "status")?,
                upload_date: t(c, "upload_date")?,
            })
        })?,
        service_specific_credentials: list(v, "service_specific_credentials", |c| {
            Ok(ServiceSpecificCredential {
                id: s(c, "id")?,
                service_name: s(c, "service_name")?,
                service_user_name: s(c, "service_user_name")?,
                password_hash: SecretHash(s(c, "password_hash")?),
                status: status(c, "status")?,
                create_date: t(c, "create_date")?,
            })
        })?,
        tags: r_tags(field(v, "tags")?)?,
    })
}

fn r_group(v: &Value) -> Result<Group, String> {
    Ok(Group {
        name: s(v, "name")?,
        path: s(v, "path")?,
        id: s(v, "id")?,
        arn: s(v, "arn")?,
        create_date: t(v, "create_date")?,
        inline_policies: r_inline(v, "inline_policies")?,
        attached_policies: strs(v, "attached_policies")?,
        users: strs(v, "users")?,
    })
}

fn r_role(v: &Value) -> Result<Role, String> {
    Ok(Role {
        name: s(v, "name")?,
        path: s(v, "path")?,
        id: s(v, "id")?,
        arn: s(v, "arn")?,
        create_date: t(v, "create_date")?,
        trust_policy: r_doc(field(v, "trust_policy")?, PolicyType::Trust)?,
        description: os(v, "description")?,
        max_session_duration: n(v, "max_session_duration")?,
        inline_policies: r_inline(v, "inline_policies")?,
        attached_policies: strs(v, "attached_policies")?,
        permissions_boundary: os(v, "permissions_boundary")?,
        tags: r_tags(field(v, "tags")?)?,
        instance_profiles: strs(v, "instance_profiles")?,
        service_linked: os(v, "service_linked")?,
    })
}

fn r_instance_profile(v: &Value) -> Result<InstanceProfile, String> {
    Ok(InstanceProfile {
        name: s(v, "name")?,
        path: s(v, "path")?,
        id: s(v, "id")?,
        arn: s(v, "arn")?,
        create_date: t(v, "create_date")?,
        roles: strs(v, "roles")?,
        tags: r_tags(field(v, "tags")?)?,
    })
}

fn r_managed_policy(v: &Value) -> Result<ManagedPolicy, String> {
    Ok(ManagedPolicy {
        name: s(v, "name")?,
        path: s(v, "path")?,
        id: s(v, "id")?,
        arn: s(v, "arn")?,
        description: os(v, "description")?,
        create_date: t(v, "create_date")?,
        update_date: t(v, "update_date")?,
        versions: list(v, "versions", |x| {
            Ok(PolicyVersion {
                version_id: s(x, "version_id")?,
                document: r_doc(field(x, "document")?, PolicyType::Identity)?,
                create_date: t(x, "create_date")?,
            })
        })?,
        default_version_id: s(v, "default_version_id")?,
        next_version: n(v, "next_version")?,
        attachment_count: n(v, "attachment_count")?,
        permissions_boundary_usage_count: n(v, "permissions_boundary_usage_count")?,
        tags: r_tags(field(v, "tags")?)?,
    })
}

fn r_password_policy(v: &Value) -> Result<PasswordPolicy, String> {
    Ok(PasswordPolicy {
        minimum_password_length: n(v, "minimum_password_length")?,
        require_symbols: b(v, "require_symbols")?,
        require_numbers: b(v, "require_numbers")?,
        require_uppercase_characters: b(v, "require_uppercase_characters")?,
        require_lowercase_characters: b(v, "require_lowercase_characters")?,
        allow_users_to_change_password: b(v, "allow_users_to_change_password")?,
        max_password_age: on(v, "max_password_age")?,
        password_reuse_prevention: on(v, "password_reuse_prevention")?,
        hard_expiry: b(v, "hard_expiry")?,
    })
}

fn pair(p: &Value) -> Result<(String, &Value), String> {
    match p.as_array().map(Vec::as_slice) {
        Some([Value::String(k), x]) => Ok((k.clone(), x)),
        _ => Err("not a [name, value] pair".to_string()),
    }
}

fn r_session(v: &Value) -> Result<Session, String> {
    let k = field(v, "kind")?;
    let kind = match s(k, "type")?.as_str() {
        "role" => SessionKind::Role {
            role_name: s(k, "role_name")?,
            session_name: s(k, "session_name")?,
            chained: b(k, "chained")?,
        },
        "federated_user" => SessionKind::FederatedUser {
            user_name: os(k, "user_name")?,
        },
        "session_token" => SessionKind::SessionToken {
            user_name: os(k, "user_name")?,
        },
        other => return Err(format!("unknown session kind {other:?}")),
    };
    Ok(Session {
        access_key_id: s(v, "access_key_id")?,
        secret_access_key: Secret::new(s(v, "secret_access_key")?),
        session_token: Secret::new(s(v, "session_token")?),
        issued: t(v, "issued")?,
        mfa_authenticated_at: ot(v, "mfa_authenticated_at")?,
        arn: s(v, "arn")?,
        user_id: s(v, "user_id")?,
        expiration: t(v, "expiration")?,
        kind,
        policies: list(v, "policies", |p| {
            let (name, d) = pair(p)?;
            Ok((name, r_doc(d, PolicyType::Identity)?))
        })?,
        tags: list(v, "tags", |p| match pair(p)? {
            (k, Value::String(x)) => Ok((k, x.clone())),
            _ => Err("not a [key, value] pair".to_string()),
        })?,
        transitive_tag_keys: strs(v, "transitive_tag_keys")?,
        source_identity: os(v, "source_identity")?,
    })
}

fn r_quotas(v: &Value) -> Result<Quotas, String> {
    Ok(Quotas {
        users: n(v, "users")?,
        groups: n(v, "groups")?,
        roles: n(v, "roles")?,
        policies: n(v, "policies")?,
        instance_profiles: n(v, "instance_profiles")?,
        managed_policies_per_user: n(v, "managed_policies_per_user")?,
        managed_policies_per_role: n(v, "managed_policies_per_role")?,
        managed_policies_per_group: n(v, "managed_policies_per_group")?,
        groups_per_user: n(v, "groups_per_user")?,
        trust_policy_size: n(v, "trust_policy_size")?,
        saml_providers: n(v, "saml_providers")?,
        oidc_providers: n(v, "oidc_providers")?,
        server_certificates: n(v, "server_certificates")?,
    })
}

fn r_virtual_mfa(v: &Value) -> Result<VirtualMfaDevice, String> {
    Ok(VirtualMfaDevice {
        serial_number: s(v, "serial_number")?,
        seed: Secret::new(s(v, "seed")?),
        create_date: t(v, "create_date")?,
        user: os(v, "user")?,
        enable_date: ot(v, "enable_date")?,
        tags: r_tags(field(v, "tags")?)?,
        last_step: match field(v, "last_step")? {
            Value::Null => None,
            _ => Some(i(v, "last_step")?),
        },
        drift: i(v, "drift")?,
    })
}

fn r_accesses(v: &Value, k: &str) -> Result<BTreeMap<(String, String), LastAccess>, String> {
    list(v, k, |x| match x.as_array().map(Vec::as_slice) {
        Some(
            [
                Value::String(a),
                Value::String(b),
                Value::Number(t),
                Value::String(r),
            ],
        ) => Ok((
            (a.clone(), b.clone()),
            LastAccess {
                time: Timestamp(t.as_i64().ok_or("a time is not an integer")?),
                region: r.clone(),
            },
        )),
        _ => Err("not an [entity, name, time, region] record".to_string()),
    })
    .map(|l| l.into_iter().collect())
}

fn entity_kind(k: &str) -> Result<&'static str, String> {
    // `EntityInfo`'s `Type` (GetServiceLastAccessedDetailsWithEntities).
    ["USER", "ROLE", "GROUP", "POLICY"]
        .into_iter()
        .find(|x| *x == k)
        .ok_or_else(|| format!("unknown entity type {k:?}"))
}

fn r_activity(v: &Value) -> Result<Activity, String> {
    Ok(Activity {
        usage: Mutex::new(Usage {
            key_use: map::<HashMap<_, _>, _>(v, "key_use", |u| {
                Ok(KeyLastUsed {
                    date: t(u, "date")?,
                    service: s(u, "service")?,
                    region: s(u, "region")?,
                })
            })?,
            service_access: r_accesses(v, "service_access")?,
            action_access: r_accesses(v, "action_access")?,
        }),
        password_changed: map(v, "password_changed", |x| {
            x.as_i64()
                .map(Timestamp)
                .ok_or_else(|| "not a time".to_string())
        })?,
        credential_report: match field(v, "credential_report")? {
            Value::Null => None,
            r => Some(CredentialReport {
                generated: t(r, "generated")?,
                csv: s(r, "csv")?,
            }),
        },
        jobs: map(v, "jobs", |j| {
            Ok(LastAccessedJob {
                arn: s(j, "arn")?,
                action_level: b(j, "action_level")?,
                created: t(j, "created")?,
                entities: list(j, "entities", |e| {
                    Ok(EntityRef {
                        arn: s(e, "arn")?,
                        name: s(e, "name")?,
                        kind: entity_kind(&s(e, "kind")?)?,
                        id: s(e, "id")?,
                        path: s(e, "path")?,
                    })
                })?,
                services: strs(j, "services")?.into_iter().collect::<BTreeSet<_>>(),
                service_access: r_accesses(j, "service_access")?,
                action_access: r_accesses(j, "action_access")?,
            })
        })?,
    })
}

fn r_org_policies(v: &Value) -> Result<OrganizationPolicies, String> {
    let levels = |k: &str| -> Result<Vec<Vec<String>>, String> {
        list(v, k, |l| {
            l.as_array()
                .map(|ps| ps.iter().map(Value::to_string).collect())
                .ok_or_else(|| "a level is not a list".to_string())
        })
    };
    let mut o = OrganizationPolicies::from_json(&levels("scps")?, &levels("rcps")?)
        .map_err(|e| e.message)?;
    o.management_account = b(v, "management_account")?;
    o.organization_id = os(v, "organization_id")?;
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FixedClock, operations};

    fn call(a: &mut Account, op: &str, p: Value) -> Value {
        let root = a.root_caller();
        operations::call(a, "iam", op, &p, &root)
            .unwrap_or_else(|e| panic!("{op}: {}", e.error().message))
    }

    fn sts(a: &mut Account, caller: &crate::Caller, op: &str, p: Value) -> Value {
        operations::call(a, "sts", op, &p, caller)
            .unwrap_or_else(|e| panic!("{op}: {}", e.error().message))
    }

    const ALLOW_ALL: &str =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":["sts:AssumeRole","sts:TagSession"]}]}"#;

    /// An account with something in nearly every part of its state.
    fn busy_account() -> Account {
        let mut a = Account::with_clock(
            "111122223333",
            Arc::new(FixedClock::new(Timestamp(1_700_000_000))),
        )
        .unwrap_or_else(|e| panic!("{}", e.message));
        call(
            &mut a,
            "CreateAccountAlias",
            json!({"AccountAlias": "snap-corp"}),
        );
        call(
            &mut a,
            "CreateUser",
            json!({"UserName": "Alice", "Path": "/eng/",
            "Tags": [{"Key": "team", "Value": "a"}]}),
        );
        call(
            &mut a,
            "PutUserPolicy",
            json!({"UserName": "Alice", "PolicyName": "all",
            "PolicyDocument": ALLOW_ALL}),
        );
        let k = call(&mut a, "CreateAccessKey", json!({"UserName": "Alice"}));
        let alice = a
            .authenticate(
                k["AccessKey"]["AccessKeyId"].as_str().unwrap_or_default(),
                k["AccessKey"]["SecretAccessKey"]
                    .as_str()
                    .unwrap_or_default(),
                None,
            )
            .unwrap_or_else(|e| panic!("{}", e.message));
        call(
            &mut a,
            "CreateLoginProfile",
            json!({"UserName": "Alice",
            "Password": "Correct-Horse-9!", "PasswordResetRequired": true}),
        );
        call(&mut a, "CreateGroup", json!({"GroupName": "devs"}));
        call(
            &mut a,
            "AddUserToGroup",
            json!({"GroupName": "devs", "UserName": "Alice"}),
        );
        let p = call(
            &mut a,
            "CreatePolicy",
            json!({"PolicyName": "p1",
            "PolicyDocument": ALLOW_ALL, "Tags": [{"Key": "k", "Value": "v"}]}),
        );
        let arn = p["Policy"]["Arn"].as_str().unwrap_or_default().to_string();
        call(
            &mut a,
            "CreatePolicyVersion",
            json!({"PolicyArn": arn,
            "PolicyDocument": ALLOW_ALL.replace(" ", ""), "SetAsDefault": true}),
        );
        call(
            &mut a,
            "AttachGroupPolicy",
            json!({"GroupName": "devs", "PolicyArn": arn}),
        );
        call(
            &mut a,
            "AttachUserPolicy",
            json!({"UserName": "Alice",
            "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}),
        );
        call(
            &mut a,
            "CreateRole",
            json!({"RoleName": "r", "AssumeRolePolicyDocument": TRUST,
            "Description": "d", "MaxSessionDuration": 7200}),
        );
        call(
            &mut a,
            "PutUserPermissionsBoundary",
            json!({"UserName": "Alice",
            "PermissionsBoundary": arn}),
        );
        call(
            &mut a,
            "CreateInstanceProfile",
            json!({"InstanceProfileName": "ip"}),
        );
        call(
            &mut a,
            "AddRoleToInstanceProfile",
            json!({"InstanceProfileName": "ip",
            "RoleName": "r"}),
        );
        call(
            &mut a,
            "UpdateAccountPasswordPolicy",
            json!({"MinimumPasswordLength": 12,
            "MaxPasswordAge": 90}),
        );
        call(
            &mut a,
            "CreateVirtualMFADevice",
            json!({"VirtualMFADeviceName": "dev"}),
        );
        call(
            &mut a,
            "CreateSAMLProvider",
            json!({"Name": "idp",
            "SAMLMetadataDocument": "x".repeat(1000)}),
        );
        call(
            &mut a,
            "CreateOpenIDConnectProvider",
            json!({"Url": "https://issuer.example.com",
            "ClientIDList": ["app"], "ThumbprintList": ["0123456789abcdef0123456789abcdef01234567"]}),
        );
        call(&mut a, "GenerateCredentialReport", json!({}));
        sts(
            &mut a,
            &alice,
            "AssumeRole",
            json!({"RoleArn": "arn:aws:iam::111122223333:role/r",
            "RoleSessionName": "sess", "Policy": ALLOW_ALL,
            "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
            "Tags": [{"Key": "t", "Value": "1"}]}),
        );
        sts(&mut a, &alice, "GetSessionToken", json!({}));
        call(&mut a, "CreateAccessKey", json!({}));
        a.set_organization_policies(Some(
            OrganizationPolicies::from_json(&[vec![ALLOW_ALL.to_string()]], &[])
                .unwrap_or_else(|e| panic!("{}", e.message)),
        ));
        a
    }

    #[test]
    fn a_restored_account_has_the_same_state_and_keys() {
        let a = busy_account();
        let snap = a.snapshot();
        // The restored account keeps its own clock: here the same fixed time as `a`'s.
        let mut b = Account::with_clock("999999999999", a.clock())
            .unwrap_or_else(|e| panic!("{}", e.message));
        b.restore_snapshot(&snap).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(b.snapshot(), snap, "a restored account snapshots the same");
        // The entities themselves compare equal (not only their snapshots).
        assert!(a.users == b.users && a.groups == b.groups && a.roles == b.roles);
        assert!(a.policies == b.policies && a.instance_profiles == b.instance_profiles);
        assert!(a.key_owners == b.key_owners && a.policy_names == b.policy_names);
        assert!(a.virtual_mfa_devices == b.virtual_mfa_devices && a.quotas == b.quotas);
        assert!(a.saml_providers == b.saml_providers && a.oidc_providers == b.oidc_providers);
        assert!(a.password_policy == b.password_policy && a.created == b.created);
        assert_eq!(a.usage().key_use, b.usage().key_use);
        assert_eq!(a.activity.credential_report, b.activity.credential_report);
        assert_eq!(
            a.to_authorization_details().to_json(),
            b.to_authorization_details().to_json()
        );
        assert_eq!(b.id(), "111122223333");
        assert_eq!(b.alias(), Some("snap-corp"));
        // Every key and session secret still authenticates.
        for u in a.users_iter() {
            for k in &u.access_keys {
                let c = b
                    .authenticate(&k.id, k.secret_access_key.expose(), None)
                    .unwrap_or_else(|e| panic!("{}", e.message));
                assert_eq!(c.arn, u.arn);
            }
        }
        for s in a.sessions.values() {
            let c = b
                .authenticate(
                    &s.access_key_id,
                    s.secret_access_key.expose(),
                    Some(s.session_token.expose()),
                )
                .unwrap_or_else(|e| panic!("{}", e.message));
            assert_eq!(c.arn, s.arn);
        }
        assert!(!a.sessions.is_empty() && b.org_policies.is_some());
    }

    #[test]
    fn the_snapshot_text_is_stable_and_holds_the_secrets() {
        let a = busy_account();
        let text = a.snapshot().to_string();
        assert_eq!(text, a.snapshot().to_string(), "same account, same text");
        let key = &a.users_iter().next().map(|u| u.access_keys[0].clone());
        let secret = key
            .as_ref()
            .map(|k| k.secret_access_key.expose().to_string())
            .unwrap_or_default();
        assert!(secret.len() == 40 && text.contains(&secret));
    }

    #[test]
    fn damaged_snapshots_are_refused_with_where_and_leave_the_account_alone() {
        let a = busy_account();
        let mut snap = a.snapshot();
        snap["users"]["alice"]["create_date"] = json!("yesterday");
        let mut b = Account::new("999999999999").unwrap_or_else(|e| panic!("{}", e.message));
        let e = b.restore_snapshot(&snap).unwrap_err();
        assert_eq!(e, "users[\"alice\"]: `create_date` is not an integer");
        assert_eq!(b.id(), "999999999999", "unchanged");
        let mut snap = a.snapshot();
        snap["snapshot"] = json!(99);
        assert!(b.restore_snapshot(&snap).unwrap_err().contains("layout 1"));
        let mut snap = a.snapshot();
        snap["roles"]["r"]["trust_policy"] = json!("{\"Version\": ");
        let e = b.restore_snapshot(&snap).unwrap_err();
        assert!(
            e.starts_with("roles[\"r\"]: a saved policy document"),
            "{e}"
        );
        let mut snap = a.snapshot();
        snap["imported"] = json!(true);
        assert!(b.restore_snapshot(&snap).unwrap_err().contains("imported"));
    }
}

//! Service and action last accessed (IAM access advisor): `GenerateServiceLastAccessedDetails`,
//! `GetServiceLastAccessedDetails`, `GetServiceLastAccessedDetailsWithEntities`, built from the
//! calls recorded by [`Account::record_call`].
//!
//! A report covers "the services that the [entity's] policies allow" (IAM API reference,
//! GetServiceLastAccessedDetails); for a user or role the activity is its own, for a group its
//! members', for a managed policy that of the users and roles it applies to (directly or through
//! a group). Jobs complete at once (`COMPLETED`; AWS reports `IN_PROGRESS` first).
//!
//! Sources: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_GenerateServiceLastAccessedDetails.html>,
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetServiceLastAccessedDetails.html>,
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetServiceLastAccessedDetailsWithEntities.html>.

use super::authorize::Layers;
use super::reports::{EntityRef, LastAccessedJob};
use super::secrets::hex;
use super::{Account, key};
use iam_model::Effect;
use iam_model::catalog::Catalog;
use iam_model::entities::{ErrorCode, IamError, Timestamp};
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

fn no_job(id: &str) -> IamError {
    IamError::new(
        ErrorCode::NoSuchEntity,
        format!("No job with id {id} exists."),
    )
}

/// Service namespaces the identity policies of `layers` allow (an `Allow` of `*` or of a
/// `NotAction` allows every service of the catalog).
fn allowed_services(layers: &Layers) -> BTreeSet<String> {
    let catalog = Catalog::get();
    let all = || {
        catalog
            .services()
            .iter()
            .map(|s| s.prefix.to_string())
            .collect::<BTreeSet<_>>()
    };
    let mut out = BTreeSet::new();
    for named in &layers.identity {
        for st in &named.policy.statements {
            if st.effect.value != Effect::Allow {
                continue;
            }
            if st.action.negated {
                return all();
            }
            for a in st.action.iter() {
                if a == "*" {
                    return all();
                }
                let prefix = a.split(':').next().unwrap_or_default().to_ascii_lowercase();
                if let Some(s) = catalog.service(&prefix) {
                    out.insert(s.prefix.to_string());
                }
            }
        }
    }
    out
}

fn date(t: Timestamp) -> Value {
    Value::String(t.to_string())
}

impl Account {
    fn user_ref(&self, name: &str) -> Option<EntityRef> {
        self.users.get(&key(name)).map(|u| EntityRef {
            arn: u.arn.clone(),
            name: u.name.clone(),
            kind: "USER",
            id: u.id.clone(),
            path: u.path.clone(),
        })
    }

    /// The entities whose activity counts for `arn` and the identity layers its policies make.
    fn last_accessed_scope(&self, arn: &str) -> Result<(Vec<EntityRef>, Layers), IamError> {
        let not_found = || {
            IamError::new(
                ErrorCode::NoSuchEntity,
                format!("The entity {arn} does not exist in account {}.", self.id),
            )
        };
        let res = arn
            .strip_prefix(&format!("arn:aws:iam::{}:", self.id))
            .or_else(|| arn.strip_prefix("arn:aws:iam::aws:"))
            .ok_or_else(|| {
                IamError::invalid_input(format!(
                    "ARN {arn} is not a user, group, role or policy of this account."
                ))
            })?;
        let name = res.rsplit('/').next().unwrap_or_default();
        let mut layers = Layers::default();
        let mut entities = Vec::new();
        if res.starts_with("user/") {
            let u = self.users.get(&key(name)).ok_or_else(not_found)?;
            self.user_layers(u, &mut layers);
            entities.extend(self.user_ref(&u.name));
        } else if res.starts_with("role/") {
            let r = self.roles.get(&key(name)).ok_or_else(not_found)?;
            self.role_layers(r, &mut layers);
            entities.push(EntityRef {
                arn: r.arn.clone(),
                name: r.name.clone(),
                kind: "ROLE",
                id: r.id.clone(),
                path: r.path.clone(),
            });
        } else if res.starts_with("group/") {
            let g = self.groups.get(&key(name)).ok_or_else(not_found)?;
            for p in &g.inline_policies {
                layers.identity.push(super::authorize::Named {
                    name: p.name.clone(),
                    source: super::authorize::Source::Group,
                    policy: p.document.shared(),
                });
            }
            for a in &g.attached_policies {
                if let Some((n, p)) = self.managed_policy_doc(a) {
                    layers.identity.push(super::authorize::Named {
                        name: n,
                        source: super::authorize::Source::UserManaged,
                        policy: p,
                    });
                }
            }
            entities.extend(g.users.iter().filter_map(|u| self.user_ref(u)));
        } else if res.starts_with("policy/") {
            let (n, p) = self.managed_policy_doc(arn).ok_or_else(not_found)?;
            layers.identity.push(super::authorize::Named {
                name: n,
                source: super::authorize::Source::UserManaged,
                policy: p,
            });
            for u in self.users.values() {
                let via_group = u.groups.iter().any(|g| {
                    self.groups
                        .get(&key(g))
                        .is_some_and(|g| g.attached_policies.iter().any(|x| x == arn))
                });
                if via_group || u.attached_policies.iter().any(|x| x == arn) {
                    entities.extend(self.user_ref(&u.name));
                }
            }
            for r in self.roles.values() {
                if r.attached_policies.iter().any(|x| x == arn) {
                    entities.push(EntityRef {
                        arn: r.arn.clone(),
                        name: r.name.clone(),
                        kind: "ROLE",
                        id: r.id.clone(),
                        path: r.path.clone(),
                    });
                }
            }
        } else {
            return Err(IamError::invalid_input(format!(
                "ARN {arn} is not a user, group, role or policy."
            )));
        }
        Ok((entities, layers))
    }

    /// `GenerateServiceLastAccessedDetails`: a job id (a UUID) for the report on `arn` (a
    /// user, group, role or managed policy); `action_level` for `ACTION_LEVEL` granularity.
    pub fn generate_service_last_accessed_details(
        &mut self,
        arn: &str,
        action_level: bool,
    ) -> Result<String, IamError> {
        let (entities, layers) = self.last_accessed_scope(arn)?;
        let services = allowed_services(&layers);
        let arns: BTreeSet<&str> = entities.iter().map(|e| e.arn.as_str()).collect();
        let usage = self.usage();
        let service_access = usage
            .service_access
            .iter()
            .filter(|((e, _), _)| arns.contains(e.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let action_access = usage
            .action_access
            .iter()
            .filter(|((e, _), _)| arns.contains(e.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        drop(usage);
        let h = hex(16)?;
        let id = format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        );
        let job = LastAccessedJob {
            arn: arn.to_string(),
            action_level,
            created: self.clock.now(),
            entities,
            services,
            service_access,
            action_access,
        };
        self.activity.jobs.insert(id.clone(), job);
        Ok(id)
    }

    /// `GetServiceLastAccessedDetails` of a job, as the response's JSON (every service; the
    /// caller pages it).
    pub fn get_service_last_accessed_details(&self, job_id: &str) -> Result<Value, IamError> {
        let job = self
            .activity
            .jobs
            .get(job_id)
            .ok_or_else(|| no_job(job_id))?;
        let catalog = Catalog::get();
        let services: Vec<Value> = job
            .services
            .iter()
            .map(|ns| {
                let mut m = Map::new();
                m.insert(
                    "ServiceName".into(),
                    json!(catalog.service(ns).map_or(ns.as_str(), |s| s.name)),
                );
                m.insert("ServiceNamespace".into(), json!(ns));
                let hits: Vec<(&String, &super::reports::LastAccess)> = job
                    .service_access
                    .iter()
                    .filter(|((_, s), _)| s == ns)
                    .map(|((e, _), a)| (e, a))
                    .collect();
                m.insert("TotalAuthenticatedEntities".into(), json!(hits.len()));
                if let Some((e, a)) = hits.iter().max_by_key(|(_, a)| a.time) {
                    m.insert("LastAuthenticated".into(), date(a.time));
                    m.insert("LastAuthenticatedEntity".into(), json!(e));
                    m.insert("LastAuthenticatedRegion".into(), json!(a.region));
                }
                if job.action_level {
                    let prefix = format!("{ns}:");
                    let mut latest: std::collections::BTreeMap<
                        &str,
                        (&String, &super::reports::LastAccess),
                    > = std::collections::BTreeMap::new();
                    for ((e, action), a) in &job.action_access {
                        if let Some(name) = action.strip_prefix(&prefix)
                            && latest.get(name).is_none_or(|(_, b)| a.time > b.time)
                        {
                            latest.insert(name, (e, a));
                        }
                    }
                    let tracked: Vec<Value> = latest
                        .into_iter()
                        .map(|(name, (e, a))| {
                            json!({"ActionName": name, "LastAccessedEntity": e,
                                "LastAccessedTime": date(a.time), "LastAccessedRegion": a.region})
                        })
                        .collect();
                    m.insert("TrackedActionsLastAccessed".into(), Value::Array(tracked));
                }
                Value::Object(m)
            })
            .collect();
        Ok(json!({"JobStatus": "COMPLETED",
            "JobType": if job.action_level { "ACTION_LEVEL" } else { "SERVICE_LEVEL" },
            "JobCreationDate": date(job.created), "JobCompletionDate": date(job.created),
            "ServicesLastAccessed": services, "IsTruncated": false}))
    }

    /// `GetServiceLastAccessedDetailsWithEntities`: the users and roles of the job's entity and
    /// when each last used `service_namespace`.
    pub fn get_service_last_accessed_details_with_entities(
        &self,
        job_id: &str,
        service_namespace: &str,
    ) -> Result<Value, IamError> {
        let job = self
            .activity
            .jobs
            .get(job_id)
            .ok_or_else(|| no_job(job_id))?;
        let _ = &job.arn;
        let list: Vec<Value> = job
            .entities
            .iter()
            .map(|e| {
                let mut v = json!({"EntityInfo": {"Arn": e.arn, "Name": e.name, "Type": e.kind,
                    "Id": e.id, "Path": e.path}});
                if let Some(a) = job
                    .service_access
                    .get(&(e.arn.clone(), service_namespace.to_string()))
                {
                    v["LastAuthenticated"] = date(a.time);
                }
                v
            })
            .collect();
        Ok(
            json!({"JobStatus": "COMPLETED", "JobCreationDate": date(job.created),
            "JobCompletionDate": date(job.created), "EntityDetailsList": list,
            "IsTruncated": false}),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_services_the_policies_allow_with_the_recorded_calls() {
        let mut a = Account::new("111122223333").unwrap();
        a.create_user("alice", None).unwrap();
        a.create_group("devs", None).unwrap();
        a.add_user_to_group("devs", "alice").unwrap();
        a.put_group_policy(
            "devs",
            "p",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
                "Action":["iam:List*","s3:GetObject","sts:GetCallerIdentity"],"Resource":"*"}]}"#,
        )
        .unwrap();
        let k = a.create_access_key(Some("alice")).unwrap();
        let alice = a
            .authenticate(&k.access_key_id, k.secret_access_key.expose(), None)
            .unwrap();
        a.record_call(&alice, "iam", "ListUsers");
        let job = a
            .generate_service_last_accessed_details("arn:aws:iam::111122223333:group/devs", true)
            .unwrap();
        assert_eq!(job.len(), 36);
        let r = a.get_service_last_accessed_details(&job).unwrap();
        let s = r["ServicesLastAccessed"].as_array().unwrap();
        let ns: Vec<&str> = s
            .iter()
            .map(|x| x["ServiceNamespace"].as_str().unwrap())
            .collect();
        assert_eq!(ns, ["iam", "s3", "sts"]);
        assert_eq!(
            s[0]["LastAuthenticatedEntity"],
            "arn:aws:iam::111122223333:user/alice"
        );
        assert_eq!(s[0]["TotalAuthenticatedEntities"], 1);
        assert_eq!(
            s[0]["TrackedActionsLastAccessed"][0]["ActionName"],
            "ListUsers"
        );
        assert!(s[1].get("LastAuthenticated").is_none());
        let w = a
            .get_service_last_accessed_details_with_entities(&job, "iam")
            .unwrap();
        assert_eq!(w["EntityDetailsList"][0]["EntityInfo"]["Type"], "USER");
        assert!(w["EntityDetailsList"][0].get("LastAuthenticated").is_some());
        assert_eq!(
            a.get_service_last_accessed_details("nope")
                .unwrap_err()
                .code,
            ErrorCode::NoSuchEntity
        );
        assert_eq!(
            a.generate_service_last_accessed_details(
                "arn:aws:iam::111122223333:user/nobody",
                false
            )
            .unwrap_err()
            .code,
            ErrorCode::NoSuchEntity
        );
    }
}

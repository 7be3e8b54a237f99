//! [`what_can`]: every catalog action a principal is allowed, per service and access level,
//! with the statements that grant it.

use super::conditions::is_principal_key;
use super::core::{Analyzer, Cache, Subject};
use super::index::index;
use super::{Access, Grant, Target};
use iam_model::catalog::AccessLevel;
use iam_model::entities::IamError;
use std::collections::BTreeMap;
use std::sync::Arc;

/// One allowed action.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ActionAccess {
    /// `service:Name`, AWS's spelling.
    pub action: &'static str,
    /// Its access level.
    #[serde(serialize_with = "super::ser_level")]
    pub access_level: AccessLevel,
    /// Allowed, or allowed only for some request contexts.
    pub access: Access,
    /// The identity statements that grant it, with the resource patterns confirmed (shared
    /// between actions granted alike).
    #[serde(serialize_with = "super::ser_arc")]
    pub grants: Arc<[Grant]>,
}

impl ActionAccess {
    /// Every resource pattern some grant was confirmed on, without duplicates.
    pub fn resources(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for g in self.grants.iter() {
            for r in g.resources.iter() {
                if !out.contains(&r.as_str()) {
                    out.push(r);
                }
            }
        }
        out
    }
}

/// The allowed actions of one service, in catalog order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ServiceAccess {
    /// The service prefix (`s3`).
    pub service: &'static str,
    /// The allowed actions.
    pub actions: Vec<ActionAccess>,
}

impl ServiceAccess {
    /// The actions grouped by access level.
    pub fn by_access_level(&self) -> BTreeMap<AccessLevel, Vec<&ActionAccess>> {
        let mut m: BTreeMap<AccessLevel, Vec<&ActionAccess>> = BTreeMap::new();
        for a in &self.actions {
            m.entry(a.access_level).or_default().push(a);
        }
        m
    }
}

/// What one principal can do: see [`what_can`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WhatCan {
    /// The principal's ARN.
    pub principal: String,
    /// The services with at least one allowed action, by prefix.
    pub services: Vec<ServiceAccess>,
}

impl WhatCan {
    /// Every allowed action, in catalog order.
    pub fn actions(&self) -> impl Iterator<Item = &ActionAccess> {
        self.services.iter().flat_map(|s| s.actions.iter())
    }

    /// Number of allowed (or conditional) actions.
    pub fn len(&self) -> usize {
        self.services.iter().map(|s| s.actions.len()).sum()
    }

    /// True when nothing is allowed.
    pub fn is_empty(&self) -> bool {
        self.services.is_empty()
    }

    /// The entry of one action (`iam:PassRole`, case-insensitive), if allowed.
    pub fn get(&self, action: &str) -> Option<&ActionAccess> {
        let (svc, _) = action.split_once(':')?;
        self.services
            .iter()
            .find(|s| s.service.eq_ignore_ascii_case(svc))?
            .actions
            .iter()
            .find(|a| a.action.eq_ignore_ascii_case(action))
    }

    /// The entries of one service.
    pub fn service(&self, prefix: &str) -> Option<&ServiceAccess> {
        self.services
            .iter()
            .find(|s| s.service.eq_ignore_ascii_case(prefix))
    }

    /// Service prefix → allowed action names (the Python `what_can` shape). With
    /// `include_conditional` false, conditional actions are left out.
    pub fn to_map(&self, include_conditional: bool) -> BTreeMap<String, Vec<String>> {
        let mut m = BTreeMap::new();
        for s in &self.services {
            let v: Vec<String> = s
                .actions
                .iter()
                .filter(|a| include_conditional || a.access == Access::Allowed)
                .map(|a| a.action.to_string())
                .collect();
            if !v.is_empty() {
                m.insert(s.service.to_string(), v);
            }
        }
        m
    }

    /// Number of allowed actions per access level.
    pub fn count_by_access_level(&self) -> BTreeMap<AccessLevel, usize> {
        let mut m = BTreeMap::new();
        for a in self.actions() {
            *m.entry(a.access_level).or_insert(0) += 1;
        }
        m
    }

    pub(crate) fn from_analyzer(analyzer: &Analyzer<'_>) -> WhatCan {
        let idx = index();
        let mut services: Vec<ServiceAccess> = Vec::new();
        analyzer.compute(None, true, |id, access, grants| {
            let Some(a) = idx.action(id) else { return };
            let entry = ActionAccess {
                action: idx.name(id),
                access_level: a.access_level,
                access,
                grants,
            };
            match services.last_mut() {
                // (Catalog prefixes are static strings: the same service is the same pointer.)
                Some(s) if std::ptr::eq(s.service, a.service) || s.service == a.service => {
                    s.actions.push(entry)
                }
                _ => {
                    let n = iam_model::catalog::Catalog::get()
                        .service(a.service)
                        .map_or(1, |s| s.actions.len());
                    let mut actions = Vec::with_capacity(n);
                    actions.push(entry);
                    services.push(ServiceAccess {
                        service: a.service,
                        actions,
                    });
                }
            }
        });
        WhatCan {
            principal: analyzer.subject.arn.clone(),
            services,
        }
    }
}

/// Every catalog action `principal` (a user or role ARN of the account / organization) is
/// allowed on at least one resource, grouped by service, with access level, the granting
/// identity statements and the resource patterns they were confirmed on. Deny statements,
/// the permissions boundary, session policies and SCPs/RCPs are applied by the engine;
/// conditions follow the module's three-valued rule.
///
/// How: the principal's layers are gathered once and compiled once; each identity Allow
/// statement's `Action`/`NotAction` is expanded over the catalog (per-service index), and
/// each candidate is confirmed with the engine on the statement's resource patterns.
///
/// ```
/// use iam_account::Account;
/// use iam_model::catalog::AccessLevel;
/// let mut a = Account::new("111122223333").unwrap();
/// a.create_user("ro", None).unwrap();
/// a.attach_user_policy("ro", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess").unwrap();
/// let w = iam_analysis::what_can(&a, "arn:aws:iam::111122223333:user/ro").unwrap();
/// let s3 = w.service("s3").unwrap();
/// assert!(s3.by_access_level().contains_key(&AccessLevel::Read));
/// assert!(!s3.by_access_level().contains_key(&AccessLevel::Write));
/// ```
pub fn what_can<'a>(target: impl Into<Target<'a>>, principal: &str) -> Result<WhatCan, IamError> {
    let target = target.into();
    let subject = Subject::prepare(&target.scope(), principal, "iam:GetUser", "*")?;
    let mut cache = Cache::new(|_| true, is_principal_key);
    let analyzer = Analyzer::new(&subject, &mut cache, true)?;
    Ok(WhatCan::from_analyzer(&analyzer))
}

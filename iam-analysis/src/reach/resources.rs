//! Cross-account edges from resource-based policies (issue #14 part 3).
//!
//! IAM has no resource-based policies besides role trust policies, but an account (and an
//! organization layout's `Accounts[].ResourcePolicies`) can carry those of other services: S3
//! bucket policies, KMS key policies, Lambda function policies, SQS / SNS policies, … For each
//! such resource of account B and each principal P of another account A that B's policy may
//! name (its account, its root, its ARN, `*`), the graph asks the engine about every action
//! the policy's Allow statements name, on the resource patterns they name, with **both sides**
//! of the cross-account evaluation (spec §5.8,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html>):
//! P's identity policies, boundary and the SCPs of A's path, and B's resource policy with the
//! RCPs of B's path (neither SCPs nor RCPs in the management account, §5.10). The same-account
//! shortcuts of §5.3 do not apply across accounts, so a resource policy naming P's ARN still
//! needs P's identity Allow.
//!
//! * Each allowed resource gets a [`NodeKind::Resource`] node and a
//!   [`EdgeKind::ResourceAccess`] edge P → resource whose evidence lists every allowed
//!   action with the deciding statements (identity, boundary, SCP / RCP levels and the
//!   resource policy's statement, with line and column). It is not a "becomes" edge.
//! * A resource that runs code as a role of its account (a Lambda function whose execution
//!   role the layout names) turns a grant of `lambda:UpdateFunctionCode` into a
//!   [`EdgeKind::ServiceAction`] edge P → role (P replaces the code; it runs as the role the
//!   next time the function runs), when the role's trust policy lets `lambda.amazonaws.com`
//!   assume it. A grant of `lambda:InvokeFunction` alone gives the same edge as
//!   [`Access::Conditional`]: P runs the function's own code as the role, which gives P the
//!   role's permissions only as far as that code lets its input steer it.
//!   (<https://docs.aws.amazon.com/lambda/latest/dg/permissions-function-cross-account.html>.)
//!
//! Requests are asked on the resource policy's own `Resource` patterns (for S3 those under the
//! bucket, as written: `arn:aws:s3:::bucket/*`; for other services the resource's ARN) and, for
//! S3, on the principal's own identity patterns under the bucket (`arn:aws:s3:::bucket/reports/*`),
//! each taken as a representative object. A grant that needs a pattern neither side writes
//! (two overlapping prefixes, say `bucket/a*` and `bucket/*b`) is not seen — an
//! under-approximation this module documents rather than hides. Statements with
//! `NotAction` are not expanded (they name what is *not* granted); `NotPrincipal` Allow
//! statements may name anyone and are probed like `*` (§5.9).

use super::{
    Access, Actor, AnalysisError, Builder, Edge, EdgeKind, Engines, Evidence, Node, NodeKind,
    Subject, decide, min_access, trust_names, trusted_accounts,
};
use crate::index::index;
use iam_account::Account;
use iam_eval::Context;
use iam_model::{Effect, Policy, glob_ci};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// AWS's page on cross-account policy evaluation.
pub const CROSS_ACCOUNT_DOC: &str = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html";
/// The method of an [`EdgeKind::ResourceAccess`] edge.
pub const RESOURCE_POLICY: &str = "ResourcePolicy";
/// The method of the edge onto a function's role through `lambda:UpdateFunctionCode`.
pub const CROSS_ACCOUNT_UPDATE_CODE: &str = "CrossAccountUpdateFunctionCode";
/// The method of the (conditional) edge onto a function's role through `lambda:InvokeFunction`.
pub const CROSS_ACCOUNT_INVOKE: &str = "CrossAccountInvokeFunction";
/// Lambda: granting function access to other accounts.
pub const LAMBDA_CROSS_ACCOUNT_DOC: &str =
    "https://docs.aws.amazon.com/lambda/latest/dg/permissions-function-cross-account.html";

/// A resource with a resource-based policy.
pub(super) struct Resource<'a> {
    pub(super) arn: String,
    pub(super) account: &'a Account,
    pub(super) policy: Arc<Policy>,
    /// The entity index of the role the resource runs code as.
    pub(super) role: Option<usize>,
    /// The graph node.
    pub(super) node: usize,
    /// (action, resource) requests to ask, computed on first use.
    pub(super) probes: Option<Vec<(String, String)>>,
}

/// Every resource policy of the target's accounts, in (account, name, ARN) order — the order
/// of their nodes.
pub(super) fn collect<'a>(
    accounts: &[&'a Account],
    role_index: &HashMap<&str, usize>,
) -> Vec<Resource<'a>> {
    let mut out: Vec<Resource<'a>> = Vec::new();
    for a in accounts {
        for (arn, doc) in a.resource_policies() {
            out.push(Resource {
                arn: arn.to_string(),
                account: a,
                policy: doc.shared(),
                role: a
                    .resource_role(arn)
                    .and_then(|r| role_index.get(r).copied()),
                node: 0,
                probes: None,
            });
        }
    }
    out.sort_by(|x, y| {
        (
            x.account.id(),
            resource_name(&x.arn).to_ascii_lowercase(),
            &x.arn,
        )
            .cmp(&(
                y.account.id(),
                resource_name(&y.arn).to_ascii_lowercase(),
                &y.arn,
            ))
    });
    out
}

/// The name a resource node shows: the bucket for S3, the ARN's resource part otherwise.
pub(super) fn resource_name(arn: &str) -> &str {
    arn.splitn(6, ':').nth(5).unwrap_or(arn)
}

/// The accounts a resource policy's Allow statements may name (`None`: any account).
pub(super) fn named_accounts(policy: &Policy) -> Option<BTreeSet<String>> {
    trusted_accounts(policy)
}

/// The node of a resource.
pub(super) fn node(r: &Resource<'_>) -> Node {
    Node {
        arn: r.arn.clone(),
        account: r.account.id().to_string(),
        kind: NodeKind::Resource,
        name: resource_name(&r.arn).to_string(),
        service_linked: false,
        admin: None,
    }
}

/// The requests to ask about a resource: every catalog action of its service that an Allow
/// statement names, on the statement's resource patterns under the resource (the resource's
/// ARN otherwise). Sorted, without duplicates.
fn probes(arn: &str, policy: &Policy) -> Vec<(String, String)> {
    let service = arn.split(':').nth(2).unwrap_or_default();
    let idx = index();
    let mut out = BTreeSet::new();
    for st in &policy.statements {
        if st.effect.value != Effect::Allow || st.action.negated {
            continue;
        }
        let mut targets: Vec<String> = Vec::new();
        if service == "s3"
            && let Some(r) = st.resource.as_ref().filter(|r| !r.negated)
        {
            for p in r.iter() {
                // Patterns under this bucket, as written (`arn:aws:s3:::bucket/*`).
                if p == arn || p.starts_with(&format!("{arn}/")) {
                    targets.push(p.to_string());
                }
            }
        }
        if targets.is_empty() {
            targets.push(arn.to_string());
        }
        for id in idx.expand_all(st.action.iter(), false) {
            let name = idx.name(id);
            if name.split(':').next() != Some(service) {
                continue;
            }
            for t in &targets {
                out.insert((name.to_string(), t.clone()));
            }
        }
    }
    out.into_iter().collect()
}

/// `probes` plus, for an S3 bucket `arn`, every action of `probes` on each of the actor's
/// identity resource `patterns` under the bucket (`arn:aws:s3:::bucket/...`) not yet asked.
/// Sorted, without duplicates.
fn with_actor_patterns(
    probes: Vec<(String, String)>,
    arn: &str,
    patterns: &[String],
) -> Vec<(String, String)> {
    if arn.split(':').nth(2) != Some("s3") {
        return probes;
    }
    let prefix = format!("{arn}/");
    let under: Vec<&String> = patterns.iter().filter(|p| p.starts_with(&prefix)).collect();
    if under.is_empty() {
        return probes;
    }
    let actions: BTreeSet<&str> = probes.iter().map(|(a, _)| a.as_str()).collect();
    let mut out: BTreeSet<(String, String)> = probes.iter().cloned().collect();
    for a in actions {
        for p in &under {
            out.insert((a.to_string(), (*p).clone()));
        }
    }
    out.into_iter().collect()
}

/// True when some identity Allow statement of the actor names `action` and a resource pattern
/// that can match `resource` (the graph's cheap pre-check; the engine decides).
fn may_request(actor: &Actor, action: &str, resource: &str) -> bool {
    actor.allows.iter().any(|st| {
        st.actions.iter().any(|p| glob_ci(p, action)) != st.not_action
            && st
                .resources
                .as_ref()
                .is_none_or(|rs| rs.iter().any(|p| glob_ci(p, resource)))
    })
}

impl Builder<'_, '_> {
    /// Resources of other accounts whose policy may name a principal of `account`.
    pub(super) fn foreign_resources(&self, account: &str) -> Vec<usize> {
        let mut out: Vec<usize> = self
            .resources_naming
            .get(account)
            .cloned()
            .unwrap_or_default();
        out.extend(
            self.resources_any
                .iter()
                .copied()
                .filter(|&i| self.resources[i].account.id() != account),
        );
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The edges a foreign resource's policy gives the actor: access to the resource, and a
    /// "becomes" edge onto the role the resource runs code as.
    pub(super) fn resource_edges(
        &mut self,
        actor: &Actor,
        r: usize,
        my_arn: &str,
        my_name: &str,
    ) -> Result<(), AnalysisError> {
        // The policy must have an Allow statement that may name the actor (its ARN, unique id,
        // account, root, `*` or a NotPrincipal): most policies naming one role of an account
        // rule out the account's other principals here.
        let uid = self.entities[actor.node]
            .user
            .map(|u| u.id.as_str())
            .or(self.entities[actor.node].role.map(|r| r.id.as_str()));
        let (direct, account_level) =
            trust_names(&self.resources[r].policy, &actor.subject.principal, uid);
        if !direct && !account_level {
            return Ok(());
        }
        let probes = {
            let res = &mut self.resources[r];
            if res.probes.is_none() {
                res.probes = Some(probes(&res.arn, &res.policy));
            }
            res.probes.clone().unwrap_or_default()
        };
        // S3: the actor's own identity patterns under the bucket are asked too, so an identity
        // policy granting only a narrower prefix (`bucket/reports/*`) than the bucket policy's
        // (`bucket/*`) is still seen: the pattern, taken as an object key, lies under both.
        let probes = with_actor_patterns(probes, &self.resources[r].arn, &actor.patterns);
        let wanted: Vec<&(String, String)> = probes
            .iter()
            .filter(|(a, t)| may_request(actor, a, t))
            .collect();
        let Some((first_action, first_target)) = wanted.first().map(|p| (&p.0, &p.1)) else {
            return Ok(());
        };
        let (res_arn, res_node) = (self.resources[r].arn.clone(), self.resources[r].node);
        // The layers of the actor for this resource: its identity side, SCPs of its account's
        // path, the resource's policy and the RCPs of the resource account's path (§5.8).
        let subject = Subject::prepare(&self.scope, my_arn, first_action, first_target)?;
        if subject.layers.resource.is_none() {
            return Ok(());
        }
        let mut engines = Engines::new(&subject.layers, &mut self.full_cache)?;
        engines.resource_in_management = subject.resource_in_management;
        engines.resource_account = Some(subject.resource_account.clone());
        let policy_name = format!("resource policy of {res_arn}");
        let empty = Context::new();
        let evidence: Vec<Evidence> = wanted
            .iter()
            .filter_map(|(action, target)| {
                decide(
                    &engines,
                    &subject.layers,
                    &actor.carriers,
                    &subject.principal,
                    action,
                    target,
                    &empty,
                    Some((&policy_name, &res_arn)),
                )
            })
            .collect();
        if evidence.is_empty() {
            return Ok(());
        }
        // Lambda: the function runs as its execution role.
        if let Some(t) = self.resources[r].role {
            self.function_role_edge(&evidence, t, &res_arn, my_arn, my_name)?;
        }
        let mut actions: Vec<&str> = evidence.iter().map(|e| e.action.as_str()).collect();
        actions.dedup();
        let shown = if actions.len() > 3 {
            format!("{} and {} more", actions[..3].join(", "), actions.len() - 3)
        } else {
            actions.join(", ")
        };
        let access = evidence
            .iter()
            .map(|e| e.access)
            .max()
            .unwrap_or(Access::Conditional);
        let name = self.graph.nodes[res_node].name.clone();
        self.push(Edge {
            from: my_arn.to_string(),
            to: res_arn.clone(),
            kind: EdgeKind::ResourceAccess,
            method: RESOURCE_POLICY.to_string(),
            service: res_arn.split(':').nth(2).map(str::to_string),
            access,
            description: format!(
                "{my_name} can {shown} on {name} of account {} through its resource policy",
                self.resources[r].account.id()
            ),
            evidence,
            references: vec![CROSS_ACCOUNT_DOC.to_string()],
        });
        Ok(())
    }

    /// `UpdateFunctionCode` (or, conditionally, `InvokeFunction`) on a function of another
    /// account whose execution role is entity `t`: a "becomes" edge onto the role.
    fn function_role_edge(
        &mut self,
        evidence: &[Evidence],
        t: usize,
        function: &str,
        my_arn: &str,
        my_name: &str,
    ) -> Result<(), AnalysisError> {
        if !function.starts_with("arn:aws:lambda:") {
            return Ok(());
        }
        let find = |a: &str| evidence.iter().find(|e| e.action == a).cloned();
        let (method, grant, conditional) = match (
            find("lambda:UpdateFunctionCode"),
            find("lambda:InvokeFunction"),
        ) {
            (Some(e), _) => (CROSS_ACCOUNT_UPDATE_CODE, e, false),
            (None, Some(e)) => (CROSS_ACCOUNT_INVOKE, e, true),
            (None, None) => return Ok(()),
        };
        let Some(trust) = self.service_may_assume(t, "lambda.amazonaws.com")? else {
            return Ok(()); // the function cannot run as a role that does not trust Lambda
        };
        let t_arn = self.entities[t].arn.clone();
        let t_name = self.graph.nodes[t].name.clone();
        let evidence = vec![grant, trust];
        let mut access = min_access(&evidence);
        if conditional {
            access = Access::Conditional;
        }
        let fname = resource_name(function);
        self.push(Edge {
            from: my_arn.to_string(),
            to: t_arn,
            kind: EdgeKind::ServiceAction,
            method: method.to_string(),
            service: Some("lambda.amazonaws.com".to_string()),
            access,
            description: if conditional {
                format!(
                    "{my_name} can invoke {fname} of another account, which runs as role {t_name} (only as far as the function's own code lets its input steer it)"
                )
            } else {
                format!(
                    "{my_name} can replace the code of {fname} of another account, which runs as role {t_name}"
                )
            },
            evidence,
            references: vec![
                LAMBDA_CROSS_ACCOUNT_DOC.to_string(),
                CROSS_ACCOUNT_DOC.to_string(),
                format!(
                    "https://docs.aws.amazon.com/lambda/latest/api/API_{}.html",
                    if conditional { "Invoke" } else { "UpdateFunctionCode" }
                ),
            ],
        });
        Ok(())
    }
}

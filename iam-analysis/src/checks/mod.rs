//! IAM Access Analyzer's custom policy checks, offline and sound: [`check_no_new_access`],
//! [`check_access_not_granted`] and [`check_no_public_access`].
//!
//! Each check asks whether *some* request — any principal, action, resource and request
//! context — exists with a property: allowed by the new policy and not by the existing one;
//! allowed for one of the listed actions/resources; allowed to a caller outside every account,
//! organization and network the policy names. The policies are translated into formulas over
//! the request (module `formula`): actions and resources as glob languages (`language`),
//! principals by the entries the policies name, conditions per key as string/ARN patterns,
//! numeric and date intervals, CIDR sets, `Null`, `…IfExists` and `ForAnyValue`/`ForAllValues`
//! sets (spec §2, §3). A policy *allows* a request when one of its `Allow` statements applies
//! and none of its `Deny` statements does (spec §5.2, one policy alone).
//!
//! **PASS is sound**: it is returned only when the search proves that no such request exists.
//! What the reasoner cannot model exactly is over-approximated (taken as "may apply" where that
//! adds requests), so it can only turn a PASS into a FAIL. **Every FAIL** names the statement
//! (index, `Sid`, source span) and, when the search can build one, a concrete request that the
//! evaluator (`iam_eval`) confirms; a request the evaluator does not confirm is dropped and the
//! reason says that access could not be ruled out, and why.
//!
//! **Limits (each errs towards FAIL).** Requests are modelled as the evaluator sees them:
//! condition keys the evaluator derives from the caller (`aws:PrincipalArn`, `aws:username`, …)
//! are free values, a superset of what AWS can send. An action name without `:` is not an AWS
//! action and is not modelled (the evaluator would read it as a service with an empty name).
//! Case-insensitive matching folds the characters the patterns name and their upper-case forms
//! (the evaluator's simple case mapping); a search that exceeds its budget (200,000 nodes or
//! automaton states) answers FAIL with a reason. `CheckNoPublicAccess` treats `aws:SourceIp`
//! and service-specific keys as attacker-controlled (UNSPECIFIED by AWS's documentation for the
//! offline check: the recommended default of never under-reporting public access).
//!
//! ```
//! use iam_analysis::checks::{AccessCheckPolicyType, CheckResultType, check_no_new_access};
//! use iam_model::PolicyType;
//! let old = iam_parser::parse_policy(r#"{"Version":"2012-10-17","Statement":[
//!   {"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::reports/*"}]}"#,
//!   PolicyType::Identity).unwrap();
//! let new = iam_parser::parse_policy(r#"{"Version":"2012-10-17","Statement":[
//!   {"Sid":"Read","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::reports/2024/*"}]}"#,
//!   PolicyType::Identity).unwrap();
//! let r = check_no_new_access(&new, &old, AccessCheckPolicyType::Identity);
//! assert_eq!(r.result, CheckResultType::Pass);
//! let r = check_no_new_access(&old, &new, AccessCheckPolicyType::Identity);
//! assert_eq!(r.result, CheckResultType::Fail);
//! let req = r.reasons[0].request.as_ref().unwrap(); // confirmed by the evaluator
//! assert!(req.action.to_ascii_lowercase().starts_with("s3:get"));
//! ```

mod formula;
mod language;

use formula::{Atom, Ctx, Dim, F, Family, Found, Model, PEntry, Solver, is_allow};
use iam_eval::{Engine, Layer, OwnedContext, Principal, Request, Verdict};
use iam_model::catalog::Catalog;
use iam_model::{Policy, PolicyType, Span};
use language::{Pattern, Sym};
use serde::Serialize;
use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::fmt;

/// `policyType` of the checks: `IDENTITY_POLICY` or `RESOURCE_POLICY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum AccessCheckPolicyType {
    /// `IDENTITY_POLICY`: managed and inline policies of users, groups and roles.
    #[serde(rename = "IDENTITY_POLICY")]
    Identity,
    /// `RESOURCE_POLICY`: bucket, key, queue, trust … policies.
    #[serde(rename = "RESOURCE_POLICY")]
    Resource,
}

impl AccessCheckPolicyType {
    /// Parses AWS's spelling (`IDENTITY_POLICY`, `RESOURCE_POLICY`).
    ///
    /// ```
    /// use iam_analysis::checks::AccessCheckPolicyType;
    /// assert_eq!(AccessCheckPolicyType::parse("RESOURCE_POLICY"), Some(AccessCheckPolicyType::Resource));
    /// assert_eq!(AccessCheckPolicyType::parse("identity"), None);
    /// ```
    pub fn parse(s: &str) -> Option<AccessCheckPolicyType> {
        match s {
            "IDENTITY_POLICY" => Some(AccessCheckPolicyType::Identity),
            "RESOURCE_POLICY" => Some(AccessCheckPolicyType::Resource),
            _ => None,
        }
    }
    /// The iamkit policy type the documents are parsed and evaluated as.
    pub fn policy_type(self) -> PolicyType {
        match self {
            AccessCheckPolicyType::Identity => PolicyType::Identity,
            AccessCheckPolicyType::Resource => PolicyType::Resource,
        }
    }
}

/// `PASS` or `FAIL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum CheckResultType {
    /// No request has the property (proved).
    #[serde(rename = "PASS")]
    Pass,
    /// Some request might have it.
    #[serde(rename = "FAIL")]
    Fail,
}

/// A concrete request found by a check and confirmed with the evaluator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckRequest {
    /// The caller: an ARN, a 12-digit account id (its root user), a service principal or
    /// `anonymous` — the form [`Principal::parse`] reads; `None` when no particular caller is
    /// needed: the unnamed IAM user holding the policy
    /// ([`Principal::unnamed_user`], `iamkit.evaluate(principal=None)`), spec §5.1.
    pub principal: Option<String>,
    /// For a web-identity/SAML role session: the identity provider.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub federated_provider: Option<String>,
    /// The action (`s3:GetObject`).
    pub action: String,
    /// The resource ARN (or `*`).
    pub resource: String,
    /// Condition keys and their values (a key with several values is multi-valued).
    pub context: BTreeMap<String, Vec<String>>,
}

/// Where a reason points in the policy text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SourceLocation {
    /// 1-based line of the statement.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// 0-based byte offset.
    pub offset: u32,
    /// Line just after the statement.
    pub end_line: u32,
    /// Column just after the statement.
    pub end_column: u32,
}

impl From<Span> for SourceLocation {
    fn from(s: Span) -> SourceLocation {
        SourceLocation {
            line: s.start.line,
            column: s.start.column,
            offset: s.start.offset,
            end_line: s.end.line,
            end_column: s.end.column,
        }
    }
}

/// One reason of a result (Access Analyzer's `ReasonSummary` plus iamkit's extras).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckReason {
    /// What was found.
    pub description: String,
    /// 0-based index of the statement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement_index: Option<usize>,
    /// The statement's `Sid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement_id: Option<String>,
    /// The statement's position in the policy text (when it came from text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<SourceLocation>,
    /// A request showing the access, confirmed with the evaluator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<CheckRequest>,
}

/// The answer of a check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    /// `PASS` or `FAIL`.
    pub result: CheckResultType,
    /// A one-line summary.
    pub message: String,
    /// One reason per statement that fails (empty on `PASS`).
    pub reasons: Vec<CheckReason>,
}

/// A request to a check that cannot be answered (Access Analyzer's `ValidationException`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckError {
    /// What is wrong with the request.
    pub message: String,
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
impl std::error::Error for CheckError {}

/// One `access` entry of `CheckAccessNotGranted`: actions and/or resources (patterns allowed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessSpec {
    /// Actions (`s3:GetObject`, `iam:*`).
    pub actions: Vec<String>,
    /// Resources (ARNs, wildcards allowed in the resource part).
    pub resources: Vec<String>,
}

/// A resource type of `CheckNoPublicAccess` (the `AccessCheckResourceType` enum of the
/// `accessanalyzer` service model) with the services whose actions can reach it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicResourceType {
    /// `AWS::S3::Bucket`, ...
    pub name: &'static str,
    /// Service prefixes whose actions the policy can grant on this resource.
    pub services: &'static [&'static str],
    /// True for `AWS::IAM::AssumeRolePolicyDocument` (a role trust policy).
    pub trust: bool,
}

macro_rules! rt {
    ($name:expr, [$($s:expr),*]) => {
        PublicResourceType { name: $name, services: &[$($s),*], trust: false }
    };
}

/// Every resource type `CheckNoPublicAccess` accepts (botocore `accessanalyzer` model,
/// shape `AccessCheckResourceType`; API reference page `API_CheckNoPublicAccess`).
pub const PUBLIC_RESOURCE_TYPES: &[PublicResourceType] = &[
    rt!("AWS::DynamoDB::Table", ["dynamodb"]),
    rt!("AWS::DynamoDB::Stream", ["dynamodb"]),
    rt!("AWS::EFS::FileSystem", ["elasticfilesystem"]),
    rt!("AWS::OpenSearchService::Domain", ["es"]),
    rt!("AWS::Kinesis::Stream", ["kinesis"]),
    rt!("AWS::Kinesis::StreamConsumer", ["kinesis"]),
    rt!("AWS::KMS::Key", ["kms"]),
    rt!("AWS::Lambda::Function", ["lambda"]),
    rt!("AWS::S3::Bucket", ["s3"]),
    rt!("AWS::S3::AccessPoint", ["s3"]),
    rt!("AWS::S3Express::DirectoryBucket", ["s3express"]),
    rt!("AWS::S3::Glacier", ["glacier"]),
    rt!("AWS::S3Outposts::Bucket", ["s3-outposts"]),
    rt!("AWS::S3Outposts::AccessPoint", ["s3-outposts"]),
    rt!("AWS::SecretsManager::Secret", ["secretsmanager"]),
    rt!("AWS::SNS::Topic", ["sns"]),
    rt!("AWS::SQS::Queue", ["sqs"]),
    PublicResourceType {
        name: "AWS::IAM::AssumeRolePolicyDocument",
        services: &["sts"],
        trust: true,
    },
    rt!("AWS::S3Tables::TableBucket", ["s3tables"]),
    rt!("AWS::ApiGateway::RestApi", ["execute-api"]),
    rt!("AWS::CodeArtifact::Domain", ["codeartifact"]),
    rt!("AWS::Backup::BackupVault", ["backup"]),
    rt!("AWS::CloudTrail::Dashboard", ["cloudtrail"]),
    rt!("AWS::CloudTrail::EventDataStore", ["cloudtrail"]),
    rt!("AWS::S3Tables::Table", ["s3tables"]),
    rt!("AWS::S3Express::AccessPoint", ["s3express"]),
];

/// The account of callers outside every trusted zone, unless a policy names it.
const OUTSIDER_ACCOUNTS: &[&str] = &["999988887777", "888877776666", "777766665555"];
/// The caller used for identity policies (spec §5.1: an unnamed IAM user).
const HOME_ACCOUNT: &str = "111122223333";

/// Keys that tie a request to an account: an outsider's value is its own account.
const ACCOUNT_KEYS: &[&str] = &[
    "aws:PrincipalAccount",
    "aws:SourceAccount",
    "aws:SourceOwner",
    "aws:VpceAccount",
    "kms:CallerAccount",
];
/// ARN keys: an outsider's ARN lies in its own account (or is an account-less ARN it owns).
const ARN_KEYS: &[&str] = &["aws:PrincipalArn", "aws:SourceArn", "aws:SourceVpcArn"];
/// Keys whose trusted values are the ones the policy names: an outsider has other values.
const IDENTIFIER_KEYS: &[&str] = &[
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:SourceVpc",
    "aws:SourceVpce",
    "aws:VpceOrgID",
    "aws:VpceOrgPaths",
    "aws:userid",
    "aws:username",
    "aws:PrincipalServiceName",
    "aws:PrincipalServiceNamesList",
    "aws:SourceIdentity",
];

/// `CheckNoNewAccess`: does `new` allow any request `existing` does not?
///
/// Denies of `new` only remove access; a request denied by `existing` (a deny that `new`
/// dropped) and allowed by `new` is new access.
pub fn check_no_new_access(
    new: &Policy,
    existing: &Policy,
    policy_type: AccessCheckPolicyType,
) -> CheckResult {
    let pt = policy_type.policy_type();
    let mut ctx = Ctx::default();
    ctx.survey(&new.statements);
    ctx.survey(&existing.statements);
    let new_f = compile(&mut ctx, new, pt);
    let old_f = compile(&mut ctx, existing, pt);
    let principals = candidates(&ctx, false);
    // Engines are compiled only when a request needs confirming.
    let new_engine = OnceCell::new();
    let old_engine = OnceCell::new();
    let layer = layer_of(pt);
    let mut reasons = Vec::new();
    for (idx, allow) in &new_f.allows {
        // new allows (this statement, no new deny) ∧ existing does not allow.
        let base = F::and(vec![allow.clone(), new_f.no_deny.clone()]);
        let mut queries = vec![F::and(vec![
            base.clone(),
            F::and(old_f.allows.iter().map(|(_, a)| a.not()).collect()),
        ])];
        for d in &old_f.denies {
            queries.push(F::and(vec![base.clone(), d.clone()]));
        }
        let confirm = |p: &Principal, a: &str, r: &str, c: &OwnedContext| {
            let new_engine = new_engine.get_or_init(|| engine(new, pt));
            let old_engine = old_engine.get_or_init(|| engine(existing, pt));
            verdict(new_engine.as_ref(), layer, p, a, r, c) == Some(Verdict::Allow)
                && verdict(old_engine.as_ref(), layer, p, a, r, c)
                    .is_some_and(|v| v != Verdict::Allow)
        };
        if let Some(reason) = run_statement(
            &ctx,
            &principals,
            new,
            *idx,
            &queries,
            &confirm,
            "grants access that the existing policy does not",
        ) {
            reasons.push(reason);
        }
    }
    finish(
        reasons,
        "The updated policy does not grant new access compared to the existing policy.",
        "The updated policy might grant new access compared to the existing policy.",
    )
}

/// `CheckAccessNotGranted`: does `policy` allow any of the listed access? Each entry asks for
/// one of its actions (any action when none) on one of its resources (any resource when none).
///
/// # Errors
/// When `access` is empty or an entry names neither actions nor resources.
pub fn check_access_not_granted(
    policy: &Policy,
    access: &[AccessSpec],
    policy_type: AccessCheckPolicyType,
) -> Result<CheckResult, CheckError> {
    if access.is_empty() {
        return Err(CheckError {
            message: "access must list at least one access entry".to_string(),
        });
    }
    if access
        .iter()
        .any(|a| a.actions.is_empty() && a.resources.is_empty())
    {
        return Err(CheckError {
            message: "each access entry must list actions, resources or both".to_string(),
        });
    }
    let pt = policy_type.policy_type();
    let mut ctx = Ctx::default();
    ctx.survey(&policy.statements);
    let pf = compile(&mut ctx, policy, pt);
    let mut wanted = Vec::new();
    let mut matchers: Vec<(Vec<Pattern>, Vec<Pattern>, bool, bool)> = Vec::new();
    for a in access {
        let acts: Vec<F> = a.actions.iter().map(|x| ctx.action(x)).collect();
        let ress: Vec<F> = a
            .resources
            .iter()
            .map(|x| ctx.resource(x, PolicyType::Identity, false))
            .collect();
        let act_f = if acts.is_empty() {
            F::True
        } else {
            F::or(acts)
        };
        let res_f = if ress.is_empty() {
            F::True
        } else {
            F::or(ress)
        };
        matchers.push((
            patterns_of(&ctx, &act_f),
            patterns_of(&ctx, &res_f),
            matches!(act_f, F::True),
            matches!(res_f, F::True),
        ));
        wanted.push(F::and(vec![act_f, res_f]));
    }
    let wanted = F::or(wanted);
    let principals = candidates(&ctx, false);
    let eng = OnceCell::new();
    let layer = layer_of(pt);
    let mut reasons = Vec::new();
    for (idx, allow) in &pf.allows {
        let q = F::and(vec![allow.clone(), pf.no_deny.clone(), wanted.clone()]);
        let confirm = |p: &Principal, a: &str, r: &str, c: &OwnedContext| {
            let eng = eng.get_or_init(|| engine(policy, pt));
            verdict(eng.as_ref(), layer, p, a, r, c) == Some(Verdict::Allow)
                && matchers.iter().any(|(ap, rp, any_a, any_r)| {
                    (*any_a || ap.iter().any(|p| p.matches(&language::syms(a))))
                        && (*any_r || rp.iter().any(|p| p.matches(&language::syms(r))))
                })
        };
        if let Some(reason) = run_statement(
            &ctx,
            &principals,
            policy,
            *idx,
            &[q],
            &confirm,
            "grants access that must not be granted",
        ) {
            reasons.push(reason);
        }
    }
    Ok(finish(
        reasons,
        "The policy document does not grant access to perform one or more of the listed actions or resources.",
        "The policy document might grant access to perform one or more of the listed actions or resources.",
    ))
}

/// `CheckNoPublicAccess`: does a resource policy of `resource_type` allow access to a caller
/// outside every account, organization, network and identity it names?
///
/// A caller is *public* when it is anonymous, or a principal (root, user, role session,
/// federated user, or a web-identity session of an identity provider the policy names) of an
/// account the policy does not name, whose request carries, for each key that ties a request
/// to its owner (`aws:PrincipalAccount`, `aws:PrincipalArn`, `aws:PrincipalOrgID`,
/// `aws:SourceAccount`, `aws:SourceArn`, `aws:SourceVpc`, `aws:SourceVpce`, `aws:userid`, …),
/// either no value or a value of its own (not one the policy names; an ARN in its own
/// account). Every other key (`aws:SecureTransport`, `aws:SourceIp`, service keys) may take
/// any value — the conservative choice: an IP range alone does not make a grant non-public.
/// Only actions of the services of the resource type count (an S3 bucket policy cannot grant
/// `sqs:SendMessage` on the bucket).
///
/// # Errors
/// When `resource_type` is not one of [`PUBLIC_RESOURCE_TYPES`].
pub fn check_no_public_access(
    policy: &Policy,
    resource_type: &str,
) -> Result<CheckResult, CheckError> {
    let Some(rt) = PUBLIC_RESOURCE_TYPES
        .iter()
        .find(|t| t.name == resource_type)
    else {
        return Err(CheckError {
            message: format!(
                "resourceType {resource_type:?} is not supported; expected one of: {}",
                PUBLIC_RESOURCE_TYPES
                    .iter()
                    .map(|t| t.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    };
    let pt = if rt.trust {
        PolicyType::Trust
    } else {
        PolicyType::Resource
    };
    let mut ctx = Ctx::default();
    ctx.survey(&policy.statements);
    let pf = compile(&mut ctx, policy, pt);
    let outsider_account = outsider_account(&ctx);
    let outsider = outsider_formula(&mut ctx, &outsider_account);
    let services: Vec<F> = rt
        .services
        .iter()
        .map(|s| ctx.action(&format!("{s}:*")))
        .collect();
    let service_f = F::or(services);
    let principals = candidates(&ctx, true);
    let eng = OnceCell::new();
    let layer = layer_of(pt);
    let mut reasons = Vec::new();
    for (idx, allow) in &pf.allows {
        let q = F::and(vec![
            allow.clone(),
            pf.no_deny.clone(),
            outsider.clone(),
            service_f.clone(),
        ]);
        let confirm = |p: &Principal, a: &str, r: &str, c: &OwnedContext| {
            let eng = eng.get_or_init(|| engine(policy, pt));
            verdict(eng.as_ref(), layer, p, a, r, c) == Some(Verdict::Allow)
                && is_outsider(p, &outsider_account)
        };
        if let Some(reason) = run_statement(
            &ctx,
            &principals,
            policy,
            *idx,
            &[q],
            &confirm,
            "grants public access",
        ) {
            reasons.push(reason);
        }
    }
    Ok(finish(
        reasons,
        &format!("The resource policy does not grant public access for {resource_type}."),
        &format!("The resource policy might grant public access for {resource_type}."),
    ))
}

/// A policy's `Allow` statements (with their index) and the formula "no `Deny` applies".
struct Compiled {
    allows: Vec<(usize, F)>,
    denies: Vec<F>,
    no_deny: F,
}

fn compile(ctx: &mut Ctx, p: &Policy, pt: PolicyType) -> Compiled {
    let vars_on = p.variables_enabled();
    let mut allows = Vec::new();
    let mut denies = Vec::new();
    for (i, st) in p.statements.iter().enumerate() {
        let f = ctx.statement(st, pt, vars_on);
        if is_allow(st) {
            allows.push((i, f));
        } else {
            denies.push(f);
        }
    }
    let no_deny = F::and(denies.iter().map(F::not).collect());
    Compiled {
        allows,
        denies,
        no_deny,
    }
}

fn engine(p: &Policy, pt: PolicyType) -> Option<Engine> {
    let b = Engine::builder();
    let b = match pt {
        PolicyType::Identity => b.identity(p),
        other => b.resource_of_type(p, other),
    };
    b.build().ok()
}

fn layer_of(pt: PolicyType) -> Layer {
    match pt {
        PolicyType::Identity => Layer::Identity,
        _ => Layer::Resource,
    }
}

/// What the policy alone says about a request (its layer's verdict), per the evaluator.
fn verdict(
    engine: Option<&Engine>,
    layer: Layer,
    p: &Principal,
    action: &str,
    resource: &str,
    ctx: &OwnedContext,
) -> Option<Verdict> {
    let engine = engine?;
    let c = ctx.as_context();
    let req = Request::new(p, action, resource).with_context(&c);
    let ex = engine.explain(&req);
    if let Some(l) = ex.layers.iter().find(|l| l.layer == layer) {
        return Some(l.verdict);
    }
    let mut v = Verdict::NoMatch;
    for m in ex.matched_statements.iter().filter(|m| m.layer == layer) {
        match m.effect {
            iam_model::Effect::Deny => return Some(Verdict::Deny),
            iam_model::Effect::Allow => v = Verdict::Allow,
        }
    }
    Some(v)
}

fn patterns_of(ctx: &Ctx, f: &F) -> Vec<Pattern> {
    let mut out = Vec::new();
    let mut stack = vec![f];
    while let Some(f) = stack.pop() {
        match f {
            F::Lit(a, false) => {
                if let Some(Atom::Action(p) | Atom::Resource(p)) = ctx.atoms.get(*a as usize) {
                    out.push(p.clone());
                }
            }
            F::And(v) | F::Or(v) => stack.extend(v.iter()),
            _ => {}
        }
    }
    out
}

fn outsider_account(ctx: &Ctx) -> String {
    let named: Vec<String> = ctx
        .entries
        .iter()
        .filter_map(|e| match e {
            PEntry::Account(a) => Some(a.clone()),
            PEntry::Arn(a) => a.split(':').nth(4).map(str::to_string),
            _ => None,
        })
        .chain(ctx.keys.iter().flat_map(|k| k.constants.iter().cloned()))
        .collect();
    OUTSIDER_ACCOUNTS
        .iter()
        .find(|a| !named.iter().any(|n| n.contains(*a)))
        .unwrap_or(&OUTSIDER_ACCOUNTS[0])
        .to_string()
}

/// The context an outsider's request can carry (see [`check_no_public_access`]).
fn outsider_formula(ctx: &mut Ctx, account: &str) -> F {
    let mut parts = Vec::new();
    let str_key = |ctx: &Ctx, name: &str| {
        ctx.key_id(name).filter(|k| {
            ctx.keys
                .get(*k as usize)
                .is_some_and(|i| i.family() == Family::Str)
        })
    };
    let lit_eq = |ctx: &mut Ctx, k: u32, v: &str| {
        let mut p = Pattern::default();
        p.push_literal(v, false);
        ctx.lit(Atom::Str(k, p))
    };
    for name in ACCOUNT_KEYS {
        if let Some(k) = str_key(ctx, name) {
            let absent = ctx.lit(Atom::Present(k)).not();
            let own = lit_eq(ctx, k, account);
            parts.push(F::or(vec![absent, own]));
        }
    }
    for name in ARN_KEYS {
        if let Some(k) = str_key(ctx, name) {
            let absent = ctx.lit(Atom::Present(k)).not();
            let mut own = Pattern::default();
            own.push_wild("arn:*:*:*:", false, false);
            own.push_literal(account, false);
            own.push_wild(":*", false, true);
            let own = ctx.lit(Atom::Str(k, own));
            let mut no_acct_fixed = Pattern::default();
            no_acct_fixed.push_wild("arn:*:*:*::", false, false);
            no_acct_fixed.push_wild("*", false, true);
            let accountless = ctx.lit(Atom::Str(k, no_acct_fixed));
            let constants = ctx
                .keys
                .get(k as usize)
                .map(|i| i.constants.clone())
                .unwrap_or_default();
            let mut not_named: Vec<F> = constants.iter().map(|c| lit_eq(ctx, k, c).not()).collect();
            not_named.push(accountless);
            parts.push(F::or(vec![absent, own, F::and(not_named)]));
        }
    }
    for name in IDENTIFIER_KEYS {
        let Some(k) = str_key(ctx, name) else {
            continue;
        };
        let constants = ctx
            .keys
            .get(k as usize)
            .map(|i| i.constants.clone())
            .unwrap_or_default();
        let elem = F::and(constants.iter().map(|c| lit_eq(ctx, k, c).not()).collect());
        let qualified = ctx
            .atoms
            .iter()
            .any(|a| matches!(a, Atom::SetAny(kk, _) | Atom::SetAll(kk, _) if *kk == k));
        if qualified {
            parts.push(ctx.lit(Atom::SetAll(k, elem)));
        } else {
            let absent = ctx.lit(Atom::Present(k)).not();
            parts.push(F::or(vec![absent, elem]));
        }
    }
    // An outsider is not an AWS service calling directly.
    if let Some(k) = str_key(ctx, "aws:PrincipalIsAWSService") {
        let absent = ctx.lit(Atom::Present(k)).not();
        let mut t = Pattern::default();
        t.push_literal("true", true);
        let yes = ctx.lit(Atom::Str(k, t)).not();
        parts.push(F::or(vec![absent, yes]));
    }
    F::and(parts)
}

fn is_outsider(p: &Principal, account: &str) -> bool {
    use iam_eval::PrincipalKind as K;
    match p.kind() {
        K::Anonymous => true,
        K::Service => false,
        _ => p.account() == account,
    }
}

/// Principals that stand for every caller: for each account the policies name (and a fresh
/// one), its root, a user, a role session and a federated user; each named user, role,
/// session, service and identity provider; anonymous callers. Matching a principal entry
/// depends only on these attributes, so one candidate per combination covers all callers.
fn candidates(ctx: &Ctx, outsiders_only: bool) -> Vec<Principal> {
    let fresh = outsider_account(ctx);
    let mut accounts: Vec<String> = vec![fresh.clone()];
    let mut out: Vec<Principal> = vec![Principal::anonymous()];
    let push_account = |a: &str, accounts: &mut Vec<String>| {
        if !accounts.iter().any(|x| x == a) && a.len() == 12 {
            accounts.push(a.to_string());
        }
    };
    if !outsiders_only {
        for e in &ctx.entries {
            match e {
                PEntry::Account(a) => push_account(a, &mut accounts),
                PEntry::Arn(a) => {
                    if let Some(acct) = a.split(':').nth(4) {
                        push_account(acct, &mut accounts);
                    }
                }
                _ => {}
            }
        }
        push_account(HOME_ACCOUNT, &mut accounts);
    }
    let mut roles: Vec<String> = Vec::new();
    for a in &accounts {
        out.push(Principal::root(a));
        if let Ok(u) = Principal::user(&format!("arn:aws:iam::{a}:user/iamkit-witness")) {
            out.push(u);
        }
        let role = format!("arn:aws:iam::{a}:role/iamkit-witness");
        if let Ok(s) = Principal::role_session(&role, "iamkit-session") {
            out.push(s);
        }
        roles.push(role);
        out.push(Principal::federated_user(a, "iamkit-federated", None));
    }
    let mut providers: Vec<&str> = Vec::new();
    for e in &ctx.entries {
        match e {
            PEntry::Arn(a) if !outsiders_only => {
                if let Ok(p) = Principal::parse(a) {
                    out.push(p);
                }
                if a.contains(":role/") {
                    if let Ok(s) = Principal::role_session(a, "iamkit-session") {
                        out.push(s);
                    }
                    roles.push(a.clone());
                }
                if a.contains(":user/")
                    && let Some(acct) = a.split(':').nth(4)
                {
                    out.push(Principal::federated_user(acct, "iamkit-federated", Some(a)));
                }
            }
            PEntry::UniqueId(id) if !outsiders_only => {
                if let Ok(u) = Principal::user(&format!("arn:aws:iam::{fresh}:user/iamkit-id")) {
                    out.push(u.with_unique_id(id));
                }
            }
            PEntry::Service(s) if !outsiders_only => out.push(Principal::service(s)),
            PEntry::Federated(f) => providers.push(f),
            _ => {}
        }
    }
    if !outsiders_only {
        out.push(Principal::service("iamkit-witness.amazonaws.com"));
    }
    for f in providers {
        for r in &roles {
            if outsiders_only && !r.contains(&fresh) {
                continue;
            }
            if let Ok(s) = Principal::web_identity_session(r, "iamkit-session", f) {
                out.push(s);
            }
        }
    }
    if ctx.any_not_principal {
        let with_boundary: Vec<Principal> = out
            .iter()
            .filter(|p| {
                !matches!(
                    p.kind(),
                    iam_eval::PrincipalKind::Anonymous | iam_eval::PrincipalKind::Service
                )
            })
            .map(|p| p.clone().with_permissions_boundary(true))
            .collect();
        out.extend(with_boundary);
    }
    out
}

/// Searches the queries of one statement; a reason when some request might be found.
fn run_statement(
    ctx: &Ctx,
    principals: &[Principal],
    policy: &Policy,
    idx: usize,
    queries: &[F],
    confirm: &dyn Fn(&Principal, &str, &str, &OwnedContext) -> bool,
    what: &str,
) -> Option<CheckReason> {
    let st = policy.statements.get(idx)?;
    let sid = st.sid_str().map(str::to_string);
    let label = match &sid {
        Some(s) => format!("Statement {idx} (Sid {s:?})"),
        None => format!("Statement {idx}"),
    };
    let location = (st.span != Span::default()).then(|| SourceLocation::from(st.span));
    let mut doubts: Vec<String> = Vec::new();
    for q in queries {
        let mut solver = Solver::new(ctx, principals);
        let mut found_req: Option<CheckRequest> = None;
        let mut accept = |models: &BTreeMap<Dim, Model>,
                          assign: &BTreeMap<Dim, Vec<(u32, bool)>>| {
            let Some((mut req, p, owned)) = build_request(ctx, principals, models, assign) else {
                return false;
            };
            // The solver's shortest resource for `*` is the empty string: correct but no help to a
            // reader. A readable ARN replaces it when the evaluator confirms it like any witness.
            if req.resource.is_empty() {
                let readable = example_resource(&req.action);
                if confirm(&p, &req.action, &readable, &owned) {
                    req.resource = readable;
                }
            }
            if confirm(&p, &req.action, &req.resource, &owned) {
                found_req = Some(req);
                true
            } else {
                false
            }
        };
        match solver.search(q, &mut accept) {
            Found::None => continue,
            Found::Budget => {
                doubts.push("the search for a request grew beyond its budget".to_string());
            }
            Found::Some {
                confirmed,
                unknowns,
            } => {
                if confirmed.is_some()
                    && let Some(req) = found_req
                {
                    return Some(CheckReason {
                        description: format!("{label} {what}: for example {}.", describe(&req)),
                        statement_index: Some(idx),
                        statement_id: sid,
                        location,
                        request: Some(req),
                    });
                }
                if unknowns.is_empty() {
                    doubts.push(
                        "the evaluator did not confirm the requests the reasoner built".to_string(),
                    );
                }
                doubts.extend(unknowns);
            }
        }
    }
    if doubts.is_empty() {
        return None;
    }
    doubts.dedup();
    Some(CheckReason {
        description: format!(
            "{label} might grant such access: the check could not rule it out ({}).",
            doubts.join("; ")
        ),
        statement_index: Some(idx),
        statement_id: sid,
        location,
        request: None,
    })
}

fn describe(r: &CheckRequest) -> String {
    let who = match &r.principal {
        Some(p) => format!("principal {p}"),
        None => "a caller holding the policy".to_string(),
    };
    let mut s = format!("{who} may call {} on {}", r.action, r.resource);
    if !r.context.is_empty() {
        let c: Vec<String> = r
            .context
            .iter()
            .map(|(k, v)| {
                if v.len() == 1 {
                    format!("{k}={}", v.first().map(String::as_str).unwrap_or_default())
                } else {
                    format!("{k}=[{}]", v.join(", "))
                }
            })
            .collect();
        s.push_str(&format!(" with {}", c.join(", ")));
    }
    s
}

/// A concrete request from the models of each dimension.
fn build_request(
    ctx: &Ctx,
    principals: &[Principal],
    models: &BTreeMap<Dim, Model>,
    assign: &BTreeMap<Dim, Vec<(u32, bool)>>,
) -> Option<(CheckRequest, Principal, OwnedContext)> {
    // Action: a catalog action when one satisfies the literals, else the constructed name.
    let action = match models.get(&Dim::Action) {
        Some(Model::Str(s)) => {
            let lits = assign.get(&Dim::Action).cloned().unwrap_or_default();
            catalog_action(ctx, &lits).unwrap_or_else(|| language::render(s, &|_| String::new()))
        }
        Some(_) => return None,
        None => "s3:GetObject".to_string(),
    };
    let mut context: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut multi: Vec<String> = Vec::new();
    for (d, m) in models {
        let Dim::Key(k) = d else { continue };
        let Some(info) = ctx.keys.get(*k as usize) else {
            continue;
        };
        match m {
            Model::One(v) => {
                context.insert(info.name.clone(), vec![v.clone()]);
            }
            Model::Many(vs) => {
                context.insert(info.name.clone(), vs.clone());
                multi.push(info.name.clone());
            }
            Model::Unknown => return None,
            _ => {}
        }
    }
    let resource = match models.get(&Dim::Resource) {
        Some(Model::Str(s)) => {
            let mut extra: Vec<(String, String)> = Vec::new();
            let r = language::render(s, &|n| {
                let Some((key, default)) = ctx.vars.get(n as usize) else {
                    return String::new();
                };
                if let Some(v) = context
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(key))
                    .and_then(|(_, v)| (v.len() == 1).then(|| v.first().cloned()).flatten())
                {
                    return v;
                }
                default.clone().unwrap_or_else(|| format!("iamkit-{n}"))
            });
            for (n, (key, default)) in ctx.vars.iter().enumerate() {
                if default.is_none()
                    && !context.keys().any(|k| k.eq_ignore_ascii_case(key))
                    && s.contains(&Sym::Var(n as u16))
                {
                    extra.push((key.clone(), format!("iamkit-{n}")));
                }
            }
            for (k, v) in extra {
                context.insert(k, vec![v]);
            }
            r
        }
        Some(_) => return None,
        None => "*".to_string(),
    };
    let (principal, pstr, provider) = match models.get(&Dim::Principal) {
        Some(Model::Principal(i)) => {
            let p = principals.get(*i)?.clone();
            let s = principal_string(&p);
            let prov = p.federated_provider().map(str::to_string);
            (p, Some(s), prov)
        }
        Some(_) => return None,
        None => (Principal::unnamed_user(HOME_ACCOUNT), None, None),
    };
    let mut owned = OwnedContext::default();
    for (k, v) in &context {
        if multi.contains(k) {
            owned.insert(k, v.clone());
        } else if let Some(one) = v.first() {
            owned.insert_one(k, one);
        }
    }
    Some((
        CheckRequest {
            principal: pstr,
            federated_provider: provider,
            action,
            resource,
            context,
        },
        principal,
        owned,
    ))
}

/// A readable resource ARN of the action's service for an example request
/// (`arn:aws:s3:::iamkit-example`, `arn:aws:sqs:us-east-1:111122223333:iamkit-example`).
fn example_resource(action: &str) -> String {
    match action.split_once(':').map(|(s, _)| s.to_ascii_lowercase()) {
        Some(s) if s == "s3" => "arn:aws:s3:::iamkit-example".to_string(),
        Some(s) if s == "iam" => format!("arn:aws:iam::{HOME_ACCOUNT}:role/iamkit-example"),
        Some(s) => format!("arn:aws:{s}:us-east-1:{HOME_ACCOUNT}:iamkit-example"),
        None => "*".to_string(),
    }
}

fn principal_string(p: &Principal) -> String {
    use iam_eval::PrincipalKind as K;
    match p.kind() {
        K::Anonymous => "anonymous".to_string(),
        K::Service => p.service_name().unwrap_or_default().to_string(),
        K::Root => p.account().to_string(),
        _ => p.arn().to_string(),
    }
}

/// The catalog's action names by service prefix (lower-case prefix, full names).
fn catalog_names() -> &'static [(String, Vec<String>)] {
    static NAMES: std::sync::OnceLock<Vec<(String, Vec<String>)>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        Catalog::get()
            .services()
            .iter()
            .map(|s| {
                (
                    s.prefix.to_ascii_lowercase(),
                    s.actions
                        .iter()
                        .map(|a| format!("{}:{}", s.prefix, a.name))
                        .collect(),
                )
            })
            .collect()
    })
}

fn catalog_action(ctx: &Ctx, lits: &[(u32, bool)]) -> Option<String> {
    let pats = |neg: bool| -> Vec<&Pattern> {
        lits.iter()
            .filter(|l| l.1 == neg)
            .filter_map(|l| match ctx.atoms.get(l.0 as usize) {
                Some(Atom::Action(p)) => Some(p),
                _ => None,
            })
            .collect()
    };
    let pos = pats(false);
    let neg = pats(true);
    // A positive pattern with a literal service narrows the scan to that service.
    let service = pos.iter().find_map(|p| p.literal_service());
    for (prefix, names) in catalog_names() {
        if service.as_deref().is_some_and(|s| s != prefix) {
            continue;
        }
        for name in names {
            let s = language::syms(name);
            if pos.iter().all(|p| p.matches(&s)) && !neg.iter().any(|p| p.matches(&s)) {
                return Some(name.clone());
            }
        }
    }
    None
}

fn finish(reasons: Vec<CheckReason>, pass: &str, fail: &str) -> CheckResult {
    if reasons.is_empty() {
        CheckResult {
            result: CheckResultType::Pass,
            message: pass.to_string(),
            reasons,
        }
    } else {
        CheckResult {
            result: CheckResultType::Fail,
            message: fail.to_string(),
            reasons,
        }
    }
}

#[cfg(test)]
mod tests;

//! The organization policies that apply to a stand-alone [`Account`] (issue #11 part 4): an
//! account loaded from a real one (`iamkit.Account.from_boto3`) knows the SCP levels of its
//! own path (root … OU … account) and the RCP levels of its resources, without the rest of the
//! organization. With them set, every decision in the account — enforced client calls,
//! [`Account::authorize`], `AssumeRole`'s caller side — applies them as AWS does (spec §5.8,
//! §5.10): SCPs limit the account's principals, the root user included (SCPs "affect all users
//! and roles in attached accounts, including the root user"), RCPs limit requests for the
//! account's resources; neither applies in the organization's management account nor to
//! service principals and service-linked roles (decided by the evaluator).
//!
//! Sources: <https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html>,
//! <https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html>.

use super::Account;
use super::policies::parse;
use iam_model::entities::IamError;
use iam_model::{Policy, PolicyType};
use std::sync::Arc;

/// SCPs and RCPs that apply to one account, each a list of levels from the organization root
/// down to the account (every level must allow; spec §5.8).
#[derive(Debug, Clone, Default)]
pub struct OrganizationPolicies {
    /// SCP levels of the account's path, root first.
    pub scps: Vec<Vec<Arc<Policy>>>,
    /// RCP levels of the account's path, root first.
    pub rcps: Vec<Vec<Arc<Policy>>>,
    /// True when the account is the organization's management account: then neither applies.
    pub management_account: bool,
    /// The organization id (`o-…`), for `aws:PrincipalOrgID`, when known.
    pub organization_id: Option<String>,
}

impl OrganizationPolicies {
    /// Parses levels of SCP and RCP documents (JSON text), root first.
    ///
    /// ```
    /// use iam_account::OrganizationPolicies;
    /// let deny = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:CreateUser","Resource":"*"}]}"#;
    /// let p = OrganizationPolicies::from_json(&[vec![deny.to_string()]], &[]).unwrap();
    /// assert_eq!(p.scps.len(), 1);
    /// assert!(OrganizationPolicies::from_json(&[vec!["{".to_string()]], &[]).is_err());
    /// ```
    pub fn from_json(
        scps: &[Vec<String>],
        rcps: &[Vec<String>],
    ) -> Result<OrganizationPolicies, IamError> {
        let levels =
            |ls: &[Vec<String>], t: PolicyType| -> Result<Vec<Vec<Arc<Policy>>>, IamError> {
                ls.iter()
                    .map(|l| {
                        l.iter()
                            .map(|text| parse(text, t).map(|d| d.shared()))
                            .collect()
                    })
                    .collect()
            };
        Ok(OrganizationPolicies {
            scps: levels(scps, PolicyType::Scp)?,
            rcps: levels(rcps, PolicyType::Rcp)?,
            management_account: false,
            organization_id: None,
        })
    }

    /// True when nothing is set (no SCP or RCP level).
    pub fn is_empty(&self) -> bool {
        self.scps.is_empty() && self.rcps.is_empty()
    }
}

impl Account {
    /// Sets (or with `None` clears) the organization policies that apply to this account; see
    /// the [module documentation](self). An account inside an [`Organization`](super::Organization)
    /// is decided with the organization's own policies instead.
    ///
    /// ```
    /// use iam_account::{Account, OrganizationPolicies, operations};
    /// use serde_json::json;
    /// let mut a = Account::new("111122223333").unwrap();
    /// let deny = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:CreateUser","Resource":"*"}]}"#;
    /// let full = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    /// a.set_organization_policies(Some(OrganizationPolicies::from_json(
    ///     &[vec![full.to_string()], vec![full.to_string(), deny.to_string()]], &[]).unwrap()));
    /// let root = a.root_caller();
    /// let e = operations::call(&mut a, "iam", "CreateUser", &json!({"UserName": "bob"}), &root)
    ///     .unwrap_err();
    /// assert!(e.error().message.ends_with("with an explicit deny in a service control policy"));
    /// ```
    pub fn set_organization_policies(&mut self, policies: Option<OrganizationPolicies>) {
        self.org_policies = policies.filter(|p| !p.is_empty() || p.management_account);
    }

    /// The organization policies set with [`Account::set_organization_policies`].
    pub fn organization_policies(&self) -> Option<&OrganizationPolicies> {
        self.org_policies.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operations;
    use iam_model::entities::ErrorCode;
    use serde_json::json;

    const FULL: &str =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    const NO_USERS: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:CreateUser","Resource":"*"}]}"#;

    fn account(management: bool) -> (Account, crate::Caller) {
        let mut a = Account::new("111122223333").unwrap();
        a.create_user("admin", None).unwrap();
        a.attach_user_policy("admin", "arn:aws:iam::aws:policy/AdministratorAccess")
            .unwrap();
        let k = a.create_access_key(Some("admin")).unwrap();
        let admin = a
            .authenticate(&k.access_key_id, k.secret_access_key.expose(), None)
            .unwrap();
        let mut p = OrganizationPolicies::from_json(
            &[vec![FULL.into()], vec![FULL.into(), NO_USERS.into()]],
            &[],
        )
        .unwrap();
        p.management_account = management;
        a.set_organization_policies(Some(p));
        (a, admin)
    }

    #[test]
    fn an_scp_denies_a_member_accounts_user_and_root_user() {
        let (mut a, admin) = account(false);
        let root = a.root_caller();
        for caller in [&admin, &root] {
            let e = operations::call(
                &mut a,
                "iam",
                "CreateUser",
                &json!({"UserName": "x"}),
                caller,
            )
            .unwrap_err();
            assert_eq!(e.error().code, ErrorCode::AccessDenied);
            assert_eq!(
                e.error().message,
                format!(
                    "User: {} is not authorized to perform: iam:CreateUser on resource: \
                     arn:aws:iam::111122223333:user/x with an explicit deny in a service control policy",
                    caller.arn
                )
            );
        }
        // What the SCPs allow still works.
        operations::call(&mut a, "iam", "ListUsers", &json!({}), &admin).unwrap();
        // authorize() applies them too.
        let ex = a
            .authorize(
                &admin.arn,
                "iam:CreateUser",
                "arn:aws:iam::111122223333:user/y",
                &iam_eval::Context::new(),
            )
            .unwrap();
        assert_eq!(ex.decision, iam_eval::Decision::ExplicitDeny);
        // Cleared: allowed again.
        a.set_organization_policies(None);
        operations::call(
            &mut a,
            "iam",
            "CreateUser",
            &json!({"UserName": "x"}),
            &root,
        )
        .unwrap();
    }

    #[test]
    fn an_scp_without_an_allow_level_denies_implicitly() {
        let mut a = Account::new("111122223333").unwrap();
        let only_s3 = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
        a.set_organization_policies(Some(
            OrganizationPolicies::from_json(&[vec![FULL.into()], vec![only_s3.into()]], &[])
                .unwrap(),
        ));
        let root = a.root_caller();
        let e = operations::call(&mut a, "iam", "ListUsers", &json!({}), &root).unwrap_err();
        assert!(
            e.error()
                .message
                .ends_with("because no service control policy allows the iam:ListUsers action"),
            "{}",
            e.error().message
        );
    }

    #[test]
    fn the_management_account_is_exempt() {
        let (mut a, admin) = account(true);
        let root = a.root_caller();
        operations::call(
            &mut a,
            "iam",
            "CreateUser",
            &json!({"UserName": "x"}),
            &admin,
        )
        .unwrap();
        operations::call(
            &mut a,
            "iam",
            "CreateUser",
            &json!({"UserName": "y"}),
            &root,
        )
        .unwrap();
    }
}

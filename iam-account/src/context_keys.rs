//! `GetContextKeysForCustomPolicy` / `GetContextKeysForPrincipalPolicy`: "all of the context
//! keys referenced in" the policies — the keys of their `Condition` blocks and the policy
//! variables (`${aws:username}`) of their resources and condition values, which a simulation
//! needs values for (IAM API reference, GetContextKeysForCustomPolicy,
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetContextKeysForPrincipalPolicy.html>).
//! Each key once (compared case-insensitively, as condition keys are), spelled as first written,
//! in the order the policies use them.

use super::authorize::Layers;
use super::{Account, key};
use iam_model::entities::{ErrorCode, IamError};
use iam_model::{Policy, PolicyType};

/// The policy variables `${key}` / `${key, 'default'}` of a text (not `${*}`, `${?}`, `${$}`).
fn variables(text: &str, out: &mut Vec<String>) {
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        let after = &rest[i + 2..];
        let Some(end) = after.find('}') else { break };
        let name = after[..end].split(',').next().unwrap_or_default().trim();
        if !matches!(name, "*" | "?" | "$" | "") {
            out.push(name.to_string());
        }
        rest = &after[end + 1..];
    }
}

/// The context keys `policies` reference, each once.
pub fn context_keys<'a>(policies: impl IntoIterator<Item = &'a Policy>) -> Vec<String> {
    let mut found = Vec::new();
    for p in policies {
        for st in &p.statements {
            if let Some(r) = &st.resource {
                for v in r.iter() {
                    variables(v, &mut found);
                }
            }
            for c in &st.conditions {
                for e in &c.entries {
                    found.push(e.key.value.clone());
                    for v in &e.values {
                        variables(&v.text, &mut found);
                    }
                }
            }
        }
    }
    let mut out: Vec<String> = Vec::new();
    for k in found {
        if !out.iter().any(|x| x.eq_ignore_ascii_case(&k)) {
            out.push(k);
        }
    }
    out
}

fn parse_inputs(inputs: &[String]) -> Result<Vec<Policy>, IamError> {
    inputs
        .iter()
        .map(|t| {
            iam_parser::parse_policy(t, PolicyType::Identity).map_err(|e| {
                IamError::new(
                    ErrorCode::InvalidInput,
                    format!("PolicyInputList is not a valid policy: {e}"),
                )
            })
        })
        .collect()
}

impl Account {
    /// `GetContextKeysForCustomPolicy`.
    ///
    /// ```
    /// let a = iam_account::Account::new("111122223333").unwrap();
    /// let keys = a.get_context_keys_for_custom_policy(&[r#"{"Version":"2012-10-17","Statement":[
    ///   {"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}/*",
    ///    "Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},
    ///                 "Bool":{"AWS:SourceIP":"x","aws:SecureTransport":"true"}}}]}"#.to_string()]).unwrap();
    /// assert_eq!(keys, ["aws:username", "aws:SourceIp", "aws:SecureTransport"]);
    /// ```
    pub fn get_context_keys_for_custom_policy(
        &self,
        inputs: &[String],
    ) -> Result<Vec<String>, IamError> {
        let parsed = parse_inputs(inputs)?;
        Ok(context_keys(parsed.iter()))
    }

    /// `GetContextKeysForPrincipalPolicy`: the keys of the identity policies of a user (with
    /// its groups'), group or role, plus `inputs`.
    pub fn get_context_keys_for_principal_policy(
        &self,
        arn: &str,
        inputs: &[String],
    ) -> Result<Vec<String>, IamError> {
        let res = arn
            .strip_prefix(&format!("arn:aws:iam::{}:", self.id))
            .ok_or_else(|| {
                IamError::invalid_input(format!(
                    "Invalid ARN {arn}: must be a user, group or role of this account."
                ))
            })?;
        let name = res.rsplit('/').next().unwrap_or_default();
        let mut layers = Layers::default();
        if res.starts_with("user/") {
            let u = self
                .users
                .get(&key(name))
                .ok_or_else(|| IamError::no_such_entity("user", name))?;
            self.user_layers(u, &mut layers);
        } else if res.starts_with("role/") {
            let r = self
                .roles
                .get(&key(name))
                .ok_or_else(|| IamError::no_such_entity("role", name))?;
            self.role_layers(r, &mut layers);
        } else if res.starts_with("group/") {
            let g = self
                .groups
                .get(&key(name))
                .ok_or_else(|| IamError::no_such_entity("group", name))?;
            let mut docs: Vec<std::sync::Arc<Policy>> = g
                .inline_policies
                .iter()
                .map(|p| p.document.shared())
                .collect();
            docs.extend(
                g.attached_policies
                    .iter()
                    .filter_map(|a| self.managed_policy_doc(a).map(|(_, p)| p)),
            );
            let parsed = parse_inputs(inputs)?;
            return Ok(context_keys(docs.iter().map(|p| &**p).chain(parsed.iter())));
        } else {
            return Err(IamError::invalid_input(format!(
                "Invalid ARN {arn}: must be a user, group or role."
            )));
        }
        let parsed = parse_inputs(inputs)?;
        Ok(context_keys(
            layers
                .identity
                .iter()
                .map(|n| &*n.policy)
                .chain(parsed.iter()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principal_keys_include_group_policies_and_inputs() {
        let mut a = Account::new("111122223333").unwrap();
        a.create_user("alice", None).unwrap();
        a.create_group("g", None).unwrap();
        a.add_user_to_group("g", "alice").unwrap();
        a.put_group_policy(
            "g",
            "p",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*",
                "Resource":"*","Condition":{"StringEquals":{"ec2:Region":"eu-west-1"}}}]}"#,
        )
        .unwrap();
        a.put_user_policy(
            "alice",
            "u",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*",
                "Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]}"#,
        )
        .unwrap();
        let extra = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*",
            "Resource":"*","Condition":{"StringLike":{"s3:prefix":"home/${aws:userid}/*"}}}]}"#;
        let keys = a
            .get_context_keys_for_principal_policy(
                "arn:aws:iam::111122223333:user/alice",
                &[extra.to_string()],
            )
            .unwrap();
        assert_eq!(
            keys,
            [
                "aws:MultiFactorAuthPresent",
                "ec2:Region",
                "s3:prefix",
                "aws:userid"
            ]
        );
        let keys = a
            .get_context_keys_for_principal_policy("arn:aws:iam::111122223333:group/g", &[])
            .unwrap();
        assert_eq!(keys, ["ec2:Region"]);
        assert_eq!(
            a.get_context_keys_for_principal_policy("arn:aws:iam::111122223333:role/x", &[])
                .unwrap_err()
                .code,
            ErrorCode::NoSuchEntity
        );
        assert_eq!(
            a.get_context_keys_for_custom_policy(&["{".to_string()])
                .unwrap_err()
                .code,
            ErrorCode::InvalidInput
        );
    }
}

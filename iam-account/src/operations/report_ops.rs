//! The reports, last-used data, context keys, `ChangePassword` and the small update operations
//! (`UpdateGroup`, `UpdateRoleDescription`) as requests and responses. The credential report's
//! `Content` travels base64-encoded (a blob, as on the wire); the Python client gives `bytes`.

use super::{date, ok, opt, req, role_json, strings};
use crate::{Account, Caller};
use base64ct::{Base64, Encoding};
use iam_model::entities::{ErrorCode, IamError};
use serde_json::{Value, json};

/// Runs `op` (snake_case) when it is one of this module's; `None` otherwise.
pub(super) fn call(
    a: &mut Account,
    service: &str,
    op: &str,
    p: &Value,
    caller: &Caller,
) -> Option<Result<Value, IamError>> {
    if service != "iam" {
        return None;
    }
    Some(match op {
        "change_password" => (|| {
            a.change_password(caller, req(p, "OldPassword")?, req(p, "NewPassword")?)?;
            ok()
        })(),
        "generate_credential_report" => {
            let (state, description) = a.generate_credential_report();
            let mut v = json!({"State": state});
            if let Some(d) = description {
                v["Description"] = json!(d);
            }
            Ok(v)
        }
        "generate_service_last_accessed_details" => (|| {
            let action_level = match opt(p, "Granularity") {
                None | Some("SERVICE_LEVEL") => false,
                Some("ACTION_LEVEL") => true,
                Some(g) => {
                    return Err(IamError::validation(
                        "granularity",
                        g,
                        "Member must satisfy enum value set: [SERVICE_LEVEL, ACTION_LEVEL]",
                    ));
                }
            };
            let id = a.generate_service_last_accessed_details(req(p, "Arn")?, action_level)?;
            Ok(json!({"JobId": id}))
        })(),
        "update_group" => (|| {
            a.update_group(
                req(p, "GroupName")?,
                opt(p, "NewGroupName"),
                opt(p, "NewPath"),
            )?;
            ok()
        })(),
        "update_role_description" => (|| {
            let name = req(p, "RoleName")?;
            a.update_role(name, Some(req(p, "Description")?), None)?;
            Ok(json!({"Role": role_json(a.get_role(name)?, true)}))
        })(),
        _ => return None,
    })
}

/// Runs `op` (snake_case) when it is one of this module's operations that only read the
/// account; `None` otherwise.
pub(super) fn read(
    a: &Account,
    service: &str,
    op: &str,
    p: &Value,
) -> Option<Result<Value, IamError>> {
    if service != "iam" {
        return None;
    }
    Some(match op {
        "get_access_key_last_used" => (|| {
            let (owner, used) = a.access_key_last_used(req(p, "AccessKeyId")?)?;
            let last = match used {
                Some(u) => json!({"LastUsedDate": date(u.date), "ServiceName": u.service,
                    "Region": u.region}),
                None => json!({"ServiceName": "N/A", "Region": "N/A"}),
            };
            let mut v = json!({"AccessKeyLastUsed": last});
            if let Some(o) = owner {
                v["UserName"] = json!(o);
            }
            Ok(v)
        })(),
        "get_credential_report" => a.get_credential_report().map(|r| {
            json!({"Content": Base64::encode_string(r.csv.as_bytes()),
                "ReportFormat": "text/csv", "GeneratedTime": date(r.generated)})
        }),
        "get_service_last_accessed_details" => (|| {
            let mut v = a.get_service_last_accessed_details(req(p, "JobId")?)?;
            page(&mut v, "ServicesLastAccessed", p)?;
            Ok(v)
        })(),
        "get_service_last_accessed_details_with_entities" => (|| {
            let mut v = a.get_service_last_accessed_details_with_entities(
                req(p, "JobId")?,
                req(p, "ServiceNamespace")?,
            )?;
            page(&mut v, "EntityDetailsList", p)?;
            Ok(v)
        })(),
        "get_context_keys_for_custom_policy" => a
            .get_context_keys_for_custom_policy(&strings(p, "PolicyInputList"))
            .map(|k| json!({"ContextKeyNames": k})),
        "get_context_keys_for_principal_policy" => (|| {
            let k = a.get_context_keys_for_principal_policy(
                req(p, "PolicySourceArn")?,
                &strings(p, "PolicyInputList"),
            )?;
            Ok(json!({"ContextKeyNames": k}))
        })(),
        _ => return None,
    })
}

const MARKER_PREFIX: &str = "iamkit-page-";

/// `Marker`/`MaxItems` paging of `key` for the operations that take them without a botocore
/// paginator (the GetServiceLastAccessedDetails family): 100 items by default.
fn page(v: &mut Value, key: &str, p: &Value) -> Result<(), IamError> {
    let max = p
        .get("MaxItems")
        .and_then(Value::as_u64)
        .map_or(100, |n| usize::try_from(n).unwrap_or(100));
    let start = match opt(p, "Marker") {
        None => 0,
        Some(m) => m
            .strip_prefix(MARKER_PREFIX)
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| {
                IamError::new(
                    ErrorCode::ValidationError,
                    format!("Invalid Marker {m:?}: not a marker this account handed out."),
                )
            })?,
    };
    let Some(items) = v.get_mut(key).and_then(Value::as_array_mut) else {
        return Ok(());
    };
    let total = items.len();
    let kept: Vec<Value> = items.drain(..).skip(start).take(max).collect();
    *items = kept;
    let next = start + max;
    if next < total {
        v["IsTruncated"] = json!(true);
        v["Marker"] = json!(format!("{MARKER_PREFIX}{next:08}"));
    } else {
        v["IsTruncated"] = json!(false);
    }
    Ok(())
}

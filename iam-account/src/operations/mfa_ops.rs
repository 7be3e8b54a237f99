//! The MFA and session-token operations as requests and responses: virtual MFA devices (IAM)
//! and `GetSessionToken` / `AssumeRole` with `SerialNumber` + `TokenCode` (STS). Blobs
//! (`Base32StringSeed`, `QRCodePNG`) travel base64-encoded, as in AWS's wire format; the Python
//! client gives them as `bytes`, as boto3 does.

use super::{R, date, list, ok, opt, opt_u32, req, strings, tag_pairs, tags_json, user_json};
use crate::{Account, Caller, SessionTokenRequest};
use base64ct::{Base64, Encoding};
use iam_model::entities::IamError;
use serde_json::{Map, Value, json};

/// Runs `op` (snake_case) when it is one of this module's; `None` otherwise.
pub(super) fn call(
    a: &mut Account,
    service: &str,
    op: &str,
    p: &Value,
    caller: &Caller,
) -> Option<Result<Value, IamError>> {
    Some(match (service, op) {
        ("iam", "create_virtual_mfa_device") => create(a, p),
        ("iam", "enable_mfa_device") => (|| {
            a.enable_mfa_device(
                Some(req(p, "UserName")?),
                req(p, "SerialNumber")?,
                req(p, "AuthenticationCode1")?,
                req(p, "AuthenticationCode2")?,
            )?;
            ok()
        })(),
        ("iam", "resync_mfa_device") => (|| {
            a.resync_mfa_device(
                req(p, "UserName")?,
                req(p, "SerialNumber")?,
                req(p, "AuthenticationCode1")?,
                req(p, "AuthenticationCode2")?,
            )?;
            ok()
        })(),
        ("iam", "deactivate_mfa_device") => (|| {
            a.deactivate_mfa_device(opt(p, "UserName"), req(p, "SerialNumber")?)?;
            ok()
        })(),
        ("iam", "delete_virtual_mfa_device") => (|| {
            a.delete_virtual_mfa_device(req(p, "SerialNumber")?)?;
            ok()
        })(),
        ("iam", "tag_mfa_device") => (|| {
            a.tag_mfa_device(req(p, "SerialNumber")?, &tag_pairs(p, "Tags"))?;
            ok()
        })(),
        ("iam", "untag_mfa_device") => (|| {
            a.untag_mfa_device(req(p, "SerialNumber")?, &strings(p, "TagKeys"))?;
            ok()
        })(),
        ("sts", "get_session_token") => get_session_token(a, p, caller),
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
    Some(match (service, op) {
        ("iam", "list_mfa_devices") => list_mfa_devices(a, p),
        ("iam", "list_virtual_mfa_devices") => list_virtual(a, p),
        ("iam", "get_mfa_device") => get_mfa_device(a, p),
        ("iam", "list_mfa_device_tags") => (|| {
            let d = a.get_virtual_mfa_device(req(p, "SerialNumber")?)?;
            Ok(json!({"Tags": tags_json(&d.tags), "IsTruncated": false}))
        })(),
        _ => return None,
    })
}

fn create(a: &mut Account, p: &Value) -> R {
    let d = a.create_virtual_mfa_device(
        req(p, "VirtualMFADeviceName")?,
        opt(p, "Path"),
        &tag_pairs(p, "Tags"),
    )?;
    let mut v = json!({"SerialNumber": d.serial_number,
        "Base32StringSeed": Base64::encode_string(d.base32_seed.expose().as_bytes()),
        "QRCodePNG": Base64::encode_string(&d.qr_code_png)});
    let tags = &a.get_virtual_mfa_device(&d.serial_number)?.tags;
    if !tags.is_empty() {
        v["Tags"] = tags_json(tags);
    }
    Ok(json!({"VirtualMFADevice": v}))
}

/// `ListMFADevices`: the user's devices (the calling user's when `UserName` is absent; the
/// root user has none assigned through the API).
fn list_mfa_devices(a: &Account, p: &Value) -> R {
    let Some(name) = opt(p, "UserName") else {
        return list("MFADevices", Vec::new());
    };
    let u = a.get_user(name)?;
    list(
        "MFADevices",
        u.mfa_devices
            .iter()
            .map(|d| {
                json!({"UserName": u.name, "SerialNumber": d.serial_number,
                    "EnableDate": date(d.enable_date)})
            })
            .collect(),
    )
}

/// `ListVirtualMFADevices` with `AssignmentStatus` (`Assigned`, `Unassigned`, `Any`); assigned
/// devices name their `User` and `EnableDate`. The seed and QR code are never listed.
fn list_virtual(a: &Account, p: &Value) -> R {
    let assigned = match opt(p, "AssignmentStatus") {
        None | Some("Any") => None,
        Some("Assigned") => Some(true),
        Some("Unassigned") => Some(false),
        Some(other) => {
            return Err(IamError::validation(
                "assignmentStatus",
                other,
                "Member must satisfy enum value set: [Assigned, Unassigned, Any]",
            ));
        }
    };
    let items = a
        .list_virtual_mfa_devices(assigned)
        .map(|d| {
            let mut m = Map::new();
            m.insert("SerialNumber".into(), json!(d.serial_number));
            if let Some(u) = d.user.as_deref().and_then(|u| a.get_user(u).ok()) {
                m.insert("User".into(), user_json(u, false));
            }
            if let Some(t) = d.enable_date {
                m.insert("EnableDate".into(), date(t));
            }
            Value::Object(m)
        })
        .collect();
    list("VirtualMFADevices", items)
}

/// `GetMFADevice`: an assigned device (of `UserName` when given).
fn get_mfa_device(a: &Account, p: &Value) -> R {
    let serial = req(p, "SerialNumber")?;
    let d = a.get_virtual_mfa_device(serial)?;
    let user = match (d.user.as_deref(), opt(p, "UserName")) {
        (Some(owner), Some(asked)) if !owner.eq_ignore_ascii_case(asked) => None,
        (owner, _) => owner,
    };
    let (Some(user), Some(enabled)) = (user, d.enable_date) else {
        return Err(IamError::new(
            iam_model::entities::ErrorCode::NoSuchEntity,
            format!("MFA Device with serial number {serial} does not exist."),
        ));
    };
    Ok(json!({"UserName": user, "SerialNumber": d.serial_number, "EnableDate": date(enabled)}))
}

fn get_session_token(a: &mut Account, p: &Value, caller: &Caller) -> R {
    let r = SessionTokenRequest {
        duration_seconds: opt_u32(p, "DurationSeconds")?,
        serial_number: opt(p, "SerialNumber").map(str::to_string),
        token_code: opt(p, "TokenCode").map(str::to_string),
    };
    let c = a.get_session_token(caller, &r)?;
    Ok(json!({"Credentials": super::credentials_json(&c)}))
}

//! IAM's pagination (`Marker` / `MaxItems` / `IsTruncated`) applied to a complete response of
//! a paginated operation, driven by botocore's paginator definitions
//! ([`ServiceModel::paginator`]).
//!
//! "Use this only when paginating results to indicate the maximum number of items you want in
//! the response. [...] If you do not include this parameter, the number of items defaults to
//! 100." and `MaxItems` is at most 1000 (the model's `maxItemsType`); see e.g.
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListUsers.html>. A `Marker` is
//! opaque to the caller; iamkit's markers hold the position of the next item.
//!
//! ```
//! use iam_account::model::ServiceModel;
//! use iam_account::paginate::paginate_response;
//! use serde_json::json;
//!
//! let iam = ServiceModel::get("iam").unwrap();
//! let users: Vec<_> = (0..250).map(|i| json!({"UserName": format!("u{i}")})).collect();
//! let mut page = json!({"Users": users, "IsTruncated": false});
//! paginate_response(iam, "ListUsers", &mut page, &json!({})).unwrap();
//! assert_eq!(page["Users"].as_array().unwrap().len(), 100);
//! assert_eq!(page["IsTruncated"], true);
//! let marker = page["Marker"].as_str().unwrap().to_string();
//!
//! let mut rest = json!({"Users": (0..250).map(|i| json!({"UserName": format!("u{i}")})).collect::<Vec<_>>()});
//! paginate_response(iam, "ListUsers", &mut rest, &json!({"Marker": marker, "MaxItems": 1000})).unwrap();
//! assert_eq!(rest["Users"][0]["UserName"], "u100");
//! assert_eq!(rest["IsTruncated"], false);
//! assert!(rest.get("Marker").is_none());
//! ```

use crate::model::ServiceModel;
use iam_model::entities::{ErrorCode, IamError};
use serde_json::{Value, json};

/// `MaxItems` when the request has none (IAM API reference, every `List*` operation).
pub const DEFAULT_MAX_ITEMS: usize = 100;

const MARKER_PREFIX: &str = "iamkit-page-";

fn marker_of(offset: usize) -> String {
    format!("{MARKER_PREFIX}{offset:08}")
}

fn offset_of(marker: &str) -> Option<usize> {
    marker.strip_prefix(MARKER_PREFIX)?.parse().ok()
}

/// Cuts the complete `response` of `operation` (model spelling) down to the page the request
/// `params` ask for (`Marker`, `MaxItems`), setting `IsTruncated` and `Marker`. Operations
/// without a paginator are left alone. Several result keys (`ListEntitiesForPolicy`,
/// `GetAccountAuthorizationDetails`) are paged as one sequence, in the paginator's order.
///
/// Errors: a `MaxItems` above the model's maximum (`ValidationError`, as the service reports
/// it) and a `Marker` this account did not hand out (`ValidationError`).
pub fn paginate_response(
    model: &ServiceModel,
    operation: &str,
    response: &mut Value,
    params: &Value,
) -> Result<(), IamError> {
    let Some(p) = model.paginator(operation) else {
        return Ok(());
    };
    let max_allowed = model
        .input_member_max(operation, &p.limit_key)
        .unwrap_or(1000);
    let max_items = match params.get(&p.limit_key) {
        None | Some(Value::Null) => DEFAULT_MAX_ITEMS,
        Some(Value::Bool(b)) => usize::from(*b),
        Some(v) => {
            let n = v.as_i64().unwrap_or(0);
            if n > i64::try_from(max_allowed).unwrap_or(i64::MAX) {
                return Err(IamError::new(
                    ErrorCode::ValidationError,
                    format!(
                        "1 validation error detected: Value '{n}' at 'maxItems' failed to satisfy \
                         constraint: Member must have value less than or equal to {max_allowed}"
                    ),
                ));
            }
            usize::try_from(n.max(1)).unwrap_or(1)
        }
    };
    let start = match params.get(&p.input_token).and_then(Value::as_str) {
        None => 0,
        Some(m) => offset_of(m).ok_or_else(|| {
            IamError::new(
                ErrorCode::ValidationError,
                format!("Invalid {}: {m}", p.input_token),
            )
        })?,
    };
    let Some(obj) = response.as_object_mut() else {
        return Ok(());
    };
    // Every item, tagged with its result key, in the paginator's order.
    let mut all = Vec::new();
    for key in &p.result_keys {
        if let Some(Value::Array(items)) = obj.get_mut(key) {
            all.extend(std::mem::take(items).into_iter().map(|x| (key.clone(), x)));
        }
    }
    let total = all.len();
    if start > total {
        return Err(IamError::new(
            ErrorCode::ValidationError,
            format!(
                "Invalid {}: the marker is past the end of the list",
                p.input_token
            ),
        ));
    }
    let end = start.saturating_add(max_items).min(total);
    for (key, item) in all.into_iter().skip(start).take(end - start) {
        if let Some(Value::Array(items)) = obj.get_mut(&key) {
            items.push(item);
        }
    }
    let truncated = end < total;
    obj.insert(p.more_results.clone(), json!(truncated));
    if truncated {
        obj.insert(p.output_token.clone(), json!(marker_of(end)));
    } else {
        obj.remove(&p.output_token);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iam() -> &'static ServiceModel {
        ServiceModel::get("iam").unwrap()
    }

    #[test]
    fn several_result_keys_page_as_one_sequence() {
        let full = json!({"PolicyGroups": [{"GroupName": "g1"}, {"GroupName": "g2"}],
            "PolicyUsers": [{"UserName": "u1"}], "PolicyRoles": [{"RoleName": "r1"}],
            "IsTruncated": false});
        let mut page = full.clone();
        paginate_response(
            iam(),
            "ListEntitiesForPolicy",
            &mut page,
            &json!({"MaxItems": 3}),
        )
        .unwrap();
        assert_eq!(page["PolicyGroups"].as_array().unwrap().len(), 2);
        assert_eq!(page["PolicyUsers"].as_array().unwrap().len(), 1);
        assert_eq!(page["PolicyRoles"].as_array().unwrap().len(), 0);
        assert_eq!(page["IsTruncated"], true);
        let mut rest = full;
        let marker = page["Marker"].clone();
        paginate_response(
            iam(),
            "ListEntitiesForPolicy",
            &mut rest,
            &json!({"Marker": marker}),
        )
        .unwrap();
        assert_eq!(rest["PolicyRoles"][0]["RoleName"], "r1");
        assert_eq!(rest["PolicyGroups"].as_array().unwrap().len(), 0);
        assert_eq!(rest["IsTruncated"], false);
    }

    #[test]
    fn bad_max_items_and_markers_are_validation_errors() {
        let mut r = json!({"Users": []});
        let e =
            paginate_response(iam(), "ListUsers", &mut r, &json!({"MaxItems": 1001})).unwrap_err();
        assert_eq!(e.code, ErrorCode::ValidationError);
        assert!(
            e.message.contains("less than or equal to 1000"),
            "{}",
            e.message
        );
        let e =
            paginate_response(iam(), "ListUsers", &mut r, &json!({"Marker": "xyz"})).unwrap_err();
        assert_eq!(e.code, ErrorCode::ValidationError);
        let e = paginate_response(iam(), "ListUsers", &mut r, &json!({"Marker": marker_of(5)}))
            .unwrap_err();
        assert!(e.message.contains("past the end"));
    }

    #[test]
    fn unpaginated_operations_are_untouched() {
        let mut r = json!({"User": {"UserName": "a"}});
        paginate_response(iam(), "GetUser", &mut r, &json!({"MaxItems": 1})).unwrap();
        assert_eq!(r, json!({"User": {"UserName": "a"}}));
    }
}

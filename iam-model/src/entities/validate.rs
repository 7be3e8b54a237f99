//! The API-shape rules of spec §6.2: name, path, tag, alias, session-name patterns and lengths,
//! failing with botocore's `ValidationError` text.

use super::error::IamError;

/// `[\w+=,.@-]`: the characters of user, group, role, policy and instance-profile names.
pub fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '=' | ',' | '.' | '@' | '-')
}

/// Checks the length (in characters) of `value` for `field`.
///
/// ```
/// let e = iam_model::entities::validate::length("userName", &"a".repeat(65), 1, 64).unwrap_err();
/// assert_eq!(e.message, format!("1 validation error detected: Value '{}' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64", "a".repeat(65)));
/// ```
pub fn length(field: &str, value: &str, min: usize, max: usize) -> Result<(), IamError> {
    let n = value.chars().count();
    if n < min {
        return Err(IamError::validation(
            field,
            value,
            &format!("Member must have length greater than or equal to {min}"),
        ));
    }
    if n > max {
        return Err(IamError::validation(
            field,
            value,
            &format!("Member must have length less than or equal to {max}"),
        ));
    }
    Ok(())
}

/// Checks that the number `value` of `field` lies in `min..=max` (botocore's `ValidationError` text
/// for a `range` constraint).
///
/// ```
/// let e = iam_model::entities::validate::range("durationSeconds", 600, 900, 43_200).unwrap_err();
/// assert_eq!(e.message, "1 validation error detected: Value '600' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900");
/// ```
pub fn range(field: &str, value: u32, min: u32, max: u32) -> Result<(), IamError> {
    if value < min {
        return Err(IamError::validation(
            field,
            &value.to_string(),
            &format!("Member must have value greater than or equal to {min}"),
        ));
    }
    if value > max {
        return Err(IamError::validation(
            field,
            &value.to_string(),
            &format!("Member must have value less than or equal to {max}"),
        ));
    }
    Ok(())
}

fn pattern(field: &str, value: &str, ok: bool, regex: &str) -> Result<(), IamError> {
    if ok {
        Ok(())
    } else {
        Err(IamError::validation(
            field,
            value,
            &format!("Member must satisfy regular expression pattern: {regex}"),
        ))
    }
}

/// An entity name: `[\w+=,.@-]+` of `min..=max` characters (UserName 1-64 on create, RoleName
/// 1-64, GroupName / PolicyName / InstanceProfileName 1-128).
///
/// ```
/// use iam_model::entities::validate::name;
/// assert!(name("userName", "alice+ops@example.com", 64).is_ok());
/// let e = name("userName", "x y", 64).unwrap_err();
/// assert!(e.message.ends_with(r"Member must satisfy regular expression pattern: [\w+=,.@-]+"));
/// ```
pub fn name(field: &str, value: &str, max: usize) -> Result<(), IamError> {
    length(field, value, 1, max)?;
    pattern(
        field,
        value,
        value.chars().all(is_name_char),
        r"[\w+=,.@-]+",
    )
}

/// An entity path (users, groups, roles, instance profiles): `/` or `/…/` of printable ASCII,
/// 1-512 characters.
///
/// ```
/// use iam_model::entities::validate::path;
/// assert!(path("path", "/division_abc/subdivision_xyz/").is_ok());
/// assert!(path("path", "/a").is_err());
/// ```
pub fn path(field: &str, value: &str) -> Result<(), IamError> {
    length(field, value, 1, 512)?;
    let ok = value == "/"
        || (value.len() >= 3
            && value.starts_with('/')
            && value.ends_with('/')
            && value.chars().all(|c| ('\u{21}'..='\u{7E}').contains(&c)));
    pattern(field, value, ok, r"(\u002F)|(\u002F[\u0021-\u007E]+\u002F)")
}

/// A managed-policy path: `((/[A-Za-z0-9\.,\+@=_-]+)*)/`.
///
/// ```
/// use iam_model::entities::validate::policy_path;
/// assert!(policy_path("path", "/team/").is_ok());
/// assert!(policy_path("path", "/te*am/").is_err());
/// ```
pub fn policy_path(field: &str, value: &str) -> Result<(), IamError> {
    length(field, value, 1, 512)?;
    let ok = value.starts_with('/')
        && value.ends_with('/')
        && !value.contains("//")
        && value
            .chars()
            .all(|c| c == '/' || c.is_ascii_alphanumeric() || ".,+@=_-".contains(c));
    pattern(field, value, ok, r"((/[A-Za-z0-9\.,\+@=_-]+)*)/")
}

/// A list-filter path prefix: `\u002F[\u0021-\u007F]*`, 1-512 characters.
pub fn path_prefix(field: &str, value: &str) -> Result<(), IamError> {
    length(field, value, 1, 512)?;
    let ok = value.starts_with('/') && value.chars().all(|c| ('\u{21}'..='\u{7F}').contains(&c));
    pattern(field, value, ok, r"\u002F[\u0021-\u007F]*")
}

fn is_tag_char(c: char) -> bool {
    c.is_alphabetic() || c.is_numeric() || c.is_whitespace() || "_.:/=+-@".contains(c)
}

/// A tag key: 1-128 characters of `[\p{L}\p{Z}\p{N}_.:/=+\-@]+`; the `aws:` prefix is reserved.
///
/// ```
/// use iam_model::entities::{validate::tag_key, ErrorCode};
/// assert!(tag_key("Cost Center").is_ok());
/// assert_eq!(tag_key("aws:foo").unwrap_err().code, ErrorCode::InvalidInput);
/// assert_eq!(tag_key("a*b").unwrap_err().code, ErrorCode::ValidationError);
/// ```
pub fn tag_key(key: &str) -> Result<(), IamError> {
    length("tags.member.1.member.key", key, 1, 128)?;
    pattern(
        "tags.member.1.member.key",
        key,
        key.chars().all(is_tag_char),
        r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+",
    )?;
    if key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("aws:")) {
        return Err(IamError::invalid_input(format!(
            "User-defined tag keys can't start with 'aws:'. This prefix is reserved for AWS tags. Key: {key}"
        )));
    }
    Ok(())
}

/// A tag value: 0-256 characters of `[\p{L}\p{Z}\p{N}_.:/=+\-@]*`.
pub fn tag_value(value: &str) -> Result<(), IamError> {
    length("tags.member.1.member.value", value, 0, 256)?;
    pattern(
        "tags.member.1.member.value",
        value,
        value.chars().all(is_tag_char),
        r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*",
    )
}

/// An account alias: `^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$`, not a 12-digit number.
///
/// ```
/// use iam_model::entities::validate::account_alias;
/// assert!(account_alias("my-company").is_ok());
/// assert!(account_alias("my--company").is_err());
/// assert!(account_alias("123456789012").is_err());
/// ```
pub fn account_alias(alias: &str) -> Result<(), IamError> {
    length("accountAlias", alias, 3, 63)?;
    let b = alias.as_bytes();
    let edge = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    let ok = b.first().is_some_and(|c| edge(*c))
        && b.last().is_some_and(|c| edge(*c))
        && b.iter().all(|c| edge(*c) || *c == b'-')
        && !alias.contains("--");
    pattern(
        "accountAlias",
        alias,
        ok,
        r"^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$",
    )?;
    if is_account_id(alias) {
        return Err(IamError::invalid_input(
            "The account alias cannot be a 12-digit number.",
        ));
    }
    Ok(())
}

/// A 12-digit account id.
///
/// ```
/// assert!(iam_model::entities::validate::is_account_id("123456789012"));
/// assert!(!iam_model::entities::validate::is_account_id("12345"));
/// ```
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// A role/policy description: ≤1000 characters of `[\t\n\r\u0020-\u007E\u00A1-\u00FF]*`.
pub fn description(value: &str) -> Result<(), IamError> {
    length("description", value, 0, 1000)?;
    let ok = value.chars().all(|c| {
        matches!(c, '\t' | '\n' | '\r')
            || ('\u{20}'..='\u{7E}').contains(&c)
            || ('\u{A1}'..='\u{FF}').contains(&c)
    });
    pattern(
        "description",
        value,
        ok,
        r"[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*",
    )
}

/// A session name (`roleSessionName`, 2-64) or federated user name (`name`, 2-32): `[\w+=,.@-]*`.
///
/// ```
/// use iam_model::entities::validate::session_name;
/// assert!(session_name("roleSessionName", "ci-run@42", 64).is_ok());
/// assert!(session_name("roleSessionName", "x", 64).is_err());
/// ```
pub fn session_name(field: &str, value: &str, max: usize) -> Result<(), IamError> {
    length(field, value, 2, max)?;
    pattern(
        field,
        value,
        value.chars().all(is_name_char),
        r"[\w+=,.@-]*",
    )
}

/// An STS external id: 2-1224 characters of `[\w+=,.@:\/-]*`.
pub fn external_id(value: &str) -> Result<(), IamError> {
    length("externalId", value, 2, 1224)?;
    pattern(
        "externalId",
        value,
        value
            .chars()
            .all(|c| is_name_char(c) || c == ':' || c == '/'),
        r"[\w+=,.@:\/-]*",
    )
}

/// A password's API shape: 1-128 characters of `[\t\n\r\u0020-\u00FF]+`. The message never
/// repeats the password.
pub fn password_shape(value: &str) -> Result<(), IamError> {
    let n = value.chars().count();
    let ok = (1..=128).contains(&n)
        && value
            .chars()
            .all(|c| matches!(c, '\t' | '\n' | '\r') || ('\u{20}'..='\u{FF}').contains(&c));
    if ok {
        Ok(())
    } else {
        Err(IamError::validation(
            "password",
            "********",
            r"Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u00FF]+ and have length between 1 and 128",
        ))
    }
}

/// An MFA serial number: 9-256 characters of `[\w+=/:,.@-]+`.
pub fn mfa_serial(value: &str) -> Result<(), IamError> {
    length("serialNumber", value, 9, 256)?;
    pattern(
        "serialNumber",
        value,
        value
            .chars()
            .all(|c| is_name_char(c) || c == '/' || c == ':'),
        r"[\w+=/:,.@-]+",
    )
}

/// A SAML provider name: 1-128 characters of `[\w._-]+`.
///
/// ```
/// use iam_model::entities::validate::saml_provider_name;
/// assert!(saml_provider_name("Okta_prod-1.x").is_ok());
/// assert!(saml_provider_name("okta@prod").is_err());
/// ```
pub fn saml_provider_name(value: &str) -> Result<(), IamError> {
    length("name", value, 1, 128)?;
    pattern(
        "name",
        value,
        value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')),
        r"[\w._-]+",
    )
}

fn is_body_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || ('\u{20}'..='\u{FF}').contains(&c)
}

/// Public key / certificate material (`sshPublicKeyBody`, `certificateBody`,
/// `certificateChain`): 1-16384 characters of `[\u0009\u000A\u000D\u0020-\u00FF]+`.
pub fn key_material(field: &str, value: &str) -> Result<(), IamError> {
    length(field, value, 1, 16384)?;
    pattern(
        field,
        value,
        value.chars().all(is_body_char),
        r"[\u0009\u000A\u000D\u0020-\u00FF]+",
    )
}

/// A private key's API shape: 1-16384 characters of `[\u0009\u000A\u000D\u0020-\u00FF]+`. The
/// message never repeats the key.
///
/// ```
/// use iam_model::entities::validate::private_key_shape;
/// assert!(private_key_shape("-----BEGIN PRIVATE KEY-----").is_ok());
/// assert!(!private_key_shape("").unwrap_err().message.contains("BEGIN"));
/// ```
pub fn private_key_shape(value: &str) -> Result<(), IamError> {
    let n = value.chars().count();
    if (1..=16384).contains(&n) && value.chars().all(is_body_char) {
        Ok(())
    } else {
        Err(IamError::validation(
            "privateKey",
            "********",
            r"Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u00FF]+ and have length between 1 and 16384",
        ))
    }
}

//! [`IamError`]: the error of every IAM / STS / Organizations operation, with AWS's error code
//! and message text (architecture.md "Errors and bad input"; spec §6).

use std::fmt;

/// AWS's error codes for IAM, STS and Organizations operations.
///
/// ```
/// use iam_model::entities::ErrorCode;
/// assert_eq!(ErrorCode::NoSuchEntity.as_str(), "NoSuchEntity");
/// assert_eq!(ErrorCode::LimitExceeded.to_string(), "LimitExceeded");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// An entity with that name (case-insensitively) already exists.
    EntityAlreadyExists,
    /// The named entity does not exist.
    NoSuchEntity,
    /// A quota would be exceeded.
    LimitExceeded,
    /// Deletion prerequisites are not met (spec §6.8).
    DeleteConflict,
    /// The policy document failed IAM's save-time check.
    MalformedPolicyDocument,
    /// An argument is invalid (semantic check).
    InvalidInput,
    /// An argument does not fit the API shape (pattern / length / range).
    ValidationError,
    /// A password does not satisfy the account password policy.
    PasswordPolicyViolation,
    /// The entity is protected (service-linked roles).
    UnmodifiableEntity,
    /// STS / authorization: the caller is not allowed.
    AccessDenied,
    /// STS: session policies and tags exceed the packed size limit.
    PackedPolicyTooLarge,
    /// The access key id is unknown or the credentials are invalid.
    InvalidClientTokenId,
    /// Temporary credentials have expired.
    ExpiredToken,
    /// The secret access key does not match the key id (the request signature is wrong).
    SignatureDoesNotMatch,
    /// Organizations: the account, OU or policy is in a state that forbids the call.
    ConstraintViolation,
    /// The service does not support service-specific credentials.
    NotSupportedService,
    /// An MFA authentication code is wrong, out of its window or already used
    /// (`InvalidAuthenticationCodeException`, HTTP 403).
    InvalidAuthenticationCode,
    /// `GetCredentialReport` before any `GenerateCredentialReport`
    /// (`CredentialReportNotPresentException`, code `ReportNotPresent`, HTTP 410).
    ReportNotPresent,
    /// The credential report is older than four hours (`CredentialReportExpiredException`,
    /// code `ReportExpired`, HTTP 410).
    ReportExpired,
    /// The credential report is still being generated (`CredentialReportNotReadyException`,
    /// code `ReportInProgress`, HTTP 404).
    ReportInProgress,
    /// The caller's kind of identity cannot make the call (`InvalidUserTypeException`, e.g.
    /// `ChangePassword` by the root user).
    InvalidUserType,
    /// STS: the web identity token is not a valid token of a known identity provider.
    InvalidIdentityToken,
    /// STS: the web identity token (or SAML assertion) has expired (`ExpiredTokenException`).
    ExpiredTokenException,
    /// STS: the identity provider's token carries a claim that is missing or rejected.
    IdpRejectedClaim,
    /// STS: the identity provider could not be reached (`IDPCommunicationError`).
    IdpCommunicationError,
    /// STS: the message given to `DecodeAuthorizationMessage` is not a valid encoded message.
    InvalidAuthorizationMessageException,
    /// The action or operation requested is invalid (AWS's common error `InvalidAction`):
    /// iamkit answers it for operations it does not implement.
    InvalidAction,
}

impl ErrorCode {
    /// The code as AWS spells it.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::EntityAlreadyExists => "EntityAlreadyExists",
            ErrorCode::NoSuchEntity => "NoSuchEntity",
            ErrorCode::LimitExceeded => "LimitExceeded",
            ErrorCode::DeleteConflict => "DeleteConflict",
            ErrorCode::MalformedPolicyDocument => "MalformedPolicyDocument",
            ErrorCode::InvalidInput => "InvalidInput",
            ErrorCode::ValidationError => "ValidationError",
            ErrorCode::PasswordPolicyViolation => "PasswordPolicyViolation",
            ErrorCode::UnmodifiableEntity => "UnmodifiableEntity",
            ErrorCode::AccessDenied => "AccessDenied",
            ErrorCode::PackedPolicyTooLarge => "PackedPolicyTooLarge",
            ErrorCode::InvalidClientTokenId => "InvalidClientTokenId",
            ErrorCode::ExpiredToken => "ExpiredToken",
            ErrorCode::SignatureDoesNotMatch => "SignatureDoesNotMatch",
            ErrorCode::ConstraintViolation => "ConstraintViolation",
            ErrorCode::NotSupportedService => "NotSupportedService",
            ErrorCode::InvalidAuthenticationCode => "InvalidAuthenticationCode",
            ErrorCode::ReportNotPresent => "ReportNotPresent",
            ErrorCode::ReportExpired => "ReportExpired",
            ErrorCode::ReportInProgress => "ReportInProgress",
            ErrorCode::InvalidUserType => "InvalidUserType",
            ErrorCode::InvalidIdentityToken => "InvalidIdentityToken",
            ErrorCode::ExpiredTokenException => "ExpiredTokenException",
            ErrorCode::IdpRejectedClaim => "IDPRejectedClaim",
            ErrorCode::IdpCommunicationError => "IDPCommunicationError",
            ErrorCode::InvalidAuthorizationMessageException => {
                "InvalidAuthorizationMessageException"
            }
            ErrorCode::InvalidAction => "InvalidAction",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An IAM-API-style failure: AWS's code and message. Never contains a secret.
///
/// ```
/// use iam_model::entities::{ErrorCode, IamError};
/// let e = IamError::no_such_entity("user", "bob");
/// assert_eq!(e.code, ErrorCode::NoSuchEntity);
/// assert_eq!(e.to_string(), "NoSuchEntity: The user with name bob cannot be found.");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IamError {
    /// The error code.
    pub code: ErrorCode,
    /// AWS's message text.
    pub message: String,
}

impl IamError {
    /// An error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> IamError {
        IamError {
            code,
            message: message.into(),
        }
    }
    /// `EntityAlreadyExists: <Kind> with name <name> already exists.` (`kind` capitalised:
    /// `User`, `Role`, `Group`).
    pub fn already_exists(kind: &str, name: &str) -> IamError {
        IamError::new(
            ErrorCode::EntityAlreadyExists,
            format!("{kind} with name {name} already exists."),
        )
    }
    /// `NoSuchEntity: The <kind> with name <name> cannot be found.`
    pub fn no_such_entity(kind: &str, name: &str) -> IamError {
        IamError::new(
            ErrorCode::NoSuchEntity,
            format!("The {kind} with name {name} cannot be found."),
        )
    }
    /// `LimitExceeded: Cannot exceed quota for <quota>: <n>`
    pub fn quota(quota: &str, n: usize) -> IamError {
        IamError::new(
            ErrorCode::LimitExceeded,
            format!("Cannot exceed quota for {quota}: {n}"),
        )
    }
    /// `DeleteConflict: <message>`
    pub fn delete_conflict(message: &str) -> IamError {
        IamError::new(ErrorCode::DeleteConflict, message)
    }
    /// A botocore-style `ValidationError` for one field: `1 validation error detected: Value
    /// '<value>' at '<field>' failed to satisfy constraint: <constraint>`.
    pub fn validation(field: &str, value: &str, constraint: &str) -> IamError {
        IamError::new(
            ErrorCode::ValidationError,
            format!(
                "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: {constraint}"
            ),
        )
    }
    /// `InvalidInput: <message>`
    pub fn invalid_input(message: impl Into<String>) -> IamError {
        IamError::new(ErrorCode::InvalidInput, message)
    }
}

impl fmt::Display for IamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for IamError {}

//! Account-level identity providers and certificates (spec §6.1, §6.3): SAML providers, OIDC
//! providers and server certificates (whose private key is kept only as a salted hash).

use super::credentials::SecretHash;
use super::time::Timestamp;

/// A SAML 2.0 identity provider (`CreateSAMLProvider`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamlProvider {
    /// The name (`[\w._-]+`, 1-128).
    pub name: String,
    /// `arn:aws:iam::ACCT:saml-provider/<name>`
    pub arn: String,
    /// The SAML metadata document (public material).
    pub metadata_document: String,
    /// Creation time.
    pub create_date: Timestamp,
}

/// An OpenID Connect identity provider (`CreateOpenIDConnectProvider`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcProvider {
    /// The issuer URL without `https://` (`host/path`), as the ARN and `GetOpenIDConnectProvider` give it.
    pub url: String,
    /// `arn:aws:iam::ACCT:oidc-provider/<host/path>`
    pub arn: String,
    /// The audiences (`ClientIDList`).
    pub client_ids: Vec<String>,
    /// The 40-hex-digit certificate thumbprints (`ThumbprintList`).
    pub thumbprints: Vec<String>,
    /// Creation time.
    pub create_date: Timestamp,
}

/// A server certificate (`UploadServerCertificate`). The private key is never stored: only a
/// salted hash of it, printed as `<hash>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerCertificate {
    /// The name (`[\w+=,.@-]+`, 1-128).
    pub name: String,
    /// The path.
    pub path: String,
    /// `ASCA…` (21 characters).
    pub id: String,
    /// `arn:aws:iam::ACCT:server-certificate/<path><name>`
    pub arn: String,
    /// The PEM certificate body (public material).
    pub body: String,
    /// The salted hash of the private key.
    pub private_key_hash: SecretHash,
    /// Upload time.
    pub upload_date: Timestamp,
}

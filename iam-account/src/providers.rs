//! Account-level identity providers and certificates (spec §6.1, §6.2, §6.3, §6.7): SAML
//! providers (≤100), OIDC providers (≤100) and server certificates (≤20; the private key is
//! kept only as a salted Argon2id hash and never printed).

use super::secrets::{hash, unique_id};
use super::{Account, key};
use iam_model::entities::{
    ErrorCode, IamError, IdPrefix, OidcProvider, SamlProvider, ServerCertificate, validate,
};

impl Account {
    // ---------------------------------------------------------------- SAML

    /// `CreateSAMLProvider`: name `[\w._-]+` 1-128, metadata 1000-10000 characters; ARN
    /// `arn:aws:iam::ACCT:saml-provider/<name>`.
    ///
    /// ```
    /// let mut a = iam_account::Account::new("123456789012").unwrap();
    /// let meta = format!("<EntityDescriptor>{}</EntityDescriptor>", " ".repeat(1000));
    /// let p = a.create_saml_provider("Okta", &meta).unwrap();
    /// assert_eq!(p.arn, "arn:aws:iam::123456789012:saml-provider/Okta");
    /// ```
    pub fn create_saml_provider(
        &mut self,
        name: &str,
        metadata_document: &str,
    ) -> Result<&SamlProvider, IamError> {
        validate::saml_provider_name(name)?;
        validate::length("sAMLMetadataDocument", metadata_document, 1000, 10000)?;
        let arn = format!("arn:aws:iam::{}:saml-provider/{name}", self.id);
        if self.saml_providers.contains_key(&arn) {
            return Err(IamError::new(
                ErrorCode::EntityAlreadyExists,
                format!("SAMLProvider {name} already exists."),
            ));
        }
        if self.saml_providers.len() >= self.quotas.saml_providers {
            return Err(IamError::quota(
                "SAMLProvidersPerAccount",
                self.quotas.saml_providers,
            ));
        }
        let p = SamlProvider {
            name: name.to_string(),
            arn: arn.clone(),
            metadata_document: metadata_document.to_string(),
            create_date: self.clock.now(),
        };
        Ok(self.saml_providers.entry(arn).or_insert(p))
    }

    /// `GetSAMLProvider` by ARN.
    pub fn get_saml_provider(&self, arn: &str) -> Result<&SamlProvider, IamError> {
        validate::length("sAMLProviderArn", arn, 20, 2048)?;
        self.saml_providers.get(arn).ok_or_else(|| {
            IamError::new(
                ErrorCode::NoSuchEntity,
                format!("Manifest not found for arn {arn}"),
            )
        })
    }

    /// `ListSAMLProviders`.
    pub fn list_saml_providers(&self) -> Vec<&SamlProvider> {
        self.saml_providers.values().collect()
    }

    /// `DeleteSAMLProvider` by ARN.
    pub fn delete_saml_provider(&mut self, arn: &str) -> Result<(), IamError> {
        self.get_saml_provider(arn)?;
        self.saml_providers.remove(arn);
        Ok(())
    }

    // ---------------------------------------------------------------- OIDC

    /// `CreateOpenIDConnectProvider`: the URL must start with `https://` (1-255 characters);
    /// ≤100 client ids of 1-255 characters; ≤5 thumbprints of 40 characters. ARN
    /// `arn:aws:iam::ACCT:oidc-provider/<host/path>`.
    ///
    /// ```
    /// let mut a = iam_account::Account::new("123456789012").unwrap();
    /// let p = a.create_open_id_connect_provider(
    ///     "https://token.actions.githubusercontent.com",
    ///     &["sts.amazonaws.com".to_string()],
    ///     &["6938fd4d98bab03faadb97b34396831e3780aea1".to_string()],
    /// ).unwrap();
    /// assert_eq!(p.arn, "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com");
    /// assert!(a.create_open_id_connect_provider("http://x.example", &[], &[]).is_err());
    /// ```
    pub fn create_open_id_connect_provider(
        &mut self,
        url: &str,
        client_ids: &[String],
        thumbprints: &[String],
    ) -> Result<&OidcProvider, IamError> {
        validate::length("url", url, 1, 255)?;
        let Some(rest) = url.strip_prefix("https://") else {
            return Err(IamError::invalid_input(
                "Invalid URL: the OpenID Connect provider URL must begin with https://",
            ));
        };
        let rest = rest.trim_end_matches('/');
        if rest.is_empty() || rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(IamError::invalid_input(format!("Invalid URL: {url}")));
        }
        if client_ids.len() > 100 {
            return Err(IamError::validation(
                "clientIDList",
                &format!("{client_ids:?}"),
                "Member must have length less than or equal to 100",
            ));
        }
        for c in client_ids {
            validate::length("clientIDList.member", c, 1, 255)?;
        }
        if thumbprints.len() > 5 {
            return Err(IamError::validation(
                "thumbprintList",
                &format!("{thumbprints:?}"),
                "Member must have length less than or equal to 5",
            ));
        }
        for t in thumbprints {
            validate::length("thumbprintList.member", t, 40, 40)?;
        }
        let arn = format!("arn:aws:iam::{}:oidc-provider/{rest}", self.id);
        if self.oidc_providers.contains_key(&arn) {
            return Err(IamError::new(
                ErrorCode::EntityAlreadyExists,
                format!("Provider with url {url} already exists."),
            ));
        }
        if self.oidc_providers.len() >= self.quotas.oidc_providers {
            return Err(IamError::quota(
                "OpenIdConnectProvidersPerAccount",
                self.quotas.oidc_providers,
            ));
        }
        let p = OidcProvider {
            url: rest.to_string(),
            arn: arn.clone(),
            client_ids: client_ids.to_vec(),
            thumbprints: thumbprints.to_vec(),
            create_date: self.clock.now(),
        };
        Ok(self.oidc_providers.entry(arn).or_insert(p))
    }

    /// `GetOpenIDConnectProvider` by ARN.
    pub fn get_open_id_connect_provider(&self, arn: &str) -> Result<&OidcProvider, IamError> {
        validate::length("openIDConnectProviderArn", arn, 20, 2048)?;
        self.oidc_providers.get(arn).ok_or_else(|| {
            IamError::new(
                ErrorCode::NoSuchEntity,
                format!("OpenIDConnect Provider not found for arn {arn}"),
            )
        })
    }

    /// `ListOpenIDConnectProviders`.
    pub fn list_open_id_connect_providers(&self) -> Vec<&OidcProvider> {
        self.oidc_providers.values().collect()
    }

    /// `DeleteOpenIDConnectProvider` by ARN.
    pub fn delete_open_id_connect_provider(&mut self, arn: &str) -> Result<(), IamError> {
        self.get_open_id_connect_provider(arn)?;
        self.oidc_providers.remove(arn);
        self.oidc_keys.remove(arn);
        Ok(())
    }

    // ---------------------------------------------------------------- server certificates

    /// `UploadServerCertificate` (path `/`): name `[\w+=,.@-]+` 1-128, unique
    /// case-insensitively; ≤20 per account. The private key is kept only as a salted hash and
    /// never appears in `Debug` output or in error messages.
    ///
    /// ```
    /// let mut a = iam_account::Account::new("123456789012").unwrap();
    /// let c = a.upload_server_certificate("web", "-----BEGIN CERTIFICATE-----", "-----BEGIN PRIVATE KEY-----").unwrap();
    /// assert_eq!(c.arn, "arn:aws:iam::123456789012:server-certificate/web");
    /// assert!(c.id.starts_with("ASCA"));
    /// assert!(!format!("{a:?}").contains("PRIVATE KEY"));
    /// ```
    pub fn upload_server_certificate(
        &mut self,
        name: &str,
        body: &str,
        private_key: &str,
    ) -> Result<&ServerCertificate, IamError> {
        validate::name("serverCertificateName", name, 128)?;
        validate::key_material("certificateBody", body)?;
        validate::private_key_shape(private_key)?;
        if self.server_certificates.contains_key(&key(name)) {
            return Err(IamError::new(
                ErrorCode::EntityAlreadyExists,
                format!("The Server Certificate with name {name} already exists."),
            ));
        }
        if self.server_certificates.len() >= self.quotas.server_certificates {
            return Err(IamError::quota(
                "ServerCertificatesPerAccount",
                self.quotas.server_certificates,
            ));
        }
        let c = ServerCertificate {
            name: name.to_string(),
            path: "/".to_string(),
            id: unique_id(IdPrefix::Certificate)?,
            arn: self.arn("server-certificate", "/", name),
            body: body.to_string(),
            private_key_hash: hash(private_key)?,
            upload_date: self.clock.now(),
        };
        Ok(self.server_certificates.entry(key(name)).or_insert(c))
    }

    /// `GetServerCertificate`.
    pub fn get_server_certificate(&self, name: &str) -> Result<&ServerCertificate, IamError> {
        validate::name("serverCertificateName", name, 128)?;
        self.server_certificates.get(&key(name)).ok_or_else(|| {
            IamError::new(
                ErrorCode::NoSuchEntity,
                format!("The Server Certificate with name {name} cannot be found."),
            )
        })
    }

    /// `ListServerCertificates`.
    pub fn list_server_certificates(&self) -> Vec<&ServerCertificate> {
        self.server_certificates.values().collect()
    }

    /// `DeleteServerCertificate`.
    pub fn delete_server_certificate(&mut self, name: &str) -> Result<(), IamError> {
        self.get_server_certificate(name)?;
        self.server_certificates.remove(&key(name));
        Ok(())
    }
}

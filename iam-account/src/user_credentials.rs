//! Per-user credentials beyond access keys and passwords (spec §6.1, §6.6, §6.7): SSH public
//! keys (≤5 per user), signing certificates (≤2 per user) and service-specific credentials
//! (≤2 per user per service; the password from the OS CSPRNG, returned once, stored only as a
//! salted Argon2id hash).

use super::Account;
use super::secrets::{access_key_id, hash, secret_text, signing_certificate_id, unique_id, verify};
use iam_model::entities::{
    AccessKeyStatus, ErrorCode, IamError, IdPrefix, MAX_SERVICE_SPECIFIC_CREDENTIALS,
    MAX_SIGNING_CERTIFICATES, MAX_SSH_PUBLIC_KEYS, Secret, ServiceSpecificCredential,
    SigningCertificate, SshPublicKey, Timestamp, validate,
};

/// What `CreateServiceSpecificCredential` / `ResetServiceSpecificCredential` return: the only
/// time the password is available. `Debug` shows `<redacted>` for the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedServiceSpecificCredential {
    /// The owner.
    pub user_name: String,
    /// `ACCA…`
    pub service_specific_credential_id: String,
    /// The service, e.g. `codecommit.amazonaws.com`.
    pub service_name: String,
    /// The generated user name for the service.
    pub service_user_name: String,
    /// The generated password (44 characters).
    pub service_password: Secret,
    /// The credential's status.
    pub status: AccessKeyStatus,
    /// Creation time.
    pub create_date: Timestamp,
}

/// The services that accept service-specific credentials.
const SERVICES: &[&str] = &[
    "codecommit.amazonaws.com",
    "cassandra.amazonaws.com",
    "bedrock.amazonaws.com",
];

fn not_found(kind: &str, id: &str) -> IamError {
    IamError::new(
        ErrorCode::NoSuchEntity,
        format!("The {kind} with id {id} cannot be found."),
    )
}

impl Account {
    // ---------------------------------------------------------------- SSH public keys

    /// `UploadSSHPublicKey`: at most 5 keys per user, inactive ones included; the new key is
    /// `Active` with an `APKA…` id.
    ///
    /// ```
    /// let mut a = iam_account::Account::new("123456789012").unwrap();
    /// a.create_user("dev", None).unwrap();
    /// let k = a.upload_ssh_public_key("dev", "ssh-rsa AAAAB3NzaC1yc2E dev@host").unwrap();
    /// assert!(k.id.starts_with("APKA") && k.id.len() == 20);
    /// assert_eq!(a.list_ssh_public_keys("dev").unwrap().len(), 1);
    /// ```
    pub fn upload_ssh_public_key(
        &mut self,
        user: &str,
        body: &str,
    ) -> Result<&SshPublicKey, IamError> {
        validate::key_material("sshPublicKeyBody", body)?;
        let now = self.clock.now();
        let u = self.user_mut(user)?;
        if u.ssh_public_keys.len() >= MAX_SSH_PUBLIC_KEYS {
            return Err(IamError::quota("SSHPublicKeysPerUser", MAX_SSH_PUBLIC_KEYS));
        }
        u.ssh_public_keys.push(SshPublicKey {
            id: access_key_id(IdPrefix::PublicKey)?,
            body: body.to_string(),
            status: AccessKeyStatus::Active,
            upload_date: now,
        });
        Ok(&u.ssh_public_keys[u.ssh_public_keys.len() - 1])
    }

    /// The `Fingerprint` IAM reports for an SSH public key: "The MD5 message digest of the SSH
    /// public key" (<https://docs.aws.amazon.com/IAM/latest/APIReference/API_SSHPublicKey.html>),
    /// as colon-separated hex of the digest of the key blob (the base64 field of an OpenSSH
    /// `ssh-rsa AAAA… comment` line, the text between the PEM armour lines otherwise). A body
    /// whose blob is not base64 is digested as text (IAM would have refused it on upload).
    ///
    /// ```
    /// use iam_account::Account;
    /// // `ssh-keygen -E md5 -lf key.pub` prints MD5:19:cb:31:aa:c7:e3:d5:b6:96:75:6b:fa:41:3e:53:62
    /// let f = Account::ssh_public_key_fingerprint("ssh-ed25519 \
    ///     AAAAC3NzaC1lZDI1NTE5AAAAIENmZSrOK1TL2E4EbCZRrYIy4JjERPNNju6jHj5G40to test");
    /// assert_eq!(f, "19:cb:31:aa:c7:e3:d5:b6:96:75:6b:fa:41:3e:53:62");
    /// ```
    pub fn ssh_public_key_fingerprint(body: &str) -> String {
        use base64ct::{Base64, Encoding};
        use md5::{Digest, Md5};
        let text = body.trim();
        let blob_text: String = if text.starts_with("-----") {
            text.lines()
                .filter(|l| !l.starts_with("-----") && !l.contains(':'))
                .collect()
        } else {
            text.split_whitespace().nth(1).unwrap_or(text).to_string()
        };
        let blob =
            Base64::decode_vec(&blob_text).unwrap_or_else(|_| blob_text.clone().into_bytes());
        Md5::digest(&blob)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":")
    }

    /// `ListSSHPublicKeys`.
    pub fn list_ssh_public_keys(&self, user: &str) -> Result<Vec<&SshPublicKey>, IamError> {
        Ok(self.get_user(user)?.ssh_public_keys.iter().collect())
    }

    /// `GetSSHPublicKey`.
    pub fn get_ssh_public_key(&self, user: &str, key_id: &str) -> Result<&SshPublicKey, IamError> {
        validate::length("sshPublicKeyId", key_id, 20, 128)?;
        self.get_user(user)?
            .ssh_public_keys
            .iter()
            .find(|k| k.id == key_id)
            .ok_or_else(|| not_found("Public Key", key_id))
    }

    fn ssh_key_mut(&mut self, user: &str, key_id: &str) -> Result<&mut SshPublicKey, IamError> {
        validate::length("sshPublicKeyId", key_id, 20, 128)?;
        self.user_mut(user)?
            .ssh_public_keys
            .iter_mut()
            .find(|k| k.id == key_id)
            .ok_or_else(|| not_found("Public Key", key_id))
    }

    /// `UpdateSSHPublicKey`: `Active` or `Inactive`.
    pub fn update_ssh_public_key(
        &mut self,
        user: &str,
        key_id: &str,
        status: AccessKeyStatus,
    ) -> Result<(), IamError> {
        self.ssh_key_mut(user, key_id)?.status = status;
        Ok(())
    }

    /// `DeleteSSHPublicKey`.
    pub fn delete_ssh_public_key(&mut self, user: &str, key_id: &str) -> Result<(), IamError> {
        self.ssh_key_mut(user, key_id)?;
        self.user_mut(user)?
            .ssh_public_keys
            .retain(|k| k.id != key_id);
        Ok(())
    }

    // ---------------------------------------------------------------- signing certificates

    /// `UploadSigningCertificate`: at most 2 per user, inactive ones included; the new
    /// certificate is `Active` with a 28-character id (`TA7SMP42…`).
    pub fn upload_signing_certificate(
        &mut self,
        user: &str,
        body: &str,
    ) -> Result<&SigningCertificate, IamError> {
        validate::key_material("certificateBody", body)?;
        let now = self.clock.now();
        let u = self.user_mut(user)?;
        if u.signing_certificates.len() >= MAX_SIGNING_CERTIFICATES {
            return Err(IamError::quota(
                "SigningCertificatesPerUser",
                MAX_SIGNING_CERTIFICATES,
            ));
        }
        u.signing_certificates.push(SigningCertificate {
            id: signing_certificate_id()?,
            body: body.to_string(),
            status: AccessKeyStatus::Active,
            upload_date: now,
        });
        Ok(&u.signing_certificates[u.signing_certificates.len() - 1])
    }

    /// `ListSigningCertificates`.
    pub fn list_signing_certificates(
        &self,
        user: &str,
    ) -> Result<Vec<&SigningCertificate>, IamError> {
        Ok(self.get_user(user)?.signing_certificates.iter().collect())
    }

    fn signing_certificate_mut(
        &mut self,
        user: &str,
        cert_id: &str,
    ) -> Result<&mut SigningCertificate, IamError> {
        validate::length("certificateId", cert_id, 20, 128)?;
        self.user_mut(user)?
            .signing_certificates
            .iter_mut()
            .find(|c| c.id == cert_id)
            .ok_or_else(|| not_found("Signing Certificate", cert_id))
    }

    /// `UpdateSigningCertificate`: `Active` or `Inactive`.
    pub fn update_signing_certificate(
        &mut self,
        user: &str,
        cert_id: &str,
        status: AccessKeyStatus,
    ) -> Result<(), IamError> {
        self.signing_certificate_mut(user, cert_id)?.status = status;
        Ok(())
    }

    /// `DeleteSigningCertificate`.
    pub fn delete_signing_certificate(
        &mut self,
        user: &str,
        cert_id: &str,
    ) -> Result<(), IamError> {
        self.signing_certificate_mut(user, cert_id)?;
        self.user_mut(user)?
            .signing_certificates
            .retain(|c| c.id != cert_id);
        Ok(())
    }

    // ---------------------------------------------------------------- service-specific credentials

    /// `CreateServiceSpecificCredential` for `codecommit.amazonaws.com`,
    /// `cassandra.amazonaws.com` or `bedrock.amazonaws.com`: at most 2 per user per service.
    /// The password is returned only here (and by a reset).
    ///
    /// ```
    /// let mut a = iam_account::Account::new("123456789012").unwrap();
    /// a.create_user("dev", None).unwrap();
    /// let c = a.create_service_specific_credential("dev", "codecommit.amazonaws.com").unwrap();
    /// assert!(c.service_specific_credential_id.starts_with("ACCA"));
    /// assert_eq!(c.service_user_name, "dev-at-123456789012");
    /// assert!(a.verify_service_specific_credential(&c.service_user_name, c.service_password.expose()));
    /// assert_eq!(format!("{:?}", c.service_password), "<redacted>");
    /// ```
    pub fn create_service_specific_credential(
        &mut self,
        user: &str,
        service_name: &str,
    ) -> Result<CreatedServiceSpecificCredential, IamError> {
        let u = self.get_user(user)?;
        if !SERVICES.contains(&service_name) {
            return Err(IamError::new(
                ErrorCode::NotSupportedService,
                format!(
                    "The service {service_name} is not supported for service-specific credentials."
                ),
            ));
        }
        let in_use = u
            .service_specific_credentials
            .iter()
            .filter(|c| c.service_name == service_name)
            .count();
        if in_use >= MAX_SERVICE_SPECIFIC_CREDENTIALS {
            return Err(IamError::quota(
                "ServiceSpecificCredentialsPerUserPerService",
                MAX_SERVICE_SPECIFIC_CREDENTIALS,
            ));
        }
        let user_name = u.name.clone();
        let service_user_name = if in_use == 0 {
            format!("{user_name}-at-{}", self.id)
        } else {
            format!("{user_name}-at-{}-{in_use}", self.id)
        };
        let password = secret_text(44)?;
        let now = self.clock.now();
        let cred = ServiceSpecificCredential {
            id: unique_id(IdPrefix::ServiceCredential)?,
            service_name: service_name.to_string(),
            service_user_name: service_user_name.clone(),
            password_hash: hash(password.expose())?,
            status: AccessKeyStatus::Active,
            create_date: now,
        };
        let out = CreatedServiceSpecificCredential {
            user_name,
            service_specific_credential_id: cred.id.clone(),
            service_name: cred.service_name.clone(),
            service_user_name,
            service_password: password,
            status: cred.status,
            create_date: now,
        };
        self.user_mut(user)?.service_specific_credentials.push(cred);
        Ok(out)
    }

    /// `ListServiceSpecificCredentials`, optionally for one service (metadata only).
    pub fn list_service_specific_credentials(
        &self,
        user: &str,
        service_name: Option<&str>,
    ) -> Result<Vec<&ServiceSpecificCredential>, IamError> {
        Ok(self
            .get_user(user)?
            .service_specific_credentials
            .iter()
            .filter(|c| service_name.is_none_or(|s| c.service_name == s))
            .collect())
    }

    fn service_credential_mut(
        &mut self,
        user: &str,
        cred_id: &str,
    ) -> Result<&mut ServiceSpecificCredential, IamError> {
        validate::length("serviceSpecificCredentialId", cred_id, 20, 128)?;
        self.user_mut(user)?
            .service_specific_credentials
            .iter_mut()
            .find(|c| c.id == cred_id)
            .ok_or_else(|| not_found("Service Specific Credential", cred_id))
    }

    /// `UpdateServiceSpecificCredential`: `Active` or `Inactive`.
    pub fn update_service_specific_credential(
        &mut self,
        user: &str,
        cred_id: &str,
        status: AccessKeyStatus,
    ) -> Result<(), IamError> {
        self.service_credential_mut(user, cred_id)?.status = status;
        Ok(())
    }

    /// `ResetServiceSpecificCredential`: a new password, returned only here.
    pub fn reset_service_specific_credential(
        &mut self,
        user: &str,
        cred_id: &str,
    ) -> Result<CreatedServiceSpecificCredential, IamError> {
        self.service_credential_mut(user, cred_id)?;
        let password = secret_text(44)?;
        let h = hash(password.expose())?;
        let user_name = self.get_user(user)?.name.clone();
        let c = self.service_credential_mut(user, cred_id)?;
        c.password_hash = h;
        Ok(CreatedServiceSpecificCredential {
            user_name,
            service_specific_credential_id: c.id.clone(),
            service_name: c.service_name.clone(),
            service_user_name: c.service_user_name.clone(),
            service_password: password,
            status: c.status,
            create_date: c.create_date,
        })
    }

    /// `DeleteServiceSpecificCredential`.
    pub fn delete_service_specific_credential(
        &mut self,
        user: &str,
        cred_id: &str,
    ) -> Result<(), IamError> {
        self.service_credential_mut(user, cred_id)?;
        self.user_mut(user)?
            .service_specific_credentials
            .retain(|c| c.id != cred_id);
        Ok(())
    }

    /// True when `password` is the password of the active service-specific credential whose
    /// service user name is `service_user_name`.
    pub fn verify_service_specific_credential(
        &self,
        service_user_name: &str,
        password: &str,
    ) -> bool {
        self.users
            .values()
            .flat_map(|u| u.service_specific_credentials.iter())
            .any(|c| {
                c.service_user_name == service_user_name
                    && c.status == AccessKeyStatus::Active
                    && verify(password, &c.password_hash)
            })
    }
}

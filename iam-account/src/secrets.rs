//! Randomness and hashing: unique ids and secrets from the OS CSPRNG (`getrandom`), salted
//! Argon2id hashes for passwords and access-key secrets.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use iam_model::entities::{ErrorCode, IamError, IdPrefix, Secret, SecretHash};

fn random<const N: usize>() -> Result<[u8; N], IamError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| {
        IamError::new(
            ErrorCode::InvalidInput,
            format!("the OS random number generator failed: {e}"),
        )
    })?;
    Ok(b)
}

/// A 21-character unique id (`AIDA…`, `AROA…`, …).
pub(crate) fn unique_id(prefix: IdPrefix) -> Result<String, IamError> {
    Ok(prefix.make(&random::<17>()?))
}

/// A signing certificate id: 28 characters of `A-Z2-7`, like the API reference's example
/// `TA7SMP42TDN5Z26OBPJE7EXAMPLE`; botocore's model (`certificateIdType`) wants 24 to 128
/// word characters (<https://docs.aws.amazon.com/IAM/latest/APIReference/API_SigningCertificate.html>).
pub(crate) fn signing_certificate_id() -> Result<String, IamError> {
    const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    Ok(random::<28>()?
        .iter()
        .map(|b| char::from(B32[usize::from(b & 31)]))
        .collect())
}

/// A 20-character access key id (`AKIA…` / `ASIA…`).
pub(crate) fn access_key_id(prefix: IdPrefix) -> Result<String, IamError> {
    Ok(prefix.make(&random::<16>()?))
}

/// `len` characters of base64 alphabet from the CSPRNG (40 for a secret access key).
pub(crate) fn secret_text(len: usize) -> Result<Secret, IamError> {
    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(len);
    while s.len() < len {
        for b in random::<32>()? {
            if s.len() < len {
                s.push(char::from(B64[usize::from(b & 63)]));
            }
        }
    }
    Ok(Secret::new(s))
}

/// Lowercase hex of `n` random bytes.
pub(crate) fn hex(n: usize) -> Result<String, IamError> {
    let mut s = String::with_capacity(2 * n);
    while s.len() < 2 * n {
        for b in random::<16>()? {
            if s.len() < 2 * n {
                s.push_str(&format!("{b:02x}"));
            }
        }
    }
    Ok(s)
}

fn hasher() -> Argon2<'static> {
    // Argon2id with OWASP's minimum (19 MiB, 2 passes), the `argon2` crate's default.
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::default())
}

/// A salted Argon2id PHC hash of `secret`.
pub(crate) fn hash(secret: &str) -> Result<SecretHash, IamError> {
    let salt = SaltString::encode_b64(&random::<16>()?)
        .map_err(|_| IamError::new(ErrorCode::InvalidInput, "cannot encode a salt"))?;
    let h = hasher()
        .hash_password(secret.as_bytes(), &salt)
        .map_err(|_| IamError::new(ErrorCode::InvalidInput, "cannot hash the secret"))?;
    Ok(SecretHash(h.to_string()))
}

/// True when `secret` matches `hash`.
pub(crate) fn verify(secret: &str, hash: &SecretHash) -> bool {
    PasswordHash::new(&hash.0)
        .is_ok_and(|h| hasher().verify_password(secret.as_bytes(), &h).is_ok())
}

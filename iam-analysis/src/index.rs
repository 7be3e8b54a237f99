//! A flat index over the bundled service catalog: every action gets a dense id (catalog
//! order: services by prefix, actions by lower-cased name), its full name is built once, and
//! `Action` patterns expand to ids without allocating names.

use iam_model::catalog::{Action, Catalog, Service};
use iam_model::glob_ci;
use std::sync::OnceLock;

/// Every catalog action with a dense id.
pub(crate) struct ActionIndex {
    catalog: &'static Catalog,
    actions: Vec<&'static Action>,
    names: Vec<String>,
    /// `service_start[s]..service_start[s + 1]` are the ids of service `s`.
    service_start: Vec<u32>,
    /// The service of each action (its position in the catalog's services): an action's
    /// service without a search by prefix.
    service_of: Vec<&'static Service>,
}

/// The shared index (built on first use, a few milliseconds).
pub(crate) fn index() -> &'static ActionIndex {
    static INDEX: OnceLock<ActionIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let catalog = Catalog::get();
        let mut actions = Vec::with_capacity(catalog.action_count());
        let mut names = Vec::with_capacity(catalog.action_count());
        let mut service_start = Vec::with_capacity(catalog.services().len() + 1);
        let mut service_of = Vec::with_capacity(catalog.action_count());
        for s in catalog.services() {
            service_start.push(id(actions.len()));
            for a in &s.actions {
                actions.push(a);
                names.push(a.full_name());
                service_of.push(s);
            }
        }
        service_start.push(id(actions.len()));
        ActionIndex {
            catalog,
            actions,
            names,
            service_start,
            service_of,
        }
    })
}

fn id(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

impl ActionIndex {
    /// Number of actions.
    pub(crate) fn len(&self) -> usize {
        self.actions.len()
    }

    /// The action with this id.
    pub(crate) fn action(&self, id: u32) -> Option<&'static Action> {
        self.actions.get(id as usize).copied()
    }

    /// `service:Name` of this id (empty for an unknown id).
    pub(crate) fn name(&self, id: u32) -> &'static str {
        // The index lives in a static, so its names do too.
        let idx: &'static ActionIndex = index();
        idx.names.get(id as usize).map_or("", String::as_str)
    }

    fn service_range(&self, s: usize) -> std::ops::Range<u32> {
        let start = self.service_start.get(s).copied().unwrap_or(0);
        let end = self.service_start.get(s + 1).copied().unwrap_or(start);
        start..end
    }

    fn service_position(&self, prefix: &str) -> Option<usize> {
        self.catalog
            .services()
            .binary_search_by(|s| cmp_ci(s.prefix, prefix))
            .ok()
    }

    /// The id of an exact action name (case-insensitive).
    pub(crate) fn id_of(&self, action: &str) -> Option<u32> {
        let (svc, name) = action.split_once(':')?;
        let s = self.service_position(svc)?;
        let service: &Service = self.catalog.services().get(s)?;
        let i = service
            .actions
            .binary_search_by(|a| cmp_ci(a.name, name))
            .ok()?;
        Some(self.service_range(s).start + id(i))
    }

    /// True when `pattern` (a policy's resource pattern) can name a resource of action `id`:
    /// `*` always can; another pattern must intersect the ARN template of one of the action's
    /// resource types (an action without resource types is only granted by `*`). Unknown ids
    /// are given the benefit of the doubt.
    pub(crate) fn plausible(&self, id: u32, pattern: &str) -> bool {
        if pattern == "*" {
            return true;
        }
        let (Some(a), Some(service)) = (self.action(id), self.service_of.get(id as usize)) else {
            return true;
        };
        service
            .resource_types_of(a)
            .any(|rt| rt.matches_arn(pattern))
    }

    /// Calls `f` with the id of every action an `Action` pattern matches (IAM's semantics:
    /// `*` alone matches everything; otherwise split at the first `:` and glob each side
    /// case-insensitively; no colon matches nothing).
    pub(crate) fn expand(&self, pattern: &str, mut f: impl FnMut(u32)) {
        if pattern == "*" {
            (0..id(self.len())).for_each(f);
            return;
        }
        let Some((svc, name)) = pattern.split_once(':') else {
            return;
        };
        let services = self.catalog.services();
        let wild_name = name.contains(['*', '?']);
        let mut one = |s: usize| {
            let range = self.service_range(s);
            if !wild_name {
                if let Some(i) = services
                    .get(s)
                    .and_then(|sv| sv.actions.binary_search_by(|a| cmp_ci(a.name, name)).ok())
                {
                    f(range.start + id(i));
                }
                return;
            }
            if name == "*" {
                range.for_each(&mut f);
                return;
            }
            for i in range {
                if self
                    .actions
                    .get(i as usize)
                    .is_some_and(|a| glob_ci(name, a.name))
                {
                    f(i);
                }
            }
        };
        if svc.contains(['*', '?']) {
            for (s, sv) in services.iter().enumerate() {
                if glob_ci(svc, sv.prefix) {
                    one(s);
                }
            }
        } else if let Some(s) = self.service_position(svc) {
            one(s);
        }
    }

    /// Ids matched by any of `patterns` (sorted, without duplicates); with `negated`, the ids
    /// matched by none of them (`NotAction`).
    pub(crate) fn expand_all<'a>(
        &self,
        patterns: impl IntoIterator<Item = &'a str>,
        negated: bool,
    ) -> Vec<u32> {
        let mut hit = vec![false; self.len()];
        for p in patterns {
            self.expand(p, |i| {
                if let Some(h) = hit.get_mut(i as usize) {
                    *h = true;
                }
            });
        }
        hit.iter()
            .enumerate()
            .filter(|(_, h)| **h != negated)
            .map(|(i, _)| id(i))
            .collect()
    }
}

/// ASCII case-insensitive ordering (the catalog's sort order).
pub(crate) fn cmp_ci(a: &str, b: &str) -> std::cmp::Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_ci("Get*", "getobject"));
        assert!(glob_ci("*", ""));
        assert!(glob_ci("G?t*Tag*", "GetObjectTagging"));
        assert!(!glob_ci("Get", "GetObject"));
        assert!(glob_ci("*Object", "GetObject"));
        assert!(!glob_ci("*Objects", "GetObject"));
    }

    #[test]
    fn expansion_matches_catalog() {
        let idx = index();
        let cat = Catalog::get();
        for pat in [
            "s3:Get*",
            "*",
            "iam:passrole",
            "*:*Tag*",
            "ec2:Describe*",
            "nope",
            "s?:*",
        ] {
            let mut ours: Vec<String> = idx
                .expand_all([pat], false)
                .into_iter()
                .map(|i| idx.name(i).to_string())
                .collect();
            ours.sort();
            assert_eq!(ours, cat.expand(pat), "{pat}");
        }
        assert_eq!(
            idx.id_of("IAM:PassRole").map(|i| idx.name(i)),
            Some("iam:PassRole")
        );
    }
}

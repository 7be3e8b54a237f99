//! Reads the packed catalog (`data/iam-action-catalog/catalog.txt`, written by `pack.py` there;
//! the line format is documented in that script) into [`Catalog`].

use super::glob::key_template_glob;
use super::global_keys::GLOBAL_KEYS;
use super::{
    AccessLevel, Action, ActionResourceType, Catalog, ConditionKey, ConditionKeyType, FxHasher,
    GLOBAL, KeyTemplate, ResourceType, Service, cmp_ci,
};
use std::collections::HashMap;
use std::hash::BuildHasherDefault;

/// The packed catalog text, compiled into the crate.
pub(super) const PACKED: &str = include_str!("../../data/iam-action-catalog/catalog.txt");

/// Parses [`PACKED`]. The data is ours and checked by the tests; a malformed line is skipped
/// rather than panicking.
pub(super) fn load() -> Catalog {
    parse(PACKED)
}

fn parse(text: &'static str) -> Catalog {
    let mut lines = text.lines();
    let source = lines
        .next()
        .and_then(|h| h.split('\t').nth(2))
        .unwrap_or("unknown");
    let mut services: Vec<Service> = Vec::with_capacity(460);
    let mut action_count = 0;
    for line in lines {
        let mut f = line.split('\t');
        let (Some(tag), Some(name)) = (f.next(), f.next()) else {
            continue;
        };
        if tag == "S" {
            services.push(Service {
                prefix: name,
                name: f.next().unwrap_or(name),
                actions: Vec::new(),
                resource_types: Vec::new(),
                condition_keys: Vec::new(),
            });
            continue;
        }
        let Some(svc) = services.last_mut() else {
            continue;
        };
        match tag {
            "K" => {
                if let Some(key_type) = f.next().and_then(ConditionKeyType::parse) {
                    svc.condition_keys.push(ConditionKey { name, key_type });
                }
            }
            "R" => {
                let arn = f.next().unwrap_or_default();
                let condition_keys =
                    key_names(&svc.condition_keys, f.next().unwrap_or_default(), ',');
                svc.resource_types
                    .push(ResourceType::new(name, arn, condition_keys));
            }
            "A" => {
                let access_level = match f.next() {
                    Some("L") => AccessLevel::List,
                    Some("R") => AccessLevel::Read,
                    Some("T") => AccessLevel::Tagging,
                    Some("P") => AccessLevel::PermissionsManagement,
                    _ => AccessLevel::Write,
                };
                let condition_keys =
                    key_names(&svc.condition_keys, f.next().unwrap_or_default(), ',');
                let resource_types = f
                    .next()
                    .unwrap_or_default()
                    .split(';')
                    .filter(|s| !s.is_empty())
                    .filter_map(|spec| action_resource_type(svc, spec))
                    .collect();
                svc.actions.push(Action {
                    service: svc.prefix,
                    name,
                    access_level,
                    resource_types,
                    condition_keys,
                });
                action_count += 1;
            }
            _ => {}
        }
    }
    services.sort_by(|a, b| cmp_ci(a.prefix, b.prefix));
    for s in &mut services {
        s.actions.sort_by(|a, b| cmp_ci(a.name, b.name));
    }
    let global_keys: Vec<ConditionKey> = GLOBAL_KEYS
        .iter()
        .map(|&(name, key_type)| ConditionKey { name, key_type })
        .collect();
    let templated = index_keys(&global_keys, &services);
    let mut action_index = super::packed::ActionIndex::new(&services);
    // Exact condition keys: global keys first, then service by service; the first
    // declaration of a name (ignoring case) wins.
    let all_keys: Vec<(usize, usize, &str)> = (global_keys.iter().enumerate())
        .map(|(k, key)| (GLOBAL, k, key.name))
        .chain(services.iter().enumerate().flat_map(|(s, svc)| {
            svc.condition_keys
                .iter()
                .enumerate()
                .map(move |(k, key)| (s, k, key.name))
        }))
        .collect();
    action_index.add_condition_keys(&all_keys);
    Catalog {
        source,
        services,
        global_keys,
        templated,
        action_index,
        action_count,
        by_prefix: std::sync::OnceLock::new(),
    }
}

/// `[!]j[/k.k...][>Action|Action...]`.
fn action_resource_type(svc: &Service, spec: &'static str) -> Option<ActionResourceType> {
    let (spec, deps) = spec.split_once('>').unwrap_or((spec, ""));
    let (spec, keys) = spec.split_once('/').unwrap_or((spec, ""));
    let (required, idx) = match spec.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, spec),
    };
    let index: usize = idx.parse().ok()?;
    Some(ActionResourceType {
        name: svc.resource_types.get(index)?.name,
        required,
        condition_keys: key_names(&svc.condition_keys, keys, '.'),
        dependent_actions: deps.split('|').filter(|d| !d.is_empty()).collect(),
        index,
    })
}

fn key_names(keys: &[ConditionKey], list: &str, sep: char) -> Vec<&'static str> {
    list.split(sep)
        .filter_map(|i| keys.get(i.parse::<usize>().ok()?).map(|k| k.name))
        .collect()
}

type Templated = HashMap<String, Vec<KeyTemplate>, BuildHasherDefault<FxHasher>>;

/// Templated keys by lower-cased prefix. The first declaration wins (global keys first, then
/// services in prefix order).
fn index_keys(global: &[ConditionKey], services: &[Service]) -> Templated {
    let mut templated: HashMap<String, Vec<KeyTemplate>, BuildHasherDefault<FxHasher>> =
        HashMap::default();
    let all = global
        .iter()
        .enumerate()
        .map(|(k, key)| (GLOBAL, k, key))
        .chain(services.iter().enumerate().flat_map(|(s, svc)| {
            svc.condition_keys
                .iter()
                .enumerate()
                .map(move |(k, key)| (s, k, key))
        }));
    for (s, k, key) in all {
        if let Some(glob) = key_template_glob(key.name) {
            let list = templated
                .entry(key.prefix().to_ascii_lowercase())
                .or_default();
            if !list.iter().any(|t| t.glob.eq_ignore_ascii_case(&glob)) {
                let literal = glob.replace('*', "");
                list.push(KeyTemplate {
                    glob,
                    literal,
                    service: s,
                    key: k,
                });
            }
        }
    }
    templated
}

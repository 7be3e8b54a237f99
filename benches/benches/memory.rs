//! Heap held by an account imported from `get-account-authorization-details` JSON next to the
//! same account built through the IAM operations (issue #10 part 5: within 1.5×).
//!
//! The 5,000-principal snapshot is generated deterministically from the shapes of the largest
//! real snapshot (`cloudsplaining-example.json`): 2,500 users and 2,500 roles, each a copy of
//! one of the file's users / roles (in turn) under a new name, ARN and id, with its inline
//! policies, attachments, group memberships, boundary and tags; the file's groups and managed
//! policies as they are (instance profiles left out). The API-built account creates the same
//! groups, customer managed policies (every version), users and roles with the same documents
//! through `create_*` / `put_*_policy` / `attach_*` / `add_user_to_group` / `tag_*`.
//!
//! Bytes are counted by a counting global allocator (live bytes = allocated − freed) around
//! building each account; the GAAD text and its parsed form are dropped before the import is
//! measured, so the figure is what the imported account itself keeps.
//!
//! ```text
//! cargo bench -p iamkit-benches --bench memory
//! ```
#![allow(unsafe_code)]
#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used)]

use iam_account::{Account, Quotas};
use iam_parser::gaad::{self, AuthorizationDetails};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

fn size(n: usize) -> isize {
    isize::try_from(n).unwrap_or(isize::MAX)
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so the
// `GlobalAlloc` contract is upheld by `System`; the extra work is an atomic add, which never
// allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(size(layout.size()), Ordering::Relaxed);
        // SAFETY: forwarded unchanged.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(size(layout.size()), Ordering::Relaxed);
        // SAFETY: forwarded unchanged.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(size(layout.size()), Ordering::Relaxed);
        // SAFETY: forwarded unchanged.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(size(new_size) - size(layout.size()), Ordering::Relaxed);
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

/// Principals of the synthetic snapshot (`IAMKIT_PRINCIPALS` overrides, e.g. 116 to see the
/// fixed part).
fn principals() -> usize {
    std::env::var("IAMKIT_PRINCIPALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000)
}

fn mib(n: isize) -> f64 {
    n as f64 / (1024.0 * 1024.0)
}

/// The largest real snapshot, parsed.
fn template() -> AuthorizationDetails {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../iam-parser/tests/data/account-authorization-details/cloudsplaining-example.json"
    );
    let text = std::fs::read_to_string(path).expect("snapshot");
    gaad::parse_authorization_details(&text).unwrap()
}

/// `n` principals (half users, half roles) copied in turn from the template's users and roles.
fn synthetic(t: &AuthorizationDetails, n: usize) -> AuthorizationDetails {
    let mut d = t.clone();
    d.user_detail_list.clear();
    d.role_detail_list.clear();
    for i in 0..n {
        if i % 2 == 0 {
            let src = &t.user_detail_list[(i / 2) % t.user_detail_list.len()];
            let mut u = src.clone();
            let name = format!("{}-{i}", src.user_name.as_deref().unwrap_or("user"));
            u.arn = src
                .arn
                .as_ref()
                .map(|a| format!("{}/{name}", a.rsplit_once('/').map_or(a.as_str(), |x| x.0)));
            u.user_id = Some(format!("AIDA{i:017}"));
            u.user_name = Some(name);
            d.user_detail_list.push(u);
        } else {
            let src = &t.role_detail_list[(i / 2) % t.role_detail_list.len()];
            let mut r = src.clone();
            let name = format!("{}-{i}", src.role_name.as_deref().unwrap_or("role"));
            r.arn = src
                .arn
                .as_ref()
                .map(|a| format!("{}/{name}", a.rsplit_once('/').map_or(a.as_str(), |x| x.0)));
            r.role_id = Some(format!("AROA{i:017}"));
            r.role_name = Some(name);
            r.instance_profile_list.clear();
            d.role_detail_list.push(r);
        }
    }
    d
}

/// The same account through the IAM operations; returns the number of documents IAM's
/// save-time check refused (left out).
fn build_api(d: &AuthorizationDetails, account: &str) -> (Account, usize) {
    let mut a = Account::new(account).unwrap();
    a.set_quotas(Quotas {
        users: 100_000,
        roles: 100_000,
        groups: 100_000,
        policies: 100_000,
        ..Quotas::default()
    });
    let mut refused = 0;
    let text = |doc: &Option<gaad::PolicyDocument>| doc.as_ref().map(|d| d.text().into_owned());
    for p in &d.policies {
        let arn = p.arn.clone().unwrap_or_default();
        if arn.contains(":aws:policy/") {
            continue; // AWS managed: attached from the bundled copies
        }
        let name = p.policy_name.clone().unwrap_or_default();
        let mut versions = p.policy_version_list.iter();
        let Some(first) = versions.next().and_then(|v| text(&v.document)) else {
            continue;
        };
        let created = a
            .create_policy(&name, &first, p.path.as_deref(), p.description.as_deref())
            .map(|m| m.arn.clone());
        let Ok(created) = created else {
            refused += 1;
            continue;
        };
        for v in versions {
            if let Some(doc) = text(&v.document) {
                let default = v.is_default_version == Some(true);
                if a.create_policy_version(&created, &doc, default).is_err() {
                    refused += 1;
                }
            }
        }
    }
    for g in &d.group_detail_list {
        let name = g.group_name.clone().unwrap_or_default();
        a.create_group(&name, g.path.as_deref()).unwrap();
        for ip in &g.group_policy_list {
            let doc = text(&ip.policy_document).unwrap_or_default();
            if a.put_group_policy(&name, ip.policy_name.as_deref().unwrap_or("p"), &doc)
                .is_err()
            {
                refused += 1;
            }
        }
        for at in &g.attached_managed_policies {
            let _ = a.attach_group_policy(&name, at.policy_arn.as_deref().unwrap_or_default());
        }
    }
    let tags = |t: &[gaad::Tag]| -> Vec<(String, String)> {
        t.iter()
            .map(|t| {
                (
                    t.key.clone().unwrap_or_default(),
                    t.value.clone().unwrap_or_default(),
                )
            })
            .collect()
    };
    for u in &d.user_detail_list {
        let name = u.user_name.clone().unwrap_or_default();
        a.create_user(&name, u.path.as_deref()).unwrap();
        for ip in &u.user_policy_list {
            let doc = text(&ip.policy_document).unwrap_or_default();
            if a.put_user_policy(&name, ip.policy_name.as_deref().unwrap_or("p"), &doc)
                .is_err()
            {
                refused += 1;
            }
        }
        for at in &u.attached_managed_policies {
            let _ = a.attach_user_policy(&name, at.policy_arn.as_deref().unwrap_or_default());
        }
        for g in &u.group_list {
            let _ = a.add_user_to_group(g, &name);
        }
        if let Some(b) = u
            .permissions_boundary
            .as_ref()
            .and_then(|b| b.permissions_boundary_arn.as_deref())
        {
            let _ = a.put_user_permissions_boundary(&name, b);
        }
        if !u.tags.is_empty() {
            let _ = a.tag_user(&name, &tags(&u.tags));
        }
    }
    for r in &d.role_detail_list {
        let name = r.role_name.clone().unwrap_or_default();
        let trust = text(&r.assume_role_policy_document).unwrap_or_default();
        let opts = iam_account::CreateRoleOptions {
            path: r
                .path
                .clone()
                .filter(|p| !p.starts_with("/aws-service-role/")),
            description: r.description.clone(),
            ..Default::default()
        };
        if a.create_role_with(&name, &trust, &opts).is_err() {
            refused += 1;
            continue;
        }
        for ip in &r.role_policy_list {
            let doc = text(&ip.policy_document).unwrap_or_default();
            if a.put_role_policy(&name, ip.policy_name.as_deref().unwrap_or("p"), &doc)
                .is_err()
            {
                refused += 1;
            }
        }
        for at in &r.attached_managed_policies {
            let _ = a.attach_role_policy(&name, at.policy_arn.as_deref().unwrap_or_default());
        }
        if let Some(b) = r
            .permissions_boundary
            .as_ref()
            .and_then(|b| b.permissions_boundary_arn.as_deref())
        {
            let _ = a.put_role_permissions_boundary(&name, b);
        }
        if !r.tags.is_empty() {
            let _ = a.tag_role(&name, &tags(&r.tags));
        }
    }
    (a, refused)
}

fn main() {
    // Criterion-style arguments (`--bench`, filters) are accepted and ignored.
    let t = template();
    let account = t.user_detail_list[0]
        .arn
        .as_deref()
        .and_then(|a| a.split(':').nth(4))
        .unwrap_or("123456789012")
        .to_string();
    let n = principals();
    let details = synthetic(&t, n);
    let text = details.to_json();
    drop(details);
    drop(t);
    // Warm the process-wide caches (catalog, bundled managed policies) outside the figures.
    {
        let d = gaad::parse_authorization_details(&text).unwrap();
        let warm = Account::from_authorization_details(&d).unwrap();
        drop(warm);
        let (warm, _) = build_api(&d, &account);
        drop(warm);
    }

    let before = live();
    let imported = {
        let d = gaad::parse_authorization_details(&text).unwrap();
        Account::from_authorization_details(&d).unwrap()
    };
    let import_bytes = live() - before;

    let d = gaad::parse_authorization_details(&text).unwrap();
    let before = live();
    let (api, refused) = build_api(&d, &account);
    let api_bytes = live() - before;
    drop(d);

    let exact = imported.to_authorization_details().to_json() == text;
    println!(
        "{n} principals ({} bytes of GAAD JSON; {} users, {} roles; API build: {refused} documents refused by the save-time check)",
        text.len(),
        imported.users_iter().count(),
        imported.roles_iter().count()
    );
    println!("  imported from GAAD : {:>8.1} MiB", mib(import_bytes));
    println!(
        "  built through API  : {:>8.1} MiB (users {}, roles {})",
        mib(api_bytes),
        api.users_iter().count(),
        api.roles_iter().count()
    );
    println!(
        "  ratio              : {:>8.2}×",
        import_bytes as f64 / api_bytes as f64
    );
    println!("  import exports the source JSON exactly: {exact}");
}

// Shared by every crate's `tests/integration.rs` (through `include!`; not a crate of its own).
//
// Each crate's integration tests are modules of one test binary instead of one binary per
// file: a crate's helpers and its dependencies' generic code are compiled and linked once
// instead of a dozen times, which is most of `cargo test`'s build time on a 2-core machine.
// With `autotests = false` Cargo builds only the test targets its manifest lists, so a new
// `tests/*.rs` file would silently never run; `every_test_file_is_built` fails instead.

/// Declares the crate's test modules (`tests/<name>.rs`) and a test that every `tests/*.rs`
/// file is one of them or a `[[test]]` target of its own in Cargo.toml (`separate`).
macro_rules! integration_modules {
    (separate: [$($separate:literal),* $(,)?], modules: [$($module:ident),* $(,)?] $(,)?) => {
        $(mod $module;)*

        #[test]
        fn every_test_file_is_built() {
            let listed: &[&str] = &[$(stringify!($module)),*];
            let separate: &[&str] = &[$($separate),*];
            let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
            let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap_or_default();
            let mut missing = Vec::new();
            for entry in std::fs::read_dir(root.join("tests")).into_iter().flatten().flatten() {
                let path = entry.path();
                let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
                if path.extension().is_none_or(|e| e != "rs") || stem == "integration" {
                    continue;
                }
                let own_target = separate.contains(&stem)
                    && manifest.contains(&format!("path = \"tests/{stem}.rs\""));
                if !listed.contains(&stem) && !own_target {
                    missing.push(format!("tests/{stem}.rs"));
                }
            }
            assert!(
                missing.is_empty(),
                "{missing:?} would never run: add them to integration_modules! in tests/integration.rs \
                 (or as a [[test]] of their own in Cargo.toml)"
            );
        }
    };
}

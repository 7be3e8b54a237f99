//! Durable, locked writes of the AWS CLI shared files (issue #10; spec §7).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use iam_parser::cli_config::{CliConfigErrorKind, CliPaths, ProfileUpdate, read_profiles_from};
use iam_parser::cli_files::{resolve_links, write_profile_files};
use std::path::{Path, PathBuf};

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("iamkit-cli-files-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn paths(dir: &Path) -> CliPaths {
    CliPaths {
        credentials: dir.join("aws").join("credentials"),
        config: dir.join("aws").join("config"),
    }
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn threads_writing_at_once_lose_nothing() {
    let dir = temp_dir("threads");
    let p = paths(&dir);
    let n = 24;
    let barrier = std::sync::Barrier::new(n);
    std::thread::scope(|s| {
        for i in 0..n {
            let (p, barrier) = (&p, &barrier);
            s.spawn(move || {
                let name = format!("t{i}");
                let key = format!("AKIA{i}");
                let secret = format!("secret={i}");
                let region = format!("r{i}");
                barrier.wait();
                write_profile_files(
                    p,
                    &ProfileUpdate {
                        profile: &name,
                        access_key_id: &key,
                        secret_access_key: &secret,
                        session_token: None,
                        region: Some(&region),
                        output: None,
                    },
                )
                .unwrap();
            });
        }
    });
    let profiles = read_profiles_from(&p).unwrap();
    assert_eq!(profiles.len(), n);
    for i in 0..n {
        let prof = &profiles[&format!("t{i}")];
        assert_eq!(
            prof.get_str("aws_access_key_id"),
            Some(format!("AKIA{i}").as_str())
        );
        assert_eq!(
            prof.get_str("aws_secret_access_key"),
            Some(format!("secret={i}").as_str())
        );
        assert_eq!(prof.get_str("region"), Some(format!("r{i}").as_str()));
    }
    // No temporary file is left behind; the lock files stay (removing them would be racy).
    assert_eq!(
        names_in(&dir.join("aws")),
        [".config.lock", ".credentials.lock", "config", "credentials"]
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&p.credentials), 0o600);
        assert_eq!(mode(&dir.join("aws")), 0o700);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
#[test]
fn links_are_followed_and_stay_links() {
    use std::os::unix::fs::symlink;
    let dir = temp_dir("links");
    let p = paths(&dir);
    std::fs::create_dir_all(dir.join("aws")).unwrap();
    std::fs::create_dir_all(dir.join("real")).unwrap();
    std::fs::write(dir.join("real/creds"), "[old]\nx = 1\n").unwrap();
    symlink("creds", dir.join("real/hop")).unwrap();
    symlink("../real/hop", &p.credentials).unwrap();
    // Relative links resolve against the link's directory, hop by hop.
    assert_eq!(
        resolve_links(&p.credentials).unwrap(),
        dir.join("aws").join("../real/creds")
    );
    assert_eq!(
        resolve_links(&p.credentials)
            .unwrap()
            .canonicalize()
            .unwrap(),
        dir.join("real/creds").canonicalize().unwrap()
    );
    let update = ProfileUpdate {
        profile: "dev",
        access_key_id: "AKIADEV",
        secret_access_key: "s",
        session_token: None,
        region: None,
        output: None,
    };
    write_profile_files(&p, &update).unwrap();
    assert!(
        std::fs::symlink_metadata(&p.credentials)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::symlink_metadata(dir.join("real/hop"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let text = std::fs::read_to_string(dir.join("real/creds")).unwrap();
    assert_eq!(
        text,
        "[old]\nx = 1\n[dev]\naws_access_key_id = AKIADEV\naws_secret_access_key = s\n"
    );
    assert_eq!(names_in(&dir.join("real")), [".creds.lock", "creds", "hop"]);
    // A loop of links is an error, not a hang.
    symlink("loop2", dir.join("loop1")).unwrap();
    symlink("loop1", dir.join("loop2")).unwrap();
    let e = resolve_links(&dir.join("loop1")).unwrap_err();
    assert_eq!(e.kind, CliConfigErrorKind::Io);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_malformed_file_is_left_untouched() {
    let dir = temp_dir("malformed");
    let p = paths(&dir);
    std::fs::create_dir_all(dir.join("aws")).unwrap();
    let bad = "[dev]\naws_access_key_id = A\naws_secret_access_key S\n";
    std::fs::write(&p.credentials, bad).unwrap();
    let update = ProfileUpdate {
        profile: "dev",
        access_key_id: "AKIADEV",
        secret_access_key: "s",
        session_token: None,
        region: Some("r"),
        output: None,
    };
    let e = write_profile_files(&p, &update).unwrap_err();
    assert_eq!((e.kind, e.line), (CliConfigErrorKind::Syntax, 3));
    assert_eq!(e.path.as_deref(), Some(p.credentials.as_path()));
    assert_eq!(std::fs::read_to_string(&p.credentials).unwrap(), bad);
    assert!(!p.config.exists());
    // Not UTF-8: refused with its line.
    std::fs::write(&p.credentials, b"[dev]\nx = \xff\n").unwrap();
    let e = write_profile_files(&p, &update).unwrap_err();
    assert_eq!((e.kind, e.line), (CliConfigErrorKind::Encoding, 2));
    assert!(
        e.to_string()
            .starts_with(&format!("{}:2: ", p.credentials.display())),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn one_file_for_both_gets_both_edits() {
    // AWS_CONFIG_FILE = AWS_SHARED_CREDENTIALS_FILE: botocore reads the one file twice.
    let dir = temp_dir("same");
    let file = dir.join("aws").join("both");
    let p = CliPaths {
        credentials: file.clone(),
        config: file.clone(),
    };
    let update = ProfileUpdate {
        profile: "dev",
        access_key_id: "AKIADEV",
        secret_access_key: "s",
        session_token: None,
        region: Some("eu-west-1"),
        output: None,
    };
    write_profile_files(&p, &update).unwrap();
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "[dev]\naws_access_key_id = AKIADEV\naws_secret_access_key = s\n[profile dev]\nregion = eu-west-1\n"
    );
    let profiles = read_profiles_from(&p).unwrap();
    assert_eq!(profiles["dev"].get_str("region"), Some("eu-west-1"));
    assert_eq!(
        profiles["dev"].get_str("aws_access_key_id"),
        Some("AKIADEV")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

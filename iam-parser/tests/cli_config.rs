//! AWS CLI shared files (spec §7; https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-files.html).
//! Expected values of the reading tests were produced with botocore 1.43's
//! `configloader.raw_config_parse` / `build_profile_map` on the same texts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use iam_parser::cli_config::{
    CliConfigErrorKind, CliPaths, Profile, ProfileUpdate, ProfileValue, decode_text, expand_path,
    parse_config, parse_ini, read_profiles, read_profiles_from, resolve_paths, update_config,
    update_credentials, write_profile,
};
use std::collections::BTreeMap;
use std::path::PathBuf;

fn s(v: &str) -> ProfileValue {
    ProfileValue::String(v.to_owned())
}

fn nested(kv: &[(&str, &str)]) -> ProfileValue {
    ProfileValue::Nested(
        kv.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    )
}

fn section(text: &str, name: &str) -> Vec<(String, ProfileValue)> {
    let sections = parse_ini(text).unwrap();
    let (_, p) = sections
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no [{name}] in {sections:?}"));
    p.iter().map(|(k, v)| (k.to_owned(), v.clone())).collect()
}

fn kv(pairs: &[(&str, ProfileValue)]) -> Vec<(String, ProfileValue)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

// --- §7.2 INI syntax -------------------------------------------------------------------------

#[test]
fn nested_s3_example() {
    let text = "[profile dev]\ns3 =\n  max_concurrent_requests = 20\n  addressing_style = path\nregion = us-east-1\n";
    assert_eq!(
        section(text, "profile dev"),
        kv(&[
            (
                "s3",
                nested(&[
                    ("max_concurrent_requests", "20"),
                    ("addressing_style", "path")
                ])
            ),
            ("region", s("us-east-1"))
        ])
    );
    let p = &parse_config(text).unwrap().profiles["dev"];
    assert_eq!(p.get_nested("s3", "addressing_style"), Some("path"));
    assert_eq!(p.get_str("s3"), None);
}

#[test]
fn inline_comment_characters_are_part_of_the_value() {
    let text = "[default]\nregion = us-east-1 # comment\noutput=json;x\n";
    assert_eq!(
        section(text, "default"),
        kv(&[
            ("region", s("us-east-1 # comment")),
            ("output", s("json;x"))
        ])
    );
}

#[test]
fn colon_delimiter_and_first_delimiter_wins() {
    let text = "[default]\nregion: us-west-2\nkey = a=b:c\n";
    assert_eq!(
        section(text, "default"),
        kv(&[("region", s("us-west-2")), ("key", s("a=b:c"))])
    );
}

#[test]
fn continuation_lines_and_blank_lines_inside_values() {
    let text = "[default]\nregion = us\n  east\n\n  more\n\nx = 1\n";
    assert_eq!(
        section(text, "default"),
        kv(&[("region", s("us\neast\n\nmore")), ("x", s("1"))])
    );
    // An indented header after a value continues that value (configparser).
    let text = "[a]\nx = 1\n  [b]\ny = 2\n";
    assert_eq!(section(text, "a"), kv(&[("x", s("1\n[b]")), ("y", s("2"))]));
}

#[test]
fn default_section_is_inherited() {
    let text = "[DEFAULT]\nregion = r0\n[a]\nx = 1\n[b]\nregion = rb\n";
    let sections = parse_ini(text).unwrap();
    assert_eq!(sections.len(), 2);
    assert_eq!(
        section(text, "a"),
        kv(&[("x", s("1")), ("region", s("r0"))])
    );
    assert_eq!(section(text, "b"), kv(&[("region", s("rb"))]));
}

#[test]
fn full_line_comments_only_even_indented() {
    assert_eq!(
        section("[a]\n  # c\n\t; d\nx = 1\n", "a"),
        kv(&[("x", s("1"))])
    );
    assert_eq!(section("; top\n# top\n[a]\n", "a"), kv(&[]));
}

#[test]
fn header_forms() {
    let text = "[profile a] trailing\nx = 1\n[b]]\ny = 2\n[ default ]\nz = 3\n";
    let names: Vec<_> = parse_ini(text)
        .unwrap()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(names, ["profile a", "b]", " default "]);
}

#[test]
fn nested_values_details() {
    // Blank lines skipped, later duplicates win, nested keys keep their case.
    assert_eq!(
        section("[a]\ns3 =\n\n  K = v\n  K = w\n", "a"),
        kv(&[("s3", nested(&[("K", "w")]))])
    );
    assert_eq!(
        section("[a]\nx =\ny=\n", "a"),
        kv(&[("x", s("")), ("y", s(""))])
    );
    assert_eq!(section("[A]\nReGion = X\n", "A"), kv(&[("region", s("X"))]));
    assert_eq!(section("[a]\r\nx = 1\r\n", "a"), kv(&[("x", s("1"))]));
}

#[test]
fn errors_have_line_numbers() {
    let cases: &[(&str, CliConfigErrorKind, usize)] = &[
        ("[a]\n[b]\n[a]\n", CliConfigErrorKind::DuplicateSection, 3),
        ("[a]\nx=1\nX = 2\n", CliConfigErrorKind::DuplicateKey, 3),
        (
            "\n# c\nx = 1\n",
            CliConfigErrorKind::MissingSectionHeader,
            3,
        ),
        ("[a]\nx = 1\njunk\n[a2]\n", CliConfigErrorKind::Syntax, 3),
        (
            "[a]\ns3 =\n  k = v\n  junk\n",
            CliConfigErrorKind::Syntax,
            4,
        ),
        ("[a]\n= v\n", CliConfigErrorKind::Syntax, 2),
        (
            "[DEFAULT]\nx = 1\n[DEFAULT]\nx = 2\n",
            CliConfigErrorKind::DuplicateKey,
            4,
        ),
    ];
    for &(text, kind, line) in cases {
        let e = parse_ini(text).unwrap_err();
        assert_eq!((e.kind, e.line), (kind, line), "{text:?}: {e}");
        assert!(e.to_string().starts_with(&format!("{line}: ")), "{e}");
    }
    // A later fatal error is reported before an earlier non-fatal one (configparser raises
    // ParsingError only at the end).
    assert_eq!(
        parse_ini("[a]\njunk\n[a]\n").unwrap_err().kind,
        CliConfigErrorKind::DuplicateSection
    );
    // Messages never quote the offending line (it could hold a secret).
    let e = parse_ini("[a]\naws_secret_access_key SECRETVALUE\n").unwrap_err();
    assert!(!e.to_string().contains("SECRETVALUE"));
    // Nothing panics on odd input.
    for text in [
        "[",
        "]",
        "[]",
        "[]]",
        "=",
        ":",
        "[a]\n:",
        "\u{feff}[a]",
        "[a]\n\t\t",
        "[a]\nx=\n\t=\n",
    ] {
        let _ = parse_ini(text);
    }
}

// --- §7.3 section naming ---------------------------------------------------------------------

#[test]
fn config_section_naming() {
    let text = "[default]\nregion = a\n[profile dev]\nregion = b\n[profile \"my name\"]\nregion = c\n[profile 'x y']\n\
                region = d\n[profile a b]\nregion = e\n[profilex]\nregion = f\n[profile]\nregion = g\n[plain]\nregion = h\n\
                [profile \"unterminated]\nregion = i\n[sso-session corp]\nsso_start_url = https://my-portal.awsapps.com/start\n\
                sso_region = us-east-1\nsso_registration_scopes = sso:account:access\n[services local]\ndynamodb =\n  endpoint_url = http://localhost:8000\n";
    let c = parse_config(text).unwrap();
    let names: Vec<_> = c.profiles.keys().map(String::as_str).collect();
    assert_eq!(names, ["default", "dev", "my name", "x y"]);
    assert_eq!(c.profiles["my name"].get_str("region"), Some("c"));
    assert_eq!(
        c.sso_sessions["corp"].get_str("sso_registration_scopes"),
        Some("sso:account:access")
    );
    assert_eq!(
        c.services["local"].get_nested("dynamodb", "endpoint_url"),
        Some("http://localhost:8000")
    );
    assert_eq!(c.other.keys().collect::<Vec<_>>(), ["plain"]);
}

#[test]
fn profile_default_and_default_later_section_wins() {
    let c = parse_config("[default]\nregion = a\noutput = json\n[profile default]\nregion = b\n")
        .unwrap();
    assert_eq!(c.profiles["default"].get_str("region"), Some("b"));
    assert_eq!(c.profiles["default"].get_str("output"), None); // replaced, not merged
    let c = parse_config("[profile default]\nregion = b\n[default]\nregion = a\n").unwrap();
    assert_eq!(c.profiles["default"].get_str("region"), Some("a"));
}

#[test]
fn credentials_sections_have_no_prefix() {
    let p = read_profiles(
        Some("[dev]\naws_access_key_id = A\n[profile x]\naws_access_key_id = B\n"),
        None,
    )
    .unwrap();
    assert_eq!(p.keys().collect::<Vec<_>>(), ["dev", "profile x"]);
}

#[test]
fn services_section_example() {
    // §7.5
    let text = "[profile dev]\nservices = local\n[services local]\ndynamodb =\n  endpoint_url = http://localhost:8000\n";
    let c = parse_config(text).unwrap();
    let services = c.profiles["dev"].get_str("services").unwrap();
    assert_eq!(
        c.services[services].get_nested("dynamodb", "endpoint_url"),
        Some("http://localhost:8000")
    );
    assert!(!c.profiles.contains_key("local"));
}

// --- §7.4 merge ------------------------------------------------------------------------------

#[test]
fn credentials_file_wins_key_by_key() {
    let creds = "[default]\naws_access_key_id = AKIACREDS\naws_secret_access_key = secret1\nregion = from-creds\n\
                 [only-creds]\naws_access_key_id = AKIA2\n";
    let config = "[default]\nregion = from-config\noutput = json\n[profile only-config]\nregion = x\n[only-creds]\nregion = ignored\n";
    let p = read_profiles(Some(creds), Some(config)).unwrap();
    assert_eq!(
        p.keys().collect::<Vec<_>>(),
        ["default", "only-config", "only-creds"]
    );
    let d = &p["default"];
    assert_eq!(
        d.iter().map(|(k, _)| k).collect::<Vec<_>>(),
        [
            "region",
            "output",
            "aws_access_key_id",
            "aws_secret_access_key"
        ]
    );
    assert_eq!(d.get_str("region"), Some("from-creds"));
    assert_eq!(d.get_str("output"), Some("json"));
    assert_eq!(p["only-creds"].get_str("region"), None);
    assert_eq!(read_profiles(None, None).unwrap(), BTreeMap::new());
    assert_eq!(
        read_profiles(Some("[a]\n[a]\n"), None).unwrap_err().kind,
        CliConfigErrorKind::DuplicateSection
    );
}

#[test]
fn debug_redacts_secrets() {
    let p = read_profiles(
        Some("[d]\naws_access_key_id = AKIAVISIBLE\naws_secret_access_key = TOPSECRET\naws_session_token = TOKEN123\naws_security_token = LEGACY9\n"),
        None,
    )
    .unwrap();
    let shown = format!("{:?} {:#?}", p, p["d"]);
    assert!(shown.contains("AKIAVISIBLE"));
    for secret in ["TOPSECRET", "TOKEN123", "LEGACY9"] {
        assert!(!shown.contains(secret), "{shown}");
    }
    assert_eq!(p["d"].get_str("aws_secret_access_key"), Some("TOPSECRET"));
    let u = ProfileUpdate {
        profile: "d",
        access_key_id: "AKIA",
        secret_access_key: "TOPSECRET",
        session_token: Some("TOKEN123"),
        region: None,
        output: None,
    };
    let shown = format!("{u:?}");
    assert!(
        !shown.contains("TOPSECRET") && !shown.contains("TOKEN123"),
        "{shown}"
    );
    let mut built = Profile::default();
    built.insert("aws_session_token", ProfileValue::String("TOKEN123".into()));
    assert!(!format!("{built:?}").contains("TOKEN123"));
}

// --- §7.1 paths ------------------------------------------------------------------------------

fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
    move |k| {
        pairs
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| (*v).to_owned())
    }
}

#[test]
fn default_paths_and_overrides() {
    let p = resolve_paths(env_of(&[("HOME", "/home/u")]));
    assert_eq!(
        p,
        CliPaths {
            credentials: "/home/u/.aws/credentials".into(),
            config: "/home/u/.aws/config".into()
        }
    );
    let p = resolve_paths(env_of(&[
        ("HOME", "/home/u/"),
        ("AWS_SHARED_CREDENTIALS_FILE", "~/creds"),
        ("AWS_CONFIG_FILE", "${BASE}/cfg-$USER.ini"),
        ("BASE", "/srv"),
        ("USER", "bob"),
    ]));
    assert_eq!(p.credentials, PathBuf::from("/home/u/creds"));
    assert_eq!(p.config, PathBuf::from("/srv/cfg-bob.ini"));
    // Empty override = unset; USERPROFILE when HOME is unset.
    let p = resolve_paths(env_of(&[
        ("AWS_CONFIG_FILE", ""),
        ("USERPROFILE", "C:\\Users\\me"),
    ]));
    assert_eq!(p.config, PathBuf::from("C:\\Users\\me/.aws/config"));
    // No home at all: `~` stays.
    assert_eq!(
        resolve_paths(env_of(&[])).config,
        PathBuf::from("~/.aws/config")
    );
}

#[test]
fn expand_path_rules() {
    let env = env_of(&[("HOME", "/h"), ("A", "x"), ("A_1", "y")]);
    assert_eq!(
        expand_path("$A/$A_1/${A}z/$Az/$/${}/${A", &env),
        "x/y/xz/$Az/$/${}/${A"
    );
    assert_eq!(expand_path("~", &env), "/h");
    assert_eq!(expand_path("~user/x", &env), "~user/x");
    assert_eq!(expand_path("a/~/b", &env), "a/~/b");
    assert_eq!(expand_path("$HOME/.aws", &env), "/h/.aws");
}

#[test]
fn missing_files_are_empty_and_files_are_read() {
    let dir = std::env::temp_dir().join(format!("iamkit-cli-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let paths = CliPaths {
        credentials: dir.join("credentials"),
        config: dir.join("nope"),
    };
    assert!(read_profiles_from(&paths).unwrap().is_empty());
    std::fs::write(&paths.credentials, "[p]\naws_access_key_id = A\n").unwrap();
    assert_eq!(
        read_profiles_from(&paths).unwrap()["p"].get_str("aws_access_key_id"),
        Some("A")
    );
    // A directory is not a file: ignored, like botocore's `os.path.isfile` check.
    let paths2 = CliPaths {
        credentials: dir.clone(),
        config: dir.join("config"),
    };
    std::fs::write(&paths2.config, "[profile p]\n[profile p]\n").unwrap();
    let e = read_profiles_from(&paths2).unwrap_err();
    assert_eq!(
        (e.kind, e.line, e.path.as_deref()),
        (
            CliConfigErrorKind::DuplicateSection,
            2,
            Some(paths2.config.as_path())
        )
    );
    assert!(e.to_string().contains("config:2: "), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

// --- writing (`aws configure --profile`) -----------------------------------------------------

fn update<'a>(
    profile: &'a str,
    region: Option<&'a str>,
    output: Option<&'a str>,
    token: Option<&'a str>,
) -> ProfileUpdate<'a> {
    ProfileUpdate {
        profile,
        access_key_id: "AKIANEW",
        secret_access_key: "secretNEW",
        session_token: token,
        region,
        output,
    }
}

#[test]
fn write_into_empty_files() {
    let (c, f) = write_profile(
        "",
        "",
        &update("default", Some("us-east-1"), Some("json"), None),
    )
    .unwrap();
    assert_eq!(
        c,
        "[default]\naws_access_key_id = AKIANEW\naws_secret_access_key = secretNEW\n"
    );
    assert_eq!(f, "[default]\nregion = us-east-1\noutput = json\n");
    let (c, f) =
        write_profile("", "", &update("dev", Some("eu-west-1"), None, Some("TOK"))).unwrap();
    assert_eq!(
        c,
        "[dev]\naws_access_key_id = AKIANEW\naws_secret_access_key = secretNEW\naws_session_token = TOK\n"
    );
    assert_eq!(f, "[profile dev]\nregion = eu-west-1\n");
    // Nothing for the config file: it stays as it was.
    let (_, f) = write_profile("", "# mine\n", &update("dev", None, None, None)).unwrap();
    assert_eq!(f, "# mine\n");
}

#[test]
fn write_updates_in_place_and_preserves_everything_else() {
    let creds = "# my keys\n[default]\naws_access_key_id = AKIAOLD0\naws_secret_access_key = old0\n\n\
                 ; the dev account\n[dev]\n# rotated 2024\nAWS_ACCESS_KEY_ID=AKIAOLD\naws_secret_access_key = old\nextra = keep # me\n\n\
                 [prod]\naws_access_key_id = AKIAPROD\n";
    let config = "[default]\nregion = us-east-1\n\n[profile dev]\n# region comment\noutput = text\ns3 =\n  addressing_style = path\n\n\
                  [sso-session corp]\nsso_region = us-east-1\n";
    let (c, f) = write_profile(
        creds,
        config,
        &update("dev", Some("eu-west-1"), Some("text"), None),
    )
    .unwrap();
    assert_eq!(
        c,
        "# my keys\n[default]\naws_access_key_id = AKIAOLD0\naws_secret_access_key = old0\n\n\
         ; the dev account\n[dev]\n# rotated 2024\nAWS_ACCESS_KEY_ID = AKIANEW\naws_secret_access_key = secretNEW\nextra = keep # me\n\n\
         [prod]\naws_access_key_id = AKIAPROD\n"
    );
    // `output` already `text`: untouched; `region` inserted after the section's last key line.
    assert_eq!(
        f,
        "[default]\nregion = us-east-1\n\n[profile dev]\n# region comment\noutput = text\ns3 =\n  addressing_style = path\nregion = eu-west-1\n\n\
         [sso-session corp]\nsso_region = us-east-1\n"
    );
    // The result reads back with the new values and the old ones elsewhere.
    let p = read_profiles(Some(&c), Some(&f)).unwrap();
    assert_eq!(p["dev"].get_str("aws_access_key_id"), Some("AKIANEW"));
    assert_eq!(p["dev"].get_str("region"), Some("eu-west-1"));
    assert_eq!(p["dev"].get_nested("s3", "addressing_style"), Some("path"));
    assert_eq!(p["dev"].get_str("extra"), Some("keep # me"));
    assert_eq!(p["default"].get_str("aws_access_key_id"), Some("AKIAOLD0"));
    assert_eq!(p["prod"].get_str("aws_access_key_id"), Some("AKIAPROD"));
    // Writing the same values again changes nothing.
    let again = write_profile(
        &c,
        &f,
        &update("dev", Some("eu-west-1"), Some("text"), None),
    )
    .unwrap();
    assert_eq!(again, (c, f));
}

#[test]
fn write_appends_missing_sections() {
    let (c, f) = write_profile(
        "[a]\nx = 1",
        "[default]\nregion = r",
        &update("b", Some("us-west-2"), None, None),
    )
    .unwrap();
    assert_eq!(
        c,
        "[a]\nx = 1\n[b]\naws_access_key_id = AKIANEW\naws_secret_access_key = secretNEW\n"
    );
    assert_eq!(
        f,
        "[default]\nregion = r\n[profile b]\nregion = us-west-2\n"
    );
    // A section with no key lines: new keys go right after the header.
    let (c, _) = write_profile("[b]\n\n[c]\n", "", &update("b", None, None, None)).unwrap();
    assert_eq!(
        c,
        "[b]\naws_access_key_id = AKIANEW\naws_secret_access_key = secretNEW\n\n[c]\n"
    );
    // A section header without a final newline.
    let (c, _) = write_profile("[b]", "", &update("b", None, None, None)).unwrap();
    assert_eq!(
        c,
        "[b]\naws_access_key_id = AKIANEW\naws_secret_access_key = secretNEW\n"
    );
}

#[test]
fn write_profile_names_and_default_forms() {
    // Names with spaces are quoted as `aws configure` does, and found again whatever the quoting.
    let (_, f) = write_profile("", "", &update("my name", Some("r1"), None, None)).unwrap();
    assert_eq!(f, "[profile 'my name']\nregion = r1\n");
    assert_eq!(
        parse_config(&f).unwrap().profiles["my name"].get_str("region"),
        Some("r1")
    );
    let (_, f) = write_profile(
        "",
        "[profile \"my name\"]\nregion = r0\n",
        &update("my name", Some("r1"), None, None),
    )
    .unwrap();
    assert_eq!(f, "[profile \"my name\"]\nregion = r1\n");
    // `default` goes to an existing `[profile default]` when there is no `[default]`.
    let (_, f) = write_profile(
        "",
        "[profile default]\nregion = r0\n",
        &update("default", Some("r1"), None, None),
    )
    .unwrap();
    assert_eq!(f, "[profile default]\nregion = r1\n");
    // `[dev]` in the config file is not the dev profile.
    let (_, f) = write_profile(
        "",
        "[dev]\nregion = r0\n",
        &update("dev", Some("r1"), None, None),
    )
    .unwrap();
    assert_eq!(f, "[dev]\nregion = r0\n[profile dev]\nregion = r1\n");
    // Comments that look like headers are not headers.
    let (c, _) = write_profile("# [dev]\n", "", &update("dev", None, None, None)).unwrap();
    assert_eq!(
        c,
        "# [dev]\n[dev]\naws_access_key_id = AKIANEW\naws_secret_access_key = secretNEW\n"
    );
    // CRLF files stay CRLF.
    let (c, _) = write_profile(
        "[dev]\r\naws_access_key_id = X\r\n",
        "",
        &update("dev", None, None, None),
    )
    .unwrap();
    assert_eq!(
        c,
        "[dev]\r\naws_access_key_id = AKIANEW\r\naws_secret_access_key = secretNEW\r\n"
    );
}

#[test]
fn write_rejects_newlines_and_empty_names() {
    for u in [
        update("", None, None, None),
        update("a\nb", None, None, None),
        update("a", Some("us-east-1\n[x]"), None, None),
        update("a", None, None, Some("tok\r")),
    ] {
        let e = write_profile("", "", &u).unwrap_err();
        assert_eq!(e.kind, CliConfigErrorKind::InvalidValue, "{u:?}");
    }
}

// --- issue #10: botocore's structure when reading and editing --------------------------------
// Expected readings checked with botocore 1.44's `configloader.raw_config_parse`.

#[test]
fn python_line_endings_and_whitespace() {
    // A lone `\r` ends a line (Python's universal newlines).
    assert_eq!(
        section("[a]\rx = 1\r  more\ry = 2\r", "a"),
        kv(&[("x", s("1\nmore")), ("y", s("2"))])
    );
    // U+001C..U+001F are whitespace to Python: stripped, and they indent a line.
    assert_eq!(
        section("[a]\nx = v\u{1c}\n\u{1f}y = 2\n", "a"),
        kv(&[("x", s("v\ny = 2"))])
    );
    // A comment between a value and its continuation does not end the value.
    assert_eq!(
        section("[a]\nx = 1\n# c\n  2\n", "a"),
        kv(&[("x", s("1\n2"))])
    );
    // `_parse_nested` splits with `str.splitlines()`, which also breaks at \v.
    assert_eq!(
        section("[a]\ns3 =\n  a = 1\u{0b}b = 2\n", "a"),
        kv(&[("s3", nested(&[("a", "1"), ("b", "2")]))])
    );
}

#[test]
fn nul_and_non_utf8_are_refused_with_their_line() {
    let e = parse_ini("[a]\nx = 1\ny = \0\n").unwrap_err();
    assert_eq!((e.kind, e.line), (CliConfigErrorKind::Syntax, 3));
    for (bytes, line) in [
        (&b"\xff[a]\n"[..], 1),
        (b"[a]\nx = \xc3\n", 2),
        (b"[a]\n\n\xfe", 3),
        (b"[a]\r\n\r\nx = \xe2\x82\n", 3),
    ] {
        let e = decode_text(bytes.to_vec()).unwrap_err();
        assert_eq!(
            (e.kind, e.line),
            (CliConfigErrorKind::Encoding, line),
            "{bytes:?}"
        );
    }
    assert_eq!(decode_text(b"[a]\n".to_vec()).unwrap(), "[a]\n");
}

fn token_update<'a>(profile: &'a str, token: Option<&'a str>) -> ProfileUpdate<'a> {
    ProfileUpdate {
        profile,
        access_key_id: "AKIANEW",
        secret_access_key: "NEWSECRET",
        session_token: token,
        region: None,
        output: None,
    }
}

#[test]
fn new_keys_go_after_continuation_lines() {
    // The issue: `aws_session_token` was inserted between `note` and its continuation line and
    // read back as "TOKEN\nmulti line".
    let creds = "[dev]\naws_access_key_id = AKIAOLD\naws_secret_access_key = old\nnote = first\n  multi line\n\n[b]\nx = 1\n";
    let c = update_credentials(creds, &token_update("dev", Some("TOKEN"))).unwrap();
    assert_eq!(
        c,
        "[dev]\naws_access_key_id = AKIANEW\naws_secret_access_key = NEWSECRET\nnote = first\n  multi line\naws_session_token = TOKEN\n\n[b]\nx = 1\n"
    );
    let p = &parse_ini(&c).unwrap()[0].1;
    assert_eq!(p.get_str("aws_session_token"), Some("TOKEN"));
    assert_eq!(p.get_str("note"), Some("first\nmulti line"));
}

#[test]
fn a_replaced_value_loses_its_continuation_lines() {
    // The issue: replacing a key with a continuation kept it ("NEWSECRET\ncontinued").
    let creds = "[dev]\naws_access_key_id = AKIAOLD\naws_secret_access_key = OLD\n  continued\n\n  more\n# kept\nregion = r\n";
    let c = update_credentials(creds, &token_update("dev", None)).unwrap();
    assert_eq!(
        c,
        "[dev]\naws_access_key_id = AKIANEW\naws_secret_access_key = NEWSECRET\n# kept\nregion = r\n"
    );
    let p = &parse_ini(&c).unwrap()[0].1;
    assert_eq!(p.get_str("aws_secret_access_key"), Some("NEWSECRET"));
    // A value already right but continued is rewritten too (its value is not what we write).
    let c = update_credentials(
        "[dev]\naws_access_key_id = AKIANEW\n  x\naws_secret_access_key = NEWSECRET\n",
        &token_update("dev", None),
    )
    .unwrap();
    assert_eq!(
        c,
        "[dev]\naws_access_key_id = AKIANEW\naws_secret_access_key = NEWSECRET\n"
    );
    // A nested sub-section's keys are not the profile's keys.
    let c = update_config(
        "[profile dev]\ns3 =\n  region = nested\n",
        &ProfileUpdate {
            region: Some("eu-west-1"),
            ..token_update("dev", None)
        },
    )
    .unwrap();
    assert_eq!(
        c,
        "[profile dev]\ns3 =\n  region = nested\nregion = eu-west-1\n"
    );
    let p = &parse_config(&c).unwrap().profiles["dev"];
    assert_eq!(p.get_nested("s3", "region"), Some("nested"));
    assert_eq!(p.get_str("region"), Some("eu-west-1"));
}

#[test]
fn new_keys_are_indented_so_the_next_lines_keep_their_meaning() {
    // Keys indented by two: a new key at column 0 would make "  [b]" a continuation of it.
    let creds = "[a]\n  x = 1\n  [b]\n  y = 2\n";
    let c = update_credentials(creds, &token_update("a", None)).unwrap();
    assert_eq!(
        c,
        "[a]\n  x = 1\n  aws_access_key_id = AKIANEW\n  aws_secret_access_key = NEWSECRET\n  [b]\n  y = 2\n"
    );
    assert_eq!(section(&c, "b"), kv(&[("y", s("2"))]));
    // An empty section followed by an indented header.
    let c = update_credentials("[a]\n # note\n [b]\n", &token_update("a", None)).unwrap();
    assert_eq!(
        c,
        "[a]\n aws_access_key_id = AKIANEW\n aws_secret_access_key = NEWSECRET\n # note\n [b]\n"
    );
    assert_eq!(parse_ini(&c).unwrap().len(), 2);
    // Lone-CR files keep their line endings.
    let c = update_credentials("[a]\rx = 1\r", &token_update("a", None)).unwrap();
    assert_eq!(
        c,
        "[a]\rx = 1\raws_access_key_id = AKIANEW\raws_secret_access_key = NEWSECRET\r"
    );
}

#[test]
fn malformed_files_are_refused_with_their_line() {
    let cases: &[(&str, CliConfigErrorKind, usize)] = &[
        (
            "aws_access_key_id = A\n[dev]\n",
            CliConfigErrorKind::MissingSectionHeader,
            1,
        ),
        ("[dev\nx = 1\n", CliConfigErrorKind::MissingSectionHeader, 1),
        ("[a]\nx = 1\n[dev\n", CliConfigErrorKind::Syntax, 3),
        (
            "[dev]\naws_access_key_id A\n",
            CliConfigErrorKind::Syntax,
            2,
        ),
        ("[dev]\n  text\n", CliConfigErrorKind::Syntax, 2),
        ("[dev]\n= v\n", CliConfigErrorKind::Syntax, 2),
        (
            "[dev]\n[a]\n[dev]\n",
            CliConfigErrorKind::DuplicateSection,
            3,
        ),
        ("[dev]\nx = 1\nX = 2\n", CliConfigErrorKind::DuplicateKey, 3),
        ("[dev]\ns3 =\n  junk\n", CliConfigErrorKind::Syntax, 3),
        (
            "\u{feff}[dev]\n",
            CliConfigErrorKind::MissingSectionHeader,
            1,
        ),
        ("[dev]\nx = \0\n", CliConfigErrorKind::Syntax, 2),
    ];
    for &(text, kind, line) in cases {
        let e = write_profile(text, "", &token_update("dev", None)).unwrap_err();
        assert_eq!((e.kind, e.line), (kind, line), "{text:?}: {e}");
        // The config file is checked too, whatever is written to it.
        let e = write_profile("", text, &token_update("dev", None)).unwrap_err();
        assert_eq!((e.kind, e.line), (kind, line), "config {text:?}: {e}");
    }
}

#[test]
fn names_and_values_that_would_not_read_back_are_refused() {
    for bad in [" x", "x ", "x\t", "x\u{1c}"] {
        let u = ProfileUpdate {
            secret_access_key: bad,
            ..token_update("dev", None)
        };
        let e = write_profile("", "", &u).unwrap_err();
        assert_eq!(e.kind, CliConfigErrorKind::InvalidValue, "{bad:?}");
        assert!(e.to_string().contains("whitespace"), "{e}");
    }
    let e = write_profile("", "", &token_update("DEFAULT", None)).unwrap_err();
    assert_eq!(e.kind, CliConfigErrorKind::InvalidValue);
    // Names botocore's shell-like split would change are quoted in the config file.
    for name in ["it\"s", "a\\b", "o'neil", "x y"] {
        let u = ProfileUpdate {
            region: Some("r1"),
            ..token_update(name, None)
        };
        let (c, f) = write_profile("", "", &u).unwrap();
        let p = read_profiles(Some(&c), Some(&f)).unwrap();
        assert_eq!(p[name].get_str("region"), Some("r1"), "{name:?}: {f}");
        assert_eq!(p[name].get_str("aws_secret_access_key"), Some("NEWSECRET"));
    }
    // The section botocore uses for `default` is the later of [default] / [profile default].
    let u = ProfileUpdate {
        region: Some("r1"),
        ..token_update("default", None)
    };
    let f = update_config("[default]\nregion = a\n[profile default]\nregion = b\n", &u).unwrap();
    assert_eq!(f, "[default]\nregion = a\n[profile default]\nregion = r1\n");
    assert_eq!(
        parse_config(&f).unwrap().profiles["default"].get_str("region"),
        Some("r1")
    );
}

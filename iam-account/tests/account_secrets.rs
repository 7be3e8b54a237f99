//! No secret ever appears in `Debug`, `Display` or error messages (architecture.md "Errors and
//! bad input"; spec §6.6: the secret is returned only by CreateAccessKey).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use iam_account::{Account, AssumeRoleRequest};

#[test]
fn secrets_never_printed() {
    let mut a = Account::new("123456789012").unwrap();
    a.create_user("alice", None).unwrap();
    let password = "S3cret-Passw0rd-Xyzzy";
    a.create_login_profile("alice", password, false).unwrap();
    let k1 = a.create_access_key(Some("alice")).unwrap();
    let k2 = a.create_access_key(None).unwrap();
    a.create_role(
        "R",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"sts:AssumeRole"}]}"#,
    )
    .unwrap();
    let creds = a
        .assume_role(&AssumeRoleRequest {
            caller_arn: "arn:aws:iam::123456789012:user/alice".into(),
            role_arn: "arn:aws:iam::123456789012:role/R".into(),
            role_session_name: "s1".into(),
            ..Default::default()
        })
        .unwrap();
    let secrets = [
        k1.secret_access_key.expose().to_string(),
        k2.secret_access_key.expose().to_string(),
        creds.secret_access_key.expose().to_string(),
        creds.session_token.expose().to_string(),
        password.to_string(),
    ];
    let mut texts = vec![
        format!("{k1:?}"),
        format!("{k2:?}"),
        format!("{creds:?}"),
        format!("{:?}", k1.secret_access_key),
        format!("{}", k1.secret_access_key),
        format!("{a:?}"),
        format!("{a:#?}"),
        format!("{a}"),
        format!("{:?}", a.get_user("alice").unwrap()),
        format!("{:?}", a.get_login_profile("alice").unwrap()),
        format!("{:?}", a.list_access_keys(Some("alice")).unwrap()),
        format!("{:?}", a.sessions().collect::<Vec<_>>()),
    ];
    // Every error path that takes a secret.
    let errors = [
        a.create_login_profile("alice", password, false)
            .unwrap_err(),
        a.update_login_profile("alice", Some(&"x".repeat(200)), None)
            .unwrap_err(),
        a.update_login_profile("nobody", Some(password), None)
            .unwrap_err(),
        a.create_login_profile("bob", password, false).unwrap_err(),
    ];
    for e in &errors {
        texts.push(format!("{e:?}"));
        texts.push(format!("{e}"));
    }
    let mut b = Account::new("123456789012").unwrap();
    b.create_user("u", None).unwrap();
    let weak = "weakpass";
    let e = b.create_login_profile("u", weak, false).unwrap_err();
    assert!(!format!("{e:?}{e}").contains(weak));
    for t in &texts {
        for s in &secrets {
            assert!(!t.contains(s.as_str()), "secret leaked into {t}");
        }
    }
    // The hashes are salted Argon2id, and verification works.
    assert!(
        format!("{:?}", a.get_login_profile("alice").unwrap().password_hash).contains("<hash>")
    );
    assert!(a.verify_access_key(&k1.access_key_id, k1.secret_access_key.expose()));
    assert!(!a.verify_access_key(&k1.access_key_id, k2.secret_access_key.expose()));
    assert!(a.verify_access_key(&creds.access_key_id, creds.secret_access_key.expose()));
}

#[test]
fn ids_and_dates() {
    use iam_account::FixedClock;
    use std::sync::Arc;
    let clock = Arc::new(FixedClock::at("2026-11-28T01:02:03Z").unwrap());
    let mut a = Account::with_clock("123456789012", clock.clone()).unwrap();
    let u = a.create_user("u", None).unwrap();
    assert_eq!(u.create_date.to_string(), "2026-11-28T01:02:03Z");
    assert!(u.id.starts_with("AIDA") && u.id.len() == 21);
    assert!(a.create_group("g", None).unwrap().id.starts_with("AGPA"));
    assert!(
        a.create_instance_profile("i", None)
            .unwrap()
            .id
            .starts_with("AIPA")
    );
    let p = a
        .create_policy("p", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#, None, None)
        .unwrap();
    assert!(p.id.starts_with("ANPA") && p.id.len() == 21);
    let k = a.create_access_key(Some("u")).unwrap();
    assert!(k.access_key_id.starts_with("AKIA") && k.access_key_id.len() == 20);
    assert_eq!(
        a.principal_for_access_key(&k.access_key_id).as_deref(),
        Some("arn:aws:iam::123456789012:user/u")
    );
    assert_eq!(
        a.get_caller_identity(&k.access_key_id).unwrap()["Arn"],
        "arn:aws:iam::123456789012:user/u"
    );
}

/// Service-specific credential passwords and server certificate private keys never appear in
/// `Debug`, `Display` or error messages.
#[test]
fn new_credentials_secrets_never_printed() {
    let mut a = Account::new("123456789012").unwrap();
    a.create_user("alice", None).unwrap();
    let private_key = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n-----END PRIVATE KEY-----";
    let cert = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIJAK\n-----END CERTIFICATE-----";
    let c1 = a
        .create_service_specific_credential("alice", "codecommit.amazonaws.com")
        .unwrap();
    let c2 = a
        .reset_service_specific_credential("alice", &c1.service_specific_credential_id)
        .unwrap();
    let sc = a
        .upload_server_certificate("web", cert, private_key)
        .unwrap()
        .clone();
    let secrets = [
        c1.service_password.expose().to_string(),
        c2.service_password.expose().to_string(),
        private_key.to_string(),
        // A distinctive line of the key alone.
        "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj".to_string(),
    ];
    let mut texts = vec![
        format!("{c1:?}"),
        format!("{c2:#?}"),
        format!("{}", c1.service_password),
        format!("{sc:?}"),
        format!("{a:?}"),
        format!("{a:#?}"),
        format!("{a}"),
        format!("{:?}", a.get_user("alice").unwrap()),
        format!(
            "{:?}",
            a.list_service_specific_credentials("alice", None).unwrap()
        ),
        format!("{:?}", a.list_server_certificates()),
        format!("{:?}", a.get_server_certificate("web").unwrap()),
    ];
    // Every error path that takes a private key.
    let too_long = format!("{private_key}{}", "A".repeat(16384));
    let errors = [
        a.upload_server_certificate("web", cert, private_key)
            .unwrap_err(),
        a.upload_server_certificate("bad name", cert, private_key)
            .unwrap_err(),
        a.upload_server_certificate("other", "", private_key)
            .unwrap_err(),
        a.upload_server_certificate("other", cert, &too_long)
            .unwrap_err(),
        a.upload_server_certificate("other", cert, &format!("{private_key}\u{1}"))
            .unwrap_err(),
        a.delete_user("alice").unwrap_err(),
    ];
    for e in &errors {
        texts.push(format!("{e:?}"));
        texts.push(format!("{e}"));
    }
    for t in &texts {
        for s in &secrets {
            assert!(!t.contains(s.as_str()), "secret leaked into {t}");
        }
    }
    assert!(format!("{sc:?}").contains("<hash>"));
    assert!(format!("{c1:?}").contains("<redacted>"));
}

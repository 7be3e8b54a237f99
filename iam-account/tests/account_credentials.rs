//! SSH public keys, signing certificates, service-specific credentials, SAML / OIDC providers
//! and server certificates (spec §6.1, §6.2, §6.6, §6.7, §6.8): each quota, each pattern and
//! each DeleteUser prerequisite, table-driven.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use iam_account::{Account, Quotas};
use iam_model::entities::{AccessKeyStatus, ErrorCode, IamError};

const ACCT: &str = "123456789012";
const SSH: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC dev@host";
const CERT: &str = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIJAK\n-----END CERTIFICATE-----";
const KEY: &str = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC-not-a-real-key\n-----END PRIVATE KEY-----";
const CODECOMMIT: &str = "codecommit.amazonaws.com";
const THUMB: &str = "6938fd4d98bab03faadb97b34396831e3780aea1";

fn acct() -> Account {
    let mut a = Account::new(ACCT).unwrap();
    a.create_user("u", None).unwrap();
    a
}

fn saml_meta() -> String {
    format!(
        "<EntityDescriptor xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\">{}</EntityDescriptor>",
        "x".repeat(1000)
    )
}

fn code<T: std::fmt::Debug>(r: Result<T, IamError>) -> ErrorCode {
    r.unwrap_err().code
}

/// Spec §6.7: each quota, hit exactly at the limit.
#[test]
fn quotas() {
    type Case = (
        &'static str,
        usize,
        Box<dyn Fn(&mut Account, usize) -> Result<(), IamError>>,
    );
    let cases: Vec<Case> = vec![
        (
            "SSH public keys per user",
            5,
            Box::new(|a, _| a.upload_ssh_public_key("u", SSH).map(|_| ())),
        ),
        (
            "signing certificates per user",
            2,
            Box::new(|a, _| a.upload_signing_certificate("u", CERT).map(|_| ())),
        ),
        (
            "service-specific credentials per user per service",
            2,
            Box::new(|a, _| {
                a.create_service_specific_credential("u", CODECOMMIT)
                    .map(|_| ())
            }),
        ),
        (
            "SAML providers per account",
            100,
            Box::new(|a, i| {
                a.create_saml_provider(&format!("p{i}"), &saml_meta())
                    .map(|_| ())
            }),
        ),
        (
            "OIDC providers per account",
            100,
            Box::new(|a, i| {
                a.create_open_id_connect_provider(
                    &format!("https://idp{i}.example.com"),
                    &["sts.amazonaws.com".into()],
                    &[THUMB.into()],
                )
                .map(|_| ())
            }),
        ),
        (
            "server certificates per account",
            20,
            Box::new(|a, i| {
                a.upload_server_certificate(&format!("c{i}"), CERT, KEY)
                    .map(|_| ())
            }),
        ),
    ];
    for (what, limit, op) in cases {
        let mut a = acct();
        for i in 0..limit {
            op(&mut a, i).unwrap_or_else(|e| panic!("{what}: #{i} failed: {e}"));
        }
        let e = op(&mut a, limit).unwrap_err();
        assert_eq!(e.code, ErrorCode::LimitExceeded, "{what}: {e}");
        assert!(e.message.ends_with(&format!(": {limit}")), "{what}: {e}");
    }
}

#[test]
fn quota_details() {
    // Inactive keys and certificates still count.
    let mut a = acct();
    for _ in 0..5 {
        let id = a.upload_ssh_public_key("u", SSH).unwrap().id.clone();
        a.update_ssh_public_key("u", &id, AccessKeyStatus::Inactive)
            .unwrap();
    }
    assert_eq!(
        code(a.upload_ssh_public_key("u", SSH)),
        ErrorCode::LimitExceeded
    );
    // Service-specific credentials are counted per service.
    let mut a = acct();
    a.create_service_specific_credential("u", CODECOMMIT)
        .unwrap();
    a.create_service_specific_credential("u", CODECOMMIT)
        .unwrap();
    a.create_service_specific_credential("u", "cassandra.amazonaws.com")
        .unwrap();
    assert_eq!(
        code(a.create_service_specific_credential("u", CODECOMMIT)),
        ErrorCode::LimitExceeded
    );
    assert_eq!(
        code(a.create_service_specific_credential("u", "s3.amazonaws.com")),
        ErrorCode::NotSupportedService
    );
    // Quotas that can be raised.
    let mut a = acct();
    a.set_quotas(Quotas {
        server_certificates: 1,
        oidc_providers: 1,
        ..Quotas::default()
    });
    a.upload_server_certificate("one", CERT, KEY).unwrap();
    assert_eq!(
        code(a.upload_server_certificate("two", CERT, KEY)),
        ErrorCode::LimitExceeded
    );
    a.create_open_id_connect_provider("https://a.example", &[], &[])
        .unwrap();
    assert_eq!(
        code(a.create_open_id_connect_provider("https://b.example", &[], &[])),
        ErrorCode::LimitExceeded
    );
    let s = a.get_account_summary();
    assert_eq!(
        (s["ServerCertificates"], s["ServerCertificatesQuota"]),
        (1, 1)
    );
    assert_eq!(s["Providers"], 1);
}

/// Spec §6.2: the patterns and lengths of the new operations.
#[test]
fn patterns_and_lengths() {
    let long = |n: usize| "a".repeat(n);
    type Case = (
        &'static str,
        ErrorCode,
        Box<dyn Fn(&mut Account) -> ErrorCode>,
    );
    let cases: Vec<Case> = vec![
        (
            "SAML name pattern",
            ErrorCode::ValidationError,
            Box::new(|a| code(a.create_saml_provider("okta@prod", &saml_meta()))),
        ),
        (
            "SAML name with +",
            ErrorCode::ValidationError,
            Box::new(|a| code(a.create_saml_provider("a+b", &saml_meta()))),
        ),
        (
            "SAML name empty",
            ErrorCode::ValidationError,
            Box::new(|a| code(a.create_saml_provider("", &saml_meta()))),
        ),
        (
            "SAML name 129",
            ErrorCode::ValidationError,
            Box::new(move |a| code(a.create_saml_provider(&long(129), &saml_meta()))),
        ),
        (
            "SAML metadata too short",
            ErrorCode::ValidationError,
            Box::new(|a| code(a.create_saml_provider("okta", "<x/>"))),
        ),
        (
            "OIDC url not https",
            ErrorCode::InvalidInput,
            Box::new(|a| code(a.create_open_id_connect_provider("http://idp.example", &[], &[]))),
        ),
        (
            "OIDC url 256",
            ErrorCode::ValidationError,
            Box::new(move |a| {
                code(a.create_open_id_connect_provider(&format!("https://{}", long(248)), &[], &[]))
            }),
        ),
        (
            "OIDC thumbprint length",
            ErrorCode::ValidationError,
            Box::new(|a| {
                code(a.create_open_id_connect_provider("https://idp.example", &[], &["abc".into()]))
            }),
        ),
        (
            "OIDC 6 thumbprints",
            ErrorCode::ValidationError,
            Box::new(|a| {
                code(a.create_open_id_connect_provider(
                    "https://idp.example",
                    &[],
                    &vec![THUMB.to_string(); 6],
                ))
            }),
        ),
        (
            "OIDC empty client id",
            ErrorCode::ValidationError,
            Box::new(|a| {
                code(a.create_open_id_connect_provider(
                    "https://idp.example",
                    &[String::new()],
                    &[],
                ))
            }),
        ),
        (
            "server certificate name pattern",
            ErrorCode::ValidationError,
            Box::new(|a| code(a.upload_server_certificate("web cert", CERT, KEY))),
        ),
        (
            "server certificate name 129",
            ErrorCode::ValidationError,
            Box::new(move |a| code(a.upload_server_certificate(&long(129), CERT, KEY))),
        ),
        (
            "server certificate empty private key",
            ErrorCode::ValidationError,
            Box::new(|a| code(a.upload_server_certificate("web", CERT, ""))),
        ),
        (
            "server certificate empty body",
            ErrorCode::ValidationError,
            Box::new(|a| code(a.upload_server_certificate("web", "", KEY))),
        ),
        (
            "SSH key empty body",
            ErrorCode::ValidationError,
            Box::new(|a| code(a.upload_ssh_public_key("u", ""))),
        ),
        (
            "SSH key body 16385",
            ErrorCode::ValidationError,
            Box::new(move |a| code(a.upload_ssh_public_key("u", &long(16385)))),
        ),
        (
            "SSH key user pattern",
            ErrorCode::ValidationError,
            Box::new(|a| code(a.upload_ssh_public_key("bad user", SSH))),
        ),
        (
            "SSH key unknown user",
            ErrorCode::NoSuchEntity,
            Box::new(|a| code(a.upload_ssh_public_key("nobody", SSH))),
        ),
        (
            "signing certificate body control character",
            ErrorCode::ValidationError,
            Box::new(|a| code(a.upload_signing_certificate("u", "\u{1}cert"))),
        ),
        (
            "service credential unknown user",
            ErrorCode::NoSuchEntity,
            Box::new(|a| code(a.create_service_specific_credential("nobody", CODECOMMIT))),
        ),
        (
            "unknown SSH key id",
            ErrorCode::NoSuchEntity,
            Box::new(|a| code(a.delete_ssh_public_key("u", "APKAAAAAAAAAAAAAAAAA"))),
        ),
        (
            "SSH key id too short",
            ErrorCode::ValidationError,
            Box::new(|a| code(a.delete_ssh_public_key("u", "APKA"))),
        ),
        (
            "unknown signing certificate",
            ErrorCode::NoSuchEntity,
            Box::new(|a| code(a.delete_signing_certificate("u", "ASCAAAAAAAAAAAAAAAAAA"))),
        ),
        (
            "unknown service credential",
            ErrorCode::NoSuchEntity,
            Box::new(|a| code(a.reset_service_specific_credential("u", "ACCAAAAAAAAAAAAAAAAAA"))),
        ),
        (
            "unknown SAML provider",
            ErrorCode::NoSuchEntity,
            Box::new(|a| code(a.get_saml_provider("arn:aws:iam::123456789012:saml-provider/x"))),
        ),
        (
            "unknown OIDC provider",
            ErrorCode::NoSuchEntity,
            Box::new(|a| {
                code(a.delete_open_id_connect_provider(
                    "arn:aws:iam::123456789012:oidc-provider/x.example",
                ))
            }),
        ),
        (
            "unknown server certificate",
            ErrorCode::NoSuchEntity,
            Box::new(|a| code(a.delete_server_certificate("nope"))),
        ),
    ];
    for (what, want, case) in cases {
        let mut a = acct();
        assert_eq!(case(&mut a), want, "{what}");
    }
    // Boundaries that are accepted.
    let mut a = acct();
    a.create_saml_provider(&long(128), &saml_meta()).unwrap();
    a.create_saml_provider("Okta_prod-1.x", &saml_meta())
        .unwrap();
    a.upload_server_certificate(&long(128), CERT, KEY).unwrap();
    // Duplicates.
    assert_eq!(
        code(a.create_saml_provider("Okta_prod-1.x", &saml_meta())),
        ErrorCode::EntityAlreadyExists
    );
    assert_eq!(
        code(a.upload_server_certificate(&long(128).to_uppercase(), CERT, KEY)),
        ErrorCode::EntityAlreadyExists
    );
    a.create_open_id_connect_provider("https://idp.example/tenant", &[], &[])
        .unwrap();
    assert_eq!(
        code(a.create_open_id_connect_provider("https://idp.example/tenant/", &[], &[])),
        ErrorCode::EntityAlreadyExists
    );
}

#[test]
fn lifecycle_and_arns() {
    let mut a = acct();
    // SSH keys.
    let k = a.upload_ssh_public_key("u", SSH).unwrap().clone();
    assert!(k.id.starts_with("APKA") && k.id.len() == 20);
    assert_eq!(k.status, AccessKeyStatus::Active);
    a.update_ssh_public_key("u", &k.id, AccessKeyStatus::Inactive)
        .unwrap();
    assert_eq!(
        a.get_ssh_public_key("u", &k.id).unwrap().status,
        AccessKeyStatus::Inactive
    );
    a.delete_ssh_public_key("u", &k.id).unwrap();
    assert!(a.list_ssh_public_keys("u").unwrap().is_empty());
    // Signing certificates.
    let c = a.upload_signing_certificate("u", CERT).unwrap().clone();
    assert!(
        c.id.len() == 28
            && c.id
                .chars()
                .all(|x| x.is_ascii_uppercase() || ("234567").contains(x))
    );
    a.update_signing_certificate("u", &c.id, AccessKeyStatus::Inactive)
        .unwrap();
    assert_eq!(
        a.list_signing_certificates("u").unwrap()[0].status,
        AccessKeyStatus::Inactive
    );
    a.delete_signing_certificate("u", &c.id).unwrap();
    assert!(a.list_signing_certificates("u").unwrap().is_empty());
    // Service-specific credentials.
    let s = a
        .create_service_specific_credential("u", CODECOMMIT)
        .unwrap();
    assert!(s.service_specific_credential_id.starts_with("ACCA"));
    assert_eq!(s.service_user_name, format!("u-at-{ACCT}"));
    assert_eq!(s.service_password.expose().len(), 44);
    assert!(
        a.verify_service_specific_credential(&s.service_user_name, s.service_password.expose())
    );
    let id = s.service_specific_credential_id.clone();
    let r = a.reset_service_specific_credential("u", &id).unwrap();
    assert_ne!(r.service_password, s.service_password);
    assert!(
        !a.verify_service_specific_credential(&s.service_user_name, s.service_password.expose())
    );
    assert!(
        a.verify_service_specific_credential(&s.service_user_name, r.service_password.expose())
    );
    a.update_service_specific_credential("u", &id, AccessKeyStatus::Inactive)
        .unwrap();
    assert!(
        !a.verify_service_specific_credential(&s.service_user_name, r.service_password.expose())
    );
    assert_eq!(
        a.list_service_specific_credentials("u", Some(CODECOMMIT))
            .unwrap()
            .len(),
        1
    );
    assert!(
        a.list_service_specific_credentials("u", Some("cassandra.amazonaws.com"))
            .unwrap()
            .is_empty()
    );
    a.delete_service_specific_credential("u", &id).unwrap();
    assert!(
        a.list_service_specific_credentials("u", None)
            .unwrap()
            .is_empty()
    );
    // Providers.
    let arn = a
        .create_saml_provider("Okta", &saml_meta())
        .unwrap()
        .arn
        .clone();
    assert_eq!(arn, format!("arn:aws:iam::{ACCT}:saml-provider/Okta"));
    assert_eq!(
        a.get_saml_provider(&arn).unwrap().metadata_document,
        saml_meta()
    );
    assert_eq!(a.list_saml_providers().len(), 1);
    a.delete_saml_provider(&arn).unwrap();
    assert!(a.list_saml_providers().is_empty());
    let p = a
        .create_open_id_connect_provider(
            "https://oidc.eks.us-east-1.amazonaws.com/id/ABC123/",
            &["sts.amazonaws.com".into()],
            &[THUMB.into()],
        )
        .unwrap()
        .clone();
    assert_eq!(
        p.arn,
        format!("arn:aws:iam::{ACCT}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC123")
    );
    assert_eq!(p.url, "oidc.eks.us-east-1.amazonaws.com/id/ABC123");
    assert_eq!(a.get_open_id_connect_provider(&p.arn).unwrap(), &p);
    assert_eq!(a.list_open_id_connect_providers().len(), 1);
    a.delete_open_id_connect_provider(&p.arn).unwrap();
    assert!(a.list_open_id_connect_providers().is_empty());
    // Server certificates.
    let sc = a
        .upload_server_certificate("Web", CERT, KEY)
        .unwrap()
        .clone();
    assert_eq!(
        sc.arn,
        format!("arn:aws:iam::{ACCT}:server-certificate/Web")
    );
    assert!(sc.id.starts_with("ASCA"));
    assert_eq!(a.get_server_certificate("web").unwrap().body, CERT);
    assert_eq!(a.list_server_certificates().len(), 1);
    a.delete_server_certificate("WEB").unwrap();
    assert!(a.list_server_certificates().is_empty());
}

/// Spec §6.8: DeleteUser requires SSH keys, signing certificates and service-specific
/// credentials to be deleted first.
#[test]
fn delete_user_prerequisites() {
    type Case = (
        &'static str,
        &'static str,
        Box<dyn Fn(&mut Account) -> Box<dyn Fn(&mut Account)>>,
    );
    let cases: Vec<Case> = vec![
        (
            "SSH public key",
            "Cannot delete entity, must delete SSH public keys first.",
            Box::new(|a| {
                let id = a.upload_ssh_public_key("u", SSH).unwrap().id.clone();
                Box::new(move |a| a.delete_ssh_public_key("u", &id).unwrap())
            }),
        ),
        (
            "signing certificate",
            "Cannot delete entity, must delete signing certificates first.",
            Box::new(|a| {
                let id = a.upload_signing_certificate("u", CERT).unwrap().id.clone();
                Box::new(move |a| a.delete_signing_certificate("u", &id).unwrap())
            }),
        ),
        (
            "service-specific credential",
            "Cannot delete entity, must delete service specific credentials first.",
            Box::new(|a| {
                let id = a
                    .create_service_specific_credential("u", CODECOMMIT)
                    .unwrap()
                    .service_specific_credential_id;
                Box::new(move |a| a.delete_service_specific_credential("u", &id).unwrap())
            }),
        ),
    ];
    for (what, message, setup) in cases {
        let mut a = acct();
        let undo = setup(&mut a);
        let e = a.delete_user("u").unwrap_err();
        assert_eq!(e.code, ErrorCode::DeleteConflict, "{what}");
        assert_eq!(e.message, message, "{what}");
        undo(&mut a);
        a.delete_user("u").unwrap();
    }
}

//! The STS operations completed by issue #11, through `operations::call` (the one
//! implementation the Python clients and the HTTP endpoint share). Each test cites the AWS page
//! it checks. Web identity tokens are minted here with keys generated in the test.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use base64ct::{Base64UrlUnpadded, Encoding};
use iam_account::{Account, Caller, FixedClock, operations};
use iam_model::entities::ErrorCode;
use rand_core::OsRng;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};
use std::sync::Arc;

const A: &str = "111122223333";
const ISSUER: &str = "https://token.actions.githubusercontent.com";
const PROVIDER: &str =
    "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com";
const NOW: i64 = 1_795_000_000; // 2026-11-18

fn setup() -> (Account, Arc<FixedClock>, Caller) {
    let clock = Arc::new(FixedClock::new(iam_model::entities::Timestamp(NOW)));
    let a = Account::with_clock(A, clock.clone()).unwrap();
    let root = a.root_caller();
    (a, clock, root)
}

fn call(a: &mut Account, op: &str, p: Value, who: &Caller) -> Result<Value, (String, String)> {
    let sts = [
        "AssumeRole",
        "AssumeRoleWithWebIdentity",
        "GetAccessKeyInfo",
        "DecodeAuthorizationMessage",
    ];
    let service = if sts.contains(&op) { "sts" } else { "iam" };
    operations::call(a, service, op, &p, who).map_err(|e| {
        (
            e.error().code.as_str().to_string(),
            e.error().message.clone(),
        )
    })
}

fn user_caller(a: &mut Account, name: &str, policy: &str) -> Caller {
    a.create_user(name, None).unwrap();
    a.put_user_policy(name, "p", policy).unwrap();
    let k = a.create_access_key(Some(name)).unwrap();
    a.authenticate(&k.access_key_id, k.secret_access_key.expose(), None)
        .unwrap()
}

fn session_caller(a: &Account, out: &Value) -> Caller {
    let c = &out["Credentials"];
    a.authenticate(
        c["AccessKeyId"].as_str().unwrap(),
        c["SecretAccessKey"].as_str().unwrap(),
        c["SessionToken"].as_str(),
    )
    .unwrap()
}

const ALLOW_ALL: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

// ------------------------------------------------------------------------------ AssumeRole

/// IAM User Guide, "Roles terms and concepts" (the root user cannot assume roles); AWS
/// answers AccessDenied "Roles may not be assumed by root accounts.".
#[test]
fn the_root_user_cannot_assume_a_role() {
    let (mut a, _, root) = setup();
    a.create_role(
        "r",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}"#,
    )
    .unwrap();
    let e = call(
        &mut a,
        "AssumeRole",
        json!({"RoleArn": "arn:aws:iam::111122223333:role/r", "RoleSessionName": "sess"}),
        &root,
    )
    .unwrap_err();
    assert_eq!(
        e,
        (
            "AccessDenied".into(),
            "Roles may not be assumed by root accounts.".into()
        )
    );
}

fn source_identity_role(a: &mut Account, with_set: bool) {
    let actions = if with_set {
        r#"["sts:AssumeRole","sts:SetSourceIdentity"]"#
    } else {
        r#""sts:AssumeRole""#
    };
    a.create_role(
        "r",
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::111122223333:root"}},"Action":{actions}}}]}}"#
        ),
    )
    .unwrap();
    a.put_role_policy("r", "all", ALLOW_ALL).unwrap();
}

/// STS API reference, AssumeRole `SourceIdentity`; IAM User Guide, "Monitor and control
/// actions taken with assumed roles": setting it needs sts:SetSourceIdentity in the trust
/// policy, it is returned, it is `aws:SourceIdentity` in the session's requests and it cannot
/// be changed by a chained session.
#[test]
fn source_identity_needs_set_source_identity_and_sticks_through_chaining() {
    let (mut a, _, _) = setup();
    let alice = user_caller(&mut a, "alice", ALLOW_ALL);
    source_identity_role(&mut a, false);
    let p = json!({"RoleArn": "arn:aws:iam::111122223333:role/r", "RoleSessionName": "sess",
        "SourceIdentity": "alice@example.com"});
    let e = call(&mut a, "AssumeRole", p.clone(), &alice).unwrap_err();
    assert_eq!(e.0, "AccessDenied");
    assert!(e.1.contains("sts:SetSourceIdentity"), "{}", e.1);
    a.delete_role_policy("r", "all").unwrap();
    a.delete_role("r").unwrap();
    source_identity_role(&mut a, true);
    let out = call(&mut a, "AssumeRole", p.clone(), &alice).unwrap();
    assert_eq!(out["SourceIdentity"], "alice@example.com");
    let session = session_caller(&a, &out);
    // aws:SourceIdentity is in the session's requests.
    a.put_role_policy(
        "r",
        "deny-without",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:ListUsers","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceIdentity":"alice@example.com"}}}]}"#,
    )
    .unwrap();
    call(&mut a, "ListUsers", json!({}), &session).unwrap();
    // Chained: kept without being given, and cannot be changed.
    let chained = call(
        &mut a,
        "AssumeRole",
        json!({"RoleArn": "arn:aws:iam::111122223333:role/r", "RoleSessionName": "s2"}),
        &session,
    )
    .unwrap();
    assert_eq!(chained["SourceIdentity"], "alice@example.com");
    let e = call(
        &mut a,
        "AssumeRole",
        json!({"RoleArn": "arn:aws:iam::111122223333:role/r", "RoleSessionName": "s3",
            "SourceIdentity": "mallory"}),
        &session,
    )
    .unwrap_err();
    assert_eq!(e.0, "AccessDenied");
    // Malformed values are refused before anything else.
    let e = call(
        &mut a,
        "AssumeRole",
        json!({"RoleArn": "arn:aws:iam::111122223333:role/r", "RoleSessionName": "sess",
            "SourceIdentity": "aws:x"}),
        &alice,
    )
    .unwrap_err();
    assert_eq!(e.0, "ValidationError");
}

/// Chaining: 1 hour maximum (STS API reference, AssumeRole `DurationSeconds`); the role's
/// MaxSessionDuration otherwise.
#[test]
fn chaining_and_max_session_duration_limits() {
    let (mut a, _, _) = setup();
    let alice = user_caller(&mut a, "alice", ALLOW_ALL);
    source_identity_role(&mut a, true);
    let arn = "arn:aws:iam::111122223333:role/r";
    let e = call(
        &mut a,
        "AssumeRole",
        json!({"RoleArn": arn, "RoleSessionName": "sess", "DurationSeconds": 7200}),
        &alice,
    )
    .unwrap_err();
    assert_eq!(
        e.1,
        "1 validation error detected: Value '7200' at 'durationSeconds' failed to satisfy constraint: The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
    );
    let out = call(
        &mut a,
        "AssumeRole",
        json!({"RoleArn": arn, "RoleSessionName": "sess"}),
        &alice,
    )
    .unwrap();
    let session = session_caller(&a, &out);
    let e = call(
        &mut a,
        "AssumeRole",
        json!({"RoleArn": arn, "RoleSessionName": "s2", "DurationSeconds": 3601}),
        &session,
    )
    .unwrap_err();
    assert!(
        e.1.contains("exceeds the 1 hour session limit for roles assumed by role chaining"),
        "{}",
        e.1
    );
}

// ------------------------------------------------------------------ AssumeRoleWithWebIdentity

struct Issuer {
    rsa: rsa::RsaPrivateKey,
    ec: p256::ecdsa::SigningKey,
}

impl Issuer {
    fn new() -> Issuer {
        Issuer {
            rsa: rsa::RsaPrivateKey::new(&mut OsRng, 2048).unwrap(),
            ec: p256::ecdsa::SigningKey::random(&mut OsRng),
        }
    }

    fn jwks(&self) -> String {
        let pk = self.rsa.to_public_key();
        let point = self.ec.verifying_key().to_encoded_point(false);
        json!({"keys": [
            {"kty": "RSA", "kid": "rsa1", "use": "sig", "alg": "RS256",
             "n": Base64UrlUnpadded::encode_string(&pk.n().to_bytes_be()),
             "e": Base64UrlUnpadded::encode_string(&pk.e().to_bytes_be())},
            {"kty": "EC", "kid": "ec1", "crv": "P-256",
             "x": Base64UrlUnpadded::encode_string(point.x().unwrap()),
             "y": Base64UrlUnpadded::encode_string(point.y().unwrap())},
        ]})
        .to_string()
    }

    fn token(&self, alg: &str, kid: &str, claims: &Value) -> String {
        let h = Base64UrlUnpadded::encode_string(
            json!({"alg": alg, "kid": kid, "typ": "JWT"})
                .to_string()
                .as_bytes(),
        );
        let c = Base64UrlUnpadded::encode_string(claims.to_string().as_bytes());
        let signed = format!("{h}.{c}");
        let sig = if alg == "RS256" {
            rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(self.rsa.clone())
                .sign(signed.as_bytes())
                .to_vec()
        } else {
            let s: p256::ecdsa::Signature = self.ec.sign(signed.as_bytes());
            s.to_bytes().to_vec()
        };
        format!("{signed}.{}", Base64UrlUnpadded::encode_string(&sig))
    }
}

fn claims(sub: &str) -> Value {
    json!({"iss": ISSUER, "aud": "sts.amazonaws.com", "sub": sub, "exp": NOW + 300,
        "nbf": NOW - 60, "iat": NOW - 60, "amr": ["pwd"]})
}

fn web_setup(issuer: &Issuer) -> (Account, Arc<FixedClock>, Caller) {
    let (mut a, clock, root) = setup();
    call(
        &mut a,
        "CreateOpenIDConnectProvider",
        json!({"Url": ISSUER, "ClientIDList": ["sts.amazonaws.com"],
            "ThumbprintList": ["6938fd4d98bab03faadb97b34396831e3780aea1"]}),
        &root,
    )
    .unwrap();
    a.register_oidc_provider_keys(PROVIDER, &issuer.jwks())
        .unwrap();
    a.create_role(
        "deploy",
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Federated":"{PROVIDER}"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringEquals":{{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}},"StringLike":{{"token.actions.githubusercontent.com:sub":"repo:acme/*"}}}}}}]}}"#
        ),
    )
    .unwrap();
    a.put_role_policy("deploy", "all", ALLOW_ALL).unwrap();
    (a, clock, root)
}

fn web(token: &str) -> Value {
    json!({"RoleArn": "arn:aws:iam::111122223333:role/deploy", "RoleSessionName": "ci",
        "WebIdentityToken": token})
}

/// STS API reference, AssumeRoleWithWebIdentity: response members, RS256 and ES256 tokens,
/// the trust policy's Federated principal with the `<provider>:aud` / `:sub` condition keys.
#[test]
fn web_identity_tokens_signed_with_rs256_and_es256_give_role_sessions() {
    let issuer = Issuer::new();
    let (mut a, _, root) = web_setup(&issuer);
    for (alg, kid) in [("RS256", "rsa1"), ("ES256", "ec1")] {
        let t = issuer.token(alg, kid, &claims("repo:acme/app:ref:refs/heads/main"));
        let out = call(&mut a, "AssumeRoleWithWebIdentity", web(&t), &root).unwrap();
        assert_eq!(
            out["SubjectFromWebIdentityToken"],
            "repo:acme/app:ref:refs/heads/main"
        );
        assert_eq!(out["Audience"], "sts.amazonaws.com");
        assert_eq!(out["Provider"], ISSUER);
        assert_eq!(
            out["AssumedRoleUser"]["Arn"],
            "arn:aws:sts::111122223333:assumed-role/deploy/ci"
        );
        assert!(
            out["AssumedRoleUser"]["AssumedRoleId"]
                .as_str()
                .unwrap()
                .ends_with(":ci")
        );
        let session = session_caller(&a, &out);
        assert_eq!(
            session.arn,
            "arn:aws:sts::111122223333:assumed-role/deploy/ci"
        );
        call(&mut a, "ListUsers", json!({}), &session).unwrap();
    }
    // The sub condition fails for another repository: the trust policy does not allow it.
    let t = issuer.token(
        "RS256",
        "rsa1",
        &claims("repo:evil/app:ref:refs/heads/main"),
    );
    assert_eq!(
        call(&mut a, "AssumeRoleWithWebIdentity", web(&t), &root).unwrap_err(),
        (
            "AccessDenied".into(),
            "Not authorized to perform sts:AssumeRoleWithWebIdentity".into()
        )
    );
}

/// The errors of the API reference: InvalidIdentityToken, ExpiredTokenException,
/// IDPRejectedClaim.
#[test]
fn web_identity_tokens_are_refused_as_aws_refuses_them() {
    let issuer = Issuer::new();
    let (mut a, clock, root) = web_setup(&issuer);
    let run = |a: &mut Account, token: String| {
        call(a, "AssumeRoleWithWebIdentity", web(&token), &root).unwrap_err()
    };
    let good = claims("repo:acme/app");
    // Not a JWT.
    assert_eq!(run(&mut a, "not.a.jwt".into()).0, "InvalidIdentityToken");
    // Wrong signature: signed by another key with the same kid.
    let other = Issuer::new();
    let e = run(&mut a, other.token("RS256", "rsa1", &good));
    assert_eq!(e.0, "InvalidIdentityToken");
    assert!(e.1.contains("signature"), "{}", e.1);
    // Unknown key id.
    let e = run(&mut a, issuer.token("RS256", "nosuch", &good));
    assert_eq!(e.0, "InvalidIdentityToken");
    assert!(
        e.1.starts_with("Couldn't retrieve verification key"),
        "{}",
        e.1
    );
    // Unknown issuer.
    let mut c = good.clone();
    c["iss"] = json!("https://accounts.example.com");
    assert_eq!(
        run(&mut a, issuer.token("ES256", "ec1", &c)),
        (
            "InvalidIdentityToken".into(),
            "No OpenIDConnect provider found in your account for https://accounts.example.com"
                .into()
        )
    );
    // Audience not among the client ids.
    let mut c = good.clone();
    c["aud"] = json!(["other"]);
    assert_eq!(
        run(&mut a, issuer.token("ES256", "ec1", &c)),
        (
            "InvalidIdentityToken".into(),
            "Incorrect token audience".into()
        )
    );
    // No subject.
    let mut c = good.clone();
    c.as_object_mut().unwrap().remove("sub");
    assert_eq!(
        run(&mut a, issuer.token("ES256", "ec1", &c)).0,
        "IDPRejectedClaim"
    );
    // Not yet valid.
    let mut c = good.clone();
    c["nbf"] = json!(NOW + 100);
    assert_eq!(
        run(&mut a, issuer.token("ES256", "ec1", &c)).0,
        "InvalidIdentityToken"
    );
    // Unsupported algorithm.
    assert_eq!(
        run(&mut a, issuer.token("HS256", "ec1", &good)).0,
        "InvalidIdentityToken"
    );
    // Expired.
    let t = issuer.token("RS256", "rsa1", &good);
    clock.advance(301);
    let e = run(&mut a, t);
    assert_eq!(e.0, "ExpiredTokenException");
    assert!(
        e.1.starts_with("Token expired: current date/time"),
        "{}",
        e.1
    );
    // A provider without registered keys: the key cannot be retrieved offline.
    let (mut b, _, root_b) = setup();
    call(
        &mut b,
        "CreateOpenIDConnectProvider",
        json!({"Url": ISSUER, "ClientIDList": ["sts.amazonaws.com"],
            "ThumbprintList": ["6938fd4d98bab03faadb97b34396831e3780aea1"]}),
        &root_b,
    )
    .unwrap();
    let e = call(
        &mut b,
        "AssumeRoleWithWebIdentity",
        web(&issuer.token("RS256", "rsa1", &claims("repo:acme/app"))),
        &root_b,
    )
    .unwrap_err();
    assert_eq!(e.0, "InvalidIdentityToken");
}

/// Session tags and source identity from the token's `https://aws.amazon.com/*` claims need
/// sts:TagSession / sts:SetSourceIdentity in the trust policy (IAM User Guide, "Passing session
/// tags using AssumeRoleWithWebIdentity").
#[test]
fn web_identity_session_tags_need_tag_session() {
    let issuer = Issuer::new();
    let (mut a, _, root) = web_setup(&issuer);
    let mut c = claims("repo:acme/app");
    c["https://aws.amazon.com/tags"] = json!({"principal_tags": {"team": ["blue"]},
        "transitive_tag_keys": ["team"]});
    let t = issuer.token("RS256", "rsa1", &c);
    assert_eq!(
        call(&mut a, "AssumeRoleWithWebIdentity", web(&t), &root)
            .unwrap_err()
            .0,
        "AccessDenied"
    );
    a.update_assume_role_policy(
        "deploy",
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Federated":"{PROVIDER}"}},"Action":["sts:AssumeRoleWithWebIdentity","sts:TagSession"]}}]}}"#
        ),
    )
    .unwrap();
    let out = call(&mut a, "AssumeRoleWithWebIdentity", web(&t), &root).unwrap();
    let s = session_caller(&a, &out);
    let ex = a
        .authorize(
            &s.arn,
            "s3:GetObject",
            "arn:aws:s3:::b/k",
            &iam_eval::Context::new(),
        )
        .unwrap();
    assert!(ex.decision.is_allowed());
    let session = a.sessions().find(|x| x.arn == s.arn).unwrap();
    assert_eq!(session.tags, vec![("team".to_string(), "blue".to_string())]);
}

/// The JWKS extension refuses what it cannot use.
#[test]
fn registering_keys_needs_a_provider_and_a_jwks() {
    let issuer = Issuer::new();
    let (mut a, _, _) = web_setup(&issuer);
    assert_eq!(
        a.register_oidc_provider_keys(
            "arn:aws:iam::111122223333:oidc-provider/nosuch",
            &issuer.jwks()
        )
        .unwrap_err()
        .code,
        ErrorCode::NoSuchEntity
    );
    for bad in [
        "{",
        r#"{"keys":{}}"#,
        r#"{"keys":[{"kty":"oct","k":"AAAA"}]}"#,
        r#"{"keys":[{"kty":"EC","crv":"P-384","x":"AA","y":"AA"}]}"#,
        r#"{"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]}"#,
    ] {
        let e = a.register_oidc_provider_keys(PROVIDER, bad).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput, "{bad}");
        assert!(
            e.message.starts_with("not a JWKS document"),
            "{}",
            e.message
        );
    }
    assert_eq!(a.oidc_provider_keys(PROVIDER).len(), 2);
    a.delete_open_id_connect_provider(PROVIDER).unwrap();
    assert!(a.oidc_provider_keys(PROVIDER).is_empty());
}

// ------------------------------------------------- GetAccessKeyInfo, DecodeAuthorizationMessage

/// STS API reference, GetAccessKeyInfo: the account of any access key id (needs
/// sts:GetAccessKeyInfo).
#[test]
fn get_access_key_info_answers_for_any_key() {
    let (mut a, _, root) = setup();
    let alice = user_caller(&mut a, "alice", ALLOW_ALL);
    let key = alice.access_key_id.clone().unwrap();
    assert_eq!(iam_account::account_of_access_key(&key).as_deref(), Some(A));
    assert_eq!(
        call(
            &mut a,
            "GetAccessKeyInfo",
            json!({"AccessKeyId": key}),
            &root
        )
        .unwrap(),
        json!({"Account": A})
    );
    // Deleted keys and other accounts' keys too.
    a.delete_access_key(Some("alice"), &key).unwrap();
    assert_eq!(
        call(
            &mut a,
            "GetAccessKeyInfo",
            json!({"AccessKeyId": key}),
            &root
        )
        .unwrap()["Account"],
        A
    );
    let mut b = Account::new("444455556666").unwrap();
    b.create_user("x", None).unwrap();
    let other = b.create_access_key(Some("x")).unwrap().access_key_id;
    assert_eq!(
        call(
            &mut a,
            "GetAccessKeyInfo",
            json!({"AccessKeyId": other}),
            &root
        )
        .unwrap()["Account"],
        "444455556666"
    );
    let e = call(
        &mut a,
        "GetAccessKeyInfo",
        json!({"AccessKeyId": "AKIA0000000000000000"}),
        &root,
    )
    .unwrap_err();
    assert_eq!(e.0, "InvalidClientTokenId");
    // Needs sts:GetAccessKeyInfo.
    let bob = user_caller(
        &mut a,
        "bob",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}"#,
    );
    let e = call(
        &mut a,
        "GetAccessKeyInfo",
        json!({"AccessKeyId": other}),
        &bob,
    )
    .unwrap_err();
    assert_eq!(e.0, "AccessDenied");
}

/// STS API reference, DecodeAuthorizationMessage: needs sts:DecodeAuthorizationMessage;
/// garbage is InvalidAuthorizationMessageException.
#[test]
fn decode_authorization_message_round_trips_iamkit_messages() {
    let (mut a, _, root) = setup();
    a.create_user("bob", None).unwrap();
    a.put_user_policy(
        "bob",
        "deny",
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"NoStop","Effect":"Deny","Action":"ec2:StopInstances","Resource":"*"}]}"#,
    )
    .unwrap();
    let msg = a
        .encode_authorization_message(
            "arn:aws:iam::111122223333:user/bob",
            "ec2:StopInstances",
            "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
            &iam_eval::Context::new(),
        )
        .unwrap();
    let out = call(
        &mut a,
        "DecodeAuthorizationMessage",
        json!({"EncodedMessage": msg}),
        &root,
    )
    .unwrap();
    let d: Value = serde_json::from_str(out["DecodedMessage"].as_str().unwrap()).unwrap();
    assert_eq!(d["allowed"], false);
    assert_eq!(d["explicitDeny"], true);
    assert_eq!(d["matchedStatements"]["items"][0]["statementId"], "NoStop");
    assert_eq!(d["context"]["principal"]["name"], "bob");
    let e = call(
        &mut a,
        "DecodeAuthorizationMessage",
        json!({"EncodedMessage": "garbage"}),
        &root,
    )
    .unwrap_err();
    assert_eq!(e.0, "InvalidAuthorizationMessageException");
    let carol = user_caller(
        &mut a,
        "carol",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}"#,
    );
    let e = call(
        &mut a,
        "DecodeAuthorizationMessage",
        json!({"EncodedMessage": msg}),
        &carol,
    )
    .unwrap_err();
    assert_eq!(e.0, "AccessDenied");
}

/// The STS operations iamkit does not implement answer InvalidAction with the reason.
#[test]
fn unimplemented_sts_operations_answer_invalid_action() {
    let (mut a, _, root) = setup();
    for (op, _) in iam_account::sts_operations::UNSUPPORTED_STS_OPERATIONS {
        let e = operations::call(&mut a, "sts", op, &json!({}), &root).unwrap_err();
        assert_eq!(e.error().code, ErrorCode::InvalidAction, "{op}");
        assert!(e.error().message.contains(op), "{}", e.error().message);
    }
}

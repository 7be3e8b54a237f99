//! The endpoint over a real socket: signed Query requests (as the SDKs send them) in, AWS's XML
//! out; authentication failures with AWS's codes and statuses; the journal across a restart.

#![allow(clippy::expect_used, clippy::unwrap_used)] // test helpers: a failure is the test failing
use iam_server::sigv4::{HttpRequest, format_amz_date, sign};
use iam_server::{Server, ServerOptions};
use std::io::{Read, Write};
use std::net::TcpStream;

struct Reply {
    status: u16,
    body: String,
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Sends one HTTP/1.1 request and reads the whole reply (`Connection: close`).
fn send(
    server: &Server,
    method: &str,
    query: &str,
    headers: &[(String, String)],
    body: &str,
) -> Reply {
    let mut s = TcpStream::connect(server.local_addr()).expect("connects");
    let target = if query.is_empty() {
        "/".to_string()
    } else {
        format!("/?{query}")
    };
    let mut req = format!("{method} {target} HTTP/1.1\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ));
    s.write_all(req.as_bytes()).expect("sends");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("reads");
    let status = out
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Reply { status, body }
}

/// A POST signed like botocore signs it (header form), at time `t`.
fn signed_post(
    server: &Server,
    body: &str,
    key: &str,
    secret: &str,
    service: &str,
    t: i64,
) -> Reply {
    let host = server.local_addr().to_string();
    let mut headers = vec![
        (
            "Content-Type".to_string(),
            "application/x-www-form-urlencoded; charset=utf-8".to_string(),
        ),
        ("Host".to_string(), host),
        ("X-Amz-Date".to_string(), format_amz_date(t)),
    ];
    let auth = sign(
        &HttpRequest {
            method: "POST",
            path: "/",
            query: "",
            headers: &headers,
            body: body.as_bytes(),
        },
        key,
        secret,
        "us-east-1",
        service,
    );
    headers.push(("Authorization".to_string(), auth));
    send(server, "POST", "", &headers, body)
}

fn root(server: &Server) -> (String, String) {
    let r = server.root_credentials().expect("root key");
    (
        r.access_key_id.clone(),
        r.secret_access_key.expose().to_string(),
    )
}

#[test]
fn signed_calls_get_aws_xml() {
    let server = Server::start(&ServerOptions::default(), None).expect("starts");
    let (key, secret) = root(&server);
    let r = signed_post(
        &server,
        "Action=CreateUser&Version=2010-05-08&UserName=alice&Tags.member.1.Key=team&Tags.member.1.Value=red",
        &key,
        &secret,
        "iam",
        now(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("<CreateUserResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><CreateUserResult><User><Path>/</Path><UserName>alice</UserName>"), "{}", r.body);
    assert!(
        r.body
            .contains("<Tags><member><Key>team</Key><Value>red</Value></member></Tags>")
    );
    assert!(r.body.contains("<ResponseMetadata><RequestId>"));
    // A modeled error: the model's status and AWS's error XML.
    let r = signed_post(
        &server,
        "Action=GetUser&Version=2010-05-08&UserName=bob",
        &key,
        &secret,
        "iam",
        now(),
    );
    assert_eq!(r.status, 404);
    assert!(r.body.contains("<Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The user with name bob cannot be found.</Message></Error>"), "{}", r.body);
    // STS on the same port, told apart by the credential scope.
    let r = signed_post(
        &server,
        "Action=GetCallerIdentity&Version=2011-06-15",
        &key,
        &secret,
        "sts",
        now(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("<GetCallerIdentityResult><UserId>123456789012</UserId><Account>123456789012</Account><Arn>arn:aws:iam::123456789012:root</Arn></GetCallerIdentityResult>"), "{}", r.body);
}

#[test]
fn authentication_failures() {
    let server = Server::start(&ServerOptions::default(), None).expect("starts");
    let (key, secret) = root(&server);
    let host = server.local_addr().to_string();
    // No signature at all.
    let r = send(
        &server,
        "POST",
        "",
        &[("Host".to_string(), host)],
        "Action=ListUsers&Version=2010-05-08",
    );
    assert_eq!(r.status, 403);
    assert!(
        r.body.contains("<Code>MissingAuthenticationToken</Code>"),
        "{}",
        r.body
    );
    // Wrong secret.
    let r = signed_post(
        &server,
        "Action=ListUsers&Version=2010-05-08",
        &key,
        "wrong",
        "iam",
        now(),
    );
    assert_eq!(r.status, 403);
    assert!(
        r.body.contains("<Code>SignatureDoesNotMatch</Code>"),
        "{}",
        r.body
    );
    // Unknown key.
    let r = signed_post(
        &server,
        "Action=ListUsers&Version=2010-05-08",
        "AKIAIOSFODNN7EXAMPLE",
        &secret,
        "iam",
        now(),
    );
    assert_eq!(r.status, 403);
    assert!(
        r.body.contains("<Code>InvalidClientTokenId</Code>"),
        "{}",
        r.body
    );
    // Twenty minutes old.
    let r = signed_post(
        &server,
        "Action=ListUsers&Version=2010-05-08",
        &key,
        &secret,
        "iam",
        now() - 1200,
    );
    assert_eq!(r.status, 403);
    assert!(r.body.contains("Signature expired: "), "{}", r.body);
    // Signed for another service than the action's.
    let r = signed_post(
        &server,
        "Action=ListUsers&Version=2010-05-08",
        &key,
        &secret,
        "s3",
        now(),
    );
    assert_eq!(r.status, 403);
    assert!(
        r.body
            .contains("Credential should be scoped to correct service: &apos;iam&apos;")
            || r.body
                .contains("Credential should be scoped to correct service: 'iam'"),
        "{}",
        r.body
    );
    // An action neither service has.
    let r = signed_post(
        &server,
        "Action=CreateBucket&Version=2010-05-08",
        &key,
        &secret,
        "iam",
        now(),
    );
    assert_eq!(r.status, 400);
    assert!(r.body.contains("<Code>InvalidAction</Code>"), "{}", r.body);
}

#[test]
fn journal_survives_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let options = ServerOptions {
        state: Some(dir.path().to_path_buf()),
        account_id: Some("111122223333".to_string()),
        ..ServerOptions::default()
    };
    let mut server = Server::start(&options, None).expect("starts");
    let (key, secret) = root(&server);
    let r = signed_post(
        &server,
        "Action=CreateUser&Version=2010-05-08&UserName=kept",
        &key,
        &secret,
        "iam",
        now(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let r = signed_post(
        &server,
        "Action=CreateAccessKey&Version=2010-05-08&UserName=kept",
        &key,
        &secret,
        "iam",
        now(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let between = |a: &str, b: &str| {
        r.body
            .split_once(a)
            .and_then(|(_, rest)| rest.split_once(b))
            .map(|(v, _)| v.to_string())
            .unwrap_or_default()
    };
    let (user_key, user_secret) = (
        between("<AccessKeyId>", "</AccessKeyId>"),
        between("<SecretAccessKey>", "</SecretAccessKey>"),
    );
    server.stop();
    drop(server);
    let server = Server::start(&options, None).expect("restarts");
    assert!(server.warnings().is_empty(), "{:?}", server.warnings());
    assert_eq!(
        root(&server),
        (key, secret),
        "the root key file is read back"
    );
    let r = signed_post(
        &server,
        "Action=GetCallerIdentity&Version=2011-06-15",
        &user_key,
        &user_secret,
        "sts",
        now(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body
            .contains("<Arn>arn:aws:iam::111122223333:user/kept</Arn>"),
        "{}",
        r.body
    );
}

//! End to end over HTTP (issue #12): a role session issued by the endpoint stops working when
//! it expires — `ExpiredToken`, HTTP 403 — with every request SigV4-signed as an SDK would sign
//! it (`X-Amz-Security-Token` signed too). The account reads a [`FixedClock`] that the test
//! moves past the session's `Expiration` (a real client cannot ask for less than 900 s: STS
//! `AssumeRole`'s `DurationSeconds` minimum), and the signing time follows the same clock so
//! that the signature's `X-Amz-Date` stays within the allowed skew.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use iam_account::{Account, Clock, FixedClock};
use iam_server::sigv4::{HttpRequest, format_amz_date, sign};
use iam_server::{Server, ServerOptions};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, RwLock};

struct Key {
    id: String,
    secret: String,
    token: Option<String>,
}

/// RFC 3986 percent-encoding of a form value (unreserved characters kept).
fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Sends one signed Query call (`Connection: close`), returns (status, body).
fn call(
    addr: &str,
    clock: &FixedClock,
    key: &Key,
    service: &str,
    params: &[(&str, &str)],
) -> (u16, String) {
    let body: String = params
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&");
    let mut headers = vec![
        (
            "Content-Type".to_string(),
            "application/x-www-form-urlencoded; charset=utf-8".to_string(),
        ),
        ("Host".to_string(), addr.to_string()),
        ("X-Amz-Date".to_string(), format_amz_date(clock.now().0)),
    ];
    if let Some(t) = &key.token {
        headers.push(("X-Amz-Security-Token".to_string(), t.clone()));
    }
    let req = HttpRequest {
        method: "POST",
        path: "/",
        query: "",
        headers: &headers,
        body: body.as_bytes(),
    };
    let auth = sign(&req, &key.id, &key.secret, "us-east-1", service);
    let mut text = String::from("POST / HTTP/1.1\r\n");
    for (k, v) in &headers {
        text.push_str(&format!("{k}: {v}\r\n"));
    }
    text.push_str(&format!(
        "Authorization: {auth}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ));
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(text.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status: u16 = out
        .split_whitespace()
        .nth(1)
        .and_then(|x| x.parse().ok())
        .unwrap();
    let body = out
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    (status, body)
}

/// The text of the first `<tag>` element.
fn elem(xml: &str, tag: &str) -> String {
    let open = format!("<{tag}>");
    let start = xml
        .find(&open)
        .unwrap_or_else(|| panic!("no <{tag}> in {xml}"))
        + open.len();
    let end = xml[start..].find(&format!("</{tag}>")).unwrap() + start;
    xml[start..end].to_string()
}

#[test]
fn role_session_expires_with_expired_token() {
    let clock = Arc::new(FixedClock::at("2026-12-06T09:00:00Z").unwrap());
    let account =
        Account::with_clock("111122223333", Arc::clone(&clock) as Arc<dyn Clock>).unwrap();
    let mut server = Server::start(
        &ServerOptions::default(),
        Some(Arc::new(RwLock::new(account))),
    )
    .unwrap();
    let addr = server.local_addr().to_string();
    let r = server.root_credentials().unwrap();
    let root = Key {
        id: r.access_key_id.clone(),
        secret: r.secret_access_key.expose().to_string(),
        token: None,
    };
    let ok = |(status, body): (u16, String)| {
        assert_eq!(status, 200, "{body}");
        body
    };
    ok(call(
        &addr,
        &clock,
        &root,
        "iam",
        &[
            ("Action", "CreateUser"),
            ("Version", "2010-05-08"),
            ("UserName", "dan"),
        ],
    ));
    let allow = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#;
    ok(call(
        &addr,
        &clock,
        &root,
        "iam",
        &[
            ("Action", "PutUserPolicy"),
            ("Version", "2010-05-08"),
            ("UserName", "dan"),
            ("PolicyName", "assume"),
            ("PolicyDocument", allow),
        ],
    ));
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/dan"},"Action":"sts:AssumeRole"}]}"#;
    ok(call(
        &addr,
        &clock,
        &root,
        "iam",
        &[
            ("Action", "CreateRole"),
            ("Version", "2010-05-08"),
            ("RoleName", "short"),
            ("AssumeRolePolicyDocument", trust),
        ],
    ));
    let k = ok(call(
        &addr,
        &clock,
        &root,
        "iam",
        &[
            ("Action", "CreateAccessKey"),
            ("Version", "2010-05-08"),
            ("UserName", "dan"),
        ],
    ));
    let dan = Key {
        id: elem(&k, "AccessKeyId"),
        secret: elem(&k, "SecretAccessKey"),
        token: None,
    };
    let s = ok(call(
        &addr,
        &clock,
        &dan,
        "sts",
        &[
            ("Action", "AssumeRole"),
            ("Version", "2011-06-15"),
            ("RoleArn", "arn:aws:iam::111122223333:role/short"),
            ("RoleSessionName", "s1"),
            ("DurationSeconds", "900"),
        ],
    ));
    assert_eq!(elem(&s, "Expiration"), "2026-12-06T09:15:00Z");
    let session = Key {
        id: elem(&s, "AccessKeyId"),
        secret: elem(&s, "SecretAccessKey"),
        token: Some(elem(&s, "SessionToken")),
    };
    let me = ok(call(
        &addr,
        &clock,
        &session,
        "sts",
        &[("Action", "GetCallerIdentity"), ("Version", "2011-06-15")],
    ));
    assert_eq!(
        elem(&me, "Arn"),
        "arn:aws:sts::111122223333:assumed-role/short/s1"
    );

    clock.advance(899);
    ok(call(
        &addr,
        &clock,
        &session,
        "sts",
        &[("Action", "GetCallerIdentity"), ("Version", "2011-06-15")],
    ));
    clock.advance(2);
    let (status, body) = call(
        &addr,
        &clock,
        &session,
        "sts",
        &[("Action", "GetCallerIdentity"), ("Version", "2011-06-15")],
    );
    assert_eq!(status, 403, "{body}");
    assert_eq!(elem(&body, "Code"), "ExpiredToken");
    assert_eq!(
        elem(&body, "Message"),
        "The security token included in the request is expired"
    );
    // The user's long-term key still works at the same moment.
    ok(call(
        &addr,
        &clock,
        &dan,
        "sts",
        &[("Action", "GetCallerIdentity"), ("Version", "2011-06-15")],
    ));
    server.stop();
}

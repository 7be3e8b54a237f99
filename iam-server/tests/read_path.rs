//! Operations that only read the account run under the account's read lock, beside each other
//! (issue #12, throughput): a read is answered while another reader holds the account, and
//! the records reads leave (GetAccessKeyLastUsed, service last accessed) are still kept.

#![allow(clippy::expect_used, clippy::unwrap_used)] // test helpers: a failure is the test failing
use iam_server::sigv4::{HttpRequest, format_amz_date, sign};
use iam_server::{Server, ServerOptions};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A signed POST (header form, as botocore signs it); the status and body of the reply, or
/// `None` when no reply came within `timeout`.
fn signed_post(
    addr: std::net::SocketAddr,
    body: &str,
    key: &str,
    secret: &str,
    service: &str,
    timeout: Duration,
) -> Option<(u16, String)> {
    let mut headers = vec![
        (
            "Content-Type".to_string(),
            "application/x-www-form-urlencoded; charset=utf-8".to_string(),
        ),
        ("Host".to_string(), addr.to_string()),
        ("X-Amz-Date".to_string(), format_amz_date(now())),
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
    let mut s = TcpStream::connect(addr).expect("connects");
    s.set_read_timeout(Some(timeout)).unwrap();
    let mut req = "POST / HTTP/1.1\r\n".to_string();
    for (k, v) in &headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ));
    s.write_all(req.as_bytes()).expect("sends");
    let mut out = Vec::new();
    s.read_to_end(&mut out).ok()?;
    let out = String::from_utf8(out).ok()?;
    let status = out.split(' ').nth(1)?.parse().ok()?;
    Some((status, out.split_once("\r\n\r\n")?.1.to_string()))
}

fn root(server: &Server) -> (String, String) {
    let r = server.root_credentials().expect("root key");
    (
        r.access_key_id.clone(),
        r.secret_access_key.expose().to_string(),
    )
}

fn elem(xml: &str, tag: &str) -> String {
    let open = format!("<{tag}>");
    let start = xml.find(&open).map(|i| i + open.len()).unwrap_or(0);
    let end = xml[start..].find('<').map_or(xml.len(), |i| start + i);
    xml[start..end].to_string()
}

/// A reader holds the served account (its read lock) for the whole test: a `GetUser` over HTTP
/// still gets its answer, because reads take the read lock too. Before reads had their own
/// path every call took the write lock and this request waited until the timeout (the test
/// fails then; it does not depend on how fast the machine is).
#[test]
fn a_read_is_answered_while_another_reader_holds_the_account() {
    let server = Server::start(&ServerOptions::default(), None).expect("starts");
    let (key, secret) = root(&server);
    let addr = server.local_addr();
    let (status, body) = signed_post(
        addr,
        "Action=CreateUser&Version=2010-05-08&UserName=alice",
        &key,
        &secret,
        "iam",
        Duration::from_secs(60),
    )
    .expect("CreateUser answered");
    assert_eq!(status, 200, "{body}");

    let account = server.account();
    let held = account.read().unwrap();
    assert_eq!(held.get_user("alice").unwrap().name, "alice");
    for (service, body) in [
        ("iam", "Action=GetUser&Version=2010-05-08&UserName=alice"),
        ("iam", "Action=ListUsers&Version=2010-05-08"),
        ("sts", "Action=GetCallerIdentity&Version=2011-06-15"),
    ] {
        let reply = signed_post(addr, body, &key, &secret, service, Duration::from_secs(60));
        let (status, xml) = reply
            .unwrap_or_else(|| panic!("{body}: no answer while another reader holds the account"));
        assert_eq!(status, 200, "{xml}");
        assert!(xml.contains("<RequestId>"), "{xml}");
    }
    drop(held);
}

/// GetAccessKeyLastUsed over HTTP reports the use a read made (IAM API reference,
/// GetAccessKeyLastUsed: `LastUsedDate`, `ServiceName`, `Region`), and a write made after it
/// under the write lock still sees the same records.
#[test]
fn reads_still_update_access_key_last_used() {
    let server = Server::start(&ServerOptions::default(), None).expect("starts");
    let (key, secret) = root(&server);
    let addr = server.local_addr();
    let t = Duration::from_secs(60);
    let ok = |body: &str, k: &str, s: &str, service: &str| {
        let (status, xml) = signed_post(addr, body, k, s, service, t).expect("answered");
        assert_eq!(status, 200, "{body}: {xml}");
        xml
    };
    ok(
        "Action=CreateUser&Version=2010-05-08&UserName=alice",
        &key,
        &secret,
        "iam",
    );
    ok(
        "Action=AttachUserPolicy&Version=2010-05-08&UserName=alice&PolicyArn=arn:aws:iam::aws:policy/IAMReadOnlyAccess",
        &key,
        &secret,
        "iam",
    );
    let created = ok(
        "Action=CreateAccessKey&Version=2010-05-08&UserName=alice",
        &key,
        &secret,
        "iam",
    );
    let (ak, sk) = (
        elem(&created, "AccessKeyId"),
        elem(&created, "SecretAccessKey"),
    );
    let last_used = format!("Action=GetAccessKeyLastUsed&Version=2010-05-08&AccessKeyId={ak}");
    let before = ok(&last_used, &key, &secret, "iam");
    assert_eq!(elem(&before, "ServiceName"), "N/A", "{before}");
    assert!(!before.contains("<LastUsedDate>"), "{before}");

    // alice reads (GetUser: a read-lock call) with her new key.
    ok("Action=GetUser&Version=2010-05-08", &ak, &sk, "iam");
    let after = ok(&last_used, &key, &secret, "iam");
    assert_eq!(elem(&after, "ServiceName"), "iam", "{after}");
    assert_eq!(elem(&after, "Region"), "us-east-1", "{after}");
    assert_eq!(elem(&after, "UserName"), "alice", "{after}");
    assert!(after.contains("<LastUsedDate>"), "{after}");
    // The same records, read in-process.
    let account = server.account();
    let a = account.read().unwrap();
    let (_, used) = a.access_key_last_used(&ak).unwrap();
    assert_eq!(used.expect("recorded").service, "iam");
}

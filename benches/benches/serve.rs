//! The local endpoint's per-request cost (issue #12): one signed `iam:GetUser` by an IAM user
//! whose inline policy allows only `iam:GetUser` (SigV4 verification and enforcement on, as
//! `benches/python/bench_serve.py` calls it), measured two ways:
//!
//! - `serve/respond_get_user`: the request path without the network (`Server::respond`:
//!   decode, authenticate, authorize, run, XML) on the calling thread;
//! - `serve/loopback_get_user_1conn`: the whole round trip over one keep-alive HTTP/1.1
//!   connection on 127.0.0.1, with a minimal client (`std::net`), so the figure is the server's
//!   and the kernel's, not a client library's.
//!
//! The request is signed once and replayed (SigV4 accepts a signature for 15 minutes), so the
//! client does no hashing in the loop.
//!
//! ```text
//! cargo bench -p iamkit-benches --bench serve -- --warm-up-time 1 --measurement-time 5
//! ```
#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use criterion::{Criterion, criterion_group, criterion_main};
use iam_server::sigv4::{HttpRequest, format_amz_date, sign};
use iam_server::{Server, ServerOptions};
use std::hint::black_box;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, TcpStream};
use std::time::Duration;

const LOCAL: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The headers of a POST of `body` signed by `key`/`secret` for IAM, as botocore sends them.
fn signed_headers(host: &str, body: &str, key: &str, secret: &str) -> Vec<(String, String)> {
    let mut headers = vec![
        (
            "Content-Type".to_string(),
            "application/x-www-form-urlencoded; charset=utf-8".to_string(),
        ),
        ("Host".to_string(), host.to_string()),
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
        "iam",
    );
    headers.push(("Authorization".to_string(), auth));
    headers
}

fn respond(server: &Server, host: &str, body: &str, key: &str, secret: &str) -> String {
    let headers = signed_headers(host, body, key, secret);
    let req = HttpRequest {
        method: "POST",
        path: "/",
        query: "",
        headers: &headers,
        body: body.as_bytes(),
    };
    let (status, xml) = server.respond(&req, LOCAL);
    assert_eq!(status, 200, "{body}: {xml}");
    xml
}

fn elem(xml: &str, tag: &str) -> String {
    let open = format!("<{tag}>");
    let start = xml.find(&open).map(|i| i + open.len()).unwrap();
    let end = start + xml[start..].find('<').unwrap();
    xml[start..end].to_string()
}

/// A served in-memory account with user `bench` (inline policy: `iam:GetUser` only) and its
/// access key.
fn setup() -> (Server, String, String) {
    let server = Server::start(&ServerOptions::default(), None).expect("starts");
    let host = server.local_addr().to_string();
    let root = server.root_credentials().unwrap();
    let (rk, rs) = (
        root.access_key_id.clone(),
        root.secret_access_key.expose().to_string(),
    );
    respond(
        &server,
        &host,
        "Action=CreateUser&Version=2010-05-08&UserName=bench",
        &rk,
        &rs,
    );
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}"#;
    let encoded: String = policy
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    respond(
        &server,
        &host,
        &format!(
            "Action=PutUserPolicy&Version=2010-05-08&UserName=bench&PolicyName=get&PolicyDocument={encoded}"
        ),
        &rk,
        &rs,
    );
    let created = respond(
        &server,
        &host,
        "Action=CreateAccessKey&Version=2010-05-08&UserName=bench",
        &rk,
        &rs,
    );
    let (k, s) = (
        elem(&created, "AccessKeyId"),
        elem(&created, "SecretAccessKey"),
    );
    (server, k, s)
}

const GET_USER: &str = "Action=GetUser&Version=2010-05-08&UserName=bench";

/// One keep-alive connection: sends `request` and reads one response (by `Content-Length`).
struct Connection {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    body: Vec<u8>,
}

impl Connection {
    fn open(server: &Server) -> Connection {
        let s = TcpStream::connect(server.local_addr()).unwrap();
        s.set_nodelay(true).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        Connection {
            writer: s.try_clone().unwrap(),
            reader: BufReader::new(s),
            body: Vec::new(),
        }
    }

    /// The status of one round trip.
    fn round_trip(&mut self, request: &[u8]) -> u16 {
        self.writer.write_all(request).unwrap();
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        let status: u16 = line.split(' ').nth(1).unwrap().parse().unwrap();
        let mut length = 0;
        loop {
            line.clear();
            self.reader.read_line(&mut line).unwrap();
            if line == "\r\n" {
                break;
            }
            if let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().unwrap();
            }
        }
        self.body.resize(length, 0);
        self.reader.read_exact(&mut self.body).unwrap();
        status
    }
}

fn bench(c: &mut Criterion) {
    let (server, key, secret) = setup();
    let host = server.local_addr().to_string();
    let headers = signed_headers(&host, GET_USER, &key, &secret);
    let req = HttpRequest {
        method: "POST",
        path: "/",
        query: "",
        headers: &headers,
        body: GET_USER.as_bytes(),
    };
    assert_eq!(server.respond(&req, LOCAL).0, 200);
    let mut g = c.benchmark_group("serve");
    g.bench_function("respond_get_user", |b| {
        b.iter(|| {
            let (status, body) = server.respond(black_box(&req), LOCAL);
            assert_eq!(status, 200);
            body
        });
    });

    let mut wire = "POST / HTTP/1.1\r\n".to_string();
    for (k, v) in &headers {
        wire.push_str(&format!("{k}: {v}\r\n"));
    }
    wire.push_str(&format!(
        "Content-Length: {}\r\n\r\n{GET_USER}",
        GET_USER.len()
    ));
    let mut conn = Connection::open(&server);
    assert_eq!(conn.round_trip(wire.as_bytes()), 200);
    g.bench_function("loopback_get_user_1conn", |b| {
        b.iter(|| assert_eq!(conn.round_trip(black_box(wire.as_bytes())), 200));
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! AWS Signature Version 4 verification, as AWS computes it
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-signing-elements.html>):
//! the `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` header and
//! the presigned query form (`X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`,
//! `X-Amz-Expires`, `X-Amz-SignedHeaders`, `X-Amz-Signature`, `X-Amz-Security-Token`).
//!
//! The canonical request is `METHOD \n URI \n QUERY \n HEADERS \n SIGNED-HEADERS \n PAYLOAD-HASH`:
//! the path URI-encoded (the already-encoded path encoded again, as AWS's SDKs sign every
//! service but S3), the query parameters RFC 3986-encoded and sorted by name then value, the
//! signed headers lower-case, their values trimmed with inner runs of spaces collapsed, and
//! the hex SHA-256 of the body. Signatures are compared in constant time.

use crate::xml::percent_encode;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::fmt;
use subtle::ConstantTimeEq;

/// How far a request's `X-Amz-Date` may be from the server's clock (15 minutes, AWS's limit).
pub const MAX_SKEW_SECONDS: i64 = 15 * 60;

/// The longest a presigned URL may be valid (`X-Amz-Expires`, 7 days).
pub const MAX_EXPIRES_SECONDS: i64 = 604_800;

/// A failed authentication, with AWS's error code and message (answered with HTTP 403).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthError {
    /// `MissingAuthenticationToken`, `IncompleteSignature`, `SignatureDoesNotMatch`, …
    pub code: &'static str,
    /// AWS's message.
    pub message: String,
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for AuthError {}

fn incomplete(message: impl Into<String>) -> AuthError {
    AuthError {
        code: "IncompleteSignature",
        message: message.into(),
    }
}

fn mismatch(message: impl Into<String>) -> AuthError {
    AuthError {
        code: "SignatureDoesNotMatch",
        message: message.into(),
    }
}

/// AWS's message for a signature that does not verify.
pub const SIGNATURE_MISMATCH_MESSAGE: &str = "The request signature we calculated does not match the signature you provided. \
     Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

/// The parts of an HTTP request that SigV4 signs. Header names may be in any case.
#[derive(Debug, Clone, Copy)]
pub struct HttpRequest<'a> {
    /// `GET`, `POST`, …
    pub method: &'a str,
    /// The path as sent (still percent-encoded), `/` for IAM and STS.
    pub path: &'a str,
    /// The query string as sent, without `?` (empty when none).
    pub query: &'a str,
    /// Every header, in the order received.
    pub headers: &'a [(String, String)],
    /// The body.
    pub body: &'a [u8],
}

impl HttpRequest<'_> {
    /// The values of header `name` (case-insensitive), in order.
    fn header_values(&self, name: &str) -> impl Iterator<Item = &str> {
        self.headers
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first value of header `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.header_values(name).next()
    }
}

/// What a request's signature claims: who signed it, when, for which region and service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The access key id of `Credential=`.
    pub access_key_id: String,
    /// The scope's date, `YYYYMMDD`.
    pub scope_date: String,
    /// The scope's region (`us-east-1`).
    pub region: String,
    /// The scope's service (`iam`, `sts`).
    pub service: String,
    /// The signed header names, lower-case, as listed.
    pub signed_headers: Vec<String>,
    /// The hex signature.
    pub signature: String,
    /// `X-Amz-Date` (`YYYYMMDDTHHMMSSZ`).
    pub amz_date: String,
    /// `X-Amz-Security-Token`, for temporary credentials.
    pub security_token: Option<String>,
    /// `X-Amz-Expires` of a presigned URL (`None` for the header form).
    pub expires: Option<i64>,
}

impl Authorization {
    /// `date/region/service/aws4_request`.
    pub fn scope(&self) -> String {
        format!(
            "{}/{}/{}/aws4_request",
            self.scope_date, self.region, self.service
        )
    }
}

/// The decoded query parameters of a query string (`+` kept as is: SigV4 encodes spaces as
/// `%20`), in order.
fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (
                crate::query::percent_decode(k, false).unwrap_or_else(|_| k.to_string()),
                crate::query::percent_decode(v, false).unwrap_or_else(|_| v.to_string()),
            )
        })
        .collect()
}

/// Parses `Credential=AKID/20150830/us-east-1/iam/aws4_request`.
fn parse_credential(cred: &str) -> Result<(String, String, String, String), AuthError> {
    let parts: Vec<&str> = cred.split('/').collect();
    if parts.len() != 5 {
        return Err(incomplete(format!(
            "Credential should have 5 parts (AKID/YYYYMMDD/region/service/aws4_request), got {}: '{cred}'.",
            parts.len()
        )));
    }
    if parts[4] != "aws4_request" {
        return Err(mismatch(format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not '{}'.",
            parts[4]
        )));
    }
    if parts[1].len() != 8 || !parts[1].bytes().all(|b| b.is_ascii_digit()) {
        return Err(incomplete(format!(
            "Credential should be scoped to a valid date (YYYYMMDD), not '{}'.",
            parts[1]
        )));
    }
    Ok((
        parts[0].to_string(),
        parts[1].to_string(),
        parts[2].to_string(),
        parts[3].to_string(),
    ))
}

/// Reads the signature claims of a request: the `Authorization` header, else the presigned
/// query parameters. Neither → `MissingAuthenticationToken`; a malformed one →
/// `IncompleteSignature` naming what is missing.
pub fn parse(req: &HttpRequest<'_>) -> Result<Authorization, AuthError> {
    if let Some(h) = req.header("authorization") {
        return parse_header(req, h);
    }
    let q = query_pairs(req.query);
    if q.iter().any(|(k, _)| k == "X-Amz-Algorithm") {
        return parse_presigned(&q);
    }
    Err(AuthError {
        code: "MissingAuthenticationToken",
        message: "Request is missing Authentication Token".to_string(),
    })
}

fn parse_header(req: &HttpRequest<'_>, h: &str) -> Result<Authorization, AuthError> {
    let h = h.trim();
    let (algorithm, rest) = h.split_once(' ').unwrap_or((h, ""));
    if algorithm != "AWS4-HMAC-SHA256" {
        return Err(incomplete(format!(
            "Unsupported AWS 'algorithm': '{algorithm}'. Only AWS4-HMAC-SHA256 is supported."
        )));
    }
    let mut credential = None;
    let mut signed = None;
    let mut signature = None;
    for part in rest.split(',') {
        let part = part.trim();
        if let Some((k, v)) = part.split_once('=') {
            match k.trim() {
                "Credential" => credential = Some(v.trim()),
                "SignedHeaders" => signed = Some(v.trim()),
                "Signature" => signature = Some(v.trim()),
                _ => {}
            }
        }
    }
    let mut missing = Vec::new();
    for (name, v) in [
        ("Credential", credential),
        ("Signature", signature),
        ("SignedHeaders", signed),
    ] {
        if v.is_none() {
            missing.push(format!("Authorization header requires '{name}' parameter."));
        }
    }
    let amz_date = req.header("x-amz-date").map(str::trim);
    if amz_date.is_none() {
        missing.push(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
                .to_string(),
        );
    }
    let (Some(credential), Some(signed), Some(signature), Some(amz_date), true) =
        (credential, signed, signature, amz_date, missing.is_empty())
    else {
        return Err(incomplete(format!(
            "{} Authorization={h}",
            missing.join(" ")
        )));
    };
    let (access_key_id, scope_date, region, service) = parse_credential(credential)?;
    Ok(Authorization {
        access_key_id,
        scope_date,
        region,
        service,
        signed_headers: signed.split(';').map(str::to_ascii_lowercase).collect(),
        signature: signature.to_string(),
        amz_date: amz_date.to_string(),
        security_token: req.header("x-amz-security-token").map(str::to_string),
        expires: None,
    })
}

fn parse_presigned(q: &[(String, String)]) -> Result<Authorization, AuthError> {
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let algorithm = get("X-Amz-Algorithm").unwrap_or_default();
    if algorithm != "AWS4-HMAC-SHA256" {
        return Err(incomplete(format!(
            "Unsupported AWS 'algorithm': '{algorithm}'. Only AWS4-HMAC-SHA256 is supported."
        )));
    }
    let mut missing = Vec::new();
    for k in [
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-SignedHeaders",
        "X-Amz-Signature",
    ] {
        if get(k).is_none() {
            missing.push(format!(
                "Query-string authentication requires the {k} parameter."
            ));
        }
    }
    if !missing.is_empty() {
        return Err(incomplete(missing.join(" ")));
    }
    let (access_key_id, scope_date, region, service) =
        parse_credential(get("X-Amz-Credential").unwrap_or_default())?;
    let expires = match get("X-Amz-Expires") {
        None => MAX_EXPIRES_SECONDS,
        Some(e) => match e.parse::<i64>() {
            Ok(n) if (1..=MAX_EXPIRES_SECONDS).contains(&n) => n,
            _ => {
                return Err(AuthError {
                    code: "AuthorizationQueryParametersError",
                    message: format!(
                        "X-Amz-Expires must be a number of seconds from 1 to {MAX_EXPIRES_SECONDS} (a week), not '{e}'."
                    ),
                });
            }
        },
    };
    Ok(Authorization {
        access_key_id,
        scope_date,
        region,
        service,
        signed_headers: get("X-Amz-SignedHeaders")
            .unwrap_or_default()
            .split(';')
            .map(str::to_ascii_lowercase)
            .collect(),
        signature: get("X-Amz-Signature").unwrap_or_default().to_string(),
        amz_date: get("X-Amz-Date").unwrap_or_default().to_string(),
        security_token: get("X-Amz-Security-Token").map(str::to_string),
        expires: Some(expires),
    })
}

/// Seconds since the Unix epoch of a `YYYYMMDDTHHMMSSZ` date.
///
/// ```
/// assert_eq!(iam_server::sigv4::parse_amz_date("20150830T123600Z"), Some(1440938160));
/// assert_eq!(iam_server::sigv4::parse_amz_date("2015-08-30"), None);
/// ```
pub fn parse_amz_date(d: &str) -> Option<i64> {
    let b = d.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = d.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let (y, mo, da) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (h, mi, s) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&da) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    Some(days_from_civil(y, mo, da) * 86_400 + h * 3600 + mi * 60 + s)
}

/// `YYYYMMDDTHHMMSSZ` of seconds since the epoch.
///
/// ```
/// assert_eq!(iam_server::sigv4::format_amz_date(1440938160), "20150830T123600Z");
/// ```
pub fn format_amz_date(t: i64) -> String {
    let (y, mo, d) = civil_from_days(t.div_euclid(86_400));
    let s = t.rem_euclid(86_400);
    format!(
        "{y:04}{mo:02}{d:02}T{:02}{:02}{:02}Z",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (inverse of [`days_from_civil`]).
pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Checks the request time against the server's clock `now` (seconds since the epoch): within
/// ±15 minutes for the header form (else `SignatureDoesNotMatch` "Signature expired: …", as
/// IAM and STS answer a skewed clock), within `X-Amz-Expires` for a presigned URL (else
/// `RequestExpired`, Common Errors); and the credential scope's date must be the date of
/// `X-Amz-Date`.
pub fn check_time(auth: &Authorization, now: i64) -> Result<(), AuthError> {
    let Some(t) = parse_amz_date(&auth.amz_date) else {
        return Err(incomplete(format!(
            "Date must be in ISO-8601 'basic format'. Got '{}'. See http://en.wikipedia.org/wiki/ISO_8601",
            auth.amz_date
        )));
    };
    if auth.amz_date.get(..8) != Some(auth.scope_date.as_str()) {
        return Err(mismatch(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', from '{}'.",
            auth.scope_date,
            auth.amz_date.get(..8).unwrap_or_default(),
            auth.amz_date
        )));
    }
    match auth.expires {
        None => {
            if t < now - MAX_SKEW_SECONDS {
                return Err(mismatch(format!(
                    "Signature expired: {} is now earlier than {} ({} - 15 min.)",
                    auth.amz_date,
                    format_amz_date(now - MAX_SKEW_SECONDS),
                    format_amz_date(now)
                )));
            }
            if t > now + MAX_SKEW_SECONDS {
                return Err(mismatch(format!(
                    "Signature not yet current: {} is still later than {} ({} + 15 min.)",
                    auth.amz_date,
                    format_amz_date(now + MAX_SKEW_SECONDS),
                    format_amz_date(now)
                )));
            }
        }
        Some(expires) => {
            if now > t + expires {
                // Common Errors: RequestExpired, "more than 15 minutes after the request
                // expiration date (such as for pre-signed URLs)" — HTTP 400.
                return Err(AuthError {
                    code: "RequestExpired",
                    message: format!(
                        "Request has expired: X-Amz-Date {} + X-Amz-Expires {expires} s is earlier than {}.",
                        auth.amz_date,
                        format_amz_date(now)
                    ),
                });
            }
            if t > now + MAX_SKEW_SECONDS {
                return Err(mismatch(format!(
                    "Signature not yet current: {} is still later than {} ({} + 15 min.)",
                    auth.amz_date,
                    format_amz_date(now + MAX_SKEW_SECONDS),
                    format_amz_date(now)
                )));
            }
        }
    }
    Ok(())
}

/// Lower-case hex.
fn hex(bytes: &[u8]) -> String {
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(char::from(H[usize::from(b >> 4)]));
        s.push(char::from(H[usize::from(b & 15)]));
    }
    s
}

/// Hex SHA-256.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length: `new_from_slice` cannot fail for it.
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut m) => {
            m.update(data);
            m.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

/// The URI-encoded, normalized path: dot segments removed, then every byte but unreserved
/// characters and `/` percent-encoded (so an already-encoded `%2F` becomes `%252F`, as the
/// SDKs sign non-S3 requests).
fn canonical_uri(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut out = String::from("/");
    out.push_str(
        &segments
            .iter()
            .map(|s| percent_encode(s))
            .collect::<Vec<_>>()
            .join("/"),
    );
    if path.ends_with('/') && !segments.is_empty() {
        out.push('/');
    }
    out
}

/// The canonical query string: parameters decoded and RFC 3986-encoded again, sorted by name
/// then value; `X-Amz-Signature` left out (presigned form).
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query_pairs(query)
        .into_iter()
        .filter(|(k, _)| k != "X-Amz-Signature")
        .map(|(k, v)| (percent_encode(&k), percent_encode(&v)))
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Header values as SigV4 canonicalizes them: trimmed, runs of spaces collapsed, several
/// headers of one name joined with `,`.
fn canonical_header_value(req: &HttpRequest<'_>, name: &str) -> String {
    req.header_values(name)
        .map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join(",")
}

/// The canonical request for `auth`'s signed headers with payload hash `payload_hash`.
pub fn canonical_request(
    req: &HttpRequest<'_>,
    signed_headers: &[String],
    payload_hash: &str,
) -> String {
    let mut headers = String::new();
    for h in signed_headers {
        headers.push_str(h);
        headers.push(':');
        headers.push_str(&canonical_header_value(req, h));
        headers.push('\n');
    }
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method,
        canonical_uri(req.path),
        canonical_query(req.query),
        headers,
        signed_headers.join(";"),
        payload_hash
    )
}

/// The signing key `HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`.
pub fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    hmac(&k_service, b"aws4_request")
}

/// How many derived signing keys [`cached_signing_key`] keeps (each credential needs one per
/// day, region and service; the cache is emptied when it fills).
const SIGNING_KEY_CACHE: usize = 1024;

/// [`signing_key`], derived once per secret, date, region and service: the four HMACs of the
/// derivation depend on nothing else, so every later request of the day reuses them (AWS's
/// SDKs cache the derived key the same way). The cache is keyed by the secret itself, so a
/// key deleted and re-created, or a different secret for the same access key id, never finds
/// another secret's key; it lives in process memory only, like the account's secrets.
fn cached_signing_key(secret: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock, PoisonError};
    static CACHE: OnceLock<Mutex<HashMap<String, Vec<u8>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    // `/` cannot occur in the date, region or service of a parsed credential scope.
    let id = format!("{date}/{region}/{service}/{secret}");
    if let Some(k) = cache
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&id)
    {
        return k.clone();
    }
    let k = signing_key(secret, date, region, service);
    let mut c = cache.lock().unwrap_or_else(PoisonError::into_inner);
    if c.len() >= SIGNING_KEY_CACHE {
        c.clear();
    }
    c.insert(id, k.clone());
    k
}

/// The hex signature of a canonical request.
pub fn signature(secret: &str, auth: &Authorization, canonical: &str) -> String {
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{}\n{}\n{}",
        auth.amz_date,
        auth.scope(),
        sha256_hex(canonical.as_bytes())
    );
    let key = cached_signing_key(secret, &auth.scope_date, &auth.region, &auth.service);
    hex(&hmac(&key, string_to_sign.as_bytes()))
}

/// Verifies the request's signature with the secret of its access key. The payload hash is
/// the body's SHA-256 (or `UNSIGNED-PAYLOAD` when the request says so in
/// `X-Amz-Content-SHA256`, or for a presigned URL). `host` must be among the signed headers.
pub fn verify(req: &HttpRequest<'_>, auth: &Authorization, secret: &str) -> Result<(), AuthError> {
    if !auth.signed_headers.iter().any(|h| h == "host") {
        return Err(mismatch(
            "'Host' must be a 'SignedHeader' in the AWS Authorization.",
        ));
    }
    let body_hash = sha256_hex(req.body);
    let mut candidates = vec![body_hash.clone()];
    match req.header("x-amz-content-sha256").map(str::trim) {
        Some("UNSIGNED-PAYLOAD") => candidates = vec!["UNSIGNED-PAYLOAD".to_string()],
        Some(h) if !h.eq_ignore_ascii_case(&body_hash) => {
            return Err(mismatch(
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
            ));
        }
        _ => {}
    }
    if auth.expires.is_some() {
        candidates.push("UNSIGNED-PAYLOAD".to_string());
    }
    let given = auth.signature.to_ascii_lowercase();
    let mut ok = subtle::Choice::from(0u8);
    for payload in &candidates {
        let canonical = canonical_request(req, &auth.signed_headers, payload);
        let expected = signature(secret, auth, &canonical);
        ok |= expected.as_bytes().ct_eq(given.as_bytes());
    }
    if bool::from(ok) {
        Ok(())
    } else {
        Err(mismatch(SIGNATURE_MISMATCH_MESSAGE))
    }
}

/// Signs a request as an SDK would (header form), returning the `Authorization` header value;
/// `headers` must already hold `host` and `x-amz-date` (and `x-amz-security-token` for
/// temporary credentials). For tests and tools that talk to the endpoint.
///
/// ```
/// use iam_server::sigv4::{HttpRequest, sign};
/// let headers = vec![
///     ("Content-Type".to_string(), "application/x-www-form-urlencoded; charset=utf-8".to_string()),
///     ("Host".to_string(), "iam.amazonaws.com".to_string()),
///     ("X-Amz-Date".to_string(), "20150830T123600Z".to_string()),
/// ];
/// let req = HttpRequest { method: "GET", path: "/", query: "Action=ListUsers&Version=2010-05-08",
///     headers: &headers, body: b"" };
/// let auth = sign(&req, "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1", "iam");
/// assert!(auth.ends_with("Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"));
/// ```
pub fn sign(
    req: &HttpRequest<'_>,
    access_key_id: &str,
    secret: &str,
    region: &str,
    service: &str,
) -> String {
    let amz_date = req.header("x-amz-date").unwrap_or_default().to_string();
    let mut signed: Vec<String> = req
        .headers
        .iter()
        .map(|(k, _)| k.to_ascii_lowercase())
        .filter(|k| k != "authorization")
        .collect();
    signed.sort();
    signed.dedup();
    let auth = Authorization {
        access_key_id: access_key_id.to_string(),
        scope_date: amz_date.get(..8).unwrap_or_default().to_string(),
        region: region.to_string(),
        service: service.to_string(),
        signed_headers: signed.clone(),
        signature: String::new(),
        amz_date,
        security_token: None,
        expires: None,
    };
    let canonical = canonical_request(req, &signed, &sha256_hex(req.body));
    format!(
        "AWS4-HMAC-SHA256 Credential={access_key_id}/{}, SignedHeaders={}, Signature={}",
        auth.scope(),
        signed.join(";"),
        signature(secret, &auth, &canonical)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    fn doc_headers() -> Vec<(String, String)> {
        vec![
            (
                "Content-Type".to_string(),
                "application/x-www-form-urlencoded; charset=utf-8".to_string(),
            ),
            ("Host".to_string(), "iam.amazonaws.com".to_string()),
            ("X-Amz-Date".to_string(), "20150830T123600Z".to_string()),
            (
                "Authorization".to_string(),
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, \
                 SignedHeaders=content-type;host;x-amz-date, \
                 Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
                    .to_string(),
            ),
        ]
    }

    /// AWS's documented example: `GET https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08`
    /// signed by `AKIDEXAMPLE` on 2015-08-30 12:36:00 (SigV4 documentation, "Create a signed
    /// AWS API request" and its examples).
    #[test]
    fn aws_documentation_example() {
        let headers = doc_headers();
        let req = HttpRequest {
            method: "GET",
            path: "/",
            query: "Action=ListUsers&Version=2010-05-08",
            headers: &headers,
            body: b"",
        };
        let auth = parse(&req).expect("parses");
        assert_eq!(auth.access_key_id, "AKIDEXAMPLE");
        assert_eq!(auth.scope(), "20150830/us-east-1/iam/aws4_request");
        let canonical = canonical_request(&req, &auth.signed_headers, &sha256_hex(b""));
        assert_eq!(
            canonical,
            "GET\n/\nAction=ListUsers&Version=2010-05-08\n\
             content-type:application/x-www-form-urlencoded; charset=utf-8\n\
             host:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n\
             content-type;host;x-amz-date\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(canonical.as_bytes()),
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
        );
        assert_eq!(
            hex(&signing_key(SECRET, "20150830", "us-east-1", "iam")),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
        );
        verify(&req, &auth, SECRET).expect("the documented signature verifies");
        check_time(&auth, parse_amz_date("20150830T124000Z").unwrap_or(0)).expect("in time");
        let e = verify(&req, &auth, "wrong").expect_err("wrong secret");
        assert_eq!(e.code, "SignatureDoesNotMatch");
        assert_eq!(e.message, SIGNATURE_MISMATCH_MESSAGE);
    }

    #[test]
    fn tampering_breaks_the_signature() {
        let headers = doc_headers();
        let req = HttpRequest {
            method: "GET",
            path: "/",
            query: "Action=ListUsers&Version=2010-05-08&MaxItems=1",
            headers: &headers,
            body: b"",
        };
        let auth = parse(&req).expect("parses");
        assert_eq!(
            verify(&req, &auth, SECRET).map_err(|e| e.code),
            Err("SignatureDoesNotMatch")
        );
        let req = HttpRequest {
            method: "POST",
            query: "Action=ListUsers&Version=2010-05-08",
            ..req
        };
        assert!(verify(&req, &auth, SECRET).is_err());
    }

    #[test]
    fn query_parameters_are_sorted_and_reencoded() {
        assert_eq!(
            canonical_query("b=2&a=x%20y&a=1&c=%7e&X-Amz-Signature=abc"),
            "a=1&a=x%20y&b=2&c=~"
        );
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/a/./b/../c%2Fd"), "/a/c%252Fd");
    }

    #[test]
    fn skew_and_scope_errors_use_aws_messages() {
        let headers = doc_headers();
        let req = HttpRequest {
            method: "GET",
            path: "/",
            query: "Action=ListUsers&Version=2010-05-08",
            headers: &headers,
            body: b"",
        };
        let auth = parse(&req).expect("parses");
        let now = parse_amz_date("20150830T125600Z").unwrap_or(0);
        let e = check_time(&auth, now).expect_err("20 minutes old");
        assert_eq!(e.code, "SignatureDoesNotMatch");
        assert_eq!(
            e.message,
            "Signature expired: 20150830T123600Z is now earlier than 20150830T124100Z (20150830T125600Z - 15 min.)"
        );
        let e = check_time(&auth, now - 3600).expect_err("from the future");
        assert!(
            e.message.starts_with("Signature not yet current"),
            "{}",
            e.message
        );
        let mut other = auth.clone();
        other.scope_date = "20150831".to_string();
        let e = check_time(&other, now - 1200).expect_err("scope date");
        assert!(
            e.message.contains("'20150831' != '20150830'"),
            "{}",
            e.message
        );
    }

    #[test]
    fn missing_and_incomplete_authorization() {
        let headers = vec![("Host".to_string(), "h".to_string())];
        let req = HttpRequest {
            method: "POST",
            path: "/",
            query: "",
            headers: &headers,
            body: b"Action=ListUsers",
        };
        assert_eq!(
            parse(&req).map_err(|e| e.code),
            Err("MissingAuthenticationToken")
        );
        let headers = vec![(
            "Authorization".to_string(),
            "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/iam/aws4_request".to_string(),
        )];
        let req = HttpRequest {
            headers: &headers,
            ..req
        };
        let e = parse(&req).expect_err("incomplete");
        assert_eq!(e.code, "IncompleteSignature");
        assert!(
            e.message.contains("requires 'Signature' parameter"),
            "{}",
            e.message
        );
    }

    #[test]
    fn presigned_urls_verify_and_expire() {
        // Build a presigned GET the way the SDKs do: every X-Amz-* parameter but the
        // signature is part of the canonical query.
        let date = "20150830T123600Z";
        let base = format!(
            "Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fsts%2Faws4_request\
             &X-Amz-Date={date}&X-Amz-Expires=60&X-Amz-SignedHeaders=host"
        );
        let headers = vec![("Host".to_string(), "sts.amazonaws.com".to_string())];
        // The signature is not part of what is signed: any placeholder gives the same
        // canonical request.
        let placeholder = format!("{base}&X-Amz-Signature=0");
        let unsigned = HttpRequest {
            method: "GET",
            path: "/",
            query: &placeholder,
            headers: &headers,
            body: b"",
        };
        let mut auth = parse(&unsigned).expect("presigned");
        let sig = signature(
            SECRET,
            &auth,
            &canonical_request(&unsigned, &auth.signed_headers, &sha256_hex(b"")),
        );
        let query = format!("{base}&X-Amz-Signature={sig}");
        let req = HttpRequest {
            query: &query,
            ..unsigned
        };
        auth = parse(&req).expect("presigned");
        assert_eq!(auth.expires, Some(60));
        verify(&req, &auth, SECRET).expect("verifies");
        let t = parse_amz_date(date).unwrap_or(0);
        check_time(&auth, t + 59).expect("valid for 60 s");
        let e = check_time(&auth, t + 61).expect_err("expired");
        assert_eq!(e.code, "RequestExpired");
        assert!(
            e.message.starts_with("Request has expired"),
            "{}",
            e.message
        );
    }

    #[test]
    fn dates_round_trip() {
        for t in [0, 951_782_400, 1_440_938_160, 4_102_444_799] {
            assert_eq!(parse_amz_date(&format_amz_date(t)), Some(t));
        }
    }
}

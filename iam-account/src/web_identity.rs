//! `AssumeRoleWithWebIdentity` (issue #11; spec §5.6): a JSON web token (JWT) issued by an
//! OpenID Connect identity provider, signed with RS256 or ES256, exchanged for a role session.
//!
//! **iamkit extension — the provider's signing keys.** IAM's OIDC provider holds the issuer
//! URL, client ids (audiences) and certificate thumbprints; AWS fetches the signing keys from
//! the issuer's JWKS endpoint at call time. iamkit works offline, so the keys are registered
//! with the provider explicitly ([`Account::register_oidc_provider_keys`], a JWKS document as
//! the issuer publishes it). A token whose key is not registered is refused with
//! `InvalidIdentityToken`, as AWS refuses a token whose key it cannot retrieve.
//!
//! The checks (STS API reference, AssumeRoleWithWebIdentity; IAM User Guide, "Create an
//! OpenID Connect (OIDC) identity provider" and "Available keys for AWS OIDC federation"):
//! the token is a JWS with a supported algorithm; `iss` names an OIDC provider of the account;
//! the signature verifies with one of that provider's keys; `exp` is in the future (else
//! `ExpiredTokenException`) and `nbf`, when present, in the past; `aud` (or `azp`) is one of
//! the provider's client ids; `sub` is present (else `IDPRejectedClaim`); the role's trust
//! policy allows `sts:AssumeRoleWithWebIdentity` for the `Federated` principal (the provider
//! ARN) with the request context `<provider>:aud`, `<provider>:sub`, `<provider>:amr`,
//! `aws:FederatedProvider`, `sts:RoleSessionName` — plus `sts:TagSession` for session tags
//! and `sts:SetSourceIdentity` for a source identity carried in the token's
//! `https://aws.amazon.com/tags` and `https://aws.amazon.com/source_identity` claims. The call
//! is unauthenticated: only the trust policy and the account's RCPs decide it (spec §5.6).
//!
//! Messages AWS is known to return are used verbatim ("No OpenIDConnect provider found in your
//! account for …", "Incorrect token audience", "Couldn't retrieve verification key from your
//! identity provider, …", "Not authorized to perform sts:AssumeRoleWithWebIdentity"); where
//! AWS documents no text, iamkit's message says what was wrong.

use super::authorize::Layers;
use super::secrets::{access_key_id_for, secret_text};
use super::sts::{Credentials, Session, SessionKind, check_source_identity, session_policies};
use super::{Account, key};
use base64ct::{Base64UrlUnpadded, Encoding};
use iam_eval::{OwnedContext, Principal, Request};
use iam_model::PolicyType;
use iam_model::entities::{ErrorCode, IamError, IdPrefix, validate};
use serde_json::{Map, Value};

/// A public key of an OIDC provider, from its JWKS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderKey {
    /// The JWK's `kid`, when it has one.
    pub kid: Option<String>,
    key: VerifyKey,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum VerifyKey {
    Rsa(rsa::RsaPublicKey),
    P256(p256::ecdsa::VerifyingKey),
}

impl ProviderKey {
    /// The JWS algorithm this key verifies (`RS256` or `ES256`).
    pub fn algorithm(&self) -> &'static str {
        match self.key {
            VerifyKey::Rsa(_) => "RS256",
            VerifyKey::P256(_) => "ES256",
        }
    }

    /// The key as a JWK (`kty`, `kid`, `n`/`e` or `crv`/`x`/`y`, base64url): what
    /// [`parse_jwks`] reads back to this key (used by account snapshots).
    pub(crate) fn to_jwk(&self) -> Value {
        use rsa::traits::PublicKeyParts;
        let b64 = |b: &[u8]| Base64UrlUnpadded::encode_string(b);
        let mut jwk = Map::new();
        if let Some(kid) = &self.kid {
            jwk.insert("kid".into(), Value::String(kid.clone()));
        }
        match &self.key {
            VerifyKey::Rsa(k) => {
                jwk.insert("kty".into(), "RSA".into());
                jwk.insert("n".into(), b64(&k.n().to_bytes_be()).into());
                jwk.insert("e".into(), b64(&k.e().to_bytes_be()).into());
            }
            VerifyKey::P256(k) => {
                let p = k.to_encoded_point(false);
                jwk.insert("kty".into(), "EC".into());
                jwk.insert("crv".into(), "P-256".into());
                jwk.insert("x".into(), b64(p.x().map_or(&[][..], |x| &x[..])).into());
                jwk.insert("y".into(), b64(p.y().map_or(&[][..], |y| &y[..])).into());
            }
        }
        Value::Object(jwk)
    }

    fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        use rsa::signature::Verifier;
        match &self.key {
            VerifyKey::Rsa(k) => {
                let vk = rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(k.clone());
                rsa::pkcs1v15::Signature::try_from(signature)
                    .is_ok_and(|sig| vk.verify(message, &sig).is_ok())
            }
            VerifyKey::P256(k) => p256::ecdsa::Signature::from_slice(signature)
                .is_ok_and(|sig| k.verify(message, &sig).is_ok()),
        }
    }
}

fn bad_jwks(why: impl std::fmt::Display) -> IamError {
    IamError::invalid_input(format!("not a JWKS document: {why}"))
}

fn b64_field(jwk: &Map<String, Value>, name: &str, i: usize) -> Result<Vec<u8>, IamError> {
    let text = jwk
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| bad_jwks(format!("keys[{i}] has no \"{name}\" string")))?;
    Base64UrlUnpadded::decode_vec(text.trim_end_matches('='))
        .map_err(|_| bad_jwks(format!("keys[{i}].{name} is not base64url")))
}

/// Parses a JWKS document (`{"keys": [...]}`): RSA keys (`kty` `RSA`, `n`, `e`) and P-256 EC
/// keys (`kty` `EC`, `crv` `P-256`, `x`, `y`). Keys with `use` other than `sig` are skipped;
/// any other key type is an error (iamkit verifies RS256 and ES256 only).
pub fn parse_jwks(text: &str) -> Result<Vec<ProviderKey>, IamError> {
    let doc: Value = serde_json::from_str(text).map_err(|e| bad_jwks(e.to_string()))?;
    let keys = doc
        .get("keys")
        .and_then(Value::as_array)
        .ok_or_else(|| bad_jwks("no \"keys\" array"))?;
    let mut out = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        let jwk = k
            .as_object()
            .ok_or_else(|| bad_jwks(format!("keys[{i}] is not an object")))?;
        if jwk
            .get("use")
            .and_then(Value::as_str)
            .is_some_and(|u| u != "sig")
        {
            continue;
        }
        let kid = jwk.get("kid").and_then(Value::as_str).map(str::to_string);
        let kty = jwk.get("kty").and_then(Value::as_str).unwrap_or_default();
        let key = match kty {
            "RSA" => {
                let n = rsa::BigUint::from_bytes_be(&b64_field(jwk, "n", i)?);
                let e = rsa::BigUint::from_bytes_be(&b64_field(jwk, "e", i)?);
                VerifyKey::Rsa(
                    rsa::RsaPublicKey::new(n, e)
                        .map_err(|e| bad_jwks(format!("keys[{i}] is not an RSA key: {e}")))?,
                )
            }
            "EC" => {
                let crv = jwk.get("crv").and_then(Value::as_str).unwrap_or_default();
                if crv != "P-256" {
                    return Err(bad_jwks(format!(
                        "keys[{i}] uses curve {crv:?}; iamkit verifies P-256 (ES256) only"
                    )));
                }
                let mut sec1 = vec![4u8];
                sec1.extend(b64_field(jwk, "x", i)?);
                sec1.extend(b64_field(jwk, "y", i)?);
                VerifyKey::P256(
                    p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1)
                        .map_err(|_| bad_jwks(format!("keys[{i}] is not a P-256 point")))?,
                )
            }
            other => {
                return Err(bad_jwks(format!(
                    "keys[{i}] has kty {other:?}; iamkit verifies RSA (RS256) and EC P-256 (ES256)"
                )));
            }
        };
        out.push(ProviderKey { kid, key });
    }
    Ok(out)
}

/// Parameters of `AssumeRoleWithWebIdentity`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebIdentityRequest {
    /// `RoleArn`.
    pub role_arn: String,
    /// `RoleSessionName` (2-64 of `[\w+=,.@-]`).
    pub role_session_name: String,
    /// `WebIdentityToken`: the JWT.
    pub web_identity_token: String,
    /// `ProviderId`: only for OAuth 2.0 access tokens of `www.amazon.com` / `graph.facebook.com`,
    /// which cannot be verified offline (refused).
    pub provider_id: Option<String>,
    /// `Policy`: an inline session policy.
    pub policy: Option<String>,
    /// `PolicyArns`.
    pub policy_arns: Vec<String>,
    /// `DurationSeconds` (900 to the role's `MaxSessionDuration`; default 3600).
    pub duration_seconds: Option<u32>,
}

/// The outcome of `AssumeRoleWithWebIdentity`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebIdentityCredentials {
    /// The session's credentials (`AssumedRoleUser` is `arn` / `id`).
    pub credentials: Credentials,
    /// `SubjectFromWebIdentityToken`: the token's `sub`.
    pub subject: String,
    /// `Audience`: the client id the token was issued to.
    pub audience: String,
    /// `Provider`: the token's issuer (`iss`), as the API reference says ("For OpenID Connect
    /// ID tokens, this contains the value of the iss field").
    pub provider: String,
    /// `SourceIdentity` from the token, if any.
    pub source_identity: Option<String>,
}

fn invalid_token(message: impl Into<String>) -> IamError {
    IamError::new(ErrorCode::InvalidIdentityToken, message)
}

fn not_authorized() -> IamError {
    IamError::new(
        ErrorCode::AccessDenied,
        "Not authorized to perform sts:AssumeRoleWithWebIdentity",
    )
}

/// A decoded JWS: header, claims, the signed bytes and the signature.
struct Jwt {
    header: Map<String, Value>,
    claims: Map<String, Value>,
    signed: String,
    signature: Vec<u8>,
}

fn decode_jwt(token: &str) -> Result<Jwt, IamError> {
    let not_jwt =
        |why: &str| invalid_token(format!("The web identity token is not a valid JWT: {why}"));
    let parts: Vec<&str> = token.split('.').collect();
    let [h, c, s] = parts.as_slice() else {
        return Err(not_jwt("expected three base64url parts separated by '.'"));
    };
    let json = |part: &str, what: &str| -> Result<Map<String, Value>, IamError> {
        let bytes = Base64UrlUnpadded::decode_vec(part)
            .map_err(|_| not_jwt(&format!("the {what} is not base64url")))?;
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(not_jwt(&format!("the {what} is not a JSON object"))),
        }
    };
    let header = json(h, "header")?;
    let claims = json(c, "payload")?;
    let signature =
        Base64UrlUnpadded::decode_vec(s).map_err(|_| not_jwt("the signature is not base64url"))?;
    Ok(Jwt {
        header,
        claims,
        signed: format!("{h}.{c}"),
        signature,
    })
}

fn string_claims(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

impl Account {
    /// **iamkit extension**: registers the signing keys (a JWKS document, `{"keys": [...]}`, as
    /// the issuer serves it at its `jwks_uri`) of the OIDC provider `provider_arn`, replacing
    /// any registered before. Offline there is no key fetch: tokens of a provider without
    /// registered keys are refused with `InvalidIdentityToken`. Deleting the provider drops
    /// its keys.
    pub fn register_oidc_provider_keys(
        &mut self,
        provider_arn: &str,
        jwks: &str,
    ) -> Result<usize, IamError> {
        self.get_open_id_connect_provider(provider_arn)?;
        let keys = parse_jwks(jwks)?;
        let n = keys.len();
        self.oidc_keys.insert(provider_arn.to_string(), keys);
        Ok(n)
    }

    /// The keys registered for an OIDC provider.
    pub fn oidc_provider_keys(&self, provider_arn: &str) -> &[ProviderKey] {
        self.oidc_keys.get(provider_arn).map_or(&[], Vec::as_slice)
    }

    /// `AssumeRoleWithWebIdentity` (see the [module documentation](self)).
    pub fn assume_role_with_web_identity(
        &mut self,
        req: &WebIdentityRequest,
    ) -> Result<WebIdentityCredentials, IamError> {
        validate::length("roleArn", &req.role_arn, 20, 2048)?;
        validate::session_name("roleSessionName", &req.role_session_name, 64)?;
        validate::length("webIdentityToken", &req.web_identity_token, 4, 20_000)?;
        let duration = req.duration_seconds.unwrap_or(3600);
        validate::range("durationSeconds", duration, 900, 43_200)?;
        if let Some(p) = &req.provider_id {
            return Err(invalid_token(format!(
                "iamkit cannot verify OAuth 2.0 access tokens of {p} offline: only OpenID Connect \
                 ID tokens of the account's OIDC providers (without ProviderId) are supported"
            )));
        }
        let jwt = decode_jwt(&req.web_identity_token)?;
        let alg = jwt
            .header
            .get("alg")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if alg != "RS256" && alg != "ES256" {
            return Err(invalid_token(format!(
                "The web identity token is signed with {alg:?}; iamkit verifies RS256 and ES256"
            )));
        }
        let iss = jwt
            .claims
            .get("iss")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid_token("The web identity token has no iss claim"))?
            .to_string();
        let host = iss
            .strip_prefix("https://")
            .unwrap_or(&iss)
            .trim_end_matches('/');
        let provider = self
            .oidc_providers
            .values()
            .find(|p| p.url.trim_end_matches('/') == host)
            .ok_or_else(|| {
                invalid_token(format!(
                    "No OpenIDConnect provider found in your account for {iss}"
                ))
            })?
            .clone();

        // The signature, with a key of the provider (matching `kid` when the header names one).
        let kid = jwt.header.get("kid").and_then(Value::as_str);
        let candidates: Vec<&ProviderKey> = self
            .oidc_provider_keys(&provider.arn)
            .iter()
            .filter(|k| k.algorithm() == alg && (kid.is_none() || k.kid.as_deref() == kid))
            .collect();
        if candidates.is_empty() {
            return Err(invalid_token(
                "Couldn't retrieve verification key from your identity provider,  please \
                 reference AssumeRoleWithWebIdentity documentation for requirements",
            ));
        }
        if !candidates
            .iter()
            .any(|k| k.verify(jwt.signed.as_bytes(), &jwt.signature))
        {
            return Err(invalid_token(
                "The web identity token's signature does not verify with the identity \
                 provider's key",
            ));
        }

        // Validity period.
        let now = self.clock.now();
        let exp = jwt
            .claims
            .get("exp")
            .and_then(Value::as_i64)
            .ok_or_else(|| invalid_token("The web identity token has no numeric exp claim"))?;
        if now.0 >= exp {
            return Err(IamError::new(
                ErrorCode::ExpiredTokenException,
                format!(
                    "Token expired: current date/time {} must be before the expiration date/time {exp}",
                    now.0
                ),
            ));
        }
        if let Some(nbf) = jwt.claims.get("nbf").and_then(Value::as_i64)
            && now.0 < nbf
        {
            return Err(invalid_token(format!(
                "Token not yet valid: current date/time {} must be after the not-before date/time {nbf}",
                now.0
            )));
        }

        // Audience: `aud` (string or list), or `azp`, must be one of the provider's client ids.
        let mut auds = string_claims(jwt.claims.get("aud"));
        auds.extend(string_claims(jwt.claims.get("azp")));
        let audience = auds
            .iter()
            .find(|a| provider.client_ids.iter().any(|c| c == *a))
            .cloned()
            .ok_or_else(|| invalid_token("Incorrect token audience"))?;
        let subject = jwt
            .claims
            .get("sub")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                IamError::new(
                    ErrorCode::IdpRejectedClaim,
                    "The web identity token has no sub claim",
                )
            })?
            .to_string();

        // Session tags and source identity from the token (IAM User Guide, "Passing session
        // tags using AssumeRoleWithWebIdentity"; "Monitor and control actions taken with
        // assumed roles").
        let mut tags: Vec<(String, String)> = Vec::new();
        let mut transitive: Vec<String> = Vec::new();
        if let Some(t) = jwt.claims.get("https://aws.amazon.com/tags") {
            let rejected = |why: &str| {
                IamError::new(
                    ErrorCode::IdpRejectedClaim,
                    format!("The https://aws.amazon.com/tags claim is not valid: {why}"),
                )
            };
            let t = t.as_object().ok_or_else(|| rejected("not an object"))?;
            if let Some(pt) = t.get("principal_tags") {
                let pt = pt
                    .as_object()
                    .ok_or_else(|| rejected("principal_tags is not an object"))?;
                for (k, v) in pt {
                    let value = string_claims(Some(v))
                        .into_iter()
                        .next()
                        .ok_or_else(|| rejected("a tag value is not a string or list"))?;
                    validate::tag_key(k)?;
                    validate::tag_value(&value)?;
                    tags.push((k.clone(), value));
                }
            }
            transitive = string_claims(t.get("transitive_tag_keys"));
            if tags.len() > 50 {
                return Err(rejected("more than 50 session tags"));
            }
        }
        let source_identity = jwt
            .claims
            .get("https://aws.amazon.com/source_identity")
            .and_then(Value::as_str)
            .map(str::to_string);
        if let Some(si) = &source_identity {
            check_source_identity(si)?;
        }

        // The role (this account's) and its trust policy.
        let role = self
            .roles
            .get(&key(req.role_arn.rsplit('/').next().unwrap_or_default()))
            .filter(|r| r.arn == req.role_arn)
            .ok_or_else(not_authorized)?
            .clone();
        let principal =
            Principal::web_identity_session(&role.arn, &req.role_session_name, &provider.arn)
                .map_err(|e| IamError::invalid_input(e.to_string()))?;
        let mut ctx = OwnedContext::default();
        let prefix = provider.url.trim_end_matches('/');
        ctx.insert_one(&format!("{prefix}:aud"), &audience);
        ctx.insert_one(&format!("{prefix}:sub"), &subject);
        let amr = string_claims(jwt.claims.get("amr"));
        if !amr.is_empty() {
            ctx.insert(&format!("{prefix}:amr"), amr);
        }
        ctx.insert_one("aws:FederatedProvider", &provider.arn);
        ctx.insert_one("sts:RoleSessionName", &req.role_session_name);
        ctx.insert_one("aws:CurrentTime", &now.to_string());
        ctx.insert_one("aws:EpochTime", &now.0.to_string());
        if !tags.is_empty() {
            for (k, v) in &tags {
                ctx.insert_one(&format!("aws:RequestTag/{k}"), v);
            }
            ctx.insert("aws:TagKeys", tags.iter().map(|(k, _)| k.clone()).collect());
        }
        if !transitive.is_empty() {
            ctx.insert("sts:TransitiveTagKeys", transitive.clone());
        }
        if let Some(si) = &source_identity {
            ctx.insert_one("sts:SourceIdentity", si);
        }
        let mut layers = Layers {
            resource: Some((role.trust_policy.shared(), PolicyType::Trust)),
            ..Layers::default()
        };
        let mut resource_in_management = false;
        if let Some(op) = &self.org_policies {
            if op.management_account {
                resource_in_management = true;
            } else {
                layers.rcps = op.rcps.clone();
            }
        }
        let engine = layers.cached_engine()?;
        let c = ctx.as_context();
        let mut actions = vec!["sts:AssumeRoleWithWebIdentity"];
        if !tags.is_empty() {
            actions.push("sts:TagSession");
        }
        if source_identity.is_some() {
            actions.push("sts:SetSourceIdentity");
        }
        for action in actions {
            let mut r = Request::new(&principal, action, &role.arn)
                .with_context(&c)
                .with_resource_account(&self.id);
            r.resource_in_management_account = resource_in_management;
            if !engine.evaluate(&r).is_allowed() {
                return Err(not_authorized());
            }
        }
        if duration > role.max_session_duration {
            return Err(IamError::validation(
                "durationSeconds",
                &duration.to_string(),
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
            ));
        }
        let (policies, packed) = session_policies(self, req.policy.as_deref(), &req.policy_arns)?;

        let key_id = access_key_id_for(IdPrefix::TemporaryAccessKey, &self.id)?;
        let secret = secret_text(40)?;
        let token = secret_text(356)?;
        let arn = format!(
            "arn:aws:sts::{}:assumed-role/{}/{}",
            self.id, role.name, req.role_session_name
        );
        let user_id = format!("{}:{}", role.id, req.role_session_name);
        let tag_bytes: usize = tags.iter().map(|(k, v)| k.len() + v.len()).sum();
        let session = Session {
            access_key_id: key_id.clone(),
            secret_access_key: secret.clone(),
            session_token: token.clone(),
            issued: now,
            mfa_authenticated_at: None,
            arn: arn.clone(),
            user_id: user_id.clone(),
            expiration: now + i64::from(duration),
            kind: SessionKind::Role {
                role_name: role.name.clone(),
                session_name: req.role_session_name.clone(),
                chained: false,
            },
            policies,
            tags,
            transitive_tag_keys: transitive,
            source_identity: source_identity.clone(),
        };
        self.sessions.insert(key_id.clone(), session);
        Ok(WebIdentityCredentials {
            credentials: Credentials {
                access_key_id: key_id,
                secret_access_key: secret,
                session_token: token,
                expiration: now + i64::from(duration),
                arn,
                id: user_id,
                packed_policy_size: u32::try_from((packed + tag_bytes) * 100 / 2048)
                    .unwrap_or(u32::MAX),
            },
            subject,
            audience,
            provider: iss,
            source_identity,
        })
    }
}

//! OAuth clients (relying parties): what a registration may contain and how a redirect URI sent
//! by a client is matched against the registered ones. Pure rules, no I/O.

use super::FieldError;
use crate::crypto::signing_keys::SigningAlgorithm;
use url::{Host, Url};

/// How a client proves who it is at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuthMethod {
    #[value(name = "client_secret_basic")]
    ClientSecretBasic,
    #[value(name = "client_secret_post")]
    ClientSecretPost,
    #[value(name = "private_key_jwt")]
    PrivateKeyJwt,
    /// A public client (a browser or native app) that cannot keep a secret.
    #[value(name = "none")]
    None,
}

impl AuthMethod {
    /// Every method, in the order discovery lists them.
    pub const ALL: [AuthMethod; 4] = [
        Self::ClientSecretBasic,
        Self::ClientSecretPost,
        Self::PrivateKeyJwt,
        Self::None,
    ];

    /// The registered name (`token_endpoint_auth_method`).
    pub fn name(self) -> &'static str {
        match self {
            Self::ClientSecretBasic => "client_secret_basic",
            Self::ClientSecretPost => "client_secret_post",
            Self::PrivateKeyJwt => "private_key_jwt",
            Self::None => "none",
        }
    }

    /// The method with this name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.name() == name)
    }

    /// True for the methods that use a client secret.
    pub fn uses_secret(self) -> bool {
        matches!(self, Self::ClientSecretBasic | Self::ClientSecretPost)
    }
}

/// The grants a client may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GrantType {
    #[value(name = "authorization_code")]
    AuthorizationCode,
    #[value(name = "refresh_token")]
    RefreshToken,
    #[value(name = "client_credentials")]
    ClientCredentials,
}

impl GrantType {
    /// Every grant type, in the order discovery lists them.
    pub const ALL: [GrantType; 3] = [
        Self::AuthorizationCode,
        Self::RefreshToken,
        Self::ClientCredentials,
    ];

    /// The `grant_type` value.
    pub fn name(self) -> &'static str {
        match self {
            Self::AuthorizationCode => "authorization_code",
            Self::RefreshToken => "refresh_token",
            Self::ClientCredentials => "client_credentials",
        }
    }

    /// The grant type with this name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.name() == name)
    }
}

/// The scopes Tessera knows. A client may be limited to a subset.
pub const KNOWN_SCOPES: [&str; 7] = [
    "openid",
    "profile",
    "email",
    "address",
    "phone",
    "offline_access",
    "organization",
];

/// The scopes a new client gets when none are given.
pub const DEFAULT_SCOPES: [&str; 4] = ["openid", "profile", "email", "offline_access"];

/// Longest allowed client name, URI and list.
const MAX_NAME: usize = 100;
const MAX_URI: usize = 2000;
const MAX_URIS: usize = 20;

/// A registered client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    pub id: String,
    pub name: String,
    /// SHA-256 digest of the client secret (hex); `None` for clients without a secret.
    pub secret_digest: Option<String>,
    pub auth_method: AuthMethod,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub grant_types: Vec<GrantType>,
    pub scopes: Vec<String>,
    pub jwks_uri: Option<String>,
    /// First-party clients skip the consent page.
    pub first_party: bool,
    pub backchannel_logout_uri: Option<String>,
    pub id_token_alg: SigningAlgorithm,
    /// Per-client lifetimes; `None` uses the server defaults.
    pub access_token_seconds: Option<i64>,
    pub id_token_seconds: Option<i64>,
    pub refresh_token_seconds: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Client {
    /// True for a public client (no way to authenticate it).
    pub fn is_public(&self) -> bool {
        self.auth_method == AuthMethod::None
    }

    /// True when the client registered this grant type.
    pub fn allows_grant(&self, grant: GrantType) -> bool {
        self.grant_types.contains(&grant)
    }

    /// True when the client may ask for this scope.
    pub fn allows_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// The registered redirect URI that `requested` matches, if any: the same string, except that
    /// for a registered `http` loopback URI any port is accepted (RFC 8252 §7.3: native apps get
    /// an ephemeral port from the system).
    pub fn matching_redirect_uri(&self, requested: &str) -> Option<&str> {
        self.redirect_uris
            .iter()
            .find(|registered| redirect_uri_matches(registered, requested))
            .map(String::as_str)
    }

    /// True when `uri` is a registered post-logout redirect URI (exact match only).
    pub fn allows_post_logout_redirect(&self, uri: &str) -> bool {
        self.post_logout_redirect_uris.iter().any(|u| u == uri)
    }
}

fn redirect_uri_matches(registered: &str, requested: &str) -> bool {
    if registered == requested {
        return true;
    }
    let (Ok(reg), Ok(req)) = (Url::parse(registered), Url::parse(requested)) else {
        return false;
    };
    if reg.scheme() != "http" || req.scheme() != "http" || !is_loopback(&reg) {
        return false;
    }
    // Compare everything but the port, on the original strings' parsed forms; a requested URI
    // that normalises differently (dot segments, case) is refused by the string check below.
    let strip = |u: &Url| {
        let mut u = u.clone();
        let _ = u.set_port(None);
        u.to_string()
    };
    strip(&reg) == strip(&req) && without_port(requested) == without_port(registered)
}

/// The URI text with the `:port` after the host removed, so only the port may differ.
fn without_port(uri: &str) -> String {
    let Some(rest) = uri.strip_prefix("http://") else {
        return uri.to_string();
    };
    let (authority, path) = match rest.find(['/', '?', '#']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let host = if let Some(end) = authority.find(']') {
        &authority[..=end]
    } else {
        authority.split(':').next().unwrap_or(authority)
    };
    format!("http://{host}{path}")
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Checks a redirect URI for registration: absolute, no fragment, and `https`; `http` only on a
/// loopback host; a private-use scheme (`com.example.app:/cb`, RFC 8252 §7.1) only for a public
/// client. Returns the URI unchanged.
pub fn check_redirect_uri(
    field: &'static str,
    uri: &str,
    public: bool,
) -> Result<String, FieldError> {
    let bad = |message: &str| Err(FieldError::new(field, format!("{uri:?}: {message}")));
    if uri.is_empty() || uri.len() > MAX_URI {
        return bad("must be 1 to 2000 characters");
    }
    if uri.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return bad("must not contain spaces or control characters");
    }
    let Ok(url) = Url::parse(uri) else {
        return bad("is not an absolute URI");
    };
    if url.fragment().is_some() {
        return bad("must not have a fragment (#)");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return bad("must not contain credentials");
    }
    match url.scheme() {
        "https" if url.host().is_some() => Ok(uri.to_string()),
        "http" if is_loopback(&url) => Ok(uri.to_string()),
        "http" => bad("http is only allowed for loopback hosts (localhost, 127.0.0.1, [::1])"),
        scheme
            if public
                && scheme.contains('.')
                && !matches!(scheme, "javascript" | "data" | "file" | "vbscript") =>
        {
            Ok(uri.to_string())
        }
        _ => bad("must use https (or a private-use scheme like com.example.app: for native apps)"),
    }
}

/// Checks a URI the server itself calls (`jwks_uri`, `backchannel_logout_uri`): `https`, or
/// `http` on a loopback host.
pub fn check_server_uri(field: &'static str, uri: &str) -> Result<String, FieldError> {
    let bad = |message: &str| Err(FieldError::new(field, format!("{uri:?}: {message}")));
    if uri.is_empty() || uri.len() > MAX_URI || uri.chars().any(|c| c.is_control()) {
        return bad("must be 1 to 2000 characters without control characters");
    }
    let Ok(url) = Url::parse(uri) else {
        return bad("is not an absolute URI");
    };
    if url.fragment().is_some() {
        return bad("must not have a fragment (#)");
    }
    match url.scheme() {
        "https" if url.host().is_some() => Ok(uri.to_string()),
        "http" if is_loopback(&url) => Ok(uri.to_string()),
        _ => bad("must use https (http only for loopback hosts)"),
    }
}

/// Checks a client name: 1 to 100 printable characters.
pub fn check_name(name: &str) -> Result<String, FieldError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(FieldError::new(
            "name",
            "must be 1 to 100 characters without control characters",
        ));
    }
    Ok(name.to_string())
}

/// The settings of a registration, checked together.
#[derive(Debug, Clone)]
pub struct Registration {
    pub name: String,
    pub auth_method: AuthMethod,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub grant_types: Vec<GrantType>,
    pub scopes: Vec<String>,
    pub jwks_uri: Option<String>,
    pub first_party: bool,
    pub backchannel_logout_uri: Option<String>,
    pub id_token_alg: SigningAlgorithm,
    pub access_token_seconds: Option<i64>,
    pub id_token_seconds: Option<i64>,
    pub refresh_token_seconds: Option<i64>,
}

impl Registration {
    /// Checks every field and their combinations; `max_token_seconds` is how long a rotated
    /// signing key stays published, which no token lifetime may exceed.
    pub fn check(mut self, max_token_seconds: i64) -> Result<Self, FieldError> {
        self.name = check_name(&self.name)?;
        let public = self.auth_method == AuthMethod::None;
        dedup(&mut self.grant_types);
        dedup(&mut self.scopes);
        dedup(&mut self.redirect_uris);
        dedup(&mut self.post_logout_redirect_uris);
        if self.grant_types.is_empty() {
            return Err(FieldError::new(
                "grant-type",
                "give at least one grant type",
            ));
        }
        if self.redirect_uris.len() > MAX_URIS || self.post_logout_redirect_uris.len() > MAX_URIS {
            return Err(FieldError::new(
                "redirect-uri",
                "at most 20 URIs of each kind",
            ));
        }
        for uri in &self.redirect_uris {
            check_redirect_uri("redirect-uri", uri, public)?;
        }
        for uri in &self.post_logout_redirect_uris {
            check_redirect_uri("post-logout-redirect-uri", uri, public)?;
        }
        let uses_code = self.grant_types.contains(&GrantType::AuthorizationCode);
        if uses_code && self.redirect_uris.is_empty() {
            return Err(FieldError::new(
                "redirect-uri",
                "the authorization_code grant needs at least one redirect URI",
            ));
        }
        if !uses_code && !self.redirect_uris.is_empty() {
            return Err(FieldError::new(
                "redirect-uri",
                "redirect URIs are only used by the authorization_code grant",
            ));
        }
        if self.grant_types.contains(&GrantType::RefreshToken) && !uses_code {
            return Err(FieldError::new(
                "grant-type",
                "refresh_token needs authorization_code (refresh tokens come from it)",
            ));
        }
        if public && self.grant_types.contains(&GrantType::ClientCredentials) {
            return Err(FieldError::new(
                "grant-type",
                "a public client cannot use client_credentials",
            ));
        }
        for scope in &self.scopes {
            let valid = !scope.is_empty()
                && scope.len() <= 100
                && scope
                    .bytes()
                    .all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b));
            if !valid {
                return Err(FieldError::new(
                    "scope",
                    format!(
                        "{scope:?} has invalid characters (RFC 6749 §3.3); OpenID scopes are {}, \
                         others are API scopes of your own",
                        KNOWN_SCOPES.join(", ")
                    ),
                ));
            }
        }
        if uses_code && !self.scopes.iter().any(|s| s == "openid") {
            return Err(FieldError::new(
                "scope",
                "a client using authorization_code must be allowed the openid scope",
            ));
        }
        match (&self.auth_method, &self.jwks_uri) {
            (AuthMethod::PrivateKeyJwt, None) => {
                return Err(FieldError::new(
                    "jwks-uri",
                    "private_key_jwt needs --jwks-uri (where the client's public keys are)",
                ));
            }
            (AuthMethod::PrivateKeyJwt, Some(uri)) => {
                check_server_uri("jwks-uri", uri)?;
            }
            (_, Some(_)) => {
                return Err(FieldError::new(
                    "jwks-uri",
                    "only used with --auth-method private_key_jwt",
                ));
            }
            (_, None) => {}
        }
        if let Some(uri) = &self.backchannel_logout_uri {
            check_server_uri("backchannel-logout-uri", uri)?;
        }
        for (field, value) in [
            ("access-token-seconds", self.access_token_seconds),
            ("id-token-seconds", self.id_token_seconds),
        ] {
            if let Some(seconds) = value
                && !(30..=max_token_seconds).contains(&seconds)
            {
                return Err(FieldError::new(
                    field,
                    format!(
                        "must be 30 to {max_token_seconds} seconds \
                         (signing_keys.keep_after_rotation_seconds)"
                    ),
                ));
            }
        }
        if let Some(seconds) = self.refresh_token_seconds
            && !(60..=366 * 24 * 3600).contains(&seconds)
        {
            return Err(FieldError::new(
                "refresh-token-seconds",
                "must be 60 seconds to 366 days",
            ));
        }
        Ok(self)
    }
}

fn dedup<T: PartialEq + Clone>(items: &mut Vec<T>) {
    let mut seen: Vec<T> = Vec::with_capacity(items.len());
    items.retain(|item| {
        if seen.contains(item) {
            false
        } else {
            seen.push(item.clone());
            true
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(uris: &[&str]) -> Client {
        Client {
            id: "c".into(),
            name: "n".into(),
            secret_digest: None,
            auth_method: AuthMethod::None,
            redirect_uris: uris.iter().map(|s| s.to_string()).collect(),
            post_logout_redirect_uris: vec![],
            grant_types: vec![GrantType::AuthorizationCode],
            scopes: vec!["openid".into()],
            jwks_uri: None,
            first_party: false,
            backchannel_logout_uri: None,
            id_token_alg: SigningAlgorithm::Rs256,
            access_token_seconds: None,
            id_token_seconds: None,
            refresh_token_seconds: None,
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn redirect_uris_match_exactly() {
        let c = client(&["https://app.example/cb", "http://127.0.0.1/cb"]);
        assert!(c.matching_redirect_uri("https://app.example/cb").is_some());
        for other in [
            "https://app.example/cb/",
            "https://app.example/cb?x=1",
            "https://APP.example/cb",
            "https://app.example:443/cb",
            "https://app.example/CB",
            "https://app.example/cb#",
            "https://app.example.evil/cb",
            "http://app.example/cb",
        ] {
            assert!(c.matching_redirect_uri(other).is_none(), "{other}");
        }
    }

    #[test]
    fn loopback_port_may_differ_and_nothing_else() {
        let c = client(&["http://127.0.0.1/cb", "http://[::1]:8000/cb"]);
        assert!(
            c.matching_redirect_uri("http://127.0.0.1:51234/cb")
                .is_some()
        );
        assert!(c.matching_redirect_uri("http://[::1]:9/cb").is_some());
        for other in [
            "http://127.0.0.1:51234/cb2",
            "http://127.0.0.1:51234/cb?x",
            "http://127.0.0.2:51234/cb",
            "http://localhost:51234/cb",
            "http://127.0.0.1:51234/./cb",
            "http://127.0.0.1:51234/a/../cb",
            "http://user@127.0.0.1:51234/cb",
        ] {
            assert!(c.matching_redirect_uri(other).is_none(), "{other}");
        }
    }

    #[test]
    fn registration_rules() {
        assert!(check_redirect_uri("r", "https://a.example/cb", false).is_ok());
        assert!(check_redirect_uri("r", "http://localhost:3000/cb", false).is_ok());
        assert!(check_redirect_uri("r", "http://a.example/cb", false).is_err());
        assert!(check_redirect_uri("r", "https://a.example/cb#x", false).is_err());
        assert!(check_redirect_uri("r", "javascript:alert(1)", true).is_err());
        assert!(check_redirect_uri("r", "com.example.app:/cb", true).is_ok());
        assert!(check_redirect_uri("r", "com.example.app:/cb", false).is_err());
        assert!(check_redirect_uri("r", "/relative", false).is_err());
        assert!(check_redirect_uri("r", "https://u:p@a.example/", false).is_err());
    }
}

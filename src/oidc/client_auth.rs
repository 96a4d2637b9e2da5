//! Client authentication at the token, revocation and introspection endpoints (RFC 6749 §2.3,
//! OpenID Connect Core §9): `client_secret_basic`, `client_secret_post`, `private_key_jwt`
//! (`client_assertion.rs`), and `none` for public clients. A client must use the method it registered; more than one method in a request is
//! refused. Secrets are compared by their SHA-256 digests in constant time.

use super::error::OAuthError;
use super::form::Form;
use crate::app::AppState;
use crate::domain::client::{AuthMethod, Client};
use crate::oidc::client_registry::secret_matches;
use actix_web::HttpRequest;
use actix_web::http::header;
use base64::Engine;

/// A failed authentication; `basic` says whether the client tried HTTP Basic, so the 401 can
/// carry the matching `WWW-Authenticate` challenge (RFC 6749 §5.2).
#[derive(Debug)]
pub struct AuthFailure {
    pub error: OAuthError,
    pub basic: bool,
}

impl From<OAuthError> for AuthFailure {
    fn from(error: OAuthError) -> Self {
        Self {
            error,
            basic: false,
        }
    }
}

impl AuthFailure {
    /// The JSON error response, with `WWW-Authenticate: Basic` when Basic was tried.
    pub fn response(&self) -> actix_web::HttpResponse {
        let mut response = self.error.json_response();
        if self.basic && self.error.code == super::error::ErrorCode::InvalidClient {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Basic realm=\"tessera\", charset=\"UTF-8\""),
            );
        }
        response
    }
}

struct Presented {
    client_id: String,
    secret: Option<String>,
    assertion: Option<String>,
    method: AuthMethod,
}

fn basic_credentials(req: &HttpRequest) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let bad = || OAuthError::invalid_client("malformed Basic credentials");
    let text = value.to_str().map_err(|_| bad())?;
    let Some((scheme, encoded)) = text.split_once(' ') else {
        return Err(bad());
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Ok(None);
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| bad())?;
    let decoded = String::from_utf8(decoded).map_err(|_| bad())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(bad)?;
    // RFC 6749 §2.3.1: both halves are form-urlencoded before being joined.
    let unescape = |s: &str| {
        url::form_urlencoded::parse(format!("v={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Ok(Some((
        unescape(id).ok_or_else(bad)?,
        unescape(secret).ok_or_else(bad)?,
    )))
}

fn presented(req: &HttpRequest, form: &Form) -> Result<Presented, AuthFailure> {
    let basic = basic_credentials(req).map_err(|error| AuthFailure { error, basic: true })?;
    let body_secret = form.get("client_secret");
    let assertion = form
        .get("client_assertion")
        .or(form.get("client_assertion_type"));
    let methods = usize::from(basic.is_some())
        + usize::from(body_secret.is_some())
        + usize::from(assertion.is_some());
    if methods > 1 {
        return Err(
            OAuthError::invalid_request("use exactly one client authentication method").into(),
        );
    }
    let body_id = form.get("client_id");
    if assertion.is_some() {
        if form.get("client_assertion_type") != Some(super::client_assertion::JWT_BEARER) {
            return Err(OAuthError::invalid_client(format!(
                "client_assertion_type must be {}",
                super::client_assertion::JWT_BEARER
            ))
            .into());
        }
        let jwt = form
            .get("client_assertion")
            .ok_or_else(|| OAuthError::invalid_client("client_assertion is missing"))?;
        let claimed = super::client_assertion::claimed_client(jwt)
            .ok_or_else(|| OAuthError::invalid_client("the client assertion is not a JWT"))?;
        if body_id.is_some_and(|b| b != claimed) {
            return Err(OAuthError::invalid_client(
                "client_id does not match the client assertion",
            )
            .into());
        }
        return Ok(Presented {
            client_id: claimed,
            secret: None,
            assertion: Some(jwt.to_string()),
            method: AuthMethod::PrivateKeyJwt,
        });
    }
    if let Some((id, secret)) = basic {
        if body_id.is_some_and(|b| b != id) {
            return Err(AuthFailure {
                error: OAuthError::invalid_request("client_id does not match the credentials"),
                basic: true,
            });
        }
        return Ok(Presented {
            client_id: id,
            secret: Some(secret),
            assertion: None,
            method: AuthMethod::ClientSecretBasic,
        });
    }
    let Some(id) = body_id else {
        return Err(OAuthError::invalid_client("client authentication is required").into());
    };
    Ok(Presented {
        client_id: id.to_string(),
        secret: body_secret.map(str::to_string),
        assertion: None,
        method: if body_secret.is_some() {
            AuthMethod::ClientSecretPost
        } else {
            AuthMethod::None
        },
    })
}

/// The authenticated client of this request.
pub async fn authenticate(
    state: &AppState,
    req: &HttpRequest,
    form: &Form,
) -> Result<Client, AuthFailure> {
    let presented = presented(req, form)?;
    let basic = presented.method == AuthMethod::ClientSecretBasic;
    let fail = |description: &str| AuthFailure {
        error: OAuthError::invalid_client(description),
        basic,
    };
    if presented.client_id.is_empty() || presented.client_id.len() > 100 {
        return Err(fail("unknown client or wrong credentials"));
    }
    let client = state
        .clients
        .get(state, &presented.client_id)
        .await
        .map_err(|e| AuthFailure {
            error: e.into(),
            basic,
        })?
        .map(|c| (*c).clone());
    let Some(client) = client else {
        return Err(fail("unknown client or wrong credentials"));
    };
    if client.auth_method != presented.method {
        return Err(fail(&format!(
            "this client must authenticate with {}",
            client.auth_method.name()
        )));
    }
    if let Some(secret) = &presented.secret
        && !secret_matches(&client, secret)
    {
        return Err(fail("unknown client or wrong credentials"));
    }
    if let Some(assertion) = &presented.assertion {
        super::client_assertion::verify(state, &client, assertion)
            .await
            .map_err(|error| AuthFailure { error, basic })?;
    }
    Ok(client)
}

//! `/admin/v1/clients`: OpenID Connect clients (the secret shown once, when made or rotated).

use super::caller::Caller;
use super::problem::{ApiError, Problem};
use super::{idempotency, json_body, time};
use crate::app::AppState;
use crate::crypto::signing_keys::SigningAlgorithm;
use crate::domain::FieldError;
use crate::domain::client::{AuthMethod, Client, GrantType, Registration};
use crate::oidc::client_registry::{self as ops, ClientError, WithSecret};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// A client (never its secret, except once in the answer that makes or rotates it).
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientOut {
    pub id: String,
    pub name: String,
    /// client_secret_basic, client_secret_post, private_key_jwt or none (public).
    pub token_endpoint_auth_method: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub grant_types: Vec<String>,
    pub scopes: Vec<String>,
    pub jwks_uri: Option<String>,
    pub first_party: bool,
    pub backchannel_logout_uri: Option<String>,
    pub id_token_signed_response_alg: String,
    pub access_token_seconds: Option<i64>,
    pub id_token_seconds: Option<i64>,
    pub refresh_token_seconds: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
}

impl ClientOut {
    fn new(c: Client, secret: Option<String>) -> Self {
        Self {
            token_endpoint_auth_method: c.auth_method.name().into(),
            grant_types: c.grant_types.iter().map(|g| g.name().to_string()).collect(),
            id_token_signed_response_alg: c.id_token_alg.name().into(),
            id: c.id,
            name: c.name,
            redirect_uris: c.redirect_uris,
            post_logout_redirect_uris: c.post_logout_redirect_uris,
            scopes: c.scopes,
            jwks_uri: c.jwks_uri,
            first_party: c.first_party,
            backchannel_logout_uri: c.backchannel_logout_uri,
            access_token_seconds: c.access_token_seconds,
            id_token_seconds: c.id_token_seconds,
            refresh_token_seconds: c.refresh_token_seconds,
            created_at: time(c.created_at),
            updated_at: time(c.updated_at),
            client_secret: secret,
        }
    }
}

/// A client's settings; absent fields keep their value on PATCH and take the defaults on POST.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientInput {
    pub name: Option<String>,
    pub token_endpoint_auth_method: Option<String>,
    pub redirect_uris: Option<Vec<String>>,
    pub post_logout_redirect_uris: Option<Vec<String>>,
    pub grant_types: Option<Vec<String>>,
    pub scopes: Option<Vec<String>>,
    #[serde(default, deserialize_with = "super::present")]
    #[schema(value_type = Option<String>)]
    pub jwks_uri: Option<Option<String>>,
    pub first_party: Option<bool>,
    #[serde(default, deserialize_with = "super::present")]
    #[schema(value_type = Option<String>)]
    pub backchannel_logout_uri: Option<Option<String>>,
    pub id_token_signed_response_alg: Option<String>,
    #[serde(default, deserialize_with = "super::present")]
    #[schema(value_type = Option<i64>)]
    pub access_token_seconds: Option<Option<i64>>,
    #[serde(default, deserialize_with = "super::present")]
    #[schema(value_type = Option<i64>)]
    pub id_token_seconds: Option<Option<i64>>,
    #[serde(default, deserialize_with = "super::present")]
    #[schema(value_type = Option<i64>)]
    pub refresh_token_seconds: Option<Option<i64>>,
}

impl ClientInput {
    /// Applies the given fields to a registration.
    fn apply(self, r: &mut Registration) -> Result<(), FieldError> {
        if let Some(name) = self.name {
            r.name = name;
        }
        if let Some(method) = self.token_endpoint_auth_method {
            r.auth_method = AuthMethod::from_name(&method).ok_or_else(|| {
                FieldError::new(
                    "token_endpoint_auth_method",
                    "must be client_secret_basic, client_secret_post, private_key_jwt or none",
                )
            })?;
        }
        if let Some(uris) = self.redirect_uris {
            r.redirect_uris = uris;
        }
        if let Some(uris) = self.post_logout_redirect_uris {
            r.post_logout_redirect_uris = uris;
        }
        if let Some(grants) = self.grant_types {
            r.grant_types = grants
                .iter()
                .map(|g| {
                    GrantType::from_name(g).ok_or_else(|| {
                        FieldError::new("grant_types", format!("{g:?} is not a grant type"))
                    })
                })
                .collect::<Result<_, _>>()?;
        }
        if let Some(scopes) = self.scopes {
            r.scopes = scopes;
        }
        if let Some(uri) = self.jwks_uri {
            r.jwks_uri = uri;
        }
        if let Some(first_party) = self.first_party {
            r.first_party = first_party;
        }
        if let Some(uri) = self.backchannel_logout_uri {
            r.backchannel_logout_uri = uri;
        }
        if let Some(alg) = self.id_token_signed_response_alg {
            r.id_token_alg = SigningAlgorithm::from_name(&alg).ok_or_else(|| {
                FieldError::new(
                    "id_token_signed_response_alg",
                    "must be RS256, ES256 or EdDSA",
                )
            })?;
        }
        if let Some(seconds) = self.access_token_seconds {
            r.access_token_seconds = seconds;
        }
        if let Some(seconds) = self.id_token_seconds {
            r.id_token_seconds = seconds;
        }
        if let Some(seconds) = self.refresh_token_seconds {
            r.refresh_token_seconds = seconds;
        }
        Ok(())
    }
}

fn client_error(error: ClientError) -> ApiError {
    match error {
        ClientError::Invalid(field) => ApiError::Invalid(field),
        ClientError::NotFound => ApiError::NotFound("client"),
        ClientError::Storage(e) => e.into(),
    }
}

/// Runs a (blocking) registry operation off the HTTP worker.
async fn blocking<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(&AppState) -> Result<T, ClientError> + Send + 'static,
) -> Result<T, ApiError> {
    let state = state.clone();
    web::block(move || work(&state))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(client_error)
}

fn plausible(id: &str) -> Result<(), ApiError> {
    if id.is_empty() || id.len() > 100 {
        return Err(ApiError::NotFound("client"));
    }
    Ok(())
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/clients", web::get().to(list))
        .route("/clients", web::post().to(create))
        .route("/clients/{id}", web::get().to(get))
        .route("/clients/{id}", web::patch().to(update))
        .route("/clients/{id}", web::delete().to(delete))
        .route("/clients/{id}/rotate-secret", web::post().to(rotate_secret));
}

/// List clients.
#[utoipa::path(get, path = "/admin/v1/clients", tag = "clients",
    responses((status = 200, body = super::DataList<ClientOut>), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["clients:read"])))]
pub async fn list(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require("clients:read")?;
    let all: Vec<ClientOut> = blocking(&state, ops::list)
        .await?
        .into_iter()
        .map(|c| ClientOut::new(c, None))
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "data": all })))
}

/// Register a client; a confidential client's secret is in the answer, once.
#[utoipa::path(post, path = "/admin/v1/clients", tag = "clients", request_body = ClientInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, body = ClientOut), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["clients:write"])))]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require("clients:write")?;
    idempotency::run(&state, &caller, &req, &body, || async {
        let input: ClientInput = json_body(&body)?;
        let public = input.token_endpoint_auth_method.as_deref() == Some("none");
        let mut registration = Registration {
            name: String::new(),
            auth_method: ops::default_auth_method(public),
            redirect_uris: Vec::new(),
            post_logout_redirect_uris: Vec::new(),
            grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
            scopes: Vec::new(),
            jwks_uri: None,
            first_party: false,
            backchannel_logout_uri: None,
            id_token_alg: SigningAlgorithm::Rs256,
            access_token_seconds: None,
            id_token_seconds: None,
            refresh_token_seconds: None,
        };
        input.apply(&mut registration)?;
        let WithSecret { client, secret } =
            blocking(&state, move |s| ops::create(s, registration)).await?;
        crate::audit::record(&state, caller.event("client.created", "client", &client.id)).await;
        Ok((StatusCode::CREATED, json!(ClientOut::new(client, secret))))
    })
    .await
}

/// Get a client.
#[utoipa::path(get, path = "/admin/v1/clients/{id}", tag = "clients",
    params(("id" = String, Path, description = "The id")),
    responses((status = 200, body = ClientOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["clients:read"])))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require("clients:read")?;
    plausible(&id)?;
    let id = id.into_inner();
    let client = blocking(&state, move |s| ops::show(s, &id)).await?;
    Ok(HttpResponse::Ok().json(ClientOut::new(client, None)))
}

/// Change a client (moving to a secret-based method issues a secret, in the answer).
#[utoipa::path(patch, path = "/admin/v1/clients/{id}", tag = "clients", request_body = ClientInput,
    params(("id" = String, Path, description = "The id")),
    responses((status = 200, body = ClientOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["clients:write"])))]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require("clients:write")?;
    plausible(&id)?;
    let input: ClientInput = json_body(&body)?;
    let id = id.into_inner();
    let result = blocking(&state, move |s| {
        let mut registration = ops::registration_of(&ops::show(s, &id)?);
        // Every field is checked before anything is written.
        input.apply(&mut registration)?;
        ops::update(s, &id, move |r| *r = registration)
    })
    .await;
    let WithSecret { client, secret } = result?;
    crate::audit::record(&state, caller.event("client.updated", "client", &client.id)).await;
    Ok(HttpResponse::Ok().json(ClientOut::new(client, secret)))
}

/// Delete a client with its grants and consents.
#[utoipa::path(delete, path = "/admin/v1/clients/{id}", tag = "clients",
    params(("id" = String, Path, description = "The id")),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["clients:write"])))]
pub async fn delete(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require("clients:write")?;
    plausible(&id)?;
    let id = id.into_inner();
    let key = id.clone();
    blocking(&state, move |s| ops::delete(s, &key)).await?;
    crate::audit::record(&state, caller.event("client.deleted", "client", &id)).await;
    Ok(HttpResponse::NoContent().finish())
}

/// A new client secret (in the answer, once); the old one stops at once.
#[utoipa::path(post, path = "/admin/v1/clients/{id}/rotate-secret", tag = "clients",
    params(("id" = String, Path, description = "The id")),
    responses((status = 200, body = ClientOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["clients:write"])))]
pub async fn rotate_secret(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require("clients:write")?;
    plausible(&id)?;
    let id = id.into_inner();
    let WithSecret { client, secret } =
        blocking(&state, move |s| ops::rotate_secret(s, &id)).await?;
    crate::audit::record(
        &state,
        caller.event("client.secret_rotated", "client", &client.id),
    )
    .await;
    Ok(HttpResponse::Ok().json(ClientOut::new(client, secret)))
}
